"""Adding or editing a live source: its kind, name, settings and key, with a connection
test before anything is saved. The key goes to the system keyring, never to the
workspace; a blank key field on edit keeps the stored key."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from worthit.core.errors import UserError
from worthit.sources.connectors import Connector, connectors
from worthit.store.cache import Cache
from worthit.ui import workers, writes
from worthit.workspace import Workspace, identity


class SourceDialog(QDialog):
    """``saved(str)`` with the source's name once it is saved."""

    saved = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None, *,
                 name: str | None = None, kind: str | None = None,
                 settings: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.editing = workspace, name
        self.setWindowTitle(f"Edit {name}" if name else "Add a live source")
        self.resize(560, 380)
        self.kinds = connectors()
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        self.kind = QComboBox()
        for key, connector in self.kinds.items():
            self.kind.addItem(connector.title, key)
        if kind is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self.kind.setEnabled(name is None)
        self.name = QLineEdit(name or "")
        self.name.setPlaceholderText("e.g. openai-prod")
        self.form.addRow("Kind", self.kind)
        self.form.addRow("Name", self.name)
        layout.addLayout(self.form)
        self.fields: dict[str, QLineEdit] = {}
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_label = QLabel()
        note = QLabel("Keys are kept in the system keyring, never in the workspace. Test "
                      "connection makes one small request with what is typed here.",
                      objectName="Readout")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.test_button = QPushButton("Test connection")
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(self.test)
        layout.addWidget(buttons)
        self._initial = dict(settings or {})
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    @property
    def connector(self) -> Connector:
        return self.kinds[self.kind.currentData()]

    def _kind_changed(self) -> None:
        while self.form.rowCount() > 2:
            self.form.removeRow(2)
        self.fields = {}
        connector = self.connector
        if not self.editing:
            self.name.setPlaceholderText(f"e.g. {connector.kind}-prod")
        for setting in connector.settings:
            field = QLineEdit(str(self._initial.get(setting.name, setting.default or "")))
            field.setPlaceholderText(setting.default or "optional")
            field.setToolTip(setting.help)
            self.fields[setting.name] = field
            self.form.addRow(setting.name.replace("_", " ").capitalize(), field)
        if connector.secret:
            self.secret = QLineEdit()
            self.secret.setEchoMode(QLineEdit.EchoMode.Password)
            self.secret.setPlaceholderText("kept in the system keyring" if not self.editing
                                           else "blank: keep the stored key")
            self.form.addRow(connector.secret[:1].upper() + connector.secret[1:], self.secret)
        self.test_button.setEnabled(connector.test is not None)

    def values(self) -> dict[str, str]:
        return {name: field.text().strip() for name, field in self.fields.items()
                if field.text().strip()}

    def _secret(self) -> str | None:
        from worthit import secrets

        typed = self.secret.text().strip() if self.connector.secret else ""
        if typed:
            return typed
        wanted = self.connector.wants_secret(self.values())
        if not (self.editing and wanted):
            return None
        with self.workspace.open() as cache:
            return secrets.load(self.editing, workspace=identity(cache))

    def test(self) -> None:
        """Test on a worker: the dialog stays responsive while the API answers."""
        connector, settings = self.connector, self.values()
        try:
            secret = self._secret()
        except UserError as error:
            self.say(str(error))
            return
        if connector.test is None:
            return
        probe = connector.test
        workers.preload(*workers.NETWORK_MODULES)
        self.say("Testing…")
        self.test_button.setEnabled(False)

        self._tested_secret = secret

        def work() -> Any:
            yield "testing"
            return probe(settings, secret)

        # Bound methods: Qt calls them on the UI thread.
        self._worker = workers.start(work, returned=self.say, errored=self._test_failed,
                                     finished=self._test_finished)

    def _test_failed(self, error: Exception) -> None:
        from worthit import secrets

        secret = self._tested_secret
        text = str(error) if isinstance(error, UserError) else \
            f"The test failed ({type(error).__name__})."
        self.say(secrets.redact(text, [secret] if secret else []))

    def _test_finished(self) -> None:
        self.test_button.setEnabled(True)

    def save(self) -> None:
        from worthit import secrets
        from worthit.store.sources import add_source, check_new_name, update_settings

        name = self.name.text().strip()
        typed = self.secret.text().strip() if self.connector.secret else ""
        editing, connector, kind = self.editing, self.connector, self.kind.currentData()
        settings = self.values()

        def job(cache: Cache) -> str:  # on the workspace's writer, keyring included
            if editing:
                if name != editing:
                    raise UserError("Rename a source from the Sources page.")
                if typed:  # the key the source had comes back if the settings are refused
                    with secrets.replacing(name, typed, workspace=identity(cache)):
                        update_settings(cache, name, settings)
                else:
                    update_settings(cache, name, settings)
            else:
                check_new_name(cache, name)  # before the keyring: a refusal costs no key
                if connector.wants_secret(settings) and not typed:
                    raise UserError(f"Enter the {connector.secret}.")
                if typed:
                    with secrets.replacing(name, typed, workspace=identity(cache)):
                        add_source(cache, name, kind, settings)
                else:
                    add_source(cache, name, kind, settings)
            return name

        self.say("Saving…")
        self.save_button.setEnabled(False)
        writes.submit(self.workspace, job, owner=self, done=self._saved, failed=self._refused)

    def _saved(self, name: str) -> None:
        self.saved.emit(name)
        self.accept()

    def _refused(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.say(message)

    def say(self, text: str) -> None:
        self.status.setText(text)

"""**File › Export FOCUS…**: the workspace's charges as a FOCUS dataset for FinOps tools.
The dialog asks for the FOCUS version, the days (every day with data, or a period), masking
and the file (.csv, .csv.gz or .parquet); the file is written on a worker through the
window's task bar, with its progress and a Cancel button. The status bar says where it
went, or in plain words why it could not be written; a cancelled export leaves no file
(and an existing one as it was)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.export.focus_spec import FOCUS_VERSIONS
from worthit.ui.export_form import STATUS_MS, ExportForm, documents, run_export
from worthit.ui.widgets.period_bar import PeriodBar
from worthit.workspace import Workspace

#: How each version is offered.
VERSION_LABELS: Final = {
    "1.2": "FOCUS 1.2 (checked by the FinOps Foundation's validator)",
    "1.3": "FOCUS 1.3 (allocation in its split cost allocation columns)",
    "1.4": "FOCUS 1.4 (its June 2026 draft)",
}
#: The file dialog's filters, by file suffix.
FILTERS: Final = {".csv": "FOCUS CSV (*.csv)", ".csv.gz": "FOCUS CSV, gzipped (*.csv.gz)",
                  ".parquet": "Parquet (*.parquet)"}


@dataclass(frozen=True, slots=True)
class FocusRequest:
    """What the dialog asks for: the version, the days (None: every day with data),
    masking and the file."""

    version: str
    period: Period | None
    mask: bool
    out: Path


def focus_work(workspace: Workspace, request: FocusRequest) -> Callable[..., Any]:
    """The task that writes ``request``'s file: ``work(cancelled, progress)`` for
    :meth:`worthit.ui.widgets.task_bar.TaskBar.run`, on a pool thread with its own cache
    connection. It returns what was written (:class:`worthit.export.focus.Written`)."""

    def work(cancelled: Callable[[], bool], progress: Callable[[float, str], None]) -> Any:
        from worthit.export.focus import FocusExport, check_out, export_period

        out = check_out(request.out)
        with workspace.open() as cache:
            asked = request.period
            days = export_period(cache.data_range(), asked.start if asked else None,
                                 asked.end if asked else None, workspace=workspace.name)
            try:
                return FocusExport(cache, request.version, days, mask=request.mask,
                                   cancelled=cancelled, progress=progress).export(out)
            except OSError as error:
                raise UserError(f"Could not write {out}: {error.strerror or error}.") from error

    return work


def export_focus(window: Any, request: FocusRequest) -> bool:
    """Write the file on a worker through ``window.tasks``; False (with a message) when
    another task is running."""
    return run_export(window, "Exporting FOCUS", focus_work(window.workspace, request),
                      lambda written: f"FOCUS file saved to {written.path}: "
                                      f"{written.describe()}")


def suffix_of(path: Path) -> str | None:
    """The FOCUS suffix ``path`` ends in (.csv, .csv.gz, .parquet), None for another."""
    name = path.name.lower()
    return next((s for s in (".csv.gz", ".csv", ".parquet") if name.endswith(s)), None)



class FocusDialog(ExportForm):
    """The export's options. ``accepted`` means :meth:`request` is ready to export."""

    def __init__(self, workspace: Workspace, period: Period, held: tuple[dt.date, dt.date],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.held = held
        self.setWindowTitle("Export FOCUS")
        self.setMinimumWidth(640)
        self._path_edited = False
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        intro = QLabel("Every daily charge as a FOCUS cost and usage dataset, the format "
                       "FinOps tools read, with its team and feature as the Allocation page "
                       "shows them.", objectName="Readout")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(10)
        self.version = QComboBox()
        for version in FOCUS_VERSIONS:
            self.version.addItem(VERSION_LABELS.get(version, f"FOCUS {version}"), version)
        self.version.currentIndexChanged.connect(self._refresh_path)
        form.addRow("Version", self.version)

        self.all_days = QCheckBox(f"Every day with data ({held[0].isoformat()} to "
                                  f"{held[1].isoformat()})")
        self.all_days.setChecked(True)
        self.period_bar = PeriodBar(held[1])
        self.period_bar.set_range(period)
        self.period_bar.setEnabled(False)
        self.all_days.toggled.connect(lambda on: self.period_bar.setEnabled(not on))
        self.all_days.toggled.connect(self._refresh_path)
        self.period_bar.changed.connect(self._refresh_path)
        days = QVBoxLayout()
        days.setSpacing(4)
        days.addWidget(self.all_days)
        days.addWidget(self.period_bar)
        form.addRow("Days", days)

        self.masked = QCheckBox("Mask account, API key and resource ids and account names")
        self.masked.setToolTip("Replace them with stable pseudonyms (account-1, key-1, "
                             "resource-1) for a wider audience")
        form.addRow("Masking", self.masked)

        self.path = QLineEdit()
        self.path.textEdited.connect(self._path_typed)
        self.path.textChanged.connect(self._validate)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        form.addRow("File", file_row)
        layout.addLayout(form)

        self.problem = QLabel(objectName="Bad")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._refresh_path()

    # -- state --------------------------------------------------------------------------

    def chosen_version(self) -> str:
        return str(self.version.currentData())

    def set_version(self, version: str) -> None:
        self.version.setCurrentIndex(self.version.findData(version))

    def set_path(self, path: Path) -> None:
        self._path_edited = True
        self.path.setText(str(path))

    def out(self) -> Path | None:
        text = self.path.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if suffix_of(path) else path.with_name(path.name + ".csv")

    def days(self) -> Period | None:
        """The period asked for, None for every day with data."""
        return None if self.all_days.isChecked() else self.period_bar.period()

    def request(self) -> FocusRequest:
        out = self.out()
        if out is None:
            raise UserError("Choose where to save the FOCUS file.")
        return FocusRequest(self.chosen_version(), self.days(), self.masked.isChecked(), out)

    def default_path(self, suffix: str = ".csv") -> Path:
        first, last = (self.held if self.days() is None else
                       (self.period_bar.period().start, self.period_bar.period().end))
        name = re.sub(r"[^a-z0-9]+", "-", f"worthit {self.workspace.name}".lower()).strip("-")
        return documents() / (f"{name or 'worthit'}-focus-{self.chosen_version()}-"
                               f"{first.isoformat()}-to-{last.isoformat()}{suffix}")

    def problem_text(self) -> str:
        """Why the file cannot be exported as set, or "" (an existing file is a note)."""
        out = self.out()
        if out is None:
            return "Choose where to save the FOCUS file."
        if not out.parent.is_dir():
            return f"The folder {out.parent} does not exist."
        return ""

    # -- reacting -----------------------------------------------------------------------

    def _refresh_path(self) -> None:
        if not self._path_edited:
            current = self.out()
            self.path.setText(str(self.default_path(
                (suffix_of(current) if current else None) or ".csv")))
        self._validate()

    def _path_typed(self) -> None:
        self._path_edited = True

    def _choose_file(self) -> None:
        out = self.out() or self.default_path()
        chosen, kind = QFileDialog.getSaveFileName(
            self, "Export FOCUS", str(out), ";;".join(FILTERS.values()),
            FILTERS[suffix_of(out) or ".csv"])
        if chosen:
            path = Path(chosen)
            if suffix_of(path) is None:
                wanted = next((s for s, f in FILTERS.items() if f == kind), ".csv")
                path = path.with_name(path.name + wanted)
            self.set_path(path)


def open_focus_dialog(window: Any) -> FocusDialog | None:
    """Show the dialog for ``window`` (a :class:`~worthit.ui.main_window.MainWindow`), or
    raise the one already open; accepting it starts the export. A workspace without
    charges gets a message instead."""
    existing = window.findChild(FocusDialog)
    if existing is not None and existing.isVisible():
        existing.raise_()
        existing.activateWindow()
        return existing  # type: ignore[no-any-return]
    with window.workspace.open() as cache:
        held = cache.data_range()
    if held is None:
        window.statusBar().showMessage("This workspace holds no charges yet: import a bill "
                                       "or add a source first.", STATUS_MS)
        return None
    dialog = FocusDialog(window.workspace, window.period_bar.period(), held, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: export_focus(window, dialog.request()))
    dialog.open()
    return dialog

"""View › Display currency…: the one currency every page shows its money in, a setting of
the workspace (:mod:`worthit.store.display`). Amounts billed in another currency are
converted at the rate of their day; a page whose period lacks a rate says which."""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from worthit.core.errors import UserError
from worthit.store.display import (
    FALLBACK,
    billing_currencies,
    checked_currency,
    choose_currency,
    chosen_currency,
    default_currency,
)
from worthit.ui import writes
from worthit.workspace import Workspace

#: Offered beside the currencies the charges are billed in (any ISO 4217 code may be typed).
COMMON: Final = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NOK", "SEK", "DKK")


class CurrencyDialog(QDialog):
    """Choose the display currency. Signals: ``chosen(str)`` with the code once it is
    saved; ``failed(str)`` with the message when it could not be."""

    chosen = Signal(str)
    failed = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Display currency")
        with workspace.open() as cache:  # two small reads: the setting and the currencies
            billed = billing_currencies(cache)
            picked = chosen_currency(cache)
        self.default = default_currency(billed)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Every page shows its money in one currency. "
            + (f"The charges are billed in {', '.join(billed)}. " if billed else "")
            + "Amounts billed in another are converted at the rate of their day (or the "
            "latest before it); import rates with `worthit rates import FILE` (the ECB's "
            "reference rates, or a date,from,to,rate CSV). A period without the rates it "
            "needs is not summed: its page says which rates are missing.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)
        self.code = QComboBox(editable=True)
        self.code.addItems(list(dict.fromkeys([*billed, *COMMON])))
        self.code.setCurrentText(picked or self.default)
        self.code.setToolTip("An ISO 4217 code, such as USD, EUR or NOK")
        layout.addWidget(self.code)
        self.note = QLabel(f"Default: {self.default} ("
                           + ("the one currency the charges are billed in)"
                              if self.default != FALLBACK or billed == [FALLBACK]
                              else "the charges are billed in several currencies, or none)"),
                           objectName="CardNote")
        layout.addWidget(self.note)
        self.error = QLabel(objectName="Bad")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        reset = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        reset.setText("Use the default")
        reset.clicked.connect(lambda: self.save(default=True))
        layout.addWidget(buttons)

    def save(self, *, default: bool = False) -> None:
        """Save the code typed or picked (``default``: forget the choice), through the
        workspace's writer; the dialog closes once it is saved."""
        try:
            code = None if default else checked_currency(self.code.currentText())
        except UserError as error:
            self._failed(str(error))
            return
        writes.submit(self.workspace, lambda cache: choose_currency(cache, code), owner=self,
                      done=self._saved, failed=self._failed)

    def _saved(self, code: str) -> None:
        self.chosen.emit(code)
        self.accept()

    def _failed(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.failed.emit(message)


def open_currency_dialog(window: Any) -> CurrencyDialog:
    """Show the dialog for ``window``'s workspace (non-modal, deleted when closed)."""
    dialog = CurrencyDialog(window.workspace, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.chosen.connect(lambda code: _shown_in(window, code))
    dialog.show()
    return dialog


def _shown_in(window: Any, code: str) -> None:
    """Every page's figures are in another currency now: recompute."""
    for page in window.pages.built():
        if page is not window.current_page:
            page.period = None
    window.reload()
    window.statusBar().showMessage(f"Money is shown in {code}", 5000)

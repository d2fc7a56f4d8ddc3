"""The price catalog: every model in the usage and its smaller tiers, with its rates per
million tokens, their date and source, and the user's own rates (negotiated prices).

A rate typed into a cell becomes an override for that model and that rate; *Use list
price* removes the model's overrides. A model without a price says *unpriced*."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from worthit.core.scenarios import ModelRef
from worthit.store.cache import Cache
from worthit.store.swap import RATE_COLUMNS, load_overrides, set_override
from worthit.ui import theme, writes
from worthit.workspace import Workspace

if TYPE_CHECKING:
    from worthit.analysis.model_swap import SwapData
    from worthit.pricing.catalog import Price

HEADERS: Final = ("Provider", "Model", "Input", "Cached input", "Cache write 5m",
                  "Cache write 1h", "Output", "Batch ×", "As of", "Source")
RATE_AT: Final = {name: 2 + n for n, name in enumerate(RATE_COLUMNS)}


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


class PriceCatalogDialog(QDialog):
    """``changed()`` after the user's rates change."""

    changed = Signal()

    def __init__(self, workspace: Workspace, data: SwapData,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.data = workspace, data
        self.setWindowTitle("Price catalog")
        self.resize(1180, 520)
        layout = QVBoxLayout(self)
        intro = QLabel("USD per million tokens. Type a rate to use your own (a negotiated "
                       "price); it applies to this workspace only. Batch × multiplies every "
                       "rate for batch traffic.", objectName="Readout")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.status = QLabel(objectName="Bad")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.reset_button = QPushButton("Use list price")
        self.reset_button.setToolTip("Remove your rates for the selected model")
        self.reset_button.clicked.connect(self.reset_selected)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.table.itemChanged.connect(self._edited)
        self.models: list[ModelRef] = data.choices()
        self.refresh()

    def refresh(self) -> None:
        from worthit.pricing.catalog import Catalog, Override

        with self.workspace.open() as cache:
            rows = load_overrides(cache)
        self.overrides = {(str(r["provider_name"]), str(r["model"])): r for r in rows}
        catalog = Catalog({key: Override(key[0], key[1], **{c: r[c] for c in RATE_COLUMNS},
                                         note=str(r["note"] or ""))  # type: ignore[arg-type]
                           for key, r in self.overrides.items()})
        day = self.data.period.end
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(len(self.models))
            bad = QColor(theme.colours().bad)
            for row, model in enumerate(self.models):
                price = catalog.price(model[0], model[1], day)
                self._fill(row, model, price, bad)
        finally:
            self.table.blockSignals(False)

    def _fill(self, row: int, model: ModelRef, price: Price | None, bad: QColor) -> None:
        values: list[str]
        if price is None:
            values = [model[0], model[1], *["" for _ in RATE_COLUMNS], "", "unpriced: left "
                      "out of every saving until you type at least an input and an output rate"]
        else:
            values = [model[0], model[1], *[_rate(getattr(price, c)) for c in RATE_COLUMNS],
                      "" if price.as_of is None else price.as_of.isoformat(), price.source]
        overridden = model in self.overrides
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, model)
            editable = 2 <= column < 2 + len(RATE_COLUMNS)
            if not editable:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            else:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if price is None:
                item.setForeground(bad)
            elif overridden and editable and self.overrides[model].get(RATE_COLUMNS[column - 2]) \
                    is not None:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setToolTip("Your rate")
            self.table.setItem(row, column, item)

    def _edited(self, item: QTableWidgetItem) -> None:
        column = item.column() - 2
        if not 0 <= column < len(RATE_COLUMNS):
            return
        model: ModelRef = item.data(Qt.ItemDataRole.UserRole)
        name = RATE_COLUMNS[column]
        text = item.text().strip().lstrip("$")
        current = self.overrides.get(model, {})
        rates: dict[str, float | None] = {c: current.get(c) for c in RATE_COLUMNS}  # type: ignore[misc]
        try:
            rate = None if text in ("", "–") else float(text)
            if rate is not None and not 0 <= rate < float("inf"):
                raise ValueError(text)
            rates[name] = rate
        except ValueError:
            self.status.setText(f"{text!r} is not a rate (a number of zero or more); "
                                f"{model[1]} is unchanged.")
            self.refresh()
            return
        note = str(current.get("note") or "negotiated rate")
        self._save(lambda cache: set_override(cache, model[0], model[1], rates, note))

    def _save(self, job: Callable[[Cache], None]) -> None:
        """Hand the change to the workspace's writer; the table shows it once saved."""
        self.status.setText("Saving…")
        writes.submit(self.workspace, job, owner=self, done=self._saved,
                      failed=self._refused)

    def _saved(self, _: None) -> None:
        self.status.setText("")
        self.refresh()
        self.changed.emit()

    def _refused(self, message: str) -> None:
        self.status.setText(message)
        self.refresh()

    def reset_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        model = self.models[row]
        self._save(lambda cache: set_override(cache, model[0], model[1],
                                              dict.fromkeys(RATE_COLUMNS)))

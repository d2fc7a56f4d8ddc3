"""A unit's daily counts for the period: see them beside the cost, edit one, import a CSV.

Days with cost but no count are highlighted: they are the gaps the Units page leaves out.
Every edit is saved at once (a count is one row); an import is all or nothing. A unit
counted from the traces (active customers, agent runs) shows its counts, read-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from worthit.core.errors import UserError
from worthit.core.money import money, unit_money
from worthit.core.plural import plural
from worthit.core.units import Count, read_counts_file
from worthit.store.cache import Cache
from worthit.store.units import clear_count, daily_counts, load_units, write_counts
from worthit.ui import theme, writes
from worthit.workspace import Workspace

if TYPE_CHECKING:
    from worthit.analysis.unit_economics import UnitEconomics

DAY, COST, COUNT, PER_UNIT = range(4)


class CountsDialog(QDialog):
    """``changed()`` after any count is saved."""

    changed = Signal()

    def __init__(self, workspace: Workspace, economics: UnitEconomics,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.economics = workspace, economics
        unit = economics.unit
        self.setWindowTitle(f"Counts: {unit.name}")
        self.resize(620, 640)
        layout = QVBoxLayout(self)
        how = ("Counted from the request traces: each day's distinct ones (a week's or "
               "the period's count is its distinct ones, not the sum of its days')."
               if unit.derived else "Edit a count to save it; clear it to remove it.")
        intro = QLabel(f"Daily counts of {unit.counts_what}, {economics.period.label()}. "
                       f"{how}", objectName="Readout")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.status = QLabel(objectName="Bad")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Day", "Cost", "Count", "Cost per unit"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("A CSV with the columns date, unit, count")
        self.import_button.clicked.connect(self._import_clicked)
        self.import_button.setVisible(not unit.derived)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.table.itemChanged.connect(self._edited)
        self.refresh()

    def refresh(self) -> None:
        e = self.economics
        if e.unit.derived:  # counted from the traces when the figures were computed
            self.counts = {b.start: b.count for b in e.daily if b.count}
        else:
            with self.workspace.open() as cache:
                self.counts = daily_counts(cache, e.unit.unit_id, e.period.start,
                                           e.period.end)
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(len(e.daily))
            gap_brush = _gap_colour()
            gaps = 0
            for row, day in enumerate(e.daily):
                cost = day.cost + day.gap_cost
                count = self.counts.get(day.start)
                cells = [day.start.isoformat(), money(cost, e.unit.currency, cents=True),
                         "" if count is None else f"{count:g}",
                         "–" if not count else unit_money(cost / count, e.unit.currency)]
                gap = count is None and abs(cost) >= 0.005
                gaps += gap
                for column, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    item.setData(Qt.ItemDataRole.UserRole, day.start)
                    if column != COUNT or e.unit.derived:
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    if column != DAY:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                              | Qt.AlignmentFlag.AlignVCenter)
                    if gap:
                        item.setBackground(gap_brush)
                        item.setToolTip("Cost but no count: left out of the unit cost")
                    self.table.setItem(row, column, item)
        finally:
            self.table.blockSignals(False)
        self.gap_days = gaps
        self.status.setText(f"{plural(gaps, 'day')} with cost but no count (highlighted)."
                            if gaps else "")

    def changeEvent(self, event: QEvent) -> None:
        # The gaps' highlight is the theme's "bad" colour: repaint it in the new one.
        if event.type() == QEvent.Type.PaletteChange:
            colour = _gap_colour()
            self.table.blockSignals(True)  # a recolour is no edit of a count
            try:
                for row in range(self.table.rowCount()):
                    for column in range(self.table.columnCount()):
                        item = self.table.item(row, column)
                        if item is not None and \
                                item.background().style() != Qt.BrushStyle.NoBrush:
                            item.setBackground(colour)
            finally:
                self.table.blockSignals(False)
        super().changeEvent(event)

    def _edited(self, item: QTableWidgetItem) -> None:
        if item.column() != COUNT or self.economics.unit.derived:
            return
        day: dt.date = item.data(Qt.ItemDataRole.UserRole)
        text = item.text().strip().replace(",", "")
        unit_id = self.economics.unit.unit_id
        try:
            value = float(text) if text else None
            if value is not None and not 0 <= value < float("inf"):
                raise ValueError(text)
        except ValueError:
            self.refresh()  # puts the cell back (and rewrites the status, so refuse after)
            self.status.setText(f"{text!r} is not a count (a number of zero or more); "
                                f"{day} is unchanged.")
            return
        if value is None:
            self._save(lambda cache: clear_count(cache, unit_id, day))
        else:
            self._save(lambda cache: write_counts(cache, [Count(unit_id, day, value)]))

    def import_file(self, path: Path) -> bool:
        """Import a counts CSV (any unit in it, not only this one); all or nothing. Read
        here, written by the workspace's writer; False when the file is refused."""
        try:
            with self.workspace.open() as cache:
                counts = read_counts_file(path, load_units(cache))
        except UserError as error:
            self.status.setText(str(error))
            return False
        said = f"Imported {plural(len(counts), 'count')} from {path.name}. "
        self._save(lambda cache: write_counts(cache, counts), said)
        return True

    def _save(self, job: Callable[[Cache], object], said: str = "") -> None:
        def done(_: object) -> None:
            self.refresh()
            self.status.setText(said + self.status.text())
            self.changed.emit()

        def refused(message: str) -> None:
            self.refresh()
            self.status.setText(message)

        writes.submit(self.workspace, job, owner=self, done=done, failed=refused)

    def _import_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import counts", "", "CSV (*.csv)")
        if name:
            self.import_file(Path(name))


def _gap_colour() -> QColor:
    """A day with cost but no count: the theme's "bad" colour, faint behind the text."""
    colour = QColor(theme.colours().bad)
    colour.setAlpha(50)
    return colour

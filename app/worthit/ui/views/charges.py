"""The charges behind an allocation node: a sortable, searchable table.

Sorting and searching run in SQL on a worker, over every matching charge, not only over
the rows on screen; the table shows the first rows in the chosen order and says how many
match in all. Each charge shows its cost as billed, in its own currency, and converted to
the page's currency at the rate the page used."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from worthit.core.money import money, percent
from worthit.core.rules import ROOT_NAME
from worthit.store import reads
from worthit.ui import table_export, workers
from worthit.ui.models.records import Column, RecordsModel
from worthit.workspace import Workspace

if TYPE_CHECKING:
    from worthit.analysis.allocation import Allocation

ROW_LIMIT: Final = 5_000


def _billed(value: float) -> str:
    """An amount in the currency beside it (the charge's own)."""
    return f"{value:,.2f}".replace("-", "−")


def columns(currency: str) -> tuple[Column, ...]:
    """The table's columns, converted amounts in ``currency`` (the page's)."""
    def shown(value: float) -> str:
        return money(value, currency, cents=True)

    return (
        Column("Day", "day"),
        Column("Provider", "provider"),
        Column("Account", "account"),
        Column("Service", "service"),
        Column("Resource", "resource"),
        Column("Usage type", "usage_type"),
        Column("Model", "model"),
        Column("Tags", "tags"),
        Column("Billed in", "currency"),
        Column("Cost as billed", "cost", _billed, numeric=True),
        Column(f"Cost ({currency})", "converted", shown, numeric=True),
        Column("Share", "share", lambda v: percent(v, digits=1), numeric=True),
        Column("Allocated", "allocated", shown, numeric=True),
    )


#: The columns in the page's currency when it is USD (their keys are the same in any).
COLUMNS: Final = columns("USD")


class ChargesDialog(QDialog):
    """``loaded(int)`` fires with the number of matching charges after each query."""

    loaded = Signal(int)

    def __init__(self, workspace: Workspace, allocation: Allocation, path: tuple[str, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.allocation, self.path = workspace, allocation, path
        self.shares = allocation.key_shares(path)
        self.order_by, self.descending = "allocated", True
        self._generation = 0
        self._worker: workers.Worker | None = None
        where = " › ".join(path) or ROOT_NAME
        self.setWindowTitle(f"Charges behind {where}")
        self.resize(1280, 660)
        layout = QVBoxLayout(self)
        node = allocation.node(path)
        heading = QLabel(f"{where}: {money(node.cost, allocation.currency)} in "
                         f"{allocation.period.label()}", objectName="SectionTitle")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(heading)
        if node.reason:
            reason = QLabel(node.reason, objectName="CardNote")
            reason.setWordWrap(True)
            layout.addWidget(reason)
        bar = QHBoxLayout()
        self.search = QLineEdit(placeholderText="Filter: provider, account, service, "
                                                "resource, usage type, model or tag text")
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.status = QLabel("Loading…", objectName="Readout")
        bar.addWidget(self.status)
        layout.addLayout(bar)
        self.columns = columns(allocation.currency)
        self.model = RecordsModel(self.columns, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setSortIndicator(len(self.columns) - 1, Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(self._sort)
        table_export.install(self.table, f"Charges behind {where}",
                             period=lambda: allocation.period, filters=self._export_filters,
                             currency=lambda: allocation.currency)
        bar.addWidget(table_export.export_button(self.table))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.query)
        self.search.textChanged.connect(self._debounce.start)
        self.query()

    def _export_filters(self) -> dict[str, str]:
        order = "descending" if self.descending else "ascending"
        header = next(c.header for c in self.columns if c.key == self.order_by)
        return {"search": self.search.text() or "none", "rows": self.status.text(),
                "sorted by": f"{header}, {order}"}

    def _sort(self, section: int, order: Qt.SortOrder) -> None:
        self.order_by = self.columns[section].key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.query()

    def query(self) -> None:
        """Re-run the query for the current search and order; the newest request wins."""
        self._generation += 1
        if self._worker is not None:
            self._worker.cancel()
        generation, workspace, shares = self._generation, self.workspace, self.shares
        period, search = self.allocation.period, self.search.text()
        order_by, descending = self.order_by, self.descending
        currency = self.allocation.currency

        def work() -> Generator[str, None, tuple[int, Any, int]]:
            from worthit.analysis.charge_index import charge_index

            yield "querying"
            with workspace.open() as cache:
                # The rates the page converted with, so the rows add up to the node.
                rates, blank = charge_index(cache, currency).rates_by_day(period.start,
                                                                          period.end)
                frame, count = reads.charges_of_keys(
                    cache, shares, period.start, period.end, search=search,
                    order_by=order_by, descending=descending, limit=ROW_LIMIT,
                    rates=rates, blank=blank)
            # SQL NULL arrives as NaN in text columns; a blank cell says it better.
            records = frame.astype(object).where(frame.notna(), None).to_dict("records")
            return generation, records, count

        self.status.setText("Loading…")
        self._worker = workers.start(work, returned=self._show, errored=self._failed)

    def _show(self, payload: tuple[int, list[dict[str, Any]], int]) -> None:
        generation, records, count = payload
        if generation != self._generation:
            return
        self.model.set_records(records)
        if not self.table.property("sized"):
            self.table.resizeColumnsToContents()
            for column in range(len(self.columns)):
                width = min(self.table.columnWidth(column), 200)
                self.table.setColumnWidth(column, width)
            self.table.setProperty("sized", True)
        shown = len(records)
        self.status.setText(f"{count:,} charges" if shown == count
                            else f"first {shown:,} of {count:,} charges")
        self.loaded.emit(count)

    def _failed(self, error: Exception) -> None:
        self.status.setText(f"Could not load the charges: {error}")

    def done(self, result: int) -> None:
        if self._worker is not None:
            self._worker.cancel()
        super().done(result)

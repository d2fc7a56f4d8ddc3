"""The read-only, sortable table the pages share, and the words an empty one shows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView

from worthit.ui import table_export
from worthit.ui.models.records import RecordsModel

Index = QModelIndex | QPersistentModelIndex


class PinnedLast(QSortFilterProxyModel):
    """Sorts by raw values, but a record marked ``pinned`` (Not traced) stays last in
    either order, as the Allocation page keeps Unallocated in sight."""

    def lessThan(self, left: Index, right: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, RecordsModel)
        ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
        if model.record(left.row()).get("pinned"):
            return not ascending
        if model.record(right.row()).get("pinned"):
            return ascending
        a, b = left.data(Qt.ItemDataRole.UserRole), right.data(Qt.ItemDataRole.UserRole)
        if a is None or b is None:  # no figure sorts below any figure
            return a is None and b is not None
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)


def sortable_table(model: RecordsModel, stretch: int, *, title: str = "", empty: str = "",
                   pinned: bool = False, **export: Any) -> QTableView:
    """A table over ``model`` sorted by raw values when a header is clicked (the model's
    own order until then), rows selected whole, column ``stretch`` taking the slack.
    While it has no rows it shows ``empty`` (what would be listed and how to get it)
    under its headers, when given.

    With ``pinned``, a record marked ``pinned`` (a Not traced or Not attributed row) stays
    last in either order (:class:`PinnedLast`).

    Right-click exports it as shown to CSV or Excel: ``title`` names it within its page,
    ``export`` takes :class:`~worthit.ui.table_export.TableExport`'s options (``filters``,
    ``formats``, ``currency``)."""
    proxy = PinnedLast(model) if pinned else QSortFilterProxyModel(model)
    proxy.setSourceModel(model)
    proxy.setSortRole(Qt.ItemDataRole.UserRole)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    view.verticalHeader().hide()
    view.setShowGrid(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table_export.install(view, title, **export)
    if empty:
        EmptyNote(view, empty)
    return view


def wrap_rows(view: QTableView) -> None:
    """Rows as tall as their wrapped text, for a table whose text must be read whole
    (never cut): a one-line row keeps the usual height."""
    view.setWordWrap(True)
    rows = view.verticalHeader()
    rows.setMinimumSectionSize(rows.defaultSectionSize())
    rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)


class EmptyNote(QLabel):
    """Plain words filling an empty table's body, under its headers, instead of a blank
    box: shown exactly while the table has no rows. Change them with ``setText``."""

    def __init__(self, view: QTableView, text: str) -> None:
        super().__init__(text, view.viewport())
        self._body = view.viewport()
        self.setObjectName("EmptyTable")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._view = view
        model = view.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved,
                       model.layoutChanged):
            signal.connect(self._update)
        self._body.installEventFilter(self)
        self._update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._body and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._body.rect())
        return False

    def _update(self) -> None:
        self.setGeometry(self._body.rect())
        self.setVisible(self._view.model().rowCount() == 0)


def empty_note(view: QTableView) -> EmptyNote | None:
    """The words ``view`` shows while empty (None: it was made without any)."""
    return view.viewport().findChild(EmptyNote)

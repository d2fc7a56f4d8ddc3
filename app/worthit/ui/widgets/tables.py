"""The read-only, sortable table the pages share."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from worthit.ui import table_export
from worthit.ui.models.records import RecordsModel


def sortable_table(model: RecordsModel, stretch: int, *, title: str = "",
                   **export: Any) -> QTableView:
    """A table over ``model`` sorted by raw values when a header is clicked (the model's
    own order until then), rows selected whole, column ``stretch`` taking the slack.

    Right-click exports it as shown to CSV or Excel: ``title`` names it within its page,
    ``export`` takes :class:`~worthit.ui.table_export.TableExport`'s options (``filters``,
    ``formats``, ``currency``)."""
    proxy = QSortFilterProxyModel(model)
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
    return view

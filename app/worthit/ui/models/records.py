"""A read-only table model over a list of records (dicts), with per-column formatting.

Display text is formatted; ``Qt.UserRole`` holds the raw value, which is what sorting
uses (so $9 sorts below $10)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    key: str
    format: Callable[[Any], str] = str
    numeric: bool = False
    tone: Callable[[dict[str, Any]], str | None] | None = None  # a colour for the text
    missing: str = ""  # shown when the value is None (e.g. "unpriced")


class RecordsModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._records: list[dict[str, Any]] = []

    def set_records(self, records: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> dict[str, Any]:
        return self._records[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        record = self._records[index.row()]
        value = record.get(column.key)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.missing if value is None else column.format(value)
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return record.get("tooltip")  # a record may explain itself
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(column.numeric)
        if role == Qt.ItemDataRole.ForegroundRole and column.tone is not None:
            colour = column.tone(record)
            return QColor(colour) if colour else None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].header
        if role == Qt.ItemDataRole.TextAlignmentRole and orientation == Qt.Orientation.Horizontal:
            return _alignment(self._columns[section].numeric)
        return None


def _alignment(numeric: bool) -> int:
    horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
    return int(horizontal | Qt.AlignmentFlag.AlignVCenter)

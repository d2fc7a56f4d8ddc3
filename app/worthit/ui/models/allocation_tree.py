"""The allocation tree as a lazy Qt item model.

Rows are created when their parent is expanded (``canFetchMore``/``fetchMore``), so a
workspace with hundreds of thousands of resources costs only the rows a user opens. The
nodes themselves come from :class:`worthit.analysis.allocation.Allocation`, computed on a
worker; this model only presents them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from worthit.core.money import money, percent
from worthit.core.rules import ROOT, UNALLOCATED
from worthit.ui import theme

if TYPE_CHECKING:
    from worthit.analysis.allocation import Allocation, Node

Index = QModelIndex | QPersistentModelIndex

COLUMNS: Final = ("Name", "Effective cost", "Share", "Change", "Trend")
NAME, COST, SHARE, CHANGE, TREND = range(len(COLUMNS))
#: The node's path (a tuple) under this role; its raw trend array under TrendRole.
PathRole: Final = int(Qt.ItemDataRole.UserRole) + 1
TrendRole: Final = int(Qt.ItemDataRole.UserRole) + 2
SortRole: Final = int(Qt.ItemDataRole.UserRole)


class _Item:
    """One row: a node's path, its parent row and (once fetched) its child rows."""

    __slots__ = ("children", "parent", "path", "row")

    def __init__(self, path: tuple[str, ...], parent: _Item | None, row: int) -> None:
        self.path = path
        self.parent = parent
        self.row = row
        self.children: list[_Item] | None = None  # None until fetched


class AllocationTreeModel(QAbstractItemModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.allocation: Allocation | None = None
        self._root = _Item(ROOT, None, 0)
        self._team_colours: dict[str, str] = {}

    # -- feeding ----------------------------------------------------------------------

    def set_allocation(self, allocation: Allocation) -> None:
        self.beginResetModel()
        self.allocation = allocation
        self._root = _Item(ROOT, None, 0)
        self._team_colours = team_colours(allocation)
        self.endResetModel()

    def team_colour(self, team: str) -> str:
        return self._team_colours.get(team, theme.UNALLOCATED_COLOUR)

    def node(self, index: Index) -> Node | None:
        if self.allocation is None:
            return None
        return self.allocation.nodes.get(self._item(index).path)

    def index_of(self, path: tuple[str, ...]) -> QModelIndex:
        """The index of ``path``, fetching its ancestors' rows as needed (invalid if the
        path is not in the tree)."""
        if self.allocation is None or path not in self.allocation.nodes:
            return QModelIndex()
        index = QModelIndex()
        for depth in range(1, len(path) + 1):
            if self.canFetchMore(index):
                self.fetchMore(index)
            parent = self._item(index)
            found = next((c for c in parent.children or () if c.path == path[:depth]), None)
            if found is None:
                return QModelIndex()
            index = self.createIndex(found.row, 0, found)
        return index

    # -- structure --------------------------------------------------------------------

    def _item(self, index: Index) -> _Item:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(COLUMNS) or row < 0:
            return QModelIndex()
        item = self._item(parent)
        if item.children is None or row >= len(item.children):
            return QModelIndex()
        return self.createIndex(row, column, item.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        parent = self._item(index).parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        children = self._item(parent).children
        return 0 if children is None else len(children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if self.allocation is None:
            return False
        if parent.isValid() and parent.column() != 0:
            return False
        return bool(self.allocation.nodes[self._item(parent).path].children)

    def canFetchMore(self, parent: Index) -> bool:
        if self.allocation is None or (parent.isValid() and parent.column() != 0):
            return False
        item = self._item(parent)
        return item.children is None and bool(self.allocation.nodes[item.path].children)

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent):
            return
        assert self.allocation is not None
        item = self._item(parent)
        paths = self.allocation.nodes[item.path].children
        self.beginInsertRows(parent, 0, len(paths) - 1)
        item.children = [_Item(path, item, row) for row, path in enumerate(paths)]
        self.endInsertRows()

    # -- content ----------------------------------------------------------------------

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _align(section in (COST, SHARE, CHANGE))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.allocation is None:
            return None
        allocation = self.allocation
        node = allocation.nodes[self._item(index).path]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(node, column)
        if role == PathRole:
            return node.path
        if role == TrendRole:
            return node.trend if column == TREND else None
        if role == SortRole:
            return {NAME: node.name, COST: node.cost, SHARE: node.cost,
                    CHANGE: allocation.change_pct(node)}.get(column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _align(column in (COST, SHARE, CHANGE))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node)
        if role == Qt.ItemDataRole.DecorationRole and column == NAME and node.level == 1:
            return QColor(self.team_colour(node.path[0]))
        if role == Qt.ItemDataRole.FontRole and node.unallocated and node.level == 1:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == CHANGE:
            change = allocation.change_pct(node)
            if change is None or abs(change) < 0.0005:
                return None
            c = theme.colours()
            return QColor(c.bad if change > 0 else c.good)
        return None

    def _text(self, node: Node, column: int) -> str:
        assert self.allocation is not None
        cur = self.allocation.currency
        if column == NAME:
            return node.name
        if column == COST:
            return money(node.cost, cur)
        if column == SHARE:
            return percent(self.allocation.share(node))
        if column == CHANGE:
            change = self.allocation.change_pct(node)
            return "–" if change is None else percent(change, signed=True)
        return ""

    def _tooltip(self, node: Node) -> str:
        assert self.allocation is not None
        cur = self.allocation.currency
        lines = [" › ".join(node.path) or node.name,
                 f"{money(node.cost, cur)} in {self.allocation.period.label()}",
                 f"{money(node.previous, cur)} in {self.allocation.previous.label()}"]
        if not self.allocation.previous_complete:
            lines.append("(the previous period is only partly in the data)")
        if node.reason:
            lines.append(node.reason)
        return "\n".join(lines)


def team_colours(allocation: Allocation) -> dict[str, str]:
    """A colour per team, stable across periods (by name), Unallocated always grey."""
    teams = sorted(p[0] for p in allocation.nodes if len(p) == 1)
    colours = {team: theme.SERIES_COLOURS[n % len(theme.SERIES_COLOURS)]
               for n, team in enumerate(t for t in teams if t != UNALLOCATED)}
    colours[UNALLOCATED] = theme.UNALLOCATED_COLOUR
    return colours


def _align(numeric: bool) -> int:
    horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
    return int(horizontal | Qt.AlignmentFlag.AlignVCenter)

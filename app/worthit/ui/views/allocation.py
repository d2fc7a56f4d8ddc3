"""The Allocation page: every dollar under a team and a feature, Unallocated pinned on top.

The tree and the treemap show the same nodes and follow each other: selecting a row tiles
its children; clicking a tile opens that row; the breadcrumbs go back up. Any node opens
the charges behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from worthit.core.money import money, percent
from worthit.core.periods import Period
from worthit.core.rules import ROOT, ROOT_NAME
from worthit.store.cache import Cache
from worthit.ui import table_export
from worthit.ui.models.allocation_tree import (
    NAME,
    TREND,
    AllocationTreeModel,
    PathRole,
    TrendRole,
)
from worthit.ui.views.page import Page
from worthit.ui.widgets.card import Card
from worthit.ui.widgets.sparkline import SparklineDelegate
from worthit.ui.widgets.treemap import Breadcrumbs, Tile, Treemap

if TYPE_CHECKING:
    from worthit.analysis.allocation import Allocation

#: Above this share of spend, Unallocated is flagged as a problem.
UNALLOCATED_WARNING = 0.05


class AllocationPage(Page):
    name = "allocation"
    title = "Allocation"

    def chart_widget(self) -> QWidget | None:
        return getattr(self, "treemap", None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result: Allocation | None = None
        self.focus: tuple[str, ...] = ROOT
        self._expanded: set[tuple[str, ...]] = set()
        self._syncing = False
        self._first_result = True

        cards = QGridLayout()
        cards.setSpacing(10)
        self.total = Card("Total spend", "Effective cost (after discounts) in the period.")
        self.allocated = Card("Allocated to teams", "Spend that a rule assigns to a team and "
                              "feature, including split shared costs.")
        self.unallocated = Card("Unallocated", "Spend nobody owns yet, and why.")
        self.rules_card = Card("Rules", "Rules are tried in order; the first that matches "
                               "a charge decides where it goes.")
        for column, card in enumerate((self.total, self.allocated, self.unallocated,
                                       self.rules_card)):
            cards.addWidget(card, 0, column)
        self.edit_rules = QPushButton("Edit rules…")
        self.edit_rules.setToolTip("Add, reorder or split rules, with a preview of what "
                                   "moves before you save")
        self.edit_rules.clicked.connect(self.open_rules_editor)
        cards.addWidget(self.edit_rules, 0, 4, Qt.AlignmentFlag.AlignVCenter)
        self.body.addLayout(cards)
        # Amortised beside unamortised cost, and the commitment amortisation between them
        # (as Overview shows): the tree allocates the amortised figure.
        self.amortisation = QLabel(" ", objectName="Readout")
        self.amortisation.setTextFormat(Qt.TextFormat.PlainText)
        self.amortisation.setWordWrap(True)
        self.body.addWidget(self.amortisation)

        self.model = AllocationTreeModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setItemDelegateForColumn(TREND, SparklineDelegate(TrendRole, self.tree))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in range(1, TREND):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TREND, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(TREND, 110)
        header.setMinimumSectionSize(56)
        self.tree.setMinimumWidth(560)
        self.tree.expanded.connect(lambda i: self._expanded.add(i.data(PathRole)))
        self.tree.collapsed.connect(lambda i: self._expanded.discard(i.data(PathRole)))
        self.tree.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.tree.doubleClicked.connect(lambda index: self.show_charges(index.data(PathRole)))
        table_export.install(self.tree, "Spend by team and feature",
                             content=table_export.allocation_content,
                             currency=lambda: self.result.currency if self.result else "USD")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(table_export.section("Spend by team and feature", self.tree))
        left_layout.addWidget(self.tree, 1)
        hint = QLabel("Double-click a row for the charges behind it.", objectName="Readout")
        left_layout.addWidget(hint)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.crumbs = Breadcrumbs()
        self.crumbs.chosen.connect(self.set_focus)
        top.addWidget(self.crumbs, 1)
        self.charges_button = QPushButton("Show charges")
        self.charges_button.clicked.connect(lambda: self.show_charges(self.focus))
        top.addWidget(self.charges_button)
        right_layout.addLayout(top)
        self.treemap = Treemap()
        self.treemap.activated.connect(self.set_focus)
        top.addWidget(self.treemap.export_button())
        right_layout.addWidget(self.treemap, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 440])  # scaled to the width available
        split.setChildrenCollapsible(False)
        split.setHandleWidth(14)  # the panes' heading rows (and Export buttons) stay apart
        self.body.addWidget(split, 1)

    @staticmethod
    def compute(cache: Cache, period: Period) -> Allocation:
        from worthit.analysis.allocation import allocation  # numpy and pandas, off start-up

        found = allocation(cache, period)
        # The tree is built when first asked for: here, on the worker, with every node's
        # path; the model makes a row's node (and its trend) when the view asks for it.
        found.arrays.build()
        found.nodes.build()
        return found

    def show_result(self, result: Allocation) -> None:
        self.result = result
        cur = result.currency
        converted = [c for c in result.currencies if c != cur]
        # Never a sum of currencies: those billed in others were converted, as it says.
        self.total.show_figure(
            money(result.total, cur),
            f"converted from {', '.join(converted)}" if converted else result.period.label())
        self.total.setToolTip(result.conversion or "Effective cost (after discounts) in the "
                              "period.")
        allocated = result.total - result.unallocated.cost
        self.allocated.show_figure(money(allocated, cur),
                                   f"{percent(result.share_of(allocated))} of spend")
        share = result.share(result.unallocated)
        reasons = ", ".join(f"{n.name.lower()} {money(n.cost, cur)}"
                            for n in result.children(result.unallocated.path)) or "none"
        self.unallocated.show_figure(
            money(result.unallocated.cost, cur), f"{percent(share)} · {reasons}",
            "bad" if share is not None and share > UNALLOCATED_WARNING else None)
        self.unallocated.setToolTip(result.unallocated.reason or "")
        self._show_amortisation(result)
        count = len(result.rules)
        enabled = sum(rule.enabled for rule in result.rules)
        self.rules_card.show_figure(
            f"{count}", "first match wins" + ("" if enabled == count
                                              else f" · {count - enabled} disabled"))

        if self._first_result:
            # First view: every team open, so features and the reasons for Unallocated show.
            self._expanded = {p for p in result.nodes if len(p) == 1}
            self._first_result = False
        expanded, focus = sorted(self._expanded, key=len), self.focus
        self._syncing = True
        try:
            self.model.set_allocation(result)
            self._expanded = set()
            for path in expanded:
                index = self.model.index_of(path)
                if index.isValid():
                    self.tree.expand(index)
        finally:
            self._syncing = False
        while focus and focus not in result.nodes:
            focus = focus[:-1]
        self.set_focus(focus)

    def _show_amortisation(self, result: Allocation) -> None:
        from worthit.analysis.commitments import AMORTISATION_NAMED

        cur = result.currency
        moved = result.total - result.unamortised
        self.amortisation.setText(
            f"Amortised (effective) {money(result.total, cur)}, as the tree allocates it · "
            f"unamortised (billed) {money(result.unamortised, cur)} · commitment "
            f"amortisation {'+' if moved >= 0.005 else ''}{money(moved, cur)}")
        self.amortisation.setToolTip(AMORTISATION_NAMED[0].upper() + AMORTISATION_NAMED[1:]
                                     + ".")

    # -- tree and treemap in step ------------------------------------------------------

    def set_focus(self, path: tuple[str, ...]) -> None:
        """Tile ``path``'s children, point the breadcrumbs at it and select it in the
        tree (opening its ancestors)."""
        if self.result is None or path not in self.result.nodes:
            return
        self.focus = path
        result = self.result
        trail = [(ROOT_NAME, ROOT)] + [(path[d - 1], path[:d]) for d in range(1, len(path) + 1)]
        self.crumbs.set_trail(trail)
        self.treemap.title = f"Allocation: {' › '.join(path) or ROOT_NAME}"
        self.treemap.set_tiles([self._tile(result, child) for child in
                                result.nodes[path].children])
        self.charges_button.setToolTip(f"The charges behind {' › '.join(path) or ROOT_NAME}")
        if not self._syncing:
            self._select(path)

    def _tile(self, result: Allocation, path: tuple[str, ...]) -> Tile:
        node = result.nodes[path]
        team = self.model.team_colour(path[0])
        position = result.nodes[path[:-1]].children.index(path)
        colour = team if len(path) == 1 else QColor(team).lighter(
            100 + 9 * min(position, 8)).name()
        return Tile(path, node.name, node.cost, percent(result.share(node)), colour,
                    unallocated=node.unallocated, drillable=bool(node.children),
                    currency=result.currency)

    def _select(self, path: tuple[str, ...]) -> None:
        self._syncing = True
        try:
            if not path:
                self.tree.selectionModel().clearSelection()
                self.tree.setCurrentIndex(QModelIndex())
                return
            index = self.model.index_of(path)
            parent = index.parent()
            while parent.isValid():
                self.tree.expand(parent)
                parent = parent.parent()
            if len(path) < 4:
                self.tree.expand(index)
            self.tree.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
            self.tree.scrollTo(index)
        finally:
            self._syncing = False

    def _row_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing or not current.isValid() or self.result is None:
            return
        path = current.data(PathRole)
        node = self.result.nodes[path]
        self._syncing = True
        try:
            self.set_focus(path if node.children else path[:-1])
        finally:
            self._syncing = False

    # -- dialogs ----------------------------------------------------------------------

    def show_charges(self, path: tuple[str, ...]) -> QWidget | None:
        if self.result is None:
            return None
        from worthit.ui.views.charges import ChargesDialog

        return self.show_dialog(ChargesDialog(self.workspace, self.result, path, self))

    def open_rules_editor(self) -> QWidget | None:
        if self.result is None:
            return None
        from worthit.ui.views.rules_editor import RulesEditor

        editor = RulesEditor(self.workspace, self.result, self)
        return self.show_dialog(editor, editor.saved)

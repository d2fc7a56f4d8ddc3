"""The allocation tree model: a sound Qt model that creates rows only when a node is opened,
and shows the Allocation's own figures."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot
from tests.conftest import DEMO_END

from worthit.analysis.allocation import ROOT, Allocation, allocation
from worthit.core.money import money, percent
from worthit.core.periods import Period, Preset, preset_period
from worthit.core.rules import UNALLOCATED
from worthit.store.cache import Cache
from worthit.ui.app import application
from worthit.ui.models.allocation_tree import (
    CHANGE,
    COLUMNS,
    COST,
    NAME,
    SHARE,
    TREND,
    AllocationTreeModel,
    PathRole,
    TrendRole,
)
from worthit.workspace import Workspace

DISPLAY = Qt.ItemDataRole.DisplayRole
REASON_NAMES = {"Untagged", "No rule matched", "Shared pool not split"}


@pytest.fixture(scope="module")
def demo_allocation(demo_workspace: Workspace) -> Allocation:
    """The last 30 days to DEMO_END, with the demo's saved rules."""
    with demo_workspace.open() as cache:
        return allocation(cache, preset_period(Preset.LAST_30, DEMO_END))


@pytest.fixture
def model(qtbot: QtBot, demo_allocation: Allocation) -> AllocationTreeModel:
    application()
    tree = AllocationTreeModel()
    tree.set_allocation(demo_allocation)
    return tree


def _fetch_all(model: AllocationTreeModel, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
    """Open every node, as expanding the whole tree would; returns the rows created."""
    if model.canFetchMore(parent):
        model.fetchMore(parent)
    rows = model.rowCount(parent)
    return rows + sum(_fetch_all(model, model.index(row, 0, parent)) for row in range(rows))


def _leaf_path(result: Allocation) -> tuple[str, ...]:
    """A resource (depth 4) under a team, not under Unallocated."""
    return next(p for p in result.nodes if len(p) == 4 and p[0] != UNALLOCATED)


# -- soundness --------------------------------------------------------------------------------


def test_the_demo_tree_is_a_sound_qt_model(
    qtmodeltester, model: AllocationTreeModel, demo_allocation: Allocation
) -> None:
    # The tester walks the whole tree, fetching each node as it goes, and checks every
    # insertion that fetching makes.
    qtmodeltester.check(model)
    assert _fetch_all(model) == len(demo_allocation.nodes) - 1  # every node but the root


def test_the_tree_is_sound_after_a_new_allocation(
    qtbot: QtBot, qtmodeltester, model: AllocationTreeModel, demo_workspace: Workspace
) -> None:
    """What the page does on every load: a reset with rows open. (The tester is attached
    after the reset: Qt's tester runs its checks on ``modelReset`` before it clears its own
    reset-in-flight flag, so the fetches those checks make would be reported against any
    model that fetches synchronously.)"""
    _fetch_all(model)
    with demo_workspace.open() as cache:
        longer = allocation(cache, preset_period(Preset.LAST_90, DEMO_END))
    model.set_allocation(longer)
    # Nothing of the old tree survives the reset: opened teams are closed again.
    if model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == len(longer.nodes[ROOT].children)
    assert all(model.rowCount(model.index(r, 0)) == 0 for r in range(model.rowCount()))
    qtmodeltester.check(model)
    assert _fetch_all(model) == len(longer.nodes) - 1
    devex = model.index_of(("devex",))
    assert model.index(devex.row(), COST).data(DISPLAY) == money(longer.nodes[("devex",)].cost)


def test_an_empty_workspace_gives_a_sound_model(
    qtbot: QtBot, qtmodeltester, cache: Cache
) -> None:
    application()
    empty = allocation(cache, preset_period(Preset.LAST_30, DEMO_END))
    assert empty.total == 0
    tree = AllocationTreeModel()
    tree.set_allocation(empty)
    qtmodeltester.check(tree)
    _fetch_all(tree)
    # Only Unallocated, with no reasons, at zero; no share of nothing, no change.
    assert tree.rowCount() == 1
    top = tree.index(0, NAME)
    assert top.data(PathRole) == (UNALLOCATED,)
    assert not tree.hasChildren(top)
    assert tree.index(0, COST).data(DISPLAY) == money(0.0)
    assert tree.index(0, SHARE).data(DISPLAY) == "–"
    assert tree.index(0, CHANGE).data(DISPLAY) == "–"


def test_a_model_without_an_allocation_is_empty(qtbot: QtBot, qtmodeltester) -> None:
    application()
    tree = AllocationTreeModel()
    qtmodeltester.check(tree)
    assert tree.rowCount() == 0
    assert not tree.hasChildren()
    assert not tree.canFetchMore(QModelIndex())
    assert not tree.index_of(("devex",)).isValid()


# -- laziness ---------------------------------------------------------------------------------


def test_rows_exist_only_once_their_parent_is_fetched(
    qtbot: QtBot, model: AllocationTreeModel, demo_allocation: Allocation
) -> None:
    inserted: list[tuple[tuple[str, ...], int, int]] = []
    model.rowsInserted.connect(
        lambda parent, first, last: inserted.append((parent.data(PathRole) or ROOT, first, last)))

    if model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    teams = demo_allocation.nodes[ROOT].children
    assert model.rowCount() == len(teams)
    assert not model.canFetchMore(QModelIndex())
    inserted.clear()

    row = next(r for r, p in enumerate(teams) if p != (UNALLOCATED,))
    team = model.index(row, 0)
    features = demo_allocation.nodes[team.data(PathRole)].children
    assert len(features) > 1
    assert model.hasChildren(team)
    assert model.canFetchMore(team)
    assert model.rowCount(team) == 0
    assert not model.index(0, 0, team).isValid()
    model.fetchMore(team)
    assert model.rowCount(team) == len(features)
    assert [model.index(r, 0, team).data(PathRole) for r in range(len(features))] == features
    assert not model.canFetchMore(team)
    assert inserted == [(team.data(PathRole), 0, len(features) - 1)]
    # Fetching again creates nothing more.
    model.fetchMore(team)
    assert model.rowCount(team) == len(features)
    assert len(inserted) == 1
    # Its features are still closed, and only column 0 has children.
    assert model.rowCount(model.index(0, 0, team)) == 0
    assert model.rowCount(model.index(row, COST)) == 0
    assert not model.hasChildren(model.index(row, COST))


def test_index_of_a_resource_opens_its_ancestors(
    qtbot: QtBot, model: AllocationTreeModel, demo_allocation: Allocation
) -> None:
    path = _leaf_path(demo_allocation)
    index = model.index_of(path)
    assert index.isValid()
    assert index.column() == 0
    assert index.data(PathRole) == path
    assert index.data(DISPLAY) == path[-1]
    # Each ancestor's rows now exist, and the index sits at its node's place among them.
    child = index
    for depth in (3, 2, 1, 0):
        parent = child.parent()
        assert (parent.data(PathRole) if parent.isValid() else ROOT) == path[:depth]
        siblings = demo_allocation.nodes[path[:depth]].children
        assert model.rowCount(parent) == len(siblings)
        assert siblings[child.row()] == path[:depth + 1]
        child = parent
    # Asking again finds the same row without creating any.
    assert model.index_of(path) == index
    # A path that is not in the tree, or stops short of a real node, has no index.
    assert not model.index_of((*path[:3], "no such resource")).isValid()
    assert not model.index_of(("no such team",)).isValid()


# -- what is shown ----------------------------------------------------------------------------


def test_unallocated_is_pinned_first_whatever_its_size(
    qtbot: QtBot, model: AllocationTreeModel, demo_allocation: Allocation
) -> None:
    model.fetchMore(QModelIndex())
    first = model.index(0, NAME)
    assert first.data(PathRole) == (UNALLOCATED,)
    assert first.data(DISPLAY) == UNALLOCATED
    assert first.data(Qt.ItemDataRole.FontRole).bold()
    teams = [demo_allocation.nodes[model.index(r, 0).data(PathRole)]
             for r in range(1, model.rowCount())]
    # In the demo it is the smallest top-level node, so only the pin puts it first.
    assert demo_allocation.unallocated.cost < min(t.cost for t in teams)
    assert [t.cost for t in teams] == sorted((t.cost for t in teams), reverse=True)
    model.fetchMore(first)
    reasons = [model.index(r, NAME, first).data(DISPLAY) for r in range(model.rowCount(first))]
    assert set(reasons) == REASON_NAMES
    tooltip = model.index(0, COST, first).data(Qt.ItemDataRole.ToolTipRole)
    assert demo_allocation.nodes[(UNALLOCATED, reasons[0])].reason in tooltip


def test_texts_are_the_allocations_figures(
    qtbot: QtBot, model: AllocationTreeModel, demo_allocation: Allocation
) -> None:
    _fetch_all(model)
    total = sum(demo_allocation.nodes[p].cost for p in demo_allocation.nodes[ROOT].children)
    checked = 0
    for path in [*demo_allocation.nodes[ROOT].children,
                 *(p for p in demo_allocation.nodes if len(p) == 2),
                 _leaf_path(demo_allocation)]:
        node = demo_allocation.nodes[path]
        index = model.index_of(path)
        texts = {c: model.index(index.row(), c, index.parent()).data(DISPLAY)
                 for c in range(len(COLUMNS))}
        assert texts[NAME] == path[-1]
        assert texts[COST] == money(node.cost, "USD")
        assert texts[SHARE] == percent(node.cost / total)
        assert node.previous != 0
        assert texts[CHANGE] == percent((node.cost - node.previous) / node.previous, signed=True)
        assert texts[TREND] == ""
        checked += 1
    assert checked > 20
    # The sparkline gets the node's own spend over the period.
    devex = model.index_of(("devex",))
    trend = model.index(devex.row(), TREND).data(TrendRole)
    assert trend is not None and len(trend) == 30
    assert float(trend.sum()) == pytest.approx(demo_allocation.nodes[("devex",)].cost, rel=1e-9)
    assert model.index(devex.row(), COST).data(TrendRole) is None
    # Headers name the columns.
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [
        "Name", "Effective cost", "Share", "Change", "Trend"]


def test_no_change_is_claimed_against_a_previous_period_outside_the_data(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    application()
    with demo_workspace.open() as cache:
        first_day = cache.data_range()[0]
        early = allocation(cache, Period(first_day, first_day + dt.timedelta(days=29)))
    assert not early.previous_complete
    tree = AllocationTreeModel()
    tree.set_allocation(early)
    _fetch_all(tree)
    changes = {tree.index(r, CHANGE).data(DISPLAY) for r in range(tree.rowCount())}
    assert changes == {"–"}
    assert tree.index(1, CHANGE).data(Qt.ItemDataRole.ForegroundRole) is None


def test_resources_are_leaves(
    qtbot: QtBot, model: AllocationTreeModel, demo_allocation: Allocation
) -> None:
    leaf = model.index_of(_leaf_path(demo_allocation))
    assert not model.hasChildren(leaf)
    assert not model.canFetchMore(leaf)
    assert model.rowCount(leaf) == 0
    service = leaf.parent()
    assert model.hasChildren(service)
    assert model.rowCount(service) == len(demo_allocation.nodes[service.data(PathRole)].children)
    every_leaf = [p for p in demo_allocation.nodes if len(p) == 4]
    assert all(not model.hasChildren(model.index_of(p)) for p in every_leaf)

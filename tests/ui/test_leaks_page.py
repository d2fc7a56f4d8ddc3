"""The Leaks page in the main window, driven as a user would (pytest-qt, offscreen): findings
grouped by kind, a finding's detail and evidence chart, dismissing, snoozing, reopening and
notes, which are kept in the workspace and seen by the next window and the Overview."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QStyle, QTreeWidget, QTreeWidgetItem
from pytestqt.qtbot import QtBot
from tests.conftest import DEMO_END
from tests.ui.support import open_page, written

from worthit.analysis.leaks import KIND_TITLES, Finding, find_leaks
from worthit.core.money import money
from worthit.demo.generator import generate_demo
from worthit.store.cache import Cache
from worthit.store.findings import FindingState, load_states
from worthit.ui.main_window import MainWindow
from worthit.ui.views.leaks import LeaksPage
from worthit.ui.widgets.findings_tree import FindingsTree
from worthit.workspace import Workspace

TIMEOUT = 30_000
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace generated once for this module and never opened by a window:
    each test gets a copy, so each starts from a fresh demo."""
    folder = tmp_path_factory.mktemp("leaks-pristine") / "demo"
    generate_demo(folder, end=DEMO_END)
    return folder


@pytest.fixture(scope="module")
def expected(pristine: Path) -> list[Finding]:
    """The findings, computed apart from the page."""
    with Cache.open(pristine / "worthit.sqlite") as cache:
        return find_leaks(cache, DEMO_END)


@pytest.fixture
def workspace(tmp_path: Path, pristine: Path) -> Workspace:
    folder = tmp_path / "demo"
    shutil.copytree(pristine, folder)
    return Workspace(folder)


def open_window(qtbot: QtBot, workspace: Workspace) -> tuple[MainWindow, LeaksPage]:
    return open_page(qtbot, workspace, "leaks", LeaksPage)


# -- helpers ------------------------------------------------------------------------------


def listed(page: LeaksPage) -> dict[str, QTreeWidgetItem]:
    """Finding key -> its row, for every finding row in the tree."""
    rows = {}
    for index in range(page.tree.topLevelItemCount()):
        group = page.tree.topLevelItem(index)
        for child in range(group.childCount()):
            item = group.child(child)
            rows[item.data(0, Qt.ItemDataRole.UserRole)] = item
    return rows


def click(qtbot: QtBot, page: LeaksPage, key: str) -> None:
    item = listed(page)[key]
    # Rows wrap their names, so heights settle after a scroll: scroll it to the middle
    # until its centre is inside the viewport, then click there.
    tree = page.tree

    def in_view() -> bool:
        tree.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtCenter)
        return tree.viewport().rect().contains(tree.visualItemRect(item).center())

    qtbot.waitUntil(in_view)
    qtbot.mouseClick(page.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.tree.visualItemRect(item).center())
    assert page.selected == key


def open_saving(findings: list[Finding], *hidden: str) -> str:
    """The saving of ``findings`` except the ``hidden`` keys, as the page shows it."""
    return money(sum(f.monthly_saving for f in findings if f.key not in hidden))


def saved_states(workspace: Workspace) -> dict[str, FindingState]:
    """The states as a new connection reads them from the file, once the window's
    changes are saved."""
    written(workspace)
    with Cache.open(workspace.cache_path) as cache:
        return load_states(cache)


def group_figure(findings: list[Finding]) -> str:
    """A group's figure as the page shows it: its recurring saving, for a group of
    one-off findings (a runaway agent's excess) that excess marked as such, and for a
    group without a saving (weak attribution) no figure at all."""
    monthly = sum(f.monthly_saving for f in findings)
    once = sum(f.one_off for f in findings)
    if once > monthly:
        return f"{money(once)} one-off"
    return money(monthly) if round(monthly, 2) else "no saving priced"


def by_kind(expected: list[Finding], kind: str) -> Finding:
    (found,) = [f for f in expected if f.kind == kind]
    return found


# -- the list and the detail ---------------------------------------------------------------


def test_findings_are_grouped_by_kind_and_a_chosen_one_shows_its_detail_and_evidence(
    qtbot: QtBot, workspace: Workspace, expected: list[Finding]
) -> None:
    _, page = open_window(qtbot, workspace)
    # The 10 planted leaks, egress and inter-region shares, two planted commitments left
    # partly unused (the Bedrock throughput idle at night, the GPU Savings Plan at 70 %)
    # and the planted looping agent run.
    assert len(expected) == 15
    groups: dict[str, list[Finding]] = {}
    for f in expected:
        groups.setdefault(f.kind, []).append(f)
    order = sorted(groups, key=lambda kind: -sum(f.figure for f in groups[kind]))
    tops = [page.tree.topLevelItem(i) for i in range(page.tree.topLevelItemCount())]
    assert [top.text(0) for top in tops] == [
        f"{KIND_TITLES[kind]} ({len(groups[kind])})" for kind in order]
    assert [top.text(1) for top in tops] == [group_figure(groups[kind]) for kind in order]
    assert [[top.child(i).data(0, Qt.ItemDataRole.UserRole) for i in range(top.childCount())]
            for top in tops] == [[f.key for f in groups[kind]] for kind in order]
    assert page.saving_card.value.text() == open_saving(expected)
    assert page.count_card.value.text() == str(len(expected))

    # The headline is recurring savings: the runaway agent's one-off excess is not in it.
    runaway = by_kind(expected, "runaway_agent")
    assert runaway.one_off > 0 and runaway.monthly_saving == 0
    assert listed(page)[runaway.key].text(1) == f"{money(runaway.one_off)} one-off"
    idle = by_kind(expected, "idle_capacity")
    assert listed(page)[idle.key].text(1) == money(idle.monthly_saving)
    for f, worth in ((idle, f"saves {money(idle.monthly_saving)} per month"),
                     (runaway, f"one-off excess {money(runaway.one_off)} (paid once, not a "
                               "monthly saving)")):
        click(qtbot, page, f.key)
        assert page.detail_title.text() == f.title
        assert page.detail_owner.text().startswith(
            f"Owner: {f.team} / {f.feature} · costs {money(f.monthly_cost)}, {worth} · open")
        assert all(step in page.fix.text() for step in f.fix)
        line = page.chart.plot.getPlotItem().listDataItems()[0]
        assert len(line.yData) == len(f.evidence.values) == len(f.evidence.days) > 0
        np.testing.assert_allclose(line.yData, f.evidence.values)

    nat = next(f for f in expected if f.key.startswith("hidden_network:nat:"))
    click(qtbot, page, nat.key)
    # Allocation splits the gateway over every team; the finding says so, not "no owner"
    shared = "Shared by devex, ml-platform, search, support"
    assert nat.shared_by == ("devex", "ml-platform", "search", "support")
    assert page.detail_owner.text().startswith(f"Owner: {shared}")
    assert listed(page)[nat.key].text(2) == "Shared by 4 teams"  # the list stays narrow
    assert listed(page)[nat.key].toolTip(2) == shared
    # Its saving is an estimate: the list and the headline count the low end, the detail
    # says the range and the assumption behind it.
    low, high = nat.saving_range or (0.0, 0.0)
    assert nat.monthly_saving == low < high
    assert listed(page)[nat.key].text(1) == money(low)
    assert f"saves {money(low)} per month (the low end of {money(low)} to {money(high)}" in \
        page.detail_owner.text()
    assert "Assumed: 25.0 % to 75.0 % of the gateway's bytes go to S3 and DynamoDB" in \
        page.numbers.text()


def test_the_runaway_chart_shows_the_baseline_and_the_spike_days_the_excess_comes_from(
    qtbot: QtBot, workspace: Workspace, expected: list[Finding]
) -> None:
    """The detector's own baseline as a dashed line and its spike days shaded, named in
    the legend with the excess counted: the chart draws the finding's figures, and they
    add up to its one-off."""
    import pyqtgraph as pg

    from worthit.ui.widgets.date_axis import DAY, timestamp

    _, page = open_window(qtbot, workspace)
    runaway = by_kind(expected, "runaway_agent")
    evidence = runaway.evidence
    click(qtbot, page, runaway.key)
    line, baseline = page.chart.plot.getPlotItem().listDataItems()
    np.testing.assert_allclose(line.yData, evidence.values)
    np.testing.assert_allclose(baseline.yData, evidence.baseline)  # NaN gaps kept
    assert baseline.opts["pen"].style() == Qt.PenStyle.DashLine
    shaded = sorted(r.getRegion() for r in page.chart.plot.getPlotItem().items
                    if isinstance(r, pg.LinearRegionItem))
    days = evidence.highlighted
    assert shaded == [(timestamp(days[0]), timestamp(days[-1]) + DAY)]  # one run of days
    legend = page.chart.legend.text().replace("&nbsp;", " ")
    assert evidence.label.replace("$", "") in legend.replace("$", "")
    assert evidence.baseline_label in legend
    assert f"Spike days: {money(runaway.one_off)} excess counted" in legend
    # Each spike day's cost over its baseline adds up to the one-off (every hour of the
    # planted storm is flagged), so the shaded gap is the excess the finding counts.
    at = {d: i for i, d in enumerate(evidence.days)}
    gap = sum(evidence.values[at[d]] - evidence.baseline[at[d]] for d in days)
    assert gap == pytest.approx(runaway.one_off, abs=0.01)
    # An exported chart says what it is, over which days, in which unit.
    caption = page.chart.caption()
    assert caption.title == runaway.title
    assert caption.subtitle == (f"{evidence.days[0]} to {evidence.days[-1]} · "
                                "AI cost per day on this key (USD)")

    idle = by_kind(expected, "idle_capacity")  # no baseline, no spike days: a threshold
    click(qtbot, page, idle.key)
    assert len(page.chart.plot.getPlotItem().listDataItems()) == 1
    assert not [r for r in page.chart.plot.getPlotItem().items
                if isinstance(r, pg.LinearRegionItem)]
    assert idle.evidence.threshold is not None
    (level,) = [i for i in page.chart.plot.getPlotItem().items
                if isinstance(i, pg.InfiniteLine) and i.angle == 0]
    assert level.value() == idle.evidence.threshold
    # The threshold is named in the legend above the plot, never on the line.
    legend = page.chart.legend.text().replace("&nbsp;", " ")
    assert page.chart.legend.isVisible() and "Threshold" in legend
    assert evidence.baseline_label not in legend and "Spike days" not in legend
    assert not [c for c in level.childItems() if isinstance(c, pg.TextItem)]


SIZES = [(1280, 800), (1440, 900), (1920, 1080)]


def reads_whole(tree: QTreeWidget, item: QTreeWidgetItem, column: int, text: str) -> bool:
    """Whether ``text`` fits its cell wrapped at the cell's width (as the delegate draws
    it, inside the style's text margins), so nothing is cut or elided."""
    cell = tree.visualRect(tree.indexFromItem(item, column))
    margin = tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    metrics = QFontMetrics(item.font(column))
    needed = metrics.boundingRect(0, 0, cell.width() - 2 * margin, 1 << 20,
                                  Qt.TextFlag.TextWordWrap, text)
    return needed.height() <= cell.height() and needed.width() <= cell.width() - 2 * margin


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_finding_names_are_read_whole_at_every_window_size(
    qtbot: QtBot, workspace: Workspace, width: int, height: int
) -> None:
    """Names were cut with "…" at 1280×800 and 1440×900: each wraps onto the lines it
    needs in the name column, which takes the width the other columns can spare; an owner
    "team / feature" wraps after its slash only when that gives the names room."""
    win, page = open_window(qtbot, workspace)
    win.resize(width, height)
    tree = page.tree
    qtbot.waitUntil(lambda: win.width() == width)
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    rows += [top.child(i) for top in list(rows) for i in range(top.childCount())]
    assert len(rows) == 15 + 11  # the findings and their kinds

    def owner_text(item: QTreeWidgetItem) -> str:
        two_lines = tree.header().sectionSize(FindingsTree.OWNER) < tree.fontMetrics(
            ).horizontalAdvance(item.text(FindingsTree.OWNER))
        return item.text(FindingsTree.OWNER).replace(" / ", " /\n" if two_lines else " / ")

    qtbot.waitUntil(lambda: all(
        reads_whole(tree, item, FindingsTree.NAME, item.text(FindingsTree.NAME))
        and reads_whole(tree, item, FindingsTree.OWNER, owner_text(item))
        for item in rows))
    assert tree.isColumnHidden(FindingsTree.STATE)  # nothing dismissed or snoozed to show
    assert tree.horizontalScrollBar().maximum() == 0  # wrapped, not widened
    assert tree.columnWidth(FindingsTree.NAME) >= tree.viewport().width() / 2
    # The longest names take more lines than one (rows are not all one line's height).
    assert any(tree.visualItemRect(item).height() > tree.fontMetrics().lineSpacing()
               for item in rows)
    if width == 1920:  # room enough: every owner on one line
        assert tree.columnWidth(FindingsTree.OWNER) >= max(
            tree.fontMetrics().horizontalAdvance(item.text(FindingsTree.OWNER))
            for item in rows)


# -- state ---------------------------------------------------------------------------------


def test_a_dismissal_and_a_note_are_kept_for_the_next_window_and_the_overview(
    qtbot: QtBot, workspace: Workspace, expected: list[Finding]
) -> None:
    win, page = open_window(qtbot, workspace)
    gone = by_kind(expected, "hardware_fit")
    note, reason = "Priya asks the Neuron team first", "inf2 tried in Q3, too slow"

    click(qtbot, page, gone.key)
    qtbot.keyClicks(page.note, note)
    qtbot.mouseClick(page.note_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.dismiss_reason, reason)
    qtbot.mouseClick(page.dismiss_button, Qt.MouseButton.LeftButton)
    assert gone.key not in listed(page)
    assert len(listed(page)) == len(expected) - 1
    assert page.saving_card.value.text() == open_saving(expected, gone.key)
    assert page.count_card.value.text() == str(len(expected) - 1)
    win.close()

    # Dismissing keeps the note written before.
    assert saved_states(workspace)[gone.key] == FindingState(
        gone.key, "dismissed", reason, None, note)

    win, page = open_window(qtbot, workspace)
    assert gone.key not in listed(page)
    assert page.saving_card.value.text() == open_saving(expected, gone.key)
    overview = win.pages["overview"].leaks.text()  # type: ignore[attr-defined]
    assert overview.startswith(f"Leaks: {open_saving(expected, gone.key)} per month could "
                               f"be saved ({len(expected) - 1} open findings).")

    page.show_hidden.click()
    assert set(listed(page)) == {f.key for f in expected}
    assert {key: item.text(3) for key, item in listed(page).items() if item.text(3)} == {
        gone.key: "dismissed"}
    click(qtbot, page, gone.key)
    assert f"dismissed: {reason}" in page.detail_owner.text()
    assert page.note.text() == note


def test_snooze_hides_a_finding_until_its_day_and_reopen_brings_it_back(
    qtbot: QtBot, workspace: Workspace, expected: list[Finding]
) -> None:
    _, page = open_window(qtbot, workspace)
    f = by_kind(expected, "idle_capacity")
    until = TODAY + dt.timedelta(days=30)

    click(qtbot, page, f.key)
    page.snooze_date.setDate(QDate(until))
    qtbot.mouseClick(page.snooze_button, Qt.MouseButton.LeftButton)
    assert f.key not in listed(page)
    assert page.saving_card.value.text() == open_saving(expected, f.key)
    assert saved_states(workspace)[f.key].snooze_until == until

    page.show_hidden.click()
    assert listed(page)[f.key].text(3) == "snoozed"
    click(qtbot, page, f.key)
    assert f"snoozed until {until.isoformat()}" in page.detail_owner.text()
    qtbot.mouseClick(page.reopen_button, Qt.MouseButton.LeftButton)
    page.show_hidden.click()
    assert not page.show_hidden.isChecked()
    assert listed(page)[f.key].text(3) == ""
    assert page.saving_card.value.text() == open_saving(expected)
    assert saved_states(workspace)[f.key].state == "open"

    # Snoozed until today: the day has come, so it is back in the list.
    click(qtbot, page, f.key)
    page.snooze_date.setDate(QDate(TODAY))
    qtbot.mouseClick(page.snooze_button, Qt.MouseButton.LeftButton)
    assert listed(page)[f.key].text(3) == "snoozed"
    assert page.saving_card.value.text() == open_saving(expected)

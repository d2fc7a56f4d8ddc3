"""The Allocation page in the main window, driven as a user would (pytest-qt, offscreen):
the tree and the treemap in step, the charges behind a node, and the rules editor from a
draft rule to the saved allocation."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QToolButton
from pytestqt.qtbot import QtBot
from tests.conftest import DEMO_END
from tests.ui.support import open_page

from worthit.analysis.allocation import ROOT_NAME, Allocation, Preview
from worthit.core.money import money
from worthit.core.periods import Preset, preset_period
from worthit.core.rules import UNALLOCATED, Rule
from worthit.demo.generator import generate_demo
from worthit.store.cache import Cache
from worthit.store.rules import load_rules
from worthit.ui import theme
from worthit.ui.app import application
from worthit.ui.main_window import MainWindow
from worthit.ui.models.allocation_tree import CHANGE, PathRole
from worthit.ui.views.allocation import AllocationPage
from worthit.ui.views.charges import COLUMNS as CHARGE_COLUMNS
from worthit.ui.views.charges import ChargesDialog
from worthit.ui.views.rules_editor import RulesEditor
from worthit.workspace import Workspace

TIMEOUT = 30_000
REASONS = ("Untagged", "No rule matched", "Shared pool not split")
UNTAGGED = (UNALLOCATED, "Untagged")
NO_RULE = (UNALLOCATED, "No rule matched")
COST_COLUMN = next(n for n, c in enumerate(CHARGE_COLUMNS) if c.key == "cost")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A fresh demo workspace for this module; these tests only read it."""
    folder = tmp_path_factory.mktemp("allocation-page")
    generate_demo(folder, end=DEMO_END)
    return Workspace(folder)


def open_window(qtbot: QtBot, workspace: Workspace) -> tuple[MainWindow, AllocationPage]:
    win, page = open_page(qtbot, workspace, "allocation", AllocationPage)
    # The tree creates the rows of the teams it opened when it lays itself out.
    qtbot.waitUntil(lambda: page.model.rowCount(page.model.index(0, 0)) > 0, timeout=5_000)
    return win, page


@pytest.fixture
def window(qtbot: QtBot, workspace: Workspace) -> tuple[MainWindow, AllocationPage]:
    return open_window(qtbot, workspace)


def result_of(page: AllocationPage) -> Allocation:
    assert page.result is not None
    return page.result


def row_paths(page: AllocationPage, parent: QModelIndex = QModelIndex()) -> list[tuple]:  # noqa: B008
    model = page.model
    return [model.index(r, 0, parent).data(PathRole) for r in range(model.rowCount(parent))]


def tiles_drawn(page: AllocationPage, paths: list[tuple[str, ...]]) -> bool:
    return all(page.treemap.tile_rect(p) is not None for p in paths)


def click_tile(qtbot: QtBot, page: AllocationPage, path: tuple[str, ...]) -> None:
    rect = page.treemap.tile_rect(path)
    assert rect is not None, f"no tile for {path}"
    qtbot.mouseClick(page.treemap, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())


def crumb_button(qtbot: QtBot, page: AllocationPage, label: str) -> QToolButton:
    """The crumb as drawn (new crumbs show on the next pass of the event loop)."""

    def shown() -> list[QToolButton]:
        return [b for b in page.crumbs.findChildren(QToolButton)
                if b.text() == label and b.isVisible()]

    qtbot.waitUntil(lambda: len(shown()) == 1, timeout=5_000)
    return shown()[0]


def load_rules_of(workspace: Workspace) -> list[Rule]:
    with workspace.open() as cache:
        return load_rules(cache)


def selected_path(page: AllocationPage) -> tuple[str, ...] | None:
    rows = page.tree.selectionModel().selectedRows()
    return rows[0].data(PathRole) if len(rows) == 1 else None


# -- the tree ---------------------------------------------------------------------------------


def test_unallocated_comes_first_with_its_reasons_and_teams_are_open(
    window: tuple[MainWindow, AllocationPage], workspace: Workspace
) -> None:
    _, page = window
    result = result_of(page)
    assert result.period == preset_period(Preset.LAST_30, DEMO_END)
    top = row_paths(page)
    assert top[0] == (UNALLOCATED,)
    assert len(top) == 5
    unallocated = page.model.index(0, 0)
    reasons = row_paths(page, unallocated)
    assert {p[1] for p in reasons} == set(REASONS)
    assert all(p[0] == UNALLOCATED and len(p) == 2 for p in reasons)
    # The first view opens every team, so features and reasons show; nothing deeper.
    for row in range(page.model.rowCount()):
        team = page.model.index(row, 0)
        assert page.tree.isExpanded(team), team.data(PathRole)
        for child in range(page.model.rowCount(team)):
            assert not page.tree.isExpanded(page.model.index(child, 0, team))
    # The cards say the same.
    assert page.total.value.text() == money(result.total)
    assert page.unallocated.value.text() == money(result.unallocated.cost)
    assert page.rules_card.value.text() == str(len(load_rules_of(workspace)))
    # At the root the treemap shows every top-level node, the crumbs only the root.
    assert page.crumbs.labels() == [ROOT_NAME]
    assert tiles_drawn(page, top)


def test_the_tree_is_built_on_the_worker_not_on_the_ui_thread(workspace: Workspace) -> None:
    """The allocation builds its tree when first asked for: the page's compute (a worker)
    asks, so the UI thread's model only reads it."""
    with workspace.open() as cache:
        result = AllocationPage.compute(cache, preset_period(Preset.LAST_30, DEMO_END))
    tree, nodes = vars(result).get("arrays"), vars(result).get("nodes")
    assert tree is not None and nodes is not None
    assert len(tree._levels) == len(tree._first_child) == tree.depth
    assert "piece_trends" in vars(tree) and sorted(nodes._levels) == [0, 1, 2, 3, 4]


def test_clicking_a_team_tile_opens_it_in_the_tree_and_the_root_crumb_goes_back(
    qtbot: QtBot, window: tuple[MainWindow, AllocationPage]
) -> None:
    _, page = window
    result = result_of(page)
    team = ("devex",)
    features = result.nodes[team].children
    click_tile(qtbot, page, team)
    assert page.focus == team
    assert selected_path(page) == team
    assert page.tree.currentIndex().data(PathRole) == team
    assert page.crumbs.labels() == [ROOT_NAME, "devex"]
    assert tiles_drawn(page, features)
    assert page.treemap.tile_rect(("support",)) is None

    # A feature's tile drills one level further.
    feature = features[0]
    click_tile(qtbot, page, feature)
    assert selected_path(page) == feature
    assert page.crumbs.labels() == [ROOT_NAME, *feature]
    assert tiles_drawn(page, result.nodes[feature].children)

    qtbot.mouseClick(crumb_button(qtbot, page, ROOT_NAME), Qt.MouseButton.LeftButton)
    assert page.focus == ()
    assert page.crumbs.labels() == [ROOT_NAME]
    assert selected_path(page) is None
    assert tiles_drawn(page, result.nodes[()].children)
    assert page.treemap.tile_rect(feature) is None


def test_selecting_a_feature_row_retiles_the_treemap(
    qtbot: QtBot, window: tuple[MainWindow, AllocationPage]
) -> None:
    _, page = window
    result = result_of(page)
    feature = ("search", "document-search")
    index = page.model.index_of(feature)
    page.tree.scrollTo(index)
    qtbot.mouseClick(page.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.tree.visualRect(index).center())
    assert selected_path(page) == feature
    assert page.focus == feature
    assert page.crumbs.labels() == [ROOT_NAME, "search", "document-search"]
    services = result.nodes[feature].children
    assert len(services) > 1
    assert tiles_drawn(page, services)
    assert page.treemap.tile_rect(("search",)) is None
    # A resource row (no children) tiles its service, its siblings included.
    resource = result.nodes[services[0]].children[0]
    leaf = page.model.index_of(resource)
    page.tree.expand(leaf.parent())
    page.tree.scrollTo(leaf)
    qtbot.mouseClick(page.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.tree.visualRect(leaf).center())
    assert page.focus == services[0]
    assert tiles_drawn(page, result.nodes[services[0]].children)


def test_switching_the_period_keeps_open_rows_and_focus(
    qtbot: QtBot, window: tuple[MainWindow, AllocationPage]
) -> None:
    win, page = window
    before = result_of(page)
    focus = ("search", "document-search")
    page.set_focus(focus)
    opened = page.model.index_of(("support", "support-assistant"))
    page.tree.expand(opened)
    page.tree.collapse(page.model.index_of(("devex",)))

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        win.period_bar.set_preset(Preset.LAST_90)
    after = result_of(page)
    assert after is not before
    assert after.period == preset_period(Preset.LAST_90, DEMO_END)
    assert page.total.value.text() == money(after.total) != money(before.total)
    assert page.tree.isExpanded(page.model.index_of(("support", "support-assistant")))
    assert not page.tree.isExpanded(page.model.index_of(("devex",)))
    assert page.tree.isExpanded(page.model.index_of(("ml-platform",)))
    assert page.focus == focus
    assert selected_path(page) == focus
    assert page.crumbs.labels() == [ROOT_NAME, *focus]
    assert tiles_drawn(page, after.nodes[focus].children)


def test_ctrl_r_recomputes(qtbot: QtBot, tmp_path: Path) -> None:
    """Ctrl+R reads the cache again: charges another process changed meanwhile show (the
    same charges give the same figures, computed once). A workspace of its own: it writes."""
    generate_demo(tmp_path, end=DEMO_END)
    win, page = open_window(qtbot, Workspace(tmp_path))
    before = result_of(page)
    win.activateWindow()
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        qtbot.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert result_of(page).total == pytest.approx(before.total, abs=1e-6)
    # Another writer (an import in another process) drops the period's last day.
    last = before.period.end
    with Cache.open(win.workspace.cache_path) as other:
        source = other._scalar("SELECT source_id FROM sources WHERE kind = 'demo'")
        gone = other._scalar("SELECT TOTAL(effective_cost) FROM charges WHERE source_id = ? "
                             "AND charge_period_start = ?", (source, last.isoformat()))
        other.replace_charges(source, last, last, [])
    assert gone > 0
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        qtbot.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert page.result is not before
    assert result_of(page).total == pytest.approx(before.total - gone, abs=1e-6)
    assert row_paths(page)[0] == (UNALLOCATED,)


# -- the charges behind a node -----------------------------------------------------------------


def sql_count(workspace: Workspace, keys: list[int], result: Allocation,
              extra: str = "", *params: object) -> int:
    """An independent count of the node's charges, straight from the file."""
    marks = ", ".join("?" * len(keys))
    with closing(sqlite3.connect(f"file:{workspace.cache_path}?mode=ro", uri=True)) as conn:
        return conn.execute(
            f"SELECT COUNT(*) FROM charges WHERE x_key_id IN ({marks}) "
            f"AND charge_period_start BETWEEN ? AND ? {extra}",
            (*keys, result.period.start.isoformat(), result.period.end.isoformat(),
             *params)).fetchone()[0]


def click_header(qtbot: QtBot, dialog: ChargesDialog, column: int) -> None:
    header = dialog.table.horizontalHeader()
    dialog.table.scrollTo(dialog.model.index(0, column))
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    assert 0 <= x < header.viewport().width()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))


def costs_shown(dialog: ChargesDialog) -> list[float]:
    return [dialog.model.record(r)["cost"] for r in range(dialog.model.rowCount())]


def test_the_charges_behind_untagged_can_be_searched_and_sorted(
    qtbot: QtBot, window: tuple[MainWindow, AllocationPage], workspace: Workspace
) -> None:
    _, page = window
    result = result_of(page)
    dialog = page.show_charges(UNTAGGED)
    assert isinstance(dialog, ChargesDialog)
    with qtbot.waitSignal(dialog.loaded, timeout=TIMEOUT) as blocker:
        pass
    keys = sorted(result.key_shares(UNTAGGED))
    expected = sql_count(workspace, keys, result)
    assert expected > 0
    assert blocker.args == [expected]
    assert dialog.model.rowCount() == expected  # all of them fit on screen
    assert dialog.status.text() == f"{expected:,} charges"
    assert UNTAGGED[1] in dialog.windowTitle()
    # The rows are exactly the node's dollars.
    allocated = sum(dialog.model.record(r)["allocated"] for r in range(expected))
    assert allocated == pytest.approx(result.nodes[UNTAGGED].cost, abs=0.005)
    assert all(dialog.model.record(r)["tags"] in (None, "{}") for r in range(expected))

    with qtbot.waitSignal(dialog.loaded, timeout=TIMEOUT) as blocker:
        qtbot.keyClicks(dialog.search, "playground")
    narrowed = blocker.args[0]
    assert 0 < narrowed < expected
    assert narrowed == sql_count(workspace, keys, result,
                                 "AND lower(resource_id) LIKE '%playground%'")
    assert dialog.model.rowCount() == narrowed
    assert all("playground" in str(dialog.model.record(r)["resource"]).lower()
               for r in range(narrowed))

    with qtbot.waitSignal(dialog.loaded, timeout=TIMEOUT) as blocker:
        click_header(qtbot, dialog, COST_COLUMN)
    assert blocker.args == [narrowed]
    order = dialog.table.horizontalHeader().sortIndicatorOrder()
    costs = costs_shown(dialog)
    first = max(costs) if order == Qt.SortOrder.DescendingOrder else min(costs)
    assert costs[0] == first
    assert costs == sorted(costs, reverse=order == Qt.SortOrder.DescendingOrder)
    assert len(set(costs)) > 1  # a sort that can show

    with qtbot.waitSignal(dialog.loaded, timeout=TIMEOUT):
        click_header(qtbot, dialog, COST_COLUMN)
    assert dialog.table.horizontalHeader().sortIndicatorOrder() != order
    flipped = costs_shown(dialog)
    assert flipped[0] == (min(costs) if order == Qt.SortOrder.DescendingOrder else max(costs))
    assert sorted(flipped) == sorted(costs)
    dialog.close()


def test_double_clicking_a_row_opens_its_charges(
    qtbot: QtBot, window: tuple[MainWindow, AllocationPage]
) -> None:
    _, page = window
    index = page.model.index_of(NO_RULE)
    rect = page.tree.visualRect(index)
    # A user's double click: the first click selects the row, the second opens it.
    qtbot.mouseClick(page.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialogs = [d for d in page.dialogs if isinstance(d, ChargesDialog)]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert dialog.path == NO_RULE
    qtbot.waitUntil(lambda: dialog.status.text().endswith(" charges"), timeout=TIMEOUT)
    assert dialog.model.rowCount() > 0
    dialog.close()


# -- the rules editor -------------------------------------------------------------------------


def open_editor(qtbot: QtBot, page: AllocationPage) -> RulesEditor:
    qtbot.mouseClick(page.edit_rules, Qt.MouseButton.LeftButton)
    editors = [d for d in page.dialogs if isinstance(d, RulesEditor)]
    assert len(editors) == 1
    editor = editors[0]
    # The unchanged rules preview as moving nothing, and cannot be "saved".
    with qtbot.waitSignal(editor.previewed, timeout=TIMEOUT) as blocker:
        pass
    assert isinstance(blocker.args[0], Preview)
    assert blocker.args[0].moves == ()
    assert not editor.save_button.isEnabled()
    return editor


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)


@pytest.fixture
def fresh_window(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, AllocationPage, Workspace]:
    """A window on its own demo workspace, for a test that saves rules."""
    workspace = Workspace(tmp_path / "ws")
    generate_demo(workspace, end=DEMO_END)
    win, page = open_window(qtbot, workspace)
    return win, page, workspace


# Typing a team or feature pops up its completer, which the offscreen platform cannot
# raise or give the keyboard to.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_a_rule_added_in_the_editor_moves_exactly_what_it_previewed(
    qtbot: QtBot, fresh_window: tuple[MainWindow, AllocationPage, Workspace]
) -> None:
    """The issue's flow: the research sandbox's Bedrock spend, tagged only with its cost
    centre, sits under "No rule matched" until a rule sends it to ML platform."""
    _, page, workspace = fresh_window
    before = result_of(page)
    no_rule_before = before.nodes[NO_RULE].cost
    target = ("ml-platform", "model-training")
    target_before = before.nodes[target].cost
    rules_before = load_rules_of(workspace)

    editor = open_editor(qtbot, page)
    form = editor.form
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert editor.list.count() == len(rules_before) + 1
    assert editor.list.currentRow() == len(rules_before)
    # A new rule has no team yet: it cannot be saved.
    assert editor.draft is None
    assert not editor.save_button.isEnabled()

    type_into(qtbot, form.name, "Research sandbox")
    qtbot.mouseClick(form.add_condition_button, Qt.MouseButton.LeftButton)
    assert form.conditions.rowCount() == 1
    condition = form.conditions.cellWidget(0, 0)
    assert isinstance(condition, QComboBox)
    assert condition.currentText() == "Tag equals"
    form.conditions.item(0, 1).setText("cost-center")
    form.conditions.item(0, 2).setText("rnd-410")
    type_into(qtbot, form.team.text, "ml-platform")
    form.feature.source.setCurrentIndex(form.feature.source.findData("value"))
    with qtbot.waitSignal(editor.previewed, timeout=TIMEOUT,
                          check_params_cb=lambda p: p is not None) as blocker:
        type_into(qtbot, form.feature.text, "model-training")
    preview: Preview = blocker.args[0]
    assert editor.problem.isHidden()
    assert editor.draft is not None
    assert editor.draft[-1].to_json() == {
        "name": "Research sandbox", "match": {"tag": {"cost-center": "rnd-410"}},
        "team": "ml-platform", "feature": "model-training"}
    # All of "No rule matched" is the sandbox: the preview says it all leaves Unallocated.
    moved = preview.leaves_unallocated
    assert moved == pytest.approx(no_rule_before, abs=0.005)
    assert preview.unallocated_before == pytest.approx(before.unallocated.cost, abs=1e-9)
    assert money(moved) in editor.summary.text()
    assert editor.moves_model.rowCount() == len(preview.moves) > 0
    assert editor.save_button.isEnabled()
    # Nothing is written before Save.
    assert [r.to_json() for r in load_rules_of(workspace)] == [
        r.to_json() for r in rules_before]

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    after = result_of(page)
    assert round(before.unallocated.cost - after.unallocated.cost, 2) == round(moved, 2)
    assert round(after.nodes[target].cost - target_before, 2) == round(moved, 2)
    assert NO_RULE not in after.nodes
    assert after.total == pytest.approx(before.total, abs=1e-6)
    assert page.unallocated.value.text() == money(after.unallocated.cost)
    assert page.rules_card.value.text() == str(len(rules_before) + 1)
    # Unallocated stays open, now with two reasons (its rows come with the tree's layout).
    unallocated = page.model.index(0, 0)
    assert page.tree.isExpanded(unallocated)
    qtbot.waitUntil(lambda: page.model.rowCount(unallocated) > 0, timeout=5_000)
    assert {p[1] for p in row_paths(page, unallocated)} == set(REASONS) - {NO_RULE[1]}
    saved = load_rules_of(workspace)
    assert [r.name for r in saved] == [*(r.name for r in rules_before), "Research sandbox"]
    qtbot.waitUntil(lambda: not [d for d in page.dialogs if isinstance(d, RulesEditor)],
                    timeout=5_000)


def test_a_percent_split_that_does_not_add_up_cannot_be_saved(
    qtbot: QtBot, window: tuple[MainWindow, AllocationPage]
) -> None:
    _, page = window
    editor = open_editor(qtbot, page)
    form = editor.form
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, form.name, "Half of the support plan")
    form.kind.setCurrentIndex(form.kind.findData("split"))
    form.method.setCurrentIndex(form.method.findData("percent"))
    with qtbot.waitSignal(editor.previewed, timeout=TIMEOUT) as blocker:
        form.add_target("search", "", "60")
        form.add_target("support", "", "30")
    assert blocker.args == [None]
    assert editor.draft is None
    assert not editor.problem.isHidden()
    problem = editor.problem.text()
    assert "'Half of the support plan'" in problem
    assert "split.targets" in problem
    assert "percentages add up to 90, not 100" in problem
    assert not editor.save_button.isEnabled()
    # Making it add up clears the problem and previews again.
    with qtbot.waitSignal(editor.previewed, timeout=TIMEOUT,
                          check_params_cb=lambda p: p is not None):
        form.targets.item(1, 2).setText("40")
    assert editor.problem.isHidden()
    assert editor.save_button.isEnabled()
    editor.reject()


def test_a_bad_rules_file_is_refused_with_its_line_and_column(
    qtbot: QtBot, window: tuple[MainWindow, AllocationPage], tmp_path: Path
) -> None:
    _, page = window
    editor = open_editor(qtbot, page)
    before = editor.rules_data()
    draft = editor.draft
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - name: Broken\n    match: {service: [AmazonEC2\n    team: x\n",
                   encoding="utf-8")
    assert editor.import_file(bad) is False
    problem = editor.problem.text()
    assert not editor.problem.isHidden()
    assert str(bad) in problem
    assert "line 4" in problem and "column" in problem
    assert editor.rules_data() == before
    assert editor.draft == draft
    editor.reject()


def test_export_then_import_gives_the_same_rules(
    qtbot: QtBot, window: tuple[MainWindow, AllocationPage], tmp_path: Path
) -> None:
    _, page = window
    editor = open_editor(qtbot, page)
    before = editor.rules_data()
    for name in ("rules.yaml", "rules.json"):
        out = tmp_path / name
        assert editor.export_file(out) is True
        assert out.stat().st_size > 0
        # Change the draft, then import the file: the exported rules come back.
        editor.list.setCurrentRow(0)
        editor.remove_rule()
        assert len(editor.rules_data()) == len(before) - 1
        with qtbot.waitSignal(editor.previewed, timeout=TIMEOUT) as blocker:
            assert editor.import_file(out) is True
        assert editor.rules_data() == before
        assert blocker.args[0] is not None and blocker.args[0].moves == ()
        assert not editor.save_button.isEnabled()
    editor.reject()


# -- appearance -------------------------------------------------------------------------------


def test_the_page_follows_the_os_colour_scheme(
    qtbot: QtBot, window: tuple[MainWindow, AllocationPage]
) -> None:
    """As in the main window's test, the OS's notification is sent by hand."""
    _, page = window
    hints = QGuiApplication.styleHints()
    rising = next(i for i in range(1, page.model.rowCount())
                  if (c := result_of(page).change_pct(
                      result_of(page).nodes[page.model.index(i, 0).data(PathRole)]))
                  is not None and c > 0.0005)
    change = page.model.index(rising, CHANGE)
    page.set_focus(("devex",))  # breadcrumbs with a separator
    crumb_button(qtbot, page, ROOT_NAME)  # the new crumbs are drawn
    separators = [label for label in page.crumbs.findChildren(QLabel)
                  if label.text() == "›" and label.isVisible()]
    assert separators

    def window_colour() -> str:
        return application().palette().color(QPalette.ColorRole.Window).name().upper()

    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert window_colour() == theme.DARK.background.upper()
        assert change.data(Qt.ItemDataRole.ForegroundRole) == QColor(theme.DARK.bad)
        qtbot.waitUntil(lambda: all(theme.DARK.muted in s.styleSheet() for s in separators),
                        timeout=5_000)
        assert not page.treemap.grab().isNull()
        assert not page.tree.grab().isNull()
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert window_colour() == theme.LIGHT.background.upper()
    assert change.data(Qt.ItemDataRole.ForegroundRole) == QColor(theme.LIGHT.bad)
    qtbot.waitUntil(lambda: all(theme.LIGHT.muted in s.styleSheet() for s in separators),
                    timeout=5_000)


def test_amortised_and_unamortised_cost_show_with_their_difference_named(
        window: tuple[MainWindow, AllocationPage]) -> None:
    _, page = window
    result = page.result
    assert result is not None
    cur, moved = result.currency, result.total - result.unamortised
    assert abs(moved) >= 0.01  # the demo's upfront RI fee and monthly PTU fees move cost
    text = page.amortisation.text()
    assert f"Amortised (effective) {money(result.total, cur)}" in text
    assert f"unamortised (billed) {money(result.unamortised, cur)}" in text
    assert f"commitment amortisation {'+' if moved > 0 else ''}{money(moved, cur)}" in text
    assert page.amortisation.isVisible()
    assert "the difference is commitment amortisation" in page.amortisation.toolTip()

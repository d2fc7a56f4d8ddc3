"""The Keys & users page in a real offscreen window: on a workspace holding OpenAI's cost
lines per project and its usage per key and user, each key's cost is the analysis's,
with the name the vendor gives it and its project; Not attributed closes every table so
it adds up to the bill; the projects and users tabs show theirs; a workspace whose usage
names no key says where keys come from."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from tests.analysis.test_keys import STORAGE, A, B, load, openai_lines
from tests.ui.support import open_page

from worthit.analysis.keys import key_costs
from worthit.core.money import money
from worthit.pages.keys import EMPTY
from worthit.store.names import save_names
from worthit.sync.importer import import_file
from worthit.ui.views.keys import NOT_ATTRIBUTED, KeysPage
from worthit.ui.widgets.tables import empty_note
from worthit.workspace import Workspace


@pytest.fixture
def keys_workspace(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    with workspace.open() as cache:
        load(cache, openai_lines())
        save_names(cache, "OpenAI", [("api_key", "key_1", "Support bot (prod)"),
                                     ("project", "proj_A", "Support"),
                                     ("user", "u1", "ada@example.com")])
    return workspace


def _cells(page: KeysPage, column: str) -> list[list[str]]:
    model = page.tables[column].model()
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_each_key_shows_its_cost_name_and_project_and_the_table_adds_up_to_the_bill(
        qtbot: QtBot, keys_workspace: Workspace) -> None:
    _, page = open_page(qtbot, keys_workspace, "keys", KeysPage)
    assert page.period is not None
    with keys_workspace.open() as cache:
        found = key_costs(cache, page.period)
    bill = sum(A) + sum(B) + 3 * STORAGE
    assert page.billed_card.value.text() == money(bill)
    assert page.billed_card.note.text() == "OpenAI"
    assert page.rest_card.value.text() == money(3 * STORAGE)
    rows = _cells(page, "api_key")
    expected = found.by("api_key")
    assert [r[1] for r in rows] == [*expected["api_key"], NOT_ATTRIBUTED]
    assert [r[4] for r in rows[:-1]] == [money(c) for c in expected["cost"]]
    first = {r[1]: r for r in rows}
    assert first["key_1"][2] == "Support bot (prod)" and first["key_1"][3] == "Support"
    assert first["key_3"][3] == "proj_B"  # no name: the id
    assert first[NOT_ATTRIBUTED][4] == money(3 * STORAGE)
    records = [page.models["api_key"].record(n) for n in range(len(rows))]
    assert sum(r["cost"] for r in records) == pytest.approx(bill, abs=1e-9)
    assert "OpenAI" in page.note.text() and "AWS" in page.note.text()
    # Projects: each its own bill; users: u1 named.
    page.show_tab("project")
    assert page.stack.currentWidget() is page.tables["project"]
    assert page.section_title.text() == "Cost per project or workspace"
    projects = {r[1]: r for r in _cells(page, "project")}
    assert projects["proj_A"][2] == "Support"
    assert projects["proj_A"][3] == money(sum(A)) and projects["proj_B"][3] == money(sum(B))
    users = {r[1]: r for r in _cells(page, "user")}
    assert users["u1"][2] == "ada@example.com"
    assert set(users) == {"u1", "u2", "(no user)", NOT_ATTRIBUTED}


def test_without_keys_the_page_says_where_they_come_from(
        qtbot: QtBot, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    bill = tmp_path / "focus.csv"
    bill.write_text("ChargePeriodStart,BilledCost,EffectiveCost,BillingCurrency,ServiceName\n"
                    "2025-03-01T00:00:00Z,12.5,12.5,USD,Amazon EC2\n", encoding="utf-8")
    with workspace.open() as cache:
        import_file(cache, bill)
    _, page = open_page(qtbot, workspace, "keys", KeysPage)
    assert page.models["api_key"].rowCount() == 0
    note = empty_note(page.tables["api_key"])
    assert note is not None and note.isVisible() and note.text() == EMPTY
    assert page.billed_card.value.text() == "–"


def test_an_alerts_focus_chooses_its_key(qtbot: QtBot, keys_workspace: Workspace) -> None:
    """A spike alert naming a key opens this page on the Keys tab with the key selected
    (alert_schedule._focus calls choose)."""
    from worthit.ui.alert_schedule import _focus

    _, page = open_page(qtbot, keys_workspace, "keys", KeysPage)
    page.show_tab("project")
    _focus(page, "key_3")
    assert page.stack.currentIndex() == 0
    view = page.tables["api_key"]
    assert view.model().index(view.currentIndex().row(), 1).data() == "key_3"


def test_not_attributed_stays_last_in_either_sort_order(qtbot: QtBot,
                                                        keys_workspace: Workspace) -> None:
    from PySide6.QtCore import Qt

    _, page = open_page(qtbot, keys_workspace, "keys", KeysPage)
    view = page.tables["api_key"]
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        view.sortByColumn(4, order)  # Cost
        assert _cells(page, "api_key")[-1][1] == NOT_ATTRIBUTED

"""The Agent runs page in a real offscreen window: on a workspace with a bill and the
traces of forty ordinary runs of one agent and one runaway, the agents table shows the
analysis's p50, p95 and max per run, the costliest runs list the runaway first, flagged as
a loop and in red, with its whole trace id copied by the button; a workspace without runs
says where runs come from."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from pytestqt.qtbot import QtBot
from tests.analysis.test_customers import DAYS, charge
from tests.ui.support import open_page

from worthit.analysis.customers import customer_costs, run_costs
from worthit.core.money import money
from worthit.pages.runs import EMPTY
from worthit.store.days import day_number
from worthit.store.traces import replace_trace_usage
from worthit.sync.importer import import_file
from worthit.ui import theme
from worthit.ui.views.runs import RunsPage, short_id
from worthit.ui.widgets.tables import empty_note
from worthit.workspace import Workspace

#: An OTLP run id: TRACE/SPAN (the agent span's), longer than a table cell shows.
RUNAWAY = "4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7"


@pytest.fixture
def runs_workspace(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    day = DAYS[0]
    n = day_number(day)
    rows = [(n, "OpenAI", "gpt-4.1", "acme", f"run-{k:02d}", "code-review", "", "review",
             100_000 + 1_000 * k, 0, 0, 0, 3) for k in range(40)]
    rows.append((n, "OpenAI", "gpt-4.1", "acme", RUNAWAY, "code-review", "", "review",
                 5_000_000, 0, 0, 0, 90))
    rows.append((n, "OpenAI", "gpt-4.1", "globex", "triage-1", "triage", "", "support",
                 200_000, 0, 0, 0, 2))
    with workspace.open() as cache:
        cache.replace_charges("bill", day, day, [charge(day, 120.0, 0, 0, 0)])
        replace_trace_usage(cache, "traces", "traces.csv", "usage-csv", {}, rows, (n, n))
    return workspace


def _cells(view: object) -> list[list[str]]:
    model = view.model()  # type: ignore[attr-defined]
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_the_page_shows_each_agents_spread_and_flags_the_runaway_as_a_loop(
        qtbot: QtBot, runs_workspace: Workspace) -> None:
    _, page = open_page(qtbot, runs_workspace, "runs", RunsPage)
    assert page.period is not None
    with runs_workspace.open() as cache:
        expected = run_costs(customer_costs(cache, page.period))
    agents = {r[0]: r for r in _cells(page.agents)}
    review = expected.agents.set_index("agent").loc["code-review"]
    assert agents["code-review"][1:6] == ["41", money(review["p50"]), money(review["p95"]),
                                          money(review["max"]), "1"]
    assert agents["triage"][5] == "0"
    runs = _cells(page.runs)
    assert len(runs) == 42
    top = expected.runs.iloc[0]
    assert top["run_id"] == RUNAWAY and bool(top["loop"])
    assert runs[0] == [short_id(RUNAWAY), "code-review", DAYS[0].isoformat(), "90",
                       money(top["cost"]), money(top["estimate"]), "loop"]
    assert [r[6] for r in runs].count("loop") == 1
    red = page.runs.model().index(0, 4).data(Qt.ItemDataRole.ForegroundRole)
    assert red == QColor(theme.colours().bad)
    assert page.runs.model().index(1, 4).data(Qt.ItemDataRole.ForegroundRole) is None
    # The whole bill of the day went to the runs: the traces are all its tokens' worth.
    assert sum(page.runs_model.record(n)["cost"] for n in range(42)) == pytest.approx(120.0)
    assert page.loops_card.value.text() == "1"
    assert page.runs_card.value.text() == "42"
    # The costliest run is chosen: its whole trace id is shown and copied.
    assert RUNAWAY in page.chosen.text()
    QGuiApplication.clipboard().clear()
    page.copy.click()
    assert QGuiApplication.clipboard().text() == RUNAWAY
    # The first agent's histogram is drawn, the threshold named.
    assert page.chart is not None
    assert page.chart_title.text() == "Runs by cost: code-review"
    assert money(3 * review["p95"]) in page.chart_note.text()


def test_without_runs_the_page_says_where_they_come_from(
        qtbot: QtBot, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    bill = tmp_path / "focus.csv"
    bill.write_text("ChargePeriodStart,BilledCost,EffectiveCost,BillingCurrency,ServiceName\n"
                    "2025-03-01T00:00:00Z,12.5,12.5,USD,Amazon EC2\n", encoding="utf-8")
    with workspace.open() as cache:
        import_file(cache, bill)
    _, page = open_page(qtbot, workspace, "runs", RunsPage)
    assert page.runs_model.rowCount() == 0
    note = empty_note(page.runs)
    assert note is not None and note.isVisible() and note.text() == EMPTY
    assert page.runs_card.value.text() == "–"
    assert not page.copy.isEnabled()

"""One truth (issues 18 and 19): the demo's code-review-agent retry storm is one spike,
computed once, so the runaway-agent leak finding and the alerts' spike alert show the same
excess to the cent; and that excess, paid once, is a one-off, never in the monthly saving
of the Leaks headline."""

from __future__ import annotations

import json

import pytest
from tests.conftest import DEMO_END, run_cli

from worthit.analysis.alerts import check
from worthit.analysis.leaks import find_leaks
from worthit.core.money import money
from worthit.workspace import Workspace


def test_the_runaway_finding_and_the_spike_alert_show_one_excess(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace,
        writable: Workspace) -> None:
    with demo_workspace.open() as cache:
        found = find_leaks(cache, DEMO_END)
        [spike] = [a for a in check(cache).alerts if a.kind == "spike"]
    [runaway] = [f for f in found if f.kind == "runaway_agent"]
    assert spike.focus == runaway.key
    assert spike.amount is not None and spike.amount > 1000
    # The same dollar figure, to the cent, with the same numbers behind it.
    assert round(runaway.one_off, 2) == round(spike.amount, 2)
    assert runaway.evidence.numbers["Excess over the baseline"] == \
        spike.numbers["Excess over the baseline"] == money(spike.amount)
    # Paid once: no monthly saving.
    assert runaway.monthly_saving == 0.0

    # Every surface: the JSON report, its text and the alerts' printed alert.
    code, out, _ = run_cli(capsys, demo_workspace, "report", "leaks", "--format", "json")
    assert code == 0
    data = json.loads(out)
    [row] = [f for f in data["findings"] if f["key"] == runaway.key]
    assert (row["one_off"], row["monthly_saving"]) == (round(spike.amount, 2), 0.0)
    # The headline is recurring savings only: the one-off excess is a total of its own.
    assert data["monthly_saving"] == pytest.approx(
        sum(f.monthly_saving for f in found), abs=0.01)
    # One-offs add up on their own: the runaway's excess and the demo's looping agent run.
    assert data["one_off"] == pytest.approx(sum(f.one_off for f in found), abs=0.01)
    assert {f.kind for f in found if f.one_off} == {"runaway_agent", "agent_loop"}
    assert data["monthly_saving"] + data["one_off"] == pytest.approx(
        sum(max(f.monthly_saving, f.one_off) for f in found), abs=0.02)

    _, text, _ = run_cli(capsys, demo_workspace, "report", "leaks")
    headline = text.splitlines()[0]
    assert f"save {money(data['monthly_saving'])} per month (recurring); one-off excess " \
           f"{money(data['one_off'])}" in headline
    assert f"{money(spike.amount)} one-off  Runaway agents and retries" in text
    assert f"{money(spike.amount)}/month" not in text

    _, watched, _ = run_cli(capsys, writable, "watch")
    assert f"({money(spike.amount)} extra)" in watched

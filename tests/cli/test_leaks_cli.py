"""``worthit report leaks`` (json, csv, table) and ``worthit screenshot leaks``, run
in-process through the CLI's entry point on the demo workspace."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from tests.conftest import DEMO_END
from tests.conftest import run_cli as run
from tests.export.support import parse_csv

from worthit.analysis.leaks import KIND_TITLES, Finding, find_leaks
from worthit.core.money import money
from worthit.store.findings import FindingState, set_state
from worthit.workspace import Workspace

TODAY = dt.datetime.now(dt.UTC).date()


def report(capsys: pytest.CaptureFixture[str], workspace: Workspace, fmt: str) -> str:
    code, out, err = run(capsys, workspace, "report", "leaks", "--format", fmt)
    assert code == 0, err
    return out


def report_json(capsys: pytest.CaptureFixture[str], workspace: Workspace) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(report(capsys, workspace, "json"))
    return data


@pytest.fixture(scope="module")
def expected(demo_workspace: Workspace) -> list[Finding]:
    """The findings for the default period (the last 30 days of data), computed apart."""
    with demo_workspace.open() as cache:
        return find_leaks(cache, DEMO_END)


def test_report_leaks_json_lists_every_finding_open_with_the_total(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace, expected: list[Finding]
) -> None:
    data = report_json(capsys, demo_workspace)
    assert data["window"] == {"from": (DEMO_END - dt.timedelta(days=29)).isoformat(),
                              "to": DEMO_END.isoformat()}
    assert [(f["key"], f["kind"], f["team"], f["feature"], f["state"])
            for f in data["findings"]] == [
        (f.key, f.kind, f.team, f.feature, "open") for f in expected]
    for row, f in zip(data["findings"], expected, strict=True):
        assert row["monthly_saving"] == round(f.monthly_saving, 2)
        assert row["one_off"] == round(f.one_off, 2)
        assert row["kind_title"] == KIND_TITLES[f.kind]
        assert len(row["evidence"]["points"]) == len(f.evidence.values)
    assert data["monthly_saving"] == pytest.approx(sum(f.monthly_saving for f in expected),
                                                   abs=0.01)
    # A one-off excess (the runaway agent's) is a total of its own, not a monthly saving.
    assert data["one_off"] == pytest.approx(sum(f.one_off for f in expected), abs=0.01)
    assert data["one_off"] > 0


def test_report_leaks_csv_and_table(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace, expected: list[Finding]
) -> None:
    _, columns, rows = parse_csv(report(capsys, demo_workspace, "csv"))
    assert columns == ["Kind", "Finding", "Team", "Feature", "Resource", "Monthly cost",
                       "Monthly saving", "One-off excess", "State", "First fix", "Key"]
    assert [(r["Key"], r["Team"], r["Feature"], round(float(r["Monthly saving"]), 2),
             round(float(r["One-off excess"]), 2), r["State"]) for r in rows] == [
        (f.key, f.team or "", f.feature or "", round(f.monthly_saving, 2),
         round(f.one_off, 2), "open") for f in expected]

    table = report(capsys, demo_workspace, "table")
    total = money(sum(f.monthly_saving for f in expected))
    once = money(sum(f.one_off for f in expected))
    assert table.startswith(f"Leaks in the 30 days to {DEMO_END} (open findings save "
                            f"{total} per month (recurring); one-off excess {once})")
    for f in expected:
        shown = f"{money(f.one_off)} one-off" if f.one_off else \
            f"{money(f.monthly_saving)}/month" if round(f.monthly_saving, 2) else \
            "no saving priced"  # weak attribution: a cost to know about
        assert f"{shown}  {KIND_TITLES[f.kind]}: {f.title}\n" in table
    (runaway,) = [f for f in expected if f.kind == "runaway_agent"]
    assert f"{money(runaway.one_off)}/month" not in table
    assert "[dismissed]" not in table


def test_a_dismissed_finding_is_marked_and_left_out_of_the_totals(
    capsys: pytest.CaptureFixture[str], writable: Workspace, expected: list[Finding]
) -> None:
    gone, woken, asleep = expected[0], expected[1], expected[2]
    with writable.open() as cache:
        set_state(cache, FindingState(gone.key, "dismissed", "known; fixed next sprint"))
        # Snoozed until yesterday: awake again and counted; until next week: left out.
        set_state(cache, FindingState(woken.key, "snoozed", "",
                                      TODAY - dt.timedelta(days=1)))
        set_state(cache, FindingState(asleep.key, "snoozed", "", TODAY + dt.timedelta(days=7)))

    data = report_json(capsys, writable)
    states = {f["key"]: f for f in data["findings"]}
    assert len(states) == len(expected)
    assert states[gone.key]["state"] == "dismissed"
    assert states[gone.key]["reason"] == "known; fixed next sprint"
    assert states[woken.key]["state"] == states[asleep.key]["state"] == "snoozed"
    assert {f["state"] for k, f in states.items()
            if k not in (gone.key, woken.key, asleep.key)} == {"open"}
    assert data["monthly_saving"] == pytest.approx(
        sum(f.monthly_saving for f in expected if f.key not in (gone.key, asleep.key)),
        abs=0.01)

    table = report(capsys, writable, "table")
    assert f"{gone.title}  [dismissed]" in table
    assert money(sum(f.monthly_saving for f in expected
                     if f.key not in (gone.key, asleep.key))) in table.splitlines()[0]

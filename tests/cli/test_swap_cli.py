"""``worthit report swap`` and ``worthit screenshot swap`` on the demo workspace: run
in-process through the CLI's entry point, and once as the installed ``worthit`` command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import DEMO_END
from tests.conftest import run_cli as run
from tests.export.support import parse_csv

from worthit.cli import main
from worthit.core.money import money
from worthit.core.periods import Preset, preset_period
from worthit.core.scenarios import Lever, Scenario
from worthit.store.swap import save_scenario
from worthit.workspace import Workspace

DEFAULT_PERIOD = preset_period(Preset.LAST_30, DEMO_END)
PRO, MICRO = ("AWS", "amazon.nova-pro-v1:0"), ("AWS", "amazon.nova-micro-v1:0")
USAGE_KEYS = {"provider", "model", "requests", "input", "cached_input", "cache_write",
              "output", "billed", "list_cost", "unpriced"}
SUGGESTION_KEYS = {"kind", "title", "assumption", "evidence", "feature", "levers",
                   "monthly_saving", "saving_pct"}
CSV_HEADER = ["provider", "model", "requests", "input", "cached_input", "cache_write",
              "output", "billed", "list_cost"]


def report(capsys: pytest.CaptureFixture[str], workspace: Workspace, fmt: str,
           *args: str) -> str:
    code, out, err = run(capsys, workspace, "report", "swap", "--format", fmt, *args)
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def shown(demo_workspace: Workspace) -> dict[str, Any]:
    """``report swap --format json`` on the demo, once for the module."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--workspace", str(demo_workspace.folder), "report", "swap",
                     "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


# -- json -------------------------------------------------------------------------------------


def test_json_has_the_period_and_every_model_priced(shown: dict[str, Any]) -> None:
    assert shown["period"] == {"from": DEFAULT_PERIOD.start.isoformat(),
                               "to": DEFAULT_PERIOD.end.isoformat()}
    assert shown["unpriced"] == []
    assert shown["scenarios"] == []
    usage = shown["usage"]
    assert {(r["provider"], r["model"]) for r in usage} >= {PRO, ("OpenAI", "gpt-4.1")}
    for row in usage:
        assert set(row) == USAGE_KEYS
        assert row["unpriced"] is False
        # The demo bills at list prices.
        assert row["list_cost"] == pytest.approx(row["billed"], abs=0.011), row["model"]
        assert row["requests"] > 0
    billed = [r["billed"] for r in usage]
    assert billed == sorted(billed, reverse=True)


def test_json_suggestions_say_whether_the_usage_backs_them(shown: dict[str, Any]) -> None:
    found = shown["suggestions"]
    assert 0 < len(found) <= 12
    for s in found:
        assert set(s) == SUGGESTION_KEYS
        assert s["evidence"] is (s["kind"] in ("smaller", "cache", "batch"))
        assert s["monthly_saving"] >= 0.5
        assert s["levers"]
    # One list, by the saving it shows, whatever backs it (the window lists them so).
    savings = [s["monthly_saving"] for s in found]
    assert savings == sorted(savings, reverse=True)
    (triage,) = [s for s in found if s["feature"] == "ticket-triage" and s["kind"] == "smaller"]
    assert triage["levers"] == [{"kind": "route", "model": list(PRO), "share": 1.0,
                                 "to": list(MICRO)}]
    assert triage["saving_pct"] == pytest.approx(1 - 0.035 / 0.80, abs=1e-4)
    routes = [s for s in found if s["kind"] == "route"]
    assert routes and all(s["evidence"] is False for s in routes)


def test_json_reports_saved_scenarios_with_their_saving(
    capsys: pytest.CaptureFixture[str], writable: Workspace, shown: dict[str, Any]
) -> None:
    scenario = Scenario("Triage on Micro", "ticket-triage",
                        (Lever("route", PRO, 1.0, to=MICRO),))
    with writable.open() as cache:
        save_scenario(cache, scenario)
    data = json.loads(report(capsys, writable, "json"))
    (triage,) = [s for s in shown["suggestions"] if s["feature"] == "ticket-triage"
                 and s["kind"] == "smaller"]
    assert data["scenarios"] == [{**scenario.to_json(),
                                  "monthly_saving": triage["monthly_saving"]}]


def test_json_follows_the_asked_period(capsys: pytest.CaptureFixture[str],
                                       demo_workspace: Workspace, shown: dict[str, Any]
                                       ) -> None:
    data = json.loads(report(capsys, demo_workspace, "json", "--from", "2026-11-20",
                             "--to", "2026-11-26"))
    assert data["period"] == {"from": "2026-11-20", "to": "2026-11-26"}
    week = {(r["provider"], r["model"]): r["requests"] for r in data["usage"]}
    month = {(r["provider"], r["model"]): r["requests"] for r in shown["usage"]}
    assert set(week) == set(month)
    assert all(0 < week[m] < month[m] for m in week)


# -- csv and table ----------------------------------------------------------------------------


def test_csv_has_a_row_per_suggestion_and_scenario_matching_the_json(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace,
        shown: dict[str, Any]) -> None:
    _, columns, rows = parse_csv(report(capsys, demo_workspace, "csv"))
    assert columns == ["Type", "Scenario", "Feature", "Evidence", "Monthly saving", "Saving",
                       "Assumption"]
    suggested = [r for r in rows if r["Type"] == "suggestion"]
    assert [(r["Scenario"], round(float(r["Monthly saving"]), 2)) for r in suggested] == [
        (s["title"], round(s["monthly_saving"], 2)) for s in shown["suggestions"]]
    assert len(rows) == len(shown["suggestions"]) + len(shown["scenarios"])


def test_table_lists_models_and_suggestions(capsys: pytest.CaptureFixture[str],
                                            demo_workspace: Workspace,
                                            shown: dict[str, Any]) -> None:
    out = report(capsys, demo_workspace, "table")
    lines = out.splitlines()
    assert lines[0] == ("Model swap 2026-10-28 – 2026-11-26 (list prices or your rates; "
                        "quality is not measured here)")
    (pro,) = [line for line in lines if line.startswith("amazon.nova-pro-v1:0 (AWS)")]
    assert pro.split()[-2:] == ["$4,298", "$4,298"]  # billed, at list
    assert "UNPRICED" not in out
    assert "Saved scenarios" not in out
    backed = lines.index("Suggestions the usage backs, by monthly saving")
    testing = next(i for i, line in enumerate(lines) if line.startswith("Worth testing"))
    titled = [line for line in lines[backed + 1:] if "/month  " in line]
    # Under two headings, each in the list's order (by the saving it shows).
    grouped = ([s for s in shown["suggestions"] if s["evidence"]]
               + [s for s in shown["suggestions"] if not s["evidence"]])
    assert len(titled) == len(grouped)
    for line, s in zip(titled, grouped, strict=True):
        assert line.endswith(s["title"])
        assert line.lstrip().startswith(f"{money(s['monthly_saving'])}/month")
        assert (lines.index(line) < testing) is s["evidence"]  # under its group's heading
    for group in (True, False):  # each group by the saving it shows
        savings = [s["monthly_saving"] for s in grouped if s["evidence"] is group]
        assert savings == sorted(savings, reverse=True)


def test_table_lists_saved_scenarios(capsys: pytest.CaptureFixture[str],
                                     writable: Workspace) -> None:
    with writable.open() as cache:
        save_scenario(cache, Scenario("Triage on Micro", "ticket-triage",
                                      (Lever("route", PRO, 1.0, to=MICRO),)))
    lines = report(capsys, writable, "table").splitlines()
    start = lines.index("Saved scenarios")
    assert lines[start + 1] == "  $4,110/month  Triage on Micro"


def test_the_worthit_command_prints_the_same_csv(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace
) -> None:
    """The installed command, as a user runs it."""
    command = Path(sys.executable).with_name("worthit")
    assert command.is_file()
    result = subprocess.run(
        [str(command), "--workspace", str(demo_workspace.folder), "report", "swap",
         "--format", "csv"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == report(capsys, demo_workspace, "csv")


# -- without priced usage ---------------------------------------------------------------------


def test_a_period_without_ai_usage_reports_nothing_to_swap(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace
) -> None:
    """Before the demo's first day there is no data: said in words, not a traceback and not
    a report of zeros."""
    code, out, err = run(capsys, demo_workspace, "report", "swap", "--format", "json",
                         "--from", "2020-01-01", "--to", "2020-01-31")
    assert (code, out) == (2, "")
    assert "no data from 2020-01-01 to 2020-01-31" in err


# -- screenshot -------------------------------------------------------------------------------

"""``worthit units import``, ``worthit report units`` and ``worthit screenshot units``: run
in-process through the CLI's entry point, and once as the installed ``worthit`` command."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import DEMO_END
from tests.conftest import run_cli as run
from tests.export.support import parse_csv

from worthit.core.periods import Preset, preset_period
from worthit.demo.generator import ACTIVE_USER_GAP_DAYS_AGO, UNITS
from worthit.store.cache import Cache
from worthit.workspace import Workspace

DEFAULT_PERIOD = preset_period(Preset.LAST_30, DEMO_END)
GAP_DAYS = sorted(DEMO_END - dt.timedelta(days=ago) for ago in ACTIVE_USER_GAP_DAYS_AGO)
NAMES = {unit_id: spec[0] for unit_id, spec in UNITS.items()}


def unit_counts(workspace: Workspace) -> list[tuple[str, str, float]]:
    """Every stored count, straight from the file."""
    with closing(sqlite3.connect(f"file:{workspace.cache_path}?mode=ro", uri=True)) as conn:
        return conn.execute(
            "SELECT unit_id, day, count FROM unit_counts ORDER BY unit_id, day").fetchall()


def report_json(capsys: pytest.CaptureFixture[str], workspace: Workspace,
                *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, workspace, "report", "units", "--format", "json", *args)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


# -- units import -----------------------------------------------------------------------------


def test_import_adds_and_replaces_counts_and_a_reimport_does_not_duplicate(
    capsys: pytest.CaptureFixture[str], writable: Workspace, tmp_path: Path
) -> None:
    before = unit_counts(writable)
    kept = {(u, d): n for u, d, n in before}
    last = DEMO_END.isoformat()
    assert ("active-user", GAP_DAYS[0].isoformat()) not in kept
    counts = tmp_path / "counts.csv"
    counts.write_text(
        "Unit,Day,Count\n"
        f"active-user,{GAP_DAYS[0]},15000\n"  # the two days the pipeline lost
        f"Active user,{GAP_DAYS[1]},15500\n"
        f"resolved-ticket,{last},12345\n",  # replaces the day's count
        encoding="utf-8")
    for _ in range(2):  # a re-import replaces, it never adds a second row
        code, out, err = run(capsys, writable, "units", "import", str(counts))
        assert code == 0, err
        assert out.strip() == f"Imported 3 counts from {counts}"
        after = unit_counts(writable)
        assert len(after) == len(before) + 2
        stored = {(u, d): n for u, d, n in after}
        assert stored[("active-user", GAP_DAYS[0].isoformat())] == 15000
        assert stored[("active-user", GAP_DAYS[1].isoformat())] == 15500
        assert stored[("resolved-ticket", last)] == 12345
        assert {k: v for k, v in stored.items()
                if k not in {("active-user", GAP_DAYS[0].isoformat()),
                             ("active-user", GAP_DAYS[1].isoformat()),
                             ("resolved-ticket", last)}} == {
            k: v for k, v in kept.items() if k != ("resolved-ticket", last)}

    # The report sees them: the lost days are no longer gaps.
    start = (DEMO_END - dt.timedelta(days=59)).isoformat()
    data = report_json(capsys, writable, "--from", start, "--to", last)
    by_id = {u["unit"]: u for u in data["units"]}
    assert by_id["active-user"]["gaps"] == {"days": [], "cost_left_out": 0.0}


BAD_COUNTS = """\
date,unit,count
{first},resolved-ticket,1
{first},active-user,2

{first},1k-inferences,lots
"""


def test_a_bad_file_exits_2_names_line_and_column_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], writable: Workspace, tmp_path: Path
) -> None:
    before = unit_counts(writable)
    bad = tmp_path / "bad.csv"
    # Lines 2 and 3 are valid (one fills a gap, one replaces a count): neither may land.
    bad.write_text(BAD_COUNTS.format(first=GAP_DAYS[0]), encoding="utf-8")
    code, out, err = run(capsys, writable, "units", "import", str(bad))
    assert code == 2
    assert out == ""
    assert err.strip() == (f"worthit: {bad}, line 5, column 'count': count 'lots' is not a "
                           "number")
    assert unit_counts(writable) == before


def test_the_worthit_command_refuses_a_duplicate_and_keeps_the_counts(
    writable: Workspace, tmp_path: Path
) -> None:
    """The installed command, as a user runs it: exit status 2, both lines named, and not
    one count written (the first rows are valid)."""
    before = unit_counts(writable)
    bad = tmp_path / "twice.csv"
    day = GAP_DAYS[0]
    bad.write_text(f"date,unit,count\n{day},active-user,100\n{day},resolved-ticket,5\n"
                   f"{day},Active User,101\n", encoding="utf-8")
    command = Path(sys.executable).with_name("worthit")
    assert command.is_file()
    result = subprocess.run(
        [str(command), "--workspace", str(writable.folder), "units", "import", str(bad)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == (f"worthit: {bad}, line 4, column 'date': active-user is "
                                     f"counted twice on {day} (also on line 2)")
    assert unit_counts(writable) == before


# -- report units -----------------------------------------------------------------------------


def test_report_json_has_every_unit_with_its_figures(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace
) -> None:
    data = report_json(capsys, demo_workspace)
    assert data["period"] == {"from": DEFAULT_PERIOD.start.isoformat(),
                              "to": DEFAULT_PERIOD.end.isoformat()}
    previous = DEFAULT_PERIOD.previous()
    assert data["previous_period"] == {"from": previous.start.isoformat(),
                                       "to": previous.end.isoformat()}
    assert [u["unit"] for u in data["units"]] == list(UNITS)
    for unit in data["units"]:
        assert set(unit) >= {"unit", "name", "features", "shared_pools", "target_cost",
                             "cost", "count", "unit_cost", "previous", "change",
                             "volume_effect", "on_target", "verdict", "gaps", "drivers",
                             "by_feature", "series"}
        assert unit["name"] == NAMES[unit["unit"]]
        assert unit["count"] > 0
        assert unit["unit_cost"] == pytest.approx(unit["cost"] / unit["count"], rel=1e-4)
        assert unit["verdict"] and isinstance(unit["verdict"], str)
        assert set(unit["gaps"]) == {"days", "cost_left_out"}
        assert unit["drivers"]
        for driver in unit["drivers"]:
            assert set(driver) == {"component", "per_unit", "previous_per_unit",
                                   "cost_effect", "volume_effect"}
        # The drivers' effects add up to the change (each rounded to 6 places).
        effects = sum(d["cost_effect"] + d["volume_effect"] for d in unit["drivers"])
        assert effects == pytest.approx(unit["change"], abs=1e-6 * len(unit["drivers"]) + 1e-6)
        series = unit["series"]
        assert series["granularity"] == "week"  # the default
        points = series["points"]
        assert points[0]["from"] == DEFAULT_PERIOD.start.isoformat()
        assert points[-1]["to"] == DEFAULT_PERIOD.end.isoformat()
        assert all(dt.date.fromisoformat(p["from"]).weekday() == 0 for p in points[1:])
        assert sum(p["count"] for p in points) == pytest.approx(unit["count"])
        json.dumps(unit, allow_nan=False)
    ticket, inferences, user = data["units"]
    assert (ticket["on_target"], inferences["on_target"], user["on_target"]) == (
        True, False, False)
    assert ticket["shared_pools"] == {"Shared observability": 0.25}
    assert user["previous"]["gap_days"] == 2


def test_report_csv_has_a_row_per_unit_matching_the_json(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace
) -> None:
    code, out, err = run(capsys, demo_workspace, "report", "units", "--format", "csv")
    assert code == 0, err
    header, columns, rows = parse_csv(out)
    assert columns[:6] == ["Unit", "Counts", "Cost", "Count", "Cost per unit", "Target"]
    assert "currency: USD" in header
    data = report_json(capsys, demo_workspace)
    assert len(rows) == len(data["units"]) == len(UNITS)
    for row, unit in zip(rows, data["units"], strict=True):
        assert float(row["Cost"]) == pytest.approx(unit["cost"], abs=0.01)
        assert float(row["Count"]) == pytest.approx(unit["count"])
        # CSV amounts are written to a millionth
        assert float(row["Cost per unit"]) == pytest.approx(unit["unit_cost"], abs=1e-6)
        assert float(row["Cost per unit"]) == pytest.approx(
            float(row["Cost"]) / float(row["Count"]), abs=1e-6)


def test_report_table_names_each_unit_and_its_verdict(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace
) -> None:
    code, out, err = run(capsys, demo_workspace, "report", "units")
    assert code == 0, err
    assert out.startswith(f"Unit costs {DEFAULT_PERIOD.label()}")
    data = report_json(capsys, demo_workspace)
    for unit in data["units"]:
        assert f"{unit['name']}: " in out
        assert f"  {unit['verdict']}" in out
    assert "On target: " in out and "Missing the target: " in out


def test_report_of_a_workspace_without_units_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from worthit.core.focus import CHARGE_COLUMN_NAMES

    empty = Workspace(tmp_path / "empty")
    empty.folder.mkdir()
    with Cache.open(empty.cache_path) as cache:  # a cache, so not the demo an empty folder gets
        code, _, err = run(capsys, empty, "report", "units")
        assert code == 2 and "holds no charges yet" in err  # nothing at all: said so
        charge = dict.fromkeys(CHARGE_COLUMN_NAMES)
        charge.update(source_id="s", charge_period_start="2026-01-15", billed_cost=1.0,
                      effective_cost=1.0, billing_currency="USD", provider_name="AWS")
        cache.replace_charges("s", None, None, [[charge[c] for c in CHARGE_COLUMN_NAMES]])
    code, out, err = run(capsys, empty, "report", "units", "--from", "2026-01-01", "--to",
                         "2026-01-31")
    assert code == 0, err
    assert "No units are defined in this workspace: add one with `worthit units add`." in out


# -- screenshot -------------------------------------------------------------------------------


# -- units add, list, remove ----------------------------------------------------------------


def test_a_unit_defined_on_your_own_workspace_prices_its_features_per_count(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """From a bill of one's own: a rule names the feature, a unit carries it, its counts
    come in, and the report divides the feature's cost by them (checked by hand)."""
    bill = tmp_path / "bill.csv"
    bill.write_text(
        "ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,BillingCurrency,"
        "ProviderName,ServiceName,ServiceCategory,Tags\n"
        + "".join(f"2026-11-0{d}T00:00:00Z,2026-11-0{d + 1}T00:00:00Z,{cost},{cost},USD,"
                  f"OpenAI,OpenAI API,AI and Machine Learning,"
                  '"{""team"": ""support"", ""feature"": ""triage""}"\n'
                  for d, cost in ((1, 12.5), (2, 30.0), (3, 7.5))), encoding="utf-8")
    workspace = Workspace(tmp_path / "acme")
    code, _, err = run(capsys, workspace, "import", str(bill))
    assert code == 0, err
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\nrules:\n  - name: By tags\n    match: {tag_present: team}\n"
                     "    team: {tag: team}\n    feature: {tag: feature}\n", encoding="utf-8")
    code, _, err = run(capsys, workspace, "rules", "import", str(rules))
    assert code == 0, err
    code, out, err = run(capsys, workspace, "units", "add", "ticket", "--name",
                         "Cost per triaged ticket", "--counts", "tickets triaged",
                         "--features", "triage", "--target", "0.05")
    assert code == 0, err
    assert "Added unit 'ticket'" in out
    assert run(capsys, workspace, "units", "add", "ticket", "--name", "x", "--counts", "y",
               "--features", "triage")[2].strip().endswith("There is already a unit 'ticket'.")
    listed = json.loads(run(capsys, workspace, "units", "list", "--output", "json")[1])
    assert listed == [{"id": "ticket", "name": "Cost per triaged ticket",
                       "counts": "tickets triaged", "derived": None,
                       "features": ["triage"], "target": 0.05,
                       "revenue": None, "currency": "USD"}]
    counts = tmp_path / "counts.csv"
    counts.write_text("date,unit,count\n2026-11-01,ticket,250\n2026-11-02,ticket,600\n"
                      "2026-11-03,ticket,150\n", encoding="utf-8")
    assert run(capsys, workspace, "units", "import", str(counts))[0] == 0
    data = report_json(capsys, workspace, "--from", "2026-11-01", "--to", "2026-11-03")
    (unit,) = data["units"]
    assert unit["cost"] == pytest.approx(50.0)
    assert unit["count"] == pytest.approx(1000.0)
    assert unit["unit_cost"] == pytest.approx(0.05)  # 50 / 1,000
    code, out, _ = run(capsys, workspace, "units", "remove", "ticket")
    assert code == 0 and out.strip() == "Removed unit 'ticket' and its 3 counts."
    assert json.loads(run(capsys, workspace, "units", "list", "--output", "json")[1]) == []

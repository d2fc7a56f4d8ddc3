"""Units counted from the request traces (issue 21): cost per active customer and cost per
agent run. A span's count is its distinct customers (runs), never the sum of its days';
every figure is worked out by hand below."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from tests.analysis.test_unit_economics import charge, fill
from tests.conftest import run_cli

from worthit.analysis.unit_economics import unit_economics
from worthit.core.errors import BadInput
from worthit.core.periods import Period
from worthit.core.units import DERIVED, Unit, read_counts_file
from worthit.store.cache import Cache
from worthit.store.units import add_unit, load_units, remove_unit
from worthit.sync.importer import import_file
from worthit.workspace import Workspace

D = dt.date
PERIOD = Period(D(2024, 3, 4), D(2024, 3, 17))  # Monday to Sunday, two weeks
PREVIOUS = PERIOD.previous()  # Feb 19 – Mar 3
GAP = D(2024, 3, 17)  # no traces: its cost is left out


def days(period: Period) -> list[dt.date]:
    return [period.start + dt.timedelta(days=n) for n in range(period.days)]


def traces(folder: Path) -> Path:
    """Previous period: acme alone, one run a day. This period: acme every day but the
    last (run a-DAY), globex on Mar 4 and 5 in one run (g-1) spanning both days, initech on
    Mar 12 (no run)."""
    rows = [(d, "acme", f"a-{d}") for d in days(PREVIOUS)]
    rows += [(d, "acme", f"a-{d}") for d in days(PERIOD) if d != GAP]
    rows += [(D(2024, 3, 4), "globex", "g-1"), (D(2024, 3, 5), "globex", "g-1"),
             (D(2024, 3, 12), "initech", "")]
    lines = ["date,customer,model,input_tokens,cached_input_tokens,cache_write_tokens,"
             "output_tokens,requests,run_id"]
    lines += [f"{d},{c},gpt-4.1,1000,0,0,100,1,{r}" for d, c, r in rows]
    path = folder / "usage.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def setup(cache: Cache, folder: Path) -> None:
    """chat costs $56 a day in the previous period and $70 a day in this one."""
    fill(cache, [charge(d, 56.0, "chat") for d in days(PREVIOUS)]
         + [charge(d, 70.0, "chat") for d in days(PERIOD)])
    import_file(cache, traces(folder))
    for unit_id, kind in (("active", "customers"), ("run", "runs")):
        add_unit(cache, Unit(unit_id, DERIVED[kind].name, DERIVED[kind].counts_what,
                             ("chat",), target_cost=250.0, derived=kind))


def test_cost_per_active_customer_divides_by_the_periods_distinct_customers(
        cache: Cache, tmp_path: Path) -> None:
    setup(cache, tmp_path)
    active = unit_economics(cache, PERIOD, "day", [u for u in load_units(cache)
                                                    if u.unit_id == "active"])[0]
    # 13 counted days at $70 = $910, over 3 distinct customers (acme, globex, initech):
    # $303.33, not $910 over the days' 16 (2 + 2 + 5 × 1 + 1 + 2 + 4 × 1).
    assert active.cost == pytest.approx(910.0)
    assert active.count == 3
    assert round(active.unit_cost or 0, 2) == 303.33
    assert sum(b.count for b in active.daily) == 16
    assert (active.gaps, active.gap_cost) == ([GAP], pytest.approx(70.0))
    # Each day: its own distinct customers (Mar 4: acme and globex, $35 each).
    assert (active.daily[0].count, active.daily[0].unit_cost) == (2, 35.0)
    # Each week: its distinct customers. Mar 4–10: acme, globex: $490 / 2 = $245.00;
    # Mar 11–17: acme, initech: $420 / 2 = $210.00 (the 17th is a gap).
    weeks = active.at("week").buckets
    assert [(b.start, b.cost, b.count) for b in weeks] == [
        (D(2024, 3, 4), pytest.approx(490.0), 2), (D(2024, 3, 11), pytest.approx(420.0), 2)]
    [month] = active.at("month").buckets
    assert (month.count, round(month.unit_cost or 0, 2)) == (3, 303.33)
    # The previous period: $784 over acme alone. The change splits as ever: the volume
    # effect is $784 × (1/3 − 1/1) = −$522.67, the cost effect ($910 − $784) / 3 = $42.
    assert active.previous_count == 1
    assert active.previous_unit_cost == pytest.approx(784.0)
    assert round(active.volume_effect or 0, 2) == -522.67
    [driver] = active.drivers
    assert round(driver.cost_effect or 0, 2) == 42.00
    assert active.change == pytest.approx((driver.cost_effect or 0) + (active.volume_effect
                                                                        or 0))
    assert active.features[0].per_unit == pytest.approx(910.0 / 3)
    assert active.to_json()["derived"] == "customers"


def test_cost_per_agent_run_counts_a_run_over_two_days_once(cache: Cache,
                                                            tmp_path: Path) -> None:
    setup(cache, tmp_path)
    run = unit_economics(cache, PERIOD, "day", [u for u in load_units(cache)
                                                 if u.unit_id == "run"])[0]
    # acme's 13 runs and globex's one (Mar 4–5); initech's rows name no run: 14 runs.
    # $910 / 14 = $65.00, under the $250 target.
    assert run.count == 14
    assert run.unit_cost == pytest.approx(65.0)
    assert run.on_target is True
    # Mar 4 and Mar 5 each count g-1 (two runs that day), the week counts it once:
    # acme's 7 and g-1 make 8 (the sum of its days would be 9).
    assert [b.count for b in run.daily[:2]] == [2, 2]
    assert sum(b.count for b in run.daily[:7]) == 9
    assert run.at("week").buckets[0].count == 8


def test_a_derived_unit_is_kept_and_refuses_imported_counts(cache: Cache,
                                                            tmp_path: Path) -> None:
    setup(cache, tmp_path)
    units = {u.unit_id: u for u in load_units(cache)}
    assert units["active"] == Unit("active", "Cost per active customer",
                                   "active customers with traced usage", ("chat",),
                                   target_cost=250.0, derived="customers")
    counts = tmp_path / "counts.csv"
    counts.write_text("date,unit,count\n2024-03-04,active,5\n", encoding="utf-8")
    with pytest.raises(BadInput, match="counted from the traces"):
        read_counts_file(counts, list(units.values()))
    remove_unit(cache, "active")
    add_unit(cache, dataclasses.replace(units["active"], derived=None))
    assert next(u for u in load_units(cache) if u.unit_id == "active").derived is None


def test_without_traces_a_derived_unit_says_so(cache: Cache) -> None:
    fill(cache, [charge(d, 70.0, "chat") for d in days(PERIOD)])
    add_unit(cache, Unit("active", "Cost per active customer",
                         DERIVED["customers"].counts_what, ("chat",), derived="customers"))
    [e] = unit_economics(cache, PERIOD, "day")
    assert (e.count, e.unit_cost, len(e.gaps)) == (0, None, 14)
    assert e.verdict.startswith("No active customers with traced usage in this period: "
                                "import request traces")


def test_worthit_units_adds_lists_and_reports_a_derived_unit(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    with workspace.open() as cache:
        fill(cache, [charge(d, 56.0, "chat") for d in days(PREVIOUS)]
             + [charge(d, 70.0, "chat") for d in days(PERIOD)])
        import_file(cache, traces(tmp_path))
    code, out, _ = run_cli(capsys, workspace, "units", "add", "active", "--derived",
                           "customers", "--features", "chat")
    assert code == 0
    assert "(Cost per active customer)" in out and "come from the request traces" in out
    _, out, _ = run_cli(capsys, workspace, "units", "list")
    assert "active: Cost per active customer, per active customers with traced usage; " \
           "features chat; counted from the traces" in out
    _, out, _ = run_cli(capsys, workspace, "units", "list", "--output", "json")
    assert json.loads(out)[0]["derived"] == "customers"
    code, out, _ = run_cli(capsys, workspace, "report", "units", "--format", "json",
                           "--from", str(PERIOD.start), "--to", str(PERIOD.end))
    [unit] = json.loads(out)["units"]
    assert (unit["count"], round(unit["unit_cost"], 2)) == (3, 303.33)
    code, _, err = run_cli(capsys, workspace, "units", "add", "x", "--features", "chat")
    assert code != 0 and "--derived customers|runs" in err

"""The demo workspace: deterministic, 13 months of complete daily data, billed at list
prices, and its planted leaks worth exactly what the rows say.

Every figure here is recomputed from the cache with plain sqlite3 and Python, so a test
fails when the generator, its bookkeeping (``truth.py``) or the cache disagree."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sqlite3
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from worthit.core.focus import AI_CATEGORY, CHARGE_COLUMN_NAMES, TOKEN_COLUMNS
from worthit.core.periods import add_months
from worthit.demo.catalog import INSTANCE_HOURLY, MODEL_PRICES, S3_STORAGE_GB_MONTH
from worthit.demo.generator import DemoResult, generate_demo, read_planted
from worthit.demo.planted import KINDS, MONTH_DAYS, PlantedLeak
from worthit.demo.truth import NAT_SHARE_LOW
from worthit.store.cache import CACHE_FILE, Cache

D = dt.date
IDLE_ENDPOINT = "arn:aws:sagemaker:us-east-1:210987654321:endpoint/reco-staging"
GRAVEYARD = "ml-experiments-checkpoints-2024"
NOVA_PRO = "amazon.nova-pro-v1:0"
# AWS instance families with NVIDIA GPUs (g5, p4d; SageMaker's ml.g5).
GPU_FAMILIES = ("g", "p", "ml.g", "ml.p")
RECO_NODES = [f"i-0reco{n:011d}" for n in range(1, 5)]
PRICE_OF_COLUMN = {
    "x_input_tokens": "input",
    "x_cached_input_tokens": "cached_input",
    "x_cache_write_tokens": "cache_write",
    "x_output_tokens": "output",
}
# Planted figures are priced before the rows are rounded to 1e-6 dollars.
SAVING_TOLERANCE = 1e-3


# -- helpers ----------------------------------------------------------------------------------


def window(end: dt.date) -> tuple[str, str]:
    """The last 30 days (:data:`MONTH_DAYS`) through ``end``, as ISO text."""
    return (end - dt.timedelta(days=MONTH_DAYS - 1)).isoformat(), end.isoformat()


def cost_of(db: sqlite3.Connection, where: str, params: tuple[Any, ...] = ()) -> float:
    """The exact sum of effective_cost over the rows ``where`` selects, added in Python."""
    rows = db.execute(f"SELECT effective_cost FROM charges WHERE {where}", params)
    return math.fsum(row[0] for row in rows)


def window_cost(db: sqlite3.Connection, end: dt.date, where: str, params: tuple[Any, ...] = ()
                ) -> float:
    return cost_of(db, f"charge_period_start BETWEEN ? AND ? AND ({where})",
                   (*window(end), *params))


def table_digest(db: sqlite3.Connection, table: str, columns: list[str]) -> str:
    """A hash of every row of ``table``, in a total order."""
    listed = ", ".join(columns)
    digest = hashlib.sha256()
    for row in db.execute(f"SELECT {listed} FROM {table} ORDER BY {listed}"):
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def charges_digest(db: sqlite3.Connection) -> str:
    return table_digest(db, "charges", list(CHARGE_COLUMN_NAMES))


def open_db(folder: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{folder / CACHE_FILE}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def planted_of(result: DemoResult, kind: str, resource_id: str | None = None) -> PlantedLeak:
    found = [
        leak for leak in result.planted
        if leak.kind == kind and (resource_id is None or leak.resource_id == resource_id)
    ]
    assert len(found) == 1, (kind, resource_id, found)
    return found[0]


def feature_is(feature: str) -> str:
    return f"json_extract(tags, '$.feature') = '{feature}'"


def tokens_of(feature: str) -> str:
    """A feature's model usage (its tagged servers and volumes excluded)."""
    return f"{feature_is(feature)} AND x_model IS NOT NULL"


# -- determinism ------------------------------------------------------------------------------


def test_the_same_seed_and_end_give_the_same_cache(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date, tmp_path: Path
) -> None:
    again = generate_demo(tmp_path, seed=7, end=demo_end)
    with open_db(tmp_path) as db:
        assert charges_digest(db) == charges_digest(demo_db)
        for table, columns in (
            ("metrics", ["period_start", "granularity", "resource_id", "metric", "stat",
                         "value"]),
            ("unit_counts", ["unit_id", "day", "count"]),
            ("resources", ["resource_id", "facts"]),
        ):
            assert table_digest(db, table, columns) == table_digest(demo_db, table, columns)
    assert again.rows == demo.rows
    assert again.planted == demo.planted


def test_another_seed_gives_other_figures(
    demo_db: sqlite3.Connection, demo_end: dt.date, tmp_path: Path
) -> None:
    generate_demo(tmp_path, seed=8, end=demo_end)
    with open_db(tmp_path) as db:
        assert charges_digest(db) != charges_digest(demo_db)
        other_total = cost_of(db, "1")
    assert other_total != pytest.approx(cost_of(demo_db, "1"), rel=1e-9)


def test_the_planted_list_is_stored_in_the_cache(demo: DemoResult, demo_folder: Path) -> None:
    with Cache.open(demo_folder / CACHE_FILE) as cache:
        assert read_planted(cache) == demo.planted
        assert cache.get_meta("demo.seed") == "7"


# -- shape of the data ------------------------------------------------------------------------


def test_thirteen_months_of_daily_data_end_at_the_end_date(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    expected_start = add_months(demo_end, -13) + dt.timedelta(days=1)
    assert (demo.start, demo.end) == (expected_start, demo_end)
    days = [row[0] for row in demo_db.execute(
        "SELECT DISTINCT charge_period_start FROM charges ORDER BY 1")]
    n_days = (demo_end - expected_start).days + 1
    assert days == [(expected_start + dt.timedelta(days=i)).isoformat() for i in range(n_days)]
    assert demo.rows == demo_db.execute("SELECT COUNT(*) FROM charges").fetchone()[0]


def test_every_provider_bills_every_day(demo_db: sqlite3.Connection) -> None:
    per_provider = dict(demo_db.execute(
        "SELECT provider_name, COUNT(DISTINCT charge_period_start) FROM charges GROUP BY 1"))
    n_days = demo_db.execute(
        "SELECT COUNT(DISTINCT charge_period_start) FROM charges").fetchone()[0]
    assert per_provider == dict.fromkeys(("AWS", "OpenAI", "Anthropic", "Microsoft"), n_days)


def test_about_a_tenth_of_recent_spend_is_untagged(
    demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    untagged = window_cost(demo_db, demo_end, "json_extract(tags, '$.team') IS NULL")
    share = untagged / window_cost(demo_db, demo_end, "1")
    assert 0.07 <= share <= 0.15


def test_tags_are_json_objects(demo_db: sqlite3.Connection) -> None:
    for (text,) in demo_db.execute("SELECT DISTINCT tags FROM charges"):
        tags = json.loads(text)
        assert isinstance(tags, dict)
        assert tags == {} or set(tags) in ({"team", "feature", "env"}, {"cost-center", "env"})


def test_token_rows_carry_a_model_and_count_tokens(demo_db: sqlite3.Connection) -> None:
    any_tokens = " OR ".join(f"{c} IS NOT NULL" for c in TOKEN_COLUMNS)
    mismatched = demo_db.execute(
        f"SELECT COUNT(*) FROM charges WHERE ({any_tokens}) "
        "<> (x_model IS NOT NULL AND consumed_unit = 'Tokens')").fetchone()[0]
    assert mismatched == 0
    assert demo_db.execute(
        "SELECT COUNT(*) FROM charges WHERE x_model IS NOT NULL").fetchone()[0] > 0


@pytest.mark.parametrize("which", ["demo_db", "control_db"])
def test_every_token_row_is_billed_at_list_price(
    which: str, request: pytest.FixtureRequest
) -> None:
    db: sqlite3.Connection = request.getfixturevalue(which)
    columns = ", ".join(TOKEN_COLUMNS)
    rows = db.execute(
        "SELECT x_model, provider_name, service_name, service_category, x_batch, "
        f"consumed_quantity, effective_cost, billed_cost, {columns} FROM charges "
        "WHERE x_model IS NOT NULL").fetchall()
    batched = 0
    for row in rows:
        price = MODEL_PRICES[row["x_model"]]
        counted = [c for c in TOKEN_COLUMNS if row[c] is not None]
        assert len(counted) == 1, dict(row)  # one row per token type, as vendors bill
        column = counted[0]
        rate = getattr(price, PRICE_OF_COLUMN[column])
        assert rate is not None, dict(row)
        factor = 0.5 if row["x_batch"] == 1 else 1.0
        batched += row["x_batch"] == 1
        expected = row[column] * rate / 1e6 * factor
        assert abs(row["effective_cost"] - expected) <= 1e-6, dict(row)
        assert row["billed_cost"] == row["effective_cost"]
        assert row["consumed_quantity"] == row[column]
        assert (row["provider_name"], row["service_name"], row["service_category"]) == (
            price.provider, price.service, AI_CATEGORY)
    # The control runs eval-nightly at the batch tier, so the halving is exercised.
    assert (batched > 0) == (which == "control_db")


# -- planted leaks ----------------------------------------------------------------------------


def test_every_kind_of_leak_is_planted(demo: DemoResult) -> None:
    assert {leak.kind for leak in demo.planted} == set(KINDS)
    for leak in demo.planted:
        assert leak.monthly_cost > 0, leak
        assert 0 <= leak.monthly_saving <= leak.monthly_cost + SAVING_TOLERANCE, leak


def test_planted_resources_exist_in_the_bill(
    demo: DemoResult, demo_db: sqlite3.Connection
) -> None:
    for leak in demo.planted:
        if leak.resource_id is not None:
            assert demo_db.execute("SELECT COUNT(*) FROM charges WHERE resource_id = ?",
                                   (leak.resource_id,)).fetchone()[0] > 0, leak


def test_idle_endpoint_costs_its_whole_recent_bill(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    leak = planted_of(demo, "idle_capacity")
    assert leak.resource_id == IDLE_ENDPOINT
    cost = window_cost(demo_db, demo_end, "resource_id = ?", (IDLE_ENDPOINT,))
    assert cost > 0
    assert leak.monthly_cost == pytest.approx(cost, abs=SAVING_TOLERANCE)
    assert leak.monthly_saving == pytest.approx(cost, abs=SAVING_TOLERANCE)


def test_storage_graveyard_saving_is_the_deep_archive_difference(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    leak = planted_of(demo, "storage_graveyard")
    cost = window_cost(demo_db, demo_end, "resource_id = ?", (GRAVEYARD,))
    share = 1 - S3_STORAGE_GB_MONTH["DEEP_ARCHIVE"] / S3_STORAGE_GB_MONTH["STANDARD"]
    assert leak.monthly_cost == pytest.approx(cost, abs=SAVING_TOLERANCE)
    assert leak.monthly_saving == pytest.approx(cost * share, abs=SAVING_TOLERANCE)
    facts = json.loads(demo_db.execute(
        "SELECT facts FROM resources WHERE resource_id = ?", (GRAVEYARD,)).fetchone()[0])
    assert facts["lifecycle_policy"] is False
    assert D.fromisoformat(facts["last_write"]) < demo_end - dt.timedelta(days=365)


def test_overpowered_model_saving_is_the_nova_micro_difference(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    leak = planted_of(demo, "overpowered_model")
    models = {row[0] for row in demo_db.execute(
        f"SELECT DISTINCT x_model FROM charges WHERE {tokens_of('ticket-triage')}")}
    assert models == {NOVA_PRO}
    cost = window_cost(demo_db, demo_end, tokens_of("ticket-triage"))
    assert leak.monthly_cost == pytest.approx(cost, abs=SAVING_TOLERANCE)
    assert leak.monthly_saving == pytest.approx(cost * (1 - 0.035 / 0.80), abs=SAVING_TOLERANCE)


def test_prompt_bloat_saving_is_the_input_above_2500_per_request(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    leak = planted_of(demo, "prompt_bloat")
    per_day = demo_db.execute(
        "SELECT charge_period_start, SUM(x_input_tokens), SUM(x_requests), "
        "SUM(x_cached_input_tokens) FROM charges WHERE resource_id = ? "
        "GROUP BY 1 ORDER BY 1", (leak.resource_id,)).fetchall()
    first, last = window(demo_end)
    price = MODEL_PRICES["gpt-4.1-mini"].input / 1e6
    excess = math.fsum(
        max(0.0, tokens - requests * 2500) * price
        for day, tokens, requests, _cached in per_day if first <= day <= last
    )
    assert leak.monthly_saving == pytest.approx(excess, abs=SAVING_TOLERANCE)
    input_cost = window_cost(demo_db, demo_end, "resource_id = ? AND x_input_tokens IS NOT NULL",
                             (leak.resource_id,))
    assert leak.monthly_cost == pytest.approx(input_cost, abs=SAVING_TOLERANCE)
    # The creep is visible: ~2,500 tokens a request 121 days ago, ~8,000 at the end.
    per_request = [tokens / requests for _day, tokens, requests, _cached in per_day]
    assert per_request[-121] == pytest.approx(2500, rel=0.1)
    assert per_request[-1] == pytest.approx(8000, rel=0.1)
    assert all(cached is None for *_rest, cached in per_day)


def test_batch_eligible_saving_is_half_the_eval_token_cost(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    leak = planted_of(demo, "batch_eligible")
    where = tokens_of("eval-nightly")
    cost = window_cost(demo_db, demo_end, where)
    assert leak.monthly_cost == pytest.approx(cost, abs=SAVING_TOLERANCE)
    assert leak.monthly_saving == pytest.approx(cost / 2, abs=SAVING_TOLERANCE)
    batched = demo_db.execute(f"SELECT MAX(x_batch) FROM charges WHERE {where}").fetchone()[0]
    assert batched == 0


def test_runaway_agent_shows_three_days_at_six_times_its_usual_requests(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    leak = planted_of(demo, "runaway_agent")
    first, last = window(demo_end)
    requests = dict(demo_db.execute(
        "SELECT charge_period_start, SUM(x_requests) FROM charges "
        f"WHERE {tokens_of('code-review-agent')} AND charge_period_start BETWEEN ? AND ? "
        "GROUP BY 1", (first, last)).fetchall())
    assert len(requests) == MONTH_DAYS

    def weekend(day: str) -> bool:
        return D.fromisoformat(day).weekday() >= 5

    # Weekends carry a fifth of weekday traffic, so compare each day with its own kind.
    median = {
        kind: statistics.median(n for day, n in requests.items() if weekend(day) == kind)
        for kind in (False, True)
    }
    ratio = {day: n / median[weekend(day)] for day, n in requests.items()}
    storm = sorted(day for day, r in ratio.items() if r > 3)
    assert len(storm) == 3, ratio
    for day in storm:
        assert 4.5 <= ratio[day] <= 7.5, (day, ratio[day])
    marks = ", ".join("?" for _ in storm)
    storm_cost = cost_of(
        demo_db, f"{tokens_of('code-review-agent')} AND charge_period_start IN ({marks})",
        tuple(storm))
    assert leak.monthly_cost == pytest.approx(storm_cost, abs=SAVING_TOLERANCE)
    # The excess is paid once: a one-off, no saving per month.
    assert leak.one_off == pytest.approx(storm_cost * 5 / 6, abs=SAVING_TOLERANCE)
    assert leak.monthly_saving == 0


def test_hidden_network_leaks_are_the_nat_and_cross_az_charges(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    leaks = [leak for leak in demo.planted if leak.kind == "hidden_network"]
    assert len(leaks) == 2
    by_usage = {
        "USE1-NatGateway-Bytes": None,
        "USE1-DataTransfer-Regional-Bytes": "recommendations",
    }
    for leak in leaks:
        usage = next(u for u, feature in by_usage.items() if feature == leak.feature)
        cost = window_cost(demo_db, demo_end, "resource_id = ? AND x_usage_type = ?",
                           (leak.resource_id, usage))
        assert cost > 0
        assert leak.monthly_cost == pytest.approx(cost, abs=SAVING_TOLERANCE)
        # Cross-AZ traffic goes entirely; of NAT processing, only the share assumed bound
        # for S3 and DynamoDB (the low end of the finding's range).
        share = NAT_SHARE_LOW if leak.feature is None else 1.0
        assert leak.monthly_saving == pytest.approx(cost * share, abs=SAVING_TOLERANCE)
    nat = next(leak for leak in leaks if leak.feature is None)
    tags = {row[0] for row in demo_db.execute(
        "SELECT DISTINCT tags FROM charges WHERE resource_id = ?", (nat.resource_id,))}
    assert tags == {"{}"}


def test_weak_attribution_is_the_spend_without_a_team(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    leak = planted_of(demo, "weak_attribution")
    assert leak.monthly_cost == pytest.approx(
        window_cost(demo_db, demo_end, "json_extract(tags, '$.team') IS NULL"),
        abs=SAVING_TOLERANCE)
    assert leak.monthly_saving == 0


def test_hardware_fit_saving_is_the_inf2_difference(
    demo: DemoResult, demo_db: sqlite3.Connection, demo_end: dt.date
) -> None:
    leak = planted_of(demo, "hardware_fit")
    marks = ", ".join("?" for _ in RECO_NODES)
    cost = window_cost(demo_db, demo_end,
                       f"resource_id IN ({marks}) AND consumed_unit = 'Hours'", tuple(RECO_NODES))
    share = 1 - INSTANCE_HOURLY["inf2.xlarge"] / INSTANCE_HOURLY["g5.2xlarge"]
    assert leak.monthly_cost == pytest.approx(cost, abs=SAVING_TOLERANCE)
    assert leak.monthly_saving == pytest.approx(cost * share, abs=SAVING_TOLERANCE)
    types = {row[0] for row in demo_db.execute(
        f"SELECT DISTINCT x_usage_type FROM charges WHERE resource_id IN ({marks}) "
        "AND consumed_unit = 'Hours'", tuple(RECO_NODES))}
    assert types == {"USE1-BoxUsage:g5.2xlarge"}


# -- the control workspace --------------------------------------------------------------------


def test_the_control_has_none_of_the_leaks(
    control: DemoResult, control_db: sqlite3.Connection, control_folder: Path,
    demo_end: dt.date
) -> None:
    assert control.planted == []
    with Cache.open(control_folder / CACHE_FILE) as cache:
        assert read_planted(cache) == []
    for resource in (IDLE_ENDPOINT, GRAVEYARD):
        for table in ("charges", "resources", "metrics"):
            found = control_db.execute(
                f"SELECT COUNT(*) FROM {table} WHERE resource_id = ?", (resource,)).fetchone()[0]
            assert found == 0, (resource, table)
    assert control_db.execute(
        "SELECT COUNT(*) FROM charges WHERE x_model = ?", (NOVA_PRO,)).fetchone()[0] == 0
    untagged = cost_of(control_db, "tags = '{}'")
    assert 0 < untagged / cost_of(control_db, "1") < 0.01  # the NAT gateway, nobody tags it
    assert window_cost(control_db, demo_end, "tags = '{}'") / window_cost(
        control_db, demo_end, "1") < 0.01


def test_the_control_bills_the_same_calendar(
    control: DemoResult, demo: DemoResult, control_db: sqlite3.Connection
) -> None:
    assert (control.start, control.end) == (demo.start, demo.end)
    assert control_db.execute(
        "SELECT COUNT(DISTINCT charge_period_start) FROM charges").fetchone()[0] == (
        (demo.end - demo.start).days + 1)


# -- units and metrics ------------------------------------------------------------------------


def test_three_units_are_counted_daily_with_a_two_day_gap_in_active_users(
    demo: DemoResult, demo_db: sqlite3.Connection
) -> None:
    all_days = {(demo.start + dt.timedelta(days=i)).isoformat()
                for i in range((demo.end - demo.start).days + 1)}
    counted: dict[str, set[str]] = defaultdict(set)
    for unit_id, day, count in demo_db.execute("SELECT unit_id, day, count FROM unit_counts"):
        assert count > 0, (unit_id, day)
        counted[unit_id].add(day)
    units = {row[0] for row in demo_db.execute("SELECT unit_id FROM units")}
    assert units == set(counted) == {"resolved-ticket", "1k-inferences", "active-user"}
    assert counted["resolved-ticket"] == all_days
    assert counted["1k-inferences"] == all_days
    missing = sorted(D.fromisoformat(day) for day in all_days - counted["active-user"])
    assert len(missing) == 2
    assert missing[1] - missing[0] == dt.timedelta(days=1)


def test_gpu_machines_have_daily_utilisation_and_the_idle_one_is_idle(
    demo_db: sqlite3.Connection,
) -> None:
    types = {
        resource: json.loads(facts).get("instance_type", "")
        for resource, facts in demo_db.execute("SELECT resource_id, facts FROM resources")
    }
    gpu = {resource for resource, kind in types.items() if kind.startswith(GPU_FAMILIES)}
    assert IDLE_ENDPOINT in gpu
    assert len(gpu) >= 5
    measured = {row[0] for row in demo_db.execute(
        "SELECT DISTINCT resource_id FROM metrics WHERE metric = 'GPUUtilization' "
        "AND granularity = 'day'")}
    assert measured == gpu
    for resource in gpu:
        billed_days = {row[0] for row in demo_db.execute(
            "SELECT charge_period_start FROM charges WHERE resource_id = ? "
            "AND consumed_unit = 'Hours'", (resource,))}
        by_stat: dict[str, dict[str, float]] = defaultdict(dict)
        for day, stat, value in demo_db.execute(
            "SELECT period_start, stat, value FROM metrics WHERE resource_id = ? "
            "AND metric = 'GPUUtilization'", (resource,)):
            by_stat[stat][day] = value
        assert set(by_stat["Average"]) == set(by_stat["p95"]) == billed_days, resource
        for day, average in by_stat["Average"].items():
            assert 0 <= average <= by_stat["p95"][day] <= 100
    idle_p95 = [row[0] for row in demo_db.execute(
        "SELECT value FROM metrics WHERE resource_id = ? AND stat = 'p95'", (IDLE_ENDPOINT,))]
    assert len(idle_p95) > 300
    assert max(idle_p95) < 10


def test_hourly_requests_cover_the_last_35_days_of_every_api_key(
    demo: DemoResult, demo_db: sqlite3.Connection
) -> None:
    keys = {row[0] for row in demo_db.execute(
        "SELECT DISTINCT resource_id FROM charges WHERE x_model IS NOT NULL")}
    hourly: dict[str, dict[str, float]] = defaultdict(dict)
    for resource, stamp, value in demo_db.execute(
        "SELECT resource_id, period_start, value FROM metrics "
        "WHERE granularity = 'hour' AND metric = 'Requests'"):
        hourly[resource][stamp] = value
    assert set(hourly) == keys
    first = demo.end - dt.timedelta(days=34)
    expected = {
        f"{first + dt.timedelta(days=d)}T{h:02d}:00:00Z" for d in range(35) for h in range(24)
    }
    daily = {
        (resource, day): n for resource, day, n in demo_db.execute(
            "SELECT resource_id, charge_period_start, SUM(x_requests) FROM charges "
            "WHERE x_model IS NOT NULL GROUP BY 1, 2")
    }
    for resource, series in hourly.items():
        assert set(series) == expected, resource
        for d in range(35):
            day = (first + dt.timedelta(days=d)).isoformat()
            in_day = math.fsum(v for stamp, v in series.items() if stamp.startswith(day))
            # Each hour is rounded on its own: at most half a request off per hour.
            assert abs(in_day - daily[(resource, day)]) <= 12, (resource, day)
    nightly = demo_db.execute(
        f"SELECT DISTINCT resource_id FROM charges WHERE {tokens_of('eval-nightly')}"
    ).fetchone()[0]
    busy_hours = {stamp[11:13] for stamp, v in hourly[nightly].items() if v > 0}
    assert busy_hours == {"01", "02", "03"}

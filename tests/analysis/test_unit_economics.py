"""Cost per unit: on small hand-made caches whose every figure is worked out by hand, as a
property (the change in cost per unit splits exactly into cost and volume effects), and
on the demo workspace, checked against plain sqlite3."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import DEMO_END

from worthit.analysis.allocation import allocation
from worthit.analysis.unit_economics import (
    Bucket,
    UnitEconomics,
    regroup,
    unit_economics,
    unit_pieces,
)
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.periods import Period
from worthit.core.rules import UNALLOCATED, rules_from_json
from worthit.core.units import Count
from worthit.demo.generator import ACTIVE_USER_GAP_DAYS_AGO, UNITS
from worthit.store.cache import Cache
from worthit.store.rules import save_rules
from worthit.store.units import load_units, write_counts
from worthit.workspace import Workspace

D = dt.date
Row = tuple[Any, ...]
DATA_START, DATA_END = D(2023, 11, 1), D(2024, 3, 31)
TAGS_RULE = {"name": "Tags", "match": {"tag_present": "team"}, "team": {"tag": "team"},
             "feature": {"tag": "feature"}}
EC2, BEDROCK = "AWS · Amazon EC2", "AWS · Amazon Bedrock"


def charge(day: dt.date, cost: float, feature: str | None = None, *, team: str = "a",
           service: str = "Amazon EC2", **attrs: Any) -> Row:
    """A usage row tagged with ``team`` and ``feature``, or untagged without a feature."""
    values: dict[str, Any] = {
        "source_id": "test", "charge_period_start": day.isoformat(), "provider_name": "AWS",
        "billing_account_id": "111111111111", "service_name": service,
        "resource_id": f"{service}/{feature}", "charge_category": "Usage",
        "billed_cost": cost, "effective_cost": cost, "billing_currency": "USD",
        "tags": None if feature is None else json.dumps({"team": team, "feature": feature}),
    }
    values.update(attrs)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def fill(cache: Cache, rows: Iterable[Row], *rules: dict[str, Any]) -> None:
    cache.replace_charges("test", DATA_START, DATA_END, list(rows))
    save_rules(cache, rules_from_json([TAGS_RULE, *rules], "test rules"))


def add_unit(cache: Cache, features: Sequence[str] = ("chat",), *, unit_id: str = "reply",
             pools: dict[str, float] | None = None, target: float | None = None,
             revenue: float | None = None) -> None:
    cache._db["units"].insert({
        "unit_id": unit_id, "name": "Chat reply", "counts_what": "replies sent",
        "features": json.dumps(list(features)), "shared_pools": json.dumps(pools or {}),
        "target_cost": target, "revenue_per_unit": revenue, "currency": "USD"})


def count(cache: Cache, counts: dict[dt.date, float], unit_id: str = "reply") -> None:
    write_counts(cache, [Count(unit_id, day, n) for day, n in counts.items()])


def figures(cache: Cache, start: dt.date, end: dt.date,
            granularity: str = "day") -> UnitEconomics:
    (only,) = unit_economics(cache, Period(start, end), granularity)
    return only


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def close(a: float | None, b: float | None, scale: float = 1.0) -> bool:
    assert a is not None and b is not None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * scale)


# -- cost per unit ----------------------------------------------------------------------------

JAN = {D(2024, 1, day): cost for day, cost in ((1, 10.0), (2, 30.0), (3, 20.0), (4, 40.0))}
JAN_COUNTS = {D(2024, 1, 1): 100.0, D(2024, 1, 2): 100.0, D(2024, 1, 3): 800.0,
              D(2024, 1, 5): 500.0}  # none on the 4th (a gap); the 5th has no cost


def jan_cache(cache: Cache, **unit: Any) -> Cache:
    """Chat costs 10, 30, 20, 40 on Jan 1-4; search (another feature) and untagged spend
    every day, which the unit never carries."""
    fill(cache, [
        *(charge(day, cost, "chat") for day, cost in JAN.items()),
        *(charge(day, 1000.0, "search") for day in days(D(2024, 1, 1), D(2024, 1, 6))),
        *(charge(day, 500.0) for day in days(D(2024, 1, 1), D(2024, 1, 6))),
    ])
    add_unit(cache, **unit)
    count(cache, JAN_COUNTS)
    return cache


def test_cost_per_unit_is_the_ratio_of_sums_over_counted_days(cache: Cache) -> None:
    e = figures(jan_cache(cache), D(2024, 1, 1), D(2024, 1, 6))
    # Counted days: cost 10 + 30 + 20 + 0, count 100 + 100 + 800 + 500.
    assert (e.cost, e.count) == (60.0, 1500.0)
    assert e.unit_cost == pytest.approx(0.04, abs=1e-12)
    mean_of_ratios = (0.1 + 0.3 + 0.025 + 0.0) / 4
    assert e.unit_cost != pytest.approx(mean_of_ratios)
    # Day 4 has cost but no count: left out of both sides and flagged; day 6 has neither.
    assert e.gaps == [D(2024, 1, 4)]
    assert e.gap_cost == 40.0
    assert e.daily == [
        Bucket(D(2024, 1, 1), D(2024, 1, 1), 10.0, 100.0, 0, 0.0),
        Bucket(D(2024, 1, 2), D(2024, 1, 2), 30.0, 100.0, 0, 0.0),
        Bucket(D(2024, 1, 3), D(2024, 1, 3), 20.0, 800.0, 0, 0.0),
        Bucket(D(2024, 1, 4), D(2024, 1, 4), 0.0, 0.0, 1, 40.0),
        Bucket(D(2024, 1, 5), D(2024, 1, 5), 0.0, 500.0, 0, 0.0),
        Bucket(D(2024, 1, 6), D(2024, 1, 6), 0.0, 0.0, 0, 0.0),
    ]
    assert [b.unit_cost for b in e.buckets] == [0.1, 0.3, 0.025, None, 0.0, None]
    # Only the unit's feature: neither search nor the untagged spend.
    assert [(f.feature, f.cost) for f in e.features] == [("chat", 60.0)]
    assert e.components == [EC2]
    assert [(d.component, d.cost) for d in e.drivers] == [(EC2, 60.0)]
    data = e.to_json()
    assert data["unit_cost"] == 0.04
    assert data["gaps"] == {"days": ["2024-01-04"], "cost_left_out": 40.0}
    assert [p["gap_days"] for p in data["series"]["points"]] == [0, 0, 0, 1, 0, 0]


def test_a_refund_that_nets_a_charge_to_zero_keeps_each_days_cost(cache: Cache) -> None:
    """A usage charge of $10 refunded in full the next day by a negative usage row of the
    same resource (one allocation key, netting to $0 over the period). Day 1 is counted,
    day 2 is not: the unit carried $10 for its 100 replies, and day 2 is a gap."""
    fill(cache, [charge(D(2024, 1, 1), 10.0, "chat"), charge(D(2024, 1, 2), -10.0, "chat")])
    add_unit(cache)
    count(cache, {D(2024, 1, 1): 100.0})
    e = figures(cache, D(2024, 1, 1), D(2024, 1, 2))
    assert [(b.cost, b.gap_cost) for b in e.daily] == [(10.0, 0.0), (0.0, -10.0)]
    assert (e.cost, e.count, e.unit_cost) == (10.0, 100.0, 0.1)
    assert e.gaps == [D(2024, 1, 2)]


def test_the_previous_period_is_incomplete_before_the_first_charge(cache: Cache) -> None:
    e = figures(jan_cache(cache), D(2024, 1, 1), D(2024, 1, 6))
    assert e.previous == Period(D(2023, 12, 1), D(2023, 12, 6))  # the same days, a month back
    assert e.previous_complete is False
    assert e.to_json()["previous"]["complete"] is False
    assert (e.previous_cost, e.previous_count, e.previous_unit_cost) == (0.0, 0.0, None)
    assert e.change is None and e.volume_effect is None
    later = figures(cache, D(2024, 1, 2), D(2024, 1, 2))  # previous: Jan 1, which has data
    assert later.previous_complete is True
    assert later.previous_unit_cost == pytest.approx(0.1)


@pytest.mark.parametrize("counts", [
    dict.fromkeys(days(D(2024, 1, 1), D(2024, 1, 6)), 0.0),
    {},
], ids=["zero-counts", "no-counts"])
def test_no_count_gives_no_cost_per_unit_and_asks_for_counts(
    cache: Cache, counts: dict[dt.date, float]
) -> None:
    fill(cache, [charge(day, cost, "chat") for day, cost in JAN.items()])
    add_unit(cache, target=0.05, revenue=0.1)
    count(cache, counts)
    e = figures(cache, D(2024, 1, 1), D(2024, 1, 6))
    assert e.count == 0.0
    assert e.unit_cost is None  # never inf, never 0
    assert (e.margin, e.gross_margin, e.on_target, e.misses()) == (None, None, None, [])
    assert all(b.unit_cost is None for b in e.buckets)
    assert all(d.per_unit is None and d.effect is None for d in e.drivers)
    assert e.verdict == ("No replies sent counted in this period: import counts to see the "
                         "cost per chat reply.")
    assert e.tone is None
    data = e.to_json()
    json.dumps(data, allow_nan=False)
    assert data["unit_cost"] is None and data["margin"] is None
    # Zero counts are counts: those days are not gaps. Missing counts are.
    if counts:
        assert (e.cost, e.gaps) == (100.0, [])
    else:
        assert e.cost == 0.0
        assert e.gaps == list(JAN) and e.gap_cost == 100.0


def test_weeks_and_months_keep_the_ratio_of_sums(cache: Cache) -> None:
    start, end = D(2024, 1, 3), D(2024, 2, 13)  # a Wednesday to a Tuesday
    period = days(start, end)
    costs = {day: 1.0 + 0.5 * i for i, day in enumerate(period)}
    counts = {day: float(10 * (i % 7)) for i, day in enumerate(period) if i % 9 != 4}
    fill(cache, [charge(day, cost, "chat") for day, cost in costs.items()])
    add_unit(cache)
    count(cache, counts)

    def expected(spans: list[tuple[dt.date, dt.date]]) -> list[tuple[Any, ...]]:
        out = []
        for first, last in spans:
            span = days(first, last)
            cost = sum(costs[d] for d in span if d in counts)
            n = sum(counts.get(d, 0.0) for d in span)
            gaps = [d for d in span if d not in counts]
            out.append((first, last, cost, n, None if n == 0 else cost / n, len(gaps),
                        sum(costs[d] for d in gaps)))
        return out

    def shown(buckets: list[Bucket]) -> list[tuple[Any, ...]]:
        return [(b.start, b.end, b.cost, b.count, b.unit_cost, b.gap_days, b.gap_cost)
                for b in buckets]

    weeks = [(start, D(2024, 1, 7))] + [
        (monday, min(monday + dt.timedelta(days=6), end))
        for monday in days(D(2024, 1, 8), end) if monday.weekday() == 0]
    assert [w[0].weekday() for w in weeks[1:]] == [0] * 6 and weeks[-1] == (D(2024, 2, 12), end)
    months = [(start, D(2024, 1, 31)), (D(2024, 2, 1), end)]
    for granularity, spans in (("week", weeks), ("month", months)):
        e = figures(cache, start, end, granularity)
        assert e.granularity == granularity
        got, want = shown(e.buckets), expected(spans)
        assert [b[:2] for b in got] == [w[:2] for w in want]
        assert [b[2:] for b in got] == [pytest.approx(w[2:]) for w in want]
        assert shown(e.buckets) == shown(regroup(e.daily, granularity))
        assert e.at("day").buckets == e.daily
        assert e.at(granularity) == e
        assert sum(b.cost for b in e.buckets) == pytest.approx(e.cost)
        assert sum(b.count for b in e.buckets) == pytest.approx(e.count)
    by_day = figures(cache, start, end)
    assert by_day.at("month").buckets == figures(cache, start, end, "month").buckets
    with pytest.raises(ValueError, match="granularity"):
        regroup(by_day.daily, "quarter")


def test_shared_pools_carry_their_share_of_a_split_and_of_a_pool(cache: Cache) -> None:
    jan = days(D(2024, 1, 1), D(2024, 1, 5))
    split = {"name": "Shared cluster", "match": {"service": "Amazon EKS"},
             "split": {"by": "direct"}}
    pool = {"name": "Observability", "match": {"service": "AmazonCloudWatch"}, "pool": True}
    fill(cache, [
        *(charge(day, 10.0, "chat") for day in jan),
        *(charge(day, 5.0, "search", team="b") for day in jan),
        *(charge(day, 40.0, service="Amazon EKS") for day in jan),
        *(charge(day, 20.0, service="AmazonCloudWatch") for day in jan),
    ], split, pool)
    add_unit(cache, pools={"Shared cluster": 0.5, "Observability": 0.1})
    count(cache, dict.fromkeys(jan, 100.0))
    e = figures(cache, jan[0], jan[-1])
    # 50 of chat, half of the cluster's 200 (split between teams a and b, so landing under
    # "Shared: Shared cluster", not under chat) and a tenth of CloudWatch's 100.
    assert e.cost == pytest.approx(50.0 + 100.0 + 10.0)
    assert e.unit_cost == pytest.approx(160.0 / 500.0)
    assert [(f.feature, round(f.cost, 9)) for f in e.features] == [
        ("Pool: Shared cluster", 100.0), ("chat", 50.0), ("Pool: Observability", 10.0)]
    assert {d.component: round(d.cost, 9) for d in e.drivers} == {
        EC2: 50.0, "AWS · Amazon EKS": 100.0, "AWS · AmazonCloudWatch": 10.0}
    assert [b.cost for b in e.daily] == pytest.approx([32.0] * 5)
    # The pieces behind it: the split's under both teams, the pool's under Unallocated.
    pieces = unit_pieces(e.unit, allocation(cache, e.period))
    cluster = pieces[pieces["line"] == "Pool: Shared cluster"]
    assert set(cluster[cluster["current"] != 0]["team"]) == {"a", "b"}
    assert set(cluster["carried"]) == {0.5}
    assert set(pieces[pieces["line"] == "Pool: Observability"]["team"]) == {UNALLOCATED}
    # Without pools the unit carries its feature alone.
    (bare,) = unit_economics(cache, e.period,
                             units=[dataclasses.replace(load_units(cache)[0], shared_pools={})])
    assert bare.cost == pytest.approx(50.0)


# -- targets, margins and verdicts ------------------------------------------------------------


def test_on_target_with_margin_and_the_days_that_miss(cache: Cache) -> None:
    e = figures(jan_cache(cache, target=0.05, revenue=0.10), D(2024, 1, 1), D(2024, 1, 6))
    assert e.on_target is True
    assert e.margin == pytest.approx(0.06)
    assert e.gross_margin == pytest.approx(0.6)
    assert [(b.start, b.unit_cost) for b in e.misses()] == [(D(2024, 1, 1), 0.1),
                                                            (D(2024, 1, 2), 0.3)]
    assert e.verdict == ("On target: $0.0400 per chat reply against $0.0500. Margin $0.0600 "
                         "per chat reply (60.0 %). Grow it. 1 day without counts is "
                         "left out.")
    assert e.tone == "good"
    data = e.to_json()
    assert (data["on_target"], data["margin"], data["gross_margin"]) == (True, 0.06, 0.6)
    assert [p["misses_target"] for p in data["series"]["points"]] == [
        True, True, False, False, False, False]


def test_without_a_target_there_is_nothing_to_miss(cache: Cache) -> None:
    e = figures(jan_cache(cache, revenue=0.0), D(2024, 1, 1), D(2024, 1, 6))
    assert (e.on_target, e.misses(), e.tone) == (None, [], None)
    assert e.verdict == ("$0.0400 per chat reply; no target set. 1 day without counts "
                         "is left out.")
    assert e.margin == pytest.approx(-0.04)
    assert e.gross_margin is None  # no revenue: no division by zero


WEEK_1, WEEK_2 = days(D(2024, 1, 1), D(2024, 1, 7)), days(D(2024, 1, 8), D(2024, 1, 14))


def two_weeks(cache: Cache, chat: tuple[float, float], llm: tuple[float, float],
              counts: tuple[float, float], target: float = 0.2) -> UnitEconomics:
    """Daily costs of two features (on two services) and daily counts, in the week of
    Jan 1 and then in the week of Jan 8; the figures for the second week."""
    rows = []
    for week, index in ((WEEK_1, 0), (WEEK_2, 1)):
        for day in week:
            rows.append(charge(day, chat[index], "chat"))
            rows.append(charge(day, llm[index], "chat-llm", service="Amazon Bedrock"))
    fill(cache, rows)
    add_unit(cache, ("chat", "chat-llm"), target=target)
    count(cache, dict.fromkeys(WEEK_1, counts[0]) | dict.fromkeys(WEEK_2, counts[1]))
    e = figures(cache, WEEK_2[0], WEEK_2[-1])
    assert e.previous == Period(WEEK_1[0], WEEK_1[-1])
    assert e.previous_complete is True
    return e


def test_a_miss_that_rose_names_the_largest_rising_driver(cache: Cache) -> None:
    e = two_weeks(cache, chat=(10.0, 10.0), llm=(5.0, 15.0), counts=(100.0, 100.0))
    assert e.previous_unit_cost == pytest.approx(0.15)
    assert e.unit_cost == pytest.approx(0.25)
    assert e.on_target is False
    assert e.verdict == ("Missing the target: $0.2500 per chat reply against $0.2000 "
                         "(+25.0 %). Largest driver against the previous period: "
                         "AWS · Amazon Bedrock (cost +$0.1000 per unit).")
    assert e.tone == "bad"
    assert [d.component for d in e.drivers] == [BEDROCK, EC2]
    assert e.drivers[0].cost_effect == pytest.approx(0.1)
    assert e.drivers[1].cost_effect == pytest.approx(0.0)
    verdicts = {f.feature: f.verdict for f in e.features}
    assert verdicts == {"chat-llm": "drives the miss +200.0 %", "chat": "steady"}


def test_a_miss_from_fewer_units_names_the_volume(cache: Cache) -> None:
    e = two_weeks(cache, chat=(10.0, 10.0), llm=(5.0, 5.0), counts=(100.0, 50.0))
    assert e.unit_cost == pytest.approx(0.30)
    assert e.volume_effect == pytest.approx(0.15)
    assert e.verdict == ("Missing the target: $0.3000 per chat reply against $0.2000 "
                         "(+50.0 %). Largest driver against the previous period: volume "
                         "(\u221250.0 % replies sent, +$0.1500 per unit).")


def test_a_miss_that_fell_names_the_largest_part(cache: Cache) -> None:
    e = two_weeks(cache, chat=(10.0, 10.0), llm=(25.0, 15.0), counts=(100.0, 100.0))
    assert e.change == pytest.approx(-0.1)
    assert e.on_target is False
    assert e.verdict == ("Missing the target: $0.2500 per chat reply against $0.2000 "
                         "(+25.0 %). The largest part is AWS · Amazon Bedrock: $0.1500 of "
                         "$0.2500.")
    assert {f.feature: f.verdict for f in e.features} == {
        "chat-llm": "falling \u221240.0 %", "chat": "steady"}


# -- the change splits exactly into cost and volume effects -----------------------------------

SERVICES = ("Amazon EC2", "Amazon Bedrock", "Amazon S3")
COST = st.one_of(st.just(0.0), st.floats(0.001, 500.0, allow_nan=False))
COUNT = st.one_of(st.none(), st.just(0.0), st.floats(0.5, 1e5, allow_nan=False))


@st.composite
def two_periods(draw: st.DrawFn) -> tuple[int, list[list[float]], list[float | None]]:
    """``length`` days, then per service the daily costs of the previous period and the
    period (2 × length days), and the daily counts, with at least one in each period."""
    length = draw(st.integers(1, 8))
    costs = [draw(st.lists(COST, min_size=2 * length, max_size=2 * length))
             for _ in range(draw(st.integers(1, len(SERVICES))))]
    counts = draw(st.lists(COUNT, min_size=2 * length, max_size=2 * length))
    for low in (0, length):  # a count somewhere in each period, so both costs exist
        day = draw(st.integers(low, low + length - 1))
        counts[day] = draw(st.floats(1.0, 1e5))
    return length, costs, counts


@settings(max_examples=40, deadline=None)
@given(two_periods())
def test_the_change_splits_exactly_into_cost_and_volume_effects(
    case: tuple[int, list[list[float]], list[float | None]]
) -> None:
    length, costs, counts = case
    first = D(2024, 1, 1)
    span = days(first, first + dt.timedelta(days=2 * length - 1))
    with tempfile.TemporaryDirectory() as folder, Cache.open(Path(folder) / "c.sqlite") as cache:
        fill(cache, [charge(day, cost, f"f{s}", service=SERVICES[s])
                     for s, series in enumerate(costs)
                     for day, cost in zip(span, series, strict=True) if cost])
        add_unit(cache, [f"f{s}" for s in range(len(SERVICES))])
        count(cache, {day: n for day, n in zip(span, counts, strict=True) if n is not None})
        e = figures(cache, span[length], span[-1])

    # By hand: each service's cost on counted days, per period.
    def counted_cost(s: int, half: slice) -> float:
        return math.fsum(c for c, n in zip(costs[s][half], counts[half], strict=True)
                         if n is not None)

    before, now = slice(0, length), slice(length, 2 * length)
    n0 = math.fsum(n or 0.0 for n in counts[before])
    n1 = math.fsum(n or 0.0 for n in counts[now])
    c0 = [counted_cost(s, before) for s in range(len(costs))]
    c1 = [counted_cost(s, now) for s in range(len(costs))]
    assert (e.previous_count, e.count) == (pytest.approx(n0), pytest.approx(n1))
    assert e.cost == pytest.approx(math.fsum(c1), rel=1e-9, abs=1e-9)
    assert e.previous_cost == pytest.approx(math.fsum(c0), rel=1e-9, abs=1e-9)
    assert e.gaps == [day for day, n, *c in zip(span[length:], counts[now],
                                                *(s[now] for s in costs), strict=True)
                      if n is None and sum(c) >= 0.005]
    by_component = {d.component: d for d in e.drivers}
    for s in range(len(costs)):
        driver = by_component.get(f"AWS · {SERVICES[s]}")
        if driver is None:  # no cost in either period: no piece, no driver
            assert sum(costs[s]) == 0
            continue
        assert driver.cost == pytest.approx(c1[s], rel=1e-9, abs=1e-9)
        assert driver.previous_cost == pytest.approx(c0[s], rel=1e-9, abs=1e-9)

    u1, u0 = e.unit_cost, e.previous_unit_cost
    assert u1 is not None and u0 is not None and e.change is not None
    scale = max(abs(u1), abs(u0), 1e-12)
    assert close(u1, math.fsum(c1) / n1, scale) and close(u0, math.fsum(c0) / n0, scale)
    assert close(e.change, u1 - u0, scale)
    assert close(math.fsum(d.effect or 0.0 for d in e.drivers), e.change, scale)
    volume = e.volume_effect
    assert volume is not None
    assert close(math.fsum(d.cost_effect or 0.0 for d in e.drivers) + volume, e.change, scale)
    for d in e.drivers:
        assert d.per_unit is not None and d.previous_per_unit is not None
        assert d.effect is not None
        assert close(d.per_unit - d.previous_per_unit, d.effect, scale)
    # Largest absolute effect first.
    effects = [abs(d.effect or 0.0) for d in e.drivers]
    assert effects == sorted(effects, reverse=True)


# -- the demo workspace, against plain sqlite3 ------------------------------------------------

POOL_SERVICES = {"Shared observability": "AmazonCloudWatch"}  # the demo's pool rule


def sql_figures(workspace: Workspace, unit_id: str, period: Period
                ) -> tuple[float, float, list[dt.date], float]:
    """Cost on counted days, count, gap days and their cost, from the file alone: the tags
    rule (first) gives a charge with a team tag the feature in its tags; CloudWatch not
    claimed by it is the shared observability pool."""
    with closing(sqlite3.connect(f"file:{workspace.cache_path}?mode=ro", uri=True)) as conn:
        features_text, pools_text = conn.execute(
            "SELECT features, shared_pools FROM units WHERE unit_id = ?", (unit_id,)
        ).fetchone()
        counts = dict(conn.execute(
            "SELECT day, count FROM unit_counts WHERE unit_id = ? AND day BETWEEN ? AND ?",
            (unit_id, period.start.isoformat(), period.end.isoformat())).fetchall())
        charges = conn.execute(
            "SELECT charge_period_start, service_name, tags, effective_cost FROM charges "
            "WHERE charge_period_start BETWEEN ? AND ?",
            (period.start.isoformat(), period.end.isoformat())).fetchall()
    features, pools = set(json.loads(features_text)), json.loads(pools_text)
    assert set(pools) <= set(POOL_SERVICES)
    share_of_service = {POOL_SERVICES[name]: share for name, share in pools.items()}
    by_day: dict[str, float] = defaultdict(float)
    for day, service, tags_text, cost in charges:
        tags = json.loads(tags_text) if tags_text else {}
        team = str(tags.get("team") or "").strip()
        if team and team.casefold() != UNALLOCATED.casefold():
            if tags.get("feature") in features:
                by_day[day] += cost or 0.0
        elif service in share_of_service:
            by_day[day] += share_of_service[service] * (cost or 0.0)
    cost = math.fsum(by_day[day] for day in counts)
    gaps = sorted(D.fromisoformat(day) for day, c in by_day.items()
                  if day not in counts and abs(c) >= 0.005)
    gap_cost = math.fsum(by_day[d.isoformat()] for d in gaps)
    return cost, math.fsum(counts.values()), gaps, gap_cost


LAST_30 = Period(DEMO_END - dt.timedelta(days=29), DEMO_END)
LAST_60 = Period(DEMO_END - dt.timedelta(days=59), DEMO_END)
GAP_DAYS = sorted(DEMO_END - dt.timedelta(days=ago) for ago in ACTIVE_USER_GAP_DAYS_AGO)


@pytest.fixture(scope="module")
def demo_units(demo_workspace: Workspace) -> dict[Period, dict[str, UnitEconomics]]:
    with demo_workspace.open() as cache:
        return {period: {e.unit.unit_id: e for e in unit_economics(cache, period, "week")}
                for period in (LAST_30, LAST_60)}


@pytest.mark.parametrize("unit_id", list(UNITS))
@pytest.mark.parametrize("period", [LAST_30, LAST_60], ids=["30-days", "60-days"])
def test_demo_unit_costs_match_plain_sqlite(
    demo_workspace: Workspace, demo_units: dict[Period, dict[str, UnitEconomics]],
    unit_id: str, period: Period
) -> None:
    e = demo_units[period][unit_id]
    cost, n, gaps, gap_cost = sql_figures(demo_workspace, unit_id, period)
    assert n > 0
    assert e.count == n
    assert e.cost == pytest.approx(cost, rel=1e-9)
    assert e.unit_cost == pytest.approx(cost / n, rel=1e-9)
    assert e.gaps == gaps
    assert e.gap_cost == pytest.approx(gap_cost, rel=1e-9)
    before_cost, before_n, before_gaps, _ = sql_figures(demo_workspace, unit_id, e.previous)
    assert e.previous_unit_cost == pytest.approx(before_cost / before_n, rel=1e-9)
    assert e.previous_gaps == len(before_gaps)
    assert e.previous_complete is True
    assert sum(b.cost for b in e.buckets) == pytest.approx(e.cost, rel=1e-9)
    json.dumps(e.to_json(), allow_nan=False)


def test_demo_active_user_gap_days_are_flagged(
    demo_units: dict[Period, dict[str, UnitEconomics]]
) -> None:
    assert all(day in LAST_60 and day not in LAST_30 for day in GAP_DAYS)
    wide = demo_units[LAST_60]
    assert wide["active-user"].gaps == GAP_DAYS
    assert wide["active-user"].gap_cost > 0
    assert "2 days without counts are left out." in wide["active-user"].verdict
    assert sum(b.gap_days for b in wide["active-user"].buckets) == 2
    assert wide["resolved-ticket"].gaps == wide["1k-inferences"].gaps == []
    # The last 30 days have all their counts; their previous period lacks the two.
    recent = demo_units[LAST_30]
    assert recent["active-user"].gaps == []
    assert recent["active-user"].previous_gaps == 2
    assert "without counts" not in recent["active-user"].verdict


def test_demo_units_are_believable(demo_units: dict[Period, dict[str, UnitEconomics]]) -> None:
    found = demo_units[LAST_30]
    assert list(found) == list(UNITS)
    for e in found.values():
        assert e.unit_cost is not None and 0.005 < e.unit_cost < 1.0, e.unit.unit_id
        assert e.drivers and e.features
    ticket, inferences, user = (found[u] for u in UNITS)
    assert (ticket.on_target, ticket.tone) == (True, "good")
    assert "Grow it." in ticket.verdict
    assert any(f.feature == "Pool: Shared observability" for f in ticket.features)
    for missing in (inferences, user):
        assert (missing.on_target, missing.tone) == (False, "bad")
        assert missing.verdict.startswith("Missing the target: ")
        assert missing.misses()

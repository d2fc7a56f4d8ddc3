"""Each customer's AI cost against its revenue (worthit.analysis.customer_margin): a
month's revenue prorated by the period's days in it, converted at the workspace's rates (or
named, never summed, without one), AI cost as a share of revenue and the margin, the
customers over the threshold first and Not traced last, so the cost column is the AI bill.
Every expected figure below is worked out by hand from the inputs."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.analysis.test_customers import charge, frames, price_of, usage_csv

from worthit.analysis.customer_margin import (
    DEFAULT_THRESHOLD,
    PRORATED,
    customer_margins,
    margins,
    months_of,
    prorated,
    set_threshold,
    threshold,
)
from worthit.analysis.customers import NOT_TRACED, tie
from worthit.core.days import day_number
from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.core.rate_files import Rate
from worthit.core.rates import RateTable
from worthit.store.cache import Cache
from worthit.store.rates import import_rates
from worthit.store.revenue import Revenue, replace_revenue
from worthit.sync.importer import import_file
from worthit.workspace import Workspace

D = dt.date
# 10 of September's 30 days and 10 of October's 31.
PERIOD = Period(D(2026, 9, 21), D(2026, 10, 10))
BILL_DAY = D(2026, 9, 25)


def traced(day: dt.date, customer: str, tokens: int, feature: str = "chat",
           model: str = "gpt-4.1") -> tuple[Any, ...]:
    return (day, "OpenAI", model, customer, "", "", "", feature, tokens, 0, 0, 0, 1)


def tied(bills: list[tuple[dt.date, float]], rows: list[tuple[Any, ...]],
         period: Period = PERIOD) -> Any:
    """A bill of 1M input tokens of gpt-4.1 ($2 at list price) on each day given."""
    bill, traces = frames([(d, "OpenAI", "gpt-4.1", cost, 1_000_000, 0, 0, 0)
                           for d, cost in bills], rows)
    return tie(bill, traces, price_of, period)


def test_revenue_is_prorated_converted_and_set_against_the_cost() -> None:
    # $300 billed for 1M tokens; acme, globex and umbrella traced 50 %, 30 % and 10 %.
    costs = tied([(BILL_DAY, 300.0)], [traced(BILL_DAY, "acme", 500_000),
                                       traced(BILL_DAY, "globex", 300_000),
                                       traced(BILL_DAY, "umbrella", 100_000)])
    revenue = [Revenue("2026-09", "acme", 3000.0, "USD"),
               Revenue("2026-10", "acme", 3100.0, "USD"),
               Revenue("2026-09", "globex", 1000.0, "EUR"),
               Revenue("2026-10", "umbrella", 31.0, "USD"),
               Revenue("2026-09", "hooli", 60.0, "USD"),
               Revenue("2026-09", "initech", 500.0, "GBP"),
               Revenue("2026-08", "acme", 99_999.0, "USD")]  # outside the period
    rates = RateTable([(day_number(D(2026, 9, 28)), "EUR", "USD", 1.2, "bank")])
    found = margins(costs, revenue, rates, 0.5)
    rows = {r.customer: r for r in found.rows}

    # acme: 3000 × 10/30 + 3100 × 10/31 = 1000 + 1000; cost $150.
    assert rows["acme"].cost == pytest.approx(150.0)
    assert rows["acme"].revenue == pytest.approx(2000.0)
    assert rows["acme"].share == pytest.approx(0.075)
    assert rows["acme"].margin == pytest.approx(1850.0)
    # globex: EUR 1000 × 10/30 at the rate of Sep 30's latest (Sep 28: 1.2) = $400.
    assert rows["globex"].revenue == pytest.approx(400.0)
    assert rows["globex"].share == pytest.approx(90.0 / 400.0)
    assert found.conversions == ["EUR→USD for 2026-09 at the rate of 2026-09-28 (bank)"]
    # umbrella: nothing in September (a month kept), 31 × 10/31 = $10 in October; $30 of AI.
    assert rows["umbrella"].revenue == pytest.approx(10.0)
    assert rows["umbrella"].share == pytest.approx(3.0)
    assert rows["umbrella"].margin == pytest.approx(-20.0)
    assert rows["umbrella"].over and not rows["acme"].over
    # hooli pays and costs nothing in AI.
    assert (rows["hooli"].cost, rows["hooli"].revenue, rows["hooli"].share) == (0.0, 20.0, 0.0)
    # initech's GBP has no rate: named, never summed, no share nor margin.
    assert rows["initech"].revenue is None and rows["initech"].margin is None
    assert [(u.customer, u.revenue, u.currency) for u in found.unconverted] == [
        ("initech", 500.0, "GBP")]
    assert any("initech 2026-09: 500.00 GBP" in w for w in found.warnings())
    # Over the threshold first, then costliest first; Not traced last, the bill's $30 left.
    assert [r.customer for r in found.rows] == ["umbrella", "acme", "globex", "hooli",
                                                "initech", NOT_TRACED]
    assert rows[NOT_TRACED].cost == pytest.approx(30.0)
    assert math.fsum(r.cost for r in found.rows) == pytest.approx(300.0, abs=1e-9)
    assert found.traced_share == pytest.approx(0.9)
    assert prorated(found.period) in found.revenue_notes()
    assert found.revenue_days == 20 and found.missing_months == ()


def test_a_month_without_revenue_leaves_its_days_out_of_share_and_margin() -> None:
    period = Period(D(2026, 10, 25), D(2026, 11, 5))  # 7 October days, 5 November days
    costs = tied([(D(2026, 10, 28), 100.0), (D(2026, 11, 2), 100.0)],
                 [traced(D(2026, 10, 28), "acme", 1_000_000),
                  traced(D(2026, 11, 2), "acme", 1_000_000)], period)
    found = margins(costs, [Revenue("2026-10", "acme", 310.0, "USD")], None)
    acme = found.rows[0]
    assert acme.cost == pytest.approx(200.0)  # the whole period
    assert acme.compared_cost == pytest.approx(100.0)  # October's days only
    assert acme.revenue == pytest.approx(70.0)  # 310 × 7/31
    assert acme.share == pytest.approx(100.0 / 70.0)
    assert acme.margin == pytest.approx(-30.0)
    assert found.missing_months == ("2026-11",) and found.revenue_days == 7
    assert any("revenue covers 7 of the period's 12 days" in n for n in found.revenue_notes())


def test_without_revenue_the_costs_stand_alone_and_the_page_says_how_to_add_it() -> None:
    costs = tied([(BILL_DAY, 50.0)], [traced(BILL_DAY, "acme", 1_000_000)])
    found = margins(costs, [], None)
    assert [(r.customer, r.cost, r.revenue, r.share, r.over) for r in found.rows] == [
        ("acme", pytest.approx(50.0), None, None, False), (NOT_TRACED, 0.0, None, None, False)]
    assert "worthit customers import FILE" in found.revenue_notes()[0]


def test_traces_naming_no_customer_are_a_row_without_revenue() -> None:
    costs = tied([(BILL_DAY, 10.0)], [traced(BILL_DAY, "", 1_000_000)])
    found = margins(costs, [Revenue("2026-09", "acme", 30.0, "USD")], None)
    none = found.rows[0] if found.rows[0].customer == "(none)" else found.rows[1]
    assert none.customer == "(none)" and none.revenue is None and none.cost == 10.0


def test_the_drill_down_splits_a_customers_cost_by_feature_model_and_day() -> None:
    day2 = BILL_DAY + dt.timedelta(days=1)
    costs = tied([(BILL_DAY, 100.0), (day2, 40.0)],
                 [traced(BILL_DAY, "acme", 600_000, "chat"),
                  traced(BILL_DAY, "acme", 200_000, "search"),
                  traced(day2, "acme", 500_000, "chat"), traced(day2, "b", 500_000)])
    found = margins(costs, [], None)
    by_feature = found.drill("acme", "feature")
    assert list(by_feature["feature"]) == ["chat", "search"]
    assert list(by_feature["cost"]) == pytest.approx([60.0 + 20.0, 20.0])
    by_day = found.drill("acme", "day")
    assert list(by_day["day"]) == [BILL_DAY, day2]
    assert list(by_day["cost"]) == pytest.approx([80.0, 20.0])
    assert list(by_day["tokens"]) == [800_000, 500_000]
    assert found.drill("acme", "model")["cost"].sum() == pytest.approx(100.0)
    # Not traced: 20 % of the first day's bill, nothing of the second's.
    gone = found.drill(NOT_TRACED, "day")
    assert list(gone["day"]) == [BILL_DAY] and list(gone["cost"]) == pytest.approx([20.0])
    with pytest.raises(ValueError, match="cannot drill down"):
        found.drill("acme", "team")


def test_the_threshold_is_kept_and_checked(cache: Cache) -> None:
    assert threshold(cache) == DEFAULT_THRESHOLD == 0.5
    assert set_threshold(cache, 0.2) == 0.2
    assert threshold(cache) == 0.2
    with pytest.raises(UserError, match="above 0 %"):
        set_threshold(cache, 0.0)
    assert set_threshold(cache, None) == 0.5 and threshold(cache) == 0.5


def test_from_a_workspace_revenue_is_converted_with_its_rates(cache: Cache,
                                                               tmp_path: Path) -> None:
    cache.replace_charges("bill", BILL_DAY, BILL_DAY, [charge(BILL_DAY, 80.0, 1_000_000, 0, 0)])
    import_file(cache, usage_csv(tmp_path / "u.csv", [
        (BILL_DAY.isoformat(), "acme", "gpt-4.1", 1_000_000, 0, 0, 0, 10, "", "chat")]))
    replace_revenue(cache, [Revenue("2026-09", "acme", 300.0, "NOK")])
    found = customer_margins(cache, Period(D(2026, 9, 1), D(2026, 9, 30)), currency="USD")
    assert found.rows[0].revenue is None and found.unconverted  # no NOK rate yet
    import_rates(cache, [Rate(D(2026, 9, 1), "USD", "NOK", 10.0, "bank")])
    set_threshold(cache, 2.0)
    found = customer_margins(cache, Period(D(2026, 9, 1), D(2026, 9, 30)), currency="USD")
    acme = found.rows[0]
    # 300 NOK at 1/10 (the inverse of USD→NOK) = $30 for a whole month; $80 of AI.
    assert (acme.customer, acme.cost) == ("acme", pytest.approx(80.0))
    assert acme.revenue == pytest.approx(30.0)
    assert acme.margin == pytest.approx(-50.0)
    assert acme.over and found.threshold == 2.0  # 267 % > 200 %


def test_months_of_a_period_count_its_days_in_each() -> None:
    assert [(m, inside, length) for m, inside, length, _ in months_of(
        Period(D(2024, 1, 31), D(2024, 3, 1)))] == [("2024-01", 1, 31), ("2024-02", 29, 29),
                                                    ("2024-03", 1, 31)]


DAYS = [D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 1), D(2026, 10, 2)]
MONTHS = ["2026-09", "2026-10"]
WHO = ["a", "b", "c", ""]


@settings(max_examples=120, deadline=None)
@given(bills=st.lists(st.tuples(st.sampled_from(DAYS), st.floats(0, 5_000)), max_size=4,
                      unique_by=lambda b: b[0]),
       rows=st.lists(st.tuples(st.sampled_from(DAYS), st.sampled_from(WHO),
                               st.integers(0, 2_000_000)), max_size=10),
       revenue=st.dictionaries(st.tuples(st.sampled_from(MONTHS),
                                          st.sampled_from(["a", "b", "c", "d"])),
                               st.tuples(st.floats(0, 10_000), st.sampled_from(
                                   ["USD", "EUR", "GBP"])), max_size=8),
       start=st.sampled_from(DAYS), length=st.integers(0, 3),
       share=st.floats(0.05, 3.0))
def test_costs_add_up_to_the_bill_and_each_margin_is_revenue_less_cost(
        bills: list[tuple[dt.date, float]], rows: list[tuple[dt.date, str, int]],
        revenue: dict[tuple[str, str], tuple[float, str]], start: dt.date, length: int,
        share: float) -> None:
    period = Period(start, min(DAYS[-1], start + dt.timedelta(days=length)))
    inside = [b for b in bills if period.start <= b[0] <= period.end]
    costs = tied(inside, [traced(d, c, n) for d, c, n in rows
                          if period.start <= d <= period.end], period)
    rates = RateTable([(day_number(DAYS[0]), "EUR", "USD", 1.1, "x")])  # no GBP rate
    kept = [Revenue(m, c, v, cur) for (m, c), (v, cur) in revenue.items()]
    found = margins(costs, kept, rates, share)

    assert math.fsum(r.cost for r in found.rows) == pytest.approx(
        math.fsum(b for _, b in inside), abs=1e-6)
    assert found.rows[-1].customer == NOT_TRACED
    in_period = {f"{d.year}-{d.month:02d}" for d in (period.start, period.end)}
    for r in found.customers:
        mine = [(m, v, cur) for (m, c), (v, cur) in revenue.items()
                if c == r.customer and m in in_period]
        if r.customer == "(none)" or not any(m in in_period for m, _ in revenue) \
                or any(cur == "GBP" for _, _, cur in mine):
            assert r.revenue is None and r.margin is None and not r.over
            continue
        expected = 0.0
        for m, v, cur in mine:
            year, month = map(int, m.split("-"))
            length_of = calendar.monthrange(year, month)[1]
            days = sum(1 for n in range(period.days)
                       if (period.start + dt.timedelta(days=n)).month == month)
            expected += v * days / length_of * (1.1 if cur == "EUR" else 1.0)
        assert r.revenue == pytest.approx(expected, abs=1e-6)
        assert r.margin == pytest.approx(expected - r.compared_cost, abs=1e-6)
        if expected > 0:
            assert r.share == pytest.approx(r.compared_cost / expected)
        assert r.over == (r.compared_cost > share * expected and r.compared_cost > 0)
    flags = [r.over for r in found.rows]
    assert flags == sorted(flags, reverse=True)  # those over the threshold come first
    assert {u.currency for u in found.unconverted} <= {"GBP"}


def test_the_demos_planted_unprofitable_customer_comes_first(demo_workspace: Workspace) -> None:
    from worthit.demo.generator import read_planted_customers

    with demo_workspace.open() as cache:
        planted = read_planted_customers(cache)
        assert planted is not None and planted.unprofitable is not None
        found = customer_margins(cache, Period(D(2026, 10, 1), D(2026, 10, 31)),
                                 currency="USD")
    first = found.rows[0]
    assert first.customer == planted.unprofitable.customer
    assert first.over and first.margin is not None and first.margin < 0
    assert first.revenue == pytest.approx(planted.unprofitable.monthly_revenue)
    assert first.share is not None
    assert planted.unprofitable.share_low - 0.01 <= first.share \
        <= planted.unprofitable.share_high + 0.01
    assert len(found.customers) >= planted.customers
    assert math.fsum(r.cost for r in found.rows) == pytest.approx(found.billed, abs=1e-6)


def test_the_prorating_note_names_the_periods_own_months() -> None:
    assert prorated(Period(dt.date(2026, 11, 5), dt.date(2026, 12, 4))) == (
        f"{PRORATED}: 26 of November's 30 days, 4 of December's 31.")
    assert prorated(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))).endswith(
        "the period's months are whole, and count whole.")

"""Every figure of the Overview page, checked against sums made from the demo's rows with
plain sqlite3 and Python (never through worthit.store.reads)."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest

from worthit.analysis.overview import Overview, overview
from worthit.core.focus import AI_CATEGORY, CHARGE_COLUMN_NAMES
from worthit.core.periods import Period
from worthit.store.cache import Cache

D = dt.date
MOVERS_PER_SIDE = 5  # the largest rises and the largest falls, per dimension
Row = dict[str, Any]
END = D(2026, 3, 18)  # the demo's last day (see conftest.py)

# (id, period, the period it is compared with)
PERIODS = [
    ("last-30-days", Period(END - dt.timedelta(days=29), END),
     Period(END - dt.timedelta(days=59), END - dt.timedelta(days=30))),
    ("february-vs-january", Period(D(2026, 2, 1), D(2026, 2, 28)),
     Period(D(2026, 1, 1), D(2026, 1, 31))),
    ("custom-range", Period(D(2025, 12, 10), D(2026, 1, 5)),
     Period(D(2025, 11, 13), D(2025, 12, 9))),
    ("this-month-so-far", Period(D(2026, 3, 1), END), Period(D(2026, 2, 1), D(2026, 2, 18))),
    ("ends-after-the-data", Period(END - dt.timedelta(days=19), END + dt.timedelta(days=10)),
     Period(END - dt.timedelta(days=49), END - dt.timedelta(days=20))),
    ("first-month-partly-before-the-data", Period(D(2025, 3, 1), D(2025, 3, 31)),
     Period(D(2025, 2, 1), D(2025, 2, 28))),
]
JSON_KEYS = [
    "period", "previous_period", "currency", "data_through", "total_effective_cost",
    "previous_total_effective_cost", "change", "change_pct", "previous_period_complete",
    "month_to_date", "ai",
    "by_provider", "tokens", "movers",
]
MOVER_KEYS = ["dimension", "name", "previous", "current", "change", "change_pct"]
TOKEN_FIELDS = {
    "input": "x_input_tokens",
    "cached_input": "x_cached_input_tokens",
    "cache_write": "x_cache_write_tokens",
    "output": "x_output_tokens",
    "requests": "x_requests",
}


# -- independent computations -----------------------------------------------------------------


def rows_in(rows: list[Row], start: dt.date, end: dt.date) -> list[Row]:
    first, last = start.isoformat(), end.isoformat()
    return [r for r in rows if first <= r["charge_period_start"] <= last]


def spend(rows: list[Row], start: dt.date, end: dt.date,
          keep: Callable[[Row], bool] = lambda _r: True) -> float:
    return math.fsum(r["effective_cost"] for r in rows_in(rows, start, end) if keep(r))


def feature_of(row: Row) -> str:
    feature = json.loads(row["tags"]).get("feature")
    return "(no feature tag)" if feature is None else str(feature)


DIMENSION_KEY: dict[str, Callable[[Row], str | None]] = {
    "service": lambda r: r["service_name"] if r["service_name"] is not None else "(none)",
    "model": lambda r: r["x_model"],
    "feature": feature_of,
}


def compare(rows: list[Row], period: Period, previous: Period, dimension: str
            ) -> dict[str, tuple[float, float]]:
    """name -> (previous cost, current cost)."""
    key = DIMENSION_KEY[dimension]
    found: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for index, span in enumerate((previous, period)):
        for row in rows_in(rows, span.start, span.end):
            name = key(row)
            if name is not None:
                found[name][index] += row["effective_cost"]
    return {name: (p, c) for name, (p, c) in found.items()}


def close(actual: float, expected: float) -> bool:
    return actual == pytest.approx(expected, rel=1e-9, abs=1e-6)


@pytest.fixture(scope="module", params=PERIODS, ids=[p[0] for p in PERIODS])
def case(request: pytest.FixtureRequest, demo_cache: Cache) -> tuple[Overview, Period]:
    """The overview of one period, and the period it should be compared with."""
    _name, period, previous = request.param
    return overview(demo_cache, period), previous


# -- totals -----------------------------------------------------------------------------------


def test_total_and_previous_total_match_the_rows(
    case: tuple[Overview, Period], demo_charges: list[Row]
) -> None:
    result, previous = case
    assert result.previous == previous
    total = spend(demo_charges, result.period.start, result.period.end)
    before = spend(demo_charges, previous.start, previous.end)
    assert total > 0
    assert before > 0
    assert close(result.total, total)
    assert close(result.previous_total, before)
    assert close(result.change, total - before)
    first_day = min(row["charge_period_start"] for row in demo_charges)
    if previous.start.isoformat() < first_day:
        # A previous period partly before the data makes no fair comparison.
        assert result.previous_complete is False
        assert result.change_pct is None
    else:
        assert result.previous_complete is True
        assert result.change_pct == pytest.approx((total - before) / before, rel=1e-9)
    assert result.currency == "USD"
    assert result.currencies == ["USD"]
    assert result.data_through == END


def test_ai_share_is_the_ai_category_over_all_spend(
    case: tuple[Overview, Period], demo_charges: list[Row]
) -> None:
    result, _previous = case
    start, end = result.period.start, result.period.end
    ai = spend(demo_charges, start, end, lambda r: r["service_category"] == AI_CATEGORY)
    assert 0 < ai < result.total
    assert close(result.ai_total, ai)
    assert result.ai_share == pytest.approx(ai / spend(demo_charges, start, end), rel=1e-9)


def test_month_to_date_and_its_forecast_follow_the_documented_method(
    case: tuple[Overview, Period], demo_charges: list[Row]
) -> None:
    result, _previous = case
    mtd = result.month_to_date
    assert mtd is not None
    through = min(result.period.end, END)
    first = through.replace(day=1)
    last_of_month = through.replace(day=calendar.monthrange(through.year, through.month)[1])
    cost = spend(demo_charges, first, through)
    run_rate = spend(demo_charges, through - dt.timedelta(days=6), through) / 7
    assert (mtd.month, mtd.through) == (f"{through:%Y-%m}", through)
    assert close(mtd.cost, cost)
    assert close(mtd.forecast, cost + run_rate * (last_of_month - through).days)
    assert "7 days" in mtd.method


def test_a_whole_past_month_forecasts_its_own_total(demo_cache: Cache) -> None:
    result = overview(demo_cache, Period(D(2026, 2, 1), D(2026, 2, 28)))
    assert result.month_to_date is not None
    assert result.month_to_date.forecast == pytest.approx(result.total, rel=1e-12)


def test_provider_totals_add_up_to_the_total_to_the_cent(
    case: tuple[Overview, Period], demo_charges: list[Row]
) -> None:
    result, _previous = case
    in_period = rows_in(demo_charges, result.period.start, result.period.end)
    expected: dict[str, float] = defaultdict(float)
    daily: dict[tuple[str, str], float] = defaultdict(float)
    for row in in_period:
        expected[row["provider_name"]] += row["effective_cost"]
        daily[(row["charge_period_start"], row["provider_name"])] += row["effective_cost"]
    totals = result.provider_totals()
    assert set(totals) == set(expected) == {"AWS", "OpenAI", "Anthropic", "Microsoft"}
    for provider, cost in expected.items():
        assert close(totals[provider], cost), provider
    assert list(totals.values()) == sorted(totals.values(), reverse=True)
    assert abs(math.fsum(totals.values()) - result.total) < 0.005
    shown = {(r.day, r.key): r.cost for r in result.by_provider_daily.itertuples()}
    assert set(shown) == set(daily)
    for key, cost in daily.items():
        assert close(shown[key], cost), key


def test_token_totals_match_the_model_rows(
    case: tuple[Overview, Period], demo_charges: list[Row]
) -> None:
    result, _previous = case
    in_period = [r for r in rows_in(demo_charges, result.period.start, result.period.end)
                 if r["x_model"] is not None]
    expected = {
        name: float(sum(r[column] or 0 for r in in_period))
        for name, column in TOKEN_FIELDS.items()
    }
    assert expected["input"] > 0
    assert expected["requests"] > 0
    assert result.token_totals() == expected
    days = {r["charge_period_start"] for r in in_period}
    assert set(result.tokens_daily["day"]) == days


# -- movers -----------------------------------------------------------------------------------


def test_movers_are_the_largest_rises_and_falls_of_each_dimension(
    case: tuple[Overview, Period], demo_charges: list[Row]
) -> None:
    result, previous = case
    movers = result.movers
    assert list(movers.columns) == MOVER_KEYS
    assert set(movers["dimension"]) <= set(DIMENSION_KEY)
    for dimension in DIMENSION_KEY:
        expected = compare(demo_charges, result.period, previous, dimension)
        changes = {name: c - p for name, (p, c) in expected.items() if abs(c - p) >= 0.005}
        ups = sorted((n for n, ch in changes.items() if ch > 0), key=lambda n: -changes[n])
        downs = sorted((n for n, ch in changes.items() if ch < 0), key=lambda n: changes[n])
        shown = movers[movers["dimension"] == dimension]
        shown_ups = list(shown[shown["change"] > 0]["name"])
        shown_downs = list(shown[shown["change"] < 0]["name"])
        assert shown_ups == ups[:MOVERS_PER_SIDE], dimension
        assert shown_downs == downs[:MOVERS_PER_SIDE], dimension
        assert len(shown) == len(shown_ups) + len(shown_downs)
        for row in shown.itertuples(index=False):
            before, now = expected[row.name]
            assert close(row.previous, before), (dimension, row.name)
            assert close(row.current, now), (dimension, row.name)
            assert close(row.change, now - before), (dimension, row.name)
            if before == 0 or not result.previous_complete:  # new, or against missing days
                assert math.isnan(row.change_pct)
            else:
                assert row.change_pct == pytest.approx((now - before) / before, rel=1e-9)
    size = list(movers["change"].abs())
    assert size == sorted(size, reverse=True)


def test_the_demo_period_has_movers_in_every_dimension(demo_cache: Cache) -> None:
    result = overview(demo_cache, PERIODS[0][1])
    assert set(result.movers["dimension"]) == set(DIMENSION_KEY)
    # The prompt bloat of document-search is the kind of rise the page must show.
    features = result.movers[result.movers["dimension"] == "feature"]
    assert "document-search" in set(features[features["change"] > 0]["name"])


# -- JSON -------------------------------------------------------------------------------------


def test_json_has_the_documented_shape_and_figures(case: tuple[Overview, Period]) -> None:
    result, previous = case
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert list(data) == JSON_KEYS
    assert data["period"] == {"from": result.period.start.isoformat(),
                              "to": result.period.end.isoformat()}
    assert data["previous_period"] == {"from": previous.start.isoformat(),
                                       "to": previous.end.isoformat()}
    assert data["currency"] == "USD"
    assert data["data_through"] == END.isoformat()
    assert data["total_effective_cost"] == pytest.approx(result.total, abs=0.005)
    assert data["previous_total_effective_cost"] == pytest.approx(
        result.previous_total, abs=0.005)
    assert data["change"] == pytest.approx(result.change, abs=0.005)
    assert data["change_pct"] == pytest.approx(result.change_pct, abs=0.00005)
    assert list(data["month_to_date"]) == [
        "month", "through", "cost", "forecast_month_end", "forecast_method"]
    assert list(data["ai"]) == ["cost", "share"]
    assert data["ai"]["share"] == pytest.approx(result.ai_share, abs=0.00005)
    assert [list(item) for item in data["by_provider"]] == [["provider", "cost"]] * 4
    costs = [item["cost"] for item in data["by_provider"]]
    assert costs == sorted(costs, reverse=True)
    assert abs(sum(costs) - data["total_effective_cost"]) <= 0.005 * len(costs)
    assert list(data["tokens"]) == list(TOKEN_FIELDS)
    assert all(isinstance(value, int) for value in data["tokens"].values())
    assert data["movers"]
    for item in data["movers"]:
        assert list(item) == MOVER_KEYS
        assert item["change_pct"] is None or isinstance(item["change_pct"], float)


# -- no data ----------------------------------------------------------------------------------


def assert_empty_figures(result: Overview) -> None:
    assert result.total == 0
    assert result.previous_total == 0
    assert result.change == 0
    assert result.change_pct is None
    assert result.ai_share is None
    assert result.provider_totals() == {}
    assert result.token_totals() == dict.fromkeys(TOKEN_FIELDS, 0.0)
    assert result.movers.empty
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert list(data) == JSON_KEYS
    assert data["total_effective_cost"] == 0
    assert data["change_pct"] is None
    assert data["ai"] == {"cost": 0, "share": None}
    assert data["by_provider"] == []
    assert data["movers"] == []


def test_a_period_without_data_gives_zeros(demo_cache: Cache) -> None:
    result = overview(demo_cache, Period(D(2020, 1, 1), D(2020, 1, 31)))
    assert_empty_figures(result)
    assert result.data_through == END
    mtd = result.month_to_date
    assert mtd is None or (mtd.cost == 0 and mtd.forecast == 0)


def test_an_empty_cache_gives_zeros(cache: Cache) -> None:
    result = overview(cache, Period(D(2026, 1, 1), D(2026, 1, 31)))
    assert_empty_figures(result)
    assert result.data_through is None
    assert result.month_to_date is None
    assert result.to_json()["month_to_date"] is None


# -- a hand-made cache ------------------------------------------------------------------------


def charge(day: dt.date, cost: float, model: str, feature: str) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "test", "charge_period_start": day.isoformat(),
        "provider_name": "OpenAI", "service_category": AI_CATEGORY,
        "service_name": "OpenAI API", "charge_category": "Usage", "billed_cost": cost,
        "effective_cost": cost, "list_cost": cost, "billing_currency": "USD",
        "tags": json.dumps({"feature": feature}), "x_model": model,
        "x_input_tokens": 1000, "x_requests": 2,
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def test_a_new_model_is_a_mover_without_a_percentage(cache: Cache) -> None:
    jan, feb = D(2026, 1, 1), D(2026, 2, 15)  # January whole in the data: a fair comparison
    cache.replace_charges("test", D(2026, 1, 1), D(2026, 2, 28), [
        charge(jan, 10.0, "gpt-4.1", "search"),
        charge(feb, 4.0, "gpt-4.1", "search"),
        charge(feb, 25.0, "gpt-4.1-mini", "search"),
    ])
    result = overview(cache, Period(D(2026, 2, 1), D(2026, 2, 28)))
    assert (result.total, result.previous_total) == (29.0, 10.0)
    models = {m["name"]: m for m in result.to_json()["movers"] if m["dimension"] == "model"}
    assert models["gpt-4.1-mini"] == {
        "dimension": "model", "name": "gpt-4.1-mini", "previous": 0.0, "current": 25.0,
        "change": 25.0, "change_pct": None}
    assert models["gpt-4.1"]["change_pct"] == -0.6
    features = [m for m in result.to_json()["movers"] if m["dimension"] == "feature"]
    assert [(m["name"], m["change"]) for m in features] == [("search", 19.0)]
    assert result.token_totals()["requests"] == 4.0  # February's two rows only


def test_no_mover_has_a_percentage_against_days_the_data_does_not_hold(cache: Cache) -> None:
    """The Last 12 months movers showed +695.9 % while the total's change was rightly null."""
    cache.replace_charges("test", D(2026, 1, 1), D(2026, 2, 28), [
        charge(D(2026, 1, 20), 10.0, "gpt-4.1", "search"),
        charge(D(2026, 2, 15), 40.0, "gpt-4.1", "search"),
    ])
    result = overview(cache, Period(D(2026, 2, 1), D(2026, 2, 28)))
    assert result.previous_complete is False and result.change_pct is None
    shown = result.to_json()["movers"]
    assert shown and all(m["change_pct"] is None for m in shown)
    assert {m["change"] for m in shown} == {30.0}  # the dollars still say what moved

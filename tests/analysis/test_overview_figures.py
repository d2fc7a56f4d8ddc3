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
    "amortised_cost", "unamortised_cost", "commitment_amortisation",
    "previous_total_effective_cost", "change", "change_pct", "previous_period_complete",
    "month_to_date", "forecast", "ai",
    "by_provider", "tokens", "movers", "currencies", "conversion",
]
FORECAST_KEYS = ["month", "through", "month_to_date", "month_end", "p10", "p90", "days_left",
                 "history_days", "method"]
DIMENSIONS = ["service", "model", "feature"]  # the movers' tabs, in order
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


def weekday_forecast(rows: list[Row], through: dt.date) -> tuple[float, float, float]:
    """The documented method, from the rows: each day left at its weekday's average over
    the 28 days through ``through`` (none before the data), and P10/P90 from the normal
    approximation of the residuals' spread. (point, P10, P90)."""
    first_day = dt.date.fromisoformat(min(r["charge_period_start"] for r in rows))
    start = max(first_day, through - dt.timedelta(days=27))
    history = {start + dt.timedelta(days=n): 0.0 for n in range((through - start).days + 1)}
    for row in rows_in(rows, start, through):
        history[dt.date.fromisoformat(row["charge_period_start"])] += row["effective_cost"]
    assert len(history) >= 14  # the demo holds months: weekdays apart
    groups: dict[int, list[float]] = defaultdict(list)
    for day, cost in history.items():
        groups[day.weekday()].append(cost)
    mean = {w: sum(costs) / len(costs) for w, costs in groups.items()}
    last = through.replace(day=calendar.monthrange(through.year, through.month)[1])
    left = [through + dt.timedelta(days=n) for n in range(1, (last - through).days + 1)]
    spent = spend(rows, through.replace(day=1), through)
    point = spent + sum(mean[d.weekday()] for d in left)
    squares = sum((c - mean[w]) ** 2 for w, costs in groups.items() for c in costs)
    variance = squares / (len(history) - 7)
    per_weekday = {w: sum(1 for d in left if d.weekday() == w) for w in range(7)}
    deviation = math.sqrt(variance * (len(left) + sum(
        c * c / len(groups[w]) for w, c in per_weekday.items())))
    z = 1.2815515655446004  # the standard normal's 90th percentile
    return point, max(spent, point - z * deviation), point + z * deviation


def test_month_to_date_and_its_forecast_follow_the_documented_method(
    case: tuple[Overview, Period], demo_charges: list[Row]
) -> None:
    result, _previous = case
    forecast = result.forecast
    assert forecast is not None
    through = min(result.period.end, END)
    first = through.replace(day=1)
    last_of_month = through.replace(day=calendar.monthrange(through.year, through.month)[1])
    assert (forecast.month, forecast.through) == (f"{through:%Y-%m}", through)
    assert forecast.days_left == (last_of_month - through).days
    assert close(forecast.actual, spend(demo_charges, first, through))
    if forecast.complete:  # a whole past month: its total, no range
        assert forecast.point == forecast.actual
        assert (forecast.low, forecast.high) == (None, None)
        return
    point, low, high = weekday_forecast(demo_charges, through)
    assert close(forecast.point, point)
    assert forecast.low is not None and forecast.high is not None
    assert forecast.low == pytest.approx(low, rel=1e-9)
    assert forecast.high == pytest.approx(high, rel=1e-9)
    assert forecast.low < forecast.point < forecast.high
    assert "weekday" in forecast.method and "P10–P90" in forecast.method


def test_the_forecast_of_the_demos_month_is_a_range_around_its_weekdays(
        demo_cache: Cache, demo_charges: list[Row]) -> None:
    """The month of the demo's last day has days left: a forecast with a range, the same
    in the JSON as on the result, and the month-to-date block agrees with it."""
    result = overview(demo_cache, Period(END - dt.timedelta(days=29), END))
    f = result.forecast
    assert f is not None and f.low is not None and f.high is not None
    data = result.to_json()
    assert data["forecast"] == f.to_json()
    assert list(data["forecast"]) == FORECAST_KEYS
    assert data["forecast"]["p10"] == round(f.low, 2)
    assert data["forecast"]["p90"] == round(f.high, 2)
    assert data["month_to_date"]["forecast_month_end"] == data["forecast"]["month_end"]
    assert data["month_to_date"]["forecast_method"] == data["forecast"]["method"]
    assert weekday_forecast(demo_charges, END)[0] == pytest.approx(f.point, rel=1e-9)


def test_a_whole_past_month_forecasts_its_own_total(demo_cache: Cache) -> None:
    result = overview(demo_cache, Period(D(2026, 2, 1), D(2026, 2, 28)))
    assert result.forecast is not None
    assert result.forecast.point == pytest.approx(result.total, rel=1e-12)
    assert (result.forecast.low, result.forecast.high) == (None, None)
    assert result.to_json()["forecast"]["p10"] is None


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
    assert list(result.movers) == DIMENSIONS == list(DIMENSION_KEY)
    for dimension in DIMENSION_KEY:
        shown = result.movers[dimension]
        assert list(shown.columns) == MOVER_KEYS
        assert set(shown["dimension"]) <= {dimension}  # one dimension per table
        expected = compare(demo_charges, result.period, previous, dimension)
        changes = {name: c - p for name, (p, c) in expected.items() if abs(c - p) >= 0.005}
        ups = sorted((n for n, ch in changes.items() if ch > 0), key=lambda n: -changes[n])
        downs = sorted((n for n, ch in changes.items() if ch < 0), key=lambda n: changes[n])
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
        size = list(shown["change"].abs())
        assert size == sorted(size, reverse=True), dimension


def test_each_dimensions_movers_count_each_charge_once(
    case: tuple[Overview, Period], demo_charges: list[Row]
) -> None:
    """Within one dimension's table no money is counted twice: its rows' current costs
    never add up to more than the period's total (all three together would)."""
    result, _previous = case
    for dimension, shown in result.movers.items():
        assert shown["current"].sum() <= result.total + 0.005, dimension
        assert shown["name"].is_unique, dimension


def test_the_demo_period_has_movers_in_every_dimension(demo_cache: Cache) -> None:
    result = overview(demo_cache, PERIODS[0][1])
    assert all(len(result.movers[d]) for d in DIMENSION_KEY)
    # The prompt bloat of document-search is the kind of rise the page must show.
    features = result.movers["feature"]
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
    assert list(data["forecast"]) == FORECAST_KEYS
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
    # Each row names its dimension, the dimensions one after the other.
    named = [item["dimension"] for item in data["movers"]]
    assert named == sorted(named, key=DIMENSIONS.index)
    assert len(named) == sum(len(frame) for frame in result.movers.values())


# -- no data ----------------------------------------------------------------------------------


def assert_empty_figures(result: Overview) -> None:
    assert result.total == 0
    assert result.previous_total == 0
    assert result.change == 0
    assert result.change_pct is None
    assert result.ai_share is None
    assert result.provider_totals() == {}
    assert result.token_totals() == dict.fromkeys(TOKEN_FIELDS, 0.0)
    assert list(result.movers) == DIMENSIONS
    assert all(frame.empty for frame in result.movers.values())
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
    forecast = result.forecast
    assert forecast is None or (forecast.actual == 0 and forecast.point == 0)


def test_an_empty_cache_gives_zeros(cache: Cache) -> None:
    result = overview(cache, Period(D(2026, 1, 1), D(2026, 1, 31)))
    assert_empty_figures(result)
    assert result.data_through is None
    assert result.forecast is None
    assert result.to_json()["month_to_date"] is None
    assert result.to_json()["forecast"] is None


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

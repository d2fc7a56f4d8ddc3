"""The month-end forecast (:func:`worthit.analysis.forecast.month_end_forecast`): its
properties over any history, and one example worked by hand."""

from __future__ import annotations

import calendar
import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worthit.analysis.forecast import HISTORY_DAYS, Z90, month_end_forecast

D = dt.date
amounts = st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)
signed_amounts = st.floats(-1e5, 1e6, allow_nan=False, allow_infinity=False)
days = st.dates(D(2024, 1, 1), D(2030, 12, 31))


def days_left(through: dt.date) -> int:
    return calendar.monthrange(through.year, through.month)[1] - through.day


@given(spent=amounts, history=st.lists(signed_amounts, max_size=60), through=days)
def test_p10_is_never_above_the_forecast_nor_p90_below_it(
        spent: float, history: list[float], through: dt.date) -> None:
    f = month_end_forecast(spent, history, through)
    assert (f.low is None) == (f.high is None)
    if f.low is not None and f.high is not None:
        assert f.low <= f.point <= f.high
    assert f.history_days == min(len(history), HISTORY_DAYS)
    assert f.method and f.short_method  # every forecast says how it was made


@given(spent=amounts, history=st.lists(amounts, min_size=1, max_size=60), through=days)
def test_without_credits_the_forecast_and_its_range_stay_at_or_above_the_spend(
        spent: float, history: list[float], through: dt.date) -> None:
    f = month_end_forecast(spent, history, through)
    assert f.point >= spent
    assert f.low is None or f.low >= spent


@given(spent=amounts, daily=amounts, n=st.integers(2, 60), through=days)
def test_a_constant_daily_spend_gives_a_range_of_zero_width(
        spent: float, daily: float, n: int, through: dt.date) -> None:
    f = month_end_forecast(spent, [daily] * n, through)
    expected = spent + daily * days_left(through)  # the same spend on every day left
    tolerance = 1e-9 * max(1.0, expected)
    assert f.point == pytest.approx(expected, rel=1e-12, abs=tolerance)
    if days_left(through):
        assert f.low is not None and f.high is not None
        assert f.low == pytest.approx(expected, rel=1e-9, abs=tolerance)
        assert f.high == pytest.approx(expected, rel=1e-9, abs=tolerance)


@given(spent=signed_amounts, history=st.lists(signed_amounts, max_size=60),
       year=st.integers(2024, 2030), month=st.integers(1, 12))
def test_a_complete_month_forecasts_its_actual_total_with_no_range(
        spent: float, history: list[float], year: int, month: int) -> None:
    last = D(year, month, calendar.monthrange(year, month)[1])
    f = month_end_forecast(spent, history, last)
    assert f.complete and f.days_left == 0
    assert f.point == spent
    assert (f.low, f.high) == (None, None)
    assert f.range_text() == ""
    assert "complete" in f.method


def test_two_weeks_of_a_weekday_pattern_worked_by_hand() -> None:
    """Fourteen days ending Wednesday 2026-11-25: weekdays cost 100 plus or minus 10 (one
    week +10, the other −10, so each weekday's average is 100), weekend days 20 and 30 (so
    their average is 25). Five days are left: Thu, Fri, Sat, Sun, Mon."""
    through = D(2026, 11, 25)
    assert through.weekday() == 2  # Wednesday
    start = through - dt.timedelta(days=13)  # Thursday 2026-11-12
    history = []
    for offset in range(14):
        day = start + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            history.append(20.0 if offset < 7 else 30.0)
        else:
            history.append(110.0 if offset < 7 else 90.0)
    spent = 2_000.0
    f = month_end_forecast(spent, history, through)

    # Point: Thu 100 + Fri 100 + Sat 25 + Sun 25 + Mon 100.
    assert f.by_weekday and f.history_days == 14 and f.days_left == 5
    assert f.point == pytest.approx(2_350.0, abs=1e-9)
    # Residuals: ±10 on each of 10 weekdays and ±5 on each of 4 weekend days:
    # 10·100 + 4·25 = 1,100 over 14 − 7 = 7 degrees of freedom.
    variance = 1_100.0 / 7
    # Five days left, one of each of five weekdays, each average from two days:
    # k + Σ c²/n = 5 + 5 · (1/2) = 7.5.
    spread = math.sqrt(variance * 7.5)
    assert spread == pytest.approx(34.3303, abs=1e-4)
    assert pytest.approx(1.2815516, abs=1e-7) == Z90
    assert f.low is not None and f.high is not None
    assert f.low == pytest.approx(2_350.0 - 1.2815515655 * spread, abs=1e-6)
    assert f.high == pytest.approx(2_350.0 + 1.2815515655 * spread, abs=1e-6)
    assert (round(f.low, 2), round(f.high, 2)) == (2_306.0, 2_394.0)
    assert f.range_text() == "P10–P90 $2,306–$2,394"
    assert "weekday" in f.method and "P10–P90" in f.method
    assert f.to_json() == {
        "month": "2026-11", "through": "2026-11-25", "month_to_date": 2_000.0,
        "month_end": 2_350.0, "p10": 2_306.0, "p90": 2_394.0, "days_left": 5,
        "history_days": 14, "method": f.method}


def test_only_the_last_four_weeks_count() -> None:
    through = D(2026, 11, 20)
    recent = [50.0] * HISTORY_DAYS
    f = month_end_forecast(0.0, [1_000_000.0] * 30 + recent, through)
    assert f.point == pytest.approx(50.0 * 10)
    assert f.history_days == HISTORY_DAYS


def test_under_two_weeks_one_daily_average_and_its_spread() -> None:
    """Five days of 10, 20, 30, 40, 50: average 30, sample variance 250; 3 days left."""
    through = D(2026, 11, 27)
    f = month_end_forecast(100.0, [10.0, 20.0, 30.0, 40.0, 50.0], through)
    assert not f.by_weekday
    assert f.point == pytest.approx(100.0 + 3 * 30.0)
    spread = math.sqrt(250.0 * (3 + 3 * 3 / 5))
    assert f.high == pytest.approx(190.0 + Z90 * spread)
    assert f.low == pytest.approx(max(100.0, 190.0 - Z90 * spread))
    assert "too few to tell weekdays apart" in f.method
    assert f.short_method == ("each day left at the daily average of the last 5 days; "
                              "P10–P90 from how much those days varied")


def test_one_day_of_history_gives_a_forecast_without_a_range() -> None:
    f = month_end_forecast(40.0, [40.0], D(2026, 11, 1))
    assert f.point == pytest.approx(40.0 * 30)
    assert (f.low, f.high) == (None, None)
    assert "Too few days to measure a range" in f.method
    assert f.short_method.endswith("too few days for a range")


def test_no_history_forecasts_the_month_to_date() -> None:
    f = month_end_forecast(12.5, [], D(2026, 11, 10))
    assert (f.point, f.low, f.high) == (12.5, None, None)
    assert "No day of history" in f.method

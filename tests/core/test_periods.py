"""Reporting periods: lengths, the period before, presets, month arithmetic, date parsing."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worthit.core.errors import UserError
from worthit.core.periods import (
    Period,
    Preset,
    add_months,
    days_in_month,
    month_end,
    parse_date,
    preset_period,
)

D = dt.date
# Far enough from date.min/max that a previous period or a shift of a few years exists.
days = st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31))


@st.composite
def periods(draw: st.DrawFn) -> Period:
    start = draw(days)
    return Period(start, start + dt.timedelta(days=draw(st.integers(0, 800))))


@st.composite
def whole_months(draw: st.DrawFn) -> Period:
    first = draw(days).replace(day=1)
    return Period(first, month_end(first))


# -- Period ---------------------------------------------------------------------------------


def test_days_counts_both_ends() -> None:
    assert Period(D(2024, 1, 1), D(2024, 1, 1)).days == 1
    assert Period(D(2024, 1, 1), D(2024, 12, 31)).days == 366


def test_a_period_that_ends_before_it_starts_is_a_user_error() -> None:
    with pytest.raises(UserError, match="2024-01-01"):
        Period(D(2024, 1, 2), D(2024, 1, 1))


def test_contains_is_inclusive() -> None:
    period = Period(D(2024, 3, 1), D(2024, 3, 31))
    assert D(2024, 3, 1) in period
    assert D(2024, 3, 31) in period
    assert D(2024, 2, 29) not in period
    assert D(2024, 4, 1) not in period
    assert "2024-03-05" not in period


def test_label() -> None:
    assert Period(D(2024, 3, 5), D(2024, 3, 5)).label() == "2024-03-05"
    assert Period(D(2024, 3, 1), D(2024, 3, 31)).label() == "2024-03-01 – 2024-03-31"


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # A whole month compares with the whole month before, whatever its length.
        (Period(D(2024, 3, 1), D(2024, 3, 31)), Period(D(2024, 2, 1), D(2024, 2, 29))),
        (Period(D(2023, 3, 1), D(2023, 3, 31)), Period(D(2023, 2, 1), D(2023, 2, 28))),
        (Period(D(2024, 1, 1), D(2024, 1, 31)), Period(D(2023, 12, 1), D(2023, 12, 31))),
        (Period(D(2024, 2, 1), D(2024, 2, 29)), Period(D(2024, 1, 1), D(2024, 1, 31))),
        # A month to date compares with the same days of the month before, cut at its end.
        (Period(D(2024, 3, 1), D(2024, 3, 15)), Period(D(2024, 2, 1), D(2024, 2, 15))),
        (Period(D(2026, 12, 1), D(2026, 12, 4)), Period(D(2026, 11, 1), D(2026, 11, 4))),
        (Period(D(2024, 3, 1), D(2024, 3, 30)), Period(D(2024, 2, 1), D(2024, 2, 29))),
        # Anything else compares with the same number of days just before.
        (Period(D(2024, 3, 5), D(2024, 3, 15)), Period(D(2024, 2, 23), D(2024, 3, 4))),
        (Period(D(2024, 3, 2), D(2024, 3, 31)), Period(D(2024, 2, 1), D(2024, 3, 1))),
        (Period(D(2024, 1, 1), D(2024, 1, 1)), Period(D(2023, 12, 1), D(2023, 12, 1))),
    ],
)
def test_previous(period: Period, expected: Period) -> None:
    assert period.previous() == expected


@given(periods())
def test_previous_is_as_long_and_ends_the_day_before(period: Period) -> None:
    before = period.previous()
    if period.is_whole_month():
        assert before.end == period.start - dt.timedelta(days=1)
        assert before.is_whole_month()
        assert add_months(period.start, -1) == before.start
    elif period.is_month_to_date():  # the same days of the month before, cut at its end
        assert before.start == add_months(period.start, -1)
        assert before.end.day == min(period.end.day, month_end(before.start).day)
        assert before.is_month_to_date()
    else:
        assert before.end == period.start - dt.timedelta(days=1)
        assert before.days == period.days


@given(whole_months())
def test_previous_of_a_whole_month_is_the_whole_month_before(period: Period) -> None:
    before = period.previous()
    assert before.start == add_months(period.start, -1)
    assert before.end == month_end(before.start)
    assert before.end + dt.timedelta(days=1) == period.start


@given(periods())
def test_is_whole_month_matches_its_definition(period: Period) -> None:
    expected = period.start.day == 1 and period.end == month_end(period.start)
    assert period.is_whole_month() is expected


# -- presets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "today", "expected"),
    [
        (Preset.THIS_MONTH, D(2024, 3, 15), Period(D(2024, 3, 1), D(2024, 3, 15))),
        (Preset.THIS_MONTH, D(2024, 3, 1), Period(D(2024, 3, 1), D(2024, 3, 1))),
        (Preset.LAST_30, D(2024, 3, 15), Period(D(2024, 2, 15), D(2024, 3, 15))),
        (Preset.LAST_90, D(2024, 3, 31), Period(D(2024, 1, 2), D(2024, 3, 31))),
        (Preset.LAST_12_MONTHS, D(2024, 3, 15), Period(D(2023, 4, 1), D(2024, 3, 15))),
        (Preset.LAST_12_MONTHS, D(2024, 12, 31), Period(D(2024, 1, 1), D(2024, 12, 31))),
    ],
)
def test_preset_period(preset: Preset, today: dt.date, expected: Period) -> None:
    assert preset_period(preset, today) == expected


@given(days)
def test_every_preset_ends_today(today: dt.date) -> None:
    lengths = {Preset.LAST_30: 30, Preset.LAST_90: 90}
    for preset in Preset:
        if preset is Preset.CUSTOM:
            continue
        period = preset_period(preset, today)
        assert period.end == today
        if preset in lengths:
            assert period.days == lengths[preset]
    assert preset_period(Preset.LAST_12_MONTHS, today).start.day == 1


def test_custom_has_no_preset_range() -> None:
    with pytest.raises(ValueError, match="custom"):
        preset_period(Preset.CUSTOM, D(2024, 3, 15))


# -- month arithmetic -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2024, 1, 15), -1, D(2023, 12, 15)),
        (D(2024, 12, 15), 1, D(2025, 1, 15)),
        (D(2024, 5, 31), -11, D(2023, 6, 30)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 7, 4), 0, D(2024, 7, 4)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


@given(days, st.integers(-600, 600))
def test_add_months_moves_whole_months_and_clamps(day: dt.date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == min(day.day, month_end(moved).day)


@given(days, st.integers(-600, 600))
def test_add_months_round_trips_from_the_first(day: dt.date, months: int) -> None:
    first = day.replace(day=1)
    assert add_months(add_months(first, months), -months) == first


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 2, 10), D(2024, 2, 29)),
        (D(2023, 2, 1), D(2023, 2, 28)),
        (D(1900, 2, 1), D(1900, 2, 28)),
        (D(2000, 2, 1), D(2000, 2, 29)),
        (D(2024, 12, 31), D(2024, 12, 31)),
        (D(2024, 4, 1), D(2024, 4, 30)),
    ],
)
def test_month_end(day: dt.date, expected: dt.date) -> None:
    assert month_end(day) == expected


@given(days)
def test_month_end_is_the_day_before_the_next_month(day: dt.date) -> None:
    end = month_end(day)
    assert (end.year, end.month) == (day.year, day.month)
    assert (end + dt.timedelta(days=1)).day == 1


# -- parse_date -----------------------------------------------------------------------------


def test_parse_date_reads_iso_and_ignores_surrounding_space() -> None:
    assert parse_date("2024-02-29") == D(2024, 2, 29)
    assert parse_date("  2024-02-29\n") == D(2024, 2, 29)


@given(days)
def test_parse_date_round_trips_isoformat(day: dt.date) -> None:
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize(
    "text",
    ["", "   ", "2023-02-29", "2024-13-01", "2024-1-5", "2024-01", "15/01/2024", "soon",
     "20240115", "2024-W03-1"],
)
def test_parse_date_rejects_with_a_user_error_naming_the_input(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_date(text, what="start date")
    message = str(caught.value)
    assert "start date" in message
    assert repr(text) in message
    assert "YYYY-MM-DD" in message


@given(st.integers(min_value=1, max_value=9998), st.integers(min_value=1, max_value=12))
def test_days_in_month_is_the_calendars(year: int, month: int) -> None:
    assert days_in_month(year, month) == calendar.monthrange(year, month)[1]

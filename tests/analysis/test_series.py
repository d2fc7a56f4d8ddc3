"""Chart series: every day present, weeks from Monday, nothing lost, biggest key first."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.series import granularity_for, pivot

D = dt.date


def frame(rows: list[tuple[dt.date, str, float]]) -> pd.DataFrame:
    """A long frame as the store returns it: ISO day text, key, cost."""
    return pd.DataFrame(
        [(day.isoformat(), key, cost) for day, key, cost in rows], columns=["day", "key", "cost"]
    )


def test_missing_days_are_zero() -> None:
    series = pivot(
        frame([(D(2024, 3, 1), "AWS", 5.0), (D(2024, 3, 4), "AWS", 7.0),
               (D(2024, 3, 3), "OpenAI", 2.0)]),
        D(2024, 2, 28), D(2024, 3, 5), granularity="day",
    )
    assert series.granularity == "day"
    assert series.starts == [D(2024, 2, 28) + dt.timedelta(days=i) for i in range(7)]
    assert series.values["AWS"].tolist() == [0, 0, 5, 0, 0, 7, 0]
    assert series.values["OpenAI"].tolist() == [0, 0, 0, 0, 2, 0, 0]
    assert series.total.tolist() == [0, 0, 5, 0, 2, 7, 0]


def test_rows_of_the_same_day_and_key_are_added() -> None:
    series = pivot(frame([(D(2024, 1, 2), "AWS", 1.5), (D(2024, 1, 2), "AWS", 2.25)]),
                   D(2024, 1, 1), D(2024, 1, 3), granularity="day")
    assert series.values["AWS"].tolist() == [0, 3.75, 0]


def test_weeks_start_on_monday_and_sum_their_days() -> None:
    # 2024-01-03 is a Wednesday; 2024-01-21 a Sunday.
    start, end = D(2024, 1, 3), D(2024, 1, 21)
    rows = [(start + dt.timedelta(days=i), "k", float(i + 1)) for i in range(19)]
    series = pivot(frame(rows), start, end, granularity="week")
    assert series.granularity == "week"
    assert series.starts == [D(2024, 1, 1), D(2024, 1, 8), D(2024, 1, 15)]
    # Wed-Sun of the first week (days 1-5), then two whole weeks.
    assert series.values["k"].tolist() == [15.0, sum(range(6, 13)), sum(range(13, 20))]


def test_a_sunday_belongs_to_the_week_before_it() -> None:
    rows = [(D(2024, 1, 7), "k", 1.0), (D(2024, 1, 8), "k", 10.0)]  # Sunday, Monday
    series = pivot(frame(rows), D(2024, 1, 1), D(2024, 1, 14), granularity="week")
    assert series.starts == [D(2024, 1, 1), D(2024, 1, 8)]
    assert series.values["k"].tolist() == [1.0, 10.0]


def test_long_periods_are_weekly_and_short_ones_daily() -> None:
    assert granularity_for(D(2024, 1, 1), D(2024, 4, 29)) == "day"  # 120 days
    assert granularity_for(D(2024, 1, 1), D(2024, 4, 30)) == "week"  # 121 days
    series = pivot(frame([(D(2024, 1, 1), "k", 1.0)]), D(2024, 1, 1), D(2024, 12, 31))
    assert series.granularity == "week"
    assert len(series.starts) == 53


def test_keys_are_ordered_by_their_total() -> None:
    rows = [
        (D(2024, 1, 1), "small", 1.0),
        (D(2024, 1, 1), "big", 3.0), (D(2024, 1, 2), "big", 3.0),
        (D(2024, 1, 2), "middle", 5.0),
    ]
    series = pivot(frame(rows), D(2024, 1, 1), D(2024, 1, 2), granularity="day")
    assert list(series.values) == ["big", "middle", "small"]


def test_one_column_without_keys() -> None:
    tokens = pd.DataFrame({"day": ["2024-01-01", "2024-01-03"], "input": [10.0, 30.0]})
    series = pivot(tokens, D(2024, 1, 1), D(2024, 1, 3), value="input", key=None,
                   granularity="day")
    assert series.values["input"].tolist() == [10.0, 0.0, 30.0]


def test_an_empty_frame_gives_zero_days_and_no_keys() -> None:
    empty = pd.DataFrame({"day": [], "key": [], "cost": []}, dtype=object)
    series = pivot(empty, D(2024, 1, 1), D(2024, 1, 10), granularity="day")
    assert series.values == {}
    assert len(series.starts) == 10
    assert series.total.tolist() == [0.0] * 10


@st.composite
def long_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, dt.date, dt.date]:
    start = draw(st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)))
    length = draw(st.integers(1, 400))
    rows = draw(st.lists(
        st.tuples(
            st.integers(0, length - 1),
            st.sampled_from(["AWS", "OpenAI", "Anthropic", "(untagged)", "2024"]),
            st.floats(min_value=-1e4, max_value=1e6, allow_nan=False, allow_infinity=False),
        ),
        max_size=80,
    ))
    data = frame([(start + dt.timedelta(days=d), key, cost) for d, key, cost in rows])
    return data, start, start + dt.timedelta(days=length - 1)


@settings(max_examples=60, deadline=None)
@given(case=long_frames(), granularity=st.sampled_from(["day", "week", None]))
def test_the_grand_total_and_key_totals_are_preserved(
    case: tuple[pd.DataFrame, dt.date, dt.date], granularity: str | None
) -> None:
    data, start, end = case
    series = pivot(data, start, end, granularity=granularity)
    scale = max(1.0, math.fsum(abs(c) for c in data["cost"]))
    assert math.isclose(float(series.total.sum()), math.fsum(data["cost"]),
                        rel_tol=1e-9, abs_tol=1e-9 * scale)
    for key, values in series.values.items():
        expected = math.fsum(data.loc[data["key"] == key, "cost"])
        assert math.isclose(float(values.sum()), expected, rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert set(series.values) == set(data["key"])
    totals = [float(v.sum()) for v in series.values.values()]
    assert totals == sorted(totals, reverse=True)
    assert all(len(v) == len(series.starts) for v in series.values.values())
    if series.granularity == "day":
        assert series.starts == [start + dt.timedelta(days=i)
                                 for i in range((end - start).days + 1)]
    else:
        assert all(day.weekday() == 0 for day in series.starts)
        assert series.starts[0] <= start < series.starts[0] + dt.timedelta(days=7)
        assert series.starts[-1] <= end < series.starts[-1] + dt.timedelta(days=7)
        assert np.all(np.diff([d.toordinal() for d in series.starts]) == 7)


@pytest.mark.parametrize("granularity", ["day", "week"])
def test_rows_outside_the_period_are_left_out(granularity: str) -> None:
    rows = [(D(2024, 1, 10), "k", 1.0), (D(2023, 12, 31), "k", 100.0),
            (D(2024, 2, 1), "k", 1000.0)]
    series = pivot(frame(rows), D(2024, 1, 1), D(2024, 1, 31), granularity=granularity)
    assert float(series.total.sum()) == 1.0

"""The spike series (:func:`worthit.analysis.spikes.spike_series`) sum the history of only
the resources that could spike (a day in the window at the minimum excess or more), and
find the season medians of the baseline from one sort. Both are held here to what the
whole computation gives: every resource's days summed from the index's keys × days, each
series made from them, and each season's median by ``np.median``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from worthit.analysis import spikes
from worthit.analysis.charge_index import charge_index
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.alerts import load_settings
from worthit.store.cache import Cache

END = dt.date(2026, 6, 30)
DAYS = 80
RESOURCES = ["key-a", "key-b", "key-c", None]  # None: lines that name no resource


def line(day: dt.date, resource: str | None, cost: float) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "s", "charge_period_start": day.isoformat(), "provider_name": "OpenAI",
        "service_name": "OpenAI API", "resource_id": resource, "charge_category": "Usage",
        "effective_cost": cost, "billed_cost": cost, "billing_currency": "USD",
        "x_model": "gpt-4o",
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def whole(cache: Cache, as_of: dt.date, s: Any) -> list[tuple[str, list[float], list[bool]]]:
    """Every resource's series from all resources' days, then kept as spike_series keeps
    them: a day flagged in the window."""
    index = charge_index(cache)
    window_start = as_of - dt.timedelta(days=s.lookback_days - 1)
    start = max(window_start - dt.timedelta(days=s.spike_history_days + spikes.SEASON_DAYS),
                index.first_day)
    ids = index.keys["resource_id"].astype(object)
    codes, names = pd.factorize(ids.where(ids.notna() & (ids != ""), None))
    daily, _ = index.per_group_days(start, as_of, codes, len(names))
    days = [start + dt.timedelta(days=i) for i in range(daily.shape[1])]
    weekday = np.array([d.weekday() for d in days])
    found = []
    for row, name in enumerate(names):
        series = spikes._daily_series(str(name), days, weekday, daily[row], s)
        if series is None:
            continue
        flagged = series.flagged & np.array([b.date() >= window_start for b in series.starts])
        if flagged.any():
            found.append((series.resource, series.cost.tolist(), flagged.tolist()))
    return sorted(found)


def compare(spends: list[tuple[int, str | None, int]], back: int, minimum: float) -> int:
    """spike_series against :func:`whole` on a steady $20 a day per resource with
    ``spends`` on top (whole dollars: exact sums); the keyless lines are no resource's and
    must reach no series. How many series were found."""
    first = END - dt.timedelta(days=DAYS - 1)
    rows = [line(first + dt.timedelta(days=d), r, 20.0) for d in range(DAYS)
            for r in RESOURCES]
    rows += [line(first + dt.timedelta(days=d), r, float(c)) for d, r, c in spends]
    with tempfile.TemporaryDirectory() as folder, \
            Cache.open(Path(folder) / "worthit.sqlite") as cache:
        cache.replace_charges("s", None, None, rows)
        s = dataclasses.replace(load_settings(cache), lookback_days=14,
                                spike_min_dollars=minimum)
        as_of = END - dt.timedelta(days=back)
        got = sorted((x.resource, x.cost.tolist(), x.flagged.tolist())
                     for x in spikes.spike_series(cache, as_of, s))
        assert got == whole(cache, as_of, s)
        return len(got)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, DAYS - 1), st.sampled_from(RESOURCES),
                          st.integers(0, 400)), min_size=1, max_size=120),
       st.integers(0, 20), st.sampled_from([5.0, 50.0]))
def test_only_resources_that_could_spike_are_summed_and_nothing_changes(
        spends: list[tuple[int, str | None, int]], back: int, minimum: float) -> None:
    compare(spends, back, minimum)


def test_a_planted_spike_is_found_the_same_way() -> None:
    # key-b and the keyless lines jump by $300 on the same day: key-b alone spikes.
    assert compare([(DAYS - 3, "key-b", 300), (DAYS - 3, None, 300)], 0, 50.0) == 1


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 60),
                  elements=st.one_of(st.floats(-1e6, 1e6, allow_subnormal=False),
                                    st.just(float("nan")))),
       st.integers(1, 6), st.data())
def test_season_medians_are_numpys_median_of_each_season(values: np.ndarray, seasons: int,
                                                         data: st.DataObject) -> None:
    season = data.draw(hnp.arrays(np.int64, len(values), elements=st.integers(0, seasons - 1)))
    held, medians = spikes.season_medians(values, season)
    assert held.tolist() == np.unique(season).tolist()
    expected = np.array([np.median(values[season == s]) for s in held.tolist()])
    assert np.array_equal(medians, expected, equal_nan=True)

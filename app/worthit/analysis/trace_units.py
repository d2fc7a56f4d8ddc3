"""Unit counts derived from the request traces: active customers and agent runs
(:data:`worthit.core.units.DERIVED`).

A day's count is the distinct customers (runs) with traced usage that day; a week's, a
month's or a period's is the distinct customers (runs) over its days, never the sum of its
days, so cost per active customer over a month is the month's cost over the month's active
customers. A day without traces has no count: the unit-cost pages leave its cost out as a
gap, as they do a day without an entered count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from worthit.core.days import date_of, day_number
from worthit.core.units import DERIVED
from worthit.store.cache import Cache


@dataclass(frozen=True, eq=False)
class DistinctCounts:
    """Which distinct customers (or runs) had traced usage on which days: one entry per
    (day, value) pair, the value as a code."""

    days: np.ndarray  # day numbers
    codes: np.ndarray  # the value's code, one per distinct value

    def per_day(self, start: dt.date, end: dt.date) -> dict[dt.date, float]:
        """Each day of ``start``..``end`` with traces, and its distinct values."""
        inside = (self.days >= day_number(start)) & (self.days <= day_number(end))
        numbers, counts = np.unique(self.days[inside], return_counts=True)
        return {date_of(int(n)): float(c) for n, c in zip(numbers, counts, strict=True)}

    def over(self, start: dt.date, end: dt.date) -> float:
        """The distinct values over the days ``start``..``end``."""
        inside = (self.days >= day_number(start)) & (self.days <= day_number(end))
        return float(np.unique(self.codes[inside]).size)


def distinct_counts(cache: Cache, kind: str, start: dt.date, end: dt.date) -> DistinctCounts:
    """The traces' distinct customers (``kind`` "customers") or runs ("runs") of each day
    of ``start``..``end``."""
    import pandas as pd

    from worthit.store.traces import distinct_by_day

    pairs = distinct_by_day(cache, DERIVED[kind].column, start, end)
    codes, _ = pd.factorize(pairs["value"].astype(object)) if len(pairs) else \
        (np.zeros(0, np.int64), None)
    return DistinctCounts(pairs["day"].to_numpy(np.int64), np.asarray(codes, np.int64))

"""The date axis of a time chart: ticks on whole days, weeks or months, never on hours.

pyqtgraph's ``DateAxisItem`` picks its ticks from the pixels per second, so a daily series
over a few days gets ticks at 06:00 and 12:00, times that no value belongs to. This axis
ticks what the series is made of: days (every day, every other day, Mondays, every other
Monday), months or years, with labels such as "Nov 8" or "Dec 2026". A monthly series drawn
as bars is ticked at each bar's middle with the month's name."""

from __future__ import annotations

import datetime as dt
import math

import pyqtgraph as pg

DAY = 86_400.0
_EPOCH = dt.date(1970, 1, 1)
#: Room one label needs, in pixels ("Nov 28" or "Dec 2026" and a gap).
LABEL_PX = 72
#: Tick spacings (in days) a day or week axis tries before it falls back to months.
_DAY_STEPS = {"day": (1, 2, 7, 14), "week": (7, 14)}
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)


def timestamp(day: dt.date) -> float:
    """Seconds since the epoch at the start of ``day`` in UTC (the charts' x)."""
    return (day - _EPOCH).days * DAY


def day_of(value: float) -> dt.date:
    return _EPOCH + dt.timedelta(days=math.floor(value / DAY))


class DateAxis(pg.AxisItem):
    """A bottom axis of dates (x in UTC seconds, one point per day, week or month)."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.granularity = "day"
        #: Middles of monthly bars, ticked with the month's name (empty: no bars).
        self.bar_middles: list[float] = []

    def tickValues(self, minVal: float, maxVal: float, size: float):
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return []
        fits = max(2, int(size // LABEL_PX))
        if self.bar_middles:
            shown = [m for m in self.bar_middles if minVal <= m <= maxVal]
            skip = math.ceil(len(shown) / fits) if shown else 1
            return [(30 * DAY, shown[::skip])]
        first = day_of(minVal) + dt.timedelta(days=0 if minVal % DAY == 0 else 1)
        last = day_of(maxVal)
        for step in _DAY_STEPS.get(self.granularity, ()):
            ticks = _days(first, last, step)
            if len(ticks) <= fits:
                return [(step * DAY, ticks)]
        for months in _MONTH_STEPS:
            ticks = _months(first, last, months)
            if len(ticks) <= fits:
                break
        return [(months * 30 * DAY, ticks)]

    def tickStrings(self, values, scale, spacing):
        if spacing < 28 * DAY:
            return [f"{d:%b} {d.day}" for d in map(day_of, values)]
        labels = []
        for number, day in enumerate(map(day_of, values)):
            # The year on the first label and where it changes, so "Jan" is never ambiguous.
            labels.append(f"{day:%b %Y}" if number == 0 or day.month == 1 or spacing > 370 * DAY
                          else f"{day:%b}")
        return labels


def _days(first: dt.date, last: dt.date, step: int) -> list[float]:
    """Every ``step``-th day from ``first``; weekly steps fall on Mondays."""
    if step >= 7:
        first += dt.timedelta(days=-first.weekday() % 7)
    count = (last - first).days // step + 1 if last >= first else 0
    return [timestamp(first + dt.timedelta(days=i * step)) for i in range(count)]


def _months(first: dt.date, last: dt.date, months: int) -> list[float]:
    """The first days of months in ``first``..``last``, every ``months``-th month (counted
    from January, so quarters fall on Jan, Apr, Jul and Oct)."""
    number = first.year * 12 + first.month - 1 + (0 if first.day == 1 else 1)
    number += -number % months
    ticks = []
    while (day := dt.date(number // 12, number % 12 + 1, 1)) <= last:
        ticks.append(timestamp(day))
        number += months
    return ticks

"""The month-end forecast with its P10–P90 range: one function for every surface (the
Overview's card, ``worthit report overview``, the deck and the budget alerts), so a month
has one forecast wherever it is shown.

The model: the month to date is known; each day left in the month is expected to cost the
average of its weekday over the last four weeks of data (the plain daily average while
fewer than two weeks are held, too few to tell weekdays apart). The range assumes the days
left vary around those averages independently and normally, with the spread of the history
about its own averages (the residual variance, corrected for the averages it fitted), plus
the uncertainty of the averages themselves: the variance of the sum of ``k`` days left is
``s² (k + Σ_w c_w² / n_w)``, where ``c_w`` days left fall on weekday ``w`` and ``n_w``
history days did. A trend or a step inside the four weeks is not modelled: a one-off spike
widens the range instead of moving the forecast much."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Final

from worthit.core.money import money
from worthit.core.periods import month_end

#: Days of history the forecast learns from: four whole weeks, each weekday four times.
HISTORY_DAYS: Final = 28
#: Below this many days of history the weekdays are not told apart (each needs two days
#: for its spread to be measured).
WEEKDAY_MIN_DAYS: Final = 14
#: The standard normal's 90th percentile: P10 and P90 sit this many deviations either side.
Z90: Final = NormalDist().inv_cdf(0.9)


@dataclass(frozen=True, slots=True)
class Forecast:
    """What a month is heading for, as of ``through`` (the last day counted as spent).

    ``low`` and ``high`` are the P10 and P90 of the month's total; both are None when the
    month is complete (the total is known) or too few days are held to measure a spread."""

    through: dt.date
    actual: float  # spend from the 1st through ``through``
    point: float  # the expected month-end total
    low: float | None
    high: float | None
    history_days: int  # days of history the averages come from
    by_weekday: bool  # weekday averages (True) or one daily average (False)

    @property
    def month(self) -> str:
        return self.through.strftime("%Y-%m")

    @property
    def month_name(self) -> str:
        return self.through.strftime("%B %Y")

    @property
    def days_left(self) -> int:
        return (month_end(self.through) - self.through).days

    @property
    def complete(self) -> bool:
        return self.days_left == 0

    @property
    def method(self) -> str:
        """How the figure and its range were made, in a sentence or two."""
        if self.complete:
            return "The month is complete: the forecast is what was spent."
        n = self.history_days
        if n == 0:
            return "No day of history: the forecast is the month to date, with no range."
        average = (f"the average spend of its weekday over the last {n} days with data"
                   if self.by_weekday else
                   f"the average daily spend of the last {n} days with data (too few to "
                   "tell weekdays apart)")
        spread = (" P10–P90 assumes the days left vary independently and normally around "
                  "those averages, as much as the history did." if self.low is not None
                  else " Too few days to measure a range.")
        return f"Month to date plus, for each day left, {average}.{spread}"

    @property
    def short_method(self) -> str:
        """:attr:`method` in a clause, for a footnote: ``each day left at ...``."""
        if self.complete:
            return "the month is complete"
        n = self.history_days
        if n == 0:
            return "no day of history, so no more than the month to date"
        average = (f"its weekday's average over the last {n} days" if self.by_weekday else
                   f"the daily average of the last {n} days")
        spread = ("P10–P90 from how much those days varied" if self.low is not None
                  else "too few days for a range")
        return f"each day left at {average}; {spread}"

    def range_text(self, currency: str = "USD") -> str:
        """``P10–P90 $1,200–$1,450``, or '' when there is no range."""
        if self.low is None or self.high is None:
            return ""
        return f"P10–P90 {money(self.low, currency)}–{money(self.high, currency)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "through": self.through.isoformat(),
            "month_to_date": round(self.actual, 2),
            "month_end": round(self.point, 2),
            "p10": None if self.low is None else round(self.low, 2),
            "p90": None if self.high is None else round(self.high, 2),
            "days_left": self.days_left,
            "history_days": self.history_days,
            "method": self.method,
        }


def history_start(first_day: dt.date, through: dt.date) -> dt.date:
    """The first day of the history a forecast as of ``through`` learns from: the last
    :data:`HISTORY_DAYS` days, none before the first day with data (unknown, not free)."""
    return max(first_day, through - dt.timedelta(days=HISTORY_DAYS - 1))


def month_end_forecast(spent: float, history: Sequence[float], through: dt.date) -> Forecast:
    """The forecast of ``through``'s month: ``spent`` so far in the month, and ``history``
    the spend of each day up to and including ``through`` (oldest first; only days the
    data holds: a day before the first with data is unknown, not free). The last
    :data:`HISTORY_DAYS` are used."""
    days = [float(v) for v in history[-HISTORY_DAYS:]]
    n = len(days)
    left = [through + dt.timedelta(days=d)
            for d in range(1, (month_end(through) - through).days + 1)]
    by_weekday = n >= WEEKDAY_MIN_DAYS
    if not left or n == 0:
        return Forecast(through, spent, spent, None, None, n, by_weekday)
    first = through - dt.timedelta(days=n - 1)

    def group(day: dt.date) -> int:
        return day.weekday() if by_weekday else 0

    members: dict[int, list[float]] = {}
    for offset, value in enumerate(days):
        members.setdefault(group(first + dt.timedelta(days=offset)), []).append(value)
    means = {g: math.fsum(values) / len(values) for g, values in members.items()}
    point = spent + math.fsum(means[group(day)] for day in left)

    freedom = n - len(means)
    if freedom < 1:
        return Forecast(through, spent, point, None, None, n, by_weekday)
    residuals = math.fsum((v - means[g]) ** 2 for g, values in members.items() for v in values)
    variance = residuals / freedom
    counts: dict[int, int] = {}
    for day in left:
        counts[group(day)] = counts.get(group(day), 0) + 1
    spread = math.sqrt(variance * (len(left) + math.fsum(
        c * c / len(members[g]) for g, c in counts.items())))
    low, high = point - Z90 * spread, point + Z90 * spread
    if min(days) >= 0:  # no credit in the history: the days left do not lower the total
        low = max(low, spent)
    return Forecast(through, spent, point, low, high, n, by_weekday)

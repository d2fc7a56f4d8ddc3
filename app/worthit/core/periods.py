"""Reporting periods: inclusive day ranges, the presets the window offers, and the period
that came before (for change figures)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Final

from worthit.core.errors import UserError


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive range of UTC days."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UserError(f"The period ends ({self.end}) before it starts ({self.start}).")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """What this period compares with.

        A whole calendar month compares with the whole month before it; a month to date
        (the 1st to a day of the same month) with the same days of the month before (Dec 1-4
        with Nov 1-4, not with the four days before: weekdays and month-start spend line
        up), cut at that month's end; anything else with the period of equal length that
        ends the day before this one starts."""
        prev_end = self.start - dt.timedelta(days=1)
        if self.is_whole_month():
            return Period(prev_end.replace(day=1), prev_end)
        if self.is_month_to_date():
            first = prev_end.replace(day=1)
            return Period(first, first.replace(day=min(self.end.day, prev_end.day)))
        return Period(prev_end - dt.timedelta(days=self.days - 1), prev_end)

    def is_month_to_date(self) -> bool:
        """From the 1st to a day of the same month (a whole month included)."""
        return self.start.day == 1 and (self.end.year, self.end.month) == (
            self.start.year, self.start.month)

    def is_whole_month(self) -> bool:
        last = days_in_month(self.start.year, self.start.month)
        return self.start.day == 1 and self.end == self.start.replace(day=last)

    def label(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


#: How a series over a period can be grouped: by day, by week (Monday first), by month.
GRANULARITIES: Final = ("day", "week", "month")


class Preset(Enum):
    """The period choices every page follows."""

    THIS_MONTH = "This month"
    LAST_30 = "Last 30 days"
    LAST_90 = "Last 90 days"
    LAST_12_MONTHS = "Last 12 months"
    CUSTOM = "Custom range"


def preset_period(preset: Preset, today: dt.date) -> Period:
    """The period a preset means, given the last day with data (``today``)."""
    if preset is Preset.THIS_MONTH:
        return Period(today.replace(day=1), today)
    if preset is Preset.LAST_30:
        return Period(today - dt.timedelta(days=29), today)
    if preset is Preset.LAST_90:
        return Period(today - dt.timedelta(days=89), today)
    if preset is Preset.LAST_12_MONTHS:
        first = add_months(today.replace(day=1), -11)
        return Period(first, today)
    raise ValueError("A custom period has no preset range; build a Period instead.")


def days_in_month(year: int, month: int) -> int:
    """How many days ``month`` (1-12) of ``year`` has (``calendar.monthrange``'s, without
    importing calendar and locale before the window's first paint)."""
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - first).days


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the end of shorter months."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = days_in_month(year, month + 1)
    return dt.date(year, month + 1, min(day.day, last))


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=days_in_month(day.year, day.month))


def parse_date(text: str, *, what: str = "date") -> dt.date:
    """An ISO date (YYYY-MM-DD) or a clear :class:`UserError`. Python's own parser also
    takes ``20240115`` and week dates; a user who typed those meant something else."""
    value = text.strip()
    try:
        if len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"The {what} {text!r} is not a date of the form YYYY-MM-DD.") from None


def asked_period(held: tuple[dt.date, dt.date] | None, start: dt.date | None,
                 end: dt.date | None) -> Period:
    """The period a reader asked for, given the days a workspace ``held`` (None: none):
    by default the 30 days ending on the last day with data, or ending on ``end``."""
    if start and end:
        return Period(start, end)
    if end is None:  # the last day with data, or the start when that is later
        end = max(held[1] if held else dt.date.today(), start or dt.date.min)
    return Period(start or preset_period(Preset.LAST_30, end).start, end)


def check_covered(held: tuple[dt.date, dt.date] | None, period: Period, *,
                  workspace: str = "this workspace", hint: str = "") -> None:
    """Refuse a period without a day of data: its figures would all be $0.00 and its
    comparison −100 %, which reads as news rather than as nothing to show."""
    if held is None:
        raise UserError(f"{workspace} holds no charges yet: import a bill or add a source "
                        "first")
    first, last = held
    if period.end < first or period.start > last:
        raise UserError(f"no data from {period.start} to {period.end}: this workspace holds "
                        f"charges from {first} to {last}{hint}")

"""Days as the cache stores them: whole days since 1970-01-01 (an integer of two or three
bytes on disk, where the ISO text took ten), converted at the store's edge."""

from __future__ import annotations

import datetime as dt
from typing import Final

_EPOCH: Final = dt.date(1970, 1, 1).toordinal()


def day_number(day: dt.date) -> int:
    """The stored number of ``day``."""
    return day.toordinal() - _EPOCH


def day_number_of(day: str) -> int:
    """The stored number of an ISO day (``YYYY-MM-DD``); ValueError for anything else."""
    return dt.date.fromisoformat(day).toordinal() - _EPOCH


def date_of(number: int) -> dt.date:
    """The day a stored number stands for."""
    return dt.date.fromordinal(int(number) + _EPOCH)


def iso_of(number: int) -> str:
    """The ISO text of a stored day number."""
    return date_of(number).isoformat()


def iso_sql(column: str = "day") -> str:
    """SQL for the ISO text of the stored day number in ``column`` (a name of ours)."""
    return f"date({column} * 86400, 'unixepoch')"

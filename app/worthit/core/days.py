"""Days as Worthit counts them: whole days since 1970-01-01 (the cache stores a charge's day
so, in two or three bytes where the ISO text took ten, and rates are looked up by them)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import numpy as np

_EPOCH: Final = dt.date(1970, 1, 1).toordinal()


def day_number(day: dt.date) -> int:
    """The number of ``day``."""
    return day.toordinal() - _EPOCH


def day_number_of(day: str) -> int:
    """The number of an ISO day (``YYYY-MM-DD``); ValueError for anything else."""
    return dt.date.fromisoformat(day).toordinal() - _EPOCH


def date_of(number: int) -> dt.date:
    """The day a number stands for."""
    return dt.date.fromordinal(int(number) + _EPOCH)


def dates_of(numbers: Any) -> np.ndarray:
    """The days an array of day numbers stands for, as an object array of dates (each
    distinct day made once)."""
    import numpy as np

    distinct, at = np.unique(np.asarray(numbers, dtype=np.int64), return_inverse=True)
    made = np.array([date_of(int(n)) for n in distinct] + [None], dtype=object)[:-1]
    return made[at.reshape(-1)]


def iso_of(number: int) -> str:
    """The ISO text of a day number."""
    return date_of(number).isoformat()

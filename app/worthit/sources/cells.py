"""What a billing file's cells may hold, read strictly: an amount in ASCII decimal notation,
finite and no larger than any bill's, and a day as the UTC day of an ISO 8601 date or date
and time.

Python's own parsers are laxer than a bill: ``float`` takes ``1_000``, ``inf`` and digits
of any script (``١٢``, ``１２``), and ``date.fromisoformat`` of the first ten characters
reads ``2024-09-18garbage`` and drops the offset of ``2024-09-18T22:00:00-05:00`` (the
19th in UTC). The fast path (:mod:`worthit.sources.aggregate`) checks the same in SQL:
:data:`STAMP` and :data:`UTC_STAMP` are written for both Python's ``re`` and DuckDB's RE2."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import Final

from worthit.core.errors import BadInput

#: The most one line's cost may be, either side of zero: a trillion is no bill's line, and
#: it keeps the sums of any number of lines finite (two lines of 1e308 add up to infinity).
LARGEST_COST: Final = 1e12
#: The most one line's quantity may be: quantities come in small units (GCP counts storage
#: in byte-seconds, 1e18 for a petabyte-hour), so only the absurd is refused.
LARGEST_QUANTITY: Final = 1e30
#: The first day a bill may charge: an earlier one is a mistake (0001-01-01 is a null
#: written as a date), and would stretch every report back to it.
FIRST_DAY: Final = dt.date(2000, 1, 1)
#: How far past today a bill may charge: a fee may be dated ahead, never by years.
AHEAD: Final = dt.timedelta(days=366)

_DAY = r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
_TIME = (r"[Tt ](?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9])"
         r"(?::[0-5][0-9](?:\.[0-9]+)?)?")
#: A stamp: a date, or a date and time with an optional zone (``Z``, `` UTC`` as BigQuery
#: writes it, or an offset ``±HH``, ``±HHMM``, ``±HH:MM``); no zone means UTC.
STAMP: Final = (f"{_DAY}(?:{_TIME}(?:[Zz]| UTC|(?P<sign>[+-])(?P<zone_hour>[01][0-9]|2[0-3])"
                r"(?::?(?P<zone_minute>[0-5][0-9]))?)?)?")
#: A stamp whose UTC day is its first ten characters: no offset, or a zero one.
UTC_STAMP: Final = f"{_DAY}(?:{_TIME}(?:[Zz]| UTC|[+-]00(?::?00)?)?)?"
_STAMP: Final = re.compile(STAMP)


def amount(text: str, what: str, *, limit: float, file: str, line: int | None,
           column: str) -> float:
    """``text`` (trimmed, not a null) as a number written in ASCII decimal notation
    (``-12.5``, ``1e-05``), finite and at most ``limit`` either side of zero; else refused
    with its place, ``what`` naming what it should be (``number``, ``cost``)."""
    try:
        value = float(text)
    except ValueError:
        raise BadInput(f"{text!r} is not a {what}", file=file, line=line,
                       column=column) from None
    plain = text.isascii() and "_" not in text
    if plain and -limit <= value <= limit:  # False for NaN
        return value
    if not plain:
        problem = (f"is not a {what}: write it with the digits 0 to 9, a point for decimals "
                   "and no grouping marks")
    elif not math.isfinite(value):
        problem = f"is not a {what}: it is not finite"
    else:
        problem = (f"is too large for one line (more than {limit:.0e} either side of "
                   "zero)").replace("e+", "e")
    raise BadInput(f"{text!r} {problem}", file=file, line=line, column=column)


@functools.lru_cache(maxsize=4_096)
def utc_day(stamp: str) -> dt.date | None:
    """The UTC day of a :data:`STAMP` (trimmed), or None when it is not one or names no
    real day. Cached: a bill repeats the same few hundred stamps over millions of lines."""
    match = _STAMP.fullmatch(stamp)
    if match is None:
        return None
    try:
        day = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    if match["sign"] is None:
        return day
    offset = int(match["zone_hour"]) * 60 + int(match["zone_minute"] or 0)
    minutes = int(match["hour"]) * 60 + int(match["minute"])
    minutes += -offset if match["sign"] == "+" else offset
    try:
        return day + dt.timedelta(days=minutes // 1440)  # -1, 0 or 1
    except OverflowError:  # past 9999-12-31 or before 0001-01-01: out of range either way
        return day


def last_day() -> dt.date:
    """The last day a bill read now may charge."""
    return dt.datetime.now(dt.UTC).date() + AHEAD


def check_day(day: dt.date | None, stamp: str, what: str, *, last: dt.date, file: str,
              line: int | None, column: str) -> dt.date:
    """``day``, read from ``stamp``, if it is one (``what`` says what the cell should be,
    ``a date and time``) from :data:`FIRST_DAY` to ``last``; else refused with its place."""
    if day is None:
        raise BadInput(f"{stamp!r} is not {what}", file=file, line=line, column=column)
    if not FIRST_DAY <= day <= last:
        raise BadInput(f"{stamp!r} is out of range: a bill's days run from {FIRST_DAY} to "
                       f"{last} (a year from today)", file=file, line=line, column=column)
    return day

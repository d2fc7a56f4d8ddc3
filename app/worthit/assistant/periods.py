"""The period a tool reports on, from the dates a model sent (``start`` and ``end``: the
protocol's arguments are Python names, and ``from`` is a keyword): the same defaults and the
same refusals as the command line (``worthit.cli.common.period`` and ``covered``), over a
read-only cache, each saying what to change."""

from __future__ import annotations

import datetime as dt

from worthit.core import periods
from worthit.core.errors import UserError
from worthit.core.periods import Period, parse_date
from worthit.store.cache import Cache


def data_range(cache: Cache) -> tuple[dt.date, dt.date]:
    """The first and last day with charges; a workspace without any is refused."""
    data = cache.data_range()
    if data is None:
        raise UserError("this workspace holds no charges yet: import a bill or add a source "
                        "in Worthit first")
    return data


def asked_period(cache: Cache, start: str | None, end: str | None) -> Period:
    """``start``..``end`` (YYYY-MM-DD, both optional), as the command line takes them
    (:func:`worthit.core.periods.asked_period`); refused, saying what to change: a bad
    date, an end before the start, and a period without a day of data."""
    held = data_range(cache)
    begin = parse_date(start, what="`start` date") if start else None
    until = parse_date(end, what="`end` date") if end else None
    if begin and until and until < begin:
        raise UserError(f"`end` ({until}) is before `start` ({begin}): give an `end` on or "
                        "after `start`")
    asked = periods.asked_period(held, begin, until)
    periods.check_covered(held, asked, hint="; ask for days in that range")
    return asked

"""Which bills a billing file holds: a bill is what it bills (provider, billing account)
and its billing period, not the file it came in. A restatement of a bill, under whatever
file name, replaces the whole billing period of the old one
(:mod:`worthit.sync.importer`).

Each format says where its lines name their bill; every reader, and the DuckDB fast path,
hands :func:`Bills.add` the same trimmed cells and the month of the line's day, so both
paths find the same bills. Where a file has no billing period (or an unreadable one), a
line's bill is the calendar month of its day. A line that names no billing account (nor,
for Azure, a subscription) names no bill: nothing says two such files bill the same
account, so only its own source's charges for its days are replaced, as before bills."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from worthit.sources.cells import utc_day

_NULLS = ("", "NULL", "null")


class Bill(NamedTuple):
    """One bill: the charges a provider bills a billing account for the days from
    ``start`` to before ``end``. ``provider`` and ``account`` are as the charges hold them
    (``provider_name``, ``billing_account_id``); ``subscription`` only where the format
    has no billing account (an Azure export per subscription): then the bill is that
    ``sub_account_id``'s."""

    provider: str | None
    account: str | None
    subscription: str | None
    start: dt.date
    end: dt.date

    def label(self) -> str:
        """``AWS 123456789012, 2025-03`` (a period of one calendar month by its month)."""
        who = " ".join(p for p in (self.provider, self.account or self.subscription) if p)
        month = self.start.strftime("%Y-%m")
        whole_month = self.start.day == 1 and self.end == _next_month(self.start)
        return f"{who or 'no billing account'}, " + (
            month if whole_month else f"{self.start} to {self.end - dt.timedelta(days=1)}")


#: From the bill cells (trimmed, as the file writes them) and the month of a line's day
#: (``YYYY-MM``): that line's bill, None when it names no account.
BillOf = Callable[[tuple[str, ...], str], Bill | None]


@dataclass
class Bills:
    """The bills of one file, found as its lines (or DuckDB's groups of them) are read."""

    of: BillOf
    found: set[Bill] = field(default_factory=set)
    _seen: set[tuple[tuple[str, ...], str]] = field(default_factory=set)

    def add(self, cells: tuple[str, ...], month: str) -> None:
        if (cells, month) not in self._seen:
            self._seen.add((cells, month))
            bill = self.of(cells, month)
            if bill is not None:
                self.found.add(bill)


def cell(text: str | None) -> str | None:
    """A bill cell, None when empty or a null."""
    text = None if text is None else text.strip()
    return None if text is None or text in _NULLS else text


def _day(text: str | None) -> dt.date | None:
    text = cell(text)
    if text is None:
        return None
    day = utc_day(text)
    if day is None and "/" in text:  # Azure's MM/DD/YYYY
        parts = text.split(" ")[0].split("/")
        try:
            day = dt.date(int(parts[2]), int(parts[0]), int(parts[1]))
        except (ValueError, IndexError):
            return None
    return day


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_period(month: str) -> tuple[dt.date, dt.date]:
    """The calendar month ``YYYY-MM``: the bill of a line whose file names no period."""
    start = dt.date(int(month[:4]), int(month[5:7]), 1)
    return start, _next_month(start)


def period(start: str | None, end: str | None, month: str, *,
           inclusive: bool = False) -> tuple[dt.date, dt.date]:
    """A billing period from its first and last cells (``end`` the day after it, or with
    ``inclusive`` its last day, as Azure writes it); the calendar month of the line's day
    when either cell is missing or unreadable."""
    first, last = _day(start), _day(end)
    if first is None or last is None:
        return month_period(month)
    if inclusive:
        last += dt.timedelta(days=1)
    return (first, last) if first < last else month_period(month)


def invoice_month(text: str | None, month: str) -> tuple[dt.date, dt.date]:
    """GCP's ``invoice.month`` (``YYYYMM``) as a period, else the line's calendar month."""
    text = cell(text) or ""
    if len(text) == 6 and text.isdigit() and 1 <= int(text[4:]) <= 12:
        return month_period(f"{text[:4]}-{text[4:]}")
    return month_period(month)


def of_cells(provider: int | str | None, account: int | None, start: int | None,
             end: int | None, *, subscription: int | None = None,
             inclusive: bool = False) -> tuple[tuple[int, ...], BillOf]:
    """A table format's bill cells (by column; None where the file has no such column)
    and the :data:`BillOf` reading them. ``provider`` is a column, or the name every
    line of the format has; ``subscription`` names the bill where ``account`` is empty."""
    cells_at = tuple(dict.fromkeys(i for i in (
        provider if isinstance(provider, int) else None, account, subscription, start, end)
        if i is not None))
    place = {i: n for n, i in enumerate(cells_at)}

    def get(cells: Sequence[str], i: int | None) -> str | None:
        return None if i is None else cell(cells[place[i]])

    def of(cells: tuple[str, ...], month: str) -> Bill | None:
        who = provider if isinstance(provider, str) else get(cells, provider)
        billed = get(cells, account)
        sub = get(cells, subscription) if billed is None else None
        if billed is None and sub is None:
            return None
        return Bill(who, billed, sub, *period(get(cells, start), get(cells, end), month,
                                              inclusive=inclusive))

    return cells_at, of

"""Conversion by dated exchange rates (read from the user's files by
:mod:`worthit.core.rate_files`). Pure: no SQL, no Qt.

A :class:`RateTable` converts with the rate of the day or the latest before it: the pair's
own rate, else the inverse of the reverse pair's, else a cross rate through one pivot
currency (USD to NOK from ECB data is EUR→NOK over EUR→USD). An amount it cannot convert is
never summed: :class:`Converted` names each missing pair and its days.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import numpy.typing as npt

from worthit.core.errors import UserError
from worthit.core.money import is_currency

if TYPE_CHECKING:
    pass


from worthit.core.days import date_of, day_number
from worthit.core.days import iso_of as iso_day
from worthit.core.rate_files import Rate

# -- conversion -------------------------------------------------------------------------------

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_NO_DAY: Final = np.iinfo(np.int64).min
_NONE, _SAME, _DIRECT, _INVERSE, _CROSS = range(5)
How = Literal["same", "direct", "inverse", "cross"]
_HOW: Final[dict[int, How]] = {_SAME: "same", _DIRECT: "direct", _INVERSE: "inverse",
                               _CROSS: "cross"}
#: Currency-day cells up to which :meth:`RateTable.convert` resolves every day of the
#: span (cheaper than finding the cells used); beyond, only the cells used.
_DENSE_CELLS: Final = 1 << 22


@dataclass(frozen=True, slots=True)
class Quote:
    """The rate that converted ``from_currency`` to ``to_currency`` on a day, and whence.

    ``how``: ``direct`` (the pair's own rate), ``inverse`` (1 over the reverse pair's),
    ``cross`` (through ``via``) or ``same`` (rate 1, no day). ``day`` is the day of the rate
    (of the older rate for a cross rate): the charge's day or the latest before it."""

    from_currency: str
    to_currency: str
    rate: float
    how: How
    day: int | None
    sources: tuple[str, ...]
    via: str | None = None

    @property
    def date(self) -> dt.date | None:
        return None if self.day is None else date_of(self.day)

    def __str__(self) -> str:
        """``the rate of 2026-01-02 (ECB)``, as a page says what it converted at."""
        if self.day is None:
            return f"no conversion (already {self.to_currency})"
        through = f", through {self.via}" if self.via else ""
        return f"the rate of {iso_day(self.day)} ({', '.join(self.sources)}{through})"


@dataclass(frozen=True, slots=True)
class MissingRate:
    """Amounts in ``from_currency`` (None: amounts naming no currency) that no rate to
    ``to_currency`` converts, on ``days`` days from ``first_day`` to ``last_day``."""

    from_currency: str | None
    to_currency: str
    first_day: int
    last_day: int
    days: int

    def __str__(self) -> str:
        span = iso_day(self.first_day) + (
            f" … {iso_day(self.last_day)}" if self.last_day != self.first_day else "")
        if self.from_currency is None:
            return f"amounts in no currency on {span}"
        return f"no {self.from_currency}→{self.to_currency} rate on or before {span}"


class MissingRates(UserError):
    """Figures in currencies without a rate were to be summed: never done, say which."""

    def __init__(self, missing: Sequence[MissingRate]) -> None:
        self.missing = tuple(missing)
        super().__init__("Cannot convert every amount: " + "; ".join(map(str, missing))
                         + ". Import rates with `worthit rates import FILE`.")


@dataclass(slots=True)
class _Resolved:
    """Per asked day: the rate as num/den (a cross rate of an inverse leg divides, as the
    ECB's own formula does), the rate's day, how it was found and the rows it came from."""

    num: FloatArray
    den: FloatArray
    day: IntArray
    how: npt.NDArray[np.int8]
    via: IntArray  # index into the table's currencies, -1 unless crossed
    source: IntArray  # index into the table's sources, of each leg
    source2: IntArray

    @classmethod
    def none(cls, n: int) -> _Resolved:
        return cls(np.full(n, np.nan), np.ones(n), np.full(n, _NO_DAY, np.int64),
                   np.zeros(n, np.int8), np.full(n, -1, np.int64), np.full(n, -1, np.int64),
                   np.full(n, -1, np.int64))

    def put(self, where: npt.NDArray[np.intp], other: _Resolved) -> None:
        """``other``'s values at the positions ``where``."""
        for name in ("num", "den", "day", "how", "via", "source", "source2"):
            getattr(self, name)[where] = getattr(other, name)


@dataclass(frozen=True, slots=True)
class _Series:
    days: IntArray
    rates: FloatArray
    sources: IntArray


class RateTable:
    """Rates by pair and day, for looking up and converting (see the module's docstring).

    Built from rows ``(day number, from, to, rate, source)``; a pair has one rate a day."""

    def __init__(self, rows: Iterable[tuple[int, str, str, float, str]]) -> None:
        given = list(rows)
        columns = [list(map(operator.itemgetter(i), given)) for i in range(5)]
        pairs: dict[tuple[str, str], int] = {}
        sources: dict[str, int] = {}
        pair = np.array([pairs.setdefault(p, len(pairs)) for p in zip(*columns[1:3],
                                                                       strict=True)], np.int64)
        day = np.array(columns[0], np.int64)
        rate = np.array(columns[3], np.float64)
        source = np.array([sources.setdefault(s, len(sources)) for s in columns[4]], np.int64)
        bad = ~(np.isfinite(rate) & (rate > 0)) | np.array([a == b for a, b in pairs], bool)[pair]
        order = np.lexsort((day, pair))
        pair, day, rate, source = pair[order], day[order], rate[order], source[order]
        twice = (pair[1:] == pair[:-1]) & (day[1:] == day[:-1])
        named = list(pairs)
        for problem, at in (("not a rate", np.flatnonzero(bad[order])),
                            ("a second rate", np.flatnonzero(twice) + 1)):
            if at.size:
                start, end = named[pair[at[0]]]
                raise ValueError(f"{problem}: {start}→{end} {rate[at[0]]} on day {day[at[0]]}")
        self._sources = tuple(sources)
        self._series: dict[tuple[str, str], _Series] = {}
        self._links: dict[str, set[str]] = {}
        bounds = [0, *(np.flatnonzero(pair[1:] != pair[:-1]) + 1).tolist(), len(pair)]
        for first, last in itertools.pairwise(bounds):
            if first == last:
                continue
            start, end = named[pair[first]]
            self._series[start, end] = _Series(day[first:last], rate[first:last],
                                               source[first:last])
            self._links.setdefault(start, set()).add(end)
            self._links.setdefault(end, set()).add(start)
        self._names = tuple(sorted(self._links))

    @classmethod
    def from_rates(cls, rates: Iterable[Rate]) -> RateTable:
        return cls((day_number(r.day), r.from_currency, r.to_currency, r.rate, r.source)
                   for r in rates)

    def __len__(self) -> int:
        return sum(len(s.days) for s in self._series.values())

    @property
    def currencies(self) -> tuple[str, ...]:
        """Every currency some rate names, sorted."""
        return self._names

    def rate(self, from_currency: str, to_currency: str, day: int | dt.date) -> float | None:
        """One ``from_currency`` in ``to_currency`` on ``day`` (see :meth:`quote`)."""
        quote = self.quote(from_currency, to_currency, day)
        return None if quote is None else quote.rate

    def quote(self, from_currency: str, to_currency: str, day: int | dt.date) -> Quote | None:
        """The rate of ``day`` (a day number or a date) or the latest before it, and how it
        was found; None when there is none."""
        number = day_number(day) if isinstance(day, dt.date) else int(day)
        return self.quotes(from_currency, to_currency, np.array([number], np.int64))[0]

    def quotes(self, start: str, end: str, days: IntArray) -> list[Quote | None]:
        """:meth:`quote` for each of ``days`` (day numbers), resolved together."""
        found = self._resolve(start, end, days)
        rates = found.num / found.den
        quotes: list[Quote | None] = []
        for i in range(len(days)):
            how = int(found.how[i])
            if how == _NONE:
                quotes.append(None)
                continue
            legs = [int(s) for s in (found.source[i], found.source2[i]) if s >= 0]
            quotes.append(Quote(
                start, end, 1.0 if how == _SAME else float(rates[i]), _HOW[how],
                None if how == _SAME else int(found.day[i]),
                tuple(dict.fromkeys(self._sources[s] for s in legs)),
                self._names[found.via[i]] if how == _CROSS else None))
        return quotes

    def _leg(self, start: str, end: str, days: IntArray) -> _Resolved:
        """The pair's own rate on or before each day, else the reverse pair's inverse."""
        out = _Resolved.none(len(days))
        for series, how in ((self._series.get((start, end)), _DIRECT),
                            (self._series.get((end, start)), _INVERSE)):
            if series is None:
                continue
            todo = np.flatnonzero(out.how == _NONE)
            at = np.searchsorted(series.days, days[todo], side="right") - 1
            ok = at >= 0
            todo, at = todo[ok], at[ok]
            rate = series.rates[at]
            out.num[todo], out.den[todo] = (rate, 1.0) if how == _DIRECT else (1.0, rate)
            out.day[todo], out.how[todo] = series.days[at], how
            out.source[todo] = series.sources[at]
        return out

    def _resolve(self, start: str, end: str, days: IntArray) -> _Resolved:
        """The rate from ``start`` to ``end`` on each of ``days``: direct, else inverse,
        else crossed through the pivot whose older leg is the most recent (the first
        alphabetically on a tie)."""
        if start == end:
            same = _Resolved.none(len(days))
            same.num[:], same.how[:] = 1.0, _SAME
            return same
        out = self._leg(start, end, days)
        todo = np.flatnonzero(out.how == _NONE)
        pivots = sorted((self._links.get(start, set()) & self._links.get(end, set()))
                        - {start, end})
        if not todo.size or not pivots:
            return out
        best = _Resolved.none(len(todo))
        for pivot in pivots:
            first, second = self._leg(start, pivot, days[todo]), self._leg(pivot, end, days[todo])
            day = np.minimum(first.day, second.day)
            better = (first.how != _NONE) & (second.how != _NONE) & (day > best.day)
            best.num[better] = first.num[better] * second.num[better]
            best.den[better] = first.den[better] * second.den[better]
            best.day[better], best.how[better] = day[better], _CROSS
            best.via[better] = self._names.index(pivot)
            best.source[better], best.source2[better] = first.source[better], second.source[better]
        out.put(todo, best)
        return out

    def _factors(self, start: str, end: str, days: IntArray) -> FloatArray:
        found = self._resolve(start, end, days)
        return found.num / found.den

    def convert(self, amounts: npt.ArrayLike, currencies: npt.ArrayLike, days: npt.ArrayLike,
                to: str, *, names: Sequence[str | None] | None = None) -> Converted:
        """Each amount in ``to``: ``amounts[i]`` in ``currencies[i]`` at the rate of
        ``days[i]`` (day numbers) or the latest before it.

        ``currencies`` holds codes (str or object; None or '' for none), or, with
        ``names``, indexes into ``names`` (a charge's key id with each key's currency is
        the fastest way). Work is per (currency, day), never per amount. An amount that
        cannot be converted is NaN and its currency and days are in ``missing``; 0 is 0 in
        any currency, even in none."""
        if not is_currency(to):
            raise UserError(f"{to!r} is not a currency code (such as USD, EUR, NOK)")
        values = np.asarray(amounts, np.float64)
        day = np.asarray(days)
        if day.dtype.kind not in "iu" or values.ndim != 1 or day.shape != values.shape:
            raise ValueError("amounts and integer days must be 1-D arrays of one length")
        if day.dtype.kind == "u":
            day = day.astype(np.int64)
        codes, found = _factorized(currencies, names, len(values))
        if not len(values):
            return Converted(values.copy(), to, (), self, [])
        labels = sorted({f.strip() for f in found if f and f.strip()})
        width = len(labels) + 1  # the last: no currency
        index = {label: i for i, label in enumerate(labels)}
        slot = np.array([index.get(f.strip(), width - 1) if f else width - 1 for f in found],
                        np.int64)
        low, high = int(day.min()), int(day.max())
        span = high - low + 1
        cell = (slot * span - low)[codes]  # (currency, day) cells, numbered
        cell += day
        if width * span <= _DENSE_CELLS:
            cell_code = np.repeat(np.arange(width), span)
            cell_day = np.tile(np.arange(low, high + 1, dtype=np.int64), width)
        else:
            used, cell = np.unique(cell, return_inverse=True)
            cell_code, cell_day = used // span, used % span + low
        factor = np.full(len(cell_code), np.nan)
        for code, label in enumerate(labels):
            at = np.flatnonzero(cell_code == code)
            factor[at] = self._factors(label, to, cell_day[at])
        converted = factor[cell]
        converted *= values
        seen = np.zeros(len(factor), bool)
        seen[cell] = True
        lacking = seen & np.isnan(factor)
        missing: list[MissingRate] = []
        if lacking.any():
            nonzero = values != 0
            converted[~nonzero] = 0.0
            hit = np.zeros(len(factor), bool)
            hit[cell[nonzero]] = True
            for code in np.unique(cell_code[lacking & hit]):
                lacked = cell_day[lacking & hit & (cell_code == code)]
                missing.append(MissingRate(labels[code] if code < len(labels) else None, to,
                                           int(lacked[0]), int(lacked[-1]), len(lacked)))
        missing.sort(key=lambda m: (m.from_currency is None, m.from_currency or ""))
        used_cells = np.flatnonzero(seen & ~lacking & (cell_code < len(labels)))
        groups = [(labels[c], int(d)) for c, d in zip(cell_code[used_cells].tolist(),
                                                      cell_day[used_cells].tolist(), strict=True)]
        return Converted(converted, to, tuple(missing), self, groups)


@dataclass(frozen=True, eq=False)
class Converted:
    """Amounts converted to ``to``: ``values`` (NaN where no rate converts an amount) and
    what was ``missing``, by currency, with the first and last day lacking a rate."""

    values: FloatArray
    to: str
    missing: tuple[MissingRate, ...]
    _table: RateTable = field(repr=False)
    _groups: list[tuple[str, int]] = field(repr=False)

    @property
    def complete(self) -> bool:
        return not self.missing

    def total(self) -> float:
        """The sum of the converted amounts (NaN amounts, no figure, count as nothing);
        :class:`MissingRates` when any amount has no rate: never a partial sum."""
        if self.missing:
            raise MissingRates(self.missing)
        return float(np.nansum(self.values))

    def quote(self, currency: str, day: int | dt.date) -> Quote | None:
        """The rate that converts ``currency`` on ``day`` (a day number or a date)."""
        return self._table.quote(currency, self.to, day)

    def used(self) -> dict[tuple[str, int], Quote]:
        """For each (currency, day number) that had amounts and a rate, the rate used."""
        by_currency: dict[str, list[int]] = {}
        for currency, day in self._groups:
            by_currency.setdefault(currency, []).append(day)
        used: dict[tuple[str, int], Quote] = {}
        for currency, days in by_currency.items():
            quotes = self._table.quotes(currency, self.to, np.array(days, np.int64))
            used.update({(currency, d): q for d, q in zip(days, quotes, strict=True)
                         if q is not None})
        return used


def _factorized(currencies: npt.ArrayLike, names: Sequence[str | None] | None,
                size: int) -> tuple[npt.NDArray[np.integer], list[str | None]]:
    """Each currency as an index into a short list of the values found (None or '' for
    none; index -1 is the list's last)."""
    given = np.asarray(currencies)
    if given.shape != (size,):
        raise ValueError("one currency per amount")
    if names is not None:
        if given.dtype.kind not in "iu" or (size and given.min() < 0):
            raise ValueError("with names, currencies are indexes into them")
        return given, list(names)
    if not size:
        return np.zeros(0, np.intp), []
    if given.dtype.kind == "O":
        import pandas as pd  # hashing: a sort of ten million objects takes seconds

        codes, uniques = pd.factorize(given, use_na_sentinel=True)
        return codes, [*(None if u is None else str(u) for u in uniques), None]
    if given.dtype.kind not in "US":
        raise ValueError(f"currencies must be text, not {given.dtype}")
    return _peeled(given.astype("U") if given.dtype.kind == "S" else given)


def _peeled(text: npt.NDArray[np.str_]) -> tuple[npt.NDArray[np.int32], list[str | None]]:
    """Codes of a text array by one pass per distinct value: bills hold a few currencies,
    and a pass is a vectorised comparison where sorting would take seconds."""
    codes = np.full(len(text), -1, np.int32)
    found: list[str | None] = []
    first = 0
    while (first := _unset(codes, first)) >= 0:
        if len(found) == 64:  # not a handful of currencies after all
            left = codes < 0
            rest, inverse = np.unique(text[left], return_inverse=True)
            codes[left] = inverse + len(found)
            found.extend(str(v) for v in rest)
            break
        np.copyto(codes, len(found), where=text == text[first])
        found.append(str(text[first]))
    return codes, found


def _unset(codes: npt.NDArray[np.int32], start: int) -> int:
    """The first code at or after ``start`` not given yet (-1: none), looking in chunks
    that double: it is usually near."""
    step = 4096
    while start < len(codes):
        hit = np.flatnonzero(codes[start:start + step] < 0)
        if hit.size:
            return start + int(hit[0])
        start, step = start + step, step * 2
    return -1

"""The charge index: every daily charge of the cache as (day, key, cost, billed) arrays in
memory (cost effective, i.e. amortised; billed as invoiced, unamortised),
with each allocation key's columns factorised once, loaded once per revision of the charges
and shared by every analysis (Overview, Allocation, unit costs, leaks, model swap, alerts).
A period's cost per key is then a ``bincount``, not a query.

It is also where money changes currency, once: :func:`charge_index` returns the index in
the display currency (:mod:`worthit.store.display`), each charge converted at the rate of
its day or the latest before it (:mod:`worthit.core.rates`), computed once per currency and
revision of the rates. A charge no rate converts is never summed: every sum over days that
hold one raises :class:`~worthit.core.rates.MissingRates`, naming the pairs and days."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from worthit.core.errors import UserError
from worthit.core.focus import KEY_COLUMNS
from worthit.core.money import is_currency
from worthit.core.rates import MissingRate, MissingRates, RateTable
from worthit.store import rates as stored_rates
from worthit.store.cache import Cache
from worthit.store.charge_file import read_charges
from worthit.store.days import date_of, day_number
from worthit.store.display import chosen_currency, default_currency

NO_RESOURCE: Final = "(no resource id)"
#: How many results an index remembers (:meth:`ChargeIndex.remember`): nine pages over
#: four periods leave about 130 (64 pushed the whole range's out; at 10 M charges the
#: bench's peak stayed 1.03-1.14 GB either way, the index's arrays being most of it).
_MEMO_SIZE: Final = 160
#: A grouping of fewer keys than one in this many finds its keys' charges day by day
#: rather than grouping every charge of the days (:meth:`ChargeIndex._group_days`).
FEW_KEYS: Final = 64
T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Money:
    """How an index's costs came to be in its currency ``to``: each key's billing currency
    (``key_code`` indexes ``names``; None: the key names none), the rates that converted
    them (None: nothing needed converting) and, per day, how many charges no rate converts
    (cumulative, aligned with :attr:`ChargeIndex.day_starts`; None when there are none)."""

    to: str
    names: tuple[str | None, ...]
    key_code: np.ndarray
    rates: RateTable | None = None
    lacking: np.ndarray | None = None
    #: The rate sources that converted some charge (``ECB``, a file's name).
    sources: tuple[str, ...] = ()

    def currencies(self, keys: np.ndarray | None = None) -> tuple[str, ...]:
        """The billing currencies of the keys (a mask or positions; all when None)."""
        codes = self.key_code if keys is None else self.key_code[keys]
        return tuple(sorted({n for n in (self.names[c] for c in np.unique(codes)) if n}))

    def note(self, currencies: tuple[str, ...]) -> str:
        """What a page says of amounts billed in ``currencies``: '' when all are ``to``."""
        others = [c for c in currencies if c != self.to]
        if not others:
            return ""
        whence = f" ({', '.join(self.sources)})" if self.sources else ""
        return (f"Converted from {', '.join(others)} to {self.to} at the rate of each "
                f"charge's day, or the latest before it{whence}.")


@dataclass(frozen=True, eq=False)
class TokenUsage:
    """The charges of model keys (``x_model`` set) with their token counts, in (day, key)
    order: day numbers, key ids, and counts (one column per
    :data:`~worthit.store.reads.USAGE_COUNTS`). Token counts are not money: an index in
    another currency shares them."""

    day: np.ndarray  # int32 day numbers (days since 1970), ascending
    key_id: np.ndarray  # int64
    counts: np.ndarray  # float64, charges × counts

    def rows(self, start: dt.date, end: dt.date) -> slice:
        """The charges of the days ``start``..``end``."""
        return slice(int(np.searchsorted(self.day, day_number(start), "left")),
                     int(np.searchsorted(self.day, day_number(end), "right")))


@dataclass(frozen=True, eq=False)
class ChargeIndex:
    """Every charge as (day, key position, cost), sorted by day, plus the keys' columns
    factorised for matching. Built once per revision of the cache's charges."""

    path: str
    revision: int
    first_day: dt.date | None
    day: np.ndarray  # int32 days since first_day, ascending
    key: np.ndarray  # int32 position in ``keys``
    cost: np.ndarray  # float64 effective (amortised) cost
    billed: np.ndarray  # float64 billed (unamortised) cost, converted as ``cost`` is
    #: float64 list cost as billed, in each key's own currency, NaN where the charge states
    #: none: never converted (a view in another currency keeps it as it is), for sums
    #: per billing currency only (commitment coverage).
    listed: np.ndarray
    usage: TokenUsage = field(repr=False)
    keys: pd.DataFrame  # key_id + KEY_COLUMNS, position = row number
    codes: dict[str, tuple[np.ndarray, list[Any]]] = field(repr=False)
    tag_dicts: list[dict[str, str]] = field(repr=False)  # per unique tags text
    service: np.ndarray = field(repr=False)  # "provider · service" or "provider · model"
    resource: np.ndarray = field(repr=False)  # label per key
    #: Where each day's charges start in ``day`` (one more entry: the end).
    day_starts: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(1, np.int64))
    #: Results computed from this index (an allocation per period and rules, …): they
    #: hold while it does, and go with it when the charges change.
    memo: OrderedDict[Any, Any] = field(repr=False, default_factory=OrderedDict)
    #: The currency of ``cost``: None in the index as loaded when the keys name several
    #: (or none); the display currency in the index :func:`charge_index` returns.
    currency: str | None = None
    #: How ``cost`` was converted (None in the index as loaded: amounts as billed).
    money: Money | None = field(repr=False, default=None)

    def remember(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``'s result for ``key``, computed once per index: every page asking
        for the same figure gets the same object (one truth, computed once)."""
        try:
            found: T = self.memo[key]
        except KeyError:
            found = self.memo[key] = compute()
            while len(self.memo) > _MEMO_SIZE:
                with contextlib.suppress(KeyError):  # another thread forgot it first
                    self.memo.popitem(last=False)
        else:
            # Last in the order when asked for again: what is forgotten is what went
            # unasked for longest (the whole range's sums, asked for by every page, stay;
            # first in, first out dropped them after a few periods of a few pages).
            with contextlib.suppress(KeyError):
                self.memo.move_to_end(key)
        return found

    @property
    def last_day(self) -> dt.date | None:
        if self.first_day is None or not len(self.day):
            return None
        return self.first_day + dt.timedelta(days=int(self.day[-1]))

    def _rows(self, start: dt.date, end: dt.date) -> slice:
        """The charges of the days ``start``..``end``: one slice, looked up in the day
        offsets (a search of the day array cost 16 ms at 10 million charges).
        :class:`MissingRates` when a charge of those days has no rate to the index's
        currency: every sum goes through here, so none adds currencies up."""
        if self.first_day is None:
            return slice(0, 0)
        last = len(self.day_starts) - 2
        low = min(max((start - self.first_day).days, 0), last + 1)
        high = max(low, min(max((end - self.first_day).days + 1, 0), last + 1))
        rows = slice(int(self.day_starts[low]), int(self.day_starts[high]))
        lacking = None if self.money is None else self.money.lacking
        if lacking is not None and lacking[high] != lacking[low]:
            raise self._missing(rows)
        return rows

    def _missing(self, rows: slice) -> MissingRates:
        """Which currencies lack a rate on which days among ``rows``."""
        assert self.money is not None and self.first_day is not None
        lacks = np.isnan(self.cost[rows]) | np.isnan(self.billed[rows])
        at = np.flatnonzero(lacks) + rows.start
        codes = self.money.key_code[self.key[at]]
        days = self.day[at].astype(np.int64) + day_number(self.first_day)
        missing = []
        for code in np.unique(codes):
            lacked = np.unique(days[codes == code])
            missing.append(MissingRate(self.money.names[code], self.money.to, int(lacked[0]),
                                       int(lacked[-1]), len(lacked)))
        missing.sort(key=lambda m: (m.from_currency is None, m.from_currency or ""))
        return MissingRates(missing)

    def check(self, start: dt.date, end: dt.date) -> None:
        """:class:`MissingRates` when the days ``start``..``end`` hold a charge that no
        rate converts (instant when none does)."""
        self._rows(start, end)

    def key_positions(self) -> np.ndarray:
        """Key id -> the key's position in :attr:`keys` (-1: no such key), made once per
        index (read-only)."""
        def compute() -> np.ndarray:
            ids = self.keys["key_id"].to_numpy(np.int64)
            position = np.full(int(ids.max()) + 1 if len(ids) else 1, -1, np.int64)
            position[ids] = np.arange(len(ids))
            return _frozen(position)

        found: np.ndarray = self.remember(("key positions",), compute)
        return found

    def cost_of(self, days: npt.ArrayLike, key_ids: npt.ArrayLike) -> np.ndarray:
        """The cost of the charges of ``key_ids`` on ``days`` (day numbers), in the index's
        currency: each (day, key) is one charge of the cache (0 where there is none), so a
        figure read by SQL is converted here as the index converted it.
        :class:`MissingRates` when one of those days has a charge without a rate."""
        days = np.asarray(days, np.int64)
        out = np.zeros(len(days))
        if not len(days) or self.first_day is None:
            return out
        position = self.key_positions()
        offset = days - day_number(self.first_day)
        self._rows(self.first_day + dt.timedelta(days=int(offset.min())),
                   self.first_day + dt.timedelta(days=int(offset.max())))  # rates there?
        wanted = position[np.asarray(key_ids, np.int64)]
        # Each day's charges are in key order: each key is looked up among its day's only
        # (a day at a time; one search over a quarter's 2.3 M charges took 40 ms).
        order = np.argsort(offset, kind="stable")
        distinct, first = np.unique(offset[order], return_index=True)
        bounds = [*first.tolist(), len(order)]
        starts = self.day_starts
        for n, day in enumerate(distinct.tolist()):
            if not 0 <= day < len(starts) - 1:
                continue  # no charge that day
            which = order[bounds[n]:bounds[n + 1]]
            low, high = int(starts[day]), int(starts[day + 1])
            held = self.key[low:high]
            if not len(held):
                continue
            at = np.minimum(np.searchsorted(held, wanted[which]), len(held) - 1)
            out[which] = np.where(held[at] == wanted[which], self.cost[low + at], 0.0)
        return out

    def rows_of_keys(self, keys: np.ndarray, start: dt.date, end: dt.date) -> np.ndarray:
        """The positions of the charges of the key positions ``keys`` (distinct) in the
        days ``start``..``end``, in the index's order (day, then key). Each day's charges
        are in key order, so the keys are looked up among each day's: a look-up per charge
        of the days took 2 ms a resource over thirty days at 10 M charges."""
        rows = self._rows(start, end)
        wanted = np.sort(np.asarray(keys, np.int64))
        if not len(wanted) or rows.start == rows.stop:
            return np.zeros(0, np.int64)
        found = []
        starts = self.day_starts
        for day in range(int(self.day[rows.start]), int(self.day[rows.stop - 1]) + 1):
            low, high = int(starts[day]), int(starts[day + 1])
            if low == high:
                continue
            held = self.key[low:high]
            at = np.searchsorted(held, wanted)
            at = at[at < high - low]
            found.append(low + at[held[at] == wanted[:len(at)]])
        return np.concatenate(found) if found else np.zeros(0, np.int64)

    def rates_by_day(self, start: dt.date, end: dt.date
                     ) -> tuple[list[tuple[str, int, float]], str | None]:
        """How the index converted the days ``start``..``end``, for a query that converts
        as it did (:func:`worthit.store.reads.charges_of_keys`): (billing currency, day
        number, rate) for each currency other than the index's and each day with a rate,
        and the currency a key naming none is taken to be in (None: in none)."""
        money = self.money
        if money is None:
            return [], None
        blank = money.names[0] if len(money.names) == 1 else None
        if money.rates is None:
            return [], blank
        days = np.arange(day_number(start), day_number(end) + 1, dtype=np.int64)
        found = []
        for name in money.names:
            if name is None or name == money.to:
                continue
            for day, quote in zip(days.tolist(), money.rates.quotes(name, money.to, days),
                                  strict=True):
                if quote is not None:
                    found.append((name, day, quote.rate))
        return found, blank

    def per_key(self, start: dt.date, end: dt.date, *, billed: bool = False) -> np.ndarray:
        """Each key's cost over the days ``start``..``end``: effective (amortised), or
        with ``billed`` as invoiced (unamortised)."""
        rows = self._rows(start, end)  # first: a lacking rate raises, remembered or not

        def compute() -> np.ndarray:
            weights = (self.billed if billed else self.cost)[rows]
            return _frozen(np.bincount(self.key[rows], weights=weights,
                                       minlength=len(self.keys)))

        # Remembered (read-only): the Overview alone asks for the same sums six times, a
        # pass over every charge of the period each (10 M charges: 60 ms).
        found: np.ndarray = self.remember(("per key", rows.start, rows.stop, billed), compute)
        return found

    def per_key_days(self, start: dt.date, end: dt.date) -> tuple[np.ndarray, np.ndarray]:
        """Keys × days: each key's cost on each day, and how many charges made it."""
        return self.per_group_days(start, end, np.arange(len(self.keys)), len(self.keys))

    def per_group_days(self, start: dt.date, end: dt.date, group: np.ndarray,
                       groups: int) -> tuple[np.ndarray, np.ndarray]:
        """Groups × days: each group's cost on each day of ``start``..``end``, and how
        many charges made it, where ``group`` gives each key's group (0 .. ``groups`` - 1;
        negative: in none). Summed from the charges straight into the groups, so its
        memory follows groups × days, not keys × days (22 million cells for three years
        of 16,000 resources)."""
        cost, count = self._group_days(start, end, group, groups, counted=True)
        assert count is not None
        return cost, count

    def named_group_days(self, name: Any, start: dt.date, end: dt.date, group: np.ndarray,
                         groups: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`per_group_days` of a grouping fixed for this index and known by ``name``
        (the Overview's dimensions), sliced from the whole range's, computed once per name:
        each day's cells are that day's charges summed, whatever the range, so the slice
        is the same to the bit (the whole range at 10 M charges: 90 ms; then any period,
        a copy). The first time a name is asked for, its period's own (the Overview's
        first figures wait for it: 30 days, a tenth of the whole range's work); the whole
        range from the second, or at once when the first is the whole range (a later 30
        days then took 100 ms to sum the whole range again). Where a day of the data lacks
        a rate, the period's own (which raises only if one of its days does)."""
        self._rows(start, end)  # a charge without a rate in these days raises
        first, last = self.first_day, self.last_day
        if first is None or last is None or (
                self.money is not None and self.money.lacking is not None):
            return self.per_group_days(start, end, group, groups)
        covers = start <= first and end >= last  # the whole range's own: kept at once
        if not covers and ("named group days", name) not in self.memo and \
                self.memo.get(("named group days asked", name)) is None:
            self.remember(("named group days asked", name), lambda: True)
            return self.per_group_days(start, end, group, groups)
        whole_cost, whole_count = self.remember(("named group days", name), lambda: tuple(
            _frozen(a) for a in self.per_group_days(first, last, group, groups)))
        offset, days = (start - first).days, (end - start).days + 1
        low, high = max(offset, 0), min(offset + days, whole_cost.shape[1])
        cost, count = np.zeros((groups, days)), np.zeros((groups, days), np.int64)
        if low < high:
            cost[:, low - offset:high - offset] = whole_cost[:, low:high]
            count[:, low - offset:high - offset] = whole_count[:, low:high]
        return cost, count

    def group_cost_days(self, start: dt.date, end: dt.date, group: np.ndarray,
                        groups: int) -> np.ndarray:
        """:meth:`per_group_days`' costs alone (half the work: no counts)."""
        return self._group_days(start, end, group, groups, counted=False)[0]

    def _group_days(self, start: dt.date, end: dt.date, group: np.ndarray, groups: int, *,
                    counted: bool) -> tuple[np.ndarray, np.ndarray | None]:
        self._rows(start, end)  # a charge without a rate in these days raises
        days = (end - start).days + 1
        if self.first_day is not None and groups:
            members = np.flatnonzero(np.asarray(group) >= 0)
            if len(members) * FEW_KEYS < len(self.keys):
                return self._few_keys_days(start, days, np.asarray(group, np.int64), members,
                                           groups, counted=counted)
        # Days × groups while summing: each day's sums are one contiguous row. Written as
        # a column of groups × days, every cell of it fell in another cache line (36,000
        # resources over 114 days: 114 ms against 51 ms with the transposes below).
        cost = np.zeros((days, groups))
        count = np.zeros((days, groups), np.int64) if counted else None
        if self.first_day is not None and groups:
            group = np.asarray(group, np.int64)
            some = bool((group < 0).any())
            offset = (start - self.first_day).days
            # Day by day (the charges are in day order): a day's charges are a slice, and
            # its sums a bincount of a few thousand codes. Over the whole range at once,
            # the temporaries of ten million codes cost more than the sums (0.5 s against
            # 0.1 s).
            last = len(self.day_starts) - 2
            for held in range(max(offset, 0), min(offset + days - 1, last) + 1):
                rows = slice(int(self.day_starts[held]), int(self.day_starts[held + 1]))
                code = group[self.key[rows]]
                weights = self.cost[rows]
                if some:
                    kept = code >= 0
                    code, weights = code[kept], weights[kept]
                cost[held - offset] = np.bincount(code, weights=weights, minlength=groups)
                if count is not None:
                    count[held - offset] = np.bincount(code, minlength=groups)
        return (np.ascontiguousarray(cost.T),
                None if count is None else np.ascontiguousarray(count.T))

    def _few_keys_days(self, start: dt.date, days: int, group: np.ndarray,
                       members: np.ndarray, groups: int, *, counted: bool
                       ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`_group_days` for a grouping of few keys: their charges found among each
        day's (:meth:`rows_of_keys`) and summed at once. A (group, day)'s charges are added
        in key order, as the day's bincount adds them, so the sums are the same bits (the
        runaway finding's history of 20 resources over 114 days: 8 ms -> 1 ms)."""
        assert self.first_day is not None
        rows = self.rows_of_keys(members, start, start + dt.timedelta(days=days - 1))
        day = self.day[rows].astype(np.int64) - (start - self.first_day).days
        flat = group[self.key[rows]] * days + day
        cost = np.bincount(flat, weights=self.cost[rows], minlength=groups * days)
        count = np.bincount(flat, minlength=groups * days).reshape(groups, days) \
            if counted else None
        return cost.reshape(groups, days), count

    def present(self, start: dt.date, end: dt.date) -> np.ndarray:
        """Which keys have any charge in the days ``start``..``end``."""
        rows = self._rows(start, end)
        found: np.ndarray = self.remember(("present", rows.start, rows.stop), lambda: _frozen(
            np.bincount(self.key[rows], minlength=len(self.keys)) > 0))
        return found

    def per_key_buckets(self, start: dt.date, end: dt.date, buckets: int,
                        keys: np.ndarray | None = None) -> np.ndarray:
        """Each key's cost in ``buckets`` equal slices of the days (keys × buckets); of
        the key positions ``keys`` only (distinct, ascending), in their order, when given.
        A key's sums are the same either way: its charges added in the same order."""
        rows = self._rows(start, end)
        days = (end - start).days + 1
        offset = (start - self.first_day).days if self.first_day else 0
        code, cost, day = self.key[rows].astype(np.int64), self.cost[rows], self.day[rows]
        count = len(self.keys)
        if keys is not None:
            position = np.full(len(self.keys), -1, np.int64)
            position[keys] = np.arange(len(keys))
            code = position[code]
            held = code >= 0
            code, cost, day, count = code[held], cost[held], day[held], len(keys)
        bucket = ((day - offset).astype(np.int64) * buckets) // days
        sums = np.bincount(code * buckets + bucket, weights=cost, minlength=count * buckets)
        return sums.reshape(count, buckets)

    def has_tags(self) -> np.ndarray:
        codes, _ = self.codes["tags"]
        table = np.array([bool(d) for d in self.tag_dicts] + [False])
        tagged: np.ndarray = table[codes]
        return tagged


def _frozen(array: np.ndarray) -> np.ndarray:
    """``array``, read-only: a remembered result is shared, and must not be changed."""
    array.flags.writeable = False
    return array


def currencies_of(index: ChargeIndex, keys: np.ndarray) -> tuple[tuple[str, ...], str, str]:
    """The billing currencies of ``keys`` (a mask), the index's currency (USD for an index
    as loaded, whose keys name none), and the note on how they were converted."""
    if index.money is None:  # an index as loaded (tests, benchmarks): amounts as billed
        found = tuple(sorted(set(index.keys["billing_currency"][keys].dropna())))
        return found, index.currency or "USD", ""
    found = index.money.currencies(keys)
    return found, index.money.to, index.money.note(found)


_INDEXES: dict[str, ChargeIndex] = {}
_INDEX_LOCK = threading.Lock()


def charge_index(cache: Cache, currency: str | None = None) -> ChargeIndex:
    """The cache's index in ``currency`` (default: the display currency), reused while its
    charges and rates are unchanged (any thread)."""
    raw = loaded_index(cache)
    if currency is not None and not is_currency(currency):
        raise UserError(f"{currency!r} is not an ISO 4217 currency code (such as USD, EUR, "
                        "NOK).")
    to = currency or chosen_currency(cache) or raw.remember(
        ("default currency",), lambda: default_currency(_key_currencies(raw)[0]))
    return in_currency(raw, to, cache)


def loaded_index(cache: Cache) -> ChargeIndex:
    """The cache's index as billed (each charge in its own currency), reused while its
    charges are unchanged (any thread)."""
    # The cache's identity too: a cache replaced under the same path (a regenerated demo)
    # starts its revisions again.
    path, revision = f"{Path(cache.path).resolve()}#{cache.identity}", cache.revision
    with _INDEX_LOCK:
        found = _INDEXES.get(path)
    if found is not None and found.revision == revision:
        return found
    index = build_index(cache, path)
    with _INDEX_LOCK:
        _INDEXES.clear()  # one workspace at a time; the memory goes with it
        _INDEXES[path] = index
    return index


def in_currency(raw: ChargeIndex, to: str, cache: Cache) -> ChargeIndex:
    """``raw`` (an index as loaded) in ``to``: the same arrays when every key is billed in
    ``to``, else each charge converted by the cache's rates, computed once per currency and
    revision of the rates and kept on ``raw``."""
    names = _key_currencies(raw)[0]
    if not names or names == (to,):
        return raw.remember(("in currency", to, None), lambda: _view(raw, to, None))
    revision = stored_rates.revision(cache)
    _forget(raw, "in currency", revision)
    return raw.remember(("in currency", to, revision),
                        lambda: _view(raw, to, stored_rates.load(cache)))


def rates_for(index: ChargeIndex, cache: Cache) -> RateTable:
    """The rates ``index`` converted with, or the cache's (loaded once per revision), for
    amounts that are not charges: a unit's target, a budget, a list price in USD."""
    if index.money is not None and index.money.rates is not None:
        return index.money.rates
    revision = stored_rates.revision(cache)
    _forget(index, "rates", revision)
    found: RateTable = index.remember(("rates", revision), lambda: stored_rates.load(cache))
    return found


def _forget(index: ChargeIndex, kind: str, revision: int) -> None:
    """Drop what ``index`` remembers of ``kind`` at other revisions of the rates: it was
    converted at rates since replaced, and a whole ECB history is megabytes."""
    for key in [k for k in list(index.memo) if isinstance(k, tuple) and k[0] == kind
                and k[-1] not in (None, revision)]:
        index.memo.pop(key, None)


def convert_amount(rates: RateTable, amount: float, from_currency: str, to: str,
                   day: dt.date) -> tuple[float, str]:
    """``amount`` in ``from_currency`` as ``to`` at the rate of ``day`` or the latest
    before it, and the rate in words (``the rate of 2026-01-30 (ECB)``); the same amount
    and '' when the currencies are one. :class:`MissingRates` when no rate converts it."""
    if from_currency == to:
        return amount, ""
    quote = rates.quote(from_currency, to, day)
    if quote is None:
        number = day_number(day)
        raise MissingRates([MissingRate(from_currency, to, number, number, 1)])
    return amount * quote.rate, str(quote)


def _key_currencies(raw: ChargeIndex) -> tuple[tuple[str, ...], np.ndarray]:
    """The currencies the keys are billed in, and each key's as an index into them (-1:
    the key names none)."""
    def compute() -> tuple[tuple[str, ...], np.ndarray]:
        # From the column's codes: its distinct values stripped, in the order each first
        # appears (as factorising the stripped column gives them), not every key's text.
        key_code, distinct = raw.codes["billing_currency"]
        names: dict[str, int] = {}
        code_of = np.full(len(distinct) + 1, -1, np.int64)  # the last: missing (-1)
        for at, value in enumerate(distinct):
            text = value.strip() if isinstance(value, str) else ""
            if text:
                code_of[at] = names.setdefault(text, len(names))
        return tuple(names), code_of[key_code]

    found: tuple[tuple[str, ...], np.ndarray] = raw.remember(("key currencies",), compute)
    return found


def _view(raw: ChargeIndex, to: str, rates: RateTable | None) -> ChargeIndex:
    """``raw`` with its costs in ``to`` (converted by ``rates`` unless None)."""
    named, codes = _key_currencies(raw)
    if len(named) <= 1:
        # A key that names no currency is in the workspace's only one (or, with none named,
        # in whatever the pages show): it cannot be told apart from it.
        names: tuple[str | None, ...] = named or (to,)
        codes = np.maximum(codes, 0)
    else:  # beside several currencies, it is in none that can be told: never converted
        names = (*named, None)
        codes = np.where(codes < 0, len(named), codes)
    if rates is None:
        return dataclasses.replace(raw, memo=OrderedDict(), currency=to,
                                   money=Money(to, names, codes))
    first = day_number(raw.first_day) if raw.first_day is not None else 0
    # Billed cost converts exactly as effective cost does (one rate per currency and day).
    day_numbers = raw.day.astype(np.int64) + first
    converted = rates.convert(raw.cost, codes[raw.key], day_numbers, to, names=names)
    billed = rates.convert(raw.billed, codes[raw.key], day_numbers, to, names=names)
    lacks = np.isnan(converted.values) | np.isnan(billed.values)
    lacking = None
    if lacks.any():
        per_day = np.bincount(raw.day[lacks], minlength=len(raw.day_starts) - 1)
        lacking = np.concatenate([[0], np.cumsum(per_day)]).astype(np.int64)
    sources = tuple(sorted({s for q in converted.used().values() if q.how != "same"
                            for s in q.sources}))
    return dataclasses.replace(raw, memo=OrderedDict(), currency=to, cost=converted.values,
                               billed=billed.values,
                               money=Money(to, names, codes, rates, lacking, sources))


def build_index(cache: Cache, path: str = "") -> ChargeIndex:
    charges = read_charges(cache)
    keys, revision = charges.keys, charges.revision
    position = np.full(int(keys["key_id"].max()) + 1 if len(keys) else 1, -1, np.int32)
    position[keys["key_id"].to_numpy(np.int64)] = np.arange(len(keys), dtype=np.int32)
    day, key_id, cost, billed = charges.day, charges.key_id, charges.cost, charges.billed
    first = date_of(int(day[0])) if len(day) else None
    codes: dict[str, tuple[np.ndarray, list[Any]]] = {}
    for column in KEY_COLUMNS:
        found = charges.key_codes.get(column)  # as the charges file holds them
        if found is None:
            values, uniques = pd.factorize(keys[column].astype(object), use_na_sentinel=True)
            found = (values, list(uniques))
        codes[column] = found
    tag_dicts = [_parse_tags(text) for text in codes["tags"][1]]
    if len(day):
        day -= day[0]  # in place: the array was just read, and is owned here
    # Where each day's charges start: the days are in order, so a search per day, not a
    # count over every charge (a bincount of ten million days took 0.25 s).
    held = int(day[-1]) + 1 if len(day) else 0
    # The days searched for in the array's own type: int64 ones made NumPy cast all ten
    # million days to int64 first (15 ms to 0.3 s).
    starts = np.searchsorted(day, np.arange(held + 1, dtype=day.dtype), side="left") \
        if len(day) else np.zeros(1, np.int64)
    # The distinct currencies named, from the column's distinct values, not its every row.
    named = {str(name).strip() for name in codes["billing_currency"][1]} - {""}
    return ChargeIndex(
        path=path, revision=revision, first_day=first,
        currency=named.pop() if len(named) == 1 else None,
        day_starts=starts.astype(np.int64),
        day=day, key=position[key_id],
        cost=_unstated_as_zero(cost), billed=_unstated_as_zero(billed), listed=charges.listed,
        usage=TokenUsage(charges.usage_day, charges.usage_key_id, charges.usage_counts),
        keys=keys,
        codes=codes, tag_dicts=tag_dicts,
        service=_service_labels(keys), resource=_resource_labels(keys),
    )


def _unstated_as_zero(figures: np.ndarray) -> np.ndarray:
    """``figures`` (an array just read, owned here) with NaN (unstated) as 0, in place:
    ``nan_to_num`` copied ten million figures and looked for infinities too (0.1 s each)."""
    figures[np.isnan(figures)] = 0.0
    return figures


def _parse_tags(text: object) -> dict[str, str]:
    """Tags are bill text: anything but a JSON object of scalars counts as no tags."""
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()
            if v is not None and not isinstance(v, dict | list) and str(v).strip()}


def _service_labels(keys: pd.DataFrame) -> np.ndarray:
    provider = keys["provider_name"].fillna("(no provider)").astype(str)
    service = keys["service_name"].fillna("(no service)").astype(str)
    model = keys["x_model"]
    what = service.where(model.isna(), model.astype(object))
    return (provider + " · " + what.astype(str)).to_numpy(object)


def _resource_labels(keys: pd.DataFrame) -> np.ndarray:
    return keys["resource_id"].astype(object).where(
        keys["resource_id"].notna() & (keys["resource_id"].astype(object) != ""), NO_RESOURCE
    ).to_numpy(object)

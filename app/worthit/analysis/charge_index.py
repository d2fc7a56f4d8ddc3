"""The charge index: every daily charge of the cache as (day, key, cost) arrays in memory,
with each allocation key's columns factorised once, loaded once per revision of the charges
and shared by every analysis (Overview, Allocation, unit costs, leaks, model swap, alerts).
A period's cost per key is then a ``bincount``, not a query."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

import numpy as np
import pandas as pd

from worthit.core.focus import KEY_COLUMNS
from worthit.store import reads
from worthit.store.cache import Cache
from worthit.store.days import date_of

NO_RESOURCE: Final = "(no resource id)"
#: How many results an index remembers (:meth:`ChargeIndex.remember`).
_MEMO_SIZE: Final = 64
T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class ChargeIndex:
    """Every charge as (day, key position, cost), sorted by day, plus the keys' columns
    factorised for matching. Built once per revision of the cache's charges."""

    path: str
    revision: int
    first_day: dt.date | None
    day: np.ndarray  # int32 days since first_day, ascending
    key: np.ndarray  # int32 position in ``keys``
    cost: np.ndarray  # float64 effective cost
    keys: pd.DataFrame  # key_id + KEY_COLUMNS, position = row number
    codes: dict[str, tuple[np.ndarray, list[Any]]] = field(repr=False)
    tag_dicts: list[dict[str, str]] = field(repr=False)  # per unique tags text
    service: np.ndarray = field(repr=False)  # "provider · service" or "provider · model"
    resource: np.ndarray = field(repr=False)  # label per key
    #: Where each day's charges start in ``day`` (one more entry: the end).
    day_starts: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(1, np.int64))
    #: Results computed from this index (an allocation per period and rules, …): they
    #: hold while it does, and go with it when the charges change.
    memo: dict[Any, Any] = field(repr=False, default_factory=dict)

    def remember(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``'s result for ``key``, computed once per index: every page asking
        for the same figure gets the same object (one truth, computed once)."""
        try:
            found: T = self.memo[key]
        except KeyError:
            found = self.memo[key] = compute()
            if len(self.memo) > _MEMO_SIZE:  # periods browsed: keep the latest
                del self.memo[next(iter(self.memo))]
        return found

    @property
    def last_day(self) -> dt.date | None:
        if self.first_day is None or not len(self.day):
            return None
        return self.first_day + dt.timedelta(days=int(self.day[-1]))

    def _rows(self, start: dt.date, end: dt.date) -> slice:
        """The charges of the days ``start``..``end``: one slice, looked up in the day
        offsets (a search of the day array cost 16 ms at 10 million charges)."""
        if self.first_day is None:
            return slice(0, 0)
        last = len(self.day_starts) - 2
        low = min(max((start - self.first_day).days, 0), last + 1)
        high = min(max((end - self.first_day).days + 1, 0), last + 1)
        return slice(int(self.day_starts[low]), int(self.day_starts[max(low, high)]))

    def per_key(self, start: dt.date, end: dt.date) -> np.ndarray:
        """Each key's cost over the days ``start``..``end``."""
        rows = self._rows(start, end)
        return np.bincount(self.key[rows], weights=self.cost[rows], minlength=len(self.keys))

    def per_key_days(self, start: dt.date, end: dt.date) -> tuple[np.ndarray, np.ndarray]:
        """Keys × days: each key's cost on each day, and how many charges made it."""
        rows = self._rows(start, end)
        days = (end - start).days + 1
        offset = (start - self.first_day).days if self.first_day else 0
        flat = self.key[rows].astype(np.int64) * days + (self.day[rows] - offset)
        size = len(self.keys) * days
        cost = np.bincount(flat, weights=self.cost[rows], minlength=size)
        count = np.bincount(flat, minlength=size)
        return cost.reshape(len(self.keys), days), count.reshape(len(self.keys), days)

    def present(self, start: dt.date, end: dt.date) -> np.ndarray:
        """Which keys have any charge in the days ``start``..``end``."""
        rows = self._rows(start, end)
        return np.bincount(self.key[rows], minlength=len(self.keys)) > 0

    def per_key_buckets(self, start: dt.date, end: dt.date, buckets: int) -> np.ndarray:
        """Each key's cost in ``buckets`` equal slices of the days (keys × buckets)."""
        rows = self._rows(start, end)
        days = (end - start).days + 1
        offset = (start - self.first_day).days if self.first_day else 0
        bucket = ((self.day[rows] - offset).astype(np.int64) * buckets) // days
        flat = self.key[rows].astype(np.int64) * buckets + bucket
        sums = np.bincount(flat, weights=self.cost[rows], minlength=len(self.keys) * buckets)
        return sums.reshape(len(self.keys), buckets)

    def has_tags(self) -> np.ndarray:
        codes, _ = self.codes["tags"]
        table = np.array([bool(d) for d in self.tag_dicts] + [False])
        tagged: np.ndarray = table[codes]
        return tagged


_INDEXES: dict[str, ChargeIndex] = {}
_INDEX_LOCK = threading.Lock()


def charge_index(cache: Cache) -> ChargeIndex:
    """The cache's index, reused while its charges are unchanged (any thread)."""
    # The cache's identity too: a cache replaced under the same path (a regenerated demo)
    # starts its revisions again.
    path, revision = f"{Path(cache.path).resolve()}#{cache.identity}", cache.revision
    with _INDEX_LOCK:
        found = _INDEXES.get(path)
    if found is not None and found.revision == revision:
        return found
    index = build_index(cache, path, revision)
    with _INDEX_LOCK:
        _INDEXES.clear()  # one workspace at a time; the memory goes with it
        _INDEXES[path] = index
    return index


def build_index(cache: Cache, path: str = "", revision: int = 0) -> ChargeIndex:
    keys = reads.charge_keys(cache)
    position = np.full(int(keys["key_id"].max()) + 1 if len(keys) else 1, -1, np.int32)
    position[keys["key_id"].to_numpy(np.int64)] = np.arange(len(keys), dtype=np.int32)
    day, key_id, cost = reads.charge_arrays(cache)  # in (day, key) order
    first = date_of(int(day[0])) if len(day) else None
    codes: dict[str, tuple[np.ndarray, list[Any]]] = {}
    for column in KEY_COLUMNS:
        values, uniques = pd.factorize(keys[column].astype(object), use_na_sentinel=True)
        codes[column] = (values, list(uniques))
    tag_dicts = [_parse_tags(text) for text in codes["tags"][1]]
    day = (day - day[0]) if len(day) else day
    counts = np.bincount(day, minlength=1) if len(day) else np.zeros(0, np.int64)
    return ChargeIndex(
        path=path, revision=revision, first_day=first,
        day_starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        day=day, key=position[key_id],
        cost=np.nan_to_num(cost), keys=keys,
        codes=codes, tag_dicts=tag_dicts,
        service=_service_labels(keys), resource=_resource_labels(keys),
    )


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

"""The reads a FOCUS export makes: every daily charge of a period with its figures, in
(day, key) order and in batches, and the keys those charges carry, all from one snapshot
of the cache, so a file never mixes charges from before and after an import.

Figures are read through :func:`~worthit.store.figures.figure` (a figure stored as ``''``
equals its twin); NULL stays None: the bill did not say."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any, Final, NamedTuple

from worthit.core.focus import KEY_COLUMNS
from worthit.store.cache import Cache
from worthit.store.days import date_of, day_number
from worthit.store.figures import figure

#: Charges handed over at a time: memory stays bounded whatever the period holds.
BATCH: Final = 20_000


class Charge(NamedTuple):
    """One daily charge of one key, its figures as stored (None: not stated)."""

    day: dt.date
    key_id: int
    billed: float | None
    effective: float | None
    list: float | None
    contracted: float | None
    quantity: float | None
    pricing_quantity: float | None
    commitment_quantity: float | None
    input: int | None
    cached_input: int | None
    cache_write: int | None
    output: int | None
    requests: int | None


_FIGURES: Final = ", ".join(figure(name) for name in Charge._fields[2:])
_IN_DAYS: Final = "day BETWEEN ? AND ?"


class Snapshot:
    """The cache as one read transaction sees it (see :func:`snapshot`)."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    @property
    def revision(self) -> int:
        """The charges revision this snapshot reads."""
        return self.cache.revision

    def keys(self, start: dt.date, end: dt.date) -> dict[int, dict[str, Any]]:
        """Key id -> its columns (:data:`~worthit.core.focus.KEY_COLUMNS`), for every key
        with a charge within the days. A period holds a few thousand keys at most, where
        it holds millions of charges."""
        rows = self.cache._rows(
            f"SELECT key_id, {', '.join(KEY_COLUMNS)} FROM charge_keys WHERE key_id IN "
            f"(SELECT DISTINCT key_id FROM charge_facts WHERE {_IN_DAYS}) ORDER BY key_id",
            (day_number(start), day_number(end)))
        return {int(row["key_id"]): {name: row[name] for name in KEY_COLUMNS} for row in rows}

    def count(self, start: dt.date, end: dt.date) -> int:
        """How many charges the days hold."""
        return int(self.cache._scalar(f"SELECT COUNT(*) FROM charge_facts WHERE {_IN_DAYS}",
                                      (day_number(start), day_number(end))))

    def batches(self, start: dt.date, end: dt.date, *,
                size: int = BATCH) -> Iterator[list[Charge]]:
        """The charges within the days, in (day, key) order (the table's own), ``size`` at
        a time."""
        cursor = self.cache._conn.cursor()
        cursor.row_factory = None
        cursor.execute(f"SELECT day, key_id, {_FIGURES} FROM charge_facts WHERE {_IN_DAYS} "
                       "ORDER BY day, key_id", (day_number(start), day_number(end)))
        days: dict[int, dt.date] = {}
        try:
            while rows := cursor.fetchmany(size):
                batch = []
                for day, *rest in rows:
                    when = days.get(day)
                    if when is None:
                        when = days[day] = date_of(day)
                    batch.append(Charge(when, *rest))
                yield batch
        finally:
            cursor.close()


@contextlib.contextmanager
def snapshot(cache: Cache) -> Iterator[Snapshot]:
    """One read transaction on ``cache``'s connection: every read made through it (or
    through the connection meanwhile) sees the cache as it stood at the first. Another
    process may write meanwhile (WAL); this one sees none of it."""
    conn = cache._conn
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        seen = Snapshot(cache)
        _ = seen.revision  # the first read fixes the snapshot
        yield seen
    finally:
        if own and conn.in_transaction:
            conn.execute("COMMIT")

"""Exchange rates in the cache (``exchange_rates``): imported from the user's files,
listed, removed by source, and loaded as a :class:`~worthit.core.rates.RateTable`.

Every change bumps ``meta`` key :data:`REVISION_KEY`: a result converted at the old rates
and keyed by the revision is stale. The charges' revision is left alone (no charge
changed)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from worthit.core.errors import UserError
from worthit.core.rate_files import Rate
from worthit.core.rates import RateTable
from worthit.store.cache import Cache

#: Bumped by every change to ``exchange_rates``.
REVISION_KEY: Final = "rates.revision"


@dataclass(frozen=True, slots=True)
class StoredRate:
    """A rate as the cache keeps it: with when it was imported (UTC, ISO)."""

    day: dt.date
    from_currency: str
    to_currency: str
    rate: float
    source: str
    imported_at: str


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: rates new to the cache, and rates it replaced (same day and
    pair, perhaps from another source)."""

    added: int
    replaced: int


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, 1) "
                 "ON CONFLICT (key) DO UPDATE SET value = value + 1", (REVISION_KEY,))


def revision(cache: Cache) -> int:
    """How many times the rates changed (0: never)."""
    return int(cache.get_meta(REVISION_KEY, "0") or 0)


def import_rates(cache: Cache, rates: Sequence[Rate], *,
                 now: dt.datetime | None = None) -> Imported:
    """Add ``rates``, each replacing the cache's rate of its day and pair, in one
    transaction."""
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    with cache.transaction() as conn:
        before = conn.execute("SELECT COUNT(*) FROM exchange_rates").fetchone()[0]
        conn.executemany(
            "INSERT INTO exchange_rates (day, from_currency, to_currency, rate, source, "
            "imported_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (day, from_currency, to_currency) DO UPDATE SET rate = excluded.rate, "
            "source = excluded.source, imported_at = excluded.imported_at",
            [(r.day.isoformat(), r.from_currency, r.to_currency, r.rate, r.source, stamp)
             for r in rates])
        added = conn.execute("SELECT COUNT(*) FROM exchange_rates").fetchone()[0] - before
        if rates:
            _bump(conn)
    return Imported(int(added), len(rates) - int(added))


def list_rates(cache: Cache, *, source: str | None = None) -> list[StoredRate]:
    """Every rate (of ``source`` only, when given), by pair, then day."""
    where, params = ("WHERE source = ?", (source,)) if source is not None else ("", ())
    return [StoredRate(dt.date.fromisoformat(r[0]), r[1], r[2], float(r[3]), r[4], r[5])
            for r in cache._conn.execute(
                "SELECT day, from_currency, to_currency, rate, source, imported_at "
                f"FROM exchange_rates {where} ORDER BY from_currency, to_currency, day",
                params)]


def sources(cache: Cache) -> list[str]:
    """The sources that have rates, sorted."""
    return [r[0] for r in cache._conn.execute(
        "SELECT DISTINCT source FROM exchange_rates ORDER BY source")]


def remove_rates(cache: Cache, source: str) -> int:
    """Remove every rate of ``source``; how many went. A source without rates is refused,
    naming those there are."""
    with cache.transaction() as conn:
        removed = conn.execute("DELETE FROM exchange_rates WHERE source = ?",
                               (source,)).rowcount
        if removed:
            _bump(conn)
    if not removed:
        known = ", ".join(repr(s) for s in sources(cache)) or "none: no rates imported yet"
        raise UserError(f"There are no rates from the source {source!r} (sources: {known}).")
    return int(removed)


def load(cache: Cache) -> RateTable:
    """Every rate, ready to convert with."""
    cursor = cache._conn.cursor()
    cursor.row_factory = None  # plain tuples: a whole ECB history is 200,000 rows
    return RateTable(cursor.execute(
        "SELECT CAST(julianday(day) - 2440587.5 AS INTEGER), from_currency, to_currency, "
        "rate, source FROM exchange_rates"))

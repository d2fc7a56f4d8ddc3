"""Request traces in the cache (``trace_usage``, migration 10): usage summed by day,
provider, model, customer, run, agent, API key and feature, per trace source. An import
replaces its source's usage for the days it covers, in one transaction with the source's
record; ``meta`` key :data:`REVISION_KEY` counts the changes, so analyses over the traces
know when theirs are stale."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from worthit.store.cache import Cache
from worthit.store.days import day_number
from worthit.store.sources import save_file_source

if TYPE_CHECKING:
    import pandas as pd

REVISION_KEY: Final = "traces.revision"
COLUMNS: Final = ("day", "provider", "model", "customer", "run_id", "agent", "api_key",
                  "feature", "input", "cached_input", "cache_write", "output", "requests")


_KEYS: Final = ", ".join(COLUMNS[:8])
_FIGURES: Final = COLUMNS[8:]


class TraceStage:
    """Trace usage summed on disk, in a ``temp`` table of the cache's connection (private
    to it: filling it takes no lock on the cache), for files whose sums outgrow memory:
    rows added twice under one key add up. :func:`replace_trace_usage` copies it in."""

    def __init__(self, cache: Cache) -> None:
        self.conn = cache._conn
        self.conn.execute("DROP TABLE IF EXISTS temp.staged_traces")
        self.conn.execute(
            f"CREATE TEMP TABLE staged_traces ({_KEYS}, "
            + ", ".join(f"{f} INTEGER NOT NULL" for f in _FIGURES)
            + f", PRIMARY KEY ({_KEYS})) WITHOUT ROWID")
        self._add = (f"INSERT INTO temp.staged_traces VALUES ({', '.join('?' * len(COLUMNS))}) "
                     f"ON CONFLICT ({_KEYS}) DO UPDATE SET "
                     + ", ".join(f"{f} = {f} + excluded.{f}" for f in _FIGURES))

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        """Add ``rows`` (in :data:`COLUMNS` order) to the sums."""
        self.conn.executemany(self._add, rows)

    def drop(self) -> None:
        self.conn.execute("DROP TABLE IF EXISTS temp.staged_traces")


def replace_trace_usage(cache: Cache, source_id: str, name: str, kind: str,
                        settings: dict[str, Any], rows: Iterable[Sequence[Any]],
                        days: tuple[int, int] | None, stage: TraceStage | None = None) -> int:
    """Replace ``source_id``'s trace usage for the day numbers ``days`` (first, last) with
    ``rows`` (in :data:`COLUMNS` order) plus what ``stage`` summed, and record the source,
    all in one transaction. Returns the rows written."""
    marks = ", ".join("?" for _ in range(len(COLUMNS) + 1))
    if stage is not None:
        stage.add(rows)
        rows = ()
    values = [(source_id, *row) for row in rows]  # already summed: small
    with cache.transaction() as conn:
        save_file_source(conn, source_id, name, kind, settings)
        if days is not None:
            conn.execute("DELETE FROM trace_usage WHERE source_id = ? AND day BETWEEN ? AND ?",
                         (source_id, *days))
        conn.executemany(f"INSERT INTO trace_usage (source_id, {', '.join(COLUMNS)}) "
                         f"VALUES ({marks})", values)
        written = len(values)
        if stage is not None:
            written += conn.execute(
                f"INSERT INTO trace_usage (source_id, {', '.join(COLUMNS)}) "
                f"SELECT ?, {', '.join(COLUMNS)} FROM temp.staged_traces",
                (source_id,)).rowcount
        conn.execute("INSERT INTO meta (key, value) VALUES (?, 1) "
                     "ON CONFLICT (key) DO UPDATE SET value = value + 1", (REVISION_KEY,))
    return written


def trace_revision(cache: Cache) -> int:
    """How many times trace usage was written."""
    return int(cache.get_meta(REVISION_KEY, "0") or 0)


def trace_usage(cache: Cache, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Trace usage of the days ``start``..``end``, summed over sources: :data:`COLUMNS`
    (``day`` a day number)."""
    keys = ", ".join(COLUMNS[:8])
    return cache._frame(
        f"SELECT {keys}, SUM(input) AS input, SUM(cached_input) AS cached_input, "
        "SUM(cache_write) AS cache_write, SUM(output) AS output, SUM(requests) AS requests "
        f"FROM trace_usage WHERE day BETWEEN ? AND ? "
        "AND source_id IN (SELECT source_id FROM sources) "
        f"GROUP BY {keys} ORDER BY {keys}", (day_number(start), day_number(end)))


def trace_days(cache: Cache) -> tuple[dt.date, dt.date] | None:
    """The first and last day with trace usage, None without any."""
    from worthit.store.days import date_of

    first, last = cache._conn.execute("SELECT MIN(day), MAX(day) FROM trace_usage").fetchone()
    return None if first is None else (date_of(int(first)), date_of(int(last)))


#: The trace columns a count of distinct values can be asked of.
DISTINCT_COLUMNS: Final = ("customer", "run_id", "agent", "api_key", "feature")


def distinct_by_day(cache: Cache, column: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Each day's distinct non-empty ``column`` values with traced usage in the days
    ``start``..``end`` (over sources): ``day`` (a day number) and ``value``, one row per
    pair. The units' derived counts (active customers, agent runs) come from it."""
    if column not in DISTINCT_COLUMNS:
        raise ValueError(f"cannot count distinct {column!r}")
    return cache._frame(
        f"SELECT DISTINCT day, {column} AS value FROM trace_usage "
        f"WHERE day BETWEEN ? AND ? AND {column} != '' "
        "AND source_id IN (SELECT source_id FROM sources) ORDER BY day, value",
        (day_number(start), day_number(end)))


def trace_customers(cache: Cache, start: dt.date, end: dt.date) -> list[str]:
    """The customers with traced usage in the days ``start``..``end``, by name (a budget's
    picker lists them)."""
    return [str(row[0]) for row in cache._rows(
        "SELECT DISTINCT customer FROM trace_usage WHERE day BETWEEN ? AND ? "
        "AND customer != '' AND source_id IN (SELECT source_id FROM sources) "
        "ORDER BY customer COLLATE NOCASE", (day_number(start), day_number(end)))]

"""Daily sums of a large billing file, computed by DuckDB.

A cost and usage report can hold millions of hourly line items; the cache keeps one row
per day and distinct combination. DuckDB reads the CSV, CSV.gz or Parquet file in
parallel with bounded memory (spilling to a temporary folder), checks every cell the
format's mapper would check, and groups by the day and the cells the mapper reads as
text, summing the rest. The rows of sums go through the format's own mapper, so there is
one definition of what a column means.

It answers None (and the file is read line by line instead) when DuckDB is not installed,
the file is small, or anything in it would be refused or is merely unusual: the line
reader then names the first bad line and column, or reads what DuckDB would not."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from worthit.core.errors import Cancelled
from worthit.sources.bill import BATCH, CURRENCY, NULLS, Layout, Progress, duckdb_path

#: Files smaller than this are read line by line: faster to start, and the same result.
SMALL: Final = 4_000_000
MEMORY: Final = "256MB"
_NULLS_SQL: Final = ", ".join(f"'{n}'" for n in NULLS)
_NESTED: Final = ("MAP", "STRUCT", "[]", "UNION")


def daily(path: Path, header: list[str], layout: Layout, *, cancelled: Callable[[], bool],
          progress: Progress | None) -> tuple[int, float, Iterator[list[str]]] | None:
    """(rows read, the billed column's sum, rows of daily sums shaped like the file's
    rows), or None to read the file line by line."""
    if path.stat().st_size < SMALL or not layout.iso_days:
        return None
    try:
        import duckdb
    except ImportError:
        return None
    spill = tempfile.mkdtemp(prefix="worthit-duckdb-")
    try:
        con = duckdb.connect(config={"threads": 2, "memory_limit": MEMORY,
                                     "temp_directory": spill,
                                     "preserve_insertion_order": False})
    except duckdb.Error:
        shutil.rmtree(spill, ignore_errors=True)
        return None
    try:
        found = _aggregate(con, path, header, layout, cancelled, progress)
    except duckdb.InterruptException:
        _close(con, spill)
        raise Cancelled from None
    except duckdb.Error:
        found = None
    if found is None:
        _close(con, spill)
        return None
    rows_read, billed, cursor = found
    return rows_read, billed, _fetch(con, spill, cursor, header, layout, cancelled)


def _close(con: Any, spill: str) -> None:
    con.close()
    shutil.rmtree(spill, ignore_errors=True)


def _aggregate(con: Any, path: Path, header: list[str], layout: Layout,
               cancelled: Callable[[], bool],
               progress: Progress | None) -> tuple[int, float, Any] | None:
    import duckdb

    con.execute("SET TimeZone = 'UTC'")
    # query_progress() answers -1 unless progress is tracked (printing it stays off).
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    names = [f"c{i}" for i in range(len(header))]
    if path.suffix.lower() == ".parquet":
        bill = con.sql("SELECT * FROM read_parquet($path)", params={"path": duckdb_path(path)})
        if len(bill.columns) != len(names):
            return None
        bill = bill.select(*(duckdb.ColumnExpression(c).alias(n)
                             for c, n in zip(bill.columns, names, strict=True)))
    else:
        bill = con.sql(
            "SELECT * FROM read_csv($path, header = true, all_varchar = true, names = $names, "
            "delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            "null_padding = false, compression = 'auto')",
            params={"path": duckdb_path(path), "names": names})
    bill.create_view("bill")
    cells = _Cells(dict(zip(names, (str(t) for t in bill.types), strict=True)))
    bad = " OR ".join([
        *(cells.missing(i) for i in layout.required),
        *(cells.bad_number(i) for i in layout.sums),
        cells.bad_day(layout.day), cells.missing(layout.currency),
    ])
    text = [i for i in layout.text if i != layout.day]
    # One pass over the file: group on the raw cells (trimming and JSON come after, on
    # the far fewer groups), counting per group the lines the line reader would refuse.
    _run(con, f"CREATE TEMP TABLE g AS SELECT {cells.day(layout.day)} AS d, "
              f"{''.join(f'c{i}, ' for i in text)}"
              f"{''.join(f'sum({cells.number(i)}) AS s{i}, ' for i in layout.sums)}"
              f"count(*) AS lines, count(*) FILTER (WHERE {bad}) AS refused, "
              f"sum({cells.number(layout.billed)}) AS billed FROM bill GROUP BY ALL",
         0.0, 0.85, cancelled, progress)
    if progress is not None:
        progress(0.85)
    rows, refused, billed, currencies, currency = con.execute(
        f"SELECT sum(lines), sum(refused), sum(billed), "
        f"count(DISTINCT {cells.text(layout.currency)}), min({cells.text(layout.currency)}) "
        f"FROM g").fetchone()
    if not rows or refused or currencies != 1 or not CURRENCY.match(currency or ""):
        return None
    query = (f"SELECT {cells.day_text('d')}, {''.join(f'{cells.text(i)}, ' for i in text)}"
             f"{', '.join(f's{i}' for i in layout.sums)} FROM g "
             # In day order, and the same combinations in the same order each day: the
             # cache's indexes (by day, and by key) then grow at their ends, which SQLite
             # writes several times faster than scattered inserts.
             f"ORDER BY d{''.join(f', c{i}' for i in text)}")
    return int(rows), float(billed or 0.0), _run(con, query, 0.85, 0.9, cancelled, progress)


def _run(con: Any, sql: str, start: float, end: float, cancelled: Callable[[], bool],
         progress: Progress | None) -> Any:
    """Run a query while a watcher reports its progress and interrupts it on cancel."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if cancelled():
                con.interrupt()
                return
            if progress is not None:
                with contextlib.suppress(Exception):
                    share = con.query_progress()
                    if share >= 0:
                        progress(start + (end - start) * share / 100)

    watcher = threading.Thread(target=watch, name="worthit-duckdb-watch", daemon=True)
    watcher.start()
    try:
        return con.execute(sql)
    finally:
        done.set()
        watcher.join()


def _fetch(con: Any, spill: str, cursor: Any, header: list[str], layout: Layout,
           cancelled: Callable[[], bool]) -> Iterator[list[str]]:
    """The result's rows, shaped like the file's: the day, the text cells, and each sum
    written so that ``float`` reads back the same number."""
    text = [i for i in layout.text if i != layout.day]
    try:
        while chunk := cursor.fetchmany(BATCH):
            if cancelled():
                raise Cancelled
            for values in chunk:
                cells = [""] * len(header)
                cells[layout.day] = values[0]
                for i, value in zip(text, values[1:], strict=False):
                    cells[i] = "" if value is None else value
                for i, value in zip(layout.sums, values[1 + len(text):], strict=True):
                    cells[i] = "" if value is None else repr(value)
                yield cells
    finally:
        _close(con, spill)


class _Cells:
    """SQL for reading cell ``c{i}`` the way the line reader does, by its DuckDB type.
    Identifiers are ``c`` and a number: nothing from the file becomes SQL text."""

    def __init__(self, types: dict[str, str]) -> None:
        self.types = types

    def _type(self, i: int) -> str:
        return self.types[f"c{i}"]

    def _varchar(self, i: int) -> bool:
        return self._type(i) == "VARCHAR"

    def text(self, i: int) -> str:
        if self._varchar(i):
            return f"trim(c{i})"
        if any(mark in self._type(i) for mark in _NESTED):
            return f"CAST(to_json(c{i}) AS VARCHAR)"
        return f"CAST(c{i} AS VARCHAR)"

    def number(self, i: int) -> str:
        return f"TRY_CAST(trim(c{i}) AS DOUBLE)" if self._varchar(i) else \
            f"CAST(c{i} AS DOUBLE)"

    def missing(self, i: int) -> str:
        if self._varchar(i):
            return f"(c{i} IS NULL OR trim(c{i}) IN ({_NULLS_SQL}))"
        return f"(c{i} IS NULL)"

    def bad_number(self, i: int) -> str:
        present = f"NOT {self.missing(i)}"
        return f"({present} AND coalesce(NOT isfinite({self.number(i)}), true))"

    def day(self, i: int) -> str:
        """The line's day, as grouped: ISO text from a text cell, a DATE otherwise."""
        if self._varchar(i):
            return f"substr(trim(c{i}), 1, 10)"
        return f"CAST(c{i} AS DATE)"

    def day_text(self, column: str) -> str:
        """A grouped day as ISO text (after grouping: once per group)."""
        return f"CAST({column} AS VARCHAR)"

    def bad_day(self, i: int) -> str:
        if not self._varchar(i):
            return f"(c{i} IS NULL)"
        day = self.day(i)
        return (f"({day} IS NULL OR NOT regexp_full_match({day}, '[0-9]{{4}}-[0-9]{{2}}-"
                f"[0-9]{{2}}') OR TRY_CAST({day} AS DATE) IS NULL)")

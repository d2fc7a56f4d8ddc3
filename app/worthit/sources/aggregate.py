"""Daily sums of a large billing file, computed by DuckDB.

A cost and usage report can hold millions of hourly line items; the cache keeps one row
per day and distinct combination. DuckDB reads the CSV, CSV.gz or Parquet file in
parallel with bounded memory (spilling to a temporary folder), checks every cell the
format's mapper would check, and groups by the day and the cells the mapper reads as
text, summing the rest.

Python then sees each distinct combination of text cells once (a bill repeats a few
thousand over millions of lines) and works out what it means, through the format's
:attr:`Layout.group` or, for a format without one, its line mapper; the rows of sums
arrive as numbers keyed by the combination. With a ``group``, they come as numpy columns
a span of days at a time and go on to the cache as columns too
(:mod:`worthit.sources.columnar`): no Python work per row. Without one, each row is a
template copied and a few numbers set.

Grouping on map cells (CUR 2.0's ``product``, ``resource_tags`` and ``cost_category``)
directly takes twice as long as the rest of the pass, so maps are grouped by three
hashes each: of the map, of its keys and of its values. Two different maps would have to
agree on all three to be confused, which needs two different strings with the same
64-bit hash: about one chance in 10^11 for a bill with a million distinct strings
(DuckDB's own hash tables compare the values instead). Copying each group's maps cost as
much again, so a group keeps one of its lines' numbers, and the maps of each combination
are read back from the file by that number. Combinations are numbered by a hash of their
cells, and that is checked: the count of distinct numbers must equal the count of distinct
combinations, else the file is read line by line. A Parquet file is read twice: grouped
into its combinations, then into each day's groups by the combination's number (and the
cells naming the line's bill) rather than by all its cells; a CSV file is parsed once,
grouped by its cells, and its combinations taken from the groups. The file's billed total
is the correctly rounded sum of the groups' sums: the same in whatever order DuckDB hands
them over.

Each line's stamp is checked to be one whose UTC day is its first ten characters (no
offset, or a zero one): grouping by those characters is then grouping by the UTC day. A
file with any other stamp is grouped again, by each line's day through DuckDB's
TIMESTAMPTZ, after checking every stamp is a :data:`~worthit.sources.cells.STAMP`. Costs
and quantities are checked to be finite and no larger than one line's may be
(:mod:`worthit.sources.cells`), and written as the line reader reads them: DuckDB also reads
``1_000`` and ``+-1``.

It answers None (and the file is read line by line instead) when DuckDB is not installed,
the file is small, or anything in it would be refused or is merely unusual: the line
reader then names the first bad line and column, or reads what DuckDB would not."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, Final

from worthit.core.daily import DailyCharges
from worthit.core.errors import Cancelled
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.money import is_currency
from worthit.sources.bill import (
    BATCH,
    NULLS,
    BillFile,
    Charge,
    Layout,
    Progress,
    duckdb_path,
)
from worthit.sources.bills import Bills
from worthit.sources.cells import FIRST_DAY, LARGEST_COST, LARGEST_QUANTITY, STAMP, UTC_STAMP

#: Files smaller than this are read line by line: faster to start, and the same result.
SMALL: Final = 4_000_000
#: DuckDB's own memory while it groups the lines (it spills past it): at 256 MB the 5M-line
#: bench spilled, 0.3 s slower.
MEMORY: Final = "384MB"
#: DuckDB's memory once the lines are grouped, while the cache stages the charges (with
#: SQLite's 64 MiB page cache): at 384 MB still, the 5M-line bench's peak came then, 519 MB;
#: at this, its peak is the grouping's, about 460 MB.
MEMORY_GROUPED: Final = "160MB"
_NULLS_SQL: Final = ", ".join(f"'{n}'" for n in NULLS)
_NESTED: Final = ("MAP", "STRUCT", "[]", "UNION")
_EFFECTIVE: Final = CHARGE_COLUMN_NAMES.index("effective_cost")
#: A CSV or CSV.gz file's lines, each cell as text, named c0, c1, ... ($names).
_CSV: Final = ("read_csv($path, header = true, all_varchar = true, names = $names, delim = ',', "
               "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
               "compression = 'auto')")


def daily(path: Path, header: list[str], layout: Layout, found: BillFile, *,
          cancelled: Callable[[], bool], progress: Progress | None,
          ) -> Iterator[list[Any]] | None:
    """The file's daily charges, with ``found`` told the file's rows, period and totals;
    or None to read the file line by line."""
    if path.stat().st_size < SMALL or not layout.iso_days:
        return None
    try:
        import duckdb
    except ImportError:
        return None
    _remove_orphaned_spills()
    spill = tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-")
    try:
        con = duckdb.connect(config={"threads": 2, "memory_limit": MEMORY,
                                     "temp_directory": spill,
                                     "preserve_insertion_order": False})
    except duckdb.Error:
        shutil.rmtree(spill, ignore_errors=True)
        return None
    try:
        grouped = _aggregate(con, path, header, layout, cancelled, progress, found.latest)
    except duckdb.InterruptException:
        _close(con, spill)
        raise Cancelled from None
    except duckdb.Error:
        grouped = None
    if grouped is None:
        _close(con, spill)
        return None
    return _charges(con, spill, grouped, path, header, layout, found, cancelled)


#: A spill folder's name: the prefix, the importing process's id, a random part.
SPILL_PREFIX: Final = "worthit-duckdb-"


def _remove_orphaned_spills() -> None:
    """Delete the spill folders of imports whose process is gone (killed before it could
    clean up: they can hold hundreds of MB). A live process's folder is left alone."""
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{SPILL_PREFIX}*"):
        pid = folder.name[len(SPILL_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process (or no such call here): leave it be
        return True
    return True


def _close(con: Any, spill: str) -> None:
    con.close()
    shutil.rmtree(spill, ignore_errors=True)


class _Grouped:
    """What the grouping found: the file's own figures, and the queries for the
    combinations of text cells and for the daily sums."""

    def __init__(self, rows: int, billed: float, currency: str, first: Any, last: Any,
                 count: int, combinations: str, sums: str, numbered: str,
                 bills: str | None) -> None:
        self.rows, self.billed, self.currency, self.count = rows, billed, currency, count
        self.first, self.last = _date(first), _date(last)
        self.combinations, self.bills = combinations, bills
        #: The rows of sums (the combination's number, the day, the sums) of the days
        #: from $first to $last, with the day as ISO text, and as its number.
        self.sums, self.numbered = sums, numbered


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _aggregate(con: Any, path: Path, header: list[str], layout: Layout,
               cancelled: Callable[[], bool], progress: Progress | None,
               latest: dt.date) -> _Grouped | None:
    import duckdb

    con.execute("SET TimeZone = 'UTC'")
    # query_progress() answers -1 unless progress is tracked (printing it stays off).
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    names = [f"c{i}" for i in range(len(header))]
    if path.suffix.lower() == ".parquet":
        # With each line's number (r): a combination's map cells are read back by it.
        bill = con.sql("SELECT * FROM read_parquet($path, file_row_number = true)",
                       params={"path": duckdb_path(path)})
        *columns, number = bill.columns
        if len(columns) != len(names) or number != "file_row_number":
            return None
        bill = bill.select(*(duckdb.ColumnExpression(c).alias(n)
                             for c, n in zip(columns, names, strict=True)),
                           duckdb.ColumnExpression(number).alias("r"))
        bill.create_view("bill")
        cells = _Cells(dict(zip(names, (str(t) for t in bill.types), strict=False)))
        source, read = "bill", {}
    else:
        # Read as text, each cell a VARCHAR: the file is named in the grouping query
        # itself, with its parameters. A view (and asking for its types) would bind it
        # twice more, each bind sniffing the file's first lines again: 0.25 s of a 1 M-line
        # CSV.gz's import.
        cells = _Cells(dict.fromkeys(names, "VARCHAR"))
        source, read = _CSV, {"path": duckdb_path(path), "names": names}
    text = [i for i in layout.text if i != layout.day]
    plain = [f"c{i}" for i in text if not cells.map(i)]
    maps = [i for i in text if cells.map(i)]
    # The cells naming each line's bill are grouped on too: the bills are then the
    # distinct groups' (with each day's month), as the line reader finds them line by line.
    if any(cells.map(i) or i == layout.day for i in layout.bill_cells):
        return None
    extra = [f"c{i}" for i in dict.fromkeys(layout.bill_cells) if i not in text]
    # What the line reader would refuse: numbers checked on each line; the day and the
    # currency, being group keys, on each group (then counting all its lines).
    on_lines = [*(cells.missing(i) for i in layout.required),
                *(cells.bad_number(i, LARGEST_QUANTITY if i in layout.quantities else
                                   LARGEST_COST) for i in layout.sums)]
    on_groups = [cells.bad_day("d", layout.day, latest)]
    if f"c{layout.currency}" not in plain:
        return None  # never: every format reads its currency as a text cell
    # The groups' keys: the day, the other text cells, and the maps' hashes (kept in g
    # as m0_{i}, m1_{i}, m2_{i}).
    hashed = {f"m{n}_{i}": f"hash({part}(c{i}))" for i in maps
              for n, part in enumerate(("", "map_keys", "map_values"))}
    combination = _number([*plain, *hashed.values()])
    billed_sum = f"s{layout.billed}" if layout.billed in layout.sums else None
    stamped = cells.stamped(layout.day)

    # A Parquet file is read again cheaply (its columns are stored apart, compressed): it
    # is grouped twice, once into its combinations (each line's text cells) and once
    # into its days' groups by the combination's number alone, not by its cells. Hash
    # tables keyed on the 30-odd cells of 400,000 groups took twice the time of the two
    # passes together. A CSV file is parsed once, grouped by its cells.
    split = source == "bill"
    # The groups' own keys besides the day: the combination's number, then every cell
    # naming the line's bill (the bills are read from the groups) when the cells are not
    # keys themselves, else those not among the text cells.
    own = [f"c{i}" for i in dict.fromkeys(layout.bill_cells)] if split else \
        [*plain, *hashed.values(), *extra]
    if split:
        # Each combination once, with one of its lines' numbers (for its maps); its
        # number worked out from its cells, as each line's is from the line's.
        _run(con, f"CREATE OR REPLACE TEMP TABLE o AS SELECT "
                  f"{_number([*plain, *hashed])} AS h, * FROM (SELECT "
                  f"{''.join(f'{c}, ' for c in plain)}"
                  f"{''.join(f'{sql} AS {name}, ' for name, sql in hashed.items())}"
                  f"{'any_value(r) AS r, ' if maps else ''}FROM {source} "
                  f"GROUP BY {', '.join([*plain, *hashed.values()])})",
             0.0, 0.4, cancelled, progress, read)

    def group(zoned: bool, start: float, end: float) -> None:
        """One pass over the file: group on the raw cells (trimming and JSON come after,
        on the far fewer groups), counting per group the lines the line reader would
        refuse, and (unless ``zoned``) the stamps not dated by their first ten characters."""
        keys = [cells.day(layout.day, zoned=zoned), combination if split else None, *own]
        checks = [*on_lines, cells.odd_stamp(layout.day, STAMP)] if zoned and stamped else \
            on_lines
        odd = cells.odd_stamp(layout.day, UTC_STAMP) if stamped and not zoned else "false"
        _run(con, f"CREATE OR REPLACE TEMP TABLE g AS SELECT {keys[0]} AS d, "
                  f"{combination} AS h, {''.join(f'{c}, ' for c in plain if not split)}"
                  f"{''.join(f'{sql} AS {name}, ' for name, sql in hashed.items() if not split)}"
                  f"{''.join(f'{c}, ' for c in own if split or c in extra)}"
                  # Copying each group's maps took as long as the rest of the pass: a
                  # line's number is kept instead, and the maps read back for each
                  # combination.
                  f"{'any_value(r) AS r, ' if maps and not split else ''}"
                  f"{''.join(f'sum({cells.number(i)}) AS s{i}, ' for i in layout.sums)}"
                  f"count(*) AS lines, count(*) FILTER (WHERE {' OR '.join(checks)}) AS refused, "
                  f"{'0' if odd == 'false' else f'count(*) FILTER (WHERE {odd})'} AS zoned"
                  f"{'' if billed_sum else f', sum({cells.number(layout.billed)}) AS billed'} "
                  f"FROM {source} "
                  f"GROUP BY {', '.join(k for k in keys if k is not None)}",
             start, end, cancelled, progress, read)

    group(False, 0.4 if split else 0.0, 0.85)
    if stamped and con.execute("SELECT sum(zoned) FROM g").fetchone()[0]:
        # A stamp with an offset (or no stamp at all): date each line by its UTC day.
        group(True, 0.85, 0.85)
    if progress is not None:
        progress(0.85)
    if not split:
        # Each combination once (with one of its lines' numbers, for its maps).
        keys = ", ".join(["h", *plain, *hashed])
        con.execute(f"CREATE OR REPLACE TEMP TABLE o AS SELECT {keys}"
                    f"{', any_value(r) AS r' if maps else ''} FROM g GROUP BY {keys}")
    rows, refused, first, last = con.execute(
        f"SELECT sum(lines), sum(refused) + coalesce(sum(lines) FILTER (WHERE "
        f"{' OR '.join(on_groups)}), 0), "
        # As text: a day DuckDB holds may be past Python's year 9999 (then refused).
        f"CAST(min(d) AS VARCHAR), CAST(max(d) AS VARCHAR) FROM g"
    ).fetchone()
    # The currency is a text cell, so checked on the combinations (of its lines).
    missing, currencies, currency, combinations, hashes = con.execute(
        f"SELECT count(*) FILTER (WHERE {cells.missing(layout.currency)}), "
        f"count(DISTINCT {cells.text(layout.currency)}), min({cells.text(layout.currency)}), "
        f"count(*), count(DISTINCT h) FROM o").fetchone()
    if not rows or refused or missing or currencies != 1 or not is_currency(currency or ""):
        return None
    # Two combinations of one number would be a collision.
    if combinations != hashes:
        return None
    # The file's billed cost: its groups' sums (every line checked) added up exactly,
    # then rounded once. The groups come in the order of DuckDB's hash table, which any
    # change of the grouping (or of the threads' share of the lines) reorders; added up
    # as they came, the total moved in its last bits with it.
    billed = _exact_sum(con.execute(f"SELECT {billed_sum or 'billed'} FROM g").fetchnumpy())
    # The groups and the combinations made, DuckDB keeps them in far less (spilling the
    # rest): its memory is then the cache's to stage the charges in. (Set before the
    # combinations were made, it spilled the groups first and then read them back.)
    con.execute(f"SET memory_limit = '{MEMORY_GROUPED}'")
    # Each combination's cells as the mapper reads them: trimmed, maps as JSON (read back
    # from one of its lines), a missing cell as "" (by DuckDB, a column at once).
    texts = ", ".join(f"coalesce({cells.text(i)}, '')" for i in text)
    combinations = f"SELECT h, {texts or 'NULL'} FROM o"
    if maps:
        combinations += (f" JOIN (SELECT r, {', '.join(f'c{i}' for i in maps)} FROM bill "
                         f"WHERE r IN (SELECT r FROM o)) AS m USING (r)")
    # A combination may be grouped once per bill of a day (never, in a real bill): the
    # sums then add up those groups again.
    summed = "".join(f", {'sum(' if extra else ''}s{i}{')' if extra else ''}"
                     for i in layout.sums)
    sums = (f"SELECT h, {{day}}{summed} FROM g WHERE d BETWEEN $first AND $last "
            f"{'GROUP BY d, h ' if extra else ''}ORDER BY d, h")
    return _Grouped(
        int(rows), billed, currency, first, last, int(hashes),
        combinations=combinations,
        # In day order, and the same combinations in the same order each day: the
        # cache's indexes (by day, and by key) then grow at their ends, which SQLite
        # writes several times faster than scattered inserts.
        sums=sums.format(day=cells.day_text("d")), numbered=sums.format(
            day=f"{cells.day_number('d')} AS day"),
        # The bills: each distinct set of bill cells and month once, then made text (a
        # day made text for each of the groups took a tenth of a second).
        bills=None if layout.bill is None else (
            f"SELECT {''.join(f'{cells.text(i)}, ' for i in layout.bill_cells)}"
            f"substr({cells.day_text('m')}, 1, 7) FROM (SELECT DISTINCT "
            f"{''.join(f'c{i}, ' for i in dict.fromkeys(layout.bill_cells))}"
            f"{cells.month('d', layout.day)} AS m FROM g)"))


def _exact_sum(columns: dict[str, Any]) -> float:
    """The correctly rounded sum of a column fetched by DuckDB (NULL counting as 0.0):
    the same whatever the order of its values, and no further from their true sum than
    any order's running sum."""
    import math

    import numpy as np

    (values,) = columns.values()
    return math.fsum(np.ma.filled(np.ma.asarray(values, dtype=np.float64), 0.0).tolist())


def _number(keys: list[str]) -> str:
    """SQL numbering a combination of group keys (checked for collisions after)."""
    return f"hash({', '.join(keys)})" if keys else "0"


def _run(con: Any, sql: str, start: float, end: float, cancelled: Callable[[], bool],
         progress: Progress | None, params: dict[str, Any] | None = None) -> Any:
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
        return con.execute(sql, params or None)
    finally:
        done.set()
        watcher.join()


def _charges(con: Any, spill: str, grouped: _Grouped, path: Path, header: list[str],
             layout: Layout, found: BillFile, cancelled: Callable[[], bool],
             ) -> Iterator[list[Any] | DailyCharges]:
    """Each combination worked out once, then each day's sums made into its charge: by
    column where the format says what a combination means (:attr:`Layout.group`)."""
    try:
        text = [i for i in layout.text if i != layout.day]
        found.check_currency(grouped.currency, str(path), None, header[layout.currency])
        # By column: DuckDB makes a column's strings at once, where fetchall() made each
        # cell's through a value of its own.
        found_cells = con.execute(grouped.combinations).fetchnumpy()
        numbers, *texts = (column.tolist() for column in found_cells.values())
        texts = texts[:len(text)]
        combinations = dict(zip(numbers, zip(*texts, strict=True) if texts else
                                [()] * len(numbers), strict=True))
        if len(combinations) != grouped.count:
            raise RuntimeError(f"{len(combinations)} of {grouped.count} combinations read "
                               "back")
        if layout.group is None:
            found.effective = yield from _by_row(
                con, grouped, _through_map(header, layout, text), combinations, cancelled)
        else:
            from worthit.sources.columnar import read_by_column

            found.effective = yield from read_by_column(
                con, grouped.numbered, layout.group, combinations, len(layout.sums),
                cancelled)
        if grouped.bills is not None and layout.bill is not None:
            bills = Bills(layout.bill, found.bills)
            for *values, month in con.execute(grouped.bills).fetchall():
                bills.add(tuple("" if v is None else str(v) for v in values), month)
        found.rows_read, found.billed = grouped.rows, grouped.billed
        found.first, found.last = grouped.first, grouped.last
    finally:
        _close(con, spill)


def _by_row(con: Any, grouped: _Grouped, group: Callable[[tuple[str, ...]], Charge],
            combinations: dict[int, tuple[str, ...]], cancelled: Callable[[], bool],
            ) -> Generator[list[Any], None, float]:
    """Each row of sums mapped to its charge; returns the effective cost of them all."""
    charge_of = {h: group(cells) for h, cells in combinations.items()}
    first, last = con.execute("SELECT min(d), max(d) FROM g").fetchone()
    cursor = con.execute(grouped.sums, {"first": first, "last": last})
    effective, at = 0.0, _EFFECTIVE
    while chunk := cursor.fetchmany(BATCH):
        if cancelled():
            raise Cancelled
        for row in chunk:
            charge = charge_of[row[0]](row[1], row[2:])
            effective += charge[at] or 0.0
            yield charge
    return effective


def _through_map(header: list[str], layout: Layout, text: list[int],
                 ) -> Callable[[tuple[str, ...]], Charge]:
    """A format's line mapper, made to map rows of sums: each row is written out as the
    file's cells (each sum so that ``float`` reads back the same number)."""
    scratch = BillFile(Path())  # the file's figures come from DuckDB, not the mapper

    def group(values: tuple[str, ...]) -> Charge:
        cells = [""] * len(header)
        for i, value in zip(text, values, strict=True):
            cells[i] = value

        def charge(day: str, sums: tuple[float | None, ...]) -> list[Any]:
            row = list(cells)
            row[layout.day] = day
            for i, value in zip(layout.sums, sums, strict=True):
                row[i] = "" if value is None else repr(value)
            return layout.map(row, scratch, None)

        return charge

    return group


class _Cells:
    """SQL for reading cell ``c{i}`` the way the line reader does, by its DuckDB type.
    Identifiers are ``c`` and a number: nothing from the file becomes SQL text."""

    def __init__(self, types: dict[str, str]) -> None:
        self.types = types

    def _type(self, i: int) -> str:
        return self.types[f"c{i}"]

    def _varchar(self, i: int) -> bool:
        return self._type(i) == "VARCHAR"

    def map(self, i: int) -> bool:
        return self._type(i).startswith("MAP(")

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

    def bad_number(self, i: int, limit: float) -> str:
        """Whether a present cell is not a finite number at most ``limit`` either side of
        zero, or (text) is written as DuckDB reads it but the line reader does not:
        with ``_`` between digits or ``+-`` before them. Only ever a FILTER's condition,
        where NULL counts as false."""
        if not self._varchar(i):
            # NULL for a missing cell; true for NaN, an infinity or one past the limit.
            # (As the text's condition below, a sixth of the grouping pass.)
            return f"(NOT (abs({self.number(i)}) <= {limit:.1e}))"
        present = f"NOT {self.missing(i)}"
        odd = f" OR contains(c{i}, '_') OR contains(c{i}, '+-')" if self._varchar(i) else ""
        return (f"({present} AND (coalesce(NOT (abs({self.number(i)}) <= {limit:.1e}), true)"
                f"{odd}))")

    def stamped(self, i: int) -> bool:
        """Whether cell ``c{i}`` holds stamps as text (checked line by line)."""
        return self._varchar(i)

    def day(self, i: int, *, zoned: bool = False) -> str:
        """The line's day, as grouped: its first ten characters from a text cell (the UTC
        day of a :data:`UTC_STAMP`), the UTC day as text from a ``zoned`` one, a DATE
        otherwise (DuckDB's own UTC day of a TIMESTAMPTZ: the time zone is UTC)."""
        if self._varchar(i) and zoned:
            return f"CAST(CAST(TRY_CAST(upper(trim(c{i})) AS TIMESTAMPTZ) AS DATE) AS VARCHAR)"
        if self._varchar(i):
            return f"substr(trim(c{i}), 1, 10)"
        return f"CAST(c{i} AS DATE)"

    def odd_stamp(self, i: int, pattern: str) -> str:
        """Whether text cell ``c{i}`` is not a stamp of ``pattern`` (a constant: no quote)."""
        return f"coalesce(NOT regexp_full_match(trim(c{i}), '{pattern}'), true)"

    def day_text(self, column: str) -> str:
        """A grouped day as ISO text (after grouping: once per group)."""
        return f"CAST({column} AS VARCHAR)"

    def month(self, column: str, i: int) -> str:
        """A grouped day (of cell ``c{i}``) as its month's first day, or its text's first
        seven characters (``YYYY-MM``): what :meth:`day_text` then makes its month's."""
        return f"substr({column}, 1, 7)" if self._varchar(i) else \
            f"date_trunc('month', {column})"

    def day_number(self, column: str) -> str:
        """A grouped day as its number (:mod:`worthit.core.days`): days since 1970."""
        return f"CAST({column} AS DATE) - DATE '1970-01-01'"

    def bad_day(self, day: str, i: int, latest: dt.date) -> str:
        """Whether ``day``, cell ``c{i}``'s grouped day (:meth:`day`), is refused: not a
        day, or not one from :data:`FIRST_DAY` to ``latest``."""
        within = f"BETWEEN DATE '{FIRST_DAY.isoformat()}' AND DATE '{latest.isoformat()}'"
        if not self._varchar(i):
            return f"({day} IS NULL OR {day} NOT {within})"
        return (f"({day} IS NULL OR NOT regexp_full_match({day}, '[0-9]{{4}}-[0-9]{{2}}-"
                f"[0-9]{{2}}') OR coalesce(NOT (TRY_CAST({day} AS DATE) {within}), true))")

"""What every billing-file reader shares: opening the file, its header and rows, checking
them, and combining them into daily charges, in batches so that memory stays bounded
whatever the file's size.

A format describes one file with a :class:`Layout`: which cells its mapper reads as text,
which it sums, which must hold a cost, where the day and the currency are, and the mapper
that turns a row into a charge. Because the mapper is linear in the summed cells, a row
of sums (one per day and distinct combination of the text cells) maps to the same charge
as the rows it stands for. That lets DuckDB aggregate a large, well-formed file in bulk
(:mod:`worthit.sources.aggregate`) while every line-level check and its message stays in
one place: a file DuckDB finds anything wrong with is read again here, line by line, and
refused at the first bad line. What a cell may hold (a number, a day) is
:mod:`worthit.sources.cells`'s to say; a file must hold one currency (:func:`is_currency`),
and each column once."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import itertools
import json
import math
import re
import zlib
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from worthit.core.errors import BadInput, Cancelled
from worthit.core.focus import CHARGE_COLUMN_NAMES, FACT_COLUMNS
from worthit.core.money import is_currency
from worthit.sources.bills import Bill, BillOf, Bills
from worthit.sources.cells import last_day

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

NULLS: Final = ("", "NULL", "null")
#: Charge columns that add up when charges of the same day and key are combined.
SUMMED: Final = tuple(column for column, _ in FACT_COLUMNS)
_SUMMED_AT: Final = tuple(CHARGE_COLUMN_NAMES.index(c) for c in SUMMED)
_KEPT_AT: Final = tuple(i for i in range(1, len(CHARGE_COLUMN_NAMES)) if i not in _SUMMED_AT)
BATCH: Final = 50_000
#: How much of a file's first line is looked at for line endings before reading on.
_PEEK: Final = 65_536

#: How far a bill's own totals and the cache's may differ: a cent.
TOLERANCE: Final = 0.01

Progress = Callable[[float], None]
"""Told the fraction of the work done, from 0 to 1."""
Charge = Callable[[str, tuple[float | None, ...]], list[Any]]
"""A day's charge for one combination of text cells: from the day (ISO) and the day's
sums (in :attr:`Layout.sums` order)."""


def never() -> bool:
    return False


@dataclass
class BillFile:
    """What a billing file held, counted as it is read: the rows, the period and the
    file's own totals (for reconciliation)."""

    path: Path
    rows_read: int = 0
    billed: float = 0.0
    effective: float = 0.0
    currency: str | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    #: API requests made to produce it (a live source's; each may cost money).
    requests: int = 0
    #: What a live source wants to remember for its next sync (e.g. the days a vendor
    #: still marks as estimated); saved with the source's settings after a success.
    state: dict[str, Any] = field(default_factory=dict)
    #: A live source's utilisation series and inventory (rows as
    #: :mod:`worthit.store.metrics` takes them), written with its run: None when it has none.
    metrics: list[tuple[Any, ...]] | None = None
    resources: list[tuple[Any, ...]] | None = None
    #: The commitments the file states (a worthit.sources.commitment_terms.Stated), noted
    #: as its lines are read and written with its charges: None until one is seen.
    commitment_terms: Any = None
    #: The last day the file may charge (a year from when reading began).
    latest: dt.date = field(default_factory=last_day)
    #: The bills the file holds lines of (:mod:`worthit.sources.bills`): what an import
    #: of it replaces, whichever file held them before.
    bills: set[Bill] = field(default_factory=set)

    def check_currency(self, currency: str | None, file: str, line: int | None,
                       column: str) -> str:
        """One ISO 4217 currency for the whole file: a file mixing currencies has no
        single total, and Worthit keeps no exchange rates. (The live connectors check the
        currency of each amount here too.)"""
        if currency is None or not currency.strip():
            raise BadInput("a currency is required", file=file, line=line, column=column)
        if not is_currency(currency):
            raise BadInput(f"unknown currency {currency!r}: not an ISO 4217 code such as USD "
                           "or EUR", file=file, line=line, column=column)
        if self.currency is None:
            self.currency = currency
        elif currency != self.currency:
            raise BadInput(f"mixed currencies without a rate ({self.currency} and "
                           f"{currency})", file=file, line=line, column=column)
        return currency

    def count(self, day: dt.date, billed: float, effective: float) -> None:
        """Widen the file's period and add to its own totals, which must stay finite: a
        total of infinity (or NaN) would pass any reconciliation. The file readers refuse
        a line's absurd amount before it gets here; this also guards the live connectors,
        whose amounts come here unbounded."""
        self.first = day if self.first is None else min(self.first, day)
        self.last = day if self.last is None else max(self.last, day)
        self.billed += billed
        self.effective += effective
        if not (math.isfinite(self.billed) and math.isfinite(self.effective)):
            raise BadInput(f"the total is no longer a number after {billed!r} billed "
                           f"({effective!r} effective) on {day}: no bill holds that much",
                           file=str(self.path))


class TextFile:
    """A text file's lines, gunzipped if it is gzip, with how far reading has got."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._raw: io.BufferedReader | None = None

    def lines(self) -> Iterator[str]:
        """Each line decoded on its own, so a byte that is not UTF-8 is refused with its
        line. Lines ending in a carriage return alone are refused at the first: read as
        one line, the whole file would be held at once and fail as one malformed field."""
        file = str(self.path)
        check_file(self.path)
        number = 0
        try:
            with self.path.open("rb") as raw:
                self._raw = raw
                stream: Any = gzip.GzipFile(fileobj=raw) if self.path.suffix == ".gz" else raw
                head = stream.readline(_PEEK)
                if b"\r" in head.rstrip(b"\r\n"):
                    raise BadInput("the lines end in a carriage return alone (as classic Mac "
                                   "OS wrote them): save the file with LF or CRLF line "
                                   "endings", file=file, line=1)
                if head and not head.endswith(b"\n"):
                    head += stream.readline()
                for number, data in enumerate(itertools.chain([head] if head else [],
                                                              stream), 1):
                    text = data.decode("utf-8")
                    yield text.removeprefix("\ufeff") if number == 1 else text
        except (EOFError, OSError, zlib.error) as error:
            raise BadInput(f"cannot read the file ({error})", file=file) from error
        except UnicodeDecodeError as error:
            raise BadInput(f"not UTF-8 text ({error.reason} at byte {error.start + 1} of the "
                           "line); save the file as UTF-8", file=file,
                           line=number) from error

    def fraction(self) -> float:
        raw = self._raw
        if raw is None or raw.closed:
            return 0.0
        return raw.tell() / max(1, self.path.stat().st_size)


def lines(path: Path) -> Iterator[str]:
    return TextFile(path).lines()


def check_file(path: Path) -> None:
    """Refuse a folder given as a billing file (opening one fails with an error that says
    less, or on Windows that access is denied)."""
    if path.is_dir():
        raise BadInput("is a folder, not a file: give the billing files in it",
                       file=str(path))


def check_unique(header: Sequence[str], file: str, line: int = 1,
                 keys: Sequence[str] | None = None) -> None:
    """Refuse two columns of one name, or of one key where a format compares names by
    ``keys`` (one per column, empty for a column it does not read): which of the two to
    read would be a guess. Unnamed columns (trailing commas) are read by no format."""
    seen: dict[str, int] = {}
    for at, name in enumerate(header):
        key = name if keys is None else keys[at]
        if not key:
            continue
        first = seen.setdefault(key, at)
        if first != at:
            named = f"named {name!r}" if header[first] == name else \
                f"the same column ({header[first]!r} and {name!r})"
            raise BadInput(f"columns {first + 1} and {at + 1} are both {named}: remove or "
                           "rename one", file=file, line=line, column=name)


class Table:
    """A CSV (plain or gzip) or Parquet file as a header and rows of text, each with its
    line: a CSV line, or for Parquet the row number plus one (the header is line 1)."""

    def __init__(self, path: Path) -> None:
        self.path, self.file = path, str(path)
        self.parquet = path.suffix.lower() == ".parquet"
        self._done, self._total = 0, 1
        self._text = TextFile(path)
        if self.parquet:
            self._parquet = ParquetFile(path)
            self.header = self._parquet.names
            self._total = max(1, self._parquet.num_rows)
            check_unique(self.header, self.file)
            return
        self._csv = csv.reader(self._text.lines(), strict=True)
        self.header = []
        try:
            while not any(cell.strip() for cell in self.header):
                self.header = [h.strip() for h in next(self._csv)]
        except StopIteration:
            raise BadInput("the file is empty", file=self.file) from None
        except csv.Error as error:
            raise BadInput(f"malformed CSV: {error}", file=self.file, line=1) from error
        check_separator(self.header, self.file, self._csv.line_num)
        check_unique(self.header, self.file, self._csv.line_num)

    def fraction(self) -> float:
        return self._done / self._total if self.parquet else self._text.fraction()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) for each row that is not blank, each with the header's width."""
        width = len(self.header)
        if self.parquet:
            for number, row in enumerate(self._parquet.rows(), 1):
                self._done = number
                yield number + 1, row
            return
        reader = self._csv
        start = reader.line_num + 1
        try:
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    start = reader.line_num + 1
                    continue
                if len(row) != width:
                    hint = "; a quote opened there may not be closed" \
                        if reader.line_num > start else ""
                    raise BadInput(f"expected {width} fields, found {len(row)}{hint}",
                                   file=self.file, line=start)
                yield start, row
                start = reader.line_num + 1
        except csv.Error as error:
            hint = f" (a quote opened on line {start} is never closed)" \
                if "end of data" in str(error) or "EOF" in str(error) else ""
            raise BadInput(f"malformed CSV: {error}{hint}", file=self.file,
                           line=start) from error


def check_separator(header: list[str], file: str, line: int) -> None:
    """Refuse a header that is one field holding another separator."""
    if len(header) == 1:
        for mark, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if mark in header[0]:
                raise BadInput(f"the fields are separated by {name}: Worthit reads "
                               "comma-separated files; export again with commas",
                               file=file, line=line)


class ParquetFile:
    """A Parquet file read by DuckDB: its columns from the file's footer, then its rows in
    the file's order, each cell as text.

    Timestamps with a time zone are turned into UTC by DuckDB itself (``timezone('UTC',
    ...)``): handing them to Python as zoned values would need Python's time zone
    database, which a Windows bundle may lack."""

    def __init__(self, path: Path) -> None:
        import duckdb

        self.path = path
        check_file(path)
        con = _parquet_connection()
        try:
            described = con.execute("DESCRIBE SELECT * FROM read_parquet($path)",
                                    {"path": duckdb_path(path)}).fetchall()
            (rows,) = con.execute("SELECT sum(num_rows) FROM parquet_file_metadata($path)",
                                  {"path": duckdb_path(path)}).fetchone() or (0,)
            schema = con.execute("SELECT name, num_children FROM parquet_schema($path)",
                                 {"path": duckdb_path(path)}).fetchall()
        except duckdb.Error as error:
            raise _unreadable(path, error) from error
        finally:
            con.close()
        # The file's own names: DuckDB renames a second column of one name (BilledCost_1).
        names = _top_level(schema)
        self.names = names if len(names) == len(described) else \
            [str(name) for name, *_ in described]
        self.types = [str(kind) for _, kind, *_ in described]
        self.num_rows = int(rows or 0)

    def rows(self) -> Iterator[list[str]]:
        """Each row's cells as text, a batch at a time (memory stays bounded)."""
        import duckdb

        zoned = [_zoned(kind) for kind in self.types]
        columns = ", ".join(f"timezone('UTC', #{i})" if utc else f"#{i}"
                            for i, utc in enumerate(zoned, 1))
        con = _parquet_connection()
        try:
            cursor = con.execute(f"SELECT {columns} FROM read_parquet($path)",
                                 {"path": duckdb_path(self.path)})
            while batch := cursor.fetchmany(BATCH):
                for record in batch:
                    yield [_as_text(value.replace(tzinfo=dt.UTC)
                                    if utc and value is not None else value)
                           for value, utc in zip(record, zoned, strict=True)]
        except duckdb.Error as error:
            raise _unreadable(self.path, error) from error
        finally:
            con.close()


def _top_level(schema: list[tuple[Any, Any]]) -> list[str]:
    """The names of a Parquet schema's columns, from its elements (name, children) in the
    file's order: the root, then each column followed by the elements nested in it."""
    names: list[str] = []
    at = 1
    while at < len(schema):
        names.append(str(schema[at][0]))
        pending = 1  # elements of this column still to pass: itself and its descendants
        while pending and at < len(schema):
            pending += int(schema[at][1] or 0) - 1
            at += 1
    return names


def duckdb_path(path: Path) -> str:
    """``path`` as DuckDB's file functions take it literally: they read a name holding
    ``*``, ``?`` or ``[`` as a glob pattern (``bill[1].parquet`` would read
    ``bill1.parquet``), so each of those is written as a one-character class."""
    return re.sub(r"([*?\[])", r"[\1]", str(path))


def _parquet_connection() -> Any:
    import duckdb

    # One thread is as fast as Python takes the rows, and holds the least memory; the
    # rows come in the file's order (DuckDB preserves insertion order by default).
    con = duckdb.connect(config={"threads": 1})
    # Else DuckDB prints a progress bar to the terminal once a query runs two seconds.
    con.execute("SET enable_progress_bar = false")
    return con


def _zoned(kind: str) -> bool:
    """Whether a DuckDB type is a timestamp with a time zone (at any precision)."""
    return kind.startswith(("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"))


def _unreadable(path: Path, error: Exception) -> BadInput:
    # DuckDB's first line says what is wrong ("Invalid Input Error: No magic bytes found
    # ..."); the lines after it quote the query, which means nothing to the reader.
    reason = re.sub(r"^[A-Za-z ]* Error: ", "", str(error).strip().split("\n", 1)[0])
    return BadInput(f"not a readable Parquet file ({reason})", file=str(path))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()  # dated by its UTC day
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):  # a Parquet map arrives as a dict, a list as a list
        return json.dumps(value)
    return str(value)


class Combination(Protocol):
    """What one distinct combination of a file's text cells means for the rows of sums
    of its days (:attr:`Layout.group`), which come by column: one column of values per
    sum (NaN: None), in :attr:`Layout.sums` order."""

    @property
    def template(self) -> list[Any]:
        """Its charge in :data:`CHARGE_COLUMN_NAMES` order; only the key columns count."""

    @property
    def recipe(self) -> Hashable:
        """What :meth:`figures` depends on: for combinations of one recipe, any of them
        gives the figures of all."""

    @property
    def noting(self) -> bool:
        """Whether :meth:`noted` must see each of its rows of sums."""

    def figures(self, sums: Sequence[npt.NDArray[np.float64]],
                ) -> dict[int, npt.NDArray[np.float64]]:
        """The figures of rows of sums, by charge column (NaN: None); a figure not given is
        None. Each value is the one the line mapper gives a row of sums."""

    def noted(self, day: str, sums: Sequence[float | None]) -> None:
        """Tell the file what one row of sums, of ``day`` (ISO), states besides its charge
        (the commitments it runs under), in the order the rows come."""


@dataclass(frozen=True)
class Layout:
    """How a format reads one file, given its header."""

    #: The mapper: cells, the file's running account, the line (None for a row of sums).
    map: Callable[[list[str], BillFile, int | None], list[Any]]
    #: Cells the mapper reads as text; with the day, what a row of sums is grouped by.
    text: tuple[int, ...]
    #: Cells the mapper reads as numbers and that add up.
    sums: tuple[int, ...]
    #: Of ``sums``, the costs every row must have.
    required: tuple[int, ...]
    #: The charge's start, an ISO date or timestamp.
    day: int
    currency: int
    #: The file's own billed cost: the column whose sum the cache must reconcile to.
    billed: int
    #: Whether days are ISO dates (DuckDB can group them); else lines are read one by one.
    iso_days: bool = True
    #: Of ``sums``, the quantities (the rest are costs): each line's is bounded by
    #: :data:`~worthit.sources.cells.LARGEST_QUANTITY`, a cost's by ``LARGEST_COST``.
    quantities: tuple[int, ...] = ()
    #: For a combination of the ``text`` cells (the day left out; trimmed, a nested one as
    #: JSON), its :class:`Combination`: what the cells mean worked out once, for rows of
    #: sums the file was checked for in bulk, taken by column. Without it, rows of sums go
    #: through ``map`` one by one.
    group: Callable[[tuple[str, ...]], Combination] | None = None
    #: The cells naming a line's bill (provider, account, billing period), and the bill
    #: they name with the month of the line's day (:class:`~worthit.sources.bills.Bills`).
    bill_cells: tuple[int, ...] = ()
    bill: BillOf | None = None


def read_table(path: Path, layout_of: Callable[[list[str], str], Layout], found: BillFile,
               *, cancelled: Callable[[], bool] = never,
               progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of a table-shaped file: aggregated by DuckDB where it can, else read
    line by line (which is also what finds and names any bad line)."""
    table = Table(path)
    layout = layout_of(table.header, table.file)
    from worthit.sources.aggregate import daily

    charges = daily(path, table.header, layout, found, cancelled=cancelled,
                    progress=progress)
    if charges is not None:
        yield from charges
        return
    yield from combined(_mapped(table, layout, found), table.fraction,
                        cancelled=cancelled, progress=progress)


def _mapped(table: Table, layout: Layout, found: BillFile) -> Iterator[list[Any]]:
    bills = None if layout.bill is None else Bills(layout.bill, found.bills)
    at = layout.bill_cells
    for line, row in table.rows():
        found.rows_read += 1
        charge = layout.map(row, found, line)
        if bills is not None:
            bills.add(tuple(row[i].strip() for i in at), charge[1][:7])
        yield charge
    if found.rows_read == 0:
        raise BadInput("the file has a header but no charges", file=table.file, line=2)


def combined(rows: Iterable[list[Any]], fraction: Callable[[], float], *,
             cancelled: Callable[[], bool] = never,
             progress: Progress | None = None) -> Iterator[list[Any]]:
    """Charges of the same day and key, added up a batch at a time: the cache holds daily
    figures, and a batch bounds the memory whatever the file's size."""
    batch: dict[tuple[Any, ...], list[Any]] = {}
    for number, row in enumerate(rows, 1):
        key = tuple(row[i] for i in _KEPT_AT)
        held = batch.get(key)
        if held is None:
            batch[key] = list(row)
        else:
            for i in _SUMMED_AT:
                if row[i] is not None:
                    held[i] = row[i] if held[i] is None else held[i] + row[i]
        if number % BATCH == 0:
            if cancelled():
                raise Cancelled
            if progress is not None:
                progress(fraction())
            yield from batch.values()
            batch = {}
    if cancelled():
        raise Cancelled
    yield from batch.values()

"""Tables to CSV and Excel, with the period and the filters written into the file.

:class:`Table` is the exchange type: what a page (or a view's table) hands to a writer.

**CSV** is UTF-8 with a byte-order mark (so Excel reads ``–`` and ``·`` as they are) and
starts with a header block of comment lines, each beginning with ``# ``, before the
column names::

    # Worthit export: Allocation by team, feature, service and resource
    # period: 2026-10-28 to 2026-11-26
    # workspace: Demo workspace
    team,feature,service,resource,effective_cost,...

No data line starts with ``#`` (a first cell that does is quoted), so a reader skips the
leading lines that do::

    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.reader(line for line in f if not line.startswith("# ")))
    # pandas: pd.read_csv(path, skiprows=<number of leading "# " lines>)

(``pd.read_csv(comment="#")`` is not safe: it also cuts a value at a ``#``.) Numbers are
plain: no currency sign or thousands separator, amounts to a millionth (``1234.500000``);
the header block names the currency. Text that a spreadsheet would run as a formula (a
first character of ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading
``'``: bill text is untrusted.

**XLSX** has a title block above the table (title, period, filters), a bold header row
that stays in view (frozen panes) with a filter, numbers stored as numbers with a number
format (currency, percent, counts) and column widths fitted to the contents.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from worthit.core.money import SYMBOLS
from worthit.core.periods import Period
from worthit.export.files import atomic, check_target

if TYPE_CHECKING:
    import pandas as pd

Cell = str | int | float | bool | dt.date | None

#: How a column's numbers read: the kinds :attr:`Table.formats` may name.
FORMATS: Final = ("text", "money", "unit_money", "percent", "integer", "number", "date",
                  "bool")
SUFFIXES: Final = (".csv", ".xlsx")
#: A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_SHEET_NAME_BAD: Final = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH: Final = 60  # characters; longer text wraps


@dataclass(frozen=True)
class Table:
    """A titled table for one period: column names, rows of plain cells, the filters that
    made it (``{"workspace": "Demo", "team": "search"}``) and, per column, what its
    numbers are (one of :data:`FORMATS`; text when not named)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    period: Period | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)
    currency: str = "USD"
    #: A short name (the worksheet's); the title's start when empty.
    name: str = ""

    def __post_init__(self) -> None:
        unknown = {k for k in self.formats.values() if k not in FORMATS}
        if unknown:
            raise ValueError(f"unknown column format {sorted(unknown)[0]!r}")
        missing = set(self.formats) - set(self.columns)
        if missing:
            raise ValueError(f"format for a column the table lacks: {sorted(missing)[0]!r}")
        for number, row in enumerate(self.rows, 1):
            if len(row) != len(self.columns):
                raise ValueError(f"row {number} has {len(row)} cells for "
                                 f"{len(self.columns)} columns")

    @classmethod
    def of(cls, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
           **options: Any) -> Table:
        """A table from column names and rows of any plain or numpy values."""
        return cls(title, tuple(str(c) for c in columns),
                   tuple(tuple(_plain(v) for v in row) for row in rows), **options)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, title: str, **options: Any) -> Table:
        """A table from a DataFrame's columns and rows (the index is left out)."""
        return cls.of(title, list(frame.columns), frame.itertuples(index=False, name=None),
                      **options)

    def format_of(self, column: str) -> str:
        return self.formats.get(column, "text")

    def column(self, name: str) -> list[Cell]:
        at = self.columns.index(name)
        return [row[at] for row in self.rows]

    def total(self, name: str) -> float:
        """The sum of a column's numbers (empty cells left out)."""
        return math.fsum(float(v) for v in self.column(name)
                         if isinstance(v, int | float) and not isinstance(v, bool))

    def header(self) -> list[tuple[str, str]]:
        """(label, value) lines of the title block below the title: period, then filters."""
        lines = [] if self.period is None else [("period", period_text(self.period))]
        return lines + [(str(k), str(v)) for k, v in self.filters.items()]

    def map_text(self, change: Callable[[str], str]) -> Table:
        """The same table with ``change`` applied to every piece of text: title, filter
        values and text cells (masking uses it)."""
        return replace(
            self, title=change(self.title), name=change(self.name),
            filters={k: change(v) for k, v in self.filters.items()},
            rows=tuple(tuple(change(v) if isinstance(v, str) else v for v in row)
                       for row in self.rows))

    @property
    def sheet_name(self) -> str:
        return _SHEET_NAME_BAD.sub(" ", self.name or self.title)[:31].strip() or "Table"


def period_text(period: Period) -> str:
    return f"{period.start.isoformat()} to {period.end.isoformat()}"


def _plain(value: Any) -> Cell:
    """numpy and pandas scalars as Python's; NaN and NA as an empty cell."""
    if value is None or isinstance(value, str | bool):
        return value
    if hasattr(value, "item") and not isinstance(value, dt.date):  # numpy scalar
        value = value.item()
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, int | float | dt.date):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    return str(value)


def as_table(table: Table | pd.DataFrame) -> Table:
    return table if isinstance(table, Table) else Table.from_frame(table, "Table")


# -- CSV --------------------------------------------------------------------------------------


def _csv_cell(value: Cell, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        if kind in ("money", "unit_money", "percent"):
            return f"{value:.6f}"  # as the report's CSV: a millionth of a dollar
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(float(value))  # the shortest text that reads back the same number
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(path: Path, table: Table | pd.DataFrame) -> Path:
    """Write ``table`` to ``path`` (see the module's docstring for the layout)."""
    table = as_table(table)
    check_target(path, (".csv",))
    kinds = [table.format_of(c) for c in table.columns]
    with atomic(path) as temporary, temporary.open("w", encoding="utf-8-sig",
                                                   newline="") as file:
        for line in [f"Worthit export: {table.title}",
                     *(f"{k}: {v}" for k, v in table.header()),
                     f"currency: {table.currency}"]:
            file.write("# " + " ".join(line.split()) + "\n")  # one line, whatever the text
        writer = csv.writer(file, lineterminator="\n")
        quoted = csv.writer(file, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(table.columns)
        for row in table.rows:
            cells = [_csv_cell(v, k) for v, k in zip(row, kinds, strict=True)]
            (quoted if cells and cells[0].startswith("#") else writer).writerow(cells)
    return path


# -- XLSX -------------------------------------------------------------------------------------


def excel_format(kind: str, currency: str) -> str | None:
    """The Excel number format for a column kind (None: General)."""
    symbol = SYMBOLS.get(currency)

    def amount(decimals: int) -> str:
        body = "#,##0." + "0" * decimals
        return f'"{symbol}"{body}' if symbol else f'{body} "{currency}"'

    return {"money": amount(2), "unit_money": amount(4), "percent": "0.0%",
            "integer": "#,##0", "number": "#,##0.00", "date": "yyyy-mm-dd"}.get(kind)


def _shown_width(value: Cell, kind: str) -> int:
    """About how many characters Excel shows for a cell."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        return max((len(line) for line in text.splitlines()), default=0)
    digits = {"money": 2, "unit_money": 4, "number": 2}.get(kind, 0)
    if kind == "percent":
        return len(f"{value * 100:.1f}%")
    if kind == "text":
        return len(str(value))
    return len(f"{value:,.{digits}f}") + (1 if kind in ("money", "unit_money") else 0)


def write_xlsx(path: Path, table: Table | pd.DataFrame) -> Path:
    """Write ``table`` to ``path`` as one worksheet (see the module's docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    table = as_table(table)
    check_target(path, (".xlsx",))
    book = Workbook()
    sheet = book.active
    sheet.title = table.sheet_name
    book.properties.title = table.title
    book.properties.creator = "Worthit"

    sheet.cell(1, 1, table.title).font = Font(bold=True, size=14)
    muted = Font(color="656D76")
    row = 2
    for label, value in [*table.header(), ("currency", table.currency)]:
        cell = sheet.cell(row, 1, f"{label.capitalize()}: {value}")
        cell.data_type = "s"  # never a formula, whatever the text
        cell.font = muted
        row += 1
    header_row = row + 1

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F6F7F9")
    rule = Border(bottom=Side(style="thin", color="9AA0A6"))
    kinds = [table.format_of(c) for c in table.columns]
    widths = [len(c) for c in table.columns]
    for at, name in enumerate(table.columns, 1):
        cell = sheet.cell(header_row, at, name)
        cell.data_type = "s"
        cell.font, cell.fill, cell.border = bold, fill, rule
        numeric = kinds[at - 1] not in ("text", "bool")
        cell.alignment = Alignment(horizontal="right" if numeric else "left")
    formats = [excel_format(k, table.currency) for k in kinds]
    for offset, values in enumerate(table.rows, 1):
        for at, value in enumerate(values, 1):
            cell = sheet.cell(header_row + offset, at)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # a bill's "=..." stays text, never a formula
            elif formats[at - 1] and value is not None and not isinstance(value, bool):
                cell.number_format = formats[at - 1]
            widths[at - 1] = max(widths[at - 1], _shown_width(value, kinds[at - 1]))
    wrap = Alignment(wrap_text=True, vertical="top")
    for at, width in enumerate(widths, 1):
        letter = get_column_letter(at)
        sheet.column_dimensions[letter].width = min(max(width, 6) + 2, MAX_WIDTH)
        if width + 2 > MAX_WIDTH:
            for cell in sheet[letter][header_row:]:
                cell.alignment = wrap
    last = header_row + len(table.rows)
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    if table.columns:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(table.columns))}{last}"
    with atomic(path) as temporary:
        book.save(temporary)
    return path


#: Writers by file suffix.
WRITERS: Final[dict[str, Callable[[Path, Table | pd.DataFrame], Path]]] = {
    ".csv": write_csv,
    ".xlsx": write_xlsx,
}


def write_table(path: Path, table: Table | pd.DataFrame) -> Path:
    """Write ``table`` as CSV or Excel, chosen by ``path``'s suffix."""
    check_target(path, SUFFIXES)
    return WRITERS[path.suffix.lower()](path, table)

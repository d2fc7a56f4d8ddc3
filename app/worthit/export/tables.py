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
the header block names the currency. Text, column names included, that a spreadsheet
would run as a formula (a first character of ``=``, ``+``, ``-``, ``@``, tab or carriage
return) gets a leading ``'``, and a row with a carriage return in a cell is quoted whole
(:mod:`worthit.export.cells`): bill text is untrusted.

**XLSX** has a title block above the table (title, period, filters), a bold header row
that stays in view (frozen panes) with a filter, numbers stored as numbers with a number
format (currency, percent, counts) and column widths fitted to the contents; text cells
are text, never formulas.

In both, a control character that XML cannot hold (Excel's files are XML) is replaced by
U+FFFD (:func:`~worthit.export.cells.printable`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from worthit.core.money import SYMBOLS
from worthit.export.cells import CsvWriter, Figure, figure, printable
from worthit.export.files import atomic, check_target
from worthit.pages.table import Cell, Table, as_table

if TYPE_CHECKING:
    import pandas as pd

SUFFIXES: Final = (".csv", ".xlsx")
MAX_WIDTH: Final = 60  # characters; longer text wraps


# -- CSV --------------------------------------------------------------------------------------


def _csv_value(value: Cell, kind: str) -> Cell:
    """A number as the column's kind writes it (a :class:`Figure`); anything else as it is,
    for :func:`csv_cell` to write."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if kind in ("money", "unit_money", "percent"):
        return figure(value, ".6f")  # as the report's CSV: a millionth of a dollar
    if float(value).is_integer() and abs(value) < 1e15:
        return figure(int(value))
    return Figure(repr(float(value)))  # the shortest text that reads back the same number


def csv_text(table: Table | pd.DataFrame) -> str:
    """``table`` as CSV text (see the module's docstring for the layout): what
    ``worthit report PAGE --format csv`` prints and :func:`write_csv` writes."""
    import io

    table = as_table(table)
    kinds = [table.format_of(c) for c in table.columns]
    out = io.StringIO()
    for line in [f"Worthit export: {table.title}",
                 *(f"{k}: {v}" for k, v in table.header()),
                 f"currency: {table.currency}"]:
        out.write("# " + " ".join(printable(line).split()) + "\n")  # one line, whatever the text
    writer = CsvWriter(out)
    writer.writerow(table.columns)  # a provider's name heads the overview's column
    for row in table.rows:
        writer.writerow(_csv_value(v, k) for v, k in zip(row, kinds, strict=True))
    return out.getvalue()


def write_csv(path: Path, table: Table | pd.DataFrame) -> Path:
    """Write ``table`` to ``path``: :func:`csv_text`, with a byte-order mark for Excel."""
    check_target(path, (".csv",))
    text = csv_text(table)
    with atomic(path) as temporary, temporary.open("w", encoding="utf-8-sig",
                                                   newline="") as file:
        file.write(text)
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
    sheet.title = printable(table.sheet_name)
    book.properties.title = printable(table.title)
    book.properties.creator = "Worthit"

    sheet.cell(1, 1, printable(table.title)).font = Font(bold=True, size=14)
    muted = Font(color="656D76")
    row = 2
    for label, value in [*table.header(), ("currency", table.currency)]:
        cell = sheet.cell(row, 1, printable(f"{label.capitalize()}: {value}"))
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
        cell = sheet.cell(header_row, at, printable(name))
        cell.data_type = "s"
        cell.font, cell.fill, cell.border = bold, fill, rule
        numeric = kinds[at - 1] not in ("text", "bool")
        cell.alignment = Alignment(horizontal="right" if numeric else "left")
    formats = [excel_format(k, table.currency) for k in kinds]
    for offset, values in enumerate(table.rows, 1):
        for at, value in enumerate(values, 1):
            cell = sheet.cell(header_row + offset, at)
            if isinstance(value, str):
                cell.value = printable(value)
                cell.data_type = "s"  # a bill's "=..." stays text, never a formula
            else:
                cell.value = value
                if formats[at - 1] and value is not None and not isinstance(value, bool):
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

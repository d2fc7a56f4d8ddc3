"""Revenue per customer and month from a CSV file (``worthit customers import``), so the
Customers page can set each customer's AI cost against what the customer pays.

The columns are ``month,customer,revenue[,currency]`` in any order and any case: ``month``
as ``YYYY-MM``, ``revenue`` a number of zero or more, ``currency`` an ISO 4217 code (the
workspace's display currency when the column is absent or the cell blank). The file is
read whole before anything is kept: a bad cell, or a customer named twice in one month, is
refused with :class:`~worthit.core.errors.BadInput` naming the file, line and column.

Sources never touch the store (an import-linter contract), so the rows are
:class:`RevenueRow`, field for field the store's ``Revenue``; the command keeps them."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Final, NamedTuple

from worthit.core.errors import BadInput
from worthit.core.money import is_currency
from worthit.sources.bill import TextFile, check_file, check_unique

REQUIRED: Final = ("month", "customer", "revenue")
OPTIONAL: Final = ("currency",)
_MONTH: Final = re.compile(r"(\d{4})-(\d{2})")


class RevenueRow(NamedTuple):
    """One customer's revenue for one calendar month (``YYYY-MM``), in ``currency``."""

    month: str
    customer: str
    revenue: float
    currency: str


def read_revenue_file(path: Path, default_currency: str) -> list[RevenueRow]:
    """Every row of the revenue file at ``path``, in file order; amounts without a
    currency are in ``default_currency``. All or nothing (see the module)."""
    file = str(path)
    check_file(path)
    reader = csv.reader(TextFile(path).lines())
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        raise BadInput("the file is empty; expected a header: month,customer,revenue"
                       "[,currency]", file=file, line=1)
    names = [h.strip().casefold() for h in header]
    check_unique(header, file, keys=[n if n in (*REQUIRED, *OPTIONAL) else "" for n in names])
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise BadInput(f"the header lacks {', '.join(missing)}; expected "
                       "month,customer,revenue[,currency]", file=file, line=1)
    where = {c: names.index(c) for c in (*REQUIRED, *OPTIONAL) if c in names}
    seen: dict[tuple[str, str], int] = {}
    rows: list[RevenueRow] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(header):
            raise BadInput(f"expected {len(header)} fields, found {len(cells)}", file=file,
                           line=line)
        row = {c: cells[i].strip() for c, i in where.items()}
        month = _month(row["month"], file, line)
        customer = row["customer"]
        if not customer:
            raise BadInput("no customer", file=file, line=line, column="customer")
        revenue = _amount(row["revenue"], file, line)
        currency = _currency(row.get("currency", ""), default_currency, file, line)
        first = seen.get((month, customer))
        if first is not None:
            raise BadInput(f"{customer!r} has two revenues for {month} (also on line "
                           f"{first}); give one a month", file=file, line=line,
                           column="customer")
        seen[(month, customer)] = line
        rows.append(RevenueRow(month, customer, revenue, currency))
    if not rows:
        raise BadInput("no revenue rows under the header", file=file, line=2)
    return rows


def _month(text: str, file: str, line: int) -> str:
    found = _MONTH.fullmatch(text)
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1:
        raise BadInput(f"{text!r} is not a month (YYYY-MM, such as 2026-10)", file=file,
                       line=line, column="month")
    return text


def _amount(text: str, file: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadInput(f"revenue {text!r} is not a number (write 1234.5, without a "
                       "currency sign or thousands separators)", file=file, line=line,
                       column="revenue") from None
    if not math.isfinite(value) or value < 0:
        raise BadInput(f"revenue {text!r} must be a number of zero or more", file=file,
                       line=line, column="revenue")
    return value + 0.0  # -0 is 0


def _currency(text: str, default: str, file: str, line: int) -> str:
    if not text:
        return default
    code = text.upper()
    if not is_currency(code):
        raise BadInput(f"{text!r} is not an ISO 4217 currency code (such as USD, EUR, NOK)",
                       file=file, line=line, column="currency")
    return code

"""Dated exchange rates from the user's files. Pure: no SQL, no Qt.

A rate says that on ``day`` one unit of ``from_currency`` was ``rate`` units of
``to_currency``. Two files are read: a simple CSV (``date,from,to,rate``) and the ECB's
reference rates as published (``eurofxref-hist.csv`` and the single day's
``eurofxref.csv``, or the ``.zip`` either comes in), rates per 1 EUR. A file is checked
whole before anything is returned, so an import is all or nothing. Conversion by them is
:mod:`worthit.core.rates`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from worthit.core.errors import BadInput, UserError
from worthit.core.money import is_currency
from worthit.core.periods import parse_date

if TYPE_CHECKING:
    import _csv

SIMPLE_COLUMNS: Final = ("date", "from", "to", "rate")
#: The most a zipped rates file may unpack to (the ECB's whole history is about 2 MB).
MAX_UNZIPPED: Final = 64 * 1024 * 1024
_NUMBER: Final = re.compile(r"\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NO_RATE: Final = frozenset(("", "N/A"))  # an ECB cell of a currency not quoted that day
_MONTHS: Final = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
_ECB_DAY: Final = re.compile(r"(\d{1,2}) ([A-Za-z]+) (\d{4})")  # "03 June 2021"



# -- files ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rate:
    """On ``day``, one ``from_currency`` was ``rate`` ``to_currency``; from ``source``."""

    day: dt.date
    from_currency: str
    to_currency: str
    rate: float
    source: str


@dataclass(frozen=True, slots=True)
class RatesFile:
    """The rates of one file, all checked, and which of the two formats it was."""

    kind: Literal["csv", "ecb"]
    source: str
    rates: tuple[Rate, ...]

    @property
    def days(self) -> tuple[dt.date, dt.date]:
        """The first and last day with a rate."""
        return min(r.day for r in self.rates), max(r.day for r in self.rates)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Each (from, to) pair that has a rate, sorted."""
        return sorted({(r.from_currency, r.to_currency) for r in self.rates})


def read_rates_file(path: Path, *, source: str | None = None) -> RatesFile:
    """The rates in ``path`` (see :func:`parse_rates`), each kept with ``source`` (default:
    the file's name). A ``.zip`` holding one CSV, as the ECB serves it, is read inside."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from error
    file = str(path)
    if data.startswith(b"PK\x03\x04"):
        data, file = _unzipped(data, file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInput(f"not UTF-8 text (byte {error.start + 1})", file=file) from None
    name = path.name if source is None else source.strip()
    if not name:
        raise UserError("A source needs a name (--source NAME).")
    return parse_rates(text, file=file, source=name)


def _unzipped(data: bytes, file: str) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1 or not members[0].filename.lower().endswith(".csv"):
                raise BadInput("a zip of rates must hold one .csv file, as the ECB's does",
                               file=file)
            if members[0].file_size > MAX_UNZIPPED:
                raise BadInput(f"{members[0].filename} unpacks to more than "
                               f"{MAX_UNZIPPED // 2**20} MB", file=file)
            with archive.open(members[0]) as member:
                return member.read(MAX_UNZIPPED + 1)[:MAX_UNZIPPED], (
                    f"{file}:{members[0].filename}")
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise BadInput(f"a damaged zip file ({error})", file=file) from None


def parse_rates(text: str, *, file: str, source: str) -> RatesFile:
    """Every rate in ``text``, the format told from its header: ``date,from,to,rate`` (any
    order and case; other columns are ignored) or the ECB's ``Date,USD,JPY,…`` (rates per
    1 EUR, ``N/A`` where a currency was not quoted, a trailing comma on each line). Any bad
    cell is a :class:`BadInput` naming ``file``, the line and the column."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    header = [cell.strip() for cell in next(reader, [])]
    while header and not header[-1]:
        header.pop()  # the ECB's trailing comma
    folded = [h.casefold() for h in header]
    if not header:
        raise BadInput("the file is empty; expected a header date,from,to,rate or the "
                       "ECB's Date,USD,JPY,…", file=file, line=1)
    if folded[0] == "date" and len(header) > 1 and re.fullmatch(r"[A-Z]{3}", header[1]):
        rates = _ecb_rates(reader, header, file, source)
        kind: Literal["csv", "ecb"] = "ecb"
    elif any(c in folded for c in SIMPLE_COLUMNS[1:]):
        rates = _simple_rates(reader, header, file, source)
        kind = "csv"
    else:
        raise BadInput(f"the header {','.join(header)!r} is neither date,from,to,rate nor "
                       "the ECB's Date,USD,JPY,…", file=file, line=1)
    if not rates:
        raise BadInput("the file holds no rates", file=file)
    return RatesFile(kind, source, tuple(rates))


def _simple_rates(reader: _csv.Reader, header: list[str], file: str,
                  source: str) -> list[Rate]:
    folded = [h.casefold() for h in header]
    missing = [c for c in SIMPLE_COLUMNS if c not in folded]
    if missing:
        raise BadInput(f"the header lacks {', '.join(missing)}; expected date,from,to,rate",
                       file=file, line=1)
    where = {c: folded.index(c) for c in SIMPLE_COLUMNS}
    name = {c: header[i] for c, i in where.items()}
    seen: dict[tuple[dt.date, str, str], int] = {}
    rates = []
    for row in reader:
        line = reader.line_num  # a quoted cell may span lines
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(where.values()):
            raise BadInput(f"expected {len(header)} fields, found {len(row)}", file=file,
                           line=line)
        cells = {c: row[i].strip() for c, i in where.items()}
        try:
            day = parse_date(cells["date"])
        except UserError as error:
            raise BadInput(str(error), file=file, line=line, column=name["date"]) from None
        pair = [_currency(cells[c], file, line, name[c]) for c in ("from", "to")]
        if pair[0] == pair[1]:
            raise BadInput(f"a rate from {pair[0]} to {pair[1]} is always 1", file=file,
                           line=line, column=name["to"])
        value = _rate(cells["rate"], file, line, name["rate"])
        first = seen.setdefault((day, pair[0], pair[1]), line)
        if first != line:
            raise BadInput(f"a second {pair[0]}→{pair[1]} rate on {day} (the first is on "
                           f"line {first})", file=file, line=line, column=name["date"])
        rates.append(Rate(day, pair[0], pair[1], value, source))
    return rates


def _ecb_rates(reader: _csv.Reader, header: list[str], file: str,
               source: str) -> list[Rate]:
    codes = header[1:]
    for code in codes:
        if not is_currency(code) or code == "EUR":
            problem = "EUR is what the rates are per" if code == "EUR" else "not a currency code"
            raise BadInput(f"{code!r} is {problem}", file=file, line=1, column=code or None)
    if len(set(codes)) < len(codes):
        twice = next(c for c in codes if codes.count(c) > 1)
        raise BadInput(f"{twice} heads two columns", file=file, line=1, column=twice)
    seen: dict[dt.date, int] = {}
    rates = []
    for row in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in row]
        while cells and not cells[-1]:
            cells.pop()  # the trailing comma
        if not cells:
            continue
        if len(cells) > len(header):
            raise BadInput(f"{len(cells) - 1} values for {len(codes)} currencies", file=file,
                           line=line)
        day = _ecb_day(cells[0], file, line, header[0])
        first = seen.setdefault(day, line)
        if first != line:
            raise BadInput(f"{day} is listed twice (also on line {first})", file=file,
                           line=line, column=header[0])
        if len(cells) < len(header):  # the ECB writes N/A: a partial download, perhaps
            raise BadInput(f"{len(cells) - 1} values for {len(codes)} currencies: is the "
                           "file cut short?", file=file, line=line)
        for code, cell in zip(codes, cells[1:], strict=False):
            if cell.upper() not in _NO_RATE:
                rates.append(Rate(day, "EUR", code, _rate(cell, file, line, code), source))
    return rates


def _ecb_day(text: str, file: str, line: int, column: str) -> dt.date:
    """An ISO day (the history) or the single day's ``03 June 2021``."""
    match = _ECB_DAY.fullmatch(text)
    try:
        if match and match[2].casefold() in _MONTHS:
            return dt.date(int(match[3]), _MONTHS[match[2].casefold()], int(match[1]))
        return parse_date(text)
    except (UserError, ValueError):
        raise BadInput(f"{text!r} is not a date (YYYY-MM-DD, or 03 June 2021)", file=file,
                       line=line, column=column) from None


def _currency(text: str, file: str, line: int, column: str) -> str:
    code = text.upper()
    if not is_currency(code):
        raise BadInput(f"{text!r} is not an ISO 4217 currency code (such as USD, EUR, NOK)",
                       file=file, line=line, column=column)
    return code


def _rate(text: str, file: str, line: int, column: str) -> float:
    value = float(text) if _NUMBER.fullmatch(text) else math.nan
    if not (math.isfinite(value) and value > 0):
        raise BadInput(f"the rate {text!r} is not a number above 0", file=file, line=line,
                       column=column)
    return value



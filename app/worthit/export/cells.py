"""Cells made safe at a writer's boundary, for files a manager opens in a spreadsheet or a
slide program: bill text (team, service, resource, model names) is untrusted.

:func:`csv_cell` is every CSV writer's cell, and :class:`CsvWriter` writes rows of them.
Text a spreadsheet would run as a formula (a first character of ``=``, ``+``, ``-``, ``@``,
tab or carriage return) gets a leading ``'``, as OWASP's advice on CSV injection has it.
Numbers the app wrote stay as they are, so a cost of ``-12.5`` is still a number: ints,
floats (numpy's too) and :class:`Figure`, text the app formatted from a number
(``figure(-12.5, ".6f")``).
A row with a carriage return in a cell is quoted whole: the csv module quotes a line feed
but leaves a lone carriage return bare when lines end in ``\\n``, and a spreadsheet would
break the row there. A row whose first cell starts with ``#`` is quoted too, so that no
data line reads as one of a file's ``# `` comment lines.

:func:`printable` replaces what XML 1.0 cannot hold (control characters but tab, line feed
and carriage return; lone surrogates; U+FFFE and U+FFFF) with U+FFFD, so that the reader
sees something was there: openpyxl refuses such text (``IllegalCharacterError``), and so
does lxml under python-pptx's charts and document properties, failing the export. The
Excel and deck writers pass their text through it; :func:`csv_cell` does too."""

from __future__ import annotations

import csv
import datetime as dt
import numbers
import re
from collections.abc import Iterable
from typing import IO, Final

#: A cell starting with one of these is a formula to a spreadsheet.
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
#: What XML 1.0 cannot hold, and the C1 controls and DEL besides (legal XML, but no name or
#: label has them; a spreadsheet shows them as boxes).
_UNPRINTABLE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT: Final = "\ufffd"


class Figure(str):
    """Text the app formatted from a number (``"-12.500000"``): written as it is, never
    escaped as a formula."""

    __slots__ = ()


def figure(value: float, spec: str = "") -> Figure:
    """``value`` formatted by ``spec`` (``".6f"``, ``"g"``), marked as a number."""
    return Figure(format(value, spec))


def printable(text: str) -> str:
    """``text`` with each character XML cannot hold (and each other control character but
    tab, line feed and carriage return) replaced by U+FFFD."""
    return _UNPRINTABLE.sub(REPLACEMENT, text)


def csv_cell(value: object) -> str:
    """One CSV cell: empty for None, numbers and :class:`Figure` as they are, ``true`` or
    ``false``, dates in ISO form, and any other text printable and, when a spreadsheet would
    run it as a formula, after a ``'``."""
    if value is None:
        return ""
    if isinstance(value, Figure):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Real):  # numpy's numbers too
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = printable(str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


class CsvWriter:
    """``csv.writer``'s rows, each cell through :func:`csv_cell`, lines ending in ``\\n``;
    a row is quoted whole when a cell holds a carriage return or its first cell starts with
    ``#``."""

    def __init__(self, file: IO[str]) -> None:
        self._plain = csv.writer(file, lineterminator="\n")
        self._quoted = csv.writer(file, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, values: Iterable[object]) -> None:
        cells = [csv_cell(v) for v in values]
        quote = any("\r" in c for c in cells) or bool(cells and cells[0].startswith("#"))
        (self._quoted if quote else self._plain).writerow(cells)


__all__ = ["FORMULA_START", "REPLACEMENT", "CsvWriter", "Figure", "csv_cell", "figure",
           "printable"]

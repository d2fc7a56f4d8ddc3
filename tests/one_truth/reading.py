"""Reading what the surfaces print, the way a person or a spreadsheet would: a page's CSV
(header block of ``# `` lines, then the table), the text's aligned columns, and the CLI
run in this process."""

from __future__ import annotations

import csv
import io
import math
import re
from contextlib import redirect_stdout
from dataclasses import dataclass

from tests.one_truth.ledger import MILLIONTH
from worthit.cli import main
from worthit.workspace import Workspace


def cli(workspace: Workspace, *args: str) -> str:
    """``worthit --workspace DIR ARGS`` in this process: what it printed (exit 0)."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["--workspace", str(workspace.folder), *args])
    assert code == 0, f"worthit {' '.join(args)} exited with {code}"
    return out.getvalue()


@dataclass(frozen=True)
class Csv:
    """A page's CSV: its header block (``title`` and ``label: value`` lines) and rows."""

    title: str
    header: dict[str, str]
    columns: list[str]
    rows: list[dict[str, str]]

    def number(self, row: dict[str, str], column: str) -> float | None:
        text = row[column]
        return float(text) if text else None

    def total(self, column: str, rows: list[dict[str, str]] | None = None
              ) -> tuple[float, float]:
        """The sum of a column's numbers, and what that sum is good to (each number is
        written to a millionth)."""
        values = [v for row in (self.rows if rows is None else rows)
                  if (v := self.number(row, column)) is not None]
        return math.fsum(values), MILLIONTH * max(1, len(values))


def read_csv(text: str) -> Csv:
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    block = [line[2:].rstrip("\n") for line in lines if line.startswith("# ")]
    assert block and block[0].startswith("Worthit export: "), block[:1]
    header = dict(line.split(": ", 1) for line in block[1:] if ": " in line)
    table = list(csv.reader(line for line in lines if not line.startswith("# ")))
    columns = table[0]
    rows = [dict(zip(columns, row, strict=True)) for row in table[1:]]
    return Csv(block[0].removeprefix("Worthit export: "), header, columns, rows)


def cells(line: str) -> list[str]:
    """A line of aligned text as its cells (columns are two or more spaces apart)."""
    return re.split(r"\s{2,}", line.strip())


def block(text: str, heading: str) -> list[str]:
    """The lines after the line ``heading`` up to the next empty line."""
    lines = text.splitlines()
    assert heading in lines, f"no line {heading!r} in:\n{text}"
    out = []
    for line in lines[lines.index(heading) + 1:]:
        if not line.strip():
            break
        out.append(line)
    return out


def line_with(text: str, start: str) -> str:
    """The first line of ``text`` that starts with ``start``."""
    found = [line for line in text.splitlines() if line.startswith(start)]
    assert found, f"no line starting {start!r} in:\n{text}"
    return found[0]

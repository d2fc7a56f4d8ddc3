"""Helpers the export tests share: the report's JSON as the oracle for every figure, and
a scan of a file's bytes (inside zips too: a .pptx carries each chart's data as an
embedded .xlsx)."""

from __future__ import annotations

import csv
import functools
import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from worthit.cli import main
from worthit.workspace import Workspace


@functools.cache
def report_json(workspace: Workspace, page: str, *args: str) -> Any:
    """``worthit report PAGE --format json``: what the files must agree with (once per
    page: the demo workspace is read-only)."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--workspace", str(workspace.folder), "report", page, "--format",
                     "json", *args]) == 0
    return json.loads(out.getvalue())


def parts(data: bytes, name: str = "") -> Iterator[tuple[str, bytes]]:
    """Every part of a file: the file itself, or the parts of a zip and of zips in it."""
    if data[:4] != b"PK\x03\x04":
        yield name, data
        return
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            yield from parts(archive.read(member), f"{name}/{member}")


def ids_found(path: Path, ids: set[str]) -> dict[str, list[str]]:
    """Which ids appear in which parts of ``path`` (its bytes, unzipped all the way)."""
    found: dict[str, list[str]] = {}
    for name, data in parts(path.read_bytes(), path.name):
        for value in ids:
            if value.encode() in data:
                found.setdefault(value, []).append(name)
    return found


def read_csv(path: Path) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """An exported CSV as its header block, its columns and its rows, read the way the
    module's docstring tells a reader to."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        return parse_csv(file.read())


def parse_csv(text: str) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """A page's CSV text (``worthit report PAGE --format csv``), as :func:`read_csv`."""
    lines = text.splitlines(keepends=True)
    header = [line[2:].rstrip("\n") for line in lines if line.startswith("# ")]
    rows = list(csv.reader(line for line in lines if not line.startswith("# ")))
    columns = rows[0]
    return header, columns, [dict(zip(columns, row, strict=True)) for row in rows[1:]]


def number(text: str) -> float:
    return float(text) if text else 0.0

"""Importing billing files into the cache: recognise, read, reconcile, replace, record.

A file's charges replace its source's charges for the days the file covers, in one
transaction that also checks the reconciliation: the file's own billed and effective
totals must equal what landed in the cache to $0.01, or nothing lands. Every attempt,
refused or not, is recorded in ``sync_runs``."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from worthit.core.errors import BadInput, Cancelled, UserError
from worthit.sources.bill import BillFile, Progress, Table, TextFile, check_separator, never
from worthit.store.cache import Cache

Reader = Callable[..., Iterator[list[Any]]]

FORMATS: Final = ("auto", "focus", "aws-cur", "azure", "gcp")
TOLERANCE: Final = 0.01


@dataclass(frozen=True)
class ImportResult:
    path: Path
    kind: str
    source: str
    first: dt.date
    last: dt.date
    rows_read: int
    rows_written: int
    currency: str
    file_billed: float
    file_effective: float
    cache_billed: float
    cache_effective: float
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path), "kind": self.kind, "source": self.source,
            "period": {"from": self.first.isoformat(), "to": self.last.isoformat()},
            "rows_read": self.rows_read, "rows_written": self.rows_written,
            "currency": self.currency,
            "billed": {"file": round(self.file_billed, 6), "cache": round(self.cache_billed, 6)},
            "effective": {"file": round(self.file_effective, 6),
                          "cache": round(self.cache_effective, 6)},
            "result": "ok",
        }


def recognise(path: Path) -> str:
    """The kind of billing file, from its header."""
    from worthit.sources.aws_cur import is_cur
    from worthit.sources.azure import is_azure
    from worthit.sources.focus import is_focus
    from worthit.sources.gcp import is_gcp

    if not path.is_file():
        raise UserError(f"{path}: no such file")
    text = TextFile(path)
    first = None
    if path.suffix.lower() != ".parquet":
        first = next((line for line in text.lines() if line.strip()), None)
    if path.suffix.lower() == ".parquet":
        header = Table(path).header
    elif first is None:
        raise BadInput("the file is empty", file=str(path))
    elif first.lstrip().startswith("{"):
        header = []
    else:
        try:
            header = [h.strip() for h in next(csv.reader([first]))]
        except (csv.Error, StopIteration):
            header = []
        check_separator(header, str(path), 1)
    strict_focus = {"BilledCost", "ChargePeriodStart"}.issubset(header)
    for kind, matches in (("focus", lambda _: strict_focus), ("aws-cur", is_cur),
                          ("azure", is_azure), ("focus", is_focus)):
        if header and matches(header):
            return kind
    if first is not None and is_gcp(first):
        return "gcp"
    raise BadInput("not a file Worthit reads yet: it imports FOCUS 1.0 to 1.3 exports, AWS "
                   "CUR (legacy, Athena-style and CUR 2.0), Azure cost exports and GCP "
                   "billing exports (CSV, CSV.gz or Parquet; newline JSON for GCP)",
                   file=str(path), line=1)


def _reader(kind: str) -> Reader:
    if kind == "aws-cur":
        from worthit.sources.aws_cur import read_cur

        return read_cur
    if kind == "gcp":
        from worthit.sources.gcp import read_gcp

        return read_gcp
    if kind == "azure":
        from worthit.sources.azure import read_azure

        return read_azure
    from worthit.sources.focus import read_focus

    return read_focus


def import_file(cache: Cache, path: Path, *, kind: str = "auto", source: str | None = None,
                cancelled: Callable[[], bool] = never,
                progress: Progress | None = None) -> ImportResult:
    """Import one file, all or nothing, streaming it through in batches. A refusal raises
    :class:`UserError`, a cancel :class:`Cancelled`; either is recorded as a run and
    leaves the cache as it was."""
    began = time.perf_counter()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    name = source or f"file:{path.name}"
    found = BillFile(path)
    try:
        if kind not in FORMATS:
            raise UserError(f"{path}: unknown format {kind!r}; one of {', '.join(FORMATS)}")
        found_kind = recognise(path) if kind == "auto" else kind
        if not path.is_file():
            raise UserError(f"{path}: no such file")
        read = _reader(found_kind)
        totals: dict[str, float] = {}

        def reconcile(conn: sqlite3.Connection, days: tuple[str, str] | None) -> None:
            assert days is not None and found.currency is not None  # a file has a charge
            billed, effective = conn.execute(
                "SELECT TOTAL(billed_cost), TOTAL(effective_cost) FROM charges "
                "WHERE source_id = ? AND charge_period_start BETWEEN ? AND ?",
                (name, *days)).fetchone()
            totals.update(billed=billed, effective=effective)
            for what, mine, theirs in (("billed", billed, found.billed),
                                       ("effective", effective, found.effective)):
                if abs(mine - theirs) > TOLERANCE:
                    raise UserError(
                        f"{path}: the {what} cost in the file ({theirs:.6f}) and in the "
                        f"cache ({mine:.6f}) differ by more than $0.01; nothing was imported")
            _ensure_source(conn, name, found_kind, path)

        rows = ([name, *row[1:]] for row in read(path, found, cancelled=cancelled,
                                                  progress=progress))
        written = cache.replace_charges(name, None, None, rows, check=reconcile)
    except (UserError, Cancelled) as error:
        outcome = "cancelled" if isinstance(error, Cancelled) else "failed"
        _record(cache, name, started, None, None, found.rows_read, 0, None, None, outcome,
                str(error) or "cancelled by the user")
        raise
    if progress is not None:
        progress(1.0)
    assert found.first is not None and found.last is not None and found.currency is not None
    result = ImportResult(path, found_kind, name, found.first, found.last, found.rows_read,
                          written, found.currency, found.billed, found.effective,
                          totals["billed"], totals["effective"], time.perf_counter() - began)
    _record(cache, name, started, found.first, found.last, found.rows_read, written,
            (totals["billed"], totals["effective"]), (found.billed, found.effective), "ok",
            None)
    return result


def _ensure_source(conn: sqlite3.Connection, name: str, kind: str, path: Path) -> None:
    """The file's source, created with the charges (so a refused file leaves none)."""
    conn.execute(
        "INSERT INTO sources (source_id, kind, name, settings, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source_id) DO NOTHING",
        (name, f"{kind}-file", name, json.dumps({"path": str(path.resolve()), "format": kind}),
         dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))


def _record(cache: Cache, name: str, started: str, first: dt.date | None,
            last: dt.date | None, read: int, written: int,
            cache_totals: tuple[float, float] | None, file_totals: tuple[float, float] | None,
            result: str, error: str | None) -> None:
    with cache.transaction() as conn:
        conn.execute(
            "INSERT INTO sync_runs (source_id, started_at, finished_at, period_start, "
            "period_end, rows_read, rows_written, billed_total, effective_total, "
            "source_billed_total, source_effective_total, result, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, started, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
             first.isoformat() if first else None, last.isoformat() if last else None,
             read, written, *(cache_totals or (None, None)), *(file_totals or (None, None)),
             result, error))

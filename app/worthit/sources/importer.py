"""Importing billing files into the cache: recognise, read, reconcile, replace, record.

A file's charges replace its source's charges for the days the file covers, in one
transaction that also checks the reconciliation: the file's own billed and effective
totals must equal what landed in the cache to $0.01, or nothing lands. Every attempt,
refused or not, is recorded in ``sync_runs``."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from worthit.core.errors import BadInput, UserError
from worthit.sources.focus import read_focus
from worthit.store.cache import Cache

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
    from worthit.sources.focus import lines

    if path.suffix.lower() == ".parquet":
        return "focus"  # Parquet bills Worthit reads are FOCUS; the reader checks columns
    for line in lines(path):
        header = line
        break
    else:
        raise BadInput("the file is empty", file=str(path))
    if "BilledCost" in header and "ChargePeriodStart" in header:
        return "focus"
    if "ChargeType" in header and "AmortizedCost" in header:
        return "focus"  # refused by the FOCUS reader with what to do instead
    from worthit.sources.aws_cur import is_cur

    if is_cur(header):
        return "aws-cur"
    from worthit.sources.azure import is_azure

    if is_azure(header):
        return "azure"
    from worthit.sources.gcp import is_gcp

    if is_gcp(header):
        return "gcp"
    raise BadInput("not a file Worthit reads yet: it imports FOCUS 1.0 to 1.3 exports, AWS "
                   "CUR, Azure cost exports and GCP billing exports (CSV, CSV.gz, or "
                   "newline JSON for GCP)", file=str(path), line=1)


def import_file(cache: Cache, path: Path, *, kind: str = "auto",
                source: str | None = None) -> ImportResult:
    """Import one file (all or nothing); a refusal raises :class:`UserError` and is
    recorded as a failed run."""
    began = time.perf_counter()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    name = source or f"file:{path.name}"
    try:
        if not path.is_file():
            raise UserError(f"{path}: no such file")
        found_kind = recognise(path) if kind == "auto" else kind
        if found_kind not in FORMATS[1:]:
            raise UserError(f"{path}: unknown format {kind!r}")
        if found_kind == "aws-cur":
            from worthit.sources.aws_cur import read_cur

            read = read_cur(path)
        elif found_kind == "gcp":
            from worthit.sources.gcp import read_gcp

            read = read_gcp(path)
        elif found_kind == "azure":
            from worthit.sources.azure import read_azure

            read = read_azure(path)
        else:
            read = read_focus(path)
        assert read.first is not None and read.last is not None and read.currency is not None
        source_id = _source(cache, name, found_kind)
        rows = [[source_id, *row[1:]] for row in read.rows]
        totals: dict[str, float] = {}

        def reconcile(conn: sqlite3.Connection) -> None:
            billed, effective = conn.execute(
                "SELECT TOTAL(billed_cost), TOTAL(effective_cost) FROM charges "
                "WHERE source_id = ? AND charge_period_start BETWEEN ? AND ?",
                (source_id, read.first.isoformat(), read.last.isoformat())).fetchone()
            totals.update(billed=billed, effective=effective)
            for what, mine, theirs in (("billed", billed, read.billed),
                                       ("effective", effective, read.effective)):
                if abs(mine - theirs) > TOLERANCE:
                    raise UserError(
                        f"{path}: the {what} cost in the file ({theirs:.6f}) and in the "
                        f"cache ({mine:.6f}) differ by more than $0.01; nothing was imported")

        written = cache.replace_charges(source_id, read.first, read.last, rows,
                                        check=reconcile)
    except UserError as error:
        _record(cache, name, started, None, None, 0, 0, None, None, "failed", str(error))
        raise
    result = ImportResult(path, found_kind, name, read.first, read.last, len(read.rows),
                          written, read.currency, read.billed, read.effective,
                          totals["billed"], totals["effective"], time.perf_counter() - began)
    _record(cache, name, started, read.first, read.last, len(read.rows), written,
            (totals["billed"], totals["effective"]), (read.billed, read.effective), "ok", None)
    return result


def _source(cache: Cache, name: str, kind: str) -> str:
    row = cache.scalar("SELECT source_id FROM sources WHERE name = ?", (name,))
    if row is not None:
        return str(row)
    source_id = name
    with cache.transaction() as conn:
        conn.execute(
            "INSERT INTO sources (source_id, kind, name, settings, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (source_id, f"{kind}-file", name, json.dumps({}),
             dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
    return source_id


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

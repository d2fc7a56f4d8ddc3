"""A live source's facts beside its charges: utilisation and usage series (``metrics``) and
inventory (``resources``), written in the same transaction as the run that fetched them, so
a re-sync replaces them and a failed or cancelled one leaves them as they were.

A metric row is ``(period_start, granularity, resource_id, metric, stat, value, unit)``: a
day (``YYYY-MM-DD``, granularity ``day``) or an hour (``YYYY-MM-DDTHH:00:00Z``, ``hour``).
A resource row is ``(resource_id, resource_type, provider_name, region_id, name, facts,
observed_at)`` with ``facts`` a dict (stored as JSON). Inventory is a snapshot: a source's
resources are replaced whole; its metrics only for the days it fetched."""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Sequence
from typing import Any, Final

from worthit.core.errors import BadInput

GRANULARITIES: Final = ("day", "hour")
_INSERT_METRICS: Final = (
    "INSERT INTO metrics (source_id, period_start, granularity, resource_id, metric, stat, "
    "value, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_RESOURCES: Final = (
    "INSERT INTO resources (source_id, resource_id, resource_type, provider_name, region_id, "
    "name, facts, observed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def write_facts(conn: sqlite3.Connection, source_id: str, start: dt.date, end: dt.date,
                metrics: Sequence[Sequence[Any]] | None,
                resources: Sequence[Sequence[Any]] | None) -> int:
    """Replace the source's metrics for ``start``..``end`` (when it fetched any: None leaves
    them alone) and its resources (likewise). Returns the rows written."""
    written = 0
    if metrics is not None:
        first, last = start.isoformat(), end.isoformat()
        rows = []
        for number, row in enumerate(metrics, 1):
            period, granularity, resource_id, metric, stat, value, unit = row
            if granularity not in GRANULARITIES or not isinstance(period, str) or \
                    not first <= period[:10] <= last:
                raise BadInput(f"metric {number} ({metric!r} of {resource_id!r}) is for "
                               f"{period!r} ({granularity}), outside {first} to {last}")
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise BadInput(f"metric {number} ({metric!r} of {resource_id!r}) is "
                               f"{value!r}, not a finite number")
            rows.append((source_id, period, granularity, str(resource_id), str(metric),
                         str(stat), float(value), unit))
        conn.execute("DELETE FROM metrics WHERE source_id = ? "
                     "AND substr(period_start, 1, 10) BETWEEN ? AND ?",
                     (source_id, first, last))
        conn.executemany(_INSERT_METRICS, rows)
        written += len(rows)
    if resources is not None:
        conn.execute("DELETE FROM resources WHERE source_id = ?", (source_id,))
        conn.executemany(_INSERT_RESOURCES, [
            (source_id, str(resource_id), kind, provider, region, name,
             json.dumps(facts, sort_keys=True), observed)
            for resource_id, kind, provider, region, name, facts, observed in resources])
        written += len(resources)
    return written


__all__ = ["GRANULARITIES", "write_facts"]

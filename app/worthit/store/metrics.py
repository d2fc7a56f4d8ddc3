"""A live source's facts beside its charges: utilisation and usage series (``metrics``) and
inventory (``resources``), written in the same transaction as the run that fetched them, so
a re-sync replaces them and a failed or cancelled one leaves them as they were.

A metric row is ``(period_start, granularity, resource_id, metric, stat, value, unit)``: a
day (``YYYY-MM-DD``, granularity ``day``) or an hour (``YYYY-MM-DDTHH:00:00Z``, ``hour``).
A resource row is ``(resource_id, resource_type, provider_name, region_id, name, facts,
observed_at)`` with ``facts`` a dict (stored as JSON). Inventory is a snapshot: a source's
resources are replaced whole; its metrics only for the days it fetched. The reads below
are what the leak detectors, the watch and the model swap take from the metrics."""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from worthit.core.errors import BadInput
from worthit.store.cache import Cache

if TYPE_CHECKING:
    import pandas as pd

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


def add_metrics(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Insert metric rows as they are, ``source_id`` first (no check, nothing replaced):
    for a writer that made them itself, inside its own transaction."""
    conn.executemany(_INSERT_METRICS, rows)


# -- reads ----------------------------------------------------------------------------------


def daily_utilisation(cache: Cache, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Each resource's daily p95 GPU or CPU utilisation (%) within the days: columns
    resource_id, day, metric, value, by resource and day."""
    return cache._frame(
        "SELECT resource_id, period_start AS day, metric, value FROM metrics "
        "WHERE granularity = 'day' AND stat = 'p95' AND metric IN "
        "('GPUUtilization', 'CPUUtilization') AND period_start BETWEEN ? AND ? "
        "ORDER BY resource_id, day", (start.isoformat(), end.isoformat()))


def hourly_requests(cache: Cache, start: dt.date,
                    end: dt.date) -> list[tuple[str, str, float]]:
    """(resource id, hour's start, requests) of every hourly request count within the
    days."""
    return [(row[0], row[1], row[2]) for row in cache._rows(
        "SELECT resource_id, period_start, value FROM metrics WHERE granularity = 'hour' "
        "AND metric = 'Requests' AND period_start >= ? AND period_start < ?",
        (start.isoformat(), (end + dt.timedelta(days=1)).isoformat()))]


def hourly_requests_of(cache: Cache, resource_id: str) -> list[tuple[str, float]]:
    """(hour's start, requests) of one resource's hourly request counts, all days."""
    return [(row[0], row[1]) for row in cache._rows(
        "SELECT period_start, value FROM metrics WHERE resource_id = ? AND metric = "
        "'Requests' AND granularity = 'hour'", (resource_id,))]


def requests_by_hour(cache: Cache) -> list[tuple[str, int, float]]:
    """(resource id, hour of the day, requests) summed over every day's hourly counts."""
    return [(row[0], row[1], row[2]) for row in cache._rows(
        "SELECT resource_id, CAST(substr(period_start, 12, 2) AS INTEGER) AS hour, "
        "TOTAL(value) AS requests FROM metrics WHERE metric = 'Requests' "
        "AND granularity = 'hour' GROUP BY resource_id, hour")]


def inventory_requests_by_hour(cache: Cache, start: dt.date,
                               end: dt.date) -> list[tuple[str, int, float]]:
    """(resource id, hour of the day, requests) summed over the days, for the resources
    in the inventory (``resources``) only."""
    return [(row[0], row[1], row[2]) for row in cache._rows(
        "SELECT m.resource_id, CAST(substr(m.period_start, 12, 2) AS INTEGER) AS hour, "
        "TOTAL(m.value) AS requests FROM metrics AS m JOIN resources AS r "
        "ON r.resource_id = m.resource_id WHERE m.metric = 'Requests' "
        "AND m.granularity = 'hour' AND substr(m.period_start, 1, 10) BETWEEN ? AND ? "
        "GROUP BY m.resource_id, hour", (start.isoformat(), end.isoformat()))]


__all__ = [
    "GRANULARITIES", "add_metrics", "daily_utilisation", "hourly_requests",
    "hourly_requests_of", "inventory_requests_by_hour", "requests_by_hour", "write_facts",
]

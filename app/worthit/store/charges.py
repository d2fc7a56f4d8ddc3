"""Reads over ``charges`` that the analysis and the sync need: one resource's cost per
day, cost by resource for a kind of usage, model usage by day and key, a source's totals
and newest day. Values are bound parameters; usage types are matched with ``LIKE``
patterns the callers give (``%BoxUsage%``), never with SQL of theirs."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from worthit.store.cache import Cache

if TYPE_CHECKING:
    import pandas as pd


def count_charges(cache: Cache) -> int:
    """How many charges the cache holds."""
    return int(cache._scalar("SELECT COUNT(*) FROM charges"))


def newest_day(cache: Cache, source_id: str) -> dt.date | None:
    """The last day the source has charges for, None when it has none."""
    held = cache._scalar("SELECT MAX(charge_period_start) FROM charges WHERE source_id = ?",
                         (source_id,))
    return dt.date.fromisoformat(held) if held else None


def source_totals(conn: sqlite3.Connection, source_id: str, first: str,
                  last: str) -> tuple[float, float]:
    """The source's billed and effective cost from day ``first`` to ``last`` (ISO), on the
    connection given: a reconciliation reads them inside the write, before it commits."""
    billed, effective = conn.execute(
        "SELECT TOTAL(billed_cost), TOTAL(effective_cost) FROM charges "
        "WHERE source_id = ? AND charge_period_start BETWEEN ? AND ?",
        (source_id, first, last)).fetchone()
    return billed, effective


def resource_daily_cost(cache: Cache, resource_id: str | None, start: dt.date, end: dt.date,
                        usage_like: Sequence[str] = ()) -> pd.DataFrame:
    """Columns day, cost (effective): one resource's charges per day (days without charges
    absent), only those whose usage type is like one of ``usage_like`` when given."""
    usage = " OR ".join("x_usage_type LIKE ?" for _ in usage_like) or "1"
    # Through the resource's keys (resource and usage type are key columns): the (key,
    # day) index reads only its rows, where a day range would read every charge of the days.
    return cache._frame(
        "SELECT charge_period_start AS day, TOTAL(effective_cost) AS cost FROM charges "
        "WHERE x_key_id IN (SELECT key_id FROM charge_keys "
        f"WHERE resource_id = ? AND ({usage})) AND charge_period_start BETWEEN ? AND ? "
        "GROUP BY day ORDER BY day",
        (resource_id, *usage_like, start.isoformat(), end.isoformat()))


def cost_by_resource(cache: Cache, usage_like: str, start: dt.date,
                     end: dt.date) -> list[tuple[str | None, float]]:
    """(resource id, effective cost) of the charges whose usage type is like
    ``usage_like`` within the days, one per resource."""
    return [(row["resource_id"], float(row["cost"])) for row in cache._rows(
        "SELECT resource_id, TOTAL(effective_cost) AS cost FROM charges "
        "WHERE x_key_id IN (SELECT key_id FROM charge_keys WHERE x_usage_type LIKE ?) "
        "AND charge_period_start BETWEEN ? AND ? "
        "GROUP BY resource_id", (usage_like, start.isoformat(), end.isoformat()))]


def model_usage(cache: Cache, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Model usage within the days by day, allocation key and whether it was batched:
    columns day, key_id, batched (0 or 1), requests, input, cached_input, cache_write,
    output and billed (effective cost)."""
    return cache._frame(
        "SELECT charge_period_start AS day, x_key_id AS key_id, COALESCE(x_batch, 0) AS batched,"
        " TOTAL(x_requests) AS requests, TOTAL(x_input_tokens) AS input,"
        " TOTAL(x_cached_input_tokens) AS cached_input,"
        " TOTAL(x_cache_write_tokens) AS cache_write, TOTAL(x_output_tokens) AS output,"
        " TOTAL(effective_cost) AS billed FROM charges"
        " WHERE charge_period_start BETWEEN ? AND ? AND x_model IS NOT NULL"
        " GROUP BY day, key_id, batched",
        (start.isoformat(), end.isoformat()))

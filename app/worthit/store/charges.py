"""Reads over the charges that the analysis and the sync need: one resource's charges,
the charges of a kind of usage by resource, a source's totals and newest day. Values are
bound parameters; usage types are matched with ``LIKE`` patterns the callers give
(``%BoxUsage%``), never with SQL of theirs.

The analysis's reads give charges (a day number and a key id: one charge of the cache),
not money: amounts may be in several currencies, so the analysis takes each charge's cost
from the charge index, converted to the display currency, and sums it there."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence

from worthit.store.cache import Cache
from worthit.store.days import date_of, day_number, day_number_of
from worthit.store.figures import figure

EFFECTIVE = figure("effective")


def count_charges(cache: Cache) -> int:
    """How many charges the cache holds."""
    return int(cache._scalar("SELECT COUNT(*) FROM charge_facts"))


def newest_day(cache: Cache, source_id: str) -> dt.date | None:
    """The last day the source has charges for, None when it has none."""
    held = cache._scalar(
        "SELECT MAX(day) FROM charge_facts WHERE key_id IN "
        "(SELECT key_id FROM charge_keys WHERE source_id = ?)", (source_id,))
    return None if held is None else date_of(held)


def source_totals(conn: sqlite3.Connection, source_id: str, first: str,
                  last: str) -> tuple[float, float]:
    """The source's billed and effective cost from day ``first`` to ``last`` (ISO), on the
    connection given: a reconciliation reads them inside the write, before it commits."""
    billed, effective = conn.execute(
        f"SELECT TOTAL(billed), TOTAL({EFFECTIVE}) FROM charge_facts WHERE day BETWEEN ? AND ? "
        "AND key_id IN (SELECT key_id FROM charge_keys WHERE source_id = ?)",
        (day_number_of(first), day_number_of(last), source_id)).fetchone()
    return billed, effective


def resource_charges(cache: Cache, resource_id: str | None, start: dt.date, end: dt.date,
                     usage_like: Sequence[str] = ()) -> tuple[list[int], list[int]]:
    """The day numbers and key ids of one resource's charges within the days, only those
    whose usage type is like one of ``usage_like`` when given, by day."""
    usage = " OR ".join("x_usage_type LIKE ?" for _ in usage_like) or "1"
    # Through the resource's keys (resource and usage type are key columns): the (key,
    # day) index reads only their rows, where a day range would read every charge of the days.
    rows = cache._conn.execute(
        "SELECT day, key_id FROM charge_facts WHERE key_id IN (SELECT key_id FROM charge_keys "
        f"WHERE resource_id = ? AND ({usage})) AND day BETWEEN ? AND ? ORDER BY day, key_id",
        (resource_id, *usage_like, day_number(start), day_number(end))).fetchall()
    return [int(r[0]) for r in rows], [int(r[1]) for r in rows]


def usage_charges(cache: Cache, usage_like: str, start: dt.date,
                  end: dt.date) -> list[tuple[str | None, int, int]]:
    """(resource id, day number, key id) of the charges whose usage type is like
    ``usage_like`` within the days."""
    return [(row[0], int(row[1]), int(row[2])) for row in cache._conn.execute(
        "SELECT k.resource_id, f.day, f.key_id FROM charge_facts AS f "
        "JOIN charge_keys AS k ON k.key_id = f.key_id "
        "WHERE f.key_id IN (SELECT key_id FROM charge_keys WHERE x_usage_type LIKE ?) "
        "AND f.day BETWEEN ? AND ? ORDER BY k.resource_id, f.day",
        (usage_like, day_number(start), day_number(end)))]

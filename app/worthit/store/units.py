"""Units and their daily counts in the cache (``units``, ``unit_counts``).

Which units are counted from the traces (:data:`worthit.core.units.DERIVED`) is kept in
``meta`` under :data:`DERIVED_KEY` (a JSON object, unit id -> kind), written in the same
transaction as the unit: no migration, and an older app sees an entered unit without
counts."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from typing import Final

from worthit.core.errors import UserError
from worthit.core.units import DERIVED, Count, Unit
from worthit.store.cache import Cache

DERIVED_KEY: Final = "units.derived"


def _derived(raw: str | None) -> dict[str, str]:
    """The meta's unit id -> kind, known kinds only (a garbled value is none)."""
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if v in DERIVED}


def _set_derived(conn: sqlite3.Connection, unit_id: str, kind: str | None) -> None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (DERIVED_KEY,)).fetchone()
    found = _derived(row[0] if row else None)
    if kind is None:
        found.pop(unit_id, None)
    else:
        found[unit_id] = kind
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                 "DO UPDATE SET value = excluded.value", (DERIVED_KEY, json.dumps(found)))


def load_units(cache: Cache) -> list[Unit]:
    derived = _derived(cache.get_meta(DERIVED_KEY))
    units = []
    for row in cache._rows("SELECT * FROM units ORDER BY rowid"):
        units.append(Unit(
            unit_id=row["unit_id"], name=row["name"], counts_what=row["counts_what"],
            features=tuple(json.loads(row["features"] or "[]")),
            shared_pools={str(k): float(v) for k, v in
                          json.loads(row["shared_pools"] or "{}").items()},
            target_cost=row["target_cost"], revenue_per_unit=row["revenue_per_unit"],
            currency=row["currency"], derived=derived.get(row["unit_id"])))
    return units


def set_unit_money(cache: Cache, unit_id: str, *, target_cost: float | None,
                   revenue_per_unit: float | None) -> None:
    """Change a unit's target cost and revenue per unit (None clears them)."""
    for name, value in (("target", target_cost), ("revenue", revenue_per_unit)):
        if value is not None and not value >= 0:
            raise UserError(f"The {name} per unit must be zero or more, not {value}.")
    with cache.transaction() as conn:
        changed = conn.execute(
            "UPDATE units SET target_cost = ?, revenue_per_unit = ? WHERE unit_id = ?",
            (target_cost, revenue_per_unit, unit_id)).rowcount
    if not changed:
        raise UserError(f"There is no unit {unit_id!r}.")


def daily_counts(cache: Cache, unit_id: str, start: dt.date, end: dt.date) -> dict[dt.date, float]:
    return {
        dt.date.fromisoformat(row[0]): float(row[1])
        for row in cache._rows(
            "SELECT day, count FROM unit_counts WHERE unit_id = ? AND day BETWEEN ? AND ? "
            "ORDER BY day", (unit_id, start.isoformat(), end.isoformat()))
    }


def write_counts(cache: Cache, counts: Sequence[Count]) -> int:
    """Add or replace the given days' counts, all in one transaction."""
    with cache.transaction() as conn:
        conn.executemany(
            "INSERT INTO unit_counts (unit_id, day, count) VALUES (?, ?, ?) "
            "ON CONFLICT (unit_id, day) DO UPDATE SET count = excluded.count",
            [(c.unit_id, c.day.isoformat(), c.count) for c in counts])
    return len(counts)


def clear_count(cache: Cache, unit_id: str, day: dt.date) -> None:
    with cache.transaction() as conn:
        conn.execute("DELETE FROM unit_counts WHERE unit_id = ? AND day = ?",
                     (unit_id, day.isoformat()))


def add_unit(cache: Cache, unit: Unit) -> None:
    """A new unit of value (what is counted, or that the traces count it; the features
    whose cost it carries); a unit id already taken is refused."""
    if unit.derived is not None and unit.derived not in DERIVED:
        raise UserError(f"A unit is counted from the traces as {' or '.join(DERIVED)}, not "
                        f"{unit.derived!r}.")
    if not unit.unit_id.strip() or not unit.name.strip() or not unit.counts_what.strip():
        raise UserError("A unit needs an id, a name and what it counts.")
    if not unit.features:
        raise UserError(f"The unit {unit.unit_id!r} needs at least one feature whose cost "
                        "it carries.")
    for name, value in (("target", unit.target_cost), ("revenue", unit.revenue_per_unit)):
        if value is not None and not value >= 0:
            raise UserError(f"The {name} per unit must be zero or more, not {value}.")
    with cache.transaction() as conn:
        if conn.execute("SELECT 1 FROM units WHERE unit_id = ?", (unit.unit_id,)).fetchone():
            raise UserError(f"There is already a unit {unit.unit_id!r}.")
        conn.execute(
            "INSERT INTO units (unit_id, name, counts_what, features, shared_pools, "
            "target_cost, revenue_per_unit, currency) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (unit.unit_id, unit.name, unit.counts_what, json.dumps(list(unit.features)),
             json.dumps(unit.shared_pools), unit.target_cost, unit.revenue_per_unit,
             unit.currency))
        if unit.derived is not None:
            _set_derived(conn, unit.unit_id, unit.derived)


def remove_unit(cache: Cache, unit_id: str) -> int:
    """Remove a unit and its counts; returns how many counts went with it."""
    with cache.transaction() as conn:
        counts = conn.execute("DELETE FROM unit_counts WHERE unit_id = ?", (unit_id,)).rowcount
        if not conn.execute("DELETE FROM units WHERE unit_id = ?", (unit_id,)).rowcount:
            raise UserError(f"There is no unit {unit_id!r}.")
        _set_derived(conn, unit_id, None)
    return int(counts)

"""Price overrides (negotiated rates) and saved model-swap scenarios in the cache."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from worthit.core.scenarios import Scenario, scenario_from_json
from worthit.store.cache import Cache

RATE_COLUMNS = ("input", "cached_input", "cache_write", "cache_write_1h", "output", "batch")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def load_overrides(cache: Cache) -> list[dict[str, object]]:
    """Rows of ``price_overrides`` as dicts (provider_name, model, rates, note)."""
    return [dict(row) for row in cache._rows(
        "SELECT * FROM price_overrides ORDER BY provider_name, model")]


def set_override(cache: Cache, provider: str, model: str, rates: dict[str, float | None],
                 note: str = "") -> None:
    """Set (or, with every rate None, remove) the user's rates for one model."""
    unknown = set(rates) - set(RATE_COLUMNS)
    if unknown:
        raise ValueError(f"unknown rate {sorted(unknown)[0]!r}")
    for name, value in rates.items():
        if value is not None and not value >= 0:
            raise ValueError(f"{name} must be zero or more, not {value}")
    with cache.transaction() as conn:
        if all(value is None for value in rates.values()):
            conn.execute("DELETE FROM price_overrides WHERE provider_name = ? AND model = ?",
                         (provider, model))
            return
        values = [rates.get(name) for name in RATE_COLUMNS]
        conn.execute(
            f"INSERT INTO price_overrides (provider_name, model, {', '.join(RATE_COLUMNS)}, "
            f"note, updated_at) VALUES (?, ?, {', '.join('?' for _ in RATE_COLUMNS)}, ?, ?) "
            "ON CONFLICT (provider_name, model) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in (*RATE_COLUMNS, "note", "updated_at")),
            (provider, model, *values, note, _now()))


def load_scenarios(cache: Cache) -> list[Scenario]:
    return [
        scenario_from_json({"name": row["name"], "feature": row["feature"],
                            "levers": json.loads(row["levers"])}, f"saved scenario {row['name']!r}")
        for row in cache._rows("SELECT name, feature, levers FROM scenarios ORDER BY name")
    ]


def save_scenario(cache: Cache, scenario: Scenario) -> None:
    """Save under its name, replacing a scenario of the same name."""
    levers = json.dumps([lever.to_json() for lever in scenario.levers])
    now = _now()
    with cache.transaction() as conn:
        conn.execute(
            "INSERT INTO scenarios (name, feature, levers, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "feature = excluded.feature, levers = excluded.levers, "
            "updated_at = excluded.updated_at",
            (scenario.name, scenario.feature, levers, now, now))


def delete_scenarios(cache: Cache, names: Sequence[str]) -> None:
    with cache.transaction() as conn:
        conn.executemany("DELETE FROM scenarios WHERE name = ?", [(n,) for n in names])

"""Reads over ``charges`` that the pages need beyond the charge index's sums: token
counts, the allocation keys (and the ids in them, for masking), each day's (key, cost)
pairs and the charges behind a node.
No bill content or user text ever becomes SQL: values are bound parameters, and the
drill's columns come from a fixed list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from worthit.core.focus import KEY_COLUMNS
from worthit.store.cache import Cache

if TYPE_CHECKING:
    import pandas as pd


def daily_tokens(cache: Cache, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Columns: day, input, cached_input, cache_write, output, requests."""
    return cache._frame(
        "SELECT charge_period_start AS day, TOTAL(x_input_tokens) AS input, "
        "TOTAL(x_cached_input_tokens) AS cached_input, "
        "TOTAL(x_cache_write_tokens) AS cache_write, TOTAL(x_output_tokens) AS output, "
        "TOTAL(x_requests) AS requests FROM charges "
        # Through the keys of model usage: the (key, day) index reads only their rows.
        "WHERE x_key_id IN (SELECT key_id FROM charge_keys WHERE x_model IS NOT NULL) "
        "AND charge_period_start BETWEEN ? AND ? AND x_model IS NOT NULL "
        "GROUP BY day ORDER BY day",
        (start.isoformat(), end.isoformat()),
    )


# -- allocation -----------------------------------------------------------------------------


def charge_keys(cache: Cache) -> pd.DataFrame:
    """Every allocation key (:data:`worthit.core.focus.KEY_COLUMNS`), by ``key_id``."""
    return cache._frame(f"SELECT key_id, {', '.join(KEY_COLUMNS)} FROM charge_keys ORDER BY key_id")


def key_accounts(cache: Cache) -> list[str]:
    """Every billing account id, then every sub-account id, of the allocation keys (each
    once per column, empty ones left out)."""
    return [str(value) for column in ("billing_account_id", "sub_account_id")
            for (value,) in cache._conn.execute(
                f"SELECT DISTINCT {column} FROM charge_keys "  # columns from this list
                f"WHERE {column} IS NOT NULL AND {column} != ''")]


def key_resources(cache: Cache) -> list[tuple[str, bool]]:
    """Every resource id of the allocation keys, with whether its resource type names a
    key (an ``API key``)."""
    return [(str(value), bool(kind)) for value, kind in cache._conn.execute(
        "SELECT resource_id, MAX(LOWER(COALESCE(resource_type, '')) LIKE '%key%') "
        "FROM charge_keys WHERE resource_id IS NOT NULL AND resource_id != '' "
        "GROUP BY resource_id")]


def charge_days(cache: Cache) -> Iterator[tuple[str, list[tuple[int, float]]]]:
    """Each day with charges, oldest first, with its (key id, effective cost) pairs: the
    covering index ``charges_day_key`` answers this without touching the table."""
    days = [row[0] for row in cache._conn.execute(
        "SELECT DISTINCT charge_period_start FROM charges ORDER BY 1")]
    cursor = cache._conn.cursor()
    cursor.row_factory = None
    for day in days:
        yield day, cursor.execute(
            "SELECT x_key_id, effective_cost FROM charges WHERE charge_period_start = ?",
            (day,)).fetchall()


#: Columns of the drill-down table: name -> SQL over ``charges AS c`` joined to the key
#: fractions ``f``. Sorting is by these names only, never by user text.
DRILL_COLUMNS: Final[dict[str, str]] = {
    "day": "c.charge_period_start",
    "provider": "c.provider_name",
    "account": "COALESCE(c.sub_account_name, c.sub_account_id)",
    "service": "c.service_name",
    "resource": "c.resource_id",
    "usage_type": "c.x_usage_type",
    "model": "c.x_model",
    "tags": "c.tags",
    "cost": "c.effective_cost",
    "share": "f.value",
    "allocated": "c.effective_cost * f.value",
}
_DRILL_SEARCHED = ("provider", "account", "service", "resource", "usage_type", "model", "tags")


def charges_of_keys(
    cache: Cache,
    fractions: dict[int, float],
    start: dt.date,
    end: dt.date,
    *,
    search: str = "",
    order_by: str = "allocated",
    descending: bool = True,
    limit: int = 5_000,
) -> tuple[pd.DataFrame, int]:
    """The charges behind an allocation node: those of the keys in ``fractions`` (key id
    -> the share of its cost that lands on the node) within the days, optionally only rows
    whose text contains ``search``. Returns the first ``limit`` rows in the order asked and
    how many rows match in all."""
    import json

    if order_by not in DRILL_COLUMNS:
        raise ValueError(f"cannot sort by {order_by!r}")
    select = ", ".join(f"{expr} AS {name}" for name, expr in DRILL_COLUMNS.items())
    where = "c.charge_period_start BETWEEN :start AND :end"
    params: dict[str, object] = {
        "fractions": json.dumps({str(k): v for k, v in fractions.items()}),
        "start": start.isoformat(), "end": end.isoformat(), "limit": limit,
    }
    if search.strip():
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["search"] = f"%{escaped}%"
        where += " AND (" + " OR ".join(
            f"{DRILL_COLUMNS[name]} LIKE :search ESCAPE '\\'" for name in _DRILL_SEARCHED) + ")"
    source = (
        "FROM json_each(:fractions) AS f JOIN charges AS c "
        f"ON c.x_key_id = CAST(f.key AS INTEGER) WHERE {where}"
    )
    direction = "DESC" if descending else "ASC"
    frame = cache._frame(
        f"SELECT {select} {source} ORDER BY {DRILL_COLUMNS[order_by]} {direction}, "
        "c.charge_period_start, c.rowid LIMIT :limit", params)
    count = int(cache._scalar(f"SELECT COUNT(*) {source}", params))
    return frame, count

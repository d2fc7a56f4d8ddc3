"""Reads over ``charges`` that the pages need beyond the charge index's sums: the charge
index's own arrays (every charge's costs; model usage's token counts), the allocation
keys (and the ids in them, for masking), each day's (key, cost) pairs and the charges
behind a node.
No bill content or user text ever becomes SQL: values are bound parameters, and the
drill's columns come from a fixed list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from worthit.core.focus import KEY_COLUMNS
from worthit.store.cache import Cache
from worthit.store.days import day_number, iso_sql
from worthit.store.figures import figure

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


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


def charge_arrays(cache: Cache, *, chunk: int = 262_144) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every charge's day number, key id, effective (amortised) cost, billed (unamortised)
    cost and list cost (NaN where it has none), in (day, key) order: the table's own order,
    read without sorting and without a Python object per charge kept."""
    import numpy as np

    cursor = cache._conn.cursor()
    cursor.row_factory = None
    cursor.execute(f"SELECT day, key_id, {figure('effective')}, billed, {figure('list')} "
                   "FROM charge_facts")
    days, keys, costs, billed, listed = [], [], [], [], []
    while rows := cursor.fetchmany(chunk):
        day, key, cost, bill, price = zip(*rows, strict=True)
        days.append(np.fromiter(day, np.int32, len(rows)))
        keys.append(np.fromiter(key, np.int64, len(rows)))
        costs.append(np.array(cost, np.float64))  # None becomes NaN
        billed.append(np.array(bill, np.float64))
        listed.append(np.array(price, np.float64))
    if not days:
        empty = np.zeros(0, np.float64)
        return (np.zeros(0, np.int32), np.zeros(0, np.int64), empty, empty.copy(),
                empty.copy())
    return (np.concatenate(days), np.concatenate(keys), np.concatenate(costs),
            np.concatenate(billed), np.concatenate(listed))


#: The token counts of model usage, as :func:`usage_arrays` reads them.
USAGE_COUNTS: Final = ("requests", "input", "cached_input", "cache_write", "output")


def usage_arrays(cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every charge of a model's key (``x_model`` set): its day number, key id, and its
    :data:`USAGE_COUNTS` (columns of one float64 array; 0 where the charge states none), in
    (day, key) order. Read from the model keys to their days (CROSS JOIN fixes that order;
    the (key, day) index finds them), not by joining every charge to its key."""
    import numpy as np

    cursor = cache._conn.cursor()
    cursor.row_factory = None
    cursor.execute(f"SELECT f.day, f.key_id, {', '.join(f'f.{c}' for c in USAGE_COUNTS)} "
                   "FROM charge_keys AS k CROSS JOIN charge_facts AS f "
                   "ON f.key_id = k.key_id WHERE k.x_model IS NOT NULL "
                   "ORDER BY f.day, f.key_id")
    days, keys, counts = [], [], []
    while rows := cursor.fetchmany(262_144):
        day, key, *numbers = zip(*rows, strict=True)
        days.append(np.fromiter(day, np.int32, len(rows)))
        keys.append(np.fromiter(key, np.int64, len(rows)))
        counts.append(np.nan_to_num(np.array(numbers, np.float64).T))  # None: 0
    if not days:
        return np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros((0, len(USAGE_COUNTS)))
    return np.concatenate(days), np.concatenate(keys), np.concatenate(counts)


#: A charge's cost in the page's currency: as billed times the rate ``r`` of its currency
#: and day (1 where none is given: it is billed in the page's currency).
_CONVERTED: Final = f"{figure('effective', 'c')} * COALESCE(r.factor, 1.0)"
#: Columns of the drill-down table: name -> SQL over the charges ``c``, their keys ``k``,
#: the key fractions ``f`` and the rates ``r``. Sorting is by these names only, never by
#: user text.
DRILL_COLUMNS: Final[dict[str, str]] = {
    "day": iso_sql("c.day"),
    "provider": "k.provider_name",
    "account": "COALESCE(k.sub_account_name, k.sub_account_id)",
    "service": "k.service_name",
    "resource": "k.resource_id",
    "usage_type": "k.x_usage_type",
    "model": "k.x_model",
    "tags": "k.tags",
    "currency": "k.billing_currency",
    "cost": figure("effective", "c"),
    "converted": _CONVERTED,
    "share": "f.value",
    "allocated": f"{_CONVERTED} * f.value",
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
    rates: Sequence[tuple[str, int, float]] = (),
    blank: str | None = None,
) -> tuple[pd.DataFrame, int]:
    """The charges behind an allocation node: those of the keys in ``fractions`` (key id
    -> the share of its cost that lands on the node) within the days, optionally only rows
    whose text contains ``search``. Returns the first ``limit`` rows in the order asked and
    how many rows match in all.

    Each charge shows its cost as billed and its ``currency``, and its cost ``converted``
    to the page's currency by ``rates`` ((currency, day number, rate) for each currency
    and day that is not the page's; a key naming no currency is in ``blank``), as the page
    converted it; ``allocated`` is the converted cost's share."""
    import json

    if order_by not in DRILL_COLUMNS:
        raise ValueError(f"cannot sort by {order_by!r}")
    select = ", ".join(f"{expr} AS {name}" for name, expr in DRILL_COLUMNS.items())
    where = "c.day BETWEEN :start AND :end"
    params: dict[str, object] = {
        "fractions": json.dumps({str(k): v for k, v in fractions.items()}),
        "start": day_number(start), "end": day_number(end), "limit": limit,
        "rates": json.dumps([list(rate) for rate in rates]), "blank": blank,
    }
    if search.strip():
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["search"] = f"%{escaped}%"
        where += " AND (" + " OR ".join(
            f"{DRILL_COLUMNS[name]} LIKE :search ESCAPE '\\'" for name in _DRILL_SEARCHED) + ")"
    rated = (
        "WITH rate (currency, day, factor) AS (SELECT json_extract(value, '$[0]'), "
        "json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(:rates)) "
    )
    source = (
        "FROM json_each(:fractions) AS f JOIN charge_facts AS c "
        "ON c.key_id = CAST(f.key AS INTEGER) JOIN charge_keys AS k ON k.key_id = c.key_id "
        "LEFT JOIN rate AS r ON r.currency = COALESCE(k.billing_currency, :blank) "
        f"AND r.day = c.day WHERE {where}"
    )
    direction = "DESC" if descending else "ASC"
    frame = cache._frame(
        f"{rated}SELECT {select} {source} ORDER BY {DRILL_COLUMNS[order_by]} {direction}, "
        "c.day, c.key_id LIMIT :limit", params)
    count = int(cache._scalar(f"{rated}SELECT COUNT(*) {source}", params))
    return frame, count

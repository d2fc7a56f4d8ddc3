"""Aggregate reads over ``charges`` that the pages need.

Dimensions are chosen from a fixed list (:data:`DIMENSIONS`), never taken from user text,
so no bill content ever becomes SQL."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

from worthit.core.focus import AI_CATEGORY
from worthit.store.cache import Cache

if TYPE_CHECKING:
    import pandas as pd

UNTAGGED: Final = "(untagged)"
NONE: Final = "(none)"

#: dimension name -> SQL expression over charges.
DIMENSIONS: Final[dict[str, str]] = {
    "provider": f"COALESCE(provider_name, '{NONE}')",
    "service": f"COALESCE(service_name, '{NONE}')",
    "category": f"COALESCE(service_category, '{NONE}')",
    "model": "x_model",
    # Tags are bill text: a value that is not JSON counts as untagged, never as an error.
    "feature": f"COALESCE(CASE WHEN json_valid(tags) THEN json_extract(tags, '$.feature') END,"
    f" '{UNTAGGED}')",
    "team": f"COALESCE(CASE WHEN json_valid(tags) THEN json_extract(tags, '$.team') END,"
    f" '{UNTAGGED}')",
    "account": f"COALESCE(sub_account_name, sub_account_id, '{NONE}')",
}


def _days(start: dt.date, end: dt.date) -> tuple[str, str]:
    return start.isoformat(), end.isoformat()


def total(cache: Cache, start: dt.date, end: dt.date, *, ai_only: bool = False) -> float:
    where = " AND service_category = ?" if ai_only else ""
    params: tuple[str, ...] = _days(start, end) + ((AI_CATEGORY,) if ai_only else ())
    value = cache.scalar(
        "SELECT TOTAL(effective_cost) FROM charges "
        f"WHERE charge_period_start BETWEEN ? AND ?{where}",
        params,
    )
    return float(value)


def daily_by(cache: Cache, start: dt.date, end: dt.date, dimension: str) -> pd.DataFrame:
    """Columns: day, key, cost — one row per day and dimension value."""
    expr = DIMENSIONS[dimension]
    return cache.frame(
        f"SELECT charge_period_start AS day, {expr} AS key, TOTAL(effective_cost) AS cost "
        "FROM charges WHERE charge_period_start BETWEEN ? AND ? "
        "GROUP BY day, key ORDER BY day, key",
        _days(start, end),
    )


def compare_by(
    cache: Cache,
    current: tuple[dt.date, dt.date],
    previous: tuple[dt.date, dt.date],
    dimension: str,
) -> pd.DataFrame:
    """Columns: key, previous, current — each dimension value's cost in both periods."""
    expr = DIMENSIONS[dimension]
    (cs, ce), (ps, pe) = _days(*current), _days(*previous)
    where = f" AND {expr} IS NOT NULL" if dimension == "model" else ""
    return cache.frame(
        f"SELECT {expr} AS key, "
        "TOTAL(CASE WHEN charge_period_start BETWEEN :ps AND :pe THEN effective_cost END) "
        "AS previous, "
        "TOTAL(CASE WHEN charge_period_start BETWEEN :cs AND :ce THEN effective_cost END) "
        "AS current "
        "FROM charges WHERE (charge_period_start BETWEEN :ps AND :pe "
        f"OR charge_period_start BETWEEN :cs AND :ce){where} GROUP BY key",
        {"cs": cs, "ce": ce, "ps": ps, "pe": pe},
    )


def daily_tokens(cache: Cache, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Columns: day, input, cached_input, cache_write, output, requests."""
    return cache.frame(
        "SELECT charge_period_start AS day, TOTAL(x_input_tokens) AS input, "
        "TOTAL(x_cached_input_tokens) AS cached_input, "
        "TOTAL(x_cache_write_tokens) AS cache_write, TOTAL(x_output_tokens) AS output, "
        "TOTAL(x_requests) AS requests FROM charges "
        "WHERE charge_period_start BETWEEN ? AND ? AND x_model IS NOT NULL "
        "GROUP BY day ORDER BY day",
        _days(start, end),
    )


def currencies(cache: Cache, start: dt.date, end: dt.date) -> list[str]:
    return [
        row[0]
        for row in cache.rows(
            "SELECT DISTINCT billing_currency FROM charges "
            "WHERE charge_period_start BETWEEN ? AND ? AND billing_currency IS NOT NULL",
            _days(start, end),
        )
    ]

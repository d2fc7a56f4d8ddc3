"""A search over the cached charges for a reader outside the app (``worthit mcp``): named
filters and group-bys from a fixed list of columns, values bound as parameters, results
capped. No text a caller sends ever becomes SQL: column names are looked up in
:data:`SEARCH_COLUMNS`, and values only ever fill ``?`` placeholders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.store.days import day_number, iso_sql
from worthit.store.figures import figure

#: What a search may filter or group by: name -> SQL over a charge (``charge_facts``) joined
#: to its key (``charge_keys``).
SEARCH_COLUMNS: Final[dict[str, str]] = {
    "provider": "provider_name",
    "service": "service_name",
    "service_category": "service_category",
    "billing_account": "billing_account_id",
    "account": "COALESCE(sub_account_name, sub_account_id)",
    "region": "region_id",
    "resource": "resource_id",
    "resource_type": "resource_type",
    "usage_type": "x_usage_type",
    "charge_category": "charge_category",
    "model": "x_model",
    "day": iso_sql("f.day"),
    "month": f"substr({iso_sql('f.day')}, 1, 7)",
}
_EFFECTIVE: Final = figure("effective", "f")
_CHARGES: Final = "FROM charge_facts AS f JOIN charge_keys AS k ON k.key_id = f.key_id"
#: The most rows a search returns, and the most values one filter may list.
MAX_LIMIT: Final = 500
MAX_VALUES: Final = 100
#: The columns of a search without group-bys: one row per charge.
_CHARGE_ROW: Final = ("day", "provider", "service", "account", "region", "resource",
                      "usage_type", "model")


@dataclass(frozen=True, slots=True)
class ChargeSearch:
    """A search's rows (at most ``limit``, largest effective cost first), how many rows
    matched in all, and the totals of every match per currency (not only the rows shown)."""

    rows: list[dict[str, Any]]
    matched: int
    totals: list[dict[str, Any]]

    @property
    def truncated(self) -> bool:
        return self.matched > len(self.rows)


def _column(name: object, what: str) -> str:
    if not isinstance(name, str) or name not in SEARCH_COLUMNS:
        raise UserError(f"{what} {name!r} is not a column you can use here: use one of "
                        f"{', '.join(SEARCH_COLUMNS)}")
    return name


def _values(name: str, raw: object) -> list[str]:
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, Sequence) or not values or not all(
            isinstance(v, str) for v in values):
        raise UserError(f"filter {name!r}: give a value or a list of values (text)")
    if len(values) > MAX_VALUES:
        raise UserError(f"filter {name!r}: {len(values)} values; give at most {MAX_VALUES}")
    return list(values)


def search_charges(cache: Cache, start: dt.date, end: dt.date, *,
                   filters: Mapping[str, object] | None = None,
                   group_by: Sequence[str] = (), limit: int = 50) -> ChargeSearch:
    """The charges from ``start`` to ``end`` whose columns equal one of the values given
    per filter (all filters hold), summed per ``group_by`` columns and currency, or one
    row per charge with no group-by. Costs are effective (after discounts and
    amortisation) and billed, in the bill's currency; negative ones are credits. A column
    outside :data:`SEARCH_COLUMNS` or a limit outside 1..:data:`MAX_LIMIT` is a
    :class:`UserError` that says what to use instead."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise UserError(f"limit {limit!r}: give a number from 1 to {MAX_LIMIT}")
    groups = [_column(name, "group_by") for name in group_by]
    if len(set(groups)) != len(groups):
        raise UserError("group_by names a column twice: name each once")
    where = ["f.day BETWEEN ? AND ?"]
    params: list[Any] = [day_number(start), day_number(end)]
    for name, raw in (filters or {}).items():
        values = _values(_column(name, "filter"), raw)
        where.append(f"{SEARCH_COLUMNS[name]} IN ({', '.join('?' for _ in values)})")
        params += values
    condition = " AND ".join(where)
    shown = groups or list(_CHARGE_ROW)
    select = ", ".join(f"{SEARCH_COLUMNS[name]} AS {name}" for name in shown)
    sums = (f"billing_currency AS currency, TOTAL({_EFFECTIVE}) AS effective_cost, "
            "TOTAL(billed) AS billed_cost, COUNT(*) AS charges")
    if groups:
        grouped = ", ".join([*groups, "currency"])
        body = f"SELECT {select}, {sums} {_CHARGES} WHERE {condition} GROUP BY {grouped}"
    else:
        body = (f"SELECT {select}, billing_currency AS currency, {_EFFECTIVE} AS effective_cost, "
                f"billed AS billed_cost, 1 AS charges {_CHARGES} WHERE {condition}")
    order = ", ".join(["effective_cost DESC", *shown])
    rows = [dict(row) for row in cache._rows(f"{body} ORDER BY {order} LIMIT ?",
                                             (*params, limit))]
    matched = int(cache._scalar(f"SELECT COUNT(*) FROM ({body})", params))
    totals = [dict(row) for row in cache._rows(
        f"SELECT {sums} {_CHARGES} WHERE {condition} GROUP BY currency ORDER BY currency",
        params)]
    return ChargeSearch(rows, matched, totals)


def currencies(cache: Cache, start: dt.date, end: dt.date) -> list[str]:
    """The billing currencies of the charges from ``start`` to ``end``."""
    return [str(row[0]) for row in cache._rows(
        f"SELECT DISTINCT billing_currency {_CHARGES} WHERE f.day BETWEEN ? AND ? "
        "AND billing_currency IS NOT NULL ORDER BY 1", (day_number(start), day_number(end)))]

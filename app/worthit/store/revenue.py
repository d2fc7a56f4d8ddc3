"""Revenue per customer and month (``customer_revenue``, migration 11): what
``worthit customers import`` keeps, so the Customers page can set AI cost against it. An
import replaces the months it names, all at once, or refuses them all; ``meta`` key
:data:`REVISION_KEY` counts the changes, so a page memoised on it knows when its revenue is
stale."""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from worthit.core.errors import BadInput
from worthit.core.money import is_currency
from worthit.store.cache import Cache

REVISION_KEY: Final = "revenue.revision"
MONTH: Final = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])")


@dataclass(frozen=True, slots=True)
class Revenue:
    """One customer's revenue for one calendar month (``YYYY-MM``), in ``currency``."""

    month: str
    customer: str
    revenue: float
    currency: str


def replace_revenue(cache: Cache, rows: Sequence[Revenue]) -> int:
    """Replace the revenue of every month ``rows`` name with ``rows``, in one
    transaction. Returns the rows written. A month that is not ``YYYY-MM``, a revenue
    that is not a finite number, a currency that is not ISO 4217, an empty customer or a
    customer named twice in one month refuses them all (:class:`BadInput`)."""
    seen: set[tuple[str, str]] = set()
    for number, r in enumerate(rows, 1):
        what = f"revenue {number} ({r.customer!r}, {r.month!r})"
        if not isinstance(r.month, str) or not MONTH.fullmatch(r.month):
            raise BadInput(f"{what}: the month is not YYYY-MM")
        if not isinstance(r.customer, str) or not r.customer.strip():
            raise BadInput(f"{what}: the customer is empty")
        if isinstance(r.revenue, bool) or not isinstance(r.revenue, int | float) or \
                not math.isfinite(r.revenue):
            raise BadInput(f"{what}: {r.revenue!r} is not an amount")
        if not isinstance(r.currency, str) or not is_currency(r.currency):
            raise BadInput(f"{what}: {r.currency!r} is not an ISO 4217 currency such as USD")
        if (r.month, r.customer) in seen:
            raise BadInput(f"{what}: the customer has two revenues for that month")
        seen.add((r.month, r.customer))
    months = sorted({r.month for r in rows})
    with cache.transaction() as conn:
        conn.executemany("DELETE FROM customer_revenue WHERE month = ?", [(m,) for m in months])
        conn.executemany(
            "INSERT INTO customer_revenue (month, customer, revenue, currency) "
            "VALUES (?, ?, ?, ?)",
            [(r.month, r.customer, float(r.revenue), r.currency) for r in rows])
        _bump(conn)
    return len(rows)


def load_revenue(cache: Cache, first_month: str | None = None,
                 last_month: str | None = None) -> list[Revenue]:
    """The revenue of the months ``first_month``..``last_month`` (``YYYY-MM``; None: no
    bound), by month and customer."""
    rows = cache._rows(
        "SELECT month, customer, revenue, currency FROM customer_revenue "
        "WHERE (? IS NULL OR month >= ?) AND (? IS NULL OR month <= ?) "
        "ORDER BY month, customer", (first_month, first_month, last_month, last_month))
    return [Revenue(str(r["month"]), str(r["customer"]), float(r["revenue"]),
                    str(r["currency"])) for r in rows]


def clear_revenue(cache: Cache) -> int:
    """Forget every month's revenue. Returns the rows removed."""
    with cache.transaction() as conn:
        removed = conn.execute("DELETE FROM customer_revenue").rowcount
        _bump(conn)
    return removed


def revenue_revision(cache: Cache) -> int:
    """How many times revenue was replaced or cleared."""
    return int(cache.get_meta(REVISION_KEY, "0") or 0)


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, 1) "
                 "ON CONFLICT (key) DO UPDATE SET value = value + 1", (REVISION_KEY,))

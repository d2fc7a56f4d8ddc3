"""Revenue per customer and month (``customer_revenue``, migration 11): what
``worthit customers import`` keeps, so the Customers page can set AI cost against it. An
import replaces the months it names, all at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from worthit.store.cache import Cache


@dataclass(frozen=True, slots=True)
class Revenue:
    """One customer's revenue for one calendar month (``YYYY-MM``), in ``currency``."""

    month: str
    customer: str
    revenue: float
    currency: str


def replace_revenue(cache: Cache, rows: Sequence[Revenue]) -> int:
    """Replace the revenue of every month ``rows`` name with ``rows``, in one
    transaction. Returns the rows written."""
    months = sorted({r.month for r in rows})
    with cache.transaction() as conn:
        conn.executemany("DELETE FROM customer_revenue WHERE month = ?", [(m,) for m in months])
        conn.executemany(
            "INSERT INTO customer_revenue (month, customer, revenue, currency) "
            "VALUES (?, ?, ?, ?)",
            [(r.month, r.customer, r.revenue, r.currency) for r in rows])
    return len(rows)


def load_revenue(cache: Cache, first_month: str | None = None,
                 last_month: str | None = None) -> list[Revenue]:
    """The revenue of the months ``first_month``..``last_month`` (``YYYY-MM``; None: no
    bound), by month and customer."""
    rows = cache._rows(
        "SELECT month, customer, revenue, currency FROM customer_revenue "
        "WHERE month >= ? AND month <= ? ORDER BY month, customer",
        (first_month or "", last_month or "9999-99"))
    return [Revenue(str(r["month"]), str(r["customer"]), float(r["revenue"]),
                    str(r["currency"])) for r in rows]


def clear_revenue(cache: Cache) -> int:
    """Forget every month's revenue. Returns the rows removed."""
    with cache.transaction() as conn:
        return conn.execute("DELETE FROM customer_revenue").rowcount

"""Token counts read over a small hand-made cache (the Overview's sums are in
tests/analysis/test_overview_sums.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store import reads
from worthit.store.cache import Cache

D = dt.date
JAN_1, JAN_2, JAN_3, JAN_31 = D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 3), D(2024, 1, 31)


def charge(day: dt.date, cost: float, tags: str | None, **extra: Any) -> tuple[Any, ...]:
    """A row in CHARGE_COLUMN_NAMES order."""
    values: dict[str, Any] = {
        "source_id": "test",
        "charge_period_start": day.isoformat(),
        "provider_name": "AWS",
        "service_category": "Compute",
        "service_name": "Amazon Elastic Compute Cloud",
        "charge_category": "Usage",
        "billed_cost": cost,
        "effective_cost": cost,
        "list_cost": cost,
        "billing_currency": "USD",
        "tags": tags,
    }
    values.update(extra)
    assert set(values) <= set(CHARGE_COLUMN_NAMES)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def fill(cache: Cache, *rows: tuple[Any, ...]) -> Cache:
    cache.replace_charges("test", JAN_1, JAN_31, rows)
    return cache


def test_daily_tokens_count_only_model_rows(cache: Cache) -> None:
    fill(
        cache,
        charge(JAN_1, 1.0, "{}", x_model="m", x_input_tokens=100, x_requests=3),
        charge(JAN_1, 1.0, "{}", x_model="m", x_output_tokens=40),
        charge(JAN_1, 1.0, "{}", x_input_tokens=999_999),  # no model: not token usage
        charge(JAN_2, 1.0, "{}", x_model="m", x_cached_input_tokens=7, x_cache_write_tokens=2),
    )
    frame = reads.daily_tokens(cache, JAN_1, JAN_31)
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("2024-01-01", 100.0, 0.0, 0.0, 40.0, 3.0),
        ("2024-01-02", 0.0, 7.0, 2.0, 0.0, 0.0),
    ]

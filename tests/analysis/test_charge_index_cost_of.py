"""``ChargeIndex.cost_of``: the cost of given (day, key) charges, 0 where the index holds
none, against the index's own rows read one by one."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.charge_index import build_index
from worthit.core.days import day_number
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache

FIRST_DAY = dt.date(2024, 2, 1)
DAYS = 6
RESOURCES = ["i-1", "i-2", "db-1", "db-2", None]


def as_row(day: int, resource: str | None, cents: int) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "random",
        "charge_period_start": (FIRST_DAY + dt.timedelta(days=day)).isoformat(),
        "provider_name": "AWS", "service_name": "Service", "resource_id": resource,
        "charge_category": "Usage", "effective_cost": cents / 100,
        "billed_cost": cents / 100, "billing_currency": "USD",
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, DAYS - 1), st.sampled_from(RESOURCES),
                          st.integers(-500, 50_000)), min_size=1, max_size=30),
       st.lists(st.tuples(st.integers(-2, DAYS + 1), st.integers(0, len(RESOURCES) - 1)),
                max_size=40))
def test_each_days_key_costs_its_charge_or_nothing(
        rows: list[tuple[Any, ...]], asked: list[tuple[int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder, \
            Cache.open(Path(folder) / "worthit.sqlite") as cache:
        cache.replace_charges("random", FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1),
                              [as_row(*row) for row in rows])
        index = build_index(cache)
        key_ids = index.keys["key_id"].to_numpy(np.int64)
        first = day_number(index.first_day or FIRST_DAY)
        held = {(int(d) + first, int(key_ids[k])): float(c)
                for d, k, c in zip(index.day, index.key, index.cost, strict=True)}
        days = np.array([first + d for d, _ in asked], dtype=np.int64)
        keys = np.array([key_ids[k % len(key_ids)] for _, k in asked], dtype=np.int64)
        found = index.cost_of(days, keys)
        assert found.tolist() == [held.get((int(d), int(k)), 0.0)
                                  for d, k in zip(days, keys, strict=True)]

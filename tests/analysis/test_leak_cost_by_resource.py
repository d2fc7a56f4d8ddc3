"""``Context.cost_by_resource`` (hidden network costs, storage graveyards): the cost of the
charges whose usage type is like a pattern, per resource id (none first, then by id),
against the charges summed here in plain Python. Costs are whole quarters: sums exact."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.leaks import load_settings
from worthit.analysis.leaks.base import Context
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache

FIRST_DAY = dt.date(2024, 2, 1)
DAYS = 8
RESOURCES = ["i-1", "i-2", "B", "a", "", None]
USAGE = ["USE1-DataTransfer-Out-Bytes", "USE1-NatGateway-Bytes", "BoxUsage:m5.large", None]


def as_row(day: int, resource: str | None, usage: str | None, quarters: int
           ) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "random",
        "charge_period_start": (FIRST_DAY + dt.timedelta(days=day)).isoformat(),
        "provider_name": "AWS", "service_name": "EC2", "resource_id": resource,
        "x_usage_type": usage, "charge_category": "Usage",
        "effective_cost": quarters / 4, "billed_cost": quarters / 4,
        "billing_currency": "USD",
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, DAYS - 1), st.sampled_from(RESOURCES),
                          st.sampled_from(USAGE), st.integers(-20, 400)),
                min_size=1, max_size=40),
       st.integers(0, DAYS - 1), st.integers(1, DAYS))
def test_each_resources_cost_is_its_matching_charges(rows: list[tuple[Any, ...]], start: int,
                                                     length: int) -> None:
    first, last = (FIRST_DAY + dt.timedelta(days=start),
                   FIRST_DAY + dt.timedelta(days=start + length - 1))
    with tempfile.TemporaryDirectory() as folder, \
            Cache.open(Path(folder) / "worthit.sqlite") as cache:
        cache.replace_charges("random", FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1),
                              [as_row(*row) for row in rows])
        context = Context(cache, FIRST_DAY + dt.timedelta(days=DAYS - 1), load_settings(cache))
        expected: dict[str | None, float] = defaultdict(float)
        for day, resource, usage, quarters in rows:
            inside = first <= FIRST_DAY + dt.timedelta(days=day) <= last
            if inside and usage is not None and "datatransfer" in usage.lower():
                expected[resource] += quarters / 4
        found = context.cost_by_resource("%DataTransfer%", first, last)
        assert found == sorted(expected.items(), key=lambda i: (i[0] is not None, i[0] or ""))

"""The charge index's sums of groups of keys per day (``per_group_days``, and sliced from
the whole range's, ``named_group_days``), the sums the Overview's daily chart and the
spike detectors read, against the charges summed here in plain Python from the rows
written: every group and day, keys in no group left out, and periods that reach before
and after the data.

Costs are whole quarters of a dollar, so every sum is exact."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.charge_index import build_index
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache

FIRST_DAY = dt.date(2024, 2, 1)
DAYS = 12
PROVIDERS = ["AWS", "OpenAI", "Anthropic", None]
RESOURCES = ["i-1", "i-2", "db-1", None]

charges = st.lists(st.tuples(st.integers(0, DAYS - 1), st.sampled_from(PROVIDERS),
                             st.sampled_from(RESOURCES), st.integers(-20, 400)),
                   min_size=1, max_size=40)


def as_row(day: int, provider: str | None, resource: str | None, quarters: int
           ) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "random",
        "charge_period_start": (FIRST_DAY + dt.timedelta(days=day)).isoformat(),
        "provider_name": provider, "service_name": "Service", "resource_id": resource,
        "charge_category": "Usage", "effective_cost": quarters / 4,
        "billed_cost": quarters / 4, "billing_currency": "USD",
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


@settings(max_examples=60, deadline=None)
@given(charges, st.integers(-3, DAYS + 2), st.integers(1, DAYS + 4),
       st.sampled_from(PROVIDERS))
def test_each_group_and_day_sums_its_charges(rows: list[tuple[Any, ...]], start_at: int,
                                             length: int, outside: str | None) -> None:
    start = FIRST_DAY + dt.timedelta(days=start_at)
    end = start + dt.timedelta(days=length - 1)
    with tempfile.TemporaryDirectory() as folder, \
            Cache.open(Path(folder) / "worthit.sqlite") as cache:
        cache.replace_charges("random", FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1),
                              [as_row(*row) for row in rows])
        index, fresh, whole = build_index(cache), build_index(cache), build_index(cache)
        providers = [p if isinstance(p, str) else None  # None or NaN: no provider
                     for p in index.keys["provider_name"]]
        # Groups: the provider, except that ``outside``'s keys are in no group.
        names = sorted({str(p) for p in providers if p != outside})
        group = [names.index(str(p)) if p != outside else -1 for p in providers]
        cost, count = index.per_group_days(start, end, group, len(names))
        alone = index.group_cost_days(start, end, group, len(names))
        # Sliced from the whole range's, remembered: asked for once over another period
        # first, then over this one. And asked for the first time over this one: its own.
        index.named_group_days("providers", FIRST_DAY, FIRST_DAY, group, len(names))
        named = index.named_group_days("providers", start, end, group, len(names))
        first = fresh.named_group_days("providers", start, end, group, len(names))
        # Asked for the whole range first: kept at once, and this period sliced from it.
        assert whole.first_day is not None and whole.last_day is not None
        whole.named_group_days("providers", whole.first_day, whole.last_day, group,
                               len(names))
        kept = ("named group days", "providers") in whole.memo
        after_whole = whole.named_group_days("providers", start, end, group, len(names))

    expected_cost: dict[tuple[str, int], float] = defaultdict(float)
    expected_count: dict[tuple[str, int], set[Any]] = defaultdict(set)
    for day, provider, resource, quarters in rows:
        offset = (FIRST_DAY + dt.timedelta(days=day) - start).days
        if provider == outside or not 0 <= offset < length:
            continue
        expected_cost[str(provider), offset] += quarters / 4
        expected_count[str(provider), offset].add(resource)  # one charge per key and day
    assert cost.shape == count.shape == (len(names), length)
    assert alone.tobytes() == cost.tobytes()  # the costs alone: the same, bit for bit
    assert named[0].tobytes() == cost.tobytes() and named[1].tobytes() == count.tobytes()
    assert first[0].tobytes() == cost.tobytes() and first[1].tobytes() == count.tobytes()
    assert kept
    assert after_whole[0].tobytes() == cost.tobytes()
    assert after_whole[1].tobytes() == count.tobytes()
    for n, name in enumerate(names):
        for offset in range(length):
            assert cost[n, offset] == expected_cost.get((name, offset), 0.0)
            assert count[n, offset] == len(expected_count.get((name, offset), ()))

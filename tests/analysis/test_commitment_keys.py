"""The commitment reads restricted to the keys a commitment names (and to provisioned
throughput's keys) give what the reads over every key give, row for row and bit for bit."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache
from worthit.store.commitments import (
    commitment_days,
    commitment_keys,
    covered_keys,
    provisioned_days,
)


@pytest.mark.parametrize("back", [0, 17, 45, 200])
def test_reads_of_the_named_keys_are_the_reads_of_every_key(demo_cache: Cache,
                                                            demo_end: dt.date,
                                                            back: int) -> None:
    named, provisioned = commitment_keys(demo_cache)
    assert named, "the demo's commitments name keys"
    end = demo_end - dt.timedelta(days=back)
    start = end - dt.timedelta(days=29)
    assert commitment_days(demo_cache, start.replace(day=1), end, named) == \
        commitment_days(demo_cache, start.replace(day=1), end)
    assert covered_keys(demo_cache, start, end, named) == covered_keys(demo_cache, start, end)
    assert provisioned_days(demo_cache, start, end, provisioned) == \
        provisioned_days(demo_cache, start, end)


def test_no_named_keys_read_nothing(demo_cache: Cache, demo_end: dt.date) -> None:
    start = demo_end - dt.timedelta(days=29)
    assert commitment_days(demo_cache, start, demo_end, []) == []
    assert covered_keys(demo_cache, start, demo_end, []) == []
    assert provisioned_days(demo_cache, start, demo_end, []) == []


def _line(day: int, usage_type: str, cents: int, commitment: str | None) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "cur", "charge_period_start": (FIRST + dt.timedelta(days=day)).isoformat(),
        "provider_name": "AWS", "service_name": "Amazon Bedrock", "resource_id": usage_type,
        "x_usage_type": usage_type, "charge_category": "Usage", "effective_cost": cents / 7,
        "billed_cost": cents / 7, "list_cost": cents / 3, "billing_currency": "USD",
        "commitment_discount_id": commitment,
        "commitment_discount_status": None if commitment is None else "Used"}
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


FIRST = dt.date(2025, 5, 1)
USAGE = st.sampled_from(["USE1-ProvisionedThroughput-ModelUnit-1", "USE1-ModelUnit",
                         "USE1-ProvisionedThroughput-ModelUnits-x", "USE1-Input-Tokens"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), USAGE, st.integers(0, 90_000),
                          st.sampled_from([None, None, "ri-1", "sp-2"])), max_size=30),
       st.integers(0, 9), st.integers(0, 9))
def test_provisioned_and_named_keys_read_as_every_key(rows: list[tuple[Any, ...]],
                                                      first: int, last: int) -> None:
    start, end = (FIRST + dt.timedelta(days=d) for d in sorted((first, last)))
    with tempfile.TemporaryDirectory() as folder, \
            Cache.open(Path(folder) / "worthit.sqlite") as cache:
        cache.replace_charges("cur", FIRST, FIRST + dt.timedelta(days=9),
                              [_line(*row) for row in rows])
        named, provisioned = commitment_keys(cache)
        assert provisioned_days(cache, start, end, provisioned) == \
            provisioned_days(cache, start, end)
        assert commitment_days(cache, start, end, named) == commitment_days(cache, start, end)
        assert covered_keys(cache, start, end, named) == covered_keys(cache, start, end)

"""What the charge index gives for some keys is what it holds for them: ``per_key_buckets``
of some keys is the same figures, to the bit, as those keys' rows of every key's buckets
(a key's charges are added in the same order), and ``rows_of_keys`` finds the same charges,
in the same order, as a look-up of every charge of the days."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis import charge_index as charge_index_module
from worthit.analysis.charge_index import ChargeIndex, build_index
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache

FIRST_DAY = dt.date(2024, 2, 1)
DAYS = 9
RESOURCES = ["i-1", "i-2", "db-1", "db-2", "lb", None]


def as_row(day: int, resource: str | None, service: str, cents: int) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "random",
        "charge_period_start": (FIRST_DAY + dt.timedelta(days=day)).isoformat(),
        "provider_name": "AWS", "service_name": service, "resource_id": resource,
        "charge_category": "Usage", "effective_cost": cents / 7,
        "billed_cost": cents / 7, "billing_currency": "USD",
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


@contextlib.contextmanager
def indexed(rows: list[tuple[Any, ...]]) -> Iterator[ChargeIndex]:
    """The index of a cache on disk holding ``rows``."""
    with tempfile.TemporaryDirectory() as folder, \
            Cache.open(Path(folder) / "worthit.sqlite") as cache:
        cache.replace_charges("random", FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1),
                              [as_row(*row) for row in rows])
        yield build_index(cache)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, DAYS - 1), st.sampled_from(RESOURCES),
                          st.sampled_from(["EC2", "S3"]), st.integers(-500, 50_000)),
                min_size=1, max_size=40),
       st.integers(1, 5), st.integers(0, DAYS - 1), st.integers(0, DAYS - 1),
       st.sets(st.integers(0, 11)))
def test_some_keys_buckets_are_their_rows_of_all_keys(
        rows: list[tuple[Any, ...]], buckets: int, first: int, last: int,
        chosen: set[int]) -> None:
    start, end = sorted((first, last))
    with indexed(rows) as index:
        days = (FIRST_DAY + dt.timedelta(days=start), FIRST_DAY + dt.timedelta(days=end))
        keys = np.array(sorted(k for k in chosen if k < len(index.keys)), dtype=np.int64)
        every = index.per_key_buckets(*days, buckets)
        some = index.per_key_buckets(*days, buckets, keys)
        assert some.shape == (len(keys), buckets)
        assert some.view(np.int64).tolist() == every[keys].view(np.int64).tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, DAYS - 1), st.sampled_from(RESOURCES),
                          st.sampled_from(["EC2", "S3"]), st.integers(-500, 50_000)),
                min_size=1, max_size=40),
       st.integers(-2, DAYS + 1), st.integers(-2, DAYS + 1), st.sets(st.integers(0, 11)))
def test_the_rows_of_some_keys_are_those_a_look_up_of_every_charge_finds(
        rows: list[tuple[Any, ...]], first: int, last: int, chosen: set[int]) -> None:
    start, end = sorted((first, last))
    with indexed(rows) as index:
        days = (FIRST_DAY + dt.timedelta(days=start), FIRST_DAY + dt.timedelta(days=end))
        keys = np.array([k for k in chosen if k < len(index.keys)], dtype=np.int64)
        held = np.zeros(len(index.keys), bool)
        held[keys] = True
        span = index._rows(*days)
        expected = np.flatnonzero(held[index.key[span]]) + span.start
        assert index.rows_of_keys(keys, *days).tolist() == expected.tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, DAYS - 1), st.sampled_from(RESOURCES),
                          st.sampled_from(["EC2", "S3"]), st.integers(-500, 50_000)),
                min_size=1, max_size=40),
       st.integers(-2, DAYS + 1), st.integers(-2, DAYS + 1),
       st.lists(st.integers(-1, 2), min_size=12, max_size=12))
def test_a_grouping_of_few_keys_sums_as_one_of_many(
        rows: list[tuple[Any, ...]], first: int, last: int, codes: list[int]) -> None:
    """Summed from the few keys' own charges or from every charge of the days, a grouping's
    costs (and counts) per day are the same bits."""
    start, end = sorted((first, last))
    days = (FIRST_DAY + dt.timedelta(days=start), FIRST_DAY + dt.timedelta(days=end))
    with indexed(rows) as index:
        group = np.array(codes[:len(index.keys)], dtype=np.int64)
        found = {}
        for few in (0, 10**9):  # every grouping counts as few keys, or none does
            with mock.patch.object(charge_index_module, "FEW_KEYS", few):
                found[few] = index._group_days(*days, group, 3, counted=True)
        (cost, count), (every_cost, every_count) = found[0], found[10**9]
        assert cost.view(np.int64).tolist() == every_cost.view(np.int64).tolist()
        assert count is not None and every_count is not None
        assert count.tolist() == every_count.tolist()

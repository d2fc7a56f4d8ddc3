"""An import stages its charges outside the write lock and swaps them in with one short
transaction: another writer is never kept waiting while a bill is read, keys minted by
that writer meanwhile are honoured, and a failed import leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.store.test_charge_keys import JAN_1, JAN_31, charge, days, key_of, keyed_charges

from worthit.core.daily import DailyCharges
from worthit.core.days import day_number_of
from worthit.core.errors import BadInput
from worthit.core.focus import CHARGE_COLUMN_NAMES, FACT_COLUMNS
from worthit.store.cache import Cache
from worthit.store.findings import FindingState, load_states, set_state

D = dt.date


def impatient(path: Path) -> sqlite3.Connection:
    """A connection that refuses at once, rather than wait, when the cache is locked."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=0)
    conn.execute("PRAGMA busy_timeout = 0")
    return conn


def test_while_a_bill_is_read_another_connection_writes_without_waiting(cache: Cache) -> None:
    wrote: list[str] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for n, day in enumerate(days(JAN_1, D(2024, 1, 20))):
            yield charge("aws", day, 1.0 + n)
            if n == 10:  # mid-file: a dismissal from the window, with no patience at all
                other = impatient(cache.path)
                try:
                    other.execute("BEGIN IMMEDIATE")
                    other.execute("INSERT INTO meta (key, value) VALUES ('probe', 'x')")
                    other.execute("COMMIT")
                    wrote.append("probe")
                finally:
                    other.close()

    assert cache.replace_charges("aws", JAN_1, JAN_31, rows(), batch_size=3) == 20
    assert wrote == ["probe"]
    assert cache.get_meta("probe") == "x"
    total = sum(1.0 + n for n in range(20))
    conn = sqlite3.connect(cache.path)
    try:
        assert conn.execute("SELECT SUM(billed_cost), COUNT(*) FROM charges").fetchone() == (
            pytest.approx(total), 20)
    finally:
        conn.close()


def test_keys_minted_by_another_writer_during_staging_are_renumbered(cache: Cache) -> None:
    """The other writer takes the ids this import had staged for its new keys; a key both
    minted is shared, and every charge still points at the key of its own attributes."""
    cache.replace_charges("aws", JAN_1, JAN_31, [charge("aws", JAN_1, 1.0)])
    mine = [charge("aws", D(2024, 1, 2), 2.0, resource_id=f"i-mine-{n}") for n in range(5)]
    mine.append(charge("aws", D(2024, 1, 3), 3.0, resource_id="i-both"))

    def rows() -> Iterator[tuple[Any, ...]]:
        yield from mine[:3]
        with Cache.open(cache.path) as other:  # another import, of another source
            other.replace_charges("gcp", JAN_1, JAN_31, [
                charge("gcp", JAN_1, 5.0, resource_id="i-theirs"),
                charge("gcp", JAN_1, 6.0, resource_id="i-both")])
        yield from mine[3:]

    cache.replace_charges("aws", JAN_1, JAN_31, rows())

    keyed = keyed_charges(cache.path)
    assert len(keyed) == 1 + 2 + len(mine) - 1  # the first aws charge was replaced
    assert all(key_id is not None and own == pointed for key_id, own, pointed in keyed)
    expected = {key_of(row) for row in mine} | {key_of(charge("gcp", JAN_1, 0.0,
                                                               resource_id=r))
                                                 for r in ("i-theirs", "i-both")}
    assert {own for _, own, _ in keyed} == expected
    conn = sqlite3.connect(cache.path)
    try:
        keys = conn.execute("SELECT COUNT(*), COUNT(DISTINCT key_id) FROM charge_keys").fetchone()
    finally:
        conn.close()
    # The replaced first charge's key stays (keys are never deleted): one more than in use.
    assert keys == (len(expected) + 1, len(expected) + 1)


def test_a_failed_import_leaves_the_cache_and_no_staged_rows(cache: Cache) -> None:
    cache.replace_charges("aws", JAN_1, JAN_31, [charge("aws", JAN_1, 7.0)])

    def rows() -> Iterator[tuple[Any, ...]]:
        yield charge("aws", D(2024, 1, 2), 1.0, resource_id="i-new")
        yield charge("aws", "2024-01-32", 1.0)  # not a day

    with pytest.raises(BadInput):
        cache.replace_charges("aws", JAN_1, JAN_31, rows())
    keyed = keyed_charges(cache.path)
    assert [own for _, own, _ in keyed] == [key_of(charge("aws", JAN_1, 7.0))]
    # The staged tables are gone, and the next import stages afresh.
    assert cache.replace_charges("aws", JAN_1, JAN_31, [charge("aws", JAN_1, 8.0)]) == 1
    assert len(keyed_charges(cache.path)) == 1


def test_a_write_queued_behind_an_import_is_done_when_the_swap_commits(cache: Cache) -> None:
    """The store's own writes (a finding's state) interleave with a staged import."""
    states: list[str] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for n, day in enumerate(days(JAN_1, D(2024, 1, 5))):
            yield charge("aws", day, float(n))
            if n == 2:
                with Cache.open(cache.path) as other:
                    set_state(other, FindingState("idle:i-0abc", "dismissed", "not ours"))
                    states.append("saved")

    cache.replace_charges("aws", JAN_1, JAN_31, rows())
    assert states == ["saved"]
    assert load_states(cache)["idle:i-0abc"].reason == "not ours"


def by_numpy_column(rows: list[tuple[Any, ...]]) -> DailyCharges:
    """Rows of distinct days and keys as one block of numpy columns, as an import hands
    them over."""
    import numpy as np

    keys = list(dict.fromkeys(key_of(row) for row in rows))
    templates = [list(next(r for r in rows if key_of(r) == k)) for k in keys]
    figures = [CHARGE_COLUMN_NAMES.index(c) for c, _ in FACT_COLUMNS]
    return DailyCharges(
        templates, np.array([keys.index(key_of(r)) for r in rows], dtype=np.intp),
        np.array([day_number_of(r[1]) for r in rows], dtype=np.int64),
        tuple(np.array([np.nan if r[at] is None else float(r[at]) for r in rows])
              for at in figures))


def test_charges_by_numpy_column_get_the_renumbered_keys_and_the_load_of_the_swap(
        cache: Cache) -> None:
    """Staged as the cache stores them, charges by column still follow the keys another
    writer minted meanwhile, and carry the load their swap writes, not the one staging
    began with."""
    cache.replace_charges("aws", JAN_1, JAN_31, [charge("aws", JAN_1, 1.0)])
    mine = [charge("aws", D(2024, 1, 2), 2.0, resource_id=f"i-mine-{n}") for n in range(5)]
    mine.append(charge("aws", D(2024, 1, 3), 3.0, resource_id="i-both"))

    def rows() -> Iterator[DailyCharges]:
        yield by_numpy_column(mine[:3])
        with Cache.open(cache.path) as other:  # another import, of another source
            other.replace_charges("gcp", JAN_1, JAN_31, [
                charge("gcp", JAN_1, 5.0, resource_id="i-theirs"),
                charge("gcp", JAN_1, 6.0, resource_id="i-both")])
        yield by_numpy_column(mine[3:])

    cache.replace_charges("aws", JAN_1, JAN_31, rows())

    keyed = keyed_charges(cache.path)
    assert len(keyed) == 1 + 2 + len(mine) - 1  # the first aws charge was replaced
    assert all(key_id is not None and own == pointed for key_id, own, pointed in keyed)
    assert {own for _, own, _ in keyed} == {key_of(row) for row in mine} | {
        key_of(charge("gcp", JAN_1, 0.0, resource_id=r)) for r in ("i-theirs", "i-both")}
    with sqlite3.connect(cache.path) as conn:
        loads = conn.execute("SELECT k.source_id, f.load FROM charge_facts AS f JOIN "
                             "charge_keys AS k USING (key_id) GROUP BY 1, 2").fetchall()
    assert sorted(loads) == [("aws", 3), ("gcp", 2)]  # the third write: this swap's
    assert cache.revision == 3

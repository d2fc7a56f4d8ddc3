"""The write stamp (migration 12): every row written to any table but the charges' own,
by any connection, leaves a new random stamp in meta; writes to the charges do too, through
their revision. What the leak findings are remembered by."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache
from worthit.store.display import billing_currencies, display_currency
from worthit.store.meta import write_stamp
from worthit.store.rules import load_rules, save_rules
from worthit.store.schema import STAMPED_TABLES


def test_every_table_but_the_charges_own_is_stamped_on_each_kind_of_write(
        cache: Cache) -> None:
    tables = {str(r[0]) for r in cache._rows(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(STAMPED_TABLES) == tables - {"charge_facts", "charge_keys"}
    triggers = {(str(r[0]), str(r[1])) for r in cache._rows(
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == {(t, f"stamp_{t}_{event}") for t in STAMPED_TABLES
                        for event in ("insert", "update", "delete")}


def test_an_insert_an_update_and_a_delete_each_leave_a_new_stamp(cache: Cache) -> None:
    seen = [write_stamp(cache)]
    with cache.transaction() as conn:
        conn.execute("INSERT INTO metrics VALUES ('s', '2026-01-01', 'day', 'i-1', "
                     "'CPUUtilization', 'p95', 5.0, 'Percent')")
    seen.append(write_stamp(cache))
    with cache.transaction() as conn:
        conn.execute("UPDATE metrics SET value = 6.0")
    seen.append(write_stamp(cache))
    with cache.transaction() as conn:
        conn.execute("DELETE FROM metrics")
    seen.append(write_stamp(cache))
    with cache.transaction() as conn:
        conn.execute("DELETE FROM metrics")  # no row: nothing written, the same stamp
    seen.append(write_stamp(cache))
    assert all(seen) and len(set(seen)) == 4 and seen[-1] == seen[-2]
    assert all(len(s or "") == 16 for s in seen)


def test_a_store_function_and_a_write_of_charges_change_it(cache: Cache) -> None:
    before = write_stamp(cache)
    save_rules(cache, load_rules(cache))
    after_rules = write_stamp(cache)
    cache.replace_charges("s", dt.date(2026, 1, 1), dt.date(2026, 1, 1), [])
    assert len({before, after_rules, write_stamp(cache)}) == 3


def test_another_connections_write_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "worthit.sqlite"
    with Cache.open(path) as reader, Cache.open(path) as writer:
        before = write_stamp(reader)
        writer.set_meta({"display.currency": "EUR"})
        assert write_stamp(reader) not in (before, None)
        assert write_stamp(reader) == write_stamp(writer)



def _charge(source: str, currency: str) -> tuple[object, ...]:
    values = {"source_id": source, "charge_period_start": "2026-01-01",
              "provider_name": "AWS", "service_name": "EC2", "charge_category": "Usage",
              "billed_cost": 1.0, "effective_cost": 1.0, "billing_currency": currency}
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def test_the_remembered_billing_currencies_follow_the_charges(tmp_path: Path) -> None:
    """The default display currency (billing currencies remembered by write stamp) changes
    with charges written by another connection."""
    day = dt.date(2026, 1, 1)
    path = tmp_path / "worthit.sqlite"
    with Cache.open(path) as reader, Cache.open(path) as writer:
        writer.replace_charges("eu", day, day, [_charge("eu", "EUR")])
        assert (billing_currencies(reader), display_currency(reader)) == (["EUR"], "EUR")
        assert display_currency(reader) == "EUR"  # asked again: remembered
        writer.replace_charges("us", day, day, [_charge("us", "USD")])
        assert (billing_currencies(reader), display_currency(reader)) == (
            ["EUR", "USD"], "USD")  # two: the fallback

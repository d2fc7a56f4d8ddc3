"""Schema migrations: an older cache opens without loss, a newer one is refused, and a
migration that fails leaves the file at the version it had."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import worthit.store.cache
import worthit.store.schema
from worthit.core.errors import UserError
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache
from worthit.store.schema import SCHEMA_VERSION

Snapshot = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


def _charge(source_id: str, day: str, cost: float, **extra: Any) -> dict[str, Any]:
    # The charge columns of migration 1: an older Worthit wrote no others.
    row: dict[str, Any] = dict.fromkeys(name for name, _ in worthit.store.schema._M1_CHARGE_COLUMNS)
    row.update(
        source_id=source_id,
        charge_period_start=day,
        provider_name="Anthropic",
        service_category="AI and Machine Learning",
        charge_category="Usage",
        billed_cost=cost,
        effective_cost=cost,
        billing_currency="USD",
        tags='{"team": "support"}',
        x_model="claude-sonnet",
        x_input_tokens=1200,
        x_output_tokens=300,
    )
    row.update(extra)
    return row


# Rows in every table migration 1 created, as an older Worthit would have written them.
V1_CHARGES = [
    _charge("anthropic", "2024-01-01", 12.5),
    _charge("anthropic", "2024-01-02", 0.1 + 0.2),
    _charge("aws", "2024-01-01", 3.0, provider_name="AWS", x_usage_type="NatGateway-Bytes",
            x_model=None, tags="{}", x_batch=1),
]  # fmt: skip
V1_SQL = """
INSERT INTO sources (source_id, kind, name, settings, created_at) VALUES
    ('anthropic', 'anthropic', 'Anthropic', '{"org": "acme"}', '2024-01-01T09:00:00Z'),
    ('aws', 'aws-cur', 'AWS', '{}', '2024-01-02T09:00:00Z');
INSERT INTO metrics VALUES
    ('aws', '2024-01-01', 'day', 'i-1', 'GPUUtilization', 'Average', 7.5, 'Percent');
INSERT INTO resources (source_id, resource_id, resource_type, facts, observed_at) VALUES
    ('aws', 'bucket-1', 'bucket', '{"lifecycle": null}', '2024-01-03');
INSERT INTO units (unit_id, name, counts_what, features, target_cost, revenue_per_unit)
    VALUES ('ticket', 'Resolved ticket', 'tickets', '["support-bot"]', 0.4, 2.0);
INSERT INTO unit_counts VALUES ('ticket', '2024-01-01', 140), ('ticket', '2024-01-02', 151.5);
INSERT INTO allocation_rules (position, name, kind, match, team, feature) VALUES
    (1, 'Support bot', 'assign', '{"tags.team": "support"}', 'Support', 'support-bot');
INSERT INTO finding_state (finding_key, state, snooze_until, note, updated_at) VALUES
    ('idle-endpoint:i-1', 'snoozed', '2024-02-01', 'Owner on leave', '2024-01-03T10:00:00Z');
INSERT INTO sync_runs (source_id, started_at, finished_at, period_start, period_end,
                       rows_read, rows_written, result, error) VALUES
    ('anthropic', '2024-01-03T10:00:00Z', '2024-01-03T10:00:05Z', '2024-01-01', '2024-01-02',
     2, 2, 'ok', NULL),
    ('aws', '2024-01-03T10:01:00Z', NULL, NULL, NULL, NULL, NULL, 'failed', 'AccessDenied');
"""


def _snapshot(path: Path) -> Snapshot:
    """Every table's columns and rows, read through an independent connection."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
            )
        ]
        snapshot: Snapshot = {}
        for table in tables:  # views too: ``charges`` became one (migration 6)
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            snapshot[table] = ([d[0] for d in cursor.description],
                               sorted(cursor.fetchall(), key=repr))
        return snapshot
    finally:
        conn.close()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def _make_v1_cache(path: Path) -> None:
    with Cache.open(path, upgrade=False) as cache:
        cache.migrate(to=1)
        assert cache.version == 1
        with cache.transaction() as conn:
            for row in V1_CHARGES:
                columns = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                conn.execute(
                    f"INSERT INTO charges ({columns}) VALUES ({marks})", list(row.values())
                )
        # executescript would commit a pending transaction first, so it runs on its own.
        cache._conn.executescript(f"BEGIN;\n{V1_SQL}\nCOMMIT;")


def test_an_older_cache_upgrades_without_losing_a_row(tmp_path: Path) -> None:
    path = tmp_path / "worthit.sqlite"
    _make_v1_cache(path)
    before = _snapshot(path)
    # Every table of version 1 holds rows, so a loss anywhere would show.
    assert all(rows for _, rows in before.values()), [t for t, (_, r) in before.items() if not r]
    assert len(before) == 9

    with Cache.open(path) as cache:
        assert cache.version == SCHEMA_VERSION
        assert SCHEMA_VERSION > 1

    after = _snapshot(path)
    assert _user_version(path) == SCHEMA_VERSION
    for table, (columns, rows) in before.items():
        # Later migrations may add columns; every value that was there is still there.
        after_columns, after_rows = after[table]
        assert set(columns) <= set(after_columns), table
        keep = [after_columns.index(c) for c in columns]
        assert sorted((tuple(r[i] for i in keep) for r in after_rows), key=repr) == rows, table


def test_opening_a_current_cache_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "worthit.sqlite"
    _make_v1_cache(path)
    Cache.open(path).close()
    before = _snapshot(path)
    Cache.open(path).close()
    assert _snapshot(path) == before
    assert _user_version(path) == SCHEMA_VERSION


def test_a_cache_from_a_newer_worthit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "worthit.sqlite"
    with Cache.open(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("CREATE TABLE from_the_future (x)")
    conn.close()
    before = _snapshot(path)

    with pytest.raises(UserError, match=r"newer Worthit") as caught:
        Cache.open(path)
    assert str(SCHEMA_VERSION + 1) in str(caught.value)
    assert _user_version(path) == SCHEMA_VERSION + 1
    assert _snapshot(path) == before


_BROKEN_M3 = """
CREATE TABLE half_done (x INTEGER);
INSERT INTO half_done VALUES (1);
ALTER TABLE charge_facts ADD COLUMN x_half_done TEXT;
DELETE FROM charge_facts;
INSERT INTO sources (source_id, kind, name, created_at) VALUES ('new', 'k', NULL, 'now');
"""


def test_a_failing_migration_leaves_the_file_at_its_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "worthit.sqlite"
    _make_v1_cache(path)
    Cache.open(path).close()
    before = _snapshot(path)

    migrations = (*worthit.store.schema.MIGRATIONS, _BROKEN_M3)
    monkeypatch.setattr(worthit.store.cache, "MIGRATIONS", migrations)

    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        Cache.open(path)
    with Cache.open(path, upgrade=False) as cache:
        with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
            cache.migrate()
        assert not cache._conn.in_transaction
        assert cache.version == SCHEMA_VERSION
        # The connection is still usable for the next write.
        cache.set_meta({"name": "after the failure"})

    assert _user_version(path) == SCHEMA_VERSION
    after = _snapshot(path)
    before_meta, after_meta = before.pop("meta")[1], after.pop("meta")[1]
    # The write after the failure left a new write stamp (migration 12), and its fact.
    stamp = worthit.store.schema.WRITE_STAMP_KEY
    assert [r for r in after_meta if r[0] != stamp] == sorted(
        [*(r for r in before_meta if r[0] != stamp), ("name", "after the failure")])
    assert after == before


def test_the_cache_uses_wal(cache: Cache) -> None:
    assert cache._scalar("PRAGMA journal_mode") == "wal"
    conn = sqlite3.connect(cache.path)
    try:
        # WAL is a property of the file, not of one connection.
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_a_refused_cache_is_closed_and_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused file must not stay locked (Windows) nor be switched to WAL."""
    path = tmp_path / "worthit.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    opened: list[sqlite3.Connection] = []
    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(real_connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", connect)
    with pytest.raises(UserError, match="newer Worthit"):
        Cache.open(path)
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].execute("SELECT 1")
    monkeypatch.undo()
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    check.close()


# -- migration 6: narrow charges, from a cache of every earlier version -----------------------

_M3_KEYS = ("provider_name", "billing_account_id", "sub_account_id", "sub_account_name",
            "service_category", "service_name", "region_id", "resource_id", "resource_type",
            "x_usage_type", "charge_category", "x_model", "tags", "billing_currency")
# Two lines of one key and day (summed into one charge), and one that differs only in its
# SKU (a key of its own now).
_MORE_V1_CHARGES = [
    _charge("anthropic", "2024-01-01", 0.75, x_input_tokens=10, x_output_tokens=None),
    _charge("aws", "2024-01-01", 4.0, provider_name="AWS", x_usage_type="NatGateway-Bytes",
            x_model=None, tags="{}", x_batch=1, sku_id="SKU-2", consumed_quantity=2.5),
]


def _expected_charges(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What the ``charges`` view must show: the rows summed per day and text columns,
    computed here without SQL (a figure no row had stays None)."""
    figures = ("billed_cost", "effective_cost", "list_cost", "consumed_quantity",
               "x_input_tokens", "x_cached_input_tokens", "x_cache_write_tokens",
               "x_output_tokens", "x_requests", "contracted_cost", "pricing_quantity",
               "commitment_discount_quantity")
    summed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for given in rows:
        row = dict.fromkeys(CHARGE_COLUMN_NAMES) | given  # later columns: not stated
        group = tuple(row[c] for c in CHARGE_COLUMN_NAMES if c not in figures)
        into = summed.setdefault(group, dict(row, **dict.fromkeys(figures)))
        for f in figures:
            if row[f] is not None:
                into[f] = (into[f] or 0) + row[f]
    return sorted((tuple(r[c] for c in CHARGE_COLUMN_NAMES) for r in summed.values()), key=repr)


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_a_cache_of_every_earlier_version_keeps_its_charges(tmp_path: Path,
                                                            version: int) -> None:
    """A cache as each earlier Worthit left it: version 1's rows migrated up to ``version``
    (so charges are keyed from version 3 on), plus a charge written the way that version
    wrote one. Opening it now gives the same charges, summed per key and day, and the
    charges keep being replaced and read through the keys migration 6 made."""
    path = tmp_path / "worthit.sqlite"
    _make_v1_cache(path)
    written = [*V1_CHARGES, *_MORE_V1_CHARGES]
    with Cache.open(path, upgrade=False) as cache:
        with cache.transaction() as conn:
            for row in _MORE_V1_CHARGES:
                conn.execute(f"INSERT INTO charges ({', '.join(row)}) "
                             f"VALUES ({', '.join('?' for _ in row)})", list(row.values()))
        cache.migrate(to=version)
        assert cache.version == version
        late = _charge("openai", "2024-01-03", 2.0, provider_name="OpenAI", x_model="gpt-4.1")
        written.append(late)
        with cache.transaction() as conn:
            columns = [*late, *(("x_key_id",) if version >= 3 else ())]
            values = list(late.values())
            if version >= 6:  # narrow charges
                keys = worthit.store.schema._M6_KEY_COLS
                conn.execute(f"INSERT INTO charge_keys ({', '.join(keys)}) "
                             f"VALUES ({', '.join('?' for _ in keys)})", [late[c] for c in keys])
                conn.execute(
                    "INSERT INTO charge_facts (day, key_id, load, billed, effective, list, "
                    "quantity, input, cached_input, cache_write, output, requests) "
                    "SELECT 19725, MAX(key_id), 0, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM charge_keys",
                    [late[c] for c, _ in worthit.store.schema._M6_FACTS])
            elif version >= 3:
                conn.execute(f"INSERT INTO charge_keys ({', '.join(_M3_KEYS)}) "
                             f"VALUES ({', '.join('?' for _ in _M3_KEYS)})",
                             [late[c] for c in _M3_KEYS])
                values.append(conn.execute("SELECT MAX(key_id) FROM charge_keys").fetchone()[0])
            if version < 6:
                conn.execute(f"INSERT INTO charges ({', '.join(columns)}) "
                             f"VALUES ({', '.join('?' for _ in columns)})", values)

    with Cache.open(path) as cache:
        assert cache.version == SCHEMA_VERSION
        shown = sorted((tuple(r) for r in cache._rows(
            f"SELECT {', '.join(CHARGE_COLUMN_NAMES)} FROM charges")), key=repr)
        assert shown == _expected_charges(written)
        # Every charge points at a key holding its text; the days are whole numbers.
        assert cache._scalar("SELECT COUNT(*) FROM charge_facts AS f LEFT JOIN charge_keys "
                             "AS k ON k.key_id = f.key_id WHERE k.key_id IS NULL") == 0
        assert cache._scalar("SELECT COUNT(*) FROM charge_facts WHERE typeof(day) != "
                             "'integer'") == 0
        # A re-sync of a migrated source replaces its charges, finding the migrated keys.
        keys = cache._scalar("SELECT COUNT(*) FROM charge_keys")
        again = [r for r in _expected_charges(written) if r[0] == "anthropic"]
        cache.replace_charges("anthropic", dt.date(2024, 1, 1), dt.date(2024, 1, 2), again)
        assert cache._scalar("SELECT COUNT(*) FROM charge_keys") == keys
        assert sorted((tuple(r) for r in cache._rows(
            f"SELECT {', '.join(CHARGE_COLUMN_NAMES)} FROM charges")), key=repr) == shown

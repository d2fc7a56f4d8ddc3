"""Allocation keys: every charge points at the row of ``charge_keys`` holding exactly its
key attributes, whether it arrived through replace_charges or was keyed by migration 3;
plus the rule store and the drill-down query that read through those keys."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from worthit.core.errors import BadInput
from worthit.core.focus import CHARGE_COLUMN_NAMES, FACT_COLUMNS, KEY_COLUMNS
from worthit.core.rules import RuleError, rules_from_json
from worthit.store import reads, schema
from worthit.store.cache import Cache
from worthit.store.rules import load_rules, save_rules

D = dt.date
Row = tuple[Any, ...]
JAN_1, JAN_31, FEB_1, FEB_28 = D(2024, 1, 1), D(2024, 1, 31), D(2024, 2, 1), D(2024, 2, 28)


def charge(source_id: str, day: dt.date | str, cost: float, **attrs: Any) -> Row:
    """A row in CHARGE_COLUMN_NAMES order; ``attrs`` override the EC2 defaults."""
    values: dict[str, Any] = {
        "source_id": source_id,
        "charge_period_start": day if isinstance(day, str) else day.isoformat(),
        "provider_name": "AWS",
        "billing_account_id": "111122223333",
        "sub_account_id": "444455556666",
        "sub_account_name": "prod",
        "service_category": "Compute",
        "service_name": "Amazon Elastic Compute Cloud",
        "region_id": "us-east-1",
        "resource_id": "i-0abc",
        "resource_type": "instance",
        "x_usage_type": "BoxUsage:m5.large",
        "charge_category": "Usage",
        "billed_cost": cost,
        "effective_cost": cost,
        "billing_currency": "USD",
        "tags": '{"team": "search"}',
    }
    values.update(attrs)
    assert set(values) <= set(CHARGE_COLUMN_NAMES)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def key_of(row: Row) -> tuple[Any, ...]:
    return tuple(row[CHARGE_COLUMN_NAMES.index(c)] for c in KEY_COLUMNS)


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)


def keyed_charges(path: Path) -> list[tuple[int | None, tuple[Any, ...], tuple[Any, ...]]]:
    """Each charge's key id, its own key attributes, and those of the key it points at,
    read with a plain sqlite3 connection."""
    conn = sqlite3.connect(path)
    try:
        charge_cols = ", ".join(f"c.{col}" for col in KEY_COLUMNS)
        key_cols = ", ".join(f"k.{col}" for col in KEY_COLUMNS)
        n = len(KEY_COLUMNS)
        return [
            (row[0], tuple(row[1:n + 1]), tuple(row[n + 1:]))
            for row in conn.execute(
                f"SELECT c.x_key_id, {charge_cols}, {key_cols} FROM charges AS c "
                "LEFT JOIN charge_keys AS k ON k.key_id = c.x_key_id "
                "ORDER BY c.charge_period_start, c.x_key_id")
        ]
    finally:
        conn.close()


def key_count(cache: Cache) -> int:
    return int(cache._scalar("SELECT COUNT(*) FROM charge_keys"))


# Rows whose key attributes differ in one column each, NULL and empty text included.
VARIANTS: dict[str, dict[str, Any]] = {
    "base": {},
    "other-resource": {"resource_id": "i-0def"},
    "no-resource": {"resource_id": None},
    "empty-resource": {"resource_id": ""},
    "no-tags": {"tags": None},
    "empty-tags": {"tags": "{}"},
    "other-tag-order": {"tags": '{"team":"search"}'},  # other text, so another key
    "model": {"x_model": "gpt-4.1", "provider_name": "OpenAI"},
    "no-account-name": {"sub_account_name": None},
    "credit": {"charge_category": "Credit"},
}


def test_every_charge_points_at_the_key_of_its_attributes(cache: Cache) -> None:
    rows = [charge("aws", day, 1.0 + n, **attrs)
            for n, attrs in enumerate(VARIANTS.values()) for day in days(JAN_1, D(2024, 1, 3))]
    cache.replace_charges("aws", JAN_1, JAN_31, rows)

    keyed = keyed_charges(cache.path)
    assert len(keyed) == len(rows)
    assert sorted((own for _, own, _ in keyed), key=repr) == sorted(map(key_of, rows), key=repr)
    for key_id, own, pointed in keyed:
        assert key_id is not None
        assert own == pointed
    assert key_count(cache) == len(VARIANTS)
    # Identical attributes, one key: each variant's three days share it.
    ids_by_key: dict[tuple[Any, ...], set[int | None]] = {}
    for key_id, own, _ in keyed:
        ids_by_key.setdefault(own, set()).add(key_id)
    assert all(len(ids) == 1 for ids in ids_by_key.values())
    assert len({next(iter(ids)) for ids in ids_by_key.values()}) == len(VARIANTS)


def test_figures_and_days_do_not_make_a_new_key(cache: Cache) -> None:
    cache.replace_charges("aws", JAN_1, JAN_31, [
        charge("aws", JAN_1, 1.0),
        charge("aws", D(2024, 1, 2), 2.0, consumed_quantity=24.0, list_cost=3.0,
               x_requests=5),
        charge("aws", D(2024, 1, 9), -1.0, billed_cost=0.0),
    ])
    assert key_count(cache) == 1
    assert cache._scalar("SELECT COUNT(DISTINCT x_key_id) FROM charges") == 1


def test_every_text_column_is_part_of_the_key(cache: Cache) -> None:
    """A charge keeps its SKU, zone, unit and class: they live in its key (the narrow
    charge holds only figures), so charges differing in one of them get their own keys."""
    cache.replace_charges("aws", JAN_1, JAN_31, [
        charge("aws", JAN_1, 1.0),
        charge("aws", JAN_1, 2.0, sku_id="SKU1", availability_zone="us-east-1a",
               consumed_unit="Hours", charge_class="Correction", publisher_name="AWS"),
    ])
    assert key_count(cache) == 2
    assert [tuple(r) for r in cache._rows(
        "SELECT sku_id, availability_zone, consumed_unit, charge_class, publisher_name, "
        "effective_cost FROM charges ORDER BY effective_cost")] == [
            (None, None, None, None, None, 1.0),
            ("SKU1", "us-east-1a", "Hours", "Correction", "AWS", 2.0)]


def test_charges_of_one_key_and_day_are_one_charge(cache: Cache) -> None:
    """A bill's lines of one key and day are summed, figure by figure; a figure no line
    had stays empty rather than becoming 0."""
    cache.replace_charges("aws", JAN_1, JAN_31, [
        charge("aws", JAN_1, 1.25, x_requests=2),
        charge("aws", JAN_1, 2.5, x_requests=3),
    ])
    assert [tuple(r) for r in cache._rows(
        "SELECT effective_cost, x_requests, x_input_tokens FROM charges")] == [(3.75, 5, None)]


def test_later_replaces_reuse_the_keys(cache: Cache) -> None:
    cache.replace_charges("aws", JAN_1, JAN_31,
                          [charge("aws", d, 1.0) for d in days(JAN_1, JAN_31)])
    (first,) = [r[0] for r in cache._rows("SELECT key_id FROM charge_keys")]

    # Another day range of the same source, the same days again, and another source.
    cache.replace_charges("aws", FEB_1, FEB_28,
                          [charge("aws", d, 2.0) for d in days(FEB_1, FEB_28)])
    cache.replace_charges("aws", JAN_1, JAN_31, [charge("aws", JAN_1, 5.0)])
    cache.replace_charges("aws-2", JAN_1, JAN_31, [charge("aws-2", JAN_1, 7.0),
                                                   charge("aws-2", JAN_1, 8.0, region_id=None)])

    # The source is part of a key: aws-2's charges have keys of their own.
    assert key_count(cache) == 3
    ids = {(r[0], r[1]): r[2] for r in cache._rows(
        "SELECT source_id, region_id, x_key_id FROM charges")}
    assert ids[("aws", "us-east-1")] == first
    assert len({first, ids[("aws-2", "us-east-1")], ids[("aws-2", None)]}) == 3
    for key_id, own, pointed in keyed_charges(cache.path):
        assert key_id is not None and own == pointed


def test_a_number_in_a_text_column_keeps_its_key_across_syncs(cache: Cache) -> None:
    """Importers that parse account ids as numbers: SQLite stores them as text, and the
    next sync must still find their key instead of adding an identical one."""
    cache.replace_charges("aws", JAN_1, JAN_1, [charge("aws", JAN_1, 1.0,
                                                       billing_account_id=111122223333)])
    cache.replace_charges("aws", D(2024, 1, 2), D(2024, 1, 2), [
        charge("aws", D(2024, 1, 2), 1.0, billing_account_id=111122223333)])
    assert cache._scalar("SELECT COUNT(DISTINCT x_key_id) FROM charges") == 1
    assert key_count(cache) == 1


def revision(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'charges.revision'").fetchone()
        return 0 if row is None else int(row[0])
    finally:
        conn.close()


def test_every_replace_bumps_the_revision(cache: Cache) -> None:
    assert cache.revision == revision(cache.path) == 0
    cache.replace_charges("aws", JAN_1, JAN_31, [charge("aws", JAN_1, 1.0)])
    assert cache.revision == revision(cache.path) == 1
    cache.replace_charges("aws", JAN_1, JAN_31, [charge("aws", JAN_1, 1.0)])
    cache.replace_charges("openai", JAN_1, JAN_31, [])  # an empty import still changes data
    assert cache.revision == revision(cache.path) == 3
    cache.set_meta({"workspace.name": "Acme"})  # other facts are not charges
    assert cache.revision == 3


class Cancelled(Exception):
    """A cancel or connector failure while rows are read."""


@pytest.mark.parametrize("failure", ["bad-row", "cancel"])
def test_a_failed_replace_leaves_revision_charges_and_keys_as_they_were(
    cache: Cache, failure: str
) -> None:
    cache.replace_charges("aws", JAN_1, JAN_31,
                          [charge("aws", d, 1.0) for d in days(JAN_1, JAN_31)])
    before = (cache.revision, keyed_charges(cache.path),
              [tuple(r) for r in cache._rows("SELECT * FROM charge_keys")])
    assert before[0] == 1

    def rows() -> Iterator[Row]:
        # New keys first, flushed in batches of one before the failure.
        for n in range(5):
            yield charge("aws", D(2024, 1, 2 + n), 9.0, resource_id=f"i-new{n}")
        if failure == "cancel":
            raise Cancelled
        yield charge("aws", FEB_1, 9.0)  # outside the days being replaced

    with pytest.raises(BadInput if failure == "bad-row" else Cancelled):
        cache.replace_charges("aws", JAN_1, JAN_31, rows(), batch_size=1)

    assert not cache._conn.in_transaction
    assert cache.revision == revision(cache.path) == 1
    assert keyed_charges(cache.path) == before[1]
    assert [tuple(r) for r in cache._rows("SELECT * FROM charge_keys")] == before[2]
    # The next sync mints the keys afresh, numbered after the surviving ones.
    cache.replace_charges("aws", JAN_1, JAN_31, [charge("aws", JAN_1, 1.0, resource_id="i-new0")])
    assert cache.revision == 2
    assert sorted(r[0] for r in cache._rows("SELECT key_id FROM charge_keys")) == [1, 2]


# -- migration 3 -----------------------------------------------------------------------------

V2_ROWS = [
    charge("aws", "2024-01-01", 10.0),
    charge("aws", "2024-01-02", 11.0),  # the same key as the first
    charge("aws", "2024-01-01", 3.0, tags=None),
    charge("aws", "2024-01-02", 4.0, tags=None),  # NULL tags twice: one key
    charge("aws", "2024-01-01", 5.0, tags="{}"),  # '{}' is not NULL
    charge("aws", "2024-01-01", 6.0, region_id=None, resource_id=None),
    charge("aws", "2024-01-03", 7.0, region_id=None, resource_id=None),
    charge("openai", "2024-01-01", 0.5, provider_name="OpenAI", x_model="gpt-4.1",
           billing_account_id=None, sub_account_id="proj_1", sub_account_name=None,
           service_category="AI and Machine Learning", service_name="Responses",
           region_id=None, resource_id="key_1", resource_type=None, x_usage_type=None),
    tuple(None if c not in ("source_id", "charge_period_start", "effective_cost") else v
          for c, v in zip(CHARGE_COLUMN_NAMES, charge("x", "2024-01-05", 1.0), strict=True)),
]


def make_v2_cache(path: Path) -> None:
    with Cache.open(path, upgrade=False) as cache:
        cache.migrate(to=2)
        assert cache.version == 2
        v2 = [name for name, _ in schema._M1_CHARGE_COLUMNS]  # later columns came later
        assert CHARGE_COLUMN_NAMES[:len(v2)] == tuple(v2)
        with cache.transaction() as conn:
            conn.executemany(f"INSERT INTO charges ({', '.join(v2)}) "
                             f"VALUES ({', '.join('?' for _ in v2)})",
                             [row[:len(v2)] for row in V2_ROWS])


def test_migration_3_keys_the_existing_charges(tmp_path: Path) -> None:
    path = tmp_path / "worthit.sqlite"
    make_v2_cache(path)
    with Cache.open(path) as cache:
        assert cache.version >= 3  # migration 3 and any later ones
        assert cache.revision == 0
        keyed = keyed_charges(path)
        assert len(keyed) == len(V2_ROWS)
        assert sorted((own for _, own, _ in keyed), key=repr) == sorted(
            map(key_of, V2_ROWS), key=repr)
        assert all(key_id is not None and own == pointed for key_id, own, pointed in keyed)
        id_of = {own: key_id for key_id, own, _ in keyed}
        distinct = {key_of(row) for row in V2_ROWS}
        assert key_count(cache) == len(distinct) == len(set(id_of.values())) == 6
        assert len({key_id for key_id, own, _ in keyed if own == key_of(V2_ROWS[0])}) == 1

        # A sync after the upgrade finds the migrated keys, NULLs included.
        cache.replace_charges("aws", D(2024, 1, 9), D(2024, 1, 9), [
            charge("aws", "2024-01-09", 1.0, tags=None),
            charge("aws", "2024-01-09", 1.0, region_id=None, resource_id=None)])
        assert key_count(cache) == 6
        new = cache._rows("SELECT x_key_id FROM charges WHERE charge_period_start = '2024-01-09'")
        assert sorted(r[0] for r in new) == sorted([id_of[key_of(V2_ROWS[2])],
                                                    id_of[key_of(V2_ROWS[5])]])


def test_the_key_columns_are_the_ones_migrations_6_and_7_froze(cache: Cache) -> None:
    assert (*schema._M6_KEY_COLS, *schema._M7_KEY_COLS) == KEY_COLUMNS
    assert (*(old for old, _ in schema._M6_FACTS), "contracted_cost", "pricing_quantity",
            "commitment_discount_quantity") == tuple(c for c, _ in FACT_COLUMNS)
    columns = [r["name"] for r in cache._rows("PRAGMA table_info(charge_keys)")]
    assert tuple(columns) == ("key_id", *KEY_COLUMNS)
    assert set(KEY_COLUMNS) <= set(CHARGE_COLUMN_NAMES)


# -- the rule store --------------------------------------------------------------------------

RULES = [
    {"name": "Team and feature tags", "match": {"tag_present": "team"},
     "team": {"tag": "team"}, "feature": {"tag": "feature"}},
    {"name": "Research", "match": {"tag": {"cost-center": "rnd-*"}}, "team": "ml-platform"},
    {"name": "Old", "enabled": False, "match": {"service": ["A", "B"]}, "team": "x",
     "feature": "y"},
    {"name": "NAT gateway", "match": {"resource": "*natgateway*"}, "split": {"by": "direct"}},
    {"name": "Support plan", "match": {"service": "AWS Support*"},
     "split": {"by": "percent", "targets": [{"team": "a", "percent": 60.0},
                                            {"team": "b", "feature": "f", "percent": 40.0}]}},
    {"name": "Observability", "match": {"service": "AmazonCloudWatch"}, "pool": True},
]


def test_saved_rules_load_back_in_order(cache: Cache) -> None:
    rules = rules_from_json(RULES, "rules")
    assert load_rules(cache) == []
    save_rules(cache, rules)
    assert load_rules(cache) == rules
    with Cache.open(cache.path) as other:
        assert load_rules(other) == rules
    stored = cache._rows("SELECT position, name, kind, enabled FROM allocation_rules "
                        "ORDER BY position")
    assert [tuple(r) for r in stored] == [
        (1, "Team and feature tags", "assign", 1), (2, "Research", "assign", 1),
        (3, "Old", "assign", 0), (4, "NAT gateway", "split", 1),
        (5, "Support plan", "split", 1), (6, "Observability", "pool", 1)]

    save_rules(cache, rules[::-1][:2])
    assert [r.name for r in load_rules(cache)] == ["Observability", "Support plan"]
    save_rules(cache, [])
    assert load_rules(cache) == []


def test_saving_rules_bumps_the_rules_revision_only(cache: Cache) -> None:
    assert cache.get_meta("rules.revision") is None
    save_rules(cache, rules_from_json(RULES, "rules"))
    assert cache.get_meta("rules.revision") == "1"
    save_rules(cache, [])
    assert cache.get_meta("rules.revision") == "2"
    assert cache.revision == 0


def test_a_stored_rule_is_read_through_the_same_checks(cache: Cache) -> None:
    with cache.transaction() as conn:
        conn.execute("INSERT INTO allocation_rules (position, name, kind, match, team) "
                     "VALUES (1, 'Bad', 'assign', '{}', ?)", (json.dumps("Unallocated"),))
    with pytest.raises(RuleError) as caught:
        load_rules(cache)
    assert str(caught.value).startswith(
        f"{cache.path} (allocation rules), rule 1 ('Bad'), field 'team': ")


# -- the drill-down --------------------------------------------------------------------------


@pytest.fixture
def drill(cache: Cache) -> tuple[Cache, dict[str, int]]:
    """Four keys over three days; returns the key id of each resource."""
    rows = []
    for n, day in enumerate(days(JAN_1, D(2024, 1, 3))):
        rows += [
            charge("aws", day, 10.0 + n, resource_id="nat-gateway-1", tags='{"split": "50%"}'),
            charge("aws", day, 1.0 + n, resource_id="i-a_b", sub_account_name=None),
            charge("aws", day, 100.0 + n, resource_id="i-axb", tags='{"split": "500"}'),
            charge("aws", day, 1000.0, resource_id="other"),
        ]
    cache.replace_charges("aws", JAN_1, JAN_31, rows)
    ids = {r[0]: r[1] for r in cache._rows("SELECT resource_id, key_id FROM charge_keys")}
    return cache, ids


def test_the_drill_lists_the_charges_of_the_keys_with_their_allocated_part(
    drill: tuple[Cache, dict[str, int]],
) -> None:
    cache, ids = drill
    fractions = {ids["nat-gateway-1"]: 0.25, ids["i-a_b"]: 1.0, ids["i-axb"]: 0.5}
    frame, count = reads.charges_of_keys(cache, fractions, D(2024, 1, 2), D(2024, 1, 3))
    got = sorted(zip(frame["day"], frame["resource"], frame["cost"], frame["share"],
                     frame["allocated"], strict=True))
    assert got == sorted([
        ("2024-01-02", "nat-gateway-1", 11.0, 0.25, 2.75),
        ("2024-01-03", "nat-gateway-1", 12.0, 0.25, 3.0),
        ("2024-01-02", "i-a_b", 2.0, 1.0, 2.0),
        ("2024-01-03", "i-a_b", 3.0, 1.0, 3.0),
        ("2024-01-02", "i-axb", 101.0, 0.5, 50.5),
        ("2024-01-03", "i-axb", 102.0, 0.5, 51.0),
    ])
    assert count == 6
    # Largest allocated first by default.
    assert list(frame["allocated"]) == [51.0, 50.5, 3.0, 3.0, 2.75, 2.0]
    assert list(frame.columns) == list(reads.DRILL_COLUMNS)
    assert set(frame.loc[frame["resource"] == "i-a_b", "account"]) == {"444455556666"}
    assert set(frame.loc[frame["resource"] == "i-axb", "account"]) == {"prod"}


@pytest.mark.parametrize(("search", "resources"), [
    ("NAT", {"nat-gateway-1"}),  # case-insensitive
    ("50%", {"nat-gateway-1"}),  # '%' is a character, not a wildcard
    ("a_b", {"i-a_b"}),  # '_' likewise
    ("  i-a  ", {"i-a_b", "i-axb"}),
    ("4444", {"i-a_b"}),  # the account id when there is no account name
    ("search", {"i-a_b"}),  # in its tags only
    ("   ", {"nat-gateway-1", "i-a_b", "i-axb"}),
    ("no such text", set()),
])
def test_the_drill_search_matches_text_literally(
    drill: tuple[Cache, dict[str, int]], search: str, resources: set[str]
) -> None:
    cache, ids = drill
    fractions = {ids[r]: 1.0 for r in ("nat-gateway-1", "i-a_b", "i-axb")}
    frame, count = reads.charges_of_keys(cache, fractions, JAN_1, JAN_31, search=search)
    assert set(frame["resource"]) == resources
    assert count == len(frame) == 3 * len(resources)


def test_the_drill_sorts_limits_and_counts_all(drill: tuple[Cache, dict[str, int]]) -> None:
    cache, ids = drill
    fractions = {ids["nat-gateway-1"]: 0.5, ids["i-axb"]: 0.1}
    frame, count = reads.charges_of_keys(cache, fractions, JAN_1, JAN_31, order_by="cost",
                                         descending=False, limit=4)
    assert count == 6
    assert list(frame["cost"]) == [10.0, 11.0, 12.0, 100.0]
    frame, _ = reads.charges_of_keys(cache, fractions, JAN_1, JAN_31, order_by="allocated",
                                     limit=2)
    assert list(frame["allocated"]) == pytest.approx([10.2, 10.1])
    frame, _ = reads.charges_of_keys(cache, fractions, JAN_1, JAN_31, order_by="day")
    assert list(frame["day"]) == ["2024-01-03"] * 2 + ["2024-01-02"] * 2 + ["2024-01-01"] * 2
    frame, count = reads.charges_of_keys(cache, {}, JAN_1, JAN_31)
    assert (len(frame), count) == (0, 0)


@pytest.mark.parametrize("order_by", ["effective_cost", "cost; DROP TABLE charges", ""])
def test_the_drill_refuses_an_unknown_order(drill: tuple[Cache, dict[str, int]],
                                            order_by: str) -> None:
    cache, ids = drill
    with pytest.raises(ValueError, match="cannot sort by"):
        reads.charges_of_keys(cache, {ids["other"]: 1.0}, JAN_1, JAN_31, order_by=order_by)
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 12

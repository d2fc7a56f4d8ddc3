"""The allocation tree on small hand-made caches, whose every figure is worked out by hand,
and on the demo workspace, checked against plain sqlite3."""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import DEMO_END

from worthit.analysis.allocation import (
    REASONS,
    ROOT,
    Allocation,
    Move,
    allocation,
    claim,
    preview,
)
from worthit.analysis.charge_index import NO_RESOURCE, build_index, charge_index
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.periods import Period
from worthit.core.rules import NO_FEATURE, UNALLOCATED, Rule, rules_from_json
from worthit.store import reads
from worthit.store.cache import Cache
from worthit.store.rules import load_rules
from worthit.workspace import Workspace

D = dt.date
Row = tuple[Any, ...]
JAN_1, JAN_31 = D(2024, 1, 1), D(2024, 1, 31)
UNTAGGED, NO_RULE, POOL = (REASONS[r][0] for r in ("untagged", "no_rule", "pool"))
TAGS_RULE = {"name": "Tags", "match": {"tag_present": "team"}, "team": {"tag": "team"},
             "feature": {"tag": "feature"}}


def charge(day: dt.date, cost: float, *, tags: dict[str, Any] | str | None = None,
           **attrs: Any) -> Row:
    """An EC2 usage row; ``tags`` as a mapping (written as JSON), raw text, or None."""
    values: dict[str, Any] = {
        "source_id": "test",
        "charge_period_start": day.isoformat(),
        "provider_name": "AWS",
        "billing_account_id": "111111111111",
        "sub_account_id": "222222222222",
        "sub_account_name": "prod-main",
        "service_category": "Compute",
        "service_name": "Amazon EC2",
        "region_id": "us-east-1",
        "resource_id": "i-1",
        "charge_category": "Usage",
        "billed_cost": cost,
        "effective_cost": cost,
        "billing_currency": "USD",
        "tags": json.dumps(tags) if isinstance(tags, dict) else tags,
    }
    values.update(attrs)
    assert set(values) <= set(CHARGE_COLUMN_NAMES)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


DATA_START, DATA_END = D(2023, 12, 1), D(2024, 3, 31)


def fill(cache: Cache, rows: Iterable[Row], start: dt.date = DATA_START,
         end: dt.date = DATA_END) -> Cache:
    cache.replace_charges("test", start, end, list(rows))
    return cache


def rules(*raw: dict[str, Any]) -> list[Rule]:
    return rules_from_json(list(raw), "test rules")


def allocate_jan(cache: Cache, rule_set: list[Rule], start: dt.date = JAN_1,
                 end: dt.date = JAN_31) -> Allocation:
    return allocation(cache, Period(start, end), rule_set)


def costs(result: Allocation, depth: int) -> dict[tuple[str, ...], float]:
    """Node cost by path at ``depth``, leaving out nodes with nothing in the period."""
    return {path: node.cost for path, node in result.nodes.items()
            if len(path) == depth and abs(node.cost) > 1e-9}


def key_id(cache: Cache, **attrs: str) -> int:
    where = " AND ".join(f"{column} = ?" for column in attrs)
    (found,) = cache._rows(f"SELECT key_id FROM charge_keys WHERE {where}", tuple(attrs.values()))
    return int(found[0])


def assert_consistent(result: Allocation) -> None:
    """Each node is the sum of its children, and its trend sums to its cost."""
    for path, node in result.nodes.items():
        if node.children:
            assert node.cost == pytest.approx(
                math.fsum(result.nodes[c].cost for c in node.children), abs=1e-9), path
        assert float(node.trend.sum()) == pytest.approx(node.cost, abs=1e-9), path


def test_the_tree_is_built_when_first_asked_for_and_only_once(
        cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit costs, model swap, commitments and the alerts read the pieces only: the tree is
    not built for them; asked for, it is built once and is what it always was."""
    import worthit.analysis.allocation as module

    cache.replace_charges("test", JAN_1, JAN_31, [
        charge(JAN_1, 10.0, tags={"team": "ads", "feature": "bidder"}),
        charge(JAN_31, 5.0, tags={"team": "search"})])
    built: list[int] = []
    tree = module._tree
    monkeypatch.setattr(module, "_tree", lambda *a: built.append(1) or tree(*a))
    result = allocate_jan(cache, rules_from_json([TAGS_RULE], "t"))
    assert len(result.pieces) == 2 and built == []
    assert result.total == 15.0 and built == [1]
    assert costs(result, 1) == {("ads",): 10.0, ("search",): 5.0}
    assert_consistent(result)
    assert built == [1]


# -- which rule claims a charge --------------------------------------------------------------


def test_the_first_matching_rule_wins(cache: Cache) -> None:
    fill(cache, [charge(JAN_1, 10.0, resource_id="i-1", tags={"team": "a", "feature": "fa"}),
                 charge(JAN_1, 5.0, resource_id="i-2", tags={"team": "b"})])
    pin = {"name": "Pin i-1", "match": {"resource": "i-1"}, "team": "x", "feature": "pinned"}

    result = allocate_jan(cache, rules(pin, TAGS_RULE))
    assert costs(result, 2) == {("x", "pinned"): 10.0, ("b", NO_FEATURE): 5.0}
    index = charge_index(cache)
    claims = claim(index, rules(pin, TAGS_RULE))
    by_resource = dict(zip(index.keys["resource_id"], claims.rule, strict=True))
    assert by_resource == {"i-1": 0, "i-2": 1}

    result = allocate_jan(cache, rules(TAGS_RULE, pin))
    assert costs(result, 2) == {("a", "fa"): 10.0, ("b", NO_FEATURE): 5.0}


def test_a_disabled_rule_is_skipped(cache: Cache) -> None:
    fill(cache, [charge(JAN_1, 10.0, tags={"team": "a", "feature": "fa"})])
    pin = {"name": "Pin", "enabled": False, "match": {"resource": "i-1"}, "team": "x"}
    assert costs(allocate_jan(cache, rules(pin, TAGS_RULE)), 2) == {("a", "fa"): 10.0}
    assert costs(allocate_jan(cache, rules(pin)), 2) == {(UNALLOCATED, NO_RULE): 10.0}


def test_a_team_read_from_a_tag_leaves_charges_without_it_to_the_next_rule(cache: Cache) -> None:
    fill(cache, [
        charge(JAN_1, 1.0, resource_id="i-1", tags={"team": "a"}),
        charge(JAN_1, 2.0, resource_id="i-2", tags={"env": "prod"}),
        charge(JAN_1, 4.0, resource_id="i-3"),
        charge(JAN_1, 8.0, resource_id="i-4", tags={"team": UNALLOCATED}),  # reserved
        charge(JAN_1, 16.0, resource_id="i-5", tags={"team": ""}),
    ])
    by_tag = {"name": "By tag", "match": {"service": "Amazon EC2"}, "team": {"tag": "team"}}
    fallback = {"name": "Fallback", "match": {"service": "Amazon EC2"}, "team": "ops",
                "feature": "everything else"}
    result = allocate_jan(cache, rules(by_tag, fallback))
    assert costs(result, 2) == {("a", NO_FEATURE): 1.0, ("ops", "everything else"): 30.0}
    assert costs(allocate_jan(cache, rules(by_tag)), 2) == {
        ("a", NO_FEATURE): 1.0, (UNALLOCATED, NO_RULE): 10.0, (UNALLOCATED, UNTAGGED): 20.0}


def test_a_missing_feature_is_no_feature(cache: Cache) -> None:
    fill(cache, [charge(JAN_1, 3.0, resource_id="i-1", tags={"team": "a"}),
                 charge(JAN_1, 4.0, resource_id="i-2", tags={"team": "a", "feature": "fa"}),
                 charge(JAN_1, 5.0, resource_id="i-3", service_name="S3")])
    result = allocate_jan(cache, rules(
        TAGS_RULE, {"name": "S3", "match": {"service": "S3"}, "team": "storage"}))
    assert costs(result, 2) == {("a", NO_FEATURE): 3.0, ("a", "fa"): 4.0,
                                ("storage", NO_FEATURE): 5.0}
    assert costs(result, 4) == {("a", NO_FEATURE, "AWS · Amazon EC2", "i-1"): 3.0,
                                ("a", "fa", "AWS · Amazon EC2", "i-2"): 4.0,
                                ("storage", NO_FEATURE, "AWS · S3", "i-3"): 5.0}


@pytest.mark.parametrize(("condition", "pattern", "attrs", "matches"), [
    ("service", "amazon ec2", {}, True),
    ("service", "AMAZON*", {}, True),
    ("service", "*EC2", {}, True),
    ("service", "EC2", {}, False),  # the whole value, not a part of it
    ("service", ["S3", "amazon ec2"], {}, True),
    ("resource", "I-?", {}, True),
    ("resource", "i-??", {}, False),
    ("resource", "*", {"resource_id": None}, False),  # a missing value matches nothing
    ("region", "us-[ew]*", {}, True),
    ("region", "us-[ew]*", {"region_id": "eu-west-1"}, False),
    ("account", "prod-*", {}, True),  # the account's name
    ("account", "1111*", {}, True),  # the billing account id
    ("account", "222222222222", {}, True),  # the account id
    ("account", "333*", {}, False),
    ("model", "GPT-4*", {"x_model": "gpt-4.1"}, True),
    ("api_key", "key_*", {"resource_id": "key_DocSearch"}, True),
    ("usage_type", "*natgateway*", {"x_usage_type": "USE1-NatGateway-Hours"}, True),
    ("charge_category", "credit", {"charge_category": "Credit"}, True),
    ("category", "ai*", {"service_category": "AI and Machine Learning"}, True),
    ("provider", "aws", {}, True),
    ("tag", {"env": "PROD"}, {"tags": '{"env": "prod"}'}, True),
    ("tag", {"env": "prod"}, {"tags": '{"env": "production"}'}, False),
    ("tag_present", ["owner", "team"], {"tags": '{"team": "x"}'}, True),
    ("tag_present", "owner", {"tags": '{"team": "x"}'}, False),
])
def test_text_conditions_are_case_insensitive_globs(
    cache: Cache, condition: str, pattern: Any, attrs: dict[str, Any], matches: bool
) -> None:
    fill(cache, [charge(JAN_1, 7.0, **attrs)])
    rule = {"name": "R", "match": {condition: pattern}, "team": "hit"}
    result = allocate_jan(cache, rules(rule))
    assert (("hit",) in result.nodes) is matches
    assert result.node(("hit",) if matches else (UNALLOCATED,)).cost == 7.0


# -- Unallocated -----------------------------------------------------------------------------


def test_unallocated_is_there_with_nothing_to_allocate(cache: Cache) -> None:
    result = allocate_jan(cache, [])
    assert result.total == result.previous_total == 0.0
    assert set(result.nodes) == {ROOT, (UNALLOCATED,)}
    assert result.nodes[ROOT].children == [(UNALLOCATED,)]
    assert result.unallocated.cost == 0.0
    assert result.unallocated.reason == "Nothing is unallocated in this period."
    assert result.share(result.unallocated) is None
    assert result.to_json()["tree"] == [{
        "name": UNALLOCATED, "level": "team", "cost": 0.0, "share": None, "previous": 0.0,
        "change_pct": None, "reason": "Nothing is unallocated in this period."}]


def test_unallocated_comes_first_even_when_empty(cache: Cache) -> None:
    fill(cache, [charge(JAN_1, 10.0, tags={"team": "a"}),
                 charge(JAN_1, 20.0, tags={"team": "b"})])
    result = allocate_jan(cache, rules(TAGS_RULE))
    assert result.nodes[ROOT].children == [(UNALLOCATED,), ("b",), ("a",)]
    assert result.unallocated.cost == 0.0


def test_unallocated_spend_is_split_by_reason(cache: Cache) -> None:
    fill(cache, [
        charge(JAN_1, 1.0, resource_id="i-1", tags="{}"),
        charge(JAN_1, 2.0, resource_id="i-2", tags=None),
        charge(JAN_1, 8.0, resource_id="i-3", tags="team=a"),  # not JSON: untagged
        charge(JAN_1, 4.0, resource_id="i-4", tags={"env": "prod"}),
        charge(JAN_1, 16.0, service_name="AmazonCloudWatch", resource_id=None),
        charge(JAN_1, 32.0, resource_id="i-5", tags={"team": "a", "feature": "fa"}),
    ])
    pool = {"name": "Observability", "match": {"service": "AmazonCloudWatch"}, "pool": True}
    result = allocate_jan(cache, rules(TAGS_RULE, pool))
    assert costs(result, 2) == {(UNALLOCATED, UNTAGGED): 11.0, (UNALLOCATED, NO_RULE): 4.0,
                                (UNALLOCATED, POOL): 16.0, ("a", "fa"): 32.0}
    assert result.total == 63.0
    assert result.unallocated.cost == 31.0
    # Pinned first though smaller than team a; its reasons largest first.
    assert result.nodes[ROOT].children == [(UNALLOCATED,), ("a",)]
    assert result.unallocated.children == [(UNALLOCATED, POOL), (UNALLOCATED, UNTAGGED),
                                           (UNALLOCATED, NO_RULE)]
    assert result.unallocated.reason == ("Spend no rule assigns to a team: shared pool not "
                                         "split; untagged; no rule matched")
    for reason, (name, text) in REASONS.items():
        assert result.node((UNALLOCATED, name)).reason == text, reason
    assert result.node(("a",)).reason is None
    assert (UNALLOCATED, POOL, "AWS · AmazonCloudWatch", NO_RESOURCE) in result.nodes
    assert_consistent(result)


# -- splits ----------------------------------------------------------------------------------

DIRECT = [  # a spends 30 (feature fa), b 10 (feature fb), c nothing
    charge(JAN_1, 20.0, resource_id="i-a1", tags={"team": "a", "feature": "fa"}),
    charge(D(2024, 1, 2), 10.0, resource_id="i-a2", tags={"team": "a", "feature": "fa"}),
    charge(JAN_1, 10.0, resource_id="i-b", tags={"team": "b", "feature": "fb"}),
]


def shared(service: str, cost: float, day: dt.date = JAN_1) -> Row:
    return charge(day, cost, service_name=service, resource_id=service.lower(), tags="{}")


def test_splits_even_percent_and_direct(cache: Cache) -> None:
    fill(cache, [*DIRECT, shared("Even", 90.0), shared("Percent", 200.0),
                 shared("Direct", 100.0)])
    result = allocate_jan(cache, rules(
        TAGS_RULE,
        {"name": "E", "match": {"service": "Even"}, "split": {"by": "even", "targets": [
            {"team": "a"}, {"team": "b", "feature": "fx"}, {"team": "c"}]}},
        {"name": "P", "match": {"service": "Percent"}, "split": {"by": "percent", "targets": [
            {"team": "a", "percent": 40}, {"team": "b", "percent": 25},
            {"team": "c", "feature": "fc", "percent": 35}]}},
        {"name": "D", "match": {"service": "Direct"}, "split": {"by": "direct", "targets": [
            {"team": "a"}, {"team": "b"}, {"team": "c"}]}},
    ))
    assert costs(result, 2) == pytest.approx({
        ("a", "fa"): 30.0, ("b", "fb"): 10.0,
        ("a", "Shared: E"): 30.0, ("b", "fx"): 30.0, ("c", "Shared: E"): 30.0,
        ("a", "Shared: P"): 80.0, ("b", "Shared: P"): 50.0, ("c", "fc"): 70.0,
        ("a", "Shared: D"): 75.0, ("b", "Shared: D"): 25.0,  # 30 : 10 : 0
    })
    assert costs(result, 1) == pytest.approx({("a",): 215.0, ("b",): 115.0, ("c",): 100.0})
    assert result.total == pytest.approx(430.0)
    assert result.unallocated.cost == 0.0
    assert_consistent(result)

    # The drill: each key's share under a node, and the charges they bring.
    shares = result.key_shares(("a",))
    assert shares == pytest.approx({
        key_id(cache, resource_id="i-a1"): 1.0, key_id(cache, resource_id="i-a2"): 1.0,
        key_id(cache, service_name="Even"): 1 / 3, key_id(cache, service_name="Percent"): 0.4,
        key_id(cache, service_name="Direct"): 0.75})
    assert result.key_shares(("b", "fx")) == pytest.approx(
        {key_id(cache, service_name="Even"): 1 / 3})
    frame, count = reads.charges_of_keys(cache, shares, JAN_1, JAN_31)
    assert count == 5
    assert math.fsum(frame["allocated"]) == pytest.approx(result.node(("a",)).cost)


def test_a_direct_split_to_features_follows_their_spend(cache: Cache) -> None:
    fill(cache, [*DIRECT, charge(JAN_1, 5.0, resource_id="i-a3", tags={"team": "a"}),
                 shared("Direct", 50.0)])
    result = allocate_jan(cache, rules(TAGS_RULE, {
        "name": "D", "match": {"service": "Direct"}, "split": {"by": "direct", "targets": [
            {"team": "a", "feature": "fa"}, {"team": "b", "feature": "fb"}]}}))
    # fa spends 30 of team a's 35, fb 10: 30 : 10.
    assert costs(result, 2) == pytest.approx({("a", "fa"): 30.0 + 37.5, ("b", "fb"): 10.0 + 12.5,
                                              ("a", NO_FEATURE): 5.0})


def test_a_direct_split_with_no_spend_to_follow_stays_unallocated(cache: Cache) -> None:
    fill(cache, [*DIRECT, shared("Direct", 100.0)])
    result = allocate_jan(cache, rules(TAGS_RULE, {
        "name": "D", "match": {"service": "Direct"},
        "split": {"by": "direct", "targets": [{"team": "c"}, {"team": "e"}]}}))
    assert costs(result, 2) == {("a", "fa"): 30.0, ("b", "fb"): 10.0,
                                (UNALLOCATED, POOL): 100.0}
    assert ("c",) not in result.nodes


def test_a_team_whose_spend_nets_to_zero_earns_no_share_of_a_direct_split(cache: Cache) -> None:
    """Team a's usage and credit cancel out: it has no direct spend for the NAT gateway to
    follow, so the gateway stays in the shared pool instead of landing on a."""
    fill(cache, [charge(JAN_1, 0.1, resource_id="i-1", tags={"team": "a"}),
                 charge(JAN_1, 0.2, resource_id="i-2", tags={"team": "a"}),
                 charge(JAN_1, -0.3, resource_id="i-3", tags={"team": "a"},
                        charge_category="Credit"),
                 shared("NAT", 100.0)])
    result = allocate_jan(cache, rules(TAGS_RULE, {
        "name": "NAT", "match": {"service": "NAT"},
        "split": {"by": "direct", "targets": [{"team": "a"}, {"team": "b"}]}}))
    assert result.node((UNALLOCATED, POOL)).cost == pytest.approx(100.0)


def test_a_split_without_targets_goes_to_every_team_with_direct_spend(cache: Cache) -> None:
    fill(cache, [
        *DIRECT,
        charge(JAN_1, -5.0, resource_id="i-d", tags={"team": "d"}, charge_category="Credit"),
        charge(D(2023, 12, 20), 50.0, resource_id="i-e", tags={"team": "e"}),  # last month
        shared("NAT", 100.0),
        shared("NAT", 40.0, D(2023, 12, 20)),
    ])
    result = allocate_jan(cache, rules(TAGS_RULE, {
        "name": "NAT", "match": {"service": "NAT"}, "split": {"by": "direct"}}))
    # a 30, b 10; a credit earns no share, and e spent nothing this period.
    assert costs(result, 2) == pytest.approx({
        ("a", "fa"): 30.0, ("b", "fb"): 10.0, ("d", NO_FEATURE): -5.0,
        ("a", "Shared: NAT"): 75.0, ("b", "Shared: NAT"): 25.0})
    # In December only e spent: December's NAT cost went to e.
    assert result.previous.start == D(2023, 12, 1)
    assert result.node(("e", "Shared: NAT")).previous == pytest.approx(40.0)
    assert result.node(("e",)).previous == pytest.approx(90.0)
    assert result.node(("a", "Shared: NAT")).previous == 0.0
    assert_consistent(result)


# -- periods, change and trend ---------------------------------------------------------------

SERIES = [
    *(charge(D(2024, 1, d), 10.0, resource_id="i-a", tags={"team": "a"}) for d in range(1, 11)),
    *(charge(D(2024, 1, d), 15.0, resource_id="i-a", tags={"team": "a"}) for d in range(11, 21)),
    *(charge(D(2024, 1, d), 5.0, resource_id="i-b", tags={"team": "b"}) for d in range(11, 21)),
    *(charge(D(2024, 1, d), 3.0, resource_id="i-c", tags={"team": "c"}) for d in range(1, 11)),
]


def test_the_previous_period_and_the_change(cache: Cache) -> None:
    fill(cache, SERIES, JAN_1, JAN_31)
    result = allocate_jan(cache, rules(TAGS_RULE), D(2024, 1, 11), D(2024, 1, 20))
    assert result.previous == Period(JAN_1, D(2024, 1, 10))
    assert result.previous_complete is True
    assert (result.total, result.previous_total) == (200.0, 130.0)
    a, b, c = (result.node((team,)) for team in "abc")
    assert (a.cost, a.previous, result.change_pct(a)) == (150.0, 100.0, 0.5)
    assert (b.cost, b.previous, result.change_pct(b)) == (50.0, 0.0, None)
    assert (c.cost, c.previous, result.change_pct(c)) == (0.0, 30.0, -1.0)
    assert result.share(a) == 0.75
    assert result.to_json()["previous_period_complete"] is True
    # Ten days, ten trend points, one per day.
    assert list(a.trend) == [15.0] * 10
    assert result.trend_edges == tuple(D(2024, 1, d) for d in range(11, 21))
    assert_consistent(result)


def test_no_change_against_a_previous_period_before_the_data(cache: Cache) -> None:
    fill(cache, SERIES, JAN_1, JAN_31)
    result = allocate_jan(cache, rules(TAGS_RULE), D(2024, 1, 6), D(2024, 1, 15))
    assert result.previous == Period(D(2023, 12, 27), D(2024, 1, 5))
    assert result.previous_complete is False
    a = result.node(("a",))
    assert (a.cost, a.previous) == (125.0, 50.0)
    assert result.change_pct(a) is None
    assert result.to_json()["previous_period_complete"] is False


def test_each_trend_point_holds_the_days_from_its_edge(cache: Cache) -> None:
    """45 days in 30 points: each point sums the days from its edge to the next one."""
    start = JAN_1
    fill(cache, [charge(start + dt.timedelta(days=n), float(n + 1), tags={"team": "a"})
                 for n in range(45)], start, D(2024, 2, 14))
    result = allocate_jan(cache, rules(TAGS_RULE), start, D(2024, 2, 14))
    edges = [*result.trend_edges, D(2024, 2, 15)]
    assert len(edges) == 31 and edges[0] == start
    expected = [
        math.fsum((day - start).days + 1.0 for day in
                  (edges[i] + dt.timedelta(days=k) for k in range((edges[i + 1] - edges[i]).days)))
        for i in range(30)
    ]
    assert list(result.node(("a",)).trend) == expected


# -- the index -------------------------------------------------------------------------------


def test_the_index_is_reused_until_the_charges_change(cache: Cache) -> None:
    fill(cache, [charge(JAN_1, 10.0, tags={"team": "a"})])
    first = charge_index(cache)
    assert first.revision == cache.revision == 1
    assert charge_index(cache) is first
    allocate_jan(cache, rules(TAGS_RULE))
    assert charge_index(cache) is first
    with Cache.open(cache.path) as other:  # another connection to the same file
        assert charge_index(other) is first

    fill(cache, [charge(JAN_1, 12.0, tags={"team": "a"})])
    second = charge_index(cache)
    assert second is not first and second.revision == 2
    assert allocate_jan(cache, rules(TAGS_RULE)).node(("a",)).cost == 12.0
    assert build_index(cache).per_key(JAN_1, JAN_31).tolist() == [12.0]


def test_a_cache_file_replaced_under_the_same_path_is_not_served_from_the_old_index(
    tmp_path: Path,
) -> None:
    """Regenerating a workspace (the demo generator os.replace()s the file) starts its
    revision again at 1; the old file's figures must not be shown for the new one."""
    path = tmp_path / "worthit.sqlite"
    with Cache.open(path) as old:
        fill(old, [charge(JAN_1, 5.0)])
        assert allocate_jan(old, []).total == 5.0
    for file in tmp_path.iterdir():
        file.unlink()
    with Cache.open(path) as new:
        fill(new, [charge(JAN_1, 7.0)])
        assert new.revision == 1
        assert allocate_jan(new, []).total == 7.0


# -- preview ---------------------------------------------------------------------------------


def test_preview_reports_what_a_rule_moves(cache: Cache) -> None:
    fill(cache, [charge(JAN_1, 10.0, resource_id="i-1", tags={"team": "a", "feature": "fa"}),
                 charge(JAN_1, 4.0, resource_id="i-2", tags={"team": "b"}),
                 charge(JAN_1, 1.0, resource_id="i-3", tags="{}")])
    before = allocate_jan(cache, [])
    after = allocate_jan(cache, rules(TAGS_RULE))
    change = preview(before, after)
    assert (change.unallocated_before, change.unallocated_after) == (15.0, 1.0)
    assert change.leaves_unallocated == 14.0
    assert change.moves == (Move(UNALLOCATED, NO_RULE, 14.0, 0.0), Move("a", "fa", 0.0, 10.0),
                            Move("b", NO_FEATURE, 0.0, 4.0))
    assert [m.change for m in change.moves] == [-14.0, 10.0, 4.0]
    assert preview(after, after).moves == ()


# -- the demo workspace ----------------------------------------------------------------------

LAST_30 = Period(DEMO_END - dt.timedelta(days=29), DEMO_END)
RESEARCH = {"name": "Research sandbox", "match": {"tag": {"cost-center": "rnd-410"}},
            "team": "ml-platform", "feature": "model-training"}


def demo_sum(workspace: Workspace, where: str = "1") -> float:
    """SUM(effective_cost) over the last 30 days with plain sqlite3."""
    conn = sqlite3.connect(f"file:{workspace.cache_path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT effective_cost FROM charges WHERE charge_period_start BETWEEN ? AND ? "
            f"AND ({where})", (LAST_30.start.isoformat(), LAST_30.end.isoformat())).fetchall()
        return math.fsum(r[0] for r in rows)
    finally:
        conn.close()


def test_the_demo_total_is_every_charge_of_the_period(demo_workspace: Workspace) -> None:
    with Cache.open(demo_workspace.cache_path) as cache:
        result = allocation(cache, LAST_30)
    expected = demo_sum(demo_workspace)
    assert expected > 10_000
    assert abs(result.total - expected) < 0.005
    leaves = math.fsum(n.cost for p, n in result.nodes.items() if len(p) == 4)
    assert abs(leaves - expected) < 0.005
    assert_consistent(result)


def test_the_demo_has_every_reason_for_unallocated_spend(demo_workspace: Workspace) -> None:
    with Cache.open(demo_workspace.cache_path) as cache:
        result = allocation(cache, LAST_30)
    reasons = {p[1]: n.cost for p, n in result.nodes.items()
               if len(p) == 2 and p[0] == UNALLOCATED}
    assert set(reasons) == {UNTAGGED, NO_RULE, POOL}
    assert all(cost > 100 for cost in reasons.values()), reasons
    untagged_tags = "(tags IS NULL OR tags = '{}')"
    team_tag = "json_extract(tags, '$.team') IS NOT NULL"
    # The demo's rules: team tags first, then NAT (split), Support (split), CloudWatch (pool).
    split_or_pool = ("(service_name = 'Amazon Virtual Private Cloud' AND resource_id LIKE "
                     "'%natgateway%') OR service_name LIKE 'AWS Support%' OR "
                     "service_name = 'AmazonCloudWatch'")
    expected = {
        UNTAGGED: demo_sum(demo_workspace, f"{untagged_tags} AND NOT ({split_or_pool})"),
        NO_RULE: demo_sum(demo_workspace, f"NOT {untagged_tags} AND NOT {team_tag} "
                                          f"AND NOT ({split_or_pool})"),
        POOL: demo_sum(demo_workspace,
                       f"service_name = 'AmazonCloudWatch' AND NOT ({team_tag})"),
    }
    for name, cost in expected.items():
        assert abs(reasons[name] - cost) < 0.005, name


def test_a_research_rule_moves_exactly_the_unmatched_tagged_spend(
    demo_workspace: Workspace,
) -> None:
    with Cache.open(demo_workspace.cache_path) as cache:
        saved = load_rules(cache)
        before = allocation(cache, LAST_30)
        after = allocation(cache, LAST_30, [*saved, *rules(RESEARCH)])
    research = demo_sum(demo_workspace, "json_extract(tags, '$.\"cost-center\"') = 'rnd-410'")
    assert research > 100
    assert abs(before.node((UNALLOCATED, NO_RULE)).cost - research) < 0.005
    assert (UNALLOCATED, NO_RULE) not in after.nodes
    assert abs(before.unallocated.cost - after.unallocated.cost - research) < 0.005
    target = ("ml-platform", "model-training")
    gained = after.node(target).cost - (before.nodes[target].cost if target in before.nodes
                                        else 0.0)
    assert abs(gained - research) < 0.005
    assert abs(after.total - before.total) < 1e-6

    change = preview(before, after)
    assert abs(change.leaves_unallocated - research) < 0.005
    moved = {(m.team, m.feature): m.change for m in change.moves}
    assert abs(moved.pop(target) - research) < 0.005
    assert abs(moved.pop((UNALLOCATED, NO_RULE)) + research) < 0.005
    # The NAT gateway follows direct spend, which ml-platform now has more of: its split
    # shifts between teams, and nothing else moves.
    assert moved and {feature for _, feature in moved} == {"Shared: NAT gateway"}
    assert abs(math.fsum(moved.values())) < 0.005


def test_the_demo_nat_gateway_follows_direct_spend(demo_workspace: Workspace) -> None:
    with Cache.open(demo_workspace.cache_path) as cache:
        result = allocation(cache, LAST_30, [*load_rules(cache), *rules(RESEARCH)])
    team = "json_extract(tags, '$.team')"
    nat = demo_sum(demo_workspace, "service_name = 'Amazon Virtual Private Cloud' AND "
                                   f"resource_id LIKE '%natgateway%' AND {team} IS NULL")
    conn = sqlite3.connect(f"file:{demo_workspace.cache_path}?mode=ro", uri=True)
    try:
        direct = dict(conn.execute(
            f"SELECT {team}, SUM(effective_cost) FROM charges WHERE {team} IS NOT NULL "
            "AND charge_period_start BETWEEN ? AND ? GROUP BY 1",
            (LAST_30.start.isoformat(), LAST_30.end.isoformat())).fetchall())
    finally:
        conn.close()
    direct["ml-platform"] += demo_sum(
        demo_workspace, "json_extract(tags, '$.\"cost-center\"') = 'rnd-410'")
    assert nat > 100 and len(direct) == 4
    for name, spend in direct.items():
        expected = nat * spend / math.fsum(direct.values())
        assert abs(result.node((name, "Shared: NAT gateway")).cost - expected) < 0.005, name

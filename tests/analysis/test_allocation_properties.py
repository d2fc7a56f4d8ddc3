"""Properties of the allocation over random charges and random rule sets, each checked
against a re-implementation written here with plain Python (fnmatch, json): which rule
claims each charge, where every dollar lands, and that no dollar is lost or counted twice.

Costs are whole quarters of a dollar, so every sum here is exact and "no spend" means
exactly zero on both sides."""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections import defaultdict
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.allocation import ROOT, Allocation, _patterns_table, allocation, claim
from worthit.analysis.charge_index import charge_index
from worthit.core.focus import CHARGE_COLUMN_NAMES, KEY_COLUMNS
from worthit.core.periods import Period
from worthit.core.rules import Rule, rules_from_json
from worthit.store.cache import Cache

FIRST_DAY = dt.date(2024, 2, 1)
DAYS = 20
UNALLOCATED, NO_FEATURE = "Unallocated", "(no feature)"
UNTAGGED, NO_RULE, POOL = "Untagged", "No rule matched", "Shared pool not split"

# -- random charges --------------------------------------------------------------------------

PROVIDERS = [("AWS", "Compute", "Amazon EC2", None), ("AWS", "Storage", "Amazon S3", None),
             ("OpenAI", "AI and Machine Learning", "Responses", "gpt-4.1"),
             ("Anthropic", "AI and Machine Learning", "Messages", "claude-sonnet-4-5")]
ACCOUNTS = [("111", "111-a", "prod"), ("111", "111-b", None), ("222", None, "dev")]
RESOURCES = ["i-1", "i-22", "nat-gw-1", None]
TAGS = [None, "{}", '{"team": "a"}', '{"team": "b", "feature": "f1"}', '{"team": "Unallocated"}',
        '{"env": "prod"}', '{"env": "dev", "team": "c"}', '{"feature": "f2"}', "not json"]

charges = st.lists(st.tuples(
    st.integers(0, DAYS - 1),
    st.sampled_from(PROVIDERS),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(RESOURCES),
    st.sampled_from(TAGS),
    st.one_of(st.just(0), st.integers(-40, -1), st.integers(1, 400)),  # quarters
), max_size=40)


def as_row(day: int, provider: tuple[Any, ...], account: tuple[Any, ...], resource: str | None,
           tags: str | None, quarters: int) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "random",
        "charge_period_start": (FIRST_DAY + dt.timedelta(days=day)).isoformat(),
        "provider_name": provider[0], "service_category": provider[1],
        "service_name": provider[2], "x_model": provider[3],
        "billing_account_id": account[0], "sub_account_id": account[1],
        "sub_account_name": account[2],
        "resource_id": resource, "region_id": "us-east-1", "charge_category": "Usage",
        "tags": tags, "effective_cost": quarters / 4, "billed_cost": quarters / 4,
        "billing_currency": "USD",
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


# -- random rules ----------------------------------------------------------------------------

TEAMS = ["a", "b", "c", "x"]
PATTERNS: dict[str, list[Any]] = {
    "provider": ["aws", "OPEN*", "*ic", "nobody"],
    "service": ["amazon *", "*s3", "responses", "[mr]*"],
    "account": ["prod", "111", "2*", "111-?"],
    "resource": ["i-*", "*GW*", "i-?"],
    "model": ["gpt*", "*", "claude-*"],
    "tag_present": ["team", "feature", "env", ["env", "feature"]],
}


@st.composite
def match(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(PATTERNS)), unique=True, max_size=2))
    out = {name: draw(st.sampled_from(PATTERNS[name])) for name in names}
    if draw(st.integers(0, 3)) == 0:
        out["tag"] = draw(st.sampled_from([{"team": ["a", "B*"]}, {"env": "PROD"},
                                           {"team": "c", "env": "*"}]))
    return out


@st.composite
def rule(draw: st.DrawFn, name: str) -> dict[str, Any]:
    raw: dict[str, Any] = {"name": name, "match": draw(match())}
    if draw(st.integers(0, 5)) == 0:
        raw["enabled"] = False
    kind = draw(st.sampled_from(["literal", "tag", "tag", "split", "split", "pool"]))
    if kind == "literal":
        raw["team"] = draw(st.sampled_from(TEAMS))
        feature = draw(st.sampled_from([None, "f1", {"tag": "feature"}]))
        if feature is not None:
            raw["feature"] = feature
    elif kind == "tag":
        raw["team"] = {"tag": "team"}
        feature = draw(st.sampled_from([None, "f9", {"tag": "feature"}]))
        if feature is not None:
            raw["feature"] = feature
    elif kind == "pool":
        raw["pool"] = True
    else:
        by = draw(st.sampled_from(["direct", "even", "percent"]))
        pairs = draw(st.lists(st.tuples(st.sampled_from(TEAMS),
                                        st.sampled_from([None, "f1", NO_FEATURE])),
                              unique=True, min_size=0 if by == "direct" else 1, max_size=3))
        targets: list[dict[str, Any]] = [
            {"team": t} | ({"feature": f} if f else {}) for t, f in pairs]
        if by == "percent":
            cuts = sorted(draw(st.lists(st.integers(1, 99), unique=True,
                                        min_size=len(targets) - 1, max_size=len(targets) - 1)))
            for target, low, high in zip(targets, [0, *cuts], [*cuts, 100], strict=True):
                target["percent"] = high - low
        raw["split"] = {"by": by} | ({"targets": targets} if targets else {})
    return raw


#: The rule most rule sets start with, so that splits have direct spend to follow.
TAGS_RULE = {"name": "Tags", "match": {"tag_present": "team"}, "team": {"tag": "team"},
             "feature": {"tag": "feature"}}
rule_sets = st.tuples(st.booleans(), st.integers(0, 5)).flatmap(
    lambda drawn: st.tuples(*(rule(f"rule {i}") for i in range(drawn[1]))).map(
        lambda generated: [TAGS_RULE, *generated] if drawn[0] else list(generated)))
periods = st.tuples(st.integers(0, DAYS - 1), st.integers(1, 12))


# -- the re-implementation -------------------------------------------------------------------

#: Condition -> the key columns it reads, written out here rather than imported.
COLUMNS = {"provider": ["provider_name"], "service": ["service_name"],
           "account": ["billing_account_id", "sub_account_id", "sub_account_name"],
           "resource": ["resource_id"], "model": ["x_model"]}


def tags_of(key: dict[str, Any]) -> dict[str, str]:
    try:
        value = json.loads(key["tags"]) if key["tags"] is not None else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def glob(value: Any, patterns: Any) -> bool:
    patterns = patterns if isinstance(patterns, list) else [patterns]
    return value is not None and any(
        fnmatchcase(str(value).casefold(), str(p).casefold()) for p in patterns)


def matches(raw: dict[str, Any], key: dict[str, Any]) -> bool:
    tags = tags_of(key)
    for name, patterns in raw["match"].items():
        if name == "tag":
            if not all(glob(tags.get(k), p) for k, p in patterns.items()):
                return False
        elif name == "tag_present":
            wanted = patterns if isinstance(patterns, list) else [patterns]
            if not any(k in tags for k in wanted):
                return False
        elif not any(glob(key[column], patterns) for column in COLUMNS[name]):
            return False
    return True


def claimant(raws: list[dict[str, Any]], key: dict[str, Any]) -> int:
    """The first enabled rule that matches (a team read from a tag needs the tag)."""
    tags = tags_of(key)
    for number, raw in enumerate(raws):
        if raw.get("enabled", True) is False or not matches(raw, key):
            continue
        team = raw.get("team")
        if isinstance(team, dict) and tags.get(team["tag"]) in (None, UNALLOCATED):
            continue
        return number
    return -1


def destination(raw: dict[str, Any], key: dict[str, Any]) -> tuple[str, str]:
    tags = tags_of(key)
    team = raw["team"]
    feature = raw.get("feature")
    if isinstance(feature, dict):
        feature = tags.get(feature["tag"])
    return (tags[team["tag"]] if isinstance(team, dict) else team,
            NO_FEATURE if feature is None else feature)


def expected_tree(raws: list[dict[str, Any]], keys: dict[int, dict[str, Any]],
                  cost: dict[str, dict[int, float]]) -> dict[str, dict[tuple[str, str], float]]:
    """(team, feature) -> cost, for the 'current' and the 'previous' period."""
    live = {k for k in keys if cost["current"][k] != 0 or cost["previous"][k] != 0}
    owner = {k: claimant(raws, keys[k]) for k in live}
    direct = {k: destination(raws[owner[k]], keys[k]) for k in live
              if owner[k] >= 0 and "team" in raws[owner[k]]}
    spenders = sorted({team for team, _ in direct.values()})
    out: dict[str, dict[tuple[str, str], float]] = {}
    for column in ("current", "previous"):
        tree: dict[tuple[str, str], float] = defaultdict(float)
        for k in live:
            amount, raw = cost[column][k], raws[owner[k]] if owner[k] >= 0 else None
            if raw is None:
                tree[UNALLOCATED, NO_RULE if tags_of(keys[k]) else UNTAGGED] += amount
            elif "team" in raw:
                tree[direct[k]] += amount
            elif "pool" in raw:
                tree[UNALLOCATED, POOL] += amount
            else:
                split = raw["split"]
                targets = [(t["team"], t.get("feature"), t.get("percent"))
                           for t in split.get("targets", [])] or [
                    (team, None, None) for team in spenders]
                if split["by"] == "even":
                    weights = [1 / len(targets)] * len(targets)
                elif split["by"] == "percent":
                    weights = [p / 100 for _, _, p in targets]
                else:
                    spend = [max(0.0, math.fsum(
                        cost[column][d] for d, (team, feat) in direct.items()
                        if team == t and (f is None or feat == f))) for t, f, _ in targets]
                    weights = [s / sum(spend) for s in spend] if sum(spend) > 0 else []
                if not weights:
                    tree[UNALLOCATED, POOL] += amount
                for (team, feature, _), weight in zip(targets, weights, strict=False):
                    tree[team, feature or f"Shared: {raw['name']}"] += amount * weight
        out[column] = tree
    return out


# -- the properties --------------------------------------------------------------------------


def read_keys(path: Path) -> dict[int, dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return {row["key_id"]: dict(row) for row in conn.execute("SELECT * FROM charge_keys")}
    finally:
        conn.close()


def close(a: float, b: float) -> bool:
    return abs(a - b) < 0.005


def depth(result: Allocation, level: int, column: str = "cost") -> dict[tuple[str, ...], float]:
    return {p: getattr(n, column) for p, n in result.nodes.items() if len(p) == level}


@settings(max_examples=60, deadline=None)
@given(generated=charges, raws=rule_sets, window=periods)
def test_every_dollar_lands_once_where_the_first_matching_rule_sends_it(
    tmp_path_factory: pytest.TempPathFactory,
    generated: list[tuple[Any, ...]],
    raws: list[dict[str, Any]],
    window: tuple[int, int],
) -> None:
    rows = [as_row(*item) for item in generated]
    period = Period(FIRST_DAY + dt.timedelta(days=window[0]),
                    FIRST_DAY + dt.timedelta(days=window[0] + window[1] - 1))
    rule_set: list[Rule] = rules_from_json(raws, "generated")

    path = tmp_path_factory.mktemp("allocation") / "worthit.sqlite"
    with Cache.open(path) as cache:
        cache.replace_charges("random", FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS), rows)
        result = allocation(cache, period, rule_set)
        index = charge_index(cache)
        claims = claim(index, rule_set)

    # Each key's cost in both periods, from the generated rows alone.
    keys = read_keys(path)
    key_id = {tuple(k[c] for c in KEY_COLUMNS): i for i, k in keys.items()}
    cost: dict[str, dict[int, float]] = {c: dict.fromkeys(keys, 0.0)
                                         for c in ("current", "previous")}
    present: set[int] = set()  # keys with a charge in either period, even one netting to 0
    for row in rows:
        day = dt.date.fromisoformat(row[1])
        attrs = tuple(row[CHARGE_COLUMN_NAMES.index(c)] for c in KEY_COLUMNS)
        for column, within in (("current", period), ("previous", result.previous)):
            if day in within:
                present.add(key_id[attrs])
                cost[column][key_id[attrs]] += row[CHARGE_COLUMN_NAMES.index("effective_cost")]

    # Which rule claims each key: the first enabled one that matches.
    for position, kid in enumerate(index.keys["key_id"]):
        assert claims.rule[position] == claimant(raws, keys[int(kid)]), keys[int(kid)]

    # The total is every charge of the period; the leaves add up to it.
    total = math.fsum(cost["current"].values())
    assert close(result.total, total)
    assert close(result.previous_total, math.fsum(cost["previous"].values()))
    assert close(math.fsum(depth(result, 4).values()), total)

    # Unallocated is always there, first.
    assert result.nodes[ROOT].children[0] == (UNALLOCATED,)

    # Every node is the sum of its children; its trend sums to its cost.
    for path_, node in result.nodes.items():
        if node.children:
            for column in ("cost", "previous"):
                assert close(getattr(node, column), math.fsum(
                    getattr(result.nodes[c], column) for c in node.children)), path_
        assert close(float(node.trend.sum()), node.cost), path_

    # Each key's pieces add up to the key's cost, whatever rule split it.
    pieces = result.pieces.groupby("key_id")[["current", "previous", "share"]].sum()
    for kid in keys:
        live = kid in present
        assert (kid in pieces.index) is live, kid
        if live:
            for column in ("current", "previous"):
                assert close(pieces.loc[kid, column], cost[column][kid]), (kid, column)
            assert pieces.loc[kid, "share"] == pytest.approx(1.0), kid
    split_rules = {n for n, r in enumerate(raws) if "split" in r}
    split_keys = [int(k) for p, k in enumerate(index.keys["key_id"])
                  if claims.rule[p] in split_rules]
    for kid in split_keys:
        mine = result.pieces[result.pieces["key_id"] == kid]
        assert close(math.fsum(mine["current"]), cost["current"][kid])

    # Where the dollars land, team by feature, in both periods.
    expected = expected_tree(raws, keys, cost)
    for column, attribute in (("current", "cost"), ("previous", "previous")):
        got = depth(result, 2, attribute)
        for where in set(got) | set(expected[column]):
            assert close(got.get(where, 0.0), expected[column].get(where, 0.0)), (
                column, where, got, dict(expected[column]))


# -- matching ------------------------------------------------------------------------------

GLOB = st.text(alphabet="aAb-*?[]!", max_size=6)


@settings(max_examples=300, deadline=None)
@given(patterns=st.lists(GLOB, max_size=4),
       values=st.lists(st.one_of(st.none(), st.text(alphabet="aAb-[]!", max_size=6)),
                       max_size=8))
def test_a_value_matches_when_any_of_the_patterns_does(patterns: list[str],
                                                       values: list[str | None]) -> None:
    """Wildcards, sets, negated sets, several stars and stray brackets, case folded: a
    value matches a condition exactly when fnmatch says one of its patterns does."""
    expected = [value is not None and any(fnmatchcase(value.casefold(), p.casefold())
                                          for p in patterns) for value in values]
    assert _patterns_table(values, patterns).tolist() == [*expected, False]

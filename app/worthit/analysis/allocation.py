"""Allocation: every dollar of a period under a team and a feature, or under Unallocated
with the reason it is there, in the index's one currency (never a sum of several).

Rules run once per allocation key (a distinct combination of the attributes they can
match, see ``charge_keys``), not once per charge, over columns factorised once; a period's
cost per key is a ``bincount`` over an in-memory index of (day, key, cost) that is loaded
once per revision of the charges. So a rule change re-runs only the matching, and a period
switch only the sums.

The tree is Team → Feature → Service (provider and service, or provider and model for AI
spend) → Resource. Invariants, checked by property tests: the leaves sum to the period's
total; a charge is claimed by exactly one rule (the first enabled one that matches) or by
none; the pieces of a split charge sum to the charge.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Final, SupportsInt, cast

import numpy as np
import pandas as pd

from worthit.analysis.charge_index import ChargeIndex, charge_index, currencies_of
from worthit.analysis.commitments import amortisation_of
from worthit.core.periods import Period
from worthit.core.rules import (  # ROOT and ROOT_NAME are part of this module's vocabulary
    NO_FEATURE,
    ROOT,
    ROOT_NAME,
    TEXT_CONDITIONS,
    UNALLOCATED,
    Rule,
)
from worthit.store.cache import Cache
from worthit.store.rules import load_rules

LEVELS: Final = ("team", "feature", "service", "resource")
TREND_POINTS: Final = 30
#: Direct spend below this is rounding noise, not a reason to receive a split.
HALF_CENT: Final = 0.005

#: Why dollars are unallocated: reason -> (node name, explanation).
REASONS: Final[dict[str, tuple[str, str]]] = {
    "untagged": ("Untagged", "These charges carry no tags, and no rule claims them by "
                             "account, service or resource."),
    "no_rule": ("No rule matched", "These charges are tagged, but no rule maps their tags "
                                   "(or anything else about them) to a team."),
    "pool": ("Shared pool not split", "A rule marks these charges as shared cost but does "
                                      "not split them, or its split found no direct spend "
                                      "to follow in the period."),
}
REASON_OF_NAME: Final = {name: reason for reason, (name, _) in REASONS.items()}


def shared_feature(rule: Rule) -> str:
    """Where a split lands under a team when its target names no feature."""
    return f"Shared: {rule.name}"


# -- the in-memory index ----------------------------------------------------------------------


# -- matching ---------------------------------------------------------------------------------


def _patterns_table(values: Sequence[Any], patterns: Sequence[str]) -> np.ndarray:
    """For each unique value, whether any pattern matches it; one extra False for
    missing values (code -1)."""
    folded = [p.casefold() for p in patterns]
    table = [value is not None and any(fnmatchcase(str(value).casefold(), p) for p in folded)
             for value in values]
    return np.array([*table, False], dtype=bool)


def _tag_values(index: ChargeIndex, key: str) -> np.ndarray:
    """Each key's value of tag ``key`` (None when absent)."""
    codes, _ = index.codes["tags"]
    table = np.array([d.get(key) for d in index.tag_dicts] + [None], dtype=object)
    values: np.ndarray = table[codes]
    return values


def rule_mask(index: ChargeIndex, rule: Rule) -> np.ndarray:
    """Which keys satisfy all of ``rule``'s conditions."""
    mask = np.ones(len(index.keys), dtype=bool)
    for name, patterns in rule.match:
        if name.startswith("tag:"):
            codes, _ = index.codes["tags"]
            values = [d.get(name[4:]) for d in index.tag_dicts]
            mask &= _patterns_table(values, patterns)[codes]
        elif name == "tag_present":
            codes, _ = index.codes["tags"]
            table = [any(k in d for k in patterns) for d in index.tag_dicts]
            mask &= np.array([*table, False], dtype=bool)[codes]
        else:
            either = np.zeros(len(index.keys), dtype=bool)
            for column in TEXT_CONDITIONS[name]:
                codes, uniques = index.codes[column]
                either |= _patterns_table(uniques, patterns)[codes]
            mask &= either
    return mask


@dataclass(frozen=True, eq=False)
class Claims:
    """What the rules decided for each key."""

    rule: np.ndarray  # index into rules, -1 when no rule claims the key
    team: np.ndarray  # object; set for assign rules
    feature: np.ndarray  # object; set for assign rules


def claim(index: ChargeIndex, rules: Sequence[Rule]) -> Claims:
    """First enabled matching rule per key. An assign rule that reads its team from a tag
    does not claim a key without that tag, so the next rule gets its chance."""
    n = len(index.keys)
    rule_of = np.full(n, -1, dtype=np.int64)
    team = np.full(n, None, dtype=object)
    feature = np.full(n, None, dtype=object)
    for number, rule in enumerate(rules):
        if not rule.enabled:
            continue
        mask = rule_mask(index, rule) & (rule_of < 0)
        if rule.kind == "assign":
            assert rule.team is not None
            teams = _pick_values(index, rule.team.value, rule.team.tag, n)
            mask &= teams != None  # noqa: E711 - elementwise
            team[mask] = teams[mask]
            if rule.feature is None:
                feature[mask] = NO_FEATURE
            else:
                features = _pick_values(index, rule.feature.value, rule.feature.tag, n)
                feature[mask] = np.where(features[mask] == None, NO_FEATURE,  # noqa: E711
                                         features[mask])
        rule_of[mask] = number
    return Claims(rule_of, team, feature)


def _pick_values(index: ChargeIndex, value: str | None, tag: str | None, n: int) -> np.ndarray:
    if tag is not None:
        values = _tag_values(index, tag)
        # A tag may not send spend to the reserved top-level node (in any spelling).
        reserved = UNALLOCATED.casefold()
        values[[isinstance(v, str) and v.casefold() == reserved for v in values]] = None
        return values
    return np.full(n, value, dtype=object)


# -- the tree ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    path: tuple[str, ...]
    cost: float
    previous: float
    trend: np.ndarray
    children: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path[-1] if self.path else ROOT_NAME

    @property
    def level(self) -> int:
        return len(self.path)

    @property
    def unallocated(self) -> bool:
        return bool(self.path) and self.path[0] == UNALLOCATED

    @property
    def reason(self) -> str | None:
        """For Unallocated and its reason nodes: why the dollars are there."""
        if not self.unallocated:
            return None
        if len(self.path) == 1:
            return "Spend no rule assigns to a team: " + "; ".join(
                REASONS[REASON_OF_NAME[p[1]]][0].lower() for p in self.children
            ) if self.children else "Nothing is unallocated in this period."
        return REASONS[REASON_OF_NAME[self.path[1]]][1]


@dataclass(frozen=True, eq=False)
class Allocation:
    period: Period
    previous: Period
    previous_complete: bool
    currency: str
    #: Builds :attr:`nodes`, the tree, when first asked for: unit costs, model swap,
    #: commitments, budgets and alerts read :attr:`pieces` only, and a quarter's tree at
    #: 10 M charges (32,725 nodes) took 0.15-0.2 s to build.
    tree: Callable[[], dict[tuple[str, ...], Node]] = field(repr=False)
    #: One row per (key, destination): key_id, position (in the index), rule (the name of
    #: the rule that claims the key, or None), team, feature, service, resource, current,
    #: previous, share and previous_share (the part of the key's cost in each period that
    #: lands there: 1 unless split).
    pieces: pd.DataFrame
    trend_edges: tuple[dt.date, ...]  # first day of each trend bucket
    rules: tuple[Rule, ...]
    #: The currencies the period's charges (and the previous period's) are billed in;
    #: every figure is in ``currency``, converted where they differ (:attr:`conversion`).
    currencies: tuple[str, ...] = ()
    #: How figures billed in other currencies were converted ('' when none were).
    conversion: str = ""
    #: The period's billed (unamortised) cost, converted as the tree is (the tree's nodes
    #: are amortised): the total less this is the commitment amortisation.
    unamortised: float = 0.0

    @functools.cached_property
    def nodes(self) -> dict[tuple[str, ...], Node]:
        """Every node of the tree by path, the root's ``()``."""
        return self.tree()

    @property
    def total(self) -> float:
        return self.nodes[ROOT].cost

    @property
    def previous_total(self) -> float:
        return self.nodes[ROOT].previous

    @property
    def unallocated(self) -> Node:
        return self.nodes[(UNALLOCATED,)]

    def node(self, path: tuple[str, ...]) -> Node:
        return self.nodes[path]

    def children(self, path: tuple[str, ...]) -> list[Node]:
        return [self.nodes[p] for p in self.nodes[path].children]

    def share(self, node: Node) -> float | None:
        return self.share_of(node.cost)

    def share_of(self, amount: float) -> float | None:
        return None if self.total == 0 else amount / self.total

    def change_pct(self, node: Node) -> float | None:
        if node.previous == 0 or not self.previous_complete:
            return None
        return (node.cost - node.previous) / node.previous

    def key_shares(self, path: tuple[str, ...]) -> dict[int, float]:
        """Key id -> the share of its cost that lands under ``path`` (for the drill)."""
        rows = self.pieces
        for level, name in zip(LEVELS, path, strict=False):
            rows = rows[rows[level] == name]
        grouped = rows.groupby("key_id")["share"].sum()
        return {int(cast(SupportsInt, k)): float(v) for k, v in grouped.items()}

    def walk(self, depth: int = len(LEVELS)) -> list[Node]:
        """Nodes in tree order, down to ``depth`` levels (root excluded)."""
        out: list[Node] = []

        def visit(path: tuple[str, ...]) -> None:
            for child in self.nodes[path].children:
                out.append(self.nodes[child])
                if len(child) < depth:
                    visit(child)

        visit(ROOT)
        return out

    def to_json(self, depth: int = len(LEVELS)) -> dict[str, Any]:
        """The stable shape of ``worthit report allocation --format json``."""
        nodes, total, complete = self.nodes, self.total, self.previous_complete

        # share() and change_pct() written out: 32,725 nodes over a quarter at 10 M
        # charges, where each method and property call cost more than the arithmetic.
        def shape(node: Node) -> dict[str, Any]:
            path, cost, previous = node.path, node.cost, node.previous
            item: dict[str, Any] = {
                "name": path[-1],
                "level": LEVELS[len(path) - 1],
                "cost": round(cost, 2),
                "share": None if total == 0 else round(cost / total, 4),
                "previous": round(previous, 2),
                "change_pct": None if previous == 0 or not complete
                else round((cost - previous) / previous, 4),
            }
            if path[0] == UNALLOCATED:
                item["reason"] = node.reason
            if len(path) < depth and node.children:
                item["children"] = [shape(nodes[c]) for c in node.children]
            return item

        return {
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "previous_period": {"from": self.previous.start.isoformat(),
                                "to": self.previous.end.isoformat()},
            "previous_period_complete": self.previous_complete,
            "currency": self.currency,
            "currencies": list(self.currencies),
            "conversion": self.conversion or None,
            "total": round(self.total, 2),
            "previous_total": round(self.previous_total, 2),
            "unallocated": round(self.unallocated.cost, 2),
            "unamortised": round(self.unamortised, 2),
            "commitment_amortisation": round(self.total - self.unamortised, 2),
            "rules": len(self.rules),
            "tree": [shape(self.nodes[c]) for c in self.nodes[ROOT].children],
        }


def allocate(index: ChargeIndex, rules: Sequence[Rule], period: Period) -> Allocation:
    """The tree for ``period`` (and its previous period, for change), computed once per
    index, rules and period: Overview, Allocation, unit costs, leaks, model swap and alerts
    share it. Treat it as read-only."""
    rules = tuple(rules)
    return index.remember(("allocate", rules, period),
                          lambda: _allocate(index, rules, period))


def _allocate(index: ChargeIndex, rules: tuple[Rule, ...], period: Period) -> Allocation:
    previous = period.previous()
    points = max(1, min(TREND_POINTS, period.days))
    current = index.per_key(period.start, period.end)
    before = index.per_key(previous.start, previous.end)
    trend = index.per_key_buckets(period.start, period.end, points)
    claims = index.remember(("claim", rules), lambda: claim(index, rules))
    # A key with charges in either period takes part, even if they net to zero (a refund):
    # its days still carry cost in the daily series.
    live = index.present(period.start, period.end) | index.present(previous.start,
                                                                   previous.end)
    pieces = _pieces(index, rules, claims, current, before, live)
    # Day d falls in bucket (d * points) // days, so bucket i starts at ceil(i * days / points).
    edges = tuple(period.start + dt.timedelta(days=-((-i * period.days) // points))
                  for i in range(points))
    names = np.array([rule.name for rule in rules] + [None], dtype=object)
    frame = pd.DataFrame({
        "key_id": index.keys["key_id"].to_numpy()[pieces.key],
        "position": pieces.key,  # the key's row in the index
        "rule": names[claims.rule[pieces.key]],  # the claiming rule's name (-1 → None)
        "team": pieces.team, "feature": pieces.feature,
        "service": index.service[pieces.key], "resource": index.resource[pieces.key],
        "current": pieces.current, "previous": pieces.previous, "share": pieces.share,
        "previous_share": pieces.previous_share,
    })
    first = index.first_day
    currencies, currency, conversion = currencies_of(index, live)
    billed = amortisation_of(index, period.start, period.end).unamortised
    return Allocation(
        period=period, previous=previous,
        previous_complete=first is not None and previous.start >= first,
        currency=currency, tree=functools.partial(_nodes, index, pieces, trend, points),
        pieces=frame, trend_edges=edges, rules=tuple(rules),
        currencies=currencies, conversion=conversion, unamortised=billed,
    )


def allocation(cache: Cache, period: Period, rules: Sequence[Rule] | None = None, *,
               currency: str | None = None) -> Allocation:
    """The page's entry point: the cache's index in ``currency`` (default: the display
    currency) and (unless given) its saved rules."""
    index = charge_index(cache, currency)
    return allocate(index, load_rules(cache) if rules is None else rules, period)


@dataclass(slots=True)
class _Pieces:
    """Parallel arrays: where each key's cost (or a part of it) lands."""

    key: np.ndarray
    team: np.ndarray
    feature: np.ndarray
    current: np.ndarray
    previous: np.ndarray
    share: np.ndarray  # of the key's current cost (for trend, drill and daily series)
    previous_share: np.ndarray  # of the key's previous-period cost


def _pieces(index: ChargeIndex, rules: Sequence[Rule], claims: Claims,
            current: np.ndarray, before: np.ndarray, live: np.ndarray) -> _Pieces:
    parts: list[tuple[Any, ...]] = []

    def add(keys: np.ndarray, team: Any, feature: Any, cur: np.ndarray, prev: np.ndarray,
            share: float = 1.0, previous_share: float = 1.0) -> None:
        if len(keys):
            parts.append((keys, team, feature, cur, prev, share, previous_share))

    direct = np.flatnonzero(live & (claims.team != None))  # noqa: E711
    add(direct, claims.team[direct], claims.feature[direct], current[direct], before[direct])
    unclaimed = np.flatnonzero(live & (claims.rule < 0))
    tagged = index.has_tags()[unclaimed]
    for reason, keys in (("untagged", unclaimed[~tagged]), ("no_rule", unclaimed[tagged])):
        add(keys, UNALLOCATED, REASONS[reason][0], current[keys], before[keys])

    # Splits follow direct spend only, so the order of split rules never matters.
    direct_frame = pd.DataFrame({"team": claims.team[direct], "feature": claims.feature[direct],
                                 "current": current[direct], "previous": before[direct]})
    pool_name = REASONS["pool"][0]
    for number, rule in enumerate(rules):
        if rule.kind == "assign" or not rule.enabled:
            continue
        keys = np.flatnonzero(live & (claims.rule == number))
        if not len(keys):
            continue
        if rule.kind == "pool":
            add(keys, UNALLOCATED, pool_name, current[keys], before[keys])
            continue
        targets = _split_targets(rule, direct_frame)
        for column, amounts in (("current", current[keys]), ("previous", before[keys])):
            weights = _split_weights(rule, targets, direct_frame, column)
            zero = np.zeros(len(keys))
            now = column == "current"
            if weights is None:  # nothing to follow: the pool stays unallocated
                cur, prev = (amounts, zero) if now else (zero, amounts)
                add(keys, UNALLOCATED, pool_name, cur, prev, float(now), float(not now))
                continue
            taken = np.zeros(len(keys))
            for position, ((team, feature), weight) in enumerate(zip(targets, weights,
                                                                      strict=True)):
                last = position == len(targets) - 1
                # The last target takes the remainder, so the pieces sum to the charge.
                piece = amounts - taken if last else amounts * weight
                taken = taken + piece
                cur, prev = (piece, zero) if now else (zero, piece)
                add(keys, team, feature or shared_feature(rule), cur, prev,
                    weight if now else 0.0, 0.0 if now else weight)

    if not parts:
        empty = np.zeros(0)
        return _Pieces(np.zeros(0, np.int64), np.zeros(0, object), np.zeros(0, object),
                       empty, empty, empty, empty)

    def shares(column: int) -> np.ndarray:
        return np.concatenate([np.full(len(p[0]), p[column], dtype=float) for p in parts])

    return _Pieces(
        key=np.concatenate([p[0] for p in parts]),
        team=np.concatenate([np.broadcast_to(np.asarray(p[1], dtype=object), p[0].shape)
                             for p in parts]),
        feature=np.concatenate([np.broadcast_to(np.asarray(p[2], dtype=object), p[0].shape)
                                for p in parts]),
        current=np.concatenate([p[3] for p in parts]),
        previous=np.concatenate([p[4] for p in parts]),
        share=shares(5),
        previous_share=shares(6),
    )


def _split_targets(rule: Rule, direct: pd.DataFrame) -> list[tuple[str, str | None]]:
    if rule.targets:
        return [(t.team, t.feature) for t in rule.targets]
    # No targets: every team with direct spend (in either period), by name.
    by_team = direct.groupby("team")[["current", "previous"]].sum()
    spending = by_team[(by_team["current"] >= HALF_CENT) | (by_team["previous"] >= HALF_CENT)]
    return [(str(team), None) for team in sorted(spending.index)]


def _split_weights(rule: Rule, targets: list[tuple[str, str | None]], direct: pd.DataFrame,
                   column: str) -> list[float] | None:
    if not targets:
        return None
    if rule.split_by == "even":
        return [1.0 / len(targets)] * len(targets)
    if rule.split_by == "percent":
        return [(t.percent or 0.0) / 100.0 for t in rule.targets]
    by_team = direct.groupby("team")[column].sum()
    by_feature = direct.groupby(["team", "feature"])[column].sum()
    spend = [float(by_feature.get((team, feature), 0.0)) if feature is not None
             else float(by_team.get(team, 0.0)) for team, feature in targets]
    # Credits do not earn a negative share, and float noise (0.1 + 0.2 - 0.3) no share.
    spend = [s if s >= HALF_CENT else 0.0 for s in spend]
    total = sum(spend)
    if total <= 0:
        return None
    return [s / total for s in spend]


def _nodes(index: ChargeIndex, pieces: _Pieces, trend: np.ndarray,
           points: int) -> dict[tuple[str, ...], Node]:
    frame = pd.DataFrame({
        "team": pieces.team, "feature": pieces.feature,
        "service": index.service[pieces.key], "resource": index.resource[pieces.key],
        "current": pieces.current, "previous": pieces.previous,
    })
    piece_trend = trend[pieces.key] * pieces.share[:, None] if len(pieces.key) else np.zeros(
        (0, points))
    nodes: dict[tuple[str, ...], Node] = {
        ROOT: Node(ROOT, float(pieces.current.sum()), float(pieces.previous.sum()),
                   piece_trend.sum(axis=0) if len(piece_trend) else np.zeros(points)),
        (UNALLOCATED,): Node((UNALLOCATED,), 0.0, 0.0, np.zeros(points)),
    }
    for depth in range(1, len(LEVELS) + 1):
        columns = list(LEVELS[:depth])
        if not len(frame):
            break
        groups = frame.groupby(columns, sort=False, dropna=False)
        sums = groups[["current", "previous"]].sum()  # group n is row n (sort=False)
        trends = np.zeros((groups.ngroups, points))
        np.add.at(trends, groups.ngroup().to_numpy(), piece_trend)
        for key, cost, before, line in zip(_paths(sums.index), sums["current"].tolist(),
                                           sums["previous"].tolist(), trends, strict=True):
            nodes[key] = Node(key, float(cost), float(before), line)
    for path in nodes:
        if path:
            nodes[path[:-1]].children.append(path)
    for node in nodes.values():
        node.children.sort(key=lambda p: (-nodes[p].cost, -nodes[p].previous, p[-1]))
    # Unallocated is pinned first, whatever its size: nobody owns it, so it must be seen.
    root = nodes[ROOT].children
    root.remove((UNALLOCATED,))
    root.insert(0, (UNALLOCATED,))
    return nodes


def _paths(index: pd.Index) -> list[tuple[str, ...]]:
    """Each group's names as text, from the groups' index: level by level from its codes,
    each distinct name made text once (iterating a MultiIndex built a tuple of objects per
    group first). A missing name reads ``nan``, as ``str`` of the missing value did."""
    if not isinstance(index, pd.MultiIndex):
        return [(str(name),) for name in index.tolist()]
    levels = []
    for level, codes in zip(index.levels, index.codes, strict=True):
        names = np.array([str(name) for name in level.tolist()] + ["nan"], dtype=object)
        levels.append(names[np.asarray(codes)].tolist())  # code -1 (missing): the last
    return list(zip(*levels, strict=True))


# -- preview ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Move:
    team: str
    feature: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Preview:
    """What a change of rules moves in the period, per team and feature."""

    unallocated_before: float
    unallocated_after: float
    moves: tuple[Move, ...]  # largest change first; Unallocated's reasons included

    @property
    def leaves_unallocated(self) -> float:
        return self.unallocated_before - self.unallocated_after


def preview(before: Allocation, after: Allocation) -> Preview:
    def features(allocation: Allocation) -> dict[tuple[str, str], float]:
        return {(p[0], p[1]): n.cost for p, n in allocation.nodes.items() if len(p) == 2}

    old, new = features(before), features(after)
    moves = [Move(team, feature, old.get((team, feature), 0.0), new.get((team, feature), 0.0))
             for team, feature in sorted(old.keys() | new.keys())]
    moves = [m for m in moves if abs(m.change) >= 0.005]
    moves.sort(key=lambda m: -abs(m.change))
    return Preview(before.unallocated.cost, after.unallocated.cost, tuple(moves))

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
import fnmatch
import functools
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, SupportsInt, cast

import numpy as np
import pandas as pd

from worthit.analysis.charge_index import ChargeIndex, charge_index, currencies_of
from worthit.analysis.commitments import amortisation_of
from worthit.core.periods import Period
from worthit.core.rounding import rounded
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
#: A node's names from the top: (team, feature, service, resource), or fewer.
Path = tuple[str, ...]
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
    """For each unique value, whether any pattern matches it (``fnmatchcase``, case
    folded); one extra False for missing values (code -1)."""
    matches = _any_of(tuple(p.casefold() for p in patterns))
    table = [value is not None and matches(str(value).casefold()) for value in values]
    return np.array([*table, False], dtype=bool)


@functools.lru_cache(maxsize=256)
def _any_of(folded: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a text matches any of the patterns: their ``fnmatch`` expressions as one
    alternation, matched once (a pattern at a time, 16,000 resource ids took twice as
    long). No pattern matches nothing."""
    if not folded:
        return lambda _text: False
    match = re.compile("|".join(fnmatch.translate(p) for p in folded)).match
    return lambda text: match(text) is not None


def _tag_values(index: ChargeIndex, key: str) -> np.ndarray:
    """Each key's value of tag ``key`` (None when absent, or when it names the reserved
    top-level node in any spelling: a tag may not send spend there). Each distinct tags
    text's value is looked at once, then given to its keys."""
    codes, _ = index.codes["tags"]
    reserved = UNALLOCATED.casefold()
    table = np.array([None if isinstance(v, str) and v.casefold() == reserved else v
                      for v in (d.get(key) for d in index.tag_dicts)] + [None], dtype=object)
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
        return _tag_values(index, tag)
    return np.full(n, value, dtype=object)


# -- the tree ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    path: tuple[str, ...]
    cost: float
    previous: float
    tree: Tree = field(repr=False, compare=False)
    position: int = 0  # among its level's nodes, in tree order
    children: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def trend(self) -> np.ndarray:
        """Its cost per trend bucket (see :attr:`Allocation.trend_edges`)."""
        if not self.path:
            return self.tree.trend
        return self.tree.node_trend(len(self.path) - 1, self.position)

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
            return _unallocated_reason([p[1] for p in self.children])
        return REASONS[REASON_OF_NAME[self.path[1]]][1]


def _unallocated_reason(reasons: Sequence[str]) -> str:
    """What Unallocated's node says, from the names of its reason nodes."""
    if not reasons:
        return "Nothing is unallocated in this period."
    return "Spend no rule assigns to a team: " + "; ".join(
        REASONS[REASON_OF_NAME[name]][0].lower() for name in reasons)


@dataclass(frozen=True, eq=False, slots=True)
class Level:
    """One level of the tree as arrays, its nodes in tree order: under each node of the
    level above in turn, largest cost first (then previous cost, then name)."""

    names: list[str]
    parent: np.ndarray  # each node's parent: its position in the level above (0: the root)
    cost: np.ndarray
    previous: np.ndarray
    #: Each piece's node in this level (its position).
    of_piece: np.ndarray = field(repr=False)


class Tree:
    """The allocation tree as arrays, a level per entry of :data:`LEVELS`: what the report
    is written from, and what :meth:`nodes` makes the node objects from. Unallocated is the
    first node of the first level, whatever its size: nobody owns it, so it must be seen.

    Each level is built when first asked for (its nodes are the distinct (node above,
    name) pairs of the pieces), and a node's trend when it is: the totals and the leak
    findings read the first levels only, the tree's view draws the trends of the rows it
    shows, the report has none. A quarter's four levels at 10 M charges: 32,725 nodes,
    most of them resources; their trends took 60 ms."""

    def __init__(self, names: Sequence[Callable[[], np.ndarray]], pieces: _Pieces,
                 piece_trends: Callable[[np.ndarray | None], np.ndarray]) -> None:
        #: The pieces' names at each level, made when the level is built.
        self._names = tuple(names)
        self.cost = float(pieces.current.sum())
        self.previous = float(pieces.previous.sum())
        self._sums = pd.DataFrame({"current": pieces.current, "previous": pieces.previous})
        self._group = np.zeros(len(pieces.current), dtype=np.int64)  # node above, per piece
        self._rank = np.zeros(1, dtype=np.int64)  # tree order of the level above's nodes
        self._levels: list[Level] = []
        self._first_child: dict[int, np.ndarray] = {}
        self._piece_trends = piece_trends
        self._lock = threading.RLock()  # an allocation is shared by the pages' workers

    @property
    def depth(self) -> int:
        return len(self._names)

    def level(self, number: int) -> Level:
        """Level ``number`` (0: the teams), and every level above it, built if need be."""
        with self._lock:
            while len(self._levels) <= number:
                self._levels.append(self._build(len(self._levels)))
            return self._levels[number]

    def _build(self, number: int) -> Level:
        texts, text_code = _texts(self._names[number]())
        width = max(1, len(texts))
        node, pairs = pd.factorize(self._group * width + text_code)
        parent = self._rank[pairs // width]
        names = texts[pairs % width]
        grouped = self._sums.groupby(node).sum()  # node n is row n
        cost, previous = grouped["current"].to_numpy(), grouped["previous"].to_numpy()
        first = np.zeros(len(pairs), dtype=bool)
        if number == 0:
            first = names == UNALLOCATED
            if not first.any():  # always shown, if only to say nothing is unallocated
                names, parent = np.append(names, UNALLOCATED), np.append(parent, 0)
                cost, previous = np.append(cost, 0.0), np.append(previous, 0.0)
                first = np.append(first, True)
        order = np.lexsort((_text_ranks(names), -previous, -cost, ~first, parent))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        self._group, self._rank = node, rank
        return Level(names[order].tolist(), parent[order], cost[order], previous[order],
                     rank[node])

    def first_child(self, number: int) -> np.ndarray:
        """Where each node of level ``number``'s children start in the level below, in its
        tree order (one more entry: the end); none below the last level."""
        with self._lock:
            if number not in self._first_child:
                count = len(self.level(number).names)
                self._first_child[number] = np.zeros(count + 1, np.int64) \
                    if number + 1 >= self.depth else np.searchsorted(
                        self.level(number + 1).parent, np.arange(count + 1))
            return self._first_child[number]

    @functools.cached_property
    def trend(self) -> np.ndarray:
        """The root's cost per trend bucket."""
        total: np.ndarray = self.piece_trends.sum(axis=0)
        return total

    @functools.cached_property
    def piece_trends(self) -> np.ndarray:
        """Each piece's cost per trend bucket (pieces × buckets)."""
        return self._piece_trends(None)

    def node_trend(self, number: int, position: int) -> np.ndarray:
        """The trend of node ``position`` of level ``number``: its pieces' trends summed in
        their order, as a sum per bucket over the level would (the tree's view asks for the
        rows it draws: a level's at once took 15 ms at 10 M charges)."""
        level = self.level(number)
        rows = np.flatnonzero(level.of_piece == position)
        # The node's pieces' own trends when the others' are not made yet (a leak finding
        # asks for Unallocated's alone: all 27,000 pieces' took 8 ms); the same figures.
        lines = self.piece_trends[rows] if "piece_trends" in self.__dict__ else \
            self._piece_trends(rows)
        points = lines.shape[1]
        found: np.ndarray = np.bincount(np.tile(np.arange(points), len(rows)),
                                        weights=lines.ravel(), minlength=points)
        return found

    def build(self) -> None:
        """Every level, where its nodes' children start, and the pieces' trends: what the
        tree's view reads, built on a worker rather than when a row is first drawn."""
        for number in range(self.depth):
            self.first_child(number)
        _ = self.piece_trends

    def nodes(self) -> Nodes:
        """Every node by path, the root's ``()``."""
        return Nodes(self)

    def unallocated_nodes(self, depth: int) -> list[int]:
        """How many nodes of each of the first ``depth`` levels lie under Unallocated: a
        prefix of each, as it comes first and each level is in tree order."""
        counts, under = [], 1
        for number in range(depth):
            counts.append(under)
            under = int(self.first_child(number)[under]) if number + 1 < depth else 0
        return counts


class Nodes(Mapping[tuple[str, ...], Node]):
    """The tree's nodes by path, each made when first asked for, and each level's paths
    when a path of it is: the tree's view asks for the rows it shows, the leak findings
    for Unallocated and its reasons, and a quarter at 10 M charges has 32,725 nodes
    (making them all took 30 ms, their paths 10 ms more)."""

    def __init__(self, tree: Tree) -> None:
        self._tree = tree
        self._levels: dict[int, tuple[list[Path], dict[Path, int]]] = {0: ([ROOT], {ROOT: 0})}
        self._made: dict[Path, Node] = {}

    def build(self) -> None:
        """Every level's paths (on a worker: the tree's view iterates them)."""
        self._level(self._tree.depth)

    def _level(self, number: int) -> tuple[list[Path], dict[Path, int]]:
        """Level ``number``'s paths in tree order (0: the root's) and where each is."""
        found = self._levels.get(number)
        if found is None:
            above = self._level(number - 1)[0]
            level = self._tree.level(number - 1)
            paths = [above[p] + (name,) for p, name in zip(level.parent.tolist(), level.names,
                                                            strict=True)]
            found = self._levels.setdefault(number, (paths, {p: n for n, p in enumerate(paths)}))
        return found

    def __getitem__(self, path: Path) -> Node:
        node = self._made.get(path)
        if node is None:
            if path not in self:
                raise KeyError(path)
            tree, number = self._tree, len(path)
            if number == 0:
                node = Node(ROOT, tree.cost, tree.previous, tree, 0, list(self._level(1)[0]))
            else:
                position = self._level(number)[1][path]
                level = tree.level(number - 1)
                children: list[Path] = []
                if number < tree.depth:
                    begin, end = tree.first_child(number - 1)[position:position + 2].tolist()
                    children = self._level(number + 1)[0][begin:end]
                node = Node(path, float(level.cost[position]), float(level.previous[position]),
                            tree, position, children)
            node = self._made.setdefault(path, node)  # one node a path, whichever thread
        return node

    def __contains__(self, path: object) -> bool:
        return (isinstance(path, tuple) and len(path) <= self._tree.depth
                and path in self._level(len(path))[1])

    def __iter__(self) -> Iterator[Path]:
        for number in range(self._tree.depth + 1):
            yield from self._level(number)[0]

    def __len__(self) -> int:
        return 1 + sum(len(self._tree.level(n).names) for n in range(self._tree.depth))


@dataclass(frozen=True, eq=False)
class Allocation:
    period: Period
    previous: Period
    previous_complete: bool
    currency: str
    #: Builds :attr:`arrays`, the tree, when first asked for: unit costs, model swap,
    #: commitments, budgets and alerts read :attr:`pieces` only (a quarter's tree at 10 M
    #: charges has 32,725 nodes).
    tree: Callable[[], Tree] = field(repr=False)
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
    def arrays(self) -> Tree:
        """The tree as arrays, level by level."""
        return self.tree()

    @functools.cached_property
    def nodes(self) -> Nodes:
        """Every node of the tree by path, the root's ``()``."""
        return self.arrays.nodes()

    @property
    def total(self) -> float:
        return self.arrays.cost

    @property
    def previous_total(self) -> float:
        return self.arrays.previous

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
        tree = self.arrays
        return {
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "previous_period": {"from": self.previous.start.isoformat(),
                                "to": self.previous.end.isoformat()},
            "previous_period_complete": self.previous_complete,
            "currency": self.currency,
            "currencies": list(self.currencies),
            "conversion": self.conversion or None,
            "total": round(tree.cost, 2),
            "previous_total": round(tree.previous, 2),
            "unallocated": round(float(tree.level(0).cost[0]), 2),
            "unamortised": round(self.unamortised, 2),
            "commitment_amortisation": round(self.total - self.unamortised, 2),
            "rules": len(self.rules),
            "tree": _json_levels(tree, max(1, min(depth, len(LEVELS))), self.previous_complete),
        }


def _json_levels(tree: Tree, depth: int, complete: bool) -> list[dict[str, Any]]:
    """The first ``depth`` levels as nested items, written level by level from the deepest
    up (32,725 nodes over a quarter at 10 M charges: a call per node and figure cost more
    than the arithmetic), each figure rounded as ``round`` does."""
    total = tree.cost
    under = tree.unallocated_nodes(max(depth, 2))
    # Why each node under Unallocated is there: its reason node's text, level by level.
    reasons: list[list[str]] = [
        [_unallocated_reason(tree.level(1).names[:under[1]])],
        [REASONS[REASON_OF_NAME[name]][1] for name in tree.level(1).names[:under[1]]]]
    for number in range(2, depth):
        reasons.append([reasons[-1][p] for p in tree.level(number).parent[:under[number]]
                        .tolist()])
    below: list[dict[str, Any]] = []
    for number in reversed(range(depth)):
        level, name = tree.level(number), LEVELS[number]
        count = len(level.names)
        share: Sequence[float | None] = [None] * count
        if total != 0:
            with np.errstate(over="ignore"):
                share = rounded(level.cost / total, 4)
        change: list[float | None] = [None] * count
        if complete:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                change = cast(list[float | None], rounded(
                    (level.cost - level.previous) / level.previous, 4))
            for i in np.flatnonzero(level.previous == 0).tolist():
                change[i] = None
        items: list[dict[str, Any]] = [
            {"name": n, "level": name, "cost": c, "share": s, "previous": p, "change_pct": ch}
            for n, c, s, p, ch in zip(level.names, rounded(level.cost, 2), share,
                                      rounded(level.previous, 2), change, strict=True)]
        for item, reason in zip(items, reasons[number], strict=False):
            item["reason"] = reason
        if number + 1 < depth:
            first_child = tree.first_child(number)
            starts = first_child.tolist()
            for i in np.flatnonzero(np.diff(first_child)).tolist():
                items[i]["children"] = below[starts[i]:starts[i + 1]]
        below = items
    return below


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
        currency=currency, tree=functools.partial(_tree, index, pieces, period, points),
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


def _tree(index: ChargeIndex, pieces: _Pieces, period: Period, points: int) -> Tree:
    """The tree of the pieces, built a level at a time when asked for."""
    return Tree((lambda: pieces.team, lambda: pieces.feature,
                 lambda: index.service[pieces.key], lambda: index.resource[pieces.key]),
                pieces, functools.partial(_piece_trends, index, pieces, period, points))


def _piece_trends(index: ChargeIndex, pieces: _Pieces, period: Period, points: int,
                  rows: np.ndarray | None) -> np.ndarray:
    """Each piece's cost per trend bucket (of the pieces ``rows``; all when None): its
    key's, times its share."""
    if rows is None:
        trend = index.per_key_buckets(period.start, period.end, points)
        every: np.ndarray = trend[pieces.key] * pieces.share[:, None]
        return every
    keys, at = np.unique(pieces.key[rows], return_inverse=True)
    trend = index.per_key_buckets(period.start, period.end, points, keys)
    lines: np.ndarray = trend[at.reshape(-1)] * pieces.share[rows][:, None]
    return lines


def _texts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct names of ``values`` as text (a missing one reads ``nan``, as ``str``
    of pandas' missing value does) and each value's position among them."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    texts = np.array(uniques, dtype=object)
    texts[pd.isna(texts)] = "nan"
    distinct, merged = pd.factorize(np.array([str(t) for t in texts.tolist()], dtype=object))
    return np.asarray(merged, dtype=object), distinct[codes]


def _text_ranks(names: np.ndarray) -> np.ndarray:
    """Each name's rank in Python's order of text."""
    order = sorted(range(len(names)), key=names.__getitem__)
    ranks = np.empty(len(names), dtype=np.int64)
    ranks[order] = np.arange(len(names))
    return ranks


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
        nodes = allocation.nodes
        return {(p[0], p[1]): nodes[p].cost for p in nodes if len(p) == 2}

    old, new = features(before), features(after)
    moves = [Move(team, feature, old.get((team, feature), 0.0), new.get((team, feature), 0.0))
             for team, feature in sorted(old.keys() | new.keys())]
    moves = [m for m in moves if abs(m.change) >= 0.005]
    moves.sort(key=lambda m: -abs(m.change))
    return Preview(before.unallocated.cost, after.unallocated.cost, tuple(moves))

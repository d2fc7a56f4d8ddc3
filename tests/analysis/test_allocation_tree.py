"""The allocation tree built level by level from arrays
(:func:`worthit.analysis.allocation._tree`) against the straightforward computation: each
level a pandas group-by of the pieces on their names as text, nodes ordered by cost, the
report written node by node with ``round``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.allocation import (
    LEVELS,
    REASONS,
    ROOT,
    UNALLOCATED,
    Node,
    _json_levels,
    _Pieces,
    _tree,
)
from worthit.core.periods import Period

POINTS = 3
PERIOD = Period(dt.date(2024, 1, 1), dt.date(2024, 1, 3))
names = st.one_of(st.none(), st.sampled_from(["ads", "search", "", "nan", "i-1", "ü", "B"]))
reasons = st.sampled_from([name for name, _ in REASONS.values()])
money = st.one_of(st.sampled_from([0.0, -0.0, 0.005, 0.015, 2.675, 1e6 + 0.125]),
                  st.floats(-1e6, 1e6, allow_nan=False))
row = st.one_of(
    st.tuples(names, names, names, names, money, money),
    st.tuples(st.just(UNALLOCATED), reasons, names, names, money, money),
)


def build(rows: list[tuple[Any, ...]]) -> tuple[Any, _Pieces, np.ndarray]:
    count = len(rows)
    column = [np.array([r[i] for r in rows], dtype=object) for i in range(4)]
    lines = np.arange(count * POINTS, dtype=float).reshape(count, POINTS) / 7
    index = SimpleNamespace(service=column[2], resource=column[3],
                            per_key_buckets=lambda start, end, points, keys=None:
                            lines if keys is None else lines[keys])
    pieces = _Pieces(np.arange(count), column[0], column[1],
                     np.array([r[4] for r in rows]), np.array([r[5] for r in rows]),
                     np.ones(count), np.ones(count))
    return index, pieces, lines


def expected_nodes(rows: list[tuple[Any, ...]]) -> dict[tuple[str, ...], tuple[float, float]]:
    frame = pd.DataFrame([["nan" if v is None else str(v) for v in r[:4]] for r in rows],
                         columns=list(LEVELS))
    frame["current"] = [r[4] for r in rows]
    frame["previous"] = [r[5] for r in rows]
    found = {(UNALLOCATED,): (0.0, 0.0)}
    for depth in range(1, len(LEVELS) + 1):
        sums = frame.groupby(list(LEVELS[:depth]), sort=False)[["current", "previous"]].sum()
        for path, cost, previous in zip(sums.index, sums["current"], sums["previous"],
                                        strict=True):
            found[path if isinstance(path, tuple) else (path,)] = (float(cost), float(previous))
    return found


def shape(nodes: Mapping[tuple[str, ...], Node], node: Node, total: float, depth: int,
          complete: bool) -> dict[str, Any]:
    """The report's item for ``node``, written as it was node by node."""
    path, cost, previous = node.path, node.cost, node.previous
    item: dict[str, Any] = {
        "name": path[-1], "level": LEVELS[len(path) - 1], "cost": round(cost, 2),
        "share": None if total == 0 else round(cost / total, 4),
        "previous": round(previous, 2),
        "change_pct": None if previous == 0 or not complete
        else round((cost - previous) / previous, 4)}
    if path[0] == UNALLOCATED:
        item["reason"] = node.reason
    if len(path) < depth and node.children:
        item["children"] = [shape(nodes, nodes[c], total, depth, complete)
                            for c in node.children]
    return item


@settings(max_examples=200, deadline=None)
@given(st.lists(row, max_size=40), st.integers(1, len(LEVELS)), st.booleans())
def test_the_tree_is_the_pieces_grouped_and_ordered_by_cost(
        rows: list[tuple[Any, ...]], depth: int, complete: bool) -> None:
    index, pieces, lines = build(rows)
    tree = _tree(index, pieces, PERIOD, POINTS)  # type: ignore[arg-type]
    nodes = tree.nodes()
    expected = expected_nodes(rows)
    assert {p: (n.cost, n.previous) for p, n in nodes.items() if p} == expected
    assert (tree.cost, tree.previous) == (float(pieces.current.sum()),
                                         float(pieces.previous.sum()))
    for path, node in nodes.items():
        children = [nodes[c] for c in node.children]
        assert all(c.path[:-1] == path for c in children)
        ranked = sorted(children, key=lambda c: (-c.cost, -c.previous, c.name))
        if path == ROOT:  # Unallocated first, whatever its size
            ranked.remove(nodes[(UNALLOCATED,)])
            ranked.insert(0, nodes[(UNALLOCATED,)])
        assert children == ranked
        pieces_under = [i for i, r in enumerate(rows) if tuple(
            "nan" if v is None else str(v) for v in r[:len(path)]) == path]
        assert np.allclose(node.trend, lines[pieces_under].sum(axis=0)), path
    assert sum(len(n.children) for n in nodes.values()) == len(nodes) - 1
    # A node's trend from its own pieces' trends (none of the others' made yet) is the
    # same figures as from every piece's.
    made = _tree(index, pieces, PERIOD, POINTS)  # type: ignore[arg-type]
    for path, node in made.nodes().items():
        if path:  # the root's trend is every piece's
            assert node.trend.tolist() == nodes[path].trend.tolist(), path
    assert "piece_trends" not in vars(made)
    report = _json_levels(tree, depth, complete)
    assert report == [shape(nodes, nodes[c], tree.cost, depth, complete)
                      for c in nodes[ROOT].children]


def test_a_node_is_made_with_its_levels_paths_only_when_asked_for() -> None:
    """Unallocated and its reasons (what the leak findings read) need the first levels,
    not the resources'."""
    rows = [(UNALLOCATED, "Untagged", "AWS · EC2", f"i-{n}", 1.0, 1.0) for n in range(5)]
    rows += [("ads", "bidder", "AWS · S3", f"b-{n}", 2.0, 1.0) for n in range(5)]
    index, pieces, _ = build(rows)
    tree = _tree(index, pieces, PERIOD, POINTS)  # type: ignore[arg-type]
    assert (tree.cost, tree._levels) == (15.0, [])  # the total builds no level
    nodes = tree.nodes()
    reasons = nodes[(UNALLOCATED,)].children
    assert reasons == [(UNALLOCATED, "Untagged")] and nodes[reasons[0]].cost == 5.0
    assert sorted(nodes._levels) == [0, 1, 2, 3]  # the reasons' children's paths
    assert len(tree._levels) == 3  # teams, features, services: not the resources
    assert len(nodes) == 1 + 2 + 2 + 2 + 10 and sorted(nodes._levels) == [0, 1, 2, 3]
    assert sum(1 for _ in nodes) == len(nodes) and sorted(nodes._levels) == [0, 1, 2, 3, 4]

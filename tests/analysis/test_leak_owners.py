"""Who owns a resource for the leak findings (:func:`worthit.analysis.leaks.base.owners_of`):
its costliest piece's team and feature, nobody when that is Unallocated or several teams
share it; against the pandas writing it replaced (ties broken by the same sort)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.leaks.base import owners_of

pieces = st.lists(st.tuples(st.sampled_from(["i-1", "i-2", "db", "(no resource id)"]),
                            st.sampled_from(["ads", "search", "Unallocated"]),
                            st.sampled_from(["bidder", "(no feature)", "Untagged"]),
                            st.sampled_from([0.0, 1.0, 2.5, -1.0, 2.5, 1e6, -0.0,
                                             float("nan")])), max_size=25)


def written_with_pandas(frame: pd.DataFrame) -> dict[str, tuple[str | None, str | None]]:
    if frame.empty:
        return {}
    teams = frame.groupby("resource")["team"].nunique()
    best = frame.sort_values("current", ascending=False).drop_duplicates("resource")
    shared = (best["resource"].map(teams) > 1).tolist()
    return {str(r): (None, None) if t == "Unallocated" or many else (str(t), str(f))
            for r, t, f, many in zip(best["resource"].tolist(), best["team"].tolist(),
                                     best["feature"].tolist(), shared, strict=True)}


@settings(max_examples=300, deadline=None)
@given(pieces)
def test_owners_are_the_costliest_pieces_team_unless_shared(rows: list[tuple[Any, ...]]
                                                            ) -> None:
    frame = pd.DataFrame(rows, columns=["resource", "team", "feature", "current"])
    frame = frame.astype({"resource": "str", "team": "str", "feature": "str"})
    assert owners_of(frame) == written_with_pandas(frame)


def test_a_resource_under_two_teams_has_no_owner() -> None:
    frame = pd.DataFrame({"resource": ["i-1", "i-1", "i-2"], "team": ["ads", "search", "ads"],
                          "feature": ["a", "b", "c"], "current": [5.0, 1.0, 2.0]})
    assert owners_of(frame) == {"i-1": (None, None), "i-2": ("ads", "c")}


def sharers_with_pandas(frame: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """The writing the sharers replaced (text deduplicated and grouped)."""
    owned = frame.loc[frame["team"] != "Unallocated", ["resource", "team"]]
    pairs = owned.drop_duplicates()
    shared = pairs[pairs.duplicated("resource", keep=False)]
    return {str(r): tuple(sorted(str(t) for t in ts))
            for r, ts in shared.groupby("resource")["team"]}


@settings(max_examples=300, deadline=None)
@given(pieces)
def test_sharers_are_the_teams_but_unallocated_of_a_shared_resource(
        rows: list[tuple[Any, ...]]) -> None:
    frame = pd.DataFrame(rows, columns=["resource", "team", "feature", "current"])
    frame = frame.astype({"resource": "str", "team": "str", "feature": "str"})
    owners = owners_of(frame)
    expected = sharers_with_pandas(frame)
    for resource in ["i-1", "i-2", "db", "(no resource id)", "elsewhere"]:
        assert owners.sharers(resource) == expected.get(resource, ())
    assert list(owners) == list(dict.fromkeys(frame["resource"]))
    assert len(owners) == frame["resource"].nunique()

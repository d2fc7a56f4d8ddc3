"""The allocation tree names its groups from the group index's codes
(:func:`worthit.analysis.allocation._paths`): the same text, in the same order, as
iterating the index gave, missing names included (``nan``)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.allocation import LEVELS, _paths

names = st.one_of(st.none(), st.sampled_from(["ads", "search", "", "nan", "i-1", "ü"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(names, names, names, names), min_size=1, max_size=30),
       st.integers(1, len(LEVELS)))
def test_paths_are_the_index_as_text(rows: list[tuple[str | None, ...]], depth: int) -> None:
    frame = pd.DataFrame(rows, columns=list(LEVELS)).astype(object)
    frame["current"] = 1.0
    sums = frame.groupby(list(LEVELS[:depth]), sort=False, dropna=False)[["current"]].sum()
    expected = [tuple(str(part) for part in (path if isinstance(path, tuple) else (path,)))
                for path in sums.index]
    assert _paths(sums.index) == expected

"""Usage types matched against ``LIKE`` patterns (network and storage leaks) as SQLite's
own ``LIKE`` matches them, each distinct type once from the index's factorised keys."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from types import SimpleNamespace
from typing import Any, cast

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.leaks.base import _usage_like

usage_types = st.lists(st.none() | st.text(alphabet="abAB_%-x.", max_size=8), max_size=20)
patterns = st.lists(st.text(alphabet="abAB_%x", max_size=5), min_size=1, max_size=3)


@settings(max_examples=80, deadline=None)
@given(usage_types, patterns)
def test_a_key_is_like_a_pattern_when_sqlite_says_so(types: list[str | None],
                                                     like: list[str]) -> None:
    codes, uniques = pd.factorize(pd.Series(types, dtype=object), use_na_sentinel=True)
    index = cast(Any, SimpleNamespace(codes={"x_usage_type": (codes, list(uniques))},
                                      remember=lambda _key, compute: compute()))
    with closing(sqlite3.connect(":memory:")) as db:
        expected = [t is not None and any(db.execute("SELECT ? LIKE ?", (t, p)).fetchone()[0]
                                          for p in like) for t in types]
    assert _usage_like(index, tuple(like)).tolist() == expected

"""tie()'s look-ups of each row's group (:func:`worthit.analysis.customers._rows_of_groups`)
match what a left merge on the group columns matches, missing values included."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.customers import _rows_of_groups

GROUP = ["day", "provider", "model"]
day = st.sampled_from([dt.date(2025, 3, 1), dt.date(2025, 3, 2), None])
text = st.sampled_from(["OpenAI", "Anthropic", "", None, "gpt-4.1"])
row = st.tuples(day, text, text)


@settings(max_examples=200, deadline=None)
@given(st.lists(row, max_size=12, unique=True), st.lists(row, max_size=20))
def test_each_row_finds_the_row_a_left_merge_matches(table_rows: list[tuple[Any, ...]],
                                                     rows: list[tuple[Any, ...]]) -> None:
    table = pd.DataFrame(table_rows, columns=GROUP, dtype=object)
    other = pd.DataFrame(rows, columns=GROUP, dtype=object)
    merged = other.merge(table.assign(position=np.arange(len(table))), on=GROUP, how="left")
    expected = merged["position"].fillna(-1).astype(np.int64).tolist()
    assert _rows_of_groups(table, other, GROUP).tolist() == expected

"""Sums of runs of sorted keys (:func:`worthit.core.sums.run_sums`) are pandas' group sums
to the bit: the figures a page computed with a group-by stay what they were."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.core.sums import run_sums

values = st.one_of(st.floats(min_value=-1e12, max_value=1e12),
                   st.sampled_from([0.1, 0.2, 0.3, 1e-9, 1e9, 0.0, float("nan")]))
rows = st.lists(st.tuples(st.integers(0, 6), values), max_size=60)


def _bits(array: np.ndarray) -> list[int]:
    return np.asarray(array, np.float64).view(np.int64).tolist()


@settings(max_examples=400, deadline=None)
@given(rows)
def test_run_sums_are_pandas_group_sums_to_the_bit(pairs: list[tuple[int, float]]) -> None:
    pairs.sort(key=lambda pair: pair[0])  # stable: each key's values keep their order
    keys = np.array([k for k, _ in pairs], np.int64)
    figures = np.array([v for _, v in pairs], np.float64)
    expected = pd.Series(figures).groupby(keys, sort=True).sum()
    found_keys, sums = run_sums(keys, figures)
    assert found_keys.tolist() == expected.index.tolist()
    assert _bits(sums) == _bits(expected.to_numpy())


def test_a_naive_running_total_is_not_what_pandas_gives() -> None:
    """The example that tells sums apart: ten 0.1s in one run, then more runs."""
    keys = np.repeat(np.arange(3), 10)
    figures = np.full(30, 0.1)
    _, sums = run_sums(keys, figures)
    assert _bits(sums) == _bits(pd.Series(figures).groupby(keys).sum().to_numpy())
    running = 0.0
    for figure in figures[:10]:
        running += figure
    assert running != 1.0
    assert sums.tolist() == [1.0, 1.0, 1.0]


def test_keys_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="out of order"):
        run_sums(np.array([2, 1]), np.array([1.0, 2.0]))


def test_no_keys_no_sums() -> None:
    found_keys, sums = run_sums(np.zeros(0, np.int64), np.zeros(0))
    assert len(found_keys) == 0
    assert len(sums) == 0

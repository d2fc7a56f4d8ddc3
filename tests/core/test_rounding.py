"""Rounding many figures at once gives what ``round`` gives each, to the bit."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.core.rounding import rounded

# Halves and near-halves in binary (2.675 is 2.67499…), cents, huge and tiny values.
tricky = st.sampled_from([2.675, 1.005, 0.125, -0.125, 0.015, 1e6 + 0.125, 2.5e-5, -0.0,
                          0.0, 4503599627370497.0, 1e300, -1e-300, math.inf, -math.inf,
                          math.nan, 0.30000000000000004, 1234567.8950000001])
values = st.lists(st.one_of(tricky, st.floats(), st.integers(-10**9, 10**9).map(lambda n: n / 200),
                            st.integers(-10**9, 10**9).map(lambda n: n / 20000)), max_size=60)


@settings(max_examples=400, deadline=None)
@given(values, st.integers(0, 6))
def test_rounded_is_round_of_each(numbers: list[float], digits: int) -> None:
    got = rounded(np.array(numbers, dtype=float), digits)
    assert [repr(x) for x in got] == [repr(round(x, digits)) for x in numbers]
    assert all(type(x) is float for x in got)


def test_the_half_numpy_gets_wrong_is_rounded_as_round_does() -> None:
    assert np.round(2.675, 2) == 2.68  # the scaling rounds 267.49999… up to 267.5
    assert rounded(np.array([2.675]), 2) == [2.67] == [round(2.675, 2)]

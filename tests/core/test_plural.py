"""Counts read as sentences: the noun agrees with the number, never "day(s)"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worthit.core.plural import plural


@pytest.mark.parametrize(
    ("count", "singular", "many", "text"),
    [
        (1, "day", None, "1 day"),
        (0, "day", None, "0 days"),
        (2, "day", None, "2 days"),
        (1, "line", None, "1 line"),
        (1204, "line", None, "1,204 lines"),
        (1, "entry", "entries", "1 entry"),
        (3, "entry", "entries", "3 entries"),
        (1.0, "day", None, "1 day"),
        (2.0, "file", None, "2 files"),
        (1.5, "day", None, "1.5 days"),
    ],
)
def test_the_noun_agrees_with_the_count(count: float, singular: str, many: str | None,
                                        text: str) -> None:
    assert plural(count, singular, many) == text


@given(st.integers(min_value=2, max_value=10**9))
def test_any_count_but_one_takes_the_plural(count: int) -> None:
    text = plural(count, "attempt")
    assert text.endswith(" attempts")
    assert text.replace(",", "").split(" ")[0] == str(count)

"""The bill Customers ties is summed per day, provider and model from the rows' day numbers
and keys (:func:`worthit.analysis.customers._by_model_day`): tied, it gives what the
rows themselves give :func:`~worthit.analysis.customers.tie`, figure for figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from worthit.analysis.customers import _by_model_day, tie
from worthit.core.days import dates_of, day_number
from worthit.core.periods import Period
from worthit.pricing.catalog import TOKEN_KINDS, Price

DAYS = [dt.date(2025, 3, d) for d in (1, 2, 3)]
PERIOD = Period(DAYS[0], DAYS[-1])
#: Each key names one provider and model; two keys may name the same, or no model.
KEYS = {1: ("OpenAI", "gpt-4.1"), 2: ("OpenAI", "gpt-4.1"), 3: ("OpenAI", "o-x"),
        4: ("Anthropic", "gpt-4.1"), 5: ("", "claude"), 6: ("OpenAI", None)}
GPT41 = Price(2.0, 0.5, None, None, 8.0, None)
money = st.one_of(st.sampled_from([0.0, 0.1, 0.2, 1e6 + 0.125, -0.3]),
                  st.floats(-1e4, 1e4, allow_nan=False))
tokens = st.integers(0, 5_000_000)
bill_row = st.tuples(st.sampled_from(DAYS), st.sampled_from(sorted(KEYS)), money, tokens,
                     tokens, tokens)
trace_row = st.tuples(st.sampled_from(DAYS), st.sampled_from(["gpt-4.1", "o-x", "claude"]),
                      st.sampled_from(["a", "b", ""]), tokens, tokens)


def price_of(provider: str, model: str, day: dt.date) -> Price | None:
    return GPT41 if model in ("gpt-4.1", "claude") else None


def rows_of(bill: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Billed usage as the cache gives it: one row per day and key, in day order."""
    bill = sorted(bill, key=lambda r: r[0])
    numbers = np.array([day_number(r[0]) for r in bill], dtype=np.int64)
    return pd.DataFrame({
        "day": dates_of(numbers), "provider": pd.array([KEYS[r[1]][0] for r in bill],
                                                       dtype="str"),
        "model": pd.array([KEYS[r[1]][1] for r in bill], dtype="str"),
        "key_id": np.array([r[1] for r in bill], dtype=np.int64),
        "billed": [r[2] for r in bill], "input": [float(r[3]) for r in bill],
        "cached_input": [float(r[4]) for r in bill], "cache_write": 0.0,
        "output": [float(r[5]) for r in bill], "day_number": numbers})


@settings(max_examples=150, deadline=None)
@given(st.lists(bill_row, max_size=30), st.lists(trace_row, max_size=12))
# Ten cents summed naively are 0.9999999999999999; compensated (as tie sums), 1.0.
@example([(DAYS[0], 1 + n % 2, 0.1, 0, 0, 0) for n in range(10)],
         [(DAYS[0], "gpt-4.1", "a", 10, 10)])
# A group's rows in order but other groups' rows between them: pandas summed the rows
# compensated (0.6) where the summed bill's run gave 0.6000000000000001.
@example([(DAYS[0], k, 0.0, 0, 0, 0) for k in (1, 1, 1, 4)] + [(DAYS[1], 1, 0.0, 0, 0, 0)]
         + [(DAYS[2], 1, v, 0, 0, 0) for v in (0.1, 0.1, 0.2, 0.2)], [])
# Runs of more than eight rows, which NumPy adds pairwise.
@example([(DAYS[0], 1 + n % 3, v, n, 0, 0) for n, v in enumerate([1e6 + 0.125, -0.3, 0.1] * 5)],
         [])
@example([(DAYS[0], 6, 0.5, 0, 0, 0)], [])  # a bill of no model alone
def test_the_summed_bill_ties_as_its_rows_do(bill: list[tuple[Any, ...]],
                                             traced: list[tuple[Any, ...]]) -> None:
    rows = rows_of(bill)
    traces = pd.DataFrame({
        "day": [t[0] for t in traced],
        "provider": ["OpenAI" if t[1] != "claude" else "" for t in traced],
        "model": [t[1] for t in traced], "customer": [t[2] for t in traced], "run_id": "",
        "agent": "", "api_key": "", "feature": "",
        "input": [t[3] for t in traced], "cached_input": 0, "cache_write": 0,
        "output": [t[4] for t in traced], "requests": 1})
    summed = _by_model_day(rows)
    assert len(summed) == len({(r[0], KEYS[r[1]]) for r in bill})
    whole = tie(rows[["day", "provider", "model", "billed", *TOKEN_KINDS]], traces.copy(),
                price_of, PERIOD)
    fast = tie(summed, traces.copy(), price_of, PERIOD)
    pd.testing.assert_frame_equal(fast.models, whole.models, check_exact=True)
    pd.testing.assert_frame_equal(fast.rows, whole.rows, check_exact=True)
    assert (fast.unpriced, fast.unbilled, fast.warnings) == (
        whole.unpriced, whole.unbilled, whole.warnings)

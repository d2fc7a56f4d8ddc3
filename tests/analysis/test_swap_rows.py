"""The model swap's usage arrays against plain computations: each row priced one by one,
each lever's effect summed by hand, and group sums as a frame grouped by name gives them."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.swap_rows import FIGURES, UsageTable, group_sums
from worthit.core.scenarios import Lever, ModelRef
from worthit.pricing.catalog import MILLION, Price

DAY = dt.date(2026, 10, 5)
BIG, SMALL, ODD = ("Anthropic", "big"), ("Anthropic", "small"), ("OpenAI", "odd")
RATES = {BIG: Price(*BIG, input=3.0, output=15.0, cached_input=0.3, cache_write=3.75,
                    cache_write_1h=6.0, batch=0.5),
         SMALL: Price(*SMALL, input=1.0, output=5.0)}


def price(model: ModelRef, day: dt.date) -> Price | None:
    """BIG and SMALL every day; ODD (input 2, output 4) from the second day on."""
    if model == ODD:
        return Price(*ODD, input=2.0, output=4.0) if day > DAY else None
    return RATES.get(model)


def usd(day: dt.date) -> float:
    return 1.0 + (day - DAY).days / 10


def row_cost(model: ModelRef, day: dt.date, batched: bool, tokens: list[float]) -> float:
    """One row priced by hand."""
    p = price(model, day)
    if p is None:
        return math.nan
    inp, cached, write, write_1h, output = tokens
    cost = (inp * p.rate("input") + cached * p.rate("cached_input")
            + write * p.rate("cache_write") + write_1h * p.rate("cache_write", ttl="1h")
            + output * p.rate("output")) / MILLION
    if batched and p.batch is not None:
        cost *= p.batch
    return cost * usd(day)


count = st.floats(0, 1e9, allow_nan=False)
usage_rows = st.lists(st.tuples(
    st.integers(0, 3), st.sampled_from(["a", "b"]), st.sampled_from([BIG, SMALL, ODD]),
    st.booleans(), st.lists(count, min_size=len(FIGURES), max_size=len(FIGURES)),
), min_size=1, max_size=12)


def frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    return pd.DataFrame([{"day": DAY + dt.timedelta(days=d), "feature": f, "provider": m[0],
                          "model": m[1], "batched": b, **dict(zip(FIGURES, v, strict=True))}
                         for d, f, m, b, v in rows])


def hand_total(usage: pd.DataFrame, models: list[ModelRef] | None = None) -> float:
    """The frame priced row by row (as ``models`` say, else as its own model), NaN
    left out."""
    total = 0.0
    for n, r in enumerate(usage.itertuples()):
        model = models[n] if models else (r.provider, r.model)
        cost = row_cost(model, r.day, r.batched, [getattr(r, k) for k in FIGURES[1:-1]])
        total += 0.0 if math.isnan(cost) else cost
    return total


@settings(max_examples=40, deadline=None)
@given(usage_rows)
def test_each_row_costs_what_its_model_charges_on_its_day(rows: list[tuple[Any, ...]]) -> None:
    usage = frame(rows)
    table = UsageTable(usage, price, usd)
    found = table.cost(table.rows)
    expected = [row_cost((r.provider, r.model), r.day, r.batched,
                         [getattr(r, k) for k in FIGURES[1:-1]]) for r in usage.itertuples()]
    np.testing.assert_array_equal(found, np.array(expected))  # NaN where unpriced


def total(table: UsageTable, lever: Lever) -> float:
    return float(np.nansum(table.cost(table.apply(table.rows, lever, []))))


@settings(max_examples=40, deadline=None)
@given(usage_rows, st.floats(0, 1), st.sampled_from([SMALL, ODD]))
def test_a_route_prices_its_share_as_the_target(rows: list[tuple[Any, ...]], share: float,
                                                  to: ModelRef) -> None:
    usage = frame(rows)
    table = UsageTable(usage, price, usd)
    found = total(table, Lever("route", BIG, share, to=to))
    first = usage[usage["model"] == "big"]
    if first.empty or share <= 0 or price(to, first["day"].iloc[0]) is None:
        assert found == pytest.approx(hand_total(usage), rel=1e-12, abs=1e-12)
        return
    moved = usage["model"] == "big"
    kept, routed = usage.copy(), usage[moved].copy()
    kept.loc[moved, list(FIGURES)] *= 1 - share
    routed[list(FIGURES)] *= share
    expected = hand_total(kept) + hand_total(routed, [to] * len(routed))
    assert found == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(usage_rows, st.floats(0, 1), st.sampled_from(["5m", "1h"]), st.floats(1, 50))
def test_caching_reads_its_share_of_input_and_writes_it_once_per_reads(
    rows: list[tuple[Any, ...]], share: float, ttl: str, reads: float
) -> None:
    usage = frame(rows)
    table = UsageTable(usage, price, usd)
    found = total(table, Lever("cache", BIG, share, ttl=ttl, reads_per_write=reads))
    cached = usage.copy()
    mine = cached["model"] == "big"
    read = cached.loc[mine, "input"] * share
    cached.loc[mine, "input"] -= read
    cached.loc[mine, "cached_input"] += read
    cached.loc[mine, "cache_write_1h" if ttl == "1h" else "cache_write"] += read / reads
    assert found == pytest.approx(hand_total(cached), rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(usage_rows, st.floats(0, 1))
def test_batch_halves_the_share_not_batched_yet(rows: list[tuple[Any, ...]],
                                                share: float) -> None:
    usage = frame(rows)
    table = UsageTable(usage, price, usd)
    found = total(table, Lever("batch", BIG, share))
    expected = 0.0
    for r in usage.itertuples():
        cost = row_cost((r.provider, r.model), r.day, r.batched,
                        [getattr(r, k) for k in FIGURES[1:-1]])
        if math.isnan(cost):
            continue
        sent = share if r.model == "big" and not r.batched else 0.0
        expected += cost * (1 - sent) + cost * sent * 0.5
    assert found == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.floats(-1e6, 1e6) | st.just(math.nan)),
                min_size=1, max_size=40))
def test_group_sums_are_a_frame_grouped_by_name_to_the_last_bit(
    rows: list[tuple[str, float]]
) -> None:
    names = [n for n, _ in rows]
    values = np.array([v for _, v in rows])
    codes = np.array(["abcd".index(n) for n in names], np.int64)  # in the names' order
    expected = pd.DataFrame({"name": names, "v": values}).groupby("name")["v"].sum()
    found = group_sums(codes, values)
    assert [(("abcd")[k], v) for k, v in found.items()] == list(expected.items())


def test_a_route_to_a_model_no_row_names_is_priced_as_it() -> None:
    usage = frame([(1, "a", BIG, False, [10.0, 1e6, 0.0, 0.0, 0.0, 1e6, 9.0])])
    table = UsageTable(usage, price, usd)
    after = table.apply(table.rows, Lever("route", BIG, 1.0, to=ODD), [])
    assert table.models[int(after.model[-1])] == ODD
    assert float(np.nansum(table.cost(after))) == pytest.approx((2.0 + 4.0) * usd(
        DAY + dt.timedelta(days=1)))

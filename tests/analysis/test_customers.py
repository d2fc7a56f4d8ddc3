"""Traces tied to the bill (worthit.analysis.customers): customers get the bill in
proportion to their traces' list-price value, Not traced gets what the traces do not
cover, and customers plus Not traced always make the AI bill."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.customers import NOT_TRACED, customer_costs, run_costs, tie
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.periods import Period
from worthit.pricing.catalog import Price
from worthit.store.cache import Cache
from worthit.store.swap import set_override
from worthit.sync.importer import import_file

D = dt.date
DAYS = [D(2026, 9, 1), D(2026, 9, 2), D(2026, 9, 3)]
PERIOD = Period(DAYS[0], DAYS[-1])
BILLED = [123.45, 67.89, 250.01]  # negotiated: not the list price of the tokens
# gpt-4.1 in the catalog: $2 input, $0.50 cached input, $8 output per million tokens.
GPT41 = Price("OpenAI", "gpt-4.1", input=2.0, output=8.0, cached_input=0.5)


def charge(day: dt.date, cost: float, input: int, cached: int, output: int,
           model: str = "gpt-4.1") -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "bill", "charge_period_start": day.isoformat(),
        "provider_name": "OpenAI", "billing_account_id": "org-1",
        "service_category": "AI and Machine Learning", "service_name": "OpenAI API",
        "charge_category": "Usage", "billed_cost": cost, "effective_cost": cost,
        "billing_currency": "USD", "x_model": model, "x_input_tokens": input,
        "x_cached_input_tokens": cached, "x_cache_write_tokens": 0,
        "x_output_tokens": output, "x_requests": 100,
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def usage_csv(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    lines = ["date,customer,model,input_tokens,cached_input_tokens,cache_write_tokens,"
             "output_tokens,requests,run_id,feature"]
    lines += [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def by_customer(cache: Cache) -> dict[str, float]:
    table = customer_costs(cache, PERIOD, currency="USD").by("customer")
    return dict(zip(table["customer"], table["cost"], strict=True))


def test_traces_covering_50_30_10_percent_get_exactly_that_share_of_the_bill(
        cache: Cache, tmp_path: Path) -> None:
    cache.replace_charges("bill", DAYS[0], DAYS[-1], [
        charge(d, b, 1_000_000, 400_000, 200_000) for d, b in zip(DAYS, BILLED, strict=True)])
    shares = {"acme": 0.5, "globex": 0.3, "initech": 0.1}
    rows = [(d.isoformat(), c, "gpt-4.1", int(1_000_000 * s), int(400_000 * s),
             0, int(200_000 * s), 10, f"run-{c}", "review")
            for d in DAYS for c, s in shares.items()]
    result = import_file(cache, usage_csv(tmp_path / "usage.csv", rows))
    assert result.kind == "usage-csv"

    costs = by_customer(cache)
    bill = sum(BILLED)
    # Well within a cent (exact but for float rounding).
    for customer, share in shares.items():
        assert costs[customer] == pytest.approx(bill * share, abs=1e-6)
    assert costs[NOT_TRACED] == pytest.approx(bill * 0.1, abs=1e-6)
    assert sum(costs.values()) == pytest.approx(bill, abs=1e-9)
    found = customer_costs(cache, PERIOD, currency="USD")
    # Per day too, to the cent.
    day_two = found.rows[(found.rows["day"] == DAYS[1]) & (found.rows["customer"] == "acme")]
    assert float(day_two["cost"].sum()) == pytest.approx(BILLED[1] * 0.5, abs=1e-6)
    assert found.warnings == []
    gap = found.gaps().iloc[0]  # the bill's tokens at list price: 3 × $3.80
    assert gap["bill_estimate"] == pytest.approx(3 * 3.8)
    assert gap["gap"] == pytest.approx(3 * 3.8 - bill)


def test_with_another_mix_the_shares_follow_list_price_values_not_token_counts(
        cache: Cache, tmp_path: Path) -> None:
    # The bill: 1M uncached input ($2.00) and 1M cache reads ($0.50) a day.
    cache.replace_charges("bill", DAYS[0], DAYS[0], [charge(DAYS[0], 100.0, 1_000_000,
                                                            1_000_000, 0)])
    rows = [(DAYS[0].isoformat(), "reader", "gpt-4.1", 0, 1_000_000, 0, 0, 5, "", ""),
            (DAYS[0].isoformat(), "writer", "gpt-4.1", 500_000, 0, 0, 0, 5, "", "")]
    import_file(cache, usage_csv(tmp_path / "mix.csv", rows))
    costs = by_customer(cache)
    # reader: $0.50 of $2.50 (20 %), writer: $1.00 (40 %), though reader has twice the tokens.
    assert costs["reader"] == pytest.approx(20.0)
    assert costs["writer"] == pytest.approx(40.0)
    assert costs[NOT_TRACED] == pytest.approx(40.0)


def frames(bill: list[tuple[Any, ...]], traces: list[tuple[Any, ...]]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    kinds = ["input", "cached_input", "cache_write", "output"]
    b = pd.DataFrame(bill, columns=["day", "provider", "model", "billed", *kinds])
    t = pd.DataFrame(traces, columns=["day", "provider", "model", "customer", "run_id",
                                      "agent", "api_key", "feature", *kinds, "requests"])
    return b, t


def price_of(provider: str, model: str, day: dt.date) -> Price | None:
    return GPT41 if model == "gpt-4.1" else None


tokens = st.integers(0, 5_000_000)


@settings(max_examples=150, deadline=None)
@given(bills=st.lists(st.tuples(st.sampled_from(DAYS), st.sampled_from(["gpt-4.1", "o-x"]),
                                st.floats(0, 10_000, allow_nan=False), tokens, tokens,
                                tokens), max_size=6),
       traced=st.lists(st.tuples(st.sampled_from(DAYS), st.sampled_from(["gpt-4.1", "o-x"]),
                                 st.sampled_from(["a", "b", "c", ""]), tokens, tokens,
                                 tokens), max_size=12))
def test_customers_and_not_traced_add_up_to_the_ai_bill_every_period(
        bills: list[tuple[Any, ...]], traced: list[tuple[Any, ...]]) -> None:
    bill, traces = frames(
        [(d, "OpenAI", m, c, i, r, 0, o) for d, m, c, i, r, o in bills],
        [(d, "OpenAI", m, who, "", "", "", "", i, r, 0, o, 1) for d, m, who, i, r, o in traced])
    for period in (PERIOD, Period(DAYS[1], DAYS[1])):
        inside = bill[bill["day"].between(period.start, period.end)]
        costs = tie(inside, traces[traces["day"].between(period.start, period.end)],
                    price_of, period)
        table = costs.by("customer")
        assert table["cost"].sum() == pytest.approx(inside["billed"].sum(), abs=1e-6)
        assert (table["cost"] >= -1e-9).all()
        for column in ("api_key", "run_id", "feature", "model"):
            assert costs.by(column)["cost"].sum() == pytest.approx(table["cost"].sum())


def test_an_unpriced_model_is_not_spread_and_is_named() -> None:
    bill, traces = frames([(DAYS[0], "OpenAI", "o-x", 50.0, 1000, 0, 0, 10)],
                          [(DAYS[0], "OpenAI", "o-x", "acme", "", "", "", "", 1000, 0, 0,
                            10, 1)])
    costs = tie(bill, traces, price_of, PERIOD)
    assert costs.unpriced == [("OpenAI", "o-x")]
    assert dict(zip(costs.by()["customer"], costs.by()["cost"], strict=True)) == {
        "acme": 0.0, NOT_TRACED: 50.0}
    assert any("No price for OpenAI o-x" in w for w in costs.warnings)


def test_traces_worth_more_than_the_bill_warn_with_the_figures() -> None:
    bill, traces = frames([(DAYS[0], "OpenAI", "gpt-4.1", 10.0, 1_000_000, 0, 0, 0)],
                          [(DAYS[0], "OpenAI", "gpt-4.1", "a", "", "", "", "", 1_050_000, 0,
                            0, 0, 1)])
    costs = tie(bill, traces, price_of, PERIOD)
    assert costs.by()["cost"].iloc[0] == pytest.approx(10.0)
    assert len(costs.warnings) == 1
    assert "2.10 against 2.00" in costs.warnings[0] and "+5.0%" in costs.warnings[0]


def test_a_bill_without_token_counts_is_spread_whole_by_the_traces() -> None:
    bill, traces = frames([(DAYS[0], "OpenAI", "gpt-4.1", 90.0, 0, 0, 0, 0)],
                          [(DAYS[0], "OpenAI", "gpt-4.1", "a", "", "", "", "", 2_000_000, 0,
                            0, 0, 1),
                           (DAYS[0], "OpenAI", "gpt-4.1-2025-04-14", "b", "", "", "", "",
                            0, 0, 0, 500_000, 1)])
    costs = tie(bill, traces, price_of, PERIOD)  # b's dated snapshot is the bill's gpt-4.1
    found = dict(zip(costs.by()["customer"], costs.by()["cost"], strict=True))
    assert found == {"a": pytest.approx(45.0), "b": pytest.approx(45.0), NOT_TRACED: 0.0}


def test_runs_over_three_times_their_agents_p95_are_loops() -> None:
    traced = [(DAYS[0], "OpenAI", "gpt-4.1", "a", f"r{n}", "review", "", "", 100_000, 0, 0,
               0, 1) for n in range(40)]
    traced.append((DAYS[0], "OpenAI", "gpt-4.1", "a", "runaway", "review", "", "",
                   5_000_000, 0, 0, 0, 60))
    bill, traces = frames([(DAYS[0], "OpenAI", "gpt-4.1", 90.0, 0, 0, 0, 0)], traced)
    runs = run_costs(tie(bill, traces, price_of, PERIOD))
    assert runs.runs.iloc[0]["run_id"] == "runaway"
    assert list(runs.runs.loc[runs.runs["loop"], "run_id"]) == ["runaway"]
    review = runs.agents.set_index("agent").loc["review"]
    assert review["runs"] == 41
    assert review["max"] == pytest.approx(90.0 * 5 / 9)
    assert review["p50"] == pytest.approx(90.0 * 0.1 / 9)


def test_the_catalog_prices_and_the_users_rate_wins(cache: Cache, tmp_path: Path) -> None:
    cache.replace_charges("bill", DAYS[0], DAYS[0], [charge(DAYS[0], 30.0, 1_000_000, 0,
                                                            1_000_000)])
    rows = [(DAYS[0].isoformat(), "in", "gpt-4.1", 1_000_000, 0, 0, 0, 1, "", ""),
            (DAYS[0].isoformat(), "out", "gpt-4.1", 0, 0, 0, 1_000_000, 1, "", "")]
    import_file(cache, usage_csv(tmp_path / "u.csv", rows))
    costs = by_customer(cache)  # list: $2 input, $8 output
    assert costs["in"] == pytest.approx(6.0) and costs["out"] == pytest.approx(24.0)
    set_override(cache, "OpenAI", "gpt-4.1", {"input": 8.0, "output": 8.0})
    costs = by_customer(cache)  # the user's rate: $8 both ways
    assert costs["in"] == pytest.approx(15.0) and costs["out"] == pytest.approx(15.0)


def test_the_figures_say_what_they_are() -> None:
    from worthit.analysis.customers import BASIS

    assert BASIS["billed"] == "billed"
    assert BASIS["cost"] == "allocated from the bill"
    assert BASIS["estimate"] == "estimated (list price)"
    json.dumps(BASIS)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["OpenAI", "Anthropic", None]),
                          st.sampled_from(["gpt-4.1", "claude-x", "unknown"]),
                          st.sampled_from(DAYS),
                          *(st.integers(0, 10**9) for _ in range(4))), max_size=40))
def test_each_rows_estimate_is_its_tokens_at_its_days_price(rows: list[tuple[Any, ...]]
                                                            ) -> None:
    """estimate() prices each distinct (provider, model, day) once and sums in arrays: the
    same floats as a row's tokens at its price, summed kind by kind; NaN without one."""
    from worthit.analysis.customers import MILLION, estimate
    from worthit.pricing.catalog import TOKEN_KINDS

    claude = Price("Anthropic", "claude-x", input=3.0, output=15.0, cached_input=0.3,
                   cache_write=3.75)

    def price_of(provider: str | None, model: str, day: dt.date) -> Price | None:
        if day == DAYS[2] and model == "claude-x":
            return None  # unpriced on one day only
        return {("OpenAI", "gpt-4.1"): GPT41, ("Anthropic", "claude-x"): claude}.get(
            (provider, model))  # type: ignore[arg-type]

    frame = pd.DataFrame(rows, columns=["provider", "model", "day", *TOKEN_KINDS])
    found = estimate(frame, price_of)
    assert len(found) == len(rows)
    for value, (provider, model, day, *counts) in zip(found, rows, strict=True):
        price = price_of(provider, model, day)
        if price is None:
            assert math.isnan(value)
        else:
            expected = 0.0
            for count, kind in zip(counts, TOKEN_KINDS, strict=True):
                expected += float(count) * price.rate(kind)
            assert value == expected / MILLION


def test_a_periods_traces_are_a_slice_of_all_of_them_read_once_per_write(
        cache: Cache, tmp_path: Path) -> None:
    """period_traces slices the traces read once per revision: the same rows as the
    period's own grouped query for every period in and around the data, and a new import
    of traces is seen at once."""
    from worthit.analysis.charge_index import charge_index
    from worthit.analysis.customers import period_traces
    from worthit.store.traces import trace_usage

    cache.replace_charges("bill", DAYS[0], DAYS[-1], [
        charge(d, b, 1_000_000, 400_000, 200_000) for d, b in zip(DAYS, BILLED, strict=True)])
    rows = [(d.isoformat(), c, "gpt-4.1", 1000 * n, 10, 0, 20, 2, f"run-{n}", "review")
            for n, d in enumerate(DAYS) for c in ("acme", "globex")]
    import_file(cache, usage_csv(tmp_path / "usage.csv", rows))
    around = [DAYS[0] - dt.timedelta(days=2), *DAYS, DAYS[-1] + dt.timedelta(days=2)]
    for start in around:
        for end in (d for d in around if d >= start):
            expected = trace_usage(cache, start, end)
            found = period_traces(cache, charge_index(cache, "USD"), Period(start, end))
            if expected.empty:
                assert found.empty
            else:
                pd.testing.assert_frame_equal(found, expected, check_exact=True)
    more = [(DAYS[1].isoformat(), "initech", "gpt-4.1", 5, 0, 0, 5, 1, "run-x", "review")]
    import_file(cache, usage_csv(tmp_path / "more.csv", more))
    found = period_traces(cache, charge_index(cache, "USD"), Period(DAYS[1], DAYS[1]))
    assert "initech" in set(found["customer"])

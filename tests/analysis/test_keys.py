"""Cost per API key, project and user (worthit.analysis.keys): the vendors' usage charges
tied to their cost lines. Each bill goes to the keys of the scope it names (a key, a
project, else the model) in proportion to their list-price value; keys plus Not
attributed make the AI bill of the providers that report keys, to the cent. The expected
figures here are worked out by hand from the rates the tests set."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.keys import KEY_COLUMNS, key_costs, tie_keys
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.periods import Period
from worthit.pricing.catalog import TOKEN_KINDS, Price
from worthit.store.cache import Cache
from worthit.store.swap import set_override

D = dt.date
DAYS = [D(2026, 9, 1), D(2026, 9, 2), D(2026, 9, 3)]
PERIOD = Period(DAYS[0], DAYS[-1])
#: The rates every test sets: $2 input, $0.50 cached input, $8 output per million; batch half.
RATES = {"input": 2.0, "cached_input": 0.5, "output": 8.0, "batch": 0.5}
GPT41 = Price("OpenAI", "gpt-4.1", input=2.0, output=8.0, cached_input=0.5, batch=0.5)


def line(day: dt.date, cost: float, *, provider: str = "OpenAI", model: str | None = "gpt-4.1",
         key: str | None = None, project: str | None = None, user: str | None = None,
         input: int | None = None, cached: int | None = None, output: int | None = None,
         batch: int | None = None, requests: int | None = None, what: str = "") -> tuple[Any, ...]:
    """One charge: a cost line (cost, no tokens) or a usage line (tokens, no cost)."""
    values: dict[str, Any] = {
        "source_id": provider.lower(), "charge_period_start": day.isoformat(),
        "provider_name": provider, "billing_account_id": "org-1",
        "service_category": "AI and Machine Learning", "service_name": f"{provider} API",
        "charge_category": "Usage", "billed_cost": cost, "effective_cost": cost,
        "billing_currency": "USD", "x_model": model, "sub_account_id": project,
        "resource_id": key, "resource_type": "API key" if key else None,
        "tags": json.dumps({"user_id": user}) if user else None,
        "x_usage_type": what or ("usage" if cost == 0 else f"{model}, cost"),
        "x_input_tokens": input, "x_cached_input_tokens": cached,
        "x_output_tokens": output, "x_requests": requests, "x_batch": batch,
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def load(cache: Cache, lines: list[tuple[Any, ...]]) -> None:
    by_source: dict[str, list[tuple[Any, ...]]] = {}
    for row in lines:
        by_source.setdefault(row[0], []).append(row)
    for source, rows in by_source.items():
        cache.replace_charges(source, DAYS[0], DAYS[-1], rows)
    set_override(cache, "OpenAI", "gpt-4.1", RATES)
    set_override(cache, "Anthropic", "claude-x", RATES)


def per(found: Any, column: str) -> dict[str, float]:
    table = found.by(column)
    return dict(zip(table[column], table["cost"], strict=True))


def cents(value: float) -> int:
    return round(value * 100)


#: Project A's and B's bills for gpt-4.1 on each day, as OpenAI's Costs API gives them.
A = [100.00, 80.40, 123.45]
B = [50.00, 20.00, 33.33]
STORAGE = 3.21  # a day of file search storage: a cost line naming no model


def openai_lines() -> list[tuple[Any, ...]]:
    out = []
    for day, a, b in zip(DAYS, A, B, strict=True):
        out += [line(day, a, project="proj_A"), line(day, b, project="proj_B"),
                line(day, STORAGE, model=None, project="proj_A", what="File search storage"),
                # key_1 ($2.80 at list price) split over two users: u1 60 %, u2 40 %
                line(day, 0, key="key_1", project="proj_A", user="u1", input=600_000,
                     output=60_000, requests=6),
                line(day, 0, key="key_1", project="proj_A", user="u2", input=400_000,
                     output=40_000, requests=4),
                # key_2: $1.00 + $0.50 + $4.00 = $5.50 at list price
                line(day, 0, key="key_2", project="proj_A", input=500_000, cached=1_000_000,
                     output=500_000, requests=5),
                # key_3, alone in project B: $4.00
                line(day, 0, key="key_3", project="proj_B", input=2_000_000, requests=2),
                # Bedrock: its usage names no API key, so it is not on the page
                line(day, 500.0, provider="AWS", model="anthropic.claude-x")]
    return out


def test_each_project_gets_its_bill_and_its_keys_share_it_by_list_price_value(
        cache: Cache) -> None:
    load(cache, openai_lines())
    found = key_costs(cache, PERIOD, currency="USD")
    keys = per(found, "api_key")
    assert cents(keys["key_1"]) == cents(sum(A) * 2.8 / 8.3)
    assert cents(keys["key_2"]) == cents(sum(A) * 5.5 / 8.3)
    assert cents(keys["key_3"]) == cents(sum(B))
    projects = per(found, "project")
    assert cents(projects["proj_A"]) == cents(sum(A))
    assert cents(projects["proj_B"]) == cents(sum(B))
    users = per(found, "user")
    assert cents(users["u1"]) == cents(sum(A) * 1.68 / 8.3)
    assert cents(users["u2"]) == cents(sum(A) * 1.12 / 8.3)
    assert cents(users[""]) == cents(sum(A) * 5.5 / 8.3 + sum(B))
    # Keys plus Not attributed (the storage) make OpenAI's bill; AWS is named, not counted.
    assert found.providers == ("OpenAI",) and found.without_keys == ("AWS",)
    assert cents(found.not_attributed) == cents(3 * STORAGE)
    assert cents(found.billed) == cents(sum(A) + sum(B) + 3 * STORAGE)
    assert sum(keys.values()) + found.not_attributed == pytest.approx(found.billed, abs=1e-9)
    assert found.tied == {"key": 0.0, "project": pytest.approx(sum(A) + sum(B)),
                          "model": 0.0}
    # The key's project and its tokens as counted.
    table = found.by("api_key").set_index("api_key")
    assert table.loc["key_2", "project"] == "proj_A"
    assert table.loc["key_2", "cached_input"] == 3 * 1_000_000
    assert table.loc["key_1", "estimate"] == pytest.approx(3 * 2.8)
    assert found.has_users and found.costs.warnings == []


def test_where_the_cost_lines_name_their_key_each_key_gets_exactly_its_own_bill(
        cache: Cache) -> None:
    day = DAYS[0]
    # As Anthropic-shaped FOCUS bills give it: cost and tokens on each key's line, and a
    # cache-read line with cost but no token count.
    load(cache, [
        line(day, 70.0, provider="Anthropic", model="claude-x", key="k_x", project="w_1",
             input=1_000_000, output=1_000_000),
        line(day, 5.0, provider="Anthropic", model="claude-x", key="k_x", project="w_1",
             what="cache reads"),
        line(day, 30.0, provider="Anthropic", model="claude-x", key="k_y", project="w_1",
             input=4_000_000, output=1_000_000)])
    found = key_costs(cache, PERIOD, currency="USD")
    # By list price k_y's tokens are worth more ($16 against $10): the bill says otherwise.
    assert per(found, "api_key") == {"k_x": pytest.approx(75.0), "k_y": pytest.approx(30.0)}
    assert found.tied["key"] == pytest.approx(105.0) and found.not_attributed == 0.0


def test_a_bill_naming_neither_key_nor_project_is_shared_by_the_models_keys(
        cache: Cache) -> None:
    day = DAYS[0]
    load(cache, [line(day, 90.0),  # no project: the whole model's bill
                 line(day, 0, key="key_1", project="proj_A", input=1_000_000),  # $2
                 line(day, 0, key="key_2", project="proj_B", input=500_000)])  # $1
    found = key_costs(cache, PERIOD, currency="USD")
    assert per(found, "api_key") == {"key_1": pytest.approx(60.0), "key_2": pytest.approx(30.0)}
    assert found.tied["model"] == pytest.approx(90.0)


def test_batch_tokens_are_valued_at_the_batch_price(cache: Cache) -> None:
    day = DAYS[0]
    load(cache, [line(day, 100.0, project="proj_A"),
                 line(day, 0, key="key_1", project="proj_A", input=1_000_000, batch=0),
                 line(day, 0, key="key_2", project="proj_A", input=1_000_000, batch=1)])
    found = key_costs(cache, PERIOD, currency="USD")
    keys = per(found, "api_key")
    # key_1: $2.00 at the standard price, key_2 $1.00 at the batch price: 2 to 1.
    assert cents(keys["key_1"]) == 6667 and cents(keys["key_2"]) == 3333
    table = found.by("api_key").set_index("api_key")
    assert table.loc["key_2", "estimate"] == pytest.approx(1.0)
    assert table.loc["key_2", "input"] == 1_000_000  # the tokens as counted


def test_an_unpriced_model_stays_not_attributed_and_is_named(cache: Cache) -> None:
    day = DAYS[0]
    load(cache, [line(day, 40.0, model="zz-unpriced-9", project="proj_A"),
                 line(day, 0, model="zz-unpriced-9", key="key_1", project="proj_A",
                      input=1_000)])
    found = key_costs(cache, PERIOD, currency="USD")
    assert per(found, "api_key") == {"key_1": 0.0}
    assert found.not_attributed == pytest.approx(40.0)
    assert any("No price for OpenAI zz-unpriced-9" in w for w in found.costs.warnings)


def test_without_usage_naming_a_key_no_provider_is_on_the_page(cache: Cache) -> None:
    load(cache, [line(DAYS[0], 500.0, provider="AWS", model="anthropic.claude-x")])
    found = key_costs(cache, PERIOD, currency="USD")
    assert found.providers == () and found.billed == 0.0
    assert found.without_keys == ("AWS",) and found.by("api_key").empty


# -- the property: keys + Not attributed = the bill, every period -------------------------


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["day", "provider", "model", "billed", "batched", *KEY_COLUMNS, "requests",
               *TOKEN_KINDS]
    return pd.DataFrame([{c: r.get(c, 0) for c in columns} for r in rows], columns=columns)


def price_of(_provider: str, model: str, _day: dt.date) -> Price | None:
    return GPT41 if model == "gpt-4.1" else None


names = st.sampled_from(["", "k1", "k2", "k3"])
projects = st.sampled_from(["", "pA", "pB"])
tokens = st.integers(0, 3_000_000)
costs = st.lists(st.tuples(st.sampled_from(DAYS), st.sampled_from(["gpt-4.1", "o-x"]),
                           st.floats(0, 10_000, allow_nan=False), names, projects),
                 max_size=8)
usage = st.lists(st.tuples(st.sampled_from(DAYS), st.sampled_from(["gpt-4.1", "o-x"]),
                           names, projects, st.sampled_from(["", "u1"]),
                           st.integers(0, 1), tokens, tokens, tokens), max_size=12)


@settings(max_examples=60, deadline=None)
@given(costs=costs, usage=usage)
def test_keys_and_not_attributed_add_up_to_the_bill_every_period(
        costs: list[tuple[Any, ...]], usage: list[tuple[Any, ...]]) -> None:
    rows = [{"day": d, "provider": "OpenAI", "model": m, "billed": c, "api_key": k,
             "project": p, "user": ""} for d, m, c, k, p in costs]
    rows += [{"day": d, "provider": "OpenAI", "model": m, "api_key": k, "project": p,
              "user": u, "batched": b, "input": i, "cached_input": r, "output": o,
              "requests": 1} for d, m, k, p, u, b, i, r, o in usage]
    everything = frame(rows)
    for period in (PERIOD, Period(DAYS[1], DAYS[1])):
        inside = everything[everything["day"].between(period.start, period.end)]
        tied, levels = tie_keys(inside, price_of, period)
        bill = float(inside["billed"].sum())
        for column in KEY_COLUMNS:
            found = tied.rows.groupby(column)["cost"].sum() if len(tied.rows) else pd.Series()
            assert float(found.sum()) + tied.not_traced == pytest.approx(bill, abs=1e-6)
        assert (tied.rows["cost"] >= -1e-9).all() if len(tied.rows) else True
        assert sum(levels.values()) == pytest.approx(bill, abs=1e-6)
        # Where every costed line of a day names its key, each key gets its own bill
        # (when its model is priced and it has tokens to carry it).
        for (day, model), group in inside.groupby(["day", "model"]):
            costed = group[group["billed"] > 1e-4]
            if model != "gpt-4.1" or costed.empty or (costed["api_key"] == "").any():
                continue
            for key, own in costed.groupby("api_key"):
                carried = group[(group["api_key"] == key)
                                & (group[list(TOKEN_KINDS)].sum(axis=1) > 0)]
                if carried.empty:
                    continue
                got = tied.rows[(tied.rows["day"] == day) & (tied.rows["model"] == model)
                                & (tied.rows["api_key"] == key)]["cost"].sum()
                assert got == pytest.approx(float(own["billed"].sum()), abs=1e-6)

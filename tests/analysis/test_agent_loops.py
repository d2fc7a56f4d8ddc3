"""The looping agent run leak (worthit.analysis.leaks.agent_loops) on a hand-built workspace
whose figures are worked out by hand: a bill tied to request traces in which one run of the
code reviewer costs ten times its others. It is found, owned by the team the rules give the
agent, and its one-off excess over the agent's p95 run is exact to the cent. The runaway
detector names the runs behind a spike without changing its figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from worthit.analysis.leaks import KIND_TITLES, Settings, find_leaks, save_settings
from worthit.analysis.leaks.agent_loops import agent_loops, trace_id
from worthit.analysis.leaks.base import Context
from worthit.analysis.leaks.runaway import runaway_agent
from worthit.core.days import day_number
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.rules import rules_from_json
from worthit.store.cache import Cache
from worthit.store.rules import save_rules
from worthit.store.swap import set_override
from worthit.store.traces import replace_trace_usage

D = dt.date
END = D(2026, 6, 30)
WINDOW = [END - dt.timedelta(days=i) for i in range(29, -1, -1)]
LOOP = f"{'ab' * 16}/{'cd' * 8}"  # an OpenTelemetry run: trace id / agent span id
LOOP_DAYS = [D(2026, 6, 19), D(2026, 6, 20)]
PER_LIST_DOLLAR = 10.0  # the bill is ten times the list value of the traced tokens
RULES = [{"name": "Reviewer runs", "match": {"agent": "code-reviewer"}, "team": "devex",
          "feature": "code-review"},
         {"name": "OpenAI", "match": {"provider": "OpenAI"}, "team": "platform"}]


def charge(day: dt.date, cost: float, key: str = "key_review", model: str = "gpt-4.1",
           provider: str = "OpenAI", **attrs: Any) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "bill", "charge_period_start": day.isoformat(),
        "provider_name": provider, "billing_account_id": "org-1", "sub_account_id": "proj_dev",
        "service_category": "AI and Machine Learning", "service_name": f"{provider} API",
        "resource_id": key, "charge_category": "Usage", "billed_cost": cost,
        "effective_cost": cost, "billing_currency": "USD", "x_model": model,
    }
    values.update(attrs)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def trace(day: dt.date, run: str, agent: str, input_tokens: int, requests: int,
          customer: str = "acme", key: str = "key_review", model: str = "gpt-4.1",
          provider: str = "OpenAI") -> tuple[Any, ...]:
    return (day_number(day), provider, model, customer, run, agent, key, "", input_tokens, 0,
            0, 0, requests)


def add_traces(cache: Cache, rows: list[tuple[Any, ...]]) -> None:
    days = [r[0] for r in rows]
    replace_trace_usage(cache, "traces", "traces.jsonl", "otlp-file", {}, rows,
                        (min(days), max(days)))


def loop_workspace(cache: Cache) -> Cache:
    """Each window day: one code-reviewer run of 1M input tokens ($2 at list, $20 billed;
    1.2M, $24, on the first two days) and one summariser run of 0.1M ($2 billed); the
    loop, 5M tokens on each of two days, costs $200 billed, ten times the reviewer's usual
    run. A summariser run of $5 on the last day is 2.5 times its others: not a loop."""
    traces, bill = [], []
    for n, day in enumerate(WINDOW):
        rows = [trace(day, f"review-{n:02d}", "code-reviewer",
                      1_200_000 if n < 2 else 1_000_000, 10,
                      customer="acme" if n % 2 else "globex"),
                trace(day, f"summary-{n:02d}", "summariser",
                      250_000 if day == END else 100_000, 3)]
        if day in LOOP_DAYS:
            rows.append(trace(day, LOOP, "code-reviewer", 5_000_000, 200, customer="initech"))
        traces += rows
        listed = sum(r[8] for r in rows) * 2.0 / 1e6  # gpt-4.1 input: $2 per million
        bill.append(charge(day, listed * PER_LIST_DOLLAR))
    cache.replace_charges("bill", WINDOW[0], END, bill)
    add_traces(cache, traces)
    save_rules(cache, rules_from_json(RULES, "test rules"))
    return cache


def context(cache: Cache, **settings: Any) -> Context:
    return Context(cache, END, Settings(**settings), currency="USD")


def test_a_run_costing_ten_times_its_agents_others_is_a_looping_run(cache: Cache) -> None:
    found = agent_loops(context(loop_workspace(cache)))
    assert [f.key for f in found] == [f"agent_loop:{LOOP}"]
    f = found[0]
    assert f.kind == "agent_loop" and KIND_TITLES[f.kind] == "Looping agent run"
    assert (f.team, f.feature, f.resource) == ("devex", "code-review", LOOP)
    assert f.monthly_cost == pytest.approx(200.0, abs=1e-9)
    # The reviewer's runs: 28 of $20, 2 of $24 and the loop, so its p50 is $20 and its
    # p95 $24 (between the 29th and 30th of 31). The loop's excess over the p95, $176.00,
    # is paid once and saves nothing per month.
    assert round(f.one_off, 2) == 176.00
    assert f.one_off == pytest.approx(176.0, abs=1e-9)
    assert f.monthly_saving == 0.0
    assert f.figure == f.one_off
    numbers = f.evidence.numbers
    assert numbers["Run id"] == LOOP
    assert numbers["Trace id"] == "ab" * 16
    assert numbers["Agent"] == "code-reviewer"
    assert numbers["Days"] == "2026-06-19 to 2026-06-20 (2 days)"
    assert numbers["Requests"] == "400"
    assert numbers["Cost of the run"] == "$200.00"
    assert numbers["Agent's p50 run"] == "$20.00"
    assert numbers["Agent's p95 run"] == "$24.00"
    assert numbers["Runs of the agent in the window"] == "31"
    assert numbers["Excess over the p95 run"] == "$176.00"
    assert numbers["Loop threshold"] == "3× the p95 run: $72.00"
    assert numbers["Customers"] == "initech"
    assert "code-reviewer" in f.title and "$200.00" in f.title and "8×" in f.title
    assert "ab" * 16 in f.fix[0]
    assert f.assumption.startswith("One-off")


def test_the_evidence_shows_the_agents_days_with_and_without_the_run(cache: Cache) -> None:
    f = agent_loops(context(loop_workspace(cache)))[0]
    evidence = f.evidence
    assert evidence.days == WINDOW
    assert evidence.highlighted == LOOP_DAYS
    for day, value, without in zip(evidence.days, evidence.values, evidence.baseline,
                                   strict=True):
        usual = 24.0 if day in WINDOW[:2] else 20.0
        assert without == pytest.approx(usual)
        assert value == pytest.approx(usual + (100.0 if day in LOOP_DAYS else 0.0))
    assert f.to_json()["one_off"] == 176.0


def test_nobody_owns_a_loop_no_rule_gives_to_the_agent(cache: Cache) -> None:
    loop_workspace(cache)
    save_rules(cache, rules_from_json([{"name": "Charges", "match": {"service": "*"},
                                        "team": "platform"}], "test rules"))
    f = agent_loops(context(cache))[0]
    assert (f.team, f.feature, f.owner) == (None, None, "no owner")
    assert f.one_off == pytest.approx(176.0, abs=1e-9)


def test_the_loop_factor_is_a_saved_leak_setting(cache: Cache) -> None:
    loop_workspace(cache)
    assert [f.key for f in find_leaks(cache, END, currency="USD")
            if f.kind == "agent_loop"] == [f"agent_loop:{LOOP}"]
    # $200 is 8.3 times the $24 p95: not a loop at nine times it, one at eight.
    save_settings(cache, Settings(loop_factor=9.0))
    assert [f for f in find_leaks(cache, END, currency="USD") if f.kind == "agent_loop"] == []
    assert agent_loops(context(cache, loop_factor=8.0))[0].one_off == pytest.approx(176.0)


def test_the_default_loop_factor_is_the_agent_runs_pages() -> None:
    from worthit.analysis.customers import LOOP_FACTOR

    assert Settings().loop_factor == LOOP_FACTOR


def test_no_traces_in_the_window_no_loops(cache: Cache) -> None:
    cache.replace_charges("bill", WINDOW[0], END, [charge(d, 20.0) for d in WINDOW])
    assert agent_loops(context(cache)) == []
    # Traces, all before the window: still none.
    early = END - dt.timedelta(days=60)
    add_traces(cache, [trace(early, f"r{n}", "code-reviewer", 1_000_000, 1) for n in range(30)]
               + [trace(early, LOOP, "code-reviewer", 50_000_000, 1)])
    assert agent_loops(context(cache)) == []


def test_trace_ids_are_read_from_opentelemetry_run_ids_only() -> None:
    assert trace_id(LOOP) == "ab" * 16
    assert trace_id("run-7") is None
    assert trace_id("litellm-req-1/abc") is None


# -- the runs behind a runaway spike ----------------------------------------------------------

SPIKE_DAY = END - dt.timedelta(days=5)
HISTORY = [END - dt.timedelta(days=i) for i in range(199, -1, -1)]


def spiking_key(cache: Cache) -> None:
    """An Anthropic key at about $100 a day for 200 days, $600 on SPIKE_DAY (the bill has
    no token counts: the traces of that day and model take it all)."""
    rows = [charge(d, 600.0 if d == SPIKE_DAY else 100.0 * (1 + (d.toordinal() * 7 % 5 - 2)
                                                              / 100),
                   key="key_agent", model="claude-sonnet-4", provider="Anthropic")
            for d in HISTORY]
    cache.replace_charges("bill", HISTORY[0], END, rows)
    save_rules(cache, rules_from_json(RULES, "test rules"))
    set_override(cache, "Anthropic", "claude-sonnet-4", {"input": 3.0, "output": 15.0})


def spike_traces(key: str) -> list[tuple[Any, ...]]:
    """Four runs on the spike day and requests of no run: 5M tokens in all, so its $600
    is $120 per million (run-big $360, run-mid $120, run-small $12, run-tiny $1.20); a
    bigger run on another day is never named."""
    claude = {"model": "claude-sonnet-4", "provider": "Anthropic", "key": key}
    return [trace(SPIKE_DAY, "run-big", "code-reviewer", 3_000_000, 90, **claude),
            trace(SPIKE_DAY, "run-mid", "code-reviewer", 1_000_000, 30, **claude),
            trace(SPIKE_DAY, "run-small", "", 100_000, 3, **claude),
            trace(SPIKE_DAY, "run-tiny", "code-reviewer", 10_000, 1, **claude),
            trace(SPIKE_DAY, "", "", 890_000, 5, **claude),  # requests of no run
            trace(END, "run-later", "code-reviewer", 9_000_000, 100, **claude)]


@pytest.mark.parametrize(("key", "where"), [("key_agent", "on this key"),
                                             ("", "on its model")])
def test_the_runaway_finding_names_the_costliest_runs_of_the_spike(
        cache: Cache, key: str, where: str) -> None:
    spiking_key(cache)
    before = runaway_agent(context(cache))
    assert len(before) == 1
    add_traces(cache, spike_traces(key))
    after = runaway_agent(context(cache))
    assert len(after) == 1
    f = after[0]
    # The spike day's $600 spread by list value over its 5M traced tokens.
    named = f.evidence.numbers[f"Costliest runs on the spike days ({where})"]
    assert named == ("run-big (code-reviewer, $360.00, 90 requests); "
                     "run-mid (code-reviewer, $120.00, 30 requests); "
                     "run-small ((no agent), $12.00, 3 requests); 1 more")
    # Its figures do not change: only the named runs are new.
    numbers = dict(f.evidence.numbers)
    del numbers[f"Costliest runs on the spike days ({where})"]
    assert dataclasses.replace(f, evidence=dataclasses.replace(f.evidence, numbers=numbers)
                               ) == before[0]


def test_a_spike_without_runs_on_its_days_names_none(cache: Cache) -> None:
    spiking_key(cache)
    add_traces(cache, [trace(END, "run-later", "code-reviewer", 9_000_000, 100,
                             model="claude-sonnet-4", provider="Anthropic", key="key_agent"),
                       trace(SPIKE_DAY, "elsewhere", "code-reviewer", 1_000_000, 1)])
    f = runaway_agent(context(cache))[0]
    assert not any(k.startswith("Costliest runs") for k in f.evidence.numbers)

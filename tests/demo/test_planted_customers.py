"""The demo's planted customers: sixty customers with a power-law spread, traced at a share
of the bill so that customers + Not traced make the AI bill to the cent; the enterprise
customer whose AI cost exceeds its revenue and the looping agent run are found as planted;
the agent's rule gives its runs a team and moves no charge; the control has neither."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from worthit.analysis.allocation import allocation
from worthit.analysis.customer_margin import customer_margins
from worthit.analysis.customers import NOT_TRACED, CustomerCosts, customer_costs, run_costs
from worthit.analysis.trace_owners import owners
from worthit.core.periods import Period, add_months
from worthit.demo import customers as planted_customers
from worthit.demo.generator import DemoResult, read_planted_customers
from worthit.demo.planted import MONTH_DAYS, PlantedCustomers
from worthit.store.cache import CACHE_FILE, Cache
from worthit.store.revenue import load_revenue
from worthit.store.rules import load_rules

TOKENS = ("input", "cached_input", "cache_write", "output")


@pytest.fixture(scope="module")
def cache(demo: DemoResult, demo_folder: Path) -> Iterator[Cache]:
    with Cache.open(demo_folder / CACHE_FILE) as opened:
        yield opened


@pytest.fixture(scope="module")
def last_30(demo_end: dt.date) -> Period:
    return Period(demo_end - dt.timedelta(days=MONTH_DAYS - 1), demo_end)


@pytest.fixture(scope="module")
def costs(cache: Cache, last_30: Period) -> CustomerCosts:
    return customer_costs(cache, last_30)


@pytest.fixture(scope="module")
def truth(demo: DemoResult) -> PlantedCustomers:
    return demo.customers


def _whole_months(truth: PlantedCustomers, end: dt.date) -> list[Period]:
    first = dt.date.fromisoformat(truth.traced_from)
    months = []
    while (stop := add_months(first, 1) - dt.timedelta(days=1)) <= end:
        months.append(Period(first, stop))
        first = add_months(first, 1)
    return months


def test_the_truth_is_stored_in_the_cache(demo: DemoResult, cache: Cache) -> None:
    assert read_planted_customers(cache) == demo.customers
    assert demo.customers.unprofitable is not None and demo.customers.loop is not None


def test_sixty_customers_with_a_power_law_spread(costs: CustomerCosts,
                                                 truth: PlantedCustomers) -> None:
    by = costs.by("customer")
    customers = by[by["customer"] != NOT_TRACED]
    assert truth.customers == len(planted_customers.CUSTOMERS) == 60
    assert sorted(customers["customer"]) == sorted(planted_customers.CUSTOMERS)
    cost = customers["cost"].sort_values(ascending=False).to_numpy()
    assert (cost > 0).all()
    assert cost[:6].sum() > 0.5 * cost.sum()  # the top tenth carries most of it
    assert cost[0] > 50 * cost[-1]


def test_customers_and_not_traced_are_the_ai_bill_to_the_cent(
    costs: CustomerCosts, demo_db: sqlite3.Connection, last_30: Period
) -> None:
    """The AI bill read in plain SQL: every charge with a model in the period."""
    (bill,) = demo_db.execute(
        "SELECT TOTAL(effective_cost) FROM charges WHERE x_model IS NOT NULL "
        "AND charge_period_start BETWEEN ? AND ?",
        (last_30.start.isoformat(), last_30.end.isoformat())).fetchone()
    by = costs.by("customer")
    assert bill > 0
    assert by["cost"].sum() == pytest.approx(bill, abs=0.005)
    assert costs.billed == pytest.approx(bill, abs=0.005)
    assert 0 < costs.not_traced < bill
    assert costs.warnings == [] and costs.unpriced == [] and costs.unbilled == []


def test_each_day_traces_a_share_of_the_bill_in_its_mix(
    costs: CustomerCosts, truth: PlantedCustomers
) -> None:
    """Per day and traced model, every kind of token is traced at 78-88 % of the bill's:
    no day's traces exceed its bill, and Not traced is the rest."""
    low, high = truth.traced_share
    models = costs.models.set_index(["day", "provider", "model"])
    traced = costs.rows.groupby(["day", "provider", "model"])[list(TOKENS)].sum()
    assert {m for _d, _p, m in traced.index} == {"claude-sonnet-4-5", "claude-haiku-4-5"}
    assert len(traced) == 2 * MONTH_DAYS
    for key, row in traced.iterrows():
        for kind in TOKENS:
            billed = models.loc[key, kind]
            if billed:
                assert low - 1e-3 <= row[kind] / billed <= high, (key, kind)
        assert low - 1e-3 <= models.loc[key, "coverage"] <= high, key


def test_the_enterprise_customer_costs_more_than_it_pays(
    cache: Cache, costs: CustomerCosts, last_30: Period, truth: PlantedCustomers
) -> None:
    """First on the Customers page, the only one over 100 %; most pay many times their
    AI cost."""
    planted = truth.unprofitable
    assert planted is not None and planted.customer == planted_customers.ENTERPRISE
    found = customer_margins(cache, last_30, costs=costs)
    rows = {row.customer: row for row in found.customers}
    assert len(rows) == 60
    loser = rows[planted.customer]
    assert loser.share is not None and loser.share > 1.0 and loser.over
    assert loser.margin is not None and loser.margin < 0
    assert found.customers[0].customer == planted.customer
    assert [r.customer for r in found.over] == [planted.customer]  # at the default 50 %
    assert [r.customer for r in found.customers if (r.share or 0) > 1] == [planted.customer]
    profitable = [r for r in found.customers if r.share is not None and r.share < 0.5]
    assert len(profitable) >= 55


def test_its_share_of_revenue_is_as_planted_each_whole_month(
    cache: Cache, truth: PlantedCustomers, demo_end: dt.date
) -> None:
    """Independently of the margin analysis: its allocated cost over each whole traced
    month against that month's revenue as kept."""
    planted = truth.unprofitable
    assert planted is not None and 1.0 < planted.share_low <= planted.share_high
    months = _whole_months(truth, demo_end)
    assert len(months) == 3
    for month in months:
        by = customer_costs(cache, month).by("customer").set_index("customer")["cost"]
        key = month.start.strftime("%Y-%m")
        revenue = {r.customer: r.revenue for r in load_revenue(cache, key, key)}
        assert revenue[planted.customer] == planted.monthly_revenue
        share = by[planted.customer] / revenue[planted.customer]
        assert planted.share_low - 1e-6 <= share <= planted.share_high + 1e-6, key
        others = [by[c] / revenue[c] for c in planted_customers.CUSTOMERS
                  if c != planted.customer]
        assert max(others) < 0.6, key


def test_the_looping_run_is_found_and_is_the_planted_one(
    costs: CustomerCosts, truth: PlantedCustomers
) -> None:
    loop = truth.loop
    assert loop is not None
    runs = run_costs(costs)
    flagged = runs.runs[runs.runs["loop"]]
    assert list(flagged["run_id"]) == [loop.run_id]
    run = flagged.iloc[0]
    assert run["agent"] == loop.agent == planted_customers.AGENT
    assert str(run["first_day"]) == str(run["last_day"]) == loop.day
    assert re.fullmatch(r"[0-9a-f]{32}/[0-9a-f]{16}", loop.run_id)
    stats = runs.agents.set_index("agent").loc[loop.agent]
    assert run["cost"] == pytest.approx(loop.cost, rel=1e-6)
    assert run["cost"] / stats["p95"] == pytest.approx(loop.p95_multiple, rel=1e-6)
    assert run["cost"] / stats["p50"] == pytest.approx(loop.median_multiple, rel=1e-6)
    assert 30 <= loop.median_multiple <= 50 and loop.p95_multiple > 2 * runs.factor
    rows = costs.rows[costs.rows["run_id"] == loop.run_id]
    assert set(rows["customer"]) == {loop.customer}


def test_the_looping_run_is_a_leak_owned_by_the_agents_team(
    cache: Cache, costs: CustomerCosts, demo_end: dt.date, truth: PlantedCustomers
) -> None:
    """Found by the Looping agent run detector over the default leak window, above the
    leaks' default floor, owned by the team the demo's rule gives the agent, its one-off
    the run's cost above the agent's p95 run."""
    from worthit.analysis.leaks import find_leaks

    loop = truth.loop
    assert loop is not None
    found = [f for f in find_leaks(cache, demo_end) if f.kind == "agent_loop"]
    assert [f.resource for f in found] == [loop.run_id]
    p95 = run_costs(costs).agents.set_index("agent").loc[loop.agent, "p95"]
    assert found[0].one_off == pytest.approx(loop.cost - p95, abs=0.005)
    assert found[0].one_off > 100  # over the default floor: shown on the Leaks page
    assert (found[0].team, found[0].feature) == (loop.team, loop.feature)


def test_the_agent_rule_gives_its_runs_a_team_and_moves_no_charge(
    cache: Cache, costs: CustomerCosts, last_30: Period, truth: PlantedCustomers
) -> None:
    runs = costs.rows[costs.rows["agent"] == truth.agent]
    assert len(runs) > 1000
    team, feature = owners(cache, runs)
    assert set(team) == {planted_customers.AGENT_TEAM}
    assert set(feature) == {planted_customers.AGENT_FEATURE}
    saved = load_rules(cache)
    names = {planted_customers.RULE_NAME}
    without = [r for r in saved if r.name not in names]
    assert len(without) == len(saved) - len(names)
    with_rule = allocation(cache, last_30, saved)
    before = allocation(cache, last_30, without)
    assert {p: n.cost for p, n in with_rule.nodes.items()} == pytest.approx(
        {p: n.cost for p, n in before.nodes.items()}, abs=1e-9)
    pieces = with_rule.pieces
    assert not pieces["rule"].isin(names).any()


def test_the_traces_are_a_generated_source(demo_db: sqlite3.Connection,
                                           truth: PlantedCustomers) -> None:
    """Listed on the Sources page as generated (never synced, never 'your own data')."""
    sources = demo_db.execute(
        "SELECT kind, name FROM sources WHERE source_id = ?",
        (planted_customers.SOURCE_ID,)).fetchall()
    assert [tuple(s) for s in sources] == [("demo", planted_customers.SOURCE_NAME)]
    first, providers = demo_db.execute(
        "SELECT MIN(day), GROUP_CONCAT(DISTINCT provider) FROM trace_usage").fetchone()
    assert pd.Timestamp(first, unit="D").date().isoformat() == truth.traced_from
    assert providers == "Anthropic"


def test_the_control_has_customers_but_no_loop_nor_loss(
    control: DemoResult, control_folder: Path, last_30: Period
) -> None:
    assert control.customers.unprofitable is None and control.customers.loop is None
    with Cache.open(control_folder / CACHE_FILE) as cache:
        costs = customer_costs(cache, last_30)
        assert costs.warnings == []
        assert not run_costs(costs).runs["loop"].any()
        found = customer_margins(cache, last_30, costs=costs)
    assert len(found.customers) == 60
    assert all(r.share is not None and r.share < 0.6 for r in found.customers)

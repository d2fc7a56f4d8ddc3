"""Looping agent runs: a run of an agent that cost more than ``loop_factor`` times its
agent's p95 run in the leak window, as the Agent runs page flags it
(:func:`worthit.analysis.customers.run_costs`, costs allocated from the bill). The run's
cost above that p95 is the finding's figure: a one-off, already paid, not a monthly saving.
The run belongs to the team the allocation rules give its trace rows
(:mod:`worthit.analysis.trace_owners`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from worthit.analysis.leaks.base import WINDOW_DAYS, Context, Evidence, Finding
from worthit.core.plural import plural
from worthit.core.rules import NO_FEATURE, UNALLOCATED

if TYPE_CHECKING:
    from worthit.analysis.customers import CustomerCosts

#: An OpenTelemetry run id: the trace id, then the agent span's id.
_OTEL_RUN = re.compile(r"^([0-9a-f]{32})/[0-9a-f]{16}$")
NO_AGENT = "(no agent)"


def window_costs(ctx: Context) -> CustomerCosts | None:
    """The leak window's trace usage tied to its bill, in the context's currency; None
    when no trace usage falls in the window. Computed once per context."""
    found: CustomerCosts | None = ctx.once("customer costs", lambda: _window_costs(ctx))
    return found


def _window_costs(ctx: Context) -> CustomerCosts | None:
    from worthit.analysis.customers import customer_costs
    from worthit.store.traces import trace_days, trace_revision

    # Kept as the period's traces are (customers.period_traces): per revision of the
    # traces and of the charges (a scan of the traces' days, 4 ms a window).
    span = ctx.index.remember(("trace days", trace_revision(ctx.cache)),
                              lambda: trace_days(ctx.cache))
    if span is None or span[1] < ctx.window.start or span[0] > ctx.window.end:
        return None
    costs = customer_costs(ctx.cache, ctx.window, currency=ctx.currency)
    return costs if len(costs.rows) else None


def trace_id(run_id: str) -> str | None:
    """The trace id an OpenTelemetry run id starts with (None for other sources' ids)."""
    found = _OTEL_RUN.match(run_id)
    return found.group(1) if found else None


def agent_loops(ctx: Context) -> list[Finding]:
    """One finding per run flagged as a loop in the window, its excess over its agent's
    p95 run a one-off."""
    costs = window_costs(ctx)
    if costs is None:
        return []
    from worthit.analysis.customers import run_costs
    from worthit.analysis.trace_owners import owners
    from worthit.store.rules import load_rules

    runs = run_costs(costs, ctx.settings.loop_factor)
    loops = runs.runs[runs.runs["loop"].astype(bool)]
    if loops.empty:
        return []
    rows = costs.rows[costs.rows["run_id"].isin(set(loops["run_id"]))]
    team, feature = owners(load_rules(ctx.cache), rows)
    rows = rows.assign(team=team, owner_feature=feature)
    stats = runs.agents.set_index("agent")
    return [_finding(ctx, costs, loop, rows[rows["run_id"] == loop["run_id"]],
                     stats.loc[loop["agent"]], runs.factor)
            for loop in cast("list[dict[str, Any]]", loops.to_dict("records"))]


def _finding(ctx: Context, costs: CustomerCosts, loop: dict[str, Any], rows: pd.DataFrame,
             agent: pd.Series, factor: float) -> Finding:
    run_id, name = str(loop["run_id"]), str(loop["agent"])
    cost, requests = float(loop["cost"]), float(loop["requests"])
    first, last = loop["first_day"], loop["last_day"]
    p95, p50 = float(agent["p95"]), float(agent["p50"])
    excess = cost - p95
    team, feature = _owner(rows)
    who = name or NO_AGENT
    days = (last - first).days
    span = first.isoformat() if first == last else f"{first} to {last}"
    trace = trace_id(run_id)
    numbers = {"Run id": run_id}
    if trace is not None:
        numbers["Trace id"] = trace
    numbers.update({
        "Agent": who,
        "Days": f"{span} ({plural(days + 1, 'day')})",
        "Requests": f"{requests:,.0f}",
        "Cost of the run": ctx.money(cost),
        "Agent's p50 run": ctx.money(p50),
        "Agent's p95 run": ctx.money(p95),
        "Runs of the agent in the window": f"{int(agent['runs']):,}",
        "Loop threshold": f"{factor:g}× the p95 run: {ctx.money(factor * p95)}",
        "Excess over the p95 run": ctx.money(excess),
    })
    for label, column in (("Customers", "customer"), ("Models", "model")):
        named = _named(rows, column)
        if named:
            numbers[label] = named
    ratio = f", {cost / p95:,.0f}× its p95 run" if p95 > 0 else ""
    shown, values, without = _agent_days(ctx, costs, name, rows)
    look = f"trace {trace}" if trace is not None else f"run {run_id}"
    return Finding(
        "agent_loop", f"agent_loop:{run_id}",
        f"{who}: one run cost {ctx.money(cost)} on {span}{ratio}",
        cost, 0.0, team, feature, run_id,
        Evidence(f"Cost of {who}'s runs per day ({ctx.currency})", shown, values, "$",
                 numbers, baseline=without, baseline_label="Without this run",
                 highlighted=sorted({d for d in rows["day"] if d in set(shown)})),
        [f"Open {look} and find the step that repeats: a tool call failing and retried, or "
         "a plan that never reaches its stop condition.",
         "Cap the agent's steps, tokens or spend per run, and end a run that passes it.",
         f"Alert the owning team when a run costs over {factor:g}× the agent's p95 run."],
        f"One-off: the run's cost above its agent's p95 run in the window "
        f"({ctx.money(p95)}, over {plural(int(agent['runs']), 'run')}), each allocated from "
        "the bill by its share of each day and model's traced list-price value. It is paid "
        "already; capping runs prevents the next one, so it is no monthly saving.",
        one_off=excess, currency=ctx.currency)


def _owner(rows: pd.DataFrame) -> tuple[str | None, str | None]:
    """The team and feature that carry most of the run's cost (None: Unallocated)."""
    if rows.empty:
        return None, None
    carried = rows.groupby(["team", "owner_feature"], sort=True)["cost"].sum()
    team, feature = cast("tuple[str, str]", carried.idxmax())
    if team == UNALLOCATED:
        return None, None
    return str(team), None if feature == NO_FEATURE else str(feature)


def _named(rows: pd.DataFrame, column: str, most: int = 3) -> str:
    """The values of ``column`` carrying the run's cost, costliest first (a few, then how
    many more)."""
    costs = rows[rows[column] != ""].groupby(column)["cost"].sum()
    names = [str(n) for n in costs.sort_values(ascending=False).index]
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _agent_days(ctx: Context, costs: CustomerCosts, agent: str, run: pd.DataFrame
                ) -> tuple[list[dt.date], list[float], list[float]]:
    """The window's days, the agent's cost of runs on each, and the same without this
    run."""
    shown = [ctx.window.start + dt.timedelta(days=i) for i in range(WINDOW_DAYS)]
    rows = costs.rows
    mine = rows[(rows["agent"] == agent) & (rows["run_id"] != "")]
    per_day = mine.groupby("day")["cost"].sum().to_dict()
    this = run.groupby("day")["cost"].sum().to_dict()
    values = [float(per_day.get(d, 0.0)) for d in shown]
    return shown, values, [v - float(this.get(d, 0.0)) for v, d in zip(values, shown,
                                                                           strict=True)]

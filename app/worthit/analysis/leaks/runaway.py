"""Runaway agents and unlimited retries: an API key (or resource of AI usage) whose cost
jumps far above its own baseline.

The spike is the alerts' check's (:mod:`worthit.analysis.spikes`): the same series, thresholds
(the alerts' settings, over the leak window's 30 days) and excess, so the finding and the
spike alert show one figure. That excess is a one-off, already paid: the finding states it
as :attr:`~worthit.analysis.leaks.base.Finding.one_off`, not as a monthly saving. Where
request traces hold agent runs on the spike's days for the key (or, when the traces do not
name the vendor's key, for its models), the costliest of them are named in the evidence:
the runs behind the spike."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, cast

import numpy as np

from worthit.analysis.leaks.agent_loops import NO_AGENT, window_costs
from worthit.analysis.leaks.base import WINDOW_DAYS, Context, Evidence, Finding
from worthit.analysis.spikes import (
    Incident,
    Series,
    ai_resources,
    incident_numbers,
    incidents,
    spike_series,
)
from worthit.core.plural import plural
from worthit.store.alerts import AlertSettings, load_settings
from worthit.store.metrics import hourly_requests_of


def runaway_agent(ctx: Context) -> list[Finding]:
    ai = ai_resources(ctx.index)
    if not ai:
        return []
    settings = dataclasses.replace(load_settings(ctx.cache), lookback_days=WINDOW_DAYS)
    found = []
    for series in spike_series(ctx.cache, ctx.window.end, settings, ai, currency=ctx.currency):
        found.append(_finding(ctx, series, incidents(series), settings))
    return found


def _finding(ctx: Context, series: Series, runs: list[Incident],
             s: AlertSettings) -> Finding:
    """One finding per key: its incidents' excess in the window, a one-off."""
    resource_id = series.resource
    excess = sum(i.excess for i in runs)
    spikes = [d for i in runs for d in i.days]
    team, feature = ctx.owner(resource_id)
    worst = max(runs, key=lambda i: i.excess)
    numbers = incident_numbers(series, worst)
    numbers["Excess over the baseline"] = ctx.money(excess)
    if len(runs) > 1:
        numbers["Incidents"] = f"{len(runs)} (the worst one's buckets above)"
    numbers.update(_hourly(ctx, resource_id, spikes))
    numbers.update(runs_behind(ctx, resource_id, spikes))
    daily = ctx.resource_daily(resource_id, ctx.window.start, ctx.window.end)
    by_day = dict(zip(daily["day"].astype(str), daily["cost"].astype(float), strict=True))
    shown = [ctx.window.start + dt.timedelta(days=i) for i in range(WINDOW_DAYS)]
    baseline = (f"a rolling {s.spike_history_hours}-hour median (each hour of the week "
                "divided out, from the source's hourly request counts)" if series.hourly else
                f"a rolling {s.spike_history_days}-day median (weekday-adjusted)")
    per = "hour" if series.hourly else "day"
    floor = s.spike_min_dollars / (24 if series.hourly else 1)
    return Finding(
        "runaway_agent", f"runaway_agent:{resource_id}",
        f"{feature or resource_id}: cost spiked on {plural(len(spikes), 'day')} "
        f"({', '.join(d.isoformat() for d in spikes[:3])}{'…' if len(spikes) > 3 else ''})",
        sum(i.cost for i in runs), 0.0, team, feature, resource_id,
        Evidence(f"AI cost per day on this key ({ctx.currency})", shown,
                 [by_day.get(d.isoformat(), 0.0) for d in shown], "$", numbers,
                 baseline=daily_baseline(series, shown),
                 baseline_label=(f"Baseline ({s.spike_history_hours}-hour median)"
                                 if series.hourly else
                                 f"Baseline ({s.spike_history_days}-day median)"),
                 highlighted=spikes),
        ["Cap retries and add exponential back-off to the agent loop.",
         "Set a per-key daily budget or rate limit with the vendor.",
         "Alert the owning team when a day runs over twice its baseline."],
        f"One-off: the excess over {baseline} on {per}s more than {s.spike_mads:g} MADs, "
        f"{ctx.money(floor)} and {s.spike_min_ratio:.0%} above it (the alerts' spike "
        "settings). "
        "It is paid already; fixing the cause prevents the next one, so it is no monthly "
        "saving.",
        one_off=excess, currency=ctx.currency)


def daily_baseline(series: Series, days: list[dt.date]) -> list[float]:
    """The spike baseline (``series.expected``, as :mod:`~worthit.analysis.spikes` computed
    it) summed over each of ``days``, for the finding's daily chart; NaN for a day the
    series has no baseline on (before its history, or outside it)."""
    dates = np.array([b.date() for b in series.starts])
    found = []
    for day in days:
        expected = series.expected[dates == day]
        found.append(float(expected.sum()) if len(expected) and np.isfinite(expected).all()
                     else float("nan"))
    return found


def _hourly(ctx: Context, resource_id: str, spikes: list[dt.date]) -> dict[str, str]:
    """Where the source has hourly request counts: the busiest hour of the spike days
    against the median of that hour on the other days, to say when the storm ran."""
    rows = hourly_requests_of(ctx.cache, resource_id)
    if not rows:
        return {}
    spike_days = {d.isoformat() for d in spikes}
    usual: dict[int, list[float]] = {}
    peak: tuple[float, str] | None = None
    for start, value in rows:
        hour = int(start[11:13])
        if start[:10] in spike_days:
            if peak is None or value > peak[0]:
                peak = (float(value), start)
        else:
            usual.setdefault(hour, []).append(float(value))
    if peak is None:
        return {}
    typical = float(np.median(usual.get(int(peak[1][11:13]), [0.0])))
    ratio = f", {peak[0] / typical:.1f}× the usual for that hour" if typical > 0 else ""
    return {"busiest hour of the spike": f"{peak[1][:10]} {peak[1][11:16]} UTC, "
                                         f"{peak[0]:,.0f} requests{ratio}"}


#: How many of the runs behind a spike the evidence names.
RUNS_NAMED = 3


def runs_behind(ctx: Context, resource_id: str, spikes: list[dt.date]) -> dict[str, str]:
    """The costliest agent runs of the spike days on this key: trace rows naming the key,
    else (traces often do not carry the vendor's key id) those of the key's models. Their
    cost is allocated from the bill, as on the Agent runs page; nothing when no trace run
    falls on those days."""
    costs = window_costs(ctx)
    if costs is None or not spikes:
        return {}
    rows = costs.rows
    rows = rows[(rows["run_id"] != "") & rows["day"].isin(set(spikes))]
    on_key = rows[rows["api_key"] == resource_id]
    if on_key.empty:
        keys = ctx.index.keys
        mine = keys[(keys["resource_id"] == resource_id) & keys["x_model"].notna()]
        models = set(zip(mine["provider_name"].fillna(""), mine["x_model"], strict=True))
        on_key = rows[[(p, m) in models for p, m in zip(rows["provider"], rows["model"],
                                                         strict=True)]]
        if on_key.empty:
            return {}
        where = "on its model" + ("s" if len(models) > 1 else "")
    else:
        where = "on this key"
    runs = on_key.groupby("run_id", as_index=False).agg(
        agent=("agent", "first"), cost=("cost", "sum"), requests=("requests", "sum"))
    runs = runs.sort_values(["cost", "run_id"], ascending=[False, True])
    top = cast("list[dict[str, Any]]", runs.head(RUNS_NAMED).to_dict("records"))
    named = [f"{_short(str(r['run_id']))} ({r['agent'] or NO_AGENT}, "
             f"{ctx.money(float(r['cost']))}, {float(r['requests']):,.0f} requests)"
             for r in top]
    more = f"; {len(runs) - RUNS_NAMED:,} more" if len(runs) > RUNS_NAMED else ""
    if any(_short(str(r["run_id"])) != r["run_id"] for r in top):
        more += " (whole ids on the Agent runs page)"
    return {f"Costliest runs on the spike days ({where})": "; ".join(named) + more}


def _short(run_id: str) -> str:
    """A run id short enough to read in a line of evidence: an OpenTelemetry
    ``TRACE/SPAN`` id (49 characters) as its first 12 and last 6."""
    return run_id if len(run_id) <= 24 else f"{run_id[:12]}…{run_id[-6:]}"

"""Runaway agents and unlimited retries: a day whose cost on one API key (or resource of
AI usage) jumps far above its own baseline.

The baseline is robust: the day-of-week pattern is divided out (each weekday's median
over the history, against the overall median), then each day is compared with the
median and the median absolute deviation (MAD) of the previous weeks. A day counts only
when it is above the baseline by enough MADs *and* by a dollar amount *and* by a share,
so neither a quiet key's noise nor a big key's normal wobble trips it. The cost is the
excess over the baseline on the flagged days of the window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from worthit.analysis.leaks.base import Context, Evidence, Finding
from worthit.core.money import money

MAD_TO_SIGMA = 1.4826


def runaway_agent(ctx: Context) -> list[Finding]:
    s = ctx.settings
    start = ctx.window.start - dt.timedelta(days=s.runaway_history_days + 7 * 8)
    frame = ctx.cache.frame(
        "SELECT resource_id, charge_period_start AS day, TOTAL(effective_cost) AS cost "
        "FROM charges WHERE x_model IS NOT NULL AND charge_period_start BETWEEN ? AND ? "
        "GROUP BY resource_id, day", (max(start, ctx.first_day).isoformat(),
                                      ctx.window.end.isoformat()))
    found = []
    for resource_id, rows in frame.groupby("resource_id"):
        finding = _one(ctx, str(resource_id), rows)
        if finding is not None:
            found.append(finding)
    return found


def seasonal_baseline(values: np.ndarray, seasons: Sequence[np.ndarray],
                      history: int) -> tuple[np.ndarray, np.ndarray]:
    """The robust baseline of a series of buckets (days, or hours): each bucket's expected
    value and spread (the MAD, in standard deviations) from the ``history`` buckets before
    it; NaN for the first ``history`` buckets.

    Each season (a category per bucket: the weekday, the hour of the day) is divided out
    in turn: its factor is the median of its buckets against the overall median. The
    rolling median and MAD of what is left, times the bucket's factors, are its baseline.
    Shared by the runaway-agent leak detector and the watch's spike alerts."""
    adjusted = np.asarray(values, dtype=float)
    factor = np.ones(len(adjusted))
    for season in seasons:
        overall = float(np.median(adjusted)) if len(adjusted) else 0.0
        factors = np.ones(int(season.max()) + 1 if len(season) else 1)
        if overall > 0:
            for s in np.unique(season):
                factors[s] = max(float(np.median(adjusted[season == s])) / overall, 1e-6)
        adjusted = adjusted / factors[season]
        factor = factor * factors[season]
    expected = np.full(len(adjusted), np.nan)
    spread = np.full(len(adjusted), np.nan)
    if len(adjusted) > history:
        past = np.lib.stride_tricks.sliding_window_view(adjusted, history)[:-1]
        median = np.median(past, axis=1)
        expected[history:] = median * factor[history:]
        spread[history:] = (np.median(np.abs(past - median[:, None]), axis=1) * MAD_TO_SIGMA
                            * factor[history:])
    return expected, spread


def baseline(days: list[dt.date], cost: np.ndarray, history: int) -> np.ndarray:
    """The expected cost of each day from the days before it (NaN without enough of them):
    the rolling median of the weekday-adjusted series, times the day's weekday factor."""
    expected, spread = seasonal_baseline(cost, [np.array([d.weekday() for d in days])],
                                         history)
    return np.vstack([expected, spread])


def spike_mask(values: np.ndarray, expected: np.ndarray, spread: np.ndarray, *,
               mads: float, min_excess: float, min_ratio: float) -> np.ndarray:
    """Which buckets are above their baseline by more than ``mads`` MADs *and* by at
    least ``min_excess`` *and* by ``min_ratio`` of the baseline. A bucket without a
    baseline (NaN) is never a spike."""
    excess = values - expected
    with np.errstate(invalid="ignore"):
        return np.asarray((excess > mads * spread) & (excess >= min_excess)
                          & (excess >= min_ratio * expected))


def _one(ctx: Context, resource_id: str, rows: pd.DataFrame) -> Finding | None:
    s = ctx.settings
    series = rows.set_index("day")["cost"]
    days = [ctx.first_day + dt.timedelta(days=i) for i in
            range((ctx.window.end - ctx.first_day).days + 1)]
    days = [d for d in days if d >= dt.date.fromisoformat(str(series.index.min()))]
    cost = np.array([float(series.get(d.isoformat(), 0.0)) for d in days])
    if len(cost) <= s.runaway_history_days:
        return None  # too short for a baseline: a new key is not an anomaly
    expected, spread = baseline(days, cost, s.runaway_history_days)
    excess = cost - expected
    flagged = (spike_mask(cost, expected, spread, mads=s.runaway_mads,
                          min_excess=s.runaway_min_dollars, min_ratio=s.runaway_min_ratio)
               & np.array([d >= ctx.window.start for d in days]))
    if not flagged.any():
        return None
    total = float(excess[flagged].sum())
    team, feature = ctx.owner(resource_id)
    spikes = [d for d, f in zip(days, flagged, strict=True) if f]
    window = np.array([d >= ctx.window.start for d in days])
    shown = [d for d, w in zip(days, window, strict=True) if w]
    numbers = {"excess over baseline": money(total),
               "baseline on the worst day": money(float(expected[flagged].max()))}
    numbers.update(_hourly(ctx, resource_id, spikes))
    return Finding(
        "runaway_agent", f"runaway_agent:{resource_id}",
        f"{feature or resource_id}: cost spiked on {len(spikes)} day(s) "
        f"({', '.join(d.isoformat() for d in spikes[:3])}{'…' if len(spikes) > 3 else ''})",
        float(cost[flagged].sum()), total, team, feature, resource_id,
        Evidence("AI cost per day on this key ($)", shown, list(cost[window]), "$", numbers),
        ["Cap retries and add exponential back-off to the agent loop.",
         "Set a per-key daily budget or rate limit with the vendor.",
         "Alert the owning team when a day runs over twice its baseline."],
        f"Cost: the excess over a rolling {s.runaway_history_days}-day median (weekday-"
        f"adjusted) on days more than {s.runaway_mads:g} MADs, "
        f"{money(s.runaway_min_dollars)} and {s.runaway_min_ratio:.0%} above it.")


def _hourly(ctx: Context, resource_id: str, spikes: list[dt.date]) -> dict[str, str]:
    """Where the source has hourly request counts: the busiest hour of the spike days
    against the median of that hour on the other days, to say when the storm ran."""
    rows = ctx.cache.rows(
        "SELECT period_start, value FROM metrics WHERE resource_id = ? AND metric = "
        "'Requests' AND granularity = 'hour'", (resource_id,))
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

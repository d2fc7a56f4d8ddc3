"""Spike alerts: a resource (an API key, an endpoint, an instance) whose cost jumps far
above its own robust baseline, the detector of the runaway-agent leak
(:func:`worthit.analysis.leaks.runaway.seasonal_baseline`).

Where the source has hourly request counts for a resource, its cost is looked at hour by
hour (each day's cost spread over its hours by their requests; each hour of the week
divided out), so a storm shows within the hour; elsewhere day by day (the
weekday divided out). A bucket counts when it is above its baseline by enough MADs *and*
dollars *and* share; a resource without a baseline (new, or usually off, like a training
job) is not a spike. Flagged days in a row are one incident, keyed by the resource and its
first day; its size is the excess over the baseline on the flagged buckets."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from worthit.analysis.leaks.runaway import seasonal_baseline, spike_mask
from worthit.core.money import money, percent
from worthit.store.cache import Cache
from worthit.store.watch import Alert, WatchSettings

#: Extra history for the seasonal factors, as the runaway detector takes.
SEASON_DAYS = 7 * 8
HOURS = 24


@dataclass(frozen=True)
class Series:
    """One resource's cost by bucket, with its baseline and the flagged buckets."""

    resource: str
    hourly: bool
    starts: list[dt.datetime]  # each bucket's start (midnight for a day), UTC
    cost: np.ndarray
    expected: np.ndarray
    flagged: np.ndarray

    @property
    def label(self) -> str:
        return f"Cost per {'hour' if self.hourly else 'day'} of {self.resource}"


def spike_series(cache: Cache, as_of: dt.date, settings: WatchSettings) -> list[Series]:
    """Every resource with a flagged bucket in the last ``lookback_days`` to ``as_of``."""
    import pandas as pd

    from worthit.analysis.allocation import charge_index

    s = settings
    window_start = as_of - dt.timedelta(days=s.lookback_days - 1)
    start = window_start - dt.timedelta(days=s.spike_history_days + SEASON_DAYS)
    index = charge_index(cache)
    if index.first_day is None:
        return []
    start = max(start, index.first_day)
    per_key, _ = index.per_key_days(start, as_of)
    resources = index.keys["resource_id"].astype(object)
    codes, names = pd.factorize(resources.where(resources.notna() & (resources != ""), None))
    daily = np.zeros((len(names), per_key.shape[1]))
    known = codes >= 0
    np.add.at(daily, codes[known], per_key[known])
    days = [start + dt.timedelta(days=i) for i in range(daily.shape[1])]
    weekday = np.array([d.weekday() for d in days])
    in_window = np.array([d >= window_start for d in days])
    hourly = _hourly_requests(cache, start, as_of)
    # An excess of the minimum needs a cost of at least the minimum (a 24th of it in an
    # hour): the others cannot spike, and are not looked at.
    peak = daily[:, in_window].max(axis=1, initial=0.0)
    candidates = [row for row in range(len(names)) if peak[row] >= s.spike_min_dollars or (
        str(names[row]) in hourly and peak[row] >= s.spike_min_dollars / HOURS)]
    found = []
    for row in candidates:
        resource = str(names[row])
        series = None
        if resource in hourly:
            series = _hourly_series(resource, days, daily[row], hourly[resource], settings)
        if series is None:
            series = _daily_series(resource, days, weekday, daily[row], settings)
        if series is not None:
            window = np.array([b.date() >= window_start for b in series.starts])
            flagged = series.flagged & window
            if flagged.any():
                found.append(Series(series.resource, series.hourly, series.starts,
                                    series.cost, series.expected, flagged))
    return found


def _daily_series(resource: str, days: list[dt.date], weekday: np.ndarray, cost: np.ndarray,
                  s: WatchSettings) -> Series | None:
    """None when the series is too short for a baseline or has no spike."""
    first = int(np.argmax(np.abs(cost) > 0)) if np.any(np.abs(cost) > 0) else len(cost)
    if len(cost) - first <= s.spike_history_days:
        return None  # too short for a baseline: a new resource is not a spike
    cost = cost[first:]
    expected, spread = seasonal_baseline(cost, [weekday[first:]], s.spike_history_days)
    flagged = spike_mask(cost, expected, spread, mads=s.spike_mads,
                         min_excess=s.spike_min_dollars, min_ratio=s.spike_min_ratio)
    flagged &= expected > 0  # a usually idle resource switched on is not a spike
    if not flagged.any():
        return None
    starts = [dt.datetime.combine(d, dt.time(), dt.UTC) for d in days[first:]]
    return Series(resource, False, starts, cost, expected, flagged)


def _hourly_series(resource: str, days: list[dt.date], daily: np.ndarray,
                   requests: dict[str, np.ndarray], s: WatchSettings) -> Series | None:
    """Each day's cost spread over its hours by their share of the day's requests (evenly
    on a day with cost but no counts), from the first day with counts. None when the counts
    are too short for an hourly baseline or mostly zero (a nightly job): then by day."""
    covered = [i for i, d in enumerate(days) if d.isoformat() in requests]
    if not covered or days[-1].isoformat() not in requests:
        return None
    first = covered[0]
    cost = np.zeros((len(days) - first, HOURS))
    for row, index in enumerate(range(first, len(days))):
        counts = requests.get(days[index].isoformat(), np.zeros(HOURS))
        total = float(counts.sum())
        cost[row] = daily[index] * (counts / total if total > 0 else 1.0 / HOURS)
    flat = cost.reshape(-1)
    if len(flat) <= s.spike_history_hours or float(np.median(flat)) <= 0:
        return None
    starts = [dt.datetime.combine(days[first], dt.time(), dt.UTC) + dt.timedelta(hours=h)
              for h in range(len(flat))]
    # One season per hour of the week: a nightly batch and a quiet weekend both divide out.
    hour_of_week = np.array([b.weekday() * HOURS + b.hour for b in starts])
    expected, spread = seasonal_baseline(flat, [hour_of_week], s.spike_history_hours)
    flagged = spike_mask(flat, expected, spread, mads=s.spike_mads,
                         min_excess=s.spike_min_dollars / HOURS, min_ratio=s.spike_min_ratio)
    flagged &= expected > 0
    return Series(resource, True, starts, flat, expected, flagged)


def _hourly_requests(cache: Cache, start: dt.date,
                     end: dt.date) -> dict[str, dict[str, np.ndarray]]:
    """resource -> day -> requests in each hour, from the sources' hourly metrics."""
    found: dict[str, dict[str, np.ndarray]] = {}
    for resource, start_text, value in cache.rows(
            "SELECT resource_id, period_start, value FROM metrics WHERE granularity = 'hour' "
            "AND metric = 'Requests' AND period_start >= ? AND period_start < ?",
            (start.isoformat(), (end + dt.timedelta(days=1)).isoformat())):
        day = found.setdefault(resource, {}).setdefault(start_text[:10], np.zeros(HOURS))
        day[int(start_text[11:13])] += float(value)
    return found


def spike_alerts(series: Sequence[Series],
                 owners: Mapping[str, tuple[str | None, str | None]],
                 ai_resources: set[str]) -> list[Alert]:
    """One alert per incident (flagged days in a row) of each resource, owned by whom the
    allocation gives the resource's cost (the leak detectors' owners)."""
    alerts = []
    for found in series:
        team, feature = owners.get(found.resource, (None, None))
        for first, last in _incidents(found):
            rows = np.flatnonzero(found.flagged & np.array(
                [first <= b.date() <= last for b in found.starts]))
            excess = float((found.cost[rows] - found.expected[rows]).sum())
            expected = float(found.expected[rows].sum())
            share = excess / expected if expected > 0 else None
            peak = rows[int(np.argmax(found.cost[rows] - found.expected[rows]))]
            when = found.starts[peak]
            days = first.isoformat() if first == last else \
                f"{first.isoformat()} to {last.isoformat()}"
            subject = f"spike:{found.resource}"
            what = feature or found.resource
            focus: str | None
            if found.resource in ai_resources:
                page, focus = "leaks", f"runaway_agent:{found.resource}"
            else:
                page = "allocation"
                focus = json.dumps([team, feature]) if team and feature else None
            bucket = "hour" if found.hourly else "day"
            alerts.append(Alert(
                f"{subject}:{first.isoformat()}", subject, "spike", "warning",
                f"{what}: cost {percent(share, signed=True, digits=0)} over its baseline "
                f"on {days} ({money(excess)} extra)",
                f"{what}: cost spike, {_short_days(first, last)}",
                team=team, feature=feature, amount=excess, percent=share,
                series=found.label, page=page, focus=focus,
                numbers={
                    "Excess over the baseline": money(excess),
                    "Baseline on those " + ("hours" if found.hourly else "days"):
                        money(expected),
                    f"Flagged {bucket}s": f"{len(rows)}, from "
                                          f"{_when(found.starts[rows[0]], found.hourly)} to "
                                          f"{_when(found.starts[rows[-1]], found.hourly)}",
                    f"Worst {bucket}": f"{_when(when, found.hourly)}: "
                                       f"{money(float(found.cost[peak]))} against "
                                       f"{money(float(found.expected[peak]))} expected",
                    "Resource": found.resource,
                    "Baseline": ("hourly, from the source's request counts (each hour of "
                                 "the week divided out)" if found.hourly else
                                 "daily (weekday divided out)"),
                }))
    return alerts


def _short_days(first: dt.date, last: dt.date) -> str:
    """``Nov 7–9``, ``Oct 30–Nov 2``, ``Nov 7``."""
    start = f"{first:%b} {first.day}"
    if first == last:
        return start
    end = str(last.day) if (first.year, first.month) == (last.year, last.month) else \
        f"{last:%b} {last.day}"
    return f"{start}–{end}"


def _when(start: dt.datetime, hourly: bool) -> str:
    return start.strftime("%Y-%m-%d %H:%M UTC") if hourly else start.date().isoformat()


def _incidents(series: Series) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive days with a flagged bucket: (first, last)."""
    days = sorted({b.date() for b, f in zip(series.starts, series.flagged, strict=True) if f})
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs

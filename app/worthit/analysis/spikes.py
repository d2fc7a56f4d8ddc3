"""Spikes: a resource (an API key, an endpoint, an instance) whose cost jumps far above its
own robust baseline. The one computation behind the spike alerts
(:mod:`worthit.analysis.alerts.spikes`) and the runaway-agent leak finding
(:mod:`worthit.analysis.leaks.runaway`), so both show the same excess.

Where the source has hourly request counts for a resource, its cost is looked at hour by
hour (each day's cost spread over its hours by their requests; each hour of the week
divided out), so a storm shows within the hour; elsewhere day by day (the weekday divided
out). A bucket counts when it is above its baseline by enough MADs *and* dollars *and*
share; a resource without a baseline (new, or usually off, like a training job) is not a
spike. Flagged days in a row are one :class:`Incident`; its size is the excess over the
baseline on its flagged buckets, a one-off cost already paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from worthit.core.money import money
from worthit.store.alerts import AlertSettings
from worthit.store.cache import Cache
from worthit.store.metrics import hourly_requests

if TYPE_CHECKING:
    from worthit.analysis.charge_index import ChargeIndex

MAD_TO_SIGMA = 1.4826
#: Extra history for the seasonal factors.
SEASON_DAYS = 7 * 8
HOURS = 24


def seasonal_baseline(values: np.ndarray, seasons: Sequence[np.ndarray],
                      history: int) -> tuple[np.ndarray, np.ndarray]:
    """The robust baseline of a series of buckets (days, or hours): each bucket's expected
    value and spread (the MAD, in standard deviations) from the ``history`` buckets before
    it; NaN for the first ``history`` buckets.

    Each season (a category per bucket: the weekday, the hour of the week) is divided out
    in turn: its factor is the median of its buckets against the overall median. The
    rolling median and MAD of what is left, times the bucket's factors, are its baseline."""
    adjusted = np.asarray(values, dtype=float)
    factor = np.ones(len(adjusted))
    for season in seasons:
        overall = float(np.median(adjusted)) if len(adjusted) else 0.0
        factors = np.ones(int(season.max()) + 1 if len(season) else 1)
        if overall > 0:
            held, medians = season_medians(adjusted, season)
            factors[held] = np.maximum(medians / overall, 1e-6)
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


def season_medians(values: np.ndarray, season: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The seasons ``season`` holds (ascending) and the median of ``values`` in each, equal
    to ``np.median`` of each season's values, from one sort: an hour-of-week season has 168
    of them, and a median apiece took 30 ms a resource. A season with a NaN has NaN."""
    if not len(values):
        return season[:0], values[:0]
    order = np.lexsort((values, season))  # by season, then value (NaN last)
    ordered, seasons = values[order], season[order]
    first = np.flatnonzero(np.r_[True, seasons[1:] != seasons[:-1]])
    size = np.diff(np.r_[first, len(ordered)])
    low, high = first + (size - 1) // 2, first + size // 2
    medians = (ordered[low] + ordered[high]) / 2  # the middle one, or the middle two's mean
    last = ordered[first + size - 1]
    return seasons[first], np.where(np.isnan(last), np.nan, medians)


def spike_mask(values: np.ndarray, expected: np.ndarray, spread: np.ndarray, *,
               mads: float, min_excess: float, min_ratio: float) -> np.ndarray:
    """Which buckets are above their baseline by more than ``mads`` MADs *and* by at
    least ``min_excess`` *and* by ``min_ratio`` of the baseline. A bucket without a
    baseline (NaN) is never a spike."""
    excess = values - expected
    with np.errstate(invalid="ignore"):
        return np.asarray((excess > mads * spread) & (excess >= min_excess)
                          & (excess >= min_ratio * expected))


@dataclass(frozen=True)
class Series:
    """One resource's cost by bucket, with its baseline and the flagged buckets."""

    resource: str
    hourly: bool
    starts: list[dt.datetime]  # each bucket's start (midnight for a day), UTC
    cost: np.ndarray
    expected: np.ndarray
    flagged: np.ndarray
    currency: str = "USD"  # of ``cost`` and ``expected``

    @property
    def label(self) -> str:
        return f"Cost per {'hour' if self.hourly else 'day'} of {self.resource}"

    @property
    def bucket(self) -> str:
        return "hour" if self.hourly else "day"


@dataclass(frozen=True)
class Incident:
    """Flagged days in a row of one series: what an alert reports and a runaway finding
    adds up. ``excess`` is the cost over the baseline on the flagged buckets (paid once)."""

    first: dt.date
    last: dt.date
    rows: np.ndarray  # the flagged buckets' indices in the series
    excess: float
    baseline: float  # the baseline's sum over the flagged buckets
    peak: int  # the bucket with the largest excess

    @property
    def cost(self) -> float:
        return self.excess + self.baseline

    @property
    def share(self) -> float | None:
        """The excess as a share of the baseline."""
        return self.excess / self.baseline if self.baseline > 0 else None

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days
                                                                + 1)]


def incidents(series: Series) -> list[Incident]:
    """Each run of consecutive days with a flagged bucket, with its excess and peak."""
    dates = np.array([b.date() for b in series.starts])
    days = sorted({d for d, f in zip(dates, series.flagged, strict=True) if f})
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    found = []
    for first, last in runs:
        rows = np.flatnonzero(series.flagged & (dates >= first) & (dates <= last))
        over = series.cost[rows] - series.expected[rows]
        found.append(Incident(first, last, rows, float(over.sum()),
                              float(series.expected[rows].sum()),
                              int(rows[int(np.argmax(over))])))
    return found


def _resource_codes(index: ChargeIndex) -> tuple[np.ndarray, list[str]]:
    """Each key's resource as a code (-1: none, or empty) and the resources' ids as text:
    once per index (factorising and naming 36,000 resources took 9 ms a window)."""
    def compute() -> tuple[np.ndarray, list[str]]:
        import pandas as pd

        ids = index.keys["resource_id"].astype(object)
        codes, names = pd.factorize(ids.where(ids.notna() & (ids != ""), None))
        return codes, [str(n) for n in names.tolist()]

    found: tuple[np.ndarray, list[str]] = index.remember(("spike resources",), compute)
    return found


def ai_resources(index: ChargeIndex) -> set[str]:
    """The resource ids of model keys (``x_model`` set): once per index. Shared: not to be
    changed."""
    def compute() -> set[str]:
        keys = index.keys
        return set(keys["resource_id"][keys["x_model"].notna()].dropna().astype(str))

    found: set[str] = index.remember(("ai resources",), compute)
    return found


def spike_series(cache: Cache, as_of: dt.date, settings: AlertSettings,
                 resources: Collection[str] | None = None, *,
                 currency: str | None = None) -> list[Series]:
    """Every resource (of ``resources``, when given) with a flagged bucket in the last
    ``lookback_days`` to ``as_of``, its cost in ``currency`` (default: the display
    currency; the settings' minimum excess is in it too)."""
    from worthit.analysis.charge_index import charge_index

    s = settings
    window_start = as_of - dt.timedelta(days=s.lookback_days - 1)
    start = window_start - dt.timedelta(days=s.spike_history_days + SEASON_DAYS)
    index = charge_index(cache, currency)
    if index.first_day is None:
        return []
    start = max(start, index.first_day)
    codes, named = _resource_codes(index)
    hourly = _hourly_requests(cache, start, as_of)
    # An excess of the minimum needs a cost of at least the minimum (a 24th of it in an
    # hour) in the window: the others cannot spike, and their history is not summed (of
    # 36,000 resources at 10 M charges, about 20 are left; summing all of them over the
    # history took 0.1 s).
    peak = index.group_cost_days(window_start, as_of, codes, len(named)).max(
        axis=1, initial=0.0)
    lowest = min(s.spike_min_dollars, s.spike_min_dollars / HOURS)
    candidates = [row for row in np.flatnonzero(peak >= lowest).tolist()
                  if peak[row] >= s.spike_min_dollars or named[row] in hourly]
    if resources is not None:
        wanted = set(resources)
        candidates = [row for row in candidates if named[row] in wanted]
    chosen = np.full(len(named) + 1, -1, np.int64)  # the last: no resource id (code -1)
    chosen[candidates] = np.arange(len(candidates))
    history = index.group_cost_days(start, as_of, chosen[codes], len(candidates))
    daily = dict(zip(candidates, history, strict=True))
    days = [start + dt.timedelta(days=i) for i in range((as_of - start).days + 1)]
    weekday = np.array([d.weekday() for d in days])
    found = []
    for row in candidates:
        resource = named[row]
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
                                    series.cost, series.expected, flagged,
                                    index.currency or "USD"))
    return found


def _daily_series(resource: str, days: list[dt.date], weekday: np.ndarray, cost: np.ndarray,
                  s: AlertSettings) -> Series | None:
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
                   requests: dict[str, np.ndarray], s: AlertSettings) -> Series | None:
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
    hour_of_week = (days[first].weekday() * HOURS + np.arange(len(flat))) % (7 * HOURS)
    expected, spread = seasonal_baseline(flat, [hour_of_week], s.spike_history_hours)
    flagged = spike_mask(flat, expected, spread, mads=s.spike_mads,
                         min_excess=s.spike_min_dollars / HOURS, min_ratio=s.spike_min_ratio)
    flagged &= expected > 0
    return Series(resource, True, starts, flat, expected, flagged)


def _hourly_requests(cache: Cache, start: dt.date,
                     end: dt.date) -> dict[str, dict[str, np.ndarray]]:
    """resource -> day -> requests in each hour, from the sources' hourly metrics."""
    found: dict[str, dict[str, np.ndarray]] = {}
    for resource, start_text, value in hourly_requests(cache, start, end):
        day = found.setdefault(resource, {}).setdefault(start_text[:10], np.zeros(HOURS))
        day[int(start_text[11:13])] += float(value)
    return found


def when(start: dt.datetime, hourly: bool) -> str:
    """A bucket's start as the alert and the finding name it."""
    return start.strftime("%Y-%m-%d %H:%M UTC") if hourly else start.date().isoformat()


def incident_numbers(series: Series, incident: Incident) -> dict[str, str]:
    """The numbers behind one incident, as both the alert and the leak finding show them."""
    rows, peak, bucket, cur = incident.rows, incident.peak, series.bucket, series.currency
    return {
        "Excess over the baseline": money(incident.excess, cur),
        f"Baseline on those {bucket}s": money(incident.baseline, cur),
        f"Flagged {bucket}s": f"{len(rows)}, from {when(series.starts[rows[0]], series.hourly)}"
                              f" to {when(series.starts[rows[-1]], series.hourly)}",
        f"Worst {bucket}": f"{when(series.starts[peak], series.hourly)}: "
                           f"{money(float(series.cost[peak]), cur)} against "
                           f"{money(float(series.expected[peak]), cur)} expected",
    }

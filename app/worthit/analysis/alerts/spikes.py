"""Spike alerts: one alert per incident of a resource whose cost jumps far above its own
robust baseline. The series, their incidents and the excess are computed once, in
:mod:`worthit.analysis.spikes`, which the runaway-agent leak finding shares, so an alert
and its finding show the same dollar figure.

OpenAI and Anthropic bill cost per project and model with no key on it, so their cost is
also looked at per provider and model (a series of its own, daily); a spike of vendor cost,
or of a key the bill names, names the API key behind it (:mod:`.spike_keys`): the key whose
cost grew most on the incident's worst day, with its project and the figure."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from worthit.analysis.alerts.spike_keys import VENDORS, KeyDays, KeyGrowth, key_days

# _hourly_requests: tests/sources read the hourly metrics through it, as the watch does.
from worthit.analysis.spikes import (
    SEASON_DAYS,
    Series,
    _daily_series,
    _hourly_requests,
    incident_numbers,
    incidents,
)
from worthit.analysis.spikes import spike_series as resource_series
from worthit.core.money import money, percent
from worthit.store.alerts import Alert, AlertSettings
from worthit.store.cache import Cache

__all__ = ["KeyedSeries", "Series", "_hourly_requests", "spike_alerts", "spike_series"]


@dataclass(frozen=True)
class KeyedSeries(Series):
    """A spike series of OpenAI or Anthropic cost (a key the bill names, or a provider and
    model whose bill names none), with the key behind each incident (by its first day)."""

    provider: str = ""
    model: str | None = None  # None: the series is one key's, all models
    behind: dict[dt.date, KeyGrowth] = field(default_factory=dict)


def spike_series(cache: Cache, as_of: dt.date, settings: AlertSettings, *,
                 currency: str | None = None) -> list[Series]:
    """Every resource with a flagged bucket in the last ``lookback_days`` to ``as_of``
    (:func:`worthit.analysis.spikes.spike_series`), then every OpenAI and Anthropic model
    whose keyless cost has one; the vendors' with the API key behind each incident."""
    found = resource_series(cache, as_of, settings, currency=currency)
    found += _vendor_series(cache, as_of, settings, currency)
    return _with_keys(cache, found, as_of, settings, currency)


def spike_alerts(series: Sequence[Series],
                 owners: Mapping[str, tuple[str | None, str | None]],
                 ai_resources: set[str]) -> list[Alert]:
    """One alert per incident (flagged days in a row) of each resource, owned by whom the
    allocation gives the resource's cost (the leak detectors' owners)."""
    alerts = []
    for found in series:
        behind = found.behind if isinstance(found, KeyedSeries) else {}
        team, feature = owners.get(found.resource, (None, None))
        for incident in incidents(found):
            first, last = incident.first, incident.last
            key = behind.get(first)
            if key is not None and team is None and feature is None:
                team, feature = owners.get(key.key, (None, None))
            days = first.isoformat() if first == last else \
                f"{first.isoformat()} to {last.isoformat()}"
            subject = f"spike:{found.resource}"
            what = feature or found.resource
            focus: str | None
            if found.resource in ai_resources:
                page, focus = "leaks", f"runaway_agent:{found.resource}"
            elif key is not None:
                page, focus = "keys", key.key
            else:
                page = "allocation"
                focus = json.dumps([team, feature]) if team and feature else None
            alerts.append(Alert(
                f"{subject}:{first.isoformat()}", subject, "spike", "warning",
                f"{what}: cost {percent(incident.share, signed=True, digits=0)} over its "
                f"baseline on {days} ({money(incident.excess, found.currency)} extra)"
                + (f"; {key.words}" if key else ""),
                f"{what}: cost spike, {_short_days(first, last)}",
                team=team, feature=feature, amount=incident.excess, percent=incident.share,
                series=found.label, page=page, focus=focus,
                numbers={
                    **incident_numbers(found, incident),
                    "Resource": found.resource,
                    "Baseline": ("hourly, from the source's request counts (each hour of "
                                 "the week divided out)" if found.hourly else
                                 "daily (weekday divided out)"),
                    **(key.numbers() if key else {}),
                }))
    return alerts


def _vendor_series(cache: Cache, as_of: dt.date, settings: AlertSettings,
                   currency: str | None) -> list[Series]:
    """Each OpenAI and Anthropic model's daily cost on lines that name no key (no resource
    id: the resource series never see it), with a flagged day in the window, labelled
    ``OpenAI · gpt-4o``."""
    from worthit.analysis.charge_index import charge_index

    s = settings
    index = charge_index(cache, currency)
    if index.first_day is None:
        return []
    window_start = as_of - dt.timedelta(days=s.lookback_days - 1)
    start = max(window_start - dt.timedelta(days=s.spike_history_days + SEASON_DAYS),
                index.first_day)
    if start > as_of:
        return []
    keys = index.keys
    resource = keys["resource_id"].astype(object)
    keyless = (keys["provider_name"].isin(VENDORS) & keys["x_model"].notna()
               & (resource.isna() | (resource == ""))).to_numpy(bool)
    if not keyless.any():
        return []
    group_of: dict[tuple[str, str], int] = {}
    codes = np.full(len(keys), -1, np.int64)
    for n in np.flatnonzero(keyless).tolist():
        group = (str(keys["provider_name"].iat[n]), str(keys["x_model"].iat[n]))
        codes[n] = group_of.setdefault(group, len(group_of))
    cost = index.group_cost_days(start, as_of, codes, len(group_of))
    daily = {group: cost[n] for group, n in group_of.items()}
    days = [start + dt.timedelta(days=i) for i in range(cost.shape[1])]
    weekday = np.array([d.weekday() for d in days])
    in_window = np.array([d >= window_start for d in days])
    found: list[Series] = []
    for (provider, model), values in sorted(daily.items()):
        if values[in_window].max(initial=0.0) < s.spike_min_dollars:
            continue  # cannot exceed its baseline by the minimum
        series = _daily_series(f"{provider} · {model}", days, weekday, values, s)
        if series is None:
            continue
        flagged = series.flagged & np.array([b.date() >= window_start
                                             for b in series.starts])
        if flagged.any():
            found.append(KeyedSeries(series.resource, False, series.starts, series.cost,
                                     series.expected, flagged, index.currency or "USD",
                                     provider=provider, model=model))
    return found


def _with_keys(cache: Cache, series: list[Series], as_of: dt.date, settings: AlertSettings,
               currency: str | None) -> list[Series]:
    """``series`` with the key behind each incident of a vendor's (a keyless model's, or
    a key's the bill names); the others as they are."""
    from worthit.analysis.charge_index import charge_index

    keys = charge_index(cache, currency).keys
    vendor_keys = keys[keys["provider_name"].isin(VENDORS) & keys["x_model"].notna()]
    provider_of = {str(r): str(p) for r, p in zip(vendor_keys["resource_id"],
                                                  vendor_keys["provider_name"], strict=True)
                   if isinstance(r, str) and r}
    wanted = [s for s in series if isinstance(s, KeyedSeries) or s.resource in provider_of]
    if not wanted:
        return series
    first = min(i.first for s in wanted for i in incidents(s))
    costs = key_days(cache, first - dt.timedelta(days=settings.spike_history_days), as_of,
                     currency)
    chosen = {id(s) for s in wanted}
    return [_keyed(cache, s, costs, provider_of, settings.spike_history_days)
            if id(s) in chosen else s for s in series]


def _keyed(cache: Cache, series: Series, costs: KeyDays | None, provider_of: dict[str, str],
           history: int) -> KeyedSeries:
    if isinstance(series, KeyedSeries):
        provider, model, key = series.provider, series.model, None
    else:
        provider, model, key = provider_of[series.resource], None, series.resource
    behind = {}
    for incident in incidents(series) if costs is not None else []:
        day = series.starts[incident.peak].date()
        found = costs.behind(cache, day, history, provider=provider, model=model, key=key) \
            if costs is not None else None
        if found is not None:
            behind[incident.first] = found
    return KeyedSeries(series.resource, series.hourly, series.starts, series.cost,
                       series.expected, series.flagged, series.currency, provider=provider,
                       model=model, behind=behind)


def _short_days(first: dt.date, last: dt.date) -> str:
    """``Nov 7–9``, ``Oct 30–Nov 2``, ``Nov 7``."""
    start = f"{first:%b} {first.day}"
    if first == last:
        return start
    end = str(last.day) if (first.year, first.month) == (last.year, last.month) else \
        f"{last:%b} {last.day}"
    return f"{start}–{end}"

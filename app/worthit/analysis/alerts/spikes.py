"""Spike alerts: one alert per incident of a resource whose cost jumps far above its own
robust baseline. The series, their incidents and the excess are computed once, in
:mod:`worthit.analysis.spikes`, which the runaway-agent leak finding shares, so an alert
and its finding show the same dollar figure."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

# _hourly_requests: tests/sources read the hourly metrics through it, as the watch does.
from worthit.analysis.spikes import (
    Series,
    _hourly_requests,
    incident_numbers,
    incidents,
    spike_series,
)
from worthit.core.money import money, percent
from worthit.store.alerts import Alert

__all__ = ["Series", "_hourly_requests", "spike_alerts", "spike_series"]


def spike_alerts(series: Sequence[Series],
                 owners: Mapping[str, tuple[str | None, str | None]],
                 ai_resources: set[str]) -> list[Alert]:
    """One alert per incident (flagged days in a row) of each resource, owned by whom the
    allocation gives the resource's cost (the leak detectors' owners)."""
    alerts = []
    for found in series:
        team, feature = owners.get(found.resource, (None, None))
        for incident in incidents(found):
            first, last = incident.first, incident.last
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
            alerts.append(Alert(
                f"{subject}:{first.isoformat()}", subject, "spike", "warning",
                f"{what}: cost {percent(incident.share, signed=True, digits=0)} over its "
                f"baseline on {days} ({money(incident.excess, found.currency)} extra)",
                f"{what}: cost spike, {_short_days(first, last)}",
                team=team, feature=feature, amount=incident.excess, percent=incident.share,
                series=found.label, page=page, focus=focus,
                numbers={
                    **incident_numbers(found, incident),
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

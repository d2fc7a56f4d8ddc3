"""Watch: one check of the workspace for what its owners should hear about within the hour.

:func:`check` looks at the latest data and returns alerts, each naming its owner, its size
in money and per cent, the series that triggered it and the page that explains it:

* a budget threshold crossed this month (a breach from 100 % up), or forecast to be
  (:mod:`~worthit.analysis.alerts.budgets`);
* a unit cost over its target for days in a row (:mod:`~worthit.analysis.alerts.guardrails`);
* a spike against a resource's robust baseline, hourly where the source has hourly counts
  (:mod:`~worthit.analysis.alerts.spikes`);
* a source whose syncs keep failing (:mod:`~worthit.analysis.alerts.syncs`);
* a commitment used under a threshold for days in a row, or ending within a horizon
  (:mod:`~worthit.analysis.alerts.commitments`).

A check is pure: it reads the cache and returns alerts with stable keys. Recording them
(so a re-check does not raise them twice), the webhook and the schedule live in
:mod:`worthit.alerts` and :mod:`worthit.store.alerts`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from worthit.analysis.alerts.budgets import BudgetStatus, budget_alerts, budget_statuses
from worthit.analysis.alerts.commitments import commitment_alerts
from worthit.analysis.alerts.guardrails import guardrail_alerts
from worthit.analysis.alerts.spikes import spike_alerts, spike_series
from worthit.analysis.alerts.syncs import sync_alerts
from worthit.analysis.spikes import ai_resources
from worthit.store.alerts import Alert, AlertSettings, load_budgets, load_settings
from worthit.store.cache import Cache

__all__ = ["BudgetStatus", "Check", "budget_statuses", "check"]

#: Most serious first: how a check's alerts are ordered.
ORDER = {"budget": 0, "unit_cost": 1, "forecast": 2, "spike": 3, "commitment_utilisation": 4,
         "commitment_ending": 5, "sync": 6}


@dataclass(frozen=True)
class Check:
    """What one check found, as of the last day with data."""

    as_of: dt.date | None
    alerts: list[Alert]
    budgets: list[BudgetStatus] = field(default_factory=list)

    @property
    def breaches(self) -> list[Alert]:
        return [a for a in self.alerts if a.breach]


def check(cache: Cache, *, settings: AlertSettings | None = None,
          as_of: dt.date | None = None) -> Check:
    """Every alert the workspace raises on ``as_of`` (default: its last day with data)."""
    from worthit.analysis.charge_index import charge_index
    from worthit.analysis.leaks.base import Context
    from worthit.analysis.leaks.base import Settings as LeakSettings
    from worthit.analysis.leaks.commitments import window_commitments
    from worthit.core.rules import UNALLOCATED

    settings = settings or load_settings(cache)
    alerts = sync_alerts(cache, settings)
    index = charge_index(cache)  # in memory: its days are the cache's, without a scan
    if index.first_day is None or index.last_day is None:
        return Check(None, alerts)
    as_of = as_of or index.last_day
    statuses = budget_statuses(cache, load_budgets(cache), as_of)
    alerts += budget_alerts(statuses)
    context = Context(cache, as_of, LeakSettings())  # owners as the leak findings name them
    pieces = context.allocation.pieces
    owned = pieces[pieces["team"] != UNALLOCATED]
    teams_of = owned.groupby("feature")["team"].unique()
    feature_teams = {str(f): str(t[0]) for f, t in teams_of.items() if len(t) == 1}
    alerts += guardrail_alerts(cache, index.first_day, as_of, settings, feature_teams)
    series = spike_series(cache, as_of, settings)
    if series:
        alerts += spike_alerts(series, context.owners, ai_resources(index))
    alerts += commitment_alerts(window_commitments(context), as_of, settings)
    alerts.sort(key=lambda a: (ORDER[a.kind], -(a.amount or 0.0), a.key))
    return Check(as_of, alerts, statuses)

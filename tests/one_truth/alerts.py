"""What the watch shows, recorded under each figure's name: each alert (its amount, title
and numbers), the webhook message built from it (its JSON and its Slack text), and the
budgets as ``worthit budgets list`` prints them.

An alert is as of the last day with data: a budget's spend is that month's to date, a
spike's excess is the sum over the incidents flagged in the alerts' look-back window."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from tests.one_truth import ledger as n
from tests.one_truth.ledger import CENT, MILLIONTH, Ledger, Name, amounts
from worthit.alerts.webhook import payload
from worthit.core.periods import Period
from worthit.store.alerts import Alert, AlertSettings


def spend_name(scope: str, name: str, through: dt.date) -> Name:
    """The figure a budget of ``scope`` counts: the month to date of a team, a feature
    (whichever team carries it), a provider or the whole workspace."""
    month = n.month_to_date(through)
    if scope == "team":
        return n.team(name, month)
    if scope == "feature":
        return n.feature_total(name, month)
    if scope == "provider":
        return n.provider(name, month)
    assert scope == "total", scope
    return n.total(month)


def _budget(alert: Alert) -> tuple[str, str]:
    """(scope, name) of a budget alert, from its subject ``budget:SCOPE:NAME``."""
    _, scope, name = alert.subject.split(":", 2)
    return scope, name


def _names(alert: Alert, through: dt.date) -> list[Name]:
    """What an alert's amount is: the names it is recorded under."""
    if alert.kind == "spike":
        return [n.incident(alert.key)]
    if alert.kind == "budget":
        scope, name = _budget(alert)
        return [spend_name(scope, name, through)]
    if alert.kind == "forecast":
        return [n.over_budget(*_budget(alert), through)]
    if alert.kind == "unit_cost":
        return [n.above_target(alert.key)]
    return []


def record_alerts(book: Ledger, alerts: Sequence[Alert], through: dt.date,
                  workspace: str) -> None:
    """Every alert of a check as of ``through``, and the webhook message of each."""
    for alert in alerts:
        names = _names(alert, through)
        body = payload(alert, workspace)
        for name in names:
            book.record(name, "alert", alert.amount, MILLIONTH)
            book.record(name, "webhook JSON", body["alert"]["amount"])
            book.shown(name, "webhook text", body["text"], after="Size: ")
        _numbers(book, alert, through)
    spikes: dict[str, list[float]] = {}
    for alert in alerts:
        if alert.kind == "spike" and alert.amount is not None:
            spikes.setdefault(alert.numbers["Resource"], []).append(alert.amount)
    window = Period(through - dt.timedelta(days=AlertSettings().lookback_days - 1), through)
    for resource, excess in spikes.items():
        book.record(n.spike(resource, window), "spike alerts added up", math.fsum(excess),
                    MILLIONTH * len(excess))


def _numbers(book: Ledger, alert: Alert, through: dt.date) -> None:
    """The figures an alert's title and numbers state besides its amount."""
    surface = "alert numbers"
    numbers = alert.numbers
    if alert.kind == "spike":
        book.record(n.incident(alert.key), "alert title", *amounts(alert.title)[-1])
        book.shown(n.incident(alert.key), surface, numbers["Excess over the baseline"])
    if alert.kind in ("budget", "forecast"):
        scope, name = _budget(alert)
        book.shown(spend_name(scope, name, through), surface,
                   numbers["Spent this month"])
        outlook = numbers["Forecast for the month"]
        book.shown(n.forecast(scope, name, through), surface, outlook)
        if "P10–P90" in outlook:
            book.shown_range(n.forecast_range("P10", scope, name, through),
                             n.forecast_range("P90", scope, name, through), surface, outlook)
    if alert.kind == "budget":
        scope, name = _budget(alert)
        # "… is over its $B budget for M: $X spent (…)" or "… has spent $X of its $B …"
        over = alert.title.split(" spent (")[0] if " spent (" in alert.title else None
        spent = amounts(over)[-1] if over else amounts(alert.title, "has spent ")[0]
        book.record(spend_name(scope, name, through), "alert title", *spent)
    if alert.kind == "forecast":
        book.shown(n.forecast(*_budget(alert), through), "alert title", alert.title,
                   after="forecast to spend ")
    if alert.kind == "unit_cost":
        book.shown(n.above_target(alert.key), surface, numbers["Cost above target"])
        unit, _ = alert.title.split(": ", 1)
        [per_unit] = [v for k, v in numbers.items() if k.startswith("Cost per ")]
        counted = int(per_unit.split(" over the last ")[1].split()[0])
        days = Period(through - dt.timedelta(days=counted - 1), through)
        book.shown(n.unit_cost(unit, days), surface, per_unit)


def record_budgets(book: Ledger, listed: dict[str, Any]) -> None:
    """``worthit budgets list --output json``: each budget's spend and forecast."""
    for b in listed["budgets"]:
        through = dt.date.fromisoformat(b["through"])
        scope, name = b["scope"], b["name"]
        surface = "budgets list"
        book.record(spend_name(scope, name, through), surface, b["spent"])
        book.record(n.forecast(scope, name, through), surface, b["forecast"])
        book.record(n.forecast_range("P10", scope, name, through), surface,
                    b.get("forecast_p10"))
        book.record(n.forecast_range("P90", scope, name, through), surface,
                    b.get("forecast_p90"))
        if b["forecast_over"]:
            book.record(n.over_budget(scope, name, through), surface,
                        b["forecast"] - b["amount"], CENT)

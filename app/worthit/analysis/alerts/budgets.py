"""Monthly budgets: what a team, a feature, a provider or the whole workspace has spent in
the month of the latest data, the month-end forecast with its P10–P90 range, and the
thresholds crossed.

The forecast is the Overview's (:func:`worthit.analysis.forecast.month_end_forecast`): the
month to date plus each day left at its weekday's average over the last four weeks, the
range from how much the days varied. Team and feature spend is the allocation's (rules,
splits and all), so a budget agrees with the Allocation page; a budget's daily history is
its share of each key's daily cost under the allocation of those four weeks.

A customer's spend is its AI cost allocated from the bill by its traces
(:func:`worthit.analysis.customers.customer_costs`, the Customers page's figure): the month
to date, and each day of the same four weeks for its forecast.

A budget has a currency: its spend is the allocation in that currency (each charge at the
rate of its day, as every page converts), whatever the pages show."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, cast

from worthit.analysis.forecast import Forecast, history_start, month_end_forecast
from worthit.core.money import money, percent
from worthit.core.periods import Period
from worthit.store.alerts import Alert, Budget
from worthit.store.cache import Cache

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """Where a budget stands on the last day with data: ``outlook`` holds the month's
    spend to date and its forecast."""

    budget: Budget
    outlook: Forecast
    team: str | None = None  # who owns the spend (a feature's team)
    path: tuple[str, ...] = ()  # the allocation node that explains it

    @property
    def as_of(self) -> dt.date:
        return self.outlook.through

    @property
    def spent(self) -> float:
        """From the first of the month through :attr:`as_of`."""
        return self.outlook.actual

    @property
    def month(self) -> str:
        return self.outlook.month

    @property
    def month_name(self) -> str:
        return self.outlook.month_name

    @property
    def days_left(self) -> int:
        return self.outlook.days_left

    @property
    def forecast(self) -> float:
        return self.outlook.point

    @property
    def share(self) -> float:
        return self.spent / self.budget.amount

    @property
    def forecast_share(self) -> float:
        return self.forecast / self.budget.amount

    @property
    def crossed(self) -> float | None:
        """The highest threshold (per cent) the month's spend has reached, or None."""
        # t / 100 first: 100 % of the amount is the amount itself, to the last bit.
        reached = [t for t in self.budget.thresholds
                   if self.spent >= self.budget.amount * (t / 100)]
        return max(reached) if reached else None

    @property
    def over(self) -> bool:
        return self.spent >= self.budget.amount

    @property
    def forecast_over(self) -> bool:
        """Forecast to exceed the budget by month end, and not over it yet."""
        return self.budget.forecast and not self.over and self.forecast > self.budget.amount

    def to_json(self) -> dict[str, object]:
        b, o = self.budget, self.outlook
        return {"scope": b.scope, "name": b.name, "amount": b.amount, "currency": b.currency,
                "thresholds": list(b.thresholds), "forecast_alert": b.forecast,
                "month": self.month, "through": self.as_of.isoformat(),
                "spent": round(self.spent, 2), "share": round(self.share, 4),
                "forecast": round(self.forecast, 2),
                "forecast_p10": None if o.low is None else round(o.low, 2),
                "forecast_p90": None if o.high is None else round(o.high, 2),
                "forecast_share": round(self.forecast_share, 4),
                "crossed": self.crossed, "over": self.over,
                "forecast_over": self.forecast_over, "forecast_method": o.method}


def budget_statuses(cache: Cache, budgets: Sequence[Budget],
                    as_of: dt.date) -> list[BudgetStatus]:
    """Each budget's month-to-date spend (the allocation of the month, in the budget's
    currency) and its forecast from its daily spend over the last four weeks (which may
    start in earlier months), in the budgets' order."""
    found: dict[int, BudgetStatus] = {}
    for currency in sorted({b.currency for b in budgets}):
        mine = [(n, b) for n, b in enumerate(budgets) if b.currency == currency]
        statuses = _statuses(cache, [b for _, b in mine], as_of, currency)
        found.update(zip((n for n, _ in mine), statuses, strict=True))
    return [found[n] for n in range(len(budgets))]


def _statuses(cache: Cache, budgets: Sequence[Budget], as_of: dt.date,
              currency: str) -> list[BudgetStatus]:
    """:func:`budget_statuses` of budgets in one ``currency``."""
    from worthit.analysis.charge_index import charge_index

    if not budgets:
        return []
    month = _spend(cache, Period(as_of.replace(day=1), as_of), currency)
    first = charge_index(cache, currency).first_day
    history, history_teams = _daily_spend(cache, Period(history_start(first, as_of), as_of),
                                          currency) \
        if first is not None and first <= as_of else ({}, {})
    length = len(history["total"][""]) if history else 0
    lengths = {"customer": 0}
    if any(b.scope == "customer" for b in budgets):
        traced = _traced_history(cache, as_of, length)
        lengths["customer"] = 0 if traced is None else traced.days
        month["customer"], history["customer"] = _customer_spend(cache, as_of, currency,
                                                                 traced)
    teams = history_teams | month["feature_team"]
    found = []
    for budget in budgets:
        team: str | None = None
        path: tuple[str, ...] = ()
        if budget.scope == "team":
            team, path = budget.name, (budget.name,)
        elif budget.scope == "feature":
            team = teams.get(budget.name)
            path = (team, budget.name) if team else ()
        # A budget's scope is one of SCOPES, each a mapping of name to spend.
        month_spend = cast("dict[str, float]", month.get(budget.scope, {}))
        series = history.get(budget.scope, {}).get(budget.name)
        # No spend in the history: each of its days was free (not unknown).
        days = [0.0] * lengths.get(budget.scope, length) if series is None else \
            [float(v) for v in series]
        outlook = month_end_forecast(month_spend.get(budget.name, 0.0), days, as_of)
        found.append(BudgetStatus(budget, outlook, team, path))
    return found


class _Spend(TypedDict, total=False):
    """What :func:`_spend` returns: spend by scope (name -> cost), and each feature's team
    (customers' only when a budget asks)."""

    team: dict[str, float]
    feature: dict[str, float]
    provider: dict[str, float]
    customer: dict[str, float]
    total: dict[str, float]
    feature_team: dict[str, str]


def _traced_history(cache: Cache, as_of: dt.date, length: int) -> Period | None:
    """The forecast history's days (the last ``length`` to ``as_of``) from the first day
    with traces: before it a customer's cost is unknown, not nothing."""
    from worthit.store.traces import trace_days

    traced = trace_days(cache)
    if traced is None or not length:
        return None
    start = max(as_of - dt.timedelta(days=length - 1), traced[0])
    return Period(start, as_of) if start <= as_of else None


def _customer_spend(cache: Cache, as_of: dt.date, currency: str, history: Period | None
                    ) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Each customer's AI cost allocated from the bill in ``as_of``'s month to date, and on
    each day of ``history`` (None: no history)."""
    import numpy as np

    from worthit.analysis.customers import customer_costs

    month = customer_costs(cache, Period(as_of.replace(day=1), as_of), currency=currency)
    rows = month.rows
    spent = {str(k): float(v) for k, v in rows.groupby("customer")["cost"].sum().items()} \
        if len(rows) else {}
    daily: dict[str, np.ndarray] = {}
    if history is not None:
        past = customer_costs(cache, history, currency=currency).rows
        for customer, day, cost in zip(past["customer"], past["day"], past["cost"],
                                       strict=True):
            series = daily.setdefault(str(customer), np.zeros(history.days))
            series[(day - history.start).days] += float(cost)
    return spent, daily


def _spend(cache: Cache, period: Period, currency: str) -> _Spend:
    """Spend in ``period`` (in ``currency``) by team, feature, provider and in total (under
    ''), and the team of each feature that has exactly one (``feature_team``)."""
    from worthit.analysis.allocation import allocation
    from worthit.analysis.charge_index import charge_index
    from worthit.core.rules import UNALLOCATED

    result = allocation(cache, period, currency=currency)
    pieces = result.pieces
    providers = charge_index(cache, currency).keys["provider_name"].fillna("(no provider)")
    pieces = pieces.assign(provider=providers.to_numpy(object)[pieces["position"].to_numpy()])
    owned = pieces[pieces["team"] != UNALLOCATED]
    return {
        "team": _sums(owned, "team"),
        "feature": _sums(owned, "feature"),
        "provider": _sums(pieces, "provider"),
        "total": {"": float(pieces["current"].sum())},
        "feature_team": _feature_teams(owned),
    }


def _sums(pieces: pd.DataFrame, column: str) -> dict[str, float]:
    grouped = pieces.groupby(column)["current"].sum()
    return {str(k): float(v) for k, v in grouped.items()}


def _daily_spend(cache: Cache, period: Period, currency: str
                 ) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, str]]:
    """Each day's spend in ``period`` by scope (team, feature, provider, total under '')
    and name, each allocation piece taking its share of its key's daily cost (so the days
    sum to the allocation of the period); and the team of each feature with one."""
    import numpy as np
    import pandas as pd

    from worthit.analysis.allocation import allocation
    from worthit.analysis.charge_index import charge_index
    from worthit.core.rules import UNALLOCATED

    index = charge_index(cache, currency)
    pieces = allocation(cache, period, currency=currency).pieces
    cost, _ = index.per_key_days(period.start, period.end)
    positions = pieces["position"].to_numpy()
    daily = cost[positions] * pieces["share"].to_numpy(float)[:, None]
    providers = index.keys["provider_name"].fillna("(no provider)").to_numpy(object)
    owned = (pieces["team"] != UNALLOCATED).to_numpy()

    def by(names: np.ndarray, rows: np.ndarray) -> dict[str, np.ndarray]:
        codes, uniques = pd.factorize(pd.Series(names[rows], dtype=object))
        sums = np.zeros((len(uniques), period.days))
        np.add.at(sums, codes, daily[rows])
        return {str(name): sums[n] for n, name in enumerate(uniques)}

    everything = np.ones(len(pieces), dtype=bool)
    series = {"team": by(pieces["team"].to_numpy(object), owned),
              "feature": by(pieces["feature"].to_numpy(object), owned),
              "provider": by(providers[positions], everything),
              "total": {"": daily.sum(axis=0)}}
    return series, _feature_teams(pieces[owned])


def _feature_teams(owned: pd.DataFrame) -> dict[str, str]:
    """The team of each feature that has exactly one (among pieces with a team)."""
    teams_of = owned.groupby("feature")["team"].unique()
    return {str(f): str(t[0]) for f, t in teams_of.items() if len(t) == 1}


def budget_alerts(statuses: Sequence[BudgetStatus]) -> list[Alert]:
    """The highest threshold each budget crossed this month (a breach from 100 % up), and
    a warning when it is forecast to exceed the budget."""
    alerts = []
    for s in statuses:
        b, c = s.budget, s.budget.currency
        crossed = s.crossed
        if crossed is not None:
            words = (f"is over its {money(b.amount, c)} budget for {s.month_name}: "
                     f"{money(s.spent, c)} spent" if s.over else
                     f"has spent {money(s.spent, c)} of its {money(b.amount, c)} budget "
                     f"for {s.month_name}")
            alerts.append(_alert(
                s, f"{s.month}:{crossed:g}", "budget", "breach" if crossed >= 100 else "warning",
                f"{b.label} {words} ({percent(s.share, digits=0)}, past the {crossed:g} % "
                "threshold)", f"{b.label}: {percent(s.share, digits=0)} of budget used",
                s.spent, s.share))
        if s.forecast_over:
            alerts.append(_alert(
                s, f"{s.month}:forecast", "forecast", "warning",
                f"{b.label} is forecast to spend {money(s.forecast, c)} in {s.month_name}"
                f"{_range(s)}, {percent(s.forecast_share - 1, digits=0)} over its "
                f"{money(b.amount, c)} budget",
                f"{b.label}: forecast {percent(s.forecast_share, digits=0)} of budget",
                s.forecast - b.amount, s.forecast_share - 1))
    return alerts


def _alert(s: BudgetStatus, suffix: str, kind: str, severity: str, title: str, headline: str,
           amount: float, share: float) -> Alert:
    b = s.budget
    page, focus = ("allocation", json.dumps(list(s.path))) if s.path else \
        ("customers", b.name) if b.scope == "customer" else ("overview", None)
    allocated = " (allocated)" if b.scope in ("team", "feature") else \
        " (allocated from the bill)" if b.scope == "customer" else ""
    # A provider's, a customer's or the whole workspace's spend is everyone's.
    team = s.team if b.scope in ("team", "feature") else "all teams"
    return Alert(f"{b.subject}:{suffix}", b.subject, kind, severity, title, headline, team=team,
                 feature=b.name if b.scope == "feature" else None, amount=amount,
                 percent=share, series=f"Spend this month, {b.label}{allocated}", page=page,
                 focus=focus, numbers=_numbers(s))


def _numbers(s: BudgetStatus) -> dict[str, str]:
    c = s.budget.currency
    return {
        "Budget": f"{money(s.budget.amount, c)} for {s.month_name}",
        "Spent this month": f"{money(s.spent, c)} ({percent(s.share, digits=0)}), through "
                            f"{s.as_of.isoformat()}",
        "Forecast for the month": f"{money(s.forecast, c)} "
                                  f"({percent(s.forecast_share, digits=0)}){_range(s)}, "
                                  f"{s.days_left} {'day' if s.days_left == 1 else 'days'} left",
        "Forecast method": s.outlook.method,
        "Thresholds": ", ".join(f"{t:g} %" for t in s.budget.thresholds)
                      + (" and forecast" if s.budget.forecast else ""),
    }


def _range(s: BudgetStatus) -> str:
    """`` (P10–P90 $9,800–$11,300)``, or '' when the forecast has no range."""
    spread = s.outlook.range_text(s.budget.currency)
    return f" ({spread})" if spread else ""

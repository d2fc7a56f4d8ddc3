"""Monthly budgets: what a team, a feature, a provider or the whole workspace has spent in
the month of the latest data, the month-end forecast, and the thresholds crossed.

The forecast is the Overview's (:data:`worthit.analysis.overview.FORECAST_METHOD`):
month-to-date spend plus the average daily spend of the last seven days, times the days
left in the month. Team and feature spend is the allocation's (rules, splits and all), so
a budget agrees with the Allocation page."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, cast

from worthit.analysis.overview import FORECAST_METHOD, FORECAST_WINDOW_DAYS
from worthit.core.money import money, percent
from worthit.core.periods import Period, month_end
from worthit.store.cache import Cache
from worthit.store.watch import Alert, Budget

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """Where a budget stands on ``as_of`` (the last day with data)."""

    budget: Budget
    as_of: dt.date
    spent: float  # from the first of the month through as_of
    recent: float  # over the FORECAST_WINDOW_DAYS days through as_of
    team: str | None = None  # who owns the spend (a feature's team)
    path: tuple[str, ...] = ()  # the allocation node that explains it

    @property
    def month(self) -> str:
        return self.as_of.strftime("%Y-%m")

    @property
    def month_name(self) -> str:
        return self.as_of.strftime("%B %Y")

    @property
    def days_left(self) -> int:
        return (month_end(self.as_of) - self.as_of).days

    @property
    def run_rate(self) -> float:
        return self.recent / FORECAST_WINDOW_DAYS

    @property
    def forecast(self) -> float:
        return self.spent + self.run_rate * self.days_left

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
        b = self.budget
        return {"scope": b.scope, "name": b.name, "amount": b.amount, "currency": b.currency,
                "thresholds": list(b.thresholds), "forecast_alert": b.forecast,
                "month": self.month, "through": self.as_of.isoformat(),
                "spent": round(self.spent, 2), "share": round(self.share, 4),
                "forecast": round(self.forecast, 2),
                "forecast_share": round(self.forecast_share, 4),
                "crossed": self.crossed, "over": self.over,
                "forecast_over": self.forecast_over, "forecast_method": FORECAST_METHOD}


def budget_statuses(cache: Cache, budgets: Sequence[Budget],
                    as_of: dt.date) -> list[BudgetStatus]:
    """Each budget's month-to-date spend and run rate, from the allocation of the month
    and of the last seven days (the window may start in the previous month)."""
    if not budgets:
        return []
    month = _spend(cache, Period(as_of.replace(day=1), as_of))
    recent = _spend(cache, Period(as_of - dt.timedelta(days=FORECAST_WINDOW_DAYS - 1), as_of))
    teams = month.get("feature_team", {}) | recent.get("feature_team", {})
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
        recent_spend = cast("dict[str, float]", recent.get(budget.scope, {}))
        found.append(BudgetStatus(budget, as_of,
                                  month_spend.get(budget.name, 0.0),
                                  recent_spend.get(budget.name, 0.0),
                                  team, path))
    return found


class _Spend(TypedDict):
    """What :func:`_spend` returns: spend by scope (name -> cost), and each feature's team."""

    team: dict[str, float]
    feature: dict[str, float]
    provider: dict[str, float]
    total: dict[str, float]
    feature_team: dict[str, str]


def _spend(cache: Cache, period: Period) -> _Spend:
    """Spend in ``period`` by team, feature, provider and in total (under ''), and the
    team of each feature that has exactly one (``feature_team``)."""
    from worthit.analysis.allocation import allocation
    from worthit.analysis.charge_index import charge_index
    from worthit.core.rules import UNALLOCATED

    result = allocation(cache, period)
    pieces = result.pieces
    providers = charge_index(cache).keys["provider_name"].fillna("(no provider)")
    pieces = pieces.assign(provider=providers.to_numpy(object)[pieces["position"].to_numpy()])
    owned = pieces[pieces["team"] != UNALLOCATED]
    teams_of = owned.groupby("feature")["team"].unique()
    return {
        "team": _sums(owned, "team"),
        "feature": _sums(owned, "feature"),
        "provider": _sums(pieces, "provider"),
        "total": {"": float(pieces["current"].sum())},
        "feature_team": {str(f): str(t[0]) for f, t in teams_of.items() if len(t) == 1},
    }


def _sums(pieces: pd.DataFrame, column: str) -> dict[str, float]:
    grouped = pieces.groupby(column)["current"].sum()
    return {str(k): float(v) for k, v in grouped.items()}


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
                f"{b.label} is forecast to spend {money(s.forecast, c)} in {s.month_name}, "
                f"{percent(s.forecast_share - 1, digits=0)} over its {money(b.amount, c)} "
                "budget", f"{b.label}: forecast {percent(s.forecast_share, digits=0)} of budget",
                s.forecast - b.amount, s.forecast_share - 1))
    return alerts


def _alert(s: BudgetStatus, suffix: str, kind: str, severity: str, title: str, headline: str,
           amount: float, share: float) -> Alert:
    b = s.budget
    page, focus = ("allocation", json.dumps(list(s.path))) if s.path else ("overview", None)
    allocated = " (allocated)" if b.scope in ("team", "feature") else ""
    # A provider's or the whole workspace's spend is everyone's.
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
                                  f"({percent(s.forecast_share, digits=0)})",
        "Run rate": f"{money(s.run_rate, c)} a day over the last {FORECAST_WINDOW_DAYS} days, "
                    f"{s.days_left} day(s) left",
        "Thresholds": ", ".join(f"{t:g} %" for t in s.budget.thresholds)
                      + (" and forecast" if s.budget.forecast else ""),
    }

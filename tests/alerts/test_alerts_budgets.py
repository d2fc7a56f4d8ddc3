"""Budget arithmetic: thresholds, the month-end forecast (the Overview's, with its P10–P90
range) and its crossing, the month boundary, and the alerts a budget raises."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.alerts.conftest import charge, days, write
from tests.conftest import DEMO_END

from worthit.analysis.alerts import budget_statuses, check
from worthit.analysis.alerts.budgets import BudgetStatus, budget_alerts
from worthit.analysis.forecast import HISTORY_DAYS, month_end_forecast
from worthit.analysis.overview import overview
from worthit.core.errors import UserError
from worthit.core.periods import Period, month_end
from worthit.store.alerts import Budget, parse_thresholds, save_budget
from worthit.store.cache import Cache
from worthit.store.rules import save_rules
from worthit.workspace import Workspace

NOV_20 = dt.date(2026, 11, 20)  # ten days left in November


def status(spent: float, daily: float | list[float] = 0.0, amount: float = 10_000.0,
           as_of: dt.date = NOV_20, **budget: object) -> BudgetStatus:
    """A team budget's status with ``spent`` this month and ``daily`` spend (one figure for
    each of the last four weeks, or the days themselves)."""
    history = [daily] * HISTORY_DAYS if isinstance(daily, float) else daily
    return BudgetStatus(Budget("team", "devex", amount, **budget),  # type: ignore[arg-type]
                        month_end_forecast(spent, history, as_of), "devex", ("devex",))


@pytest.mark.parametrize(("spent", "crossed"), [
    (0.0, None), (4_999.99, None), (5_000.0, 50.0), (7_999.0, 50.0), (8_000.0, 80.0),
    (9_999.99, 80.0), (10_000.0, 100.0), (25_000.0, 100.0)])
def test_the_highest_threshold_reached_is_the_one_crossed(spent: float,
                                                          crossed: float | None) -> None:
    s = status(spent)
    assert s.crossed == crossed
    assert s.over == (spent >= 10_000)
    assert s.share == pytest.approx(spent / 10_000)


def test_only_the_highest_crossed_threshold_alerts_and_from_100_it_is_a_breach() -> None:
    [warning] = budget_alerts([status(8_500.0)])
    assert (warning.kind, warning.severity) == ("budget", "warning")
    assert warning.key == "budget:team:devex:2026-11:80"
    assert warning.subject == "budget:team:devex"
    assert (warning.amount, warning.percent) == (8_500.0, 0.85)
    assert warning.owner == "devex"
    assert (warning.page, json.loads(warning.focus or "")) == ("allocation", ["devex"])
    assert "has spent $8,500 of its $10,000 budget for November 2026 (85 %" in warning.title

    [breach] = budget_alerts([status(12_000.0)])
    assert (breach.key, breach.severity) == ("budget:team:devex:2026-11:100", "breach")
    assert "is over its $10,000 budget for November 2026: $12,000 spent (120 %" in breach.title


def test_a_forecast_over_the_budget_warns_before_the_budget_is_reached() -> None:
    # $7,000 spent by the 20th, $400 every day of the last four weeks: $400 a day for 10
    # more days, and no spread.
    s = status(7_000.0, 400.0)
    assert s.days_left == 10
    assert s.forecast == pytest.approx(11_000.0)
    assert s.outlook.low == pytest.approx(11_000.0) and s.outlook.high == pytest.approx(11_000.0)
    assert s.forecast_over and not s.over
    budget, forecast = budget_alerts([s])
    assert budget.key.endswith(":50")
    assert (forecast.key, forecast.kind, forecast.severity) == (
        "budget:team:devex:2026-11:forecast", "forecast", "warning")
    assert forecast.amount == pytest.approx(1_000.0)  # the overrun expected by month end
    assert forecast.percent == pytest.approx(0.10)
    assert ("forecast to spend $11,000 in November 2026 (P10–P90 $11,000–$11,000), 10 % "
            "over") in forecast.title
    # Just under: no forecast alert.
    assert not status(7_000.0, 299.0).forecast_over
    # Once over the budget, the breach says it all: no forecast warning too.
    assert [a.kind for a in budget_alerts([status(10_500.0, 1_000.0)])] == ["budget"]
    # A budget that asked for no forecast alert gets none.
    assert not status(7_000.0, 400.0, forecast=False).forecast_over


def test_the_forecast_alert_states_the_range_and_the_method() -> None:
    """Days that vary give a range; the alert's title and its numbers carry it, and the
    numbers say how the forecast was made."""
    varied = [300.0 + 100.0 * (n % 3) for n in range(HISTORY_DAYS)]  # 300, 400, 500, ...
    s = status(7_000.0, varied)
    low, high = s.outlook.low, s.outlook.high
    assert low is not None and high is not None and low < s.forecast < high
    [_, forecast] = budget_alerts([s])
    spread = f"P10–P90 ${low:,.0f}–${high:,.0f}"
    assert f"in November 2026 ({spread})," in forecast.title
    assert forecast.numbers["Forecast for the month"].startswith(
        f"${s.forecast:,.0f} ({s.forecast_share * 100:.0f} %) ({spread}), 10 days left")
    assert forecast.numbers["Forecast method"] == s.outlook.method
    assert "weekday" in forecast.numbers["Forecast method"]
    data = s.to_json()
    assert (data["forecast_p10"], data["forecast_p90"]) == (round(low, 2), round(high, 2))
    assert data["forecast_method"] == s.outlook.method


def test_on_the_last_day_of_the_month_the_forecast_is_what_was_spent() -> None:
    s = status(9_000.0, 1_000.0, as_of=dt.date(2026, 11, 30))
    assert s.days_left == 0
    assert s.forecast == 9_000.0
    assert (s.outlook.low, s.outlook.high) == (None, None)
    assert not s.forecast_over
    assert s.to_json()["forecast_p10"] is None


def test_the_month_boundary_starts_a_new_month_of_alerts(cache: Cache) -> None:
    """On the 1st, the month-to-date is that day alone, the forecast still learns from the
    days before it (in the previous month), and the alert keys name the new month."""
    write(cache, [charge(d, 100.0) for d in days(dt.date(2026, 12, 1), 14)])
    save_rules(cache, [])
    budget = Budget("total", "", 2_000.0)
    [nov] = budget_statuses(cache, [budget], dt.date(2026, 11, 30))
    [dec] = budget_statuses(cache, [budget], dt.date(2026, 12, 1))
    assert (nov.month, nov.spent, nov.forecast) == ("2026-11", 1_300.0, 1_300.0)
    assert (dec.month, dec.spent) == ("2026-12", 100.0)
    assert dec.outlook.history_days == 14  # Nov 18 (the first day of data) to Dec 1
    assert dec.forecast == pytest.approx(100.0 + 100.0 * 30)
    assert dec.outlook.low == pytest.approx(dec.forecast)  # $100 every day: no spread
    assert dec.forecast_over
    assert [a.key for a in budget_alerts([nov])] == ["budget:total::2026-11:50"]
    assert [a.key for a in budget_alerts([dec])] == ["budget:total::2026-12:forecast"]


def test_team_feature_and_provider_spend_come_from_the_allocation(cache: Cache) -> None:
    from worthit.core.rules import rule_from_json

    end = dt.date(2026, 11, 10)
    write(cache, [charge(d, 10.0, "i-a", tags={"team": "a", "feature": "fa"})
                  for d in days(end, 20)]
          + [charge(d, 5.0, "key-1", provider="OpenAI", service="OpenAI API",
                    model="gpt-4.1", tags={"team": "b", "feature": "fb"})
             for d in days(end, 20)]
          + [charge(d, 1.0, "i-x") for d in days(end, 20)])  # untagged: Unallocated
    save_rules(cache, [rule_from_json({"name": "Tags", "match": {"tag_present": "team"},
                                       "team": {"tag": "team"},
                                       "feature": {"tag": "feature"}}, "test")])
    budgets = [Budget("team", "a", 1_000.0), Budget("feature", "fb", 1_000.0),
               Budget("provider", "OpenAI", 1_000.0), Budget("provider", "AWS", 1_000.0),
               Budget("total", "", 1_000.0), Budget("team", "nobody", 1_000.0)]
    found = {(s.budget.scope, s.budget.name): s for s in budget_statuses(cache, budgets, end)}
    assert found["team", "a"].spent == pytest.approx(100.0)  # Nov 1-10
    assert found["feature", "fb"].spent == pytest.approx(50.0)
    assert (found["feature", "fb"].team, found["feature", "fb"].path) == ("b", ("b", "fb"))
    assert found["provider", "OpenAI"].spent == pytest.approx(50.0)
    assert found["provider", "AWS"].spent == pytest.approx(110.0)
    assert found["total", ""].spent == pytest.approx(160.0)
    assert found["team", "nobody"].spent == 0.0
    # Each day's share of the allocation: $10 a day for the 20 days held, 20 more to go.
    assert found["team", "a"].outlook.history_days == 20
    assert found["team", "a"].forecast == pytest.approx(100.0 + 10.0 * 20)
    assert found["feature", "fb"].forecast == pytest.approx(50.0 + 5.0 * 20)
    assert found["provider", "AWS"].forecast == pytest.approx(110.0 + 11.0 * 20)
    assert found["team", "nobody"].forecast == 0.0


def test_the_whole_workspace_forecast_is_the_overviews(demo_workspace: Workspace) -> None:
    with demo_workspace.open() as cache:
        [s] = budget_statuses(cache, [Budget("total", "", 100_000.0)], DEMO_END)
        shown = overview(cache, Period(DEMO_END.replace(day=1), DEMO_END)).forecast
    assert shown is not None and shown.low is not None and shown.high is not None
    assert s.spent == pytest.approx(shown.actual, abs=0.01)
    assert s.forecast == pytest.approx(shown.point, abs=0.01)
    assert s.outlook.low == pytest.approx(shown.low, abs=0.01)
    assert s.outlook.high == pytest.approx(shown.high, abs=0.01)
    assert s.outlook.method == shown.method


def test_a_check_raises_the_saved_budgets_alerts(writable: Workspace) -> None:
    with writable.open() as cache:
        save_budget(cache, Budget("team", "devex", 1.0))
        save_budget(cache, Budget("feature", "code-review-agent", 1e9))
        found = check(cache)
    [alert] = [a for a in found.alerts if a.kind in ("budget", "forecast")]
    assert (alert.key, alert.severity) == ("budget:team:devex:2026-11:100", "breach")
    assert [s.budget.name for s in found.budgets] == ["code-review-agent", "devex"]


@pytest.mark.parametrize(("text", "expected"), [
    ("50, 80, 100", (50.0, 80.0, 100.0)), ("100,80%;50", (50.0, 80.0, 100.0)),
    ("", ()), ("90", (90.0,))])
def test_thresholds_are_read_as_per_cents(text: str, expected: tuple[float, ...]) -> None:
    assert parse_thresholds(text) == expected


@pytest.mark.parametrize(("budget", "message"), [
    (Budget("team", "  ", 10.0), "needs the team's name"),
    (Budget("team", "a", 0.0), "more than zero"),
    (Budget("team", "a", float("nan")), "more than zero"),
    (Budget("team", "a", 10.0, (0.0,)), "between 1 and 1000"),
    (Budget("team", "a", 10.0, (), forecast=False), "needs a threshold"),
    (Budget("region", "a", 10.0), "not 'region'"),
])
def test_a_bad_budget_is_refused_in_plain_words(cache: Cache, budget: Budget,
                                                message: str) -> None:
    with pytest.raises(UserError, match=message):
        save_budget(cache, budget)
    assert cache._scalar("SELECT COUNT(*) FROM budgets") == 0


with_budget = st.builds(
    lambda amount, marks, forecast: Budget("team", "t", amount, tuple(sorted(marks)), forecast),
    st.floats(1.0, 1e7), st.sets(st.sampled_from([25.0, 50.0, 80.0, 90.0, 100.0, 120.0]),
                                 max_size=4), st.booleans())


@settings(max_examples=300, deadline=None)
@given(budget=with_budget, spent=st.floats(0.0, 2e7),
       history=st.lists(st.floats(0.0, 1e6), max_size=HISTORY_DAYS),
       as_of=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)))
def test_budget_arithmetic_properties(budget: Budget, spent: float, history: list[float],
                                      as_of: dt.date) -> None:
    s = BudgetStatus(budget, month_end_forecast(spent, history, as_of))
    # The forecast never falls below what is spent, and is what is spent on the last day.
    assert s.forecast >= spent
    assert s.days_left == (month_end(as_of) - as_of).days
    if s.days_left == 0:
        assert s.forecast == spent
    # The threshold crossed is the highest one the spend has reached.
    reached = [t for t in budget.thresholds if spent >= budget.amount * (t / 100)]
    assert s.crossed == (max(reached) if reached else None)
    if 100.0 in budget.thresholds:
        assert (s.crossed is not None and s.crossed >= 100) == s.over
    # A forecast warning only while under the budget and heading over it.
    if s.forecast_over:
        assert budget.forecast and not s.over and s.forecast > budget.amount
    alerts = budget_alerts([s])
    kinds = [a.kind for a in alerts]
    assert kinds.count("budget") == (s.crossed is not None) and kinds.count("forecast") <= 1
    assert all(as_of.strftime("%Y-%m") in a.key for a in alerts)
    assert all((a.severity == "breach") == (a.kind == "budget" and (s.crossed or 0) >= 100)
               for a in alerts)

"""Budgets per customer (issue 21): a customer's monthly AI cost, allocated from the bill by
its traces, checked against its budget with the month-end forecast, from the library and
from ``worthit budgets``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli

from worthit.analysis.alerts import budget_alerts, budget_statuses
from worthit.core.errors import UserError
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.alerts import Budget
from worthit.store.cache import Cache
from worthit.sync.importer import import_file
from worthit.workspace import Workspace

AS_OF = dt.date(2026, 11, 20)
BILL_DAYS = [AS_OF - dt.timedelta(days=n) for n in range(40, -1, -1)]  # Oct 11 – Nov 20


def charge(day: dt.date, cost: float) -> tuple[Any, ...]:
    """gpt-4.1, $100 a day for 1 M uncached input tokens."""
    values: dict[str, Any] = {
        "source_id": "bill", "charge_period_start": day.isoformat(),
        "provider_name": "OpenAI", "billing_account_id": "org-1",
        "service_category": "AI and Machine Learning", "service_name": "OpenAI API",
        "charge_category": "Usage", "billed_cost": cost, "effective_cost": cost,
        "billing_currency": "USD", "x_model": "gpt-4.1", "x_input_tokens": 1_000_000,
        "x_cached_input_tokens": 0, "x_cache_write_tokens": 0, "x_output_tokens": 0,
        "x_requests": 100,
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def setup(cache: Cache, folder: Path, traced_from: dt.date) -> None:
    """$100 a day of bill; from ``traced_from`` on, acme's traces are half the day's
    tokens and globex's 30 % (so acme is allocated $50 a day, globex $30)."""
    cache.replace_charges("bill", None, None, [charge(d, 100.0) for d in BILL_DAYS])
    lines = ["date,customer,model,input_tokens,cached_input_tokens,cache_write_tokens,"
             "output_tokens,requests"]
    for day in BILL_DAYS:
        if day >= traced_from:
            lines += [f"{day},acme,gpt-4.1,500000,0,0,0,5", f"{day},globex,gpt-4.1,300000,0,0,0,3"]
    path = folder / "usage.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(cache, path)


def test_a_customer_budget_is_its_allocated_cost_with_a_forecast(cache: Cache,
                                                                  tmp_path: Path) -> None:
    setup(cache, tmp_path, BILL_DAYS[0])
    budgets = [Budget("customer", "acme", 1_400.0), Budget("customer", "globex", 1_000.0),
               Budget("customer", "initech", 500.0)]
    acme, globex, initech = budget_statuses(cache, budgets, AS_OF)
    # Nov 1–20 at $50 a day: $1,000; ten days left at the same $50: $1,500 by month end.
    assert round(acme.spent, 2) == 1_000.00
    assert round(acme.forecast, 2) == 1_500.00
    assert (acme.crossed, acme.over, acme.forecast_over) == (50.0, False, True)
    # globex: 20 × $30 = $600, forecast 30 × $30 = $900, under its $1,000.
    assert (round(globex.spent, 2), round(globex.forecast, 2)) == (600.00, 900.00)
    assert globex.forecast_over is False
    # A customer without traces has spent nothing (each day of its history was free).
    assert (initech.spent, initech.forecast) == (0.0, 0.0)

    alerts = {a.key: a for a in budget_alerts([acme, globex, initech])}
    assert set(alerts) == {"budget:customer:acme:2026-11:50",
                           "budget:customer:acme:2026-11:forecast",
                           "budget:customer:globex:2026-11:50"}
    spent = alerts["budget:customer:acme:2026-11:50"]
    assert spent.title.startswith("Customer acme has spent $1,000 of its $1,400 budget")
    assert spent.series == "Spend this month, Customer acme (allocated from the bill)"
    assert (spent.page, spent.focus, spent.team) == ("customers", "acme", "all teams")
    over = alerts["budget:customer:acme:2026-11:forecast"]
    assert over.amount == pytest.approx(100.0)  # $1,500 forecast − $1,400 budget


def test_the_forecast_learns_only_from_days_with_traces(cache: Cache, tmp_path: Path) -> None:
    """Traces from Nov 11: acme's days before are unknown, not free, so its forecast is
    10 days at $50 ($500) plus 10 more at $50, not diluted by 18 days of zeros."""
    setup(cache, tmp_path, dt.date(2026, 11, 11))
    [acme] = budget_statuses(cache, [Budget("customer", "acme", 2_000.0)], AS_OF)
    assert round(acme.spent, 2) == 500.00
    assert round(acme.forecast, 2) == 1_000.00
    assert acme.outlook.history_days == 10


def test_a_customer_budget_needs_a_name() -> None:
    with pytest.raises(UserError, match="customer's name"):
        Budget("customer", " ", 100.0).checked()
    with pytest.raises(UserError, match="a customer or the total"):
        Budget("client", "acme", 100.0).checked()


def test_worthit_budgets_sets_and_lists_a_customer_budget(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    with workspace.open() as cache:
        setup(cache, tmp_path, BILL_DAYS[0])
    code, out, _ = run_cli(capsys, workspace, "budgets", "set", "--customer", "acme",
                           "--amount", "1400")
    assert code == 0 and out.startswith("Budget for Customer acme: $1,400.00 a month")
    code, out, _ = run_cli(capsys, workspace, "budgets", "list", "--output", "json")
    [row] = json.loads(out)["budgets"]
    assert (row["scope"], row["name"], row["spent"], row["forecast"]) == \
        ("customer", "acme", 1000.0, 1500.0)
    code, out, _ = run_cli(capsys, workspace, "budgets", "remove", "--customer", "acme")
    assert code == 0 and "Removed the customer budget for 'acme'" in out

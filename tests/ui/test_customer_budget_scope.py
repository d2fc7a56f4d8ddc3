"""A customer's budget from the Alerts page (issue 21): the editor offers the Customer scope
with the customers the traces know, and the budget shows the customer's allocated spend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pytestqt.qtbot import QtBot
from tests.analysis.test_customer_budgets import setup
from tests.ui.support import TIMEOUT, open_page

from worthit.store.alerts import Budget, load_budgets
from worthit.ui.views.alerts import AlertsPage, BudgetDialog
from worthit.workspace import Workspace


def test_a_customer_budget_is_added_from_the_traces_customers(qtbot: QtBot,
                                                              tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    with workspace.open() as cache:
        setup(cache, tmp_path, dt.date(2026, 10, 11))
    _, page = open_page(qtbot, workspace, "alerts", AlertsPage)
    dialog = page.edit_budget(None)
    assert isinstance(dialog, BudgetDialog)
    dialog.scope.setCurrentIndex(dialog.scope.findData("customer"))
    assert dialog.scope.currentText() == "Customer"
    assert [dialog.name.itemText(i) for i in range(dialog.name.count())] == ["acme", "globex"]
    assert "allocated from the bill" in dialog.name.toolTip()
    dialog.name.setCurrentText("acme")
    dialog.amount.setValue(1_400)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        dialog.save()
    with workspace.open() as cache:
        assert load_budgets(cache) == [Budget("customer", "acme", 1_400.0)]
    row = page.budgets.record(0)
    # Nov 1–20 at $50 a day (half of a $100 bill), forecast $1,500 for the month.
    assert row["label"] == "Customer acme"
    assert (round(row["spent"], 2), round(row["forecast"], 2)) == (1_000.00, 1_500.00)

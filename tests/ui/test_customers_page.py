"""The Customers page in a real offscreen window: on a workspace holding an AI bill, request
traces and revenue it lists each customer with the figures the analysis computes for the
period on show, the one over the threshold first and Not traced last (in either sort
order), so the cost column adds up to the bill; the cards, the tie's warnings and the
per-model gap show; choosing a customer drills into it by feature, model and day; the
threshold is set from the page; without traces the page says where traces come from."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.analysis.test_customers import charge, usage_csv
from tests.ui.support import TIMEOUT, open_page, written

from worthit.analysis.customer_margin import customer_margins
from worthit.analysis.customers import NOT_TRACED
from worthit.core.money import money, percent
from worthit.pages.customers import EMPTY
from worthit.store.revenue import Revenue, replace_revenue
from worthit.sync.importer import import_file
from worthit.ui.views.customers import CustomersPage
from worthit.workspace import Workspace

D = dt.date
DAYS = [D(2026, 9, 1), D(2026, 9, 2), D(2026, 9, 3)]
#: Each day: $120 billed for 1M input and 200k output tokens (list price $3.60).
SHARES = {"acme": 0.5, "globex": 0.3, "initech": 0.1}


@pytest.fixture
def traced_workspace(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    rows = [(d.isoformat(), c, "gpt-4.1", int(1_000_000 * s), 0, 0, int(200_000 * s), 10,
             f"run-{c}-{d.day}", "review" if c != "acme" or d.day == 1 else "chat")
            for d in DAYS for c, s in SHARES.items()]
    rows.append((DAYS[0].isoformat(), "acme", "gpt-mystery", 1000, 0, 0, 0, 1, "", "chat"))
    with workspace.open() as cache:
        cache.replace_charges("bill", DAYS[0], DAYS[-1], [
            charge(d, 120.0, 1_000_000, 0, 200_000) for d in DAYS])
        import_file(cache, usage_csv(tmp_path / "usage.csv", rows))
        # September's revenue: 3 of its 30 days are in the period.
        replace_revenue(cache, [Revenue("2026-09", "acme", 6000.0, "USD"),
                                Revenue("2026-09", "globex", 2700.0, "USD"),
                                Revenue("2026-09", "initech", 100.0, "USD")])
    return workspace


def cells(page: CustomersPage, view: str = "table") -> list[list[str]]:
    model = getattr(page, view).model()
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_the_page_shows_each_customer_as_the_analysis_computes_it(
        qtbot: QtBot, qtmodeltester: ModelTester, traced_workspace: Workspace) -> None:
    _, page = open_page(qtbot, traced_workspace, "customers", CustomersPage)
    assert page.period is not None and page.period.end == DAYS[-1]
    with traced_workspace.open() as cache:
        expected = customer_margins(cache, page.period)
    rows = cells(page)
    # initech: $36 of AI (10 % of $360) against $10 of revenue (100 × 3/30): over 50 %.
    assert [r[0] for r in rows] == ["initech", "acme", "globex", NOT_TRACED]
    for row, r in zip(rows, expected.rows, strict=True):
        assert row[0] == r.customer
        assert row[1] == money(r.cost, "USD")
        assert row[5] == ("–" if r.revenue is None else money(r.revenue, "USD"))
        assert row[7] == ("–" if r.margin is None else money(r.margin, "USD"))
    assert rows[0][1] == "$36.00" and rows[0][5] == "$10.00" and rows[0][6] == "360.0 %"
    assert rows[1][5] == "$600.00" and rows[1][6] == "30.0 %"
    assert rows[1][7] == money(600.0 - 180.0, "USD")
    assert rows[-1][1] == "$36.00" and rows[-1][3] == ""  # Not traced: 10 % of the bill
    assert math.fsum(float(r.cost) for r in expected.rows) == pytest.approx(360.0)
    # The over-threshold share is coloured; the money headers say what the figures are.
    model = page.table.model()
    assert model.index(0, 6).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "Allocated from the bill" in model.headerData(
        1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "list price" in model.headerData(2, Qt.Orientation.Horizontal,
                                            Qt.ItemDataRole.ToolTipRole)
    # Cards.
    assert page.bill_card.value.text() == "$360.00"
    assert page.traced_card.value.text() == percent(0.9, digits=0)
    assert page.not_traced_card.value.text() == "$36.00"
    assert page.over_card.value.text() == "1" and "initech" in page.over_card.note.text()
    # The traced model without a price, nor a bill, is warned of.
    assert page.warnings.isVisible()
    assert "No price for OpenAI gpt-mystery" in page.warnings.text()
    assert "No revenue kept for 2026-08" in page.notes.text()
    gaps = cells(page, "gaps")
    assert gaps == [["OpenAI gpt-4.1", "$360.00", "$10.80", "$9.72", "−$349.20"]]
    for view in (page.table, page.drill, page.gaps):
        qtmodeltester.check(view.model().sourceModel())


def test_not_traced_stays_last_in_either_sort_order(
        qtbot: QtBot, traced_workspace: Workspace) -> None:
    _, page = open_page(qtbot, traced_workspace, "customers", CustomersPage)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        page.table.sortByColumn(1, order)
        names = [r[0] for r in cells(page)]
        assert names[-1] == NOT_TRACED
        costs = [page.table.model().index(r, 1).data(Qt.ItemDataRole.UserRole)
                 for r in range(len(names) - 1)]
        assert costs == sorted(costs, reverse=order == Qt.SortOrder.DescendingOrder)


def drill(page: CustomersPage) -> list[list[Any]]:
    return cells(page, "drill")


def test_choosing_a_customer_drills_into_it_by_feature_model_and_day(
        qtbot: QtBot, traced_workspace: Workspace) -> None:
    _, page = open_page(qtbot, traced_workspace, "customers", CustomersPage)
    page.table.selectRow(1)  # acme: $180, $60 of it on the first day's review
    assert page.drill_title.text() == "acme"
    assert drill(page) == [["chat", "$120.00", "21", "1.2M"],
                           ["review", "$60.00", "10", "600k"]]
    page.drill_tabs.setCurrentIndex(1)
    assert page.drill.model().headerData(0, Qt.Orientation.Horizontal) == "Model"
    assert [r[:2] for r in drill(page)] == [["gpt-4.1", "$180.00"], ["gpt-mystery", "$0.00"]]
    page.drill_tabs.setCurrentIndex(2)
    assert [r[:2] for r in drill(page)] == [[d.isoformat(), "$60.00"] for d in DAYS]
    # Not traced by day: the 10 % of each day's bill no trace covers.
    page.table.selectRow(3)
    assert [r[:2] for r in drill(page)] == [[d.isoformat(), "$12.00"] for d in DAYS]


def test_the_threshold_is_set_from_the_page(qtbot: QtBot,
                                            traced_workspace: Workspace) -> None:
    _, page = open_page(qtbot, traced_workspace, "customers", CustomersPage)
    assert page.threshold.text() == "50 %"
    page.threshold.setText("35")  # globex: $108 of AI for $270 of revenue (40 %)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.threshold.returnPressed.emit()
        written(traced_workspace)
    assert [r[0] for r in cells(page)][:3] == ["initech", "globex", "acme"]
    assert page.over_card.value.text() == "2"
    page.threshold.setText("many")
    page.threshold.returnPressed.emit()
    assert page.error.isVisible() and "'many' is not a share" in page.error.text()


def test_without_traces_the_page_says_where_they_come_from(
        qtbot: QtBot, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    with workspace.open() as cache:
        cache.replace_charges("bill", DAYS[0], DAYS[0], [charge(DAYS[0], 50.0, 1000, 0, 0)])
    _, page = open_page(qtbot, workspace, "customers", CustomersPage)
    assert cells(page) == [[NOT_TRACED, "$50.00", "–", "", "", "–", "–", "–"]]
    assert EMPTY in page.notes.text() and "worthit customers import" in page.notes.text()
    assert page.traced_card.value.text() == "–" and page.over_card.value.text() == "–"


def test_an_alerts_focus_chooses_its_customer(qtbot: QtBot,
                                              traced_workspace: Workspace) -> None:
    """A customer budget alert opens this page on its customer (alert_schedule._focus
    calls choose); a customer not in the period changes nothing."""
    from worthit.ui.alert_schedule import _focus

    _, page = open_page(qtbot, traced_workspace, "customers", CustomersPage)
    assert page.drill_title.text() != "acme"
    _focus(page, "acme")
    assert page.drill_title.text() == "acme"
    _focus(page, "nobody")
    assert page.drill_title.text() == "acme"

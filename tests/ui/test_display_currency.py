"""The window on a workspace billed in USD, EUR and NOK: every page shows one currency and
the same figures as the report; View › Display currency… changes it on every page; without
the rates a period needs, the page says which are missing and shows no sum."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from tests.currency_workspace import JANUARY, build, ecb_rates, expected
from tests.ui.support import TIMEOUT, open_page, written

from worthit.core.money import money
from worthit.core.periods import Period
from worthit.store.display import display_currency
from worthit.ui import workers
from worthit.ui.currency_dialog import CurrencyDialog, open_currency_dialog
from worthit.ui.main_window import MainWindow
from worthit.ui.views.allocation import AllocationPage
from worthit.ui.views.overview import OverviewPage
from worthit.workspace import Workspace

RATES = ecb_rates()
PERIOD = Period(*JANUARY)


def shown(card: object) -> str:
    return card.value.text()  # type: ignore[attr-defined]


@pytest.fixture
def rated(tmp_path: Path) -> Workspace:
    return build(tmp_path / "ws", rates=RATES)


def test_the_pages_show_the_display_currency_and_follow_a_change_of_it(
        qtbot: QtBot, rated: Workspace) -> None:
    win, overview = open_page(qtbot, rated, "overview", OverviewPage)
    with qtbot.waitSignal(overview.loaded, timeout=TIMEOUT):
        overview.load(PERIOD)
    assert overview.result is not None and overview.result.currency == "USD"
    assert shown(overview.total) == money(expected(RATES, "USD", *JANUARY))
    assert "Converted from EUR, NOK to USD" in overview.total.toolTip()

    dialog = open_currency_dialog(win)
    assert isinstance(dialog, CurrencyDialog)
    assert dialog.default == "USD"
    dialog.code.setCurrentText("eur")
    with qtbot.waitSignals([dialog.chosen, overview.loaded], timeout=TIMEOUT):
        dialog.save()
    written(rated)
    with rated.open() as cache:
        assert display_currency(cache) == "EUR"
    # Recomputed for the window's period (the last 30 days with data), in EUR.
    assert overview.result is not None and overview.result.currency == "EUR"
    period = overview.result.period
    assert shown(overview.total) == money(expected(RATES, "EUR", period.start, period.end),
                                          "EUR")
    assert shown(overview.total).startswith("€")

    # The other pages recompute in EUR when shown.
    allocation = win.pages["allocation"]
    assert isinstance(allocation, AllocationPage)
    with qtbot.waitSignal(allocation.loaded, timeout=TIMEOUT):
        win.show_page("allocation")
    with qtbot.waitSignal(allocation.loaded, timeout=TIMEOUT):
        allocation.load(PERIOD)
    assert allocation.result is not None and allocation.result.currency == "EUR"
    assert shown(allocation.total) == money(expected(RATES, "EUR", *JANUARY), "EUR")
    assert "converted from NOK, USD" in allocation.total.note.text()
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)


def test_a_code_that_is_no_currency_is_refused_in_the_dialog(
        qtbot: QtBot, rated: Workspace) -> None:
    win, _ = open_page(qtbot, rated, "overview", OverviewPage)
    dialog = open_currency_dialog(win)
    dialog.code.setCurrentText("dollars")
    with qtbot.waitSignal(dialog.failed, timeout=TIMEOUT):
        dialog.save()
    assert "not an ISO 4217 currency code" in dialog.error.text()
    with rated.open() as cache:
        assert display_currency(cache) == "USD"
    dialog.close()


def test_without_rates_a_page_names_the_missing_rates_and_shows_no_sum(
        qtbot: QtBot, tmp_path: Path) -> None:
    workspace = build(tmp_path / "ws", rates=None)
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    overview = win.pages["overview"]
    with qtbot.waitSignal(overview.failed, timeout=TIMEOUT) as failed:
        win.show()  # the last 30 days with data: EUR and NOK charges, no rate
    assert "no EUR→USD rate" in failed.args[0]
    page = win.pages["allocation"]
    assert isinstance(page, AllocationPage)
    with qtbot.waitSignal(page.failed, timeout=TIMEOUT):
        win.show_page("allocation")
    with qtbot.waitSignal(page.failed, timeout=TIMEOUT) as failed:
        page.load(PERIOD)
    message = failed.args[0]
    assert "no EUR→USD rate on or before 2026-01-05 … 2026-01-31" in message
    assert "no NOK→USD rate on or before 2026-01-10 … 2026-01-31" in message
    assert "worthit rates import" in message
    assert page.error.isVisible() and page.error.text() == message
    assert page.result is None and shown(page.total) == "–"  # nothing was summed
    # A period billed in the display currency only is shown, rate or not.
    early = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 4))
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.load(early)
    assert not page.error.isVisible()
    assert page.result is not None and page.result.period == early
    assert shown(page.total) == money(expected(RATES, "USD", early.start, early.end))
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)

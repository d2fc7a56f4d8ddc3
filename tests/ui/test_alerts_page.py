"""The Alerts page in the main window, driven as a user would (pytest-qt, offscreen): budgets
added, edited and removed with their thresholds; the alert history with acknowledge and
mute-until, counted in the navigation's badge; each alert opening the page that explains
it; the schedule switched off; the webhook set from the page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.alerts.conftest import Hook, hook, keyring_file  # noqa: F401 - fixtures
from tests.ui.support import open_page, written

from worthit.alerts import run_check
from worthit.store.alerts import Budget, load_budgets, load_settings, save_budget
from worthit.ui.main_window import MainWindow
from worthit.ui.views.alerts import AlertsPage, BudgetDialog, WebhookDialog
from worthit.workspace import Workspace

TIMEOUT = 30_000
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def checked(writable: Workspace) -> Workspace:
    """The demo with a budget for devex, checked once: its alerts are in the history."""
    with writable.open() as cache:
        save_budget(cache, Budget("team", "devex", 40_000.0))  # 92 %, forecast over
        run_check(cache, now=NOW)
    return writable


@pytest.fixture
def window(qtbot: QtBot, checked: Workspace) -> tuple[MainWindow, AlertsPage]:
    return open_page(qtbot, checked, "alerts", AlertsPage)


def rows(page: AlertsPage) -> list[str]:
    model = page.history_view.model()
    return [model.index(r, 2).data() for r in range(model.rowCount())]


def choose(qtbot: QtBot, page: AlertsPage, kind: str) -> None:
    alert = next(a for a in page.snapshot.alerts if a.kind == kind)  # type: ignore[union-attr]
    page.choose(alert.key)
    assert page.current() is not None and page.current().kind == kind  # type: ignore[union-attr]


def test_the_history_budgets_and_badge(window: tuple[MainWindow, AlertsPage],
                                       qtmodeltester: ModelTester) -> None:
    win, page = window
    # Five as before, and the planted commitments' four: the Bedrock throughput under 70 %
    # used, and the reserved instances, PTU and throughput ending within 30 days.
    assert win.alert_schedule.badge == "Alerts (9)"
    shown = rows(page)
    assert len(shown) == 9
    assert "Team devex: 92 % of budget used" in shown
    assert any(text.startswith("code-review-agent: cost spike, Nov 7–9") for text in shown)
    assert page.attention_card.value.text() == "9"
    assert page.attention_card.note.text() == "2 breaches among them"
    assert page.budgets_card.value.text() == "0 of 1 over budget"
    budget = page.budgets.record(0)
    assert (budget["label"], budget["amount"]) == ("Team devex", 40_000.0)
    assert budget["alerts_at"] == "50 %, 80 %, 100 % and forecast"
    assert page.check_card.value.text().endswith("UTC")
    qtmodeltester.check(page.history)
    qtmodeltester.check(page.budgets)


def test_acknowledge_and_mute_change_the_state_and_the_badge(
        qtbot: QtBot, window: tuple[MainWindow, AlertsPage]) -> None:
    win, page = window
    choose(qtbot, page, "spike")
    assert not page.unmute_button.isEnabled()  # nothing to unmute
    qtbot.mouseClick(page.acknowledge_button, Qt.MouseButton.LeftButton)
    written(page.workspace)
    assert page.current().acknowledged_at is not None  # type: ignore[union-attr]
    assert page.acknowledge_button.text() == "Mark as new"
    assert win.alert_schedule.badge == "Alerts (8)"

    choose(qtbot, page, "unit_cost")
    until = NOW.date() + dt.timedelta(days=3)
    page.mute_date.setDate(QDate(until))
    qtbot.mouseClick(page.mute_button, Qt.MouseButton.LeftButton)
    written(page.workspace)
    assert page.current().state(NOW.date()) == f"muted until {until}"  # type: ignore[union-attr]
    assert page.unmute_button.isEnabled()
    assert win.alert_schedule.badge == "Alerts (7)"
    page.only_open.setChecked(True)
    assert len(rows(page)) == 7
    page.only_open.setChecked(False)
    choose(qtbot, page, "unit_cost")
    # A day in the past is refused, in words.
    page.mute_date.setDate(QDate(NOW.date()))
    qtbot.mouseClick(page.mute_button, Qt.MouseButton.LeftButton)
    assert page.error.isVisible() and "after today" in page.error.text()
    assert page.current().muted_until == until  # type: ignore[union-attr]
    qtbot.mouseClick(page.unmute_button, Qt.MouseButton.LeftButton)
    written(page.workspace)
    assert win.alert_schedule.badge == "Alerts (8)"
    # Kept in the workspace: a new window counts the same.
    with page.workspace.open() as cache:
        from worthit.store.alerts import attention_count

        assert attention_count(cache, NOW.date()) == 8


def test_an_alert_opens_the_page_that_explains_it(
        qtbot: QtBot, window: tuple[MainWindow, AlertsPage]) -> None:
    win, page = window
    choose(qtbot, page, "spike")
    assert page.open_button.text() == "Open Leaks ›"
    leaks = win.pages["leaks"]
    with qtbot.waitSignal(leaks.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert win.current_page is leaks
    assert leaks.selected == "runaway_agent:apikey_02CodeReviewAgent"  # type: ignore[attr-defined]

    win.show_page("alerts")
    choose(qtbot, page, "budget")
    allocation = win.pages["allocation"]
    with qtbot.waitSignal(allocation.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert win.current_page is allocation
    assert allocation.focus == ("devex",)  # type: ignore[attr-defined]

    win.show_page("alerts")
    choose(qtbot, page, "unit_cost")
    units = win.pages["units"]
    with qtbot.waitSignal(units.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert units.selected == page.current().focus  # type: ignore[attr-defined, union-attr]


def test_budgets_are_added_edited_and_removed(
        qtbot: QtBot, window: tuple[MainWindow, AlertsPage]) -> None:
    _, page = window
    dialog = page.edit_budget(None)
    assert isinstance(dialog, BudgetDialog)
    dialog.scope.setCurrentIndex(dialog.scope.findData("feature"))
    assert "code-review-agent" in [dialog.name.itemText(i) for i in range(dialog.name.count())]
    dialog.name.setCurrentText("code-review-agent")
    dialog.amount.setValue(25_000)
    dialog.thresholds.setText("90, abc")
    dialog.save()
    assert dialog.problem.isVisible() and "'abc' is not a per cent" in dialog.problem.text()
    dialog.thresholds.setText("75, 100")
    dialog.forecast.setChecked(False)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        dialog.save()
    labels = [page.budgets.record(r)["label"] for r in range(page.budgets.rowCount())]
    assert labels == ["Feature code-review-agent", "Team devex"]
    with page.workspace.open() as cache:
        assert load_budgets(cache)[0] == Budget("feature", "code-review-agent", 25_000.0,
                                                (75.0, 100.0), False)

    page.budgets_view.selectRow(1)
    dialog = page.edit_budget(page.current_budget())
    assert (dialog.name.currentText(), dialog.amount.value()) == ("devex", 40_000.0)
    dialog.name.setCurrentText("search")
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        dialog.save()
    with page.workspace.open() as cache:
        assert [b.name for b in load_budgets(cache)] == ["code-review-agent", "search"]

    page.budgets_view.selectRow(0)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert page.budgets.rowCount() == 1


def test_switching_the_schedule_off_is_kept_and_the_watcher_follows(
        qtbot: QtBot, window: tuple[MainWindow, AlertsPage]) -> None:
    win, page = window
    assert page.schedule_state.text().startswith("Next check at ")
    page.schedule.setChecked(False)
    assert page.schedule_state.text() == "Scheduled checks are off"
    assert not win.alert_schedule.settings.schedule_enabled
    written(page.workspace)
    with page.workspace.open() as cache:
        assert not load_settings(cache).schedule_enabled
    win.alert_schedule.clock = lambda: NOW + dt.timedelta(days=1)
    win.alert_schedule.poll()
    assert not win.alert_schedule.running  # off: the due check does not run
    page.schedule.setChecked(True)
    page.interval.setValue(15)
    page.interval.editingFinished.emit()
    written(page.workspace)
    with page.workspace.open() as cache:
        assert load_settings(cache).interval_minutes == 15
    assert win.alert_schedule.interval == dt.timedelta(minutes=15)


def test_the_webhook_is_set_from_the_page_and_never_shown_back(
        qtbot: QtBot, window: tuple[MainWindow, AlertsPage], hook: Hook,  # noqa: F811
        keyring_file: Path) -> None:  # noqa: F811
    _, page = window
    assert page.webhook_state.text() == "Webhook: off"
    dialog = page.open_webhook()
    assert isinstance(dialog, WebhookDialog)
    dialog.url.setText("not a url")
    dialog.save()
    written(page.workspace)
    assert "starts with https://" in dialog.status.text()
    dialog.url.setText(hook.url)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        dialog.save()
    assert page.webhook_state.text() == "Webhook: set"
    assert dialog.url.text() == ""
    dialog.send_test()
    qtbot.waitUntil(lambda: dialog.status.text() == "The webhook took the test message.",
                    timeout=TIMEOUT)
    assert json.dumps(hook.bodies()[0]).count("a test message") == 1
    dialog.close()


def test_a_failed_webhook_delivery_is_shown_on_the_alert(
        qtbot: QtBot, window: tuple[MainWindow, AlertsPage]) -> None:
    from worthit.store.alerts import record_delivery

    _, page = window
    alert = page.snapshot.alerts[0]  # type: ignore[union-attr]
    with page.workspace.open() as cache:
        record_delivery(cache, alert.key, sent=False, attempts=3,
                        error="HTTP 500 Internal Server Error: upstream is down", at=NOW)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.reload()
    page.choose(alert.key)
    assert page.delivery.isVisibleTo(page)
    assert page.delivery.text() == (
        "Webhook: not delivered after 3 attempts: HTTP 500 Internal Server Error: upstream "
        "is down. Retried on the next check.")
    page.choose(page.snapshot.alerts[1].key)  # type: ignore[union-attr]
    assert not page.delivery.isVisibleTo(page)

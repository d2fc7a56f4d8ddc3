"""The scheduled sync and check while the app runs, with a fake clock: nothing runs before
it is due; once due, the sync brings new charges, the check raises a new alert, which
appears in the history and the badge and raises a notification (offscreen has no system
tray: the status bar says it); and the window keeps handling events meanwhile (the pass is
held mid-way on its worker while the UI thread runs a queued callback)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot
from tests.test_sync import shift_mtime, write_focus
from tests.ui.support import open_page

import worthit.alerts
from worthit.alerts import Pass, run_check
from worthit.store.alerts import Budget, save_budget
from worthit.sync.importer import import_file
from worthit.ui import workers
from worthit.ui.alert_schedule import STARTUP_GRACE
from worthit.ui.main_window import MainWindow
from worthit.ui.views.alerts import AlertsPage
from worthit.ui.views.overview import OverviewPage
from worthit.workspace import Workspace

TIMEOUT = 60_000
HOLD_S = 60  # the longest a held pass waits for the test: a limit for a hang, not a speed
START = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def prepared(writable: Workspace, tmp_path: Path) -> tuple[Workspace, Path]:
    """The demo plus a bill file (a source a sync re-imports when it changes), a budget
    for the whole workspace at 97 %, and one check already made."""
    bill = write_focus(tmp_path / "bills" / "extra.csv", {"2026-11-26": ("10", "10")})
    with writable.open() as cache:
        import_file(cache, bill, source="extra")
        save_budget(cache, Budget("total", "", 130_000.0))
        run_check(cache, now=START - dt.timedelta(hours=2))
    return writable, bill


@pytest.fixture
def window(qtbot: QtBot, prepared: tuple[Workspace, Path]) -> Iterator[MainWindow]:
    win, _ = open_page(qtbot, prepared[0], "overview", OverviewPage)
    yield win
    # Whatever the window started (the Overview's first load, a pass) ends before the
    # test does: waited for as a state, where a busy machine takes its time.
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)


def test_the_scheduled_sync_raises_a_new_alert_in_the_history_and_the_badge(
        qtbot: QtBot, window: MainWindow, prepared: tuple[Workspace, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, bill = prepared
    clock = Clock(START)
    alert_schedule = window.alert_schedule
    alert_schedule.clock = clock  # the window's own alert_schedule, on the fake clock
    alert_schedule.restart()
    page = window.pages["alerts"]
    assert isinstance(page, AlertsPage)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        window.show_page("alerts")
    before = len(page.snapshot.alerts)  # type: ignore[union-attr]
    # The demo's three, the budget (past 80 %, and forecast to go over), and the planted
    # commitments' four (one under 70 % used, three ending within 30 days).
    assert alert_schedule.badge == "Alerts (9)"

    # Not due yet: the last check was two hours ago, but the app has just started.
    alert_schedule.timer.timeout.emit()
    assert not alert_schedule.running
    clock.now += STARTUP_GRACE
    # New charges arrive in the bill: $10,000 more spend on the last day.
    write_focus(bill, {"2026-11-26": ("10000", "10000")})
    shift_mtime(bill)

    # The pass holds as it begins, on whichever thread runs it, until the test lets it
    # go on. The UI thread is never held (the test would hang): it shows in ``threads``.
    reached, go_on = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []
    real_run_watch = worthit.alerts.run_check

    def held_run_watch(*args: Any, **kwargs: Any) -> Pass:
        threads.append(threading.current_thread())
        reached.set()
        if threading.current_thread() is not threading.main_thread():
            go_on.wait(HOLD_S)
        return real_run_watch(*args, **kwargs)

    monkeypatch.setattr(worthit.alerts, "run_check", held_run_watch)
    seen: list[tuple[bool, bool]] = []
    try:
        with qtbot.waitSignal(alert_schedule.checked, timeout=TIMEOUT) as done, \
                qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
            alert_schedule.timer.timeout.emit()  # the timer's tick, now due
            assert alert_schedule.running
            qtbot.waitUntil(reached.is_set, timeout=TIMEOUT)
            # The event loop runs while the pass is held on its worker.
            QTimer.singleShot(0, lambda: seen.append((alert_schedule.running, not go_on.is_set())))
            qtbot.waitUntil(lambda: bool(seen), timeout=TIMEOUT)
            go_on.set()
    finally:
        go_on.set()  # a failed test leaves no worker held
    assert seen == [(True, True)], "the UI thread ran only once the pass had ended"
    assert threads, "the pass never ran"
    assert threading.main_thread() not in threads, "the pass ran on the UI thread"
    qtbot.waitUntil(lambda: not alert_schedule.running, timeout=TIMEOUT)

    result: Pass = done.args[0]  # type: ignore[index]
    assert [o.result for o in result.outcomes if o.source == "extra"] == ["ok"]
    assert result.charges_changed
    assert [a.key for a in result.new] == ["budget:total::2026-11:100"]
    # In the history and the badge.
    assert len(page.snapshot.alerts) == before + 1  # type: ignore[union-attr]
    assert page.snapshot.alerts[0].key == "budget:total::2026-11:100"  # type: ignore[union-attr]
    assert alert_schedule.badge == "Alerts (10)"
    assert page.attention_card.value.text() == "10"
    superseded = {a.key: a.active for a in page.snapshot.alerts  # type: ignore[union-attr]
                  if a.subject == "budget:total:"}
    assert superseded == {"budget:total::2026-11:100": True, "budget:total::2026-11:80": False,
                          "budget:total::2026-11:forecast": False}
    # Notified: the status bar always, the system tray where there is one.
    [(title, text)] = alert_schedule.notifications
    assert title == "Worthit: 1 new alert"
    assert text.startswith("Whole workspace is over its $130,000 budget for November 2026")
    assert window.statusBar().currentMessage().startswith(title)
    assert alert_schedule.tray is None  # offscreen has no tray, and nothing failed for it
    # Other pages recompute with the new charges when next shown.
    assert window.pages["overview"].period is None
    # The next check is an interval away, and not due before.
    assert alert_schedule.next_due == clock.now + dt.timedelta(hours=1)
    clock.now += dt.timedelta(minutes=59)
    alert_schedule.poll()
    assert not alert_schedule.running



def test_a_failing_pass_is_said_and_the_schedule_goes_on(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    import worthit.alerts

    def broken(*args: object, **kwargs: object) -> Pass:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(worthit.alerts, "run_check", broken)
    clock = Clock(START + dt.timedelta(hours=3))
    alert_schedule = window.alert_schedule
    alert_schedule.clock = clock
    with qtbot.waitSignal(alert_schedule.failed, timeout=TIMEOUT) as failed:
        assert alert_schedule.run(sync=False)
        assert not alert_schedule.run(sync=False)  # one at a time
    qtbot.waitUntil(lambda: not alert_schedule.running, timeout=TIMEOUT)
    assert "disk on fire" in failed.args[0]  # type: ignore[index]
    assert "runs again at the next interval" in window.statusBar().currentMessage()
    assert alert_schedule.next_due == clock.now + alert_schedule.interval

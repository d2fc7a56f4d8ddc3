"""The scheduled sync and check while the app runs, with a fake clock: nothing runs before
it is due; once due, the sync brings new charges, the check raises a new alert, which
appears in the history and the badge and raises a notification (offscreen has no system
tray: the status bar says it); and the window keeps painting meanwhile."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer
from pytestqt.qtbot import QtBot
from tests.test_sync import shift_mtime, write_focus

from worthit.sources.importer import import_file
from worthit.store.watch import Budget, save_budget
from worthit.ui.app import application
from worthit.ui.main_window import MainWindow
from worthit.ui.views.alerts import AlertsPage
from worthit.ui.watcher import STARTUP_GRACE
from worthit.watch import Pass, run_watch
from worthit.workspace import Workspace

TIMEOUT = 60_000
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
        save_budget(cache, Budget("total", "", 115_000.0))
        run_watch(cache, now=START - dt.timedelta(hours=2))
    return writable, bill


@pytest.fixture
def window(qtbot: QtBot, prepared: tuple[Workspace, Path]) -> Iterator[MainWindow]:
    application()
    win = MainWindow(prepared[0])
    qtbot.addWidget(win)
    win.show()
    yield win


def test_the_scheduled_sync_raises_a_new_alert_in_the_history_and_the_badge(
        qtbot: QtBot, window: MainWindow, prepared: tuple[Workspace, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    _, bill = prepared
    clock = Clock(START)
    watcher = window.watcher
    watcher.clock = clock  # the window's own watcher, on the fake clock
    watcher.restart()
    page = window.pages["alerts"]
    assert isinstance(page, AlertsPage)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        window.show_page("alerts")
    before = len(page.snapshot.alerts)  # type: ignore[union-attr]
    # The demo's three, and the budget: past 80 %, and forecast to go over.
    assert watcher.badge == "Alerts (5)"

    # Not due yet: the last check was two hours ago, but the app has just started.
    watcher.timer.timeout.emit()
    assert not watcher.running
    clock.now += STARTUP_GRACE
    # New charges arrive in the bill: $10,000 more spend on the last day.
    write_focus(bill, {"2026-11-26": ("10000", "10000")})
    shift_mtime(bill)

    ticks: list[int] = []
    elapsed = QElapsedTimer()
    elapsed.start()
    heartbeat = QTimer()
    heartbeat.setInterval(50)
    heartbeat.timeout.connect(lambda: ticks.append(elapsed.elapsed()))
    heartbeat.start()
    with qtbot.waitSignal(watcher.checked, timeout=TIMEOUT) as done, \
            qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        watcher.timer.timeout.emit()  # the timer's tick, now due
        assert watcher.running
    heartbeat.stop()
    qtbot.waitUntil(lambda: not watcher.running, timeout=TIMEOUT)

    result: Pass = done.args[0]  # type: ignore[index]
    assert [o.result for o in result.outcomes if o.source == "extra"] == ["ok"]
    assert result.charges_changed
    assert [a.key for a in result.new] == ["budget:total::2026-11:100"]
    # In the history and the badge.
    assert len(page.snapshot.alerts) == before + 1  # type: ignore[union-attr]
    assert page.snapshot.alerts[0].key == "budget:total::2026-11:100"  # type: ignore[union-attr]
    assert watcher.badge == "Alerts (6)"
    assert page.attention_card.value.text() == "6"
    superseded = {a.key: a.active for a in page.snapshot.alerts  # type: ignore[union-attr]
                  if a.subject == "budget:total:"}
    assert superseded == {"budget:total::2026-11:100": True, "budget:total::2026-11:80": False,
                          "budget:total::2026-11:forecast": False}
    # Notified: the status bar always, the system tray where there is one.
    [(title, text)] = watcher.notifications
    assert title == "Worthit: 1 new alert"
    assert text.startswith("Whole workspace is over its $115,000 budget for November 2026")
    assert window.statusBar().currentMessage().startswith(title)
    assert watcher.tray is None  # offscreen has no tray, and nothing failed for it
    # Other pages recompute with the new charges when next shown.
    assert window.pages["overview"].period is None
    # The next check is an interval away, and not due before.
    assert watcher.next_due == clock.now + dt.timedelta(hours=1)
    clock.now += dt.timedelta(minutes=59)
    watcher.poll()
    assert not watcher.running

    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    with capsys.disabled():
        print(f"\nUI heartbeat during the scheduled sync and check: {len(ticks)} ticks of "
              f"50 ms, longest gap {max(gaps, default=0)} ms")
    assert len(ticks) >= 2  # the event loop kept running while the worker worked


def test_a_failing_pass_is_said_and_the_schedule_goes_on(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    import worthit.watch

    def broken(*args: object, **kwargs: object) -> Pass:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(worthit.watch, "run_watch", broken)
    clock = Clock(START + dt.timedelta(hours=3))
    watcher = window.watcher
    watcher.clock = clock
    with qtbot.waitSignal(watcher.failed, timeout=TIMEOUT) as failed:
        assert watcher.run(sync=False)
        assert not watcher.run(sync=False)  # one at a time
    qtbot.waitUntil(lambda: not watcher.running, timeout=TIMEOUT)
    assert "disk on fire" in failed.args[0]  # type: ignore[index]
    assert "runs again at the next interval" in window.statusBar().currentMessage()
    assert watcher.next_due == clock.now + watcher.interval

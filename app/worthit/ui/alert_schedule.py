"""While the app runs, it keeps watch: on a schedule (default hourly, set on the Alerts page
and kept in the workspace), a sync of every source and then a check
(:func:`worthit.alerts.run_check`) on a worker, so the window never waits. New alerts raise a
desktop notification (the system tray, where there is one; the status bar always) and a
badge on the navigation ("Alerts (3)").

The schedule runs on wall-clock time through an injectable ``clock``: a timer polls every
minute whether the next check is due, so a laptop waking from sleep catches up at once,
and a test moves the clock instead of waiting an hour."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from worthit.core.errors import Cancelled, UserError
from worthit.pages import TITLES
from worthit.store.alerts import AlertSettings, attention_count, last_check, load_settings
from worthit.ui import workers

if TYPE_CHECKING:
    from worthit.alerts import Pass
    from worthit.ui.main_window import MainWindow
    from worthit.ui.views.page import Page

log = logging.getLogger(__name__)

POLL_MS: Final = 60_000
#: The first check waits this long after start: opening the app is not a reason to sync.
STARTUP_GRACE: Final = dt.timedelta(minutes=5)
NOTIFY_MS: Final = 15_000


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AlertSchedule(QObject):
    """Owned by the main window. Signals: ``checked(object)`` with each pass's
    :class:`~worthit.alerts.Pass`, ``notified(str, str)`` with a notification's title and
    text, ``failed(str)`` with why a pass could not run."""

    checked = Signal(object)
    notified = Signal(str, str)
    failed = Signal(str)

    def __init__(self, window: MainWindow,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = window.workspace
        self.clock = clock
        self.settings = AlertSettings()
        self.next_due = clock()
        count = self.restart()
        self.notifications: list[tuple[str, str]] = []
        self.last_pass: Pass | None = None
        self.tray: QSystemTrayIcon | None = None
        self._worker: workers.Worker | None = None
        self._doing = ""  # what a pass under way is doing, for the Alerts page when built
        self._stop = threading.Event()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        window.page_built.connect(self._attach)  # the Alerts page is built when first shown
        if self.page is not None:  # built before this schedule was made
            self._attach("alerts")
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        self.update_badge(count)
        self._say()

    @property
    def page(self) -> Any:
        """The window's Alerts page, or None until it is built."""
        return self.window.pages.get_built("alerts")

    def _attach(self, name: str) -> None:
        if name != "alerts":
            return
        self.page.check_requested.connect(self.run)
        self.page.settings_changed.connect(self.reschedule)
        self.page.alerts_changed.connect(self.update_badge)
        self.page.open_requested.connect(self.open_page)
        self._say(self._doing if self.running else None)

    @property
    def interval(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.settings.interval_minutes)

    @property
    def running(self) -> bool:
        return self._worker is not None

    # -- the schedule ---------------------------------------------------------------------

    def restart(self) -> int:
        """Read the schedule and the last check from the workspace and plan the next
        check: an interval after the last one, and not before a grace after now (opening
        the app is no reason to sync). Returns the badge's count."""
        with self.workspace.open() as cache:
            self.settings = load_settings(cache)
            last = last_check(cache)
            count = attention_count(cache, self.clock().date())
        now = self.clock()
        self.next_due = max(now + STARTUP_GRACE, last + self.interval if last else now)
        return count

    def poll(self) -> None:
        """The timer's tick: run when the schedule is on and a check is due, unless one
        runs already or an import or sync holds the status bar's task slot."""
        if not self.settings.schedule_enabled or self.running or self.window.tasks.busy:
            return
        if self.clock() >= self.next_due:
            self.run()

    def reschedule(self, settings: AlertSettings) -> None:
        """New settings from the Alerts page: the next check is an interval after the
        last one (or now, if that is past)."""
        previous = self.next_due - self.interval
        self.settings = settings
        self.next_due = max(previous + self.interval, self.clock())
        self._say()

    def run(self, sync: bool = True) -> bool:
        """A pass now (sync, then check) on a worker; False if one runs already."""
        if self.running:
            return False
        now = self.clock()
        self.next_due = now + self.interval
        self._stop = threading.Event()
        stop, workspace = self._stop, self.workspace

        def work() -> Generator[str, None, Pass]:
            from worthit.alerts import run_check

            yield "syncing" if sync else "checking"
            with workspace.open() as cache:
                name = cache.get_meta("workspace.name") or workspace.name
                return run_check(cache, workspace=name, sync_first=sync, now=now,
                                 cancelled=stop.is_set)

        self._worker = workers.start(work, returned=self._done, errored=self._errored,
                                     finished=self._finished)
        self._doing = "Syncing and checking…" if sync else "Checking…"
        self._say(self._doing)
        return True

    def stop(self) -> None:
        """The app is quitting: stop the schedule and cancel a pass under way."""
        self.timer.stop()
        self._stop.set()

    def _done(self, result: Pass) -> None:
        self.last_pass = result
        page = self.page
        if result.charges_changed:
            self.window.charges_changed()  # the window marks the other pages stale
        if page is not None and self.window.current_page is page:
            page.reload()
        else:
            if page is not None:
                page.period = None  # recomputed when next shown
            if result.charges_changed:
                self.window.current_page.reload()  # the page on show has new figures
        self.update_badge()
        self.notify(result)
        self.checked.emit(result)

    def _errored(self, error: Exception) -> None:
        if isinstance(error, Cancelled):
            return
        message = str(error) if isinstance(error, UserError) else \
            f"The scheduled check failed ({type(error).__name__}: {error}); it runs again " \
            "at the next interval."
        self.window.statusBar().showMessage(message, NOTIFY_MS)
        self.failed.emit(message)

    def _finished(self) -> None:
        self._worker = None
        self._say()

    def _say(self, doing: str | None = None) -> None:
        if self.page is None:
            return
        if doing is None:
            doing = (f"Next check at {self.next_due.astimezone(dt.UTC).strftime('%H:%M')} UTC"
                     if self.settings.schedule_enabled else "Scheduled checks are off")
        self.page.show_schedule_state(doing)

    # -- telling the user ---------------------------------------------------------------

    def update_badge(self, count: int | None = None) -> None:
        """Show on the navigation how many alerts are neither acknowledged nor muted."""
        if count is None:
            with self.workspace.open() as cache:
                count = attention_count(cache, self.clock().date())
        names = list(self.window.pages)
        if "alerts" not in names:
            return
        item = self.window.navigation.item(names.index("alerts"))
        title = TITLES["alerts"]
        item.setText(f"{title} ({count})" if count else title)

    @property
    def badge(self) -> str:
        names = list(self.window.pages)
        return self.window.navigation.item(names.index("alerts")).text()

    def notify(self, result: Pass) -> None:
        """A desktop notification of the pass's new alerts (muted ones stay quiet)."""
        new = result.announced
        if not new:
            return
        title = f"Worthit: {len(new)} new alert{'s' if len(new) > 1 else ''}"
        text = new[0].title + (f" (and {len(new) - 1} more)" if len(new) > 1 else "")
        self.notifications.append((title, text))
        self.window.statusBar().showMessage(f"{title}: {text}", NOTIFY_MS)
        if QSystemTrayIcon.isSystemTrayAvailable():  # none offscreen, nor on some desktops
            if self.tray is None:
                self.tray = QSystemTrayIcon(QApplication.windowIcon(), self)
                self.tray.setToolTip("Worthit is watching")
                self.tray.messageClicked.connect(self._tray_clicked)
                self.tray.show()
            icon = QSystemTrayIcon.MessageIcon.Warning if any(a.breach for a in new) else \
                QSystemTrayIcon.MessageIcon.Information
            self.tray.showMessage(title, text, icon, NOTIFY_MS)
        self.notified.emit(title, text)

    def _tray_clicked(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        self.open_page("alerts", "")

    # -- following an alert's link ------------------------------------------------------

    def open_page(self, name: str, focus: str) -> None:
        """Show page ``name`` and select what the alert is about, once the page has its
        figures."""
        if name not in self.window.pages:
            return
        page = self.window.pages[name]
        ready = page.period == self.window.period_bar.period()
        self.window.show_page(name)
        if not focus:
            return
        if ready:
            _focus(page, focus)
            return

        def once() -> None:
            page.loaded.disconnect(once)
            _focus(page, focus)

        page.loaded.connect(once)


def _focus(page: Page, focus: str) -> None:
    target: Any = page
    try:
        if page.name == "allocation":
            target.set_focus(tuple(json.loads(focus)))
        elif hasattr(target, "choose"):
            target.choose(focus)
    except (ValueError, TypeError):  # an alert from another version: the page is enough
        log.debug("Could not select %r on the %s page", focus, page.name)

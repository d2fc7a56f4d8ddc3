"""The main window on the demo workspace, driven as a user would (pytest-qt, offscreen)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from pytestqt.qtbot import QtBot
from tests.conftest import DEMO_END

from worthit.analysis.overview import overview
from worthit.core.money import money
from worthit.core.periods import Period, Preset, preset_period
from worthit.ui import theme
from worthit.ui.app import application
from worthit.ui.main_window import MainWindow
from worthit.ui.views.overview import OverviewPage
from worthit.workspace import Workspace


def _expected(workspace: Workspace, period: Period) -> float:
    with workspace.open() as cache:
        return overview(cache, period).total


def test_opens_on_the_overview_of_the_last_30_days(
    window: MainWindow, demo_workspace: Workspace
) -> None:
    page = window.current_page
    assert isinstance(page, OverviewPage)
    assert window.period_bar.period() == preset_period(Preset.LAST_30, DEMO_END)
    expected = _expected(demo_workspace, window.period_bar.period())
    assert page.total.value.text() == money(expected)
    assert page.total.note.text().endswith("vs previous period")
    assert "Demo workspace" in window.windowTitle()
    assert f"data through {DEMO_END.isoformat()}" in window.freshness.text()
    # Only working pages are listed, each with its title.
    titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert titles == [p.title for p in window.pages.values()]


def test_switching_the_period_changes_figures_and_chart(
    qtbot: QtBot, window: MainWindow, demo_workspace: Workspace
) -> None:
    page: OverviewPage = window.current_page  # type: ignore[assignment]
    before_total = page.total.value.text()
    before_days = len(page.spend_chart._starts)
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        window.period_bar.set_preset(Preset.LAST_90)
    period = preset_period(Preset.LAST_90, DEMO_END)
    assert page.total.value.text() == money(_expected(demo_workspace, period))
    assert page.total.value.text() != before_total
    assert len(page.spend_chart._starts) == 90 != before_days
    # The stacked chart holds exactly the period's spend.
    drawn = sum(float(np.sum(v)) for v in page.spend_chart._series.values())
    assert drawn == pytest.approx(_expected(demo_workspace, period), abs=0.01)

    with qtbot.waitSignal(page.loaded, timeout=30_000):
        window.period_bar.set_preset(Preset.LAST_12_MONTHS)
    assert page.spend_chart._granularity == "week"
    assert page.spend_title.text().startswith("Spend over time by provider, daily average by week")
    # Weeks are drawn as daily averages: a partial last week does not dip.
    period = preset_period(Preset.LAST_12_MONTHS, DEMO_END)
    weekly_total = sum(float(np.sum(v)) for v in page.spend_chart._series.values())
    assert weekly_total * 7 == pytest.approx(_expected(demo_workspace, period), rel=0.05)
    # The previous twelve months start before the demo's data: no percentage is claimed.
    assert page.total.note.text() == "previous period not fully in the data"


def test_a_custom_range_is_followed(qtbot: QtBot, window: MainWindow,
                                    demo_workspace: Workspace) -> None:
    page: OverviewPage = window.current_page  # type: ignore[assignment]
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        window.period_bar.set_range(period)
    assert window.period_bar.preset.currentData() is Preset.CUSTOM
    assert window.period_bar.start.isVisible()
    assert page.total.value.text() == money(_expected(demo_workspace, period))
    assert page.result is not None
    assert page.result.previous == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_hovering_the_chart_reads_out_the_day(qtbot: QtBot, window: MainWindow) -> None:
    page: OverviewPage = window.current_page  # type: ignore[assignment]
    chart = page.spend_chart
    view = chart.plot.viewport()
    centre = QPoint(view.width() // 2, view.height() // 2)
    qtbot.mouseMove(view, centre)
    qtbot.mouseMove(view, centre + QPoint(5, 0))
    qtbot.waitUntil(lambda: chart.readout.text().strip() != "", timeout=5_000)
    text = chart.readout.text()
    day = text.split()[0]
    assert dt.date.fromisoformat(day) in window.period_bar.period()
    for provider in chart._series:
        assert provider in text


def test_movers_model_is_a_sound_qt_model(window: MainWindow, qtmodeltester) -> None:
    page: OverviewPage = window.current_page  # type: ignore[assignment]
    assert page.movers_model.rowCount() > 0
    qtmodeltester.check(page.movers_model)
    # Raw values sort numerically, not as text.
    proxy = page.movers.model()
    proxy.sort(4, Qt.SortOrder.DescendingOrder)
    changes = [proxy.index(r, 4).data(Qt.ItemDataRole.UserRole) for r in range(proxy.rowCount())]
    assert changes == sorted(changes, reverse=True)


def test_reload_shortcut_recomputes(qtbot: QtBot, window: MainWindow) -> None:
    page = window.current_page
    window.activateWindow()
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)


def _window_colour() -> str:
    return application().palette().color(QPalette.ColorRole.Window).name().upper()


def test_appearance_follows_the_os_colour_scheme(qtbot: QtBot, window: MainWindow) -> None:
    """The offscreen platform cannot change its scheme, so the OS's notification is sent
    by hand: everything after it (palette, charts) is the app's own doing."""
    hints = QGuiApplication.styleHints()
    page: OverviewPage = window.current_page  # type: ignore[assignment]
    background = page.spend_chart.plot.backgroundBrush
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert _window_colour() == theme.DARK.background.upper()
        qtbot.waitUntil(lambda: background().color().name().upper()
                        == theme.DARK.surface.upper(), timeout=5_000)
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert _window_colour() == theme.LIGHT.background.upper()
    qtbot.waitUntil(lambda: background().color().name().upper() == theme.LIGHT.surface.upper(),
                    timeout=5_000)



def test_a_page_that_fails_to_draw_says_so_and_signals_it(
        qtbot: QtBot, demo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug while drawing a result is shown on the page and emitted as failed, so
    nothing waits for a loaded() that will never come (screenshots, the self-test)."""
    def broken(self: OverviewPage, result: object) -> None:
        raise ValueError("a drawing bug")

    monkeypatch.setattr(OverviewPage, "show_result", broken)
    window = MainWindow(demo_workspace)
    qtbot.addWidget(window)
    page = window.pages["overview"]
    with qtbot.waitSignal(page.failed, timeout=30_000) as failed:
        window.reload()
    assert "ValueError: a drawing bug" in failed.args[0]
    assert page.error.text() == failed.args[0]


def test_the_frame_comes_first_and_each_page_when_first_shown(
        qtbot: QtBot, demo_workspace: Workspace) -> None:
    """The window lists every page but builds none until the event loop runs: then the
    first (after its first paint when on show); another page is built when chosen."""
    from worthit.pages import TITLES
    from worthit.ui.views.units import UnitsPage

    application()
    window = MainWindow(demo_workspace)
    qtbot.addWidget(window)
    assert window.pages.built() == []
    titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert titles[:-1] == list(TITLES.values())[:-1]  # the badge may follow Alerts' title
    assert titles[-1].startswith(TITLES["alerts"])
    built: list[str] = []
    window.page_built.connect(built.append)
    with qtbot.waitSignal(window.page_built, timeout=30_000):
        window.show()
    overview = window.pages.get_built("overview")
    assert isinstance(overview, OverviewPage)
    assert built == ["overview"] and window.current_page is overview
    qtbot.waitUntil(lambda: overview.result is not None, timeout=30_000)
    units = window.show_page("units")
    assert isinstance(units, UnitsPage) and built == ["overview", "units"]
    assert [p.name for p in window.pages.built()] == ["overview", "units"]
    with qtbot.waitSignal(units.loaded, timeout=30_000):
        pass


def test_the_overview_draws_its_figures_before_the_leak_summary(
        qtbot: QtBot, demo_workspace: Workspace) -> None:
    """Two steps on one worker: the figures (first_shown), then the leak findings
    (loaded), each the same as computed apart from the window."""
    from worthit.analysis.leaks import find_leaks
    from worthit.store.findings import load_states

    application()
    window = MainWindow(demo_workspace)
    qtbot.addWidget(window)
    page = window.pages["overview"]
    assert isinstance(page, OverviewPage)
    seen: list[tuple[str, str, str]] = []
    page.first_shown.connect(lambda: seen.append(
        ("first", page.total.value.text(), page.leaks.text())))
    page.loaded.connect(lambda: seen.append(
        ("loaded", page.total.value.text(), page.leaks.text())))
    with qtbot.waitSignal(page.loaded, timeout=60_000):
        window.show()
    period = window.period_bar.period()
    total = money(_expected(demo_workspace, period))
    assert [s[:2] for s in seen] == [("first", total), ("loaded", total)]
    assert seen[0][2] == "Leaks: looking for leaks…"
    with demo_workspace.open() as cache:
        states, today = load_states(cache), dt.datetime.now(dt.UTC).date()
        saving = sum(f.monthly_saving for f in find_leaks(cache, period.end)
                     if not (f.key in states and states[f.key].hidden(today)))
    assert seen[1][2].startswith(f"Leaks: {money(saving)} per month could be saved")


def test_the_alert_schedule_starts_once_the_first_page_is_open(
        qtbot: QtBot, demo_workspace: Workspace) -> None:
    """The schedule (with the Alerts badge) is made after the frame's first paint, once
    the first page computes; an Alerts page built before it is still attached to it."""
    from worthit.store.alerts import AlertSettings
    from worthit.ui.alert_schedule import AlertSchedule

    application()
    window = MainWindow(demo_workspace)
    qtbot.addWidget(window)
    assert window.findChildren(AlertSchedule) == []
    with qtbot.waitSignal(window.page_built, timeout=30_000):
        window.show()
    qtbot.waitUntil(lambda: len(window.findChildren(AlertSchedule)) == 1, timeout=30_000)
    assert window.findChildren(AlertSchedule) == [window.alert_schedule]
    early = MainWindow(demo_workspace)
    qtbot.addWidget(early)
    alerts = early.pages["alerts"]  # built before the schedule
    schedule = early.alert_schedule
    chosen = AlertSettings(interval_minutes=37)
    alerts.settings_changed.emit(chosen)  # what the page says reaches the schedule
    assert schedule.settings is chosen
    with qtbot.waitSignal(alerts.loaded, timeout=30_000):
        alerts.load(early.period_bar.period())


def test_painted_says_once_that_the_frame_has_painted(
        qtbot: QtBot, demo_workspace: Workspace) -> None:
    """``painted`` comes once, after the frame's first paint and before the first page is
    built (``worthit`` then starts importing pandas); a window never shown never says it."""
    application()
    window = MainWindow(demo_workspace)
    qtbot.addWidget(window)
    seen: list[str] = []
    window.painted.connect(lambda: seen.append("painted"))
    window.page_built.connect(seen.append)
    with qtbot.waitSignal(window.page_built, timeout=30_000):
        window.show()
    window.repaint()
    assert seen == ["painted", "overview"]
    hidden = MainWindow(demo_workspace)
    qtbot.addWidget(hidden)
    hidden.painted.connect(lambda: seen.append("hidden painted"))
    with qtbot.waitSignal(hidden.page_built, timeout=30_000):
        pass
    assert "hidden painted" not in seen
    for page in (window.pages["overview"], hidden.pages["overview"]):
        qtbot.waitUntil(lambda p=page: p.result is not None, timeout=30_000)

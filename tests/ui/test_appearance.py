"""View › Appearance: Light, Dark or System, applied at once to every page (charts too),
remembered for the next start, and a screenshot in either without changing the choice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPalette
from pytestqt.qtbot import QtBot
from tests.ui.support import TIMEOUT, open_page

from worthit import APP_NAME
from worthit.core.errors import UserError
from worthit.ui import theme, workers
from worthit.ui.app import application
from worthit.ui.main_window import MainWindow
from worthit.ui.screenshot import render
from worthit.ui.views.overview import OverviewPage
from worthit.workspace import Workspace

Appearance = theme.Appearance


@pytest.fixture(autouse=True)
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user's settings in a folder of the test's own; afterwards no choice is stored
    and the app follows the (offscreen, light) OS again, as the other tests expect."""
    folder = str(tmp_path_factory.mktemp("settings"))
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, folder)
    app = application()
    yield
    QSettings(APP_NAME, APP_NAME).remove(theme.SETTING)
    theme.apply(app)
    assert theme.colours() is theme.LIGHT


def window_colour() -> str:
    return application().palette().color(QPalette.ColorRole.Window).name().upper()


def background(chart: object) -> str:
    return chart.plot.backgroundBrush().color().name().upper()  # type: ignore[attr-defined]


def show(qtbot: QtBot, window: MainWindow, name: str) -> None:
    page = window.pages[name]
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        window.show_page(name)
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)


def test_choosing_dark_in_the_view_menu_turns_every_page_dark_and_is_remembered(
        qtbot: QtBot, demo_workspace: Workspace) -> None:
    window, overview = open_page(qtbot, demo_workspace, "overview", OverviewPage)
    for name in ("units", "swap"):  # their charts exist before the switch
        show(qtbot, window, name)
    charts = {"overview": overview.spend_chart, "units": window.pages["units"].chart,
              "swap": window.pages["swap"].chart}
    assert {background(c) for c in charts.values()} == {theme.LIGHT.surface.upper()}
    assert window.appearance_actions[Appearance.SYSTEM].isChecked()

    window.appearance_actions[Appearance.DARK].trigger()
    assert window_colour() == theme.DARK.background.upper()
    for chart in charts.values():  # the pages not shown too
        qtbot.waitUntil(lambda c=chart: background(c) == theme.DARK.surface.upper(),
                        timeout=5_000)
    assert window.appearance_actions[Appearance.DARK].isChecked()
    assert theme.stored() is Appearance.DARK
    assert QSettings(APP_NAME, APP_NAME).value(theme.SETTING) == "dark"
    # A window opened later (the next start, another workspace) shows the choice ticked.
    later = MainWindow(demo_workspace)
    qtbot.addWidget(later)
    assert later.appearance_actions[Appearance.DARK].isChecked()

    window.appearance_actions[Appearance.LIGHT].trigger()
    assert window_colour() == theme.LIGHT.background.upper()
    for chart in charts.values():
        qtbot.waitUntil(lambda c=chart: background(c) == theme.LIGHT.surface.upper(),
                        timeout=5_000)
    assert theme.stored() is Appearance.LIGHT


def test_a_fixed_choice_ignores_the_os_and_system_follows_it(qtbot: QtBot) -> None:
    app = application()
    hints = QGuiApplication.styleHints()
    try:
        theme.choose(app, Appearance.LIGHT)
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert window_colour() == theme.LIGHT.background.upper()
        theme.choose(app, Appearance.DARK)
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert window_colour() == theme.DARK.background.upper()
        theme.choose(app, Appearance.SYSTEM)
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert window_colour() == theme.DARK.background.upper()
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert window_colour() == theme.LIGHT.background.upper()


@pytest.mark.parametrize(("stored", "expected"), [
    ("dark", theme.DARK), ("light", theme.LIGHT), ("purple", theme.LIGHT)])
def test_the_stored_choice_is_what_the_app_starts_in(
        qtbot: QtBot, stored: str, expected: theme.Colours) -> None:
    """What ``application()`` does at start: apply the stored choice (an unknown value,
    from a newer version say, is System)."""
    QSettings(APP_NAME, APP_NAME).setValue(theme.SETTING, stored)
    theme.apply(application())
    assert theme.colours() is expected
    assert window_colour() == expected.background.upper()


def test_a_dark_screenshot_leaves_the_choice_alone(
        qtbot: QtBot, demo_workspace: Workspace, tmp_path: Path) -> None:
    # As `worthit screenshot --appearance dark` passes it: by name.
    out = render(demo_workspace, "sources", tmp_path / "sources.png", size=(1000, 700),
                 appearance="dark")
    image = QImage(str(out))
    # The side bar's surface, below the navigation: dark in the picture.
    assert image.pixelColor(20, 650).name().upper() == theme.DARK.surface.upper()
    assert theme.chosen() is Appearance.SYSTEM
    assert QSettings(APP_NAME, APP_NAME).value(theme.SETTING) is None
    assert window_colour() == theme.LIGHT.background.upper()
    with pytest.raises(UserError, match="no appearance 'sepia'"):
        render(demo_workspace, "sources", tmp_path / "x.png", appearance="sepia")


def test_the_screenshot_command_offers_the_apps_appearances() -> None:
    from worthit.cli.screenshot import APPEARANCES

    assert tuple(a.value for a in Appearance) == APPEARANCES

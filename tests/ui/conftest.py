"""The window the UI tests share: the main window on the demo workspace, on the Overview,
drawn. A test that needs another workspace or page opens it with
:func:`tests.ui.support.open_page`, the one way every window test builds its window."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from tests.ui.support import open_page

from worthit.ui.main_window import MainWindow
from worthit.ui.views.overview import OverviewPage
from worthit.workspace import Workspace


@pytest.fixture
def window(qtbot: QtBot, demo_workspace: Workspace) -> MainWindow:
    """The main window on the demo workspace, its Overview drawn, nothing running."""
    win, _ = open_page(qtbot, demo_workspace, "overview", OverviewPage)
    return win

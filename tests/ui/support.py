"""What the window tests share: a main window opened on a page, and a check that an action
starts no recompute. Each waits on signals and states, never on the clock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from worthit.ui import workers, writes
from worthit.ui.app import application
from worthit.ui.main_window import MainWindow
from worthit.ui.views.page import Page
from worthit.workspace import Workspace

#: How long a test waits for a page or a worker: a limit for a hang, not a speed.
TIMEOUT = 30_000

P = TypeVar("P", bound=Page)


def open_page(qtbot: QtBot, workspace: Workspace, name: str,
              kind: type[P]) -> tuple[MainWindow, P]:
    """A main window on ``workspace``, shown on page ``name`` once it has drawn. The window
    opens on the Overview: both loads are waited for, so no worker is left running."""
    application()
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    page = win.pages[name]
    assert isinstance(page, kind)
    loads = [win.pages["overview"].loaded] + ([page.loaded] if name != "overview" else [])
    with qtbot.waitSignals(loads, timeout=TIMEOUT):
        win.show()
        if name != "overview":
            win.show_page(name)
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)
    assert win.current_page is page
    return win, page


def written(workspace: Workspace) -> None:
    """Wait until every change the window queued for ``workspace`` is in the file and
    its outcome has reached the window: the writer runs its jobs in order, so a no-op
    job's end means theirs came first, and their outcomes were posted to the UI thread
    before it, so the events processed here deliver them."""
    writes.writer_for(workspace).submit(lambda _: None).result(TIMEOUT / 1000)
    QCoreApplication.processEvents()


@contextlib.contextmanager
def no_recompute(qtbot: QtBot, page: Page) -> Iterator[None]:
    """The block starts no recompute of ``page``: once the window is idle, no worker is
    under way after it (a recompute starts one at once) and no ``loaded`` came. Checked
    by state, not by waiting a while to see."""
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)
    with qtbot.assertNotEmitted(page.loaded):
        yield
    assert workers.running() == 0, "a recompute was started"

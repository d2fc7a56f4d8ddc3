"""Render a page offscreen into a PNG, for docs and checks, in the appearance the app has
(the user's choice) or in Light or Dark for this render only."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QThreadPool, QTimer

from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.ui import theme
from worthit.ui.app import application
from worthit.workspace import Workspace

TIMEOUT_MS = 120_000


@contextlib.contextmanager
def _loaded(workspace: Workspace, page_name: str, size: tuple[int, int],
            period: Period | None,
            appearance: theme.Appearance | str | None = None) -> Iterator[tuple[Any, Any]]:
    """A window showing ``page_name``, loaded, offscreen, in ``appearance`` ("light",
    "dark", "system"; None: the user's choice); closed afterwards."""
    from worthit.ui.pages import NAMES

    if page_name not in NAMES:
        raise UserError(f"There is no page {page_name!r}; pages: {', '.join(NAMES)}.")
    try:
        look = None if appearance is None else theme.Appearance(appearance)
    except ValueError:
        raise UserError(f"There is no appearance {appearance!r}; appearances: "
                        f"{', '.join(a.value for a in theme.Appearance)}.") from None
    app = application()
    chosen = (contextlib.nullcontext() if look is None
              else theme.appearance_for(app, look))
    with chosen, _window(workspace, page_name, size, period) as shown:
        yield shown


@contextlib.contextmanager
def _window(workspace: Workspace, page_name: str, size: tuple[int, int],
            period: Period | None) -> Iterator[tuple[Any, Any]]:
    from worthit.ui.main_window import MainWindow

    window = MainWindow(workspace)
    try:
        window.resize(*size)
        window.show()
        page = window.pages[page_name]
        loop = QEventLoop()
        failures: list[str] = []
        page.loaded.connect(loop.quit)
        page.failed.connect(failures.append)
        page.failed.connect(loop.quit)
        timer = QTimer(singleShot=True, interval=TIMEOUT_MS)
        timer.timeout.connect(loop.quit)
        timer.start()
        window.show_page(page_name)
        if period is not None:
            window.period_bar.set_range(period)
        loop.exec()
        if failures:
            raise UserError(f"The {page_name} page failed: {failures[0]}")
        if not timer.isActive():
            raise UserError(f"The {page_name} page did not finish within {TIMEOUT_MS // 1000} s.")
        timer.stop()
        for _ in range(3):  # let queued shows and layouts settle before the grab
            QCoreApplication.processEvents()
        yield window, page
    finally:
        window.close()
        window.deleteLater()
        QThreadPool.globalInstance().waitForDone()


def render(workspace: Workspace, page_name: str, out: Path, *,
           size: tuple[int, int] = (1400, 900), period: Period | None = None,
           appearance: theme.Appearance | str | None = None) -> Path:
    """The whole window on ``page_name``, as a PNG, in ``appearance`` (None: as the app
    looks for this user)."""
    with _loaded(workspace, page_name, size, period, appearance) as (window, _):
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out), "PNG"):
            raise UserError(f"Could not write {out}.")
    return out


def export_chart(workspace: Workspace, page_name: str, out: Path, *,
                 size: tuple[int, int] = (1400, 900), period: Period | None = None,
                 appearance: theme.Appearance | str | None = None) -> Path:
    """The page's main chart, as it is drawn in the window, to a .png (2×) or .svg."""
    from worthit.ui.chart_export import save_chart

    with _loaded(workspace, page_name, size, period, appearance) as (_, page):
        chart = page.chart_widget()
        if chart is None or not chart.isVisible():
            raise UserError(f"The {page_name} page has no chart to export.")
        return save_chart(chart, out, title=f"Worthit {page_name}")

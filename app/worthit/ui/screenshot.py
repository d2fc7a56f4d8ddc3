"""Render a page offscreen into a PNG, for docs and checks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QThreadPool, QTimer

from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.ui.app import application
from worthit.workspace import Workspace

TIMEOUT_MS = 120_000


def render(
    workspace: Workspace,
    page_name: str,
    out: Path,
    *,
    size: tuple[int, int] = (1400, 900),
    period: Period | None = None,
) -> Path:
    from worthit.ui.main_window import MainWindow
    from worthit.ui.pages import PAGES

    if page_name not in PAGES:
        raise UserError(f"There is no page {page_name!r}; pages: {', '.join(PAGES)}.")
    application()
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
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out), "PNG"):
            raise UserError(f"Could not write {out}.")
        return out
    finally:
        window.close()
        window.deleteLater()
        QThreadPool.globalInstance().waitForDone()

"""A page whose figures come in two steps computes the second once the first is drawn
(bench/startup.py measures why: side by side they shared the GIL, and the first came
later), and a superseded page's worker still ends."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any, ClassVar

from pytestqt.qtbot import QtBot

from worthit.core.periods import Period
from worthit.store.cache import Cache
from worthit.ui import workers
from worthit.ui.app import application
from worthit.ui.views.page import Page
from worthit.workspace import Workspace

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))


class _Staged(Page):
    name = "staged"
    title = "Staged"
    #: For each second step, whether the UI had drawn the first before it began.
    second_after_drawn: ClassVar[list[bool]] = []
    drawn: ClassVar[threading.Event] = threading.Event()

    @staticmethod
    def _first(cache: Cache, period: Period) -> str:
        return "first"

    compute_first = _first

    @staticmethod
    def compute(cache: Cache, period: Period) -> str:
        _Staged.second_after_drawn.append(_Staged.drawn.is_set())
        return "second"

    def show_first(self, result: Any) -> None:
        _Staged.drawn.set()

    def show_result(self, result: Any) -> None:
        pass


def _page(qtbot: QtBot, tmp_path: Path) -> _Staged:
    application()
    Cache.open(tmp_path / "worthit.sqlite").close()
    page = _Staged(Workspace(tmp_path))
    qtbot.addWidget(page)
    _Staged.second_after_drawn.clear()
    _Staged.drawn.clear()
    return page


def test_the_second_step_starts_once_the_first_is_drawn(qtbot: QtBot, tmp_path: Path) -> None:
    page = _page(qtbot, tmp_path)
    with qtbot.waitSignals([page.first_shown, page.loaded], order="strict", timeout=30_000):
        page.load(PERIOD)
    assert _Staged.second_after_drawn == [True]


def test_a_superseded_staged_page_stops_its_worker(qtbot: QtBot, tmp_path: Path) -> None:
    """The first request's first step is never drawn (a newer one replaced it): its
    worker does not wait for that drawing, it stops."""
    page = _page(qtbot, tmp_path)
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        page.load(PERIOD)
        page.load(Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=30_000)
    assert page.period is not None and page.period.start == dt.date(2026, 2, 1)

"""A sync against a slow API runs on a worker: the window keeps drawing. The API here holds
each request until the test lets it answer, so the worker is surely waiting on the network
while the test asks the window to repaint and sees it drawn, the sync still under way. How
long the event loop goes without a turn meanwhile is a figure, not a test: it is printed
against its goal by ``bench/responsiveness.py``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject
from pytestqt.qtbot import QtBot
from tests.sources.loopback import keyring_file

import worthit.sync
from worthit import secrets
from worthit.store.cache import Cache
from worthit.store.sources import add_source
from worthit.ui import workers
from worthit.ui.main_window import MainWindow
from worthit.ui.views.sources import SourcesPage
from worthit.workspace import Workspace, identity

__all__ = ["keyring_file"]  # the fixture, bound by name
TIMEOUT = 60_000  # ms: a limit for a hang, not a speed
HOLD_S = 60  # the longest the API holds a request for the test
EMPTY = json.dumps({"object": "page", "data": [], "has_more": False,
                    "next_page": None}).encode()


class HeldApi(ThreadingHTTPServer):
    """An OpenAI-style API on loopback with nothing to report, which holds every request
    until ``answer`` is set; ``asked`` is set by the first."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Held)
        self.asked = threading.Event()
        self.answer = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Held(BaseHTTPRequestHandler):
    server: HeldApi

    def do_GET(self) -> None:
        self.server.asked.set()
        self.server.answer.wait(HOLD_S)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(EMPTY)))
        self.end_headers()
        self.wfile.write(EMPTY)

    def log_message(self, *args: object) -> None:
        pass


class Paints(QObject):
    """An event filter noting, at each paint of what it watches, what ``state()`` says."""

    def __init__(self, state: Callable[[], object]) -> None:
        super().__init__()
        self.state = state
        self.seen: list[object] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.seen.append(self.state())
        return False


@pytest.fixture
def slow_api() -> Iterator[HeldApi]:
    server = HeldApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.answer.set()  # a failed test leaves no request held
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_window_keeps_drawing_while_a_slow_source_syncs(
        qtbot: QtBot, tmp_path: Path, keyring_file: Path, slow_api: HeldApi,
        monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = Workspace(tmp_path / "ws")
    with Cache.open(workspace.cache_path) as cache:
        add_source(cache, "openai-slow", "openai", {"endpoint": slow_api.url})
        secrets.store("openai-slow", "sk-admin-slow-0123456789", workspace=identity(cache))
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    # The first page draws first (its charts import pyqtgraph on the UI thread, once):
    # that is start-up, not the sync looked at here.
    overview = window.pages["overview"]
    qtbot.waitUntil(lambda: overview.spend_chart is not None, timeout=TIMEOUT)
    page = window.pages["sources"]
    assert isinstance(page, SourcesPage)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        window.show_page("sources")

    # Which thread runs the sync. Were it the UI thread, the API must not hold it (the
    # test would hang rather than fail): it answers at once, and the test fails below.
    threads: list[threading.Thread] = []
    real_sync = worthit.sync.sync

    def noted_sync(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        if threading.current_thread() is threading.main_thread():
            slow_api.answer.set()
        return real_sync(*args, **kwargs)

    monkeypatch.setattr(worthit.sync, "sync", noted_sync)

    assert page.sync_now()
    # The worker has sent its first request and waits for the answer...
    qtbot.waitUntil(slow_api.asked.is_set, timeout=TIMEOUT)
    # ...while the window, asked to repaint, is drawn: the sync still running, unanswered.
    paints = Paints(lambda: (window.tasks.busy, not slow_api.answer.is_set()))
    window.installEventFilter(paints)
    try:
        window.update()
        qtbot.waitUntil(lambda: bool(paints.seen), timeout=TIMEOUT)
    finally:
        window.removeEventFilter(paints)
    assert paints.seen[0] == (True, True), "the window was drawn only after the sync"
    assert threads, "the sync never ran"
    assert threading.main_thread() not in threads, "the sync ran on the UI thread"

    slow_api.answer.set()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    assert "openai-slow: ok" in page.status.text(), page.status.text()
    # The page reloads after the sync: that ends before the test does.
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)

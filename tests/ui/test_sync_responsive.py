"""A sync against a slow API runs on a worker: the window keeps drawing. The longest gap
between ticks of a 10 ms timer while it runs is printed against the goal (50 ms); the
test checks the timer kept ticking throughout, not wall time."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot
from tests.sources.loopback import keyring_file

from worthit import secrets
from worthit.store.cache import Cache
from worthit.store.sources import add_source
from worthit.ui.main_window import MainWindow
from worthit.ui.views.sources import SourcesPage
from worthit.workspace import Workspace

__all__ = ["keyring_file"]  # the fixture, bound by name
DELAY = 0.4  # seconds the API takes per request
EMPTY = json.dumps({"object": "page", "data": [], "has_more": False,
                    "next_page": None}).encode()


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(DELAY)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(EMPTY)))
        self.end_headers()
        self.wfile.write(EMPTY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_window_keeps_drawing_while_a_slow_source_syncs(
        qtbot: QtBot, tmp_path: Path, keyring_file: Path, slow_api: str) -> None:
    workspace = Workspace(tmp_path / "ws")
    with Cache.open(workspace.cache_path) as cache:
        add_source(cache, "openai-slow", "openai", {"endpoint": slow_api})
    secrets.store("openai-slow", "sk-admin-slow-0123456789")
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    # The first page draws first (its charts import pyqtgraph on the UI thread, once):
    # that is start-up, not the sync measured here.
    overview = window.pages["overview"]
    qtbot.waitUntil(lambda: overview.spend_chart is not None, timeout=30_000)
    page = window.pages["sources"]
    assert isinstance(page, SourcesPage)
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        window.show_page("sources")

    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    began = time.perf_counter()
    assert page.sync_now()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=60_000)
    took = time.perf_counter() - began
    timer.stop()

    assert "openai-slow: ok" in page.status.text(), page.status.text()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    longest = max(gaps) * 1000
    where = ticks[gaps.index(max(gaps))] - began
    print(f"\nsync of a source answering in {DELAY:.1f} s per request took {took:.1f} s; "
          f"longest event-loop gap {longest:.0f} ms at {where:.2f} s (goal <= 50 ms), "
          f"{len(ticks)} ticks")
    # The requests alone take several DELAYs: the loop ticked all through them.
    assert took > 3 * DELAY
    assert len(ticks) > took / 0.010 / 4

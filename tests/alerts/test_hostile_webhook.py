"""A webhook endpoint that answers without end, or a byte at a time: the post gives up
within the bounds every vendor call has (worthit.sources.exchange), saying why."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from worthit.alerts.webhook import post
from worthit.sources import exchange


class Endless(http.server.BaseHTTPRequestHandler):
    mode = "huge"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(500)
        self.end_headers()
        try:
            for _ in range(10_000):  # bounded: about 640 MB at most, or 50 s of trickle
                if self.mode == "huge":
                    self.wfile.write(b"x" * 65_536)
                else:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.005)
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endless() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("mode", ["huge", "trickle"])
def test_an_endless_or_trickling_answer_is_given_up_with_a_reason(
        endless: str, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setattr(Endless, "mode", mode)
    monkeypatch.setattr(exchange, "MAX_BYTES", 1_000_000)
    monkeypatch.setattr(exchange, "DEADLINE", 1.0)
    delivery = post(endless, {"text": "hi"}, tries=1)
    assert not delivery.sent
    assert delivery.error == ("the webhook endpoint's answer went past 1 s or 0.953674 MB: "
                              "check the URL")

"""Small workspaces for the watch tests: charges written as a bill would bring them, the
demo company without its planted leaks (the control), and a webhook server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring
import keyring.core
import pytest
from tests.conftest import DEMO_END

from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache
from worthit.workspace import Workspace


def charge(day: dt.date, cost: float, resource: str = "i-1", *, source: str = "bill",
           provider: str = "AWS", service: str = "Amazon EC2", model: str | None = None,
           tags: dict[str, str] | None = None) -> tuple[Any, ...]:
    """One daily charge in :data:`CHARGE_COLUMN_NAMES` order."""
    row: dict[str, Any] = dict.fromkeys(CHARGE_COLUMN_NAMES)
    row.update(source_id=source, charge_period_start=day.isoformat(), provider_name=provider,
               service_category="AI and Machine Learning" if model else "Compute",
               service_name=service, resource_id=resource, charge_category="Usage",
               billed_cost=cost, effective_cost=cost, list_cost=cost, billing_currency="USD",
               tags=json.dumps(tags or {}), x_model=model)
    return tuple(row[c] for c in CHARGE_COLUMN_NAMES)


def write(cache: Cache, rows: Sequence[tuple[Any, ...]], source: str = "bill") -> None:
    cache.replace_charges(source, None, None, rows)


def days(end: dt.date, count: int) -> list[dt.date]:
    """``count`` days ending on ``end``."""
    return [end - dt.timedelta(days=count - 1 - i) for i in range(count)]


@pytest.fixture(scope="session")
def control(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo company without its planted leaks (small scale); tests only read it."""
    from worthit.demo.generator import generate_demo

    workspace = Workspace(tmp_path_factory.mktemp("watch-control"))
    generate_demo(workspace, end=DEMO_END, scale="small", leaks=False)
    return workspace


@pytest.fixture
def control_copy(control: Workspace, tmp_path: Path) -> Workspace:
    """A copy of the control workspace a test may change."""
    import sqlite3
    from contextlib import closing

    copy = Workspace(tmp_path / "control")
    copy.folder.mkdir()
    with closing(sqlite3.connect(f"file:{control.cache_path}?mode=ro", uri=True)) as source, \
            closing(sqlite3.connect(copy.cache_path)) as target:
        source.backup(target)
    return copy


@pytest.fixture
def keyring_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real keyring backend (keyrings.alt's plain file) for this test only."""
    from keyrings.alt.file import PlaintextKeyring

    from worthit.secrets import ALLOW_INSECURE

    monkeypatch.setenv(ALLOW_INSECURE, "1")  # Worthit refuses a plaintext keyring else
    plain = PlaintextKeyring()
    plain.file_path = str(tmp_path / "keyring" / "worthit_pass.cfg")  # type: ignore[misc]
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    keyring.set_keyring(plain)
    return Path(plain.file_path)


@dataclass
class Hook:
    """A webhook endpoint on 127.0.0.1: every request it got, and the statuses it answers
    with, in turn (the last one repeats)."""

    url: str
    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[dict[str, Any]] = field(default_factory=list)

    def bodies(self) -> list[dict[str, Any]]:
        return [r["json"] for r in self.requests]


@pytest.fixture
def hook() -> Iterator[Hook]:
    found = Hook("")
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            with lock:
                found.requests.append({"path": self.path,
                                       "type": self.headers.get("Content-Type"),
                                       "json": json.loads(raw)})
                status = found.statuses.pop(0) if len(found.statuses) > 1 else \
                    found.statuses[0]
            body = b"ok" if status < 300 else b"upstream is down"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # The path is the secret part of a Slack webhook URL: it must never be shown.
    found.url = f"http://127.0.0.1:{server.server_address[1]}/services/T0SECRET/B0SECRET/xyz"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

"""Shared fixtures. Qt runs offscreen so the suite needs no display."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.shared_data import shared_data  # noqa: F401  (the fixture, for every test)
from worthit.cli import main
from worthit.store.cache import Cache
from worthit.workspace import Workspace

# Before any test creates a QApplication.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The user's cache folder (genai-prices' answers, worthit.pricing.remembered): the session's
# own, so a test neither reads nor leaves the developer's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="worthit-tests-cache-")

# Hypothesis checks properties, not speed: its default 200 ms per example fails a property
# on a busy 2-core CI machine (a test may still set its own limits).
settings.register_profile("worthit", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("worthit")

#: How long a Qt test's leftover work may take to finish: a limit for a hang, not a speed.
HANG_MS = 30_000


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    """A fresh, fully migrated cache in a real file."""
    with Cache.open(tmp_path / "worthit.sqlite") as opened:
        yield opened


#: A fixed end date keeps every figure the tests compare reproducible.
DEMO_END = dt.date(2026, 11, 26)


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo workspace, generated once per session; tests must only read it."""
    from worthit.demo.generator import generate_demo

    workspace = Workspace(tmp_path_factory.mktemp("demo"))
    generate_demo(workspace, end=DEMO_END)
    return workspace


@pytest.fixture(autouse=True, scope="session")
def _own_qt_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Qt's settings (the appearance chosen) in a folder of the session's own: a developer
    who picked Dark in the app must not turn the tests' colours dark."""
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("qt-settings"))
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, folder)


@pytest.fixture(autouse=True)
def _no_dangling_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a Qt test that leaves work running on the thread pool (napari's guard)."""
    yield
    if "qtbot" not in request.fixturenames:
        return
    from PySide6.QtCore import QCoreApplication, QThreadPool

    from worthit.ui import workers, writes

    pool = QThreadPool.globalInstance()
    idle = pool.waitForDone(HANG_MS)
    stopped = writes.close(timeout=HANG_MS / 1000)  # the writes queued are done, then stop
    QCoreApplication.processEvents()
    assert idle, "the test left work running on the thread pool"
    assert stopped, "a write the test queued never finished"
    assert workers.running() == 0, "a worker's finished signal never reached the UI thread"


def run_cli(capsys: pytest.CaptureFixture[str], workspace: Workspace,
            *args: str) -> tuple[int, str, str]:
    """``worthit --workspace DIR ARGS`` in this process: exit code, stdout, stderr."""
    code = main(["--workspace", str(workspace.folder), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def writable(demo_workspace: Workspace, tmp_path: Path) -> Workspace:
    """A copy of the demo workspace that a test may change (the session's is read-only)."""
    import sqlite3
    from contextlib import closing

    copy = Workspace(tmp_path / "ws")
    copy.folder.mkdir()
    with closing(sqlite3.connect(f"file:{demo_workspace.cache_path}?mode=ro", uri=True)) as \
            source, closing(sqlite3.connect(copy.cache_path)) as target:
        source.backup(target)
    return copy

"""Closing the window while a page computes: the work is cancelled, late results are
dropped without a word, and the log file (which users attach to bug reports) never holds
a traceback of it or any row of data."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QThreadPool
from pytestqt.qtbot import QtBot

from worthit import logs
from worthit.ui import workers
from worthit.ui.app import application
from worthit.ui.main_window import MainWindow
from worthit.workspace import Workspace

#: What must never be in the log: the demo's account ids and resource ARNs.
ROW_DATA = re.compile(r"(?<!\d)\d{12}(?!\d)|arn:aws")


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(logs, "log_dir", lambda: tmp_path / "logs")
    path = logs.setup()
    try:
        yield path
    finally:
        logs.shutdown()


def test_closing_while_a_page_loads_cancels_it_quietly(
        qtbot: QtBot, demo_workspace: Workspace, log_file: Path) -> None:
    application()
    window = MainWindow(demo_workspace)
    window.show()
    page = window.show_page("units")
    worker = page._worker
    assert worker is not None
    window.close()
    assert worker.cancelled
    window.deleteLater()  # the page goes before its result arrives
    QCoreApplication.processEvents()
    assert QThreadPool.globalInstance().waitForDone(30_000)
    QCoreApplication.processEvents()  # late results: dropped, no exception
    logs.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "Traceback" not in text
    assert not ROW_DATA.search(text), ROW_DATA.search(text)


def test_a_failure_in_a_worker_logs_no_row_data(
        qtbot: QtBot, demo_workspace: Workspace, log_file: Path) -> None:
    with demo_workspace.open() as cache:
        rows = cache._frame("SELECT sub_account_id, resource_id, billed_cost FROM charges "
                           "WHERE resource_id LIKE 'arn:aws:%' LIMIT 50")
    assert ROW_DATA.search(rows.to_string())  # the frame does hold account ids and ARNs

    def work() -> Generator[str, None, None]:
        yield "checking"
        raise ValueError(f"unexpected rows:\n{rows}")

    application()
    with qtbot.waitSignal(workers.start(work).errored, timeout=30_000) as failed:
        pass
    assert isinstance(failed.args[0], ValueError)
    logging.getLogger("worthit.test").error("Rows were %s", rows)  # a message, too
    logs.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "Background work failed" in text
    assert "ValueError: unexpected rows: … (" in text  # type and the start of the message
    assert "Rows were " in text
    assert not ROW_DATA.search(text), ROW_DATA.search(text)


def test_quitting_the_app_while_pages_load_leaves_no_traceback(
        tmp_path: Path, demo_workspace: Workspace) -> None:
    """The app as a user runs it (``worthit.ui.app.run``), its window closed as soon as
    the Unit costs page starts computing, then the process exits."""
    script = tmp_path / "quit_at_once.py"
    script.write_text(textwrap.dedent("""
        import sys
        from pathlib import Path

        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        import worthit.analysis.unit_economics  # so the page computes, not imports, at exit
        from worthit import logs
        from worthit.ui import app
        from worthit.ui.main_window import MainWindow
        from worthit.workspace import Workspace

        logs.log_dir = lambda: Path(sys.argv[2])

        def close_at_once():
            window = next(w for w in QApplication.topLevelWidgets()
                          if isinstance(w, MainWindow))
            window.show_page("units")
            window.close()

        app.application()
        QTimer.singleShot(0, close_at_once)
        sys.exit(app.run(Workspace(Path(sys.argv[1]))))
    """), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(demo_workspace.folder), str(tmp_path / "logs")],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    text = (tmp_path / "logs" / logs.FILE_NAME).read_text(encoding="utf-8")
    for output in (text, done.stderr):
        assert "Signal source has been deleted" not in output
        assert "Traceback" not in output
        assert not ROW_DATA.search(output), ROW_DATA.search(output)

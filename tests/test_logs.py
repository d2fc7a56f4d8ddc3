"""The log file opened after the window's first paint: what is logged before is held and
written first, in order and scrubbed; an error opens the file at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from worthit import logs

KEY = "sk-ant-" + "x" * 24


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(logs, "log_dir", lambda: tmp_path / "logs")
    try:
        yield tmp_path / "logs"
    finally:
        logs.shutdown()


def lines(folder: Path) -> list[str]:
    logs.flush()
    return (folder / logs.FILE_NAME).read_text(encoding="utf-8").splitlines()


def test_records_before_setup_are_held_then_written_first(log_dir: Path) -> None:
    logs.begin()
    logging.getLogger("worthit.test").info("before the paint, key %s", KEY)
    assert not log_dir.exists()  # nothing opened yet
    path = logs.setup()
    logging.getLogger("worthit.test").info("after the paint")
    found = lines(log_dir)
    assert path == log_dir / logs.FILE_NAME
    assert " started: Python " in found[0]
    assert found[1].endswith(f"before the paint, key {logs.MASK}")
    assert found[2].endswith("after the paint")
    assert len(found) == 3  # each once: the held handler is gone


def test_an_error_before_setup_opens_the_file_at_once(log_dir: Path) -> None:
    logs.begin()
    logging.getLogger("worthit.test").info("held")
    logging.getLogger("worthit.test").error("went wrong")
    assert [line.rsplit(": ", 1)[-1] for line in lines(log_dir)[1:]] == ["held", "went wrong"]
    logging.getLogger("worthit.test").info("then")
    logs.setup()
    logging.getLogger("worthit.test").info("after the paint")
    assert [line.rsplit(": ", 1)[-1] for line in lines(log_dir)[1:]] == [
        "held", "went wrong", "then", "after the paint"]


def test_info_from_other_libraries_stays_out(log_dir: Path) -> None:
    logs.begin()
    logging.getLogger("somelibrary").info("chatter")
    logging.getLogger("somelibrary").warning("a warning")
    logs.setup()
    assert [line.rsplit(": ", 1)[-1] for line in lines(log_dir)[1:]] == ["a warning"]


def test_records_logged_while_the_file_opens_are_written_once_each(log_dir: Path) -> None:
    """Threads log while the file is opened and the held handler gives way to the file's:
    every record is in the file exactly once."""
    logs.begin()
    stop = threading.Event()
    said: list[int] = []

    def chatter() -> None:
        n = 0
        while not stop.is_set() or n < 50:
            logging.getLogger("worthit.test").info("line %d", n)
            said.append(n)
            n += 1

    thread = threading.Thread(target=chatter)
    thread.start()
    while len(said) < 20:  # some held, the rest logged while the file opens
        stop.wait(0.001)
    logs.setup()
    stop.set()
    thread.join()
    written = [line.rsplit(" ", 1)[-1] for line in lines(log_dir)[1:]]
    assert written == [str(n) for n in said]

"""The cache, its WAL and the log hold a company's spend: readable by their owner only."""

from __future__ import annotations

import logging
import stat
import sys
from contextlib import closing
from pathlib import Path

import pytest

from worthit import logs
from worthit.store.cache import Cache

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_cache_and_its_wal_are_0600_whatever_the_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        with closing(Cache.open(tmp_path / "c.sqlite")) as cache:
            cache.set_meta({"x": "1"})  # a write: the WAL exists now
            wal = tmp_path / "c.sqlite-wal"
            assert wal.exists()
            assert (mode(cache.path), mode(wal)) == (0o600, 0o600)
    finally:
        os.umask(old)


def test_an_existing_world_readable_cache_is_narrowed_on_open(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    Cache.open(path).close()
    path.chmod(0o644)
    Cache.open(path).close()
    assert mode(path) == 0o600


def test_the_log_file_is_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "log_dir", lambda: tmp_path / "logs")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / logs.FILE_NAME).write_text("from before\n")
    (tmp_path / "logs" / logs.FILE_NAME).chmod(0o644)
    try:
        path = logs.setup()
        logging.getLogger("worthit.test").warning("a line")
        logs.flush()
        assert mode(path) == 0o600
        assert "a line" in path.read_text(encoding="utf-8")
    finally:
        logs.shutdown()

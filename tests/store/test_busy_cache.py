"""A cache another process is writing to: commands refuse in plain words with exit 75
(EX_TEMPFAIL), never a raw ``database is locked`` traceback, and never exit 1 (which
``worthit watch`` keeps for "breached"). A read-only cache is refused in words too."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from tests.conftest import run_cli

from worthit.core.errors import CacheBusy, UserError
from worthit.store import cache as cache_module
from worthit.store.cache import Cache
from worthit.workspace import Workspace

Capsys = pytest.CaptureFixture[str]


@contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Another connection (as another process would) holding the write lock."""
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")


@pytest.fixture(autouse=True)
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "BUSY_SECONDS", 0.2)


def test_a_write_behind_another_writer_is_a_cache_busy_refusal(tmp_path: Path) -> None:
    with closing(Cache.open(tmp_path / "c.sqlite")) as cache:
        before = cache.get_meta("x")
        with write_lock(cache.path), pytest.raises(CacheBusy) as refused:
            cache.set_meta({"x": "1"})
        assert "the cache is busy" in str(refused.value)
        assert "nothing was changed" in str(refused.value)
        assert cache.get_meta("x") == before
        cache.set_meta({"x": "1"})  # once the other writer is done, it goes through
        assert cache.get_meta("x") == "1"


@pytest.mark.parametrize("args", [("watch",), ("budgets", "set", "--total", "--amount", "1000")])
def test_commands_exit_75_with_a_message_while_another_process_writes(
        capsys: Capsys, writable: Workspace, args: tuple[str, ...]) -> None:
    with write_lock(writable.cache_path):
        code, out, err = run_cli(capsys, writable, *args)
    assert code == CacheBusy.EXIT == 75
    assert "the cache is busy" in err and "Traceback" not in err + out
    assert "database is locked" not in err


def test_a_read_only_cache_is_refused_in_words(tmp_path: Path) -> None:
    with closing(Cache.open(tmp_path / "c.sqlite")) as cache:
        cache._conn.execute("PRAGMA query_only = ON")  # SQLite: "attempt to write a readonly
        with pytest.raises(UserError) as refused:     # database", as for a read-only file
            cache.set_meta({"x": "1"})
    assert "read-only" in str(refused.value) and "nothing was changed" in str(refused.value)

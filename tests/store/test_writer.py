"""The writer: one thread, one connection, the jobs in the order given; submitting never
waits for SQLite, and a job behind another process's write lock runs once it is free."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.store.findings import FindingState, load_states, set_state
from worthit.store.writer import Writer

LIMIT = 30  # seconds: how long a hang may last before the test fails, not a speed


@pytest.fixture
def writer(cache: Cache) -> Iterator[Writer]:
    opened = Writer(cache.path)
    yield opened
    opened.close(LIMIT)


def test_jobs_run_in_order_on_one_thread(writer: Writer, cache: Cache) -> None:
    threads: list[int] = []

    def job(n: int) -> Callable[[Cache], int]:
        def run(c: Cache) -> int:
            threads.append(threading.get_ident())
            set_state(c, FindingState(f"k{n}", "dismissed", f"reason {n}"))
            return n
        return run

    futures = [writer.submit(job(n)) for n in range(5)]
    assert [f.result(LIMIT) for f in futures] == list(range(5))
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()
    assert sorted(load_states(cache)) == [f"k{n}" for n in range(5)]


def test_submit_returns_before_a_blocked_write_runs(writer: Writer, cache: Cache) -> None:
    """Another process holds the write lock: submitting still returns at once, and the
    write lands when the lock is released."""
    holder = sqlite3.connect(cache.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        future = writer.submit(lambda c: set_state(c, FindingState("k", "dismissed", "r")))
        assert not future.done()
    finally:
        holder.execute("COMMIT")
        holder.close()
    future.result(LIMIT)
    assert load_states(cache)["k"].reason == "r"


def test_a_refused_job_reaches_its_caller_and_the_next_job_runs(writer: Writer,
                                                                cache: Cache) -> None:
    bad = writer.submit(lambda c: set_state(c, FindingState("k", "gone")))
    good = writer.submit(lambda c: set_state(c, FindingState("k", "dismissed", "fine")))
    with pytest.raises(UserError, match="not 'gone'"):
        bad.result(LIMIT)
    good.result(LIMIT)
    assert load_states(cache)["k"].state == "dismissed"


def test_close_finishes_what_was_queued_then_refuses(cache: Cache) -> None:
    writer = Writer(cache.path)
    futures = [writer.submit(lambda c, n=n: set_state(c, FindingState(f"k{n}", "dismissed")))
               for n in range(3)]
    assert writer.close(LIMIT)
    assert all(f.done() and f.exception() is None for f in futures)
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(lambda c: None)


def test_a_cache_that_cannot_be_opened_fails_each_job_in_words(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    (folder / "worthit.sqlite").write_bytes(b"not a database, but forty bytes of text...")
    writer = Writer(folder / "worthit.sqlite")
    try:
        future = writer.submit(lambda c: None)
        with pytest.raises(sqlite3.DatabaseError):
            future.result(LIMIT)
    finally:
        writer.close(LIMIT)

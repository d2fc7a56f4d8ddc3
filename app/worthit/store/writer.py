"""The one writer of a cache in the app: a thread that owns a connection and runs the
writes given to it one after another, each in its own transaction.

Readers open their own connections; in WAL mode they never wait for a writer. A window
hands its writes here instead of running them itself, so the UI thread never waits on
SQLite's lock, whatever an import or a sync holds (the model is datasette's
``Database._execute_writes``)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from worthit.store.cache import Cache

log = logging.getLogger(__name__)
T = TypeVar("T")
_Job = tuple[Callable[["Cache"], Any], "Future[Any]"]


class Writer:
    """Runs ``job(cache)`` calls on one thread with one connection to the cache at
    ``path``, in the order submitted. A job writes through the store's functions (each
    opens its own transaction); its result or exception reaches the caller's future."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"writer:{path.parent.name}",
                                        daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[Cache], T]) -> Future[T]:
        """Queue ``job``; returns at once with the future of its result."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the writer of {self.path} is closed")
            self._jobs.put((job, future))
        return future

    def close(self, timeout: float | None = None) -> bool:
        """Finish the jobs already queued, then stop; True once the thread has ended."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._jobs.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def closed(self) -> bool:
        return self._closed

    def _run(self) -> None:
        from worthit.store.cache import Cache

        cache: Cache | None = None
        try:
            while (item := self._jobs.get()) is not None:
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                if cache is None:
                    try:  # opened at the first job, and again after a failed opening
                        cache = Cache.open(self.path, upgrade=False)
                    except BaseException as error:
                        future.set_exception(error)
                        continue
                try:
                    future.set_result(job(cache))
                except BaseException as error:  # the caller decides: said, or a bug
                    future.set_exception(error)
        finally:
            if cache is not None:
                cache.close()

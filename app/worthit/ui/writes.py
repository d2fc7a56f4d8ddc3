"""Writes the window asks for (a dismissal, a price, a budget) go to the workspace's one
:class:`~worthit.store.writer.Writer`; the UI thread queues them and goes on, and hears
the outcome back on the UI thread. So a click never waits on SQLite, even while an import
holds the cache's write lock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from worthit.core.errors import UserError
from worthit.workspace import Workspace

if TYPE_CHECKING:
    from concurrent.futures import Future

    from worthit.store.cache import Cache
    from worthit.store.writer import Writer

log = logging.getLogger(__name__)
T = TypeVar("T")
_writers: dict[Path, Writer] = {}


class _Relay(QObject):
    """Carries a finished write from the writer's thread to the UI thread (a queued
    signal: the relay lives on the UI thread)."""

    arrived = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.arrived.connect(self._deliver)

    @staticmethod
    def _deliver(payload: tuple[Future[Any], QObject | None, Callable[[Any], None] | None,
                                Callable[[str], None] | None]) -> None:
        future, owner, done, failed = payload
        if owner is not None and not isValid(owner):
            return  # the dialog or page that asked is gone
        error = future.exception()
        if error is None:
            if done is not None:
                done(future.result())
            return
        if isinstance(error, UserError):
            message = str(error)
        else:
            log.error("A write failed", exc_info=error)
            message = (f"Worthit could not save this change ({type(error).__name__}). "
                       "This is a bug; the log has the details.")
        if failed is not None:
            failed(message)


_relay: _Relay | None = None


def writer_for(workspace: Workspace) -> Writer:
    """The workspace's writer in this process, started on first use."""
    from worthit.store.writer import Writer  # its thread's modules: after the first paint

    path = workspace.cache_path.resolve()
    writer = _writers.get(path)
    if writer is None or writer.closed:
        writer = _writers[path] = Writer(path)
    return writer


def submit(workspace: Workspace, job: Callable[[Cache], T], *, owner: QObject | None = None,
           done: Callable[[T], None] | None = None,
           failed: Callable[[str], None] | None = None) -> Future[T]:
    """Queue ``job`` on the workspace's writer and return at once. On the UI thread
    later: ``done(result)``, or ``failed(message)`` in words a manager can act on; neither
    once ``owner`` (the widget that asked) has been deleted."""
    global _relay  # noqa: PLW0603  (one relay, made on the UI thread at the first write)
    if _relay is None:
        _relay = _Relay()
    relay = _relay
    future = writer_for(workspace).submit(job)
    future.add_done_callback(lambda f: relay.arrived.emit((f, owner, done, failed)))
    return future


def close(workspace: Workspace | None = None, timeout: float = 30.0) -> bool:
    """Let the writers (of ``workspace``, default all) finish what was queued, then stop
    them; True when every one has stopped."""
    paths = list(_writers) if workspace is None else [workspace.cache_path.resolve()]
    stopped = True
    for path in paths:
        writer = _writers.pop(path, None)
        if writer is not None:
            stopped = writer.close(timeout) and stopped
    return stopped

"""Run generator functions on the thread pool.

Long work is a generator: it ``yield``s progress (any object) and ``return``s its result.
:func:`start` runs it on ``QThreadPool.globalInstance()``; a :class:`Worker` reports
through its signals and stops at the next ``yield`` after :meth:`Worker.cancel`.
A worker never touches a widget: the signals are delivered on the receiver's thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Work = Callable[[], Generator[Any, None, Any]]


class Worker(QObject):
    """One run of a generator function.

    Signals: ``started()``, ``yielded(object)`` for progress, ``returned(object)`` with
    the result, ``errored(object)`` with the exception, ``aborted()`` after a cancel, and
    ``finished()`` last, whatever happened."""

    started = Signal()
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    aborted = Signal()
    finished = Signal()

    def __init__(self, work: Work) -> None:
        super().__init__()
        self._work = work
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        """Runs on a pool thread."""
        self.started.emit()
        try:
            generator = self._work()
            while True:
                if self._cancel.is_set():
                    generator.close()
                    self.aborted.emit()
                    return
                try:
                    progress = next(generator)
                except StopIteration as stop:
                    self.returned.emit(stop.value)
                    return
                self.yielded.emit(progress)
        except Exception as error:  # reported to the UI, which shows it
            log.exception("Background work failed")
            self.errored.emit(error)
        finally:
            self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker

    def run(self) -> None:
        self.worker.run()


class _Keeper(QObject):
    """Holds each worker until its ``finished`` signal reaches the main thread, so the
    QObject is never destroyed on a pool thread with signals still queued."""

    def __init__(self) -> None:
        super().__init__()
        self.workers: set[Worker] = set()

    @Slot()
    def release(self) -> None:
        self.workers.discard(self.sender())  # type: ignore[arg-type]


_keeper: _Keeper | None = None


def start(work: Work, **slots: Callable[..., Any]) -> Worker:
    """Run ``work`` on the global thread pool. ``slots`` connect signals by name
    (``returned=self.show``) before the work starts, so no signal is missed; use bound
    methods of QObjects, which Qt calls on their own thread."""
    global _keeper  # noqa: PLW0603 - created lazily, after the QApplication exists
    if _keeper is None:
        _keeper = _Keeper()
    worker = Worker(work)
    for name, slot in slots.items():
        getattr(worker, name).connect(slot)
    _keeper.workers.add(worker)
    worker.finished.connect(_keeper.release)
    QThreadPool.globalInstance().start(_Runnable(worker))
    return worker


def preload(*modules: str) -> None:
    """Import ``modules`` here, on the UI thread, before work that needs them starts.

    A first import on a pool thread runs shiboken's import hook there, which can crash
    the process (seen with httpx pulling in rich); importing first keeps it on this
    thread. Missing optional modules are skipped: the work will say what is missing."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            log.info("Could not preload %s", name)


#: What live sources' workers import: loaded on the UI thread first (see preload).
NETWORK_MODULES = ("httpx", "boto3", "botocore")


def running() -> int:
    """Workers whose ``finished`` has not yet reached the main thread."""
    return 0 if _keeper is None else len(_keeper.workers)

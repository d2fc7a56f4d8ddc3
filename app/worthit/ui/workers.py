"""Run generator functions on the thread pool.

Long work is a generator: it ``yield``s progress (any object) and ``return``s its result.
:func:`start` runs it on ``QThreadPool.globalInstance()``; a :class:`Worker` reports
through its signals and stops at the next ``yield`` after :meth:`Worker.cancel`.
A worker never touches a widget: the signals are delivered on the receiver's thread.

Closing the app cancels every worker and waits for them (:func:`shutdown`). A signal a
worker emits after its QObject is gone (the process is exiting) is dropped without a word:
nobody is left to receive it, and its traceback would carry the whole result.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot
from shiboken6 import Shiboken

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
        """Runs on a pool thread. Nothing escapes it: a failure of the work is logged and
        emitted as ``errored``; a signal that can no longer be emitted is dropped."""
        self._emit(self.started)
        try:
            outcome, value = self._drive()
            if outcome == "errored" and self.cancelled:
                # Cancelled work that then failed (often because the app is going away):
                # nobody waits for it, so it is not reported.
                log.info("Cancelled background work stopped: %s", type(value).__name__)
                outcome, value = "aborted", None
            elif outcome == "errored":
                log.error("Background work failed", exc_info=value)
            # Emitted outside the generator's except clauses, so a failed emit is never
            # chained to the StopIteration that carries the whole result.
            if outcome == "aborted":
                self._emit(self.aborted)
            else:
                self._emit(getattr(self, outcome), value)
        finally:
            self._emit(self.finished)

    def _drive(self) -> tuple[str, Any]:
        """Run the generator to its end: ("returned", result), ("aborted", None) or
        ("errored", exception)."""
        try:
            generator = self._work()
            while True:
                if self._cancel.is_set():
                    generator.close()
                    return "aborted", None
                try:
                    progress = next(generator)
                except StopIteration as stop:
                    result = stop.value
                    break
                self._emit(self.yielded, progress)
        except Exception as error:  # reported to the UI, which shows it
            return "errored", error
        return "returned", result

    def _emit(self, signal: Any, *args: Any) -> None:
        """Emit unless this QObject was deleted under the worker (the process exits)."""
        if not Shiboken.isValid(self):
            return
        try:
            signal.emit(*args)
        except RuntimeError:  # "Signal source has been deleted": deleted since the check
            if Shiboken.isValid(self):
                raise


class _Runnable(QRunnable):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker

    def run(self) -> None:
        try:
            self.worker.run()
        except Exception as error:  # never into Qt's "Error calling Python override"
            log.error("A worker failed to report: %s", type(error).__name__)


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


def cancel_all() -> None:
    """Ask every running worker to stop at its next ``yield`` (the window is closing)."""
    for worker in list(_keeper.workers if _keeper is not None else ()):
        worker.cancel()


def shutdown(timeout_ms: int = 30_000) -> bool:
    """Cancel every worker and wait for the pool to finish, then deliver their last
    signals; call it after the event loop ends, before the interpreter exits, so no work
    runs on while Python tears down. False when work was still running at the timeout."""
    cancel_all()
    done = QThreadPool.globalInstance().waitForDone(timeout_ms)
    QCoreApplication.processEvents()
    return done


def running() -> int:
    """Workers whose ``finished`` has not yet reached the main thread."""
    return 0 if _keeper is None else len(_keeper.workers)

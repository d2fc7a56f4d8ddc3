"""Long tasks (imports, syncs, exports) with their progress and a Cancel button, shown in
the window's status bar.

A task is a plain function ``work(cancelled, progress)`` run on the thread pool: it calls
``progress(fraction, text)`` as it goes (from its own thread; the bar is updated on the
UI thread through a queued signal) and checks ``cancelled()``, raising
:class:`worthit.core.errors.Cancelled` to stop. One task runs at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from worthit.core.errors import Cancelled, UserError
from worthit.ui import workers

Task = Callable[[Callable[[], bool], Callable[[float, str], None]], Any]


class _Relay(QObject):
    moved = Signal(float, str)


class TaskBar(QWidget):
    """Signals: ``finished(str)`` with a one-line outcome when a task ends, however."""

    finished = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._stop = threading.Event()
        self._worker: workers.Worker | None = None
        self._relay = _Relay(self)
        self._relay.moved.connect(self._moved)
        self.hide()

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def run(self, title: str, work: Task, *, done: Callable[[Any], None],
            failed: Callable[[str], None]) -> bool:
        """Start ``work``; False (and nothing started) if a task is already running.
        ``done(result)`` or ``failed(message)`` is called on the UI thread at the end."""
        if self.busy:
            return False
        self._stop = threading.Event()
        stop, relay = self._stop, self._relay
        self.title = title
        self.label.setText(title)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.show()

        self._done, self._failed = done, failed

        def task() -> Generator[str, None, Any]:
            yield title
            return work(stop.is_set, relay.moved.emit)

        # Bound methods of this QObject: Qt delivers them on the UI thread (a plain
        # function would run on the pool thread, touching widgets from there).
        self._worker = workers.start(task, returned=self._returned, errored=self._errored)
        return True

    def _returned(self, result: Any) -> None:
        self._end(f"{self.title}: done")
        self._done(result)

    def _errored(self, error: Exception) -> None:
        if isinstance(error, Cancelled):
            message = f"{self.title}: cancelled; nothing was changed"
        elif isinstance(error, UserError):
            message = str(error)
        else:
            message = (f"{self.title} failed ({type(error).__name__}: {error}). This is a bug; "
                       "the log has the details.")
        self._end(message)
        self._failed(message)

    def cancel(self) -> None:
        self._stop.set()
        self.cancel_button.setEnabled(False)
        self.label.setText(f"{self.title}: cancelling…")

    def _moved(self, fraction: float, text: str) -> None:
        self.bar.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
        if text and not self._stop.is_set():
            self.label.setText(f"{self.title}: {text}")

    def _end(self, message: str) -> None:
        self._worker = None
        self.hide()
        self.finished.emit(message)

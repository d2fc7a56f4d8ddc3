"""The base of every page: compute on a worker, draw on the UI thread.

A page subclass names itself, implements :meth:`Page.compute` (runs on a pool thread
with its own cache connection; it must not touch widgets, so it is a static method) and
:meth:`Page.show_result` (runs on the UI thread). Results of superseded requests are
dropped, so switching periods quickly never shows a stale page.

A page whose figures come in two steps also sets :attr:`Page.compute_first`: its result
is drawn by :meth:`Page.show_first` (and ``first_shown`` emitted), then :meth:`compute`
goes on, on the same worker. It waits for that drawing: run beside it, it took the GIL
from the UI thread while the first figures were drawn (at start-up, pyqtgraph imported
and the charts built), which then came later."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.store.cache import Cache
from worthit.ui import workers, writes
from worthit.workspace import Workspace

log = logging.getLogger(__name__)

#: How often a staged page's worker, waiting for its first step to be drawn, looks
#: whether it was cancelled (it yields, and the worker stops at a yield).
DRAW_WAIT_S = 0.05


@dataclass(frozen=True, slots=True)
class _First:
    """What a staged page's worker yields between its two steps."""

    generation: int
    result: Any
    #: Set once the UI thread has drawn ``result`` (or will not): the second step waits.
    drawn: threading.Event


class Page(QWidget):
    """Signals: ``loaded()`` once a result is drawn, ``first_shown()`` once a staged page's
    first step is drawn (before ``loaded``), ``failed(str)`` with a message,
    ``data_changed()`` after the page changed the workspace's charges (other pages are
    then stale)."""

    loaded = Signal()
    first_shown = Signal()
    failed = Signal(str)
    data_changed = Signal()

    name: ClassVar[str]
    title: ClassVar[str]
    #: A staged page's first step: ``compute_first(cache, period)`` on the worker, its
    #: result drawn by :meth:`show_first` before :meth:`compute` runs. None: one step.
    compute_first: ClassVar[Callable[[Cache, Period], Any] | None] = None

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.period: Period | None = None
        self._generation = 0
        self._worker: workers.Worker | None = None
        self.dialogs: list[QWidget] = []  # open dialogs of this page
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(20, 16, 20, 12)
        self.body.setSpacing(10)
        heading = QLabel(self.title, objectName="PageTitle")
        self.body.addWidget(heading)
        self.error = QLabel(objectName="Bad")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.hide()
        self.body.addWidget(self.error)

    def show_dialog(self, dialog: QWidget, changed: Any = None) -> QWidget:
        """Show a non-modal dialog of this page, kept alive while open and deleted when
        closed; ``changed`` (a signal) reloads the page."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if changed is not None:
            changed.connect(self.reload)
        self.dialogs.append(dialog)
        dialog.destroyed.connect(lambda: self.dialogs.remove(dialog)
                                 if dialog in self.dialogs else None)
        dialog.show()
        return dialog

    def write(self, job: Callable[[Cache], Any], then: Callable[[Any], None] | None = None,
              failed: Callable[[str], None] | None = None) -> Future[Any]:
        """Save a change through the workspace's writer (:mod:`worthit.ui.writes`) and
        return at once; then ``then(result)`` (default: reload the page) on the UI thread,
        or ``failed(message)`` (default: said on the page). Nothing reaches a page that is
        gone."""
        return writes.submit(self.workspace, job, owner=self,
                             done=then or (lambda _: self.reload()),
                             failed=failed or self._errored_write)

    def _errored_write(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.failed.emit(message)

    def reload(self) -> None:
        """Recompute for the period on show (after the user changed the workspace)."""
        if self.period is not None:
            self.load(self.period)

    def chart_widget(self) -> QWidget | None:
        """The page's main chart, for ``worthit export chart PAGE`` (None: it has none
        yet, or none at all)."""
        return None

    @staticmethod
    def compute(cache: Cache, period: Period) -> Any:
        raise NotImplementedError  # each page defines its computation

    def show_result(self, result: Any) -> None:
        raise NotImplementedError  # each page draws its result

    def show_first(self, result: Any) -> None:
        raise NotImplementedError  # a staged page draws its first step
    def load(self, period: Period) -> None:
        """Recompute for ``period`` on a worker; the newest request wins."""
        self.period = period
        self._generation += 1
        if self._worker is not None:
            self._worker.cancel()
        generation, workspace, compute = self._generation, self.workspace, self.compute
        first = type(self).compute_first

        def work() -> Generator[str | _First, None, tuple[int, Any]]:
            yield "opening the cache"
            cache = workspace.open()
            try:
                if first is not None:
                    yield "computing the first figures"
                    drawn = threading.Event()
                    yield _First(generation, first(cache, period), drawn)
                    while not drawn.wait(DRAW_WAIT_S):
                        yield "waiting for the first figures to be drawn"
                yield "computing"
                return generation, compute(cache, period)
            finally:
                cache.close()

        self._worker = workers.start(work, yielded=self._yielded, returned=self._returned,
                                     errored=self._errored)

    def _yielded(self, progress: object) -> None:
        if not isinstance(progress, _First):
            return
        try:
            if progress.generation != self._generation:
                return
            drawn = self._draw_step(self.show_first, progress.result, self.first_shown)
            if not drawn and self._worker is not None:  # failed is said: no second step
                self._worker.cancel()
        finally:
            progress.drawn.set()

    def _returned(self, payload: tuple[int, Any]) -> None:
        generation, result = payload
        if generation != self._generation:
            return
        self._draw_step(self.show_result, result, self.loaded)

    def _draw_step(self, show: Callable[[Any], None], result: Any, drawn: Any) -> bool:
        self.error.hide()
        try:
            show(result)
        except Exception as error:  # a drawing bug: said on the page, and failed emitted
            log.exception("Drawing the %s page failed", self.name)
            self._errored(error)
            return False
        drawn.emit()
        return True

    def _errored(self, error: Exception) -> None:
        message = str(error) if isinstance(error, UserError) else (
            f"Worthit could not compute this page ({type(error).__name__}: {error}). "
            "This is a bug; the log has the details."
        )
        self.error.setText(message)
        self.error.show()
        self.failed.emit(message)

"""What the export dialogs share: where files go by default, the problem line under the
form, and starting the export on a worker through the window's task bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QDialog, QLabel, QPushButton

#: How long an export's outcome stays in the status bar.
STATUS_MS: Final = 30_000



def documents() -> Path:
    """The user's Documents folder, else their home."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def run_export(window: Any, title: str, work: Callable[..., Any],
               saved: Callable[[Any], str]) -> bool:
    """Run ``work`` on a worker through ``window.tasks``, saying ``saved(result)`` in the
    status bar when it is done, or why it failed; False (with a message) when another task
    is running."""
    status = window.statusBar()

    def done(result: Any) -> None:
        status.showMessage(saved(result), STATUS_MS)

    def failed(message: str) -> None:
        status.showMessage(message, 2 * STATUS_MS)  # longer: it may need acting on

    started: bool = window.tasks.run(title, work, done=done, failed=failed)
    if not started:
        status.showMessage("Another task is running: wait for it, or cancel it in the "
                           "status bar.", STATUS_MS)
    return started


class ExportForm(QDialog):
    """A dialog that writes one file: subclasses give ``problem_text()`` (empty when the
    form can be sent), ``out()`` (the file, or None), a ``problem`` label and an
    ``export_button``; this keeps the line under the form and the button in step."""

    problem: QLabel
    export_button: QPushButton

    def problem_text(self) -> str:
        raise NotImplementedError

    def out(self) -> Path | None:
        raise NotImplementedError

    def _validate(self) -> None:
        problem = self.problem_text()
        out = self.out()
        note = "" if problem or out is None or not out.exists() else \
            f"{out.name} exists and will be replaced."
        self.problem.setText(problem or note)
        self.problem.setObjectName("Bad" if problem else "Readout")
        self.problem.style().unpolish(self.problem)
        self.problem.style().polish(self.problem)
        self.problem.setVisible(bool(problem or note))
        self.export_button.setEnabled(not problem)

    def _accept(self) -> None:
        if not self.problem_text():
            self.accept()

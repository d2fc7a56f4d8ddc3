"""Billing files dropped on a widget: local files only (a dropped URL is never fetched)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent


def accept_files(event: QDragEnterEvent) -> None:
    """Take a drag that carries only local files."""
    urls = event.mimeData().urls()
    if event.mimeData().hasUrls() and all(u.isLocalFile() for u in urls):
        event.acceptProposedAction()


def dropped_files(event: QDropEvent) -> list[Path]:
    """The local files a drop carries (the drop is accepted when there are any)."""
    paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
    if paths:
        event.acceptProposedAction()
    return paths

"""File › New workspace…, Open workspace… and Recent workspaces, and the switch itself.

Switching closes the window and opens a new one on the chosen workspace, in the same
application: every page then reads the new workspace from the start, with nothing of
the old one left in a model or a worker. The windows open are kept here (a window with
no Python reference would be deleted)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from worthit.core.errors import UserError
from worthit.store.cache import CACHE_FILE
from worthit.workspace import Workspace, ensure, recent, remember

if TYPE_CHECKING:
    from worthit.ui.main_window import MainWindow

_windows: set[MainWindow] = set()


def open_window(workspace: Workspace, like: QWidget | None = None) -> MainWindow:
    """A main window on ``workspace``, shown (where ``like`` was, at its size), kept until
    it closes."""
    from worthit.ui.main_window import MainWindow

    window = MainWindow(workspace)
    if like is not None:
        window.setGeometry(like.geometry())
    _windows.add(window)
    # Released after the close has been handled, never inside its own event.
    window.closed.connect(lambda: QTimer.singleShot(0, lambda: _windows.discard(window)))
    window.show()
    return window


def switch(window: MainWindow, workspace: Workspace) -> MainWindow:
    """Close ``window`` and open one on ``workspace``, which becomes the most recent."""
    remember(workspace)
    app = QApplication.instance()
    quits = app.quitOnLastWindowClosed() if isinstance(app, QApplication) else False
    if isinstance(app, QApplication):
        app.setQuitOnLastWindowClosed(False)  # for the moment no window is open
    try:
        window.close()  # stops its workers before the new window starts its own
        return open_window(workspace, like=window)
    finally:
        if isinstance(app, QApplication):
            app.setQuitOnLastWindowClosed(quits)


def _choose_folder(window: QWidget, title: str) -> Path | None:
    from PySide6.QtWidgets import QFileDialog  # the dialogs' enums made when first used

    chosen = QFileDialog.getExistingDirectory(window, title, str(Path.home()))
    return Path(chosen) if chosen else None


def new_workspace(window: MainWindow, folder: Path | None = None) -> MainWindow | None:
    """Make ``folder`` (asked for when None) an empty workspace and switch to it. A folder
    that already holds a workspace is opened as it is."""
    folder = folder or _choose_folder(window, "New workspace: choose or create an empty folder")
    if folder is None:
        return None
    workspace = Workspace(folder.expanduser().resolve())
    if not workspace.exists():
        from PySide6.QtWidgets import QMessageBox

        try:
            ensure(workspace, create=True)
        except (UserError, OSError) as error:
            QMessageBox.warning(window, "New workspace", f"Could not make a workspace in "
                                f"{workspace.folder}: {error}")
            return None
    return switch(window, workspace)


def open_workspace(window: MainWindow, folder: Path | None = None) -> MainWindow | None:
    """Switch to the workspace in ``folder`` (asked for when None). A folder without one
    is refused, or started empty if the user says so."""
    folder = folder or _choose_folder(window, "Open workspace: a folder holding "
                                              f"{CACHE_FILE}")
    if folder is None:
        return None
    workspace = Workspace(folder.expanduser().resolve())
    if not workspace.exists():
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            window, "Open workspace",
            f"{workspace.folder} holds no workspace (no {CACHE_FILE}).\n\n"
            "Start an empty workspace there?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return None
        return new_workspace(window, workspace.folder)
    return switch(window, workspace)


def _fill_recent(window: MainWindow, menu: QMenu) -> None:
    menu.clear()
    for workspace in recent():
        if workspace.folder == window.workspace.folder:
            continue
        action = menu.addAction(f"{workspace.name} — {workspace.folder.parent}")
        action.setToolTip(str(workspace.folder))
        action.triggered.connect(
            lambda _=False, w=workspace: open_workspace(window, w.folder))
    if menu.isEmpty():
        menu.addAction("No other recent workspace").setEnabled(False)


def add_workspace_actions(window: MainWindow) -> QMenu:
    """The workspace entries at the top of the window's File menu; returns Recent."""
    menu = window.file_menu
    first = next(iter(menu.actions()), None)
    new = menu.addAction("New workspace…")
    new.setObjectName("new_workspace")
    new.setShortcut(QKeySequence("Ctrl+Shift+N"))
    new.setStatusTip("Start an empty workspace in a folder, for your own bills")
    new.triggered.connect(lambda: new_workspace(window))
    opened = menu.addAction("Open workspace…")
    opened.setObjectName("open_workspace")
    opened.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
    opened.setStatusTip(f"Switch to a folder holding {CACHE_FILE}")
    opened.triggered.connect(lambda: open_workspace(window))
    recent_menu = QMenu("Recent workspaces", menu)
    recent_menu.setObjectName("RecentWorkspaces")
    recent_menu.aboutToShow.connect(lambda: _fill_recent(window, recent_menu))
    menu.addMenu(recent_menu)
    separator = menu.addSeparator()
    if first is not None:  # above what the menu held (Export deck…)
        for action in (new, opened, recent_menu.menuAction(), separator):
            menu.removeAction(action)
            menu.insertAction(first, action)
    return recent_menu

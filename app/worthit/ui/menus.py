"""The window's menu entries that open a dialog: File › Export deck… and Export FOCUS…,
View › Display currency…, Help › Use with an AI assistant… and About Worthit.

The entries are made with the window; each dialog's module is imported when its entry is
first used, not before the window's first paint (together they cost about 15 ms there)."""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from worthit import APP_NAME
from worthit.workspace import Workspace

#: File › Export deck…'s shortcut.
DECK_SHORTCUT: Final = "Ctrl+E"


def add_file_menu(window: QMainWindow) -> QMenu:
    """A "File" menu, first in the menu bar, with "Export deck…" (Ctrl+E)."""
    bar = window.menuBar()
    menu = QMenu("&File", bar)
    menu.setObjectName("FileMenu")
    action = menu.addAction("Export deck…")
    action.setObjectName("export_deck")
    action.setShortcut(QKeySequence(DECK_SHORTCUT))
    action.setStatusTip("Save the period's story as a PowerPoint deck with native charts")
    action.triggered.connect(lambda: _open_deck_dialog(window))
    first = next(iter(bar.actions()), None)
    if first is None:
        bar.addMenu(menu)
    else:
        bar.insertMenu(first, menu)
    return menu


def _open_deck_dialog(window: Any) -> None:
    from worthit.ui.deck_dialog import open_deck_dialog

    open_deck_dialog(window)


def add_focus_action(window: Any, menu: QMenu) -> None:
    """"Export FOCUS…" in the File menu, after "Export deck…"."""
    action = menu.addAction("Export FOCUS…")
    action.setObjectName("export_focus")
    action.setStatusTip("Save every daily charge as a FOCUS dataset (CSV or Parquet) for "
                        "FinOps tools")
    action.triggered.connect(lambda: _open_focus_dialog(window))


def _open_focus_dialog(window: Any) -> None:
    from worthit.ui.focus_dialog import open_focus_dialog

    open_focus_dialog(window)


def add_currency_action(window: QMainWindow) -> QAction:
    """View › Display currency… on ``window`` (a main window with ``workspace``, ``pages``,
    ``current_page`` and ``reload``): once a currency is chosen, every page recomputes in
    it (the one on show at once, the others when next shown)."""
    bar = window.menuBar()
    view = next((a.menu() for a in bar.actions()
                 if a.text().replace("&", "") == "View" and isinstance(a.menu(), QMenu)), None)
    menu: QMenu = view if isinstance(view, QMenu) else bar.addMenu("&View")
    action = menu.addAction("Display currency…")
    action.setObjectName("display_currency")
    action.setStatusTip("The currency every page shows its money in")
    action.triggered.connect(lambda: _open_currency_dialog(window))
    return action


def _open_currency_dialog(window: Any) -> None:
    from worthit.ui.currency_dialog import open_currency_dialog

    open_currency_dialog(window)


def add_help_menu(window: QMainWindow, workspace: Workspace | None = None) -> QAction:
    """Add Help ▸ Use with an AI assistant… and Help ▸ About Worthit to ``window``'s menu
    bar (on macOS About moves to the application menu, as the About item does there).
    Returns the About action."""
    menu = window.menuBar().addMenu("&Help")
    assistant = menu.addAction("Use with an &AI assistant…")
    assistant.triggered.connect(lambda: _show_assistant(window, workspace))
    action = menu.addAction(f"&About {APP_NAME}")
    action.setMenuRole(QAction.MenuRole.AboutRole)
    action.triggered.connect(lambda: _show_about(window, workspace))
    return action


def _show_assistant(window: QMainWindow, workspace: Workspace | None) -> None:
    from worthit.ui.about import show_assistant

    show_assistant(window, workspace)


def _show_about(window: QMainWindow, workspace: Workspace | None) -> None:
    from worthit.ui.about import show_about

    show_about(window, workspace)

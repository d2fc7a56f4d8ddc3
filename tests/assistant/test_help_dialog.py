"""Help › Use with an AI assistant…: the client entry that starts ``worthit mcp`` on the
window's workspace, shown and copied as the README shows it."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from worthit.assistant.config import client_config
from worthit.ui.about import AssistantDialog
from worthit.ui.menus import add_help_menu
from worthit.workspace import Workspace


def test_the_entry_starts_worthit_mcp_on_the_workspace(tmp_path: Path) -> None:
    entry = json.loads(client_config(tmp_path / "my ws", ["worthit"]))
    assert entry == {"mcpServers": {"worthit": {
        "command": "worthit", "args": ["mcp", "--workspace", str(tmp_path / "my ws")]}}}


def test_the_help_menu_shows_and_copies_the_entry(qtbot: QtBot, tmp_path: Path) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    workspace = Workspace(tmp_path / "ws")
    add_help_menu(window, workspace)
    help_menu = window.menuBar().actions()[0].menu()
    item = next(a for a in help_menu.actions() if "AI assistant" in a.text())
    item.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(AssistantDialog)))
    dialog = window.findChildren(AssistantDialog)[0]
    args = json.loads(dialog.snippet)["mcpServers"]["worthit"]["args"]
    assert args[-3:] == ["mcp", "--workspace", str(workspace.folder)]
    dialog.copy()
    assert QGuiApplication.clipboard().text() == dialog.snippet
    dialog.close()

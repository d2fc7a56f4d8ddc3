"""The About box (Help ▸ About Worthit) and the application icon.

The About box says what a bug report needs: the version, where the data and the log file
are (with a button that opens the log folder) and the versions underneath, which "Copy
details" puts on the clipboard."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from worthit import APP_NAME, __version__, logs
from worthit.ui.icon import app_icon
from worthit.workspace import Workspace, default_root

TAGLINE = "Was our AI spend worth it?"


def licence() -> str:
    """The licence the installed package declares (its metadata), e.g. "MIT"."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        found = metadata("worthit")
    except PackageNotFoundError:
        return "MIT"
    return str(found.get("License-Expression") or found.get("License") or "MIT")


def details(workspace: Workspace | None) -> str:
    """The facts a bug report needs, as plain text."""
    frozen = "installed build" if getattr(sys, "frozen", False) else "from Python"
    lines = [
        f"{APP_NAME} {__version__} ({frozen})",
        f"Qt {qVersion()}, PySide6 {pyside_version}, Python {platform.python_version()}",
        f"{platform.platform()} ({platform.machine()})",
    ]
    if workspace is not None:
        lines.append(f"Workspace: {workspace.folder}")
    lines += [f"Data folder: {default_root()}", f"Log file: {logs.log_file()}"]
    return "\n".join(lines)


class AboutDialog(QDialog):
    """The About box. Signals: none; "Open log folder" asks the desktop to show the folder
    (``opened_log_folder`` holds whether it could)."""

    def __init__(self, workspace: Workspace | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.opened_log_folder: bool | None = None
        self.setWindowTitle(f"About {APP_NAME}")
        self.setWindowIcon(app_icon())

        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(QSize(96, 96)))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        name = _plain(APP_NAME)
        font = name.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        name.setFont(font)
        self.version = _plain(f"Version {__version__}")
        heading = QVBoxLayout()
        heading.setSpacing(4)
        heading.addWidget(name)
        heading.addWidget(self.version)
        heading.addWidget(_plain(TAGLINE))
        heading.addWidget(_plain(f"Released under the {licence()} licence.", muted=True))
        heading.addStretch(1)
        top = QHBoxLayout()
        top.setSpacing(18)
        top.addWidget(logo)
        top.addLayout(heading, 1)

        places = QFormLayout()
        places.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.paths: dict[str, Path] = {}
        if workspace is not None:
            self.paths["Workspace"] = workspace.folder
        self.paths["Data folder"] = default_root()
        self.paths["Log file"] = logs.log_file()
        for label, path in self.paths.items():
            places.addRow(f"{label}:", _plain(str(path), selectable=True))
        places.addRow("Built with:", _plain(
            f"Qt {qVersion()} · PySide6 {pyside_version} · Python "
            f"{platform.python_version()} · {platform.system()} {platform.machine()}",
            muted=True, selectable=True))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_log = QPushButton("Open log folder")
        self.open_log.setToolTip(f"Show {logs.log_dir()} (attach worthit.log to a bug "
                                 "report: it holds no keys)")
        self.open_log.clicked.connect(self.open_log_folder)
        copy = QPushButton("Copy details")
        copy.setToolTip("Copy the version and these paths, for a bug report")
        copy.clicked.connect(self.copy_details)
        buttons.addButton(self.open_log, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        for button in (self.open_log, copy):  # Enter closes the box, it opens nothing
            button.setAutoDefault(False)
        buttons.button(QDialogButtonBox.StandardButton.Close).setDefault(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        layout.setSpacing(16)
        layout.addLayout(top)
        layout.addLayout(places)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def open_log_folder(self) -> bool:
        folder = logs.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self.opened_log_folder = QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
        return self.opened_log_folder

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(details(self.workspace))


def _plain(text: str, *, muted: bool = False, selectable: bool = False) -> QLabel:
    """A label that never interprets its text as markup (paths are shown as they are)."""
    label = QLabel(text, objectName="Readout" if muted else "")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def show_about(window: QWidget, workspace: Workspace | None = None) -> AboutDialog:
    """Open the About box over ``window`` (window-modal, deleted when closed)."""
    dialog = AboutDialog(workspace, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


class AssistantDialog(QDialog):
    """Help ▸ Use with an AI assistant…: the MCP client entry that serves this workspace
    (``worthit mcp``, read-only) with a Copy button. Signals: none."""

    def __init__(self, workspace: Workspace | None = None,
                 parent: QWidget | None = None) -> None:
        from worthit.assistant.config import client_config
        from worthit.workspace import resolve

        super().__init__(parent)
        self.setWindowTitle("Use with an AI assistant")
        folder = (workspace or resolve()).folder
        self.snippet = client_config(folder)
        intro = _plain(
            "Add this to your assistant's MCP settings (Claude Desktop: claude_desktop_config"
            ".json; Cursor: .cursor/mcp.json; VS Code: .vscode/mcp.json, under \"servers\" "
            "instead of \"mcpServers\"). The assistant then reads this workspace's figures, "
            "the same as the app's, read-only: it cannot change the workspace, read your "
            "keys or reach the network; what it sends on is up to your assistant.")
        text = QPlainTextEdit(self.snippet)
        text.setReadOnly(True)
        text.setMinimumHeight(150)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy")
        copy.setAutoDefault(False)
        copy.clicked.connect(self.copy)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.snippet)


def show_assistant(window: QWidget, workspace: Workspace | None = None) -> AssistantDialog:
    """Open Help ▸ Use with an AI assistant… over ``window`` (deleted when closed)."""
    dialog = AssistantDialog(workspace, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog

"""What keeps the demo's invented money apart from real bills in the window: its title,
a "DEMO" badge in the status bar, and a question before a bill is imported into it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from worthit import APP_NAME
from worthit.workspace import Workspace, is_demo

DEMO_TITLE = f"{APP_NAME} — Demo workspace (invented data)"


def holds_demo(workspace: Workspace) -> bool:
    """Whether the workspace's cache holds the generated demo."""
    with workspace.open() as cache:
        return is_demo(cache)


def demo_badge() -> QLabel:
    """The status bar's badge: impossible to miss, explained on hover."""
    badge = QLabel("DEMO", objectName="DemoBadge")
    badge.setToolTip("This is the demo workspace: its charges are invented. "
                     "File › New workspace… starts one for your own bills.")
    return badge


def confirm_demo_import(parent: QWidget) -> bool:
    """Ask before a bill goes into the demo workspace; Cancel is the default."""
    from PySide6.QtWidgets import QMessageBox  # its enums made when asked, not at the start

    box = QMessageBox(QMessageBox.Icon.Warning, "Import into the demo workspace?",
                      "This is the demo workspace: its charges are invented.", parent=parent)
    box.setInformativeText(
        "A real bill imported here would mix with invented money, and every figure would "
        "be wrong. File › New workspace… starts an empty workspace for your own bills.")
    anyway = box.addButton("Import anyway", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is anyway

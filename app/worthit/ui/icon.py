"""Worthit's application icon: set before the window first paints, so it lives apart
from the About box that also shows it."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from worthit.paths import icons_dir

ICON_SIZES = (16, 32, 48, 64, 128, 256, 512, 1024)


def app_icon() -> QIcon:
    """Worthit's icon at every size it is drawn in (window, taskbar, dock, About box)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = icons_dir() / f"worthit-{size}.png"
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    if icon.isNull():  # the PNGs are generated (packaging/make_icons.py); the SVG is the master
        icon = QIcon(str(icons_dir() / "worthit.svg"))
    return icon

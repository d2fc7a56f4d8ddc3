"""Charts out of the app: PNG at 2× for crisp slides, SVG as vectors, or the clipboard.

pyqtgraph 0.14's own SVG exporter fails on PySide6 6.11 and later (Qt now writes ``Z`` in
paths), so a chart widget is rendered with a QPainter straight into a ``QSvgGenerator``:
its lines, axes and text stay vectors."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QMargins, QPoint, QRect, QSize
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton, QWidget

from worthit.core.errors import UserError
from worthit.ui import theme

FORMATS = (".png", ".svg")
MARGIN = 10  # px around the chart
#: The object name of a chart's own Export button, left out of what is exported.
BUTTON = "ChartExport"


@contextlib.contextmanager
def _without_buttons(widget: QWidget) -> Iterator[None]:
    shown = [b for b in widget.findChildren(QToolButton, BUTTON) if b.isVisible()]
    for button in shown:
        button.hide()
    try:
        yield
    finally:
        for button in shown:
            button.show()


def export_button(chart: QWidget, title: Callable[[], str]) -> QToolButton:
    """An "Export" menu for ``chart``: PNG (2×), SVG, or copy to the clipboard."""
    button = QToolButton(chart, objectName=BUTTON)
    button.setText("Export")
    button.setAutoRaise(True)  # quiet beside the chart; a frame when hovered
    button.setMaximumHeight(20)  # no taller than a legend line
    button.setToolTip("Save this chart as PNG or SVG, or copy it")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)

    def save(suffix: str, kind: str) -> None:
        name = "".join(c if c.isalnum() else "-" for c in title().lower()).strip("-")
        chosen, _ = QFileDialog.getSaveFileName(chart, "Export chart", f"{name}{suffix}",
                                                f"{kind} (*{suffix})")
        if chosen:
            save_chart(chart, Path(chosen), title=title())

    menu.addAction("Save as PNG (2×)…", lambda: save(".png", "PNG image"))
    menu.addAction("Save as SVG…", lambda: save(".svg", "SVG vector image"))
    menu.addAction("Copy", lambda: copy_chart(chart))
    button.setMenu(menu)
    return button


def save_chart(widget: QWidget, path: Path, *, title: str = "", scale: float = 2.0) -> Path:
    """Write ``widget`` (a chart with its legend) to ``path``: .png or .svg."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"{path}: a chart is saved as .png or .svg")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".svg":
        size = widget.size().grownBy(QMargins(MARGIN, MARGIN, MARGIN, MARGIN))
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRect(0, 0, size.width(), size.height()))
        generator.setTitle(title or "Worthit chart")
        generator.setDescription("Exported from Worthit")
        painter = QPainter(generator)
        try:
            painter.fillRect(QRect(0, 0, size.width(), size.height()),
                             QColor(theme.colours().surface))
            with _without_buttons(widget):
                widget.render(painter, QPoint(MARGIN, MARGIN))
        finally:
            painter.end()
        return path
    if not chart_image(widget, scale).save(str(path), "PNG"):
        raise UserError(f"Could not write {path}.")
    return path


def chart_image(widget: QWidget, scale: float = 2.0) -> QImage:
    """The chart as an image at ``scale`` times its size on screen."""
    size = widget.size().grownBy(QMargins(MARGIN, MARGIN, MARGIN, MARGIN))
    image = QImage(QSize(round(size.width() * scale), round(size.height() * scale)),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(QColor(theme.colours().surface))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        with _without_buttons(widget):
            widget.render(painter, QPoint(MARGIN, MARGIN))
    finally:
        painter.end()
    return image


def copy_chart(widget: QWidget) -> None:
    QGuiApplication.clipboard().setImage(chart_image(widget))

"""Charts out of the app: PNG at 2× for crisp slides, SVG as vectors, or the clipboard.

A file leaves the app without the page around it, so the chart is headed with what the
page says beside it: its title, the period it covers and the unit of its values
(:class:`Caption`).

pyqtgraph 0.14's own SVG exporter fails on PySide6 6.11 and later (Qt now writes ``Z`` in
paths), so a chart widget is rendered with a QPainter straight into a ``QSvgGenerator``:
its lines, axes and text stay vectors."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QImage,
    QPainter,
    QRegion,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton, QWidget

from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.ui import theme

FORMATS = (".png", ".svg")
MARGIN = 10  # px around the chart
TITLE_PX, SUBTITLE_PX = 16, 12  # the caption's fonts, in pixels (the same on any device)
CAPTION_GAP = 8  # px between the caption and the chart
_WRAP = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft


@dataclass(frozen=True)
class Caption:
    """What an exported chart says above itself: ``title``, the ``period`` it covers and
    the ``unit`` of its values (e.g. "USD per day")."""

    title: str
    period: Period | None = None
    unit: str = ""

    @property
    def subtitle(self) -> str:
        """``2026-11-05 to 2026-12-04 · USD per day`` (what is known of it)."""
        parts = []
        if self.period is not None:
            start, end = self.period.start, self.period.end
            parts.append(start.isoformat() if start == end
                         else f"{start.isoformat()} to {end.isoformat()}")
        if self.unit:
            parts.append(self.unit)
        return " · ".join(parts)


def enclosing_period(widget: QWidget) -> Period | None:
    """The period of the nearest widget around ``widget`` that has one (its page)."""
    parent = widget.parentWidget()
    while parent is not None:
        period = getattr(parent, "period", None)
        if isinstance(period, Period):
            return period
        parent = parent.parentWidget()
    return None


def caption_of(widget: QWidget, title: str = "") -> Caption:
    """The chart's own caption (a widget with ``caption()``), else ``title`` (or the
    widget's ``title``) with its page's period and the widget's ``unit`` if it has one.
    The widget's own title wins over ``title``: it is what the page shows."""
    own = getattr(widget, "caption", None)
    if callable(own):
        found: Caption = own()
        if found.title and found.title != "chart":
            return found
        return Caption(title or "Worthit chart", found.period, found.unit)
    named = getattr(widget, "title", "")
    unit = getattr(widget, "unit", "")
    return Caption((named if isinstance(named, str) and named else title) or "Worthit chart",
                   enclosing_period(widget), unit if isinstance(unit, str) else "")


def _fonts() -> tuple[QFont, QFont]:
    title, subtitle = QFont(QGuiApplication.font()), QFont(QGuiApplication.font())
    title.setPixelSize(TITLE_PX)
    title.setBold(True)
    subtitle.setPixelSize(SUBTITLE_PX)
    return title, subtitle


def _wrapped_height(font: QFont, text: str, width: int) -> int:
    return QFontMetrics(font).boundingRect(QRect(0, 0, width, 10_000), _WRAP, text).height()


def _caption_height(caption: Caption, width: int) -> int:
    """The caption's height at ``width``: its lines wrapped, never cut."""
    title_font, subtitle_font = _fonts()
    height = _wrapped_height(title_font, caption.title, width)
    if caption.subtitle:
        height += 3 + _wrapped_height(subtitle_font, caption.subtitle, width)
    return height + CAPTION_GAP


def _paint(painter: QPainter, widget: QWidget, caption: Caption, size: QSize) -> None:
    """The surface, the caption at the top and the chart below it."""
    c = theme.colours()
    painter.fillRect(QRect(0, 0, size.width(), size.height()), QColor(c.surface))
    width = size.width() - 2 * MARGIN
    title_font, subtitle_font = _fonts()
    painter.setFont(title_font)
    painter.setPen(QColor(c.text))
    title_height = _wrapped_height(title_font, caption.title, width)
    painter.drawText(QRect(MARGIN, MARGIN, width, title_height), _WRAP, caption.title)
    if caption.subtitle:
        painter.setFont(subtitle_font)
        painter.setPen(QColor(c.muted))
        top = MARGIN + title_height + 3
        painter.drawText(QRect(MARGIN, top, width,
                               _wrapped_height(subtitle_font, caption.subtitle, width)),
                         _WRAP, caption.subtitle)
    with _without_buttons(widget):
        # Children only: the page's window colour around the legend stays out of the file.
        widget.render(painter, QPoint(MARGIN, MARGIN + _caption_height(caption, width)),
                      QRegion(), QWidget.RenderFlag.DrawChildren)


def _size(widget: QWidget, caption: Caption) -> QSize:
    """The file's size in pixels (before the PNG's scale): the chart, its caption and a
    margin around both."""
    chart = widget.size()
    return QSize(chart.width() + 2 * MARGIN,
                 chart.height() + 2 * MARGIN + _caption_height(caption, chart.width()))
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


def save_chart(widget: QWidget, path: Path, *, title: str = "", scale: float = 2.0,
               caption: Caption | None = None) -> Path:
    """Write ``widget`` (a chart with its legend) to ``path``: .png or .svg, headed with
    ``caption`` (default: :func:`caption_of` the widget, ``title`` if it has none)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"{path}: a chart is saved as .png or .svg")
    caption = caption or caption_of(widget, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".svg":
        size = _size(widget, caption)
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRect(0, 0, size.width(), size.height()))
        generator.setTitle(caption.title)
        generator.setDescription(" · ".join(
            p for p in (caption.subtitle, "Exported from Worthit") if p))
        painter = QPainter(generator)
        try:
            _paint(painter, widget, caption, size)
        finally:
            painter.end()
        return path
    if not chart_image(widget, scale, caption).save(str(path), "PNG"):
        raise UserError(f"Could not write {path}.")
    return path


def chart_image(widget: QWidget, scale: float = 2.0, caption: Caption | None = None) -> QImage:
    """The chart, headed by its caption, as an image at ``scale`` times its size on
    screen."""
    caption = caption or caption_of(widget)
    size = _size(widget, caption)
    image = QImage(QSize(round(size.width() * scale), round(size.height() * scale)),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        _paint(painter, widget, caption, size)
    finally:
        painter.end()
    return image


def copy_chart(widget: QWidget) -> None:
    QGuiApplication.clipboard().setImage(chart_image(widget))

"""A squarified treemap of one level of the allocation tree, and the breadcrumbs that lead
back up it. Area shows where the money goes at a glance; the page drills down by feeding
the children of the tile that was clicked."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QCursor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from worthit.core.money import money, money_short
from worthit.ui import chart_export, theme

Rect = tuple[float, float, float, float]

GAP = 2.0  # pixels between neighbouring tiles
RADIUS = 3.0
PADDING = 5.0  # between a tile's edge and its text
EMPTY_MESSAGE = "Nothing to show for this period"


def squarify(values: Sequence[float], x: float, y: float, width: float,
             height: float) -> list[Rect]:
    """Rects ``(x, y, width, height)`` in the order of ``values``, with areas proportional
    to them, tiling the given rectangle (Bruls, Huizing and van Wijk's squarified layout,
    which keeps tiles close to square so their areas are easy to compare).

    Values that are zero or negative get an empty rect at the origin."""
    rects: list[Rect] = [(x, y, 0.0, 0.0)] * len(values)
    order = sorted((i for i, v in enumerate(values) if v > 0), key=lambda i: -values[i])
    total = sum(values[i] for i in order)
    if not order or width <= 0 or height <= 0 or total <= 0:
        return rects
    scale = width * height / total
    areas = [values[i] * scale for i in order]
    start = 0
    while start < len(order):
        side = min(width, height)
        end = start + 1
        while end < len(order) and (_worst(areas[start:end + 1], side)
                                    <= _worst(areas[start:end], side)):
            end += 1
        row = areas[start:end]
        along_height = width >= height  # the row is a column on the left, else a top row
        length = height if along_height else width
        last_row = end == len(order)
        # The last row takes what is left, so float error never leaves a sliver uncovered.
        if last_row:
            thickness = width if along_height else height
        else:
            thickness = min(sum(row) / length, width if along_height else height)
        offset = 0.0
        for k, area in enumerate(row):
            if k == len(row) - 1:
                extent = length - offset
            else:
                extent = min(area / thickness, length - offset) if thickness > 0 else 0.0
            if along_height:
                rects[order[start + k]] = (x, y + offset, thickness, extent)
            else:
                rects[order[start + k]] = (x + offset, y, extent, thickness)
            offset += extent
        if along_height:
            x, width = x + thickness, width - thickness
        else:
            y, height = y + thickness, height - thickness
        start = end
    return rects


def _worst(row: Sequence[float], side: float) -> float:
    """The worst aspect ratio of a row of areas laid along ``side``."""
    total = sum(row)
    smallest, largest = min(row), max(row)
    if total <= 0 or smallest <= 0:
        return float("inf")
    side2, total2 = side * side, total * total
    return max(side2 * largest / total2, total2 / (side2 * smallest))


@dataclass(frozen=True, slots=True)
class Tile:
    """One node of the level shown. ``path`` identifies it to the page; ``colour`` None
    takes a series colour by position; ``drillable`` says it has children."""

    path: tuple[str, ...]
    label: str
    value: float
    note: str = ""
    colour: str | None = None
    unallocated: bool = False
    drillable: bool = True
    currency: str = "USD"  # of ``value``


def _luminance(colour: QColor) -> float:
    """WCAG relative luminance, to pick the more legible of black and white text."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return (0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF())
            + 0.0722 * linear(colour.blueF()))


#: White text from here down. Labels are bold, where a 3:1 contrast reads well; on
#: mid-tone fills (the palette's blue, red and green) white reads better than black even
#: where black's contrast ratio is a touch higher.
WHITE_TEXT_BELOW = 0.3


def text_colour(fill: QColor) -> QColor:
    """Black on light fills, white on mid and dark ones."""
    return QColor(Qt.GlobalColor.white if _luminance(fill) < WHITE_TEXT_BELOW
                  else Qt.GlobalColor.black)


class Treemap(QWidget):
    """Tiles sized by value. Signals: ``activated(path)`` when a drillable tile is clicked
    with the left button; ``hovered(path)`` when the tile under the mouse changes (``()``
    for none)."""

    activated = Signal(tuple)
    hovered = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._tiles: list[Tile] = []
        self._rects: list[tuple[Tile, QRectF, QColor]] = []  # drawn tiles, in input order
        self._hover: Tile | None = None
        self._pressed: tuple[str, ...] | None = None
        self.title = "Allocation"  # names exported files; the page says which level

    def export_button(self) -> QToolButton:
        """The treemap's Export menu (PNG at 2×, SVG, Copy), as every chart has, for the
        page to place in the treemap's heading row."""
        return chart_export.export_button(self, lambda: self.title)

    def set_tiles(self, tiles: Sequence[Tile]) -> None:
        self._tiles = list(tiles)
        self._pressed = None
        self._layout()
        # The tile under a still mouse has changed (after a drill-down, typically).
        pointer = self.mapFromGlobal(QCursor.pos()).toPointF()
        self._set_hover(self.tile_at(pointer) if self.underMouse() else None)
        self.update()

    def tile_at(self, point: QPointF) -> Tile | None:
        """The tile drawn under ``point`` (None over a gap or the empty message)."""
        for tile, rect, _ in self._rects:
            if rect.contains(point):
                return tile
        return None

    def tile_rect(self, path: tuple[str, ...]) -> QRectF | None:
        """Where the tile with ``path`` is drawn; None if it is not drawn."""
        for tile, rect, _ in self._rects:
            if tile.path == tuple(path):
                return QRectF(rect)
        return None

    def minimumSizeHint(self) -> QSize:
        return QSize(320, 220)

    def sizeHint(self) -> QSize:
        return QSize(640, 400)

    def _layout(self) -> None:
        """Cache each drawn tile's rect and fill; paint only reads them."""
        shown = [(i, t) for i, t in enumerate(self._tiles) if t.value > 0]
        bounds = QRectF(self.rect())
        rects = squarify([t.value for _, t in shown], bounds.x(), bounds.y(),
                         bounds.width(), bounds.height())
        half = GAP / 2
        self._rects = []
        for (index, tile), (x, y, w, h) in zip(shown, rects, strict=True):
            rect = QRectF(x, y, w, h).adjusted(half, half, -half, -half)
            if rect.width() <= 0 or rect.height() <= 0:
                continue
            if tile.unallocated:
                fill = theme.UNALLOCATED_COLOUR
            else:
                fill = tile.colour or theme.SERIES_COLOURS[index % len(theme.SERIES_COLOURS)]
            self._rects.append((tile, rect, QColor(fill)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._layout()
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.update()  # theme colours are read when painting
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = theme.colours()
        if not self._rects:
            painter.setPen(QColor(colours.muted))
            painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, EMPTY_MESSAGE)
        for tile, rect, fill in self._rects:
            self._paint_tile(painter, tile, rect, fill, colours.accent)
        painter.end()

    def _paint_tile(self, painter: QPainter, tile: Tile, rect: QRectF, fill: QColor,
                    accent: str) -> None:
        hovered = self._hover is not None and self._hover.path == tile.path
        colour = fill.lighter(112) if hovered else fill
        radius = min(RADIUS, rect.width() / 2, rect.height() / 2)
        shape = QPainterPath()
        shape.addRoundedRect(rect, radius, radius)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.fillPath(shape, colour)
        if tile.unallocated:
            painter.fillPath(shape, QBrush(colour.darker(135), Qt.BrushStyle.BDiagPattern))
        if hovered:
            painter.setPen(QPen(QColor(accent), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(shape)
        self._paint_text(painter, tile, rect, text_colour(colour))

    def _paint_text(self, painter: QPainter, tile: Tile, rect: QRectF, colour: QColor) -> None:
        """Label, amount and note, one a line, as many as fit; none on a tiny tile."""
        inner = rect.adjusted(PADDING, PADDING - 1, -PADDING, -PADDING)
        bold = QFont(self.font())
        bold.setBold(True)
        lines = [(bold, tile.label), (self.font(), money_short(tile.value, tile.currency)),
                 (self.font(), tile.note)]
        top = inner.top()
        painter.setPen(colour)
        for font, text in lines:
            if not text:
                continue
            metrics = QFontMetricsF(font)
            if top + metrics.height() > inner.bottom():
                break
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
            if not elided or elided == "…":  # a lone ellipsis says nothing
                break
            painter.setFont(font)
            painter.drawText(QRectF(inner.left(), top, inner.width(), metrics.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             elided)
            top += metrics.height()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._set_hover(self.tile_at(event.position()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            tile = self.tile_at(event.position())
            self._pressed = tile.path if tile is not None and tile.drillable else None
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A click is a press and release on the same drillable tile."""
        if event.button() == Qt.MouseButton.LeftButton:
            pressed, self._pressed = self._pressed, None
            tile = self.tile_at(event.position())
            if pressed is not None and tile is not None and tile.path == pressed:
                self.activated.emit(tile.path)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _set_hover(self, tile: Tile | None) -> None:
        if tile == self._hover:
            return
        self._hover = tile
        if tile is not None and tile.drillable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.unsetCursor()
        self.setToolTip(_tooltip(tile) if tile is not None else "")
        self.update()
        self.hovered.emit(tile.path if tile is not None else ())


def _tooltip(tile: Tile) -> str:
    """Rich text built only from escaped bill text: a plain tooltip would still be
    rendered as HTML if a label looked like a tag (Qt guesses with mightBeRichText)."""
    lines = [f"<b>{html.escape(tile.label)}</b>", html.escape(money(tile.value, tile.currency))]
    if tile.note:
        lines.append(html.escape(tile.note))
    return "<br>".join(lines)


class Breadcrumbs(QWidget):
    """The path from the root to the level shown, e.g. ``All spend › search``. Signals:
    ``chosen(path)`` when an ancestor crumb is clicked."""

    chosen = Signal(tuple)

    SEPARATOR = "›"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._labels: list[str] = []
        self._separators: list[QLabel] = []

    def set_trail(self, trail: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        """``trail`` is (label, path) pairs, root first; the last is where the page is."""
        while self._layout.count():
            widget = self._layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._labels = [label for label, _ in trail]
        self._separators = []
        for index, (label, path) in enumerate(trail):
            if index:
                separator = QLabel(self.SEPARATOR)
                self._separators.append(separator)
                self._layout.addWidget(separator)
            if index == len(trail) - 1:
                current = QLabel(label)
                current.setTextFormat(Qt.TextFormat.PlainText)  # bill text is never rich text
                font = current.font()
                font.setBold(True)
                current.setFont(font)
                self._layout.addWidget(current)
            else:
                button = QToolButton()
                button.setAutoRaise(True)
                button.setText(label.replace("&", "&&"))  # "&" would be a mnemonic
                button.setCursor(Qt.CursorShape.PointingHandCursor)
                button.clicked.connect(lambda _=False, p=tuple(path): self.chosen.emit(p))
                self._layout.addWidget(button)
        self._layout.addStretch(1)
        self._restyle()

    def labels(self) -> list[str]:
        return list(self._labels)

    def _restyle(self) -> None:
        muted = theme.colours().muted
        for separator in self._separators:
            separator.setStyleSheet(f"color: {muted};")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()
        super().changeEvent(event)

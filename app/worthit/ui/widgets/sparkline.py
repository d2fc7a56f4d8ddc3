"""A small trend line drawn inside a table or tree cell."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QSize
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from worthit.ui import theme


class SparklineDelegate(QStyledItemDelegate):
    """Paints the array under ``role`` as a line scaled to its own range (the shape, not
    the size: the cost column says how big)."""

    def __init__(self, role: int, parent: Any = None) -> None:
        super().__init__(parent)
        self.role = role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        values = index.data(self.role)
        if values is None or len(values) < 2:
            return
        values = [float(v) for v in values]
        rect = option.rect.adjusted(6, 5, -6, -5)  # type: ignore[attr-defined]
        low, high = min(values), max(values)
        span = high - low or 1.0
        step = rect.width() / (len(values) - 1)
        line = QPolygonF([
            QPointF(rect.left() + i * step, rect.bottom() - (v - low) / span * rect.height())
            for i, v in enumerate(values)
        ])
        selected = option.state & QStyle.StateFlag.State_Selected  # type: ignore[attr-defined]
        colour = QColor("#FFFFFF") if selected else QColor(theme.colours().accent)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 1.4))
        painter.drawPolyline(line)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 90), hint.height())

"""A time chart on pyqtgraph: stacked areas or lines over dates, a legend, and a hover
read-out of the values under the cursor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from worthit.ui import theme
from worthit.ui.chart_export import export_button


class _ValueAxis(pg.AxisItem):
    def __init__(self, formatter: Callable[[float], str]) -> None:
        super().__init__("left")
        self._formatter = formatter
        self.title = "chart"  # names exported files; the page sets it

    def tickStrings(self, values, scale, spacing):
        return [self._formatter(v) for v in values]


def _timestamp(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


class TimeChart(QWidget):
    """A titled chart. :meth:`show_series` replaces what it draws."""

    def __init__(self, formatter: Callable[[float], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._formatter = formatter
        self.plot = pg.PlotWidget(
            axisItems={
                "bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0),
                "left": _ValueAxis(formatter),
            },
        )
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.25)
        item.getAxis("left").setWidth(64)
        self._restyle()
        self.legend = QHBoxLayout()
        self.legend.setSpacing(14)
        self.readout = QLabel(" ", objectName="Readout")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addLayout(self.legend)
        top.addStretch(1)  # the button stays right, with a legend or without
        top.addWidget(export_button(self, lambda: self.title))
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self._cursor = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(theme.colours().muted, style=Qt.PenStyle.DashLine))
        self._cursor.setVisible(False)
        self._x = np.zeros(0)
        self._starts: list[dt.date] = []
        self._series: dict[str, np.ndarray] = {}
        self._granularity = "day"
        self._top = 0.0
        self._bottom = 0.0
        self._span_end: float | None = None
        self._proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._hovered)

    def show_series(
        self,
        starts: list[dt.date],
        series: dict[str, np.ndarray],
        colours: dict[str, str],
        *,
        stacked: bool,
        granularity: str = "day",
        zero_based: bool = True,
    ) -> None:
        """``zero_based=False`` fits the value axis to the data (for a line of prices,
        where the movement matters more than the distance from zero)."""
        item = self.plot.getPlotItem()
        item.clear()
        self._span_end = None
        self._show_legend(series, colours)
        self._starts, self._series, self._granularity = starts, series, granularity
        self._x = np.array([_timestamp(d) for d in starts])
        item.addItem(self._cursor, ignoreBounds=True)
        if stacked:
            # Each band is a curve filled down to zero, drawn from the top of the stack
            # down, so the curve below covers all but its own band. (A legend entry for a
            # FillBetweenItem crashes pyqtgraph 0.14 on paint, so it is not used here.)
            names = list(series)
            tops = np.cumsum([series[name] for name in names], axis=0)
            for name, top in reversed(list(zip(names, tops, strict=True))):
                item.plot(self._x, top, pen=pg.mkPen(colours[name], width=1), fillLevel=0,
                          fillBrush=pg.mkBrush(colours[name]))
        else:
            dots = len(self._x) <= 60  # points a reader can count get a dot each
            for name, values in series.items():
                # connect="finite": a missing value (NaN) is a gap, never a zero.
                item.plot(self._x, values, pen=pg.mkPen(colours[name], width=2),
                          connect="finite", symbol="o" if dots else None, symbolSize=5,
                          symbolPen=None, symbolBrush=pg.mkBrush(colours[name]))
        top = max((float(np.nanmax(v)) for v in series.values() if np.isfinite(v).any()),
                  default=0.0)
        if stacked and series:
            top = float(np.max(np.sum(list(series.values()), axis=0)))
        self._top = top
        finite = [v[np.isfinite(v)] for v in series.values()]
        low = min((float(np.min(v)) for v in finite if len(v)), default=0.0)
        self._bottom = 0.0 if zero_based or stacked else low
        self._fit()
        self.readout.setText(" ")

    def _fit(self) -> None:
        item = self.plot.getPlotItem()
        if self._bottom > 0:
            span = max(self._top - self._bottom, self._top * 0.05)
            item.setYRange(max(0.0, self._bottom - span * 0.15), self._top + span * 0.15,
                           padding=0)
        else:
            item.setYRange(0, self._top * 1.06 if self._top > 0 else 1, padding=0)
        if len(self._x):
            end = self._x[-1] if self._span_end is None else self._span_end
            item.setXRange(self._x[0], end, padding=0.01)

    def mark_level(self, value: float, text: str, colour: str) -> None:
        """A dashed horizontal line (a target), labelled, kept in view."""
        line = pg.InfiniteLine(pos=value, angle=0, pen=pg.mkPen(
            colour, width=1.5, style=Qt.PenStyle.DashLine), label=text,
            labelOpts={"position": 0.98, "color": colour, "anchors": [(1, 1), (1, 1)]})
        self.plot.getPlotItem().addItem(line, ignoreBounds=True)
        self._top = max(self._top, value)
        if self._bottom > 0:
            self._bottom = min(self._bottom, value)
        else:
            self._top = max(self._top, value * 1.15)
        self._fit()

    def shade(self, spans: list[tuple[dt.date, dt.date]], colour: str) -> None:
        """Shade whole days ``start``..``end`` (inclusive), e.g. periods that miss a target."""
        brush = QColor(colour)
        brush.setAlpha(40)
        for start, end in spans:
            region = pg.LinearRegionItem(
                values=(_timestamp(start), _timestamp(end + dt.timedelta(days=1))),
                movable=False, brush=pg.mkBrush(brush), pen=pg.mkPen(None))
            region.setZValue(-10)
            self.plot.getPlotItem().addItem(region, ignoreBounds=True)
        if spans:
            self._span_end = max(self._span_end or 0.0,
                                 _timestamp(max(e for _, e in spans) + dt.timedelta(days=1)))
            self._fit()

    def _restyle(self) -> None:
        """Colours from the current appearance (light or dark)."""
        c = theme.colours()
        self.plot.setBackground(c.surface)
        for name in ("bottom", "left"):
            axis = self.plot.getPlotItem().getAxis(name)
            axis.setPen(pg.mkPen(c.grid))
            axis.setTextPen(pg.mkPen(c.muted))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()
        super().changeEvent(event)

    def _show_legend(self, series: dict[str, np.ndarray], colours: dict[str, str]) -> None:
        """A legend above the plot (outside it, so it never hides data); none for one
        series, which the title names."""
        while self.legend.count():
            widget = self.legend.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if len(series) < 2:
            return
        for name in series:
            swatch = QLabel()
            swatch.setFixedSize(12, 12)
            swatch.setStyleSheet(f"background: {colours[name]}; border-radius: 2px;")
            label = QLabel(name)
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.legend.addWidget(swatch)
            self.legend.addWidget(label)

    def _hovered(self, event: tuple[QPointF]) -> None:
        if not len(self._x):
            return
        position = event[0]
        view = self.plot.getPlotItem().vb
        if not self.plot.sceneBoundingRect().contains(position):
            self._cursor.setVisible(False)
            return
        x = view.mapSceneToView(position).x()
        index = int(np.clip(np.searchsorted(self._x, x), 0, len(self._x) - 1))
        if index > 0 and abs(self._x[index - 1] - x) < abs(self._x[index] - x):
            index -= 1
        self._cursor.setPos(self._x[index])
        self._cursor.setVisible(True)
        self.readout.setText(self.describe(index))

    def describe(self, index: int) -> str:
        """The read-out text for one bucket: its date and each series' value."""
        label = self._starts[index].isoformat()
        if self._granularity == "week":
            label = f"week of {label}"
        elif self._granularity == "month":
            label = f"{self._starts[index]:%B %Y}"
        parts = [f"{name} {self._formatter(values[index])}" if np.isfinite(values[index])
                 else f"{name} –" for name, values in self._series.items()]
        return f"{label}   " + "   ".join(parts)

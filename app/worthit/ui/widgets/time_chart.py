"""A time chart on pyqtgraph: stacked areas or lines over dates, reference lines (a
baseline) and shaded days, a legend, and a hover read-out of the values under the cursor."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from worthit.core.periods import Period
from worthit.ui import theme
from worthit.ui.chart_export import Caption, enclosing_period, export_button
from worthit.ui.widgets.date_axis import DAY, DateAxis, timestamp


class _ValueAxis(pg.AxisItem):
    def __init__(self, formatter: Callable[[float], str]) -> None:
        super().__init__("left")
        self._formatter = formatter
        self.title = "chart"  # names exported files; the page sets it

    def tickStrings(self, values, scale, spacing):
        return [self._formatter(v) for v in values]


def _partial(start: dt.date, end: dt.date, granularity: str) -> bool:
    """Whether a bucket covers less than its whole week or month (the period cut it)."""
    if granularity == "week":
        return start.weekday() != 0 or end.weekday() != 6
    if granularity == "month":
        return start.day != 1 or (end + dt.timedelta(days=1)).day != 1
    return False


def _key(name: str, colour: str, style: str) -> str:
    """One legend entry as rich text: a filled square (a series), a dashed line (a
    reference) or a light square (shaded days), then the name; the legend wraps between
    entries, never inside one."""
    shown = QColor(colour)
    if style == "band":  # the shade's tint on the chart's surface, as drawn (alpha 40)
        under = QColor(theme.colours().surface)
        shown = QColor(*(round(a + (b - a) * 0.3) for a, b in (
            (under.red(), shown.red()), (under.green(), shown.green()),
            (under.blue(), shown.blue()))))
    # A line may break after an en dash even before a no-break space (Unicode line
    # breaking, LB12a): a word joiner after each dash keeps the entry whole.
    glyph = f"–{JOIN}&nbsp;–{JOIN}" if style == "dashed" else "■"
    return (f'<span style="color: {shown.name()}; font-weight: bold;">{glyph}</span>'
            f"&nbsp;{html.escape(name).replace(' ', '&nbsp;')}")


JOIN = "\u2060"  # WORD JOINER: no line break on either side


class TimeChart(QWidget):
    """A titled chart. :meth:`show_series` replaces what it draws.

    ``title``, ``unit`` (e.g. "USD per day") and ``period`` (default: the page's, else the
    days drawn) are written into an exported file (:meth:`caption`)."""

    def __init__(self, formatter: Callable[[float], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._formatter = formatter
        self.title = "chart"  # names exported files and heads them; the page sets it
        self.unit = ""  # what a value is, e.g. "USD per day"; the page sets it
        self.period: Period | None = None  # what the chart covers, when not the page's
        self.plot = pg.PlotWidget(
            axisItems={
                "bottom": DateAxis(),
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
        # One word-wrapped label, so a long legend takes lines, not the page's width.
        self.legend = QLabel(objectName="Legend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.hide()
        self.readout = QLabel(" ", objectName="Readout")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.legend, 1)
        self.note = QLabel(objectName="Readout")  # what the lighter (partial) bars mean
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        # It wraps beside the legend: on one line it widened the window past 1280 px.
        self.note.setWordWrap(True)
        self.note.hide()
        top.addWidget(self.note, 1)
        # The button stays right: without a legend, this takes the room; with one (its
        # stretch above), the legend does.
        top.addStretch(0)
        top.addWidget(export_button(self, lambda: self.title))
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self._cursor = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(theme.colours().muted, style=Qt.PenStyle.DashLine))
        self._cursor.setVisible(False)
        self._x = np.zeros(0)
        self._starts: list[dt.date] = []
        self._ends: list[dt.date] = []
        self._bars = False
        self._series: dict[str, np.ndarray] = {}
        self._references: dict[str, np.ndarray] = {}
        self._keys: list[tuple[str, str, str]] = []  # the legend: name, colour, style
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
        ends: list[dt.date] | None = None,
    ) -> None:
        """``zero_based=False`` fits the value axis to the data (for a line of prices,
        where the movement matters more than the distance from zero).

        ``ends`` (each bucket's last day) makes a monthly series of one line bars, one
        per month, each as wide as the days it covers: a month the period cuts is a
        narrower, lighter bar, never a point joined to the next as if it were whole."""
        item = self.plot.getPlotItem()
        item.clear()
        self._span_end = None
        self._references = {}
        self._keys = [(name, colours[name], "fill") for name in series]
        self._show_legend()
        self._starts, self._series, self._granularity = starts, series, granularity
        self._ends = list(ends) if ends is not None else []
        self._x = np.array([timestamp(d) for d in starts])
        self._bars = (granularity == "month" and not stacked and len(series) == 1
                      and len(self._ends) == len(starts))
        axis: DateAxis = item.getAxis("bottom")  # type: ignore[assignment]
        axis.granularity = granularity
        axis.bar_middles = []
        self.note.hide()
        item.addItem(self._cursor, ignoreBounds=True)
        if self._bars:
            self._draw_bars(next(iter(series.values())), colours[next(iter(series))])
            axis.bar_middles = [(a + b) / 2 for a, b in self._extents()]
            zero_based = True  # a bar's length is its value: it starts at zero
        elif stacked:
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

    def _extents(self) -> list[tuple[float, float]]:
        """Each bucket's span on the x axis, from its first day to the end of its last."""
        return [(timestamp(s), timestamp(e) + DAY)
                for s, e in zip(self._starts, self._ends, strict=True)]

    def _draw_bars(self, values: np.ndarray, colour: str) -> None:
        whole, partial = QColor(colour), QColor(colour)
        partial.setAlpha(90)
        rows: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
        cut = []
        for (left, right), value, start, end in zip(self._extents(), values, self._starts,
                                                     self._ends, strict=True):
            if not np.isfinite(value):
                continue  # no count in the month: no bar, not a zero
            gap = min(2 * DAY, (right - left) * 0.1)
            is_partial = _partial(start, end, self._granularity)
            rows[is_partial].append((left + gap / 2, right - gap / 2, float(value)))
            if is_partial:
                cut.append(f"{start:%b} {start.day}–{end.day}" if start.month == end.month
                           else f"{start:%b} {start.day}–{end:%b} {end.day}")
        for is_partial, bars in rows.items():
            if not bars:
                continue
            left, right, height = (np.array(column) for column in zip(*bars, strict=True))
            pen = (pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine) if is_partial
                   else pg.mkPen(None))
            self.plot.getPlotItem().addItem(pg.BarGraphItem(
                x0=left, x1=right, y0=0, height=height, pen=pen,
                brush=pg.mkBrush(partial if is_partial else whole)))
        if cut:
            self.note.setText("Lighter bars are part months, only the days in the period: "
                              + ", ".join(cut))
            self.note.show()

    def _fit(self) -> None:
        item = self.plot.getPlotItem()
        if self._bottom > 0:
            span = max(self._top - self._bottom, self._top * 0.05)
            item.setYRange(max(0.0, self._bottom - span * 0.15), self._top + span * 0.15,
                           padding=0)
        else:
            item.setYRange(0, self._top * 1.06 if self._top > 0 else 1, padding=0)
        if len(self._x):
            # Shading only ever widens the range: the last value is always in view.
            start, end = float(self._x[0]), float(self._x[-1])
            if self._bars:
                start, end = self._extents()[0][0], self._extents()[-1][1]
            if self._span_end is not None:
                end = max(end, self._span_end)
            item.setXRange(start, end, padding=0.01)

    def mark_level(self, value: float, text: str, colour: str) -> None:
        """A dashed horizontal line (a target), kept in view and named ``text`` in the
        legend: a label on the line itself sat on the series wherever it crossed."""
        line = pg.InfiniteLine(pos=value, angle=0, pen=pg.mkPen(
            colour, width=1.5, style=Qt.PenStyle.DashLine))
        self.plot.getPlotItem().addItem(line, ignoreBounds=True)
        self._keys.append((text, colour, "dashed"))
        self._show_legend()
        self._top = max(self._top, value)
        if self._bottom > 0:
            self._bottom = min(self._bottom, value)
        else:
            self._top = max(self._top, value * 1.15)
        self._fit()

    def add_reference(self, name: str, values: np.ndarray, colour: str) -> None:
        """A dashed line over the same buckets as the series (a baseline the series is
        measured against), in the legend and the read-out; a NaN is a gap."""
        values = np.asarray(values, dtype=float)
        self._references[name] = values
        self.plot.getPlotItem().plot(
            self._x, values, pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine),
            connect="finite")
        if np.isfinite(values).any():
            self._top = max(self._top, float(np.nanmax(values)))
            if self._bottom > 0:
                self._bottom = min(self._bottom, float(np.nanmin(values)))
        self._keys.append((name, colour, "dashed"))
        self._show_legend()
        self._fit()

    def shade(self, spans: list[tuple[dt.date, dt.date]], colour: str,
              label: str | None = None) -> None:
        """Shade whole days ``start``..``end`` (inclusive), e.g. periods that miss a target;
        with a ``label``, the legend names them."""
        brush = QColor(colour)
        brush.setAlpha(40)
        for start, end in spans:
            region = pg.LinearRegionItem(
                values=(timestamp(start), timestamp(end) + DAY),
                movable=False, brush=pg.mkBrush(brush), pen=pg.mkPen(None))
            region.setZValue(-10)
            self.plot.getPlotItem().addItem(region, ignoreBounds=True)
        if spans:
            self._span_end = max(self._span_end or 0.0,
                                 timestamp(max(e for _, e in spans)) + DAY)
            self._fit()
            if label:
                self._keys.append((label, colour, "band"))
                self._show_legend()

    def caption(self) -> Caption:
        """What an exported file says above the chart: the title, the period (set, else
        the page's, else the days drawn) and the unit."""
        period = self.period or enclosing_period(self)
        if period is None and self._starts:
            last = self._ends[-1] if self._ends else self._starts[-1]
            period = Period(self._starts[0], last)
        return Caption(self.title, period, self.unit)

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
            self._show_legend()
        super().changeEvent(event)

    def _show_legend(self) -> None:
        """A legend above the plot (outside it, so it never hides data); none for one
        series alone, which the title names."""
        self.legend.setText("&nbsp;&nbsp;&nbsp; ".join(_key(*key) for key in self._keys))
        self.legend.setVisible(len(self._keys) >= 2)

    def _hovered(self, event: tuple[QPointF]) -> None:
        if not len(self._x):
            return
        position = event[0]
        view = self.plot.getPlotItem().vb
        if not self.plot.sceneBoundingRect().contains(position):
            self._cursor.setVisible(False)
            return
        x = view.mapSceneToView(position).x()
        if self._bars:  # the bar under the cursor
            index = int(np.clip(np.searchsorted(self._x, x, side="right") - 1, 0,
                                len(self._x) - 1))
            self._cursor.setPos(sum(self._extents()[index]) / 2)
        else:
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
        if index < len(self._ends) and _partial(self._starts[index], self._ends[index],
                                                 self._granularity):
            start, end = self._starts[index], self._ends[index]
            label += f" (only {start.isoformat()} to {end.isoformat()})"
        parts = [f"{name} {self._formatter(values[index])}" if np.isfinite(values[index])
                 else f"{name} –"
                 for name, values in (self._series | self._references).items()]
        return f"{label}   " + "   ".join(parts)

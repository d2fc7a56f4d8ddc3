"""The time chart's axes, as a reader sees them: the whole series in view, dates ticked on
days or months (never hours), and partial months drawn as partial."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from worthit.ui.app import application
from worthit.ui.widgets.date_axis import DAY, DateAxis, day_of, timestamp
from worthit.ui.widgets.time_chart import TimeChart


def _days(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(count)]


@pytest.fixture
def chart(qtbot: QtBot) -> TimeChart:
    application()
    widget = TimeChart(lambda v: f"${v:.4f}")
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _x_range(chart: TimeChart) -> tuple[float, float]:
    low, high = chart.plot.getPlotItem().vb.viewRange()[0]
    return low, high


def _ticks(chart: TimeChart) -> list[tuple[float, str]]:
    """The bottom axis's ticks and labels for the range in view, at the axis's width."""
    axis = chart.plot.getPlotItem().getAxis("bottom")
    low, high = _x_range(chart)
    ticks = []
    for spacing, values in axis.tickValues(low, high, axis.width()):
        ticks += zip(values, axis.tickStrings(values, 1.0, spacing), strict=True)
    return ticks


def test_shading_never_cuts_off_the_last_days(chart: TimeChart) -> None:
    days = _days(dt.date(2026, 11, 5), 30)  # to Dec 4
    chart.show_series(days, {"cost": np.linspace(0.06, 0.08, 30)}, {"cost": "#2563eb"},
                      stacked=False, zero_based=False)
    chart.shade([(dt.date(2026, 11, 7), dt.date(2026, 11, 7)),
                 (dt.date(2026, 11, 29), dt.date(2026, 11, 30))], "#dc2626")
    low, high = _x_range(chart)
    assert low <= timestamp(days[0])
    assert high >= timestamp(dt.date(2026, 12, 4))  # the last point, after the last shade
    # A shade that reaches past the last point widens the range instead.
    chart.shade([(dt.date(2026, 12, 4), dt.date(2026, 12, 4))], "#dc2626")
    assert _x_range(chart)[1] >= timestamp(dt.date(2026, 12, 5))


@pytest.mark.parametrize("count", [3, 7, 30])
def test_a_daily_series_is_ticked_on_whole_days(chart: TimeChart, count: int) -> None:
    days = _days(dt.date(2026, 11, 28), count)
    chart.show_series(days, {"cost": np.full(count, 0.07)}, {"cost": "#2563eb"},
                      stacked=False)
    ticks = _ticks(chart)
    assert ticks
    for value, label in ticks:
        assert value % DAY == 0, label  # midnight: no 06:00 or 12:00
        assert ":" not in label
        assert label == f"{day_of(value):%b} {day_of(value).day}"  # "Nov 28", "Dec 1"
    assert len(ticks) >= min(count, 4)  # a short period still names its days


def test_a_long_daily_series_is_ticked_on_months() -> None:
    axis = DateAxis()
    low, high = timestamp(dt.date(2025, 12, 5)), timestamp(dt.date(2026, 12, 4))
    [(spacing, values)] = axis.tickValues(low, high, 700)
    labels = axis.tickStrings(values, 1.0, spacing)
    assert all(day_of(v).day == 1 for v in values)
    assert "Jan 2026" in labels and "Jan" not in labels  # the year where it changes
    assert len(values) <= 700 // 72


def test_partial_months_are_lighter_narrower_bars(chart: TimeChart) -> None:
    """Nov 5 to Dec 4, monthly: two part months, each a bar over its own days, said to
    be partial, not two points joined by a line as if whole."""
    import pyqtgraph as pg

    starts, ends = [dt.date(2026, 11, 5), dt.date(2026, 12, 1)], \
        [dt.date(2026, 11, 30), dt.date(2026, 12, 4)]
    chart.show_series(starts, {"cost": np.array([0.07, 0.072])}, {"cost": "#2563eb"},
                      stacked=False, granularity="month", zero_based=False, ends=ends)
    items = chart.plot.getPlotItem().items
    bars = [i for i in items if isinstance(i, pg.BarGraphItem)]
    assert bars and not [i for i in items if isinstance(i, pg.PlotDataItem)]
    x0 = np.concatenate([b.opts["x0"] for b in bars])
    x1 = np.concatenate([b.opts["x1"] for b in bars])
    widths = sorted((x1 - x0) / DAY)
    assert widths[0] < 4 < widths[1] < 26  # Dec 1-4 and Nov 5-30, not whole months
    assert chart.plot.getPlotItem().vb.viewRange()[1][0] <= 0  # bars stand on zero
    assert chart.note.isVisible()
    assert "Nov 5–30" in chart.note.text() and "Dec 1–4" in chart.note.text()
    assert chart.describe(0) == "November 2026 (only 2026-11-05 to 2026-11-30)   cost $0.0700"
    assert [label for _, label in _ticks(chart)] == ["Nov 2026", "Dec"]
    low, high = _x_range(chart)
    assert low <= timestamp(starts[0]) and high >= timestamp(ends[-1]) + DAY
    # With a target in the legend beside it, the note wraps: on one line the two asked
    # for more width than the Units page has at 1280 px and widened the window.
    chart.mark_level(0.075, "Target $0.0750", "#656d76")
    assert chart.legend.isVisible() and chart.note.isVisible()
    assert chart.minimumSizeHint().width() < 400

    # Whole months are solid and need no note.
    chart.show_series([dt.date(2026, 9, 1), dt.date(2026, 10, 1)], {"cost": np.ones(2)},
                      {"cost": "#2563eb"}, stacked=False, granularity="month",
                      ends=[dt.date(2026, 9, 30), dt.date(2026, 10, 31)])
    assert not chart.note.isVisible()
    assert chart.describe(1).startswith("October 2026   ")


def test_a_baseline_and_shaded_days_are_drawn_named_and_read_out(chart: TimeChart) -> None:
    """A reference line (a baseline) over the same days, dashed, in the legend and the
    read-out, and kept in view; labelled shaded days in the legend too."""
    import pyqtgraph as pg
    from PySide6.QtCore import Qt

    days = _days(dt.date(2026, 11, 5), 10)
    cost = np.array([10.0, 11, 10, 90, 95, 10, 11, 10, 9, 10])
    base = np.array([np.nan, 10, 10, 11, 12, 10, 10, 10, 10, 10])
    chart.show_series(days, {"Cost per day": cost}, {"Cost per day": "#2563eb"},
                      stacked=False)
    assert not chart.legend.isVisible()  # one series: its title names it
    chart.add_reference("Baseline", base, "#656d76")
    chart.shade([(days[3], days[4])], "#dc2626", "Spike days")
    line, dashed = chart.plot.getPlotItem().listDataItems()
    np.testing.assert_array_equal(dashed.yData, base)  # the NaN stays a gap, not a zero
    assert dashed.opts["pen"].style() == Qt.PenStyle.DashLine
    assert line.opts["pen"].style() == Qt.PenStyle.SolidLine
    regions = [i for i in chart.plot.getPlotItem().items if isinstance(i, pg.LinearRegionItem)]
    assert [r.getRegion() for r in regions] == [(timestamp(days[3]), timestamp(days[5]))]
    assert chart.legend.isVisible()
    legend = chart.legend.text().replace("&nbsp;", " ")
    for name in ("Cost per day", "Baseline", "Spike days"):
        assert name in legend, legend
    assert chart.describe(3) == "2026-11-08   Cost per day $90.0000   Baseline $11.0000"
    assert chart.describe(0).endswith("Baseline –")

    # A baseline above every value still shows whole.
    chart.show_series(days, {"c": np.ones(10)}, {"c": "#2563eb"}, stacked=False)
    chart.add_reference("Baseline", np.full(10, 50.0), "#656d76")
    assert chart.plot.getPlotItem().vb.viewRange()[1][1] >= 50


def test_a_target_is_named_in_the_legend_and_nothing_is_written_over_the_plot(
        chart: TimeChart) -> None:
    """A target's name on its line sat on the series wherever the series crossed it: the
    legend above the plot names it, beside a dashed glyph, and the line is kept in view."""
    import pyqtgraph as pg

    days = _days(dt.date(2026, 11, 5), 30)
    cost = 0.075 + 0.004 * np.sin(np.arange(30))  # crosses the target again and again
    chart.show_series(days, {"Cost per ticket": cost}, {"Cost per ticket": "#2563eb"},
                      stacked=False, zero_based=False)
    chart.mark_level(0.09, "Target $0.0900", "#656d76")
    item = chart.plot.getPlotItem()
    (level,) = [i for i in item.items if isinstance(i, pg.InfiniteLine) and i.angle == 0]
    assert level.value() == 0.09
    low, high = item.vb.viewRange()[1]
    assert low <= cost.min() and high >= 0.09  # the series and the target, both whole
    assert not [i for i in item.vb.allChildren() if isinstance(i, pg.TextItem)]
    assert chart.legend.isVisible()
    legend = chart.legend.text().replace("&nbsp;", " ")
    assert legend.index("Cost per ticket") < legend.index("Target $0.0900")
    assert legend.replace("\u2060", "").count("– –</span> Target $0.0900") == 1  # dashed


def test_the_caption_names_the_title_period_and_unit(chart: TimeChart) -> None:
    from worthit.core.periods import Period

    days = _days(dt.date(2026, 11, 5), 30)
    chart.show_series(days, {"c": np.ones(30)}, {"c": "#2563eb"}, stacked=False)
    chart.title, chart.unit = "Spend over time", "USD per day"
    caption = chart.caption()
    assert (caption.title, caption.period, caption.unit) == (
        "Spend over time", Period(days[0], days[-1]), "USD per day")  # the days drawn
    assert caption.subtitle == "2026-11-05 to 2026-12-04 · USD per day"
    chart.period = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))  # the page says
    assert chart.caption().subtitle == "2026-11-01 to 2026-11-30 · USD per day"

"""``worthit export chart PAGE``: the chart as drawn, to PNG at 2x and to SVG whose series
are vector paths (rendered through QSvgGenerator, not pyqtgraph's broken exporter)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from tests.conftest import DEMO_END, run_cli

from worthit.core.money import money
from worthit.ui import chart_export, theme
from worthit.ui.app import application
from worthit.ui.chart_export import save_chart
from worthit.ui.widgets.time_chart import TimeChart
from worthit.workspace import Workspace

SVG = "{http://www.w3.org/2000/svg}"


def test_an_svg_chart_parses_and_holds_the_series_as_paths(
        qtbot: QtBot, capsys: pytest.CaptureFixture[str], demo_workspace: Workspace,
        tmp_path: Path) -> None:
    out = tmp_path / "spend.svg"
    code, stdout, err = run_cli(capsys, demo_workspace, "export", "chart", "overview",
                                "--out", str(out))
    assert code == 0, err
    assert stdout.startswith(f"Wrote {out}")
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg"
    paths = [p.get("d", "") for p in root.iter(f"{SVG}path")]
    # A stacked area per provider: long polylines, one vertex per day of the period.
    series = [d for d in paths if len(re.findall(r"L", d)) >= 25]
    assert len(series) >= 3, [len(d) for d in paths]
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "AWS" in texts and "Export" not in texts  # legend in, the button left out


def test_a_png_chart_is_twice_the_size_on_screen(
        qtbot: QtBot, capsys: pytest.CaptureFixture[str], demo_workspace: Workspace,
        tmp_path: Path) -> None:
    out = tmp_path / "spend.png"
    code, _, err = run_cli(capsys, demo_workspace, "export", "chart", "overview", "--out",
                           str(out), "--size", "1200x800")
    assert code == 0, err
    image = QImage(str(out))
    # The spend chart spans the page (about 950 px of a 1200 px window): 2x is wider than
    # the window itself.
    assert image.width() > 1600
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 20


def test_a_chart_to_another_format_is_refused(
        qtbot: QtBot, capsys: pytest.CaptureFixture[str], demo_workspace: Workspace,
        tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, demo_workspace, "export", "chart", "overview", "--out",
                           str(tmp_path / "spend.jpg"))
    assert code == 2
    assert ".png or .svg" in err


def _words(root: ET.Element) -> str:
    """The SVG's text, lines joined by spaces (a long title wraps over several)."""
    return " ".join(" ".join((t.text or "") for t in root.iter(f"{SVG}text")).split())


def test_an_exported_chart_is_headed_with_its_title_period_and_unit(
        qtbot: QtBot, capsys: pytest.CaptureFixture[str], demo_workspace: Workspace,
        tmp_path: Path) -> None:
    """Out of the app, a chart still says what it is: the Leaks chart (of the finding the
    page shows first) carries the finding's title, the days drawn and their unit."""
    from worthit.analysis.leaks import find_leaks

    with demo_workspace.open() as cache:
        found = {f.title: f for f in find_leaks(cache, DEMO_END)}
    out = tmp_path / "leak.svg"
    code, _, err = run_cli(capsys, demo_workspace, "export", "chart", "leaks", "--out",
                           str(out))
    assert code == 0, err
    root = ET.parse(out).getroot()
    shown = found[str(root.findtext(f"{SVG}title"))]
    days = shown.evidence.days
    unit = shown.evidence.label.replace("($)", "(USD)")
    assert unit.endswith("(USD)")
    assert f"{shown.title} {days[0]} to {days[-1]} · {unit}" in _words(root)

    # The Overview's chart: its own title over the page's period (the last 30 days).
    out = tmp_path / "spend.svg"
    code, _, err = run_cli(capsys, demo_workspace, "export", "chart", "overview", "--out",
                           str(out))
    assert code == 0, err
    root = ET.parse(out).getroot()
    start = DEMO_END - dt.timedelta(days=29)
    assert root.findtext(f"{SVG}title") == "Spend over time"
    assert f"Spend over time {start} to {DEMO_END}" in _words(root)


@pytest.fixture
def chart(qtbot: QtBot) -> TimeChart:
    application()
    widget = TimeChart(money)
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    qtbot.waitExposed(widget)
    days = [dt.date(2026, 11, 5) + dt.timedelta(days=i) for i in range(30)]
    widget.show_series(days, {"cost": np.linspace(100, 200, 30)}, {"cost": "#2f6feb"},
                       stacked=False)
    widget.unit = "USD per day"
    return widget


def test_a_png_is_the_chart_and_its_caption_at_twice_the_size(chart: TimeChart,
                                                              tmp_path: Path) -> None:
    chart.title = "Spend over time"
    out = save_chart(chart, tmp_path / "chart.png")
    image = QImage(str(out))
    caption = chart_export._caption_height(chart.caption(), chart.width())
    assert caption >= chart_export.TITLE_PX + chart_export.SUBTITLE_PX
    assert (image.width(), image.height()) == (
        2 * (600 + 2 * chart_export.MARGIN), 2 * (300 + 2 * chart_export.MARGIN + caption))
    # The title's band, above the chart, holds text: pixels in the text colour, across
    # a good part of the width "Spend over time" takes at 16 px.
    text = QColor(theme.colours().text).rgb()
    band = range(2 * chart_export.MARGIN, 2 * (chart_export.MARGIN + chart_export.TITLE_PX))
    inked = {x for x in range(image.width()) for y in band
             if abs(image.pixel(x, y) - text) == 0}
    assert len(inked) > 30 and max(inked) - min(inked) > 150, len(inked)
    # And none beyond the title's end: the caption is the title, not the chart shifted up.
    assert max(inked) < image.width() // 2


def test_a_long_title_wraps_and_is_never_cut(chart: TimeChart, tmp_path: Path) -> None:
    chart.title = ("ml-experiments-checkpoints-2024: 60 TiB untouched for 430 days, no "
                   "lifecycle policy, carried by ml-platform/model-training")
    short = chart_export._caption_height(chart_export.Caption("Short"), chart.width())
    out = save_chart(chart, tmp_path / "chart.svg")
    root = ET.parse(out).getroot()
    assert chart.title in _words(root) and "2026-11-05 to 2026-12-04 · USD per day" in \
        _words(root)
    assert "…" not in _words(root)
    assert chart_export._caption_height(chart.caption(), chart.width()) > short + 10

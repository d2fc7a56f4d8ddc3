"""``worthit export chart PAGE``: the chart as drawn, to PNG at 2x and to SVG whose series
are vector paths (rendered through QSvgGenerator, not pyqtgraph's broken exporter)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from tests.conftest import run_cli

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

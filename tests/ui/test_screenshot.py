"""``worthit screenshot`` renders a populated page, not a blank one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from worthit.ui.screenshot import render
from worthit.workspace import Workspace


def distinct_colours(image: QImage, step: int = 7) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})


def test_renders_the_overview_into_a_png(
    qtbot: QtBot, demo_workspace: Workspace, tmp_path: Path
) -> None:
    out = render(demo_workspace, "overview", tmp_path / "overview.png", size=(1200, 800))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    # Text, cards, four provider colours and their blends: far from a blank window.
    assert distinct_colours(image) > 60
    # The chart's area is drawn, not left as background.
    chart = image.copy(300, 250, 700, 200)
    assert distinct_colours(chart, step=5) > 8

"""``worthit screenshot PAGE`` for every page it offers: a PNG of the asked size that is
far from a blank window (text, cards, tables, charts)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from tests.conftest import run_cli

from worthit.cli import SCREENSHOT_PAGES
from worthit.ui import theme
from worthit.workspace import Workspace


@pytest.mark.parametrize("page", SCREENSHOT_PAGES)
def test_screenshot_of_each_page(qtbot: QtBot, capsys: pytest.CaptureFixture[str],
                                 demo_workspace: Workspace, tmp_path: Path, page: str) -> None:
    out = tmp_path / "shots" / f"{page}.png"
    code, stdout, err = run_cli(capsys, demo_workspace, "screenshot", page, "--out", str(out),
                                "--size", "1200x800")
    assert code == 0, err
    assert stdout.strip() == f"Wrote {out}"
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    colours = {image.pixel(x, y) for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}
    assert len(colours) > 60


def test_the_allocation_screenshot_shows_team_colours_and_unallocated_grey(
        qtbot: QtBot, capsys: pytest.CaptureFixture[str], demo_workspace: Workspace,
        tmp_path: Path) -> None:
    out = tmp_path / "allocation.png"
    code, _, err = run_cli(capsys, demo_workspace, "screenshot", "allocation", "--out",
                           str(out), "--size", "1200x800")
    assert code == 0, err
    image = QImage(str(out))
    seen: Counter[int] = Counter(image.pixel(x, y) for x in range(0, image.width(), 3)
                                 for y in range(0, image.height(), 3))
    # The treemap's team tiles are drawn in the teams' colours, Unallocated in grey.
    for colour in (*theme.SERIES_COLOURS[:4], theme.UNALLOCATED_COLOUR):
        assert seen[QColor(colour).rgb()] > 100, colour

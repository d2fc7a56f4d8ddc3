"""The deck's overview slide, read back with python-pptx: the month-end forecast is the
report's (figure, P10–P90 range and method), and the largest rise is one dimension's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from tests.conftest import DEMO_END
from tests.export.support import report_json

from worthit.core.money import money
from worthit.core.periods import Preset, preset_period
from worthit.export.deck import build_deck
from worthit.workspace import Workspace

PERIOD = preset_period(Preset.LAST_30, DEMO_END)


@pytest.fixture(scope="module")
def slide_texts(demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
                ) -> list[str]:
    out = tmp_path_factory.mktemp("deck") / "overview.pptx"
    build_deck(demo_workspace, PERIOD, slides=["overview"], out=out)
    return texts(out)


def texts(path: Path) -> list[str]:
    [slide] = list(Presentation(str(path)).slides)
    shapes: list[Any] = list(slide.shapes)
    return [s.text_frame.text for s in shapes if s.has_text_frame and s.text_frame.text]


def test_the_forecast_tile_is_the_reports_with_its_range(
        slide_texts: list[str], demo_workspace: Workspace) -> None:
    f = report_json(demo_workspace, "overview")["forecast"]
    at = slide_texts.index("Forecast, November 2026")
    assert slide_texts[at + 1] == money(f["month_end"])
    assert slide_texts[at + 2] == f"P10–P90 {money(f['p10'])}–{money(f['p90'])}"
    [footnote] = [t for t in slide_texts if "Source: Worthit workspace" in t]
    assert (f"Forecast for November 2026: {money(f['month_to_date'])} spent through "
            "26 November, plus each day left at its weekday's average over the last 28 "
            "days; P10–P90 from how much those days varied.") in footnote


def test_the_largest_rise_is_the_largest_of_any_one_dimension(
        slide_texts: list[str], demo_workspace: Workspace) -> None:
    movers = report_json(demo_workspace, "overview")["movers"]
    top = max((m for m in movers if m["change"] > 0), key=lambda m: m["change"])
    at = slide_texts.index(f"Largest rise ({top['dimension']})")
    assert slide_texts[at + 1] == "+" + money(top["change"])
    assert slide_texts[at + 2] == top["name"]

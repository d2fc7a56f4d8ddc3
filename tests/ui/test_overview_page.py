"""The Overview page as a user sees it: movers one dimension at a time (a tab each), the
month-end forecast with its range and method, and the tokens and requests charts tall
enough for their axis labels at the window sizes people use."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QImage, QPainter
from pytestqt.qtbot import QtBot
from tests.ui.support import TIMEOUT, open_page

from worthit.analysis.overview import MOVER_DIMENSIONS, Overview, overview
from worthit.core.money import money
from worthit.ui import workers
from worthit.ui.main_window import MainWindow
from worthit.ui.table_export import exporter
from worthit.ui.views.overview import OverviewPage
from worthit.workspace import Workspace

SIZES = [(1280, 800), (1440, 900), (1920, 1080)]


@pytest.fixture
def shown(qtbot: QtBot, demo_workspace: Workspace) -> Iterator[tuple[MainWindow, OverviewPage]]:
    yield open_page(qtbot, demo_workspace, "overview", OverviewPage)


def computed(page: OverviewPage) -> Overview:
    """The Overview of the page's period, computed here from its workspace's cache."""
    assert page.period is not None
    with page.workspace.open() as cache:
        return overview(cache, page.period)


def shown_rows(page: OverviewPage) -> list[tuple[str, str]]:
    """(kind, name) of each row of the movers table, in the order shown."""
    view = page.movers.model()
    return [(view.index(r, 0).data(), view.index(r, 1).data()) for r in range(view.rowCount())]


def test_movers_show_one_dimension_at_a_time_chosen_by_tab(
        qtbot: QtBot, shown: tuple[MainWindow, OverviewPage]) -> None:
    _, page = shown
    result = computed(page)
    tabs = page.movers_tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Service", "Model", "Feature"]
    assert tabs.currentIndex() == 0
    for index, dimension in enumerate(MOVER_DIMENSIONS):
        tabs.setCurrentIndex(index)
        rows = shown_rows(page)
        expected = result.movers[dimension]
        assert rows == [(dimension.capitalize(), name) for name in expected["name"]]
        assert {kind for kind, _ in rows} == {dimension.capitalize()}
        # One dimension's rows count each charge once: they never exceed the total.
        assert expected["current"].sum() <= result.total + 0.005
        # The tab names the dimension, so no column repeats it; the export says it too.
        assert page.movers.isColumnHidden(0)
        export = exporter(page.movers)
        assert export is not None
        table = export.table()
        assert dict(table.filters)["movers by"] == dimension
        assert "Kind" not in table.columns
        assert table.column("Name") == list(expected["name"])


def test_the_chosen_dimension_stays_when_the_page_reloads(
        qtbot: QtBot, shown: tuple[MainWindow, OverviewPage]) -> None:
    _, page = shown
    page.movers_tabs.setCurrentIndex(2)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.reload()
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)
    assert page.movers_dimension == "feature"
    assert {kind for kind, _ in shown_rows(page)} == {"Feature"}


def test_the_forecast_card_shows_the_range_and_says_its_method(
        shown: tuple[MainWindow, OverviewPage]) -> None:
    _, page = shown
    assert page.result is not None
    forecast = page.result.forecast
    assert forecast is not None and forecast.low is not None and forecast.high is not None
    assert page.forecast.value.text() == money(forecast.point)
    assert page.forecast.note.text().startswith("P10–P90 $")
    tip = page.forecast.toolTip()
    assert forecast.range_text() in tip
    assert forecast.method in tip
    assert page.mtd.value.text() == money(forecast.actual)


def _label_boxes(chart: object) -> list[tuple[float, float]]:
    """The y axis's tick labels as drawn: (top, bottom) of each, in pixels."""
    axis = chart.plot.getPlotItem().getAxis("left")  # type: ignore[attr-defined]
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    assert specs is not None
    return sorted((rect.top(), rect.bottom()) for rect, _flags, _text in specs[2])


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_chart_has_room_for_its_labels_and_nothing_is_cut(
        qtbot: QtBot, shown: tuple[MainWindow, OverviewPage], width: int,
        height: int) -> None:
    """The tokens and requests charts were 60 px tall with y labels on top of each other
    at 1440×900, and the spend chart's plot 90 to 110 px at 1280×800: at each size the
    spend plot is 180 px or more, the usage charts 90 px or more, each has two or more y
    labels and none overlaps another, and the page's content fits the window (nothing cut
    at the bottom)."""
    window, page = shown
    window.resize(width, height)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (width, height))
    qtbot.waitUntil(lambda: page.spend_chart.plot.height() >= 180)
    spend = _label_boxes(page.spend_chart)
    assert len(spend) >= 3, spend
    for (_, bottom), (top, _) in itertools.pairwise(spend):
        assert bottom <= top, spend
    for index in range(page.usage_tabs.count()):
        page.usage_tabs.setCurrentIndex(index)
        chart = (page.tokens_chart, page.requests_chart)[index]
        qtbot.waitUntil(lambda chart=chart: chart.isVisible() and chart.plot.height() >= 90)
        boxes = _label_boxes(chart)
        assert len(boxes) >= 2, boxes
        for (_, bottom), (top, _) in itertools.pairwise(boxes):
            assert bottom <= top, boxes
    assert page.minimumSizeHint().height() <= page.height()
    for widget in (page.movers, page.spend_chart, page.tokens_chart):
        bottom = widget.mapTo(page, widget.rect().bottomLeft()).y()
        assert bottom <= page.height(), (widget, bottom, page.height())
    # The sections' tabs sit in their title rows, level with the titles.
    for title, tabs in ((page.movers_title, page.movers_tabs),
                        (page.usage_title, page.usage_tabs)):
        assert abs(title.mapTo(page, title.rect().center()).y()
                   - tabs.mapTo(page, tabs.rect().center()).y()) <= tabs.height() // 2


def test_the_chosen_usage_tab_titles_its_chart(shown: tuple[MainWindow, OverviewPage]) -> None:
    _, page = shown
    page.usage_tabs.setCurrentIndex(1)
    assert page.usage_title.text().startswith("AI requests per day")
    assert page.requests_chart.isVisible() and not page.tokens_chart.isVisible()
    page.usage_tabs.setCurrentIndex(0)
    assert page.usage_title.text().startswith("Tokens per day")
    assert page.tokens_chart.isVisible() and not page.requests_chart.isVisible()


def test_the_requests_chart_is_made_when_its_tab_is_first_chosen(
        qtbot: QtBot, shown: tuple[MainWindow, OverviewPage]) -> None:
    """Behind the tokens tab, the requests chart is no part of the first figures: made
    and drawn when its tab is chosen, with each day's requests of the period; a reload
    draws it again at once while it is on show."""
    _, page = shown
    assert page.requests_chart is None
    result = computed(page)
    page.usage_tabs.setCurrentIndex(1)
    chart = page.requests_chart
    assert chart is not None and chart.isVisible()
    drawn = chart._series["Requests"]  # what the chart was given to draw
    assert drawn.sum() == pytest.approx(result.tokens_daily["requests"].sum())
    with qtbot.waitSignal(page.first_shown, timeout=TIMEOUT):
        page.reload()
    assert page.requests_chart is chart and page._requests_drawn
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)


def drawn(page: OverviewPage) -> dict[str, object]:
    """What the page shows: its cards, readouts, unit costs, every tab's movers and the
    charts' series (as the charts were given them)."""
    cards = (page.total, page.mtd, page.forecast, page.ai_share, page.tokens, page.requests)
    movers = {}
    for index, dimension in enumerate(MOVER_DIMENSIONS):
        page.movers_tabs.setCurrentIndex(index)
        movers[dimension] = shown_rows(page)
    page.movers_tabs.setCurrentIndex(0)
    page.usage_tabs.setCurrentIndex(1)  # the requests chart is drawn when first chosen
    page.usage_tabs.setCurrentIndex(0)
    charts = {name: (chart._starts, {k: list(v) for k, v in chart._series.items()})
              for name, chart in (("spend", page.spend_chart), ("tokens", page.tokens_chart),
                                  ("requests", page.requests_chart))}
    return {"cards": [(c.value.text(), c.note.text(), c.toolTip()) for c in cards],
            "readouts": [page.amortisation.text(), page.spend_title.text(),
                         page.movers_title.text(), page.leaks.text()],
            "units": [(u.value.text(), u.note.text(), u.toolTip())
                      for u in page.units.cards.values()],
            "movers": movers, "charts": charts}


def test_figures_remembered_from_the_last_start_are_drawn_as_computed_ones(
        qtbot: QtBot, writable: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next start on an unchanged workspace reads the figures the last one computed,
    both steps: the page shows exactly what it showed, and computes none of them."""
    from worthit.analysis import remembered_figures

    window, page = open_page(qtbot, writable, "overview", OverviewPage)
    computed_first = drawn(page)
    window.close()

    def not_again(*_: object) -> None:
        raise AssertionError("computed again")

    monkeypatch.setattr(remembered_figures, "compute", not_again)
    monkeypatch.setattr(remembered_figures, "compute_leaks", not_again)
    _, again = open_page(qtbot, writable, "overview", OverviewPage)
    assert again.error.isHidden()
    assert drawn(again) == computed_first
    assert computed_first["cards"][0][0].startswith("$")  # a figure, not a placeholder
    assert str(computed_first["readouts"][-1]).startswith("Leaks: $")

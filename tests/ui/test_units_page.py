"""The Units page in the main window, driven as a user would (pytest-qt, offscreen): the
unit cards, the granularity of the chart, the target with its shaded misses, the revenue
and margin, the count gaps and the counts dialog, and the unit cards on the Overview."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QAbstractSpinBox, QPushButton, QTableWidgetItem
from pytestqt.qtbot import QtBot
from tests.conftest import DEMO_END
from tests.ui.support import no_recompute, open_page

from worthit.analysis.first_figures import UnitCost
from worthit.analysis.unit_economics import UnitEconomics, unit_economics
from worthit.core.money import money, percent, unit_money
from worthit.core.periods import Period, Preset, preset_period
from worthit.core.units import Unit
from worthit.demo.generator import ACTIVE_USER_GAP_DAYS_AGO, generate_demo
from worthit.store.cache import Cache
from worthit.store.units import daily_counts, load_units
from worthit.ui import theme
from worthit.ui.main_window import MainWindow
from worthit.ui.views.overview import OverviewPage
from worthit.ui.views.unit_counts import COUNT, DAY, PER_UNIT, CountsDialog
from worthit.ui.views.units import UnitsPage
from worthit.ui.widgets.unit_strip import summary
from worthit.workspace import Workspace

TIMEOUT = 30_000
LAST_30 = preset_period(Preset.LAST_30, DEMO_END)
GAP_DAYS = sorted(DEMO_END - dt.timedelta(days=ago) for ago in ACTIVE_USER_GAP_DAYS_AGO)
#: A short period around the days the demo lost the active-user count (daily buckets).
GAP_PERIOD = Period(GAP_DAYS[0] - dt.timedelta(days=7), GAP_DAYS[-1] + dt.timedelta(days=7))
ACTIVE_USER = "active-user"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace generated once for this module and never opened: tests that
    write get a copy of it, so each starts from a fresh demo."""
    folder = tmp_path_factory.mktemp("units-pristine") / "demo"
    generate_demo(folder, end=DEMO_END)
    return folder


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, pristine: Path) -> Workspace:
    """The demo workspace the read-only tests share."""
    folder = tmp_path_factory.mktemp("units-read") / "demo"
    shutil.copytree(pristine, folder)
    return Workspace(folder)


def open_window(qtbot: QtBot, workspace: Workspace) -> tuple[MainWindow, UnitsPage]:
    return open_page(qtbot, workspace, "units", UnitsPage)


@pytest.fixture
def window(qtbot: QtBot, workspace: Workspace) -> tuple[MainWindow, UnitsPage]:
    return open_window(qtbot, workspace)


@pytest.fixture
def fresh(qtbot: QtBot, tmp_path: Path,
          pristine: Path) -> tuple[MainWindow, UnitsPage, Workspace]:
    """A window on its own fresh demo workspace, for a test that writes."""
    folder = tmp_path / "demo"
    shutil.copytree(pristine, folder)
    workspace = Workspace(folder)
    win, page = open_window(qtbot, workspace)
    return win, page, workspace


# -- helpers ------------------------------------------------------------------------------


def expected(workspace: Workspace, period: Period) -> dict[str, UnitEconomics]:
    """Each unit's figures, computed apart from the page."""
    with workspace.open() as cache:
        return {e.unit.unit_id: e for e in unit_economics(cache, period)}


def saved_units(workspace: Workspace) -> dict[str, Unit]:
    """The units as a new connection reads them from the file."""
    with Cache.open(workspace.cache_path) as cache:
        return {u.unit_id: u for u in load_units(cache)}


def saved_counts(workspace: Workspace, unit_id: str, period: Period) -> dict[dt.date, float]:
    with Cache.open(workspace.cache_path) as cache:
        return daily_counts(cache, unit_id, period.start, period.end)



def days_of(period: Period) -> list[dt.date]:
    return [period.start + dt.timedelta(days=i) for i in range(period.days)]


def weeks_of(period: Period) -> int:
    """Calendar weeks (Monday first) the period overlaps."""
    return len({d - dt.timedelta(days=d.weekday()) for d in days_of(period)})


def months_of(period: Period) -> int:
    return len({(d.year, d.month) for d in days_of(period)})


def timestamp(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def curve(page: UnitsPage) -> tuple[np.ndarray, np.ndarray]:
    """The x (UTC seconds) and y of the one line the chart draws; for monthly bars (whole
    and partial months are two items) each bar's left edge and height, in date order."""
    import pyqtgraph as pg

    items = page.chart.plot.getPlotItem().listDataItems()
    bars = [i for i in items if isinstance(i, pg.BarGraphItem)]
    if bars:
        pairs = sorted(zip(np.concatenate([b.opts["x0"] for b in bars]),
                           np.concatenate([b.opts["height"] for b in bars]), strict=True))
        return np.array([x for x, _ in pairs]), np.array([y for _, y in pairs])
    assert len(items) == 1
    return np.asarray(items[0].xData), np.asarray(items[0].yData)


def shaded(page: UnitsPage) -> list[tuple[float, float]]:
    return [tuple(item.getRegion()) for item in page.chart.plot.getPlotItem().items
            if isinstance(item, pg.LinearRegionItem)]


def level_lines(page: UnitsPage) -> list[float]:
    """The heights of the horizontal lines (the target) on the chart."""
    return [item.value() for item in page.chart.plot.getPlotItem().items
            if isinstance(item, pg.InfiniteLine) and item.angle == 0]


def legend(page: UnitsPage) -> list[str]:
    """The names in the chart's legend, in order (each entry is a glyph, then its name)."""
    entries = page.chart.legend.text().split("&nbsp;&nbsp;&nbsp; ")
    return [html.unescape(re.sub(r"<span[^>]*>.*?</span>", "", entry)).replace("\xa0", " ")
            .strip() for entry in entries]


def granularity_button(page: UnitsPage, text: str) -> QPushButton:
    found = [b for b in page.granularity_buttons.buttons() if b.text() == text]
    assert len(found) == 1
    return found[0]  # type: ignore[return-value]


def checked_granularity(page: UnitsPage) -> str:
    button = page.granularity_buttons.checkedButton()
    assert button is not None
    return button.text()


def current(page: UnitsPage) -> UnitEconomics:
    e = page.current
    assert e is not None
    return e


def choose_card(qtbot: QtBot, page: UnitsPage, unit_id: str) -> None:
    card = page.strip.cards[unit_id]
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=card.rect().center())


def selected_cards(page: UnitsPage) -> list[str]:
    return [unit_id for unit_id, card in page.strip.cards.items() if card.property("selected")]


def column_texts(page: UnitsPage, table: str, column: int) -> list[str]:
    model = getattr(page, table).model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def type_money(qtbot: QtBot, box: QAbstractSpinBox, text: str) -> None:
    """Replace the figure in a money box as a user does: select it, type, press Enter."""
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def row_of(dialog: CountsDialog, day: dt.date) -> int:
    rows = [r for r in range(dialog.table.rowCount())
            if dialog.table.item(r, DAY).data(Qt.ItemDataRole.UserRole) == day]
    assert len(rows) == 1, day
    return rows[0]


def highlighted_days(dialog: CountsDialog) -> list[dt.date]:
    """Days whose row is highlighted: every cell of the row has a background."""
    days = []
    for row in range(dialog.table.rowCount()):
        cells = [dialog.table.item(row, c) for c in range(dialog.table.columnCount())]
        painted = [c.background().style() != Qt.BrushStyle.NoBrush for c in cells]
        assert len(set(painted)) == 1, f"row {row} is partly highlighted"
        if painted[0]:
            days.append(cells[DAY].data(Qt.ItemDataRole.UserRole))
    return days


def count_cell(dialog: CountsDialog, day: dt.date) -> QTableWidgetItem:
    return dialog.table.item(row_of(dialog, day), COUNT)


def open_counts(qtbot: QtBot, page: UnitsPage) -> CountsDialog:
    qtbot.mouseClick(page.counts_button, Qt.MouseButton.LeftButton)
    dialogs = [d for d in page.dialogs if isinstance(d, CountsDialog)]
    assert len(dialogs) == 1
    assert dialogs[0].isVisible()
    return dialogs[0]


def close_counts(qtbot: QtBot, page: UnitsPage, dialog: CountsDialog) -> None:
    dialog.close()
    qtbot.waitUntil(lambda: not page.dialogs, timeout=5_000)


# -- cards --------------------------------------------------------------------------------


def test_one_card_per_unit_and_clicking_a_card_chooses_its_unit(
    qtbot: QtBot, window: tuple[MainWindow, UnitsPage], workspace: Workspace
) -> None:
    _, page = window
    figures = expected(workspace, LAST_30)
    ids = list(figures)
    assert ids == ["resolved-ticket", "1k-inferences", ACTIVE_USER]
    assert list(page.strip.cards) == ids
    assert all(card.isVisible() for card in page.strip.cards.values())
    for unit_id, card in page.strip.cards.items():
        figure, note, _ = summary(UnitCost.of(figures[unit_id]))
        assert card.value.text() == figure
        assert card.note.text() == note

    def shows(unit_id: str) -> None:
        e = figures[unit_id]
        assert page.selected == unit_id
        assert selected_cards(page) == [unit_id]
        assert page.unit_title.text() == f"{e.unit.name}: {e.unit.counts_what}"
        assert page.verdict.text() == e.verdict
        assert page.cost_card.value.text() == unit_money(e.unit_cost)
        assert column_texts(page, "drivers", 0) == [d.component for d in e.drivers]
        assert column_texts(page, "features", 0) == [f.feature for f in e.features]

    shows(ids[0])
    assert page.verdict.objectName() == "VerdictGood"  # support is on target
    before = (page.unit_title.text(), page.verdict.text(), column_texts(page, "features", 0))

    choose_card(qtbot, page, ids[1])
    shows(ids[1])
    assert page.verdict.objectName() == "VerdictBad"  # the recommender misses its target
    assert (page.unit_title.text(), page.verdict.text(),
            column_texts(page, "features", 0)) != before
    choose_card(qtbot, page, ids[2])
    shows(ids[2])


# -- granularity --------------------------------------------------------------------------


def test_the_granularity_follows_the_period_until_the_user_picks_one(
    qtbot: QtBot, window: tuple[MainWindow, UnitsPage], workspace: Workspace
) -> None:
    win, page = window
    assert checked_granularity(page) == "Daily"
    x, y = curve(page)
    assert list(x) == [timestamp(d) for d in days_of(LAST_30)]
    e = expected(workspace, LAST_30)[page.selected or ""]
    np.testing.assert_allclose(y, [b.unit_cost for b in e.daily])

    half_year = Period(DEMO_END - dt.timedelta(days=179), DEMO_END)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        win.period_bar.set_range(half_year)
    assert page.granularity == "week"
    assert checked_granularity(page) == "Weekly"
    x, _ = curve(page)
    assert len(x) == weeks_of(half_year) == 27
    assert x[0] == timestamp(half_year.start)  # the first week is clipped to the period

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        win.period_bar.set_preset(Preset.LAST_30)
    assert checked_granularity(page) == "Daily"
    assert len(curve(page)[0]) == 30


def test_a_granularity_the_user_clicks_regroups_and_survives_a_period_change(
    qtbot: QtBot, window: tuple[MainWindow, UnitsPage], workspace: Workspace
) -> None:
    win, page = window
    results = page.results
    assert len(curve(page)[0]) == 30

    with no_recompute(qtbot, page):  # regrouped, not recomputed
        qtbot.mouseClick(granularity_button(page, "Weekly"), Qt.MouseButton.LeftButton)
    assert page.results is results
    assert checked_granularity(page) == "Weekly"
    x, y = curve(page)
    assert len(x) == len(current(page).buckets) == weeks_of(LAST_30) == 5
    # A week's point is the ratio of its sums.
    e = expected(workspace, LAST_30)[page.selected or ""]
    first_week = [b for b in e.daily if b.start.isocalendar()[:2]
                  == LAST_30.start.isocalendar()[:2]]
    assert y[0] == pytest.approx(sum(b.cost for b in first_week)
                                 / sum(b.count for b in first_week))

    qtbot.mouseClick(granularity_button(page, "Monthly"), Qt.MouseButton.LeftButton)
    assert checked_granularity(page) == "Monthly"
    assert len(curve(page)[0]) == len(current(page).buckets) == months_of(LAST_30) == 2
    assert len(shaded(page)) == len(current(page).misses())

    # Ninety days would be drawn by week; the user's months are kept.
    last_90 = preset_period(Preset.LAST_90, DEMO_END)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        win.period_bar.set_preset(Preset.LAST_90)
    assert page.results is not results
    assert checked_granularity(page) == "Monthly"
    assert len(curve(page)[0]) == months_of(last_90) == 4

    qtbot.mouseClick(granularity_button(page, "Daily"), Qt.MouseButton.LeftButton)
    assert len(curve(page)[0]) == 90


# -- target, shading and verdict ------------------------------------------------------------


def test_editing_the_target_saves_it_and_reshades_the_misses(
    qtbot: QtBot, fresh: tuple[MainWindow, UnitsPage, Workspace]
) -> None:
    _, page, workspace = fresh
    unit_id = "resolved-ticket"
    assert page.selected == unit_id
    e = current(page)
    target = e.unit.target_cost
    assert target == 0.075
    assert level_lines(page) == [pytest.approx(target)]
    # Some days, not all, cost more than the target: exactly those are shaded.
    missing_days = [b.start for b in e.daily if b.unit_cost is not None and b.unit_cost > target]
    assert 0 < len(missing_days) < 30
    regions = shaded(page)
    assert len(regions) == len(e.misses()) == len(missing_days)
    assert sorted(start for start, _ in regions) == [timestamp(d) for d in missing_days]
    assert page.verdict.objectName() == "VerdictGood"
    # The target and the shaded days are named in the legend above the plot: a label on
    # the line sat on the series wherever it crossed.
    assert page.chart.legend.isVisible()
    assert legend(page) == ["Cost per resolved ticket", f"Target {unit_money(target)}",
                            "Over target"]
    assert not [i for i in page.chart.plot.getPlotItem().vb.allChildren()
                if isinstance(i, pg.TextItem)]

    # A very low target: every day misses it.
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        type_money(qtbot, page.target, "0.001")
    assert saved_units(workspace)[unit_id].target_cost == pytest.approx(0.001)
    assert current(page).unit.target_cost == pytest.approx(0.001)
    assert len(shaded(page)) == len(current(page).misses()) == 30
    assert level_lines(page) == [pytest.approx(0.001)]
    assert f"Target {unit_money(0.001)}" in legend(page)
    assert page.verdict.objectName() == "VerdictBad"
    assert page.verdict.text().startswith("Missing the target")
    assert page.strip.cards[unit_id].note.text().endswith("over target")

    # A very high one: no day misses it.
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.target.setValue(5.0)
        page.target.editingFinished.emit()
    assert saved_units(workspace)[unit_id].target_cost == pytest.approx(5.0)
    assert shaded(page) == []
    assert current(page).misses() == []
    assert page.verdict.objectName() == "VerdictGood"
    assert page.verdict.text().startswith("On target")
    # The revenue was left as it was.
    assert saved_units(workspace)[unit_id].revenue_per_unit == pytest.approx(0.60)


def test_editing_the_revenue_changes_the_margin(
    qtbot: QtBot, fresh: tuple[MainWindow, UnitsPage, Workspace]
) -> None:
    _, page, workspace = fresh
    unit_id = "resolved-ticket"
    cost = current(page).unit_cost
    assert cost is not None
    assert page.margin_card.value.text() == unit_money(0.60 - cost)

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        type_money(qtbot, page.revenue, "0.1")
    assert saved_units(workspace)[unit_id].revenue_per_unit == pytest.approx(0.1)
    assert saved_units(workspace)[unit_id].target_cost == pytest.approx(0.075)
    assert page.margin_card.value.text() == unit_money(0.1 - cost)
    assert page.margin_card.note.text() == f"{percent((0.1 - cost) / 0.1)} gross margin"

    # "none" (zero) clears the revenue: no margin is claimed.
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.revenue.setValue(0.0)
        page.revenue.editingFinished.emit()
    assert saved_units(workspace)[unit_id].revenue_per_unit is None
    assert page.revenue.text() == "none"
    assert page.margin_card.value.text() == "–"
    assert page.margin_card.note.text() == "no revenue per unit set"


# -- count gaps and the counts dialog --------------------------------------------------------


def show_gap_period(qtbot: QtBot, win: MainWindow, page: UnitsPage) -> None:
    choose_card(qtbot, page, ACTIVE_USER)
    assert page.selected == ACTIVE_USER
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        win.period_bar.set_range(GAP_PERIOD)
    assert page.selected == ACTIVE_USER
    assert checked_granularity(page) == "Daily"


def test_gap_days_are_named_and_filling_them_in_the_dialog_closes_the_gaps(
    qtbot: QtBot, fresh: tuple[MainWindow, UnitsPage, Workspace]
) -> None:
    win, page, workspace = fresh
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        win.period_bar.set_range(GAP_PERIOD)
    assert page.gaps.isHidden()  # the first unit counted every day
    show_gap_period(qtbot, win, page)
    figures = expected(workspace, GAP_PERIOD)[ACTIVE_USER]
    assert figures.gaps == GAP_DAYS
    assert page.gaps.isVisible()
    text = page.gaps.text()
    assert text.startswith("2 days with cost but no count")
    assert all(d.isoformat() in text for d in GAP_DAYS)
    assert money(figures.gap_cost) in text
    assert "2 days without counts are left out" in page.verdict.text()
    # The missing days are gaps in the line, never zeros.
    x, y = curve(page)
    missing = [i for i, value in enumerate(x) if value in {timestamp(d) for d in GAP_DAYS}]
    assert len(missing) == 2 and np.isnan(y[missing]).all()
    assert np.isfinite(np.delete(y, missing)).all()

    dialog = open_counts(qtbot, page)
    assert dialog.table.rowCount() == GAP_PERIOD.days
    assert dialog.gap_days == 2
    assert highlighted_days(dialog) == GAP_DAYS
    assert all(count_cell(dialog, d).text() == "" for d in GAP_DAYS)
    first, second = GAP_DAYS

    with qtbot.waitSignals([dialog.changed, page.loaded], timeout=TIMEOUT):
        count_cell(dialog, first).setText("1234")
    assert saved_counts(workspace, ACTIVE_USER, GAP_PERIOD)[first] == 1234.0
    assert highlighted_days(dialog) == [second]
    assert count_cell(dialog, first).text() == "1234"
    assert dialog.table.item(row_of(dialog, first), PER_UNIT).text() != "–"
    assert current(page).gaps == [second]
    assert page.gaps.text().startswith("1 day with cost but no count")
    assert first.isoformat() not in page.gaps.text()
    assert second.isoformat() in page.gaps.text()

    with qtbot.waitSignals([dialog.changed, page.loaded], timeout=TIMEOUT):
        count_cell(dialog, second).setText("987")
    assert saved_counts(workspace, ACTIVE_USER, GAP_PERIOD)[second] == 987.0
    assert highlighted_days(dialog) == []
    assert dialog.status.text() == ""
    assert current(page).gaps == []
    assert page.gaps.isHidden()
    assert "without counts" not in page.verdict.text()
    assert np.isfinite(curve(page)[1]).all()
    close_counts(qtbot, page, dialog)


def test_a_count_that_is_not_a_number_is_refused_with_a_message(
    qtbot: QtBot, fresh: tuple[MainWindow, UnitsPage, Workspace]
) -> None:
    win, page, workspace = fresh
    show_gap_period(qtbot, win, page)
    dialog = open_counts(qtbot, page)
    counted = GAP_PERIOD.start
    before = saved_counts(workspace, ACTIVE_USER, GAP_PERIOD)
    assert counted in before and GAP_DAYS[0] not in before
    messages = []
    for day in (counted, GAP_DAYS[0]):
        shown = count_cell(dialog, day).text()
        with qtbot.assertNotEmitted(dialog.changed), \
                no_recompute(qtbot, page):
            count_cell(dialog, day).setText("abc")
        assert saved_counts(workspace, ACTIVE_USER, GAP_PERIOD) == before
        assert count_cell(dialog, day).text() == shown  # the cell shows the count again
        messages.append((day, dialog.status.text()))
    assert highlighted_days(dialog) == GAP_DAYS
    assert current(page).gaps == GAP_DAYS
    close_counts(qtbot, page, dialog)
    # The refusal is on screen, naming the text and the day left unchanged.
    for day, message in messages:
        assert "'abc' is not a count" in message, message
        assert f"{day} is unchanged" in message, message


def test_importing_counts_is_all_or_nothing(
    qtbot: QtBot, fresh: tuple[MainWindow, UnitsPage, Workspace], tmp_path: Path
) -> None:
    win, page, workspace = fresh
    show_gap_period(qtbot, win, page)
    dialog = open_counts(qtbot, page)
    first, second = GAP_DAYS
    units = list(saved_units(workspace))
    before = {u: saved_counts(workspace, u, GAP_PERIOD) for u in units}

    bad = tmp_path / "bad.csv"
    bad.write_text(f"date,unit,count\n{first},active-user,1500\n{second},active-user,-3\n",
                   encoding="utf-8")
    with qtbot.assertNotEmitted(dialog.changed), no_recompute(qtbot, page):
        assert dialog.import_file(bad) is False
    status = dialog.status.text()
    assert str(bad) in status
    assert "line 3" in status and "'count'" in status
    # The good first line was not written either.
    assert {u: saved_counts(workspace, u, GAP_PERIOD) for u in units} == before
    assert highlighted_days(dialog) == GAP_DAYS

    good = tmp_path / "good.csv"
    other_day = GAP_PERIOD.start
    good.write_text(f"date,unit,count\n{first},Active user,1500\n{second},active-user,1600\n"
                    f"{other_day},resolved-ticket,999\n", encoding="utf-8")
    with qtbot.waitSignals([dialog.changed, page.loaded], timeout=TIMEOUT):
        assert dialog.import_file(good) is True
    assert dialog.status.text().startswith("Imported 3 counts from good.csv.")
    after = saved_counts(workspace, ACTIVE_USER, GAP_PERIOD)
    assert (after[first], after[second]) == (1500.0, 1600.0)
    assert saved_counts(workspace, "resolved-ticket", GAP_PERIOD)[other_day] == 999.0
    assert highlighted_days(dialog) == []
    assert count_cell(dialog, first).text() == "1500"
    assert page.gaps.isHidden()
    assert current(page).count == sum(after.values())
    close_counts(qtbot, page, dialog)


# -- the Overview's unit cards ---------------------------------------------------------------


def test_the_overview_shows_the_same_unit_cards(
    qtbot: QtBot, window: tuple[MainWindow, UnitsPage], workspace: Workspace
) -> None:
    win, page = window
    overview = win.show_page("overview")
    assert isinstance(overview, OverviewPage)
    assert overview.period == page.period == LAST_30
    strip = overview.units
    assert strip.isVisible()
    figures = expected(workspace, LAST_30)
    assert list(strip.cards) == list(page.strip.cards) == list(figures)
    for unit_id, card in strip.cards.items():
        mine = page.strip.cards[unit_id]
        assert card.title.text() == mine.title.text()
        assert card.value.text() == mine.value.text() == unit_money(
            figures[unit_id].unit_cost or 0.0)
        assert card.note.text() == mine.note.text()
        assert card.note.objectName() == mine.note.objectName()
        assert card.toolTip() == figures[unit_id].verdict
    # The Overview's cards are a glance, not a chooser.
    with qtbot.assertNotEmitted(strip.chosen):
        card = strip.cards[ACTIVE_USER]
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=card.rect().center())
    assert win.current_page is overview


# -- appearance ------------------------------------------------------------------------------


def verdict_edge(page: UnitsPage) -> str:
    """The colour of the verdict's left edge as drawn."""
    image = page.verdict.grab().toImage()
    return image.pixelColor(1, image.height() // 2).name().upper()


def test_the_verdict_keeps_its_tone_across_a_colour_scheme_change(
    qtbot: QtBot, window: tuple[MainWindow, UnitsPage]
) -> None:
    """As in the main window's test, the OS's notification is sent by hand."""
    _, page = window
    choose_card(qtbot, page, "1k-inferences")
    assert page.verdict.objectName() == "VerdictBad"
    assert verdict_edge(page) == theme.LIGHT.bad.upper()
    rows = [r for r in range(page.drivers_model.rowCount())
            if abs(page.drivers_model.record(r)["cost_effect"] or 0.0) >= 0.00005]
    assert rows
    toned = page.drivers_model.index(rows[0], 3)
    rising = page.drivers_model.record(rows[0])["cost_effect"] > 0
    hints = QGuiApplication.styleHints()
    background = page.chart.plot.backgroundBrush
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert page.verdict.objectName() == "VerdictBad"
        assert verdict_edge(page) == theme.DARK.bad.upper()
        assert toned.data(Qt.ItemDataRole.ForegroundRole) == QColor(
            theme.DARK.bad if rising else theme.DARK.good)
        qtbot.waitUntil(lambda: background().color().name().upper()
                        == theme.DARK.surface.upper(), timeout=5_000)
        choose_card(qtbot, page, "resolved-ticket")
        assert page.verdict.objectName() == "VerdictGood"
        assert verdict_edge(page) == theme.DARK.good.upper()
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert page.verdict.objectName() == "VerdictGood"
    assert verdict_edge(page) == theme.LIGHT.good.upper()
    qtbot.waitUntil(lambda: background().color().name().upper() == theme.LIGHT.surface.upper(),
                    timeout=5_000)

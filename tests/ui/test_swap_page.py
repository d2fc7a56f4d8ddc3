"""The Model swap page in the main window, driven as a user would (pytest-qt, offscreen):
the suggestion it opens on, the sliders that move the saving and the before/after chart,
a route lever built by hand, suggestions and saved scenarios, the price catalog's own
rates and unpriced models, and the colour scheme."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QPushButton, QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import DEMO_END
from tests.ui.support import no_recompute, open_page, written

from worthit.analysis.model_swap import (
    MONTH_DAYS,
    Outcome,
    Suggestion,
    SwapData,
    simulate,
    suggestions,
    swap_data,
)
from worthit.analysis.unit_economics import UnitEconomics, unit_economics
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.money import money, percent, unit_money
from worthit.core.periods import Preset, preset_period
from worthit.core.scenarios import Lever, ModelRef, Scenario
from worthit.demo.generator import generate_demo
from worthit.store.swap import load_overrides, load_scenarios
from worthit.ui import theme
from worthit.ui.main_window import MainWindow
from worthit.ui.views.price_catalog import HEADERS, RATE_AT, PriceCatalogDialog
from worthit.ui.views.swap import ALL, SwapPage
from worthit.workspace import Workspace

TIMEOUT = 30_000
LAST_30 = preset_period(Preset.LAST_30, DEMO_END)
TRIAGE = "ticket-triage"
NOVA_PRO: ModelRef = ("AWS", "amazon.nova-pro-v1:0")
NOVA_LITE: ModelRef = ("AWS", "amazon.nova-lite-v1:0")
NOVA_MICRO: ModelRef = ("AWS", "amazon.nova-micro-v1:0")
ACME: ModelRef = ("OpenAI", "acme-llm-1")
#: List prices per million tokens (genai-prices, as the catalog has them).
NOVA_PRO_INPUT, NOVA_PRO_CACHED, NOVA_PRO_OUTPUT = 0.80, 0.20, 3.20
NOVA_MICRO_INPUT = 0.035
USAGE_COST = 5  # the usage table's "Cost" column
USAGE_PER_REQUEST = 6
SAVED_SAVING = 4  # the saved table's "Saving / month" column
SOURCE = len(HEADERS) - 1


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace generated once for this module and never opened: tests that
    write get a copy of it, so each starts from a fresh demo."""
    folder = tmp_path_factory.mktemp("swap-pristine") / "demo"
    generate_demo(folder, end=DEMO_END)
    return folder


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, pristine: Path) -> Workspace:
    """The demo workspace the read-only tests share."""
    folder = tmp_path_factory.mktemp("swap-read") / "demo"
    shutil.copytree(pristine, folder)
    return Workspace(folder)


@pytest.fixture(scope="module")
def expected_data(workspace: Workspace) -> SwapData:
    """The usage and rates, gathered apart from the page."""
    with workspace.open() as cache:
        return swap_data(cache, LAST_30)


def copy_of(pristine: Path, tmp_path: Path) -> Workspace:
    folder = tmp_path / "demo"
    shutil.copytree(pristine, folder)
    return Workspace(folder)


def open_window(qtbot: QtBot, workspace: Workspace) -> tuple[MainWindow, SwapPage]:
    win, page = open_page(qtbot, workspace, "swap", SwapPage)
    assert page.period == LAST_30
    return win, page


@pytest.fixture
def window(qtbot: QtBot, workspace: Workspace) -> tuple[MainWindow, SwapPage]:
    return open_window(qtbot, workspace)


@pytest.fixture
def fresh(qtbot: QtBot, tmp_path: Path,
          pristine: Path) -> tuple[MainWindow, SwapPage, Workspace]:
    """A window on its own fresh demo workspace, for a test that writes."""
    workspace = copy_of(pristine, tmp_path)
    win, page = open_window(qtbot, workspace)
    return win, page, workspace


# -- helpers ------------------------------------------------------------------------------



def data_of(page: SwapPage) -> SwapData:
    assert page.data is not None
    return page.data


def outcome_of(page: SwapPage) -> Outcome:
    assert page.outcome is not None
    return page.outcome


def saves(outcome: Outcome) -> str:
    """The saving label's text for an outcome."""
    return (f"Saves {money(outcome.monthly_saving)} per month "
            f"({percent(outcome.saving_pct)})")


def list_cost(data: SwapData, feature: str, model: ModelRef, input_rate: float) -> float:
    """A model's cost in a feature at the given input rate and Nova Pro's other list
    rates, summed from the tokens (nothing is batched in the demo's triage)."""
    rows = data.rows(feature)
    rows = rows[(rows["provider"] == model[0]) & (rows["model"] == model[1])]
    assert len(rows) and not rows["batched"].any()
    return float(rows["input"].sum() * input_rate + rows["cached_input"].sum() * NOVA_PRO_CACHED
                 + rows["output"].sum() * NOVA_PRO_OUTPUT) / 1e6


def curves(page: SwapPage) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The chart's lines as drawn: 'Before' first, then 'After'."""
    items = page.chart.plot.getPlotItem().listDataItems()
    assert len(items) == 2
    return {name: (np.asarray(item.xData), np.asarray(item.yData))
            for name, item in zip(("Before", "After"), items, strict=True)}


def pen_colours(page: SwapPage) -> list[str]:
    return [item.opts["pen"].color().name().upper()
            for item in page.chart.plot.getPlotItem().listDataItems()]


def timestamp(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def button(page: SwapPage, text: str) -> QPushButton:
    found = [b for b in page.findChildren(QPushButton) if b.text() == text]
    assert len(found) == 1, text
    return found[0]


def click(qtbot: QtBot, widget: QPushButton) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def choose_feature(page: SwapPage, name: str) -> None:
    index = page.features.findText(name)
    assert index >= 0, name
    page.features.setCurrentIndex(index)
    assert page.feature == (None if name == ALL else name)


def choose(combo: QComboBox, model: ModelRef) -> None:
    """Pick a model in a lever's combo (``findData`` does not match the Python tuples the
    combo holds, so look through its items)."""
    found = [i for i in range(combo.count()) if combo.itemData(i) == model]
    assert len(found) == 1, model
    combo.setCurrentIndex(found[0])
    assert combo.currentData() == model


def texts(view: QTableView, column: int) -> list[str]:
    model = view.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def row_with(view: QTableView, column: int, text: str) -> QModelIndex:
    rows = [r for r, t in enumerate(texts(view, column)) if t == text]
    assert len(rows) == 1, (text, texts(view, column))
    return view.model().index(rows[0], column)


def double_click(qtbot: QtBot, view: QTableView, index: QModelIndex) -> None:
    view.scrollTo(index)
    rect = view.visualRect(index)
    assert rect.isValid()
    # As from a mouse: the first click's press, then the double-click event (QTest sends
    # only the latter, which an item view takes for a press of an index not yet pressed).
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def resolved_ticket(workspace: Workspace) -> UnitEconomics:
    with workspace.open() as cache:
        found = [e for e in unit_economics(cache, LAST_30, "day")
                 if e.unit.unit_id == "resolved-ticket"]
    assert len(found) == 1
    return found[0]


def catalog_row(dialog: PriceCatalogDialog, model: ModelRef) -> int:
    rows = [r for r in range(dialog.table.rowCount())
            if dialog.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == model]
    assert len(rows) == 1, model
    return rows[0]


def open_catalog(qtbot: QtBot, page: SwapPage) -> PriceCatalogDialog:
    click(qtbot, page.catalog_button)
    dialogs = [d for d in page.dialogs if isinstance(d, PriceCatalogDialog)]
    assert len(dialogs) == 1
    assert dialogs[0].isVisible()
    return dialogs[0]


def close_catalog(qtbot: QtBot, page: SwapPage, dialog: PriceCatalogDialog) -> None:
    dialog.close()
    qtbot.waitUntil(lambda: not page.dialogs, timeout=5_000)


# -- opening ------------------------------------------------------------------------------


def test_the_page_opens_on_the_top_suggestion_the_usage_backs(
    qtbot: QtBot, qtmodeltester: ModelTester, window: tuple[MainWindow, SwapPage],
    expected_data: SwapData,
) -> None:
    """Not on a larger routing guess: the page opens on a saving the usage backs."""
    _, page = window
    combo = [page.features.itemText(i) for i in range(page.features.count())]
    assert combo == [ALL, *expected_data.features]
    assert {TRIAGE, "eval-nightly", "support-assistant"} <= set(combo)

    every = suggestions(expected_data)
    top: Suggestion = next(s for s in every if s.evidence)
    assert every.index(top) > 0  # a guess that saves more is listed above it
    assert page.name.text() == top.title
    assert page.features.currentText() == top.scenario.feature
    assert len(page.rows) == 1
    assert page.scenario().levers == top.scenario.levers
    outcome = simulate(data_of(page), page.scenario())
    assert outcome.monthly_saving > 0
    assert outcome.monthly_saving == pytest.approx(top.monthly_saving)
    assert page.saving.text() == saves(outcome)
    assert page.saving.text().startswith("Saves $") and not page.saving.text().startswith(
        "Saves $0")
    assert page.warning.isHidden()  # the demo prices every model it uses

    # The tables show the chosen feature: its models and its suggestions only.
    feature = top.scenario.feature
    assert sorted(texts(page.usage, 0)) == sorted(
        f"{m} ({p})" for p, m in expected_data.models(feature))
    assert texts(page.suggestions, 1) == [
        s.title for s in suggestions(expected_data) if s.scenario.feature == feature]
    # The chart: a point a day for each line, summing to the outcome.
    lines = curves(page)
    days = sorted(set(expected_data.rows(feature)["day"]))
    for x, _ in lines.values():
        assert list(x) == [timestamp(d) for d in days]
    assert lines["Before"][1].sum() == pytest.approx(outcome.before)
    assert lines["After"][1].sum() == pytest.approx(outcome.after)
    assert (lines["After"][1] < lines["Before"][1]).all()
    for model in (page.usage_model, page.suggestions_model, page.saved_model):
        qtmodeltester.check(model)


# -- the sliders ---------------------------------------------------------------------------


def test_moving_the_slider_moves_the_saving_and_the_after_line(
    qtbot: QtBot, window: tuple[MainWindow, SwapPage]
) -> None:
    _, page = window
    row = page.rows[0]
    assert row.slider.value() == 100 and row.percent.value() == 100
    full_label = page.saving.text()
    before, full_after = curves(page)["Before"][1], curves(page)["After"][1]

    row.slider.setValue(50)
    assert row.percent.value() == 50  # the box follows the slider
    assert page.scenario().levers[0].share == 0.5
    assert page.saving.text() != full_label
    assert page.saving.text() == saves(simulate(data_of(page), page.scenario()))
    half = curves(page)
    np.testing.assert_allclose(half["Before"][1], before)
    # Half the traffic moved: the line lies halfway between none and all of it.
    np.testing.assert_allclose(half["After"][1], (before + full_after) / 2, rtol=1e-9)
    assert not np.allclose(half["After"][1], full_after)

    qtbot.keyClick(row.slider, Qt.Key.Key_Home)
    assert row.slider.value() == 0
    assert row.percent.value() == 0
    assert page.saving.text() == "Saves $0.00 per month (0.0 %)"
    assert outcome_of(page).monthly_saving == 0
    none = curves(page)
    np.testing.assert_array_equal(none["After"][1], none["Before"][1])
    np.testing.assert_allclose(none["Before"][1], before)

    qtbot.keyClick(row.slider, Qt.Key.Key_Right)
    assert row.slider.value() == 1
    assert row.percent.value() == 1
    assert outcome_of(page).monthly_saving > 0

    # Typing a share moves the slider too.
    row.percent.setValue(30)
    assert row.slider.value() == 30
    assert page.scenario().levers[0].share == pytest.approx(0.3)
    assert page.saving.text() == saves(simulate(data_of(page), page.scenario()))


def test_routing_ticket_triage_from_nova_pro_to_nova_micro(
    qtbot: QtBot, window: tuple[MainWindow, SwapPage], workspace: Workspace,
    expected_data: SwapData,
) -> None:
    _, page = window
    assert page.name.text() != "Untitled scenario"  # the suggestion it opened on
    choose_feature(page, TRIAGE)
    assert page.rows == []
    assert page.name.text() == "Untitled scenario"  # a new feature starts a new scenario
    assert page.saving.text() == "Saves $0.00 per month (0.0 %)"
    assert texts(page.usage, 0) == [f"{NOVA_PRO[1]} ({NOVA_PRO[0]})"]

    click(qtbot, button(page, "Add route"))
    assert len(page.rows) == 1
    row = page.rows[0]
    assert row.model.currentData() == NOVA_PRO
    assert row.slider.value() == 50  # a new lever starts halfway
    assert row.to.currentData() == NOVA_LITE  # at the next smaller tier
    assert outcome_of(page).monthly_saving > 0
    choose(row.to, NOVA_MICRO)
    row.slider.setValue(100)
    assert page.scenario().levers == (Lever("route", NOVA_PRO, 1.0, to=NOVA_MICRO),)

    before = list_cost(expected_data, TRIAGE, NOVA_PRO, NOVA_PRO_INPUT)
    ratio = NOVA_MICRO_INPUT / NOVA_PRO_INPUT
    outcome = outcome_of(page)
    assert outcome.before == pytest.approx(before, rel=1e-12)
    assert outcome.after == pytest.approx(before * ratio, rel=1e-9)
    assert outcome.saving_pct == pytest.approx(1 - ratio, rel=1e-9)
    monthly = before * (1 - ratio) / expected_data.days * MONTH_DAYS
    assert outcome.monthly_saving == pytest.approx(monthly, rel=1e-9)
    assert page.saving.text() == f"Saves {money(monthly)} per month ({percent(1 - ratio)})"
    assert page.saving.text().endswith("(95.6 %)")

    detail = page.detail.text().splitlines()
    assert detail[0].startswith(f"{money(before)} → {money(before * ratio)} over "
                                f"{LAST_30.label()}")
    unit = resolved_ticket(workspace)
    assert unit.unit_cost is not None
    after = (unit.cost - before * (1 - ratio)) / unit.count
    assert (f"Cost per resolved ticket: {unit_money(unit.unit_cost)} → {unit_money(after)} "
            f"(target {unit_money(0.075)})") in detail
    assert unit_money(after) != unit_money(unit.unit_cost)

    lines = curves(page)
    np.testing.assert_allclose(lines["After"][1], lines["Before"][1] * ratio, rtol=1e-9)


def test_double_clicking_a_suggestion_loads_its_scenario(
    qtbot: QtBot, window: tuple[MainWindow, SwapPage], expected_data: SwapData
) -> None:
    _, page = window
    choose_feature(page, ALL)
    every = suggestions(expected_data)
    assert texts(page.suggestions, 1) == [s.title for s in every]
    # The list reads by the saving it shows, whatever backs each suggestion.
    assert texts(page.suggestions, 0) == [money(s.monthly_saving) for s in every]
    assert [s.monthly_saving for s in every] == sorted(
        (s.monthly_saving for s in every), reverse=True)
    assert {s.evidence for s in every} == {True, False}
    chosen = next(s for s in every if s.scenario.feature == "code-review-agent")
    assert chosen.kind == "route"
    (lever,) = chosen.scenario.levers

    double_click(qtbot, page.suggestions, row_with(page.suggestions, 1, chosen.title))
    assert page.name.text() == chosen.title
    assert page.features.currentText() == "code-review-agent"
    assert page.feature == "code-review-agent"
    assert len(page.rows) == 1
    row = page.rows[0]
    assert row.kind == "route"
    assert (row.model.currentData(), row.to.currentData()) == (lever.model, lever.to)
    assert row.slider.value() == row.percent.value() == 85
    assert page.scenario().levers == (lever,)
    assert outcome_of(page).monthly_saving == pytest.approx(chosen.monthly_saving)
    assert page.saving.text() == saves(outcome_of(page))
    # The table now shows only that feature's suggestions.
    assert texts(page.suggestions, 1) == [
        s.title for s in every if s.scenario.feature == "code-review-agent"]


# -- saved scenarios ------------------------------------------------------------------------


def test_saving_replacing_deleting_and_exporting_scenarios(
    qtbot: QtBot, fresh: tuple[MainWindow, SwapPage, Workspace], tmp_path: Path
) -> None:
    _, page, workspace = fresh

    def stored() -> list[Scenario]:
        written(workspace)  # what the window queued is saved, and shown
        with workspace.open() as cache:
            return load_scenarios(cache)

    assert stored() == [] and page.saved_model.rowCount() == 0
    page.name.selectAll()
    qtbot.keyClicks(page.name, "Batch the evals")
    first = page.scenario()
    assert first.name == "Batch the evals"
    click(qtbot, page.save_button)
    assert stored() == [first]
    assert texts(page.saved_table, 0) == ["Batch the evals"]
    assert texts(page.saved_table, 1) == [first.feature]
    assert texts(page.saved_table, SAVED_SAVING) == [money(outcome_of(page).monthly_saving)]

    # Saving under the same name replaces it.
    page.rows[0].slider.setValue(50)
    half = page.scenario()
    assert half.levers != first.levers
    click(qtbot, page.save_button)
    assert stored() == [half]
    assert texts(page.saved_table, 0) == ["Batch the evals"]
    assert texts(page.saved_table, SAVED_SAVING) == [money(outcome_of(page).monthly_saving)]
    assert "send 50 % of gpt-4.1 to batch" in texts(page.saved_table, 6)

    # A second scenario, on another feature.
    choose_feature(page, TRIAGE)
    click(qtbot, button(page, "Add route"))
    row = page.rows[0]
    choose(row.to, NOVA_MICRO)
    row.slider.setValue(100)
    page.name.setText("Triage on Micro")
    triage = page.scenario()
    click(qtbot, page.save_button)
    assert stored() == [half, triage]  # by name
    assert sorted(texts(page.saved_table, 0)) == ["Batch the evals", "Triage on Micro"]

    out = tmp_path / "scenarios.json"
    page.export_scenarios(out)
    exported = json.loads(out.read_text(encoding="utf-8"))["scenarios"]
    assert [s["name"] for s in exported] == ["Batch the evals", "Triage on Micro"]
    for entry, scenario in zip(exported, (half, triage), strict=True):
        outcome = simulate(data_of(page), scenario)
        assert entry["feature"] == scenario.feature
        assert entry["levers"] == [lever.to_json() for lever in scenario.levers]
        assert entry["monthly_saving"] == round(outcome.monthly_saving, 2) > 0
        assert entry["before"] == round(outcome.before, 2)
        assert entry["period"] == {"from": LAST_30.start.isoformat(),
                                   "to": LAST_30.end.isoformat()}

    # Double-clicking a saved scenario loads it back.
    double_click(qtbot, page.saved_table, row_with(page.saved_table, 0, "Batch the evals"))
    assert page.name.text() == "Batch the evals"
    assert page.scenario() == half
    assert page.rows[0].slider.value() == 50

    # Delete removes the selected one, from the table and the cache.
    page.saved_table.selectRow(row_with(page.saved_table, 0, "Batch the evals").row())
    click(qtbot, page.delete_button)
    assert stored() == [triage]
    assert texts(page.saved_table, 0) == ["Triage on Micro"]


# -- the price catalog ------------------------------------------------------------------------


def test_a_rate_typed_in_the_catalog_reprices_the_usage_until_reset(
    qtbot: QtBot, fresh: tuple[MainWindow, SwapPage, Workspace]
) -> None:
    _, page, workspace = fresh

    def overrides() -> list[dict[str, object]]:
        with workspace.open() as cache:
            return load_overrides(cache)

    choose_feature(page, TRIAGE)
    list_price = list_cost(data_of(page), TRIAGE, NOVA_PRO, NOVA_PRO_INPUT)
    assert texts(page.usage, USAGE_COST) == [money(list_price)]

    dialog = open_catalog(qtbot, page)
    row = catalog_row(dialog, NOVA_PRO)
    cell = dialog.table.item(row, RATE_AT["input"])
    assert cell.text() == "0.8"
    assert dialog.table.item(row, RATE_AT["output"]).text() == "3.2"

    # Not a number: refused, nothing stored, nothing reloaded.
    with qtbot.assertNotEmitted(dialog.changed), no_recompute(qtbot, page):
        cell.setText("cheap")
    assert "'cheap' is not a rate" in dialog.status.text()
    assert overrides() == []
    assert dialog.table.item(row, RATE_AT["input"]).text() == "0.8"

    with qtbot.waitSignals([dialog.changed, page.loaded], timeout=TIMEOUT):
        dialog.table.item(row, RATE_AT["input"]).setText("0.4")
    stored = overrides()
    assert len(stored) == 1
    assert (stored[0]["provider_name"], stored[0]["model"]) == NOVA_PRO
    assert stored[0]["input"] == 0.4
    assert stored[0]["output"] is None  # the other rates stay the list's
    assert dialog.status.text() == ""
    mine = dialog.table.item(catalog_row(dialog, NOVA_PRO), RATE_AT["input"])
    assert mine.text() == "0.4" and mine.font().bold()

    # The page reloaded on the same feature with the lower rate.
    assert page.feature == TRIAGE
    cheaper = list_cost(data_of(page), TRIAGE, NOVA_PRO, 0.4)
    assert cheaper < list_price
    assert texts(page.usage, USAGE_COST) == [money(cheaper)]
    assert outcome_of(page).before == pytest.approx(cheaper)

    dialog.table.setCurrentCell(catalog_row(dialog, NOVA_PRO), 0)
    with qtbot.waitSignals([dialog.changed, page.loaded], timeout=TIMEOUT):
        click(qtbot, dialog.reset_button)
    assert overrides() == []
    reset = dialog.table.item(catalog_row(dialog, NOVA_PRO), RATE_AT["input"])
    assert reset.text() == "0.8" and not reset.font().bold()
    assert texts(page.usage, USAGE_COST) == [money(list_price)]
    close_catalog(qtbot, page, dialog)


def charge(day: dt.date, **values: object) -> tuple[object, ...]:
    """One AI usage charge of a model the catalog has never heard of."""
    row: dict[str, object] = dict.fromkeys(CHARGE_COLUMN_NAMES)
    row.update(
        source_id="acme", charge_period_start=day.isoformat(), provider_name=ACME[0],
        publisher_name="Acme", billing_account_id="org-acme", sub_account_id="proj_acme",
        sub_account_name="acme", service_category="AI and Machine Learning",
        service_name="OpenAI API", region_id="global", resource_id="key_Acme01",
        resource_type="API key", sku_id="acme-llm-1:input-tokens",
        x_usage_type="acme-llm-1-input-tokens", charge_category="Usage", billed_cost=12.5,
        effective_cost=12.5, list_cost=12.5, billing_currency="USD",
        consumed_quantity=1_000_000.0, consumed_unit="Tokens",
        tags='{"env": "prod", "feature": "ticket-triage", "team": "support"}',
        x_model=ACME[1], x_input_tokens=1_000_000, x_output_tokens=0, x_requests=500, x_batch=0)
    row.update(values)
    return tuple(row[c] for c in CHARGE_COLUMN_NAMES)


def test_a_model_without_a_price_says_unpriced_and_is_named_in_a_warning(
    qtbot: QtBot, tmp_path: Path, pristine: Path
) -> None:
    workspace = copy_of(pristine, tmp_path)
    days = [DEMO_END - dt.timedelta(days=n) for n in range(3)]
    with workspace.open() as cache:
        assert cache.replace_charges("acme", days[-1], days[0], [charge(d) for d in days]) == 3
    _, page = open_window(qtbot, workspace)
    assert ACME in data_of(page).models(TRIAGE)
    assert page.feature == "eval-nightly" and page.warning.isHidden()  # all priced there

    dialog = open_catalog(qtbot, page)
    row = catalog_row(dialog, ACME)
    assert dialog.table.item(row, SOURCE).text().startswith("unpriced")
    assert all(dialog.table.item(row, RATE_AT[c]).text() == "" for c in ("input", "output"))
    priced = dialog.table.item(catalog_row(dialog, NOVA_PRO), SOURCE).text()
    assert priced and not priced.startswith("unpriced")
    close_catalog(qtbot, page, dialog)

    for feature in (ALL, TRIAGE):
        choose_feature(page, feature)
        assert page.warning.isVisible()
        assert "No price for OpenAI acme-llm-1" in page.warning.text()
        assert outcome_of(page).unpriced == [ACME]
    # Left out of the saving, never counted as $0.
    assert outcome_of(page).before == pytest.approx(
        list_cost(data_of(page), TRIAGE, NOVA_PRO, NOVA_PRO_INPUT))
    # The usage table says so in its cost columns.
    assert sorted(texts(page.usage, 0)) == [f"{ACME[1]} ({ACME[0]})",
                                            f"{NOVA_PRO[1]} ({NOVA_PRO[0]})"]
    row = row_with(page.usage, 0, f"{ACME[1]} ({ACME[0]})").row()
    model = page.usage.model()
    assert model.index(row, USAGE_COST).data() == "unpriced"
    assert model.index(row, USAGE_PER_REQUEST).data() == "unpriced"


# -- appearance -------------------------------------------------------------------------------


def test_the_page_keeps_working_across_a_colour_scheme_change(
    qtbot: QtBot, window: tuple[MainWindow, SwapPage]
) -> None:
    """As in the main window's test, the OS's notification is sent by hand."""
    _, page = window
    hints = QGuiApplication.styleHints()
    background = page.chart.plot.backgroundBrush
    row = page.rows[0]
    assert pen_colours(page) == [theme.LIGHT.muted.upper(), theme.LIGHT.accent.upper()]
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        qtbot.waitUntil(lambda: background().color().name().upper()
                        == theme.DARK.surface.upper(), timeout=5_000)
        label = page.saving.text()
        row.slider.setValue(40)
        assert row.percent.value() == 40
        assert page.saving.text() != label
        assert page.saving.text() == saves(simulate(data_of(page), page.scenario()))
        assert pen_colours(page) == [theme.DARK.muted.upper(), theme.DARK.accent.upper()]
        assert not page.chart.grab().isNull()
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    qtbot.waitUntil(lambda: background().color().name().upper() == theme.LIGHT.surface.upper(),
                    timeout=5_000)
    row.slider.setValue(60)
    assert page.saving.text() == saves(simulate(data_of(page), page.scenario()))
    assert pen_colours(page) == [theme.LIGHT.muted.upper(), theme.LIGHT.accent.upper()]


def test_the_before_and_after_lines_take_the_new_colours_at_once(
    qtbot: QtBot, window: tuple[MainWindow, SwapPage]
) -> None:
    """The Units and Overview pages redraw their charts when the palette changes; the
    lines here must not stay in the old scheme's colours until a slider moves."""
    _, page = window
    hints = QGuiApplication.styleHints()
    background = page.chart.plot.backgroundBrush
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        qtbot.waitUntil(lambda: background().color().name().upper()
                        == theme.DARK.surface.upper(), timeout=5_000)
        assert pen_colours(page) == [theme.DARK.muted.upper(), theme.DARK.accent.upper()]
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    qtbot.waitUntil(lambda: background().color().name().upper() == theme.LIGHT.surface.upper(),
                    timeout=5_000)

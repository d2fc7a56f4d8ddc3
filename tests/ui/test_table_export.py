"""Tables out of the window, as a user sees them: every table offers CSV and Excel, the
file holds the visible columns in the user's sort order with raw numbers, number formats
and the period, and it agrees with the page's own figures. The allocation treemap's
Export writes a PNG and an SVG. (The file dialog is skipped: the export functions take
the path a user would have chosen.)"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMenu, QToolButton
from pytestqt.qtbot import QtBot
from tests.conftest import DEMO_END
from tests.export.support import number, read_csv

from worthit.core.money import money
from worthit.core.periods import Period, Preset, preset_period
from worthit.ui.chart_export import BUTTON as CHART_BUTTON
from worthit.ui.chart_export import save_chart
from worthit.ui.main_window import MainWindow
from worthit.ui.table_export import BUTTON, exporter
from worthit.ui.views.page import Page

TIMEOUT = 60_000
PERIOD = preset_period(Preset.LAST_30, DEMO_END)
ACTIONS = ["Export table as CSV…", "Export table as Excel (.xlsx)…"]
SVG = "{http://www.w3.org/2000/svg}"


def show(qtbot: QtBot, window: MainWindow, name: str) -> Any:
    page = window.pages[name]
    if page.period == window.period_bar.period():
        window.show_page(name)
        return page
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        window.show_page(name)
    return page


def read_xlsx(path: Path, columns: list[str]) -> tuple[list[str], list[list[Any]], list[str]]:
    """The title block's lines, the rows under the header row (found by its names) and
    each column's number format."""
    sheet = load_workbook(path).active
    lines: list[str] = []
    rows: list[list[Any]] = []
    formats: list[str] = []
    header_seen = False
    for row in sheet.iter_rows():
        values = [cell.value for cell in row]
        if not header_seen:
            if values[:len(columns)] == columns:
                header_seen = True
            elif values[0] is not None:
                lines.append(str(values[0]))
            continue
        rows.append(values[:len(columns)])
        if not formats:
            formats = [cell.number_format for cell in row[:len(columns)]]
    assert header_seen, f"no header row {columns} in {path}"
    return lines, rows, formats


def raw_rows(view: QAbstractItemView) -> list[list[Any]]:
    """The view's rows as the user sees them ordered, with their raw values."""
    model = view.model()
    return [[model.index(r, c).data(Qt.ItemDataRole.UserRole)
             for c in range(model.columnCount())] for r in range(model.rowCount())]


def export_both(view: QAbstractItemView, tmp_path: Path, stem: str) -> tuple[Path, Path]:
    export = exporter(view)
    assert export is not None
    return export.save(tmp_path / f"{stem}.csv"), export.save(tmp_path / f"{stem}.xlsx")


def period_line(period: Period) -> str:
    return f"period: {period.start.isoformat()} to {period.end.isoformat()}"


# -- every table ---------------------------------------------------------------------------


def tables_of(window: MainWindow) -> dict[str, list[QAbstractItemView]]:
    p = window.pages
    return {
        "overview": [p["overview"].movers],
        "allocation": [p["allocation"].tree],
        "units": [p["units"].drivers, p["units"].features],
        "swap": [p["swap"].usage, p["swap"].suggestions, p["swap"].saved_table],
        "leaks": [p["leaks"].tree],
        "sources": [p["sources"].sources_view, p["sources"].runs_view],
    }


# A popup menu on the offscreen platform cannot raise itself or grab the keyboard.
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")
def test_every_table_offers_csv_and_excel_by_right_click_and_an_export_button(
        qtbot: QtBot, window: MainWindow) -> None:
    for name, views in tables_of(window).items():
        page: Page = show(qtbot, window, name)
        buttons = [b for b in page.findChildren(QToolButton, BUTTON) if b.isVisible()]
        for view in views:
            export = exporter(view)
            assert export is not None, (name, view)
            # Right-click on the rows opens the menu with both actions, enabled.
            view.customContextMenuRequested.emit(QPoint(5, 5))
            qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu),
                            timeout=5_000)
            menu = QApplication.activePopupWidget()
            assert [a.text() for a in menu.actions()] == ACTIONS
            assert all(a.isEnabled() for a in menu.actions())
            menu.close()
            assert export.table().columns, (name, view)
        if name == "sources":
            # Right-click only there; a table without a title takes its section's, and
            # the sources' tables are not of the period on show.
            runs = exporter(page.runs_view).table()
            assert runs.title == "Sources: Runs" and runs.period is None
            continue
        # And a visible Export button per table (the saved scenarios share theirs with
        # the JSON export).
        exported = {a.text() for b in buttons for a in b.menu().actions()}
        assert set(ACTIONS) <= exported, name
        assert len(buttons) == len(views) - (name == "swap"), name
    saved = window.pages["swap"].export_button.menu().actions()
    assert [a.text() for a in saved if a.text()][:2] == ACTIONS


# -- pages ----------------------------------------------------------------------------------


def test_the_movers_export_in_the_users_order_with_raw_numbers(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = window.pages["overview"]
    page.movers.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # a click on "Change"
    raws = raw_rows(page.movers)
    assert len(raws) > 3
    csv_path, xlsx_path = export_both(page.movers, tmp_path, "movers")

    header, columns, rows = read_csv(csv_path)
    # As shown: the tab names the dimension (a filter line), so no Kind column.
    assert columns == ["Name", "Before", "Now", "Change", "%"]
    assert header[0] == "Worthit export: Overview: Top movers"
    assert period_line(PERIOD) in header
    assert "workspace: Demo workspace" in header
    assert "movers by: service" in header
    assert "sorted by: Change, descending" in header
    assert [r["Name"] for r in rows] == [r[1] for r in raws]
    for row, raw in zip(rows, raws, strict=True):
        assert [number(row[c]) for c in ("Before", "Now", "Change", "%")] == \
            pytest.approx(raw[2:], abs=5e-7)
    changes = [number(r["Change"]) for r in rows]
    assert changes == sorted(changes, reverse=True)

    lines, cells, formats = read_xlsx(xlsx_path, columns)
    assert lines[0] == "Overview: Top movers"
    assert f"Period: {PERIOD.start} to {PERIOD.end}" in lines
    # Full precision, not the cents shown.
    assert [v for c in cells for v in c[1:]] == pytest.approx(
        [v for r in raws for v in r[2:]], rel=1e-14)
    assert formats[1] == formats[3] == '"$"#,##0.00' and formats[4] == "0.0%"


def test_the_allocation_tree_exports_its_open_rows_and_the_teams_sum_to_the_total(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = show(qtbot, window, "allocation")
    result = page.result
    csv_path, xlsx_path = export_both(page.tree, tmp_path, "allocation")
    header, columns, rows = read_csv(csv_path)
    assert columns == ["Level", "Team", "Feature", "Service", "Resource", "Effective cost",
                       "Share", "Previous period", "Change"]
    assert period_line(result.period) in header
    teams = [r for r in rows if r["Level"] == "Team"]
    # The teams (Unallocated first) sum to the period's total on the page's card.
    assert [r["Team"] for r in teams] == [p[0] for p in result.nodes[()].children]
    assert money(sum(number(r["Effective cost"]) for r in teams)) == page.total.value.text()
    assert sum(number(r["Effective cost"]) for r in teams) == pytest.approx(result.total,
                                                                           abs=1e-4)
    # The first view opens every team: its features are exported under it, in tree order.
    first_team = result.nodes[()].children[1]
    features = [(r["Team"], r["Feature"]) for r in rows if r["Level"] == "Feature"
                and r["Team"] == first_team[0]]
    assert features == list(result.nodes[first_team].children)
    node = result.nodes[result.nodes[first_team].children[0]]
    row = next(r for r in rows if (r["Team"], r["Feature"]) == node.path)
    assert number(row["Effective cost"]) == pytest.approx(node.cost, abs=5e-7)
    assert number(row["Share"]) == pytest.approx(result.share(node), abs=5e-7)

    lines, cells, formats = read_xlsx(xlsx_path, columns)
    assert lines[0] == "Allocation: Spend by team and feature"
    assert sum(c[5] for c in cells if c[0] == "Team") == pytest.approx(result.total)
    assert formats[5] == '"$"#,##0.00' and formats[6] == "0.0%"

    # What the user closes is left out.
    page.tree.collapse(page.model.index_of(first_team))
    _, _, rows = read_csv(exporter(page.tree).save(tmp_path / "collapsed.csv"))
    assert not [r for r in rows if r["Team"] == first_team[0] and r["Level"] != "Team"]


def test_the_unit_tables_name_the_unit_and_keep_prices_per_unit(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = show(qtbot, window, "units")
    unit = page.current.unit
    for view, stem in ((page.drivers, "drivers"), (page.features, "features")):
        raws = raw_rows(view)
        csv_path, xlsx_path = export_both(view, tmp_path, stem)
        header, columns, rows = read_csv(csv_path)
        assert f"unit: {unit.name} ({unit.counts_what})" in header
        assert period_line(PERIOD) in header
        assert len(rows) == len(raws) > 0
        lines, cells, formats = read_xlsx(xlsx_path, columns)
        assert f"Unit: {unit.name} ({unit.counts_what})" in lines
        per_unit = columns.index("Per unit" if stem == "features" else "Now")
        assert [c[per_unit] for c in cells] == pytest.approx(
            [r[per_unit] for r in raws])
        assert formats[per_unit] == '"$"#,##0.0000'
    # The features' costs add up to the unit's cost on its features.
    _, _, rows = read_csv(tmp_path / "features.csv")
    assert sum(number(r["Cost"]) for r in rows) == pytest.approx(
        sum(f.cost for f in page.current.features), abs=1e-4)


def test_the_leaks_list_exports_its_findings_for_the_leak_window(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = show(qtbot, window, "leaks")
    csv_path, xlsx_path = export_both(page.tree, tmp_path, "leaks")
    header, columns, rows = read_csv(csv_path)
    assert columns[:3] == ["Group", "Finding", "Kind"]
    window_ = Period(PERIOD.end - dt.timedelta(days=29), PERIOD.end)
    assert period_line(window_) in header
    assert "shown: open findings" in header and "grouped: By kind" in header
    assert sorted(r["Key"] for r in rows) == sorted(f.key for f in page.visible())
    # The open findings' savings are the page's headline.
    assert money(sum(number(r["Monthly saving"]) for r in rows)) == \
        page.saving_card.value.text()
    _, cells, formats = read_xlsx(xlsx_path, columns)
    saving = columns.index("Monthly saving")
    assert [c[saving] for c in cells] == pytest.approx(
        [number(r["Monthly saving"]) for r in rows], abs=5e-7)
    assert formats[saving] == '"$"#,##0.00'
    # A one-off excess (the runaway agent's) has its own column, not in the saving.
    by_key = {f.key: f for f in page.visible()}
    assert [round(number(r["One-off excess"]), 2) for r in rows] == \
        [round(by_key[r["Key"]].one_off, 2) for r in rows]
    assert any(number(r["One-off excess"]) > 0 for r in rows)
    # Ungrouped, the list has no group column.
    page.group.setCurrentIndex(page.group.findData("none"))
    _, columns, _ = read_csv(exporter(page.tree).save(tmp_path / "flat.csv"))
    assert columns[0] == "Finding"


def test_an_export_runs_on_the_task_bar_and_the_status_bar_says_where(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = show(qtbot, window, "swap")
    export = exporter(page.usage)
    out = tmp_path / "usage.xlsx"
    with qtbot.waitSignal(export.saved, timeout=TIMEOUT) as saved:
        assert export.export(out)
    assert saved.args == [out] and out.is_file()
    assert str(out) in window.statusBar().currentMessage()
    lines, _, _ = read_xlsx(out, list(export.table().columns))
    assert f"Feature: {page.features.currentText()}" in lines

    missing = tmp_path / "no such folder" / "usage.csv"
    with qtbot.waitSignal(export.failed, timeout=TIMEOUT) as failed:
        export.export(missing)
    assert "does not exist" in failed.args[0]
    assert window.statusBar().currentMessage() == failed.args[0]
    assert not missing.parent.exists()


# -- the treemap ---------------------------------------------------------------------------


def test_the_treemap_exports_a_png_and_an_svg_from_its_export_button(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = show(qtbot, window, "allocation")
    treemap = page.treemap
    buttons = [b for b in page.findChildren(QToolButton, CHART_BUTTON) if b.isVisible()]
    assert len(buttons) == 1
    assert [a.text() for a in buttons[0].menu().actions()] == [
        "Save as PNG (2×)…", "Save as SVG…", "Copy"]
    assert treemap.title == "Allocation: All spend"

    png = save_chart(treemap, tmp_path / "treemap.png", title=treemap.title)
    image = QImage(str(png))
    assert image.width() >= 2 * treemap.width() and image.height() >= 2 * treemap.height()

    svg = save_chart(treemap, tmp_path / "treemap.svg", title=treemap.title)
    root = ET.parse(svg).getroot()
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title") == "Allocation: All spend"
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    result = page.result
    teams = [result.nodes[p] for p in result.nodes[()].children]
    # Each tile is a vector shape, and the labels of all but the smallest are vector text.
    assert len(list(root.iter(f"{SVG}path"))) >= len(teams)
    labelled = [t.name for t in teams if result.share(t) > 0.1]
    assert len(labelled) >= 3 and all(name in texts for name in labelled), texts


"""``export table PAGE`` figures: every page written to CSV and to Excel, read back, and
its totals equal to what ``worthit report PAGE`` says, to the cent."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.conftest import DEMO_END
from tests.export.support import ids_found, number, read_csv, report_json

from worthit.analysis.leaks import find_leaks
from worthit.core.periods import Preset, preset_period
from worthit.export.mask import Mask
from worthit.export.tables import Table, write_csv, write_xlsx
from worthit.pages import PAGES
from worthit.pages.figures import Figures
from worthit.workspace import Workspace

PERIOD = preset_period(Preset.LAST_30, DEMO_END)


@pytest.fixture(scope="module")
def figures(demo_workspace: Workspace) -> Iterator[Figures]:
    with demo_workspace.open() as cache:
        yield Figures(cache, PERIOD, workspace_name="demo")


@pytest.fixture(scope="module")
def tables(figures: Figures) -> dict[str, Table]:
    return {name: page.table(figures) for name, page in PAGES.items()}


@pytest.fixture(scope="module")
def written(tables: dict[str, Table], tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each page's rows as read back from its CSV and from its XLSX (by column name)."""
    folder = tmp_path_factory.mktemp("tables")
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for page, table in tables.items():
        _, _, csv_rows = read_csv(write_csv(folder / f"{page}.csv", table))
        sheet = load_workbook(write_xlsx(folder / f"{page}.xlsx", table)).active
        header_row = next(r for r in range(1, 20) if sheet.cell(r, 1).value ==
                          table.columns[0])
        names = [c.value for c in sheet[header_row]]
        xlsx_rows = [dict(zip(names, (c.value for c in row), strict=True))
                     for row in sheet.iter_rows(min_row=header_row + 1)]
        out[page] = {"csv": csv_rows, "xlsx": xlsx_rows}
    return out


def total(rows: list[dict[str, Any]], column: str, **where: str) -> float:
    return math.fsum(number(r[column]) if isinstance(r[column], str) else (r[column] or 0.0)
                     for r in rows if all(r[k] == v for k, v in where.items()))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_overview_days_add_up_to_the_reported_total_and_providers(
        demo_workspace: Workspace, written: dict[str, Any], fmt: str) -> None:
    shown = report_json(demo_workspace, "overview")
    rows = written["overview"][fmt]
    assert len(rows) == PERIOD.days
    assert round(total(rows, "Total"), 2) == shown["total_effective_cost"]
    for provider in shown["by_provider"]:
        assert round(total(rows, provider["provider"]), 2) == provider["cost"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_allocation_leaves_add_up_to_every_team_and_to_unallocated(
        demo_workspace: Workspace, written: dict[str, Any], fmt: str) -> None:
    shown = report_json(demo_workspace, "allocation")
    rows = written["allocation"][fmt]
    assert round(total(rows, "Effective cost"), 2) == shown["total"]
    assert round(total(rows, "Effective cost", Team="Unallocated"), 2) == shown["unallocated"]
    for team in shown["tree"]:
        assert round(total(rows, "Effective cost", Team=team["name"]), 2) == team["cost"]
    assert {r["Resource"] for r in rows} >= {"i-0reco00000000001", "key_DocSearchProd01"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_units_rows_are_the_reported_unit_costs(demo_workspace: Workspace,
                                                written: dict[str, Any], fmt: str) -> None:
    shown = report_json(demo_workspace, "units")["units"]
    rows = written["units"][fmt]
    assert [r["Unit"] for r in rows] == [u["name"] for u in shown]
    for row, unit in zip(rows, shown, strict=True):
        assert round(number(str(row["Cost per unit"])), 6) == unit["unit_cost"]
        assert round(number(str(row["Cost"])), 2) == unit["cost"]
        assert str(row["On target"]).lower() == str(unit["on_target"]).lower()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_leaks_savings_of_open_findings_are_the_reported_total(
        demo_workspace: Workspace, written: dict[str, Any], fmt: str) -> None:
    shown = report_json(demo_workspace, "leaks")
    rows = written["leaks"][fmt]
    assert [r["Key"] for r in rows] == [f["key"] for f in shown["findings"]]
    assert round(total(rows, "Monthly saving", State="open"), 2) == shown["monthly_saving"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_swap_rows_are_the_reported_suggestions(demo_workspace: Workspace,
                                                written: dict[str, Any], fmt: str) -> None:
    shown = report_json(demo_workspace, "swap")["suggestions"]
    rows = written["swap"][fmt]
    assert [r["Scenario"] for r in rows] == [s["title"] for s in shown]
    assert [round(number(str(r["Monthly saving"])), 2) for r in rows] == \
        [s["monthly_saving"] for s in shown]


def test_the_files_name_the_period_and_the_workspace(tmp_path: Path,
                                                     tables: dict[str, Table]) -> None:
    header, _, _ = read_csv(write_csv(tmp_path / "a.csv", tables["allocation"]))
    assert "period: 2026-10-28 to 2026-11-26" in header
    assert "workspace: Demo workspace" in header
    assert any(line.startswith("data: data through 2026-11-26") for line in header)
    sheet = load_workbook(write_xlsx(tmp_path / "a.xlsx", tables["allocation"])).active
    assert sheet["A2"].value == "Period: 2026-10-28 to 2026-11-26"


def test_the_leak_figures_are_find_leaks(figures: Figures) -> None:
    """Figures runs the detectors over a context it keeps (to share the swap data):
    the findings must be exactly ``find_leaks``'s."""
    ours = figures.leaks
    theirs = find_leaks(figures.cache, PERIOD.end)
    assert [(f.key, f.monthly_saving, f.monthly_cost) for f in ours] == \
        [(f.key, f.monthly_saving, f.monthly_cost) for f in theirs]


@pytest.mark.parametrize("page", list(PAGES))
def test_masked_tables_hold_no_workspace_id(demo_workspace: Workspace, demo_ids: set[str],
                                            tables: dict[str, Table], tmp_path: Path,
                                            page: str) -> None:
    with demo_workspace.open() as cache:
        masked = Mask.from_cache(cache).table(tables[page])
    for path in (write_csv(tmp_path / f"{page}.csv", masked),
                 write_xlsx(tmp_path / f"{page}.xlsx", masked)):
        assert ids_found(path, demo_ids) == {}
    plain = write_csv(tmp_path / "plain.csv", tables[page])
    if page in ("allocation", "leaks"):  # the scan finds ids where they are
        assert ids_found(plain, demo_ids)

"""Bill text that attacks the files a manager opens: formulas a spreadsheet would run, and
control characters that Excel's and PowerPoint's XML cannot hold.

A workspace's charges name their providers and services as a hostile bill would (OWASP's
CSV injection examples, a carriage return, a tab, control characters), with a credit of
-12.50 a day beside them; ``worthit report --format csv`` and ``worthit export table`` and
``export deck`` run on it through the CLI's entry point, and the files are read back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pptx import Presentation
from tests.conftest import run_cli

from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.export.cells import CsvWriter, csv_cell, figure, printable
from worthit.workspace import Workspace

#: Providers (and services) as a hostile bill names them.
FORMULAS = ('=HYPERLINK("http://evil.example","Click")', "+cmd|'/C calc'!A0", "-2+3",
            "@SUM(1)", "\r=2+2", "\tTabbed")
CONTROLS = "Ctl\x00\x1b\x07name"
SHOWN = "Ctl\ufffd\ufffd\ufffdname"  # as the files show it
DAYS = [dt.date(2026, 11, d) for d in range(1, 27)]
PERIOD = ("--from", "2026-11-01", "--to", "2026-11-26")
CREDIT = -12.5


def charge(day: dt.date, cost: float, name: str) -> tuple[object, ...]:
    row: dict[str, object] = dict.fromkeys(CHARGE_COLUMN_NAMES)
    row.update(source_id="bill", charge_period_start=day.isoformat(), provider_name=name,
               service_category="Compute", service_name=name, resource_id="i-1",
               charge_category="Usage", billed_cost=cost, effective_cost=cost, list_cost=cost,
               billing_currency="USD", tags=json.dumps({}))
    return tuple(row[c] for c in CHARGE_COLUMN_NAMES)


@pytest.fixture
def hostile(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    with workspace.open() as cache:
        cache.replace_charges("bill", None, None, [
            charge(day, cost, name) for day in DAYS for cost, name in (
                *((10.0 + n, f) for n, f in enumerate(FORMULAS)), (20.0, CONTROLS),
                (30.0, "AWS"), (CREDIT, "Credits"))])
    return workspace


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_no_formula(rows: list[list[str]]) -> None:
    """No cell would run as a formula: any starting as one does is a number."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or is_number(cell), \
                (cell, row)


ESCAPED = {"'" + f for f in FORMULAS} | {SHOWN, "AWS", "Credits"}


# -- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["overview", "allocation"])
def test_report_csv_is_the_export_tables_csv_escaped_the_same_way(
        capsys: pytest.CaptureFixture[str], hostile: Workspace, tmp_path: Path,
        page: str) -> None:
    out = tmp_path / f"{page}.csv"
    code, printed, err = run_cli(capsys, hostile, "report", page, "--format", "csv", *PERIOD)
    assert code == 0, err
    code, _, err = run_cli(capsys, hostile, "export", "table", page, "--out", str(out),
                           *PERIOD)
    assert code == 0, err

    assert printed == out.read_bytes().decode("utf-8-sig")  # one table, the same text
    _, rows = read_table_csv(out)
    assert_no_formula(rows)
    if page == "allocation":
        services = {r[2] for r in rows[1:]}
        assert "'\r=2+2 · \r=2+2" in services  # "provider · service", escaped as one cell
        assert any(s.startswith("'=HYPERLINK(") for s in services)
        assert any(s.startswith(SHOWN) for s in services)


def read_table_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """The comment lines, then the rows (a quoted cell may hold a carriage return)."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        lines = file.read().split("\n")
    comments = [line for line in lines if line.startswith("# ")]
    rest = "\n".join(line for line in lines if not line.startswith("# "))
    return comments, list(csv.reader(io.StringIO(rest, newline="")))


def test_export_table_csv_escapes_column_names_and_keeps_numbers(
        capsys: pytest.CaptureFixture[str], hostile: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "overview.csv"

    code, _, err = run_cli(capsys, hostile, "export", "table", "overview", "--out", str(out),
                           *PERIOD)

    assert code == 0, err
    _, rows = read_table_csv(out)
    columns = rows[0]
    assert set(columns[1:-1]) == ESCAPED  # a provider heads each column
    assert_no_formula(rows)
    credits = columns.index("Credits")
    assert {r[credits] for r in rows[1:]} == {"-12.500000"}
    assert len(rows) == 1 + len(DAYS)


# -- Excel and PowerPoint ---------------------------------------------------------------------


def test_export_table_xlsx_with_control_characters_keeps_text_as_text(
        capsys: pytest.CaptureFixture[str], hostile: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "overview.xlsx"

    code, _, err = run_cli(capsys, hostile, "export", "table", "overview", "--out", str(out),
                           *PERIOD)

    assert code == 0, err
    sheet = load_workbook(out).active
    header = next(r for r in sheet.iter_rows() if r[0].value == "Day")
    names = {c.value: c for c in header[1:-1]}
    assert set(names) == {*FORMULAS, SHOWN, "AWS", "Credits"}
    assert all(c.data_type == "s" for c in header)  # never a formula
    credits = names["Credits"].column
    values = [sheet.cell(r, credits).value for r in range(header[0].row + 1,
                                                          header[0].row + 1 + len(DAYS))]
    assert values == [CREDIT] * len(DAYS)


def test_export_deck_with_control_characters_writes_the_charts(
        capsys: pytest.CaptureFixture[str], hostile: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "review.pptx"

    code, _, err = run_cli(capsys, hostile, "export", "deck", "--out", str(out), *PERIOD,
                           "--slides", "title,overview")

    assert code == 0, err
    (chart,) = [s.chart for s in list(Presentation(str(out)).slides)[1].shapes if s.has_chart]
    # XML reads a carriage return back as a line feed.
    assert {s.name for s in chart.plots[0].series} == {
        *(f.replace("\r", "\n") for f in FORMULAS), SHOWN, "AWS", "Credits"}


# -- the functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(1)", "'@SUM(1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-12.5", "'-12.5"),  # text, though it reads as one
    ("a=1", "a=1"), (" =1", " =1"), ("", ""),
    (-12.5, "-12.5"), (-3, "-3"), (figure(-12.5, ".6f"), "-12.500000"), (None, ""),
    (True, "true"), (dt.date(2026, 11, 1), "2026-11-01"),
    ("a\x00b\ud800c\ufffe", "a\ufffdb\ufffdc\ufffd"),
])
def test_a_csv_cell_escapes_text_only(value: object, written: str) -> None:
    assert csv_cell(value) == written


def test_a_row_with_a_carriage_return_is_quoted_whole() -> None:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["a\rb", -1.5])
    writer.writerow(["plain", -1.5, "two\nlines"])
    assert out.getvalue() == '"a\rb","-1.5"\nplain,-1.5,"two\nlines"\n'
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [
        ["a\rb", "-1.5"], ["plain", "-1.5", "two\nlines"]]


def test_printable_keeps_tab_and_line_ends_and_replaces_other_controls() -> None:
    assert printable("a\tb\nc\r\nd") == "a\tb\nc\r\nd"
    assert printable("".join(map(chr, range(32)))) == \
        "\ufffd" * 9 + "\t\n" + "\ufffd" * 2 + "\r" + "\ufffd" * 18
    assert printable("caf\u00e9 \u2013 \U0001f600") == "caf\u00e9 \u2013 \U0001f600"

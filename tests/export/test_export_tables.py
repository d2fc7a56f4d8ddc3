"""Tables to CSV and Excel: written, read back, and the same table comes out: the period
and filters in the file, numbers as numbers, bill text never a formula."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from tests.export.support import read_csv

from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.export.tables import Table, write_csv, write_table, write_xlsx

PERIOD = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def sample() -> Table:
    return Table.of(
        "Spend by team", ["Team", "Cost", "Share", "Requests", "Day", "On target"],
        [("devex", 41124.51, 0.326, 1200, dt.date(2026, 10, 3), True),
         ("=HYPERLINK(\"http://evil\")", 12.3456789, None, 7, dt.date(2026, 10, 4), False),
         ("# not a comment", 0.0, 0.0, 0, None, None)],
        period=PERIOD, filters={"workspace": "Acme", "team": "all"},
        formats={"Cost": "money", "Share": "percent", "Requests": "integer", "Day": "date",
                 "On target": "bool"}, name="Teams")


def test_csv_starts_with_the_period_and_filters_as_comment_lines(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", sample())
    header, columns, rows = read_csv(path)
    assert header == ["Worthit export: Spend by team", "period: 2026-10-01 to 2026-10-31",
                      "workspace: Acme", "team: all", "currency: USD"]
    assert columns == ["Team", "Cost", "Share", "Requests", "Day", "On target"]
    assert [r["Team"] for r in rows] == ["devex", "'=HYPERLINK(\"http://evil\")",
                                        "# not a comment"]
    assert rows[0] == {"Team": "devex", "Cost": "41124.510000", "Share": "0.326000",
                       "Requests": "1200", "Day": "2026-10-03", "On target": "true"}
    assert rows[1]["Share"] == "" and rows[2]["Day"] == ""
    assert sum(float(r["Cost"]) for r in rows) == pytest.approx(41124.51 + 12.3456789,
                                                                abs=1e-5)


def test_a_data_line_never_passes_for_a_comment(tmp_path: Path) -> None:
    text = write_csv(tmp_path / "t.csv", sample()).read_text(encoding="utf-8-sig")
    assert '"# not a comment"' in text
    assert sum(line.startswith("# ") for line in text.splitlines()) == 5


def test_pandas_reads_the_csv_after_skipping_the_header_block(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", sample())
    frame = pd.read_csv(path, skiprows=5, encoding="utf-8-sig")
    assert list(frame.columns) == list(sample().columns)
    assert frame["Cost"].sum() == pytest.approx(sample().total("Cost"))


def test_xlsx_has_a_title_block_and_a_frozen_bold_header(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", sample())
    sheet = load_workbook(path).active
    assert sheet.title == "Teams"
    assert sheet["A1"].value == "Spend by team" and sheet["A1"].font.bold
    assert [sheet.cell(r, 1).value for r in range(2, 6)] == [
        "Period: 2026-10-01 to 2026-10-31", "Workspace: Acme", "Team: all", "Currency: USD"]
    header = [c.value for c in sheet[7]]
    assert header == list(sample().columns)
    assert all(c.font.bold for c in sheet[7])
    assert sheet.freeze_panes == "A8"
    assert sheet.auto_filter.ref == "A7:F10"


def test_xlsx_numbers_are_numbers_with_formats(tmp_path: Path) -> None:
    sheet = load_workbook(write_xlsx(tmp_path / "t.xlsx", sample())).active
    cost, share, requests, day, flag = (sheet.cell(8, c) for c in range(2, 7))
    assert cost.value == 41124.51 and cost.number_format == '"$"#,##0.00'
    assert share.value == 0.326 and share.number_format == "0.0%"
    assert requests.value == 1200 and requests.number_format == "#,##0"
    assert day.value.date() == dt.date(2026, 10, 3) and day.number_format == "yyyy-mm-dd"
    assert flag.value is True
    assert sum(sheet.cell(r, 2).value for r in range(8, 11)) == pytest.approx(
        sample().total("Cost"))


def test_xlsx_keeps_bill_text_as_text_never_a_formula(tmp_path: Path) -> None:
    sheet = load_workbook(write_xlsx(tmp_path / "t.xlsx", sample())).active
    cell = sheet["A9"]
    assert cell.value == '=HYPERLINK("http://evil")' and cell.data_type == "s"


def test_xlsx_columns_fit_their_contents(tmp_path: Path) -> None:
    table = Table.of("Wide", ["A", "Long text"], [(1234567.891, "x" * 30), (1.0, "y" * 500)],
                     formats={"A": "money"})
    sheet = load_workbook(write_xlsx(tmp_path / "t.xlsx", table)).active
    assert sheet.column_dimensions["A"].width >= len("$1,234,567.89")
    assert sheet.column_dimensions["B"].width == 60  # capped; the cell wraps
    assert sheet.cell(5, 2).alignment.wrap_text


def test_write_table_picks_the_format_by_suffix_and_takes_a_dataframe(tmp_path: Path) -> None:
    frame = pd.DataFrame({"team": ["a", "b"], "cost": [1.5, 2.25]})
    write_table(tmp_path / "f.CSV", frame)
    write_table(tmp_path / "f.xlsx", frame)
    _, columns, rows = read_csv(tmp_path / "f.CSV")
    assert columns == ["team", "cost"] and [r["cost"] for r in rows] == ["1.5", "2.25"]
    sheet = load_workbook(tmp_path / "f.xlsx").active
    assert [c.value for c in sheet[4]] == ["team", "cost"]
    assert [c.value for c in sheet[6]] == ["b", 2.25]
    with pytest.raises(UserError, match=r"\.csv or \.xlsx"):
        write_table(tmp_path / "f.json", frame)


def test_a_missing_folder_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        write_table(tmp_path / "nowhere" / "t.csv", sample())
    assert not (tmp_path / "nowhere").exists()


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    def half_then_fail(self: object, filename: str) -> None:
        Path(filename).write_bytes(b"PK half a file")
        raise OSError("disk full")

    path = tmp_path / "t.xlsx"
    path.write_bytes(b"previous")
    monkeypatch.setattr(openpyxl.Workbook, "save", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_xlsx(path, sample())
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_a_table_refuses_ragged_rows_and_unknown_formats() -> None:
    with pytest.raises(ValueError, match="row 1"):
        Table.of("T", ["a", "b"], [(1,)])
    with pytest.raises(ValueError, match="format"):
        Table.of("T", ["a"], [(1,)], formats={"a": "furlongs"})

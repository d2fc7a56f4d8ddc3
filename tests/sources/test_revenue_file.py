"""The revenue file (worthit.sources.revenue): ``month,customer,revenue[,currency]`` in
any order and case, read whole; every bad cell refused with its file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from worthit.core.errors import BadInput
from worthit.sources.revenue import RevenueRow, read_revenue_file
from worthit.store.revenue import Revenue


def write(tmp_path: Path, text: str, name: str = "revenue.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_columns_in_any_order_and_case_with_a_default_currency(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffCustomer, Revenue ,MONTH,Currency\n"
                           "acme,1200.50,2026-09,eur\n"
                           "\n"
                           '"Globex, Inc.",0,2026-09,\n'
                           "acme,1e3,2026-10,USD\n")
    rows = read_revenue_file(path, "NOK")
    assert rows == [RevenueRow("2026-09", "acme", 1200.5, "EUR"),
                    RevenueRow("2026-09", "Globex, Inc.", 0.0, "NOK"),
                    RevenueRow("2026-10", "acme", 1000.0, "USD")]
    # Field for field the store's row.
    assert Revenue(*rows[0]) == Revenue("2026-09", "acme", 1200.5, "EUR")


def test_without_a_currency_column_every_row_is_in_the_default(tmp_path: Path) -> None:
    rows = read_revenue_file(write(tmp_path, "month,customer,revenue\n2026-01,a,5\n"), "EUR")
    assert rows == [RevenueRow("2026-01", "a", 5.0, "EUR")]


@pytest.mark.parametrize(("text", "line", "column", "says"), [
    ("month,customer,revenue\n2026-13,a,5\n", 2, "month", "'2026-13' is not a month"),
    ("month,customer,revenue\n2026-1,a,5\n", 2, "month", "is not a month (YYYY-MM"),
    ("month,customer,revenue\n2026-09-01,a,5\n", 2, "month", "is not a month"),
    ("month,customer,revenue\n2026-09,a,5\n2026-09,,5\n", 3, "customer", "no customer"),
    ("month,customer,revenue\n2026-09,a,$5\n", 2, "revenue", "'$5' is not a number"),
    ("month,customer,revenue\n2026-09,a,-5\n", 2, "revenue", "zero or more"),
    ("month,customer,revenue\n2026-09,a,nan\n", 2, "revenue", "zero or more"),
    ("month,customer,revenue\n2026-09,a,inf\n", 2, "revenue", "zero or more"),
    ("month,customer,revenue\n2026-09,a,\n", 2, "revenue", "'' is not a number"),
    ("month,customer,revenue,currency\n2026-09,a,5,EURO\n", 2, "currency",
     "'EURO' is not an ISO 4217"),
    ("month,customer,revenue,currency\n2026-09,a,5,XYZ\n", 2, "currency", "ISO 4217"),
    ("month,customer,revenue\n2026-09,a,5\n2026-10,a,5\n2026-09,a,7\n", 4, "customer",
     "'a' has two revenues for 2026-09 (also on line 2)"),
])
def test_a_bad_cell_is_refused_with_its_line_and_column(
        tmp_path: Path, text: str, line: int, column: str, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(BadInput) as refused:
        read_revenue_file(path, "USD")
    error = refused.value
    assert (error.file, error.line, error.column) == (str(path), line, column)
    assert says in str(error)
    assert str(error).startswith(f"{path}, line {line}, column '{column}': ")


@pytest.mark.parametrize(("text", "line", "says"), [
    ("", 1, "the file is empty"),
    ("month,customer\n2026-09,a\n", 1, "the header lacks revenue"),
    ("month,customer,revenue,Month\n", 1, "are both the same column"),
    ("month,customer,revenue\n", 2, "no revenue rows"),
    ("month,customer,revenue\n2026-09,a\n", 2, "expected 3 fields, found 2"),
])
def test_a_bad_file_is_refused_whole(tmp_path: Path, text: str, line: int, says: str) -> None:
    with pytest.raises(BadInput, match=says) as refused:
        read_revenue_file(write(tmp_path, text), "USD")
    assert refused.value.line == line


def test_a_file_that_is_not_utf8_or_a_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("month,customer,revenue\n2026-09,Société,5\n".encode("latin-1"))
    with pytest.raises(BadInput, match="not UTF-8") as refused:
        read_revenue_file(path, "USD")
    assert refused.value.line == 2
    with pytest.raises(BadInput, match="is a folder"):
        read_revenue_file(tmp_path, "USD")

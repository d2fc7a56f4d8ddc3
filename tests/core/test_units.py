"""The unit counts file as a user writes it (any column order, header case, a BOM, units by
id or by name), every refusal naming the file, line and column; and prices per unit as
the page prints them. All-or-nothing import is checked through the CLI, in
``tests/cli/test_units_cli.py``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from worthit.core.errors import BadInput, UserError
from worthit.core.money import unit_money
from worthit.core.units import Count, Unit, read_counts_file

MINUS = "\u2212"
UNITS = [
    Unit("resolved-ticket", "Resolved ticket", "tickets resolved", ("support-assistant",)),
    Unit("1k-inferences", "1,000 inferences", "inferences, in thousands",
         ("recommendations",)),
]


def write(tmp_path: Path, text: str, *, name: str = "counts.csv",
          encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def refusal(path: Path) -> BadInput:
    with pytest.raises(BadInput) as caught:
        read_counts_file(path, UNITS)
    return caught.value


# -- a valid file -----------------------------------------------------------------------------


def test_a_valid_file_in_any_column_order_with_units_by_id_or_name(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "\ufeff Unit ,COUNT,Day\r\n"  # a BOM (Excel), padded and upper-case names, "day"
        "resolved-ticket,120,2026-01-05\r\n"
        "\r\n"
        "Resolved Ticket, 130.5 ,2026-01-06\r\n"  # a name, in another case; padded count
        ",,\r\n"  # an empty row is a blank line too
        "\"1,000 inferences\",0,2026-01-05\r\n"  # a name with a comma, quoted
        "1K-INFERENCES,2600,2026-01-06\r\n"
    ), encoding="utf-8")
    assert read_counts_file(path, UNITS) == [
        Count("resolved-ticket", dt.date(2026, 1, 5), 120.0),
        Count("resolved-ticket", dt.date(2026, 1, 6), 130.5),
        Count("1k-inferences", dt.date(2026, 1, 5), 0.0),
        Count("1k-inferences", dt.date(2026, 1, 6), 2600.0),
    ]


def test_the_usual_header_and_extra_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "date,unit,count,note\n2026-02-01,resolved-ticket,7,first day\n")
    assert read_counts_file(path, UNITS) == [
        Count("resolved-ticket", dt.date(2026, 2, 1), 7.0)]


def test_a_header_alone_gives_no_counts(tmp_path: Path) -> None:
    assert read_counts_file(write(tmp_path, "date,unit,count\n"), UNITS) == []


# -- refusals ---------------------------------------------------------------------------------


GOOD = "date,unit,count\n2026-01-05,resolved-ticket,120\n\n"  # the bad row is on line 4


@pytest.mark.parametrize(("row", "column", "words"), [
    ("2026-01-06,closed-ticket,5", "unit", "unknown unit 'closed-ticket'"),
    ("2026-13-01,resolved-ticket,5", "date", "'2026-13-01' is not a date"),
    ("1/2/2026,resolved-ticket,5", "date", "'1/2/2026' is not a date"),
    ("20260106,resolved-ticket,5", "date", "'20260106' is not a date"),
    ("2026-01-06,resolved-ticket,twelve", "count", "'twelve' is not a number"),
    ("2026-01-06,resolved-ticket,", "count", "'' is not a number"),
    ("2026-01-06,resolved-ticket,-1", "count", "'-1' must be a number of zero or more"),
    ("2026-01-06,resolved-ticket,inf", "count", "'inf' must be a number of zero or more"),
    ("2026-01-06,resolved-ticket,nan", "count", "'nan' must be a number of zero or more"),
    ("2026-01-06,resolved-ticket,-Infinity", "count", "must be a number of zero or more"),
], ids=["unknown-unit", "month-13", "slashes", "no-dashes", "word", "empty", "negative",
        "inf", "nan", "minus-infinity"])
def test_a_bad_row_is_refused_with_file_line_and_column(
    tmp_path: Path, row: str, column: str, words: str
) -> None:
    path = write(tmp_path, f"{GOOD}{row}\n2026-01-07,resolved-ticket,9\n")
    error = refusal(path)
    assert (error.file, error.line, error.column) == (str(path), 4, column)
    message = str(error)
    assert message.startswith(f"{path}, line 4, column '{column}': ")
    assert words in message


def test_an_unknown_unit_lists_the_known_ones(tmp_path: Path) -> None:
    message = str(refusal(write(tmp_path, "date,unit,count\n2026-01-05,tickets,1\n")))
    assert "resolved-ticket" in message and "1k-inferences" in message


def test_a_unit_counted_twice_on_a_day_names_both_lines(tmp_path: Path) -> None:
    # The second mention is by name: still the same unit, the same day.
    path = write(tmp_path, "date,unit,count\n"
                           "2026-01-05,resolved-ticket,120\n"
                           "2026-01-06,resolved-ticket,121\n"
                           "2026-01-05,1k-inferences,2600\n"
                           "\n"
                           "2026-01-06,Resolved ticket,122\n")
    error = refusal(path)
    assert (error.file, error.line, error.column) == (str(path), 6, "date")
    assert str(error).startswith(f"{path}, line 6, column 'date': ")
    assert "resolved-ticket is counted twice on 2026-01-06 (also on line 3)" in str(error)


@pytest.mark.parametrize(("header", "lacks"), [
    ("date,unit", "count"),
    ("day,units,count", "unit"),
    ("when,what,how many", "date, unit, count"),
])
def test_a_header_without_a_column_is_refused_on_line_one(
    tmp_path: Path, header: str, lacks: str
) -> None:
    path = write(tmp_path, f"{header}\n2026-01-05,resolved-ticket,120\n")
    error = refusal(path)
    assert (error.file, error.line) == (str(path), 1)
    assert str(error).startswith(f"{path}, line 1")
    assert f"the header lacks {lacks}" in str(error)


def test_a_short_row_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "date,unit,count\n2026-01-05,resolved-ticket,120\n"
                           "2026-01-06,resolved-ticket\n")
    error = refusal(path)
    assert (error.file, error.line) == (str(path), 3)
    assert str(error).startswith(f"{path}, line 3")
    assert "expected 3 fields, found 2" in str(error)


@pytest.mark.parametrize("text", ["", "\ufeff"], ids=["empty", "bom-only"])
def test_an_empty_file_is_refused(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    error = refusal(path)
    assert (error.file, error.line) == (str(path), 1)
    assert str(error).startswith(f"{path}, line 1: the file is empty")


def test_a_missing_or_unreadable_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read"):
        read_counts_file(tmp_path / "missing.csv", UNITS)
    latin = write(tmp_path, "date,unit,count\n2026-01-05,résolu,1\n", encoding="latin-1")
    with pytest.raises(UserError, match="cannot read"):
        read_counts_file(latin, UNITS)


# -- prices per unit --------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "signed", "text"), [
    (0.0724, False, "$0.0724"),
    (0.07244, False, "$0.0724"),
    (0.07246, False, "$0.0725"),
    (1.25, False, "$1.25"),
    (0.99996, False, "$1.00"),  # rounds to a dollar: cents, not "$1.0000"
    (1234.5, False, "$1,234.50"),
    (-0.0003, False, f"{MINUS}$0.0003"),
    (-0.0003, True, f"{MINUS}$0.0003"),
    (0.0006, True, "+$0.0006"),
    (1.5, True, "+$1.50"),
    (0.0, False, "$0.0000"),
    (0.0, True, "$0.0000"),
    (-0.00001, False, "$0.0000"),  # no "−$0.0000"
    (-0.00001, True, "$0.0000"),
    (0.00001, True, "$0.0000"),  # no "+$0.0000"
])
def test_unit_money(value: float, signed: bool, text: str) -> None:
    assert unit_money(value, signed=signed) == text


def test_unit_money_in_other_currencies() -> None:
    assert unit_money(0.05, "EUR") == "€0.0500"
    assert unit_money(-2.5, "CHF") == f"{MINUS}2.50 CHF"

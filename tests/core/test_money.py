"""Money, counts and percentages as a manager reads them: whole dollars from $1,000, cents
below, a true minus sign (U+2212) for negatives, and no "−$0"."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from worthit.core.money import count_short, money, money_short, percent

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "$0.00"),
        (0.5, "$0.50"),
        (12.34, "$12.34"),
        (999.99, "$999.99"),
        (999.994, "$999.99"),
        (1000, "$1,000"),
        (1000.4, "$1,000"),
        (125_386.4, "$125,386"),
        (1_234_567.89, "$1,234,568"),
        (-5, f"{MINUS}$5.00"),
        (-1234.5, f"{MINUS}$1,234"),
        (-0.005, f"{MINUS}$0.01"),
    ],
)
def test_money(value: float, text: str) -> None:
    assert money(value) == text


def test_money_in_other_currencies() -> None:
    assert money(12.5, "EUR") == "€12.50"
    assert money(-2000, "GBP") == f"{MINUS}£2,000"
    assert money(12.5, "CHF") == "12.50 CHF"  # no symbol: the code follows
    assert money(-12.5, "CHF") == f"{MINUS}12.50 CHF"


def test_money_cents_can_be_forced_either_way() -> None:
    assert money(1234.567, cents=True) == "$1,234.57"
    assert money(12.3, cents=False) == "$12"


@pytest.mark.parametrize(
    "text",
    [money(-3.5), money(-3500), money_short(-2500), percent(-0.25),
     percent(-0.25, signed=True)],
    ids=["money", "money-whole", "money_short", "percent", "percent-signed"],
)
def test_negatives_use_a_true_minus(text: str) -> None:
    assert "-" not in text
    assert text.startswith(MINUS)


def test_negative_counts_use_a_true_minus_too() -> None:
    assert count_short(-1500) == f"{MINUS}1.5k"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (money(-0.004), "$0.00"),
        (money(-0.4, cents=False), "$0"),
        (money_short(-0.4), "$0"),
        (percent(-0.00001, signed=True), "+0.0 %"),
    ],
    ids=["money", "money-whole", "money_short", "percent-signed"],
)
def test_a_negative_amount_that_rounds_to_zero_has_no_sign(text: str, expected: str) -> None:
    assert text == expected


def test_just_below_1000_rounds_to_whole_dollars() -> None:
    """$999.995 shows as $1,000.00 today: cents beside a four-digit figure, unlike every
    other figure from $1,000 up."""
    assert money(999.995) == "$1,000"
    assert money(-999.999) == f"{MINUS}$1,000"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
@example(999.995)
def test_money_reads_back_as_the_value(value: float) -> None:
    text = money(value)
    number = float(text.replace(MINUS, "-").replace("$", "").replace(",", ""))
    digits = text.split("$")[1]
    whole = "." not in digits
    assert number == pytest.approx(value, abs=0.5 if whole else 0.005 + 1e-9 * abs(value))
    assert whole == (abs(number) >= 1000), text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "$0"),
        (950, "$950"),
        (999.4, "$999"),
        (1000, "$1.0k"),
        (1234, "$1.2k"),
        (99_940, "$99.9k"),
        (100_000, "$100k"),
        (125_000, "$125k"),
        (999_400, "$999k"),
        (1_000_000, "$1.0M"),
        (1_250_000, "$1.2M"),
        (2e9, "$2.0B"),
        (-2500, f"{MINUS}$2.5k"),
    ],
)
def test_money_short(value: float, text: str) -> None:
    assert money_short(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (999.6, "$1.0k"),  # not "$1000"
        (99_960, "$100k"),  # not "$100.0k"
        (999_600, "$1.0M"),  # not "$1000k"
        (999_999_999, "$1.0B"),  # not "$1000M"
    ],
)
def test_money_short_moves_up_a_unit_when_rounding_reaches_it(value: float, text: str) -> None:
    assert money_short(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (950, "950"),
        (1500, "1.5k"),
        (21_700_000, "21.7M"),
        (43_700_000_000, "43.7B"),
        (2e12, "2.0T"),
        (250e12, "250T"),
        (999.6, "1.0k"),
        (999_999, "1.0M"),
    ],
)
def test_count_short(value: float, text: str) -> None:
    assert count_short(value) == text


@pytest.mark.parametrize(
    ("value", "signed", "digits", "text"),
    [
        (None, False, 1, "–"),
        (0.1234, False, 1, "12.3 %"),
        (1.5, False, 1, "150.0 %"),
        (0.05, True, 1, "+5.0 %"),
        (-0.5, False, 1, f"{MINUS}50.0 %"),
        (-0.123, True, 0, f"{MINUS}12 %"),
        (0.0, True, 1, "+0.0 %"),
    ],
)
def test_percent(value: float | None, signed: bool, digits: int, text: str) -> None:
    assert percent(value, signed=signed, digits=digits) == text

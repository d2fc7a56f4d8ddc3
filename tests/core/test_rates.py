"""Exchange rates: the two files as users get them (a simple CSV, the ECB's reference rates
as published), every refusal naming file, line and column; the rate of a day or the latest
before it, direct, inverse or crossed; and conversion checked against a plain computation
per amount. Storing them is ``tests/store/test_rates_store.py``, the verbs
``tests/cli/test_rates_cli.py``."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import worthit.core.rates
from worthit.core.days import day_number
from worthit.core.errors import BadInput, UserError
from worthit.core.rate_files import Rate, parse_rates, read_rates_file
from worthit.core.rates import MissingRate, MissingRates, RateTable

D = dt.date
N = day_number

# The ECB's history as published: newest first, rates per 1 EUR, N/A where a currency was
# not quoted that day (CYP after the euro came, ISK after 2008), a trailing comma on every
# line. Monday 5 January 2026 back to Wednesday 31 December 2025 (no rates on 1 January).
ECB_HISTORY = """\
Date,USD,JPY,BGN,CYP,CZK,GBP,ISK,NOK,SEK,
2026-01-05,1.1712,183.54,1.9558,N/A,24.284,0.86850,N/A,11.8115,10.7820,
2026-01-02,1.1708,183.77,1.9558,N/A,24.255,0.87015,N/A,11.7910,10.7850,
2025-12-31,1.1750,184.20,1.9558,N/A,24.300,0.87300,N/A,11.8400,10.8100,
"""
# The single day's file: a space after each comma, the day written out.
ECB_DAY = ("Date, USD, JPY, BGN, CZK, GBP, NOK, SEK, \n"
           "06 January 2026, 1.1720, 183.10, 1.9558, 24.310, 0.86900, 11.8000, 10.7700, \n")


def write(tmp_path: Path, text: str, name: str = "rates.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def refusal(tmp_path: Path, text: str, name: str = "rates.csv") -> BadInput:
    path = write(tmp_path, text, name)
    with pytest.raises(BadInput) as caught:
        read_rates_file(path)
    assert str(path) in str(caught.value)
    return caught.value


# -- the ECB's files --------------------------------------------------------------------------


def test_the_ecb_history_reads_as_published(tmp_path: Path) -> None:
    read = read_rates_file(write(tmp_path, ECB_HISTORY, "eurofxref-hist.csv"))
    assert read.kind == "ecb"
    assert read.source == "eurofxref-hist.csv"  # the file's name when no --source
    assert len(read.rates) == 3 * 7  # CYP and ISK: N/A every day
    assert read.days == (D(2025, 12, 31), D(2026, 1, 5))
    assert {r.from_currency for r in read.rates} == {"EUR"}
    assert {r.to_currency for r in read.rates} == {"USD", "JPY", "BGN", "CZK", "GBP", "NOK",
                                                  "SEK"}
    assert Rate(D(2026, 1, 2), "EUR", "GBP", 0.87015, "eurofxref-hist.csv") in read.rates
    assert Rate(D(2026, 1, 5), "EUR", "SEK", 10.782, "eurofxref-hist.csv") in read.rates


def test_the_ecb_single_day_file_and_a_source_name(tmp_path: Path) -> None:
    read = read_rates_file(write(tmp_path, ECB_DAY, "eurofxref.csv"), source=" ECB ")
    assert read.kind == "ecb"
    assert read.days == (D(2026, 1, 6), D(2026, 1, 6))
    assert Rate(D(2026, 1, 6), "EUR", "NOK", 11.8, "ECB") in read.rates
    assert len(read.rates) == 7


def test_the_ecb_zip_is_read_inside(tmp_path: Path) -> None:
    path = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", ECB_HISTORY)
    read = read_rates_file(path)
    assert read.source == "eurofxref-hist.zip" and len(read.rates) == 21
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", ECB_HISTORY)
        archive.writestr("b.csv", ECB_HISTORY)
    with pytest.raises(BadInput, match=r"one \.csv file"):
        read_rates_file(path)


@pytest.mark.parametrize(("text", "line", "column", "problem"), [
    (ECB_HISTORY.replace("24.255", "24,255"), 3, None, "10 values for 9 currencies"),
    (ECB_HISTORY.replace("0.87015", "0.87O15"), 3, "GBP", "'0.87O15' is not a number"),
    (ECB_HISTORY.replace("11.8400", "-11.84"), 4, "NOK", "'-11.84' is not a number above 0"),
    (ECB_HISTORY.replace("10.7850", "0"), 3, "SEK", "'0' is not a number above 0"),
    (ECB_HISTORY.replace("2026-01-02", "2026-01-32"), 3, "Date", "'2026-01-32' is not a date"),
    (ECB_HISTORY.replace("2026-01-02", "2026-01-05"), 3, "Date", "listed twice (also on line 2)"),
    (ECB_HISTORY.replace(",ISK,", ",XYZ,"), 1, "XYZ", "'XYZ' is not a currency code"),
    (ECB_HISTORY.replace(",SEK,", ",USD,"), 1, "USD", "USD heads two columns"),
    (ECB_HISTORY.replace(",10.8100,", ""), 4, None, "is the file cut short?"),
    (ECB_DAY.replace("06 January", "06 Janvier"), 2, "Date", "not a date"),
])  # fmt: skip
def test_a_bad_ecb_cell_is_refused_with_its_line_and_column(
        tmp_path: Path, text: str, line: int, column: str | None, problem: str) -> None:
    error = refusal(tmp_path, text, "eurofxref-hist.csv")
    assert (error.line, error.column) == (line, column)
    assert problem in str(error)
    assert f"line {line}" in str(error)
    if column:
        assert f"column {column!r}" in str(error)


# -- the simple file --------------------------------------------------------------------------


def test_the_simple_file_in_any_column_order_and_case(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_bytes("\ufeffRate,To,From,Date,note\n"
                     "10.5,nok,usd,2026-01-02,reseller\n"
                     "\n"
                     "0.85,EUR,USD,2026-01-02,\n"
                     "1e-2,USD,JPY,2026-01-03,\n".encode())
    read = read_rates_file(path, source="contract")
    assert read.kind == "csv"
    assert read.rates == (Rate(D(2026, 1, 2), "USD", "NOK", 10.5, "contract"),
                          Rate(D(2026, 1, 2), "USD", "EUR", 0.85, "contract"),
                          Rate(D(2026, 1, 3), "JPY", "USD", 0.01, "contract"))
    assert read.pairs == [("JPY", "USD"), ("USD", "EUR"), ("USD", "NOK")]


GOOD = "date,from,to,rate\n2026-01-02,USD,EUR,0.85\n"


@pytest.mark.parametrize(("row", "column", "problem"), [
    ("2026-01-03,USD,EUR,abc", "rate", "'abc' is not a number above 0"),
    ("2026-01-03,USD,EUR,0", "rate", "not a number above 0"),
    ("2026-01-03,USD,EUR,-0.9", "rate", "not a number above 0"),
    ("2026-01-03,USD,EUR,inf", "rate", "not a number above 0"),
    ("2026-01-03,USD,EUR,nan", "rate", "not a number above 0"),
    ("2026-01-03,USD,EUR,", "rate", "not a number above 0"),
    ("03/01/2026,USD,EUR,0.85", "date", "not a date of the form YYYY-MM-DD"),
    ("2026-01-03,US$,EUR,0.85", "from", "'US$' is not an ISO 4217 currency code"),
    ("2026-01-03,USD,EURO,0.85", "to", "'EURO' is not an ISO 4217 currency code"),
    ("2026-01-03,USD,USD,1", "to", "from USD to USD is always 1"),
    ("2026-01-02,USD,EUR,0.86", "date", "a second USD→EUR rate on 2026-01-02 (the first is "
                                        "on line 2)"),
])  # fmt: skip
def test_a_bad_simple_cell_is_refused_with_its_line_and_column(
        tmp_path: Path, row: str, column: str, problem: str) -> None:
    error = refusal(tmp_path, GOOD + row + "\n")
    assert (error.line, error.column) == (3, column)
    assert problem in str(error)
    assert f"line 3, column {column!r}" in str(error)


def test_the_line_named_is_the_one_an_editor_shows(tmp_path: Path) -> None:
    error = refusal(tmp_path, 'date,from,to,rate,note\n2026-01-02,USD,EUR,0.85,"two\n'
                              'lines"\n\n2026-01-03,USD,EUR,x,\n')
    assert (error.line, error.column) == (5, "rate")


@pytest.mark.parametrize(("text", "problem"), [
    ("", "the file is empty"),
    ("date,from,to\n2026-01-02,USD,EUR\n", "the header lacks rate"),
    ("day,currency,value\n2026-01-02,USD,1\n", "neither date,from,to,rate nor the ECB's"),
    ("date,from,to,rate\n", "holds no rates"),
    ("Date,USD,JPY,\n2026-01-02,N/A,N/A,\n", "holds no rates"),
    (GOOD + "2026-01-03,USD\n", "expected 4 fields, found 2"),
])
def test_a_file_that_is_not_rates_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    assert problem in str(refusal(tmp_path, text))


def test_a_missing_file_is_said_in_words(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"cannot read .*nothing\.csv"):
        read_rates_file(tmp_path / "nothing.csv")


# -- the rate of a day ------------------------------------------------------------------------


def ecb_table(tmp_path: Path) -> RateTable:
    return RateTable.from_rates(parse_rates(ECB_HISTORY, file="h.csv", source="ECB").rates)


def test_the_rate_of_the_day_or_the_latest_before_it(tmp_path: Path) -> None:
    table = ecb_table(tmp_path)
    assert table.rate("EUR", "USD", D(2026, 1, 2)) == 1.1708
    assert table.rate("EUR", "USD", D(2026, 1, 1)) == 1.1750  # a holiday: the day before
    assert table.rate("EUR", "USD", D(2026, 1, 4)) == 1.1708  # Sunday: Friday's
    assert table.rate("EUR", "USD", D(2026, 3, 1)) == 1.1712  # the latest known
    assert table.rate("EUR", "USD", D(2025, 12, 30)) is None  # nothing on or before
    assert table.rate("EUR", "CYP", D(2026, 1, 2)) is None  # N/A every day
    assert table.rate("USD", "USD", D(1999, 1, 1)) == 1.0
    quote = table.quote("EUR", "USD", N(D(2026, 1, 4)))
    assert quote is not None
    assert (quote.how, quote.date, quote.sources) == ("direct", D(2026, 1, 2), ("ECB",))
    assert str(quote) == "the rate of 2026-01-02 (ECB)"


def test_inverse_and_cross_rates(tmp_path: Path) -> None:
    table = ecb_table(tmp_path)
    day = D(2026, 1, 2)
    assert table.rate("USD", "EUR", day) == pytest.approx(1 / 1.1708, rel=1e-15)
    # USD→NOK through EUR: (EUR→NOK) / (EUR→USD), as the ECB itself says to cross.
    assert table.rate("USD", "NOK", day) == 11.7910 / 1.1708
    assert table.rate("NOK", "USD", day) == 1.1708 / 11.7910
    quote = table.quote("GBP", "SEK", day)
    assert quote is not None and (quote.how, quote.via) == ("cross", "EUR")
    assert str(quote) == "the rate of 2026-01-02 (ECB, through EUR)"
    assert table.rate("USD", "CYP", day) is None  # no leg to CYP


def test_a_cross_rate_is_as_old_as_its_older_leg_and_the_freshest_pivot_wins() -> None:
    table = RateTable([
        (N(D(2026, 1, 1)), "EUR", "NOK", 11.0, "ECB"),
        (N(D(2026, 1, 5)), "EUR", "NOK", 11.5, "ECB"),
        (N(D(2026, 1, 2)), "EUR", "USD", 1.2, "ECB"),
        (N(D(2026, 1, 3)), "GBP", "USD", 1.3, "bank"),
        (N(D(2026, 1, 3)), "GBP", "NOK", 13.0, "bank"),
    ])
    quote = table.quote("USD", "NOK", D(2026, 1, 4))
    assert quote is not None  # through GBP (both legs of the 3rd) beats EUR (the 1st)
    assert (quote.via, quote.date, quote.rate) == ("GBP", D(2026, 1, 3), 13.0 / 1.3)
    assert quote.sources == ("bank",)
    quote = table.quote("USD", "NOK", D(2026, 1, 2))
    assert quote is not None and (quote.via, quote.rate) == ("EUR", 11.0 / 1.2)
    later = table.quote("USD", "NOK", D(2026, 1, 5))  # EUR's legs: the 2nd and the 5th
    assert later is not None and (later.via, later.date) == ("GBP", D(2026, 1, 3))


def test_pivots_as_fresh_as_each_other_cross_through_the_first_alphabetically() -> None:
    day = N(D(2026, 1, 2))
    table = RateTable([(day, "GBP", "USD", 1.3, "bank"), (day, "GBP", "NOK", 13.0, "bank"),
                       (day, "EUR", "USD", 1.2, "ECB"), (day, "EUR", "NOK", 11.0, "ECB")])
    quote = table.quote("USD", "NOK", day)
    assert quote is not None and (quote.via, quote.rate) == ("EUR", 11.0 / 1.2)


def test_a_pairs_own_rate_comes_before_the_inverse_and_a_cross() -> None:
    table = RateTable([
        (N(D(2026, 1, 1)), "USD", "EUR", 0.9, "contract"),
        (N(D(2026, 1, 3)), "EUR", "USD", 1.25, "ECB"),
        (N(D(2026, 1, 3)), "EUR", "NOK", 11.0, "ECB"),
        (N(D(2026, 1, 3)), "USD", "NOK", 10.0, "bank"),
    ])
    assert table.rate("USD", "EUR", D(2026, 1, 4)) == 0.9  # its own, though older
    assert table.rate("EUR", "USD", D(2026, 1, 2)) == 1 / 0.9  # no own rate yet: inverse
    assert table.rate("EUR", "USD", D(2026, 1, 3)) == 1.25
    assert table.rate("NOK", "USD", D(2026, 1, 3)) == 1 / 10.0  # inverse before any cross


def test_rows_that_are_not_rates_are_a_bug() -> None:
    with pytest.raises(ValueError, match=r"a second rate: USD→EUR 0\.8 on day 1"):
        RateTable([(1, "USD", "EUR", 0.9, "a"), (1, "USD", "EUR", 0.8, "b")])
    with pytest.raises(ValueError, match=r"not a rate: USD→EUR 0\.0 on day 1"):
        RateTable([(1, "USD", "EUR", 0.0, "a")])


# -- conversion -------------------------------------------------------------------------------


def test_convert_names_each_missing_pair_with_its_days(tmp_path: Path) -> None:
    table = ecb_table(tmp_path)
    days = np.array([N(D(2026, 1, d)) for d in (2, 3, 31, 2, 2, 4, 5, 9)])
    currencies = np.array(["EUR", "EUR", "EUR", "CHF", None, None, "CHF", "NOK"], object)
    amounts = np.array([100.0, 50.0, 10.0, 7.0, 0.0, 3.0, 0.0, 117.91])
    converted = table.convert(amounts, currencies, days, "USD")
    assert converted.values[:3].tolist() == [100 * 1.1708, 50 * 1.1708, 10 * 1.1712]
    assert math.isnan(converted.values[3]) and math.isnan(converted.values[5])
    assert converted.values[4] == 0.0 and converted.values[6] == 0.0  # zero is zero anywhere
    assert converted.values[7] == pytest.approx(117.91 * 1.1712 / 11.8115, rel=1e-12)
    assert converted.missing == (
        MissingRate("CHF", "USD", N(D(2026, 1, 2)), N(D(2026, 1, 2)), 1),
        MissingRate(None, "USD", N(D(2026, 1, 4)), N(D(2026, 1, 4)), 1),
    )
    assert str(converted.missing[0]) == "no CHF→USD rate on or before 2026-01-02"
    assert not converted.complete
    with pytest.raises(MissingRates, match=r"no CHF→USD rate on or before 2026-01-02; "
                                           r"amounts in no currency on 2026-01-04"):
        converted.total()

    early = table.convert(np.array([1.0, 2.0, 4.0]), np.array(["NOK", "NOK", "NOK"]),
                          np.array([N(D(2025, 12, 1)), N(D(2025, 12, 20)), N(D(2026, 1, 2))]),
                          "USD")
    (gap,) = early.missing
    assert str(gap) == "no NOK→USD rate on or before 2025-12-01 … 2025-12-20"
    assert gap.days == 2
    assert early.values[2] == 4.0 * 1.1708 / 11.7910


def test_the_rate_used_per_currency_and_day_is_told(tmp_path: Path) -> None:
    table = ecb_table(tmp_path)
    converted = table.convert(np.array([1.0, 2.0, 3.0, 4.0]),
                              np.array(["NOK", "NOK", "USD", "EUR"]),
                              np.array([N(D(2026, 1, 3)), N(D(2026, 1, 5)), N(D(2026, 1, 3)),
                                        N(D(2026, 1, 1))]), "USD")
    assert converted.complete
    assert converted.total() == pytest.approx(1.1708 / 11.7910 + 2 * 1.1712 / 11.8115 + 3
                                              + 4 * 1.1750, rel=1e-12)
    used = converted.used()
    assert set(used) == {("NOK", N(D(2026, 1, 3))), ("NOK", N(D(2026, 1, 5))),
                         ("USD", N(D(2026, 1, 3))), ("EUR", N(D(2026, 1, 1)))}
    assert str(used["NOK", N(D(2026, 1, 3))]) == "the rate of 2026-01-02 (ECB, through EUR)"
    assert str(used["EUR", N(D(2026, 1, 1))]) == "the rate of 2025-12-31 (ECB)"
    assert str(used["USD", N(D(2026, 1, 3))]) == "no conversion (already USD)"
    assert converted.quote("NOK", D(2026, 1, 5)) == used["NOK", N(D(2026, 1, 5))]


def test_every_way_of_giving_currencies_converts_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = ecb_table(tmp_path)
    rng = np.random.default_rng(7)
    names = ["USD", "EUR", "NOK", None, "CHF", "EUR"]
    keys = rng.integers(0, len(names), 2_000)
    days = rng.integers(N(D(2025, 12, 20)), N(D(2026, 1, 10)), 2_000)
    amounts = rng.normal(100, 50, 2_000).round(2)
    amounts[::17] = 0
    as_objects = np.array([names[k] for k in keys], object)
    as_text = np.array([names[k] or "" for k in keys])
    runs = [table.convert(amounts, as_objects, days, "NOK"),
            table.convert(amounts, as_text, days, "NOK"),
            table.convert(amounts, as_text.astype("S"), days, "NOK"),
            table.convert(amounts, keys, days, "NOK", names=names)]
    monkeypatch.setattr(worthit.core.rates, "_DENSE_CELLS", 0)  # only the cells used
    runs.append(table.convert(amounts, as_objects, days.astype(np.int32), "NOK"))
    first = runs[0]
    # EUR and USD before the 31st, CHF every day, and amounts in no currency.
    assert [m.from_currency for m in first.missing] == ["CHF", "EUR", "USD", None]
    for other in runs[1:]:
        np.testing.assert_array_equal(other.values, first.values)
        assert other.missing == first.missing
        assert other.used() == first.used()


def test_many_distinct_currencies_are_coded_alike_as_text_and_objects(tmp_path: Path) -> None:
    table = ecb_table(tmp_path)
    codes = [f"Z{i:02d}" for i in range(80)] + ["EUR", "USD"]  # past the 64 found one by one
    picked = np.random.default_rng(3).integers(0, len(codes), 5_000)
    text = np.array(codes)[picked]
    amounts = np.ones(5_000)
    days = np.full(5_000, N(D(2026, 1, 2)))
    as_text = table.convert(amounts, text, days, "USD")
    as_objects = table.convert(amounts, text.astype(object), days, "USD")
    np.testing.assert_array_equal(as_text.values, as_objects.values)
    assert as_text.missing == as_objects.missing
    assert [m.from_currency for m in as_text.missing] == codes[:80]
    assert set(as_text.values[text == "EUR"]) == {1.1708}


def test_bad_arguments_are_refused() -> None:
    table = RateTable([])
    with pytest.raises(UserError, match="'usd' is not a currency code"):
        table.convert(np.zeros(1), np.array(["USD"]), np.zeros(1, np.int64), "usd")
    with pytest.raises(ValueError, match="integer days"):
        table.convert(np.zeros(1), np.array(["USD"]), np.zeros(1), "USD")
    with pytest.raises(ValueError, match="one currency per amount"):
        table.convert(np.zeros(2), np.array(["USD"]), np.zeros(2, np.int64), "USD")
    empty = table.convert(np.zeros(0), np.array([], object), np.zeros(0, np.int64), "USD")
    assert empty.values.size == 0 and empty.complete and empty.total() == 0


# -- the property: convert equals the rates applied one amount at a time ------------------------

CODES = ("EUR", "USD", "NOK", "GBP")


def reference_rate(rows: list[tuple[int, str, str, float, str]], start: str, end: str,
                   day: int) -> float | None:
    """The rules written plainly: own pair, else inverse, else the pivot whose older leg is
    the most recent (the first alphabetically on a tie)."""
    if start == end:
        return 1.0

    def leg(a: str, b: str) -> tuple[int, float] | None:
        own = [(d, r) for d, x, y, r, _ in rows if (x, y) == (a, b) and d <= day]
        if own:
            return max(own)
        back = [(d, r) for d, x, y, r, _ in rows if (x, y) == (b, a) and d <= day]
        return (max(back)[0], 1 / max(back)[1]) if back else None

    if (own := leg(start, end)) is not None:
        return own[1]
    best: tuple[int, float] | None = None
    for pivot in sorted({c for _, x, y, _, _ in rows for c in (x, y)} - {start, end}):
        first, second = leg(start, pivot), leg(pivot, end)
        if first and second and (best is None or min(first[0], second[0]) > best[0]):
            best = (min(first[0], second[0]), first[1] * second[1])
    return None if best is None else best[1]


rate_rows = st.lists(
    st.tuples(st.integers(0, 20), st.sampled_from(CODES), st.sampled_from(CODES),
              st.floats(0.001, 1000)).filter(lambda r: r[1] != r[2]),
    max_size=25, unique_by=lambda r: (r[0], r[1], r[2]))
amount_rows = st.lists(
    st.tuples(st.one_of(st.just(0.0), st.floats(-1e6, 1e6)),
              st.sampled_from((*CODES, "JPY", None)), st.integers(-3, 25)),
    max_size=40)


@given(rate_rows, amount_rows, st.sampled_from(CODES))
def test_convert_equals_each_amount_at_its_own_rate(
        rates: list[tuple[int, str, str, float]],
        amounts: list[tuple[float, str | None, int]], to: str) -> None:
    rows = [(d, a, b, r, "s") for d, a, b, r in rates]
    table = RateTable(rows)
    converted = table.convert(np.array([a for a, _, _ in amounts], np.float64),
                              np.array([c for _, c, _ in amounts], object),
                              np.array([d for _, _, d in amounts], np.int64), to)
    lacking: dict[str | None, list[int]] = {}
    for (amount, currency, day), value in zip(amounts, converted.values, strict=True):
        rate = None if currency is None else reference_rate(rows, currency, to, day)
        if amount == 0:
            assert value == 0
        elif rate is None:
            assert math.isnan(value)
            lacking.setdefault(currency, []).append(day)
        else:
            assert value == pytest.approx(amount * rate, rel=1e-9)
    assert {(m.from_currency, m.first_day, m.last_day, m.days) for m in converted.missing} == {
        (c, min(d), max(d), len(set(d))) for c, d in lacking.items()}

    same = table.convert(np.array([a for a, _, _ in amounts], np.float64),
                         np.array([to] * len(amounts)),
                         np.array([d for _, _, d in amounts], np.int64), to)
    assert same.values.tolist() == [a for a, _, _ in amounts] and same.complete

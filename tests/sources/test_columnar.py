"""Rows of sums made into charges by column (worthit.sources.columnar) against the CUR's own
mapper made to map them one by one (``_Described.charge``, what the line reader uses): the
same charges to the bit, None and integer tokens included, and the same commitments noted,
for every kind of line a CUR holds and with any of its optional sums missing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.core.days import day_number_of
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.sources import aws_cur
from worthit.sources.columnar import ByColumn
from worthit.sources.commitment_terms import Stated

SP = "arn:aws:savingsplans::123456789012:savingsplan/5f6e"
RI = "arn:aws:ec2:us-east-1:123456789012:reserved-instances/7a8b"
#: (line item type, product code, usage type, pricing unit, savings plan, reservation)
KINDS = (
    ("Usage", "AmazonEC2", "BoxUsage:m6i.large", "Hrs", "", ""),
    ("Usage", "AmazonBedrock", "USE1-NovaMicro-input-tokens", "1K tokens", "", ""),
    ("Usage", "AmazonBedrock", "USE1-NovaMicro-output-tokens-batch", "1M tokens", "", ""),
    ("Usage", "AmazonBedrock", "USE1-Claude3Haiku-cache-read-input-token-count", "tokens", "",
     ""),
    ("Usage", "AmazonBedrock", "USE1-Nova2.0Lite-ProvisionedThroughput-1Month-ModelUnits",
     "Hrs", "", ""),
    ("SavingsPlanCoveredUsage", "AmazonEC2", "BoxUsage:g5.xlarge", "Hrs", SP, ""),
    ("SavingsPlanNegation", "AmazonEC2", "BoxUsage:g5.xlarge", "Hrs", SP, ""),
    ("SavingsPlanRecurringFee", "ComputeSavingsPlans", "ComputeSP:1yrNoUpfront", "", SP, ""),
    ("SavingsPlanUpfrontFee", "ComputeSavingsPlans", "ComputeSP:1yrAllUpfront", "", SP, ""),
    ("DiscountedUsage", "AmazonEC2", "BoxUsage:r6i.large", "Hrs", "", RI),
    ("RIFee", "AmazonEC2", "HeavyUsage:r6i.large", "Hrs", "", RI),
    ("Fee", "AmazonEC2", "HeavyUsage:r6i.large", "", "", RI),
    ("Tax", "AmazonEC2", "", "", "", ""),
    ("Credit", "AmazonS3", "", "", "", ""),
)
#: The sums a CUR may lack (the billed cost's column it never does).
OPTIONAL = tuple(k for k in aws_cur.SUMS if k not in ("lineitemunblendedcost",))
DAYS = ("2025-03-01", "2025-03-02", "2025-03-31")
#: A sum as DuckDB hands it over: missing, zero of either sign, or any finite number.
SUM = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 0.5, 2.5, -1.5]),
                st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False))


def header(optional: list[str]) -> list[str]:
    """A CUR header of the text cells, the billed cost and ``optional`` sums (each named
    by its key, which is a name the CUR reader takes)."""
    return ["lineitemusagestartdate", "lineitemunblendedcost", *aws_cur.TEXT, *optional]


def cells(layout: Any, names: list[str], kind: tuple[str, ...]) -> tuple[str, ...]:
    line_type, code, usage_type, unit, plan, reservation = kind
    given = {"lineitemlineitemtype": line_type, "lineitemproductcode": code,
             "lineitemusagetype": usage_type, "pricingunit": unit, "lineitemcurrencycode": "USD",
             "savingsplansavingsplanarn": plan, "reservationreservationarn": reservation,
             "billpayeraccountid": "123456789012", "lineitemresourceid": "r-1"}
    return tuple(given.get(names[i], "") for i in layout.text)


def same(a: Any, b: Any) -> bool:
    """Equal to the bit, and of one type (a token count an int, a cost a float)."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a.hex() == b.hex()
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None)
@given(optional=st.lists(st.sampled_from(OPTIONAL), unique=True),
       rows=st.lists(st.tuples(st.integers(0, len(KINDS) - 1), st.sampled_from(DAYS),
                               st.lists(SUM, min_size=len(aws_cur.SUMS),
                                        max_size=len(aws_cur.SUMS))),
                     min_size=1, max_size=40))
def test_charges_by_column_are_the_mappers_to_the_bit(
        optional: list[str], rows: list[tuple[int, str, list[float | None]]]) -> None:
    names = header(optional)
    by_row_notes, by_column_notes = Stated(), Stated()
    by_row = aws_cur.layout(names, "cur.csv", notes=by_row_notes)
    by_column = aws_cur.layout(names, "cur.csv", notes=by_column_notes)
    width = len(by_row.sums)
    # The row's sums in the layout's order: the billed cost is never None in a day's sum.
    given = [(kind, day, [(0.0 if sums[0] is None else sums[0]) if i == 0 else sums[i]
                          for i in range(width)]) for kind, day, sums in rows]

    expected = []
    for kind, day, sums in given:
        described = by_row.group(cells(by_row, names, KINDS[kind])).described  # type: ignore[union-attr]
        amounts = [sums[p] if p < width else None
                   for p in by_row.group(cells(by_row, names, KINDS[kind])).places]  # type: ignore[union-attr]
        expected.append(described.charge(day, *amounts))

    # The combinations the rows hold, as a file's are: each noting its terms once made.
    held = list(dict.fromkeys(kind for kind, _, _ in given))
    combinations = [by_column.group(cells(by_column, names, KINDS[k])) for k in held]  # type: ignore[misc]
    charges = ByColumn(combinations).charges(
        np.array([held.index(kind) for kind, _, _ in given], dtype=np.intp),
        np.array([day_number_of(day) for _, day, _ in given], dtype=np.int64),
        [np.array([np.nan if s[i] is None else s[i] for _, _, s in given])
         for i in range(width)])
    got = list(charges.rows())

    assert len(got) == len(expected)
    for row, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
        differ = [(name, a, b) for name, a, b in zip(CHARGE_COLUMN_NAMES, mine, theirs,
                                                     strict=True) if not same(a, b)]
        assert not differ, f"row {row} ({KINDS[given[row][0]][0]}): {differ}"
    assert by_column_notes.rows() == by_row_notes.rows()


def test_the_effective_cost_is_added_up_in_the_order_of_the_charges() -> None:
    """The file's own effective total, which the cache must reconcile to, adds the charges'
    one after another: 1e16 + 1 + 1 stays 1e16 so, where a pairwise sum would reach
    1e16 + 2."""
    layout = aws_cur.layout(header([]), "cur.csv", notes=Stated())
    names = header([])
    usage = layout.group(cells(layout, names, KINDS[0]))  # type: ignore[misc]
    by_column = ByColumn([usage])
    by_column.charges(np.zeros(3, dtype=np.intp), np.zeros(3, dtype=np.int64),
                      [np.array([1e16, 1.0, 1.0])])
    assert by_column.effective == 1e16 + 1.0 + 1.0
    by_column.charges(np.zeros(1, dtype=np.intp), np.zeros(1, dtype=np.int64),
                      [np.array([1.0])])
    assert by_column.effective == 1e16 + 1.0 + 1.0 + 1.0



class _Watched:
    """A DuckDB connection that notes which thread runs each query."""

    def __init__(self, con: Any) -> None:
        self.con, self.threads = con, list[str]()

    def execute(self, *args: Any) -> Any:
        import threading

        self.threads.append(threading.current_thread().name)
        return self.con.execute(*args)


def test_spans_are_read_ahead_in_order_and_no_read_outlives_the_reader(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows of sums come span by span in order, each span read by DuckDB on the
    reader's own thread; a caller that stops early leaves no read running."""
    import duckdb

    from worthit.core.errors import Cancelled
    from worthit.sources import columnar

    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE g AS SELECT DATE '2025-03-01' + (i % 9)::INTEGER AS d, "
                "i::UBIGINT AS h FROM range(40) AS t(i)")
    sums = "SELECT h, d FROM g WHERE d BETWEEN $first AND $last ORDER BY d, h"
    monkeypatch.setattr(columnar, "SPAN", 10)
    watched = _Watched(con)
    with columnar._Reader(watched, sums) as reader:
        assert len(reader.spans) > 2
        got = [h for found in reader.read(lambda: False) for h in found["h"].tolist()]
    assert got == sorted(range(40), key=lambda i: (i % 9, i))
    assert set(watched.threads[1:]) and all(  # the spans' query itself: on the main thread
        name.startswith("worthit-sums") for name in watched.threads[1:])
    with pytest.raises(Cancelled), columnar._Reader(con, sums) as reader:
        for _ in reader.read(lambda: True):
            pass
    assert reader.ahead is not None and reader.ahead.done()

"""How the fast path groups a Parquet bill (:mod:`worthit.sources.aggregate`): once into
its combinations of text cells, once into its days' groups by the combination's number.
Random bills give the same cache as the line reader, the file's billed total is the
correctly rounded sum of its charges, whatever order DuckDB hands the groups in, and a bad
typed cell sends the file to the line reader's refusal."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.sources.test_fast_path import (
    FAST,
    LINE,
    assert_same_cache,
    assert_same_result,
    imported,
)
from tests.sources.test_hostile_files import FOCUS, SOURCE, cells, taking, write

from worthit.core.errors import BadInput
from worthit.store.cache import Cache
from worthit.sync.importer import import_file

KINDS = (("Usage", "AmazonEC2", "BoxUsage:m5.large"), ("Usage", "AmazonS3", None),
         ("Tax", "AmazonEC2", None), ("Credit", "AmazonBedrock", "USE1-Nova-input-tokens"))
PAYERS = ("111111111111", "222222222222")


@st.composite
def cur_lines(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Lines of a legacy Athena-style CUR: a few combinations (kind, payer, resource,
    tag, some cells missing) over a few days and two months, some lines repeating a day
    and combination (which the importer adds up), costs of 0 to 6 places."""
    combination = st.tuples(st.sampled_from(KINDS), st.sampled_from(PAYERS),
                            st.sampled_from(("i-1", "i-2", None, " i-1 ")),
                            st.sampled_from(("search", "ads", "", None)))
    line = st.tuples(combination, st.sampled_from((dt.date(2025, 1, 31), dt.date(2025, 2, 1),
                                                   dt.date(2025, 2, 2))),
                     st.integers(0, 23), st.integers(0, 6), st.integers(-10**7, 10**8))
    found = draw(st.lists(line, min_size=1, max_size=40))
    found += draw(st.lists(st.sampled_from(found), max_size=20))
    lines = []
    for ((kind, code, usage_type), payer, resource, team), day, hour, places, units in found:
        start = dt.datetime.combine(day, dt.time(hour))
        month = dt.datetime(day.year, day.month, 1)
        lines.append({"kind": kind, "code": code, "usage_type": usage_type, "payer": payer,
                      "resource": resource, "team": team, "start": start, "month": month,
                      "next": dt.datetime(day.year + day.month // 12, day.month % 12 + 1, 1),
                      "cost": float(Decimal(units).scaleb(-places))})
    draw(st.randoms()).shuffle(lines)
    return lines


def write_cur(path: Path, lines: list[dict[str, Any]]) -> Path:
    stamp = pa.timestamp("ms")
    pq.write_table(pa.table({
        "bill_payer_account_id": [x["payer"] for x in lines],
        "bill_billing_period_start_date": pa.array([x["month"] for x in lines], stamp),
        "bill_billing_period_end_date": pa.array([x["next"] for x in lines], stamp),
        "line_item_usage_account_id": ["333333333333"] * len(lines),
        "line_item_line_item_type": [x["kind"] for x in lines],
        "line_item_usage_start_date": pa.array([x["start"] for x in lines], stamp),
        "line_item_product_code": [x["code"] for x in lines],
        "line_item_usage_type": [x["usage_type"] for x in lines],
        "line_item_usage_amount": [2.0] * len(lines),  # whole tokens: rounded alike
        "line_item_currency_code": ["USD"] * len(lines),
        "line_item_unblended_cost": [x["cost"] for x in lines],
        "line_item_resource_id": [x["resource"] for x in lines],
        "resource_tags_user_team": [x["team"] for x in lines],
    }), path, row_group_size=7)  # several row groups, read by both of DuckDB's threads
    return path


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=cur_lines())
def test_random_parquet_curs_give_the_same_cache_by_either_path(
        lines: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_cur(Path(folder) / "cur.parquet", lines)
        line, fast = imported(path, Path(folder), LINE), imported(path, Path(folder), FAST)
        assert_same_result(line.result, fast.result)
        assert_same_cache(line, fast)
        assert fast.result.rows_read == len(lines)
        with Cache.open(Path(folder) / FAST / "worthit.sqlite") as cache:
            charges = [row[0] for row in cache._rows("SELECT billed FROM charge_facts")]
        # Each charge is one day's group of one combination (and bill): the file's total
        # is their sum, exactly rounded, not a running sum in DuckDB's order of them.
        assert fast.result.file_billed == math.fsum(charges)
        assert abs(fast.result.file_billed - float(sum(Decimal(x["cost"]) for x in lines))
                   ) <= 0.01


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 2e12, -1e13, None])
@pytest.mark.parametrize("column", ["BilledCost", "EffectiveCost", "ConsumedQuantity"])
def test_a_bad_number_in_a_typed_parquet_column_is_refused_alike_by_either_path(
        tmp_path: Path, column: str, value: float | None) -> None:
    """Typed (DOUBLE) cells are checked by a shorter condition than text cells: a NaN, an
    infinity, an amount past one line's or a missing cost still sends the file to the line
    reader, which refuses it at its line and column."""
    rows = [cells(FOCUS) for _ in range(4)]
    numbers = {"BilledCost", "EffectiveCost", "ListCost", "ConsumedQuantity"}
    table = {n: [float(row[n]) if n in numbers else row[n] for row in rows] for n in FOCUS}
    table[column][2] = value
    if column == "ConsumedQuantity" and value is not None and math.isfinite(value):
        table[column][2] = value * 1e18  # past a quantity's limit, 1e30
    pq.write_table(pa.table(table), path := tmp_path / "bill.parquet")
    refusals = []
    for path_kind in (LINE, FAST):
        with (Cache.open(tmp_path / path_kind / "worthit.sqlite") as cache,
              taking(path_kind) as answers):
            if value is None and column == "ConsumedQuantity":  # a missing quantity is fine
                import_file(cache, path, source=SOURCE)
                assert answers == [path_kind == FAST]
                continue
            with pytest.raises(BadInput) as caught:
                import_file(cache, path, source=SOURCE)
            assert answers == [False]
            assert cache._scalar("SELECT COUNT(*) FROM charge_facts") == 0
        refusals.append((caught.value.line, caught.value.column, str(caught.value)))
    if refusals:
        line, fast = refusals
        assert line == fast and line[:2] == (4, column)


def test_text_stamps_with_offsets_in_parquet_are_grouped_again_by_their_utc_day(
        tmp_path: Path) -> None:
    """A Parquet file's stamps written as text with an offset: the day pass runs again,
    by each line's UTC day, after the combinations were grouped (once) and worked out
    meanwhile; the cache is the line reader's."""
    rows = [cells(FOCUS, ChargePeriodStart=f"2025-03-0{day}T{hour:02d}:00:00+02:00",
                  ResourceId=f"i-{hour % 3}", BilledCost=f"{hour}.25")
            for day in (1, 2, 3) for hour in range(24)]
    path = write(tmp_path / "bill.parquet", FOCUS, rows)
    line, fast = imported(path, tmp_path, LINE), imported(path, tmp_path, FAST)
    assert_same_result(line.result, fast.result)
    assert_same_cache(line, fast)
    assert {key[0] for key in fast.sums} == {"2025-02-28", "2025-03-01", "2025-03-02",
                                             "2025-03-03"}

"""The DuckDB fast path (:mod:`worthit.sources.aggregate`) against the line reader: the same
file gives the same cache contents either way.

``aggregate.SMALL`` decides which path a file takes; the tests set it to 0 for the fast run
and to more than any file for the line run, and check that the fast run really was
aggregated by DuckDB (``aggregate.daily`` answered) rather than quietly falling back. The
two paths write different rows (the line reader adds up a 50,000-row batch at a time,
DuckDB the whole file), so what is compared is the sums per day and per charge key: every
``charge_keys`` column and every other column that is not summed.

A case today's importer answers badly is marked ``xfail(strict=True)``, its reason giving
what happens instead."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import math
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.shared_data import sample

from worthit.core.errors import UserError
from worthit.core.focus import AI_CATEGORY, CHARGE_COLUMN_NAMES, FACT_COLUMNS, KEY_COLUMNS
from worthit.sources import aggregate
from worthit.store.cache import Cache
from worthit.sync.importer import ImportResult, import_file

#: The real samples in ../shared/data (tests.shared_data), relative to that folder.
REAL = ("focus/focus-1.0-sample-aws-azure-oci.csv", "aws-cur/legacy-cur-anonymous.csv",
        "aws-cur/legacy-cur-athena-columns.csv")
SUMMED = tuple(column for column, _ in FACT_COLUMNS)
#: Charge columns neither summed nor in charge_keys (they still tell charges apart).
OTHERS = tuple(c for c in CHARGE_COLUMN_NAMES if c not in SUMMED and c not in KEY_COLUMNS
               and c not in ("source_id", "charge_period_start"))
LINE, FAST = "line", "fast"
FOCUS_HEADER = ("ChargePeriodStart", "ChargePeriodEnd", "BilledCost", "EffectiveCost",
                "ListCost", "BillingCurrency", "ServiceProviderName", "ServiceName",
                "ServiceCategory", "RegionId", "ResourceId", "ChargeCategory",
                "ConsumedQuantity", "ConsumedUnit", "Tags")

Sums = dict[tuple[Any, ...], tuple[Any, ...]]


# -- running both paths ------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    result: ImportResult
    sums: Sums
    total: float  # TOTAL(billed_cost) of the whole cache


def per_day_and_key(cache: Cache) -> Sums:
    """The sums of every summed column per day, charge key (joined through x_key_id,
    whose values differ between caches) and other kept column."""
    keys = [f"k.{c}" for c in KEY_COLUMNS]
    kept = ["c.charge_period_start", *keys, *(f"c.{c}" for c in OTHERS)]
    sums = [f"SUM(c.{c})" for c in SUMMED]
    rows = cache._rows(
        f"SELECT {', '.join(kept)}, {', '.join(sums)} FROM charges AS c "
        f"JOIN charge_keys AS k ON k.key_id = c.x_key_id GROUP BY {', '.join(kept)}")
    assert cache._scalar("SELECT COUNT(*) FROM charges WHERE x_key_id NOT IN "
                        "(SELECT key_id FROM charge_keys)") == 0
    return {tuple(r[:len(kept)]): tuple(r[len(kept):]) for r in rows}


def spy_on_daily(patch: pytest.MonkeyPatch, *, small: int) -> list[bool]:
    """Set the fast path's size threshold; the list then tells, for each file, whether
    DuckDB read it (True) or declined it to the line reader (False)."""
    answers: list[bool] = []
    daily = aggregate.daily

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = daily(*args, **kwargs)
        answers.append(found is not None)
        return found

    patch.setattr(aggregate, "SMALL", small)
    patch.setattr(aggregate, "daily", spy)
    return answers


def imported(path: Path, folder: Path, path_kind: str) -> Imported:
    """Import ``path`` into a fresh cache in ``folder`` by the line reader or the fast
    path, checking that it was that path which read it."""
    with pytest.MonkeyPatch.context() as patch:
        answers = spy_on_daily(patch, small=0 if path_kind == FAST else 10**18)
        with Cache.open(folder / path_kind / "worthit.sqlite") as cache:
            result = import_file(cache, path, source="s")
            done = Imported(result, per_day_and_key(cache),
                            cache._scalar("SELECT TOTAL(billed_cost) FROM charges"))
    assert answers == [path_kind == FAST], f"{path_kind}: DuckDB answered {answers}"
    return done


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9,
                                                                  abs_tol=1e-9)
    return a == b


def assert_same_cache(line: Imported, fast: Imported) -> None:
    only_line = sorted(set(line.sums) - set(fast.sums), key=repr)
    only_fast = sorted(set(fast.sums) - set(line.sums), key=repr)
    assert not only_line and not only_fast, (
        f"days and keys only the line reader wrote: {only_line[:3]}; only the fast path: "
        f"{only_fast[:3]}")
    differ = {key: (line.sums[key], fast.sums[key]) for key in line.sums
              if not all(map(same, line.sums[key], fast.sums[key]))}
    assert not differ, f"{len(differ)} days and keys differ, e.g. {next(iter(differ.items()))}"
    assert line.total == pytest.approx(fast.total, rel=1e-9, abs=1e-9)


def assert_same_result(line: ImportResult, fast: ImportResult) -> None:
    assert (fast.kind, fast.rows_read, fast.currency, fast.first, fast.last) == (
        line.kind, line.rows_read, line.currency, line.first, line.last)
    assert fast.file_billed == pytest.approx(line.file_billed, rel=1e-9, abs=1e-9)
    assert fast.file_effective == pytest.approx(line.file_effective, rel=1e-9, abs=1e-9)


# -- generated files ---------------------------------------------------------------------


def focus_csv_gz(folder: Path) -> Path:
    """3,000 rows of FOCUS CSV.gz with the quirks of real exports: NULL and empty nulls,
    padded numbers, tags in either key order, duplicate day and key rows, credits, hours
    that add up to days, and costs of 2 to 10 places."""
    rng = random.Random(7)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(FOCUS_HEADER)
    tags = ["", "NULL", '{"team": "search", "env": "prod"}', '{"env": "prod", "team": "search"}',
            '{"team": "ads"}']
    for i in range(3000):
        start = dt.datetime(2025, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i % 120)
        billed = round(rng.uniform(-2 if i % 50 == 0 else 0, 9), 2 + i % 9)
        writer.writerow([
            start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            f" {billed} " if i % 17 == 0 else repr(billed),
            repr(round(billed * 0.8, 10)), ["NULL", "", repr(billed * 1.25)][i % 3], "USD",
            "AWS", ["Amazon EC2", "Amazon S3", "Amazon Bedrock"][i % 3], "Compute",
            ["us-east-1", "eu-west-1", "NULL"][i % 3 - 1], f"r-{i % 11}",
            "Credit" if billed < 0 else "Usage", repr(rng.randint(0, 400) / 4),
            "Hours", tags[i % len(tags)]])
    path = folder / "focus.csv.gz"
    path.write_bytes(gzip.compress(text.getvalue().encode(), mtime=0))
    return path


def focus_parquet(folder: Path, zone: str = "UTC") -> Path:
    """FOCUS Parquet as typed columns: a TIMESTAMP WITH TIME ZONE start, double and
    decimal costs, nullable list cost, an integer account id and a MAP of tags."""
    rng = random.Random(8)
    count = 2400
    starts = [dt.datetime(2025, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i % 96)
              for i in range(count)]
    billed = [round(rng.uniform(0, 5), 6) for _ in range(count)]
    table = pa.table({
        "ChargePeriodStart": pa.array(starts, pa.timestamp("us", tz="UTC")).cast(
            pa.timestamp("us", tz=zone)),
        "BilledCost": pa.array(billed, pa.float64()),
        "EffectiveCost": pa.array([Decimal(f"{b * 0.9:.6f}") for b in billed],
                                  pa.decimal128(18, 6)),
        "ListCost": pa.array([None if i % 4 == 0 else b * 1.1 for i, b in enumerate(billed)],
                             pa.float64()),
        "BillingCurrency": ["USD"] * count,
        "ServiceProviderName": ["Microsoft"] * count,
        "BillingAccountId": pa.array([1000 + i % 3 for i in range(count)], pa.int64()),
        "ServiceName": [f"svc{i % 4}" for i in range(count)],
        "ResourceId": [f"res{i % 9}" for i in range(count)],
        "ConsumedQuantity": pa.array([float(i % 24) for i in range(count)], pa.float64()),
        "Tags": pa.array([None if i % 5 == 0 else [("team", f"t{i % 2}"), ("env", "prod")]
                          for i in range(count)], pa.map_(pa.string(), pa.string())),
    })
    path = folder / f"focus-{zone.replace('/', '-')}.parquet"
    pq.write_table(table, path)
    return path


#: (line item type, product code, usage type, pricing unit, product name)
CUR_LINES = (
    ("Usage", "AmazonEC2", "BoxUsage:m6i.large", "Hrs", "Amazon Elastic Compute Cloud"),
    ("Usage", "AmazonBedrock", "USE1-NovaMicro-input-tokens", "1K tokens", "Amazon Bedrock"),
    ("Usage", "AmazonBedrock", "USE1-NovaMicro-output-tokens-batch", "1K tokens",
     "Amazon Bedrock"),
    ("Usage", "AmazonBedrock", "USE1-Claude3Haiku-cache-read-input-token-count", "1K tokens",
     "Amazon Bedrock"),
    ("Usage", "AmazonBedrock", "USE1-Claude3Haiku-cache-write-input-token-count",
     "1K tokens", "Amazon Bedrock"),
    ("SavingsPlanCoveredUsage", "AmazonEC2", "BoxUsage:g5.xlarge", "Hrs",
     "Amazon Elastic Compute Cloud"),
    ("SavingsPlanNegation", "AmazonEC2", "BoxUsage:g5.xlarge", "Hrs",
     "Amazon Elastic Compute Cloud"),
    ("DiscountedUsage", "AmazonEC2", "BoxUsage:r6i.large", "Hrs",
     "Amazon Elastic Compute Cloud"),
    ("Tax", "AmazonEC2", "", "", "Amazon Elastic Compute Cloud"),
    ("Credit", "AmazonS3", "", "", "Amazon Simple Storage Service"),
)


def cur_lines(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        kind, code, usage_type, unit, name = CUR_LINES[i % len(CUR_LINES)]
        cost = round(rng.uniform(-1, 0) if kind in ("Credit", "SavingsPlanNegation")
                     else rng.uniform(0, 3), 6)
        lines.append({
            "start": dt.datetime(2025, 3, 1) + dt.timedelta(hours=i % 96), "kind": kind,
            "code": code, "usage_type": usage_type, "unit": unit, "name": name, "cost": cost,
            # Token counts are whole: the amount is thousands of tokens to three places.
            "amount": rng.randint(1, 5000) / 1000 if unit == "1K tokens" else
            float(rng.randint(1, 24)),
            "sp": round(cost * 0.7, 6) if kind == "SavingsPlanCoveredUsage" else None,
            "ri": round(cost * 0.6, 6) if kind == "DiscountedUsage" else None,
            "team": ("search", "ads", None)[i % 3], "project": ("ml", None)[i % 2],
            "account": f"11111111111{i % 2}",
            "resource": f"i-{i % 5}" if code == "AmazonEC2" else None,
        })
    return lines


def cur_columns(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The columns legacy Athena-style and CUR 2.0 Parquet share (snake_case)."""
    return {
        "bill_payer_account_id": ["999999999999"] * len(lines),
        "line_item_usage_account_id": [x["account"] for x in lines],
        "line_item_line_item_type": [x["kind"] for x in lines],
        "line_item_usage_start_date": pa.array([x["start"] for x in lines],
                                               pa.timestamp("ms")),
        "line_item_product_code": [x["code"] for x in lines],
        "line_item_usage_type": [x["usage_type"] or None for x in lines],
        "line_item_usage_amount": [x["amount"] for x in lines],
        "line_item_currency_code": ["USD"] * len(lines),
        "line_item_unblended_cost": [x["cost"] for x in lines],
        "line_item_resource_id": [x["resource"] for x in lines],
        "savings_plan_savings_plan_effective_cost": pa.array([x["sp"] for x in lines],
                                                             pa.float64()),
        "reservation_effective_cost": pa.array([x["ri"] for x in lines], pa.float64()),
        "pricing_unit": [x["unit"] or None for x in lines],
    }


def cur_legacy_parquet(folder: Path) -> Path:
    """A legacy CUR in Athena snake_case, tags as ``resource_tags_user_*`` columns."""
    lines = cur_lines(3000, seed=9)
    path = folder / "cur-legacy.parquet"
    pq.write_table(pa.table({
        **cur_columns(lines),
        "product_product_name": [x["name"] for x in lines],
        "product_region": ["us-east-1"] * len(lines),
        "resource_tags_user_team": [x["team"] for x in lines],
        "resource_tags_user_project": [x["project"] for x in lines],
    }), path)
    return path


TEXT_MAP = pa.map_(pa.string(), pa.string())


def cur2_parquet(folder: Path, lines: list[dict[str, Any]] | None = None,
                 name: str = "cur2.parquet") -> Path:
    """A CUR 2.0 Parquet: product, resource_tags and cost_category are MAP columns."""
    lines = cur_lines(3000, seed=10) if lines is None else lines
    path = folder / name
    pq.write_table(pa.table({
        **cur_columns(lines),
        "line_item_net_unblended_cost": [x["cost"] for x in lines],
        "product_region_code": ["us-east-1"] * len(lines),
        "product": pa.array([[("product_name", x["name"]), ("region", "us-east-1")]
                             for x in lines], TEXT_MAP),
        "resource_tags": pa.array([[("user_team", x["team"])] if x["team"] else []
                                   for x in lines], TEXT_MAP),
        "cost_category": pa.array([[("project", x["project"])] if x["project"] else None
                                   for x in lines], TEXT_MAP),
    }), path)
    return path


GENERATED: dict[str, Callable[[Path], Path]] = {
    "focus-csv-gz": focus_csv_gz, "focus-parquet": focus_parquet,
    "cur-legacy-parquet": cur_legacy_parquet, "cur2-parquet": cur2_parquet,
}


# -- 1. both paths, the same cache -------------------------------------------------------


@pytest.mark.parametrize("name", REAL)
def test_the_real_samples_give_the_same_cache_by_either_path(tmp_path: Path,
                                                              name: str) -> None:
    path = sample(name)
    line, fast = imported(path, tmp_path, LINE), imported(path, tmp_path, FAST)
    assert_same_result(line.result, fast.result)
    assert_same_cache(line, fast)


@pytest.mark.parametrize("name", list(GENERATED))
def test_generated_files_give_the_same_cache_by_either_path(tmp_path: Path,
                                                             name: str) -> None:
    path = GENERATED[name](tmp_path)
    line, fast = imported(path, tmp_path, LINE), imported(path, tmp_path, FAST)
    assert_same_result(line.result, fast.result)
    assert_same_cache(line, fast)
    assert len(line.sums) > 50  # enough days and keys for the comparison to mean something
    assert abs(fast.total - fast.result.file_billed) <= 0.01


@pytest.mark.parametrize("name", ["cur-legacy-parquet", "cur2-parquet"])
def test_a_bill_made_into_charges_a_few_days_at_a_time_stores_as_all_at_once(
        tmp_path: Path, name: str) -> None:
    """The rows of sums are made into charges and staged a span of days at a time: many
    small spans (keys minted over several, some charges staged after others of their key)
    leave the cache the same, to the value and its type, as one span of every day."""
    from worthit.sources import columnar

    path = GENERATED[name](tmp_path)
    stored = {}
    for span in (7, 10**9):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(columnar, "SPAN", span)
            answers = spy_on_daily(patch, small=0)
            with Cache.open(tmp_path / str(span) / "worthit.sqlite") as cache:
                import_file(cache, path, source="s")
                stored[span] = {table: cache._conn.execute(
                    f"SELECT *, {', '.join(f'typeof({c})' for c in columns)} FROM {table} "
                    "ORDER BY 1, 2").fetchall() for table, columns in (
                        ("charge_keys", ("key_id",)),
                        ("charge_facts", ("billed", "effective", "list", "quantity")))}
        assert answers == [True]
    assert stored[7] == stored[10**9]
    assert len(stored[7]["charge_facts"]) > 50


def test_two_combinations_given_one_number_send_the_file_to_the_line_reader(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path numbers each combination of text cells by a hash; were two ever given
    one number, the charges of one would carry the other's cells. It counts both and
    declines the file when they differ."""
    path = cur2_parquet(tmp_path)
    line = imported(path, tmp_path, LINE)
    answers = spy_on_daily(monkeypatch, small=0)
    monkeypatch.setattr(aggregate, "_number", lambda keys: "0")  # every combination: 0
    with Cache.open(tmp_path / "numbered" / "worthit.sqlite") as cache:
        result = import_file(cache, path, source="s")
        numbered = Imported(result, per_day_and_key(cache),
                            cache._scalar("SELECT TOTAL(billed_cost) FROM charges"))
    assert answers == [False], "DuckDB should have declined the file"
    assert_same_result(line.result, numbered.result)
    assert_same_cache(line, numbered)


@pytest.mark.parametrize("path_kind", [LINE, FAST])
def test_a_timestamp_with_time_zone_is_dated_by_its_utc_day(tmp_path: Path,
                                                            path_kind: str) -> None:
    # UTC-zoned timestamps: the stored instant and what pyarrow gives back agree.
    done = imported(focus_parquet(tmp_path), tmp_path, path_kind)
    assert (done.result.first, done.result.last) == (dt.date(2025, 3, 1), dt.date(2025, 3, 4))


@pytest.mark.parametrize("path_kind", [LINE, FAST])
def test_a_timestamp_in_another_zone_is_still_dated_by_its_utc_day(
        tmp_path: Path, path_kind: str) -> None:
    path = focus_parquet(tmp_path, zone="America/New_York")
    done = imported(path, tmp_path, path_kind)
    assert (done.result.first, done.result.last) == (dt.date(2025, 3, 1), dt.date(2025, 3, 4))
    (tmp_path / "utc").mkdir()
    utc = imported(focus_parquet(tmp_path / "utc"), tmp_path / "utc", path_kind)
    assert done.sums.keys() == utc.sums.keys()


# -- 2. CUR 2.0 mapping ------------------------------------------------------------------


@pytest.mark.parametrize("path_kind", [LINE, FAST])
def test_cur2_map_columns_give_tags_cost_categories_service_and_tokens(
        tmp_path: Path, path_kind: str) -> None:
    def line(hour: int, usage_type: str, amount: float, cost: float, code: str = "AmazonBedrock",
             name: str = "Amazon Bedrock", team: str | None = "search",
             project: str | None = "ml", unit: str = "1K tokens") -> dict[str, Any]:
        return {"start": dt.datetime(2025, 3, 1, hour), "kind": "Usage", "code": code,
                "usage_type": usage_type, "unit": unit, "name": name, "cost": cost,
                "amount": amount, "sp": None, "ri": None, "team": team, "project": project,
                "account": "111111111111", "resource": None}

    lines = [
        *(line(h, "USE1-NovaMicro-input-tokens", 2.5, 0.0875) for h in range(3)),
        *(line(h, "USE1-NovaMicro-output-tokens-batch", 1.0, 0.07) for h in range(3)),
        line(4, "USE1-Claude3Haiku-cache-read-input-token-count", 3.0, 0.01),
        line(5, "USE1-Claude3Haiku-cache-write-input-token-count", 0.25, 0.02),
        line(6, "BoxUsage:m6i.large", 24.0, 2.3, code="AmazonEC2",
             name="Amazon Elastic Compute Cloud", team="ads", project=None, unit="Hrs"),
    ]
    done = imported(cur2_parquet(tmp_path, lines), tmp_path, path_kind)
    assert done.result.kind == "aws-cur"
    with Cache.open(tmp_path / path_kind / "worthit.sqlite") as cache:
        charges = {r["x_usage_type"]: dict(r) for r in cache._rows(
            "SELECT x_usage_type, service_name, service_category, region_id, x_model, "
            "tags, x_batch, SUM(billed_cost) AS billed, SUM(x_input_tokens) AS input, "
            "SUM(x_output_tokens) AS output, SUM(x_cached_input_tokens) AS cached, "
            "SUM(x_cache_write_tokens) AS written FROM charges GROUP BY 1, 2, 3, 4, 5, 6, 7")}
    assert set(charges) == {x["usage_type"] for x in lines}
    tokens = ("input", "output", "cached", "written")
    micro_in = charges["USE1-NovaMicro-input-tokens"]
    assert (micro_in["service_name"], micro_in["service_category"], micro_in["region_id"]) \
        == ("Amazon Bedrock", AI_CATEGORY, "us-east-1")
    assert (micro_in["x_model"], micro_in["x_batch"]) == ("NovaMicro", 0)
    assert [micro_in[t] for t in tokens] == [7500, None, None, None]
    assert micro_in["billed"] == pytest.approx(3 * 0.0875)
    # user_team loses its prefix; a cost category becomes a cost_category: tag.
    assert json.loads(micro_in["tags"]) == {"team": "search", "cost_category:project": "ml"}
    micro_out = charges["USE1-NovaMicro-output-tokens-batch"]
    assert (micro_out["x_model"], micro_out["x_batch"]) == ("NovaMicro", 1)
    assert [micro_out[t] for t in tokens] == [None, 3000, None, None]
    read = charges["USE1-Claude3Haiku-cache-read-input-token-count"]
    assert (read["x_model"], read["cached"], read["input"]) == ("Claude3Haiku", 3000, None)
    write = charges["USE1-Claude3Haiku-cache-write-input-token-count"]
    assert (write["x_model"], write["written"], write["input"]) == ("Claude3Haiku", 250, None)
    ec2 = charges["BoxUsage:m6i.large"]
    assert (ec2["service_name"], ec2["service_category"], ec2["x_model"]) == (
        "Amazon Elastic Compute Cloud", "Compute", None)
    assert json.loads(ec2["tags"]) == {"team": "ads"}
    assert [ec2[t] for t in tokens] == [None] * 4


# -- 3. a bad cell deep in a large file ---------------------------------------------------


def focus_rows(count: int) -> list[list[str]]:
    return [[f"2025-03-{i % 5 + 1:02d}T00:00:00Z", f"2025-03-{i % 5 + 1:02d}T01:00:00Z",
             f"{i % 300 / 100 + 0.01:.2f}", f"{i % 200 / 100:.2f}", "", "USD", "AWS",
             f"svc{i % 3}", "Compute", "us-east-1", f"r-{i % 13}", "Usage", "1", "Hours", ""]
            for i in range(count)]


def write_focus(path: Path, rows: list[list[str]]) -> Path:
    if path.suffix == ".parquet":
        pq.write_table(pa.table({n: [r[i] for r in rows] for i, n in enumerate(FOCUS_HEADER)}),
                       path)
        return path
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerows([FOCUS_HEADER, *rows])
    path.write_bytes(gzip.compress(text.getvalue().encode(), compresslevel=1, mtime=0))
    return path


@pytest.mark.parametrize("suffix", [".csv.gz", ".parquet"])
@pytest.mark.parametrize(("column", "value", "message"), [
    ("BilledCost", "abc", "'abc' is not a number"),
    ("EffectiveCost", "NULL", "a cost is required"),
    ("ChargePeriodStart", "2025-02-30T00:00:00Z", "is not a date and time"),
    ("BillingCurrency", "EUR", "mixed currencies without a rate (USD and EUR)"),
])
def test_a_bad_cell_deep_in_a_large_file_is_refused_with_its_line_by_the_fast_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, column: str,
        value: str, message: str) -> None:
    rows = focus_rows(40_000)
    rows[30_000 - 2][FOCUS_HEADER.index(column)] = value  # line 30,000: the header is line 1
    path = write_focus(tmp_path / f"bill{suffix}", rows)
    answers = spy_on_daily(monkeypatch, small=0)
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        good = import_file(cache, write_focus(tmp_path / f"good{suffix}", focus_rows(500)),
                           source="s")
        before = [tuple(r) for r in cache._rows("SELECT rowid, * FROM charges ORDER BY rowid")]
        keys = cache._scalar("SELECT COUNT(*) FROM charge_keys")
        with pytest.raises(UserError) as refused:
            import_file(cache, path, source="s")
        assert f"{path}, line 30000, column '{column}': " in str(refused.value)
        assert message in str(refused.value)
        assert answers == [True, False], "DuckDB should have declined the bad file"
        assert [tuple(r) for r in cache._rows(
            "SELECT rowid, * FROM charges ORDER BY rowid")] == before
        assert cache._scalar("SELECT COUNT(*) FROM charge_keys") == keys
        assert [tuple(r) for r in cache._rows(
            "SELECT result, rows_written FROM sync_runs ORDER BY run_id")] == [
            ("ok", good.rows_written), ("failed", 0)]


# -- 4. a property: random small FOCUS tables --------------------------------------------

DAYS = ("2025-03-01", "2025-03-02", "2025-03-03", "2025-03-31")
SERVICES = ("Amazon EC2", "Amazon S3", "Azure OpenAI")
TAGS = ("", '{"team": "a"}', '{"team": "b", "env": "p"}', '{"env": "p", "team": "b"}')


@st.composite
def costs(draw: st.DrawFn) -> Decimal:
    places = draw(st.integers(2, 6))
    units = draw(st.integers(-500 * 10**places, 5000 * 10**places))
    return Decimal(units).scaleb(-places)


@st.composite
def focus_tables(draw: st.DrawFn) -> list[tuple[str, str, str, str, Decimal, Decimal]]:
    """Rows of (day, hour, service, tags, billed, effective), some repeating a day and
    key (which the importer adds up)."""
    distinct = draw(st.lists(st.tuples(
        st.sampled_from(DAYS), st.integers(0, 23), st.sampled_from(SERVICES),
        st.sampled_from(TAGS), costs(), costs()), min_size=1, max_size=25))
    repeats = draw(st.lists(st.sampled_from(distinct), max_size=10))
    rows = [(day, f"{hour:02d}", service, tags, billed, effective)
            for day, hour, service, tags, billed, effective in [*distinct, *repeats]]
    draw(st.randoms()).shuffle(rows)
    return rows


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(table=focus_tables())
def test_random_focus_tables_give_the_same_sums_by_either_path(
        table: list[tuple[str, str, str, str, Decimal, Decimal]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bill.csv"
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(FOCUS_HEADER)
        for day, hour, service, tags, billed, effective in table:
            writer.writerow([f"{day}T{hour}:00:00Z", f"{day}T{hour}:59:59Z", str(billed),
                             str(effective), "", "USD", "AWS", service, "Compute", "", "",
                             "Usage", "", "", tags])
        path.write_text(text.getvalue(), encoding="utf-8")
        line, fast = imported(path, Path(folder), LINE), imported(path, Path(folder), FAST)
        assert_same_result(line.result, fast.result)
        assert_same_cache(line, fast)
        billed = float(sum(row[4] for row in table))
        effective = float(sum(row[5] for row in table))
        for done in (line, fast):
            assert abs(done.total - billed) <= 0.01
            assert abs(done.result.cache_effective - effective) <= 0.01
            assert done.result.rows_read == len(table)

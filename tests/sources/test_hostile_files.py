"""Hostile billing files (issue 25): amounts past any bill's, stamps with an offset, days
no bill charges, numbers Python's ``float`` reads but a bill never writes, unknown
currencies, a column given twice, lines ending in a carriage return alone, and a folder
given as a file.

A bad file is refused with its file, line and column, and nothing from it reaches the
cache (as ``test_bad_inputs.py`` checks); a FOCUS or CUR file the same way by the line
reader and by the DuckDB fast path (``aggregate.SMALL`` set so that the file takes the path
under test, and a spy on ``aggregate.daily`` telling whether DuckDB answered). A good file
with offsets lands on the same UTC days by every path and format."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import io
import json
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worthit.core.errors import BadInput
from worthit.sources import aggregate
from worthit.sources.bill import BillFile
from worthit.sources.focus import read_focus
from worthit.sources.gcp import read_gcp
from worthit.store.cache import Cache
from worthit.sync.importer import import_file

LINE, FAST = "line", "fast"
SOURCE = "s"
DAY = "2025-03-02"
#: Far enough past today to be refused whenever the suite runs.
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=400)).isoformat()

FOCUS = ("ChargePeriodStart", "BilledCost", "EffectiveCost", "ListCost", "ConsumedQuantity",
         "BillingCurrency", "ServiceProviderName", "ServiceName", "ServiceCategory",
         "ResourceId")
CUR = ("lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
       "lineItem/UsageType", "lineItem/UsageAmount", "lineItem/CurrencyCode",
       "lineItem/UnblendedCost", "lineItem/ResourceId")
AZURE = ("Date", "MeterCategory", "MeterName", "Quantity", "Cost", "BillingCurrency",
         "SubscriptionId", "ResourceId")
GCP = ("billing_account_id", "service.description", "usage_start_time", "project.id", "cost",
       "currency", "credits", "labels", "resource.name", "usage.amount")


def cells(header: tuple[str, ...], **given: str) -> dict[str, str]:
    """A good row of ``header``'s format on :data:`DAY`, with the cells ``given`` (named by
    their column, ``/`` and ``.`` written ``_``) instead."""
    good = {
        FOCUS: {"ChargePeriodStart": f"{DAY}T00:00:00Z", "BilledCost": "10",
                "EffectiveCost": "8", "ListCost": "12", "ConsumedQuantity": "24",
                "BillingCurrency": "USD", "ServiceProviderName": "AWS",
                "ServiceName": "Amazon EC2", "ServiceCategory": "Compute", "ResourceId": "i-1"},
        CUR: {"lineItem/UsageStartDate": f"{DAY}T00:00:00Z", "lineItem/LineItemType": "Usage",
              "lineItem/ProductCode": "AmazonEC2", "lineItem/UsageType": "BoxUsage:m6i.large",
              "lineItem/UsageAmount": "24", "lineItem/CurrencyCode": "USD",
              "lineItem/UnblendedCost": "10", "lineItem/ResourceId": "i-1"},
        AZURE: {"Date": "03/02/2025", "MeterCategory": "Virtual Machines",
                "MeterName": "D2s v5", "Quantity": "24", "Cost": "10",
                "BillingCurrency": "USD", "SubscriptionId": "sub-1", "ResourceId": "vm-1"},
        GCP: {"billing_account_id": "0123-ABCD", "service.description": "Compute Engine",
              "usage_start_time": f"{DAY} 10:00:00+00:00", "project.id": "p-1",
              "cost": "10", "currency": "USD", "credits": "[]", "labels": "[]",
              "resource.name": "vm-1", "usage.amount": "3600"},
    }[header]
    names = {n.replace("/", "_").replace(".", "_"): n for n in header}
    return {**good, **{names[k]: v for k, v in given.items()}}


def csv_text(header: tuple[str, ...], rows: list[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([header, *([row[n] for n in header] for row in rows)])
    return out.getvalue()


def write(path: Path, header: tuple[str, ...], rows: list[Mapping[str, str]]) -> Path:
    """A CSV, CSV.gz or (string-columned) Parquet file of ``rows``, by ``path``'s suffix."""
    if path.suffix == ".parquet":
        pq.write_table(pa.table({n: [row[n] for row in rows] for n in header}), path)
    elif path.suffix == ".gz":
        path.write_bytes(gzip.compress(csv_text(header, rows).encode(), mtime=0))
    else:
        path.write_text(csv_text(header, rows), encoding="utf-8", newline="")
    return path


@contextlib.contextmanager
def taking(path_kind: str) -> Iterator[list[bool]]:
    """Imports in the block take ``path_kind``; the list then says, for each table-shaped
    file, whether DuckDB read it (True) or left it to the line reader (False)."""
    answers: list[bool] = []
    daily = aggregate.daily

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = daily(*args, **kwargs)
        answers.append(found is not None)
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aggregate, "SMALL", 0 if path_kind == FAST else 10**18)
        patch.setattr(aggregate, "daily", spy)
        yield answers


def everything(cache: Cache) -> tuple[Any, ...]:
    return tuple([tuple(row) for row in cache._rows(sql)] for sql in (
        "SELECT rowid, * FROM charges ORDER BY rowid",
        "SELECT * FROM charge_keys ORDER BY key_id",
        "SELECT * FROM sources ORDER BY source_id"))


def assert_refused(cache: Cache, path: Path, *, line: int | None, column: str | None,
                   phrase: str, kind: str = "auto", path_kind: str = LINE) -> None:
    """Importing ``path`` over a good import of its source is refused with its place, and
    leaves the cache as it was (with the refusal recorded)."""
    good = write(path.parent / "good.csv", FOCUS,
                 [cells(FOCUS, ChargePeriodStart=f"{d}T00:00:00Z")
                  for d in ("2025-03-01", DAY, "2025-03-03")])
    import_file(cache, good, source=SOURCE)
    before = everything(cache)
    with taking(path_kind) as answers, pytest.raises(BadInput) as caught:
        import_file(cache, path, kind=kind, source=SOURCE)
    refusal = caught.value
    message = str(refusal)
    assert (refusal.file, refusal.line, refusal.column) == (str(path), line, column), message
    assert message.startswith(f"{path}{'' if line is None else f', line {line}'}"
                              f"{'' if column is None else f', column {column!r}'}: "), message
    assert phrase in message
    assert True not in answers, "DuckDB imported a file the line reader refuses"
    assert everything(cache) == before
    assert tuple(cache._rows("SELECT result, error FROM sync_runs ORDER BY run_id")[-1]) == (
        "failed", message)


BOTH = pytest.mark.parametrize("path_kind", [LINE, FAST])


# -- 4. amounts past any bill's -----------------------------------------------------------


BAD_AMOUNTS = [
    ("BilledCost", "1e308", "'1e308' is too large for one line (more than 1e12"),
    ("BilledCost", "-2e12", "'-2e12' is too large for one line"),
    ("EffectiveCost", "1e300", "'1e300' is too large for one line"),
    ("ListCost", "1e13", "'1e13' is too large for one line"),
    ("ConsumedQuantity", "1e308", "'1e308' is too large for one line (more than 1e30"),
]


@BOTH
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize(("column", "value", "phrase"), BAD_AMOUNTS)
def test_a_focus_amount_past_any_bills_is_refused_by_either_path(
        cache: Cache, tmp_path: Path, path_kind: str, suffix: str, column: str, value: str,
        phrase: str) -> None:
    # Two lines of 1e308 made the file's total infinity, and reconciliation passed on NaN.
    path = write(tmp_path / f"bill{suffix}", FOCUS,
                 [cells(FOCUS), cells(FOCUS, **{column: value}), cells(FOCUS, **{column: value})])
    assert_refused(cache, path, line=3, column=column, phrase=phrase, path_kind=path_kind)


@BOTH
def test_a_cur_cost_past_any_bills_is_refused_by_either_path(
        cache: Cache, tmp_path: Path, path_kind: str) -> None:
    path = write(tmp_path / "cur.csv", CUR,
                 [cells(CUR), *[cells(CUR, lineItem_UnblendedCost="1e308")] * 2])
    assert_refused(cache, path, line=3, column="lineItem/UnblendedCost",
                   phrase="'1e308' is too large for one line", path_kind=path_kind)


@pytest.mark.parametrize(("header", "file", "change", "column", "phrase"), [
    (AZURE, "azure.csv", {"Cost": "1e308"}, "Cost", "'1e308' is too large for one line"),
    (AZURE, "azure.csv", {"Quantity": "inf"}, "Quantity", "'inf' is not a number: it is not "
     "finite"),
    (GCP, "gcp.csv", {"cost": "1e308"}, "cost", "'1e308' is too large for one line"),
    (GCP, "gcp.csv", {"credits": "[{'name': 'x', 'amount': -1e308}]"}, "credits",
     "'-1e+308' is too large for one line"),
    (GCP, "gcp.csv", {"usage_amount": "1e308"}, "usage.amount",
     "'1e308' is too large for one line"),
], ids=["azure-cost", "azure-quantity-inf", "gcp-cost", "gcp-credit", "gcp-usage-amount"])
def test_an_azure_or_gcp_amount_past_any_bills_is_refused(
        cache: Cache, tmp_path: Path, header: tuple[str, ...], file: str,
        change: dict[str, str], column: str, phrase: str) -> None:
    path = write(tmp_path / file, header, [cells(header), *[cells(header, **change)] * 2])
    assert_refused(cache, path, line=3, column=column, phrase=phrase)


def test_a_gcp_json_cost_past_any_bills_or_true_is_refused(cache: Cache,
                                                          tmp_path: Path) -> None:
    def record(cost: Any) -> str:
        return json.dumps({"billing_account_id": "0123-ABCD",
                           "service": {"description": "Vertex AI"},
                           "usage_start_time": f"{DAY}T10:00:00Z", "project": {"id": "p-1"},
                           "cost": cost, "currency": "USD", "credits": [], "labels": []})

    path = tmp_path / "gcp.jsonl"
    path.write_text(f"{record(1.0)}\n{record(1e308)}\n{record(1e308)}\n", encoding="utf-8")
    assert_refused(cache, path, line=2, column="cost", phrase="'1e+308' is too large")
    path.write_text(f"{record(1.0)}\n{record(True)}\n", encoding="utf-8")  # float(True) is 1
    with Cache.open(tmp_path / "other.sqlite") as other, \
            pytest.raises(BadInput, match=r"line 2, column 'cost': 'True' is not a cost"):
        import_file(other, path)


def test_totals_that_stop_being_finite_are_refused_for_every_source() -> None:
    """The guard the live connectors share: each of their amounts is counted here."""
    found = BillFile(Path("openai"))
    found.count(dt.date(2025, 3, 2), 1e308, 1e308)
    with pytest.raises(BadInput, match="no bill holds that much"):
        found.count(dt.date(2025, 3, 2), 1e308, 1e308)


# -- 8. offsets: every path dates a line by its UTC day ----------------------------------

#: (stamp, its UTC day)
STAMPS = [
    ("2024-09-18T22:00:00-05:00", "2024-09-19"),
    ("2024-09-19T02:00:00+05:30", "2024-09-18"),
    ("2024-09-18T19:00:00-0500", "2024-09-19"),
    ("2024-09-18T20:00-05", "2024-09-19"),
    ("2024-09-18t23:30:00-01:00", "2024-09-19"),
    ("2024-09-18T23:59:59.9999999Z", "2024-09-18"),
    ("2024-09-18 10:00:00 UTC", "2024-09-18"),
    ("2024-09-18T23:00:00+00:00", "2024-09-18"),
    ("2024-09-18 23:00:00", "2024-09-18"),
    ("2024-09-18", "2024-09-18"),
]


def days_by_resource(cache: Cache) -> dict[str, str]:
    return dict(cache._rows("SELECT resource_id, charge_period_start FROM charges"))


@BOTH
@pytest.mark.parametrize(("header", "file"), [
    (FOCUS, "bill.csv"), (FOCUS, "bill.csv.gz"), (FOCUS, "bill.parquet"), (CUR, "cur.csv")])
def test_a_stamp_with_an_offset_is_dated_by_its_utc_day_by_either_path(
        cache: Cache, tmp_path: Path, path_kind: str, header: tuple[str, ...],
        file: str) -> None:
    start, resource = header[0], next(n for n in header if n.endswith("ResourceId"))
    path = write(tmp_path / file, header, [cells(header, **{
        start.replace("/", "_"): stamp, resource.replace("/", "_"): f"r{n}"})
        for n, (stamp, _) in enumerate(STAMPS)])
    with taking(path_kind) as answers:
        result = import_file(cache, path, source=SOURCE)
    assert answers == [path_kind == FAST]
    assert days_by_resource(cache) == {f"r{n}": day for n, (_, day) in enumerate(STAMPS)}
    assert (result.first, result.last) == (dt.date(2024, 9, 18), dt.date(2024, 9, 19))


@pytest.mark.parametrize(("header", "file", "column"), [
    (AZURE, "azure.csv", "Date"), (GCP, "gcp.csv", "usage_start_time")])
def test_an_azure_or_gcp_stamp_with_an_offset_is_dated_by_its_utc_day(
        cache: Cache, tmp_path: Path, header: tuple[str, ...], file: str,
        column: str) -> None:
    resource = "ResourceId" if header == AZURE else "resource_name"
    path = write(tmp_path / file, header, [
        cells(header, **{column.replace(".", "_"): stamp, resource: f"r{n}"})
        for n, (stamp, _) in enumerate(STAMPS)])
    import_file(cache, path, source=SOURCE)
    assert days_by_resource(cache) == {f"r{n}": day for n, (_, day) in enumerate(STAMPS)}


def test_a_gcp_json_stamp_with_an_offset_is_dated_by_its_utc_day(cache: Cache,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "gcp.jsonl"
    path.write_text("".join(json.dumps({
        "billing_account_id": "0123-ABCD", "service": {"description": "Vertex AI"},
        "usage_start_time": stamp, "project": {"id": "p-1"}, "resource": {"name": f"r{n}"},
        "cost": 1.5, "currency": "USD", "credits": [], "labels": []}) + "\n"
        for n, (stamp, _) in enumerate(STAMPS)), encoding="utf-8")
    import_file(cache, path, source=SOURCE)
    assert days_by_resource(cache) == {f"r{n}": day for n, (_, day) in enumerate(STAMPS)}


ZONES = ("Z", "+00:00", "-05:00", "+05:30", "-0800", "+14:00", "-11", " UTC", "")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 23), st.integers(0, 59),
                                st.sampled_from(ZONES), st.integers(1, 999)),
                      min_size=1, max_size=30))
def test_random_offsets_give_the_same_days_and_sums_by_either_path(
        lines: list[tuple[int, int, int, str, int]]) -> None:
    rows, expected = [], {}
    for n, (day, hour, minute, zone, cents) in enumerate(lines):
        local = dt.datetime(2025, 3, 10 + day, hour, minute)
        stamp = f"{local.isoformat(timespec='minutes')}:00{zone}"
        offset = 0 if zone in ("Z", " UTC", "") else \
            int(zone[1:3]) * 60 + int(zone[-2:] if len(zone) > 3 else 0)
        utc = local - dt.timedelta(minutes=offset if zone.startswith("+") else -offset)
        expected[f"r{n}"] = (utc.date().isoformat(), cents / 100)
        rows.append(cells(FOCUS, ChargePeriodStart=stamp, BilledCost=f"{cents / 100:.2f}",
                          ResourceId=f"r{n}"))
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        path = write(folder / "bill.csv", FOCUS, rows)
        for path_kind in (LINE, FAST):
            with taking(path_kind) as answers, \
                    Cache.open(folder / path_kind / "worthit.sqlite") as cache:
                import_file(cache, path, source=SOURCE)
                found = {r: (d, b) for r, d, b in cache._rows(
                    "SELECT resource_id, charge_period_start, billed_cost FROM charges")}
            assert answers == [path_kind == FAST]
            assert found == expected


# -- 9. days no bill charges, and stamps that are not stamps ------------------------------

BAD_STAMPS = [
    ("9999-12-31T00:00:00Z", "is out of range: a bill's days run from 2000-01-01 to"),
    ("0001-01-01T00:00:00Z", "is out of range"),
    ("1999-12-31T12:00:00Z", "is out of range"),
    (f"{NEXT_YEAR}T00:00:00Z", "is out of range"),
    ("2024-09-18garbage", "'2024-09-18garbage' is not a date and time"),
    ("2024-09-18T25:00:00Z", "is not a date and time"),
    ("2024-09-18T10:00:00Z junk", "is not a date and time"),
    ("2024-09-18T10:00:00+05:00:00", "is not a date and time"),
]


@BOTH
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize(("stamp", "phrase"), BAD_STAMPS)
def test_a_focus_day_no_bill_charges_is_refused_by_either_path(
        cache: Cache, tmp_path: Path, path_kind: str, suffix: str, stamp: str,
        phrase: str) -> None:
    path = write(tmp_path / f"bill{suffix}", FOCUS,
                 [cells(FOCUS), cells(FOCUS, ChargePeriodStart=stamp), cells(FOCUS)])
    assert_refused(cache, path, line=3, column="ChargePeriodStart", phrase=phrase,
                   path_kind=path_kind)


@BOTH
@pytest.mark.parametrize("year", [1970, 9999])
def test_a_typed_parquet_timestamp_no_bill_charges_is_refused_by_either_path(
        cache: Cache, tmp_path: Path, path_kind: str, year: int) -> None:
    rows = [cells(FOCUS) for _ in range(3)]
    table = pa.table({n: [row[n] for row in rows] for n in FOCUS}).set_column(
        0, "ChargePeriodStart", pa.array([dt.datetime(2025, 3, 2), dt.datetime(year, 12, 31),
                                          dt.datetime(2025, 3, 2)], pa.timestamp("us")))
    pq.write_table(table, path := tmp_path / "bill.parquet")
    assert_refused(cache, path, line=3, column="ChargePeriodStart", phrase="is out of range",
                   path_kind=path_kind)


@BOTH
@pytest.mark.parametrize(("stamp", "phrase"), BAD_STAMPS[:1] + BAD_STAMPS[4:5])
def test_a_cur_day_no_bill_charges_is_refused_by_either_path(
        cache: Cache, tmp_path: Path, path_kind: str, stamp: str, phrase: str) -> None:
    path = write(tmp_path / "cur.csv", CUR,
                 [cells(CUR), cells(CUR, lineItem_UsageStartDate=stamp)])
    assert_refused(cache, path, line=3, column="lineItem/UsageStartDate", phrase=phrase,
                   path_kind=path_kind)


@pytest.mark.parametrize(("header", "file", "change", "column", "phrase"), [
    (AZURE, "azure.csv", {"Date": "12/31/9999"}, "Date", "'12/31/9999' is out of range"),
    (AZURE, "azure.csv", {"Date": "2024-09-18garbage"}, "Date", "is not a date"),
    (GCP, "gcp.csv", {"usage_start_time": "0001-01-01 00:00:00+00:00"}, "usage_start_time",
     "is out of range"),
    (GCP, "gcp.csv", {"usage_start_time": "2024-09-18garbage"}, "usage_start_time",
     "is not a date and time"),
], ids=["azure-9999", "azure-garbage", "gcp-0001", "gcp-garbage"])
def test_an_azure_or_gcp_day_no_bill_charges_is_refused(
        cache: Cache, tmp_path: Path, header: tuple[str, ...], file: str,
        change: dict[str, str], column: str, phrase: str) -> None:
    path = write(tmp_path / file, header, [cells(header), cells(header, **change)])
    assert_refused(cache, path, line=3, column=column, phrase=phrase)


# -- 13. numbers only ASCII decimal notation; currencies only ISO 4217 --------------------

ODD_NUMBERS = ["1_000", "\u0661\u0662", "\uff11\uff12", "+-1", "1e1_0"]


@BOTH
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_a_number_not_in_ascii_decimal_notation_is_refused_by_either_path(
        cache: Cache, tmp_path: Path, path_kind: str, suffix: str, value: str) -> None:
    # float() reads all but +-1 (and DuckDB reads 1_000, 1e1_0 and +-1).
    path = write(tmp_path / f"bill{suffix}", FOCUS,
                 [cells(FOCUS), cells(FOCUS, BilledCost=value)])
    assert_refused(cache, path, line=3, column="BilledCost",
                   phrase=f"{value!r} is not a number", path_kind=path_kind)


@BOTH
def test_a_cur_number_not_in_ascii_decimal_notation_is_refused_by_either_path(
        cache: Cache, tmp_path: Path, path_kind: str) -> None:
    path = write(tmp_path / "cur.csv", CUR,
                 [cells(CUR), cells(CUR, lineItem_UsageAmount="2_4")])
    assert_refused(cache, path, line=3, column="lineItem/UsageAmount",
                   phrase="'2_4' is not a number", path_kind=path_kind)


@pytest.mark.parametrize(("header", "file", "change", "column", "phrase"), [
    (AZURE, "azure.csv", {"Cost": "1_000"}, "Cost", "'1_000' is not a cost"),
    (GCP, "gcp.csv", {"cost": "\uff11\uff12"}, "cost", "'１２' is not a cost"),
], ids=["azure", "gcp"])
def test_an_azure_or_gcp_number_not_in_ascii_decimal_notation_is_refused(
        cache: Cache, tmp_path: Path, header: tuple[str, ...], file: str,
        change: dict[str, str], column: str, phrase: str) -> None:
    path = write(tmp_path / file, header, [cells(header), cells(header, **change)])
    assert_refused(cache, path, line=3, column=column, phrase=phrase)


@BOTH
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("code", ["XYZ", "XXX", "XTS"])
def test_a_currency_iso_4217_does_not_list_is_refused_by_either_path(
        cache: Cache, tmp_path: Path, path_kind: str, suffix: str, code: str) -> None:
    # The whole file in it: the fast path's own check of the one currency, not "mixed".
    path = write(tmp_path / f"bill{suffix}", FOCUS,
                 [cells(FOCUS, BillingCurrency=code) for _ in range(3)])
    assert_refused(cache, path, line=2, column="BillingCurrency",
                   phrase=f"unknown currency {code!r}", path_kind=path_kind)


@pytest.mark.parametrize(("header", "file", "change", "column"), [
    (CUR, "cur.csv", {"lineItem_CurrencyCode": "XYZ"}, "lineItem/CurrencyCode"),
    (AZURE, "azure.csv", {"BillingCurrency": "XYZ"}, "BillingCurrency"),
    (GCP, "gcp.csv", {"currency": "XYZ"}, "currency"),
], ids=["cur", "azure", "gcp"])
def test_a_currency_iso_4217_does_not_list_is_refused_in_every_format(
        cache: Cache, tmp_path: Path, header: tuple[str, ...], file: str,
        change: dict[str, str], column: str) -> None:
    path = write(tmp_path / file, header, [cells(header, **change)] * 2)
    assert_refused(cache, path, line=2, column=column, phrase="unknown currency 'XYZ'")


@BOTH
def test_a_real_currency_other_than_dollars_still_imports(cache: Cache, tmp_path: Path,
                                                          path_kind: str) -> None:
    path = write(tmp_path / "bill.csv", FOCUS, [cells(FOCUS, BillingCurrency="CHF")] * 2)
    with taking(path_kind):
        assert import_file(cache, path, source=SOURCE).currency == "CHF"


# -- 13. a column given twice ------------------------------------------------------------


@BOTH
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_focus_column_given_twice_is_refused_naming_both(
        cache: Cache, tmp_path: Path, path_kind: str, suffix: str) -> None:
    header = (*FOCUS, "BilledCost")  # columns 2 and 11
    rows = [[*cells(FOCUS).values(), "99"]] * 2
    path = tmp_path / f"bill{suffix}"
    if suffix == ".parquet":
        pq.write_table(pa.Table.from_arrays(
            [pa.array([row[i] for row in rows]) for i in range(len(header))],
            names=list(header)), path)
    else:
        path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n",
                        encoding="utf-8")
    assert_refused(cache, path, line=1, column="BilledCost",
                   phrase="columns 2 and 11 are both named 'BilledCost'", path_kind=path_kind)


@pytest.mark.parametrize(("header", "file", "second", "column", "phrase"), [
    (CUR, "cur.csv", "line_item_unblended_cost", "line_item_unblended_cost",
     "columns 7 and 9 are both the same column ('lineItem/UnblendedCost' and "
     "'line_item_unblended_cost')"),
    (AZURE, "azure.csv", "Cost", "Cost", "columns 5 and 9 are both named 'Cost'"),
    (GCP, "gcp.csv", "cost", "cost", "columns 5 and 11 are both named 'cost'"),
], ids=["cur-two-spellings", "azure", "gcp"])
def test_a_column_given_twice_is_refused_in_every_format(
        cache: Cache, tmp_path: Path, header: tuple[str, ...], file: str, second: str,
        column: str, phrase: str) -> None:
    rows = [[*cells(header).values(), "99"]] * 2
    path = tmp_path / file
    path.write_text("\n".join(",".join(r) for r in [(*header, second), *rows]) + "\n",
                    encoding="utf-8")
    assert_refused(cache, path, line=1, column=column, phrase=phrase)


# -- 13. lines ending in a carriage return alone -----------------------------------------


@pytest.mark.parametrize(("file", "kind", "header"), [
    ("bill.csv", "auto", FOCUS), ("bill.csv.gz", "auto", FOCUS), ("bill.csv", "focus", FOCUS),
    ("cur.csv", "aws-cur", CUR), ("gcp.csv", "gcp", GCP), ("gcp.csv", "auto", GCP)])
def test_lines_ending_in_a_carriage_return_alone_are_refused_with_a_message(
        cache: Cache, tmp_path: Path, file: str, kind: str, header: tuple[str, ...]) -> None:
    text = csv_text(header, [cells(header)] * 3).replace("\n", "\r").encode()
    path = tmp_path / file
    path.write_bytes(gzip.compress(text, mtime=0) if file.endswith(".gz") else text)
    assert_refused(cache, path, line=1, column=None, kind=kind,
                   phrase="the lines end in a carriage return alone")


def test_crlf_line_endings_still_import(cache: Cache, tmp_path: Path) -> None:
    path = tmp_path / "bill.csv"
    path.write_bytes(csv_text(FOCUS, [cells(FOCUS)] * 3).replace("\n", "\r\n").encode())
    assert import_file(cache, path, source=SOURCE).rows_read == 3


# -- 13. a folder given as a file --------------------------------------------------------


@pytest.mark.parametrize("name", ["bill.csv", "bill.parquet", "gcp.jsonl"])
def test_the_readers_say_a_folder_is_a_folder(tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    folder.mkdir()
    read = read_gcp if name.endswith(".jsonl") else read_focus
    with pytest.raises(BadInput) as caught:
        list(read(folder, BillFile(folder)))
    assert str(caught.value) == f"{folder}: is a folder, not a file: give the billing " \
                                "files in it"


def test_importing_a_folder_says_it_is_a_folder(cache: Cache, tmp_path: Path) -> None:
    folder = tmp_path / "bill.csv"
    folder.mkdir()
    with pytest.raises(BadInput, match="is a folder, not a file"):
        import_file(cache, folder, source=SOURCE)

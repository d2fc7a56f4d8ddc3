"""A corpus of bad billing files, one for each way a real export goes wrong.

Each file is refused with a message naming the file, and the line and column where they
mean something, and nothing from it reaches the cache: a good import of the same source,
covering the same days, is left exactly as it was, and the refusal is recorded as a failed
run. Only ``import_file``'s public behaviour is tested, so the cases hold however the
importer reads and writes (all at once or streamed in batches).

A case today's importer answers badly is marked ``xfail(strict=True)`` with the message a
user should get; its reason gives what the importer says instead."""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from worthit.core.errors import BadInput, UserError
from worthit.store.cache import Cache
from worthit.sync.importer import import_file

SOURCE = "s"
DAYS = ("2025-03-01", "2025-03-02", "2025-03-03")  # the good file's days; bad ones overlap


# -- the formats, as a header and a good row ------------------------------------------


@dataclass(frozen=True)
class Format:
    """A billing file format: its header and how a good row is written from a day
    (ISO), a cost and a currency."""

    header: tuple[str, ...]
    stamp: Callable[[str], str]  # an ISO day as this format writes its date
    cells: Callable[[str, str, str], tuple[str, ...]]  # (date, cost, currency) -> row

    def row(self, *, day: str = DAYS[1], cost: str = "10", currency: str = "USD",
            date: str | None = None, override: Mapping[str, str] | None = None) -> list[str]:
        cells = list(self.cells(self.stamp(day) if date is None else date, cost, currency))
        for column, value in (override or {}).items():
            cells[self.header.index(column)] = value
        return cells

    def rows(self, count: int, bad_line: int | None = None, **bad: Any) -> list[list[str]]:
        """``count`` good rows over the good file's days; with ``bad_line``, the row on
        that line of the file (the header is line 1) made with ``bad``."""
        return [self.row(**bad) if index + 2 == bad_line else
                self.row(day=DAYS[index % 3], cost=f"{(index % 500 + 1) / 100:.2f}")
                for index in range(count)]


FOCUS = Format(
    ("ChargePeriodStart", "ChargePeriodEnd", "BilledCost", "EffectiveCost", "ListCost",
     "BillingCurrency", "ServiceProviderName", "ServiceName", "ServiceCategory", "ResourceId",
     "Tags"),
    lambda day: f"{day}T00:00:00Z",
    lambda date, cost, currency: (date, date, cost, cost, cost, currency, "AWS", "Amazon EC2",
                                  "Compute", "i-1", ""))
CUR = Format(
    ("identity/LineItemId", "lineItem/UsageStartDate", "lineItem/LineItemType",
     "lineItem/ProductCode", "lineItem/UsageType", "lineItem/UsageAmount",
     "lineItem/CurrencyCode", "lineItem/UnblendedCost", "lineItem/ResourceId"),
    lambda day: f"{day}T00:00:00Z",
    lambda date, cost, currency: ("li-1", date, "Usage", "AmazonEC2", "BoxUsage:m6i.large",
                                  "24", currency, cost, "i-1"))
AZURE = Format(
    ("Date", "MeterCategory", "MeterName", "Quantity", "Cost", "BillingCurrency",
     "SubscriptionId", "ResourceId", "ChargeType"),
    lambda day: f"{day[5:7]}/{day[8:10]}/{day[:4]}",  # month first, as EA exports write it
    lambda date, cost, currency: (date, "Virtual Machines", "D2s v5", "24", cost, currency,
                                  "sub-1", "/subscriptions/sub-1/vm-1", "Usage"))
GCP = Format(
    ("billing_account_id", "service.description", "sku.description", "usage_start_time",
     "project.id", "cost", "currency", "credits", "labels"),
    lambda day: f"{day} 10:00:00+00:00",
    lambda date, cost, currency: ("0123-ABCD", "Compute Engine", "N2 core", date, "p-1", cost,
                                  currency, "[]", "[]"))


# -- writing bad files --------------------------------------------------------------


def table(fmt: Format, *rows: list[str] | str, drop: str | None = None,
          header: tuple[str, ...] | None = None) -> str:
    """CSV text: the header, then rows (a list of cells, quoted as needed, or a str written
    as it is); ``drop`` leaves a column out of the header and every list row."""
    names = list(header or fmt.header)
    at = names.index(drop) if drop else None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in [names, *rows]:
        if isinstance(row, str):
            out.write(row + "\n")
        else:
            writer.writerow([c for i, c in enumerate(row) if i != at])
    return out.getvalue()


def raw(cells: list[str]) -> str:
    """A row joined with commas and no quoting, for rows the CSV writer would repair."""
    return ",".join(cells)


def gcp_json(*records: Mapping[str, Any] | str) -> str:
    """Newline-delimited GCP export records, each a good record with changes (a value of
    ``...`` leaves that key out); a str is written as it is (a broken line)."""
    def record(changes: Mapping[str, Any]) -> str:
        base: dict[str, Any] = {
            "billing_account_id": "0123-ABCD", "service": {"description": "Vertex AI"},
            "usage_start_time": f"{DAYS[1]}T10:00:00Z", "project": {"id": "p-1"},
            "cost": 10.0, "currency": "USD", "credits": [], "labels": []}
        return json.dumps({k: v for k, v in {**base, **changes}.items() if v is not ...})

    return "".join((r if isinstance(r, str) else record(r)) + "\n" for r in records)


def gz(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


def halved(data: bytes) -> bytes:
    return data[: len(data) // 2]


def noise(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def parquet(*rows: list[str], drop: str | None = None) -> bytes:
    """A FOCUS Parquet file of string columns (the reader parses them as CSV cells)."""
    columns = {name: [row[i] for row in rows] for i, name in enumerate(FOCUS.header)
               if name != drop}
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue().to_pybytes()


FOCUS_05_HEADER = ("BillingAccountId", "ChargePeriodStart", "ChargePeriodEnd", "ChargeType",
                   "BilledCost", "AmortizedCost", "BillingCurrency", "Provider", "ServiceName")
FOCUS_05_ROW = f"acct-1,{DAYS[1]}T00:00:00Z,{DAYS[1]}T01:00:00Z,Usage,10,8,USD,AWS,Amazon EC2"


# -- the corpus ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    file: str  # the bad file's name; its suffix picks the reader (.gz, .parquet)
    kind: str
    content: str | bytes | None  # None: the file does not exist
    line: int | None  # the line the message must name, where a line means something
    column: str | None  # the column it must name, where one does
    phrase: str  # what the message must say


def case(name: str, file: str, kind: str, content: str | bytes | None, line: int | None,
         column: str | None, phrase: str, *, xfail: str | None = None) -> Any:
    marks = [pytest.mark.xfail(reason=xfail, strict=True)] if xfail else []
    return pytest.param(Case(file, kind, content, line, column, phrase), id=name, marks=marks)


CASES = [
    # Nothing to read.
    case("empty-file", "bill.csv", "auto", b"", None, None, "the file is empty"),
    case("blank-lines-only", "bill.csv", "auto", "\n\n   \n", None, None, "the file is empty"),
    case("empty-gzip", "bill.csv.gz", "auto", gz(""), None, None, "the file is empty"),
    case("nonexistent-path", "missing.csv", "auto", None, None, None, "no such file"),
    case("header-only-focus", "bill.csv", "auto", table(FOCUS), 2, None,
         "the file has a header but no charges"),
    case("header-only-cur", "cur.csv", "auto", table(CUR), 2, None,
         "the file has a header but no charges"),
    case("header-only-azure", "azure.csv", "auto", table(AZURE), 2, None,
         "the file has a header but no charges"),
    case("header-only-gcp", "gcp.csv", "auto", table(GCP), 2, None,
         "the file has no billing rows"),
    # A required column missing.
    case("focus-no-BilledCost-auto", "bill.csv", "auto",
         table(FOCUS, FOCUS.row(), drop="BilledCost"), 1, None, "no BilledCost column"),
    case("focus-no-BilledCost", "bill.csv", "focus",
         table(FOCUS, FOCUS.row(), drop="BilledCost"), 1, None, "no BilledCost column"),
    case("focus-no-ChargePeriodStart", "bill.csv", "focus",
         table(FOCUS, FOCUS.row(), drop="ChargePeriodStart"), 1, None,
         "no ChargePeriodStart column"),
    case("cur-no-UnblendedCost", "cur.csv", "aws-cur",
         table(CUR, CUR.row(), drop="lineItem/UnblendedCost"), 1, None,
         "no lineItem/UnblendedCost column"),
    case("azure-no-Cost", "azure.csv", "azure", table(AZURE, AZURE.row(), drop="Cost"), 1,
         None, "needs Date, Cost and BillingCurrency"),
    case("gcp-no-cost", "gcp.csv", "gcp", table(GCP, GCP.row(), drop="cost"), 2, None,
         "not a GCP billing export row: no cost"),
    case("gcp-json-no-cost", "gcp.jsonl", "auto", gcp_json({}, {"cost": ...}), 2, None,
         "not a GCP billing export row: no cost"),
    # Numbers that are not.
    case("focus-cost-12,34", "bill.csv", "auto", table(FOCUS, FOCUS.row(cost="12,34")), 2,
         "BilledCost", "'12,34' is not a number"),
    case("cur-cost-abc", "cur.csv", "auto", table(CUR, CUR.row(), CUR.row(cost="abc")), 3,
         "lineItem/UnblendedCost", "'abc' is not a number"),
    case("azure-cost-NaN", "azure.csv", "auto", table(AZURE, AZURE.row(cost="NaN")), 2,
         "Cost", "'NaN' is not a cost"),
    case("gcp-cost-inf", "gcp.csv", "auto", table(GCP, GCP.row(), GCP.row(cost="inf")), 3,
         "cost", "'inf' is not a cost"),
    case("focus-cost-empty", "bill.csv", "auto", table(FOCUS, FOCUS.row(cost="")), 2,
         "BilledCost", "a cost is required"),
    case("cur-cost-empty", "cur.csv", "auto", table(CUR, CUR.row(cost="")), 2,
         "lineItem/UnblendedCost", "a cost is required"),
    case("azure-cost-empty", "azure.csv", "auto", table(AZURE, AZURE.row(cost="")), 2, "Cost",
         "a cost is required"),
    case("gcp-json-cost-null", "gcp.jsonl", "auto", gcp_json({}, {"cost": None}), 2, "cost",
         "a cost is required"),
    # Dates that are not.
    case("focus-date-2025-13-01", "bill.csv", "auto",
         table(FOCUS, FOCUS.row(date="2025-13-01T00:00:00Z")), 2, "ChargePeriodStart",
         "'2025-13-01T00:00:00Z' is not a date and time"),
    case("focus-date-yesterday", "bill.csv", "auto", table(FOCUS, FOCUS.row(date="yesterday")),
         2, "ChargePeriodStart", "'yesterday' is not a date and time"),
    case("focus-date-01/02/2025", "bill.csv", "auto",
         table(FOCUS, FOCUS.row(), FOCUS.row(date="01/02/2025")), 3, "ChargePeriodStart",
         "'01/02/2025' is not a date and time"),
    case("cur-date-feb-30", "cur.csv", "auto", table(CUR, CUR.row(date="2025-02-30T00:00:00Z")),
         2, "lineItem/UsageStartDate", "'2025-02-30T00:00:00Z' is not a date and time"),
    case("azure-date-13/45/2025", "azure.csv", "auto",
         table(AZURE, AZURE.row(), AZURE.row(date="13/45/2025")), 3, "Date",
         "'13/45/2025' is not a date"),
    case("gcp-json-date-yesterday", "gcp.jsonl", "auto",
         gcp_json({}, {"usage_start_time": "yesterday"}), 2, "usage_start_time",
         "'yesterday' is not a date and time"),
    # Currencies.
    case("focus-currency-usd", "bill.csv", "auto", table(FOCUS, FOCUS.row(currency="usd")), 2,
         "BillingCurrency", "unknown currency 'usd'"),
    case("cur-currency-XX", "cur.csv", "auto", table(CUR, CUR.row(currency="XX")), 2,
         "lineItem/CurrencyCode", "unknown currency 'XX'"),
    case("azure-currency-empty", "azure.csv", "auto", table(AZURE, AZURE.row(currency="")), 2,
         "BillingCurrency", "a currency is required"),
    case("focus-mixed-currencies", "bill.csv", "auto",
         table(FOCUS, FOCUS.row(), FOCUS.row(currency="EUR")), 3, "BillingCurrency",
         "mixed currencies without a rate (USD and EUR)"),
    case("gcp-json-mixed-currencies", "gcp.jsonl", "auto", gcp_json({}, {}, {"currency": "EUR"}),
         3, "currency", "mixed currencies without a rate (USD and EUR)"),
    # Rows that do not fit the header, and CSV that is not.
    case("focus-too-few-fields", "bill.csv", "auto", table(FOCUS, FOCUS.row(), FOCUS.row()[:-1]),
         3, None, "expected 11 fields, found 10"),
    case("azure-too-many-fields", "azure.csv", "auto", table(AZURE, [*AZURE.row(), "extra"]),
         2, None, "expected 9 fields, found 10"),
    case("focus-unterminated-quote", "bill.csv", "auto",
         table(FOCUS, FOCUS.row(), raw(FOCUS.row(override={"ServiceName": '"Amazon EC2'})),
               FOCUS.row(), FOCUS.row()), 3, None, "quote"),
    case("focus-unterminated-quote-last-column", "bill.csv", "auto",
         table(FOCUS, FOCUS.row(), raw(FOCUS.row(override={"Tags": '"{team'})),
               FOCUS.row(), FOCUS.row()), 3, None, "quote"),
    case("focus-semicolon-separated", "bill.csv", "auto",
         table(FOCUS, FOCUS.row()).replace(",", ";"), 1, None, "semicolon"),
    case("gcp-json-broken-line", "gcp.jsonl", "auto",
         gcp_json({}, {}, '{"cost": 1.0, "currency": "USD",'), 3, None, "not a JSON record"),
    case("gcp-json-not-an-object", "gcp.jsonl", "auto", gcp_json({}, "[1, 2]"), 2, None,
         "not a JSON record"),
    # Not text, or not whole.
    case("truncated-gzip", "bill.csv.gz", "auto", halved(gz(table(FOCUS, *FOCUS.rows(2000)))),
         None, None, "cannot read the file"),
    case("gzip-of-garbage", "bill.csv.gz", "auto", gzip.compress(noise(4096, 1), mtime=0),
         None, None, "not UTF-8 text"),
    case("garbage-named-gz", "bill.csv.gz", "auto", noise(4096, 2), None, None,
         "cannot read the file"),
    case("binary-with-csv-extension", "bill.csv", "auto",
         b"PK\x03\x04\x14\x00\x06\x00" + noise(4096, 3), None, None, "not UTF-8 text"),
    case("latin-1-text", "bill.csv", "auto",
         table(FOCUS, FOCUS.row(), FOCUS.row(override={"ServiceName": "Caf\u00e9"})).encode(
             "latin-1"), 3, None, "not UTF-8 text"),
    case("damaged-parquet", "bill.parquet", "auto", noise(4096, 4), None, None,
         "not a readable Parquet file"),
    case("truncated-parquet", "bill.parquet", "auto", halved(parquet(*FOCUS.rows(200))), None,
         None, "not a readable Parquet file"),
    case("parquet-no-BilledCost", "bill.parquet", "auto",
         parquet(FOCUS.row(), drop="BilledCost"), 1, None, "no BilledCost column"),
    # Another format, or another kind than forced.
    case("focus-0.5-era", "bill.csv", "auto", table(FOCUS, FOCUS_05_ROW, header=FOCUS_05_HEADER),
         1, None, "a FOCUS 0.5-era file"),
    case("focus-0.5-era-without-BilledCost", "bill.csv", "auto",
         table(FOCUS, FOCUS_05_ROW.replace(",10,8,", ",8,"),
               header=tuple(c for c in FOCUS_05_HEADER if c != "BilledCost")),
         1, None, "a FOCUS 0.5-era file"),
    case("unrecognised-csv", "bill.csv", "auto", "id,name,amount\n1,lunch,12.50\n", 1, None,
         "not a file Worthit reads yet"),
    case("cur-forced-as-focus", "cur.csv", "focus", table(CUR, CUR.row()), 1, None,
         "not a FOCUS file"),
    case("focus-forced-as-aws-cur", "bill.csv", "aws-cur", table(FOCUS, FOCUS.row()), 1, None,
         "not an AWS CUR file"),
    case("azure-forced-as-gcp", "azure.csv", "gcp", table(AZURE, AZURE.row()), 2, None,
         "not a GCP billing export row"),
    # Bad rows far from the top, and after good ones.
    case("focus-bad-row-at-line-5000", "bill.csv", "auto",
         table(FOCUS, *FOCUS.rows(5100, bad_line=5000, cost="abc")), 5000, "BilledCost",
         "'abc' is not a number"),
    case("cur-gzip-bad-row-at-line-5000", "cur.csv.gz", "auto",
         gz(table(CUR, *CUR.rows(5100, bad_line=5000, currency="EUR"))), 5000,
         "lineItem/CurrencyCode", "mixed currencies without a rate (USD and EUR)"),
    case("focus-bad-row-after-a-two-line-field", "bill.csv", "auto",
         table(FOCUS, FOCUS.row(), FOCUS.row(override={"Tags": '{"team":\n"search"}'}),
               FOCUS.row(cost="twelve")), 5, "BilledCost", "'twelve' is not a number"),
    case("cur-good-file-bad-last-line", "cur.csv", "auto",
         table(CUR, *CUR.rows(50), CUR.row(cost="twelve")), 52, "lineItem/UnblendedCost",
         "'twelve' is not a number"),
]


# -- the test -----------------------------------------------------------------------


def totals(cache: Cache) -> tuple[int, float]:
    count, billed = cache._rows("SELECT COUNT(*), TOTAL(billed_cost) FROM charges")[0]
    return count, billed


def test_the_corpus_is_large_and_its_names_unique() -> None:
    assert len(CASES) >= 35
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("bad", CASES)
def test_a_bad_file_is_refused_with_its_place_and_nothing_lands(
        cache: Cache, tmp_path: Path, bad: Case) -> None:
    good = tmp_path / "good.csv"
    good.write_text(table(FOCUS, *(FOCUS.row(day=d, cost=c)
                                   for d, c in zip(DAYS, ("1.25", "2.5", "4"), strict=True))))
    import_file(cache, good, source=SOURCE)
    before = totals(cache)
    assert before == (3, 7.75)
    path = tmp_path / bad.file
    if isinstance(bad.content, bytes):
        path.write_bytes(bad.content)
    elif bad.content is not None:
        path.write_text(bad.content, encoding="utf-8", newline="")

    with pytest.raises(UserError) as caught:
        import_file(cache, path, kind=bad.kind, source=SOURCE)

    message = str(caught.value)
    assert str(path) in message
    if bad.line is not None:
        assert re.search(rf"\bline {bad.line}\b", message), message
    if bad.column is not None:
        assert f"column {bad.column!r}" in message
    assert bad.phrase in message
    if isinstance(caught.value, BadInput):
        assert caught.value.file == str(path)
        assert bad.line is None or caught.value.line == bad.line
        assert bad.column is None or caught.value.column == bad.column
    assert totals(cache) == before
    runs = [tuple(r) for r in cache._rows(
        "SELECT source_id, result, error FROM sync_runs ORDER BY run_id")]
    assert runs == [(SOURCE, "ok", None), (SOURCE, "failed", message)]

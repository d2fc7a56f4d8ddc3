"""FOCUS versions: a 1.4 file (the real 1.0 sample reshaped as 1.4 writes it) imports with the
1.0 original's totals to the cent, by the line reader and by the DuckDB fast path; the
columns a bill states land in the cache; a version newer than 1.4 is refused by name,
whether a column or the export's metadata declares it; and the ContractCommitment dataset
is recognised and read, not taken for charges."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.conftest import run_cli
from tests.shared_data import sample
from tests.sources.test_fast_path import FAST, LINE, imported, spy_on_daily

from worthit.core.errors import BadInput, UserError
from worthit.export import focus_spec
from worthit.sources import focus
from worthit.sources.focus import (
    ContractCommitment,
    focus_version,
    read_contract_commitments,
    spec_name,
)
from worthit.store.cache import Cache
from worthit.sync.importer import import_file, recognise
from worthit.workspace import Workspace

SAMPLE = ("focus", "focus-1.0-sample-aws-azure-oci.csv")
STAMPS = ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd")
#: What 1.1 to the 1.4 draft added, as a 1.4 export fills them on the sample's lines.
ADDED = {"BillingAccountType": "Billing Account", "CapacityReservationId": "NULL",
         "CapacityReservationStatus": "NULL", "CommitmentProgramEligibilityDetails": "NULL",
         "InvoiceDetailId": "d-1", "InvoiceId": "inv-2024-09", "PricingCurrency": "USD",
         "ServiceSubcategory": "Other (Other)", "SubAccountType": "Account",
         "AllocatedMethodId": "NULL", "ContractApplied": "NULL"}


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as file:
        header, *rows = list(csv.reader(file))
    return header, rows


def as_1_4(original: Path) -> tuple[list[str], list[list[str]]]:
    """The 1.0 sample as the 1.4 draft writes it: ServiceProviderName for ProviderName,
    HostProviderName for PublisherName, the columns 1.1 to 1.4 added, stamps as
    ``YYYY-MM-DDTHH:mm:ssZ``, custom columns prefixed ``x_``, FOCUS columns sorted first."""
    header, rows = rows_of(original)
    renamed = {"ProviderName": "ServiceProviderName", "PublisherName": "HostProviderName",
               "Id": "x_SampleId"}
    records = []
    for row in rows:
        record = {renamed.get(n, n): v for n, v in zip(header, row, strict=True)}
        for name in STAMPS:
            record[name] = record[name].replace(" ", "T") + "Z"
        used = record["CommitmentDiscountId"] not in ("", "NULL")
        record |= ADDED | {"PricingCurrencyEffectiveCost": record["EffectiveCost"],
                           "CommitmentDiscountQuantity": "1.5" if used else "NULL",
                           "CommitmentDiscountUnit": "Hours" if used else "NULL",
                           "x_ServiceCode": "AmazonSQS"}
        records.append(record)
    names = sorted(records[0], key=lambda n: (n.startswith("x_"), n))
    return names, [[r[n] for n in names] for r in records]


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    if path.suffix == ".parquet":
        pq.write_table(pa.table({n: [r[i] for r in rows] for i, n in enumerate(header)}), path)
        return path
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    data = text.getvalue().encode()
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path


def per_provider_and_day(folder: Path) -> dict[tuple[str, str], tuple[float, float]]:
    with Cache.open(folder / "worthit.sqlite") as cache:
        return {(r[0], r[1]): (round(r[2], 2), round(r[3], 2)) for r in cache._rows(
            "SELECT provider_name, charge_period_start, SUM(billed_cost), "
            "SUM(effective_cost) FROM charges GROUP BY 1, 2")}


# -- 1. FOCUS 1.4 Cost and Usage --------------------------------------------------------


@pytest.mark.parametrize(("suffix", "path_kind"), [
    (".csv", LINE), (".csv.gz", FAST), (".parquet", LINE), (".parquet", FAST)])
def test_a_1_4_file_imports_with_the_totals_of_its_1_0_original(
        tmp_path: Path, suffix: str, path_kind: str) -> None:
    original = sample(*SAMPLE)
    header, rows = as_1_4(original)
    reshaped = write(tmp_path / f"focus-1.4{suffix}", header, rows)
    assert focus_version(header, str(reshaped)) == "1.4"
    assert focus_version(rows_of(original)[0], str(original)) == "1.0"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    old = imported(original, tmp_path / "a", path_kind)
    new = imported(reshaped, tmp_path / "b", path_kind)
    assert new.result.kind == "focus"
    assert new.result.rows_read == old.result.rows_read == 1000
    for what in ("file_billed", "file_effective", "cache_billed", "cache_effective"):
        assert round(getattr(new.result, what), 2) == round(getattr(old.result, what), 2)
    assert round(new.result.file_billed, 6) == 20.520227  # the README's raw column sum
    assert per_provider_and_day(tmp_path / "b" / path_kind) == \
        per_provider_and_day(tmp_path / "a" / path_kind)


def test_the_columns_a_bill_states_land_from_the_real_sample(tmp_path: Path) -> None:
    original = sample(*SAMPLE)
    header, rows = rows_of(original)

    def total(column: str) -> Decimal:
        at = header.index(column)
        return sum((Decimal(r[at]) for r in rows if r[at] not in ("", "NULL")), Decimal())

    for path_kind in (LINE, FAST):
        imported(original, tmp_path, path_kind)
        with Cache.open(tmp_path / path_kind / "worthit.sqlite") as cache:
            contracted, priced = cache._rows(
                "SELECT TOTAL(contracted_cost), TOTAL(pricing_quantity) FROM charges")[0]
            assert contracted == pytest.approx(float(total("ContractedCost")), abs=1e-9)
            assert priced == pytest.approx(float(total("PricingQuantity")), abs=1e-9)
            # "Usage-based" (7 lines) is read as the spec spells it.
            assert {r[0] for r in cache._rows("SELECT DISTINCT charge_frequency FROM "
                                              "charges")} == {"Usage-Based", "One-Time"}
            issuers = {r[0] for r in cache._rows("SELECT invoice_issuer_name FROM charges")}
            assert "Amazon Web Services EMEA SARL" in issuers and "Oracle" in issuers
            plans = cache._rows(
                "SELECT commitment_discount_type, commitment_discount_category, "
                "commitment_discount_status, pricing_category, COUNT(*) FROM charges "
                "WHERE commitment_discount_id LIKE 'arn:aws:savingsplans:%' GROUP BY 1, 2, 3, 4")
            assert [tuple(p)[:4] for p in plans] == [("Savings Plan", "Spend", "Used",
                                                      "Committed")]


NEW_HEADER = ["ChargePeriodStart", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
              "BillingCurrency", "ServiceProviderName", "ServiceName", "BillingAccountId",
              "BillingAccountName", "ChargeFrequency", "InvoiceIssuerName", "PricingCategory",
              "PricingUnit", "PricingQuantity", "ConsumedQuantity", "CommitmentDiscountId",
              "CommitmentDiscountName", "CommitmentDiscountType", "CommitmentDiscountCategory",
              "CommitmentDiscountStatus", "CommitmentDiscountUnit", "CommitmentDiscountQuantity"]


def new_row(hour: str, day: str = "2025-03-01", billed: str = "10", contracted: str = "9",
            priced: str = "5", committed: str = "4", frequency: str = "usage-based",
            category: str = "Committed", plan: str = "sp-1") -> list[str]:
    return [f"{day}T{hour}:00:00Z", billed, "8", "12", contracted, "USD", "AWS", "Amazon EC2",
            "111", "Acme", frequency, "Amazon Web Services, Inc.", category, "Hours", priced,
            "5", plan, "My plan", "Savings Plan", "spend", "used", "Hours", committed]


@pytest.mark.parametrize("path_kind", [LINE, FAST])
@pytest.mark.parametrize("issuer", ["InvoiceIssuerName", "InvoiceIssuer"])
def test_each_new_column_lands_in_the_cache(tmp_path: Path, path_kind: str,
                                            issuer: str) -> None:
    header = [issuer if n == "InvoiceIssuerName" else n for n in NEW_HEADER]
    path = write(tmp_path / "bill.csv", header, [
        new_row("10"), new_row("11", contracted="3.5", priced="2.25", committed="1.5"),
        new_row("10", day="2025-03-02", frequency="Recurring", category="On-Demand",
                plan="NULL", committed="NULL")])
    imported(path, tmp_path, path_kind)
    with Cache.open(tmp_path / path_kind / "worthit.sqlite") as cache:
        got = [dict(r) for r in cache._rows(
            "SELECT charge_period_start AS day, billing_account_name, charge_frequency, "
            "invoice_issuer_name, pricing_category, pricing_unit, commitment_discount_id, "
            "commitment_discount_name, commitment_discount_type, "
            "commitment_discount_category, commitment_discount_status, "
            "commitment_discount_unit, SUM(billed_cost) AS billed, "
            "SUM(contracted_cost) AS contracted, SUM(pricing_quantity) AS priced, "
            "SUM(commitment_discount_quantity) AS committed FROM charges "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 ORDER BY 1")]
    plan = {"commitment_discount_id": "sp-1", "commitment_discount_name": "My plan",
            "commitment_discount_type": "Savings Plan", "commitment_discount_category": "Spend",
            "commitment_discount_status": "Used", "commitment_discount_unit": "Hours"}
    same = {"billing_account_name": "Acme", "invoice_issuer_name": "Amazon Web Services, Inc.",
            "pricing_unit": "Hours"}
    assert got == [
        {"day": "2025-03-01", **same, "charge_frequency": "Usage-Based",
         "pricing_category": "Committed", **plan, "billed": 20.0, "contracted": 12.5,
         "priced": 7.25, "committed": 5.5},
        # 1.0-preview's On-Demand is 1.0's Standard; the plan's id and quantity were null.
        {"day": "2025-03-02", **same, "charge_frequency": "Recurring",
         "pricing_category": "Standard", **plan, "commitment_discount_id": None,
         "billed": 10.0, "contracted": 9.0, "priced": 5.0, "committed": None},
    ]


@pytest.mark.parametrize("path_kind", [LINE, FAST])
@pytest.mark.parametrize(("cell", "value", "message"), [
    ("ContractedCost", "abc", "'abc' is not a number"),
    ("ContractedCost", "2e12", "is too large for one line (more than 1e12"),
    ("PricingQuantity", "1e31", "is too large for one line (more than 1e30"),
    ("CommitmentDiscountQuantity", "lots", "'lots' is not a number"),
])
def test_a_bad_new_cell_is_refused_with_its_file_line_and_column(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path_kind: str, cell: str,
        value: str, message: str) -> None:
    rows = [new_row(f"{h:02d}") for h in range(4)]
    rows[2][NEW_HEADER.index(cell)] = value
    path = write(tmp_path / "bill.csv", NEW_HEADER, rows)
    answers = spy_on_daily(monkeypatch, small=0 if path_kind == FAST else 10**18)
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        with pytest.raises(UserError) as refused:
            import_file(cache, path)
        assert f"{path}, line 4, column '{cell}': " in str(refused.value)
        assert message in str(refused.value)
        assert cache._scalar("SELECT COUNT(*) FROM charges") == 0
    assert answers == [False]  # the fast path declines it; the line reader names the line


def test_a_quantity_may_be_larger_than_any_cost(tmp_path: Path, cache: Cache) -> None:
    rows = [new_row("10", priced="1e20", committed="1e20")]
    done = import_file(cache, write(tmp_path / "bill.csv", NEW_HEADER, rows))
    assert done.rows_written == 1
    assert cache._scalar("SELECT pricing_quantity FROM charges") == 1e20


# -- 2. versions we do not read ----------------------------------------------------------


@pytest.mark.parametrize("path_kind", [LINE, FAST])
def test_a_line_declaring_a_newer_version_is_refused_by_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path_kind: str) -> None:
    header = [*NEW_HEADER, "x_FocusVersion"]
    rows = [[*new_row(f"{h:02d}"), "1.4"] for h in range(4)]
    ok = write(tmp_path / "ok.csv", header, rows)
    rows[2][-1] = "1.5"
    newer = write(tmp_path / "newer.csv", header, rows)
    spy_on_daily(monkeypatch, small=0 if path_kind == FAST else 10**18)
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        assert import_file(cache, ok).rows_read == 4
        with pytest.raises(UserError) as refused:
            import_file(cache, newer)
    text = str(refused.value)
    assert text.startswith(f"{newer}, ")
    assert "column 'x_FocusVersion': the file declares FOCUS 1.5: Worthit reads FOCUS 1.0 " \
           "to 1.4" in text
    if path_kind == LINE:
        assert f"{newer}, line 4, " in text


def schema(version: str, columns: list[str], schema_id: str = "1234-abcde") -> str:
    """FOCUS schema metadata, as the spec's Schema Metadata example writes it."""
    return json.dumps({"SchemaId": schema_id, "FocusVersion": version,
                       "CreationDate": "2024-01-01T12:01:03.083z",
                       "ColumnDefinition": [{"ColumnName": c, "DataType": "STRING"}
                                            for c in columns]})


@pytest.mark.parametrize(("version", "refused"), [
    ("1.5", "declares FOCUS 1.5: Worthit reads FOCUS 1.0 to 1.4"),
    ("2.0", "declares FOCUS 2.0: Worthit reads FOCUS 1.0 to 1.4"),
    ("0.5", "declares FOCUS 0.5, whose costs do not mean what 1.x's do"),
    ("soon", "declares FOCUS version 'soon', which names no FOCUS version"),
    ("1.4", None), ("1.2", None)])
def test_a_schema_beside_the_file_declares_its_version(
        cache: Cache, tmp_path: Path, version: str, refused: str | None) -> None:
    path = write(tmp_path / "bill.csv", NEW_HEADER, [new_row("10")])
    meta = tmp_path / "schema-1234.json"
    meta.write_text(schema(version, NEW_HEADER))
    (tmp_path / "other.json").write_text(schema("9.9", ["Something", "Else"]))  # not ours
    (tmp_path / "broken.json").write_text("{not json")  # ignored, as a hint
    if refused is None:
        assert import_file(cache, path).rows_written == 1
        return
    with pytest.raises(UserError) as caught:
        import_file(cache, path)
    assert str(caught.value).startswith(f"{path}: its schema metadata {meta} {refused}")
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0
    assert cache._rows("SELECT result FROM sync_runs")[0][0] == "failed"


def test_export_metadata_naming_the_file_points_to_its_schema(
        cache: Cache, tmp_path: Path) -> None:
    """The spec's layout: /FOCUS/data/export1/part1.csv, the export's metadata in
    /FOCUS/data/export1-metadata.json, its schema in /FOCUS/metadata/schemas/."""
    root = tmp_path / "FOCUS"
    (root / "data" / "export1").mkdir(parents=True)
    (root / "metadata" / "schemas").mkdir(parents=True)
    part = write(root / "data" / "export1" / "export1-part1.csv", NEW_HEADER, [new_row("10")])
    (root / "data" / "export1-metadata.json").write_text(json.dumps({
        "SchemaId": "23456-abcde", "data_location": [
            {"filepath": "/FOCUS/data/export1/export1-part1.csv", "total_bytes": 1,
             "total_rows": 1}]}))
    schema_file = root / "metadata" / "schemas" / "schema-23456-abcde.json"
    # Its ColumnDefinition need not match: the export metadata names the file.
    schema_file.write_text(schema("1.6", ["BilledCost"], schema_id="23456-abcde"))
    with pytest.raises(BadInput, match=rf"its schema metadata {schema_file} declares FOCUS "
                                       r"1\.6"):
        import_file(cache, part)
    schema_file.write_text(schema("1.3", ["BilledCost"], schema_id="23456-abcde"))
    assert import_file(cache, part).rows_written == 1


def test_an_unknown_focus_cost_column_is_refused_and_a_custom_one_is_not(
        cache: Cache, tmp_path: Path) -> None:
    newer = write(tmp_path / "newer.csv", [*NEW_HEADER, "CommitmentDiscountCost"],
                  [[*new_row("10"), "1.0"]])
    with pytest.raises(UserError) as caught:
        import_file(cache, newer)
    assert str(caught.value).startswith(
        f"{newer}, line 1, column 'CommitmentDiscountCost': a cost column no FOCUS version "
        "Worthit reads defines")
    custom = write(tmp_path / "custom.csv", [*NEW_HEADER, "x_CommitmentDiscountCost", "Id",
                                             "oci_AttributedCost"],
                   [[*new_row("10"), "1.0", "7", "2"]])
    assert import_file(cache, custom).rows_written == 1


@pytest.mark.parametrize(("added", "removed", "version"), [
    ((), (), "1.0"), (("SkuMeter",), (), "1.1"), (("InvoiceId", "SkuMeter"), (), "1.2"),
    (("ServiceProviderName", "HostProviderName"), (), "1.3"),
    (("ServiceProviderName",), ("ProviderName", "PublisherName"), "1.4"),
    (("InvoiceDetailId",), (), "1.4")])
def test_the_version_is_told_from_the_columns(added: tuple[str, ...],
                                              removed: tuple[str, ...], version: str) -> None:
    header = [*(c for c in ("ChargePeriodStart", "BilledCost", "EffectiveCost",
                            "BillingCurrency", "ProviderName", "PublisherName")
                if c not in removed), *added]
    assert focus_version(header, "bill.csv") == version
    assert focus_version(header, "bill.csv", ("1.2", "its metadata")) == "1.2"


# -- 3. the ContractCommitment dataset ----------------------------------------------------

CC_1_3 = [c.name for c in focus_spec.columns("1.3", "ContractCommitment")]
CC_1_4 = [c.name for c in focus_spec.columns("1.4", "ContractCommitment")]
#: The spec's ContractCommitmentApplicability example (1.4 draft): organisation-wide except
#: Database services in one billing account.
APPLICABILITY = {"IsGlobalScope": True, "ExclusionOperator": "And", "Exclusions": [
    {"Dimension": "BillingAccountId", "Operator": "In", "Values": ["123456789012"]},
    {"Dimension": "ServiceCategory", "Operator": "In", "Values": ["Database"]}]}


def cc_row(**cells: str) -> dict[str, str]:
    row = {"BillingCurrency": "USD", "ContractCommitmentCost": "26280.00",
           "ContractCommitmentId": "sp-1", "ContractCommitmentCategory": "Spend",
           "ContractCommitmentDescription": "3-year Compute Savings Plan, no upfront",
           "ContractCommitmentPeriodEnd": "2027-09-01T00:00:00Z",
           "ContractCommitmentPeriodStart": "2024-09-01T00:00:00Z",
           "ContractCommitmentQuantity": "NULL", "ContractCommitmentType": "Savings Plan",
           "ContractCommitmentUnit": "NULL", "ContractId": "c-1",
           "ContractPeriodEnd": "2027-09-01T00:00:00Z",
           "ContractPeriodStart": "2024-09-01T00:00:00Z",
           "ContractCommitmentApplicability": json.dumps(APPLICABILITY),
           "ContractCommitmentBenefitCategory": "Discount",
           "ContractCommitmentCreated": "2024-08-30T10:15:00Z",
           "ContractCommitmentDiscountPercentage": "28", "ContractCommitmentDurationType": "Fixed",
           "ContractCommitmentFulfillmentInterval": "Hourly",
           "ContractCommitmentLastUpdated": "2024-09-02T00:00:00Z",
           "ContractCommitmentLifecycleStatus": "Active", "ContractCommitmentModel": "Continuous",
           "ContractCommitmentOfferCategory": "Standard",
           "ContractCommitmentPaymentInterval": "Monthly",
           "ContractCommitmentPaymentModel": "No Upfront",
           "ContractCommitmentPaymentUpfrontPercentage": "0", "InvoiceIssuerName": "AWS Inc.",
           "PricingCurrency": "USD", "PricingCurrencyContractCommitmentCost": "26280.00",
           "ServiceProviderName": "AWS"}
    return row | cells


def cc_file(path: Path, columns: list[str], *rows: dict[str, str]) -> Path:
    return write(path, columns, [[r[c] for c in columns] for r in rows])


def test_a_1_3_contract_commitment_file_is_read_whole(tmp_path: Path) -> None:
    usage = cc_row(ContractCommitmentId="ri-7", ContractCommitmentCategory="usage",
                   ContractCommitmentQuantity="8760", ContractCommitmentUnit="Hours",
                   ContractCommitmentCost="", BillingCurrency="NULL",
                   ContractCommitmentPeriodStart="2025-01-01 00:00:00",
                   ContractCommitmentPeriodEnd="2026-01-01T01:00:00+01:00")
    path = cc_file(tmp_path / "cc.csv", CC_1_3, cc_row(), usage)
    plan, reserved = read_contract_commitments(path)
    utc = dt.UTC
    assert plan == ContractCommitment(
        contract_commitment_id="sp-1", contract_commitment_type="Savings Plan",
        contract_commitment_category="Spend",
        contract_commitment_period_start=dt.datetime(2024, 9, 1, tzinfo=utc),
        contract_commitment_period_end=dt.datetime(2027, 9, 1, tzinfo=utc),
        contract_id="c-1", contract_period_start=dt.datetime(2024, 9, 1, tzinfo=utc),
        contract_period_end=dt.datetime(2027, 9, 1, tzinfo=utc),
        contract_commitment_description="3-year Compute Savings Plan, no upfront",
        contract_commitment_cost=26280.0, billing_currency="USD")
    assert (reserved.contract_commitment_category, reserved.contract_commitment_quantity,
            reserved.contract_commitment_unit, reserved.contract_commitment_cost,
            reserved.billing_currency) == ("Usage", 8760.0, "Hours", None, None)
    # An offset is turned into UTC.
    assert reserved.contract_commitment_period_end == dt.datetime(2026, 1, 1, tzinfo=utc)
    assert recognise(path) == "focus"


def test_a_1_4_contract_commitment_parquet_file_is_read_whole(tmp_path: Path) -> None:
    path = cc_file(tmp_path / "cc.parquet", CC_1_4, cc_row())
    (commitment,) = read_contract_commitments(path)
    assert json.loads(commitment.contract_commitment_applicability or "") == APPLICABILITY
    assert commitment.contract_commitment_created == dt.datetime(2024, 8, 30, 10, 15,
                                                                 tzinfo=dt.UTC)
    assert (commitment.contract_commitment_discount_percentage,
            commitment.contract_commitment_payment_model, commitment.service_provider_name,
            commitment.pricing_currency_contract_commitment_cost) == (
        28.0, "No Upfront", "AWS", 26280.0)


@pytest.mark.parametrize(("columns", "cells", "place", "message"), [
    (CC_1_3, {"ContractCommitmentId": "NULL"}, "line 3, column 'ContractCommitmentId'",
     "a value is required"),
    (CC_1_3, {"ContractPeriodStart": "2024-13-01"}, "line 3, column 'ContractPeriodStart'",
     "'2024-13-01' is not a date and time"),
    (CC_1_3, {"ContractCommitmentPeriodEnd": "2024-08-01T00:00:00Z"},
     "line 3, column 'ContractCommitmentPeriodEnd'", "ends before it starts"),
    (CC_1_3, {"ContractCommitmentCategory": "Both"},
     "line 3, column 'ContractCommitmentCategory'", "'Both' is not Spend or Usage"),
    (CC_1_3, {"ContractCommitmentCost": "12,50"}, "line 3, column 'ContractCommitmentCost'",
     "'12,50' is not a number"),
    (CC_1_3, {"BillingCurrency": "dollars"}, "line 3, column 'BillingCurrency'",
     "unknown currency 'dollars'"),
    (CC_1_4, {"ContractCommitmentApplicability": "[1, 2]"},
     "line 3, column 'ContractCommitmentApplicability'", "'[1, 2]' is not a JSON object"),
    (CC_1_4, {"ContractCommitmentCreated": ""}, "line 3, column 'ContractCommitmentCreated'",
     "a value is required"),
    ([c for c in CC_1_3 if c != "ContractId"], {}, "line 1",
     "not a FOCUS ContractCommitment file: no ContractId column"),
])
def test_a_bad_contract_commitment_is_refused_with_its_place(
        tmp_path: Path, columns: list[str], cells: dict[str, str], place: str,
        message: str) -> None:
    path = cc_file(tmp_path / "cc.csv", columns, cc_row(), cc_row(**cells))
    with pytest.raises(BadInput) as refused:
        read_contract_commitments(path)
    assert str(refused.value).startswith(f"{path}, {place}: {message}")


def test_a_contract_commitment_file_of_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = cc_file(tmp_path / "cc.csv", [*CC_1_3, "x_FocusVersion"],
                   cc_row(x_FocusVersion="1.5"))
    with pytest.raises(BadInput, match=r"line 2, column 'x_FocusVersion': the file declares "
                                       r"FOCUS 1\.5"):
        read_contract_commitments(path)


def test_importing_a_contract_commitment_file_keeps_its_commitments(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = cc_file(tmp_path / "commitments.csv", CC_1_4, cc_row(),
                   cc_row(ContractCommitmentId="sp-2"))
    workspace = Workspace(tmp_path / "ws")
    code, out, err = run_cli(capsys, workspace, "import", str(path))
    assert code == 0, err
    assert out.startswith(f"{path}: recognised as a FOCUS ContractCommitment dataset; 2 "
                          "commitments' terms kept in source 'commitments:commitments.csv'")
    held = read_contract_commitments(path)
    with Cache.open(workspace.cache_path) as cache:
        assert cache._scalar("SELECT COUNT(*) FROM charges") == 0  # terms, not charges
        kept = {r["commitment_id"]: dict(r) for r in cache._rows(
            "SELECT commitment_id, kind, category, start_time, end_time, currency "
            "FROM commitments")}
    assert set(kept) == {c.contract_commitment_id for c in held}
    for c in held:
        row = kept[c.contract_commitment_id]
        assert (row["kind"], row["category"], row["currency"]) == (
            c.contract_commitment_type, c.contract_commitment_category, c.billing_currency)
        assert dt.datetime.fromisoformat(row["start_time"]) == \
            c.contract_commitment_period_start
        assert dt.datetime.fromisoformat(row["end_time"]) == c.contract_commitment_period_end
    # A bad one is refused for what is wrong with it.
    bad = cc_file(tmp_path / "bad.csv", CC_1_4, cc_row(ContractId=""))
    code, _, err = run_cli(capsys, workspace, "import", str(bad))
    assert code == 2 and f"{bad}, line 2, column 'ContractId': a value is required" in err


def test_the_1_4_invoice_detail_dataset_is_not_taken_for_charges(
        cache: Cache, tmp_path: Path) -> None:
    columns = ["BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd",
               "BillingPeriodStart", "ChargeCategory", "InvoiceDetailCreated",
               "InvoiceDetailGrain", "InvoiceDetailId", "InvoiceId", "InvoiceIssueStatus",
               "InvoiceIssuerName", "PaymentTerms"]
    path = write(tmp_path / "invoice.csv", columns, [[
        "100", "111", "USD", "2025-04-01T00:00:00Z", "2025-03-01T00:00:00Z", "Usage",
        "2025-04-02T00:00:00Z", "{}", "d-1", "inv-1", "Issued", "AWS Inc.", "Net 30"]])
    with pytest.raises(UserError, match=r"a FOCUS InvoiceDetail dataset \(invoice lines, which "
                                        r"would count the spend of its charges twice\)"):
        import_file(cache, path)


# -- 4. what this module transcribes agrees with worthit.export.focus_spec ---------------


def test_the_columns_each_version_added_agree_with_the_spec_tables() -> None:
    def names(version: str, dataset: focus_spec.Dataset = "CostAndUsage") -> set[str]:
        return {c.name for c in focus_spec.columns(version, dataset)}

    added = focus.INTRODUCED
    assert set(added["1.3"]) == names("1.3") - names("1.2")
    assert set(added["1.4"]) == names("1.4") - names("1.3")
    assert set(focus.REMOVED_IN_1_4) == names("1.3") - names("1.4")
    assert set(added["1.1"]) | set(added["1.2"]) <= names("1.2")
    assert len(names("1.2") - set(added["1.1"]) - set(added["1.2"])) == 43  # 1.0's columns
    costs = {n for v in focus_spec.FOCUS_VERSIONS for n in names(v) if n.endswith("Cost")}
    costs |= {n for v in ("1.3", "1.4") for n in names(v, "ContractCommitment")
              if n.endswith("Cost")}
    assert costs <= focus.KNOWN_COSTS
    for ours, allowed in focus.CLOSED.items():
        assert focus_spec.column("1.4", spec_name(ours)).allowed_values == allowed


def test_the_contract_commitment_fields_are_the_spec_columns() -> None:
    import dataclasses

    fields = dataclasses.fields(ContractCommitment)
    assert {spec_name(f.name) for f in fields} == set(CC_1_3) | set(CC_1_4)
    assert {spec_name(f.name) for f in fields if f.default is dataclasses.MISSING} == {
        c.name for c in focus_spec.columns("1.3", "ContractCommitment") if not c.allows_nulls}
    not_null = {c.name for c in focus_spec.columns("1.4", "ContractCommitment")
                if not c.allows_nulls}
    assert not_null - set(CC_1_3) == focus._CC_NOT_NULL

"""Importing AWS CUR files: the real legacy samples reconcile, both header spellings map
to the same charges, line item types become FOCUS categories, savings plans and
reservations give the effective cost, and Bedrock usage types give model and tokens. The
FOCUS columns a CUR states (invoice issuer, charge frequency, pricing category, unit and
quantity, the commitment a line is charged under) are kept, the same by either path."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.shared_data import sample
from tests.sources.test_fast_path import (
    FAST,
    LINE,
    assert_same_cache,
    assert_same_result,
    imported,
)

from worthit.core.errors import UserError
from worthit.core.focus import AI_CATEGORY
from worthit.store.cache import Cache
from worthit.sync.importer import import_file

SLASH = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
         "lineItem/UsageType", "lineItem/UsageAmount", "lineItem/CurrencyCode",
         "lineItem/UnblendedCost", "savingsPlan/SavingsPlanEffectiveCost",
         "reservation/EffectiveCost", "pricing/unit", "lineItem/ResourceId",
         "resourceTags/user:team"]
SNAKE = ["line_item_usage_start_date", "line_item_line_item_type", "line_item_product_code",
         "line_item_usage_type", "line_item_usage_amount", "line_item_currency_code",
         "line_item_unblended_cost", "savings_plan_savings_plan_effective_cost",
         "reservation_effective_cost", "pricing_unit", "line_item_resource_id",
         "resource_tags_user_team"]
ROWS = [
    ["2025-03-01T00:00:00Z", "Usage", "AmazonBedrock", "USE1-NovaMicro-input-tokens", "2.5",
     "USD", "0.0875", "", "", "1K tokens", "", "search"],
    ["2025-03-01T00:00:00Z", "Usage", "AmazonBedrock", "USE1-NovaMicro-output-tokens-batch",
     "1", "USD", "0.07", "", "", "1K tokens", "", "search"],
    ["2025-03-02T00:00:00Z", "SavingsPlanCoveredUsage", "AmazonEC2", "BoxUsage:g5.xlarge",
     "24", "USD", "24.144", "15.5", "", "Hrs", "i-1", ""],
    ["2025-03-02T00:00:00Z", "SavingsPlanNegation", "AmazonEC2", "BoxUsage:g5.xlarge", "24",
     "USD", "-24.144", "", "", "Hrs", "i-1", ""],
    ["2025-03-02T00:00:00Z", "DiscountedUsage", "AmazonEC2", "BoxUsage:m6i.large", "24",
     "USD", "0", "", "1.2", "Hrs", "i-2", ""],
    ["2025-03-03T00:00:00Z", "Tax", "AmazonEC2", "", "", "USD", "3.1", "", "", "", "", ""],
    ["2025-03-03T00:00:00Z", "Credit", "AmazonEC2", "", "", "USD", "-2", "", "", "", "", ""],
]


def write(tmp_path: Path, header: list[str], rows: list[list[str]],
          name: str = "cur.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_real_legacy_cur_samples_reconcile(cache: Cache) -> None:
    done = import_file(cache, sample("aws-cur", "legacy-cur-anonymous.csv"))
    assert (done.kind, done.rows_read) == ("aws-cur", 1281)
    assert done.rows_written == cache._scalar("SELECT COUNT(*) FROM charges") < 1281
    assert done.file_billed == pytest.approx(1.682309, abs=1e-6)  # the data README's sum
    assert abs(done.cache_billed - done.file_billed) <= 0.01
    categories = {r[0] for r in cache._rows("SELECT DISTINCT charge_category FROM charges")}
    assert categories == {"Usage", "Tax"}
    athena = import_file(cache, sample("aws-cur", "legacy-cur-athena-columns.csv"))
    assert (athena.kind, athena.rows_read) == ("aws-cur", 2)


def test_the_legacy_sample_keeps_its_focus_columns_and_its_totals_to_the_cent(
        cache: Cache) -> None:
    path = sample("aws-cur", "legacy-cur-anonymous.csv")
    with path.open(encoding="utf-8") as file:
        lines = list(csv.DictReader(file))
    import_file(cache, path)
    # Every figure as the file has it: billed, effective (no commitment here) and list.
    billed = sum(float(x["lineItem/UnblendedCost"]) for x in lines)
    listed = sum(float(x["pricing/publicOnDemandCost"] or 0) for x in lines)
    totals = cache._rows("SELECT TOTAL(billed_cost), TOTAL(effective_cost), TOTAL(list_cost), "
                         "TOTAL(consumed_quantity), TOTAL(pricing_quantity) FROM charges")[0]
    assert [round(t, 2) for t in totals[:3]] == [round(billed, 2), round(billed, 2),
                                                 round(listed, 2)]
    assert totals[3] == totals[4] == pytest.approx(
        sum(float(x["lineItem/UsageAmount"] or 0) for x in lines))
    kinds = {tuple(r) for r in cache._rows(
        "SELECT DISTINCT charge_category, charge_frequency, pricing_category, "
        "invoice_issuer_name, billing_account_name, commitment_discount_id FROM charges")}
    issuer = "Amazon Web Services Canada, Inc."
    # On-demand usage (pricing/term OnDemand), usage with no term, and tax: the bill is the
    # monthly (Anniversary) one, which says nothing of a tax line's frequency.
    assert kinds == {("Usage", "Usage-Based", "Standard", issuer, None, None),
                     ("Usage", "Usage-Based", None, issuer, None, None),
                     ("Tax", None, None, issuer, None, None)}
    units = cache._rows("SELECT COUNT(*) FROM charges WHERE pricing_unit IS NOT "
                        "consumed_unit")[0][0]
    assert units == 0
    assert cache._scalar("SELECT COUNT(*) FROM charges WHERE pricing_unit = 'GB-Mo'") > 0


@pytest.mark.parametrize("header", [SLASH, SNAKE], ids=["slash", "snake"])
def test_both_spellings_give_the_same_charges(cache: Cache, tmp_path: Path,
                                              header: list[str]) -> None:
    done = import_file(cache, write(tmp_path, header, ROWS))
    assert done.kind == "aws-cur"
    assert done.file_billed == pytest.approx(0.0875 + 0.07 + 24.144 - 24.144 + 0 + 3.1 - 2)
    # Effective: savings-plan and reservation effective costs, zero on the negation.
    assert done.file_effective == pytest.approx(0.0875 + 0.07 + 15.5 + 0 + 1.2 + 3.1 - 2)
    rows = {r["x_usage_type"] or r["charge_category"]: dict(r) for r in cache._rows(
        "SELECT * FROM charges")}
    micro_in = rows["USE1-NovaMicro-input-tokens"]
    assert (micro_in["x_model"], micro_in["x_input_tokens"], micro_in["x_batch"]) == (
        "NovaMicro", 2500, 0)
    assert micro_in["service_category"] == AI_CATEGORY
    assert json.loads(micro_in["tags"]) == {"team": "search"}
    micro_out = rows["USE1-NovaMicro-output-tokens-batch"]
    assert (micro_out["x_output_tokens"], micro_out["x_batch"]) == (1000, 1)
    assert rows["Tax"]["charge_category"] == "Tax"
    assert rows["Credit"]["charge_category"] == "Credit"
    negation = list(cache._rows("SELECT charge_category, effective_cost FROM charges "
                                      "WHERE billed_cost < 0 AND x_usage_type != ''"))
    assert [tuple(r) for r in negation] == [("Adjustment", 0.0)]


def test_a_bad_cost_is_refused_with_its_line_and_column(cache: Cache,
                                                        tmp_path: Path) -> None:
    rows = [*ROWS[:2], [*ROWS[2][:6], "twelve", *ROWS[2][7:]]]
    with pytest.raises(UserError, match=r"line 4, column 'lineItem/UnblendedCost': 'twelve'"):
        import_file(cache, write(tmp_path, SLASH, rows))
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0


# -- commitments: savings plans and reservations, from AWS's documented column names ------

SP = "arn:aws:savingsplans::123456789012:savingsplan/1a2b3c4d-0000-4000-8000-000000000001"
RI = "arn:aws:ec2:us-east-1:123456789012:reserved-instances/4b2c0f3e-0000-4000-8000-0000002"
#: CUR 2.0 (Data Exports) names, and the legacy CUR's for the same columns.
COMMITMENT_COLUMNS = (
    ("bill_bill_type", "bill/BillType"), ("bill_payer_account_id", "bill/PayerAccountId"),
    ("bill_payer_account_name", None), ("bill_invoicing_entity", "bill/InvoicingEntity"),
    ("line_item_line_item_type", "lineItem/LineItemType"),
    ("line_item_usage_start_date", "lineItem/UsageStartDate"),
    ("line_item_product_code", "lineItem/ProductCode"),
    ("line_item_usage_type", "lineItem/UsageType"),
    ("line_item_resource_id", "lineItem/ResourceId"),
    ("line_item_usage_amount", "lineItem/UsageAmount"),
    ("line_item_currency_code", "lineItem/CurrencyCode"),
    ("line_item_unblended_cost", "lineItem/UnblendedCost"),
    ("pricing_public_on_demand_cost", "pricing/publicOnDemandCost"),
    ("pricing_term", "pricing/term"), ("pricing_unit", "pricing/unit"),
    ("savings_plan_savings_plan_a_r_n", "savingsPlan/SavingsPlanARN"),
    ("savings_plan_savings_plan_effective_cost", "savingsPlan/SavingsPlanEffectiveCost"),
    ("reservation_reservation_a_r_n", "reservation/ReservationARN"),
    ("reservation_effective_cost", "reservation/EffectiveCost"),
)
#: (bill type, line item type, product, usage type, resource, amount, cost, list cost, term,
#: unit, savings plan, its effective cost, reservation, its effective cost)
COMMITMENT_LINES = (
    ("Anniversary", "SavingsPlanCoveredUsage", "AmazonEC2", "BoxUsage:m6i.large", "i-1", "24",
     "2.304", "2.304", "OnDemand", "Hrs", SP, "1.5", "", ""),
    ("Anniversary", "SavingsPlanNegation", "AmazonEC2", "BoxUsage:m6i.large", "i-1", "24",
     "-2.304", "", "", "Hrs", SP, "", "", ""),
    ("Anniversary", "SavingsPlanRecurringFee", "ComputeSavingsPlans", "ComputeSP:1yrNoUpfront",
     SP, "24", "1.6", "", "", "Hrs", SP, "", "", ""),
    ("Purchase", "SavingsPlanUpfrontFee", "ComputeSavingsPlans", "ComputeSP:1yrAllUpfront",
     SP, "1", "1000", "", "", "", SP, "", "", ""),
    ("Anniversary", "DiscountedUsage", "AmazonEC2", "BoxUsage:r6i.large", "i-2", "24", "0",
     "3.024", "Reserved", "Hrs", "", "", RI, "1.2"),
    ("Anniversary", "RIFee", "AmazonEC2", "HeavyUsage:r6i.large", RI, "24", "1.2", "",
     "Reserved", "Hrs", "", "", RI, ""),
    ("Purchase", "Fee", "AmazonEC2", "HeavyUsage:r6i.large-upfront", "", "1", "500", "",
     "Reserved", "", "", "", RI, ""),
    ("Anniversary", "Usage", "AmazonEC2", "BoxUsage:c6i.large", "i-3", "24", "2.04", "2.04",
     "OnDemand", "Hrs", "", "", "", ""),
    ("Anniversary", "Usage", "AmazonEC2", "SpotUsage:c6i.large", "i-4", "24", "0.7", "2.04",
     "Spot", "Hrs", "", "", "", ""),
    ("Anniversary", "Tax", "AmazonEC2", "", "", "", "3.1", "", "", "", "", "", "", ""),
    ("Refund", "Refund", "AmazonEC2", "", "", "", "-5", "", "", "", "", "", "", ""),
)
#: What each line's charge says: (charge category, frequency, pricing category, commitment
#: id, type, category, status), by its usage type and category.
EXPECTED = {
    ("BoxUsage:m6i.large", "Usage"): ("Usage", "Usage-Based", "Committed", SP,
                                      "Savings Plan", "Spend", "Used"),
    ("BoxUsage:m6i.large", "Adjustment"): ("Adjustment", None, None, SP, "Savings Plan",
                                           "Spend", None),
    ("ComputeSP:1yrNoUpfront", "Purchase"): ("Purchase", "Recurring", "Standard", SP,
                                             "Savings Plan", "Spend", None),
    ("ComputeSP:1yrAllUpfront", "Purchase"): ("Purchase", "One-Time", "Standard", SP,
                                              "Savings Plan", "Spend", None),
    ("BoxUsage:r6i.large", "Usage"): ("Usage", "Usage-Based", "Committed", RI,
                                      "Reserved Instances (RI)", "Usage", "Used"),
    ("HeavyUsage:r6i.large", "Purchase"): ("Purchase", "Recurring", "Standard", RI,
                                           "Reserved Instances (RI)", "Usage", None),
    ("HeavyUsage:r6i.large-upfront", "Purchase"): ("Purchase", "One-Time", "Standard", RI,
                                                   "Reserved Instances (RI)", "Usage", None),
    ("BoxUsage:c6i.large", "Usage"): ("Usage", "Usage-Based", "Standard", None, None, None,
                                      None),
    ("SpotUsage:c6i.large", "Usage"): ("Usage", "Usage-Based", "Dynamic", None, None, None,
                                       None),
    (None, "Tax"): ("Tax", None, None, None, None, None, None),
    (None, "Credit"): ("Credit", "One-Time", None, None, None, None, None),
}


def commitment_cur(folder: Path, spelling: str) -> Path:
    """The lines above as a CUR of one ``spelling`` (``snake``: CUR 2.0; ``slash``: legacy,
    which has no payer account name), each hour of two days."""
    names = [snake if spelling == "snake" else slash for snake, slash in COMMITMENT_COLUMNS]
    keep = [i for i, name in enumerate(names) if name is not None]
    rows = []
    for day in ("2025-03-02", "2025-03-03"):
        for hour in range(24):
            for bill_type, *rest in COMMITMENT_LINES:
                cells = [bill_type, "123456789012", "Example Corp", "Amazon Web Services, Inc.",
                         rest[0], f"{day}T{hour:02d}:00:00Z", *rest[1:5], "USD", *rest[5:]]
                rows.append([cells[i] for i in keep])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"cur-{spelling}.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows([[names[i] for i in keep], *rows])
    return path


@pytest.mark.parametrize("spelling", ["snake", "slash"])
def test_savings_plan_and_reservation_lines_name_their_commitment(
        cache: Cache, tmp_path: Path, spelling: str) -> None:
    done = import_file(cache, commitment_cur(tmp_path, spelling))
    assert done.rows_read == 2 * 24 * len(COMMITMENT_LINES)
    columns = ("charge_category", "charge_frequency", "pricing_category",
               "commitment_discount_id", "commitment_discount_type",
               "commitment_discount_category", "commitment_discount_status")
    found = {(r["x_usage_type"], r["charge_category"]): tuple(r[c] for c in columns)
             for r in cache._rows(f"SELECT DISTINCT x_usage_type, {', '.join(columns)} "
                                  "FROM charges")}
    assert found == EXPECTED
    named = {tuple(r) for r in cache._rows(
        "SELECT DISTINCT billing_account_name, invoice_issuer_name FROM charges")}
    assert named == {("Example Corp" if spelling == "snake" else None,
                      "Amazon Web Services, Inc.")}
    covered = cache._rows("SELECT pricing_unit, TOTAL(pricing_quantity), TOTAL(consumed_quantity)"
                          " FROM charges WHERE x_usage_type = 'BoxUsage:r6i.large'")[0]
    assert tuple(covered) == ("Hrs", 2 * 24 * 24.0, 2 * 24 * 24.0)
    # The figures are the CUR's as before: commitment lines' effective costs, none on the
    # negation, and the file's own totals in the cache to the cent.
    hours = 2 * 24
    billed = hours * (2.304 - 2.304 + 1.6 + 1000 + 0 + 1.2 + 500 + 2.04 + 0.7 + 3.1 - 5)
    # Upfront fees amortise to 0 (their cost reaches usage through the commitment's
    # effective rates); the recurring fees keep their cost: this file states no unused part.
    effective = hours * (1.5 + 0 + 1.6 + 0 + 1.2 + 1.2 + 0 + 2.04 + 0.7 + 3.1 - 5)
    listed = hours * (2.304 + 3.024 + 2.04 + 2.04)
    assert (done.file_billed, done.file_effective) == (pytest.approx(billed),
                                                       pytest.approx(effective))
    totals = cache._rows("SELECT TOTAL(billed_cost), TOTAL(effective_cost), TOTAL(list_cost) "
                         "FROM charges")[0]
    assert [round(t, 2) for t in totals] == [round(billed, 2), round(effective, 2),
                                             round(listed, 2)]


@pytest.mark.parametrize("spelling", ["snake", "slash"])
def test_commitment_lines_give_the_same_charges_by_either_path(tmp_path: Path,
                                                               spelling: str) -> None:
    path = commitment_cur(tmp_path / "bill", spelling)
    line, fast = imported(path, tmp_path, LINE), imported(path, tmp_path, FAST)
    assert_same_result(line.result, fast.result)
    assert_same_cache(line, fast)
    assert len(line.sums) == 2 * len(EXPECTED)  # each day's charges, one per line kind

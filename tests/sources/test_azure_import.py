"""Importing Azure cost exports: the real EA samples reconcile (BOM, MM/DD/YYYY, tags
without braces), a header-only export is refused, camelCase MCA headers map alike, and the
FOCUS columns an export states (billing account name, invoice issuer, frequency, pricing
category, unit and quantity, the reservation or savings plan) are kept as Microsoft's FinOps
toolkit converts them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.shared_data import sample

from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.sync.importer import import_file


@pytest.mark.parametrize(("name", "rows", "total"), [
    ("ea-actual-cost.csv", 11, 8.545008), ("ea-amortized-cost.csv", 28, 16.296932)])
def test_the_real_ea_exports_reconcile(cache: Cache, name: str, rows: int,
                                       total: float) -> None:
    done = import_file(cache, sample("azure", name))
    assert (done.kind, done.rows_read) == ("azure", rows)
    assert done.file_billed == pytest.approx(total, abs=1e-6)  # the data README's sums
    assert abs(done.cache_billed - done.file_billed) <= 0.01
    provider = {r[0] for r in cache._rows("SELECT DISTINCT provider_name FROM charges")}
    assert provider == {"Microsoft"}


def test_tags_without_braces_are_read_and_dates_are_month_first(cache: Cache) -> None:
    import_file(cache, sample("azure", "ea-amortized-cost.csv"))
    tags = [json.loads(t) for (t,) in cache._rows(
        "SELECT tags FROM charges WHERE tags IS NOT NULL")]
    assert tags and all(isinstance(t, dict) for t in tags)
    assert any("aks-managed-creationSource" in t for t in tags)
    days = {d for (d,) in cache._rows("SELECT DISTINCT charge_period_start FROM charges")}
    assert min(days) == "2023-09-03"  # 09/03/2023, month first


def test_a_header_only_export_is_refused(cache: Cache) -> None:
    empty = sample("azure", "ea-no-rows.csv")
    with pytest.raises(UserError, match="line 2: the file has a header but no charges"):
        import_file(cache, empty)


def test_camel_case_mca_headers_map_alike(cache: Cache, tmp_path: Path) -> None:
    path = tmp_path / "mca.csv"
    path.write_text(
        "\ufeffdate,meterCategory,meterName,costInBillingCurrency,billingCurrency,"
        "subscriptionId,resourceId,chargeType,tags\n"
        '2025-02-03,Azure OpenAI,gpt-4o Input,12.5,EUR,sub-1,/r/1,Usage,'
        '"""team"": ""search"""\n', encoding="utf-8")
    done = import_file(cache, path)
    assert (done.kind, done.currency, done.file_billed) == ("azure", "EUR", 12.5)
    row = dict(cache._rows("SELECT * FROM charges")[0])
    assert row["service_category"] == "AI and Machine Learning"
    assert json.loads(row["tags"]) == {"team": "search"}


TREY = "Trey Research Demo (DO NOT USE)"
COMMITMENT = ("charge_category", "charge_frequency", "pricing_category",
              "commitment_discount_id", "commitment_discount_name", "commitment_discount_type",
              "commitment_discount_category", "commitment_discount_status")


def focus_columns(cache: Cache) -> set[tuple[object, ...]]:
    return {tuple(r) for r in cache._rows(
        f"SELECT DISTINCT {', '.join(COMMITMENT)} FROM charges")}


@pytest.mark.parametrize("name", ["ea-actual-cost.csv", "ea-amortized-cost.csv"])
def test_the_real_ea_exports_keep_their_focus_columns_and_totals(cache: Cache,
                                                                 name: str) -> None:
    path = sample("azure", name)
    with path.open(encoding="utf-8-sig") as file:
        lines = list(csv.DictReader(file))
    import_file(cache, path)
    billed, effective, listed, quantity, priced = cache._rows(
        "SELECT TOTAL(billed_cost), TOTAL(effective_cost), SUM(list_cost), "
        "TOTAL(consumed_quantity), TOTAL(pricing_quantity) FROM charges")[0]
    cost = sum(float(x["Cost"]) for x in lines)
    assert (round(billed, 2), round(effective, 2), listed) == (round(cost, 2),
                                                                round(cost, 2), None)
    assert quantity == priced == pytest.approx(sum(float(x["Quantity"]) for x in lines))
    assert {tuple(r) for r in cache._rows(
        "SELECT DISTINCT billing_account_name, invoice_issuer_name FROM charges")} == {
        (TREY, "Microsoft")}
    # The unit the export states its quantity and unit price in, as written.
    assert cache._scalar("SELECT COUNT(*) FROM charges WHERE pricing_unit IS NOT "
                         "consumed_unit") == 0
    assert {u for (u,) in cache._rows("SELECT DISTINCT pricing_unit FROM charges")} >= {
        "1 Hour", "10K", "1/Month"}


def test_a_reservation_purchase_names_its_reservation(cache: Cache) -> None:
    import_file(cache, sample("azure", "ea-actual-cost.csv"))
    reservation = "/providers/Microsoft.Capacity/reservationOrders/" \
        "49ed0e4d-8e0c-4f1f-af2c-67c865056615/reservations/"
    assert focus_columns(cache) == {
        ("Usage", "Usage-Based", "Standard", None, None, None, None, None),
        # Buying a reservation is Standard pricing (FOCUS 1.2) and has no status.
        ("Purchase", "Recurring", "Standard", reservation, "VM_RI_06-21-2023_18-56",
         "Reservation", "Usage", None)}


def test_usage_a_reservation_or_savings_plan_covers_names_it_as_used(cache: Cache) -> None:
    import_file(cache, sample("azure", "ea-amortized-cost.csv"))
    assert focus_columns(cache) == {
        ("Usage", "Usage-Based", "Standard", None, None, None, None, None),
        ("Usage", "Usage-Based", "Committed",
         "/providers/Microsoft.Capacity/reservationOrders/a965d46f-aedf-4176-8ff1-2617943b8960"
         "/reservations/f39d1c73-af74-4308-9083-fbf5efab37d1", "ProdDS1VMReservation",
         "Reservation", "Usage", "Used"),
        ("Usage", "Usage-Based", "Committed",
         "/providers/Microsoft.BillingBenefits/savingsPlanOrders/"
         "802a9e8b-e860-4d5f-b63b-c5bdf7ee2446/savingsPlans/09ff8291-64ac-45fb-afed-b9b39dbd88d7",
         "Compute_SavingsPlan_11-07-2022_09-55", "Savings Plan", "Spend", "Used")}


def test_unused_commitments_spot_refunds_and_partners(cache: Cache, tmp_path: Path) -> None:
    reservation = "/providers/Microsoft.Capacity/reservationOrders/o-1/reservations/r-1"
    plan = "/providers/Microsoft.BillingBenefits/savingsPlanOrders/o-2/savingsPlans/s-2"
    header = ["date", "meterCategory", "meterName", "costInBillingCurrency", "billingCurrency",
              "quantity", "unitOfMeasure", "chargeType", "frequency", "pricingModel",
              "benefitId", "benefitName", "reservationId", "reservationName", "partnerName"]
    rows = [
        ["2025-02-03", "Virtual Machines", "unused-ri", "4", "EUR", "8", "1 Hour",
         "UnusedReservation", "UsageBased", "Reservation", reservation, "ri-one", "", "", ""],
        ["2025-02-03", "Virtual Machines", "unused-sp", "2", "EUR", "1", "1 Hour",
         "UnusedSavingsPlan", "UsageBased", "SavingsPlan", plan, "sp-two", "", "", ""],
        ["2025-02-03", "Virtual Machines", "spot", "0.5", "EUR", "10", "1 Hour", "Usage",
         "UsageBased", "Spot", "", "", "", "", ""],
        ["2025-02-03", "Virtual Machines", "refund", "-100", "EUR", "1", "1 Hour", "Refund",
         "OneTime", "SavingsPlan", plan, "sp-two", "", "", ""],
        # An export from before BenefitId: the reservation by its id and name.
        ["2025-02-04", "Virtual Machines", "old-ri", "0", "EUR", "24", "1 Hour", "Usage",
         "UsageBased", "Reservation", "", "", "r-3", "ri-three", ""],
        ["2025-02-04", "Storage", "resold", "1.5", "EUR", "3", "1 GB/Month", "Usage",
         "Monthly", "OnDemand", "", "", "", "", "Contoso Partner"],
    ]
    path = tmp_path / "mca.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([header, *rows])
    done = import_file(cache, path)
    assert (done.kind, done.file_billed) == ("azure", pytest.approx(-92.0))
    found = {r["x_usage_type"]: tuple(r[c] for c in (*COMMITMENT, "invoice_issuer_name"))
             for r in cache._rows(f"SELECT x_usage_type, {', '.join(COMMITMENT)}, "
                                  "invoice_issuer_name FROM charges")}
    assert found == {
        "unused-ri": ("Usage", "Usage-Based", "Committed", reservation, "ri-one",
                      "Reservation", "Usage", "Unused", "Microsoft"),
        "unused-sp": ("Usage", "Usage-Based", "Committed", plan, "sp-two", "Savings Plan",
                      "Spend", "Unused", "Microsoft"),
        "spot": ("Usage", "Usage-Based", "Dynamic", None, None, None, None, None,
                 "Microsoft"),
        "refund": ("Credit", "One-Time", "Standard", plan, "sp-two", "Savings Plan", "Spend",
                   None, "Microsoft"),
        "old-ri": ("Usage", "Usage-Based", "Committed", "r-3", "ri-three", "Reservation",
                   "Usage", "Used", "Microsoft"),
        # A Frequency FOCUS has no value for gives none.
        "resold": ("Usage", None, "Standard", None, None, None, None, None,
                   "Contoso Partner"),
    }

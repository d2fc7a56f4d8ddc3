"""A CUR's savings plan and reservation lines, in its three spellings (legacy slash
headers, Athena snake_case, CUR 2.0 Parquet) and by both reading paths: the amortised
total is AWS's own formula (CUDOS summary_view) computed here from the lines, the billed
total is unchanged, each commitment's used and unused amounts are what the CUR's own
columns say, and its terms (kind, term, start, end, offering, payment, commitment an hour
or a month) are kept with the charges."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.sources.test_fast_path import FAST, LINE, spy_on_daily

from worthit.analysis.commitments import Commitments, amortisation, commitments
from worthit.core.periods import Period
from worthit.store.cache import Cache
from worthit.sync.importer import import_file

SP = "arn:aws:savingsplans::123456789012:savingsplan/5f6e-0000-4000-8000-000000000001"
RI = "arn:aws:ec2:us-east-1:123456789012:reserved-instances/7a8b-0000-4000-8000-000000000002"
MARCH = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
HOURS = 31 * 24
#: The savings plan: 2.00 an hour committed (1.50 recurring, 0.50 of upfront amortised);
#: two g5 instances at 0.80 an hour each of it from 06:00 to 21:59, idle at night.
SP_HOURLY, SP_RECURRING, SP_RATE, SP_ON_DEMAND, SP_UPFRONT = 2.0, 1.5, 0.8, 1.006, 372.0
#: The reservation: 0.10 recurring + 0.05 amortised upfront an hour, used 700 of 744 hours.
RI_RECURRING, RI_UPFRONT, RI_USED_HOURS, RI_ON_DEMAND = 0.1, 0.05, 700, 0.252

#: (legacy, snake) names of every column written.
COLUMNS = {
    "type": ("lineItem/LineItemType", "line_item_line_item_type"),
    "start": ("lineItem/UsageStartDate", "line_item_usage_start_date"),
    "product": ("lineItem/ProductCode", "line_item_product_code"),
    "usage_type": ("lineItem/UsageType", "line_item_usage_type"),
    "resource": ("lineItem/ResourceId", "line_item_resource_id"),
    "amount": ("lineItem/UsageAmount", "line_item_usage_amount"),
    "currency": ("lineItem/CurrencyCode", "line_item_currency_code"),
    "unblended": ("lineItem/UnblendedCost", "line_item_unblended_cost"),
    "on_demand": ("pricing/publicOnDemandCost", "pricing_public_on_demand_cost"),
    "term_kind": ("pricing/term", "pricing_term"),
    "lease": ("pricing/LeaseContractLength", "pricing_lease_contract_length"),
    "purchase": ("pricing/PurchaseOption", "pricing_purchase_option"),
    "offering_class": ("pricing/OfferingClass", "pricing_offering_class"),
    "region": ("product/region", "product_region"),
    "sp_arn": ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"),
    "sp_effective": ("savingsPlan/SavingsPlanEffectiveCost",
                     "savings_plan_savings_plan_effective_cost"),
    "sp_total": ("savingsPlan/TotalCommitmentToDate", "savings_plan_total_commitment_to_date"),
    "sp_used": ("savingsPlan/UsedCommitment", "savings_plan_used_commitment"),
    "sp_start": ("savingsPlan/StartTime", "savings_plan_start_time"),
    "sp_end": ("savingsPlan/EndTime", "savings_plan_end_time"),
    "sp_offering": ("savingsPlan/OfferingType", "savings_plan_offering_type"),
    "sp_payment": ("savingsPlan/PaymentOption", "savings_plan_payment_option"),
    "sp_term": ("savingsPlan/PurchaseTerm", "savings_plan_purchase_term"),
    "sp_region": ("savingsPlan/Region", "savings_plan_region"),
    "ri_arn": ("reservation/ReservationARN", "reservation_reservation_a_r_n"),
    "ri_effective": ("reservation/EffectiveCost", "reservation_effective_cost"),
    "ri_amortised": ("reservation/AmortizedUpfrontFeeForBillingPeriod",
                     "reservation_amortized_upfront_fee_for_billing_period"),
    "ri_unused_upfront": ("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
                          "reservation_unused_amortized_upfront_fee_for_billing_period"),
    "ri_unused_recurring": ("reservation/UnusedRecurringFee", "reservation_unused_recurring_fee"),
    "ri_start": ("reservation/StartTime", "reservation_start_time"),
    "ri_end": ("reservation/EndTime", "reservation_end_time"),
}
NUMBERS = ("amount", "unblended", "on_demand", "sp_effective", "sp_total", "sp_used",
           "ri_effective", "ri_amortised", "ri_unused_upfront", "ri_unused_recurring")
SP_TERMS = {"sp_arn": SP, "sp_start": "2024-06-01T00:00:00Z", "sp_end": "2025-04-10T00:00:00Z",
            "sp_offering": "ComputeSavingsPlans", "sp_payment": "Partial Upfront",
            "sp_term": "1yr", "sp_region": ""}
RI_TERMS = {"ri_arn": RI, "ri_start": "2024-04-01T00:00:00.000Z",
            "ri_end": "2025-04-01T00:00:00.000Z", "lease": "1yr",
            "purchase": "Partial Upfront", "offering_class": "standard", "term_kind": "Reserved"}


def lines() -> list[dict[str, Any]]:
    """March 2025, hour by hour, as AWS writes it (the CUR data dictionary)."""
    out: list[dict[str, Any]] = []

    def add(**cells: Any) -> None:
        out.append({"currency": "USD", "region": "us-east-1", **cells})

    first = dt.datetime(2025, 3, 1)
    add(type="SavingsPlanUpfrontFee", start=first, product="ComputeSavingsPlans",
        usage_type="ComputeSP:1yrPartialUpfront", amount=1, unblended=SP_UPFRONT, **SP_TERMS)
    add(type="Fee", start=first, product="AmazonEC2", usage_type="HeavyUsage:r6i.large",
        amount=1, unblended=438.0, **RI_TERMS)
    add(type="RIFee", start=first, product="AmazonEC2", usage_type="HeavyUsage:r6i.large",
        resource=RI, amount=HOURS, unblended=round(RI_RECURRING * HOURS, 6),
        ri_amortised=round(RI_UPFRONT * HOURS, 6),
        ri_unused_upfront=round(RI_UPFRONT * (HOURS - RI_USED_HOURS), 6),
        ri_unused_recurring=round(RI_RECURRING * (HOURS - RI_USED_HOURS), 6), **RI_TERMS)
    for hour in range(HOURS):
        start = first + dt.timedelta(hours=hour)
        busy = 6 <= start.hour < 22
        used = 0.0
        for instance in ("i-g5a", "i-g5b") if busy else ():
            add(type="SavingsPlanCoveredUsage", start=start, product="AmazonEC2",
                usage_type="USE1-BoxUsage:g5.xlarge", resource=instance, amount=1,
                unblended=SP_ON_DEMAND, on_demand=SP_ON_DEMAND, sp_effective=SP_RATE,
                term_kind="OnDemand", **SP_TERMS)
            add(type="SavingsPlanNegation", start=start, product="AmazonEC2",
                usage_type="USE1-BoxUsage:g5.xlarge", resource=instance, amount=1,
                unblended=-SP_ON_DEMAND, **SP_TERMS)
            used += SP_RATE
        add(type="SavingsPlanRecurringFee", start=start, product="ComputeSavingsPlans",
            usage_type="ComputeSP:1yrPartialUpfront", resource=SP, amount=1,
            unblended=SP_RECURRING, sp_total=SP_HOURLY, sp_used=round(used, 6), **SP_TERMS)
        if hour < RI_USED_HOURS:
            add(type="DiscountedUsage", start=start, product="AmazonEC2",
                usage_type="BoxUsage:r6i.large", resource="i-r6i", amount=1, unblended=0.0,
                on_demand=RI_ON_DEMAND, ri_effective=RI_RECURRING + RI_UPFRONT, **RI_TERMS)
        add(type="Usage", start=start, product="AmazonEC2", usage_type="BoxUsage:c6i.large",
            resource="i-c6i", amount=1, unblended=0.085, on_demand=0.085,
            term_kind="OnDemand")
    return out


def amortised(line: dict[str, Any]) -> float:
    """AWS's amortised cost of one line (CUDOS summary_view.sql)."""
    kind = line["type"]

    def number(name: str) -> float:
        return float(line.get(name) or 0.0)

    if kind == "SavingsPlanCoveredUsage":
        return number("sp_effective")
    if kind == "SavingsPlanRecurringFee":
        return number("sp_total") - number("sp_used")
    if kind in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
        return 0.0
    if kind == "DiscountedUsage":
        return number("ri_effective")
    if kind == "RIFee":
        return number("ri_unused_upfront") + number("ri_unused_recurring")
    if kind == "Fee" and line.get("ri_arn"):
        return 0.0
    return number("unblended")


def _text(line: dict[str, Any], name: str) -> str:
    value = line.get(name)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return repr(value) if isinstance(value, float) else str(value)


def write_cur(folder: Path, spelling: str, rows: list[dict[str, Any]]) -> Path:
    """``rows`` as a legacy CSV (``legacy``), an Athena-style CSV.gz (``athena``) or a
    CUR 2.0 Parquet (``cur2``: snake_case, net unblended cost, typed columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    at = 0 if spelling == "legacy" else 1
    names = [pair[at] for pair in COLUMNS.values()]
    if spelling == "cur2":
        table: dict[str, Any] = {}
        for key, pair in COLUMNS.items():
            if key in NUMBERS:
                table[pair[1]] = pa.array([None if r.get(key) is None else float(r[key])
                                           for r in rows], pa.float64())
            elif key == "start":
                table[pair[1]] = pa.array([r["start"] for r in rows], pa.timestamp("ms"))
            else:
                table[pair[1]] = [r.get(key) or None for r in rows]
        table["line_item_net_unblended_cost"] = table["line_item_unblended_cost"]
        path = folder / "cur2.parquet"
        pq.write_table(pa.table(table), path)
        return path
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([[_text(r, key) for key in COLUMNS] for r in rows])
    if spelling == "athena":
        path = folder / "cur-athena.csv.gz"
        path.write_bytes(gzip.compress(text.getvalue().encode(), mtime=0))
    else:
        path = folder / "cur-legacy.csv"
        path.write_text(text.getvalue(), encoding="utf-8")
    return path


def imported(folder: Path, spelling: str, path_kind: str) -> tuple[Cache, Commitments]:
    """The file in a fresh cache by one reading path (checked to be that path), with the
    period's commitments."""
    rows = lines()
    path = write_cur(folder / "bill", spelling, rows)
    with pytest.MonkeyPatch.context() as patch:
        answers = spy_on_daily(patch, small=0 if path_kind == FAST else 10**18)
        cache = Cache.open(folder / path_kind / "worthit.sqlite")
        import_file(cache, path, source="cur")
    assert answers == [path_kind == FAST]
    return cache, commitments(cache, MARCH, as_of=dt.date(2025, 3, 31))


SPELLINGS = ("legacy", "athena", "cur2")
PATHS = (LINE, FAST)


@pytest.mark.parametrize("path_kind", PATHS)
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_amortised_total_is_the_curs_own_formula(tmp_path: Path, spelling: str,
                                                    path_kind: str) -> None:
    rows = lines()
    cache, _ = imported(tmp_path, spelling, path_kind)
    with cache:
        billed, effective = cache._rows(
            "SELECT TOTAL(billed_cost), TOTAL(effective_cost) FROM charges")[0]
    assert round(billed, 2) == round(math.fsum(r["unblended"] for r in rows), 2)
    assert round(effective, 2) == round(math.fsum(amortised(r) for r in rows), 2)
    # Each commitment counted once (what it committed, used or not) plus on-demand usage.
    committed = (SP_HOURLY + RI_RECURRING + RI_UPFRONT) * HOURS
    assert round(effective, 2) == round(committed + 0.085 * HOURS, 2)


@pytest.mark.parametrize("path_kind", PATHS)
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_used_and_unused_are_what_the_curs_columns_say(tmp_path: Path, spelling: str,
                                                      path_kind: str) -> None:
    rows = lines()
    cache, found = imported(tmp_path, spelling, path_kind)
    cache.close()
    by_id = {c.commitment_id: c for c in found.commitments}
    fees = [r for r in rows if r["type"] == "SavingsPlanRecurringFee"]
    plan = by_id[SP]
    assert round(plan.used, 2) == round(math.fsum(r["sp_used"] for r in fees), 2)
    assert round(plan.unused, 2) == round(math.fsum(r["sp_total"] - r["sp_used"]
                                                    for r in fees), 2)
    assert round(plan.committed, 2) == round(math.fsum(r["sp_total"] for r in fees), 2)
    ri_fee = next(r for r in rows if r["type"] == "RIFee")
    reservation = by_id[RI]
    assert round(reservation.used, 2) == round(math.fsum(
        r["ri_effective"] for r in rows if r["type"] == "DiscountedUsage"), 2)
    assert round(reservation.unused, 2) == round(ri_fee["ri_unused_upfront"]
                                                 + ri_fee["ri_unused_recurring"], 2)
    assert round(reservation.committed, 2) == round(ri_fee["ri_amortised"]
                                                    + ri_fee["unblended"], 2)
    # The monthly fee's unused share, spread over the month's days, and said so.
    assert all(d.derived for d in reservation.days) and reservation.derived
    assert len(reservation.days) == 31
    assert {round(d.unused, 6) for d in reservation.days} == {round(6.6 / 31, 6)}
    # Nightly idleness shows per day: 16 busy hours of 24.
    assert {round(d.utilisation or 0, 6) for d in plan.days} == {round(16 * 1.6 / 48, 6)}
    assert plan.utilisation == pytest.approx(16 * 1.6 / 48)
    # Saving: on-demand of the covered usage, less its amortised cost and the unused.
    covered = [r for r in rows if r["type"] == "SavingsPlanCoveredUsage"]
    assert plan.saving == pytest.approx(math.fsum(r["on_demand"] for r in covered)
                                        - plan.used - plan.unused)
    assert plan.days_to_end == 10 and plan.ending_within == 30
    assert [c.commitment_id for c in found.commitments] == [RI, SP]  # ending soonest first
    assert reservation.days_to_end == 1


@pytest.mark.parametrize("path_kind", PATHS)
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_terms_the_cur_states_are_kept(tmp_path: Path, spelling: str,
                                           path_kind: str) -> None:
    cache, found = imported(tmp_path, spelling, path_kind)
    with cache:
        held = {r["commitment_id"]: dict(r) for r in cache._rows("SELECT * FROM commitments")}
        status = {(r[0], r[1]) for r in cache._rows(
            "SELECT DISTINCT x_usage_type, commitment_discount_status FROM charges "
            "WHERE commitment_discount_id IS NOT NULL")}
    plan, reservation = held[SP], held[RI]
    assert (plan["kind"], plan["category"], plan["term"], plan["offering"],
            plan["payment_option"], plan["billed_every"], plan["currency"]) == (
        "Savings Plan", "Spend", "1yr", "ComputeSavingsPlans", "Partial Upfront", "hour", "USD")
    assert plan["start_time"].startswith("2024-06-01") and plan["end_time"].startswith(
        "2025-04-10")
    assert plan["hourly_commitment"] == pytest.approx(SP_HOURLY)
    assert (reservation["kind"], reservation["category"], reservation["term"],
            reservation["instance_family"], reservation["region"],
            reservation["billed_every"]) == (
        "Reserved Instances (RI)", "Usage", "1yr", "r6i", "us-east-1", "month")
    assert reservation["monthly_commitment"] == pytest.approx(
        (RI_RECURRING + RI_UPFRONT) * HOURS)
    assert reservation["end_time"].startswith("2025-04-01")
    # Fee lines carry the unused commitment, covered usage the used part.
    assert status == {("USE1-BoxUsage:g5.xlarge", "Used"), ("USE1-BoxUsage:g5.xlarge", None),
                      ("ComputeSP:1yrPartialUpfront", "Unused"),
                      ("ComputeSP:1yrPartialUpfront", None),
                      ("BoxUsage:r6i.large", "Used"), ("HeavyUsage:r6i.large", "Unused"),
                      ("HeavyUsage:r6i.large", None)}
    terms = {c.commitment_id: c for c in found.commitments}
    assert terms[SP].term == "1 year" and terms[SP].covers == "Compute"
    assert terms[RI].covers == "standard, r6i, us-east-1"


def test_a_reimport_keeps_first_seen_and_reconciles(tmp_path: Path) -> None:
    path = write_cur(tmp_path / "bill", "legacy", lines())
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        first = import_file(cache, path)
        seen = cache._scalar("SELECT first_seen FROM commitments WHERE commitment_id = ?",
                             (SP,))
        cache._conn.execute("UPDATE commitments SET first_seen = '2020-01-01T00:00:00+00:00'")
        again = import_file(cache, path)
        assert seen is not None
        assert cache._scalar("SELECT first_seen FROM commitments WHERE commitment_id = ?",
                             (SP,)) == "2020-01-01T00:00:00+00:00"
        assert cache._scalar("SELECT COUNT(*) FROM commitments") == 2
    # The importer's reconciliation held (the file's totals are the cache's to the cent).
    for done in (first, again):
        assert done.cache_effective is not None
        assert abs(done.cache_effective - done.file_effective) <= 0.01
        assert abs(done.file_effective - math.fsum(amortised(r) for r in lines())) <= 0.01


def test_amortised_and_unamortised_totals_name_their_difference(tmp_path: Path) -> None:
    rows = lines()
    cache, _ = imported(tmp_path, "legacy", LINE)
    with cache:
        (both,) = amortisation(cache, MARCH)
    billed = math.fsum(r["unblended"] for r in rows)
    effective = math.fsum(amortised(r) for r in rows)
    assert (both.currency, round(both.unamortised, 2), round(both.amortised, 2)) == (
        "USD", round(billed, 2), round(effective, 2))
    # Upfront fees paid in March are spread over their terms: March carries less.
    assert both.to_json()["commitment_amortisation"] == round(effective - billed, 2) < 0

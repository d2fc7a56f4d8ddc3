"""The demo's commitments, billed as FOCUS rows state them (CommitmentDiscountId, Type,
Category, Status), with the terms a bill states about each (the ``commitments`` table).

Four are planted (:mod:`worthit.demo.planted` gives their truth): a GPU Compute Savings
Plan used at 70 %, a Bedrock provisioned throughput idle at night, an Azure OpenAI PTU
reservation renewed monthly, and EC2 Reserved Instances that end 20 days after the demo's
last day. Each covers usage of its own (new rows, tagged with a team and feature the
demo's allocation rules map), so no other planted figure moves."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import numpy as np

from worthit.core.commitments import (
    PROVISIONED_THROUGHPUT,
    PTU_RESERVATION,
    RESERVED_INSTANCES,
    SAVINGS_PLAN,
)
from worthit.core.focus import AI_CATEGORY
from worthit.core.periods import add_months
from worthit.demo.catalog import INSTANCE_HOURLY, PAYER_ACCOUNT
from worthit.demo.infra import ACCOUNT_NAMES, PROD, SHARED
from worthit.demo.ledger import Calendar, Ledger, tags
from worthit.demo.planted import PlantedCommitment

# -- the GPU Savings Plan -----------------------------------------------------------------------
SP_ID: Final = f"arn:aws:savingsplans::{PAYER_ACCOUNT}:savingsplan/sp-0gpu7c4e1b2a90d3f"
#: USD per hour committed, and the share of it the covered usage uses every day.
SP_HOURLY: Final = 5.00
SP_UTILISATION: Final = 0.70
SP_MONTHS_AGO: Final = 5  # bought five months before the demo's last day, for 3 years
#: The GPU fine-tuning fleet the plan covers (model-training), all day every day.
SP_NODES: Final = tuple(f"i-0ftune{n:011d}" for n in range(1, 6))
SP_INSTANCE: Final = "g5.2xlarge"

# -- the Bedrock provisioned throughput -------------------------------------------------------
PT_ID: Final = "arn:aws:bedrock:us-east-1:210987654321:provisioned-model/eval-judge-pt"
PT_HOURLY: Final = 12.00  # USD per model unit hour, 1-month commitment (the demo's rate)
PT_MODEL_UNITS: Final = 1
#: The no-commitment hourly rate the rows state as list cost (the demo's rate, +20 %).
PT_NO_COMMIT_HOURLY: Final = 14.40
#: UTC hours [from, to) the review agent uses it; the other 9 hours it sits idle.
PT_DAY_HOURS: Final = (7, 22)
PT_IDLE_SHARE: Final = 1.0 - (PT_DAY_HOURS[1] - PT_DAY_HOURS[0]) / 24  # 0.375
PT_DAYS_TO_END: Final = 26  # the current monthly term ends 26 days after the last day

# -- the Azure OpenAI PTU reservation ---------------------------------------------------------
PTU_ID: Final = ("/providers/microsoft.capacity/reservationorders/5c1f0e2a-ptu0-4c11-9e5a-"
                 "a0c0pilot001/reservations/7d2e1f3b-ptu0-4d22-8f6b-b1d1pilot002")
PTU_UNITS: Final = 15
PTU_MONTHLY_PER_UNIT: Final = 260.0  # USD per PTU per month (the demo's rate)
#: The hourly (on-demand) price per PTU the rows state as list cost (the demo's rate).
PTU_HOURLY_PER_UNIT: Final = 1.00
PTU_UTILISATION: Final = 0.85  # the deployment uses 85 % of the reserved PTU-hours
PTU_DAYS_TO_END: Final = 24  # the current monthly term ends 24 days after the last day
PTU_TERMS_HELD: Final = 3  # monthly terms billed in the demo (renewed each month)

# -- the Reserved Instances that end soon -----------------------------------------------------
RI_ID: Final = (f"arn:aws:ec2:us-east-1:{PAYER_ACCOUNT}:reserved-instances/"
                "4f9a1c2e-ri00-4b3d-9e8f-dataprep0001")
RI_NODES: Final = ("i-0dataprep00000001", "i-0dataprep00000002")
RI_INSTANCE: Final = "m6i.2xlarge"
RI_DISCOUNT: Final = 0.38  # 1 year, all upfront, against on-demand (the demo's rate)
RI_DAYS_TO_END: Final = 20


def _aws(account: str, **columns: Any) -> dict[str, Any]:
    return {"provider_name": "AWS", "publisher_name": "AWS",
            "billing_account_id": PAYER_ACCOUNT, "sub_account_id": account,
            "sub_account_name": ACCOUNT_NAMES[account], "region_id": "us-east-1", **columns}


def _at(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _from(cal: Calendar, day: dt.date) -> np.ndarray:
    """A mask of the calendar's days on or after ``day``."""
    return np.asarray(cal.days.date >= day)


def plant(cal: Calendar, ledger: Ledger) -> tuple[list[dict[str, Any]],
                                                  list[PlantedCommitment]]:
    """Bill the four commitments into ``ledger``; returns the terms to write with
    :func:`~worthit.store.commitments.write_commitments` and their planted truth."""
    end = cal.days[-1].date()
    stated: list[dict[str, Any]] = []
    truth: list[PlantedCommitment] = []
    for made in (_savings_plan, _provisioned_throughput, _ptu_reservation,
                 _reserved_instances):
        terms, planted = made(cal, ledger, end)
        stated.append(terms)
        truth.append(planted)
    return stated, truth


def _savings_plan(cal: Calendar, ledger: Ledger, end: dt.date,
                  ) -> tuple[dict[str, Any], PlantedCommitment]:
    """Covered usage (Used; billed 0, effective at the plan's rate, list on demand) and a
    daily recurring fee (billed the day's commitment) whose unused 30 % is an Unused row."""
    start = add_months(end, -SP_MONTHS_AGO)
    mask = _from(cal, start)
    n = len(cal)
    committed = np.full(n, 24 * SP_HOURLY)
    used = committed * SP_UTILISATION
    on_demand = 24 * INSTANCE_HOURLY[SP_INSTANCE]
    common = _aws(PROD, commitment_discount_id=SP_ID, commitment_discount_name="GPU inference SP",
                  commitment_discount_type="Savings Plan", commitment_discount_category="Spend",
                  commitment_discount_unit="USD",
                  tags=tags("ml-platform", "model-training"))
    for node in SP_NODES:
        ledger.add(np.round(used / len(SP_NODES), 6), mask=mask,
                   billed_cost=np.zeros(n), list_cost=np.full(n, on_demand),
                   service_category="Compute", service_name="Amazon Elastic Compute Cloud",
                   resource_type="Instance", resource_id=node,
                   x_usage_type=f"USE1-BoxUsage:{SP_INSTANCE}",
                   sku_id=f"USE1-BoxUsage:{SP_INSTANCE}", consumed_quantity=np.full(n, 24.0),
                   consumed_unit="Hours", availability_zone="us-east-1b",
                   charge_frequency="Usage-Based", pricing_category="Committed",
                   commitment_discount_status="Used", **common)
    fee = {"service_category": "Compute", "resource_type": "Savings Plan",
           "service_name": "Savings Plans for AWS Compute usage", "resource_id": SP_ID,
           "x_usage_type": "ComputeSP:3yrNoUpfront", "sku_id": "ComputeSP:3yrNoUpfront",
           "charge_frequency": "Recurring", "pricing_category": "Committed"}
    # FOCUS splits the CUR's recurring fee line: the Purchase bills the day's commitment
    # (effective 0), the Usage row with status Unused carries its unused 30 %.
    ledger.add(np.zeros(n), mask=mask, billed_cost=committed, list_cost=committed,
               consumed_quantity=np.full(n, 24.0), consumed_unit="Hours",
               charge_category="Purchase", **fee, **common)
    ledger.add(np.round(committed - used, 6), mask=mask, billed_cost=np.zeros(n),
               list_cost=np.zeros(n), commitment_discount_status="Unused", **fee, **common)
    stop = add_months(start, 36)
    terms = {"commitment_id": SP_ID, "provider": "AWS", "kind": SAVINGS_PLAN,
             "category": "Spend", "name": "GPU inference SP",
             "offering": "ComputeSavingsPlans", "region": None, "term": "3yr",
             "start_time": _at(start), "end_time": _at(stop),
             "payment_option": "No Upfront", "hourly_commitment": SP_HOURLY,
             "monthly_commitment": None, "billed_every": None, "currency": "USD"}
    rate = used[0] / (len(SP_NODES) * on_demand)
    return terms, PlantedCommitment(
        SP_ID, SAVINGS_PLAN, "GPU Compute Savings Plan at 70 % (g5.2xlarge fine-tuning fleet)",
        "ml-platform", "model-training", SP_UTILISATION, (stop - end).days,
        f"${SP_HOURLY:.2f}/h committed; {len(SP_NODES)} × {SP_INSTANCE} covered at "
        f"{rate:.4f} × on-demand use 70 % of it every day; the daily fee's Unused row "
        "carries the unused 30 %")


def _provisioned_throughput(cal: Calendar, ledger: Ledger, end: dt.date,
                            ) -> tuple[dict[str, Any], PlantedCommitment]:
    """Hourly model-unit charges, one Used row (the day hours) and one Unused row (the
    idle night hours) per day, each billed as charged."""
    term_end = end + dt.timedelta(days=PT_DAYS_TO_END)
    first = add_months(term_end, -2)  # bought two terms ago, renewed once
    mask = _from(cal, first)
    n = len(cal)
    busy = PT_DAY_HOURS[1] - PT_DAY_HOURS[0]
    common = _aws(PROD, service_category=AI_CATEGORY, service_name="Amazon Bedrock",
                  resource_type="Provisioned model", resource_id=PT_ID,
                  x_usage_type="USE1-NovaLite-ProvisionedThroughput-1Month-ModelUnits",
                  sku_id="USE1-NovaLite-ProvisionedThroughput-1Month-ModelUnits",
                  consumed_unit="ModelUnit-Hours", charge_frequency="Usage-Based",
                  pricing_category="Committed", commitment_discount_id=PT_ID,
                  commitment_discount_name="eval-judge provisioned throughput",
                  commitment_discount_type="Provisioned Throughput",
                  commitment_discount_category="Usage",
                  commitment_discount_unit="ModelUnit-Hours",
                  tags=tags("ml-platform", "eval-nightly"))
    for status, hours in (("Used", busy), ("Unused", 24 - busy)):
        quantity = np.full(n, float(hours * PT_MODEL_UNITS))
        ledger.add(np.round(quantity * PT_HOURLY, 6), mask=mask, consumed_quantity=quantity,
                   list_cost=np.round(quantity * PT_NO_COMMIT_HOURLY, 6),
                   commitment_discount_quantity=quantity,
                   commitment_discount_status=status, **common)
    terms = {"commitment_id": PT_ID, "provider": "AWS", "kind": PROVISIONED_THROUGHPUT,
             "category": "Usage", "name": "eval-judge provisioned throughput",
             "offering": "Bedrock provisioned throughput (Nova Lite)",
             "region": "us-east-1", "term": "P1M",
             "start_time": _at(add_months(term_end, -1)), "end_time": _at(term_end),
             "payment_option": "No Upfront", "hourly_commitment": PT_HOURLY * PT_MODEL_UNITS,
             "monthly_commitment": None, "billed_every": None, "currency": "USD"}
    return terms, PlantedCommitment(
        PT_ID, PROVISIONED_THROUGHPUT,
        "Bedrock provisioned throughput idle at night (eval-nightly's judge model)",
        "ml-platform", "eval-nightly", 1.0 - PT_IDLE_SHARE, PT_DAYS_TO_END,
        f"{PT_MODEL_UNITS} model unit × ${PT_HOURLY:.2f}/h; used {PT_DAY_HOURS[0]:02d}:00-"
        f"{PT_DAY_HOURS[1]:02d}:00 UTC, idle the other {24 - busy} h: "
        f"{PT_IDLE_SHARE:.1%} of each day unused")


def _ptu_reservation(cal: Calendar, ledger: Ledger, end: dt.date,
                     ) -> tuple[dict[str, Any], PlantedCommitment]:
    """A monthly fee on each renewal day (billed, effective 0) amortised over its term's
    days as Used (85 %) and Unused (15 %) rows (billed 0), as an amortised export has."""
    term_end = end + dt.timedelta(days=PTU_DAYS_TO_END)
    renewals = [add_months(term_end, -k) for k in range(PTU_TERMS_HELD, 0, -1)]
    fee = PTU_UNITS * PTU_MONTHLY_PER_UNIT
    n = len(cal)
    days = cal.days.date
    daily = np.zeros(n)
    purchase = np.zeros(n)
    for begin, stop in zip(renewals, [*renewals[1:], term_end], strict=True):
        inside = np.asarray((days >= begin) & (days < stop))
        daily[inside] = fee / (stop - begin).days
        purchase[np.asarray(days == begin)] = fee
    common = {
        "provider_name": "Microsoft", "publisher_name": "Microsoft",
        "billing_account_id": "ea-80114422", "sub_account_id": "sub-7e1c2a90-analytics",
        "sub_account_name": "analytics-copilot", "region_id": "eastus2",
        "service_category": AI_CATEGORY, "service_name": "Azure OpenAI Service",
        "resource_id": PTU_ID, "commitment_discount_id": PTU_ID,
        "commitment_discount_name": "eval-harness PTU",
        "commitment_discount_type": "Reservation", "commitment_discount_category": "Usage",
        "commitment_discount_unit": "PTU-Hours", "tags": tags("ml-platform", "eval-nightly")}
    meter = "Provisioned Managed Global Unit"
    for status, share in (("Used", PTU_UTILISATION), ("Unused", 1.0 - PTU_UTILISATION)):
        hours = np.where(daily > 0, PTU_UNITS * 24 * share, 0.0)
        ledger.add(np.round(daily * share, 6), billed_cost=np.zeros(n),
                   list_cost=hours * PTU_HOURLY_PER_UNIT, resource_type="Deployment",
                   x_usage_type=meter, sku_id=meter, consumed_quantity=hours,
                   consumed_unit="PTU-Hours", commitment_discount_quantity=hours,
                   charge_frequency="Usage-Based", pricing_category="Committed",
                   commitment_discount_status=status, **common)
    ledger.add(np.zeros(n), mask=purchase > 0, billed_cost=purchase, list_cost=purchase,
               resource_type="Reservation", x_usage_type=meter, sku_id=meter,
               consumed_quantity=np.where(purchase > 0, float(PTU_UNITS), 0.0),
               consumed_unit="PTU", charge_category="Purchase", charge_frequency="Recurring",
               pricing_category="Committed", **common)
    terms = {"commitment_id": PTU_ID, "provider": "Microsoft", "kind": PTU_RESERVATION,
             "category": "Usage", "name": "eval-harness PTU",
             "offering": f"Azure OpenAI {meter} × {PTU_UNITS}", "region": "eastus2",
             "term": "P1M", "start_time": _at(renewals[-1]), "end_time": _at(term_end),
             "payment_option": "Monthly", "hourly_commitment": None,
             "monthly_commitment": fee, "billed_every": None, "currency": "USD"}
    return terms, PlantedCommitment(
        PTU_ID, PTU_RESERVATION, "Azure OpenAI PTU reservation (monthly, 15 PTU) at 85 %",
        "ml-platform", "eval-nightly", PTU_UTILISATION, PTU_DAYS_TO_END,
        f"{PTU_UNITS} PTU × ${PTU_MONTHLY_PER_UNIT:.0f}/month, renewed monthly; each "
        "term's fee amortised evenly over its days, 85 % of the PTU-hours deployed")


def _reserved_instances(cal: Calendar, ledger: Ledger, end: dt.date,
                        ) -> tuple[dict[str, Any], PlantedCommitment]:
    """A 1-year all-upfront reservation: the fee on its first day (billed, effective 0)
    and the covered instance hours (Used; billed 0, effective the fee amortised)."""
    stop = end + dt.timedelta(days=RI_DAYS_TO_END)
    start = add_months(stop, -12)
    n = len(cal)
    hourly = INSTANCE_HOURLY[RI_INSTANCE] * (1.0 - RI_DISCOUNT)
    fee = round(hourly * len(RI_NODES) * (stop - start).days * 24, 2)
    mask = _from(cal, start)
    common = _aws(SHARED, service_category="Compute",
                  service_name="Amazon Elastic Compute Cloud",
                  x_usage_type=f"USE1-HeavyUsage:{RI_INSTANCE}",
                  sku_id=f"USE1-HeavyUsage:{RI_INSTANCE}", pricing_category="Committed",
                  commitment_discount_id=RI_ID, commitment_discount_name="data-prep runners RI",
                  commitment_discount_type="Reserved Instance",
                  commitment_discount_category="Usage", commitment_discount_unit="Hours",
                  tags=tags("ml-platform", "model-training"))
    for node in RI_NODES:
        ledger.add(np.full(n, round(fee / len(RI_NODES) / (stop - start).days, 6)),
                   mask=mask, billed_cost=np.zeros(n),
                   list_cost=np.full(n, 24 * INSTANCE_HOURLY[RI_INSTANCE]),
                   resource_type="Instance", resource_id=node,
                   consumed_quantity=np.full(n, 24.0), consumed_unit="Hours",
                   commitment_discount_quantity=np.full(n, 24.0),
                   charge_frequency="Usage-Based", commitment_discount_status="Used", **common)
    first = np.asarray(cal.days.date == start)
    ledger.add(np.zeros(n), mask=first, billed_cost=np.where(first, fee, 0.0),
               list_cost=np.where(first, fee, 0.0), resource_type="Reserved Instance",
               resource_id=RI_ID, consumed_quantity=np.where(first, len(RI_NODES), 0.0),
               consumed_unit="Reservations", charge_category="Purchase",
               charge_frequency="One-Time", **common)
    terms = {"commitment_id": RI_ID, "provider": "AWS", "kind": RESERVED_INSTANCES,
             "category": "Usage", "name": "data-prep runners RI", "offering": None,
             "instance_family": RI_INSTANCE.split(".")[0], "region": "us-east-1",
             "term": "1yr", "start_time": _at(start), "end_time": _at(stop),
             "payment_option": "All Upfront", "hourly_commitment": None,
             "monthly_commitment": None, "billed_every": None, "currency": "USD"}
    return terms, PlantedCommitment(
        RI_ID, RESERVED_INSTANCES, "EC2 Reserved Instances (2 × m6i.2xlarge) end in 20 days",
        "ml-platform", "model-training", 1.0, RI_DAYS_TO_END,
        f"2 × {RI_INSTANCE}, 1 year all upfront at {1 - RI_DISCOUNT:.0%} of on-demand, "
        "fully used; ends 20 days after the demo's last day")

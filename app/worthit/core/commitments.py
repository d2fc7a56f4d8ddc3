"""Commitments as bills name them: the kinds Worthit shows (from a bill's commitment
discount type and provider) and the hours of a day a commitment runs, which both the
readers (an hourly commitment from a day's sum) and the analysis (a monthly fee spread
over its days) need."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

#: The kinds of commitment, as the Commitments page names them.
SAVINGS_PLAN: Final = "Savings Plan"
RESERVED_INSTANCES: Final = "Reserved Instances (RI)"
RESERVATION: Final = "Reservation"
AZURE_SAVINGS_PLAN: Final = "Savings Plan (Azure)"
PROVISIONED_THROUGHPUT: Final = "Bedrock provisioned throughput"
PTU_RESERVATION: Final = "Azure OpenAI PTU reservation"
#: The CommitmentDiscountType a CUR's provisioned throughput lines are given: the CUR names
#: none (they are plain usage), and FOCUS leaves the type's values to the provider.
PROVISIONED_TYPE: Final = "Provisioned Throughput"

#: A Bedrock provisioned throughput's hourly model-unit charge, as the CUR's usage type
#: names it (AWS price list: ``USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits``;
#: the commitment part for 1 and 6 months is read as written).
_PROVISIONED: Final = re.compile(
    r"^(?:[A-Z0-9]+-)?(?P<model>.+?)-ProvisionedThroughput-(?P<commit>[A-Za-z0-9]+)-"
    r"ModelUnits?$", re.IGNORECASE)
#: Azure OpenAI provisioned throughput meters: "Provisioned Managed Global Unit", "... Data
#: Zone Unit", "... Regional Unit" (unit 1 Hour), and the reservation's own "Provisioned
#: Throughput Unit" rows.
_PTU_METER: Final = re.compile(r"provisioned (managed|throughput unit)", re.IGNORECASE)

_DAY: Final = dt.timedelta(days=1)


def kind_of(provider: str | None, discount_type: str | None) -> str:
    """The kind of a commitment from its bill's CommitmentDiscountType and provider: an
    Azure savings plan is told apart from an AWS one (they cover different things)."""
    named = (discount_type or "").strip()
    azure = (provider or "").lower().startswith(("microsoft", "azure"))
    if named.lower() == "savings plan":
        return AZURE_SAVINGS_PLAN if azure else SAVINGS_PLAN
    return named or "Commitment"


def provisioned_throughput(usage_type: str | None) -> tuple[str, str | None] | None:
    """(model, term in words) of a Bedrock provisioned throughput's usage type, the term
    None for a no-commitment one; None for any other usage type."""
    match = _PROVISIONED.match(usage_type or "")
    if match is None:
        return None
    commit = match["commit"].lower()
    if commit.startswith("no"):
        return match["model"], None
    months = re.match(r"(\d+)month", commit)
    if months is None:
        return match["model"], match["commit"]
    count = int(months[1])
    return match["model"], f"{count} month{'s' if count != 1 else ''}"


def provisioned_id(resource_id: str | None, account: str | None, usage_type: str) -> str:
    """The id a Bedrock provisioned throughput is kept under: the provisioned model's ARN,
    the CUR's resource id for its lines; without one, the account and usage type."""
    return resource_id or f"bedrock-provisioned-throughput:{account or 'unknown'}:{usage_type}"


def is_ptu_meter(meter_name: str | None) -> bool:
    """Whether an Azure meter is Azure OpenAI provisioned throughput (PTU)."""
    return bool(_PTU_METER.search(meter_name or ""))


def parse_time(text: str | None) -> dt.datetime | None:
    """A bill's start or end time (``2025-01-15T10:32:11.000Z``, a date, or with an offset)
    in UTC, naive; None for none or one that is not a time."""
    if not text or not text.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when


def today() -> dt.date:
    """The day (UTC) a commitment's days to end count from: today, whatever period is on
    show, since an end date is a fact about the calendar, not about the figures' window.
    (Called through this module so a test can set the day.)"""
    return dt.datetime.now(dt.UTC).date()


def active_hours(day: dt.date, start: dt.datetime | None, end: dt.datetime | None) -> float:
    """The hours of ``day`` (UTC) within [start, end): 24 when neither is known."""
    begin = dt.datetime.combine(day, dt.time())
    finish = begin + _DAY
    if start is not None:
        begin = max(begin, start)
    if end is not None:
        finish = min(finish, end)
    return max(0.0, (finish - begin).total_seconds() / 3600)


#: The instance type in a usage type (``USE1-BoxUsage:g5.xlarge``, ``HeavyUsage:r6i.large``,
#: SageMaker's ``ml.g5.xlarge``, RDS's ``db.r6g.large``): a family is letters then a
#: generation digit (``g5``, ``inf2``, ``u-6tb1``), which ``VolumeUsage`` is not.
_INSTANCE_TYPE: Final = re.compile(
    r":(?:(?:ml|db|cache)\.)?(?P<family>[a-z]+(?:-[a-z0-9]+)?[0-9][a-z0-9-]*)"
    r"\.(?P<size>[a-z0-9]+)$", re.IGNORECASE)
#: EBS volume types (``EBS:VolumeUsage.gp3``, ``EBS:VolumeP-IOPS.io2``): storage a
#: commitment never covers, whatever the text before them looks like.
EBS_VOLUME_TYPES: Final = frozenset({"gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"})


def instance_family(usage_type: str | None) -> str | None:
    """The instance family (``g5``) a usage type names, if it names an instance type;
    None for an EBS volume's (``EBS:VolumeUsage.gp3``) and any other usage."""
    text = usage_type or ""
    match = _INSTANCE_TYPE.search(text)
    if match is None or "EBS:" in text.upper() or match["size"].lower() in EBS_VOLUME_TYPES:
        return None
    return match["family"].lower()

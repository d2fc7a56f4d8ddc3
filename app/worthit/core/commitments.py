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
PROVISIONED_THROUGHPUT: Final = "Provisioned Throughput"

_DAY: Final = dt.timedelta(days=1)


def kind_of(provider: str | None, discount_type: str | None) -> str:
    """The kind of a commitment from its bill's CommitmentDiscountType and provider: an
    Azure savings plan is told apart from an AWS one (they cover different things)."""
    named = (discount_type or "").strip()
    azure = (provider or "").lower().startswith(("microsoft", "azure"))
    if named.lower() == "savings plan":
        return AZURE_SAVINGS_PLAN if azure else SAVINGS_PLAN
    return named or "Commitment"


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


def active_hours(day: dt.date, start: dt.datetime | None, end: dt.datetime | None) -> float:
    """The hours of ``day`` (UTC) within [start, end): 24 when neither is known."""
    begin = dt.datetime.combine(day, dt.time())
    finish = begin + _DAY
    if start is not None:
        begin = max(begin, start)
    if end is not None:
        finish = min(finish, end)
    return max(0.0, (finish - begin).total_seconds() / 3600)


#: The instance type in a usage type (``USE1-BoxUsage:g5.xlarge``, ``HeavyUsage:r6i.large``).
_INSTANCE_TYPE: Final = re.compile(r":(?P<family>[a-z][a-z0-9-]*)\.[a-z0-9]+$", re.IGNORECASE)


def instance_family(usage_type: str | None) -> str | None:
    """The instance family (``g5``) a usage type names, if it names an instance type."""
    match = _INSTANCE_TYPE.search(usage_type or "")
    return match["family"].lower() if match else None

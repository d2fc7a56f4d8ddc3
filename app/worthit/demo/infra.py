"""The demo's cloud infrastructure: GPU and CPU instances, endpoints, buckets, network."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from worthit.core.focus import AI_CATEGORY
from worthit.demo.catalog import (
    INSTANCE_HOURLY,
    NAT_HOURLY,
    NAT_PER_GB,
    PAYER_ACCOUNT,
    S3_STORAGE_GB_MONTH,
)
from worthit.demo.ledger import Calendar, Ledger, tags

PROD, RESEARCH, SHARED = "210987654321", "345678901234", "456789012345"
ACCOUNT_NAMES = {PROD: "prod-ml", RESEARCH: "research-sandbox", SHARED: "platform-shared"}


def _aws(account: str, **columns: object) -> dict[str, object]:
    base: dict[str, object] = {
        "provider_name": "AWS",
        "publisher_name": "AWS",
        "billing_account_id": PAYER_ACCOUNT,
        "sub_account_id": account,
        "sub_account_name": ACCOUNT_NAMES[account],
        "region_id": "us-east-1",
    }
    base.update(columns)
    return base


@dataclass(frozen=True, slots=True)
class Machine:
    """An instance or endpoint billed by the hour."""

    resource_id: str
    instance_type: str
    team: str | None
    feature: str | None
    account: str
    env: str = "prod"
    sagemaker: bool = False
    zone: str = "us-east-1a"


def machine_cost(
    machine: Machine, cal: Calendar, ledger: Ledger, hours: np.ndarray | None = None
) -> np.ndarray:
    """Bill a machine for ``hours`` per day (24 when not given); returns the daily cost."""
    hours = np.full(len(cal), 24.0) if hours is None else hours
    cost = hours * INSTANCE_HOURLY[machine.instance_type]
    if machine.sagemaker:
        columns = _aws(
            machine.account,
            service_category=AI_CATEGORY,
            service_name="Amazon SageMaker",
            resource_type="Endpoint",
            x_usage_type=f"USE1-Host:{machine.instance_type}",
        )
    else:
        columns = _aws(
            machine.account,
            service_category="Compute",
            service_name="Amazon Elastic Compute Cloud",
            resource_type="Instance",
            x_usage_type=f"USE1-BoxUsage:{machine.instance_type}",
        )
    ledger.add(
        cost,
        availability_zone=machine.zone,
        resource_id=machine.resource_id,
        sku_id=columns["x_usage_type"],
        consumed_quantity=hours,
        consumed_unit="Hours",
        tags=tags(machine.team, machine.feature, machine.env),
        **columns,
    )
    return cost


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    team: str | None
    feature: str | None
    tib_start: float
    tib_end: float
    lifecycle: bool
    days_since_write: int  # at the end date


def bucket_cost(bucket: Bucket, cal: Calendar, ledger: Ledger) -> np.ndarray:
    """Bill S3 Standard storage, prorated daily (GB-month / days in the month)."""
    gb = np.linspace(bucket.tib_start, bucket.tib_end, len(cal)) * 1024.0
    gb_months = gb / cal.days_in_month
    cost = gb_months * S3_STORAGE_GB_MONTH["STANDARD"]
    ledger.add(
        cost,
        **_aws(
            PROD,
            service_category="Storage",
            service_name="Amazon Simple Storage Service",
            resource_type="Bucket",
            x_usage_type="USE1-TimedStorage-ByteHrs",
        ),
        resource_id=bucket.name,
        sku_id="USE1-TimedStorage-ByteHrs",
        consumed_quantity=gb_months,
        consumed_unit="GB-Mo",
        tags=tags(bucket.team, bucket.feature),
    )
    return cost


def transfer_cost(
    cal: Calendar,
    ledger: Ledger,
    *,
    gb_per_day: np.ndarray,
    per_gb: float,
    usage_type: str,
    service_name: str,
    resource_id: str,
    account: str,
    team: str | None,
    feature: str | None,
) -> np.ndarray:
    cost = gb_per_day * per_gb
    ledger.add(
        cost,
        **_aws(
            account,
            service_category="Networking",
            service_name=service_name,
            resource_type="Network",
            x_usage_type=usage_type,
        ),
        resource_id=resource_id,
        sku_id=usage_type,
        consumed_quantity=gb_per_day,
        consumed_unit="GB",
        tags=tags(team, feature),
    )
    return cost


def nat_gateway(
    cal: Calendar, ledger: Ledger, *, resource_id: str, gb_per_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A NAT gateway nobody tagged: its hours and its data processing. Returns both
    daily costs."""
    common = _aws(
        SHARED,
        service_category="Networking",
        service_name="Amazon Virtual Private Cloud",
        resource_type="NAT Gateway",
    )
    hour_cost = np.full(len(cal), 24.0 * NAT_HOURLY)
    ledger.add(
        hour_cost,
        **common,
        resource_id=resource_id,
        x_usage_type="USE1-NatGateway-Hours",
        sku_id="USE1-NatGateway-Hours",
        consumed_quantity=np.full(len(cal), 24.0),
        consumed_unit="Hours",
    )
    byte_cost = gb_per_day * NAT_PER_GB
    ledger.add(
        byte_cost,
        **common,
        resource_id=resource_id,
        x_usage_type="USE1-NatGateway-Bytes",
        sku_id="USE1-NatGateway-Bytes",
        consumed_quantity=gb_per_day,
        consumed_unit="GB",
    )
    return hour_cost, byte_cost


def flat_service(
    cal: Calendar,
    ledger: Ledger,
    rng: np.random.Generator,
    *,
    per_day: float,
    service_name: str,
    category: str,
    usage_type: str,
    resource_id: str,
    team: str | None,
    feature: str | None,
    account: str = PROD,
    charge_category: str = "Usage",
) -> np.ndarray:
    cost = per_day * rng.lognormal(0.0, 0.05, len(cal))
    ledger.add(
        cost,
        **_aws(
            account,
            service_category=category,
            service_name=service_name,
            resource_type="Service",
            x_usage_type=usage_type,
        ),
        resource_id=resource_id,
        sku_id=usage_type,
        charge_category=charge_category,
        tags=tags(team, feature),
    )
    return cost

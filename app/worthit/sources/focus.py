"""FOCUS files (CSV, CSV.gz, Parquet): versions 1.0 to 1.3, any provider's export.

Rows become charges dated by the UTC day their charge period starts (``-05:00`` and other
offsets included). FOCUS 1.3 renamed ProviderName and PublisherName to ServiceProviderName
and HostProviderName: both are read. A file with the 0.5-era columns (ChargeType,
AmortizedCost) is refused: its costs do not mean what 1.x's do. Nulls may be written as
empty strings or a bare ``NULL``. A line's bill is its provider, BillingAccountId and
BillingPeriodStart to BillingPeriodEnd (the calendar month of its day without them)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from worthit.core.errors import BadInput
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.sources.bill import NULLS, BillFile, Layout, Progress, never, read_table
from worthit.sources.bills import of_cells
from worthit.sources.cells import LARGEST_COST, LARGEST_QUANTITY, amount, check_day, utc_day

REQUIRED: Final = ("ChargePeriodStart", "BilledCost", "EffectiveCost", "BillingCurrency")
OLD_COLUMNS: Final = ("ChargeType", "AmortizedCost")
#: Our column <- the FOCUS columns that may carry it, first found wins.
MAPPING: Final[dict[str, tuple[str, ...]]] = {
    "provider_name": ("ServiceProviderName", "ProviderName"),
    "publisher_name": ("HostProviderName", "PublisherName"),
    "billing_account_id": ("BillingAccountId",),
    "sub_account_id": ("SubAccountId",),
    "sub_account_name": ("SubAccountName",),
    "service_category": ("ServiceCategory",),
    "service_name": ("ServiceName",),
    "region_id": ("RegionId",),
    "availability_zone": ("AvailabilityZone",),
    "resource_id": ("ResourceId",),
    "resource_type": ("ResourceType",),
    "sku_id": ("SkuId",),
    "charge_category": ("ChargeCategory",),
    "charge_class": ("ChargeClass",),
    "billed_cost": ("BilledCost",),
    "effective_cost": ("EffectiveCost",),
    "list_cost": ("ListCost",),
    "billing_currency": ("BillingCurrency",),
    "consumed_quantity": ("ConsumedQuantity",),
    "consumed_unit": ("ConsumedUnit",),
    "tags": ("Tags",),
}
NUMBERS: Final = ("billed_cost", "effective_cost", "list_cost", "consumed_quantity")


def is_focus(header: list[str]) -> bool:
    """FOCUS 1.x, or one that looks like FOCUS (at least three of its columns): the
    reader then refuses it saying what is missing, or that it is a 0.5-era file."""
    known = {*REQUIRED, *OLD_COLUMNS, *(c for names in MAPPING.values() for c in names)}
    return len(known.intersection(h.strip() for h in header)) >= 3


def layout(header: list[str], file: str) -> Layout:
    """How to read a FOCUS file with this header; refuses one that is not FOCUS 1.x."""
    names = [h.strip() for h in header]
    old = [c for c in OLD_COLUMNS if c in names]
    if old and "EffectiveCost" not in names:
        raise BadInput(f"a FOCUS 0.5-era file ({', '.join(old)}): Worthit reads FOCUS 1.0 "
                       "to 1.3; export again in a 1.x version", file=file, line=1)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise BadInput(f"not a FOCUS file: no {', '.join(missing)} column", file=file, line=1)
    where = {ours: next((names.index(c) for c in theirs if c in names), None)
             for ours, theirs in MAPPING.items()}
    start_at = names.index("ChargePeriodStart")

    def mapped(row: list[str], found: BillFile, line: int | None) -> list[Any]:
        return _row(row, where, start_at, names, found, file, line)

    numbers = {where[n] for n in NUMBERS} - {None}
    bill_cells, bill = of_cells(
        where["provider_name"], where["billing_account_id"],
        *(names.index(c) if c in names else None
          for c in ("BillingPeriodStart", "BillingPeriodEnd")))
    return Layout(bill_cells=bill_cells, bill=bill,
        map=mapped,
        text=tuple(i for i in where.values() if i is not None and i not in numbers),
        sums=tuple(sorted(i for i in numbers if i is not None)),
        required=(names.index("BilledCost"), names.index("EffectiveCost")),
        day=start_at, currency=names.index("BillingCurrency"),
        billed=names.index("BilledCost"),
        quantities=tuple(i for i in (where["consumed_quantity"],) if i is not None))


def read_focus(path: Path, found: BillFile, *, cancelled: Callable[[], bool] = never,
               progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of a FOCUS file (CSV, CSV.gz or Parquet), checked as they are read;
    the first bad row or column is refused with its line and column."""
    return read_table(path, layout, found, cancelled=cancelled, progress=progress)


def _row(row: list[str], where: dict[str, int | None], start_at: int, names: list[str],
         found: BillFile, file: str, line: int | None) -> list[Any]:
    values: dict[str, Any] = {}
    for ours, index in where.items():
        cell = None if index is None else row[index].strip()
        values[ours] = None if cell is None or cell in NULLS else cell
    for name in NUMBERS:
        text = values[name]
        if text is None:
            if name in ("billed_cost", "effective_cost"):
                raise BadInput("a cost is required", file=file, line=line,
                               column=names[where[name]])  # type: ignore[index]
            continue
        # A row of sums (no line) may add up past what one line may hold.
        limit = math.inf if line is None else \
            LARGEST_QUANTITY if name == "consumed_quantity" else LARGEST_COST
        values[name] = amount(text, "number", limit=limit, file=file, line=line,
                              column=names[where[name]])  # type: ignore[index]
    found.check_currency(values["billing_currency"], file, line, "BillingCurrency")
    stamp = row[start_at].strip()
    day = check_day(utc_day(stamp), stamp, "a date and time", last=found.latest, file=file,
                    line=line, column="ChargePeriodStart")
    found.count(day, values["billed_cost"], values["effective_cost"])
    tags = values["tags"]
    if tags is not None:
        try:
            parsed = json.loads(tags)
        except ValueError:
            parsed = None
        values["tags"] = json.dumps(parsed, sort_keys=True) if isinstance(parsed, dict) else \
            tags  # kept as written: allocation treats what is not an object as no tags
    values["charge_period_start"] = day.isoformat()
    return [values.get(name) for name in CHARGE_COLUMN_NAMES]

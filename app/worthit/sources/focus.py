"""FOCUS files (CSV, CSV.gz, Parquet): versions 1.0 to 1.3, any provider's export.

Rows become charges dated by the UTC day their charge period starts. FOCUS 1.3 renamed
ProviderName and PublisherName to ServiceProviderName and HostProviderName: both are
read. A file with the 0.5-era columns (ChargeType, AmortizedCost) is refused: its costs
do not mean what 1.x's do. Nulls may be written as empty strings or a bare ``NULL``."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import math
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from worthit.core.errors import BadInput
from worthit.core.focus import CHARGE_COLUMN_NAMES

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
CURRENCY: Final = re.compile(r"^[A-Z]{3}$")
NULLS: Final = ("", "NULL", "null")


@dataclass
class BillFile:
    """What a FOCUS file holds: its rows (in CHARGE_COLUMN_NAMES order, without the source
    id) and its own totals, summed as read, for reconciliation."""

    path: Path
    rows: list[list[Any]] = field(default_factory=list)
    billed: float = 0.0
    effective: float = 0.0
    currency: str | None = None
    first: dt.date | None = None
    last: dt.date | None = None

    def check_currency(self, currency: str | None, file: str, line: int,
                       column: str) -> str:
        """One ISO-looking currency for the whole file: a file mixing currencies has no
        single total, and Worthit keeps no exchange rates."""
        if currency is None or not CURRENCY.match(currency):
            raise BadInput(f"unknown currency {currency!r}", file=file, line=line,
                           column=column)
        if self.currency is None:
            self.currency = currency
        elif currency != self.currency:
            raise BadInput(f"mixed currencies without a rate ({self.currency} and "
                           f"{currency})", file=file, line=line, column=column)
        return currency

    def count(self, day: dt.date, billed: float, effective: float) -> None:
        """Widen the file's period and add to its own totals (for reconciliation)."""
        self.first = day if self.first is None else min(self.first, day)
        self.last = day if self.last is None else max(self.last, day)
        self.billed += billed
        self.effective += effective


def lines(path: Path) -> Iterator[str]:
    """The file's lines, gunzipped if it is gzip; a truncated gzip is bad input."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as file:
                yield from file
        else:
            with path.open(encoding="utf-8-sig", newline="") as file:
                yield from file
    except (EOFError, OSError, zlib.error) as error:
        raise BadInput(f"cannot read the file ({error})", file=str(path)) from error
    except UnicodeDecodeError as error:
        raise BadInput(f"not UTF-8 text ({error.reason})", file=str(path)) from error


def _parquet_rows(path: Path) -> Iterator[list[str]]:
    """A Parquet file as text rows, header first, read a batch at a time (pyarrow)."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises its own kinds for a damaged file
        raise BadInput(f"not a readable Parquet file ({error})", file=str(path)) from error
    names = parquet.schema_arrow.names
    yield names
    for batch in parquet.iter_batches(batch_size=50_000):
        for record in batch.to_pylist():
            yield [_as_text(record[name]) for name in names]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class _Rows:
    """Rows with the number of the current one (a CSV line, or a Parquet row + 1)."""

    def __init__(self, path: Path) -> None:
        if path.suffix.lower() == ".parquet":
            self._rows: Iterator[list[str]] = _parquet_rows(path)
            self._csv = None
        else:
            self._csv = csv.reader(lines(path))
            self._rows = self._csv
        self.count = 0

    @property
    def line_num(self) -> int:
        return self._csv.line_num if self._csv is not None else self.count

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        row = next(self._rows)
        self.count += 1
        return row


def read_focus(path: Path) -> BillFile:
    """Every row of a FOCUS file (CSV, CSV.gz or Parquet), checked; the first bad row or
    column is refused with its line (for Parquet, its row number plus one, counting the
    header as line 1) and column, and nothing is returned."""
    file = str(path)
    reader = _Rows(path)
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput("the file is empty", file=file) from None
    except csv.Error as error:
        raise BadInput(f"malformed CSV: {error}", file=file, line=1) from error
    names = [h.strip() for h in header]
    old = [c for c in OLD_COLUMNS if c in names]
    if old and "BilledCost" not in names:
        raise BadInput(f"a FOCUS 0.5-era file ({', '.join(old)}): Worthit reads FOCUS 1.0 "
                       "to 1.3; export again in a 1.x version", file=file, line=1)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise BadInput(f"not a FOCUS file: no {', '.join(missing)} column", file=file, line=1)
    where = {ours: next((names.index(c) for c in theirs if c in names), None)
             for ours, theirs in MAPPING.items()}
    start_at = names.index("ChargePeriodStart")
    found = BillFile(path)
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                raise BadInput(f"expected {len(names)} fields, found {len(row)}", file=file,
                               line=line)
            found.rows.append(_row(row, where, start_at, names, found, file, line))
    except csv.Error as error:
        raise BadInput(f"malformed CSV: {error}", file=file, line=reader.line_num) from error
    if not found.rows:
        raise BadInput("the file has a header but no charges", file=file, line=2)
    return found


def _row(row: list[str], where: dict[str, int | None], start_at: int, names: list[str],
         found: BillFile, file: str, line: int) -> list[Any]:
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
        try:
            number = float(text)
        except ValueError:
            raise BadInput(f"{text!r} is not a number", file=file, line=line,
                           column=names[where[name]]) from None  # type: ignore[index]
        if not math.isfinite(number):
            raise BadInput(f"{text!r} is not a finite number", file=file, line=line,
                           column=names[where[name]])  # type: ignore[index]
        values[name] = number
    found.check_currency(values["billing_currency"], file, line, "BillingCurrency")
    stamp = row[start_at].strip()
    try:
        day = dt.date.fromisoformat(stamp[:10])
    except ValueError:
        raise BadInput(f"{stamp!r} is not a date and time", file=file, line=line,
                       column="ChargePeriodStart") from None
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

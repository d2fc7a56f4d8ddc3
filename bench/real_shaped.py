"""A legacy Athena-style AWS CUR Parquet shaped like the bill of issue 20: by default
5,023,665 hourly line items in 126 columns named as Athena names them
(``line_item_usage_start_date``, ``line_item_unblended_cost``, ``product_product_name``,
``resource_tags_user_team``) over 1,366 days, with 17 product codes and 10 tag columns.
The issue's file had 16,246 resource ids, 244 usage types and 81 operations and made
419,295 daily charges; the default synthesis has 16,545, 258 and 83, and makes 442,547
(about 11 lines each: real CUR compresses some 12 to 1).

The issue's file was three real months of a public workshop CUR replicated 15 times, each
copy's dates moved on 91 days (14 x 91 + 92 = 1,366 days, our reading of its figures: the
copies meet on one day)
and its resource ids suffixed (``-r01`` .. ``-r14``). That is what ``--from FILE`` does to
a real legacy CUR Parquet: every timestamp column is moved, ``line_item_resource_id``
suffixed, and the first ``--lines`` lines of the copies written. ``../shared/data`` holds
no such file today, so by default the three months are synthesised and replicated the same
way: October to December 2022 for one payer and four usage accounts, of resources that
come and go (short-lived instances and volumes, long-lived buckets, tables, queues, keys),
hourly, daily, sparse and monthly lines, EC2 covered by a savings plan (with its negation
and recurring fee), RDS by a reservation, Bedrock tokens, tax and credits. Values take the
shapes of ``../shared/data/aws-cur`` (Athena column names, ids, descriptions, rate codes).
``--lines`` scales the number of resources, never the days.

Deterministic (numpy seeded by ``--seed``). Written a row group (``BATCH`` lines) at a time
with pyarrow, strings as dictionaries: the 5 M-line file takes some 20 s and a peak of
about 550 MB, which grows with the resources of one quarter, not with the lines.
Usage: ``python bench/real_shaped.py OUT.parquet [--lines N] [--seed S] [--from REAL]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cur_catalogue import (
    ACCOUNTS,
    ALTERNATIVES,
    COLUMNS,
    DATABASES,
    INSTANCES,
    KINDS,
    MODELS,
    NUMBERS,
    PAYER,
    PRODUCTS,
    REGION_P,
    REGIONS,
    TAG_COLUMNS,
    ZEROS,
    digest,
    draw_tags,
    resource_id,
)

LINES = 5_023_665
REPLICAS, SHIFT_DAYS = 15, 91
FIRST = dt.date(2022, 10, 1)
BASE_DAYS = 92  # October to December
MONTHS = (0, 31, 61)  # the base's month starts, as days from FIRST
BATCH = 250_000  # lines per row group
DAY_MS, HOUR_MS = 86_400_000, 3_600_000
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LIFETIMES = ((1, 8), (8, 40), (40, BASE_DAYS + 1))  # days, [low, high)


@dataclass(frozen=True)
class Shape:
    """What a generated file holds."""

    lines: int
    columns: int
    row_groups: int
    first: dt.date
    last: dt.date
    resources: int | None
    usage_types: int | None
    product_codes: int | None
    operations: int | None
    tag_columns: int
    series_days: int | None  # the daily charges it should make (synthetic files only)

    def text(self) -> str:
        def n(value: int | None) -> str:
            return "?" if value is None else f"{value:,}"

        return (f"{self.lines:,} lines, {self.columns} columns, {self.row_groups} row groups, "
                f"{(self.last - self.first).days + 1:,} days ({self.first} to {self.last}), "
                f"{n(self.resources)} resource ids, {n(self.usage_types)} usage types, "
                f"{n(self.product_codes)} product codes, {n(self.operations)} operations, "
                f"{self.tag_columns} tag columns, about {n(self.series_days)} daily charges")


class Quarter:
    """Three synthetic months: one row of attributes per series (a resource's usage type
    and line item type, or an account's tax, fee, credits, Bedrock tokens), and the lines,
    as series, day, hour, hours covered and usage amount, in time order."""

    def __init__(self, lines: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.series: dict[str, list[Any]] = {}
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.count = 0
        self.resources = 0
        self._accounts()
        weights = np.array([w for w, _, _ in KINDS.values()])
        names = list(KINDS)
        while self.count < lines:
            kind = names[self.rng.choice(len(names), p=weights / weights.sum())]
            self._resource(kind)
        # The last resource's lines are cut at ``lines``; then in time order, as CUR writes.
        series, day, hour, hours, amount = (np.concatenate(p)[:lines]
                                            for p in zip(*self.parts, strict=True))
        self.parts = []
        order = np.lexsort((series, hour, day))
        self.row_series, self.row_day, self.row_hour = series[order], day[order], hour[order]
        self.row_hours, self.row_amount = hours[order], amount[order]
        self.series_days = len(np.unique(series.astype(np.int64) * 1000 + day))

    # --- series -------------------------------------------------------------------------

    def _add(self, start: int, end: int, cadence: str, amount: float, noisy: float,
             **attributes: Any) -> None:
        """One series: its attributes and its lines from day ``start`` to before ``end``."""
        index = len(next(iter(self.series.values()), []))
        for key, value in attributes.items():
            self.series.setdefault(key, []).append(value)
        rng, days = self.rng, np.arange(start, end)
        if cadence == "h":
            hour = np.tile(np.arange(24), len(days))
            day = np.repeat(days, 24)
            first = rng.integers(0, 24) if start > 0 else 0
            last = rng.integers(1, 25) if end <= BASE_DAYS - 1 else 24
            keep = ~(((day == start) & (hour < first)) | ((day == end - 1) & (hour >= last)))
            day, hour = day[keep], hour[keep]
            hours = np.ones(len(day), np.int16)
        elif cadence == "d":
            day, hour = days, np.zeros(len(days), np.int64)
            hours = np.full(len(day), 24, np.int16)
        elif cadence == "m":
            day = np.array([m for m in MONTHS if start <= m < end] or [start])
            hour = np.zeros(len(day), np.int64)
            hours = np.array([(_month_end(m) - m) * 24 for m in day], np.int16)
        else:  # some hours of some days
            busy = rng.choice((0.15, 0.5, 1.0), p=(0.5, 0.35, 0.15))
            share = rng.choice((0.04, 0.15, 0.4), p=(0.5, 0.35, 0.15))
            days = days[rng.random(len(days)) < busy]
            if len(days) == 0:
                days = np.array([start])
            picked = rng.random((len(days), 24)) < share
            picked[np.arange(len(days)), rng.integers(0, 24, len(days))] = True
            day_at, hour = np.nonzero(picked)
            day = days[day_at]
            hours = np.ones(len(day), np.int16)
        scale = rng.lognormal(0, noisy, len(day)) if noisy else np.ones(len(day))
        amounts = np.round(amount * scale, 10)
        self.parts.append((np.full(len(day), index, np.int32), day.astype(np.int16),
                           hour.astype(np.int8), hours, amounts))
        self.count += len(day)

    def _accounts(self) -> None:
        """Each account's tax, credits, CloudTrail and Bedrock; the payer's savings plan."""
        rng = self.rng
        for account in ACCOUNTS:
            for code in ("AmazonEC2", "AmazonS3", "AWSDataTransfer", "AWSLambda",
                         "AmazonRDS", "AmazonCloudWatch", "AmazonBedrock"):
                self._add(0, BASE_DAYS, "m", 1, 0, **self._plain(
                    account, code, "Tax", rate=float(rng.uniform(5, 300))))
            self._add(0, BASE_DAYS, "m", 1, 0, **self._plain(
                account, "AmazonEC2", "Credit", rate=-float(rng.uniform(20, 200))))
            self._add(0, BASE_DAYS, "s", 1, 0.5, **self._plain(
                account, "AWSCloudTrail", "Usage", "USE1-PaidEventsRecorded", "None",
                "Events", 2e-6, "us-east-1", f"arn:aws:cloudtrail:us-east-1:{account}:trail/"
                "management-events"))
            for model in MODELS:
                region = ("us-east-1", "us-west-2")[int(rng.random() < 0.3)]
                prefix = {"us-east-1": "USE1-", "us-west-2": "USW2-"}[region]
                for kind, rate, amount in (("input-tokens", 3e-4, 40),
                                           ("output-tokens", 1.5e-3, 8),
                                           ("cache-read-input-token-count", 3e-5, 60)):
                    if kind.startswith("cache") and rng.random() < 0.6:
                        continue
                    self._add(0, BASE_DAYS, "s", amount, 0.8, **self._plain(
                        account, "AmazonBedrock", "Usage", f"{prefix}{model}-{kind}",
                        "InvokeModel", "1K tokens", rate, region, None))
        arn = f"arn:aws:savingsplans::{PAYER}:savingsplan/3f1c2b9e-51a7-4d6e-9c35-0b7f2e8d4a61"
        self._add(0, BASE_DAYS, "h", 1, 0, **self._plain(
            PAYER, "ComputeSavingsPlans", "SavingsPlanRecurringFee", "ComputeSP:1yrNoUpfront",
            "", "Hrs", 1.25, None, arn))

    def _plain(self, account: str, code: str, kind: str, usage: str | None = None,
               operation: str = "", unit: str | None = None, rate: float = 0.0,
               region: str | None = None, resource: str | None = None) -> dict[str, Any]:
        description = (f"Tax for product code {code}" if kind == "Tax" else
                       f"AWS Credit applied to {code}" if kind == "Credit" else
                       f"${rate:.6g} per {unit} for {usage}")
        return self._attributes(account, code, kind, usage, operation, unit, rate, region,
                                None, resource, {}, description)

    def _attributes(self, account: str, code: str, kind: str, usage: str | None,
                    operation: str, unit: str | None, rate: float, region: str | None,
                    zone: str | None, resource: str | None, tags: dict[str, str],
                    description: str, instance_type: str | None = None) -> dict[str, Any]:
        name, family = PRODUCTS[code]
        sku = None if kind in ("Tax", "Credit") else digest(f"{code}|{usage}|{operation}", 16)
        region_name = next((n for r, n, *_ in REGIONS if r == region), None)
        return {"account": account, "code": code, "kind": kind, "usage": usage,
                "operation": operation, "unit": unit, "rate": rate, "region": region,
                "region_name": region_name, "zone": zone, "resource": resource,
                "description": description, "sku": sku,
                "product_name": name, "family": family, "instance_type": instance_type,
                **{column: tags.get(column) for column in TAG_COLUMNS}}

    def _resource(self, kind: str) -> None:
        """A resource of ``kind``: its lifetime, region, tags and each member series."""
        rng = self.rng
        _, lives, members = KINDS[kind]
        low, high = LIFETIMES[rng.choice(3, p=lives)]
        length = min(int(rng.integers(low, high)), BASE_DAYS)
        start = int(rng.integers(0, BASE_DAYS - length + 1))
        if length >= 40 and rng.random() < 0.5:
            start = 0  # there before the quarter began
        end = start + length
        region, _, prefix, *_ = REGIONS[rng.choice(len(REGIONS), p=REGION_P)]
        factor = next(f for r, *_, f in REGIONS if r == region)
        account = ACCOUNTS[rng.choice(len(ACCOUNTS), p=(0.4, 0.3, 0.2, 0.1))]
        zone = f"{region}{'abc'[int(rng.integers(3))]}"
        tags = draw_tags(rng, kind, self.resources)
        resource = resource_id(rng, kind, region, account, tags)
        self.resources += 1
        prices = {"instance": INSTANCES, "spot": INSTANCES, "database": DATABASES}.get(kind, {})
        chosen = str(rng.choice(list(prices))) if prices else ""
        # The first ALTERNATIVES members are one or the other; the rest each by its share.
        alternatives = ALTERNATIVES.get(kind, 1)
        shares = np.array([m[-1] for m in members[:alternatives]])
        picked = [members[rng.choice(alternatives, p=shares / shares.sum())]]
        picked += [m for m in members[alternatives:] if rng.random() < m[-1]]
        for code, stem, operations, unit, listed, amount, cadence, _ in picked:
            usage = prefix + stem.format(type=chosen)
            operation = str(rng.choice(operations.split()))
            rate = (prices[chosen] if listed is None else listed) * factor
            covered = kind == "instance" and length >= 40 and rng.random() < 0.4
            reserved = kind == "database" and "InstanceUsage" in stem and rng.random() < 0.5
            line_type = "SavingsPlanCoveredUsage" if covered and "BoxUsage" in stem else \
                "DiscountedUsage" if reserved else "Usage"
            description = f"${rate:.6g} per {unit} for {usage.split(':')[-1]} in {region}"
            noisy = 0.0 if cadence == "h" else 0.05 if cadence == "d" else 0.6
            attributes = self._attributes(
                account, code, line_type, usage, operation, unit, rate, region,
                zone if code in ("AmazonEC2", "AmazonRDS") else None, resource, tags,
                description, chosen or None)
            self._add(start, end, cadence, amount, noisy, **attributes)
            if line_type == "SavingsPlanCoveredUsage":  # its negation, line for line
                self.parts.append((self.parts[-1][0] + 1, *self.parts[-1][1:]))
                self.count += len(self.parts[-1][0])
                for key, value in {**attributes, "kind": "SavingsPlanNegation",
                                   "description": f"SavingsPlanNegation used by "
                                                  f"AccountId : {account} and UsageSku : "
                                                  f"{attributes['sku']}"}.items():
                    self.series[key].append(value)
            if reserved:  # the reservation's monthly fee
                self._add(start, end, "m", 1, 0, **{
                    **attributes, "kind": "RIFee", "rate": rate * 0.6 * 24 * 30,
                    "description": f"USD {rate * 0.6:.4f} hourly fee per {chosen}"})


def _month_end(day: int) -> int:
    return next((m for m in MONTHS if m > day), BASE_DAYS)


# --- writing ------------------------------------------------------------------------------


def _coded(values: list[Any]) -> tuple[np.ndarray, pa.Array]:
    """Values as codes into their distinct values (-1 for None), for dictionary arrays."""
    uniques = sorted({v for v in values if v is not None})
    at = {v: i for i, v in enumerate(uniques)}
    return (np.array([-1 if v is None else at[v] for v in values], np.int32),
            pa.array(uniques, pa.string()))


def _taken(coded: tuple[np.ndarray, pa.Array], rows: np.ndarray) -> pa.Array:
    """A coded column for ``rows``: Parquet then writes each distinct value once per row
    group, and the batch holds four bytes a cell."""
    codes, dictionary = coded
    if len(dictionary) == 0:
        return pa.nulls(len(rows), pa.string())
    taken = codes[rows]
    return pa.DictionaryArray.from_arrays(pa.array(taken, mask=taken < 0), dictionary)


class _Synthetic:
    """The synthetic quarter, replicated, a batch of lines at a time."""

    def __init__(self, lines: int, seed: int) -> None:
        self.quarter = q = Quarter(-(-lines // REPLICAS), seed)
        self.lines, s = lines, q.series
        self.n = n = len(s["kind"])
        # Per series and copy: a line item id (52 characters, as the real ones) and the
        # resource id, suffixed after the first copy.
        alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", np.uint8)
        ids = alphabet[np.random.default_rng(seed + 1).integers(0, 32, (n * REPLICAS, 52))]
        self.line_ids = _coded(ids.view("S52").ravel().astype(str).tolist())
        self.resources = _coded([None if r is None else r if k == 0 else f"{r}-r{k:02d}"
                                 for k in range(REPLICAS) for r in s["resource"]])
        self.rate = np.array(s["rate"], float)
        self.kind = np.array(s["kind"])
        rates = [None if k in ("Tax", "Credit") else f"{r:.10g}"
                 for k, r in zip(s["kind"], s["rate"], strict=True)]
        types = s["instance_type"]
        plan = f"arn:aws:savingsplans::{PAYER}:savingsplan/3f1c2b9e-51a7-4d6e-9c35-0b7f2e8d4a61"
        texts: dict[str, list[Any]] = {
            "line_item_usage_account_id": s["account"], "line_item_line_item_type": s["kind"],
            "line_item_product_code": s["code"], "line_item_usage_type": s["usage"],
            "line_item_operation": s["operation"], "line_item_availability_zone": s["zone"],
            "line_item_unblended_rate": rates, "line_item_blended_rate": rates,
            "line_item_line_item_description": s["description"],
            "line_item_tax_type": ["USSalesTax" if k == "Tax" else None for k in s["kind"]],
            "product_product_name": s["product_name"], "product_product_family": s["family"],
            "product_servicecode": s["code"], "product_servicename": s["product_name"],
            "product_region": s["region"], "product_region_code": s["region"],
            "product_location": s["region_name"],
            "product_location_type": ["AWS Region" if r else None for r in s["region"]],
            "product_sku": s["sku"], "product_usagetype": s["usage"],
            "product_operation": s["operation"], "product_instance_type": types,
            "product_instance_family": [t and ("General purpose" if t[:2] in ("t3", "t2", "m5",
                                                                               "m6")
                                               else "Compute optimized") for t in types],
            "product_operating_system": [t and "Linux" for t in types],
            "product_tenancy": [t and "Shared" for t in types],
            "product_current_generation": [t and "Yes" for t in types],
            "pricing_unit": s["unit"], "pricing_public_on_demand_rate": rates,
            "pricing_term": [None if k in ("Tax", "Credit", "SavingsPlanRecurringFee") else
                             "Reserved" if k in ("DiscountedUsage", "RIFee") else "OnDemand"
                             for k in s["kind"]],
            "pricing_rate_code": [sku and f"{sku}.JRTCKXETXF.6YS6EN2CT7" for sku in s["sku"]],
            "pricing_rate_id": [sku and str(8_000_000_000 + int(digest(sku, 9, "0123456789")))
                                for sku in s["sku"]],
            "pricing_currency": ["USD"] * n,
            "savings_plan_savings_plan_a_r_n": [
                plan if k.startswith("SavingsPlan") else None for k in s["kind"]],
            **{c: s[c] for c in TAG_COLUMNS},
        }
        self.texts = {column: _coded(values) for column, values in texts.items()}

    def batches(self) -> Iterator[pa.Table]:
        q, size = self.quarter, len(self.quarter.row_series)
        for first in range(0, self.lines, BATCH):
            at = np.arange(first, min(first + BATCH, self.lines))
            copy, row = at // size, at % size
            yield self._batch(copy, q.row_series[row], q.row_day[row].astype(np.int64),
                              q.row_hour[row].astype(np.int64),
                              q.row_hours[row].astype(np.int64), q.row_amount[row])

    def _batch(self, copy: np.ndarray, series: np.ndarray, base_day: np.ndarray,
               hour: np.ndarray, hours: np.ndarray, amount: np.ndarray) -> pa.Table:
        n, first = len(series), np.datetime64(FIRST, "ms").astype(np.int64)
        begin = first + (base_day + copy * SHIFT_DAYS) * DAY_MS + hour * HOUR_MS
        end = begin + hours * HOUR_MS
        # The billing period: the (moved) calendar month of the line's start.
        month = begin.astype("datetime64[ms]").astype("datetime64[M]")
        kind, rate = self.kind[series], self.rate[series]
        listed = np.round(amount * rate, 10)
        cost = np.where(kind == "SavingsPlanNegation", -listed,
                        np.where(kind == "DiscountedUsage", 0.0, listed))
        usage = np.isin(kind, ("Usage", "SavingsPlanCoveredUsage", "DiscountedUsage"))
        covered = kind == "SavingsPlanCoveredUsage"
        plan_cost = np.where(covered, np.round(listed * 0.72, 10), 0.0)
        reserved_cost = np.where(kind == "DiscountedUsage", np.round(listed * 0.6, 10), 0.0)
        per_copy = copy * self.n + series
        stamps = [pa.array(begin.astype("datetime64[ms]")),
                  pa.array(end.astype("datetime64[ms]"))]
        invoice = copy * 3 + (base_day >= MONTHS[1]) + (base_day >= MONTHS[2])
        columns: dict[str, Any] = {
            "identity_line_item_id": _taken(self.line_ids, per_copy),
            "identity_time_interval": pc.binary_join_element_wise(
                *(pc.strftime(s, format="%Y-%m-%dT%H:%M:%SZ") for s in stamps), "/"),
            "bill_invoice_id": pa.array((invoice + 2_034_000_000).astype(str)),
            "bill_billing_entity": "AWS", "bill_bill_type": "Anniversary",
            "bill_payer_account_id": PAYER, "bill_invoicing_entity": "Amazon Web Services, Inc.",
            "bill_billing_period_start_date": pa.array(month.astype("datetime64[ms]")),
            "bill_billing_period_end_date": pa.array((month + 1).astype("datetime64[ms]")),
            "line_item_usage_start_date": stamps[0], "line_item_usage_end_date": stamps[1],
            "line_item_resource_id": _taken(self.resources, per_copy),
            "line_item_usage_amount": amount,
            "line_item_normalization_factor": np.where(covered, 4.0, 0.0),
            "line_item_normalized_usage_amount": np.where(covered, amount * 4, 0.0),
            "line_item_currency_code": "USD", "line_item_unblended_cost": cost,
            "line_item_blended_cost": cost, "line_item_legal_entity": "Amazon Web Services, Inc.",
            "pricing_public_on_demand_cost": np.where(usage, listed, 0.0),
            "reservation_effective_cost": reserved_cost,
            "reservation_recurring_fee_for_usage": reserved_cost,
            "savings_plan_savings_plan_effective_cost": plan_cost,
            "savings_plan_used_commitment": plan_cost,
            "savings_plan_savings_plan_rate": np.where(covered, rate * 0.72, 0.0),
        }
        out: dict[str, Any] = {}
        for name in COLUMNS:
            value = columns.get(name)
            if value is None and name in self.texts:
                value = _taken(self.texts[name], series)
            elif value is None:  # a column this bill leaves empty: zero costs, else null
                value = np.zeros(n) if name in ZEROS else \
                    pa.nulls(n, pa.float64() if name in NUMBERS else pa.string())
            elif isinstance(value, str):
                value = pa.DictionaryArray.from_arrays(np.zeros(n, np.int32), [value])
            out[name] = value
        return pa.table(out)


def _replicated(real: Path, lines: int) -> Iterator[pa.Table]:
    """The real file's lines, copy after copy, dates moved and resource ids suffixed."""
    source = pq.ParquetFile(real)
    written = 0
    for copy in range(REPLICAS):
        for batch in source.iter_batches(BATCH):
            if written >= lines:
                return
            table = pa.Table.from_batches([batch]).slice(0, lines - written)
            written += table.num_rows
            yield _moved(table, copy)


def _moved(table: pa.Table, copy: int) -> pa.Table:
    """One copy of real lines: every timestamp moved ``copy`` x 91 days, resource ids
    suffixed ``-rNN`` (the first copy is the file as it is)."""
    if copy == 0:
        return table
    for at, field in enumerate(table.schema):
        column = table.column(at)
        if pa.types.is_timestamp(field.type):
            shift = pa.scalar(dt.timedelta(days=copy * SHIFT_DAYS),
                              pa.duration(field.type.unit))
            moved = pc.add(column, shift)
            table = table.set_column(at, field, moved.cast(field.type))
        elif field.name == "line_item_resource_id":
            text = column.cast(pa.string())
            empty = pc.or_kleene(pc.is_null(text), pc.equal(text, ""))
            table = table.set_column(at, field.with_type(pa.string()), pc.if_else(
                empty, text, pc.binary_join_element_wise(text, f"-r{copy:02d}", "")))
    return table


def find_real() -> Path | None:
    """A real legacy CUR Parquet in ``../shared/data``, if one is there."""
    if not REAL_DATA.is_dir():
        return None
    for path in sorted(REAL_DATA.rglob("*.parquet")):
        if {"line_item_usage_start_date", "line_item_unblended_cost"} <= set(
                pq.ParquetFile(path).schema_arrow.names):
            return path
    return None


def generate(path: Path, lines: int = LINES, seed: int = 20,
             real: Path | None = None) -> Shape:
    """Write the file (to ``path.part``, then renamed) and say what it holds."""
    part = path.with_name(path.name + ".part")
    synthetic = None if real else _Synthetic(lines, seed)
    batches = _replicated(real, lines) if real else synthetic.batches()  # type: ignore[union-attr]
    writer, groups, written = None, 0, 0
    first, last = dt.date.max, dt.date.min
    for batch in batches:
        # Strings go in as dictionaries and are written as plain strings (no Arrow schema
        # is stored), as a CUR export's are.
        writer = writer or pq.ParquetWriter(part, batch.schema, compression="snappy",
                                            store_schema=False)
        writer.write_table(batch)
        groups, written = groups + 1, written + batch.num_rows
        days = pc.min_max(batch["line_item_usage_start_date"])
        first, last = min(first, days["min"].as_py().date()), max(last, days["max"].as_py().date())
    assert writer is not None, "no lines"
    writer.close()
    part.rename(path)
    if synthetic is None:
        names = pq.ParquetFile(path).schema_arrow.names
        return Shape(written, len(names), groups, first, last, None, None, None, None,
                     sum(n.startswith("resource_tags_") for n in names), None)
    q, s = synthetic.quarter, synthetic.quarter.series
    copies = written / len(q.row_series)
    used = np.unique(q.row_series)
    return Shape(written, len(COLUMNS), groups, first, last,
                 round(len({s["resource"][i] for i in used if s["resource"][i]}) * copies),
                 len({s["usage"][i] for i in used if s["usage"][i]}),
                 len({s["code"][i] for i in used}),
                 len({s["operation"][i] for i in used if s["operation"][i]}),
                 len(TAG_COLUMNS), round(q.series_days * copies))


def main() -> int:
    root = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("out", type=Path, help="the Parquet file to write")
    root.add_argument("--lines", type=int, default=LINES, metavar="N",
                      help="line items (default %(default)s)")
    root.add_argument("--seed", type=int, default=20)
    root.add_argument("--from", dest="real", type=Path, metavar="REAL",
                      help="replicate this real legacy CUR Parquet (default: one found in "
                           f"{REAL_DATA}, else synthesise)")
    root.add_argument("--synthetic", action="store_true",
                      help="synthesise even when a real file is found")
    args = root.parse_args()
    real = args.real or (None if args.synthetic else find_real())
    print(f"{'Replicating ' + str(real) if real else 'Synthesising'} into {args.out} …",
          flush=True)
    print(generate(args.out, args.lines, args.seed, real).text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

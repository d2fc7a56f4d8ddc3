"""The workspace's charges as a FOCUS cost and usage dataset (1.2, 1.3 or the 1.4 draft),
in CSV, gzipped CSV or Parquet: ``worthit export focus`` and File › Export FOCUS….

One row per cached daily charge (one per share of it where an allocation rule splits it,
from 1.3), with every column the version marks Mandatory, the Recommended ones, and the
Conditional ones the cache holds (sub-account, region, resource, SKU, quantities, tags,
pricing category, commitment discount, allocation), in the spec's order
(:mod:`worthit.export.focus_spec`), then Worthit's own ``x_`` columns. A null is an empty
cell in CSV and a null in Parquet (typed: Decimal as DOUBLE, Date/Time as TIMESTAMPTZ).
CSV values are written exactly, with no spreadsheet escaping: the file is data for FinOps
tools. Decimals are written as Python writes floats ("25.0", "1e-05"): always with a point
or an exponent, so a reader that types columns from their values (focus-validator) reads
them as decimals.

What the cache does not hold as such is derived, the same way in every version:

- ChargePeriodStart/End: the charge's UTC day and the next day (``2026-11-01T00:00:00Z``).
- BillingPeriodStart/End: the calendar month of that day (the cache keeps no billing
  period per charge; a FOCUS import also dates a bill so when its file names none).
- ChargeDescription: the usage type (or SKU) of the charge, with its model when the usage
  type does not name it ("USE1-NovaLite-input-tokens (amazon.nova-lite-v1:0)"); without
  either, its service and category ("Amazon EC2 (Tax)"). In ASCII, as are all the texts
  Worthit makes up here.
- ChargeFrequency: as the bill stated it, else by ChargeCategory: Usage → Usage-Based,
  Purchase, Credit, Adjustment → One-Time, Tax → Recurring.
- InvoiceIssuerName: as stated, else the provider. InvoiceId: null (not kept).
- ContractedCost: as stated, else BilledCost (what a charge without a negotiated or
  commitment price costs; FOCUS asks the same of a charge unrelated to others).
  EffectiveCost and ListCost: as stated, else BilledCost.
- PricingQuantity/PricingUnit: as stated, else the consumed quantity and unit; null on Tax
  rows (FOCUS forbids them there). ConsumedQuantity/Unit: only on Usage rows, as FOCUS
  asks. A unit is written in FOCUS's UnitFormat (:func:`~worthit.export.focus_values.unit`).
- ServiceCategory: one per ServiceName, as FOCUS requires: of the categories its charges
  carry (as stored when FOCUS allows it, else "Other"), the one holding most of the
  service's cost in the period (a CUR files EC2's data transfer under Networking; FOCUS
  files it under Compute with the rest of EC2). ServiceSubcategory: the 1.2 subcategory
  the service's name names ("Amazon Bedrock" → Generative AI, "Amazon Elastic Block
  Store" → Block Storage), else "Other (category)" as the spec allows.
- ProviderName (1.2, 1.3) and ServiceProviderName (1.3, 1.4): the provider.
  PublisherName (1.2, 1.3): the publisher, else the provider. HostProviderName (1.3, 1.4):
  the provider, as the spec asks when a provider does not expose another host; 1.4 has no
  publisher column, so ``x_PublisherName`` keeps it.
- BillingAccountId: as stored, else the source's id; Tags: the stored object, null when
  empty or not an object (a nested value becomes its JSON text).

Worthit's usage figures: ``x_Model``, ``x_UsageType``, ``x_InputTokens``,
``x_CachedInputTokens``, ``x_CacheWriteTokens``, ``x_OutputTokens``, ``x_Requests``,
``x_Batch`` (1 when billed at a batch tier).

Allocation is the Allocation page's own for the exported period
(:func:`worthit.analysis.allocation.allocation`): each key's share per team and feature.
From 1.3 it goes in FOCUS's split cost allocation columns, one row per share; the rows of
a charge add up to it in every cost, quantity and count (the last share takes the
remainder), and carry its Tags unchanged:

- AllocatedMethodId: how a rule allocated it, one of ``worthit:assign`` (a rule gives the
  charge to one team and feature), ``worthit:split-direct``, ``worthit:split-even``,
  ``worthit:split-percent`` (a split rule shares it by direct spend, evenly or by fixed
  percentages), ``worthit:pool`` (a rule marks it as a shared pool not split); null when
  no rule claims the charge.
- AllocatedMethodDetails: ``{"Elements": [{"AllocatedRatio": r}], "x_Rule": name}``.
- AllocatedResourceId ``team/feature``, AllocatedResourceName ``team / feature`` and
  AllocatedTags ``{"worthit/team": …, "worthit/feature": …}``, as the page names them;
  null for the unallocated portion, whose reason ("Untagged", "No rule matched", "Shared
  pool not split") is ``x_UnallocatedReason``.

1.2 has no allocation columns: one row per charge, with ``x_Team`` and ``x_Feature`` when
the charge goes whole to one node of the page (Unallocated and its reason included),
``x_AllocationSplit`` (``[{"Team", "Feature", "Ratio"}]``) when a rule splits it, and
``x_AllocationRule``, the rule that claims it.

Masked (``--mask``): account, API key and resource ids become pseudonyms as in every
export (:class:`~worthit.export.mask.Mask`), and so do account names: BillingAccountName
and SubAccountName read as their account's pseudonym, and the names are replaced wherever
else they stand whole in free text. Enumerated columns, figures and dates stay as they are.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import json
import re
import tempfile
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from worthit.core.errors import Cancelled, UserError
from worthit.core.periods import Period, check_covered
from worthit.export import focus_spec as spec
from worthit.export import focus_values as derive
from worthit.export.files import atomic
from worthit.export.focus_shares import UNCLAIMED, Share, shares, split
from worthit.export.mask import Mask
from worthit.store.cache import Cache
from worthit.store.focus_rows import Charge, snapshot

if TYPE_CHECKING:
    from worthit.analysis.allocation import Allocation

SUFFIXES: Final = (".csv", ".csv.gz", ".parquet")
VERSIONS: Final = spec.FOCUS_VERSIONS
Progress = Callable[[float, str], None]

#: Conditional (and 1.4's no longer Recommended) columns written where a version has them.
_CONDITIONAL: Final = frozenset({
    "SubAccountId", "SubAccountName", "RegionId", "ResourceId", "ResourceType", "SkuId",
    "ConsumedQuantity", "ConsumedUnit", "Tags", "PricingCategory", "InvoiceId",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "CommitmentDiscountUnit", "AllocatedMethodId", "AllocatedResourceId",
    "AllocatedResourceName", "AllocatedTags",
})
_X_USAGE: Final = ("x_Model", "x_UsageType", "x_InputTokens", "x_CachedInputTokens",
                   "x_CacheWriteTokens", "x_OutputTokens", "x_Requests", "x_Batch")
_X_ALLOCATION: Final = {"1.2": ("x_Team", "x_Feature", "x_AllocationRule",
                                "x_AllocationSplit"),
                        "1.3": ("x_UnallocatedReason",), "1.4": ("x_UnallocatedReason",)}
#: Worthit's counts, shared among a charge's shares in whole numbers.
_COUNTS: Final = ("x_InputTokens", "x_CachedInputTokens", "x_CacheWriteTokens",
                  "x_OutputTokens", "x_Requests")
_UNIT_OF: Final = {"ConsumedQuantity": "ConsumedUnit", "PricingQuantity": "PricingUnit",
                   "CommitmentDiscountQuantity": "CommitmentDiscountUnit"}
_DATES: Final = ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart",
                 "BillingPeriodEnd")
#: Text that may hold an id or a name, masked on request; other columns are enumerations.
_FREE_TEXT: Final = frozenset({
    "BillingAccountId", "BillingAccountName", "SubAccountId", "SubAccountName",
    "ResourceId", "SkuId", "ChargeDescription", "CommitmentDiscountId",
    "CommitmentDiscountName", "AllocatedResourceId", "AllocatedResourceName",
    "x_UsageType", "x_Team", "x_Feature", "x_AllocationRule", "x_AllocationSplit",
})
_PARQUET_TYPES: Final = {"Decimal": "DOUBLE", "Date/Time": "TIMESTAMPTZ", "String": "VARCHAR",
                         "JSON": "VARCHAR"}


def columns(version: str) -> tuple[str, ...]:
    """The columns of a ``version`` export, in order: FOCUS's, then ``x_``."""
    focus = tuple(c.name for c in spec.columns(version)
                  if c.feature_level in ("Mandatory", "Recommended") or c.name in _CONDITIONAL)
    publisher = ("x_PublisherName",) if "PublisherName" not in focus else ()
    return focus + publisher + _X_USAGE + _X_ALLOCATION[version]


def check_out(path: Path) -> Path:
    """``path`` if it names a FOCUS file (.csv, .csv.gz, .parquet) in an existing folder;
    else a :class:`UserError` saying which."""
    if not path.name.lower().endswith(SUFFIXES):
        raise UserError(f"{path}: a FOCUS file's name must end in .csv, .csv.gz or .parquet.")
    if not path.parent.is_dir():
        raise UserError(f"{path}: the folder {path.parent} does not exist.")
    return path


def export_period(held: tuple[dt.date, dt.date] | None, start: dt.date | None,
                  end: dt.date | None, *, workspace: str = "this workspace") -> Period:
    """The days to export: those asked, by default every day the workspace holds (from
    its first day, to its last); refused when none of them holds a charge."""
    first, last = held or (dt.date.today(), dt.date.today())
    period = Period(start or min(first, end or first), end or max(last, start or last))
    check_covered(held, period, workspace=workspace)  # refuses a workspace without charges
    return period


@dataclass(frozen=True, slots=True)
class Written:
    """What an export wrote."""

    path: Path
    version: str
    period: Period
    charges: int
    rows: int
    masked: bool

    def describe(self) -> str:
        masked = ", masked" if self.masked else ""
        return (f"FOCUS {self.version}, {self.rows:,} rows for {self.charges:,} charges "
                f"({self.period.label()}{masked})")


class FocusExport:
    """One FOCUS export of a cache's charges: :meth:`export` writes it."""

    def __init__(self, cache: Cache, version: str, period: Period, *, mask: bool = False,
                 cancelled: Callable[[], bool] = lambda: False,
                 progress: Progress | None = None) -> None:
        if version not in VERSIONS:
            raise UserError(f"FOCUS {version} is not one Worthit writes; one of "
                            f"{', '.join(VERSIONS)}.")
        self.cache, self.version, self.period, self.mask = cache, version, period, mask
        self.cancelled = cancelled
        self.progress = progress or (lambda _share, _text: None)
        self.columns = columns(version)

    def export(self, path: Path) -> Written:
        """Write the file (whole or not at all); a cancel raises :class:`Cancelled`."""
        check_out(path)
        with atomic(path) as temporary:
            if path.name.lower().endswith(".parquet"):
                with tempfile.TemporaryDirectory(prefix=".worthit-focus-",
                                                 dir=path.parent) as folder:
                    plain = Path(folder) / "rows.csv"
                    with plain.open("w", encoding="utf-8", newline="") as file:
                        charges, rows = self._write_csv(file)
                    self._stop_if_cancelled()
                    self.progress(0.97, "writing Parquet")
                    _to_parquet(plain, temporary, self.version, self.columns)
            else:
                opener = gzip.open if path.name.lower().endswith(".gz") else open
                with opener(temporary, "wt", encoding="utf-8", newline="") as file:
                    charges, rows = self._write_csv(file)
            self._stop_if_cancelled()
        self.progress(1.0, "done")
        return Written(path, self.version, self.period, charges, rows, self.mask)

    def _stop_if_cancelled(self) -> None:
        if self.cancelled():
            raise Cancelled("The FOCUS export was cancelled.")

    def _write_csv(self, file: IO[str]) -> tuple[int, int]:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(self.columns)
        charges = rows = 0
        with contextlib.closing(self._rows()) as batches:  # its snapshot ends, whatever happens
            for batch, done, total in batches:
                writer.writerows(batch)
                rows += len(batch)
                charges = done
                self._stop_if_cancelled()
                self.progress(0.95 * done / max(total, 1), f"{done:,} of {total:,} charges")
        return charges, rows

    def _rows(self) -> Generator[tuple[list[list[Any]], int, int], None, None]:
        """Rows in batches, with the charges done and the charges in all."""
        from worthit.analysis.allocation import allocation

        start, end = self.period.start, self.period.end
        with snapshot(self.cache) as seen:
            self.progress(0.0, "allocating spend")
            result = allocation(self.cache, self.period)
            found = shares(result)
            self._stop_if_cancelled()
            keys = seen.keys(start, end)
            total = seen.count(start, end)
            masking = _Masking(Mask.from_cache(self.cache) if self.mask else Mask.none(), keys)
            builder = _Rows(self.version, self.columns, masking,
                            _service_categories(keys, result))
            plans = {key_id: builder.plan(key, found.get(key_id) or [UNCLAIMED])
                     for key_id, key in keys.items()}
            done = 0
            for batch in seen.batches(start, end):
                out: list[list[Any]] = []
                for charge in batch:
                    out.extend(builder.rows(charge, plans[charge.key_id]))
                done += len(batch)
                yield out, done, total
                self._stop_if_cancelled()


def _service_categories(keys: dict[int, dict[str, Any]],
                        result: Allocation) -> dict[str, str]:
    """ServiceName -> its one ServiceCategory (FOCUS allows no more): of the categories
    its charges carry, the one holding most of its cost in the period, by name on a tie."""
    cost = result.pieces.groupby("key_id")["current"].sum()
    held: dict[str, dict[str, float]] = {}
    for key_id, key in keys.items():
        service = str(key.get("service_name") or key.get("provider_name") or "Unknown")
        category = derive.service_category(key.get("service_category"))
        by_category = held.setdefault(service, {})
        by_category[category] = by_category.get(category, 0.0) + abs(
            float(cost.get(key_id, 0.0)))
    return {service: min(found, key=lambda c: (-found[c], c))
            for service, found in held.items()}


class _Masking:
    """Pseudonyms for ids (:class:`Mask`) and for account names, which a mask alone
    leaves: a name reads as its account's pseudonym."""

    def __init__(self, mask: Mask, keys: dict[int, dict[str, Any]]) -> None:
        self.mask = mask
        self.names: dict[str, str] = {}
        if mask.active:
            for key in keys.values():
                for id_column, name_column in (("billing_account_id", "billing_account_name"),
                                               ("sub_account_id", "sub_account_name")):
                    name, ident = key.get(name_column), key.get(id_column)
                    if name and name not in self.names:
                        self.names[str(name)] = (mask.text(str(ident)) if ident else
                                                 f"account-name-{len(self.names) + 1}")
        words = [re.escape(n) for n in sorted(self.names, key=len, reverse=True) if len(n) >= 3]
        self._names = re.compile(r"(?<![A-Za-z0-9_\-.])(?:" + "|".join(words) +
                                 r")(?![A-Za-z0-9_\-/])") if words else None

    def text(self, value: str | None) -> str | None:
        if value is None or not self.mask.active:
            return value
        if value in self.names:
            return self.names[value]
        if self._names is not None:
            value = self._names.sub(lambda m: self.names[m.group(0)], value)
        return self.mask.text(value)

    def tags(self, tags: dict[str, Any] | None) -> dict[str, Any] | None:
        if tags is None or not self.mask.active:
            return tags
        return {self.text(k) or k: self.text(v) if isinstance(v, str) else v
                for k, v in tags.items()}


@dataclass(slots=True)
class _Plan:
    """A key's rows: one template per share (static columns filled), its ratios."""

    category: str
    templates: list[list[Any]]
    ratios: list[float]
    units: dict[str, str | None]
    committed: bool  # the charge carries a commitment discount
    unused: bool  # it is the unused part of one (FOCUS: no consumed quantity then)


class _Rows:
    """Builds a version's rows: per key once (:meth:`plan`), then per charge."""

    def __init__(self, version: str, names: Sequence[str], masking: _Masking,
                 categories: dict[str, str]) -> None:
        self.version, self.names, self.masking = version, tuple(names), masking
        self.categories = categories
        self.at = {name: i for i, name in enumerate(names)}
        self._periods: dict[dt.date, tuple[str, str, str, str]] = {}

    def plan(self, key: dict[str, Any], shares: list[Share]) -> _Plan:
        category = key.get("charge_category") or "Usage"
        values = self._key_values(key, category)
        if self.version == "1.2":  # one row per charge; a split is named in x_ columns
            values["x_AllocationSplit"] = json.dumps(
                [{"Team": s.team, "Feature": s.feature, "Ratio": s.ratio} for s in shares],
                ensure_ascii=False) if len(shares) > 1 else None
            shares = shares[:1] if len(shares) == 1 else [
                Share("", "", 1.0, shares[0].rule, shares[0].method)]
        templates = []
        for share in shares:
            row = values | self._share_values(share)
            for name in _FREE_TEXT:
                if name in row:
                    row[name] = self.masking.text(row[name])
            templates.append([row.get(name) for name in self.names])
        units = {"ConsumedQuantity": derive.unit(key.get("consumed_unit")),
                 "PricingQuantity": derive.unit(key.get("pricing_unit")
                                                or key.get("consumed_unit")),
                 "CommitmentDiscountQuantity": derive.unit(key.get("commitment_discount_unit"))}
        return _Plan(category, templates, [s.ratio for s in shares], units,
                     bool(key.get("commitment_discount_id")),
                     key.get("commitment_discount_status") == "Unused")

    def _key_values(self, key: dict[str, Any], category: str) -> dict[str, Any]:
        provider = key.get("provider_name") or key.get("invoice_issuer_name") or "Unknown"
        service = str(key.get("service_name") or key.get("provider_name") or "Unknown")
        service_category = self.categories.get(service) or derive.service_category(
            key.get("service_category"))
        tags = self.masking.tags(derive.tags(key.get("tags")))
        return {
            "BillingAccountId": key.get("billing_account_id") or key.get("source_id"),
            "BillingAccountName": key.get("billing_account_name"),
            "BillingCurrency": key.get("billing_currency") or "USD",
            "ChargeCategory": category,
            "ChargeClass": "Correction" if key.get("charge_class") == "Correction" else None,
            "ChargeDescription": derive.description(key),
            "ChargeFrequency": derive.frequency(key.get("charge_frequency"), category),
            "CommitmentDiscountCategory": key.get("commitment_discount_category"),
            "CommitmentDiscountId": key.get("commitment_discount_id"),
            "CommitmentDiscountName": key.get("commitment_discount_name"),
            "CommitmentDiscountStatus": key.get("commitment_discount_status"),
            "CommitmentDiscountType": key.get("commitment_discount_type"),
            "AvailabilityZone": key.get("availability_zone"),
            "HostProviderName": provider,
            "InvoiceIssuerName": key.get("invoice_issuer_name") or provider,
            "PricingCategory": key.get("pricing_category"),
            "ProviderName": provider,
            "PublisherName": key.get("publisher_name") or provider,
            "RegionId": key.get("region_id"),
            "ResourceId": key.get("resource_id"),
            "ResourceType": key.get("resource_type"),
            "ServiceCategory": service_category,
            "ServiceName": service,
            "ServiceProviderName": provider,
            "ServiceSubcategory": derive.service_subcategory(service_category, service),
            "SkuId": key.get("sku_id"),
            "SubAccountId": key.get("sub_account_id"),
            "SubAccountName": key.get("sub_account_name"),
            "Tags": None if tags is None else json.dumps(tags, ensure_ascii=False),
            "x_Batch": key.get("x_batch"),
            "x_Model": key.get("x_model"),
            "x_PublisherName": key.get("publisher_name"),
            "x_UsageType": key.get("x_usage_type"),
        }

    def _share_values(self, share: Share) -> dict[str, Any]:
        unallocated = share.unallocated
        if self.version == "1.2":  # a split's stand-in share names no team
            return {"x_Team": share.team or None, "x_Feature": share.feature or None,
                    "x_AllocationRule": share.rule}
        placed = share.method is not None and not unallocated
        details = None if share.method is None else json.dumps(
            {"Elements": [{"AllocatedRatio": share.ratio}], "x_Rule": share.rule})
        return {
            "AllocatedMethodId": share.method,
            "AllocatedMethodDetails": self.masking.text(details),
            "AllocatedResourceId": f"{share.team}/{share.feature}" if placed else None,
            "AllocatedResourceName": f"{share.team} / {share.feature}" if placed else None,
            "AllocatedTags": json.dumps(self.masking.tags(
                {"worthit/team": share.team, "worthit/feature": share.feature}),
                ensure_ascii=False) if placed else None,
            "x_UnallocatedReason": share.feature if unallocated else None,
        }

    def _period(self, day: dt.date) -> tuple[str, str, str, str]:
        found = self._periods.get(day)
        if found is None:
            month = day.replace(day=1)
            following = (month + dt.timedelta(days=32)).replace(day=1)
            start, end, first, last = (f"{d.isoformat()}T00:00:00Z" for d in (
                day, day + dt.timedelta(days=1), month, following))
            found = self._periods[day] = (start, end, first, last)
        return found

    def rows(self, charge: Charge, plan: _Plan) -> list[list[Any]]:
        """The charge's rows: one per share from 1.3, one in 1.2."""
        category = plan.category
        billed = charge.billed or 0.0
        figures: dict[str, float | None] = {
            "BilledCost": billed,
            "EffectiveCost": billed if charge.effective is None else charge.effective,
            "ListCost": billed if charge.list is None else charge.list,
            "ContractedCost": billed if charge.contracted is None else charge.contracted,
            "ConsumedQuantity": charge.quantity if category == "Usage" and not plan.unused
            else None,
            "PricingQuantity": None if category == "Tax" else (
                charge.quantity if charge.pricing_quantity is None else charge.pricing_quantity),
            "CommitmentDiscountQuantity": charge.commitment_quantity
            if plan.committed and category in ("Usage", "Purchase") else None,
        }
        counts = dict(zip(_COUNTS, (charge.input, charge.cached_input, charge.cache_write,
                                    charge.output, charge.requests), strict=True))
        at = self.at
        dated = dict(zip(_DATES, self._period(charge.day), strict=True))
        ratios = plan.ratios
        out = []
        parts = split(figures, ratios), split(counts, ratios, whole=True)
        for number, template in enumerate(plan.templates):
            row = template.copy()
            for name, value in (*dated.items(), *parts[0][number].items(),
                                *parts[1][number].items()):
                if name in at:
                    row[at[name]] = value
            for quantity, unit_name in _UNIT_OF.items():
                if unit_name in at:
                    row[at[unit_name]] = None if figures[quantity] is None else \
                        plan.units[quantity] or "Units"
            out.append(row)
        return out


def _to_parquet(plain: Path, out: Path, version: str, names: Sequence[str]) -> None:
    """The CSV at ``plain`` (this module's, every cell text) as Parquet at ``out``, each
    column typed as the spec types it (``x_`` counts as BIGINT), streamed by DuckDB."""
    import duckdb

    from worthit.sources.bill import duckdb_path

    types = {c.name: _PARQUET_TYPES[c.data_type] for c in spec.columns(version)}
    types |= dict.fromkeys((*_COUNTS, "x_Batch"), "BIGINT")
    select = ", ".join(f'CAST("{name}" AS {types.get(name, "VARCHAR")}) AS "{name}"'
                       for name in names)
    con = duckdb.connect(config={"threads": 1})
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET TimeZone = 'UTC'")
        relation = con.sql(
            f"SELECT {select} FROM read_csv($path, header = true, auto_detect = false, "
            "delim = ',', quote = '\"', escape = '\"', columns = $columns)",
            params={"path": duckdb_path(plain),
                    "columns": dict.fromkeys(names, "VARCHAR")})
        relation.write_parquet(str(out), compression="zstd")
    except duckdb.Error as error:
        raise UserError(f"{out}: the Parquet file could not be written ({error}).") from error
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()

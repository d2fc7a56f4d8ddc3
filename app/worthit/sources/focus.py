"""FOCUS files (CSV, CSV.gz, Parquet), any provider's export: the Cost and Usage dataset of
FOCUS 1.0 to 1.4 (1.4 as its working draft has it) becomes charges; the ContractCommitment
dataset of 1.3 and 1.4 is read into :class:`ContractCommitment` records.

Rows become charges dated by the UTC day their charge period starts (``-05:00`` and other
offsets included). FOCUS 1.3 renamed ProviderName to ServiceProviderName and added
HostProviderName; the 1.4 draft drops ProviderName and PublisherName: each is read, the
newer name first. FOCUS 1.0's text says "InvoiceIssuer" where its column ID is
InvoiceIssuerName: both are read. A file with the 0.5-era columns (ChargeType,
AmortizedCost) is refused: its costs do not mean what 1.x's do. Nulls may be written as
empty strings or a bare ``NULL``. A line's bill is its provider, BillingAccountId and
BillingPeriodStart to BillingPeriodEnd (the calendar month of its day without them).

A file's version is the one it declares, in a FocusVersion (or x_FocusVersion) column or in
the FOCUS metadata beside it (:func:`metadata_version`), else the newest its columns need
(:func:`focus_version`). A version newer than 1.4 is refused, and so is a column named as
FOCUS names its own (PascalCase, no ``x_``) that ends in ``Cost`` and that no version read
here defines: a new cost column is how FOCUS last changed what its costs mean (0.5's
AmortizedCost), so a total read past one could be wrong. Other unknown columns (``x_`` and
``oci_`` ones, the FOCUS sample's ``Id``) are ignored. The other datasets (ContractCommitment,
and the 1.4 draft's InvoiceDetail and BillingPeriod) are recognised by their columns and
refused as charges by name: invoice lines would count the same spend twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

from worthit.core.errors import BadInput
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.money import is_currency
from worthit.sources.bill import NULLS, BillFile, Layout, Progress, Table, never, read_table
from worthit.sources.bills import of_cells
from worthit.sources.cells import (
    FIRST_DAY,
    LARGEST_COST,
    LARGEST_QUANTITY,
    STAMP,
    amount,
    check_day,
    utc_day,
)

REQUIRED: Final = ("ChargePeriodStart", "BilledCost", "EffectiveCost", "BillingCurrency")
OLD_COLUMNS: Final = ("ChargeType", "AmortizedCost")
#: Our column <- the FOCUS columns that may carry it, first found wins.
MAPPING: Final[dict[str, tuple[str, ...]]] = {
    "provider_name": ("ServiceProviderName", "ProviderName"),
    # HostProviderName (1.3+) is where a service runs, not its publisher: the last resort.
    "publisher_name": ("PublisherName", "x_PublisherName", "HostProviderName"),
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
    "billing_account_name": ("BillingAccountName",),
    "charge_frequency": ("ChargeFrequency",),
    "invoice_issuer_name": ("InvoiceIssuerName", "InvoiceIssuer"),
    "pricing_category": ("PricingCategory",),
    "pricing_unit": ("PricingUnit",),
    "commitment_discount_id": ("CommitmentDiscountId",),
    "commitment_discount_name": ("CommitmentDiscountName",),
    "commitment_discount_type": ("CommitmentDiscountType",),
    "commitment_discount_category": ("CommitmentDiscountCategory",),
    "commitment_discount_status": ("CommitmentDiscountStatus",),
    "commitment_discount_unit": ("CommitmentDiscountUnit",),
    "contracted_cost": ("ContractedCost",),
    "pricing_quantity": ("PricingQuantity",),
    "commitment_discount_quantity": ("CommitmentDiscountQuantity",),
    # Worthit's own extensions, as its FOCUS export writes them: a round trip keeps them.
    "x_model": ("x_Model",),
    "x_usage_type": ("x_UsageType",),
    "x_batch": ("x_Batch",),
    "x_input_tokens": ("x_InputTokens",),
    "x_cached_input_tokens": ("x_CachedInputTokens",),
    "x_cache_write_tokens": ("x_CacheWriteTokens",),
    "x_output_tokens": ("x_OutputTokens",),
    "x_requests": ("x_Requests",),
}
NUMBERS: Final = ("billed_cost", "effective_cost", "list_cost", "consumed_quantity",
                  "contracted_cost", "pricing_quantity", "commitment_discount_quantity",
                  "x_input_tokens", "x_cached_input_tokens", "x_cache_write_tokens",
                  "x_output_tokens", "x_requests")
#: Of NUMBERS, the quantities (bounded as quantities; the rest are costs).
QUANTITIES: Final = ("consumed_quantity", "pricing_quantity", "commitment_discount_quantity",
                     "x_input_tokens", "x_cached_input_tokens", "x_cache_write_tokens",
                     "x_output_tokens", "x_requests")
#: Closed lists (the spec's spelling), read whatever a file's case: the FOCUS sample writes
#: "Usage-based" beside "Usage-Based". 1.0-preview's On-Demand and Commitment-Based are
#: 1.0's Standard and Committed. A value outside the list is kept as written.
CLOSED: Final[dict[str, tuple[str, ...]]] = {
    "charge_frequency": ("One-Time", "Recurring", "Usage-Based"),
    "pricing_category": ("Standard", "Dynamic", "Committed", "Other"),
    "commitment_discount_category": ("Spend", "Usage"),
    "commitment_discount_status": ("Used", "Unused"),
}
_SPELLED: Final = {name: {v.lower(): v for v in values} for name, values in CLOSED.items()}
_SPELLED["pricing_category"] |= {"on-demand": "Standard", "commitment-based": "Committed"}

#: The versions read here, oldest first.
VERSIONS: Final = ("1.0", "1.1", "1.2", "1.3", "1.4")
#: The Cost and Usage columns each version after 1.0 added (FOCUS_Spec tags v1.1 and v1.2;
#: 1.3 and the 1.4 draft as worthit.export.focus_spec transcribes them, which the tests
#: check this against), and those the 1.4 draft removed.
INTRODUCED: Final[dict[str, tuple[str, ...]]] = {
    "1.1": ("CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
            "CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails"),
    "1.2": ("BillingAccountType", "InvoiceId", "PricingCurrency",
            "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
            "PricingCurrencyListUnitPrice", "SubAccountType"),
    "1.3": ("AllocatedMethodDetails", "AllocatedMethodId", "AllocatedResourceId",
            "AllocatedResourceName", "AllocatedTags", "ContractApplied", "HostProviderName",
            "ServiceProviderName"),
    "1.4": ("CommitmentProgramEligibilityDetails", "InvoiceDetailId"),
}
REMOVED_IN_1_4: Final = ("ProviderName", "PublisherName")
#: Columns only another FOCUS dataset has (ContractCommitment: 1.3; the others: the 1.4
#: draft). Two of them and no ChargePeriodStart make a file that dataset.
DATASETS: Final[dict[str, tuple[str, ...]]] = {
    "ContractCommitment": ("ContractCommitmentId", "ContractId", "ContractCommitmentType",
                           "ContractCommitmentCategory", "ContractCommitmentPeriodStart",
                           "ContractCommitmentPeriodEnd", "ContractPeriodStart",
                           "ContractPeriodEnd"),
    "InvoiceDetail": ("InvoiceDetailCreated", "InvoiceDetailDescription",
                      "InvoiceDetailGrain", "InvoiceDetailLastUpdated", "InvoiceIssueStatus",
                      "PaymentTerms", "ReferenceInvoiceId"),
    "BillingPeriod": ("BillingPeriodCreated", "BillingPeriodLastUpdated",
                      "BillingPeriodStatus"),
}
_WHAT: Final = {
    "InvoiceDetail": "invoice lines, which would count the spend of its charges twice",
    "BillingPeriod": "the status of billing periods, not charges",
}
#: Cost columns some dataset of a version read here defines (1.4's InvoiceDetail too).
KNOWN_COSTS: Final = frozenset({
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingCurrencyEffectiveCost",
    "ContractCommitmentCost", "PricingCurrencyContractCommitmentCost",
    "PaymentCurrencyBilledCost", *OLD_COLUMNS})
_FOCUS_NAME: Final = re.compile(r"[A-Z][A-Za-z0-9]*")
_VERSION: Final = re.compile(r"v?(\d+)\.(\d+)")


def dataset_of(header: Sequence[str]) -> str | None:
    """The FOCUS dataset other than Cost and Usage a header is, by its columns; else None."""
    names = {h.strip() for h in header}
    if "ChargePeriodStart" in names:
        return None
    return next((dataset for dataset, marks in DATASETS.items()
                 if len(names.intersection(marks)) >= 2), None)


def is_focus(header: list[str]) -> bool:
    """FOCUS 1.x, or one that looks like FOCUS (at least three of its columns, or another
    FOCUS dataset's): the reader then refuses it saying what is missing, that it is a
    0.5-era file, or which dataset it holds."""
    known = {*REQUIRED, *OLD_COLUMNS, *(c for names in MAPPING.values() for c in names)}
    return dataset_of(header) is not None or \
        len(known.intersection(h.strip() for h in header)) >= 3


def focus_version(header: Sequence[str], file: str,
                  declared: tuple[str, str] | None = None) -> str:
    """The FOCUS version of a Cost and Usage file: ``declared`` (the version and where it
    was said) when given, else the newest its columns need. Refuses a version newer than
    those read here, and a FOCUS-named cost column no version read here defines."""
    names = [h.strip() for h in header]
    for name in names:
        if name.endswith("Cost") and _FOCUS_NAME.fullmatch(name) and name not in KNOWN_COSTS:
            raise BadInput(f"a cost column no FOCUS version Worthit reads defines (it reads "
                           f"1.0 to {VERSIONS[-1]}): the file looks newer, and its costs may "
                           f"not mean what they did; export it as FOCUS {VERSIONS[-1]} or older",
                           file=file, line=1, column=name)
    if declared is not None:
        return check_version(declared[0], declared[1], file)
    newest = max((v for v, added in INTRODUCED.items() if set(added) & set(names)),
                 default=VERSIONS[0])
    if "ServiceProviderName" in names and not set(REMOVED_IN_1_4) & set(names):
        newest = "1.4"  # 1.3 still requires the deprecated ProviderName and PublisherName
    return newest


def check_version(text: str, where: str, file: str, line: int | None = None,
                  column: str | None = None) -> str:
    """A declared FOCUS version (``1.2``, ``v1.3``) as ``major.minor``, if read here; else
    refused, ``where`` saying who declared it."""
    match = _VERSION.match(text.strip())
    if match is None:
        raise BadInput(f"{where} declares FOCUS version {text!r}, which names no FOCUS "
                       "version", file=file, line=line, column=column)
    version = (int(match[1]), int(match[2]))
    newest = tuple(int(p) for p in VERSIONS[-1].split("."))
    if version > newest:
        raise BadInput(f"{where} declares FOCUS {text.strip()}: Worthit reads FOCUS 1.0 to "
                       f"{VERSIONS[-1]}; export the file as FOCUS {VERSIONS[-1]} or older",
                       file=file, line=line, column=column)
    if version < (1, 0):
        raise BadInput(f"{where} declares FOCUS {text.strip()}, whose costs do not mean what "
                       "1.x's do: export the file again in a 1.x version", file=file,
                       line=line, column=column)
    return f"{version[0]}.{version[1]}"


def _version_column(names: Sequence[str]) -> int | None:
    """Where a file's lines declare their FOCUS version (FocusVersion, x_FocusVersion)."""
    return next((i for i, n in enumerate(names)
                 if n.lower().removeprefix("x_") == "focusversion"), None)


def layout(header: list[str], file: str, *, declared: tuple[str, str] | None = None,
           ) -> Layout:
    """How to read a FOCUS file with this header; refuses one that is not FOCUS 1.0 to
    1.4 Cost and Usage. ``declared``: the version its metadata declares, and where."""
    names = [h.strip() for h in header]
    dataset = dataset_of(names)
    if dataset is not None:
        what = _WHAT.get(dataset, "commitments, not charges")
        raise BadInput(f"a FOCUS {dataset} dataset ({what}): Worthit imports charges from "
                       "the Cost and Usage dataset of the same export", file=file, line=1)
    old = [c for c in OLD_COLUMNS if c in names]
    if old and "EffectiveCost" not in names:
        raise BadInput(f"a FOCUS 0.5-era file ({', '.join(old)}): Worthit reads FOCUS 1.0 "
                       f"to {VERSIONS[-1]}; export again in a 1.x version", file=file, line=1)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise BadInput(f"not a FOCUS file: no {', '.join(missing)} column", file=file, line=1)
    focus_version(names, file, declared)
    where = {ours: next((names.index(c) for c in theirs if c in names), None)
             for ours, theirs in MAPPING.items()}
    start_at = names.index("ChargePeriodStart")
    # Each line's own declared version, if it has one: grouped on, so that the fast path
    # hands each distinct value to the mapper.
    version_at = _version_column(names)
    checked: set[str] = set()

    def mapped(row: list[str], found: BillFile, line: int | None) -> list[Any]:
        if version_at is not None:
            text = row[version_at].strip()
            if text not in checked and text not in NULLS:
                check_version(text, "the file", file, line, names[version_at])
                checked.add(text)
        return _row(row, where, start_at, names, found, file, line)

    numbers = {where[n] for n in NUMBERS} - {None}
    text = [i for i in where.values() if i is not None and i not in numbers]
    bill_cells, bill = of_cells(
        where["provider_name"], where["billing_account_id"],
        *(names.index(c) if c in names else None
          for c in ("BillingPeriodStart", "BillingPeriodEnd")))
    return Layout(bill_cells=bill_cells, bill=bill,
        map=mapped,
        text=(*text, *(() if version_at is None else (version_at,))),
        sums=tuple(sorted(i for i in numbers if i is not None)),
        required=(names.index("BilledCost"), names.index("EffectiveCost")),
        day=start_at, currency=names.index("BillingCurrency"),
        billed=names.index("BilledCost"),
        quantities=tuple(i for i in (where[q] for q in QUANTITIES) if i is not None))


def read_focus(path: Path, found: BillFile, *, cancelled: Callable[[], bool] = never,
               progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of a FOCUS file (CSV, CSV.gz or Parquet), checked as they are read;
    the first bad row or column is refused with its line and column. A ContractCommitment
    file is read (and so checked) whole, then refused as charges, saying how many it held."""

    def layout_of(header: list[str], file: str) -> Layout:
        if dataset_of(header) == "ContractCommitment":
            held = read_contract_commitments(path)
            raise BadInput(f"recognised as a FOCUS ContractCommitment dataset ({len(held):,} "
                           "contract commitments, all well formed): commitments, not charges. "
                           "Import it on its own to keep its commitments, and the export's "
                           "Cost and Usage dataset for its charges", file=file)
        return layout(header, file, declared=metadata_version(path, header))

    return read_table(path, layout_of, found, cancelled=cancelled, progress=progress)


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
            LARGEST_QUANTITY if name in QUANTITIES else LARGEST_COST
        values[name] = amount(text, "number", limit=limit, file=file, line=line,
                              column=names[where[name]])  # type: ignore[index]
    if values["x_batch"] is not None:  # an INTEGER of the key: 1 batched, 0 not
        values["x_batch"] = int(values["x_batch"].lower() in ("1", "true", "1.0"))
    for name in ("x_input_tokens", "x_cached_input_tokens", "x_cache_write_tokens",
                 "x_output_tokens", "x_requests"):
        if values[name] is not None:
            values[name] = round(values[name])  # counts
    for name, spelled in _SPELLED.items():
        if values[name] is not None:
            values[name] = spelled.get(values[name].lower(), values[name])
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


# -- the export's metadata -----------------------------------------------------------------

#: The most JSON files looked at in one folder, and the largest read.
_MOST_FILES: Final = 50
_LARGEST_FILE: Final = 1 << 20


def metadata_version(path: Path, header: Sequence[str]) -> tuple[str, str] | None:
    """The FocusVersion the export's FOCUS metadata declares for ``path``, and where: an
    export metadata file listing the file (``data_location``) with its schema's SchemaId,
    or a schema whose ColumnDefinition names exactly the file's columns. Looked for as the
    spec's examples place them: beside the file, a folder up, and in ``metadata`` and
    ``metadata/schemas`` folders of those and the folder above. Unreadable JSON is ignored:
    the metadata is a hint, the columns are the file."""
    here = path.absolute().parent
    ups = [here, here.parent, here.parent.parent]
    folders = dict.fromkeys([here, here.parent, *(f / "metadata" for f in ups),
                             *(f / "metadata" / "schemas" for f in ups)])
    documents = [(p, d) for folder in folders if folder.is_dir()
                 for p in sorted(folder.glob("*.json"))[:_MOST_FILES]
                 if (d := _document(p)) is not None]
    schemas = {str(d["SchemaId"]): (p, d) for p, d in documents
               if "SchemaId" in d and "FocusVersion" in d}
    for p, d in documents:
        if _lists(d.get("data_location"), path):
            if "FocusVersion" in d:
                return str(d["FocusVersion"]), f"its metadata {p}"
            if (schema := schemas.get(str(d.get("SchemaId")))) is not None:
                return str(schema[1]["FocusVersion"]), f"its schema metadata {schema[0]}"
    columns = {h.strip() for h in header}
    for p, d in documents:
        defined = d.get("ColumnDefinition")
        if "FocusVersion" in d and isinstance(defined, list) and columns == {
                str(c.get("ColumnName")) for c in defined if isinstance(c, dict)}:
            return str(d["FocusVersion"]), f"its schema metadata {p}"
    return None


def _document(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > _LARGEST_FILE:
            return None
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _lists(locations: Any, path: Path) -> bool:
    """Whether an export metadata's ``data_location`` lists ``path`` (by its name and, where
    the listing gives one, its folder's)."""
    for location in locations if isinstance(locations, list) else ():
        listed = PurePosixPath(str(location.get("filepath", "") if isinstance(location, dict)
                                   else "").replace("\\", "/")).parts[-2:]
        if listed and path.absolute().parts[-len(listed):] == listed:
            return True
    return False


# -- the ContractCommitment dataset --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractCommitment:
    """One row of a FOCUS ContractCommitment dataset: a commitment made under a contract
    (1.3's columns, then the 1.4 draft's, None where a 1.3 file has none). Kept by the
    commitments work; Date/Times are UTC, decimals floats, a JSON object its text."""

    contract_commitment_id: str
    contract_commitment_type: str
    contract_commitment_category: str  # Spend | Usage
    contract_commitment_period_start: dt.datetime
    contract_commitment_period_end: dt.datetime
    contract_id: str
    contract_period_start: dt.datetime
    contract_period_end: dt.datetime
    contract_commitment_description: str | None = None
    contract_commitment_cost: float | None = None
    contract_commitment_quantity: float | None = None
    contract_commitment_unit: str | None = None
    billing_currency: str | None = None
    contract_commitment_applicability: str | None = None
    contract_commitment_benefit_category: str | None = None
    contract_commitment_created: dt.datetime | None = None
    contract_commitment_discount_percentage: float | None = None
    contract_commitment_duration_type: str | None = None
    contract_commitment_fulfillment_interval: str | None = None
    contract_commitment_last_updated: dt.datetime | None = None
    contract_commitment_lifecycle_status: str | None = None
    contract_commitment_model: str | None = None
    contract_commitment_offer_category: str | None = None
    contract_commitment_payment_interval: str | None = None
    contract_commitment_payment_model: str | None = None
    contract_commitment_payment_upfront_percentage: float | None = None
    invoice_issuer_name: str | None = None
    pricing_currency: str | None = None
    pricing_currency_contract_commitment_cost: float | None = None
    service_provider_name: str | None = None


#: How each column is read, by the spec's name; text otherwise.
_CC_KINDS: Final = {
    "ContractCommitmentPeriodStart": "stamp", "ContractCommitmentPeriodEnd": "stamp",
    "ContractPeriodStart": "stamp", "ContractPeriodEnd": "stamp",
    "ContractCommitmentCreated": "stamp", "ContractCommitmentLastUpdated": "stamp",
    "ContractCommitmentCost": "cost", "PricingCurrencyContractCommitmentCost": "cost",
    "ContractCommitmentQuantity": "quantity", "ContractCommitmentDiscountPercentage": "cost",
    "ContractCommitmentPaymentUpfrontPercentage": "cost",
    "BillingCurrency": "currency", "PricingCurrency": "currency",
    "ContractCommitmentApplicability": "json", "ContractCommitmentCategory": "category",
}
#: The 1.4 draft's columns that may not be null where a file has them (1.3's are the
#: fields without a default, which every file must have).
_CC_NOT_NULL: Final = frozenset({
    "ContractCommitmentApplicability", "ContractCommitmentBenefitCategory",
    "ContractCommitmentCreated", "ContractCommitmentDurationType",
    "ContractCommitmentFulfillmentInterval", "ContractCommitmentLastUpdated",
    "ContractCommitmentLifecycleStatus", "ContractCommitmentModel",
    "ContractCommitmentOfferCategory", "ContractCommitmentPaymentInterval",
    "ContractCommitmentPaymentModel", "ContractCommitmentPaymentUpfrontPercentage",
    "InvoiceIssuerName", "PricingCurrency", "ServiceProviderName"})


def spec_name(field: str) -> str:
    """A field's FOCUS column: ``contract_commitment_id`` -> ``ContractCommitmentId``."""
    return "".join(part.capitalize() for part in field.split("_"))


def read_contract_commitments(path: Path) -> list[ContractCommitment]:
    """Every commitment of a FOCUS ContractCommitment file (CSV, CSV.gz or Parquet), all or
    nothing: the first missing column, null where the spec allows none, or unreadable cell
    is refused with its file, line and column. A version it declares newer than 1.4 is
    refused as a Cost and Usage file's is."""
    table = Table(path)
    file, names = table.file, [h.strip() for h in table.header]
    declared = metadata_version(path, names)
    if declared is not None:
        check_version(declared[0], declared[1], file)
    fields = dataclasses.fields(ContractCommitment)
    required = {spec_name(f.name) for f in fields if f.default is dataclasses.MISSING}
    missing = sorted(required.difference(names))
    if missing:
        raise BadInput(f"not a FOCUS ContractCommitment file: no {', '.join(missing)} column",
                       file=file, line=1)
    at = {f.name: names.index(spec_name(f.name)) for f in fields if spec_name(f.name) in names}
    version_at = _version_column(names)
    held = []
    for line, row in table.rows():
        if version_at is not None and row[version_at].strip() not in NULLS:
            check_version(row[version_at], "the file", file, line, names[version_at])
        values = {name: _cc_cell(row[i].strip(), names[i], spec_name(name) in required,
                                 file, line) for name, i in at.items()}
        commitment = ContractCommitment(**values)
        for start, end in (("contract_commitment_period_start", "contract_commitment_period_end"),
                           ("contract_period_start", "contract_period_end")):
            if getattr(commitment, end) <= getattr(commitment, start):
                raise BadInput(f"ends before it starts ({spec_name(start)} is "
                               f"{row[at[start]].strip()})", file=file, line=line,
                               column=spec_name(end))
        held.append(commitment)
    if not held:
        raise BadInput("the file has a header but no contract commitments", file=file, line=2)
    return held


def _cc_cell(text: str, column: str, required: bool, file: str, line: int) -> Any:
    """One ContractCommitment cell as its field holds it; None for a null it may be."""
    if text in NULLS:
        if required or column in _CC_NOT_NULL:
            raise BadInput("a value is required", file=file, line=line, column=column)
        return None
    kind = _CC_KINDS.get(column, "text")
    if kind in ("cost", "quantity"):
        return amount(text, "number", limit=LARGEST_QUANTITY if kind == "quantity" else
                      LARGEST_COST, file=file, line=line, column=column)
    if kind == "stamp":
        return _moment(text, file, line, column)
    if kind == "currency" and not is_currency(text):
        raise BadInput(f"unknown currency {text!r}: not an ISO 4217 code such as USD or EUR",
                       file=file, line=line, column=column)
    if kind == "json":
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise BadInput(f"{text[:40]!r} is not a JSON object", file=file, line=line,
                           column=column)
        return json.dumps(parsed, sort_keys=True)
    if kind == "category":
        spelled = _SPELLED["commitment_discount_category"].get(text.lower())
        if spelled is None:
            raise BadInput(f"{text!r} is not Spend or Usage", file=file, line=line,
                           column=column)
        return spelled
    return text


def _moment(text: str, file: str, line: int, column: str) -> dt.datetime:
    """An ISO 8601 date and time (a :data:`~worthit.sources.cells.STAMP`) in UTC."""
    moment = None
    if re.fullmatch(STAMP, text):
        try:
            moment = dt.datetime.fromisoformat(text.upper().replace(" UTC", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        raise BadInput(f"{text!r} is not a date and time", file=file, line=line, column=column)
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else \
        moment.astimezone(dt.UTC)
    if moment.date() < FIRST_DAY:
        raise BadInput(f"{text!r} is out of range: no FOCUS date is before {FIRST_DAY}",
                       file=file, line=line, column=column)
    return moment

"""Azure Cost Management exports: EA and MCA, actual and amortised, CSV (gzipped or not).

Headers come in PascalCase (EA) or camelCase (MCA) and are compared without case or
punctuation; a file downloaded from a portal in another language writes each as ``Localized
name (EnglishName)`` (``Datum (Date)``, ``日付（Date）``) and is read by the English name;
the file may start with a BOM; dates are MM/DD/YYYY or ISO (dated by the UTC
day, as FOCUS is); tags are JSON without the outer braces. The export's one cost column
(``Cost``, or ``CostInBillingCurrency`` on MCA) is both billed and effective cost: an
actual-cost export carries what is invoiced, an amortised one what was consumed, so import
one kind per source. A line's bill is its billing account's (its subscription's when the
export has none) for BillingPeriodStartDate to BillingPeriodEndDate, both days included
(the calendar month of its day without them): an amortised export of a bill therefore
replaces the actual-cost one, and the other way round.

The FOCUS columns an export states are kept too (:func:`_focus`), as Microsoft's FinOps
toolkit converts them: the billing account's name, the invoice issuer, the charge frequency,
the pricing category, unit and quantity, and the reservation or savings plan a line is
charged under. What a line states about that commitment (its term in months, and for an
Azure OpenAI provisioned throughput (PTU) reservation, its meter and region) is noted on the
file's account (:mod:`worthit.sources.commitment_terms`). An export is always read line by
line (its US dates keep it off the DuckDB path: ``iso_days=False``), and Term is a text
cell, so it would be grouped on there too."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from worthit.core.commitments import PTU_RESERVATION, is_ptu_meter
from worthit.core.errors import BadInput
from worthit.core.focus import AI_CATEGORY, CHARGE_COLUMN_NAMES
from worthit.sources.bill import (
    NULLS,
    BillFile,
    Layout,
    Progress,
    check_unique,
    never,
    read_table,
)
from worthit.sources.bills import of_cells
from worthit.sources.cells import LARGEST_COST, LARGEST_QUANTITY, amount, check_day, utc_day
from worthit.sources.commitment_terms import stated

COST_KEYS: Final = ("costinbillingcurrency", "cost")
CURRENCY_KEYS: Final = ("billingcurrency", "billingcurrencycode")
CATEGORIES: Final = {"usage": "Usage", "purchase": "Purchase", "refund": "Credit",
                     "unusedreservation": "Usage", "unusedsavingsplan": "Usage",
                     "roundingadjustment": "Adjustment", "tax": "Tax"}
SERVICE_CATEGORIES: Final = {
    "virtual machines": "Compute", "virtual machines licenses": "Compute",
    "storage": "Storage", "bandwidth": "Networking", "virtual network": "Networking",
    "cognitive services": AI_CATEGORY, "azure openai": AI_CATEGORY,
    "machine learning": AI_CATEGORY, "azure machine learning": AI_CATEGORY,
    "sql database": "Databases", "azure cosmos db": "Databases",
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


#: A localized header's English name: the parenthesised group that ends it, in ASCII or
#: full-width parentheses (Japanese locales write ``日付（Date）``). The group holds no
#: parenthesis, so of ``Kosten (netto) (Cost)`` it is the last, ``Cost``.
_ENGLISH: Final = re.compile(r"[(（]\s*([^()（）]*?)\s*[)）]\s*$")


def english(name: str) -> str:
    """The English name of an Azure column: the one in the parentheses ending a localized
    header (``Datum (Date)``), else the header itself."""
    found = _ENGLISH.search(name)
    return found[1] if found is not None and found[1] else name.strip()


def _column_key(name: str) -> str:
    return _key(english(name))


def is_azure(header: list[str]) -> bool:
    """Whether a header is an Azure export's, by its English names. A localized one with
    three known English names in parentheses is Azure's even when a column the import needs
    lacks its own, so that the import names that column rather than the file's format."""
    names = {_column_key(n) for n in header}
    localized = sum(1 for n in header
                    if _ENGLISH.search(n) is not None and _column_key(n) in _COLUMNS)
    return localized >= 3 or ("metercategory" in names and "date" in names
                              and any(k in names for k in COST_KEYS))


#: Month first, as EA exports write it; a time after it (``09/18/2024 00:00:00``) is
#: midnight, as Azure writes every day.
_US_DATE: Final = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?: [0-9:]+(?: [AP]M)?)?")


def _day(text: str) -> dt.date | None:
    """The UTC day of an Azure date, or None when it is not one."""
    us = _US_DATE.fullmatch(text)
    if us is None:
        return utc_day(text)
    try:
        return dt.date(int(us[3]), int(us[1]), int(us[2]))
    except ValueError:
        return None


#: Cells read as text, by their key.
TEXT: Final = ("date", "metercategory", "publishername", "billingaccountid", "subscriptionid",
               "subscriptionname", "consumedservice", "resourcelocation", "availabilityzone",
               "resourceid", "partnumber", "meterid", "metername", "chargetype", "tags",
               "unitofmeasure", *CURRENCY_KEYS,
               # FOCUS columns (:func:`_focus`).
               "billingaccountname", "partnername", "frequency", "pricingmodel", "benefitid",
               "benefitname", "reservationid", "reservationname",
               # A commitment's terms (:func:`_terms`).
               "term")


#: Every column read, by its key.
_READ: Final = frozenset((*TEXT, *COST_KEYS, "quantity"))

#: The English names of the columns of Azure cost details files (EA, MCA, MPA and
#: pay-as-you-go, from Microsoft's field reference): a column named none of them, in a
#: file lacking a column the import needs, is the one its refusal names.
_COLUMN_NAMES: Final = """
    AccountId AccountName AccountOwnerId AdditionalInfo AvailabilityZone BenefitId
    BenefitName BillingAccountId BillingAccountName BillingCurrency BillingCurrencyCode
    BillingPeriod BillingPeriodEndDate BillingPeriodStartDate BillingProfileId
    BillingProfileName ChargeType ConsumedService Cost CostAllocationRuleName CostCenter
    CostInBillingCurrency CostInPricingCurrency CostInUsd Currency CustomerName
    CustomerTenantId Date EffectivePrice ExchangeRate ExchangeRateDate
    ExchangeRatePricingToBilling Frequency InvoiceId InvoiceSection InvoiceSectionId
    InvoiceSectionName IsAzureCreditEligible Location MeterCategory MeterId MeterName
    MeterRegion MeterSubCategory OfferId PartNumber PartnerEarnedCreditApplied
    PartnerEarnedCreditRate PartnerName PartnerTenantId PayGPrice PaygCostInBillingCurrency
    PaygCostInUsd PlanName PreviousInvoiceId PricingCurrency PricingModel Product ProductId
    ProductName ProductOrderId ProductOrderName Provider PublisherId PublisherName
    PublisherType Quantity ResellerMpnId ResellerName ReservationId ReservationName
    ResourceGroup ResourceGroupName ResourceId ResourceLocation ResourceName ResourceType
    RoundingAdjustment ServiceFamily ServiceInfo1 ServiceInfo2 ServicePeriodEndDate
    ServicePeriodStartDate SubscriptionId SubscriptionName Tags Term UnitOfMeasure UnitPrice
    """
_COLUMNS: Final = _READ | frozenset(_key(name) for name in _COLUMN_NAMES.split())


def layout(header: list[str], file: str) -> Layout:
    keys = [_column_key(h) for h in header]
    check_unique(header, file, keys=[k if k in _READ else "" for k in keys])
    at = {k: i for i, k in enumerate(keys)}
    cost_key = next((k for k in COST_KEYS if k in at), None)
    currency_key = next((k for k in CURRENCY_KEYS if k in at), None)
    if cost_key is None or currency_key is None or "date" not in at:
        raise _lacking(header, keys, file)

    def mapped(row: list[str], found: BillFile, line: int | None) -> list[Any]:
        return _row(row, at, header, cost_key, currency_key, found, file, line)

    bill_cells, bill = of_cells("Microsoft", at.get("billingaccountid"),
                                at.get("billingperiodstartdate"),
                                at.get("billingperiodenddate"),
                                subscription=at.get("subscriptionid"), inclusive=True)
    return Layout(bill_cells=bill_cells, bill=bill,
                  map=mapped, text=tuple(at[k] for k in TEXT if k in at),
                  sums=tuple(at[k] for k in (cost_key, "quantity") if k in at),
                  required=(at[cost_key],), day=at["date"], currency=at[currency_key],
                  billed=at[cost_key], iso_days=False,
                  quantities=tuple(at[k] for k in ("quantity",) if k in at))


def _lacking(header: list[str], keys: list[str], file: str) -> BadInput:
    """The refusal of a header without Date, a cost or a currency. It names the first
    column that is no Azure column by any English name, which in a localized export is one
    whose English name is missing: the column the import could not find, most likely."""
    needs = "needs Date, Cost and BillingCurrency"
    unknown = [at for at, (name, key) in enumerate(zip(header, keys, strict=True))
               if name.strip() and key not in _COLUMNS]
    if not unknown:
        return BadInput(f"not an Azure cost export: {needs}", file=file, line=1)
    missing = " or ".join(name for name, there in (
        ("Date", "date" in keys), ("Cost", any(k in keys for k in COST_KEYS)),
        ("BillingCurrency", any(k in keys for k in CURRENCY_KEYS))) if not there)
    others = len(unknown) - 1
    more = f" (and {others} more column{'s' if others > 1 else ''} likewise)" if others else ""
    return BadInput(
        f"{header[unknown[0]]!r} is no Azure column name Worthit knows, and has none in "
        f"parentheses{more}; the export has no {missing} column, and Worthit {needs} by "
        "their English names. A localized export writes each column as 'Localized name "
        "(EnglishName)', such as 'Datum (Date)': download it again, or add the English "
        "names", file=file, line=1, column=unknown[0] + 1)


def read_azure(path: Path, found: BillFile, *, cancelled: Callable[[], bool] = never,
               progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of an Azure cost export, checked as they are read."""
    return read_table(path, layout, found, cancelled=cancelled, progress=progress)


def _row(row: list[str], at: dict[str, int], header: list[str], cost_key: str,
         currency_key: str, found: BillFile, file: str, line: int | None) -> list[Any]:
    def cell(*keys: str) -> str | None:
        for key in keys:
            index = at.get(key)
            text = None if index is None else row[index].strip()
            if text is not None and text not in NULLS:
                return text
        return None

    text = cell(cost_key)
    if text is None:
        raise BadInput("a cost is required", file=file, line=line, column=header[at[cost_key]])
    cost = amount(text, "cost", limit=LARGEST_COST, file=file, line=line,
                  column=header[at[cost_key]])
    currency = cell(currency_key)
    found.check_currency(currency, file, line, header[at[currency_key]])
    stamp = cell("date") or ""
    day = check_day(_day(stamp), stamp, "a date", last=found.latest, file=file, line=line,
                    column=header[at["date"]])
    found.count(day, cost, cost)
    meter = cell("metercategory")
    tags_text = cell("tags")
    tags = None
    if tags_text:
        wrapped = tags_text if tags_text.startswith("{") else "{" + tags_text + "}"
        try:
            parsed = json.loads(wrapped)
        except ValueError:
            parsed = None
        tags = json.dumps(parsed, sort_keys=True) if isinstance(parsed, dict) else tags_text
    quantity = cell("quantity")
    consumed = None if quantity is None else amount(
        quantity, "number", limit=LARGEST_QUANTITY, file=file, line=line,
        column=header[at["quantity"]])
    values: dict[str, Any] = {
        "charge_period_start": day.isoformat(), "provider_name": "Microsoft",
        "publisher_name": cell("publishername") or "Microsoft",
        "billing_account_id": cell("billingaccountid"),
        "sub_account_id": cell("subscriptionid"),
        "sub_account_name": cell("subscriptionname"),
        "service_category": SERVICE_CATEGORIES.get((meter or "").lower(), "Other"),
        "service_name": meter or cell("consumedservice"),
        "region_id": cell("resourcelocation"), "availability_zone": cell("availabilityzone"),
        "resource_id": cell("resourceid"), "sku_id": cell("partnumber", "meterid"),
        "x_usage_type": cell("metername"),
        "charge_category": CATEGORIES.get(_key(cell("chargetype") or "usage"), "Usage"),
        "billed_cost": cost, "effective_cost": cost, "billing_currency": currency,
        "consumed_quantity": consumed, "consumed_unit": cell("unitofmeasure"), "tags": tags,
        **_focus(cell), "pricing_quantity": consumed,
    }
    if values.get("commitment_discount_id") is not None:
        stated(found).note(values["commitment_discount_id"], **_terms(cell, values))
    return [values.get(name) for name in CHARGE_COLUMN_NAMES]


def term_in_words(months: str | None) -> str | None:
    """An export's Term, in months (``12``, ``36``; ``1`` for a monthly purchase), as words
    (``1 year``, ``3 years``, ``1 month``); another text as written."""
    if months is None:
        return None
    try:
        count = int(float(months))
    except ValueError:
        return months
    if count > 0 and count % 12 == 0:
        years = count // 12
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{count} month{'s' if count != 1 else ''}" if count > 0 else None


def _terms(cell: Callable[..., str | None], values: dict[str, Any]) -> dict[str, Any]:
    """What a line states about the commitment it is charged under: its term (cost details'
    Term, in months) and, for an Azure OpenAI provisioned throughput reservation (a meter
    "Provisioned Managed ... Unit"), that kind, the meter and the region."""
    facts: dict[str, Any] = {"provider": "Microsoft", "term": term_in_words(cell("term")),
                             "currency": values["billing_currency"]}
    meter = cell("metername")
    if values.get("commitment_discount_type") == "Reservation" and is_ptu_meter(meter):
        facts.update(kind=PTU_RESERVATION, category="Usage",
                     offering=f"Azure OpenAI {meter}", region=values["region_id"])
    return facts


#: Frequency -> ChargeFrequency (FinOps toolkit, docs-mslearn/focus/convert.md; its
#: "otherwise Other" is no FOCUS value, so another Frequency gives none).
FREQUENCIES: Final = {"onetime": "One-Time", "recurring": "Recurring",
                      "usagebased": "Usage-Based"}
#: PricingModel -> PricingCategory (convert.md), a commitment's own purchase or refund aside.
PRICING: Final = {"ondemand": "Standard", "spot": "Dynamic", "reservation": "Committed",
                  "savingsplan": "Committed"}
#: A commitment's kind -> (CommitmentDiscountType, CommitmentDiscountCategory).
KINDS: Final = {"reservation": ("Reservation", "Usage"), "savingsplan": ("Savings Plan", "Spend")}
#: ChargeType of a commitment's unused share (mapping.md), by the commitment's kind.
UNUSED: Final = {"unusedreservation": "reservation", "unusedsavingsplan": "savingsplan"}


def _focus(cell: Callable[..., str | None]) -> dict[str, Any]:
    """The FOCUS columns a line states, as the FinOps toolkit converts an export
    (docs-mslearn/focus/convert.md and mapping.md, microsoft/finops-toolkit):
    BillingAccountName; InvoiceIssuerName is PartnerName, else Microsoft; Frequency and
    PricingModel mapped; the commitment is BenefitId and BenefitName (ReservationId and
    ReservationName in exports without them), of the kind its BenefitId's resource provider
    says (Microsoft.Capacity: a reservation; Microsoft.BillingBenefits: a savings plan; else
    the ChargeType of an unused share, or the PricingModel); status Unused on an unused
    share, Used on usage priced by a commitment. Two departures, for FOCUS 1.2: the purchase
    or refund of a commitment is Standard pricing, not Committed, and has no status.
    PricingUnit is UnitOfMeasure as written ("10K", "1 Hour"), with Quantity, which the
    export states in it: the toolkit's distinct units ("Units", "Hours") need its
    PricingUnits lookup table."""
    charge_type = _key(cell("chargetype") or "usage")
    model = _key(cell("pricingmodel") or "")
    purchase = charge_type in ("purchase", "refund")
    pricing = PRICING.get(model)
    values: dict[str, Any] = {
        "billing_account_name": cell("billingaccountname"),
        "invoice_issuer_name": cell("partnername") or "Microsoft",
        "charge_frequency": FREQUENCIES.get(_key(cell("frequency") or "")),
        "pricing_category": "Standard" if purchase and pricing == "Committed" else pricing,
        "pricing_unit": cell("unitofmeasure"),
    }
    benefit = cell("benefitid", "reservationid")
    if benefit is None:
        return values
    provider = benefit.lower()
    kind = "reservation" if "/microsoft.capacity/" in provider else \
        "savingsplan" if "/microsoft.billingbenefits/" in provider else \
        UNUSED.get(charge_type) or (model if model in KINDS else None)
    kind_type, category = KINDS[kind] if kind is not None else (None, None)
    values.update(
        commitment_discount_id=benefit,
        commitment_discount_name=cell("benefitname", "reservationname"),
        commitment_discount_type=kind_type, commitment_discount_category=category,
        commitment_discount_status="Unused" if charge_type in UNUSED else
        "Used" if charge_type == "usage" and model in KINDS else None)
    return values

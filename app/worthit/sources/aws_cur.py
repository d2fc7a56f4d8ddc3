"""AWS Cost and Usage Report files: legacy CSV with slash headers
(``lineItem/UnblendedCost``, ``resourceTags/user:team``) and the Athena / Parquet-style
snake_case columns (``line_item_unblended_cost``, ``resource_tags_user_team``), gzipped or
not. Header names are compared without case or punctuation, so both spellings (and columns
that drift from month to month) map to the same charge columns.

Billed cost is the net unblended cost where the report has it, else the unblended cost.
Effective (amortised) cost is AWS's own (the CUDOS summary view; focus_converters'
effective_cost_S001): the savings-plan or reservation effective cost on usage they cover;
on a savings plan's recurring fee the commitment left unused (TotalCommitmentToDate -
UsedCommitment) and on a reservation's monthly fee likewise (UnusedAmortizedUpfrontFee-
ForBillingPeriod + UnusedRecurringFee), those lines being marked Unused; zero on a
savings-plan negation and on an upfront fee (it is amortised into the lines above); else
the billed cost. (A file without those unused columns keeps the fee's billed cost.) Line
item types map to FOCUS charge categories. Bedrock usage types
(``USE1-NovaMicro-input-tokens``, ``...-output-tokens``, ``...-cache-read-input-token-count``,
``...-cache-write-input-token-count``, a ``-batch`` suffix) give the model and the token
columns; with IAM principal data (CUR 2.0) a line's caller (``line_item_iam_principal``)
and the caller's tags (``iamPrincipal/`` keys of the ``tags`` map) join its tags. A line's
bill is the payer account's for ``bill/BillingPeriodStartDate`` to
``bill/BillingPeriodEndDate`` (either spelling; the calendar month of the line's day
without them).

The FOCUS columns a CUR states are kept too (:func:`_focus`): the payer account's name, the
invoicing entity, the charge frequency and pricing category, the pricing unit and quantity,
and the savings plan or reservation a line is charged under. What a line states about its
commitment (start and end, term, offering, payment option, the commitment of the hour or
month) is noted on the file's account (:mod:`worthit.sources.commitment_terms`)."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from worthit.core.commitments import (
    PROVISIONED_THROUGHPUT,
    instance_family,
    kind_of,
    provisioned_id,
    provisioned_throughput,
)
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
from worthit.sources.commitment_terms import Stated, stated

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Column = npt.NDArray[np.float64]

CATEGORIES: Final = {
    "usage": "Usage", "discountedusage": "Usage", "savingsplancoveredusage": "Usage",
    "fee": "Purchase", "rifee": "Purchase", "savingsplanrecurringfee": "Purchase",
    "savingsplanupfrontfee": "Purchase", "tax": "Tax", "credit": "Credit", "refund": "Credit",
    "savingsplannegation": "Adjustment", "bundleddiscount": "Adjustment",
    "discount": "Adjustment", "edpdiscount": "Adjustment",
    "privateratediscount": "Adjustment",
}
SERVICE_CATEGORIES: Final = {
    "AmazonBedrock": AI_CATEGORY, "AmazonSageMaker": AI_CATEGORY, "AmazonEC2": "Compute",
    "AWSLambda": "Compute", "AmazonS3": "Storage", "AmazonEBS": "Storage",
    "AmazonRDS": "Databases", "AmazonDynamoDB": "Databases", "AmazonVPC": "Networking",
    "AmazonCloudFront": "Networking", "AWSDataTransfer": "Networking",
    "AmazonCloudWatch": "Management and Governance", "AWSSupportBusiness": "Other",
}
TOKEN_USAGE: Final = re.compile(
    r"^(?:[A-Z0-9]+-)?(?P<model>.+?)-(?P<kind>input-tokens|output-tokens|"
    r"cache-read-input-token-count|cache-write-input-token-count)(?P<batch>-batch)?$",
    re.IGNORECASE)
TOKEN_COLUMNS: Final = {"input-tokens": "x_input_tokens", "output-tokens": "x_output_tokens",
                        "cache-read-input-token-count": "x_cached_input_tokens",
                        "cache-write-input-token-count": "x_cache_write_tokens"}
TAG_PREFIXES: Final = ("resourcetags/user:", "resource_tags_user_")


@functools.lru_cache(maxsize=4_096)
def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


#: The columns a CUR must have, in both spellings.
NEEDED: Final = (("lineItem/UnblendedCost", "line_item_unblended_cost"),
                 ("lineItem/UsageStartDate", "line_item_usage_start_date"),
                 ("lineItem/CurrencyCode", "line_item_currency_code"))


def is_cur(header: list[str]) -> bool:
    """A CUR, or close enough (two line item columns) to be refused as one."""
    return sum(_key(n).startswith("lineitem") for n in header) >= 2


#: Cells read as text (besides tag columns), by their key.
TEXT: Final = ("lineitemlineitemtype", "lineitemproductcode", "lineitemusagetype",
               "billbillingentity", "billpayeraccountid", "lineitemusageaccountid",
               "productproductname", "productregioncode", "productregion",
               "lineitemavailabilityzone", "lineitemresourceid", "productsku",
               "lineitemcurrencycode", "pricingunit", "product", "resourcetags",
               "costcategory",
               # Who made the call (CUR 2.0 with IAM principal data) and that caller's tags
               # (the ``tags`` map, ``iamPrincipal/`` keys): absent, no grouping column.
               "lineitemiamprincipal", "tags",
               # FOCUS columns (:func:`_focus`): each is constant over a bill, or over a
               # commitment, so none splits a day's charges much further.
               "billpayeraccountname", "billinvoicingentity", "billbilltype", "pricingterm",
               "productpurchaseoption", "savingsplansavingsplanarn",
               "reservationreservationarn",
               # A commitment's terms (:func:`_terms`): constant over the commitment.
               *(f"savingsplan{c}" for c in ("starttime", "endtime", "offeringtype",
                                            "paymentoption", "purchaseterm", "region",
                                            "instancetypefamily")),
               "reservationstarttime", "reservationendtime",
               "reservationnumberofreservations", "pricingleasecontractlength",
               "pricingpurchaseoption", "pricingofferingclass")
#: Cells read as numbers and summed (the billed cost is one of the first two).
SUMS: Final = ("lineitemnetunblendedcost", "lineitemunblendedcost",
               "savingsplansavingsplaneffectivecost", "reservationeffectivecost",
               "pricingpubliconDemandcost".lower(), "lineitemusageamount",
               # What a commitment's fee lines say of its use (:meth:`_Described.charge`).
               "savingsplantotalcommitmenttodate", "savingsplanusedcommitment",
               "reservationunusedamortizedupfrontfeeforbillingperiod",
               "reservationunusedrecurringfee", "reservationamortizedupfrontfeeforbillingperiod")
#: The unused-commitment columns each fee's amortised cost needs.
PLAN_USE: Final = ("savingsplantotalcommitmenttodate", "savingsplanusedcommitment")
RESERVATION_USE: Final = ("reservationunusedamortizedupfrontfeeforbillingperiod",
                          "reservationunusedrecurringfee")


#: Every column read by its key (tag columns are read by their position).
_READ: Final = frozenset((*TEXT, *SUMS, *(_key(n) for pair in NEEDED for n in pair)))


def layout(header: list[str], file: str, notes: Stated | None = None) -> Layout:
    """How a CUR of ``header`` is read; what its lines state about commitments goes to
    ``notes``, else to the commitments of the file its mapper is given (an Athena result's
    rows, mapped one by one: :func:`worthit.sources.aws_athena.charges`)."""
    keys = [_key(h) for h in header]
    # Two spellings of one column (lineItem/UnblendedCost, line_item_unblended_cost).
    check_unique(header, file, keys=[k if k in _READ else "" for k in keys])
    at = {k: i for i, k in enumerate(keys)}
    for slash, snake in NEEDED:
        if _key(slash) not in at:
            raise BadInput(f"not an AWS CUR file: no {slash} column (or {snake})", file=file,
                           line=1)
    billed_key = "lineitemnetunblendedcost" if "lineitemnetunblendedcost" in at else \
        "lineitemunblendedcost"
    tags = [(i, h[len(p):]) for i, h in enumerate(header)
            for p in TAG_PREFIXES if h.lower().startswith(p)]

    text_at = (*(at[k] for k in TEXT if k in at), *(i for i, _ in tags))

    # A fee's unused commitment is read where the file has the columns saying it.
    use = (all(k in at for k in PLAN_USE), any(k in at for k in RESERVATION_USE))

    held = [notes]

    # Where each text cell is in a combination (``text_at`` order; the last of a column
    # named twice), worked out once for the file rather than once per combination.
    place_of = {index: n for n, index in enumerate(text_at)}
    cell_places = {key: place_of[index] for key, index in at.items() if index in place_of}
    tag_places = tuple((place_of[i], key) for i, key in tags)

    @functools.lru_cache(maxsize=65_536)
    def describe(cells: tuple[str, ...]) -> _Described:
        return _Described(cell_places, tag_places, cells, use, held[0])

    def mapped(row: list[str], found: BillFile, line: int | None) -> list[Any]:
        if held[0] is None:
            held[0] = stated(found)
        return _row(row, at, header, billed_key, describe, text_at, found, file, line)

    summed = [k for k in SUMS if k in at and (k == billed_key or not k.endswith("unblendedcost"))]

    # The amounts' places among the sums; one the file lacks reads the None put after them.
    places = (summed.index(billed_key),
              *(summed.index(k) if k in summed else len(summed) for k in _AMOUNTS[1:]))

    def group(cells: tuple[str, ...]) -> _Combination:
        return _Combination(describe(cells), places)

    bill_cells, bill = of_cells("AWS", at.get("billpayeraccountid"),
                                at.get("billbillingperiodstartdate"),
                                at.get("billbillingperiodenddate"))
    return Layout(
        bill_cells=bill_cells, bill=bill,
        map=mapped,
        text=text_at,
        sums=tuple(at[k] for k in summed), required=(at[billed_key],),
        day=at["lineitemusagestartdate"], currency=at["lineitemcurrencycode"],
        billed=at[billed_key], group=group,
        quantities=tuple(at[k] for k in ("lineitemusageamount",) if k in summed))


def read_cur(path: Path, found: BillFile, *, cancelled: Callable[[], bool] = never,
             progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of a CUR file (legacy CSV, Athena-style CSV or Parquet, CUR 2.0),
    checked as they are read."""
    return read_table(path, functools.partial(layout, notes=stated(found)), found,
                      cancelled=cancelled, progress=progress)


@functools.lru_cache(maxsize=65_536)
def _tags(columns: tuple[tuple[str, str], ...], resource_tags: str | None,
          cost_categories: str | None, principal: str | None = None,
          caller_tags: str | None = None) -> str | None:
    """The charge's tags as JSON (cached: a bill repeats the same few thousand sets). The
    caller's (IAM principal's) tags keep their ``iamPrincipal/`` prefix and the caller is
    ``iam_principal``; the rest of the CUR 2.0 ``tags`` map repeats ``resource_tags``."""
    found = {key: value for key, value in columns if value not in NULLS}
    found.update({k[len("user_"):]: v for k, v in _map(resource_tags).items()
                  if k.startswith("user_")})
    found.update({f"cost_category:{k}": v for k, v in _map(cost_categories).items()})
    found.update({k: v for k, v in _map(caller_tags).items() if k.startswith("iamPrincipal/")})
    if principal:
        found["iam_principal"] = principal
    return json.dumps(found, sort_keys=True) if found else None


@functools.lru_cache(maxsize=4_096)
def _token_usage(usage_type: str) -> re.Match[str] | None:
    return TOKEN_USAGE.match(usage_type)


@functools.lru_cache(maxsize=65_536)
def _map(text: str | None) -> dict[str, str]:
    """A CUR 2.0 map column: a JSON object in CSV exports, a map in Parquet ones."""
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    if isinstance(parsed, list):  # DuckDB writes a map as [{"key": k, "value": v}, ...]
        parsed = {p.get("key"): p.get("value") for p in parsed if isinstance(p, dict)}
    if not isinstance(parsed, dict):
        return {}
    return {str(k): str(v) for k, v in parsed.items() if v not in (None, *NULLS)}


_AT: Final = {name: i for i, name in enumerate(CHARGE_COLUMN_NAMES)}
#: The numbers a charge is made from (the billed cost's column depends on the file).
_AMOUNTS: Final = ("billed", "savingsplansavingsplaneffectivecost", "reservationeffectivecost",
                   "pricingpubliconDemandcost".lower(), "lineitemusageamount", *SUMS[6:])


class _Described:
    """What a line's text cells say, worked out once per distinct combination (a bill
    repeats a few thousand of them over millions of lines)."""

    def __init__(self, places: dict[str, int], tags: tuple[tuple[int, str], ...],
                 row: tuple[str, ...], use: tuple[bool, bool], notes: Stated | None) -> None:
        """``row`` holds the text cells, ``places`` says where each column (by its key)
        is among them, ``tags`` where each tag column is, with its tag's key."""

        def cell(key: str) -> str | None:
            place = places.get(key)
            text = None if place is None else row[place].strip()
            return None if text is None or text in NULLS else text

        self.kind = _key(cell("lineitemlineitemtype") or "usage")
        code = cell("lineitemproductcode") or ""
        product = _map(cell("product"))  # shared (cached): read, never changed
        usage_type = cell("lineitemusagetype")
        self.currency = cell("lineitemcurrencycode")
        values: dict[str, Any] = {
            "provider_name": "AWS", "publisher_name": cell("billbillingentity") or "AWS",
            "billing_account_id": cell("billpayeraccountid"),
            "sub_account_id": cell("lineitemusageaccountid"),
            "service_category": SERVICE_CATEGORIES.get(code, "Other"),
            "service_name": cell("productproductname") or product.get("product_name") or code
            or None,
            "region_id": cell("productregioncode") or cell("productregion"),
            "availability_zone": cell("lineitemavailabilityzone"),
            "resource_id": cell("lineitemresourceid"), "sku_id": cell("productsku"),
            "x_usage_type": usage_type, "charge_category": CATEGORIES.get(self.kind, "Usage"),
            "billing_currency": self.currency, "consumed_unit": cell("pricingunit"),
            "tags": _tags(tuple((key, row[place].strip()) for place, key in tags),
                          cell("resourcetags"), cell("costcategory"),
                          cell("lineitemiamprincipal"), cell("tags")),
        }
        self.tokens: tuple[str, float] | None = None
        match = _token_usage(usage_type or "") if code == "AmazonBedrock" else None
        if match:
            unit = (values["consumed_unit"] or "").lower()
            scale = 1_000.0 if "1k" in unit or "thousand" in unit else \
                1_000_000.0 if "1m" in unit or "million" in unit else 1.0
            values["x_model"] = match["model"]
            values["x_batch"] = int(bool(match["batch"]))
            self.tokens = (TOKEN_COLUMNS[match["kind"].lower()], scale)
        plan_use, reservation_use = use
        #: Whose unused commitment this line's effective cost is: "plan", "reservation" or
        #: None (an upfront fee's is 0, other lines' their own figures).
        self.unused = "plan" if self.kind == "savingsplanrecurringfee" and plan_use else \
            "reservation" if self.kind == "rifee" and reservation_use else None
        values.update(_focus(self.kind, cell, values["consumed_unit"]))
        if self.unused is not None and values.get("commitment_discount_id"):
            values["commitment_discount_status"] = "Unused"
        self.upfront = self.kind == "savingsplanupfrontfee" or (
            self.kind == "fee" and cell("reservationreservationarn") is not None)
        #: The effective cost: these amounts (places in _AMOUNTS, each None or -0.0 read
        #: as 0.0) added up, or taken away where signed -1; none at all: 0.0.
        self.effective: tuple[tuple[int, int], ...] = (
            ((_PLAN, 1),) if self.kind == "savingsplancoveredusage" else
            ((_RESERVED, 1),) if self.kind == "discountedusage" else
            () if self.kind == "savingsplannegation" or self.upfront else
            ((_TOTAL, 1), (_USED, -1)) if self.unused == "plan" else
            ((_UNUSED_UPFRONT, 1), (_UNUSED_RECURRING, 1)) if self.unused == "reservation"
            else ((0, 1),))
        self.template = [values.get(name) for name in CHARGE_COLUMN_NAMES]
        self.commitment: str | None = values.get("commitment_discount_id")
        # A Bedrock provisioned throughput's hourly model-unit charge: capacity paid for by
        # the hour, used or not. Its line stays plain usage (FOCUS names no commitment
        # discount for it); its terms are kept under the provisioned model's id.
        provisioned = provisioned_throughput(usage_type) if (
            code == "AmazonBedrock" and self.kind == "usage" and self.commitment is None) \
            else None
        self.provisioned = provisioned is not None
        if provisioned is not None:
            assert usage_type is not None
            self.commitment = provisioned_id(values["resource_id"], values["sub_account_id"],
                                             usage_type)
        self.notes = notes if self.commitment is not None else None
        if self.notes is not None and self.commitment is not None:
            self.notes.note(self.commitment, **(
                _terms(self.kind, cell, values) if provisioned is None
                else _provisioned_terms(provisioned, values)))

    def charge(self, day: str, billed: float | None, plan: float | None, reserved: float | None,
               listed: float | None, amount: float | None, total: float | None = None,
               used: float | None = None, unused_upfront: float | None = None,
               unused_recurring: float | None = None,
               amortised_upfront: float | None = None) -> list[Any]:
        """The charge of a line, or of a day's sums: ``plan`` and ``reserved`` are the
        savings plan's and the reservation's effective costs; ``total`` and ``used`` a
        savings plan's commitment to date and the part used, ``unused_upfront`` and
        ``unused_recurring`` a reservation's unused fees for the month (each linear in
        the lines summed, so a row of sums gives the sum of its lines' charges)."""
        billed = billed or 0.0  # a day's sum is never None: every line has a cost
        amounts = (billed, plan, reserved, listed, amount, total, used, unused_upfront,
                   unused_recurring, amortised_upfront)
        effective = 0.0
        for place, sign in self.effective:
            effective += sign * (amounts[place] or 0.0)
        self.noted(day, billed, total, amortised_upfront)
        out = list(self.template)
        out[_DAY], out[_BILLED], out[_EFFECTIVE] = day, billed, effective
        out[_LIST], out[_QUANTITY], out[_PRICING_QUANTITY] = listed, amount, amount
        if self.tokens is not None:
            column, scale = self.tokens
            out[_AT[column]] = round((amount or 0.0) * scale)
        return out

    @property
    def noting(self) -> bool:
        """Whether each charge tells the file's commitments something (:meth:`noted`):
        a savings plan's recurring fee, a reservation's fee, a provisioned throughput's
        hour. (Usage a commitment covers tells nothing more than its first line did.)"""
        return self.notes is not None and self.commitment is not None and (
            self.kind in ("savingsplanrecurringfee", "rifee") or self.provisioned)

    def noted(self, day: str, billed: float, total: float | None,
              amortised_upfront: float | None) -> None:
        """What a charge (its day, billed cost, and the amounts of :meth:`charge` so
        named) tells of its commitment: a day's commitment, or a month's."""
        if self.notes is None or self.commitment is None:
            return
        if self.kind == "savingsplanrecurringfee" and total is not None:
            self.notes.committed(self.commitment, day, total)
        elif self.provisioned:
            self.notes.committed(self.commitment, day, billed)
        elif self.kind == "rifee":
            self.notes.note(self.commitment,
                            monthly_commitment=billed + (amortised_upfront or 0.0))

    @property
    def recipe(self) -> tuple[Any, ...]:
        """What :meth:`figures` depends on: combinations with one recipe share it."""
        return self.effective, self.tokens

    def figures(self, amounts: Sequence[Column | None]) -> dict[int, Column]:
        """:meth:`charge`'s figures for many rows of sums at once: ``amounts`` holds the
        arguments of :meth:`charge` after the day, each a column of them (NaN: None) or
        None for all None. Returns each figure's column by its charge column (NaN: None),
        each value as :meth:`charge` computes it."""
        import numpy as np

        count = len(next(a for a in amounts if a is not None))
        absent = np.full(count, np.nan)
        given = [absent if a is None else a for a in amounts]
        billed = _or_zero(given[0])
        given[0] = billed
        effective = np.zeros(count)
        for place, sign in self.effective:
            effective = effective + _or_zero(given[place]) if sign > 0 else \
                effective - _or_zero(given[place])
        amount = given[_AMOUNT]
        out = {_BILLED: billed, _EFFECTIVE: effective, _LIST: given[_LISTED],
               _QUANTITY: amount, _PRICING_QUANTITY: amount}
        if self.tokens is not None:
            column, scale = self.tokens
            out[_AT[column]] = np.rint(_or_zero(amount) * scale)  # round(): half to even
        return out


def _or_zero(values: Column) -> Column:
    """``value or 0.0`` of each value (NaN standing for None): -0.0 and NaN become 0.0."""
    import numpy as np

    return np.where(np.isnan(values) | (values == 0.0), 0.0, values)


@dataclass(frozen=True)
class _Combination:
    """A combination of text cells with the places of :meth:`_Described.charge`'s amounts
    among a layout's sums (one past them: the file lacks it), as
    :class:`~worthit.sources.bill.Combination` asks."""

    described: _Described
    places: tuple[int, ...]

    @property
    def template(self) -> list[Any]:
        return self.described.template

    @property
    def recipe(self) -> tuple[Any, ...]:
        return self.described.recipe, self.places

    @property
    def noting(self) -> bool:
        return self.described.noting

    def figures(self, sums: Sequence[Column]) -> dict[int, Column]:
        return self.described.figures([sums[p] if p < len(sums) else None
                                       for p in self.places])

    def noted(self, day: str, sums: Sequence[float | None]) -> None:
        amounts = [sums[p] if p < len(sums) else None for p in self.places]
        self.described.noted(day, amounts[0] or 0.0, amounts[_TOTAL], amounts[_AMORTISED])


_DAY, _BILLED, _EFFECTIVE, _LIST, _QUANTITY, _PRICING_QUANTITY = (_AT[name] for name in (
    "charge_period_start", "billed_cost", "effective_cost", "list_cost", "consumed_quantity",
    "pricing_quantity"))
#: Places in _AMOUNTS.
_PLAN, _RESERVED, _LISTED, _AMOUNT, _TOTAL, _USED, _UNUSED_UPFRONT, _UNUSED_RECURRING, \
    _AMORTISED = range(1, len(_AMOUNTS))

#: Line item types of usage a commitment covers.
COVERED: Final = frozenset({"savingsplancoveredusage", "discountedusage"})
#: ChargeFrequency by line item type, as AWS defines the types (CUR data dictionary,
#: line_item_line_item_type: RIFee "the monthly recurring fee", SavingsPlanRecurringFee "the
#: hourly recurring fee", SavingsPlanUpfrontFee "the one-time upfront fee") and as AWS's own
#: FOCUS data writes usage (FOCUS-Sample-Data 1.0: Usage-Based on every usage line).
FREQUENCIES: Final = {
    "usage": "Usage-Based", "discountedusage": "Usage-Based",
    "savingsplancoveredusage": "Usage-Based", "rifee": "Recurring",
    "savingsplanrecurringfee": "Recurring", "savingsplanupfrontfee": "One-Time"}
#: ChargeFrequency of other lines by bill/BillType (focus_converters, conversion_configs/aws/
#: charge_frequency_S001.yaml). Its third rule, Anniversary -> Recurring, is not followed:
#: the monthly bill holds usage too, which FOCUS defines as Usage-Based.
BILL_FREQUENCIES: Final = {"purchase": "One-Time", "refund": "One-Time"}
#: PricingCategory by product/PurchaseOption (focus_converters, pricing_category_S001.yaml),
#: else by pricing/term.
PURCHASE_OPTIONS: Final = {"ondemand": "Standard", "reservedinstances": "Committed",
                           "spotinstances": "Dynamic", "dedicatedhosts": "Standard"}
TERMS: Final = {"ondemand": "Standard", "reserved": "Committed", "spot": "Dynamic"}


def _focus(kind: str, cell: Callable[[str], str | None], unit: str | None) -> dict[str, Any]:
    """The FOCUS columns a line's text cells state (``kind``: its line item type as a key).

    From focus_converters (conversion_configs/aws): invoice_issuer_S001 (bill/InvoicingEntity),
    pricing_unit_S001 (pricing/unit), commitment_discount_id/type/category_S001 (the savings
    plan's ARN, else the reservation's; Spend for a savings plan, Usage for a reservation).
    FOCUS 1.2 asks the rest: a commitment's status only on usage (Used where it covers it;
    the CUR states no unused line), Committed pricing only where a commitment covers the
    usage (buying one is Standard), none on tax."""
    plan, reservation = cell("savingsplansavingsplanarn"), cell("reservationreservationarn")
    values: dict[str, Any] = {
        "billing_account_name": cell("billpayeraccountname"),
        "invoice_issuer_name": cell("billinvoicingentity"), "pricing_unit": unit,
        "charge_frequency": FREQUENCIES.get(kind)
        or BILL_FREQUENCIES.get(_key(cell("billbilltype") or "")),
    }
    if plan or reservation:
        values.update(commitment_discount_id=plan or reservation,
                      commitment_discount_type="Savings Plan" if plan else
                      "Reserved Instances (RI)",
                      commitment_discount_category="Spend" if plan else "Usage",
                      commitment_discount_status="Used" if kind in COVERED else None)
    pricing = PURCHASE_OPTIONS.get(_key(cell("productpurchaseoption") or "")) \
        or TERMS.get(_key(cell("pricingterm") or ""))
    if kind in COVERED:
        pricing = "Committed"
    elif CATEGORIES.get(kind) == "Purchase" and (pricing == "Committed" or plan or reservation):
        pricing = "Standard"
    elif kind == "tax":
        pricing = None
    values["pricing_category"] = pricing
    return values


def _terms(kind: str, cell: Callable[[str], str | None],
           values: dict[str, Any]) -> dict[str, Any]:
    """What a line states about its commitment (savings plan columns on a savings plan's
    lines, reservation and pricing columns on a reservation's): see the CUR data
    dictionary, savingsPlan/* and reservation/*."""
    common = {"provider": "AWS", "kind": kind_of("AWS", values["commitment_discount_type"]),
              "category": values["commitment_discount_category"],
              "currency": values["billing_currency"]}
    if values["commitment_discount_type"] == "Savings Plan":
        return {**common, "offering": cell("savingsplanofferingtype"),
                "instance_family": cell("savingsplaninstancetypefamily"),
                "region": cell("savingsplanregion"), "term": cell("savingsplanpurchaseterm"),
                "start_time": cell("savingsplanstarttime"),
                "end_time": cell("savingsplanendtime"),
                "payment_option": cell("savingsplanpaymentoption"), "billed_every": "hour"}
    own = kind in ("rifee", "discountedusage")  # a reservation's fee and the usage it covers
    return {**common, "offering": cell("pricingofferingclass") if own else None,
            "instance_family": instance_family(values["x_usage_type"]) if own else None,
            "region": values["region_id"] if own else None,
            "term": cell("pricingleasecontractlength"),
            "start_time": cell("reservationstarttime"), "end_time": cell("reservationendtime"),
            "payment_option": cell("pricingpurchaseoption"), "billed_every": "month"}


def _provisioned_terms(provisioned: tuple[str, str | None],
                       values: dict[str, Any]) -> dict[str, Any]:
    """What a provisioned throughput's line states: the model and the commitment its usage
    type names, the region and currency; billed by the model-unit hour."""
    model, term = provisioned
    return {"provider": "AWS", "kind": PROVISIONED_THROUGHPUT, "category": "Usage",
            "offering": f"Bedrock provisioned throughput ({model})",
            "region": values["region_id"], "term": term or "no commitment",
            "billed_every": "hour", "currency": values["billing_currency"]}


def _row(row: list[str], at: dict[str, int], header: list[str], billed_key: str,
         describe: Callable[[tuple[str, ...]], _Described], text_at: tuple[int, ...],
         found: BillFile, file: str, line: int | None) -> list[Any]:
    def number(key: str, required: bool = False) -> float | None:
        index = at.get(key)
        text = None if index is None else row[index].strip()
        if text is None or text in NULLS:
            if required:
                raise BadInput("a cost is required", file=file, line=line,
                               column=header[at[key]])
            return None
        # A row of sums (no line) may add up past what one line may hold.
        limit = math.inf if line is None else \
            LARGEST_QUANTITY if key == "lineitemusageamount" else LARGEST_COST
        return amount(text, "number", limit=limit, file=file, line=line,
                      column=header[at[key]])

    billed = number(billed_key, required=True)
    assert billed is not None
    described = describe(tuple(row[i] for i in text_at))
    found.check_currency(described.currency, file, line, header[at["lineitemcurrencycode"]])
    stamp = row[at["lineitemusagestartdate"]].strip()
    day = check_day(utc_day(stamp), stamp, "a date and time", last=found.latest, file=file,
                    line=line, column=header[at["lineitemusagestartdate"]])
    out = described.charge(day.isoformat(), billed,
                           *(number(key) for key in _AMOUNTS[1:]))
    found.count(day, billed, out[_EFFECTIVE])
    return out

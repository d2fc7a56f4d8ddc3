"""Google Cloud billing export rows (the BigQuery export schema), as CSV with dotted
column names (``service.description``) or as newline-delimited JSON with nested records.

Billed cost is ``cost``; effective cost adds the ``credits`` (negative amounts: committed
use and sustained use discounts, promotions). Rows are dated by the UTC day of
``usage_start_time``. Labels become tags. Lists of records may be written as JSON or, by
Python-based exporters, as Python literals; both are read. A row's bill is its
``billing_account_id``'s for its ``invoice.month`` (the calendar month of its day without
one). The pricing unit and quantity are ``usage.pricing_unit`` and
``usage.amount_in_pricing_units``; a committed use discount's credit names the commitment
that covers the row (:func:`_commitment`)."""

from __future__ import annotations

import ast
import csv
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from worthit.core.errors import BadInput
from worthit.core.focus import AI_CATEGORY, CHARGE_COLUMN_NAMES
from worthit.sources.bill import (
    NULLS,
    BillFile,
    Progress,
    TextFile,
    check_unique,
    combined,
    never,
)
from worthit.sources.bills import Bill, Bills, cell, invoice_month
from worthit.sources.cells import LARGEST_COST, LARGEST_QUANTITY, amount, check_day, utc_day

SERVICE_CATEGORIES: Final = {
    "Compute Engine": "Compute", "Cloud Storage": "Storage", "BigQuery": "Analytics",
    "Vertex AI": AI_CATEGORY, "Gemini API": AI_CATEGORY, "Cloud SQL": "Databases",
    "Networking": "Networking", "Kubernetes Engine": "Compute",
}
REQUIRED: Final = ("cost", "currency", "usage_start_time")
#: Credit types of committed use discounts (Cloud Billing export schema, ``credits.type``)
#: and the FOCUS category of each: a resource-based commitment is to usage, a spend-based
#: one ("dollar base") to spend.
COMMITMENTS: Final = {"COMMITTED_USAGE_DISCOUNT": "Usage",
                      "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE": "Spend"}


def is_gcp(first_line: str) -> bool:
    text = first_line.strip()
    if text.startswith("{"):
        return '"usage_start_time"' in text and '"cost"' in text
    try:
        names = set(next(csv.reader([text])))
    except csv.Error:  # not one line of CSV (a carriage return within it, say)
        return False
    return {"cost", "usage_start_time", "service.description"} <= names


def _records(text: TextFile, file: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, flat record) for each row, CSV or newline-delimited JSON, as they are read."""
    source = text.lines()
    first = next(source, None)
    if first is None:
        raise BadInput("the file is empty", file=file)
    if first.lstrip().startswith("{"):
        for number, line in enumerate(itertools.chain([first], source), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise BadInput(f"not a JSON record ({error})", file=file,
                               line=number) from error
            if not isinstance(record, dict):
                raise BadInput(f"not a JSON record (a {type(record).__name__}, not an "
                               "object)", file=file, line=number)
            yield number, _flatten(record)
        return
    reader = csv.reader(itertools.chain([first], source))
    try:
        header = next(reader)
    except csv.Error as error:
        raise BadInput(f"malformed CSV: {error}", file=file, line=1) from error
    check_unique([h.strip() for h in header], file, reader.line_num)
    try:
        for row in reader:
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise BadInput(f"expected {len(header)} fields, found {len(row)}",
                               file=file, line=reader.line_num)
            yield reader.line_num, dict(zip(header, row, strict=True))
    except csv.Error as error:
        raise BadInput(f"malformed CSV: {error}", file=file, line=reader.line_num) from error


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _list(value: Any) -> list[Any]:
    """A repeated field: a list already, or JSON, or a Python literal of one."""
    if isinstance(value, list):
        return value
    if value is None or (isinstance(value, str) and value.strip() in ("", *NULLS)):
        return []
    text = str(value)
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(text)
        except (ValueError, SyntaxError):
            continue
        if isinstance(parsed, list):
            return parsed
    raise ValueError(text)


def _written(value: Any) -> str:
    """A number as the file wrote it: JSON's numbers arrive parsed (``Infinity`` and
    ``NaN`` too), a CSV's as text; ``true`` is no number, though ``float`` takes it."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return repr(value)
    return str(value).strip()


def read_gcp(path: Path, found: BillFile, *, cancelled: Callable[[], bool] = never,
             progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of a GCP billing export, checked as they are read."""
    text = TextFile(path)
    return combined(_charges(text, found), text.fraction, cancelled=cancelled,
                    progress=progress)


def _bill(cells: tuple[str, ...], month: str) -> Bill | None:
    account = cell(cells[0])
    return None if account is None else \
        Bill("Google Cloud", account, None, *invoice_month(cells[1], month))


def _charges(text: TextFile, found: BillFile) -> Iterator[list[Any]]:
    file = str(text.path)
    bills = Bills(_bill, found.bills)
    for line, record in _records(text, file):
        missing = [c for c in REQUIRED if c not in record]
        if missing:
            raise BadInput(f"not a GCP billing export row: no {', '.join(missing)}",
                           file=file, line=line)
        found.rows_read += 1
        charge = _row(record, found, file, line)
        bills.add(tuple("" if record.get(k) is None else str(record[k]).strip()
                        for k in ("billing_account_id", "invoice.month")), charge[1][:7])
        yield charge
    if found.rows_read == 0:
        raise BadInput("the file has no billing rows", file=file, line=2)


def _row(record: dict[str, Any], found: BillFile, file: str, line: int) -> list[Any]:
    def text(name: str) -> str | None:
        value = record.get(name)
        if value is None:
            return None
        value = str(value).strip()
        return None if value in NULLS else value

    if record["cost"] is None or str(record["cost"]).strip() in NULLS:
        raise BadInput("a cost is required", file=file, line=line, column="cost")
    cost = amount(_written(record["cost"]), "cost", limit=LARGEST_COST, file=file, line=line,
                  column="cost")
    try:
        given = _list(record.get("credits"))
        credits = sum(amount(_written(c.get("amount", 0.0)), "cost", limit=LARGEST_COST,
                             file=file, line=line, column="credits") for c in given)
    except (ValueError, TypeError, AttributeError):
        raise BadInput("credits are not a list of {name, amount}", file=file, line=line,
                       column="credits") from None
    currency = text("currency")
    found.check_currency(currency, file, line, "currency")
    stamp = text("usage_start_time") or ""
    day = check_day(utc_day(stamp), stamp, "a date and time", last=found.latest, file=file,
                    line=line, column="usage_start_time")
    effective = cost + credits
    found.count(day, cost, effective)
    try:
        labels = {str(x["key"]): str(x["value"]) for x in _list(record.get("labels"))}
    except (ValueError, TypeError, KeyError):
        raise BadInput("labels are not a list of {key, value}", file=file, line=line,
                       column="labels") from None
    service = text("service.description")
    used = record.get("usage.amount")
    quantity = 0.0 if used is None or str(used).strip() in NULLS else amount(
        _written(used), "number", limit=LARGEST_QUANTITY, file=file, line=line,
        column="usage.amount")
    priced = record.get("usage.amount_in_pricing_units")
    pricing_quantity = None if priced is None or str(priced).strip() in NULLS else amount(
        _written(priced), "number", limit=LARGEST_QUANTITY, file=file, line=line,
        column="usage.amount_in_pricing_units")
    values: dict[str, Any] = {
        "charge_period_start": day.isoformat(), "provider_name": "Google Cloud",
        "publisher_name": "Google Cloud", "billing_account_id": text("billing_account_id"),
        "sub_account_id": text("project.id"), "sub_account_name": text("project.name"),
        "service_category": SERVICE_CATEGORIES.get(service or "", "Other"),
        "service_name": service, "region_id": text("location.region"),
        "availability_zone": text("location.zone"),
        "resource_id": text("resource.global_name") or text("resource.name"),
        "sku_id": text("sku.id"), "x_usage_type": text("sku.description"),
        "charge_category": "Tax" if text("cost_type") == "tax" else
        "Adjustment" if text("cost_type") == "adjustment" else "Usage",
        "billed_cost": cost, "effective_cost": effective, "billing_currency": currency,
        "consumed_quantity": quantity, "consumed_unit": text("usage.unit"),
        "tags": json.dumps(labels, sort_keys=True) if labels else None,
        # focus_converters (conversion_configs/gcp/1_pricing_unit_S001.yaml,
        # 1_pricing_quantity_S001.yaml).
        "pricing_unit": text("usage.pricing_unit"), "pricing_quantity": pricing_quantity,
    }
    if values["charge_category"] == "Usage":
        values.update(_commitment(given))
    return [values.get(name) for name in CHARGE_COLUMN_NAMES]


def _commitment(credits: list[Any]) -> dict[str, Any]:
    """The commitment a usage row's committed use discount credits name, when they name
    one (by ``credits.id``, as the export states it) and of one kind: its id, name
    (``full_name``, else ``name``) and type (the credit type as written), the FOCUS
    category of that type, status Used and Committed pricing. focus_converters maps no
    commitment for GCP; a row whose credits name none, or several, gets none."""
    cuds = [c for c in credits if isinstance(c, dict) and isinstance(c.get("type"), str)
            and c["type"] in COMMITMENTS]
    found = {(str(c.get("id") or "").strip(), c["type"]) for c in cuds}
    if len(found) != 1:
        return {}
    ((commitment, kind),) = found
    if not commitment or commitment in NULLS:
        return {}
    credit = cuds[0]
    name = str(credit.get("full_name") or credit.get("name") or "").strip()
    return {"commitment_discount_id": commitment,
            "commitment_discount_name": name if name and name not in NULLS else None,
            "commitment_discount_type": kind, "commitment_discount_category": COMMITMENTS[kind],
            "commitment_discount_status": "Used", "pricing_category": "Committed"}

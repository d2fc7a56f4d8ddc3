"""AWS Cost and Usage Report through Athena: the daily aggregation runs where the report
lives, and only its result (one row per day and distinct combination of what the cache
keeps) comes down, for reports far too large to download.

The query is built once (:func:`query`) from a fixed list of the report's columns, those the
CUR 2.0 (or FOCUS) mapper reads: grouped by the day and the text columns, summing the cost
and usage columns, for the window's days (and its billing period partitions, so Athena
scans only them). It is plain enough to run unchanged in DuckDB (the tests do, on a local
Parquet copy), and its result columns are named as the report's, so the importer's own
layout and mapper turn its rows into charges. Map columns (tags, cost categories) come back
as JSON; of the ``product`` map only the product name.

A run: Glue ``GetTable`` (which of the columns the table has), ``StartQueryExecution`` in the
workgroup, ``GetQueryExecution`` polled with backoff until it ends, then the result CSV read
from S3 in one request. A cancel stops the query in Athena too."""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import re
from collections.abc import Callable, Collection, Iterator
from typing import Any, Final

from worthit.core.errors import BadInput, Cancelled, UserError
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.plural import plural
from worthit.sources.aws import SECRET, SETTINGS, Api, needs_keys, pause
from worthit.sources.bill import BillFile, Progress, never
from worthit.sources.connectors import Connector, Setting, register

TITLE: Final = "Athena"
FORMATS: Final = ("cur2", "focus")
#: The day each line item is dated by, in each format.
DAY: Final = {"cur2": "line_item_usage_start_date", "focus": "chargeperiodstart"}
#: The text columns the mapper reads (grouped by), as Glue names them (lower case).
TEXT: Final = {
    "cur2": ("line_item_line_item_type", "line_item_product_code", "line_item_usage_type",
             "bill_billing_entity", "bill_payer_account_id", "line_item_usage_account_id",
             "product_product_name", "product_region_code", "product_region",
             "line_item_availability_zone", "line_item_resource_id", "product_sku",
             "line_item_currency_code", "pricing_unit",
             # The FOCUS columns the CUR mapper reads (aws_cur.TEXT).
             "bill_payer_account_name", "bill_invoicing_entity", "bill_bill_type",
             "pricing_term", "product_purchase_option", "savings_plan_savings_plan_a_r_n",
             "reservation_reservation_a_r_n",
             # A commitment's terms (aws_cur._terms): constant over the commitment.
             "savings_plan_start_time", "savings_plan_end_time", "savings_plan_offering_type",
             "savings_plan_payment_option", "savings_plan_purchase_term",
             "savings_plan_region", "savings_plan_instance_type_family",
             "reservation_start_time", "reservation_end_time",
             "reservation_number_of_reservations", "pricing_lease_contract_length",
             "pricing_purchase_option", "pricing_offering_class",
             # Who made the call, with IAM principal data (its tags are in the tags map).
             "line_item_iam_principal"),
    "focus": ("serviceprovidername", "providername", "hostprovidername", "publishername",
              "billingaccountid", "subaccountid", "subaccountname", "servicecategory",
              "servicename", "regionid", "availabilityzone", "resourceid", "resourcetype",
              "skuid", "chargecategory", "chargeclass", "billingcurrency", "consumedunit",
              "billingaccountname", "chargefrequency", "invoiceissuername", "invoiceissuer",
              "pricingcategory", "pricingunit", "commitmentdiscountid",
              "commitmentdiscountname", "commitmentdiscounttype", "commitmentdiscountcategory",
              "commitmentdiscountstatus", "commitmentdiscountunit"),
}
#: Map columns, returned as JSON objects.
MAPS: Final = {"cur2": ("resource_tags", "cost_category", "tags"), "focus": ("tags",)}
#: The cost and usage columns the mapper sums.
SUMS: Final = {
    "cur2": ("line_item_net_unblended_cost", "line_item_unblended_cost",
             "savings_plan_savings_plan_effective_cost", "reservation_effective_cost",
             "pricing_public_on_demand_cost", "line_item_usage_amount",
             # What a commitment's fee lines say of its use: without them a fee's amortised
             # cost would be its billed cost, the used commitment counted twice.
             "savings_plan_total_commitment_to_date", "savings_plan_used_commitment",
             "reservation_unused_amortized_upfront_fee_for_billing_period",
             "reservation_unused_recurring_fee",
             "reservation_amortized_upfront_fee_for_billing_period"),
    "focus": ("billedcost", "effectivecost", "listcost", "consumedquantity", "contractedcost",
              "pricingquantity", "commitmentdiscountquantity"),
}
#: Columns a table must have to be read at all.
NEEDED: Final = {
    "cur2": ("line_item_usage_start_date", "line_item_unblended_cost",
             "line_item_currency_code"),
    "focus": ("chargeperiodstart", "billedcost", "effectivecost", "billingcurrency"),
}
#: The FOCUS importer's spelling of each column (Athena answers in lower case).
FOCUS_NAMES: Final = {n.lower(): n for n in (
    "ChargePeriodStart", "BilledCost", "EffectiveCost", "ListCost", "ConsumedQuantity",
    "ServiceProviderName", "ProviderName", "HostProviderName", "PublisherName",
    "BillingAccountId", "SubAccountId", "SubAccountName", "ServiceCategory", "ServiceName",
    "RegionId", "AvailabilityZone", "ResourceId", "ResourceType", "SkuId", "ChargeCategory",
    "ChargeClass", "BillingCurrency", "ConsumedUnit", "Tags", "BillingAccountName",
    "ChargeFrequency", "InvoiceIssuerName", "InvoiceIssuer", "PricingCategory", "PricingUnit",
    "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountType",
    "CommitmentDiscountCategory", "CommitmentDiscountStatus", "CommitmentDiscountUnit",
    "ContractedCost", "PricingQuantity", "CommitmentDiscountQuantity")}
#: The line items each result row stands for.
LINES: Final = "x_line_items"
NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,254}")
#: Seconds before the first status poll, doubled up to MAX_POLL; a query running longer
#: than QUERY_TIMEOUT is stopped.
POLL = 0.5
MAX_POLL = 10.0
QUERY_TIMEOUT = 30 * 60.0
TERMINAL: Final = ("SUCCEEDED", "FAILED", "CANCELLED")


def query(fmt: str, columns: Collection[str], table: str,
          partitions: Collection[str] = ()) -> str:
    """The aggregate query over ``table`` (a quoted reference) for the columns it has: a
    ``?`` each for the first day, the day after the last and, when the table is partitioned
    by ``billing_period``, the first and last month (see :func:`parameters`). Identifiers
    come only from the fixed lists above."""
    have = {c.lower() for c in columns}
    missing = [c for c in NEEDED[fmt] if c not in have]
    if missing:
        raise UserError(f"the table {table} has no {' or '.join(missing)} column: is it a "
                        f"{'CUR 2.0' if fmt == 'cur2' else 'FOCUS'} table? (check the "
                        "table and table_format settings)")
    day = DAY[fmt]
    text = [c for c in TEXT[fmt] if c in have]
    maps = [c for c in MAPS[fmt] if c in have]
    sums = [c for c in SUMS[fmt] if c in have]
    picked = [f"CAST({day} AS DATE) AS {day}", *text,
              *(f"CAST({c} AS JSON) AS {c}" for c in maps)]
    grouped = [f"CAST({day} AS DATE)", *text, *maps]
    if fmt == "cur2" and "product" in have and "product_product_name" not in have:
        # The product map: only its name, guarded (Athena's map[key] fails on a missing key).
        picked.append("CASE WHEN contains(map_keys(product), 'product_name') "
                      "THEN product['product_name'] END AS product_product_name")
        grouped.append("product")
    picked += [f"SUM({c}) AS {c}" for c in sums]
    picked.append(f"COUNT(*) AS {LINES}")
    where = [f"{day} >= CAST(? AS TIMESTAMP)", f"{day} < CAST(? AS TIMESTAMP)"]
    if "billing_period" in {p.lower() for p in partitions}:
        where.append("billing_period BETWEEN ? AND ?")
    listed, joined = ",\n    ", "\n  AND "
    return (f"SELECT {listed.join(picked)}\nFROM {table}\nWHERE {joined.join(where)}\n"
            f"GROUP BY {listed.join(grouped)}")


def parameters(start: dt.date, end: dt.date,
               partitions: Collection[str] = ()) -> list[str]:
    """The values for :func:`query`'s ``?``, in order, as plain text."""
    values = [f"{start.isoformat()} 00:00:00",
              f"{(end + dt.timedelta(days=1)).isoformat()} 00:00:00"]
    if "billing_period" in {p.lower() for p in partitions}:
        values += [start.strftime("%Y-%m"), end.strftime("%Y-%m")]
    return values


def header_of(fmt: str, header: list[str]) -> list[str]:
    """The result's column names as the importer spells them."""
    if fmt == "focus":
        return [FOCUS_NAMES.get(h.lower(), h) for h in header]
    return header


def charges(fmt: str, header: list[str], rows: Iterator[tuple[int, list[str]]],
            found: BillFile, file: str, start: dt.date,
            end: dt.date) -> Iterator[list[Any]]:
    """Result rows (line, cells as text) as charges, through the importer's own layout and
    mapper; each counted into ``found``."""
    if fmt == "focus":
        from worthit.sources.focus import layout
    else:
        from worthit.sources.aws_cur import layout
    header = header_of(fmt, header)
    lines_at = header.index(LINES) if LINES in header else None
    read = layout(header, file)
    day_at = CHARGE_COLUMN_NAMES.index("charge_period_start")
    for line, cells in rows:
        if len(cells) != len(header):
            raise BadInput(f"expected {len(header)} fields, found {len(cells)}", file=file,
                           line=line)
        charge = read.map(cells, found, line)
        if not start.isoformat() <= charge[day_at] <= end.isoformat():
            raise BadInput(f"holds charges for {charge[day_at]}, outside the days asked for "
                           f"({start} to {end})", file=file, line=line)
        found.rows_read += int(float(cells[lines_at] or 0)) if lines_at is not None else 1
        yield charge


class Athena:
    """One source's table, workgroup and output, through :class:`Api` clients."""

    def __init__(self, settings: dict[str, Any], secret: str | None, found: BillFile | None,
                 cancelled: Callable[[], bool]) -> None:
        self.database = _name(settings, "database", "the Glue database of the report's table")
        self.table = _name(settings, "table", "the report's table")
        self.workgroup = str(settings.get("workgroup") or "").strip() or "primary"
        self.output = str(settings.get("output_location") or "").strip()
        if self.output and not re.fullmatch(r"s3://[a-z0-9][a-z0-9.\-_]{1,254}(/.*)?",
                                            self.output):
            raise UserError(f"the output_location setting {self.output[:80]!r} is not an S3 "
                            "address like s3://my-athena-results/worthit/")
        self.format = str(settings.get("table_format") or "cur2").strip().lower()
        if self.format not in FORMATS:
            raise UserError(f"the table_format setting {self.format!r} is not one of "
                            f"{', '.join(FORMATS)}")
        self.settings, self.secret, self.found = settings, secret, found
        self.cancelled = cancelled
        self.athena = Api("athena", TITLE, settings, secret, found, cancelled)
        self.ref = f'"{self.database}"."{self.table}"'

    def api(self, service: str, title: str) -> Api:
        return Api(service, title, self.settings, self.secret, self.found, self.cancelled)

    def columns(self) -> tuple[list[str], list[str]]:
        """The table's columns and partition keys (Glue ``GetTable``)."""
        answer = self.api("glue", "Glue").call("get_table", "glue:GetTable",
                                               DatabaseName=self.database, Name=self.table)
        table = answer.get("Table") or {}
        columns = [str(c.get("Name", "")).lower()
                   for c in (table.get("StorageDescriptor") or {}).get("Columns") or []]
        partitions = [str(c.get("Name", "")).lower() for c in table.get("PartitionKeys") or []]
        return columns + partitions, partitions

    def run(self, sql: str, values: list[str]) -> dict[str, Any]:
        """Start ``sql`` and wait for it to end: its execution once SUCCEEDED."""
        params: dict[str, Any] = {
            "QueryString": sql, "WorkGroup": self.workgroup,
            "QueryExecutionContext": {"Database": self.database}}
        if values:  # string literals, quoted as Athena wants them; values are ours
            params["ExecutionParameters"] = [f"'{v}'" for v in values]
        if self.output:
            params["ResultConfiguration"] = {"OutputLocation": self.output}
        started = self.athena.call("start_query_execution", "athena:StartQueryExecution",
                                   **params)
        qid = str(started["QueryExecutionId"])
        state = "QUEUED"
        try:
            wait, waited = POLL, 0.0
            while True:
                pause(wait, self.cancelled)
                waited += wait
                execution = self.athena.call(
                    "get_query_execution", "athena:GetQueryExecution",
                    QueryExecutionId=qid)["QueryExecution"]
                status = execution.get("Status") or {}
                state = str(status.get("State") or "")
                if state == "SUCCEEDED":
                    return dict(execution)
                if state in ("FAILED", "CANCELLED"):
                    raise BadInput(_failed(state, status, self.athena),
                                   file=f"AWS Athena query {qid}")
                if waited >= QUERY_TIMEOUT:
                    self.stop(qid)
                    state = "CANCELLED"
                    raise BadInput(f"did not finish within {QUERY_TIMEOUT / 60:.0f} minutes, "
                                   "so it was stopped; sync fewer days at a time",
                                   file=f"AWS Athena query {qid}")
                wait = min(MAX_POLL, wait * 2)
        except Cancelled:
            if state not in TERMINAL:
                self.stop(qid)
            raise

    def stop(self, qid: str) -> None:
        """Stop the query (best effort: the sync is ending either way)."""
        self.athena.cancelled = never  # a cancelled sync still sends this one request
        with contextlib.suppress(UserError):
            self.athena.call("stop_query_execution", "athena:StopQueryExecution",
                             QueryExecutionId=qid)

    def result(self, execution: dict[str, Any]) -> tuple[str, Iterator[tuple[int, list[str]]],
                                                         list[str]]:
        """The result CSV (its S3 address, its rows with their lines, its header)."""
        import botocore.exceptions

        url = str((execution.get("ResultConfiguration") or {}).get("OutputLocation") or "")
        match = re.fullmatch(r"s3://([^/]+)/(.+)", url)
        if match is None:
            raise BadInput(f"the query's result has no S3 address ({url!r}): set the "
                           "output_location setting or the workgroup's", file="AWS Athena")
        s3 = self.api("s3", "S3")
        try:
            body = s3.call("get_object", "s3:GetObject", Bucket=match[1], Key=match[2])["Body"]
        except BadInput as error:
            raise BadInput(str(error), file=url) from None
        try:
            text = codecs.getreader("utf-8")(body)
            reader = csv.reader(text, strict=True)
            rows = [(reader.line_num, row) for row in reader]
        except (botocore.exceptions.BotoCoreError, OSError, UnicodeDecodeError,
                csv.Error) as error:
            raise BadInput(f"could not be read ({type(error).__name__}: "
                           f"{s3.clean(str(error))})", file=url) from None
        finally:
            body.close()
        if not rows:
            raise BadInput("is empty: it has no header row", file=url)
        header = [h.strip() for h in rows[0][1]]
        return url, iter(rows[1:]), header


def _name(settings: dict[str, Any], key: str, what: str) -> str:
    value = str(settings.get(key) or "").strip()
    if not NAME.fullmatch(value):
        raise UserError(f"the {key} setting {value[:80]!r} is not a Glue name (letters, "
                        f"digits, _ and -): set it to {what}")
    return value


def _failed(state: str, status: dict[str, Any], api: Api) -> str:
    """Plain words for a query Athena failed or someone cancelled."""
    error = status.get("AthenaError") or {}
    reason = api.clean(str(status.get("StateChangeReason") or error.get("ErrorMessage") or
                           "no reason given"))
    if state == "CANCELLED":
        return f"was cancelled in Athena ({reason}); sync again"
    lowered = reason.lower()
    hint = ""
    if "glue:" in lowered or "lake formation" in lowered:
        hint = ("; the identity needs glue:GetTable and glue:GetPartitions on the report's "
                "database and table")
    elif "access denied" in lowered or "not authorized" in lowered or "403" in lowered:
        hint = ("; the identity needs s3:GetObject on the report's bucket and s3:PutObject "
                "and s3:GetObject on the query output location")
    elif "table_not_found" in lowered or "does not exist" in lowered:
        hint = "; check the database and table settings"
    elif "column_not_found" in lowered or "cannot be resolved" in lowered:
        hint = "; check the table_format setting (cur2 or focus)"
    return f"failed in Athena ({reason}){hint}"


def pull(settings: dict[str, Any], secret: str | None, start: dt.date, end: dt.date,
         found: BillFile, *, cancelled: Callable[[], bool] = never,
         progress: Progress | None = None) -> Iterator[list[Any]]:
    """The window's charges, aggregated by Athena."""
    athena = Athena(settings, secret, found, cancelled)
    columns, partitions = athena.columns()
    sql = query(athena.format, columns, athena.ref, partitions)
    execution = athena.run(sql, parameters(start, end, partitions))
    if progress is not None:
        progress(0.8)
    url, rows, header = athena.result(execution)
    yield from charges(athena.format, header, rows, found, url, start, end)
    if progress is not None:
        progress(1.0)


def test(settings: dict[str, Any], secret: str | None) -> str:
    """Glue GetTable, then a count of yesterday's line items through the workgroup, read
    back from S3: proves glue:GetTable, athena:StartQueryExecution and s3:GetObject."""
    athena = Athena(settings, secret, None, never)
    columns, partitions = athena.columns()
    query(athena.format, columns, athena.ref, partitions)  # the columns it needs are there
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    where = f"{DAY[athena.format]} >= CAST(? AS TIMESTAMP) AND " \
        f"{DAY[athena.format]} < CAST(? AS TIMESTAMP)"
    if "billing_period" in partitions:
        where += " AND billing_period BETWEEN ? AND ?"
    execution = athena.run(f"SELECT COUNT(*) AS {LINES} FROM {athena.ref} WHERE {where}",
                           parameters(day, day, partitions))
    url, rows, _header = athena.result(execution)
    counted = next(rows, (0, ["?"]))[1]
    kind = "CUR 2.0" if athena.format == "cur2" else "FOCUS"
    return (f"Connected to {athena.database}.{athena.table} ({kind}, {len(columns)} columns) "
            f"in workgroup {athena.workgroup}: "
            f"{plural(counted[0], 'line item') if counted else '? line items'} "
            f"on {day}; results in {url.rsplit('/', 1)[0]}/.")


CONNECTOR: Final = register(Connector(
    kind="aws-athena",
    title="AWS CUR via Athena (no download)",
    pull=pull,
    test=test,
    secret=SECRET,
    needs_secret=needs_keys,
    settings=(
        Setting("database", "the Glue database holding the report's table"),
        Setting("table", "the report's table (CUR 2.0 or FOCUS, from AWS Data Exports)"),
        Setting("workgroup", "the Athena workgroup to run the query in", "primary"),
        Setting("output_location", "where Athena writes results (s3://bucket/prefix/); "
                                   "empty to use the workgroup's"),
        Setting("table_format", "cur2 (CUR 2.0) or focus (FOCUS 1.x)", "cur2"),
        *SETTINGS,
    ),
))

__all__ = ["CONNECTOR", "charges", "parameters", "pull", "query", "test"]

"""The Athena pushdown connector: its SQL run unchanged in DuckDB on a local Parquet copy of a
CUR 2.0 table (the result, through the CUR mapper, equals importing the file), and the
whole sync against moto's Athena, Glue and S3 on loopback, with the result Athena would
give injected through moto's API (``/moto-api/static/athena/query-results``)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests
from tests.sources import aws_server
from tests.sources.aws_server import Moto, add_source, last_run, snapshot, sync_one

from worthit.cli import CONNECTOR_KINDS
from worthit.core.errors import UserError
from worthit.core.focus import CHARGE_COLUMN_NAMES, KEY_COLUMNS
from worthit.sources import aws_athena
from worthit.sources.aws_cur import read_cur
from worthit.sources.bill import BillFile
from worthit.sources.connectors import connectors
from worthit.store.cache import Cache
from worthit.sync import test_source as probe

moto = aws_server.moto
moto_server = aws_server.moto_server
keyring_file = aws_server.keyring_file
workspace = aws_server.workspace
cache = aws_server.cache

NAME = "cur-athena"
DATABASE, TABLE = "cur", "data"
RESULTS = "athena-results"
START, END = dt.date(2025, 3, 1), dt.date(2025, 3, 4)
MAPS = pa.map_(pa.string(), pa.string())
SAVINGS_PLAN = "arn:aws:savingsplans::999999999999:savingsplan/0e6f2f4c-0000-4000-8000-01"
RESERVATION = "arn:aws:ec2:us-east-1:999999999999:reserved-instances/7d1e9a2b-0000-4000-02"
#: (line item type, product code, usage type, pricing unit, product name)
KINDS = (
    ("Usage", "AmazonEC2", "USE1-BoxUsage:g4dn.xlarge", "Hrs", "Amazon Elastic Compute Cloud"),
    ("Usage", "AmazonBedrock", "USE1-NovaMicro-input-tokens", "1K tokens", "Amazon Bedrock"),
    ("Usage", "AmazonBedrock", "USE1-NovaMicro-output-tokens-batch", "1K tokens",
     "Amazon Bedrock"),
    ("Usage", "AmazonSageMaker", "USE1-Host:ml.g4dn.xlarge", "Hrs", "Amazon SageMaker"),
    ("SavingsPlanCoveredUsage", "AmazonEC2", "USE1-BoxUsage:m6i.large", "Hrs",
     "Amazon Elastic Compute Cloud"),
    ("DiscountedUsage", "AmazonEC2", "USE1-BoxUsage:r6i.large", "Hrs",
     "Amazon Elastic Compute Cloud"),
    ("Tax", "AmazonEC2", "", "", None),
    ("Credit", "AmazonS3", "", "", "Amazon Simple Storage Service"),
)


def cur2(path: Path, count: int = 2000, seed: int = 8) -> Path:
    """A CUR 2.0 table as Data Exports writes it to Parquet: hourly lines from 27 February to
    5 March (so some fall outside the window), MAP columns for product, tags and cost
    categories, the billing period partition as a column."""
    rng = random.Random(seed)
    rows: dict[str, list[Any]] = defaultdict(list)
    first = dt.datetime(2025, 2, 27)
    for i in range(count):
        kind, code, usage, unit, product = KINDS[i % len(KINDS)]
        start = first + dt.timedelta(hours=rng.randrange(7 * 24))
        cost = round(-rng.uniform(0, 1) if kind == "Credit" else rng.uniform(0, 3), 7)
        team = ("search", "ads", None)[i % 3]
        for name, value in (
            ("bill_billing_entity", "AWS"), ("bill_payer_account_id", "999999999999"),
            ("bill_payer_account_name", "Example Corp"),
            ("bill_invoicing_entity", "Amazon Web Services, Inc."),
            ("bill_bill_type", "Anniversary"),
            ("pricing_term", "Reserved" if kind == "DiscountedUsage" else
             "OnDemand" if kind == "Usage" else None),
            ("savings_plan_savings_plan_a_r_n",
             SAVINGS_PLAN if kind == "SavingsPlanCoveredUsage" else None),
            ("reservation_reservation_a_r_n",
             RESERVATION if kind == "DiscountedUsage" else None),
            ("line_item_usage_account_id", f"11111111111{i % 2}"),
            ("line_item_line_item_type", kind), ("line_item_usage_start_date", start),
            ("line_item_product_code", code), ("line_item_usage_type", usage or None),
            ("line_item_usage_amount", rng.randint(1, 4000) / 1000 if unit == "1K tokens"
             else float(rng.randint(1, 3))),
            ("line_item_currency_code", "USD"), ("line_item_unblended_cost", cost),
            ("line_item_net_unblended_cost", round(cost * 0.97, 7)),
            ("line_item_resource_id", f"i-0{i % 4}" if code == "AmazonEC2" else None),
            ("line_item_availability_zone", "us-east-1a" if code == "AmazonEC2" else None),
            ("product_sku", f"SKU{i % 5}"), ("product_region_code", "us-east-1"),
            ("pricing_unit", unit or None),
            ("pricing_public_on_demand_cost", round(cost * 1.2, 7) if kind != "Tax" else None),
            ("savings_plan_savings_plan_effective_cost",
             round(cost * 0.7, 7) if kind == "SavingsPlanCoveredUsage" else None),
            ("reservation_effective_cost",
             round(cost * 0.6, 7) if kind == "DiscountedUsage" else None),
            ("product", [("product_name", product), ("servicecode", code)] if product
             else [("servicecode", code)]),
            ("resource_tags", [("user_team", team)] if team else []),
            ("cost_category", [("project", "ml")] if i % 2 else None),
            ("billing_period", start.strftime("%Y-%m")),
        ):
            rows[name].append(value)
    types = {"line_item_usage_start_date": pa.timestamp("ms"), "product": MAPS,
             "resource_tags": MAPS, "cost_category": MAPS}
    pq.write_table(pa.table({k: pa.array(v, types.get(k)) for k, v in rows.items()}), path)
    return path


def in_duckdb(path: Path, start: dt.date = START, end: dt.date = END,
              partitions: tuple[str, ...] = ("billing_period",), fmt: str = "cur2",
              ) -> tuple[str, list[str], list[list[str]]]:
    """The connector's own SQL, run unchanged by DuckDB over the Parquet file as the table
    ``"cur"."data"``: (the SQL, the result's header, its rows as Athena's CSV gives them)."""
    import duckdb

    columns = pq.read_schema(path).names
    sql = aws_athena.query(fmt, columns, f'"{DATABASE}"."{TABLE}"', partitions)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE SCHEMA {DATABASE}")
    con.execute(f"CREATE VIEW {DATABASE}.{TABLE} AS SELECT * FROM read_parquet('{path}')")
    result = con.execute(sql, aws_athena.parameters(start, end, partitions))
    header = [d[0] for d in result.description]
    rows = [[_text(v) for v in row] for row in result.fetchall()]
    con.close()
    return sql, header, rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


SUMMED = ("billed_cost", "effective_cost", "list_cost", "consumed_quantity",
          "x_input_tokens", "x_cached_input_tokens", "x_cache_write_tokens", "x_output_tokens")
KEPT = ("charge_period_start", *KEY_COLUMNS, "availability_zone", "sku_id", "consumed_unit",
        "x_batch")


def by_key(charges: Iterator[list[Any]] | list[list[Any]]) -> dict[tuple[Any, ...], list[float]]:
    """Charges summed per day and every column that tells them apart."""
    at = {n: i for i, n in enumerate(CHARGE_COLUMN_NAMES)}
    sums: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0.0] * len(SUMMED))
    for charge in charges:
        held = sums[tuple(charge[at[k]] for k in KEPT if k in at)]
        for i, name in enumerate(SUMMED):
            held[i] += charge[at[name]] or 0.0
    return {k: [round(v, 6) for v in values] for k, values in sums.items()}


def test_the_sql_runs_unchanged_in_duckdb_and_equals_the_importer(tmp_path: Path) -> None:
    path = cur2(tmp_path / "cur2.parquet")
    _sql, header, rows = in_duckdb(path)
    pushed = BillFile(Path("athena"))
    charges = list(aws_athena.charges("cur2", header, iter(enumerate(rows, 2)), pushed,
                                      "athena", START, END))

    imported = BillFile(path)
    day = CHARGE_COLUMN_NAMES.index("charge_period_start")
    every = list(read_cur(path, imported))
    window = [c for c in every if START.isoformat() <= c[day] <= END.isoformat()]

    assert len(window) < len(every)  # the window left some days out
    assert by_key(charges) == by_key(window)
    assert len(by_key(window)) > 100  # enough keys for the comparison to mean something
    billed = CHARGE_COLUMN_NAMES.index("billed_cost")
    assert pushed.billed == pytest.approx(sum(c[billed] for c in window), abs=1e-6)
    assert pushed.rows_read == sum(  # each result row counts the line items it stands for
        1 for c in pq.read_table(path).column("line_item_usage_start_date").to_pylist()
        if START <= c.date() <= END)
    tags = {c[CHARGE_COLUMN_NAMES.index("tags")] for c in charges}
    assert json.dumps({"cost_category:project": "ml", "team": "search"}) in tags
    names = {c[CHARGE_COLUMN_NAMES.index("service_name")] for c in charges}
    assert {"Amazon Bedrock", "Amazon SageMaker", "AmazonEC2"} <= names  # tax: no name
    # The FOCUS columns come down too (by_key compares every key column): commitments.
    focus = [CHARGE_COLUMN_NAMES.index(c) for c in (
        "commitment_discount_id", "commitment_discount_category", "commitment_discount_status",
        "pricing_category", "billing_account_name", "invoice_issuer_name")]
    assert {tuple(c[i] for i in focus) for c in charges if c[focus[0]]} == {
        (SAVINGS_PLAN, "Spend", "Used", "Committed", "Example Corp",
         "Amazon Web Services, Inc."),
        (RESERVATION, "Usage", "Used", "Committed", "Example Corp",
         "Amazon Web Services, Inc.")}


def test_a_bedrock_caller_and_its_tags_come_down_as_the_importer_reads_them(
        tmp_path: Path) -> None:
    path = cur2(tmp_path / "cur2.parquet", count=400)
    table = pq.read_table(path)
    callers = [(f"arn:aws:iam::999999999999:user/{who}", {"iamPrincipal/team": team})
               for who, team in (("alice", "ds"), ("bob", "search"))]
    bedrock = [code == "AmazonBedrock" for code in table.column("line_item_product_code")
               .to_pylist()]
    principals = [callers[i % 2][0] if b else None for i, b in enumerate(bedrock)]
    # The tags map holds the resource tags too; only the caller's are the caller's.
    tags = [[*callers[i % 2][1].items(), ("user_team", "search")] if b else None
            for i, b in enumerate(bedrock)]
    table = table.append_column("line_item_iam_principal", pa.array(principals, pa.string()))
    pq.write_table(table.append_column("tags", pa.array(tags, MAPS)), path)
    _sql, header, rows = in_duckdb(path)

    pushed = list(aws_athena.charges("cur2", header, iter(enumerate(rows, 2)),
                                     BillFile(Path("athena")), "athena", START, END))

    day = CHARGE_COLUMN_NAMES.index("charge_period_start")
    window = [c for c in read_cur(path, BillFile(path))
              if START.isoformat() <= c[day] <= END.isoformat()]
    assert by_key(pushed) == by_key(window)
    at = CHARGE_COLUMN_NAMES.index("tags")
    said = [json.loads(c[at]) for c in pushed if c[at] and "iam_principal" in c[at]]
    assert {(t["iam_principal"], t["iamPrincipal/team"]) for t in said} == {
        (callers[0][0], "ds"), (callers[1][0], "search")}
    assert not any("user_team" in t for t in said)  # a resource tag stays "team"


def focus_table(path: Path, count: int = 600) -> Path:
    """A FOCUS table with the columns a commitment needs: usage a savings plan covers, its
    recurring fee, and on-demand usage, hourly from 28 February to 5 March."""
    rng = random.Random(11)
    kinds = (("Usage", "Usage-Based", "Committed", SAVINGS_PLAN, "Used"),
             ("Purchase", "Recurring", "Standard", SAVINGS_PLAN, None),
             ("Usage", "Usage-Based", "Standard", None, None))
    rows: dict[str, list[Any]] = defaultdict(list)
    for i in range(count):
        category, frequency, pricing, commitment, status = kinds[i % len(kinds)]
        cost = round(rng.uniform(0, 3), 6)
        for name, value in (
            ("ChargePeriodStart", dt.datetime(2025, 2, 28) + dt.timedelta(hours=i % 144)),
            ("BilledCost", cost), ("EffectiveCost", round(cost * 0.8, 6)),
            ("ListCost", round(cost * 1.2, 6)), ("ContractedCost", cost),
            ("BillingCurrency", "USD"), ("ProviderName", "AWS"),
            ("BillingAccountId", "999999999999"), ("BillingAccountName", "Example Corp"),
            ("InvoiceIssuerName", "Amazon Web Services, Inc."), ("ServiceName", "Amazon EC2"),
            ("ResourceId", f"i-{i % 4}"), ("ChargeCategory", category),
            ("ChargeFrequency", frequency), ("PricingCategory", pricing),
            ("PricingUnit", "Hours"), ("PricingQuantity", float(rng.randint(1, 4))),
            ("ConsumedQuantity", float(rng.randint(1, 4))), ("ConsumedUnit", "Hours"),
            ("CommitmentDiscountId", commitment),
            ("CommitmentDiscountType", "Savings Plan" if commitment else None),
            ("CommitmentDiscountCategory", "Spend" if commitment else None),
            ("CommitmentDiscountStatus", status),
        ):
            rows[name].append(value)
    types = {"ChargePeriodStart": pa.timestamp("ms"), "CommitmentDiscountId": pa.string(),
             "CommitmentDiscountType": pa.string(), "CommitmentDiscountCategory": pa.string(),
             "CommitmentDiscountStatus": pa.string()}
    pq.write_table(pa.table({k: pa.array(v, types.get(k)) for k, v in rows.items()}), path)
    return path


def test_a_focus_table_brings_its_commitments_down_as_the_importer_reads_them(
        tmp_path: Path) -> None:
    from worthit.sources.bill import read_table
    from worthit.sources.focus import layout

    path = focus_table(tmp_path / "focus.parquet")
    _sql, header, rows = in_duckdb(path, partitions=(), fmt="focus")
    pushed = list(aws_athena.charges("focus", header, iter(enumerate(rows, 2)),
                                     BillFile(Path("athena")), "athena", START, END))
    day = CHARGE_COLUMN_NAMES.index("charge_period_start")
    window = [c for c in read_table(path, layout, BillFile(path))
              if START.isoformat() <= c[day] <= END.isoformat()]
    figures = ("billed_cost", "effective_cost", "list_cost", "contracted_cost",
               "consumed_quantity", "pricing_quantity")

    def sums(charges: list[list[Any]]) -> dict[tuple[Any, ...], list[float]]:
        at = {n: i for i, n in enumerate(CHARGE_COLUMN_NAMES)}
        found: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0.0] * len(figures))
        for charge in charges:
            held = found[(charge[day], *(charge[at[k]] for k in KEY_COLUMNS))]
            for i, name in enumerate(figures):
                held[i] += charge[at[name]] or 0.0
        return {k: [round(v, 6) for v in values] for k, values in found.items()}

    assert sums(pushed) == sums(window)
    focus = [CHARGE_COLUMN_NAMES.index(c) for c in (
        "commitment_discount_id", "commitment_discount_status", "pricing_category",
        "charge_frequency", "billing_account_name", "invoice_issuer_name")]
    assert {tuple(c[i] for i in focus) for c in pushed} == {
        (SAVINGS_PLAN, "Used", "Committed", "Usage-Based", "Example Corp",
         "Amazon Web Services, Inc."),
        (SAVINGS_PLAN, None, "Standard", "Recurring", "Example Corp",
         "Amazon Web Services, Inc."),
        (None, None, "Standard", "Usage-Based", "Example Corp", "Amazon Web Services, Inc.")}


def test_the_query_names_only_columns_from_its_fixed_list() -> None:
    sql = aws_athena.query("cur2", ["line_item_usage_start_date", "line_item_unblended_cost",
                                    "line_item_currency_code", "resource_tags_user_x';--",
                                    "evil"], '"cur"."data"')
    assert "evil" not in sql and "resource_tags_user" not in sql
    assert "billing_period" not in sql  # no such partition: no such condition
    with pytest.raises(UserError, match=r"no line_item_unblended_cost or "
                       r"line_item_currency_code column: is it a CUR 2\.0 table"):
        aws_athena.query("cur2", ["line_item_usage_start_date"], '"cur"."data"')


# -- against moto's Athena -----------------------------------------------------------------


def serve(moto: Moto, columns: list[str], *results: tuple[list[str], list[list[str]]]) -> None:
    """The Glue table, the results bucket, and what Athena answers to the next queries."""
    glue = moto.client("glue")
    glue.create_database(DatabaseInput={"Name": DATABASE})
    glue.create_table(DatabaseName=DATABASE, TableInput={
        "Name": TABLE,
        "StorageDescriptor": {"Columns": [{"Name": c, "Type": "string"} for c in columns
                                          if c != "billing_period"]},
        "PartitionKeys": [{"Name": "billing_period", "Type": "string"}]})
    moto.client("s3").create_bucket(Bucket=RESULTS)
    inject(moto, *results)


def inject(moto: Moto, *results: tuple[list[str], list[list[str]]]) -> None:
    # moto writes each VarCharValue into the result CSV inside quotes without doubling the
    # quotes within (moto/athena/models.py, _store_query_result_in_s3); the values carry
    # them doubled, as Athena's own CSV has them.
    def cell(value: str) -> dict[str, str]:
        return {"VarCharValue": value.replace('"', '""')} if value != "" else {}

    payload = {"results": [{"rows": [{"Data": [cell(v) for v in row]}
                                     for row in [header, *rows]],
                            "column_info": [{"Name": h, "Type": "varchar"} for h in header]}
                           for header, rows in results]}
    answer = requests.post(f"{moto.url}/moto-api/static/athena/query-results", json=payload,
                           timeout=10)
    assert answer.status_code == 201, answer.text


def add(cache: Cache, moto: Moto, **settings: Any) -> None:
    add_source(cache, NAME, "aws-athena", endpoint=moto.url, database=DATABASE, table=TABLE,
               workgroup="primary", output_location=f"s3://{RESULTS}/worthit/", **settings)


def calls(moto: Moto, operation: str) -> list[dict[str, Any]]:
    return [s.body or {} for s in moto.seen if s.target == f"AmazonAthena.{operation}"]


@pytest.fixture
def transitions(moto: Moto) -> Iterator[Any]:
    """Set how moto advances a query's state (back to immediate afterwards)."""
    def manual(times: int) -> None:
        requests.post(f"{moto.url}/moto-api/state-manager/set-transition", json={
            "model_name": "athena::execution",
            "transition": {"progression": "manual", "times": times}},
            timeout=10).raise_for_status()

    yield manual
    requests.post(f"{moto.url}/moto-api/state-manager/unset-transition",
                  json={"model_name": "athena::execution"}, timeout=10).raise_for_status()


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws_athena, "POLL", 0.01)
    monkeypatch.setattr(aws_athena, "MAX_POLL", 0.02)


def test_the_athena_source_is_registered() -> None:
    connector = connectors()["aws-athena"]
    assert dict(CONNECTOR_KINDS)["aws-athena"] == connector.title == \
        "AWS CUR via Athena (no download)"
    assert [s.name for s in connector.settings] == [
        "database", "table", "workgroup", "output_location", "table_format", "profile",
        "region", "endpoint"]
    assert connector.wants_secret({}) and not connector.wants_secret({"profile": "sso"})


def test_a_sync_pushes_the_query_down_and_caches_its_result_to_the_cent(
        cache: Cache, moto: Moto, tmp_path: Path, transitions: Any) -> None:
    path = cur2(tmp_path / "cur2.parquet")
    sql, header, rows = in_duckdb(path)
    serve(moto, pq.read_schema(path).names, (header, rows))
    add(cache, moto)
    transitions(2)  # QUEUED, RUNNING, SUCCEEDED: two polls each

    outcome = sync_one(cache, window=(START, END))

    assert outcome.result == "ok", outcome
    (started,) = calls(moto, "StartQueryExecution")
    assert started["QueryString"] == sql  # the very SQL DuckDB ran
    assert started["ExecutionParameters"] == ["'2025-03-01 00:00:00'",
                                              "'2025-03-05 00:00:00'", "'2025-03'", "'2025-03'"]
    assert started["WorkGroup"] == "primary"
    assert started["ResultConfiguration"] == {"OutputLocation": f"s3://{RESULTS}/worthit/"}
    polls = calls(moto, "GetQueryExecution")
    assert len(polls) == 4  # until SUCCEEDED
    served = sum(float(r[header.index("line_item_net_unblended_cost")]) for r in rows)
    total = cache._scalar("SELECT TOTAL(billed_cost) FROM charges")
    assert abs(total - served) <= 0.01 and round(total, 2) == round(served, 2)
    run = last_run(cache)
    # GetTable, Start, four polls, the result object.
    assert run["requests"] == outcome.requests == 7
    assert abs(run["billed_total"] - run["source_billed_total"]) <= 0.01
    assert cache._scalar("SELECT MIN(charge_period_start) || ' ' || MAX(charge_period_start) "
                        "FROM charges") == "2025-03-01 2025-03-04"


def test_a_failed_query_is_refused_in_plain_words(cache: Cache, moto: Moto, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.athena.responses import AthenaResponse

    original = AthenaResponse.get_query_execution

    def failing(self: AthenaResponse) -> str:  # moto has no FAILED state of its own
        answer = json.loads(original(self))
        answer["QueryExecution"]["Status"].update(
            State="FAILED", StateChangeReason="COLUMN_NOT_FOUND: line 4:5: Column "
            "'line_item_net_unblended_cost' cannot be resolved")
        return json.dumps(answer)

    path = cur2(tmp_path / "cur2.parquet")
    serve(moto, pq.read_schema(path).names, (["x"], []))
    add(cache, moto)
    before = snapshot(cache)
    monkeypatch.setattr(AthenaResponse, "get_query_execution", failing)

    outcome = sync_one(cache, window=(START, END))

    assert outcome.result == "failed"
    assert "AWS Athena query" in outcome.message
    assert "failed in Athena (COLUMN_NOT_FOUND: line 4:5: Column " \
        "'line_item_net_unblended_cost' cannot be resolved); check the table_format " \
        "setting" in outcome.message
    assert snapshot(cache) == before
    assert calls(moto, "StopQueryExecution") == []


def test_a_cancel_stops_the_query_and_leaves_the_cache_unchanged(
        cache: Cache, moto: Moto, tmp_path: Path, transitions: Any) -> None:
    from moto.athena.models import athena_backends

    path = cur2(tmp_path / "cur2.parquet")
    _sql, header, rows = in_duckdb(path)
    serve(moto, pq.read_schema(path).names, (header, rows))
    add(cache, moto)
    assert sync_one(cache, window=(START, END)).result == "ok"
    before = snapshot(cache)
    inject(moto, (header, rows[:5]))
    transitions(10_000)  # never finishes

    def cancelled() -> bool:
        return len(calls(moto, "GetQueryExecution")) >= 3  # the first sync's poll, and two

    outcome = sync_one(cache, window=(START, END), cancelled=cancelled)

    assert outcome.result == "cancelled"
    (stopped,) = calls(moto, "StopQueryExecution")
    executions = athena_backends[aws_server.ACCOUNT]["us-east-1"].executions
    assert executions[stopped["QueryExecutionId"]].status == "CANCELLED"
    assert snapshot(cache) == before
    assert last_run(cache)["result"] == "cancelled"


def test_a_denied_permission_names_the_iam_action(cache: Cache, moto: Moto,
                                                  tmp_path: Path) -> None:
    path = cur2(tmp_path / "cur2.parquet", count=50)
    serve(moto, pq.read_schema(path).names, (["x"], []))
    keys = moto.user("glue-only", "glue:GetTable")
    add_source(cache, NAME, "aws-athena", secret=keys, endpoint=moto.url, database=DATABASE,
               table=TABLE, output_location=f"s3://{RESULTS}/worthit/")

    with moto.iam_enforced():
        outcome = sync_one(cache, window=(START, END))

    assert outcome.result == "failed"
    assert "needs the IAM permission athena:StartQueryExecution" in outcome.message
    assert keys.split(":")[1] not in outcome.message


def test_the_connection_test_counts_yesterday_s_line_items(cache: Cache, moto: Moto,
                                                           tmp_path: Path) -> None:
    path = cur2(tmp_path / "cur2.parquet", count=50)
    serve(moto, pq.read_schema(path).names, (["x_line_items"], [["42"]]))
    add(cache, moto)

    said = probe(cache, NAME)

    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert said == (f"Connected to cur.data (CUR 2.0, {len(pq.read_schema(path).names)} "
                    f"columns) in workgroup primary: 42 line items on {yesterday}; results "
                    f"in s3://{RESULTS}/worthit/.")
    (started,) = calls(moto, "StartQueryExecution")
    assert started["QueryString"].startswith('SELECT COUNT(*) AS x_line_items FROM "cur"."data"')

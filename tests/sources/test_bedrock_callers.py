"""Who called Bedrock, as a CUR 2.0 export says it: the lines of an application inference
profile carry the profile's ARN as their resource id and the profile's cost allocation tags
(``resource_tags``, ``user_`` keys), and with IAM principal data enabled each line names
its caller in ``line_item_iam_principal`` and the caller's activated tags in ``tags`` under
an ``iamPrincipal/`` prefix.

Sources: Amazon Bedrock user guide, "Application inference profiles"
(docs.aws.amazon.com/bedrock/latest/userguide/cost-mgmt-application-inference-profiles.html);
AWS Billing user guide, "Using IAM principal for cost allocation"
(docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/iam-principal-cost-allocation.html);
AWS Data Exports, "Migrating from CUR to Data Exports CUR 2.0" (the additional column
``line_item_iam_principal``) and "Resource tags columns" (resource tags are also under the
Tags column); the AWS Machine Learning blog, "Introducing granular cost attribution for
Amazon Bedrock" (April 2026), for the example lines below."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.sources.test_fast_path import FAST, LINE, spy_on_daily

from worthit.store.cache import Cache
from worthit.sync.importer import import_file

HEADER = ["line_item_usage_start_date", "line_item_line_item_type", "line_item_product_code",
          "line_item_usage_type", "line_item_usage_amount", "line_item_currency_code",
          "line_item_unblended_cost", "pricing_unit", "line_item_usage_account_id",
          "product_region_code", "line_item_resource_id", "resource_tags",
          "line_item_iam_principal", "tags"]
ACCOUNT = "123456789012"
SUPPORT = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/a1b2c3d4e5f6"
SEARCH = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/f6e5d4c3b2a1"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
APP = f"arn:aws:sts::{ACCOUNT}:assumed-role/AppRole/session-123"


def line(usage_type: str, amount: str, cost: str, *, resource: str = "",
         resource_tags: dict[str, str] | None = None, principal: str = "",
         tags: dict[str, str] | None = None, day: str = "2026-04-20") -> list[str]:
    return [f"{day}T00:00:00Z", "Usage", "AmazonBedrock", usage_type, amount, "USD", cost,
            "1K tokens", ACCOUNT, "us-east-1", resource,
            json.dumps(resource_tags) if resource_tags else "", principal,
            json.dumps(tags) if tags else ""]


def write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "cur2.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([HEADER, *rows])
    return path


def charges(cache: Cache, over_days: str = "") -> list[dict[str, object]]:
    """The charges, or with ``over_days`` (``SUM``) their sums over the days."""
    if not over_days:
        return [dict(r) for r in cache._rows(
            "SELECT resource_id, tags, x_model, x_input_tokens, x_output_tokens, billed_cost "
            "FROM charges ORDER BY resource_id, x_usage_type, tags")]
    return [dict(r) for r in cache._rows(
        "SELECT resource_id, tags, SUM(x_input_tokens) AS x_input_tokens, "
        "SUM(billed_cost) AS billed_cost FROM charges GROUP BY resource_id, tags")]


def test_an_inference_profile_line_keeps_its_arn_and_cost_allocation_tags(
        cache: Cache, tmp_path: Path) -> None:
    rows = [
        line("USE1-Claude4.6Sonnet-input-tokens", "23", "0.069", resource=SUPPORT,
             resource_tags={"user_team": "support", "user_app": "chatbot"}),
        line("USE1-Claude4.6Sonnet-output-tokens", "14.3", "0.2145", resource=SUPPORT,
             resource_tags={"user_team": "support", "user_app": "chatbot"}),
        line("USE1-Claude4.6Sonnet-input-tokens", "11", "0.033", resource=SEARCH,
             resource_tags={"user_team": "search"}),
        line("USE1-NovaLite-input-tokens", "1350", "0.081"),  # the bare model: no profile
    ]

    done = import_file(cache, write(tmp_path, rows))

    assert done.kind == "aws-cur"
    support = {"app": "chatbot", "team": "support"}
    assert [(c["resource_id"], json.loads(str(c["tags"])) if c["tags"] else None, c["x_model"],
             c["x_input_tokens"], c["x_output_tokens"]) for c in charges(cache)] == [
        (None, None, "NovaLite", 1_350_000, None),
        (SUPPORT, support, "Claude4.6Sonnet", 23_000, None),
        (SUPPORT, support, "Claude4.6Sonnet", None, 14_300),
        (SEARCH, {"team": "search"}, "Claude4.6Sonnet", 11_000, None),
    ]
    # Each profile's cost is its lines', to the cent; the bill's total is unchanged.
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges WHERE resource_id = ?",
                         (SUPPORT,)) == pytest.approx(0.069 + 0.2145)
    assert done.file_billed == pytest.approx(0.069 + 0.2145 + 0.033 + 0.081)
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == \
        pytest.approx(done.file_billed)


def parquet(tmp_path: Path, rows: list[list[str]]) -> Path:
    """``rows`` as a CUR 2.0 Parquet export writes them: typed stamps and numbers, and
    ``resource_tags`` and ``tags`` as MAP columns."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    maps = pa.map_(pa.string(), pa.string())
    columns: dict[str, object] = {}
    for at, name in enumerate(HEADER):
        cells = [r[at] for r in rows]
        if name == "line_item_usage_start_date":
            columns[name] = pa.array([dt.datetime.fromisoformat(c.removesuffix("Z"))
                                      for c in cells], pa.timestamp("ms"))
        elif name in ("line_item_usage_amount", "line_item_unblended_cost"):
            columns[name] = pa.array([float(c) for c in cells], pa.float64())
        elif name in ("resource_tags", "tags"):
            columns[name] = pa.array([list(json.loads(c).items()) if c else None
                                      for c in cells], maps)
        else:
            columns[name] = pa.array([c or None for c in cells], pa.string())
    path = tmp_path / "cur2.parquet"
    pq.write_table(pa.table(columns), path)
    return path


@pytest.mark.parametrize("path_kind", [LINE, FAST])
@pytest.mark.parametrize("spelling", ["csv", "parquet"])
def test_each_callers_line_keeps_its_principal_and_principal_tags(
        cache: Cache, tmp_path: Path, spelling: str, path_kind: str) -> None:
    rows = [
        line("USE1-Claude4.6Sonnet-input-tokens", "23", "0.069", principal=ALICE,
             tags={"iamPrincipal/team": "ds"}),
        # The tags map repeats the resource tags (user_ keys): kept once, without prefix.
        line("USE1-Claude4.6Sonnet-input-tokens", "11", "0.033", principal=APP,
             resource=SUPPORT, resource_tags={"user_team": "support"},
             tags={"iamPrincipal/project": "chatbot", "user_team": "support"}),
        line("USE1-Claude4.6Sonnet-input-tokens", "5", "0.015"),  # no caller recorded
        line("USE1-Claude4.6Sonnet-input-tokens", "7", "0.021", principal=ALICE,
             tags={"iamPrincipal/team": "ds"}, day="2026-04-21"),
    ]
    path = (write if spelling == "csv" else parquet)(tmp_path, rows)

    with pytest.MonkeyPatch.context() as patch:
        answers = spy_on_daily(patch, small=0 if path_kind == FAST else 10**18)
        done = import_file(cache, path)
    assert answers == [path_kind == FAST]

    by_tags = {(c["resource_id"], c["tags"]): (c["x_input_tokens"], c["billed_cost"])
               for c in charges(cache, "SUM")}
    # Two callers of the same model on the same day stay two charges, each with its
    # caller and the caller's tags; the line without one keeps no tag.
    assert by_tags == {
        (None, json.dumps({"iamPrincipal/team": "ds", "iam_principal": ALICE},
                          sort_keys=True)): (30_000, pytest.approx(0.069 + 0.021)),
        (SUPPORT, json.dumps({"iamPrincipal/project": "chatbot", "iam_principal": APP,
                              "team": "support"}, sort_keys=True)):
            (11_000, pytest.approx(0.033)),
        (None, None): (5_000, pytest.approx(0.015))}
    # The caller splits charges; it never changes what they add up to.
    assert done.file_billed == pytest.approx(0.069 + 0.033 + 0.015 + 0.021)
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == \
        pytest.approx(done.file_billed)

"""A live sync keeps what its charges state about their commitments, as ``worthit import``
does: an Athena CUR 2.0 sync against moto writes the savings plan and the reservation its
lines name, and a Bedrock provisioned throughput's terms (kind, term, region, commitment an
hour) from its hourly model-unit lines, in the sync's own transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from tests.sources import aws_server
from tests.sources.aws_server import Moto, sync_one
from tests.sources.test_aws_athena import (
    END,
    RESERVATION,
    SAVINGS_PLAN,
    START,
    add,
    cur2,
    in_duckdb,
    serve,
)

from worthit.analysis.commitments import UNSTATED, commitments
from worthit.core.commitments import PROVISIONED_THROUGHPUT
from worthit.core.periods import Period
from worthit.store.cache import Cache

moto = aws_server.moto
moto_server = aws_server.moto_server
keyring_file = aws_server.keyring_file
workspace = aws_server.workspace
cache = aws_server.cache

PT = "arn:aws:bedrock:us-east-1:999999999999:provisioned-model/judge0pt1"
HOURLY = 21.18


def with_provisioned_throughput(path: Path) -> Path:
    """The CUR 2.0 table with a 1-month provisioned throughput billed every hour of the
    window's days."""
    table = pq.read_table(path)
    rows = table.to_pylist()
    model = next(r for r in rows if r["line_item_product_code"] == "AmazonBedrock")
    for day in range((END - START).days + 1):
        for hour in range(24):
            start = dt.datetime.combine(START + dt.timedelta(days=day), dt.time(hour))
            rows.append({**model, "line_item_usage_start_date": start,
                         "line_item_usage_type":
                         "USE1-Claude3Haiku-ProvisionedThroughput-1Month-ModelUnits",
                         "line_item_resource_id": PT, "line_item_usage_amount": 1.0,
                         "line_item_unblended_cost": HOURLY,
                         "line_item_net_unblended_cost": HOURLY, "pricing_unit": "Hours",
                         "pricing_public_on_demand_cost": None,
                         "billing_period": start.strftime("%Y-%m")})
    pq.write_table(table.from_pylist(rows, schema=table.schema), path)
    return path


def test_an_athena_sync_keeps_its_commitments_terms(cache: Cache, moto: Moto,
                                                    tmp_path: Path) -> None:
    path = with_provisioned_throughput(cur2(tmp_path / "cur2.parquet"))
    _sql, header, rows = in_duckdb(path)
    serve(moto, pq.read_schema(path).names, (header, rows))
    add(cache, moto)

    outcome = sync_one(cache, window=(START, END))

    assert outcome.result == "ok", outcome
    held: dict[str, dict[str, Any]] = {
        r["commitment_id"]: dict(r) for r in cache._rows("SELECT * FROM commitments")}
    assert set(held) == {SAVINGS_PLAN, RESERVATION, PT}
    assert (held[SAVINGS_PLAN]["kind"], held[SAVINGS_PLAN]["category"],
            held[SAVINGS_PLAN]["currency"]) == ("Savings Plan", "Spend", "USD")
    assert (held[RESERVATION]["kind"], held[RESERVATION]["category"]) == (
        "Reserved Instances (RI)", "Usage")
    pt = held[PT]
    assert (pt["kind"], pt["term"], pt["region"], pt["billed_every"]) == (
        PROVISIONED_THROUGHPUT, "1 month", "us-east-1", "hour")
    assert pt["hourly_commitment"] == pytest.approx(HOURLY)
    (found,) = [c for c in commitments(cache, Period(START, END), as_of=END).commitments
                if c.commitment_id == PT]
    assert found.committed == pytest.approx(HOURLY * 24 * 4)
    assert found.utilisation is None and UNSTATED in found.notes

"""A live sync keeps what its charges state about their commitments, as ``worthit import``
does: an Athena CUR 2.0 sync against moto writes the savings plan and the reservation its
lines name, and a Bedrock provisioned throughput's terms (kind, term, region, commitment an
hour) from its hourly model-unit lines, in the sync's own transaction; and a savings plan's
and a reservation's fee lines come down with what they say of the commitment's use, so the
amortised total and every stated term are the import's."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
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
from tests.sources.test_cur_commitments import (
    MARCH,
    RI,
    SP,
    SP_HOURLY,
    amortised,
    lines,
    write_cur,
)

from worthit.analysis.commitments import UNSTATED, commitments
from worthit.core.commitments import PROVISIONED_THROUGHPUT
from worthit.core.periods import Period
from worthit.store.cache import Cache
from worthit.store.commitments import FIELDS
from worthit.sync.importer import import_file

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


def test_an_athena_sync_amortises_commitment_fees_and_keeps_terms_as_the_import_does(
        cache: Cache, moto: Moto, tmp_path: Path) -> None:
    rows = lines()  # a month of a savings plan's and a reservation's lines, hour by hour
    path = write_cur(tmp_path / "bill", "cur2", rows)
    table = pq.read_table(path)
    pq.write_table(table.append_column("billing_period",
                                       pa.array(["2025-03"] * table.num_rows)), path)
    _sql, header, result = in_duckdb(path, MARCH.start, MARCH.end)
    serve(moto, pq.read_schema(path).names, (header, result))
    add(cache, moto)

    outcome = sync_one(cache, window=(MARCH.start, MARCH.end))

    assert outcome.result == "ok", outcome
    with Cache.open(tmp_path / "imported" / "worthit.sqlite") as imported:
        import_file(imported, path, source="cur")
        expected = figures(imported)
    synced = figures(cache)
    # The amortised total is AWS's own formula: each fee line's unused commitment, not its
    # billed cost (which would count the used commitment again, on the covered usage).
    assert round(synced["effective"], 2) == round(math.fsum(amortised(r) for r in rows), 2)
    assert round(synced["billed"], 2) == round(math.fsum(r["unblended"] for r in rows), 2)
    assert synced == expected
    plan, reservation = synced["terms"][SP], synced["terms"][RI]
    assert (plan["term"], plan["offering"], plan["payment_option"], plan["hourly_commitment"],
            plan["end_time"][:10]) == ("1yr", "ComputeSavingsPlans", "Partial Upfront",
                                       SP_HOURLY, "2025-04-10")
    assert (reservation["term"], reservation["offering"], reservation["payment_option"],
            reservation["end_time"][:10]) == ("1yr", "standard", "Partial Upfront",
                                              "2025-04-01")


def figures(cache: Cache) -> dict[str, Any]:
    """The totals, each commitment's stated terms and its used, unused and committed."""
    billed, effective = cache._rows(
        "SELECT TOTAL(billed_cost), TOTAL(effective_cost) FROM charges")[0]
    terms = {r["commitment_id"]: {f: r[f] for f in FIELDS}
             for r in cache._rows(f"SELECT commitment_id, {', '.join(FIELDS)} FROM commitments")}
    for held in terms.values():
        for f in ("hourly_commitment", "monthly_commitment"):
            held[f] = None if held[f] is None else round(held[f], 6)
    use = {c.commitment_id: (round(c.used, 6), round(c.unused, 6), round(c.committed, 6),
                             c.term, c.covers)
           for c in commitments(cache, MARCH, as_of=MARCH.end).commitments}
    return {"billed": round(billed, 6), "effective": round(effective, 6), "terms": terms,
            "use": use}

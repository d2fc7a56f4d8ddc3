"""Importing GCP billing exports: the real flattened CSV reconciles; newline JSON with
nested records, labels and credits (as JSON or Python literals) map to tags and
effective cost; the pricing unit and quantity are the export's, and a committed use
discount's credit names its commitment."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.shared_data import sample

from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.sync.importer import import_file


def test_the_real_flattened_export_reconciles(cache: Cache) -> None:
    done = import_file(cache, sample("gcp", "bigquery-export-flattened.csv"))
    assert (done.kind, done.rows_read) == ("gcp", 9)
    assert done.file_billed == pytest.approx(1.2e-05, abs=1e-9)
    assert abs(done.cache_billed - done.file_billed) <= 0.01
    assert {r[0] for r in cache._rows("SELECT DISTINCT provider_name FROM charges")} == {
        "Google Cloud"}


def test_the_real_export_prices_in_its_pricing_units(cache: Cache) -> None:
    path = sample("gcp", "bigquery-export-flattened.csv")
    with path.open(encoding="utf-8") as file:
        lines = list(csv.DictReader(file))
    import_file(cache, path)
    bytes_, gibibytes, units = cache._rows(
        "SELECT TOTAL(consumed_quantity), TOTAL(pricing_quantity), "
        "GROUP_CONCAT(DISTINCT consumed_unit || '/' || pricing_unit) FROM charges")[0]
    assert units == "bytes/gibibyte"
    assert bytes_ == pytest.approx(sum(float(x["usage.amount"]) for x in lines))
    assert gibibytes == pytest.approx(sum(float(x["usage.amount_in_pricing_units"])
                                          for x in lines))
    # No commitment, and nothing the export does not state.
    assert {tuple(r) for r in cache._rows(
        "SELECT DISTINCT commitment_discount_id, pricing_category, charge_frequency, "
        "invoice_issuer_name, billing_account_name FROM charges")} == {(None,) * 5}


def record(**changes: object) -> str:
    base: dict[str, object] = {
        "billing_account_id": "0123-ABCD", "service": {"description": "Vertex AI"},
        "sku": {"id": "S-1", "description": "Gemini 2.5 Flash input"},
        "usage_start_time": "2025-05-06T10:00:00Z", "project": {"id": "p-1", "name": "rag"},
        "labels": [{"key": "team", "value": "search"}], "cost": 10.0, "currency": "USD",
        "credits": [{"name": "CUD", "amount": -2.5}], "usage": {"amount": 5, "unit": "count"},
    }
    base.update(changes)
    return json.dumps(base)


def test_newline_json_with_nested_records_credits_and_labels(cache: Cache,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "gcp.jsonl"
    path.write_text("\n".join([record(), record(credits="[{'name': 'promo', "
                                                        "'amount': -1.0}]")]) + "\n")
    done = import_file(cache, path)
    assert (done.kind, done.file_billed, done.file_effective) == ("gcp", 20.0, 16.5)
    row = dict(cache._rows("SELECT * FROM charges")[0])
    assert (row["service_name"], row["service_category"], row["sub_account_id"]) == (
        "Vertex AI", "AI and Machine Learning", "p-1")
    assert json.loads(row["tags"]) == {"team": "search"}


def test_a_bad_gcp_row_names_its_line_and_column(cache: Cache, tmp_path: Path) -> None:
    path = tmp_path / "gcp.jsonl"
    path.write_text("\n".join([record(), record(cost="lots")]) + "\n")
    with pytest.raises(UserError, match=r"line 2, column 'cost': 'lots' is not a cost"):
        import_file(cache, path)
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0


def test_a_committed_use_discount_credit_names_its_commitment(cache: Cache,
                                                               tmp_path: Path) -> None:
    def cud(kind: str, commitment: str, amount: float) -> dict[str, object]:
        return {"name": "Committed use discount", "amount": amount, "type": kind,
                "id": commitment, "full_name": f"Commitment {commitment}"}

    sud = {"name": "Sustained use discount", "amount": -0.5,
           "type": "SUSTAINED_USAGE_DISCOUNT", "id": "", "full_name": ""}
    path = tmp_path / "gcp.jsonl"
    path.write_text("\n".join([
        record(sku={"id": "R-1", "description": "N2 core"},
               credits=[cud("COMMITTED_USAGE_DISCOUNT", "cud-1", -4.0), sud]),
        record(sku={"id": "S-2", "description": "Cloud SQL"},
               credits=[cud("COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE", "cud-2", -1.0)]),
        # Two commitments on one row: which one the row is charged under is unknown.
        record(sku={"id": "T-3", "description": "N2 ram"},
               credits=[cud("COMMITTED_USAGE_DISCOUNT", "cud-1", -1.0),
                        cud("COMMITTED_USAGE_DISCOUNT", "cud-3", -1.0)]),
        record(sku={"id": "U-4", "description": "egress"}, credits=[sud],
               usage={"amount": 2048, "unit": "bytes", "amount_in_pricing_units": 2e-06,
                      "pricing_unit": "gibibyte"}),
    ]) + "\n")
    done = import_file(cache, path)
    assert (done.file_billed, done.file_effective) == (40.0, 40.0 - 4.5 - 1.0 - 2.0 - 0.5)
    columns = ("commitment_discount_id", "commitment_discount_name",
               "commitment_discount_type", "commitment_discount_category",
               "commitment_discount_status", "pricing_category")
    found = {r["sku_id"]: tuple(r[c] for c in columns) for r in cache._rows(
        f"SELECT sku_id, {', '.join(columns)} FROM charges")}
    assert found == {
        "R-1": ("cud-1", "Commitment cud-1", "COMMITTED_USAGE_DISCOUNT", "Usage", "Used",
                "Committed"),
        "S-2": ("cud-2", "Commitment cud-2", "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE", "Spend",
                "Used", "Committed"),
        "T-3": (None,) * 6, "U-4": (None,) * 6}
    egress = cache._rows("SELECT pricing_quantity, pricing_unit FROM charges "
                         "WHERE sku_id = 'U-4'")[0]
    assert tuple(egress) == (2e-06, "gibibyte")

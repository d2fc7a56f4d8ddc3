"""Importing GCP billing exports: the real flattened CSV reconciles; newline JSON with
nested records, labels and credits (as JSON or Python literals) map to tags and
effective cost."""

from __future__ import annotations

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

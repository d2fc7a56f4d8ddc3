"""Importing Azure cost exports: the real EA samples reconcile (BOM, MM/DD/YYYY, tags
without braces), a header-only export is refused, camelCase MCA headers map alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.shared_data import sample

from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.sync.importer import import_file


@pytest.mark.parametrize(("name", "rows", "total"), [
    ("ea-actual-cost.csv", 11, 8.545008), ("ea-amortized-cost.csv", 28, 16.296932)])
def test_the_real_ea_exports_reconcile(cache: Cache, name: str, rows: int,
                                       total: float) -> None:
    done = import_file(cache, sample("azure", name))
    assert (done.kind, done.rows_read) == ("azure", rows)
    assert done.file_billed == pytest.approx(total, abs=1e-6)  # the data README's sums
    assert abs(done.cache_billed - done.file_billed) <= 0.01
    provider = {r[0] for r in cache._rows("SELECT DISTINCT provider_name FROM charges")}
    assert provider == {"Microsoft"}


def test_tags_without_braces_are_read_and_dates_are_month_first(cache: Cache) -> None:
    import_file(cache, sample("azure", "ea-amortized-cost.csv"))
    tags = [json.loads(t) for (t,) in cache._rows(
        "SELECT tags FROM charges WHERE tags IS NOT NULL")]
    assert tags and all(isinstance(t, dict) for t in tags)
    assert any("aks-managed-creationSource" in t for t in tags)
    days = {d for (d,) in cache._rows("SELECT DISTINCT charge_period_start FROM charges")}
    assert min(days) == "2023-09-03"  # 09/03/2023, month first


def test_a_header_only_export_is_refused(cache: Cache) -> None:
    empty = sample("azure", "ea-no-rows.csv")
    with pytest.raises(UserError, match="line 2: the file has a header but no charges"):
        import_file(cache, empty)


def test_camel_case_mca_headers_map_alike(cache: Cache, tmp_path: Path) -> None:
    path = tmp_path / "mca.csv"
    path.write_text(
        "\ufeffdate,meterCategory,meterName,costInBillingCurrency,billingCurrency,"
        "subscriptionId,resourceId,chargeType,tags\n"
        '2025-02-03,Azure OpenAI,gpt-4o Input,12.5,EUR,sub-1,/r/1,Usage,'
        '"""team"": ""search"""\n', encoding="utf-8")
    done = import_file(cache, path)
    assert (done.kind, done.currency, done.file_billed) == ("azure", "EUR", 12.5)
    row = dict(cache._rows("SELECT * FROM charges")[0])
    assert row["service_category"] == "AI and Machine Learning"
    assert json.loads(row["tags"]) == {"team": "search"}

"""Importing FOCUS files: the real sample reconciles to the cent, re-imports replace, and
every kind of bad input is refused with its file, line and column while nothing from it
reaches the cache (and the refusal is recorded as a failed run)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.shared_data import sample

from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.sync.importer import import_file
from worthit.workspace import Workspace

#: The real FOCUS sample in ../shared/data (tests.shared_data), relative to that folder.
SAMPLE = ("focus", "focus-1.0-sample-aws-azure-oci.csv")
HEADER = ("ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,"
          "BillingCurrency,ProviderName,ServiceName,ServiceCategory,ResourceId,Tags")


def write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "bill.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def row(day: str = "2024-09-01", billed: str = "1.5", effective: str = "1.25",
        currency: str = "USD", provider: str = "AWS", tags: str = "") -> str:
    return (f"{day} 00:00:00,{day} 01:00:00,{billed},{effective},{billed},{currency},"
            f"{provider},Amazon EC2,Compute,i-1,{tags}")


def charges(cache: Cache) -> int:
    return int(cache._scalar("SELECT COUNT(*) FROM charges"))


def test_the_real_focus_sample_reconciles_to_the_cent(cache: Cache) -> None:
    real = sample(*SAMPLE)
    done = import_file(cache, real)
    assert (done.kind, done.rows_read) == ("focus", 1000)
    assert done.rows_written == cache._scalar("SELECT COUNT(*) FROM charges") <= 1000
    # The README of ../shared/data gives the raw column sums.
    assert done.file_billed == pytest.approx(20.520227, abs=1e-6)
    assert done.file_effective == pytest.approx(14.976514, abs=1e-6)
    assert abs(done.cache_billed - done.file_billed) <= 0.01
    providers = {r[0] for r in cache._rows("SELECT DISTINCT provider_name FROM charges")}
    assert providers == {"AWS", "Microsoft", "Oracle"}
    # Importing it again replaces, never double counts.
    import_file(cache, real)
    assert charges(cache) == 1000
    runs = cache._rows("SELECT result, rows_written FROM sync_runs ORDER BY run_id")
    assert [tuple(r) for r in runs] == [("ok", 1000), ("ok", 1000)]


def test_a_gzipped_focus_1_3_file_reads_the_renamed_provider_columns(
        cache: Cache, tmp_path: Path) -> None:
    header = HEADER.replace("ProviderName", "ServiceProviderName")
    path = tmp_path / "bill.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write("\n".join([header, row(provider="Microsoft",
                                          tags='"{""team"": ""search""}"')]) + "\n")
    done = import_file(cache, path)
    assert done.rows_written == 1
    provider, tags = cache._rows("SELECT provider_name, tags FROM charges")[0]
    assert provider == "Microsoft"
    assert json.loads(tags) == {"team": "search"}


@pytest.mark.parametrize(("rows", "header", "message"), [
    ((row(billed="abc"),), HEADER, "line 2, column 'BilledCost': 'abc' is not a number"),
    ((row(), row(day="Sept 3")), HEADER, "line 3, column 'ChargePeriodStart'"),
    ((row(), row(currency="EUR")), HEADER, "line 3, column 'BillingCurrency': mixed "
                                           "currencies"),
    ((row(currency="dollars"),), HEADER, "unknown currency 'dollars'"),
    ((row(billed="NULL"),), HEADER, "column 'BilledCost': a cost is required"),
    ((row() + ",extra",), HEADER, "line 2: expected 11 fields, found 12"),
    ((), HEADER, "the file has a header but no charges"),
    ((row(),), HEADER.replace("BillingCurrency", "Currency"), "no BillingCurrency column"),
    (("2024-09-01,1.0,1.0",), "ChargePeriodStart,ChargeType,AmortizedCost",
     "a FOCUS 0.5-era file"),
])
def test_bad_input_is_refused_with_its_place_and_nothing_lands(
        cache: Cache, tmp_path: Path, rows: tuple[str, ...], header: str,
        message: str) -> None:
    path = write(tmp_path, *rows, header=header)
    with pytest.raises(UserError) as caught:
        import_file(cache, path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert charges(cache) == 0
    result, error = cache._rows("SELECT result, error FROM sync_runs")[0]
    assert result == "failed" and message in error


def test_an_empty_or_truncated_file_is_refused(cache: Cache, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(UserError, match="the file is empty"):
        import_file(cache, empty)
    whole = gzip.compress(("\n".join([HEADER, *[row() for _ in range(200)]]) + "\n").encode())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UserError, match="cannot read the file"):
        import_file(cache, cut)
    assert charges(cache) == 0


def test_a_restated_file_replaces_the_days_it_covers(cache: Cache, tmp_path: Path) -> None:
    first = write(tmp_path, row(day="2024-09-01"), row(day="2024-09-02"), name="a.csv")
    import_file(cache, first, source="aws")
    restated = write(tmp_path, row(day="2024-09-02", billed="4", effective="3"),
                     name="b.csv")
    import_file(cache, restated, source="aws")
    assert [tuple(r) for r in cache._rows(
        "SELECT charge_period_start, billed_cost FROM charges ORDER BY 1")] == [
        ("2024-09-01", 1.5), ("2024-09-02", 4.0)]


def test_the_cli_imports_each_file_on_its_own_and_exits_2_if_any_was_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = write(tmp_path, row(), name="good.csv")
    bad = write(tmp_path, row(billed="x"), name="bad.csv")
    workspace = Workspace(tmp_path / "ws")
    code, out, _err = run_cli(capsys, workspace, "import", str(bad), str(good), "--output",
                             "json")
    assert code == 2
    files = json.loads(out)["files"]
    assert [f["result"] for f in files] == ["refused", "ok"]
    assert files[1]["billed"] == {"file": 1.5, "cache": 1.5}
    with Cache.open(workspace.cache_path) as cache:  # a workspace of its own: no demo
        assert charges(cache) == 1
        assert cache.get_meta("demo.seed") is None


def test_sources_list_what_each_brought_and_remove_takes_its_charges(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    a = write(tmp_path, row(day="2024-09-01"), row(day="2024-09-03"), name="a.csv")
    b = write(tmp_path, row(billed="x"), name="b.csv")
    assert run_cli(capsys, workspace, "import", str(a), str(b))[0] == 2
    code, out, _ = run_cli(capsys, workspace, "sources", "list", "--output", "json")
    assert code == 0
    (source,) = json.loads(out)["sources"]  # a refused file configures no source
    assert (source["name"], source["kind"], source["rows"]) == ("file:a.csv", "focus-file", 2)
    assert (source["first_day"], source["last_day"]) == ("2024-09-01", "2024-09-03")
    assert source["billed_cost"] == 3.0 and source["last_run"]["result"] == "ok"
    with Cache.open(workspace.cache_path) as cache:
        revision = cache.revision
    code, out, _ = run_cli(capsys, workspace, "sources", "remove", "file:a.csv")
    assert (code, out.strip()) == (0, "Removed source 'file:a.csv' and its 2 charges")
    with Cache.open(workspace.cache_path) as cache:
        assert charges(cache) == 0 and cache.revision == revision + 1
    code, _, err = run_cli(capsys, workspace, "sources", "remove", "file:a.csv")
    assert code == 2 and "no source 'file:a.csv'" in err


def parquet(tmp_path: Path, columns: dict[str, list[object]], name: str = "bill.parquet"
            ) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / name
    pq.write_table(pa.table(columns), path)
    return path


def test_a_focus_parquet_file_imports_and_reconciles(cache: Cache, tmp_path: Path) -> None:
    import datetime as dt

    path = parquet(tmp_path, {
        "ChargePeriodStart": [dt.datetime(2024, 9, 1, 22), dt.datetime(2024, 9, 2, 1)],
        "BilledCost": [1.25, 0.0000008], "EffectiveCost": [1.0, 0.0],
        "BillingCurrency": ["USD", "USD"], "ServiceProviderName": ["AWS", "AWS"],
        "Tags": ['{"team": "search"}', None],
    })
    done = import_file(cache, path)
    assert (done.kind, done.rows_written, done.first.isoformat()) == ("focus", 2, "2024-09-01")
    assert done.file_billed == pytest.approx(1.2500008)
    assert done.cache_effective == pytest.approx(1.0)
    tags = [t for (t,) in cache._rows("SELECT tags FROM charges ORDER BY charge_period_start")]
    assert tags == ['{"team": "search"}', None]


def test_a_bad_parquet_row_or_file_is_refused(cache: Cache, tmp_path: Path) -> None:
    path = parquet(tmp_path, {
        "ChargePeriodStart": ["2024-09-01", "2024-09-02"], "BilledCost": ["1", "lots"],
        "EffectiveCost": ["1", "1"], "BillingCurrency": ["USD", "USD"]})
    with pytest.raises(UserError, match=r"line 3, column 'BilledCost': 'lots'"):
        import_file(cache, path)
    fake = tmp_path / "fake.parquet"
    fake.write_text("not parquet at all")
    with pytest.raises(UserError, match="not a readable Parquet file"):
        import_file(cache, fake)
    assert charges(cache) == 0

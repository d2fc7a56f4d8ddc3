"""The Data Exports / CUR on S3 connector, synced by the sync engine from moto's S3 on
loopback. The export is legacy CUR parts (CSV.gz, the columns the CUR reader maps) in
billing period folders, as AWS delivers them; the server records each request, so the tests
assert what was downloaded as well as what landed."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.sources import aws_server
from tests.sources.aws_server import Moto, add_source, last_run, snapshot, sync_one
from tests.sources.test_cur_commitments import RI, SP, SP_HOURLY, write_cur
from tests.sources.test_cur_commitments import lines as commitment_lines
from tests.sources.test_live_commitment_terms import figures

from worthit.cli import CONNECTOR_KINDS
from worthit.core.errors import UserError
from worthit.sources import aws_s3
from worthit.sources.connectors import connectors
from worthit.store.cache import Cache
from worthit.sync import test_source as probe
from worthit.sync.importer import import_file
from worthit.workspace import Workspace

moto = aws_server.moto
moto_server = aws_server.moto_server
keyring_file = aws_server.keyring_file
workspace = aws_server.workspace
cache = aws_server.cache

NAME = "aws-cur"
BUCKET = "worthit-billing"
PREFIX = "cur/acme/"
HEADER = ["identity/LineItemId", "bill/PayerAccountId", "lineItem/UsageAccountId",
          "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/ProductCode",
          "lineItem/UsageType", "lineItem/UsageAmount", "lineItem/CurrencyCode",
          "lineItem/UnblendedCost", "pricing/unit", "resourceTags/user:team"]
COST = HEADER.index("lineItem/UnblendedCost")


def line(day: str, cost: str, usage_type: str = "BoxUsage:g5.xlarge",
         team: str = "search") -> list[str]:
    return ["id", "999999999999", "111111111111", "Usage", f"{day}T00:00:00Z", "AmazonEC2",
            usage_type, "1", "USD", cost, "Hrs", team]


def cur(*rows: list[str]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, *rows])
    return gzip.compress(text.getvalue().encode())


FEB = f"{PREFIX}acme/20250201-20250301/"
MAR = f"{PREFIX}acme/20250301-20250401/"
APR = f"{PREFIX}acme/20250401-20250501/"
FEB_PARTS = {
    f"{FEB}acme-00001.csv.gz": cur(line("2025-02-01", "1.1111111"),
                                   line("2025-02-14", "2.5", "BoxUsage:t3.micro", "ads")),
    f"{FEB}acme-00002.csv.gz": cur(line("2025-02-28", "0.3333333"),
                                   line("2025-02-01", "4.0000004")),
}
MAR_PARTS = {f"{MAR}acme-00001.csv.gz": cur(line("2025-03-02", "10.01"),
                                            line("2025-03-31", "0.99"))}
APR_PARTS = {f"{APR}acme-00001.csv.gz": cur(line("2025-04-05", "7.5"))}


def manifest(keys: list[str]) -> bytes:
    return json.dumps({"assemblyId": "a1", "reportKeys": keys,
                       "billingPeriod": {"start": "20250201T000000.000Z",
                                         "end": "20250301T000000.000Z"}}).encode()


def put(moto: Moto, objects: dict[str, bytes]) -> None:
    s3 = moto.client("s3")
    for key, body in objects.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)


def export(moto: Moto) -> None:
    """Two months: February in two parts with its manifest, March in one part (the
    "overwrite" delivery keeps no manifest there), and files that are not reports."""
    moto.client("s3").create_bucket(Bucket=BUCKET)
    put(moto, {**FEB_PARTS, f"{FEB}acme-Manifest.json": manifest(sorted(FEB_PARTS)),
               **MAR_PARTS, f"{PREFIX}acme/acme-create-table.sql": b"CREATE TABLE",
               "elsewhere/20250301-20250401/other-00001.csv.gz": cur(line("2025-03-01", "99"))})


def add(cache: Cache, moto: Moto, **settings: Any) -> None:
    add_source(cache, NAME, "aws-s3", endpoint=moto.url, bucket=BUCKET, prefix=PREFIX,
               **settings)


def billed(*parts: bytes) -> float:
    return sum(float(r[COST]) for p in parts
               for r in list(csv.reader(io.StringIO(gzip.decompress(p).decode())))[1:])


def by_month(cache: Cache) -> dict[str, float]:
    return dict(cache._rows("SELECT substr(charge_period_start, 1, 7), TOTAL(billed_cost) "
                           "FROM charges GROUP BY 1"))


def downloads(moto: Moto, since: int = 0) -> list[str]:
    """The object keys fetched (GetObject) since the ``since``-th request, in order."""
    prefix = f"/{BUCKET}/"
    return [s.path.removeprefix(prefix) for s in moto.seen[since:] if s.method == "GET"
            and s.path.startswith(prefix) and "list-type" not in s.query]


def lists(moto: Moto, since: int = 0) -> int:
    """The ListObjectsV2 requests since the ``since``-th request."""
    return sum(s.method == "GET" and "list-type=2" in s.query for s in moto.seen[since:])


# -- the registry and the layout -----------------------------------------------------------


def test_the_export_is_registered_with_its_settings() -> None:
    connector = connectors()["aws-s3"]
    assert dict(CONNECTOR_KINDS)["aws-s3"] == connector.title  # `sources add --help`
    assert connector.title == "AWS Data Exports / CUR on S3"
    assert connector.downloads and connector.scan is not None
    assert [s.name for s in connector.settings] == ["bucket", "prefix", "profile", "region",
                                                    "endpoint"]


@pytest.mark.parametrize(("key", "period"), [
    ("cur/r/20250201-20250301/abc/r-00001.csv.gz", ("2025-02-01", "2025-02-28")),
    ("cur/r/20241201-20250101/r-Manifest.json", ("2024-12-01", "2024-12-31")),
    ("x/data/BILLING_PERIOD=2024-02/x-00001.snappy.parquet", ("2024-02-01", "2024-02-29")),
    ("x/r/r/year=2024/month=12/r-00001.snappy.parquet", ("2024-12-01", "2024-12-31")),
    ("cur/r/r-create-table.sql", None),
    ("cur/r/20250231-20250301/r.csv", None),
])
def test_billing_periods_are_read_from_the_folders(key: str,
                                                   period: tuple[str, str] | None) -> None:
    found = aws_s3.period_of(key)
    assert (found and (found.start.isoformat(), found.end.isoformat())) == period


# -- what a sync brings in ---------------------------------------------------------------


def test_an_export_syncs_to_the_cent_part_files_together(cache: Cache, moto: Moto,
                                                         workspace: Workspace) -> None:
    export(moto)
    add(cache, moto)

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert outcome.message == "2025-02-01 to 2025-03-31; 5 API requests"
    # One listing, the manifest, and each part once; nothing outside the prefix.
    assert lists(moto) == 1
    assert sorted(downloads(moto)) == sorted([*FEB_PARTS, f"{FEB}acme-Manifest.json",
                                              *MAR_PARTS])
    assert last_run(cache)["requests"] == 5
    assert by_month(cache) == pytest.approx({
        "2025-02": billed(*FEB_PARTS.values()), "2025-03": billed(*MAR_PARTS.values())},
        abs=1e-9)
    run = last_run(cache)
    assert (run["period_start"], run["period_end"]) == ("2025-02-01", "2025-03-31")
    assert abs(run["billed_total"] - run["source_billed_total"]) <= 0.01
    assert run["rows_read"] == 6
    # The same day in two parts is one charge per key: the parts went in together.
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges WHERE charge_period_start "
                        "= '2025-02-01' AND x_usage_type = 'BoxUsage:g5.xlarge'") == \
        pytest.approx(1.1111111 + 4.0000004)
    assert json.loads(cache._scalar("SELECT tags FROM charges WHERE x_usage_type = "
                                   "'BoxUsage:t3.micro'")) == {"team": "ads"}
    assert list(workspace.folder.glob(".worthit-s3-*")) == []  # the downloads are gone


def test_every_part_s_commitment_terms_are_kept(cache: Cache, moto: Moto,
                                               tmp_path: Path) -> None:
    """A month of a savings plan and a reservation in two parts: the reservation's lines in
    the second only, the savings plan's hourly fees split between both."""
    rows = commitment_lines()
    parts: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    for i, row in enumerate(rows):
        parts[1 if row.get("ri_arn") else i % 2].append(row)
    moto.client("s3").create_bucket(Bucket=BUCKET)
    put(moto, {f"{MAR}acme-0000{n}.csv.gz": gzip.compress(
        write_cur(tmp_path / f"part{n}", "legacy", part).read_bytes())
        for n, part in enumerate(parts, 1)})
    add(cache, moto)

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert len(downloads(moto)) == 2
    with Cache.open(tmp_path / "imported" / "worthit.sqlite") as imported:
        import_file(imported, write_cur(tmp_path / "whole", "legacy", rows), source="cur")
        expected = figures(imported)
    synced = figures(cache)
    assert synced == expected
    plan, reservation = synced["terms"][SP], synced["terms"][RI]
    # The plan's commitment an hour is each day's fees over both parts, over 24 hours.
    assert (plan["term"], plan["offering"], plan["hourly_commitment"]) == (
        "1yr", "ComputeSavingsPlans", SP_HOURLY)
    assert (reservation["term"], reservation["offering"], reservation["payment_option"]) == (
        "1yr", "standard", "Partial Upfront")


def test_a_second_sync_with_nothing_changed_downloads_nothing(cache: Cache,
                                                              moto: Moto) -> None:
    export(moto)
    add(cache, moto)
    assert sync_one(cache).result == "ok"
    before, seen = snapshot(cache), len(moto.seen)

    again = sync_one(cache)

    assert (again.result, again.requests) == ("unchanged", 1)
    assert again.message == "nothing new; 1 API request"
    assert (lists(moto, seen), downloads(moto, seen)) == (1, [])
    run = last_run(cache)
    assert (run["result"], run["requests"], run["rows_written"]) == ("ok", 1, 0)
    assert snapshot(cache) == before


def test_a_changed_part_is_fetched_alone_and_replaces_its_month(cache: Cache,
                                                                moto: Moto) -> None:
    export(moto)
    add(cache, moto)
    assert sync_one(cache).result == "ok"
    february = [r for r in snapshot(cache)[0] if r[1].startswith("2025-02")]
    restated = cur(line("2025-03-02", "10.01"), line("2025-03-30", "5.25"))
    put(moto, {f"{MAR}acme-00001.csv.gz": restated})
    seen = len(moto.seen)

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert outcome.message == "2025-03-01 to 2025-03-31; 2 API requests"
    assert downloads(moto, seen) == [f"{MAR}acme-00001.csv.gz"]
    assert [r for r in snapshot(cache)[0] if r[1].startswith("2025-02")] == february
    assert by_month(cache)["2025-03"] == pytest.approx(10.01 + 5.25)
    assert cache._scalar("SELECT COUNT(*) FROM charges WHERE charge_period_start = "
                        "'2025-03-31'") == 0  # the restated month no longer has that day
    assert sync_one(cache).result == "unchanged"


def test_a_new_month_is_fetched_alone(cache: Cache, moto: Moto) -> None:
    export(moto)
    add(cache, moto)
    assert sync_one(cache).result == "ok"
    put(moto, APR_PARTS)
    seen = len(moto.seen)

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert downloads(moto, seen) == list(APR_PARTS)
    assert by_month(cache)["2025-04"] == pytest.approx(7.5)


def test_a_month_gone_from_the_bucket_is_kept_and_never_replaced(cache: Cache,
                                                                   moto: Moto) -> None:
    """A lifecycle rule expired February: the cache keeps it. Changes on both sides of it
    are synced one side at a time, so no span of days replaced covers it."""
    export(moto)
    put(moto, {f"{PREFIX}acme/20250101-20250201/acme-00001.csv.gz":
               cur(line("2025-01-10", "3.0"))})
    add(cache, moto)
    assert sync_one(cache).result == "ok"
    february = by_month(cache)["2025-02"]
    s3 = moto.client("s3")
    for key in [*FEB_PARTS, f"{FEB}acme-Manifest.json"]:
        s3.delete_object(Bucket=BUCKET, Key=key)
    put(moto, {f"{PREFIX}acme/20250101-20250201/acme-00001.csv.gz":
               cur(line("2025-01-10", "3.5")),
               f"{MAR}acme-00001.csv.gz": cur(line("2025-03-02", "11.0"))})

    first = sync_one(cache)
    second = sync_one(cache)

    assert (first.result, first.message.split(";")[0]) == ("ok", "2025-03-01 to 2025-03-31")
    assert (second.result, second.message.split(";")[0]) == ("ok",
                                                             "2025-01-01 to 2025-01-31")
    assert by_month(cache) == pytest.approx({"2025-01": 3.5, "2025-02": february,
                                             "2025-03": 11.0})
    assert sync_one(cache).result == "unchanged"


def test_days_the_user_gives_replace_only_those_days(cache: Cache, moto: Moto) -> None:
    export(moto)
    add(cache, moto)
    assert sync_one(cache).result == "ok"
    put(moto, {f"{MAR}acme-00001.csv.gz": cur(line("2025-03-02", "20.0"),
                                              line("2025-03-31", "0.99"))})

    outcome = sync_one(cache, window=(dt.date(2025, 3, 1), dt.date(2025, 3, 15)))

    assert outcome.result == "ok", outcome
    assert dict(cache._rows("SELECT charge_period_start, TOTAL(billed_cost) FROM charges "
                           "WHERE charge_period_start >= '2025-03' GROUP BY 1")) == \
        pytest.approx({"2025-03-02": 20.0, "2025-03-31": 0.99})
    # March was replaced only in part: the next sync still sees it as changed.
    assert "2025-03-01" not in aws_server.settings_of(cache, NAME)["state"]["periods"]
    assert sync_one(cache).message.startswith("2025-03-01 to 2025-03-31")


def test_report_versions_are_read_from_the_manifest_or_refused(cache: Cache,
                                                               moto: Moto) -> None:
    """The "create new report version" delivery: one folder per assembly in the period."""
    moto.client("s3").create_bucket(Bucket=BUCKET)
    old, new = f"{MAR}assembly-1/acme-00001.csv.gz", f"{MAR}assembly-2/acme-00001.csv.gz"
    put(moto, {old: cur(line("2025-03-02", "1.0")), new: cur(line("2025-03-02", "2.0"))})
    add(cache, moto)

    refused = sync_one(cache)

    assert refused.result == "failed"
    assert "report files in 2 folders and no manifest" in refused.message
    put(moto, {f"{MAR}acme-Manifest.json": manifest([new]),
               f"{MAR}assembly-2/acme-Manifest.json": manifest([new])})

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert by_month(cache) == pytest.approx({"2025-03": 2.0})


# -- refusals, failures and cancels ------------------------------------------------------------


def test_a_bad_object_fails_naming_its_key_line_and_column(cache: Cache,
                                                           moto: Moto) -> None:
    export(moto)
    add(cache, moto)
    assert sync_one(cache).result == "ok"
    before, state = snapshot(cache), aws_server.settings_of(cache, NAME)["state"]
    bad = f"{MAR}acme-00001.csv.gz"
    put(moto, {bad: cur(line("2025-03-02", "10.01"), line("2025-03-03", "twelve"))})

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert f"s3://{BUCKET}/{bad}, line 3, column 'lineItem/UnblendedCost': 'twelve' is not " \
        "a number" in outcome.message
    assert snapshot(cache) == before
    assert aws_server.settings_of(cache, NAME)["state"] == state  # tried again next time
    assert last_run(cache)["result"] == "failed"


def test_charges_outside_their_billing_period_are_refused(cache: Cache, moto: Moto) -> None:
    moto.client("s3").create_bucket(Bucket=BUCKET)
    put(moto, {f"{MAR}acme-00001.csv.gz": cur(line("2025-04-02", "1.0"))})
    add(cache, moto)

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert f"s3://{BUCKET}/{MAR}acme-00001.csv.gz: holds charges for 2025-04-02, outside " \
        "its billing period (2025-03-01 to 2025-03-31)" in outcome.message
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0


def test_a_prefix_without_reports_says_what_it_expected(cache: Cache, moto: Moto) -> None:
    moto.client("s3").create_bucket(Bucket=BUCKET)
    put(moto, {f"{PREFIX}notes.txt": b"hello"})
    add(cache, moto)

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert f"s3://{BUCKET}/{PREFIX} holds no Cost and Usage Report files" in outcome.message


def test_a_cancel_during_the_downloads_changes_nothing(cache: Cache, moto: Moto,
                                                       workspace: Workspace) -> None:
    export(moto)
    add(cache, moto)
    assert sync_one(cache).result == "ok"
    before, state = snapshot(cache), aws_server.settings_of(cache, NAME)["state"]
    put(moto, {f"{MAR}acme-00001.csv.gz": cur(line("2025-03-02", "50.0")), **APR_PARTS})
    seen = len(moto.seen)
    scratch: list[Path] = []

    def cancelled() -> bool:
        scratch.extend(workspace.folder.glob(".worthit-s3-*/part-*"))
        return len(downloads(moto, seen)) >= 1

    outcome = sync_one(cache, cancelled=cancelled)

    assert outcome.result == "cancelled"
    assert len(downloads(moto, seen)) == 1
    assert snapshot(cache) == before
    assert aws_server.settings_of(cache, NAME)["state"] == state
    assert scratch and all(p.parent.parent == workspace.folder for p in scratch)
    assert list(workspace.folder.glob(".worthit-s3-*")) == []


@pytest.mark.parametrize(("allowed", "action"), [
    (("s3:GetObject",), "s3:ListBucket"), (("s3:ListBucket",), "s3:GetObject")])
def test_a_denied_permission_names_the_iam_action(cache: Cache, moto: Moto,
                                                  allowed: tuple[str, ...],
                                                  action: str) -> None:
    export(moto)
    keys = moto.user("reader", *allowed)
    add_source(cache, NAME, "aws-s3", secret=keys, endpoint=moto.url, bucket=BUCKET,
               prefix=PREFIX)

    with moto.iam_enforced():
        with pytest.raises(UserError) as refused:
            probe(cache, NAME)
        outcome = sync_one(cache)

    for message in (str(refused.value), outcome.message):
        assert "S3 denied access (AccessDenied" in message
        assert f"needs the IAM permission {action}" in message
        assert keys.split(":")[1] not in message
    assert outcome.result == "failed"
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0


def test_the_connection_test_lists_and_reads_one_byte(cache: Cache, moto: Moto) -> None:
    export(moto)
    add(cache, moto)

    said = probe(cache, NAME)

    assert said == (f"Connected to s3://{BUCKET}/{PREFIX}: 3 report files in 2 billing "
                    "periods, the latest from 2025-03-01.")
    assert (lists(moto), downloads(moto)) == (1, [f"{MAR}acme-00001.csv.gz"])


def test_a_missing_bucket_is_named(cache: Cache, moto: Moto) -> None:
    add(cache, moto)

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert f"s3://{BUCKET}/{PREFIX}" in outcome.message and "NoSuchBucket" in outcome.message


def test_the_command_line_adds_and_syncs_an_export(
        cache: Cache, moto: Moto, workspace: Workspace, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    export(moto)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{aws_server.KEYS}\n"))
    code, out, _err = run_cli(capsys, workspace, "sources", "add", "aws-s3", "--name", NAME,
                              "--set", f"bucket={BUCKET}", "--set", f"prefix={PREFIX}",
                              "--set", f"endpoint={moto.url}")
    assert code == 0, out

    code, out, err = run_cli(capsys, workspace, "sync", "--source", NAME)
    again, out_again, err_again = run_cli(capsys, workspace, "sync", "--source", NAME)

    assert code == 0, out + err
    assert "2025-02-01 to 2025-03-31; 5 API requests" in out + err
    assert again == 0 and "nothing new; 1 API request" in out_again + err_again
    assert by_month(cache) == pytest.approx({
        "2025-02": billed(*FEB_PARTS.values()), "2025-03": billed(*MAR_PARTS.values())})

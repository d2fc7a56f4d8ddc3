"""``worthit import``, ``worthit sync`` and ``worthit sources list`` as a user runs them
(in this process, through ``main``): what each file was recognised as, its own totals
against the cache's, refusals that name file and line without stopping the other files,
and the exit code (2 when anything was refused or failed)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.shared_data import sample

from worthit.store.cache import Cache
from worthit.workspace import Workspace

#: The real samples in ../shared/data (tests.shared_data), relative to that folder.
FOCUS_SAMPLE = ("focus", "focus-1.0-sample-aws-azure-oci.csv")
CUR_SAMPLE = ("aws-cur", "legacy-cur-anonymous.csv")
AZURE_SAMPLE = ("azure", "ea-actual-cost.csv")

FOCUS_HEADER = ("ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,"
                "BillingCurrency,ProviderName,ServiceName,ServiceCategory,ResourceId,Tags")
CUR_HEADER = ("lineItem/UsageStartDate,lineItem/LineItemType,lineItem/ProductCode,"
              "lineItem/UsageType,lineItem/UsageAmount,lineItem/CurrencyCode,"
              "lineItem/UnblendedCost,lineItem/ResourceId")


def focus_file(path: Path, rows: list[tuple[str, str, str]], resource: str = "i-1") -> Path:
    """A FOCUS file of (day, billed, effective) rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{d} 00:00:00,{d} 01:00:00,{b},{e},{b},USD,AWS,Amazon EC2,Compute,{resource},"
             for d, b, e in rows]
    path.write_text("\n".join([FOCUS_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def cur_file(path: Path, rows: list[tuple[str, str]], resource: str = "i-c") -> Path:
    """A legacy AWS CUR file of (day, unblended cost) usage rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{d}T00:00:00Z,Usage,AmazonEC2,BoxUsage:m6i.large,24,USD,{c},{resource}"
             for d, c in rows]
    path.write_text("\n".join([CUR_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


FOCUS_ROWS = [("2024-09-01", "1.5", "1.25"), ("2024-09-01", "0.5", "0.5"),
              ("2024-09-04", "3.125", "2")]
CUR_ROWS = [("2025-03-02", "0.75"), ("2025-03-02", "0.25"), ("2025-03-05", "4.5"),
            ("2025-03-09", "1")]


def workspace_at(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


def sources(capsys: pytest.CaptureFixture[str],
            workspace: Workspace) -> dict[str, dict[str, object]]:
    code, out, _ = run_cli(capsys, workspace, "sources", "list", "--output", "json")
    assert code == 0
    return {s["name"]: s for s in json.loads(out)["sources"]}


def charges(workspace: Workspace) -> int:
    with Cache.open(workspace.cache_path) as cache:
        return int(cache._scalar("SELECT COUNT(*) FROM charges"))


# -- import: one source per file ---------------------------------------------------------


def test_importing_the_real_samples_says_what_each_is_and_reconciles(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    focus, cur, azure = sample(*FOCUS_SAMPLE), sample(*CUR_SAMPLE), sample(*AZURE_SAMPLE)
    workspace = workspace_at(tmp_path)
    code, out, err = run_cli(capsys, workspace, "import", str(focus), str(cur), str(azure))
    assert code == 0, err
    lines = out.splitlines()
    # Per file: what it was recognised as, its period, lines and its own totals (the data
    # README's sums); then the source and what the cache holds for those days.
    assert (f"{focus}: recognised as FOCUS; 2024-09-01 to 2024-09-30, 1,000 lines; "
            "billed 20.520227 USD, effective 14.976514 in the file") in lines
    assert (f"{cur}: recognised as AWS CUR; 2023-11-01 to 2023-11-14, 1,281 lines; "
            "billed 1.682309 USD, effective 1.682309 in the file") in lines
    assert (f"{azure}: recognised as Azure cost export; ") in out
    assert "11 lines; billed 8.545008 USD" in out
    assert ("  into source 'file:focus-1.0-sample-aws-azure-oci.csv': 1,000 daily charges; "
            "the cache holds billed 20.520227, effective 14.976514 USD for those days "
            "(reconciled to $0.01)") in lines
    assert "the cache holds billed 1.682309, effective 1.682309 USD" in out
    assert "the cache holds billed 8.545008" in out
    assert "\r[" not in err  # no progress bar: stderr is not a terminal here
    assert set(sources(capsys, workspace)) == {
        "file:focus-1.0-sample-aws-azure-oci.csv", "file:legacy-cur-anonymous.csv",
        "file:ea-actual-cost.csv"}


def test_importing_the_real_samples_as_json_gives_each_files_figures(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    focus, cur, azure = sample(*FOCUS_SAMPLE), sample(*CUR_SAMPLE), sample(*AZURE_SAMPLE)
    workspace = workspace_at(tmp_path)
    code, out, _ = run_cli(capsys, workspace, "import", str(focus), str(cur), str(azure),
                           "--output", "json")
    assert code == 0
    files = {Path(f["file"]).name: f for f in json.loads(out)["files"]}
    # (kind, from, to, rows read, billed, effective): sums from the data README.
    expected = {
        focus.name: ("focus", "2024-09-01", "2024-09-30", 1000, 20.520227, 14.976514),
        cur.name: ("aws-cur", "2023-11-01", "2023-11-14", 1281, 1.682309, None),
        azure.name: ("azure", "2023-09-04", "2023-09-21", 11, 8.545008, None),
    }
    assert set(files) == set(expected)
    for name, (kind, first, last, read, billed, effective) in expected.items():
        f = files[name]
        assert f["result"] == "ok"
        assert f["source"] == f"file:{name}"
        assert (f["kind"], f["period"], f["rows_read"]) == (
            kind, {"from": first, "to": last}, read)
        assert f["currency"] == "USD"
        assert f["billed"]["file"] == pytest.approx(billed, abs=1e-6)
        if effective is not None:
            assert f["effective"]["file"] == pytest.approx(effective, abs=1e-6)
        for what in ("billed", "effective"):
            assert abs(f[what]["cache"] - f[what]["file"]) <= 0.01
        assert 0 < f["rows_written"] <= read
    assert files[cur.name]["rows_written"] < 1281  # hourly lines, combined by day
    with Cache.open(workspace.cache_path) as cache:
        for name, f in files.items():
            written, billed = cache._rows(
                "SELECT COUNT(*), TOTAL(billed_cost) FROM charges WHERE source_id = ?",
                (f"file:{name}",))[0]
            assert written == f["rows_written"]
            assert billed == pytest.approx(f["billed"]["cache"], abs=1e-6)


def test_importing_generated_files_gives_each_its_own_source_and_figures(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    focus = focus_file(tmp_path / "bills" / "focus.csv", FOCUS_ROWS)
    cur = cur_file(tmp_path / "bills" / "cur.csv", CUR_ROWS)
    workspace = workspace_at(tmp_path)
    code, out, err = run_cli(capsys, workspace, "import", str(focus), str(cur))
    assert code == 0, err
    assert (f"{focus}: recognised as FOCUS; 2024-09-01 to 2024-09-04, 3 lines; billed "
            "5.125000 USD, effective 3.750000 in the file") in out
    assert (f"{cur}: recognised as AWS CUR; 2025-03-02 to 2025-03-09, 4 lines; billed "
            "6.500000 USD, effective 6.500000 in the file") in out
    assert ("  into source 'file:focus.csv': 2 daily charges; the cache holds billed "
            "5.125000, effective 3.750000 USD") in out
    assert ("  into source 'file:cur.csv': 3 daily charges; the cache holds billed "
            "6.500000, effective 6.500000 USD") in out

    again = workspace_at(tmp_path / "again")
    code, out, _ = run_cli(capsys, again, "import", str(focus), str(cur), "--output", "json")
    assert code == 0
    focus_json, cur_json = json.loads(out)["files"]
    assert focus_json == {
        "file": str(focus), "kind": "focus", "source": "file:focus.csv",
        "period": {"from": "2024-09-01", "to": "2024-09-04"}, "rows_read": 3,
        "rows_written": 2, "currency": "USD",
        "billed": {"file": 1.5 + 0.5 + 3.125, "cache": 1.5 + 0.5 + 3.125},
        "effective": {"file": 1.25 + 0.5 + 2, "cache": 1.25 + 0.5 + 2}, "replaced": [],
        "result": "ok"}
    assert (cur_json["kind"], cur_json["source"], cur_json["period"]) == (
        "aws-cur", "file:cur.csv", {"from": "2025-03-02", "to": "2025-03-09"})
    assert (cur_json["rows_read"], cur_json["rows_written"]) == (4, 3)
    assert cur_json["billed"] == {"file": 6.5, "cache": 6.5}
    assert cur_json["effective"] == {"file": 6.5, "cache": 6.5}
    listed = sources(capsys, again)
    assert {n: (s["kind"], s["rows"], s["billed_cost"]) for n, s in listed.items()} == {
        "file:focus.csv": ("focus-file", 2, 5.125), "file:cur.csv": ("aws-cur-file", 3, 6.5)}


def test_files_of_the_same_name_in_different_folders_stay_separate_sources(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    one = focus_file(tmp_path / "a" / "bill.csv", [("2024-09-01", "1.5", "1.5")], "i-a")
    two = focus_file(tmp_path / "b" / "bill.csv", [("2024-09-01", "2.5", "2.5")], "i-b")
    workspace = workspace_at(tmp_path)
    code, _out, _err = run_cli(capsys, workspace, "import", str(one), str(two))
    # One source per file, each with its own charges (or a refusal saying why not).
    listed = sources(capsys, workspace)
    assert code == 2 or (len(listed) == 2 and sum(
        s["billed_cost"] for s in listed.values()) == 4.0)


# -- refusals ----------------------------------------------------------------------------


def test_a_refused_file_among_good_ones_exits_2_and_the_good_ones_land(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = focus_file(tmp_path / "good.csv", FOCUS_ROWS)
    bad = focus_file(tmp_path / "bad.csv", [("2024-09-01", "1", "1"),
                                            ("2024-09-02", "lots", "1")])
    cur = cur_file(tmp_path / "cur.csv", CUR_ROWS)
    workspace = workspace_at(tmp_path)
    code, out, _ = run_cli(capsys, workspace, "import", str(good), str(bad), str(cur),
                           "--output", "json")
    assert code == 2
    files = json.loads(out)["files"]
    assert [(f["file"], f["result"]) for f in files] == [
        (str(good), "ok"), (str(bad), "refused"), (str(cur), "ok")]
    error = files[1]["error"]
    assert str(bad) in error and "line 3" in error and "'BilledCost'" in error
    assert "'lots' is not a number" in error
    assert set(files[1]) == {"file", "result", "error"}
    listed = sources(capsys, workspace)
    assert set(listed) == {"file:good.csv", "file:cur.csv"}  # the refused one made none
    assert charges(workspace) == 2 + 3

    # As a table: the good files are reported on stdout, the refusal on stderr.
    table = workspace_at(tmp_path / "table")
    code, out, err = run_cli(capsys, table, "import", str(good), str(bad), str(cur))
    assert code == 2
    assert "recognised as FOCUS" in out and "recognised as AWS CUR" in out
    assert str(bad) not in out
    assert err.startswith(f"worthit: {bad}, line 3, column 'BilledCost'")


def test_format_aws_cur_on_a_focus_file_is_refused_clearly(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    focus = focus_file(tmp_path / "focus.csv", FOCUS_ROWS)
    workspace = workspace_at(tmp_path)
    code, out, err = run_cli(capsys, workspace, "import", "--format", "aws-cur", str(focus))
    assert code == 2
    assert out == ""
    assert f"{focus}, line 1: not an AWS CUR file: no lineItem/UnblendedCost column" in err
    assert charges(workspace) == 0
    assert sources(capsys, workspace) == {}
    code, out, _ = run_cli(capsys, workspace, "import", "--format", "aws-cur", str(focus),
                           "--output", "json")
    assert code == 2
    (refused,) = json.loads(out)["files"]
    assert refused["result"] == "refused" and "not an AWS CUR file" in refused["error"]
    # Told what it is, the same file imports.
    code, out, _ = run_cli(capsys, workspace, "import", "--format", "focus", str(focus))
    assert code == 0
    assert f"{focus}: read as FOCUS" in out


# -- import --source: the files together -------------------------------------------------


def test_source_imports_several_files_together_into_one_source(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    one = focus_file(tmp_path / "part-1.csv", FOCUS_ROWS, resource="i-1")
    two = focus_file(tmp_path / "part-2.csv", [("2024-09-02", "10", "8"),
                                               ("2024-09-04", "0.875", "0.5")], "i-2")
    workspace = workspace_at(tmp_path)
    code, out, err = run_cli(capsys, workspace, "import", "--source", "aws", str(one),
                             str(two))
    assert code == 0, err
    assert f"{one}: recognised as FOCUS; 2024-09-01 to 2024-09-04, 3 lines; billed " \
           "5.125000 USD" in out
    assert f"{two}: recognised as FOCUS; 2024-09-02 to 2024-09-04, 2 lines; billed " \
           "10.875000 USD" in out
    assert out.count("into source") == 1
    assert ("  into source 'aws': the cache holds billed 16.000000, effective 12.250000 USD"
            in out)
    listed = sources(capsys, workspace)
    assert set(listed) == {"aws"}
    assert (listed["aws"]["rows"], listed["aws"]["billed_cost"],
            listed["aws"]["effective_cost"]) == (4, 16.0, 12.25)
    assert (listed["aws"]["first_day"], listed["aws"]["last_day"]) == (
        "2024-09-01", "2024-09-04")

    code, out, _ = run_cli(capsys, workspace, "import", "--source", "aws", str(one),
                           str(two), "--output", "json")
    assert code == 0
    files = json.loads(out)["files"]
    assert [(f["source"], f["result"], f["rows_read"]) for f in files] == [
        ("aws", "ok", 3), ("aws", "ok", 2)]
    assert [f["billed"]["file"] for f in files] == [5.125, 10.875]
    assert [f["effective"]["file"] for f in files] == [3.75, 8.5]
    assert sources(capsys, workspace)["aws"]["billed_cost"] == 16.0  # replaced, not added


# -- sync and sources list ----------------------------------------------------------------


def test_sync_reports_each_source_and_exits_2_when_one_failed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    focus = focus_file(tmp_path / "bills" / "focus.csv", FOCUS_ROWS)
    cur = cur_file(tmp_path / "bills" / "cur.csv", CUR_ROWS)
    workspace = workspace_at(tmp_path)
    assert run_cli(capsys, workspace, "import", str(focus), str(cur))[0] == 0

    code, out, err = run_cli(capsys, workspace, "sync")
    assert code == 0
    assert out.splitlines() == [
        "file:cur.csv: unchanged: its files have not changed since the last import",
        "file:focus.csv: unchanged: its files have not changed since the last import"]
    assert "\r[" not in err

    code, out, _ = run_cli(capsys, workspace, "sync", "--force", "--output", "json")
    assert code == 0
    synced = {s["source"]: s for s in json.loads(out)["sources"]}
    assert {n: (s["result"], s["rows_read"], s["rows_written"]) for n, s in synced.items()} \
        == {"file:cur.csv": ("ok", 4, 3), "file:focus.csv": ("ok", 3, 2)}
    assert set(synced["file:cur.csv"]) == {"source", "result", "message", "rows_read",
                                           "rows_written", "seconds", "requests"}

    code, out, _ = run_cli(capsys, workspace, "sync", "--force", "--source", "file:cur.csv")
    assert code == 0
    assert out == ("file:cur.csv: ok: 1 file, 2025-03-02 to 2025-03-09 (4 lines read, "
                   "3 charges written)\n")

    focus.unlink()
    code, out, _ = run_cli(capsys, workspace, "sync")
    assert code == 2
    assert "file:cur.csv: unchanged" in out
    assert f"file:focus.csv: failed: source 'file:focus.csv': {focus.resolve()} no longer " \
           "exists" in out
    code, out, _ = run_cli(capsys, workspace, "sync", "--output", "json")
    assert code == 2
    assert {s["source"]: s["result"] for s in json.loads(out)["sources"]} == {
        "file:cur.csv": "unchanged", "file:focus.csv": "failed"}
    # Only the failed source asked for: still 2; only the good one: 0.
    assert run_cli(capsys, workspace, "sync", "--source", "file:focus.csv")[0] == 2
    assert run_cli(capsys, workspace, "sync", "--source", "file:cur.csv")[0] == 0
    code, _, err = run_cli(capsys, workspace, "sync", "--source", "nope")
    assert code == 2 and "There is no source 'nope'" in err

    listed = sources(capsys, workspace)
    assert listed["file:focus.csv"]["last_run"]["result"] == "failed"
    assert str(focus.resolve()) in listed["file:focus.csv"]["last_run"]["error"]
    assert listed["file:focus.csv"]["rows"] == 2  # its charges stay
    assert listed["file:cur.csv"]["last_run"]["result"] == "ok"
    assert listed["file:cur.csv"]["last_run"]["rows_written"] == 3
    code, out, _ = run_cli(capsys, workspace, "sources", "list")
    assert code == 0
    assert "file:focus.csv (focus-file): 2024-09-01 to 2024-09-04, 2 charges, 3.75 USD; " \
           "last run failed" in out
    assert f"  source 'file:focus.csv': {focus.resolve()} no longer exists" in out


def test_sync_picks_up_a_changed_file(capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    focus = focus_file(tmp_path / "bills" / "focus.csv", FOCUS_ROWS)
    workspace = workspace_at(tmp_path)
    assert run_cli(capsys, workspace, "import", str(focus))[0] == 0
    focus_file(focus, [("2024-09-01", "9", "8"), ("2024-09-04", "1", "1")])
    stat = focus.stat()
    os.utime(focus, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))
    code, out, _ = run_cli(capsys, workspace, "sync")
    assert code == 0
    assert out.startswith("file:focus.csv: ok: 1 file, 2024-09-01 to 2024-09-04 "
                          "(2 lines read, 2 charges written)")
    listed = sources(capsys, workspace)["file:focus.csv"]
    assert (listed["billed_cost"], listed["effective_cost"]) == (10.0, 9.0)


# -- the progress bar ---------------------------------------------------------------------


def test_the_progress_bar_is_drawn_only_on_a_terminal(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    focus = focus_file(tmp_path / "focus.csv", FOCUS_ROWS)
    workspace = workspace_at(tmp_path)
    assert not sys.stderr.isatty()
    code, _, err = run_cli(capsys, workspace, "import", str(focus))
    assert code == 0
    assert "\r[" not in err
    code, _, err = run_cli(capsys, workspace, "sync", "--force")
    assert code == 0
    assert "\r[" not in err
    # The control: the same commands on a terminal do draw it.
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = run_cli(capsys, workspace, "import", str(focus))
    assert code == 0
    assert "\r[" in err and "100%" in err
    code, _, err = run_cli(capsys, workspace, "sync", "--force")
    assert code == 0
    assert "\r[" in err and "file:focus.csv" in err

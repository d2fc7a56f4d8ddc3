"""The ``worthit`` command, run as a user runs it: a real process on a real workspace."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import DEMO_END
from tests.export.support import parse_csv

from worthit import __version__
from worthit.analysis.overview import overview
from worthit.core.periods import Period
from worthit.workspace import Workspace


def worthit(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if home is not None:
        env["WORTHIT_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "worthit", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def test_version() -> None:
    result = worthit("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"worthit {__version__}"


def test_report_overview_json_matches_the_analysis(demo_workspace: Workspace) -> None:
    result = worthit("--workspace", str(demo_workspace.folder), "report", "overview",
                     "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    with demo_workspace.open() as cache:
        expected = overview(cache, Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    assert data["total_effective_cost"] == round(expected.total, 2)
    assert data["previous_period"] == {"from": "2026-09-01", "to": "2026-09-30"}
    assert data["data_through"] == DEMO_END.isoformat()
    assert set(data) >= {"period", "currency", "month_to_date", "ai", "by_provider", "movers",
                         "tokens", "change", "change_pct"}


def test_report_overview_csv_sums_to_the_total(demo_workspace: Workspace) -> None:
    result = worthit("--workspace", str(demo_workspace.folder), "report", "overview",
                     "--format", "csv")
    assert result.returncode == 0, result.stderr
    _, columns, rows = parse_csv(result.stdout)
    assert columns[0] == "Day" and columns[-1] == "Total"
    assert len({r["Day"] for r in rows}) == 30
    as_json = json.loads(worthit("--workspace", str(demo_workspace.folder), "report",
                                 "overview", "--format", "json").stdout)
    assert sum(float(r["Total"]) for r in rows) == pytest.approx(
        as_json["total_effective_cost"], abs=0.01)
    for provider in as_json["by_provider"]:
        assert sum(float(r[provider["provider"]]) for r in rows) == pytest.approx(
            provider["cost"], abs=0.01)


def test_report_table_is_readable(demo_workspace: Workspace) -> None:
    result = worthit("--workspace", str(demo_workspace.folder), "report", "overview")
    assert result.returncode == 0, result.stderr
    assert "Total spend" in result.stdout
    assert "Top movers" in result.stdout
    assert "Anthropic" in result.stdout


def test_a_bad_date_is_refused_with_a_clear_message(demo_workspace: Workspace) -> None:
    result = worthit("--workspace", str(demo_workspace.folder), "report", "overview",
                     "--from", "2026-13-01")
    assert result.returncode == 2
    assert "'2026-13-01' is not a date of the form YYYY-MM-DD" in result.stderr


def test_screenshot_command_writes_a_png(demo_workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "shots" / "overview.png"
    result = worthit("--workspace", str(demo_workspace.folder), "screenshot", "overview",
                     "--out", str(out), "--size", "1000x700")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000  # a populated page, not an empty frame


def worthit_at_home(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``worthit ARGS`` as a new user runs it: no WORTHIT_HOME, a fresh user data folder."""
    env = {k: v for k, v in os.environ.items() if k != "WORTHIT_HOME"}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"),
               HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "worthit", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def test_first_use_creates_the_demo_workspace_in_its_own_folder(tmp_path: Path) -> None:
    result = worthit_at_home(tmp_path, "report", "overview", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "Worthit" / "demo" / "worthit.sqlite").is_file()
    assert json.loads(result.stdout)["total_effective_cost"] > 0


def test_a_bill_is_not_imported_into_the_demo_without_asking(tmp_path: Path) -> None:
    bill = tmp_path / "bill.csv"
    bill.write_text("ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,"
                    "BillingCurrency,ProviderName,ServiceName\n"
                    "2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,1.5,1.5,USD,AWS,EC2\n")
    for _ in range(2):  # before the demo exists, and once it does
        result = worthit_at_home(tmp_path, "import", str(bill))
        assert result.returncode == 2
        assert "this is the demo workspace" in result.stderr and "--into-demo" in result.stderr
        worthit_at_home(tmp_path, "report", "overview")  # makes the demo
    result = worthit_at_home(tmp_path, "import", str(bill), "--into-demo")
    assert result.returncode == 0, result.stderr


def test_a_folder_without_a_cache_is_refused_or_starts_empty_never_the_demo(
        tmp_path: Path) -> None:
    typo = tmp_path / "acme-typo"
    result = worthit("--workspace", str(typo), "report", "overview")
    assert result.returncode == 2 and f"no workspace at {typo}" in result.stderr
    assert not typo.exists()  # nothing invented
    acme = tmp_path / "acme"
    result = worthit("--workspace", str(acme), "budgets", "set", "--total", "--amount", "100")
    assert result.returncode == 0, result.stderr
    with Workspace(acme).open() as cache:  # an empty workspace of its own: no demo money
        assert cache.data_range() is None
        assert cache._scalar("SELECT COUNT(*) FROM sources") == 0
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    result = worthit("--workspace", str(a_file), "report", "overview")
    assert result.returncode == 2
    assert f"{a_file} is a file, not a workspace folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_command_honours_seed_and_end(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    result = worthit("demo", "--workspace", str(folder), "--seed", "3", "--end", "2026-01-31")
    assert result.returncode == 0, result.stderr
    assert "2026-01-31" in result.stdout
    with Workspace(folder).open() as cache:
        assert cache.data_range() == (dt.date(2025, 1, 1), dt.date(2026, 1, 31))
        assert cache.get_meta("demo.seed") == "3"
    shutil.rmtree(folder)


def test_the_demo_never_replaces_a_workspace_holding_your_own_bills(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    bill = tmp_path / "bill.csv"
    bill.write_text("ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,"
                    "BillingCurrency,ProviderName,ServiceName\n"
                    "2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,1.5,1.5,USD,AWS,EC2\n")
    assert worthit("--workspace", str(folder), "import", str(bill)).returncode == 0
    before = (folder / "worthit.sqlite").read_bytes()
    result = worthit("demo", "--workspace", str(folder))
    assert result.returncode == 2
    assert f"{folder} holds your own data (1 source: file:bill.csv)" in result.stderr, result.stderr
    assert (folder / "worthit.sqlite").read_bytes() == before
    with Workspace(folder).open() as cache:
        assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == 1.5


def test_a_period_without_data_is_refused_not_reported_as_zero(demo_workspace: Workspace
                                                              ) -> None:
    for verb in (["report", "overview"], ["export", "table", "overview", "--out", "x.csv"]):
        result = worthit("--workspace", str(demo_workspace.folder), *verb,
                         "--from", "2031-01-01", "--to", "2031-01-31")
        assert result.returncode == 2
        assert "no data from 2031-01-01 to 2031-01-31: this workspace holds charges from" \
            in result.stderr
        assert "$0.00" not in result.stdout and "Traceback" not in result.stderr


def test_a_reader_that_stops_early_gets_no_traceback(demo_workspace: Workspace) -> None:
    """`worthit report ... | head`: the reader is gone before the report is written (the
    pipe is closed while the command is still starting)."""
    command = [sys.executable, "-m", "worthit", "--workspace", str(demo_workspace.folder),
               "report", "allocation", "--depth", "4"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        err = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert code == 141  # 128 + SIGPIPE, as a shell reports a command the pipe ended

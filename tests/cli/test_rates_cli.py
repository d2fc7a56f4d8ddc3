"""``worthit rates import``, ``list`` and ``remove``, run in-process through the CLI's
entry point as a user types them (and once as the installed ``worthit`` command)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from tests.conftest import run_cli as run
from tests.core.test_rates import ECB_DAY, ECB_HISTORY

from worthit.workspace import Workspace


def stored(workspace: Workspace) -> list[tuple[str, str, str, float, str]]:
    """Every stored rate, straight from the file."""
    with closing(sqlite3.connect(f"file:{workspace.cache_path}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT day, from_currency, to_currency, rate, source FROM "
                            "exchange_rates ORDER BY 2, 3, 1").fetchall()


def revision(workspace: Workspace) -> str | None:
    with closing(sqlite3.connect(f"file:{workspace.cache_path}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'rates.revision'").fetchone()
        return None if row is None else str(row[0])


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(ECB_HISTORY, encoding="utf-8")
    return path


def test_import_list_and_import_again(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      history: Path) -> None:
    workspace = Workspace(tmp_path / "ws")  # a new folder: importing rates starts it
    code, out, err = run(capsys, workspace, "rates", "import", str(history), "--source", "ECB")
    assert code == 0, err
    assert out.strip() == (f"Imported 21 rates (ECB reference rates, 7 pairs, 2025-12-31 … "
                           f"2026-01-05) from {history} as source 'ECB'.")
    assert len(stored(workspace)) == 21 and revision(workspace) == "1"

    listed = json.loads(run(capsys, workspace, "rates", "list", "--format", "json")[1])
    assert len(listed) == 21
    assert listed[0] | {"imported_at": None} == {"date": "2025-12-31", "from": "EUR",
                                                 "to": "BGN", "rate": 1.9558, "source": "ECB",
                                                 "imported_at": None}
    table = run(capsys, workspace, "rates", "list")[1].splitlines()
    assert table[0].split() == ["date", "from", "to", "rate", "source", "imported_at"]
    assert table[1].split()[:5] == ["2025-12-31", "EUR", "BGN", "1.9558", "ECB"]
    assert table[-1] == "21 rates from 1 source"

    day = tmp_path / "eurofxref.csv"
    day.write_text(ECB_DAY, encoding="utf-8")
    code, out, err = run(capsys, workspace, "rates", "import", str(day), "--source", "ECB")
    assert code == 0, err
    assert "(ECB reference rates, 7 pairs, 2026-01-06)" in out
    code, out, err = run(capsys, workspace, "rates", "import", str(history), "--source", "ECB")
    assert out.strip().endswith("as source 'ECB', 21 replacing rates of their day and pair.")
    assert len(stored(workspace)) == 28 and revision(workspace) == "3"


def test_the_csv_listing_imports_back(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      history: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    run(capsys, workspace, "rates", "import", str(history))
    before = stored(workspace)
    assert {r[4] for r in before} == {"eurofxref-hist.csv"}  # the file's name by default
    listing = tmp_path / "listed.csv"
    code, out, _ = run(capsys, workspace, "rates", "list", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "date,from,to,rate,source,imported_at"
    listing.write_text(out, encoding="utf-8")
    code, out, err = run(capsys, workspace, "rates", "import", str(listing), "--source", "copy")
    assert code == 0, err
    assert out.strip().endswith("as source 'copy', 21 replacing rates of their day and pair.")
    assert stored(workspace) == [(*r[:4], "copy") for r in before]


def test_a_bad_file_exits_2_names_line_and_column_and_stores_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, history: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    run(capsys, workspace, "rates", "import", str(history))
    before = stored(workspace)
    bad = tmp_path / "bad-hist.csv"  # the first lines are good: not one of them may land
    bad.write_text(ECB_HISTORY.replace("11.8400", "11.84.00"), encoding="utf-8")
    code, out, err = run(capsys, workspace, "rates", "import", str(bad))
    assert code == 2 and out == ""
    assert err.strip() == (f"worthit: {bad}, line 4, column 'NOK': the rate '11.84.00' is not "
                           "a number above 0")
    assert stored(workspace) == before and revision(workspace) == "1"


def test_remove_a_source_and_refuse_one_unknown(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path, history: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    own = tmp_path / "contract.csv"
    own.write_text("date,from,to,rate\n2026-01-01,USD,NOK,10.5\n", encoding="utf-8")
    run(capsys, workspace, "rates", "import", str(history), "--source", "ECB")
    run(capsys, workspace, "rates", "import", str(own))
    code, out, err = run(capsys, workspace, "rates", "remove", "--source", "ECB")
    assert (code, out.strip()) == (0, "Removed 21 rates of source 'ECB'."), err
    assert stored(workspace) == [("2026-01-01", "USD", "NOK", 10.5, "contract.csv")]
    code, out, err = run(capsys, workspace, "rates", "remove", "--source", "ECB")
    assert code == 2 and out == ""
    assert err.strip() == ("worthit: There are no rates from the source 'ECB' (sources: "
                           "'contract.csv').")
    # --workspace may follow the action, as for every verb.
    main_args = ["rates", "remove", "--source", "contract.csv", "--workspace",
                 str(workspace.folder)]
    from worthit.cli import main

    assert main(main_args) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, workspace, "rates", "list")
    assert (code, out.strip()) == (0, "No exchange rates yet: import some with `worthit rates "
                                      "import FILE`.")


def test_listing_a_folder_that_is_no_workspace_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "typo")
    code, out, err = run(capsys, workspace, "rates", "list")
    assert code == 2 and out == "" and "no workspace at" in err
    assert not workspace.folder.exists()


def test_the_worthit_command_refuses_a_bad_rate(tmp_path: Path) -> None:
    """The installed command, as a user runs it: exit status 2 and the cell named."""
    bad = tmp_path / "rates.csv"
    bad.write_text("date,from,to,rate\n2026-01-02,USD,EUR,0.85\n2026-01-02,USD,XXX,1\n",
                   encoding="utf-8")
    command = Path(sys.executable).with_name("worthit")
    result = subprocess.run(
        [str(command), "--workspace", str(tmp_path / "ws"), "rates", "import", str(bad)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (f"worthit: {bad}, line 3, column 'to': 'XXX' is not an "
                                     "ISO 4217 currency code (such as USD, EUR, NOK)")


def test_the_display_currency_is_shown_set_and_reset(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace, tmp_path: Path) -> None:
    """worthit rates currency: which currency pages show, set for the workspace (reports
    follow it), back to the default; a unit added without --currency takes it."""
    workspace = Workspace(tmp_path / "copy")  # a copy: this test writes
    shutil.copytree(demo_workspace.folder, workspace.folder)
    assert run(capsys, workspace, "rates", "currency")[1].strip() == (
        "Pages show USD (the default: the charges' own currency).")
    code, out, err = run(capsys, workspace, "rates", "currency", "eur")
    assert code == 0, err
    assert out.startswith("Pages show EUR from now on")
    assert run(capsys, workspace, "rates", "currency")[1].strip() == "Pages show EUR (chosen)."
    # The demo's charges are in USD: without a rate every page refuses, naming the pair.
    code, out, err = run(capsys, workspace, "report", "overview", "--format", "json")
    assert code == 2 and "USD→EUR" in err
    code, out, err = run(capsys, workspace, "units", "add", "call", "--name", "Cost per call",
                         "--counts", "calls", "--features", "support-assistant")
    assert code == 0, err
    listed = json.loads(run(capsys, workspace, "units", "list", "--output", "json")[1])
    assert {u["id"]: u["currency"] for u in listed}["call"] == "EUR"
    assert run(capsys, workspace, "rates", "currency", "EUR", "--default")[0] == 2
    code, out, err = run(capsys, workspace, "rates", "currency", "--default")
    assert code == 0 and out.strip() == "Pages show USD from now on (the default)."
    assert run(capsys, workspace, "report", "overview", "--format", "json")[0] == 0
    assert run(capsys, workspace, "rates", "currency", "EURO")[0] == 2

"""``worthit customers import``, ``list``, ``clear`` and ``threshold``, run in-process
through the CLI's entry point as a user types them."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from tests.conftest import run_cli as run

from worthit.workspace import Workspace


def stored(workspace: Workspace) -> list[tuple[str, str, float, str]]:
    """Every revenue row kept, straight from the file."""
    with closing(sqlite3.connect(f"file:{workspace.cache_path}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT month, customer, revenue, currency FROM customer_revenue "
                            "ORDER BY 1, 2").fetchall()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_list_and_import_again(capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")  # a new folder: importing revenue starts it
    first = write(tmp_path / "revenue.csv", "month,customer,revenue,currency\n"
                                            "2026-09,acme,1000,USD\n2026-09,globex,250.5,EUR\n"
                                            "2026-10,acme,1100,\n")
    code, out, err = run(capsys, workspace, "customers", "import", str(first))
    assert code == 0, err
    assert out.strip() == (f"Kept revenue for 2 months (2026-09 … 2026-10) and 2 customers "
                           f"from {first}: €250.50 in EUR; $2,100.00 in USD. These months "
                           "replace what was kept for them.")
    assert stored(workspace) == [("2026-09", "acme", 1000.0, "USD"),
                                 ("2026-09", "globex", 250.5, "EUR"),
                                 ("2026-10", "acme", 1100.0, "USD")]

    # October again: it replaces October (globex, in NOK by --currency), September stays.
    again = write(tmp_path / "october.csv", "Revenue,Month,Customer\n300,2026-10,globex\n")
    code, out, err = run(capsys, workspace, "customers", "import", str(again),
                         "--currency", "nok")
    assert code == 0, err
    assert "1 month (2026-10) and 1 customer" in out and "300.00 NOK in NOK" in out
    assert stored(workspace) == [("2026-09", "acme", 1000.0, "USD"),
                                 ("2026-09", "globex", 250.5, "EUR"),
                                 ("2026-10", "globex", 300.0, "NOK")]

    listed = json.loads(run(capsys, workspace, "customers", "list", "--format", "json")[1])
    assert listed[-1] == {"month": "2026-10", "customer": "globex", "revenue": 300.0,
                          "currency": "NOK"}
    table = run(capsys, workspace, "customers", "list")[1].splitlines()
    assert table[0].split() == ["month", "customer", "revenue", "currency"]
    assert table[1].split() == ["2026-09", "acme", "1,000.00", "USD"]
    assert table[-1] == "2 months, 2 customers: €250.50 in EUR; 300.00 NOK in NOK; " \
                        "$1,000.00 in USD"
    csv_lines = run(capsys, workspace, "customers", "list", "--format", "csv")[1].splitlines()
    assert csv_lines[0] == "month,customer,revenue,currency" and len(csv_lines) == 4

    code, out, _ = run(capsys, workspace, "customers", "clear")
    assert (code, out.strip()) == (0, "Forgot 3 revenue rows.")
    assert stored(workspace) == []
    assert "No revenue kept" in run(capsys, workspace, "customers", "list")[1]


def test_a_bad_file_keeps_nothing_and_says_where(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    good = write(tmp_path / "good.csv", "month,customer,revenue\n2026-09,acme,10\n")
    assert run(capsys, workspace, "customers", "import", str(good))[0] == 0
    bad = write(tmp_path / "bad.csv", "month,customer,revenue\n2026-09,acme,20\n"
                                      "2026-09,globex,twelve\n")
    code, out, err = run(capsys, workspace, "customers", "import", str(bad))
    assert code == 2 and out == ""
    assert f"{bad}, line 3, column 'revenue': revenue 'twelve' is not a number" in err
    assert stored(workspace) == [("2026-09", "acme", 10.0, "USD")]  # all or nothing


def test_the_threshold_is_shown_set_and_reset(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    good = write(tmp_path / "good.csv", "month,customer,revenue\n2026-09,acme,10\n")
    run(capsys, workspace, "customers", "import", str(good))
    assert "over 50 % of their revenue" in run(capsys, workspace, "customers", "threshold")[1]
    code, out, _ = run(capsys, workspace, "customers", "threshold", "35 %")
    assert code == 0 and "over 35 % of their revenue come first from now on" in out
    assert "over 35 %" in run(capsys, workspace, "customers", "threshold")[1]
    code, _, err = run(capsys, workspace, "customers", "threshold", "lots")
    assert code == 2 and "'lots' is not a share" in err
    code, _, err = run(capsys, workspace, "customers", "threshold", "0")
    assert code == 2 and "above 0 %" in err
    assert "over 50 %" in run(capsys, workspace, "customers", "threshold", "--default")[1]


def test_report_customers_in_each_format(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    from tests.analysis.test_customers import charge, usage_csv

    from worthit.sync.importer import import_file

    workspace = Workspace(tmp_path / "ws")
    day = dt.date(2026, 9, 15)
    with workspace.open() as cache:
        cache.replace_charges("bill", day, day, [charge(day, 100.0, 1_000_000, 0, 0)])
    days = ("--from", "2026-09-01", "--to", "2026-09-30")
    text = run(capsys, workspace, "report", "customers", *days)[1]
    assert "AI bill $100.00 (billed)" in text and "No request traces in this period" in text

    with workspace.open() as cache:
        import_file(cache, usage_csv(tmp_path / "u.csv", [
            (day.isoformat(), "acme", "gpt-4.1", 600_000, 0, 0, 0, 5, "", "chat"),
            (day.isoformat(), "globex", "gpt-4.1", 300_000, 0, 0, 0, 5, "", "chat")]))
    run(capsys, workspace, "customers", "import",
        str(write(tmp_path / "r.csv", "month,customer,revenue\n2026-09,acme,100\n"
                                      "2026-09,globex,1000\n")))
    found = json.loads(run(capsys, workspace, "report", "customers", "--format", "json",
                           *days)[1])
    assert [(c["customer"], c["cost"], c["revenue"], c["margin"], c["over_threshold"])
            for c in found["customers"]] == [("acme", 60.0, 100.0, 40.0, True),
                                             ("globex", 30.0, 1000.0, 970.0, False),
                                             ("Not traced", 10.0, None, None, False)]
    assert found["basis"]["cost"] == "allocated from the bill"
    assert (found["ai_bill"], found["not_traced"], found["traced_share"]) == (100.0, 10.0, 0.9)
    lines = run(capsys, workspace, "report", "customers", "--format", "csv", *days)[1]
    rows = [line.split(",") for line in lines.splitlines() if not line.startswith("#")]
    assert rows[0][:2] == ["Customer", "AI cost (allocated from the bill)"]
    assert sum(float(r[1]) for r in rows[1:]) == pytest.approx(100.0)
    text = run(capsys, workspace, "report", "customers", *days)[1]
    assert "Customers whose AI cost is over 50 % of their revenue: 1 (acme)." in text
    assert "! acme" in text and "A month's revenue counts for" in text

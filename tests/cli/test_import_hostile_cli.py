"""``worthit import`` of a bill whose amounts add up past any number (issue 25): the file
is refused with its line and column, the command exits 2, and the reports stay numbers
(they printed ``Infinity`` once two lines of 1e308 had landed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import run_cli

from worthit.workspace import Workspace

HEADER = "ChargePeriodStart,BilledCost,EffectiveCost,BillingCurrency,ServiceName,ResourceId"


def test_a_bill_of_1e308_lines_is_refused_and_reports_stay_finite(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(f"{HEADER}\n2025-03-02T00:00:00Z,10,8,USD,Amazon EC2,i-1\n",
                    encoding="utf-8")
    bad.write_text(f"{HEADER}\n" + "".join(f"2025-03-02T00:00:00Z,1e308,1e308,USD,Amazon EC2,"
                                           f"i-{n}\n" for n in range(2)), encoding="utf-8")
    code, _out, err = run_cli(capsys, workspace, "import", str(good))
    assert code == 0, err
    code, _out, err = run_cli(capsys, workspace, "import", str(bad))
    assert code == 2
    assert f"{bad}, line 2, column 'BilledCost': '1e308' is too large for one line" in err
    code, out, err = run_cli(capsys, workspace, "report", "overview", "--format", "json")
    assert code == 0, err

    def refuse(constant: str) -> None:
        raise AssertionError(f"the report holds {constant}")

    report = json.loads(out, parse_constant=refuse)
    assert report["currency"] == "USD"

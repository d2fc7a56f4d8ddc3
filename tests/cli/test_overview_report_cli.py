"""``worthit report overview`` in its three forms: movers one table per dimension (each row
naming its dimension in JSON), and the month-end forecast with its P10–P90 range and its
method, the same figure in text, JSON and the CSV's header block."""

from __future__ import annotations

import json
import re

import pytest
from tests.conftest import DEMO_END
from tests.conftest import run_cli as run
from tests.export.support import parse_csv

from worthit.analysis.overview import MOVER_DIMENSIONS, overview
from worthit.core.money import money
from worthit.core.periods import Preset, preset_period
from worthit.workspace import Workspace

PERIOD = preset_period(Preset.LAST_30, DEMO_END)


def report(capsys: pytest.CaptureFixture[str], workspace: Workspace, fmt: str,
           *args: str) -> str:
    code, out, err = run(capsys, workspace, "report", "overview", "--format", fmt, *args)
    assert code == 0, err
    return out


def test_the_json_forecast_has_a_range_and_its_method(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace) -> None:
    data = json.loads(report(capsys, demo_workspace, "json"))
    with demo_workspace.open() as cache:
        expected = overview(cache, PERIOD).forecast
    assert expected is not None and expected.low is not None and expected.high is not None
    forecast = data["forecast"]
    assert forecast == expected.to_json()
    assert forecast["p10"] <= forecast["month_end"] <= forecast["p90"]
    assert forecast["p10"] < forecast["p90"]  # the demo's days vary
    assert forecast["month"] == "2026-11" and forecast["days_left"] == 4
    assert "weekday" in forecast["method"] and "P10–P90" in forecast["method"]
    # The month-to-date block (the documented shape) carries the same figure and method.
    assert data["month_to_date"]["forecast_month_end"] == forecast["month_end"]
    assert data["month_to_date"]["forecast_method"] == forecast["method"]


def test_the_json_movers_name_their_dimension_one_dimension_after_another(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace) -> None:
    movers = json.loads(report(capsys, demo_workspace, "json"))["movers"]
    dimensions = [m["dimension"] for m in movers]
    assert set(dimensions) == set(MOVER_DIMENSIONS)
    # Grouped: each dimension's rows together, in the tabs' order, largest change first.
    assert dimensions == sorted(dimensions, key=MOVER_DIMENSIONS.index)
    for dimension in MOVER_DIMENSIONS:
        rows = [m for m in movers if m["dimension"] == dimension]
        sizes = [abs(m["change"]) for m in rows]
        assert sizes == sorted(sizes, reverse=True), dimension
        assert len({m["name"] for m in rows}) == len(rows), dimension


def test_the_text_report_has_one_movers_table_per_dimension_and_the_forecast(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace) -> None:
    text = report(capsys, demo_workspace, "table")
    data = json.loads(report(capsys, demo_workspace, "json"))
    f = data["forecast"]
    assert (f"Forecast, 2026-11  {money(f['month_end'])}  "
            f"(P10–P90 {money(f['p10'])}–{money(f['p90'])})") in text
    assert " ".join(text.split()).count(f["method"]) == 1  # wrapped, but whole
    headings = re.findall(r"^Top movers by (\w+)", text, re.MULTILINE)
    assert headings == list(MOVER_DIMENSIONS)
    sections = re.split(r"^Top movers by \w+.*$", text, flags=re.MULTILINE)[1:]
    for dimension, section in zip(MOVER_DIMENSIONS, sections, strict=True):
        lines = [line.strip() for line in section.strip().splitlines()]
        assert lines[0].split()[0] == dimension  # the table's first column is the dimension
        names = [m["name"] for m in data["movers"] if m["dimension"] == dimension]
        assert len(lines) == 1 + len(names)
        for line, name in zip(lines[1:], names, strict=True):
            assert line.startswith(name), (dimension, line)


def test_against_a_partial_previous_period_no_mover_has_a_percentage(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace) -> None:
    args = ("--from", "2025-11-01", "--to", "2025-11-30")  # October 2025 is partly held
    data = json.loads(report(capsys, demo_workspace, "json", *args))
    assert data["previous_period_complete"] is False
    assert data["movers"] and all(m["change_pct"] is None for m in data["movers"])
    text = report(capsys, demo_workspace, "table", *args)
    assert "Top movers by service (the previous period is only partly in the data: no " \
           "percentages)" in text
    movers = text[text.index("Top movers by service"):].splitlines()
    rows = [line for line in movers if line.startswith("  ") and "$" in line]
    assert len(rows) == len(data["movers"])
    assert {line.split()[-1] for line in rows} == {"–"}  # no percentage, and says why


def test_the_csv_header_states_the_forecast(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace) -> None:
    header, columns, rows = parse_csv(report(capsys, demo_workspace, "csv"))
    f = json.loads(report(capsys, demo_workspace, "json"))["forecast"]
    [line] = [h for h in header if h.startswith("forecast: ")]
    assert line.startswith(f"forecast: {money(f['month_end'])} for November 2026 "
                           f"(P10–P90 {money(f['p10'])}–{money(f['p90'])}), as of 2026-11-26.")
    assert line.endswith(f["method"])
    assert columns[0] == "Day" and columns[-1] == "Total"  # the table itself is unchanged
    assert len(rows) == 30

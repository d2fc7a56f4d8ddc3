"""``worthit report allocation``, ``worthit rules export|import`` and ``worthit screenshot
allocation``: run in-process through the CLI's entry point, and once as the installed
``worthit`` command."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import defaultdict
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import DEMO_END
from tests.conftest import run_cli as run
from tests.export.support import parse_csv

from worthit.analysis.allocation import LEVELS, REASONS
from worthit.core.periods import Preset, preset_period
from worthit.core.rules import UNALLOCATED
from worthit.store.rules import RULES_REVISION_KEY, load_rules
from worthit.workspace import Workspace

DEFAULT_PERIOD = preset_period(Preset.LAST_30, DEMO_END)
REASON_NAMES = {name for name, _ in REASONS.values()}


def sql_total(workspace: Workspace) -> float:
    """The default period's spend, straight from the file."""
    with closing(sqlite3.connect(f"file:{workspace.cache_path}?mode=ro", uri=True)) as conn:
        return conn.execute(
            "SELECT SUM(effective_cost) FROM charges WHERE charge_period_start BETWEEN ? AND ?",
            (DEFAULT_PERIOD.start.isoformat(), DEFAULT_PERIOD.end.isoformat())).fetchone()[0]


def saved_rules(workspace: Workspace) -> tuple[list[dict[str, Any]], str | None]:
    """The cache's rules as mappings, and their revision."""
    with workspace.open() as cache:
        return [r.to_json() for r in load_rules(cache)], cache.get_meta(RULES_REVISION_KEY)


# -- report allocation ------------------------------------------------------------------------


def walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        out.append(node)
        out += walk(node.get("children", []))
    return out


def test_report_json_has_the_tree_and_adds_up(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace
) -> None:
    code, out, err = run(capsys, demo_workspace, "report", "allocation", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"period", "previous_period", "previous_period_complete", "currency",
                         "total", "previous_total", "unallocated", "rules", "tree"}
    assert data["period"] == {"from": DEFAULT_PERIOD.start.isoformat(),
                              "to": DEFAULT_PERIOD.end.isoformat()}
    assert data["previous_period_complete"] is True
    assert data["currency"] == "USD"
    assert data["total"] == round(sql_total(demo_workspace), 2)
    assert data["rules"] == 5

    tree = data["tree"]
    unallocated = tree[0]
    assert unallocated["name"] == UNALLOCATED
    assert unallocated["cost"] == data["unallocated"] > 0
    assert unallocated["reason"]
    reasons = unallocated["children"]
    assert {r["name"] for r in reasons} == REASON_NAMES
    assert all(r["level"] == "feature" and r["reason"] for r in reasons)
    assert sum(n["cost"] for n in tree) == pytest.approx(data["total"], abs=0.01 * len(tree))
    # Every node's children add up to it; the default depth reaches the resources.
    nodes = walk(tree)
    for node in nodes:
        assert set(node) >= {"name", "level", "cost", "share", "previous", "change_pct"}
        children = node.get("children", [])
        if children:
            assert sum(c["cost"] for c in children) == pytest.approx(
                node["cost"], abs=0.01 * len(children))
            assert {c["level"] for c in children} == {
                LEVELS[LEVELS.index(node["level"]) + 1]}
        else:
            assert node["level"] == "resource"
        assert node["share"] == pytest.approx(node["cost"] / data["total"], abs=1e-4)
    assert {n["level"] for n in nodes} == set(LEVELS)
    # Unallocated's nodes say why they are there; the teams' never do.
    assert all("reason" in n for n in walk(tree[:1]))
    assert not any("reason" in n for n in walk(tree[1:]))


def test_report_json_depth_one_lists_the_teams_only(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace
) -> None:
    code, out, err = run(capsys, demo_workspace, "report", "allocation", "--format", "json",
                         "--depth", "1")
    assert code == 0, err
    tree = json.loads(out)["tree"]
    assert [n["name"] for n in tree][:1] == [UNALLOCATED]
    assert {n["name"] for n in tree[1:]} == {"devex", "ml-platform", "search", "support"}
    assert not any("children" in n for n in tree)


def test_report_csv_leaves_add_up_to_the_total_and_to_every_team(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace
) -> None:
    code, out, err = run(capsys, demo_workspace, "report", "allocation", "--format", "csv")
    assert code == 0, err
    header, columns, rows = parse_csv(out)
    assert columns == ["Team", "Feature", "Service", "Resource", "Effective cost", "Share",
                       "Previous period", "Change"]
    assert "currency: USD" in header
    total = sql_total(demo_workspace)
    assert abs(sum(float(r["Effective cost"]) for r in rows) - total) < 0.005
    teams: dict[str, float] = defaultdict(float)
    for row in rows:
        teams[row["Team"]] += float(row["Effective cost"])
    shown = json.loads(run(capsys, demo_workspace, "report", "allocation", "--format",
                           "json")[1])
    assert {t["name"]: round(t["cost"], 2) for t in shown["tree"]} == \
        {name: round(cost, 2) for name, cost in teams.items()}
    assert {r["Feature"] for r in rows if r["Team"] == UNALLOCATED} == REASON_NAMES


def test_report_table_shows_unallocated_and_why(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace
) -> None:
    code, out, err = run(capsys, demo_workspace, "report", "allocation")
    assert code == 0, err
    assert out.startswith(f"Allocation {DEFAULT_PERIOD.label()}")
    assert "Unallocated" in out
    assert "Why spend is unallocated" in out
    for name in REASON_NAMES:
        assert f"  {name}: " in out
    # Two levels by default: features but no services; --depth 3 adds them.
    assert "code-review-agent" in out
    assert "Anthropic · claude-sonnet-4-5" not in out
    code, deeper, err = run(capsys, demo_workspace, "report", "allocation", "--depth", "3")
    assert code == 0, err
    assert "Anthropic · claude-sonnet-4-5" in deeper


# -- rules export and import ------------------------------------------------------------------


def test_rules_export_then_import_round_trips(
    capsys: pytest.CaptureFixture[str], writable: Workspace, tmp_path: Path
) -> None:
    before, _ = saved_rules(writable)
    for name in ("rules.yaml", "rules.json"):
        out = tmp_path / name
        code, stdout, err = run(capsys, writable, "rules", "export", str(out))
        assert code == 0, err
        assert stdout.strip() == f"Wrote {len(before)} rules to {out}"
        document = (yaml.safe_load if name.endswith(".yaml") else json.loads)(
            out.read_text(encoding="utf-8"))
        assert document["rules"] == before
        code, stdout, err = run(capsys, writable, "rules", "import", str(out))
        assert code == 0, err
        assert stdout.startswith(f"Imported {len(before)} rules from {out}")
        assert saved_rules(writable)[0] == before

    # An edited file replaces the rules: the last rule disabled, the first one dropped.
    edited = tmp_path / "edited.yaml"
    document = yaml.safe_load((tmp_path / "rules.yaml").read_text(encoding="utf-8"))
    document["rules"] = document["rules"][1:]
    document["rules"][-1]["enabled"] = False
    edited.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    code, _, err = run(capsys, writable, "rules", "import", str(edited))
    assert code == 0, err
    after, _ = saved_rules(writable)
    assert [r["name"] for r in after] == [r["name"] for r in before[1:]]
    assert after[-1]["enabled"] is False
    code, report, err = run(capsys, writable, "report", "allocation", "--format", "json")
    assert code == 0, err
    assert json.loads(report)["rules"] == len(before) - 1


BAD_RULE = """\
version: 1
rules:
  - name: Team and feature tags
    match: {tag_present: team}
    team: {tag: team}
    feature: {tag: feature}
  - name: AWS Support plan
    match: {service: AWS Support*}
    split:
      by: percent
      targets:
        - {team: ml-platform, percent: 60}
        - {team: search, percent: 30}
"""


def test_a_file_with_a_yaml_error_is_refused_with_line_and_column(
    capsys: pytest.CaptureFixture[str], writable: Workspace, tmp_path: Path
) -> None:
    before = saved_rules(writable)
    bad = tmp_path / "broken.yaml"
    bad.write_text("rules:\n  - name: Broken\n    match: {service: [AmazonEC2\n    team: x\n",
                   encoding="utf-8")
    code, out, err = run(capsys, writable, "rules", "import", str(bad))
    assert code == 2
    assert out == ""
    assert err.startswith(f"worthit: {bad}, line 4, column ")
    assert saved_rules(writable) == before


def test_the_worthit_command_refuses_a_bad_rule_and_keeps_the_rules(
    writable: Workspace, tmp_path: Path
) -> None:
    """The installed command, as a user runs it: exit status 2, the rule and the field
    named, and not one rule replaced (the file's first rule is valid)."""
    before = saved_rules(writable)
    bad = tmp_path / "bad-rules.yaml"
    bad.write_text(BAD_RULE, encoding="utf-8")
    command = Path(sys.executable).with_name("worthit")
    assert command.is_file()
    result = subprocess.run(
        [str(command), "--workspace", str(writable.folder), "rules", "import", str(bad)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith(f"worthit: {bad}, rule 2 ('AWS Support plan'), "
                              "field 'split.targets'")
    assert "percentages add up to 90, not 100" in message
    assert "Traceback" not in result.stderr
    assert saved_rules(writable) == before


# -- screenshot -------------------------------------------------------------------------------


def test_exporting_rules_into_a_missing_folder_is_not_a_crash(
    capsys: pytest.CaptureFixture[str], demo_workspace: Workspace, tmp_path: Path
) -> None:
    """A folder that does not exist is the user's to fix: either the file is written (as
    ``screenshot --out`` makes its folder) or the command says why not and exits 2; never
    a traceback."""
    out = tmp_path / "no such folder" / "rules.yaml"
    try:
        code, stdout, err = run(capsys, demo_workspace, "rules", "export", str(out))
    except OSError as error:
        pytest.fail(f"`worthit rules export` crashed: {error!r}")
    if code == 0:
        assert stdout.strip() == f"Wrote 5 rules to {out}"
        assert yaml.safe_load(out.read_text(encoding="utf-8"))["rules"]
    else:
        assert code == 2
        assert err.startswith("worthit: ")
        assert str(out) in err

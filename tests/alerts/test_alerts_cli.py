"""``worthit alerts`` (``watch``), ``worthit budgets`` and ``worthit webhook`` as a scheduler or a
user runs them: what they print and the exit codes the README documents."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from tests.alerts.conftest import Hook
from tests.conftest import run_cli

from worthit.cli import main
from worthit.workspace import Workspace

Capsys = pytest.CaptureFixture[str]


def test_alerts_prints_new_alerts_and_exits_1_while_a_guardrail_is_breached(
        capsys: Capsys, writable: Workspace) -> None:
    code, out, err = run_cli(capsys, writable, "alerts")
    assert code == 1, err
    assert "7 new alerts:" in out  # and the planted commitments' four
    assert "BREACH  1,000 inferences: $0.0644 per 1,000 inferences against a $0.0550 " \
           "target" in out
    assert "owner: devex / code-review-agent · $7," in out
    assert "see the Leaks page" in out
    assert out.rstrip().endswith("Exit 1: 2 breaches.")
    # Again, by its older name (cron lines keep working): nothing new, still breached.
    code, out, _ = run_cli(capsys, writable, "watch")
    assert code == 1
    assert "0 new alerts." in out and "Still breached (2):" in out


def test_alerts_on_the_control_workspace_is_all_clear(capsys: Capsys,
                                                     control_copy: Workspace) -> None:
    code, out, _ = run_cli(capsys, control_copy, "watch")
    assert code == 0
    assert "0 new alerts." in out and out.rstrip().endswith("Exit 0: all clear.")


def test_budgets_from_the_command_line_and_their_exit_codes(
        capsys: Capsys, control_copy: Workspace) -> None:
    ws = control_copy
    code, out, _ = run_cli(capsys, ws, "budgets", "list")
    assert (code, out) == (0, "No budgets. Add one: worthit budgets set --team NAME --amount "
                              "10000\n")
    code, out, _ = run_cli(capsys, ws, "budgets", "set", "--total", "--amount", "150000",
                           "--thresholds", "50,90")
    assert code == 0
    assert out == ("Budget for Whole workspace: $150,000.00 a month, alerts at 50 %, 90 % and "
                   "when forecast to exceed\n")
    code, out, _ = run_cli(capsys, ws, "budgets", "list", "--output", "json")
    [budget] = json.loads(out)["budgets"]
    assert (budget["scope"], budget["amount"], budget["thresholds"]) == ("total", 150000.0,
                                                                         [50.0, 90.0])
    assert budget["month"] == "2026-11" and budget["crossed"] == 50.0
    # A threshold under 100 % is news, not a breach: exit 3, then 0 once known.
    assert run_cli(capsys, ws, "watch")[0] == 3
    assert run_cli(capsys, ws, "watch")[0] == 0
    # Over budget: a breach.
    run_cli(capsys, ws, "budgets", "set", "--team", "support", "--amount", "10")
    code, out, _ = run_cli(capsys, ws, "watch")
    assert code == 1
    assert "BREACH  Team support is over its $10.00 budget for November 2026" in out
    code, out, _ = run_cli(capsys, ws, "budgets", "remove", "--team", "support")
    assert (code, out) == (0, "Removed the team budget for 'support'\n")
    code, _, err = run_cli(capsys, ws, "budgets", "remove", "--team", "support")
    assert code == 2 and err == "worthit: There is no team budget for 'support'.\n"
    code, _, err = run_cli(capsys, ws, "budgets", "set", "--team", "x", "--amount", "-5")
    assert code == 2 and "must be more than zero" in err


def test_a_muted_breach_does_not_fail_the_scheduler(capsys: Capsys,
                                                    writable: Workspace) -> None:
    from worthit.store.alerts import load_alerts, mute

    run_cli(capsys, writable, "watch")
    with writable.open() as cache:
        for alert in load_alerts(cache):
            if alert.breach:
                mute(cache, alert.key, __import__("datetime").date(2099, 1, 1))
    code, out, _ = run_cli(capsys, writable, "watch")
    assert code == 0, out


def test_alerts_json_output(capsys: Capsys, writable: Workspace) -> None:
    code, out, _ = run_cli(capsys, writable, "watch", "--output", "json")
    data = json.loads(out)
    assert code == data["exit_code"] == 1
    assert data["data_through"] == "2026-11-26"
    assert len(data["new"]) == 7 and data["alerts"] == data["new"]
    spike = next(a for a in data["new"] if a["kind"] == "spike")
    assert {"key", "title", "headline", "owner", "amount", "percent", "series", "page",
            "first_seen", "acknowledged_at", "muted_until", "delivery"} <= set(spike)
    assert sorted(data["breached"]) == sorted(a["key"] for a in data["new"]
                                              if a["severity"] == "breach")


def test_alerts_with_sync_syncs_first(capsys: Capsys, tmp_path: Path) -> None:
    from tests.test_sync import shift_mtime, write_focus

    bill = write_focus(tmp_path / "bill.csv", {"2026-11-01": ("10", "10")})
    ws = Workspace(tmp_path / "ws")
    assert run_cli(capsys, ws, "import", str(bill))[0] == 0
    write_focus(bill, {"2026-11-01": ("10", "10"), "2026-11-02": ("12", "12")})
    shift_mtime(bill)
    code, out, _ = run_cli(capsys, ws, "watch", "--sync")
    assert code == 0
    assert out.startswith("Watch of ws: data through 2026-11-02, checked ")
    assert "  sync file:bill.csv: ok: 1 file, 2026-11-01 to 2026-11-02" in out


def test_alerts_help_lists_the_exit_codes(capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["watch", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for line in ("0  all clear", "1  breached", "2  refused", "3  new alerts",
                 "4  the webhook could not deliver"):
        assert line in out


def test_the_readme_documents_the_exit_codes() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### `worthit alerts` exit codes"):]
    for code in range(5):
        assert f"| {code} |" in section


def test_the_webhook_is_set_from_stdin_tested_and_removed(
        capsys: Capsys, monkeypatch: pytest.MonkeyPatch, control_copy: Workspace,
        hook: Hook, keyring_file: Path) -> None:
    ws = control_copy
    code, _, err = run_cli(capsys, ws, "webhook", "test")
    assert code == 2 and "No webhook is set" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("not a url\n"))
    code, _, err = run_cli(capsys, ws, "webhook", "set")
    assert code == 2 and "starts with https://" in err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"  {hook.url}\n"))
    code, out, _ = run_cli(capsys, ws, "webhook", "set")
    assert code == 0 and "kept in the system keyring" in out and hook.url not in out
    code, out, _ = run_cli(capsys, ws, "webhook", "test")
    assert (code, out) == (0, "The webhook took the test message.\n")
    assert hook.bodies()[0]["text"].startswith("Worthit · Demo workspace (control): a test")
    hook.statuses = [403]
    code, _, err = run_cli(capsys, ws, "webhook", "test")
    assert code == 2 and "HTTP 403" in err and "SECRET" not in err
    code, out, _ = run_cli(capsys, ws, "webhook", "remove")
    assert (code, out) == (0, "Webhook removed.\n")
    assert run_cli(capsys, ws, "webhook", "test")[0] == 2


def test_a_webhook_failure_is_said_on_stderr_and_exits_4(
        capsys: Capsys, monkeypatch: pytest.MonkeyPatch, control_copy: Workspace,
        hook: Hook, keyring_file: Path) -> None:
    import worthit.alerts.webhook

    waits: list[float] = []
    monkeypatch.setattr(worthit.alerts.webhook.time, "sleep", waits.append)
    monkeypatch.setattr("sys.stdin", io.StringIO(hook.url))
    run_cli(capsys, control_copy, "webhook", "set")
    run_cli(capsys, control_copy, "budgets", "set", "--total", "--amount", "150000")
    hook.statuses = [502]
    code, out, err = run_cli(capsys, control_copy, "watch")
    assert code == 4
    assert out.rstrip().endswith("Exit 4: the webhook failed, no breach.")
    assert err == ("worthit: webhook: alert budget:total::2026-11:50 not delivered after 3 "
                   "attempts: HTTP 502 Bad Gateway: upstream is down (retried on the next "
                   "pass)\n")
    assert waits == [1.0, 2.0]

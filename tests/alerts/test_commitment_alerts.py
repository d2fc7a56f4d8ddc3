"""Commitment alerts on a workspace imported from a FOCUS file: utilisation under 70 % for
3 days in a row up to the check's day raises one (owned by the team whose usage the
commitment covers, opening the Commitments page on it), for 2 days it does not; a
commitment ending in 20 days raises the ending alert at a 30-day horizon, not at 10; a
re-check raises neither twice. Days to end count from today (here set to the data's last
day), not from the data's window: an end already past today raises nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.analysis.test_commitments import BY_TEAM, _row, write_focus

from worthit.alerts import EXIT_NEW_ALERTS, run_check
from worthit.analysis.alerts import check
from worthit.store.alerts import AlertSettings, load_alerts, save_settings
from worthit.store.cache import Cache
from worthit.store.commitments import write_commitments
from worthit.store.rules import save_rules
from worthit.sync.importer import import_file

DAYS = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(10)]
END = DAYS[-1]
THREE, TWO = "cd-three", "cd-two"


def _day(day: dt.date, commitment: str, used: float, team: str) -> list[dict[str, Any]]:
    """One day of a $100-a-day commitment covering ``used`` of ``team``'s usage."""
    found = [_row(day, 0, "Usage", 0.0, used, used * 1.4, commitment, "Used",
                  resource=f"i-{commitment}", team=team)]
    if used < 100:
        found.append(_row(day, 0, "Usage", 0.0, 100.0 - used, None, commitment, "Unused",
                          resource=commitment))
    return found


def rows() -> list[dict[str, Any]]:
    """Both commitments fully used, until the last 3 days (``THREE``) or 2 (``TWO``), when
    each covers only half of what it commits."""
    out = []
    for n, day in enumerate(DAYS):
        out += _day(day, THREE, 50.0 if n >= len(DAYS) - 3 else 100.0, "ads")
        out += _day(day, TWO, 50.0 if n >= len(DAYS) - 2 else 100.0, "search")
    return out


@pytest.fixture(autouse=True)
def today_is_the_last_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check runs the day after the data's last day: today, as far as ends go."""
    monkeypatch.setattr("worthit.core.commitments.today", lambda: END)


@pytest.fixture
def workspace(cache: Cache, tmp_path: Path) -> Cache:
    result = import_file(cache, write_focus(tmp_path / "focus.csv", rows()))
    save_rules(cache, [BY_TEAM])
    source = cache._rows("SELECT source_id FROM sources")[0]["source_id"]
    # FOCUS cost rows state no end: the ContractCommitment dataset or a CUR would.
    with cache.transaction() as conn:
        write_commitments(conn, source, [
            {"commitment_id": TWO, "end_time": (END + dt.timedelta(days=20)).isoformat()
             + "T00:00:00Z"}])
    assert result is not None
    return cache


def _kinds(cache: Cache, settings: AlertSettings) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for alert in check(cache, settings=settings, as_of=END).alerts:
        found.setdefault(alert.kind, []).append(alert.focus or "")
    return found


def test_three_days_under_the_threshold_raise_an_alert_two_do_not(workspace: Cache) -> None:
    alerts = check(workspace, settings=AlertSettings(), as_of=END).alerts
    low = [a for a in alerts if a.kind == "commitment_utilisation"]
    assert [a.focus for a in low] == [THREE]
    (alert,) = low
    assert alert.key == alert.subject == f"commitment_utilisation:{THREE}"
    assert (alert.team, alert.page, alert.severity) == ("ads", "commitments", "warning")
    assert alert.amount == pytest.approx(150.0) and alert.percent == pytest.approx(0.5)
    assert "3 days" in alert.title and "70 %" in alert.title
    # Two days are enough when the setting says so; a lower threshold raises none.
    assert sorted(_kinds(workspace, AlertSettings(commitment_days=2))[
        "commitment_utilisation"]) == sorted([TWO, THREE])
    assert "commitment_utilisation" not in _kinds(
        workspace, AlertSettings(commitment_utilisation=50.0))
    # A run must reach the check's day: checked the day before, THREE was low for 2.
    earlier = check(workspace, settings=AlertSettings(), as_of=END - dt.timedelta(days=1))
    assert not [a for a in earlier.alerts if a.kind == "commitment_utilisation"]


def test_an_end_within_the_horizon_raises_the_ending_alert(workspace: Cache) -> None:
    ending = [a for a in check(workspace, settings=AlertSettings(), as_of=END).alerts
              if a.kind == "commitment_ending"]
    assert [(a.key, a.focus, a.team, a.page) for a in ending] == [
        (f"commitment_ending:{TWO}", TWO, "search", "commitments")]
    assert "in 20 days" in ending[0].title
    assert "on 2025-03-30 (counted from 2025-03-10)" in ending[0].title
    assert ending[0].numbers["Days to end"] == "20 (counted from 2025-03-10)"
    assert "commitment_ending" not in _kinds(workspace, AlertSettings(
        commitment_horizon_days=10))


def test_worthit_alerts_raises_them_once(workspace: Cache) -> None:
    now = dt.datetime(2025, 3, 11, 9, tzinfo=dt.UTC)
    save_settings(workspace, AlertSettings(schedule_enabled=False))
    first = run_check(workspace, now=now)
    kinds = sorted(a.kind for a in first.new)
    assert kinds == ["commitment_ending", "commitment_utilisation"]
    assert first.exit_code == EXIT_NEW_ALERTS
    again = run_check(workspace, now=now + dt.timedelta(hours=1))
    assert again.new == [] and len(again.alerts) == 2
    recorded = {a.kind: a for a in load_alerts(workspace)}
    assert recorded["commitment_utilisation"].size == "$150.00 unused (50 % used)"


def test_days_to_end_count_from_today_not_from_the_data(
        workspace: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checked as of the data's last day but run 15 days later, the end is 5 days off (it
    says so); run 25 days later, it has passed and no alert says it is coming."""
    later = END + dt.timedelta(days=15)
    monkeypatch.setattr("worthit.core.commitments.today", lambda: later)
    (ending,) = [a for a in check(workspace, settings=AlertSettings(), as_of=END).alerts
                 if a.kind == "commitment_ending"]
    assert "in 5 days" in ending.title and f"counted from {later}" in ending.title
    monkeypatch.setattr("worthit.core.commitments.today",
                        lambda: END + dt.timedelta(days=25))
    assert "commitment_ending" not in _kinds(workspace, AlertSettings())
    # The utilisation alert is about the days held, up to the check's day, as before.
    assert "commitment_utilisation" in _kinds(workspace, AlertSettings())

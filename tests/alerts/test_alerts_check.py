"""The check on the demo workspace (the planted runaway agent is an alert with its owner and
its excess cost; the control workspace raises none) and on small workspaces written here:
a daily spike, a training job switching on, a unit cost over target, a failing sync."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from tests.alerts.conftest import charge, days, write
from tests.conftest import DEMO_END

from worthit.analysis.alerts import check
from worthit.analysis.alerts.guardrails import over_target_run
from worthit.analysis.alerts.spikes import spike_series
from worthit.analysis.unit_economics import Bucket
from worthit.demo.generator import read_planted
from worthit.store.alerts import AlertSettings
from worthit.store.cache import Cache
from worthit.store.sources import add_source, record_run
from worthit.workspace import Workspace

END = dt.date(2026, 11, 26)


def test_the_planted_runaway_agent_raises_a_spike_alert_with_its_owner_and_excess(
        demo_workspace: Workspace) -> None:
    with demo_workspace.open() as cache:
        found = check(cache)
        [planted] = [p for p in read_planted(cache) if p.kind == "runaway_agent"]
    assert found.as_of == DEMO_END
    [spike] = [a for a in found.alerts if a.kind == "spike"]
    assert spike.subject == f"spike:{planted.resource_id}"
    assert (spike.team, spike.feature) == (planted.team, planted.feature)
    assert spike.owner == "devex / code-review-agent"
    # The excess over the baseline on the storm days, as the generator billed it.
    assert spike.amount == pytest.approx(planted.one_off, rel=0.05)
    # Six times the requests: about five times the baseline on top of it.
    assert spike.percent == pytest.approx(5.0, rel=0.15)
    storm = [DEMO_END - dt.timedelta(days=ago) for ago in (19, 18, 17)]
    assert spike.key == f"spike:{planted.resource_id}:{storm[0].isoformat()}"
    assert f"{storm[0]} to {storm[-1]}" in spike.title
    # Hourly: the source has hourly request counts for this key.
    assert spike.series == f"Cost per hour of {planted.resource_id}"
    assert spike.numbers["Flagged hours"].startswith("72, from ")
    assert (spike.page, spike.focus) == ("leaks", f"runaway_agent:{planted.resource_id}")


def test_the_demos_unit_costs_over_target_are_guardrail_breaches(
        demo_workspace: Workspace) -> None:
    with demo_workspace.open() as cache:
        found = check(cache)
    guards = {a.subject: a for a in found.alerts if a.kind == "unit_cost"}
    # The recommender (oversized GPUs) and search (bloated prompts) miss their targets;
    # support is on target.
    assert set(guards) == {"unit_cost:1k-inferences", "unit_cost:active-user"}
    reco = guards["unit_cost:1k-inferences"]
    assert reco.severity == "breach"
    assert reco.owner == "search / recommendations"
    assert (reco.page, reco.focus) == ("units", "1k-inferences")
    assert reco.percent is not None and reco.percent > 0
    assert reco.amount is not None and reco.amount > 0
    assert found.breaches == [a for a in found.alerts if a.kind == "unit_cost"]


def test_a_recheck_and_a_check_a_day_later_raise_the_same_keys(
        demo_workspace: Workspace) -> None:
    with demo_workspace.open() as cache:
        first = check(cache)
        again = check(cache)
        later = check(cache, as_of=DEMO_END - dt.timedelta(days=1))
    keys = [a.key for a in first.alerts]
    assert len(set(keys)) == len(keys)
    assert [a.key for a in again.alerts] == keys
    # Keys name what an alert is about, never a figure: a day earlier, other figures.
    assert sorted(a.key for a in later.alerts) == sorted(keys)
    assert [a.amount for a in later.alerts] != [a.amount for a in first.alerts]


def test_the_control_workspace_raises_no_alert(control: Workspace) -> None:
    with control.open() as cache:
        found = check(cache)
        # The detectors did look: with a hair trigger the control has spikes too.
        touchy = spike_series(cache, DEMO_END, AlertSettings(
            spike_mads=1.0, spike_min_dollars=1.0, spike_min_ratio=0.0))
    assert found.as_of == DEMO_END
    assert [a.key for a in found.alerts] == []
    assert touchy


def test_a_daily_spike_without_hourly_counts(cache: Cache) -> None:
    rng = np.random.default_rng(1)
    history = days(END, 90)
    costs = {d: float(100 * rng.lognormal(0, 0.05)) for d in history}
    spike_day = END - dt.timedelta(days=3)
    costs[spike_day] = 700.0
    write(cache, [charge(d, c, "i-web") for d, c in costs.items()])
    [alert] = check(cache).alerts
    assert alert.key == f"spike:i-web:{spike_day}"
    assert alert.series == "Cost per day of i-web"
    assert alert.amount == pytest.approx(600.0, abs=15.0)
    assert alert.percent == pytest.approx(6.0, rel=0.1)
    assert alert.owner == "no owner"  # no rule claims it
    assert alert.numbers["Baseline"].startswith("daily")


def test_a_resource_usually_off_is_not_a_spike_when_it_runs(cache: Cache) -> None:
    """A training node that runs a few days in a few weeks has no baseline to exceed."""
    history = days(END, 120)
    write(cache, [charge(d, 787.0 if (i // 7) % 4 == 0 and i % 7 < 5 else 0.0, "i-train")
                  for i, d in enumerate(history)] + [charge(d, 50.0, "i-web") for d in history])
    assert check(cache).alerts == []


def test_a_new_resource_is_not_a_spike(cache: Cache) -> None:
    write(cache, [charge(d, 50.0, "i-web") for d in days(END, 90)]
          + [charge(d, 900.0, "i-new") for d in days(END, 5)])
    assert check(cache).alerts == []


def test_the_over_target_run_skips_days_without_counts_and_stops_on_target() -> None:
    def day(n: int, cost: float, count: float) -> Bucket:
        d = END - dt.timedelta(days=n)
        return Bucket(d, d, cost, count, 0, 0.0)

    daily = [day(6, 9, 100), day(5, 12, 100), day(4, 11, 100), day(3, 5, 0), day(2, 13, 100),
             day(1, 0, 0), day(0, 12, 100)]
    run = over_target_run(daily, 0.10)
    assert [b.start for b in run] == [END, END - dt.timedelta(days=2),
                                      END - dt.timedelta(days=4), END - dt.timedelta(days=5)]
    assert over_target_run([*daily, day(-1, 8, 100)], 0.10) == []


def test_a_source_whose_syncs_keep_failing_raises_one_alert(cache: Cache) -> None:
    add_source(cache, "openai-prod", "openai", {})
    started = "2026-11-20T10:00:00+00:00"

    def run(result: str, error: str | None = None) -> None:
        record_run(cache, "openai-prod", started, None, None, 0, 0, None, None, result, error)

    run("ok")
    run("failed", "HTTP 401: invalid key")
    run("cancelled")
    run("failed", "HTTP 401: invalid key")
    assert check(cache).alerts == []  # two failures: not yet
    run("failed", "HTTP 429: slow down")
    [alert] = check(cache).alerts
    first_failed = cache._scalar("SELECT MIN(run_id) FROM sync_runs WHERE result = 'failed'")
    assert alert.key == f"sync:openai-prod:{first_failed}"
    assert (alert.kind, alert.page, alert.focus) == ("sync", "sources", "openai-prod")
    assert alert.numbers["Latest error"] == "HTTP 429: slow down"
    assert "failed its last 3 syncs" in alert.title
    run("failed", "HTTP 429: slow down")
    assert [a.key for a in check(cache).alerts] == [alert.key]  # the same streak
    run("ok")
    assert check(cache).alerts == []
    # A stricter setting alerts sooner.
    run("failed", "timeout")
    assert len(check(cache, settings=AlertSettings(failed_syncs=1)).alerts) == 1

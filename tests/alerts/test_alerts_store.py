"""The alert history: a re-check updates instead of duplicating, alerts no longer raised
become inactive, acknowledge and mute (a mute covers the subject, new keys included),
budgets kept by scope and name, and the watch settings in the workspace's meta."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from worthit.core.errors import UserError
from worthit.store.alerts import (
    SETTINGS_KEY,
    Alert,
    AlertSettings,
    Budget,
    acknowledge,
    attention_count,
    last_check,
    load_alerts,
    load_budgets,
    load_settings,
    mute,
    record_alerts,
    remove_budget,
    save_budget,
    save_settings,
)
from worthit.store.cache import Cache

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def spike(first: str = "2026-11-07", amount: float = 500.0) -> Alert:
    return Alert(f"spike:key-1:{first}", "spike:key-1", "spike", "warning",
                 f"agent: cost spike from {first}", "agent: spike", team="devex",
                 feature="agent", amount=amount, percent=2.0, series="Cost per hour of key-1",
                 page="leaks", focus="runaway_agent:key-1", numbers={"Excess": f"${amount}"})


def test_a_recheck_updates_the_alert_instead_of_raising_it_again(cache: Cache) -> None:
    [new] = record_alerts(cache, [spike()], NOW)
    assert (new.first_seen, new.last_seen) == (NOW.isoformat(), NOW.isoformat())
    later = NOW + dt.timedelta(hours=1)
    assert record_alerts(cache, [spike(amount=650.0)], later) == []
    [stored] = load_alerts(cache)
    assert (stored.amount, stored.numbers) == (650.0, {"Excess": "$650.0"})
    assert (stored.first_seen, stored.last_seen) == (NOW.isoformat(), later.isoformat())
    assert stored.active and stored.headline == "agent: spike"
    assert last_check(cache) == later
    assert cache._scalar("SELECT COUNT(*) FROM alerts") == 1


def test_an_alert_the_check_no_longer_raises_becomes_inactive(cache: Cache) -> None:
    record_alerts(cache, [spike()], NOW)
    record_alerts(cache, [], NOW + dt.timedelta(hours=1))
    [stored] = load_alerts(cache)
    assert not stored.active
    assert stored.state(NOW.date()) == "new, resolved"
    record_alerts(cache, [spike()], NOW + dt.timedelta(hours=2))
    assert load_alerts(cache)[0].active


def test_acknowledge_and_the_badge_count(cache: Cache) -> None:
    record_alerts(cache, [spike(), spike("2026-11-20")], NOW)
    assert attention_count(cache, NOW.date()) == 2
    acknowledge(cache, "spike:key-1:2026-11-07", NOW)
    assert attention_count(cache, NOW.date()) == 1
    stored = {a.key: a for a in load_alerts(cache)}
    assert stored["spike:key-1:2026-11-07"].state(NOW.date()) == "acknowledged"
    acknowledge(cache, "spike:key-1:2026-11-07", None)
    assert attention_count(cache, NOW.date()) == 2
    with pytest.raises(UserError, match="no alert"):
        acknowledge(cache, "spike:nope", NOW)


def test_a_mute_silences_the_subject_until_the_day_it_ends(cache: Cache) -> None:
    record_alerts(cache, [spike()], NOW)
    until = NOW.date() + dt.timedelta(days=7)
    mute(cache, "spike:key-1:2026-11-07", until)
    assert attention_count(cache, NOW.date()) == 0
    # A new incident on the same resource arrives muted, and is not queued for the webhook.
    [new] = record_alerts(cache, [spike(), spike("2026-11-26")], NOW, deliver=True)
    assert new.muted_until == until and new.muted(NOW.date())
    assert new.delivery is None
    assert new.state(NOW.date()) == f"muted until {until}"
    assert attention_count(cache, NOW.date()) == 0
    # On the day the mute ends, both count again.
    assert attention_count(cache, until) == 2
    mute(cache, "spike:key-1:2026-11-07", None)
    assert attention_count(cache, NOW.date()) == 1


def test_new_alerts_are_queued_for_the_webhook_only_when_one_is_set(cache: Cache) -> None:
    [quiet] = record_alerts(cache, [spike()], NOW)
    [queued] = record_alerts(cache, [spike(), spike("2026-11-20")], NOW, deliver=True)
    assert quiet.delivery is None
    assert queued.delivery == "pending"


def test_two_alerts_with_one_key_are_a_bug(cache: Cache) -> None:
    with pytest.raises(ValueError, match="one key"):
        record_alerts(cache, [spike(), spike()], NOW)
    assert cache._scalar("SELECT COUNT(*) FROM alerts") == 0


def test_budgets_are_kept_by_scope_and_name_and_can_be_renamed(cache: Cache) -> None:
    save_budget(cache, Budget("team", " devex ", 10_000.0, (100.0, 50.0)))
    save_budget(cache, Budget("total", "ignored", 90_000.0))
    save_budget(cache, Budget("team", "devex", 12_000.0, (80.0,), forecast=False))
    assert load_budgets(cache) == [
        Budget("total", "", 90_000.0), Budget("team", "devex", 12_000.0, (80.0,), False)]
    save_budget(cache, Budget("team", "platform", 5_000.0), replacing=("team", "devex"))
    assert [b.name for b in load_budgets(cache)] == ["", "platform"]
    save_budget(cache, Budget("team", "search", 1.0))
    with pytest.raises(UserError, match="already a budget for Team search"):
        save_budget(cache, Budget("team", "search", 2.0), replacing=("team", "platform"))
    remove_budget(cache, "team", "platform")
    remove_budget(cache, "total", "")
    assert [b.name for b in load_budgets(cache)] == ["search"]
    with pytest.raises(UserError, match="no team budget for 'platform'"):
        remove_budget(cache, "team", "platform")


def test_the_settings_round_trip_and_junk_is_ignored(cache: Cache) -> None:
    assert load_settings(cache) == AlertSettings()
    chosen = AlertSettings(schedule_enabled=False, interval_minutes=15, guardrail_days=5)
    save_settings(cache, chosen)
    assert load_settings(cache) == chosen
    cache.set_meta({SETTINGS_KEY: json.dumps({"interval_minutes": 1, "schedule_enabled": "no",
                                              "spike_mads": "lots", "unknown": 3,
                                              "guardrail_days": -2})})
    assert load_settings(cache) == AlertSettings(interval_minutes=5)  # at least 5 minutes
    cache.set_meta({SETTINGS_KEY: "{not json"})
    assert load_settings(cache) == AlertSettings()


def test_migration_5_adds_the_watch_tables_to_an_older_cache(tmp_path: Path) -> None:
    path = tmp_path / "worthit.sqlite"
    with Cache.open(path, upgrade=False) as old:
        old.migrate(to=4)
        old.set_meta({"workspace.name": "kept"})
    with Cache.open(path) as cache:
        assert cache.version >= 5  # and any later migrations
        assert cache.get_meta("workspace.name") == "kept"
        assert load_budgets(cache) == [] and load_alerts(cache) == []
    conn = sqlite3.connect(path)
    try:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(alerts)")}
    finally:
        conn.close()
    assert {"acknowledged_at", "muted_until", "first_seen", "last_seen", "delivery"} <= columns

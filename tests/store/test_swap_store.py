"""The user's rates and saved scenarios in the cache (migration 4): set, replace, remove,
and read back; scenarios round-trip through JSON and a bad one names its field."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from worthit.core.errors import UserError
from worthit.core.scenarios import Lever, Scenario, scenario_from_json
from worthit.store.cache import Cache
from worthit.store.swap import (
    delete_scenarios,
    load_overrides,
    load_scenarios,
    save_scenario,
    set_override,
)

PRO, MICRO = ("AWS", "amazon.nova-pro-v1:0"), ("AWS", "amazon.nova-micro-v1:0")
SONNET, HAIKU = ("Anthropic", "claude-sonnet-4-5"), ("Anthropic", "claude-haiku-4-5")
NO_RATES = dict.fromkeys(("input", "cached_input", "cache_write", "cache_write_1h", "output",
                          "batch"))


def rates(cache: Cache) -> dict[tuple[str, str], dict[str, Any]]:
    """Every override: (provider, model) -> its rates and note."""
    return {(str(row["provider_name"]), str(row["model"])):
            {k: row[k] for k in (*NO_RATES, "note")} for row in load_overrides(cache)}


# -- overrides --------------------------------------------------------------------------------


def test_an_override_is_set_replaced_and_removed(cache: Cache) -> None:
    set_override(cache, *PRO, {"input": 0.6, "output": 2.4}, note="2026 commit")
    set_override(cache, *SONNET, {"cache_write_1h": 5.0})
    assert rates(cache) == {
        PRO: {**NO_RATES, "input": 0.6, "output": 2.4, "note": "2026 commit"},
        SONNET: {**NO_RATES, "cache_write_1h": 5.0, "note": ""},
    }
    # Setting again replaces the model's rates as a whole.
    set_override(cache, *PRO, {"batch": 0.4, "input": None})
    assert rates(cache)[PRO] == {**NO_RATES, "batch": 0.4, "note": ""}
    # Every rate None removes it; the other model keeps its rates.
    set_override(cache, *PRO, {"input": None, "output": None})
    assert list(rates(cache)) == [SONNET]
    [row] = load_overrides(cache)
    assert row["updated_at"]


def test_a_zero_rate_is_a_rate(cache: Cache) -> None:
    set_override(cache, *MICRO, {"input": 0.0})
    assert rates(cache)[MICRO]["input"] == 0.0


@pytest.mark.parametrize("value", [-0.01, math.nan])
def test_a_negative_rate_is_refused_and_nothing_is_written(cache: Cache, value: float) -> None:
    set_override(cache, *PRO, {"input": 0.6})
    with pytest.raises(ValueError, match="output must be zero or more"):
        set_override(cache, *PRO, {"input": 0.5, "output": value})
    assert rates(cache)[PRO]["input"] == 0.6


def test_an_unknown_rate_is_refused(cache: Cache) -> None:
    with pytest.raises(ValueError, match="'reasoning'"):
        set_override(cache, *PRO, {"reasoning": 1.0})
    assert load_overrides(cache) == []


# -- scenarios --------------------------------------------------------------------------------

TRIAGE = Scenario("Triage on Micro", "ticket-triage", (
    Lever("route", PRO, 0.85, to=MICRO),
    Lever("cache", SONNET, 0.4, ttl="1h", reads_per_write=12.5),
    Lever("batch", PRO, 0.3),
))
EVERYTHING = Scenario("All on Haiku", None, (Lever("route", SONNET, 1.0, to=HAIKU),))


def test_scenarios_round_trip_through_the_cache(cache: Cache) -> None:
    save_scenario(cache, TRIAGE)
    save_scenario(cache, EVERYTHING)
    save_scenario(cache, Scenario("Nothing yet", "search"))
    assert load_scenarios(cache) == [EVERYTHING, Scenario("Nothing yet", "search"), TRIAGE]


def test_saving_under_a_taken_name_replaces_that_scenario(cache: Cache) -> None:
    save_scenario(cache, TRIAGE)
    save_scenario(cache, EVERYTHING)
    replaced = Scenario(TRIAGE.name, "support-assistant", (Lever("batch", SONNET, 0.5),))
    save_scenario(cache, replaced)
    assert load_scenarios(cache) == [EVERYTHING, replaced]
    assert cache._rows("SELECT COUNT(*) FROM scenarios")[0][0] == 2


def test_scenarios_are_deleted_by_name(cache: Cache) -> None:
    for scenario in (TRIAGE, EVERYTHING, Scenario("Third", None)):
        save_scenario(cache, scenario)
    delete_scenarios(cache, [TRIAGE.name, "never saved", "Third"])
    assert load_scenarios(cache) == [EVERYTHING]


def test_a_scenario_round_trips_through_json_text() -> None:
    text = json.dumps(TRIAGE.to_json())
    assert scenario_from_json(json.loads(text)) == TRIAGE
    assert TRIAGE.to_json()["levers"][0] == {"kind": "route", "model": list(PRO),
                                             "share": 0.85, "to": list(MICRO)}


def test_a_damaged_saved_scenario_is_named_when_loaded(cache: Cache) -> None:
    with cache.transaction() as conn:
        conn.execute("INSERT INTO scenarios (name, feature, levers, created_at, updated_at) "
                     "VALUES ('Broken', NULL, ?, 'now', 'now')",
                     (json.dumps([{"kind": "route", "model": list(PRO), "share": 2}]),))
    with pytest.raises(UserError) as error:
        load_scenarios(cache)
    assert str(error.value).startswith("saved scenario 'Broken'")
    assert "lever 1, field 'share'" in str(error.value)


GOOD_LEVER = {"kind": "route", "model": list(PRO), "share": 0.5, "to": list(MICRO)}


@pytest.mark.parametrize(("raw", "field"), [
    ({"feature": None, "levers": []}, "name"),
    ({"name": "  ", "levers": []}, "name"),
    ({"name": "x", "feature": 3, "levers": []}, "feature"),
    ({"name": "x", "levers": {"kind": "batch"}}, "levers"),
    ({"name": "x", "levers": [{**GOOD_LEVER, "kind": "swap"}]}, "kind"),
    ({"name": "x", "levers": [{**GOOD_LEVER, "share": 1.5}]}, "share"),
    ({"name": "x", "levers": [{**GOOD_LEVER, "share": True}]}, "share"),
    ({"name": "x", "levers": [{**GOOD_LEVER, "share": "half"}]}, "share"),
    ({"name": "x", "levers": [{**GOOD_LEVER, "model": "amazon.nova-pro-v1:0"}]}, "model"),
    ({"name": "x", "levers": [{**GOOD_LEVER, "model": ["AWS", ""]}]}, "model"),
    ({"name": "x", "levers": [{**GOOD_LEVER, "to": None}]}, "to"),
    ({"name": "x", "levers": [{**GOOD_LEVER, "kind": "cache", "ttl": "2h"}]}, "ttl"),
    ({"name": "x", "levers": [{**GOOD_LEVER, "kind": "cache", "reads_per_write": 0.5}]},
     "reads_per_write"),
], ids=["no-name", "blank-name", "feature", "levers", "kind", "share-range", "share-bool",
        "share-text", "model-text", "model-blank", "to", "ttl", "reads"])
def test_a_bad_scenario_names_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(UserError, match=f"field '{field}'"):
        scenario_from_json(raw, "scenario file")


def test_a_bad_lever_names_its_scenario_and_position() -> None:
    raw = {"name": "Trial", "levers": [GOOD_LEVER, {**GOOD_LEVER, "share": -0.1}]}
    with pytest.raises(UserError) as error:
        scenario_from_json(raw)
    assert str(error.value) == ("scenario ('Trial'), lever 2, field 'share': expected a "
                                "number from 0 to 1, got -0.1")


def test_a_lever_without_a_ttl_or_reads_gets_the_defaults() -> None:
    scenario = scenario_from_json({"name": "c", "feature": "chat", "levers": [
        {"kind": "cache", "model": list(SONNET), "share": 1}]})
    assert scenario.levers == (Lever("cache", SONNET, 1.0, ttl="5m", reads_per_write=10.0),)
    assert scenario.feature == "chat"

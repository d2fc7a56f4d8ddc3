"""The rule conditions of issue 21: ``project`` (the vendor's project or workspace, a
charge's sub-account) claims charges like any other condition; ``customer`` and ``agent``
are columns of request traces, so on charges they never hold, and the allocation runs
with them without error. Each is named in the editor's list and in a rule's description."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from worthit.analysis.allocation import allocation
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.periods import Period
from worthit.core.rules import (
    CONDITION_LABELS,
    TEXT_CONDITIONS,
    TRACE_CONDITIONS,
    TRACE_ONLY,
    UNALLOCATED,
    RuleError,
    read_rules_file,
    rules_from_json,
    write_rules_file,
)
from worthit.store.cache import Cache

DAY = dt.date(2026, 9, 1)
PERIOD = Period(DAY, DAY)


def charge(cost: float, project: str | None, key: str | None, **attrs: Any) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "bill", "charge_period_start": DAY.isoformat(),
        "provider_name": "OpenAI", "billing_account_id": "org-1",
        "sub_account_id": project, "sub_account_name": f"name of {project}",
        "service_category": "AI and Machine Learning", "service_name": "OpenAI API",
        "resource_id": key, "charge_category": "Usage", "billed_cost": cost,
        "effective_cost": cost, "billing_currency": "USD", "x_model": "gpt-4.1",
    }
    values.update(attrs)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


@pytest.fixture
def billed(cache: Cache) -> Cache:
    cache.replace_charges("bill", DAY, DAY, [
        charge(100.0, "proj_search", "key_a"),
        charge(40.0, "proj_search", "key_b"),
        charge(25.0, "proj_support", "key_c"),
        charge(7.0, None, None, provider_name="AWS", service_name="Amazon S3",
               x_model=None, billing_account_id="111122223333"),
    ])
    return cache


def teams(cache: Cache, raw: list[dict[str, Any]]) -> dict[str, float]:
    found = allocation(cache, PERIOD, rules_from_json(raw, "test rules"), currency="USD")
    return {n.name: round(n.cost, 2) for n in found.children(()) if n.cost}


def test_project_claims_the_charges_of_the_vendors_project(billed: Cache) -> None:
    assert teams(billed, [{"name": "Search", "match": {"project": "proj_search"},
                           "team": "search"}]) == {UNALLOCATED: 32.0, "search": 140.0}
    # Its id only (``account`` also reads the name): a pattern over ids works.
    assert teams(billed, [{"name": "Projects", "match": {"project": "PROJ_*"},
                           "team": "ai"}]) == {UNALLOCATED: 7.0, "ai": 165.0}
    assert teams(billed, [{"name": "By name", "match": {"project": "name of*"},
                           "team": "ai"}]) == {UNALLOCATED: 172.0}


@pytest.mark.parametrize("match", [
    {"customer": "*"}, {"agent": "*"}, {"customer": "acme", "agent": "reviewer"},
    {"agent": "*", "provider": "OpenAI", "project": "proj_search"},
], ids=["customer", "agent", "both", "with-charge-conditions"])
def test_customer_and_agent_never_claim_a_charge(billed: Cache, match: dict[str, Any]) -> None:
    raw = [{"name": "Traces only", "match": match, "team": "bots"},
           {"name": "AI", "match": {"provider": "OpenAI"}, "team": "ai"}]
    # The first rule claims nothing, so every OpenAI charge reaches the second one.
    assert teams(billed, raw) == {UNALLOCATED: 7.0, "ai": 165.0}
    # Alone, it leaves everything unallocated, with no error.
    assert teams(billed, raw[:1]) == {UNALLOCATED: 172.0}


def test_every_condition_is_labelled_for_the_editor_and_described() -> None:
    assert set(TEXT_CONDITIONS) | {"tag", "tag_present"} == set(CONDITION_LABELS)
    assert set(TRACE_ONLY) == {"customer", "agent"}
    assert {"customer", "agent", "api_key", "model", "provider"} == set(TRACE_CONDITIONS)
    rule = rules_from_json([{"name": "Reviewer", "match": {
        "project": "proj_search", "agent": "code-reviewer", "customer": ["acme", "globex"]},
        "team": "devex"}], "rules.yaml")[0]
    assert rule.describe() == ("project / workspace id proj_search, agent (traces) "
                               "code-reviewer, customer (traces) acme or globex → devex")


def test_an_unknown_condition_lists_the_new_ones() -> None:
    with pytest.raises(RuleError) as caught:
        rules_from_json([{"name": "Typo", "match": {"customers": "acme"}, "team": "x"}],
                        "rules.yaml")
    message = str(caught.value)
    assert message.startswith("rules.yaml, rule 1 ('Typo'), field 'match.customers': ")
    assert all(name in message for name in ("project", "customer", "agent"))


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_rules_on_the_new_conditions_read_back_unchanged(tmp_path: Path, suffix: str) -> None:
    raw = [{"name": "Reviewer runs", "match": {"agent": "code-reviewer"}, "team": "devex",
            "feature": {"tag": "feature"}},
           {"name": "Enterprise", "match": {"customer": ["acme*", "globex"]},
            "team": "sales"},
           {"name": "Project", "match": {"project": "proj_*"}, "split": {"by": "direct"}}]
    rules = rules_from_json(raw, "rules")
    assert [r.to_json() for r in rules] == raw
    write_rules_file(tmp_path / f"rules{suffix}", rules)
    assert read_rules_file(tmp_path / f"rules{suffix}") == rules

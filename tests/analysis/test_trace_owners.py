"""Who owns a request trace row (worthit.analysis.trace_owners): the first enabled assign
rule whose conditions hold on the row's columns; a row's only tag is its feature; rows no
rule claims are Unallocated under their own feature. Matched once per distinct
combination of columns and per distinct value, never once per row."""

from __future__ import annotations

import fnmatch
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis import trace_owners
from worthit.analysis.trace_owners import owners, with_owners
from worthit.core.rules import NO_FEATURE, UNALLOCATED, rules_from_json
from worthit.store.cache import Cache
from worthit.store.rules import save_rules

COLUMNS = ["customer", "run_id", "agent", "api_key", "feature", "provider", "model"]

RULES = rules_from_json([
    {"name": "Old", "enabled": False, "match": {"agent": "code-reviewer"}, "team": "never"},
    # Splits and pools share charges by spend: a request row has none, so they pass.
    {"name": "Shared OpenAI", "match": {"provider": "OpenAI"}, "split": {"by": "direct"}},
    {"name": "Charges only", "match": {"service": "OpenAI API"}, "team": "never"},
    {"name": "Project", "match": {"project": "*"}, "team": "never"},
    {"name": "Team tags", "match": {"tag_present": "team"}, "team": {"tag": "team"}},
    {"name": "Team from tag", "match": {}, "team": {"tag": "team"}},
    {"name": "Reviewer", "match": {"agent": "code-review*"}, "team": "devex",
     "feature": {"tag": "feature"}},
    {"name": "Enterprise", "match": {"customer": ["ACME*", "globex"]}, "team": "sales",
     "feature": "enterprise"},
    {"name": "Search feature", "match": {"tag": {"feature": "search*"}}, "team": "search"},
    {"name": "Feature as team", "match": {"tag_present": "feature",
                                          "provider": "Anthropic"},
     "team": {"tag": "feature"}},
    {"name": "Key", "match": {"api_key": "key_ml", "model": "gpt-4.1*"}, "team": "ml"},
], "test rules")


def rows(*items: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(list(items), columns=COLUMNS)


CASES: list[tuple[tuple[str, ...], tuple[str, str]]] = [
    # customer, run_id, agent, api_key, feature, provider, model -> team, feature
    (("acme", "r1", "code-reviewer", "key_x", "review", "OpenAI", "gpt-4.1"),
     ("devex", "review")),
    (("acme", "r2", "code-reviewer", "key_x", "", "OpenAI", "gpt-4.1"),
     ("devex", NO_FEATURE)),  # {tag: feature} without a feature: none
    (("acme-eu", "", "", "key_x", "chat", "OpenAI", "gpt-4.1"), ("sales", "enterprise")),
    (("globex", "", "", "", "", "OpenAI", "o3"), ("sales", "enterprise")),
    (("initech", "", "", "", "search-v2", "OpenAI", "o3"), ("search", NO_FEATURE)),
    (("initech", "", "", "", "summaries", "Anthropic", "claude"), ("summaries", NO_FEATURE)),
    # The reserved name read from the feature column never becomes a team.
    (("initech", "", "", "", "unallocated", "Anthropic", "claude"),
     (UNALLOCATED, "unallocated")),
    (("initech", "", "", "key_ml", "", "OpenAI", "gpt-4.1-mini"), ("ml", NO_FEATURE)),
    (("initech", "", "", "key_ml", "", "OpenAI", "o3"), (UNALLOCATED, NO_FEATURE)),
    (("initech", "", "", "", "chat", "OpenAI", "o3"), (UNALLOCATED, "chat")),
]


def test_the_first_assign_rule_holding_on_the_rows_columns_owns_it() -> None:
    frame = rows(*(row for row, _ in CASES))
    team, feature = owners(RULES, frame)
    assert list(zip(team, feature, strict=True)) == [owned for _, owned in CASES]
    assert team.dtype == object and feature.dtype == object


def test_the_caches_saved_rules_own_the_rows_alike(cache: Cache) -> None:
    save_rules(cache, RULES)
    frame = rows(*(row for row, _ in CASES))
    found, expected = owners(cache, frame), owners(RULES, frame)
    assert [list(a) for a in found] == [list(a) for a in expected]


def test_without_rules_every_row_is_unallocated_under_its_feature() -> None:
    team, feature = owners([], rows(CASES[0][0], CASES[1][0]))
    assert list(team) == [UNALLOCATED, UNALLOCATED]
    assert list(feature) == ["review", NO_FEATURE]
    empty = owners(RULES, rows())
    assert len(empty[0]) == 0 and len(empty[1]) == 0


def test_with_owners_adds_the_team_and_keeps_the_traces_feature() -> None:
    frame = rows(*(row for row, _ in CASES[:3])).assign(cost=[1.0, 2.0, 3.0])
    owned = with_owners(RULES, frame)
    assert list(owned["team"]) == ["devex", "devex", "sales"]
    assert list(owned["owner_feature"]) == ["review", NO_FEATURE, "enterprise"]
    assert list(owned["feature"]) == ["review", "", "chat"]  # what the traces say
    assert list(owned["cost"]) == [1.0, 2.0, 3.0]
    assert "team" not in frame  # a copy


def test_rules_are_matched_per_distinct_value_not_per_row(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = fnmatch.fnmatchcase

    def counted(name: str, pattern: str) -> bool:
        nonlocal calls
        calls += 1
        return real(name, pattern)

    monkeypatch.setattr(trace_owners, "fnmatchcase", counted)
    few = rows(*(row for row, _ in CASES))
    owners(RULES, few)
    per_distinct = calls
    calls = 0
    many = pd.concat([few] * 5_000, ignore_index=True)
    team, feature = owners(RULES, many)
    assert calls == per_distinct  # 50,000 rows, the patterns tried as for 10
    expected = [owned for _, owned in CASES] * 5_000
    assert list(zip(team, feature, strict=True)) == expected


_value = st.sampled_from(["", "acme", "globex", "code-reviewer", "search-1", "key_ml",
                          "gpt-4.1", "o3", "OpenAI", "Anthropic", "unallocated"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[_value] * len(COLUMNS)), min_size=1, max_size=30))
def test_a_row_is_owned_as_it_would_be_alone(items: list[tuple[Any, ...]]) -> None:
    frame = rows(*items)
    team, feature = owners(RULES, frame)
    for n in range(len(frame)):
        alone = owners(RULES, frame.iloc[[n]])
        assert (team[n], feature[n]) == (alone[0][0], alone[1][0])
    assert not np.any(team == None)  # noqa: E711 - elementwise

"""Slide titles state findings, and the sums they state are sums that can be had."""

from __future__ import annotations

from worthit.analysis.model_swap import Suggestion
from worthit.core.scenarios import Lever, Scenario
from worthit.export import headlines

PRO, MICRO, MINI = ("AWS", "nova-pro"), ("AWS", "nova-micro"), ("OpenAI", "gpt-4.1-mini")


def suggestion(kind: str, feature: str, model: tuple[str, str], saving: float) -> Suggestion:
    lever = Lever("batch", model, 1.0) if kind == "batch" else Lever("route", model, 1.0,
                                                                      to=MICRO)
    return Suggestion(kind, f"{feature}: {kind}", "", Scenario(kind, feature, (lever,)),
                      saving, None)


def test_backed_savings_count_one_suggestion_per_feature_and_model() -> None:
    found = [suggestion("smaller", "triage", PRO, 400.0),
             suggestion("batch", "triage", PRO, 300.0),  # the same tokens: not added
             suggestion("batch", "search", MINI, 250.0),
             suggestion("route", "search", PRO, 9000.0)]  # worth testing: not counted
    assert headlines.backed_saving(found) == 650.0
    assert headlines.swap(found, "USD") == (
        "Model changes the usage backs would save $650.00 a month; routing could save more "
        "(worth testing)")


def test_with_only_routing_the_title_says_it_is_worth_testing() -> None:
    assert headlines.swap([suggestion("route", "search", PRO, 9000.0)], "USD") == (
        "Routing easy requests to smaller models could save up to $9,000 a month "
        "(worth testing)")
    assert headlines.swap([], "USD") == (
        "No model change would save money on this period's AI usage")


def test_every_leak_kind_has_a_short_name() -> None:
    """A new leak kind without a short name would reach a deck's headline as its raw id."""
    from worthit.analysis.leaks import KIND_TITLES
    from worthit.export.headlines import SHORT_KINDS

    assert set(SHORT_KINDS) == set(KIND_TITLES)

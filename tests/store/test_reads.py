"""Aggregate reads over a small hand-made cache: dimensions, untagged spend, tokens, and
tags that are not what a bill promised (tags are untrusted text)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from worthit.core.focus import AI_CATEGORY, CHARGE_COLUMN_NAMES
from worthit.store import reads
from worthit.store.cache import Cache

D = dt.date
JAN_1, JAN_2, JAN_3, JAN_31 = D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 3), D(2024, 1, 31)


def charge(day: dt.date, cost: float, tags: str | None, **extra: Any) -> tuple[Any, ...]:
    """A row in CHARGE_COLUMN_NAMES order."""
    values: dict[str, Any] = {
        "source_id": "test",
        "charge_period_start": day.isoformat(),
        "provider_name": "AWS",
        "service_category": "Compute",
        "service_name": "Amazon Elastic Compute Cloud",
        "charge_category": "Usage",
        "billed_cost": cost,
        "effective_cost": cost,
        "list_cost": cost,
        "billing_currency": "USD",
        "tags": tags,
    }
    values.update(extra)
    assert set(values) <= set(CHARGE_COLUMN_NAMES)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def fill(cache: Cache, *rows: tuple[Any, ...]) -> Cache:
    cache.replace_charges("test", JAN_1, JAN_31, rows)
    return cache


def by_key(cache: Cache, dimension: str, start: dt.date = JAN_1, end: dt.date = JAN_31
           ) -> dict[Any, float]:
    frame = reads.daily_by(cache, start, end, dimension)
    return {key: float(cost) for key, cost in frame.groupby("key")["cost"].sum().items()}


def test_feature_without_a_tag_is_untagged(cache: Cache) -> None:
    fill(
        cache,
        charge(JAN_1, 10.0, '{"team": "search", "feature": "document-search"}'),
        charge(JAN_1, 1.0, "{}"),
        charge(JAN_2, 2.0, '{"team": "search"}'),  # a team but no feature
        charge(JAN_2, 4.0, None),
        charge(JAN_3, 8.0, '{"feature": null}'),
    )
    assert by_key(cache, "feature") == {"document-search": 10.0, reads.UNTAGGED: 15.0}
    assert by_key(cache, "team") == {"search": 12.0, reads.UNTAGGED: 13.0}


def test_daily_by_gives_one_row_per_day_and_key(cache: Cache) -> None:
    fill(
        cache,
        charge(JAN_1, 1.0, "{}", provider_name="AWS"),
        charge(JAN_1, 2.0, "{}", provider_name="AWS"),
        charge(JAN_1, 5.0, "{}", provider_name="OpenAI"),
        charge(JAN_3, 7.0, "{}", provider_name=None),
    )
    frame = reads.daily_by(cache, JAN_1, JAN_31, "provider")
    assert list(frame.columns) == ["day", "key", "cost"]
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("2024-01-01", "AWS", 3.0), ("2024-01-01", "OpenAI", 5.0),
        ("2024-01-03", reads.NONE, 7.0)]


def test_totals_and_ai_totals_stay_inside_the_days(cache: Cache) -> None:
    fill(
        cache,
        charge(JAN_1, 1.0, "{}"),
        charge(JAN_2, 20.0, "{}", service_category=AI_CATEGORY),
        charge(JAN_3, 300.0, "{}", service_category=AI_CATEGORY),
    )
    assert reads.total(cache, JAN_1, JAN_2) == 21.0
    assert reads.total(cache, JAN_1, JAN_2, ai_only=True) == 20.0
    assert reads.total(cache, JAN_2, JAN_3, ai_only=True) == 320.0
    assert reads.total(cache, D(2023, 1, 1), D(2023, 12, 31)) == 0.0


def test_compare_by_model_leaves_out_rows_without_a_model(cache: Cache) -> None:
    fill(
        cache,
        charge(JAN_1, 1.0, "{}", x_model="gpt-4.1"),
        charge(JAN_2, 4.0, "{}", x_model="gpt-4.1"),
        charge(JAN_2, 9.0, "{}", x_model="gpt-4.1-mini"),
        charge(JAN_2, 100.0, "{}"),  # a server: no model
    )
    frame = reads.compare_by(cache, (JAN_2, JAN_2), (JAN_1, JAN_1), "model")
    found = {r.key: (r.previous, r.current) for r in frame.itertuples(index=False)}
    assert found == {"gpt-4.1": (1.0, 4.0), "gpt-4.1-mini": (0.0, 9.0)}


def test_daily_tokens_count_only_model_rows(cache: Cache) -> None:
    fill(
        cache,
        charge(JAN_1, 1.0, "{}", x_model="m", x_input_tokens=100, x_requests=3),
        charge(JAN_1, 1.0, "{}", x_model="m", x_output_tokens=40),
        charge(JAN_1, 1.0, "{}", x_input_tokens=999_999),  # no model: not token usage
        charge(JAN_2, 1.0, "{}", x_model="m", x_cached_input_tokens=7, x_cache_write_tokens=2),
    )
    frame = reads.daily_tokens(cache, JAN_1, JAN_31)
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("2024-01-01", 100.0, 0.0, 0.0, 40.0, 3.0),
        ("2024-01-02", 0.0, 7.0, 2.0, 0.0, 0.0),
    ]


def test_currencies_lists_each_billing_currency_once(cache: Cache) -> None:
    fill(
        cache,
        charge(JAN_1, 1.0, "{}"),
        charge(JAN_2, 1.0, "{}", billing_currency="EUR"),
        charge(JAN_2, 1.0, "{}", billing_currency="EUR"),
        charge(JAN_3, 1.0, "{}", billing_currency=None),
    )
    assert sorted(reads.currencies(cache, JAN_1, JAN_31)) == ["EUR", "USD"]
    assert reads.currencies(cache, JAN_3, JAN_3) == []


def test_dimensions_are_a_fixed_list() -> None:
    assert set(reads.DIMENSIONS) == {
        "provider", "service", "category", "model", "feature", "team", "account"}
    with pytest.raises(KeyError):
        reads.DIMENSIONS["tags); DROP TABLE charges; --"]


@pytest.mark.parametrize("dimension", ["feature", "team"])
@pytest.mark.parametrize("bad_tags", ["not json", '{"feature": "x"', "", "[1, 2"])
def test_tags_that_are_not_json_count_as_untagged(
    cache: Cache, dimension: str, bad_tags: str
) -> None:
    """A bill's tags are untrusted text: one malformed row must not break the page."""
    fill(
        cache,
        charge(JAN_1, 10.0, '{"team": "search", "feature": "document-search"}'),
        charge(JAN_1, 3.0, bad_tags),
    )
    tagged = "document-search" if dimension == "feature" else "search"
    assert by_key(cache, dimension) == {tagged: 10.0, reads.UNTAGGED: 3.0}
    compared = reads.compare_by(cache, (JAN_1, JAN_1), (JAN_2, JAN_2), dimension)
    assert dict(zip(compared["key"], compared["current"], strict=True)) == {
        tagged: 10.0, reads.UNTAGGED: 3.0}

"""The Overview's sums from the charge index, on a small hand-made cache: dimensions,
untagged spend, totals inside the days, models, currencies, and tags that are not what a
bill promised (tags are untrusted text)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from worthit.analysis import overview as figures
from worthit.analysis.charge_index import build_index
from worthit.core.focus import AI_CATEGORY, CHARGE_COLUMN_NAMES
from worthit.core.periods import Period
from worthit.core.rate_files import Rate
from worthit.core.rates import MissingRates
from worthit.store.cache import Cache
from worthit.store.rates import import_rates

D = dt.date
JAN_1, JAN_2, JAN_3, JAN_31 = D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 3), D(2024, 1, 31)
JANUARY = Period(JAN_1, JAN_31)


def charge(day: dt.date, cost: float, tags: str | None, **extra: Any) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "test", "charge_period_start": day.isoformat(), "provider_name": "AWS",
        "service_category": "Compute", "service_name": "Amazon Elastic Compute Cloud",
        "charge_category": "Usage", "billed_cost": cost, "effective_cost": cost,
        "list_cost": cost, "billing_currency": "USD", "tags": tags,
    }
    values.update(extra)
    assert set(values) <= set(CHARGE_COLUMN_NAMES)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def fill(cache: Cache, *rows: tuple[Any, ...]) -> Cache:
    cache.replace_charges("test", JAN_1, JAN_31, rows)
    return cache


def by_key(cache: Cache, dimension: str) -> dict[Any, float]:
    frame = figures.daily_by(build_index(cache), JANUARY, dimension)
    return {key: float(cost) for key, cost in frame.groupby("key")["cost"].sum().items()}


def test_a_feature_without_a_tag_is_untagged(cache: Cache) -> None:
    fill(cache,
         charge(JAN_1, 10.0, '{"team": "search", "feature": "document-search"}'),
         charge(JAN_1, 1.0, "{}"),
         charge(JAN_2, 2.0, '{"team": "search"}'),  # a team but no feature
         charge(JAN_2, 4.0, None),
         charge(JAN_3, 8.0, '{"feature": null}'))
    assert by_key(cache, "feature") == {"document-search": 10.0, figures.UNTAGGED: 15.0}


def test_daily_by_gives_one_row_per_day_and_value(cache: Cache) -> None:
    fill(cache,
         charge(JAN_1, 1.0, "{}", provider_name="AWS"),
         charge(JAN_1, 2.0, "{}", provider_name="AWS"),
         charge(JAN_1, 5.0, "{}", provider_name="OpenAI"),
         charge(JAN_3, 0.0, "{}", provider_name="OpenAI"),  # a free day still has a row
         charge(JAN_3, 7.0, "{}", provider_name=None))
    frame = figures.daily_by(build_index(cache), JANUARY, "provider")
    assert list(frame.columns) == ["day", "key", "cost"]
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("2024-01-01", "AWS", 3.0), ("2024-01-01", "OpenAI", 5.0),
        ("2024-01-03", "OpenAI", 0.0), ("2024-01-03", figures.NONE, 7.0)]


def test_totals_and_ai_totals_stay_inside_the_days(cache: Cache) -> None:
    fill(cache,
         charge(JAN_1, 1.0, "{}"),
         charge(JAN_2, 20.0, "{}", service_category=AI_CATEGORY),
         charge(JAN_3, 300.0, "{}", service_category=AI_CATEGORY))
    first_two = figures.overview(cache, Period(JAN_1, JAN_2))
    assert (first_two.total, first_two.ai_total) == (21.0, 20.0)
    assert figures.overview(cache, Period(JAN_2, JAN_3)).ai_total == 320.0
    assert figures.overview(cache, Period(D(2023, 1, 1), D(2023, 12, 31))).total == 0.0


def test_compare_by_model_leaves_out_charges_without_a_model(cache: Cache) -> None:
    fill(cache,
         charge(JAN_1, 1.0, "{}", x_model="gpt-4.1"),
         charge(JAN_2, 4.0, "{}", x_model="gpt-4.1"),
         charge(JAN_2, 9.0, "{}", x_model="gpt-4.1-mini"),
         charge(JAN_2, 100.0, "{}"))  # a server: no model
    frame = figures.compare_by(build_index(cache), Period(JAN_2, JAN_2), Period(JAN_1, JAN_1),
                               "model")
    found = {r.key: (r.previous, r.current) for r in frame.itertuples(index=False)}
    assert found == {"gpt-4.1": (1.0, 4.0), "gpt-4.1-mini": (0.0, 9.0)}


def test_currencies_are_converted_never_summed_as_they_are(cache: Cache) -> None:
    """Once EUR → USD had no rate the Overview summed 1 USD and 2 EUR as 3: now it refuses
    naming the pair, needs no rate for a day in USD only, and with a rate converts."""
    fill(cache,
         charge(JAN_1, 1.0, "{}"),
         charge(JAN_2, 1.0, "{}", billing_currency="EUR"),
         charge(JAN_2, 1.0, "{}", billing_currency="EUR"),
         charge(JAN_3, 1.0, "{}", billing_currency=None))
    with pytest.raises(MissingRates, match="no EUR→USD rate on or before 2024-01-02"):
        figures.overview(cache, Period(JAN_1, JAN_2))
    assert figures.overview(cache, Period(JAN_1, JAN_1)).total == 1.0
    import_rates(cache, [Rate(JAN_1, "EUR", "USD", 1.5, "test")])
    found = figures.overview(cache, Period(JAN_2, JAN_2))
    assert (found.currency, found.currencies, found.total) == ("USD", ["EUR"], 3.0)
    assert "Converted from EUR to USD" in found.conversion
    # Beside several currencies, an amount naming none cannot be placed in any.
    with pytest.raises(MissingRates, match="amounts in no currency on 2024-01-03"):
        figures.overview(cache, Period(JAN_3, JAN_3))


def test_dimensions_are_a_fixed_list(cache: Cache) -> None:
    fill(cache, charge(JAN_1, 1.0, "{}"))
    with pytest.raises(ValueError, match="unknown dimension"):
        figures.labels(build_index(cache), "tags); DROP TABLE charges; --")


@pytest.mark.parametrize("bad_tags", ["not json", '{"feature": "x"', "", "[1, 2"])
def test_tags_that_are_not_json_count_as_untagged(cache: Cache, bad_tags: str) -> None:
    """A bill's tags are untrusted text: one malformed row must not break the page."""
    fill(cache,
         charge(JAN_1, 10.0, '{"team": "search", "feature": "document-search"}'),
         charge(JAN_1, 3.0, bad_tags))
    assert by_key(cache, "feature") == {"document-search": 10.0, figures.UNTAGGED: 3.0}
    compared = figures.compare_by(build_index(cache), Period(JAN_1, JAN_1),
                                  Period(JAN_2, JAN_2), "feature")
    assert dict(zip(compared["key"], compared["current"], strict=True)) == {
        "document-search": 10.0, figures.UNTAGGED: 3.0}

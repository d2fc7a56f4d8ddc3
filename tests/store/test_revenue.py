"""Revenue per customer and month: an import replaces the months it names (all of each,
whoever was in it) and leaves the others; a range loads by month and customer; a bad row
refuses the whole import; clearing forgets every month; each change bumps
``revenue.revision``."""

from __future__ import annotations

import math

import pytest

from worthit.core.errors import BadInput
from worthit.store.cache import Cache
from worthit.store.revenue import (
    Revenue,
    clear_revenue,
    load_revenue,
    replace_revenue,
    revenue_revision,
)

JAN = [Revenue("2026-01", "acme", 12_000.0, "USD"), Revenue("2026-01", "globex", 800.5, "USD")]
FEB = [Revenue("2026-02", "acme", 11_000.0, "USD"), Revenue("2026-02", "initech", 99.99, "EUR")]
MAR = [Revenue("2026-03", "acme", 13_500.0, "USD")]


def test_an_import_replaces_the_months_it_names_and_leaves_the_others(cache: Cache) -> None:
    assert replace_revenue(cache, [*JAN, *FEB, *MAR]) == 5

    restated = [Revenue("2026-02", "acme", 10_500.0, "USD"),
                Revenue("2026-02", "umbrella", 4_000.0, "USD")]
    assert replace_revenue(cache, restated) == 2

    # February is the new file's alone (initech is gone from it); January and March stay.
    assert load_revenue(cache) == [*JAN, *restated, *MAR]


def test_a_range_loads_its_months_by_month_and_customer(cache: Cache) -> None:
    replace_revenue(cache, [*MAR, *reversed(FEB), *JAN])

    assert load_revenue(cache, "2026-02", "2026-02") == FEB
    assert load_revenue(cache, "2026-02") == [*FEB, *MAR]
    assert load_revenue(cache, None, "2026-01") == JAN
    assert load_revenue(cache, "2026-04") == []
    # A revenue keeps its own currency and its cents.
    assert load_revenue(cache, "2026-02")[1] == Revenue("2026-02", "initech", 99.99, "EUR")


@pytest.mark.parametrize(("bad", "words"), [
    (Revenue("2026-13", "acme", 1.0, "USD"), "the month is not YYYY-MM"),
    (Revenue("2026-1", "acme", 1.0, "USD"), "the month is not YYYY-MM"),
    (Revenue("2026-02", " ", 1.0, "USD"), "the customer is empty"),
    (Revenue("2026-02", "acme", math.nan, "USD"), "nan is not an amount"),
    (Revenue("2026-02", "acme", math.inf, "USD"), "inf is not an amount"),
    (Revenue("2026-02", "acme", 1.0, "usd"), "'usd' is not an ISO 4217 currency"),
    (Revenue("2026-02", "acme", 1.0, "XYZ"), "'XYZ' is not an ISO 4217 currency"),
    (Revenue("2026-01", "acme", 5.0, "USD"), "two revenues for that month"),
])
def test_a_bad_row_refuses_the_whole_import(cache: Cache, bad: Revenue, words: str) -> None:
    replace_revenue(cache, MAR)

    with pytest.raises(BadInput, match=words):
        replace_revenue(cache, [*JAN, bad])

    assert load_revenue(cache) == MAR
    assert revenue_revision(cache) == 1


def test_clearing_forgets_every_month(cache: Cache) -> None:
    replace_revenue(cache, [*JAN, *FEB])

    assert clear_revenue(cache) == 4

    assert load_revenue(cache) == []
    assert clear_revenue(cache) == 0


def test_every_change_bumps_the_revenue_revision_and_not_the_charges(cache: Cache) -> None:
    charges = cache.revision
    assert revenue_revision(cache) == 0
    replace_revenue(cache, JAN)
    clear_revenue(cache)

    assert revenue_revision(cache) == 2
    assert cache.revision == charges

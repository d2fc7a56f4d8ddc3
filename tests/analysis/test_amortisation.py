"""Amortised and unamortised cost from one FOCUS file with a commitment bought upfront:
both totals equal independent sums of the file's EffectiveCost and BilledCost, each
converted at its day's rate, on Overview, Allocation and in the report's JSON, and their
difference is named commitment amortisation."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from worthit.analysis.allocation import allocation
from worthit.analysis.commitments import AMORTISATION_NAMED, amortisation
from worthit.analysis.overview import overview
from worthit.core.periods import Period
from worthit.core.rate_files import read_rates_file
from worthit.pages import overview as overview_page
from worthit.pages.figures import Figures
from worthit.pages.page import Options
from worthit.store.cache import Cache
from worthit.store.display import choose_currency
from worthit.store.rates import import_rates
from worthit.sync.importer import import_file

HEADER = ("ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeFrequency",
          "PricingCategory", "BilledCost", "EffectiveCost", "BillingCurrency",
          "ServiceProviderName", "ServiceName", "ServiceCategory", "ResourceId",
          "CommitmentDiscountId", "CommitmentDiscountType", "CommitmentDiscountCategory",
          "CommitmentDiscountStatus")
DAYS = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(4)]
#: The first two days: the upfront fee for all four falls in them, its use only in part.
PERIOD = Period(DAYS[0], DAYS[1])
RATES = {day: 1.08 + n / 50 for n, day in enumerate(DAYS)}  # EUR -> USD


def _row(day: dt.date, hour: int, category: str, billed: float, effective: float, *,
         commitment: str = "", status: str = "", resource: str = "i-1") -> dict[str, Any]:
    start = dt.datetime.combine(day, dt.time(hour))
    return {"ChargePeriodStart": f"{start:%Y-%m-%dT%H:%M:%SZ}",
            "ChargePeriodEnd": f"{start + dt.timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}",
            "ChargeCategory": category,
            "ChargeFrequency": "One-Time" if category == "Purchase" else "Usage-Based",
            "PricingCategory": "Committed" if commitment and category == "Usage"
            else "Standard",
            "BilledCost": billed, "EffectiveCost": effective, "BillingCurrency": "EUR",
            "ServiceProviderName": "Example Cloud", "ServiceName": "Compute Engine",
            "ServiceCategory": "Compute", "ResourceId": resource,
            "CommitmentDiscountId": commitment,
            "CommitmentDiscountType": "Reservation" if commitment else "",
            "CommitmentDiscountCategory": "Usage" if commitment else "",
            "CommitmentDiscountStatus": status}


def rows() -> list[dict[str, Any]]:
    """A reservation bought upfront on the first day (billed 96.00, effective 0) for four
    days of 1.00 an hour, used 3/4 of each hour; and on-demand usage beside it."""
    out = [_row(DAYS[0], 0, "Purchase", 96.0, 0.0, commitment="ri-1")]
    for day in DAYS:
        for hour in range(24):
            out.append(_row(day, hour, "Usage", 0.0, 0.75, commitment="ri-1", status="Used"))
            out.append(_row(day, hour, "Usage", 0.0, 0.25, commitment="ri-1",
                            status="Unused", resource="ri-1"))
            out.append(_row(day, hour, "Usage", 0.4 + hour / 100, 0.4 + hour / 100,
                            resource="i-2"))
    return out


@pytest.fixture
def imported(cache: Cache, tmp_path: Path) -> Cache:
    path = tmp_path / "focus.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())
    import_file(cache, path)
    rates = tmp_path / "rates.csv"
    rates.write_text("date,from,to,rate\n" + "".join(
        f"{day.isoformat()},EUR,USD,{rate}\n" for day, rate in RATES.items()),
        encoding="utf-8")
    import_rates(cache, read_rates_file(rates).rates)
    choose_currency(cache, "USD")
    return cache


def expected(column: str) -> float:
    """The period's sum of ``column`` over the file, each row at its day's rate."""
    return math.fsum(float(r[column]) * RATES[dt.date.fromisoformat(r["ChargePeriodStart"][:10])]
                     for r in rows() if dt.date.fromisoformat(r["ChargePeriodStart"][:10])
                     in PERIOD)


def test_amortised_and_unamortised_are_the_files_sums_converted(imported: Cache) -> None:
    amortised, billed = expected("EffectiveCost"), expected("BilledCost")
    assert billed - amortised > 40  # the upfront fee makes the two differ
    shown = overview(imported, PERIOD)
    assert shown.currency == "USD"
    assert shown.total == pytest.approx(amortised, abs=1e-6)
    assert shown.unamortised == pytest.approx(billed, abs=1e-6)
    assert shown.commitment_amortisation == pytest.approx(amortised - billed, abs=1e-6)
    report = shown.to_json()
    assert (report["amortised_cost"], report["unamortised_cost"],
            report["commitment_amortisation"]) == (
        round(amortised, 2), round(billed, 2), round(amortised - billed, 2))
    tree = allocation(imported, PERIOD)
    assert tree.total == pytest.approx(amortised, abs=1e-6)
    assert tree.to_json()["unamortised"] == round(billed, 2)
    assert tree.to_json()["commitment_amortisation"] == round(amortised - billed, 2)
    # The one place both are computed, as the commitments module offers it.
    (both,) = amortisation(imported, PERIOD)
    assert (both.currency, both.amortised, both.unamortised) == (
        "USD", shown.total, shown.unamortised)


def test_the_pages_name_the_difference(imported: Cache) -> None:
    figures = Figures(imported, PERIOD)
    text = overview_page.text(figures, Options())
    assert "Unamortised" in text and "Commitment amort." in text
    flat = " ".join(text.split())
    assert "unamortised (billed) cost is what was invoiced" in flat
    assert AMORTISATION_NAMED.endswith("the difference is commitment amortisation")
    from worthit.pages import allocation as allocation_page

    assert "unamortised (billed)" in allocation_page.text(figures, Options())

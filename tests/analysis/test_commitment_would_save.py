"""What a commitment would save: each instance family's steady on-demand usage (the 10th
percentile of its daily on-demand cost over the last 30 days, ÷ 24, days without usage
counted as 0) against an independent numpy percentile; spot, committed, storage and
non-instance usage left out; at the user's rate the monthly saving is steady × rate × 730
hours, and without a rate there is no figure, only the ask for one."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from worthit.analysis.commitments import HOURS_PER_MONTH, NO_RATE, commitments
from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.pages import commitments as commitments_page
from worthit.pages.figures import Figures
from worthit.pages.page import Options
from worthit.store.cache import Cache
from worthit.store.commitments import commitment_discount, set_commitment_discount
from worthit.sync.importer import import_file

HEADER = ("ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "PricingCategory",
          "BilledCost", "EffectiveCost", "BillingCurrency", "ServiceProviderName",
          "ServiceName", "ResourceId", "x_UsageType", "CommitmentDiscountId",
          "CommitmentDiscountStatus")
#: 40 days: the first 10 fall outside the window of the last 30.
DAYS = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(40)]
PERIOD = Period(DAYS[0], DAYS[-1])
WINDOW = DAYS[-30:]


def _row(day: dt.date, cost: float, usage_type: str, *, pricing: str = "Standard",
         commitment: str = "", resource: str = "i-1") -> dict[str, Any]:
    return {"ChargePeriodStart": f"{day}T00:00:00Z",
            "ChargePeriodEnd": f"{day + dt.timedelta(days=1)}T00:00:00Z",
            "ChargeCategory": "Usage", "PricingCategory": pricing, "BilledCost": cost,
            "EffectiveCost": cost, "BillingCurrency": "USD",
            "ServiceProviderName": "AWS", "ServiceName": "Amazon EC2",
            "ResourceId": resource, "x_UsageType": usage_type,
            "CommitmentDiscountId": commitment,
            "CommitmentDiscountStatus": "Used" if commitment else ""}


def daily_g5() -> dict[dt.date, float]:
    """g5 on-demand cost per day, on two instances; three days of the window without."""
    rng = np.random.default_rng(7)
    out = {day: float(round(rng.uniform(20, 120), 2)) for day in DAYS}
    for idle in (WINDOW[3], WINDOW[11], WINDOW[20]):
        out.pop(idle)
    return out


def rows() -> list[dict[str, Any]]:
    out = []
    for day, cost in daily_g5().items():
        out.append(_row(day, cost * 0.6, "USE1-BoxUsage:g5.xlarge"))
        out.append(_row(day, cost * 0.4, "USE1-BoxUsage:g5.2xlarge", resource="i-2"))
    for day in DAYS:
        out.append(_row(day, 500.0, "USE1-SpotUsage:g5.xlarge", pricing="Dynamic",
                        resource="i-spot"))  # spot: not what a commitment covers
        out.append(_row(day, 300.0, "USE1-BoxUsage:p4d.24xlarge", pricing="Committed",
                        commitment="sp-1", resource="i-3"))  # covered already
        out.append(_row(day, 50.0, "USE1-DataTransfer-Out-Bytes", resource="i-1"))
        out.append(_row(day, 40.0, "USE1-EBS:VolumeUsage.gp3", resource="vol-1"))
    return out


@pytest.fixture
def imported(cache: Cache, tmp_path: Path) -> Cache:
    path = tmp_path / "focus.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())
    import_file(cache, path)
    return cache


def steady() -> float:
    """The independent figure: numpy's 10th percentile of the window's 30 daily costs."""
    daily = daily_g5()
    return float(np.percentile([daily.get(day, 0.0) for day in WINDOW], 10)) / 24


def test_steady_usage_is_the_p10_of_daily_on_demand_cost(imported: Cache) -> None:
    set_commitment_discount(imported, 0.28)
    found = commitments(imported, PERIOD, as_of=PERIOD.end).would_save
    assert found is not None
    assert (found.start, found.end, found.days) == (WINDOW[0], WINDOW[-1], 30)
    (g5,) = found.families  # spot, committed and non-instance usage left out
    assert (g5.provider, g5.family) == ("AWS", "g5")
    assert g5.steady_hourly == pytest.approx(steady(), abs=1e-9)
    assert g5.steady_hourly < g5.average_hourly
    assert found.saving(g5) == pytest.approx(steady() * 0.28 * HOURS_PER_MONTH, abs=1e-9)
    assert found.commitment(g5) == pytest.approx(steady() * 0.72, abs=1e-9)
    shown = commitments_page.json(Figures(imported, PERIOD), Options())["if_committed"]
    assert shown["discount"] == 0.28
    assert shown["monthly_saving"] == round(steady() * 0.28 * HOURS_PER_MONTH, 2)
    assert "28 % off on-demand prices (the rate you entered)" in shown["assumption"]


def test_without_a_rate_no_figure_is_given(imported: Cache) -> None:
    assert commitment_discount(imported) is None
    found = commitments(imported, PERIOD, as_of=PERIOD.end).would_save
    assert found is not None and found.discount is None
    (g5,) = found.families
    assert g5.steady_hourly == pytest.approx(steady(), abs=1e-9)  # the usage is still told
    assert found.saving(g5) is None and found.total is None
    shown = found.to_json()
    assert shown["monthly_saving"] is None
    assert shown["families"][0]["monthly_saving"] is None
    text = commitments_page.text(Figures(imported, PERIOD), Options())
    assert "enter your negotiated or published rate" in " ".join(text.split())
    assert NO_RATE in found.assumption


def test_a_rate_outside_0_to_100_percent_is_refused(imported: Cache) -> None:
    with pytest.raises(UserError, match="between 0 and 100"):
        set_commitment_discount(imported, 1.5)
    set_commitment_discount(imported, 0.3)
    assert commitment_discount(imported) == 0.3
    set_commitment_discount(imported, None)
    assert commitment_discount(imported) is None

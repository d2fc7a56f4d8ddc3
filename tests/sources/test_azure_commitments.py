"""Commitments in plain Azure exports: an Azure OpenAI provisioned throughput (PTU)
reservation, told by its meter ("Provisioned Managed Global Unit"), is a commitment of that
kind with its term, meter and region, and its used and unused amounts are the export's
Usage and UnusedReservation rows to the cent; the Term column (months) is kept as words, as
the real EA exports state it (36 months: 3 years; 12: 1 year)."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
from tests.shared_data import sample

from worthit.analysis.commitments import commitments
from worthit.core.commitments import PTU_RESERVATION
from worthit.core.periods import Period
from worthit.sources.azure import term_in_words
from worthit.store.cache import Cache
from worthit.sync.importer import import_file

HEADER = ("BillingAccountId", "SubscriptionId", "Date", "MeterCategory", "MeterName",
          "Quantity", "Cost", "BillingCurrency", "ResourceLocation", "ResourceId",
          "UnitOfMeasure", "ChargeType", "Frequency", "PricingModel", "Term", "benefitId",
          "benefitName")
PTU = ("/providers/Microsoft.Capacity/reservationOrders/0a1b2c3d-0000-4000-8000-00000000ptu1/"
       "reservations/1b2c3d4e-0000-4000-8000-00000000ptu2")
METER = "Provisioned Managed Global Unit"
DAYS = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(5)]
UNITS, MONTHLY = 15, 3900.0  # 15 PTU, $260 each a month


def rows() -> list[dict[str, Any]]:
    """An amortised export: the month's fee prorated per day, 85 % on the deployment's
    usage (PricingModel Reservation) and 15 % unused (ChargeType UnusedReservation)."""
    daily = MONTHLY / 31
    out = []
    for day in DAYS:
        common = {"BillingAccountId": "8611537", "SubscriptionId": "sub-1",
                  "Date": day.strftime("%m/%d/%Y"), "MeterCategory": "Azure OpenAI",
                  "MeterName": METER, "BillingCurrency": "USD",
                  "ResourceLocation": "eastus2", "UnitOfMeasure": "1 Hour",
                  "PricingModel": "Reservation", "Term": "1", "benefitId": PTU,
                  "benefitName": "eval PTU"}
        out.append({**common, "ResourceId": "/subscriptions/sub-1/deployments/gpt-4o-ptu",
                    "Quantity": UNITS * 24 * 0.85, "Cost": round(daily * 0.85, 6),
                    "ChargeType": "Usage", "Frequency": "UsageBased"})
        out.append({**common, "ResourceId": PTU, "Quantity": UNITS * 24 * 0.15,
                    "Cost": round(daily * 0.15, 6), "ChargeType": "UnusedReservation",
                    "Frequency": "UsageBased"})
    return out


def write(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())
    return path


def test_an_azure_openai_ptu_reservation_is_found(cache: Cache, tmp_path: Path) -> None:
    import_file(cache, write(tmp_path / "amortized.csv"))
    (held,) = [dict(r) for r in cache._rows("SELECT * FROM commitments")]
    assert (held["commitment_id"], held["kind"], held["term"], held["region"],
            held["offering"], held["category"]) == (
        PTU, PTU_RESERVATION, "1 month", "eastus2", f"Azure OpenAI {METER}", "Usage")
    (ptu,) = commitments(cache, Period(DAYS[0], DAYS[-1]), as_of=DAYS[-1]).commitments
    used = math.fsum(r["Cost"] for r in rows() if r["ChargeType"] == "Usage")
    unused = math.fsum(r["Cost"] for r in rows() if r["ChargeType"] == "UnusedReservation")
    assert (round(ptu.used, 2), round(ptu.unused, 2)) == (round(used, 2), round(unused, 2))
    assert ptu.utilisation == pytest.approx(0.85, abs=1e-6)
    assert (ptu.kind, ptu.term, ptu.covers) == (
        PTU_RESERVATION, "1 month", f"Azure OpenAI {METER}, eastus2")


@pytest.mark.parametrize(("name", "terms"), [
    ("ea-actual-cost.csv", {"Reservation": "3 years"}),
    ("ea-amortized-cost.csv", {"Reservation": "1 year", "Savings Plan (Azure)": "3 years"}),
])
def test_the_real_exports_terms_are_kept(cache: Cache, name: str,
                                         terms: dict[str, str]) -> None:
    import_file(cache, sample("azure", name))
    held = {r["kind"]: r["term"] for r in cache._rows("SELECT kind, term FROM commitments")}
    assert held == terms


@pytest.mark.parametrize(("months", "words"), [
    ("12", "1 year"), ("36", "3 years"), ("1", "1 month"), ("6", "6 months"),
    ("P1Y", "P1Y"), (None, None), ("0", None)])
def test_term_in_words(months: str | None, words: str | None) -> None:
    assert term_in_words(months) == words

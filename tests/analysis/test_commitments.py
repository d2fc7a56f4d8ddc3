"""Commitments from FOCUS rows: the spec's commitment discount scenarios (a commitment used
in full, 75 % used, not used at all; FOCUS 1.2 commitment_discount_usage_scenario_*.csv)
give utilisation and unused cost equal to the sums of their rows to the cent; owners come
from the Allocation page's rules; a saving without an on-demand price is said to be
unknown, never 0; ending soon comes first; coverage is covered ÷ eligible usage; and
used + unused = committed for every commitment and day (a property)."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.analysis.allocation import allocation
from worthit.analysis.commitments import NO_ON_DEMAND, build, commitments, coverage_of
from worthit.core.days import day_number
from worthit.core.periods import Period
from worthit.core.rate_files import read_rates_file
from worthit.core.rates import MissingRates
from worthit.core.rules import Pick, Rule
from worthit.store.cache import Cache
from worthit.store.display import choose_currency
from worthit.store.rates import import_rates
from worthit.sync.importer import import_file

HEADER = ("ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeFrequency",
          "PricingCategory", "BilledCost", "EffectiveCost", "ListCost", "BillingCurrency",
          "ServiceProviderName", "ServiceName", "ServiceCategory", "ResourceId",
          "CommitmentDiscountId", "CommitmentDiscountType", "CommitmentDiscountCategory",
          "CommitmentDiscountName", "CommitmentDiscountStatus", "Tags")
FULL, THREE_QUARTERS, IDLE = "cd-full", "cd-75", "cd-idle"
DAYS = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(3)]
PERIOD = Period(DAYS[0], DAYS[-1])


def _row(day: dt.date, hour: int, category: str, billed: float, effective: float,
         listed: float | None, commitment: str, status: str | None, *,
         resource: str = "i-1", team: str | None = None) -> dict[str, Any]:
    start = dt.datetime.combine(day, dt.time(hour))
    return {"ChargePeriodStart": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ChargePeriodEnd": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ChargeCategory": category,
            "ChargeFrequency": "One-Time" if category == "Purchase" else "Usage-Based",
            "PricingCategory": "Committed" if category == "Usage" else "Standard",
            "BilledCost": billed, "EffectiveCost": effective,
            "ListCost": "" if listed is None else listed, "BillingCurrency": "USD",
            "ServiceProviderName": "Example Cloud", "ServiceName": "Compute Engine",
            "ServiceCategory": "Compute", "ResourceId": resource,
            "CommitmentDiscountId": commitment, "CommitmentDiscountType": "Savings Plan",
            "CommitmentDiscountCategory": "Spend", "CommitmentDiscountName": commitment,
            "CommitmentDiscountStatus": status or "",
            "Tags": f'{{"team": "{team}"}}' if team else ""}


def scenario_rows() -> list[dict[str, Any]]:
    """Per hour over three days, a $1.00 commitment: used in full (one Used row of 1.00),
    75 % used (Used 0.75 + Unused 0.25, the spec's scenario) and idle (Unused 1.00); each
    bought by a Purchase row whose BilledCost is what it commits, EffectiveCost 0."""
    rows = []
    for day in DAYS:
        for commitment in (FULL, THREE_QUARTERS, IDLE):
            rows.append(_row(day, 0, "Purchase", 24.0, 0.0, 24.0, commitment, None))
        for hour in range(24):
            rows.append(_row(day, hour, "Usage", 0.0, 1.0, 1.6, FULL, "Used", team="search"))
            rows.append(_row(day, hour, "Usage", 0.0, 0.75, 1.2, THREE_QUARTERS, "Used",
                             resource="i-2", team="ads"))
            rows.append(_row(day, hour, "Usage", 0.0, 0.25, None, THREE_QUARTERS, "Unused",
                             resource=THREE_QUARTERS))
            rows.append(_row(day, hour, "Usage", 0.0, 1.0, None, IDLE, "Unused",
                             resource=IDLE))
    return rows


def write_focus(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


BY_TEAM = Rule("By team", match=(("tag_present", ("team",)),), team=Pick(tag="team"))


@pytest.fixture
def imported(cache: Cache, tmp_path: Path) -> Cache:
    import_file(cache, write_focus(tmp_path / "focus.csv", scenario_rows()))
    return cache


def test_utilisation_and_unused_are_the_sums_of_the_rows(imported: Cache) -> None:
    rows = scenario_rows()
    found = commitments(imported, PERIOD, allocation=allocation(imported, PERIOD, [BY_TEAM]),
                        as_of=PERIOD.end)
    by_id = {c.commitment_id: c for c in found.commitments}
    assert set(by_id) == {FULL, THREE_QUARTERS, IDLE}
    for commitment_id, c in by_id.items():
        mine = [r for r in rows if r["CommitmentDiscountId"] == commitment_id]
        used = math.fsum(r["EffectiveCost"] for r in mine
                         if r["CommitmentDiscountStatus"] == "Used")
        unused = math.fsum(r["EffectiveCost"] for r in mine
                           if r["CommitmentDiscountStatus"] == "Unused")
        bought = math.fsum(r["BilledCost"] for r in mine if r["ChargeCategory"] == "Purchase")
        assert (round(c.used, 2), round(c.unused, 2)) == (round(used, 2), round(unused, 2))
        # FOCUS: the Usage rows' effective cost is what the Purchase rows billed.
        assert round(c.committed, 2) == round(bought, 2)
        assert c.utilisation == pytest.approx(used / (used + unused))
        for day in c.days:
            of_day = [r for r in mine if r["ChargePeriodStart"].startswith(day.day.isoformat())]
            assert round(day.unused, 2) == round(math.fsum(
                r["EffectiveCost"] for r in of_day if r["CommitmentDiscountStatus"] == "Unused"),
                2)
            assert not day.derived
    assert [by_id[i].utilisation for i in (FULL, THREE_QUARTERS, IDLE)] == [1.0, 0.75, 0.0]
    assert round(by_id[IDLE].unused, 2) == 72.0
    # Owners: the team whose usage each covers; an idle one covers nobody's.
    assert (by_id[FULL].owner, by_id[THREE_QUARTERS].owner, by_id[IDLE].owner) == (
        "search", "ads", "Unallocated")
    # Saving against the list price of the covered usage, less its cost and the unused.
    assert by_id[FULL].saving == pytest.approx(72 * 1.6 - 72)
    assert by_id[THREE_QUARTERS].saving == pytest.approx(72 * 1.2 - 54 - 18)
    assert by_id[IDLE].saving == pytest.approx(-72.0)  # paid for nothing
    totals = found.to_json()["totals"]["USD"]
    assert totals == {"committed": 216.0, "used": 126.0, "unused": 90.0,
                      "saving": round(72 * 1.6 - 72 + 72 * 1.2 - 72 - 72, 2)}


def test_a_saving_without_an_on_demand_price_is_unknown_not_zero(cache: Cache,
                                                                  tmp_path: Path) -> None:
    rows = [_row(DAYS[0], h, "Usage", 0.0, 1.0, None, FULL, "Used") for h in range(24)]
    import_file(cache, write_focus(tmp_path / "focus.csv", rows))
    (found,) = commitments(cache, PERIOD, as_of=PERIOD.end).commitments
    assert found.used == pytest.approx(24.0) and found.on_demand is None
    assert found.saving is None and NO_ON_DEMAND in found.notes
    assert commitments(cache, PERIOD, as_of=PERIOD.end).to_json()["totals"]["USD"][
        "saving"] is None


def _stated(commitment_id: str, end: str | None, **more: Any) -> dict[str, Any]:
    return {"source_id": "s", "commitment_id": commitment_id, "end_time": end, **more}


def _day_row(commitment_id: str, day: dt.date, status: str, effective: float, *,
             category: str = "Usage", frequency: str = "Usage-Based",
             listed: float | None = None) -> dict[str, Any]:
    return {"commitment_id": commitment_id, "day": day_number(day), "status": status,
            "category": category, "frequency": frequency, "provider": "AWS",
            "type": "Savings Plan", "commitment_category": "Spend", "name": None,
            "currency": "USD", "effective": effective, "billed": 0.0, "listed": listed,
            "charges": 1}


def test_commitments_ending_soon_come_first() -> None:
    as_of = dt.date(2025, 3, 31)
    stated = [_stated("later", "2025-12-01T00:00:00Z"), _stated("in-20", "2025-04-20T00:00:00Z"),
              _stated("in-45", "2025-05-15T00:00:00Z"), _stated("none", None),
              _stated("ended", "2025-03-02T00:00:00Z")]
    rows = [_day_row(s["commitment_id"], dt.date(2025, 3, 1), "Unused", unused)
            for s, unused in zip(stated, (5.0, 1.0, 2.0, 9.0, 3.0), strict=True)]
    found = build(Period(dt.date(2025, 3, 1), as_of), stated, rows, [], [], {}, as_of)
    assert [c.commitment_id for c in found.commitments] == [
        "in-20", "in-45", "none", "later", "ended"]  # then by unused cost
    assert [c.ending_within for c in found.commitments] == [30, 60, None, None, None]
    assert [c.commitment_id for c in found.ending_within(30)] == ["in-20"]


def test_a_monthly_fee_is_spread_over_the_hours_it_ran() -> None:
    """A reservation that began on the 11th at noon: its March unused fee lands on the
    days from then, the first a half day, and sums back to the fee."""
    stated = [_stated("ri", "2026-03-11T12:00:00Z", start_time="2025-03-11T12:00:00Z",
                      billed_every="month")]
    rows = [_day_row("ri", dt.date(2025, 3, 1), "Unused", 42.0, category="Purchase",
                     frequency="Recurring")]
    march = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    (ri,) = build(march, stated, rows, [], [], {}, dt.date(2025, 3, 31)).commitments
    assert ri.days[0].day == dt.date(2025, 3, 11) and len(ri.days) == 21
    assert ri.days[0].unused == pytest.approx(ri.days[1].unused / 2)
    assert ri.unused == pytest.approx(42.0) and ri.derived
    # A period of part of the month takes its days' share.
    part = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 15))
    (cut,) = build(part, stated, rows, [], [], {}, dt.date(2025, 3, 31)).commitments
    assert cut.unused == pytest.approx(42.0 * 4.5 / 20.5)


def test_coverage_is_covered_over_eligible_usage_at_on_demand_prices() -> None:
    def usage(usage_type: str, covered: bool, billed: float, listed: float | None,
              pricing: str = "Standard") -> dict[str, Any]:
        return {"provider": "AWS", "service": "Amazon EC2", "usage_type": usage_type,
                "currency": "USD", "pricing": pricing, "covered": covered, "billed": billed,
                "effective": billed, "listed": listed, "charges": 1}

    found = coverage_of([usage("BoxUsage:g5.xlarge", True, 0.0, 30.0),
                         usage("BoxUsage:g5.2xlarge", False, 10.0, 10.0),
                         usage("SpotUsage:g5.xlarge", False, 3.0, 9.0, pricing="Dynamic"),
                         usage("BoxUsage:r6i.large", True, 0.0, None),
                         usage("BoxUsage:r6i.large", False, 5.0, 5.0)])
    by_family = {c.family: c for c in found}
    assert by_family["g5"].coverage == pytest.approx(30 / 40)  # spot is not eligible
    assert by_family["r6i"].coverage is None  # no on-demand price for the covered part


DAY_RANGE = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(90)]
AMOUNTS = st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: round(x, 6))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(DAY_RANGE),
                          st.sampled_from(["Used", "Unused"]), AMOUNTS, st.booleans()),
                min_size=1, max_size=60),
       st.integers(0, 60), st.integers(0, 60))
def test_used_plus_unused_is_committed_for_every_commitment_and_day(
        charges: list[tuple[str, dt.date, str, float, bool]], skip: int, length: int) -> None:
    """Whatever the rows (commitment "c" billed monthly, its Unused rows spread), every
    day's and the period's used + unused is committed exactly, and the period's committed
    is the sum of its rows' effective cost (whole months of a monthly fee in the period)."""
    period = Period(DAY_RANGE[0] + dt.timedelta(days=skip),
                    DAY_RANGE[0] + dt.timedelta(days=skip + length))
    stated = [_stated("c", None, billed_every="month")]
    rows = [_day_row(cid, day, status, amount,
                     frequency="Recurring" if cid == "c" and status == "Unused"
                     else "Usage-Based", listed=amount * 1.5 if listed else None)
            for cid, day, status, amount, listed in charges]
    found = build(period, stated, rows, [], [], {}, period.end)
    expected: dict[str, float] = defaultdict(float)
    for row, (cid, day, status, _amount, _) in zip(rows, charges, strict=True):
        spread = cid == "c" and status == "Unused"
        first = day.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        if (period.start <= first and last <= period.end) if spread else day in period:
            expected[cid] += row["effective"]
        elif spread and (last < period.start or first > period.end):
            pass
        elif spread:
            expected[cid] = math.nan  # a part month: checked by the spread test
    for c in found.commitments:
        for d in c.days:
            assert d.used + d.unused == d.committed
            assert d.day in period and d.used >= 0 and d.unused >= 0
            assert d.utilisation is None or 0 <= d.utilisation <= 1
        assert c.used + c.unused == c.committed
        assert c.used == math.fsum(d.used for d in c.days)
        if not math.isnan(expected[c.commitment_id]):
            assert c.committed == pytest.approx(expected[c.commitment_id], rel=1e-9, abs=1e-6)


def test_a_commitment_billed_in_another_currency_shows_in_the_display_currency(
        cache: Cache, tmp_path: Path) -> None:
    """A commitment billed in EUR, in a workspace shown in USD: each day's used and unused
    amount at that day's rate; without a rate, a refusal naming the pair and days."""
    rows = [dict(r, BillingCurrency="EUR") for r in scenario_rows()]
    import_file(cache, write_focus(tmp_path / "focus-eur.csv", rows))
    choose_currency(cache, "USD")
    with pytest.raises(MissingRates, match="EUR→USD"):
        commitments(cache, PERIOD, as_of=PERIOD.end)
    rates = tmp_path / "rates.csv"
    rates.write_text("date,from,to,rate\n"
                     + "".join(f"{day.isoformat()},EUR,USD,{1.1 + n / 100}\n"
                               for n, day in enumerate(DAYS)), encoding="utf-8")
    import_rates(cache, read_rates_file(rates).rates)
    found = commitments(cache, PERIOD, as_of=PERIOD.end)
    by_id = {c.commitment_id: c for c in found.commitments}
    assert found.currencies == ("USD",)
    for commitment_id, c in by_id.items():
        assert c.currency == "USD"
        mine = [r for r in rows if r["CommitmentDiscountId"] == commitment_id]
        for status, shown in (("Used", c.used), ("Unused", c.unused)):
            expected = math.fsum(
                r["EffectiveCost"] * (1.1 + DAYS.index(dt.date.fromisoformat(
                    r["ChargePeriodStart"][:10])) / 100)
                for r in mine if r["CommitmentDiscountStatus"] == status)
            assert shown == pytest.approx(expected, abs=0.005)
    assert by_id[IDLE].utilisation == 0.0 and by_id[FULL].utilisation == 1.0


def test_days_to_end_count_from_today_whatever_the_period(
        imported: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """A past period's commitments count their days to end from today (the date said), not
    from the period's end: a commitment ending 20 days after the period may have ended."""
    from worthit.pages import commitments as page
    from worthit.pages.figures import Figures
    from worthit.pages.page import Options
    from worthit.store.commitments import write_commitments

    source = imported._rows("SELECT source_id FROM sources")[0]["source_id"]
    with imported.transaction() as conn:
        write_commitments(conn, source, [{"commitment_id": FULL,
                                          "end_time": "2025-03-23T00:00:00Z"}])
    monkeypatch.setattr("worthit.core.commitments.today", lambda: dt.date(2025, 3, 13))
    found = commitments(imported, PERIOD)
    full = next(c for c in found.commitments if c.commitment_id == FULL)
    assert found.as_of == dt.date(2025, 3, 13)
    assert (full.days_to_end, full.ending_within) == (10, 30)  # not 20: from today
    assert found.to_json()["days_to_end_from"] == "2025-03-13"
    text = page.text(Figures(imported, PERIOD), Options())
    assert "days to end counted from today, 2025-03-13" in text
    monkeypatch.setattr("worthit.core.commitments.today", lambda: dt.date(2025, 4, 1))
    ended = next(c for c in commitments(imported, PERIOD).commitments
                 if c.commitment_id == FULL)
    assert ended.days_to_end == -9 and ended.ending_within is None
    assert page.ends(ended) == "ended 2025-03-23"

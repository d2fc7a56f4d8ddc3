"""Unused commitments as leak findings, on a workspace imported from a FOCUS file: a
commitment used a third of the time is a finding owned by the team whose usage it covers,
saving what a commitment sized to its p10 day would not have left unused, per month; a
commitment used in full is none; and the Leaks page names the kind by its title."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from tests.analysis.test_commitments import BY_TEAM, _row, write_focus

from worthit.analysis.leaks import KIND_TITLES, Settings, find_leaks
from worthit.analysis.leaks.commitments import sized_saving
from worthit.store.cache import Cache
from worthit.store.rules import save_rules
from worthit.sync.importer import import_file

DAYS = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(10)]
END = DAYS[-1]
LOW, FULL = "cd-low", "cd-full"
#: What the low commitment covers each day, of the $240 it commits a day.
LOW_USE = (30.0, 90.0, 120.0, 150.0, 60.0, 90.0, 120.0, 150.0, 60.0, 90.0)


def rows() -> list[dict[str, Any]]:
    """Each day, two $240 commitments: one covering ``LOW_USE`` of the ads team's usage
    (the rest Unused), one covering $240 of the search team's (none unused)."""
    out = []
    for day, used in zip(DAYS, LOW_USE, strict=True):
        out.append(_row(day, 0, "Usage", 0.0, used, used * 1.5, LOW, "Used", resource="i-2",
                        team="ads"))
        out.append(_row(day, 0, "Usage", 0.0, 240.0 - used, None, LOW, "Unused",
                        resource=LOW))
        out.append(_row(day, 0, "Usage", 0.0, 240.0, 360.0, FULL, "Used", team="search"))
    return out


@pytest.fixture
def workspace(cache: Cache, tmp_path: Path) -> Cache:
    import_file(cache, write_focus(tmp_path / "focus.csv", rows()))
    save_rules(cache, [BY_TEAM])
    return cache


def test_an_idle_commitment_is_a_finding_owned_and_priced(workspace: Cache) -> None:
    found = [f for f in find_leaks(workspace, END) if f.kind == "unused_commitment"]
    assert [f.resource for f in found] == [LOW]  # the fully used one is no finding
    (finding,) = found
    assert finding.key == f"unused_commitment:{LOW}" and finding.team == "ads"
    # Unused: 2,400 committed less 960 used. Sized to the p10 day (30 + 0.9 × 30 = 57 by
    # linear interpolation), a commitment would have left 57 − 30 unused on the first day
    # and nothing on the others; 10 days scaled to a 30-day month.
    unused = 2400.0 - sum(LOW_USE)
    assert unused == 1440.0
    assert finding.monthly_saving == pytest.approx((1440.0 - 27.0) * 3)
    assert finding.monthly_cost == pytest.approx(2400.0 * 3)
    assert "p10" in finding.assumption and "$57" in finding.assumption
    assert finding.evidence.unit == "%" and len(finding.evidence.values) == 10
    assert finding.evidence.values[0] == pytest.approx(100 * 30 / 240)


def test_thresholds_are_settings(workspace: Cache) -> None:
    """Under 80 % used and over $10 unused by default; a lower utilisation threshold (the
    low one used 40 %) or a higher unused floor keeps it out."""
    assert not [f for f in find_leaks(workspace, END, Settings(commitment_utilisation=40.0))
                if f.kind == "unused_commitment"]
    assert not [f for f in find_leaks(workspace, END, Settings(commitment_unused=1500.0))
                if f.kind == "unused_commitment"]


def test_the_saving_never_exceeds_the_unused_cost() -> None:
    p10, left, saving = sized_saving([10.0, 10.0, 10.0], 5.0)
    assert (p10, left, saving) == (10.0, 0.0, 5.0)
    assert sized_saving([], 7.0) == (0.0, 0.0, 7.0)
    assert sized_saving([0.0] * 5, 12.0)[2] == 12.0  # idle every day: all of it


def test_the_leaks_page_names_the_kind(workspace: Cache) -> None:
    from worthit.core.periods import Period
    from worthit.pages import PAGES, Options
    from worthit.pages.figures import Figures

    figures = Figures(workspace, Period(DAYS[0], END))
    table = PAGES["leaks"].table(figures)
    kinds = [row[0] for row in table.rows]
    assert KIND_TITLES["unused_commitment"] == "Unused commitment"
    assert "Unused commitment" in kinds
    assert "Unused commitment: cd-low" in PAGES["leaks"].text(figures, Options())


def test_a_finding_in_another_currency_converts_each_day(workspace: Cache,
                                                         tmp_path: Path) -> None:
    """Asked in EUR while the pages show USD: each day's used and unused at that day's
    rate, so the saving is the USD one at the (here constant) rate."""
    from worthit.core.rate_files import read_rates_file
    from worthit.store.rates import import_rates

    rates = tmp_path / "rates.csv"
    rates.write_text("date,from,to,rate\n" + "".join(
        f"{day.isoformat()},USD,EUR,0.5\n" for day in DAYS), encoding="utf-8")
    import_rates(workspace, read_rates_file(rates).rates)
    (finding,) = [f for f in find_leaks(workspace, END, currency="EUR")
                  if f.kind == "unused_commitment"]
    assert finding.currency == "EUR"
    assert finding.monthly_saving == pytest.approx((1440.0 - 27.0) * 3 * 0.5)


def test_the_window_reads_the_commitments_the_page_shows_without_their_coverage(
        workspace: Cache) -> None:
    """The leak finding and the alerts skip the coverage and "If you committed"; the
    commitments themselves are the Commitments page's, figure for figure."""
    from worthit.analysis.commitments import commitments
    from worthit.core.periods import Period

    period = Period(DAYS[0], END)
    page, alone = commitments(workspace, period), commitments(workspace, period,
                                                              coverage=False)
    assert page.coverage and page.would_save is not None  # the page's parts, there
    assert alone.coverage == () and alone.would_save is None
    assert alone.commitments == page.commitments
    assert [c.to_json() for c in alone.commitments] == [c.to_json() for c in page.commitments]

"""The leak detectors on the demo workspace: every planted leak is found, priced within
10 % of what the generator billed for it and owned by whom it planted it on; a clean
control workspace raises nothing worth showing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import DEMO_END

from worthit.analysis.leaks import Finding, Settings, find_leaks
from worthit.demo.generator import generate_demo, read_planted
from worthit.demo.planted import PlantedLeak
from worthit.store.cache import Cache
from worthit.workspace import Workspace


@pytest.fixture(scope="module")
def demo_cache(demo_workspace: Workspace) -> Iterator[Cache]:
    with demo_workspace.open() as cache:
        yield cache


@pytest.fixture(scope="module")
def found(demo_cache: Cache) -> list[Finding]:
    return find_leaks(demo_cache, DEMO_END)


@pytest.fixture(scope="module")
def planted(demo_cache: Cache) -> list[PlantedLeak]:
    leaks = read_planted(demo_cache)
    assert len(leaks) == 10
    return leaks


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cache]:
    """The demo company without its planted leaks."""
    folder: Path = tmp_path_factory.mktemp("leaks-control")
    generate_demo(folder, end=DEMO_END, leaks=False)
    with Workspace(folder).open() as cache:
        yield cache


def finding_for(leak: PlantedLeak, found: list[Finding]) -> Finding:
    """The finding of the leak's kind; where the kind has several (network: NAT and
    cross-AZ), the one about the leak's resource."""
    same = [f for f in found if f.kind == leak.kind]
    if len(same) > 1:
        same = [f for f in same if f.resource == leak.resource_id]
    assert len(same) == 1, (leak.title, [f.key for f in found if f.kind == leak.kind])
    return same[0]


def test_every_planted_leak_is_found_priced_and_owned(
    found: list[Finding], planted: list[PlantedLeak]
) -> None:
    low, high = Settings().nat_share_low, Settings().nat_share_high
    for leak in planted:
        f = finding_for(leak, found)
        if leak.monthly_saving == 0:
            assert f.monthly_saving == 0, leak.title
        else:
            assert f.monthly_saving == pytest.approx(leak.monthly_saving, rel=0.10), leak.title
        if f.key.startswith("hidden_network:nat:"):
            # The planted charge is the whole NAT processing; which share of it goes to S3
            # and DynamoDB (what free gateway endpoints remove) no bill says, so the finding
            # counts the low end of the assumed share, and says the range.
            assert leak.monthly_saving == pytest.approx(leak.monthly_cost * low)
            assert f.saving_range == (pytest.approx(f.monthly_cost * low),
                                      pytest.approx(f.monthly_cost * high))
        # A one-off (the runaway agent's excess) within 10 % too; none elsewhere.
        assert f.one_off == pytest.approx(leak.one_off, rel=0.10), leak.title
        assert (f.team, f.feature) == (leak.team, leak.feature), leak.title
    # The NAT gateway is split across teams by the demo's rules: nobody owns it alone.
    nat = next(leak for leak in planted if leak.resource_id and "natgateway" in leak.resource_id)
    assert (finding_for(nat, found).team, finding_for(nat, found).feature) == (None, None)


def test_findings_are_sorted_by_the_figure_they_show_with_unique_stable_keys(
    demo_cache: Cache, found: list[Finding]
) -> None:
    savings = [f.figure for f in found]  # the monthly saving, or a one-off excess
    assert savings == sorted(savings, reverse=True)
    keys = [f.key for f in found]
    assert len(set(keys)) == len(keys)
    assert [f.key for f in find_leaks(demo_cache, DEMO_END)] == keys
    # A key names what the finding is about, never a figure: a sync one day earlier
    # (different figures) gives the same keys.
    earlier = find_leaks(demo_cache, DEMO_END - dt.timedelta(days=1))
    assert sorted(f.key for f in earlier) == sorted(keys)
    assert [f.figure for f in earlier] != savings


def test_the_floor_hides_small_findings_but_not_weak_attribution(
    demo_cache: Cache, found: list[Finding]
) -> None:
    floor = 2000.0
    high = find_leaks(demo_cache, DEMO_END, Settings(floor=floor))
    expected = [f.key for f in found
                if f.figure >= floor or f.kind == "weak_attribution"]
    assert [f.key for f in high] == expected
    assert len(expected) < len(found)
    assert "weak_attribution:unallocated" in expected
    # A one-off excess over the floor is kept, though it saves nothing per month.
    assert any(f.kind == "runaway_agent" and f.monthly_saving == 0 for f in high)


def test_a_clean_control_workspace_raises_nothing_worth_showing(control: Cache) -> None:
    floor = Settings().floor
    shown = [(f.key, round(f.figure, 2)) for f in find_leaks(control, DEMO_END)
             if f.figure >= floor]
    assert shown == []
    # The detectors did look: below the floor, the control has small findings.
    assert find_leaks(control, DEMO_END, Settings(floor=0.0))


def test_the_runaway_finding_names_the_busiest_hour_from_the_hourly_metrics(
        demo_workspace: Workspace) -> None:
    with Cache.open(demo_workspace.cache_path) as cache:
        found = [f for f in find_leaks(cache, DEMO_END) if f.kind == "runaway_agent"]
    hour = found[0].evidence.numbers["busiest hour of the spike"]
    ratio = float(hour.rsplit(", ", 1)[1].split("×")[0])
    assert 5.0 <= ratio <= 7.0, hour  # the planted storm is 6× the usual requests


def test_a_shared_resource_names_the_teams_allocation_splits_it_over(
        demo_cache: Cache, found: list[Finding]) -> None:
    """One truth: the NAT gateway's finding said "no owner" while Allocation split the same
    cost over four teams."""
    from worthit.analysis.allocation import allocation
    from worthit.core.periods import Period

    nat = next(f for f in found if f.key.startswith("hidden_network:nat:"))
    window = Period(DEMO_END - dt.timedelta(days=29), DEMO_END)
    pieces = allocation(demo_cache, window).pieces
    teams = pieces.loc[(pieces["resource"] == nat.resource) & (pieces["current"] > 0), "team"]
    assert nat.shared_by == tuple(sorted(set(teams))) and len(nat.shared_by) > 1
    assert (nat.team, nat.owner) == (None, "shared by " + ", ".join(nat.shared_by))
    assert ", ".join(nat.shared_by) + " (shared)" in nat.title


def test_the_bloated_prompt_finding_leads_with_its_own_lever_and_names_caching_s_figure(
        demo_cache: Cache, found: list[Finding]) -> None:
    """One truth: Leaks showed $5,256 beside 'turn on prompt caching', while Model swap
    priced caching at $4,769. The finding's saving is the trim's, so the trim leads; the
    caching figure it names is the Model swap suggestion's, to the cent."""
    from worthit.analysis.model_swap import suggestions, swap_data
    from worthit.core.money import money
    from worthit.core.periods import Period

    bloat = next(f for f in found if f.kind == "prompt_bloat")
    assert bloat.fix[0].startswith("Trim the prompt back")
    window = Period(DEMO_END - dt.timedelta(days=29), DEMO_END)
    (caching,) = [s for s in suggestions(swap_data(demo_cache, window), limit=1000)
                  if s.kind == "cache" and s.scenario.feature == bloat.feature]
    assert bloat.evidence.numbers["caching the prefix instead (Model swap)"] == \
        f"{money(caching.monthly_saving)} per month"


def test_the_bloated_prompt_s_early_level_is_the_early_weeks_own_usage(
        demo_cache: Cache, found: list[Finding]) -> None:
    """The early level (remembered per charge index) is the uncached input per request of
    the first 60 days' usage of that feature and model, summed from the rows as they are."""
    from worthit.analysis.model_swap import swap_data
    from worthit.core.periods import Period

    bloat = next(f for f in found if f.kind == "prompt_bloat")
    first = demo_cache.data_range()[0]
    usage = swap_data(demo_cache, Period(first, first + dt.timedelta(days=59))).usage
    mine = usage[(usage["feature"] == bloat.feature) & (usage["model"] == bloat.resource)]
    assert bloat.evidence.threshold == float(mine["input"].sum()) / float(
        mine["requests"].sum())

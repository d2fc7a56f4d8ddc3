"""The Overview's figures remembered beside the cache (the first step's and the leak
summary): used only while nothing they were computed from has changed (the cache's charges
and other tables, the period, the code, and for the leaks the day), equal to the bit to
figures computed afresh, and never in the way: a file that cannot be read or written
leaves the figures computed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import DEMO_END

from worthit.analysis import remembered_figures as module
from worthit.analysis.first_figures import (
    Chart,
    FirstFigures,
    LeakSummary,
    UnitCost,
    compute,
    compute_leaks,
)
from worthit.analysis.forecast import Forecast
from worthit.analysis.leaks import find_leaks
from worthit.analysis.overview import MOVER_DIMENSIONS, overview
from worthit.analysis.remembered_figures import (
    first_figures_of,
    key_of,
    leak_summary_of,
    path_of,
)
from worthit.core.periods import Period
from worthit.store.cache import Cache
from worthit.store.findings import FindingState, set_state
from worthit.store.rules import load_rules, save_rules
from worthit.workspace import Workspace

LAST_30 = Period(DEMO_END - dt.timedelta(days=29), DEMO_END)
LAST_90 = Period(DEMO_END - dt.timedelta(days=89), DEMO_END)


def as_text(figures: FirstFigures) -> str:
    """The figures' JSON as text: equal texts, equal figures (NaN included, -0.0 apart)."""
    return json.dumps(figures.to_json())


class Counted:
    """:func:`compute`, counting its calls."""

    def __init__(self) -> None:
        self.calls: list[Period] = []

    def __call__(self, cache: Cache, period: Period) -> FirstFigures:
        self.calls.append(period)
        return compute(cache, period)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    counter = Counted()
    monkeypatch.setattr(module, "compute", counter)
    return counter


class CountedLeaks:
    """:func:`compute_leaks`, counting its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[Period, dt.date]] = []

    def __call__(self, cache: Cache, period: Period, day: dt.date) -> LeakSummary:
        self.calls.append((period, day))
        return compute_leaks(cache, period, day)


@pytest.fixture
def counted_leaks(monkeypatch: pytest.MonkeyPatch) -> CountedLeaks:
    counter = CountedLeaks()
    monkeypatch.setattr(module, "compute_leaks", counter)
    return counter


def test_figures_are_computed_once_then_read_back_to_the_bit(
        writable: Workspace, counted: Counted) -> None:
    with writable.open() as cache:
        first = first_figures_of(cache, LAST_30)
        assert path_of(cache).stat().st_mode & 0o777 == 0o600  # private, as the cache is
    with writable.open() as cache:  # another connection, as the next start's
        again = first_figures_of(cache, LAST_30)
        fresh = compute(cache, LAST_30)
    assert counted.calls == [LAST_30]
    assert as_text(again) == as_text(first) == as_text(fresh)
    assert _bits(dataclasses.asdict(again)) == _bits(dataclasses.asdict(fresh))


def test_the_figures_are_the_overviews_own(writable: Workspace) -> None:
    """What the page draws is the Overview's figures, not figures of its own."""
    with writable.open() as cache:
        figures = first_figures_of(cache, LAST_90)
        result = overview(cache, LAST_90)
    assert (figures.total, figures.unamortised, figures.previous_total, figures.ai_total) == (
        result.total, result.unamortised, result.previous_total, result.ai_total)
    assert (figures.change_pct, figures.ai_share, figures.forecast) == (
        result.change_pct, result.ai_share, result.forecast)
    assert figures.token_totals == result.token_totals()
    assert list(figures.movers) == list(MOVER_DIMENSIONS)
    for dimension, rows in figures.movers.items():
        frame = result.movers[dimension]
        assert [r["name"] for r in rows] == [str(n) for n in frame["name"]]
        assert [r["current"] for r in rows] == [float(v) for v in frame["current"]]
    # 90 days: a bucket a day; each provider's days add up to its total.
    assert figures.spend.granularity == "day" and len(figures.spend.starts) == 90
    for provider, cost in result.provider_totals().items():
        assert math.fsum(figures.spend.values[provider]) == pytest.approx(cost, abs=1e-6)
    assert math.fsum(figures.requests.values["requests"]) == figures.token_totals["requests"]


@pytest.mark.parametrize("change", ["meta", "rules", "charges"])
def test_a_write_to_the_cache_makes_them_computed_again(
        writable: Workspace, counted: Counted, change: str) -> None:
    with writable.open() as cache:
        before = first_figures_of(cache, LAST_30)
        if change == "meta":  # any row of any table: the stamp cannot tell what it was
            cache.set_meta({"a.setting": "changed"})
        elif change == "rules":
            save_rules(cache, load_rules(cache)[:-1])
        else:
            cache.replace_charges("demo-extra", DEMO_END, DEMO_END, [])
        after = first_figures_of(cache, LAST_30)
        assert as_text(after) == as_text(compute(cache, LAST_30))
    assert counted.calls == [LAST_30, LAST_30]
    if change == "rules":  # one rule fewer: some spend moved, the total stayed
        assert after.total == before.total


def test_each_period_is_its_own_and_the_last_few_are_kept(
        writable: Workspace, counted: Counted) -> None:
    periods = [Period(DEMO_END - dt.timedelta(days=n), DEMO_END) for n in range(6)]
    with writable.open() as cache:
        for period in periods:
            first_figures_of(cache, period)
        assert counted.calls == periods
        for period in reversed(periods[-module.KEPT:]):  # the newest four: read back
            assert first_figures_of(cache, period).period == period
        assert counted.calls == periods
        first_figures_of(cache, periods[0])  # dropped for newer ones: computed again
        assert counted.calls == [*periods, periods[0]]
        entries = json.loads(path_of(cache).read_text(encoding="utf-8"))["entries"]
    assert len(entries) == module.KEPT


def test_other_code_or_prices_make_them_computed_again(
        writable: Workspace, counted: Counted, monkeypatch: pytest.MonkeyPatch) -> None:
    with writable.open() as cache:
        first_figures_of(cache, LAST_30)
        monkeypatch.setattr(module, "code_stamp", lambda: "0.1.0 another build")
        first_figures_of(cache, LAST_30)
        monkeypatch.setattr("worthit.pricing.remembered.data_stamp", lambda: "other prices")
        first_figures_of(cache, LAST_30)
    assert counted.calls == [LAST_30] * 3


def test_the_modules_stamp_follows_a_module_edited_added_or_removed(tmp_path: Path) -> None:
    """From source, other modules are other code (the UI's own draw, never compute)."""
    for name in ("analysis/a.py", "store/b.py", "ui/c.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
        os.utime(tmp_path / name, ns=(10**18, 10**18))
    stamp = module.modules_stamp(tmp_path)
    assert stamp == f"2-{10**18}"
    os.utime(tmp_path / "ui/c.py", ns=(2 * 10**18, 2 * 10**18))
    assert module.modules_stamp(tmp_path) == stamp
    os.utime(tmp_path / "store/b.py", ns=(10**18 + 1, 10**18 + 1))
    assert module.modules_stamp(tmp_path) == f"2-{10**18 + 1}"
    (tmp_path / "analysis/a.py").unlink()
    assert module.modules_stamp(tmp_path) == f"1-{10**18 + 1}"
    assert module.code_stamp().startswith("0.1.0 ")


def test_a_write_while_they_are_computed_keeps_them_from_being_remembered(
        writable: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Figures computed while another connection wrote may be of neither state."""
    def computed_as_a_sync_writes(cache: Cache, period: Period) -> FirstFigures:
        figures = compute(cache, period)
        with Cache.open(writable.cache_path) as other:
            other.set_meta({"sync.note": "written meanwhile"})
        return figures

    monkeypatch.setattr(module, "compute", computed_as_a_sync_writes)
    with writable.open() as cache:
        first_figures_of(cache, LAST_30)
        assert not path_of(cache).exists()


@pytest.mark.parametrize("damage", ["", "{", "[]", '{"entries": 1}',
                                    '{"entries": [{"key": null}, 3]}', "matching-but-broken"])
def test_a_damaged_file_is_ignored_and_replaced(
        writable: Workspace, counted: Counted, damage: str) -> None:
    with writable.open() as cache:
        if damage == "matching-but-broken":
            text = json.dumps({"entries": [{"key": key_of(cache, LAST_30),
                                            "figures": {"total": "lots"}}]})
        else:
            text = damage
        path_of(cache).write_text(text, encoding="utf-8")
        figures = first_figures_of(cache, LAST_30)
        assert counted.calls == [LAST_30]
        assert as_text(first_figures_of(cache, LAST_30)) == as_text(figures)
    assert counted.calls == [LAST_30]


def test_a_folder_that_cannot_be_written_costs_the_memory_only(
        writable: Workspace, counted: Counted) -> None:
    with writable.open() as cache:
        path_of(cache).mkdir()  # a folder where the file would go: writing it fails
        assert first_figures_of(cache, LAST_30).period == LAST_30
        assert first_figures_of(cache, LAST_30).period == LAST_30
        assert not list(writable.folder.glob("*.tmp"))
    assert counted.calls == [LAST_30, LAST_30]


# -- the JSON's round trip ----------------------------------------------------------------

numbers = st.floats(allow_nan=True, allow_infinity=True)
maybe = st.none() | numbers
days = st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))
periods = st.builds(lambda start, length: Period(start, start + dt.timedelta(days=length)),
                    days, st.integers(0, 400))
names = st.text(max_size=12)


@st.composite
def charts(draw: st.DrawFn) -> Chart:
    n = draw(st.integers(0, 5))
    starts = tuple(draw(st.lists(days, min_size=n, max_size=n)))
    values = draw(st.dictionaries(names, st.lists(numbers, min_size=n, max_size=n)
                                  .map(tuple), max_size=3))
    return Chart(starts, values, draw(st.sampled_from(["day", "week"])))


@st.composite
def figures(draw: st.DrawFn) -> FirstFigures:
    forecast = draw(st.none() | st.builds(Forecast, days, numbers, numbers, maybe, maybe,
                                          st.integers(0, 60), st.booleans()))
    mover = st.fixed_dictionaries({"dimension": names, "name": names, "previous": numbers,
                                   "current": numbers, "change": numbers,
                                   "change_pct": numbers})
    return FirstFigures(
        period=draw(periods), previous=draw(periods), currency=draw(names),
        conversion=draw(names), total=draw(numbers), unamortised=draw(numbers),
        commitment_amortisation=draw(numbers), previous_total=draw(numbers),
        previous_complete=draw(st.booleans()), change_pct=draw(maybe),
        ai_total=draw(numbers), ai_share=draw(maybe), forecast=forecast,
        token_totals=draw(st.dictionaries(names, numbers, max_size=5)),
        spend=draw(charts()), tokens=draw(charts()), requests=draw(charts()),
        movers=draw(st.dictionaries(names, st.lists(mover, max_size=3), max_size=3)),
        units=draw(st.lists(st.builds(UnitCost, names, names, names, maybe, maybe, names),
                            max_size=3)))


def _bits(value: Any) -> Any:
    """``value`` with every float as its bits (so NaN equals NaN, and -0.0 differs from
    0.0)."""
    if isinstance(value, float):
        return ("float", value.hex() if not math.isnan(value) else "nan")
    if isinstance(value, dict):
        return {k: _bits(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_bits(v) for v in value]
    return value


@settings(max_examples=150, deadline=None)
@given(figures())
def test_any_figures_come_back_from_json_to_the_bit(drawn: FirstFigures) -> None:
    back = FirstFigures.of_json(json.loads(json.dumps(drawn.to_json())))
    assert _bits(back.to_json()) == _bits(drawn.to_json())
    assert _bits(dataclasses.asdict(back)) == _bits(dataclasses.asdict(drawn))


def test_whether_any_figures_are_remembered_for_this_state_of_the_cache(
        writable: Workspace) -> None:
    """What the start asks before importing pandas for figures it may not compute."""
    with writable.open() as cache:
        assert not module.holds_figures(cache)  # no file
        first_figures_of(cache, LAST_90)
        assert module.holds_figures(cache)
        cache.set_meta({"a.setting": "changed"})
        assert not module.holds_figures(cache)  # figures of another state only
        for damage in ("{", '{"entries": [{"key": "x"}, 5, {"key": {"period": 1}}]}'):
            path_of(cache).write_text(damage, encoding="utf-8")
            assert not module.holds_figures(cache)


# -- the second step: what the leak findings could save -------------------------------------

DAY = dt.date(2026, 12, 6)


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.date], None]:
    """Sets the day the findings' states are read on: :data:`DAY` to begin with."""
    def move_to(day: dt.date) -> None:
        monkeypatch.setattr(module, "today", lambda: day)

    move_to(DAY)
    return move_to


def test_the_leak_summary_is_computed_once_a_day_and_is_the_findings_own(
        writable: Workspace, counted_leaks: CountedLeaks,
        on_day: Callable[[dt.date], None]) -> None:
    day = DAY
    with writable.open() as cache:
        summary = leak_summary_of(cache, LAST_30)
        assert leak_summary_of(cache, LAST_30) == summary
        findings = find_leaks(cache, LAST_30.end)
        first = first_figures_of(cache, LAST_30)  # the other step, kept beside it
        assert leak_summary_of(cache, LAST_30) == summary
        assert as_text(first_figures_of(cache, LAST_30)) == as_text(first)
    assert counted_leaks.calls == [(LAST_30, day)]
    # No finding of the demo is dismissed or snoozed: every one is open.
    assert summary.count == len(findings) > 3
    assert summary.saving == sum(f.monthly_saving for f in findings)
    assert summary.largest == tuple((f.title, f.monthly_saving) for f in findings
                                    if f.monthly_saving > 0)[:3]
    on_day(day + dt.timedelta(days=1))
    with writable.open() as cache:
        assert leak_summary_of(cache, LAST_30) == summary  # a new day: asked again
    assert counted_leaks.calls == [(LAST_30, day), (LAST_30, day + dt.timedelta(days=1))]


def test_a_finding_dismissed_or_snoozed_leaves_the_summary_until_its_day(
        writable: Workspace, counted_leaks: CountedLeaks,
        on_day: Callable[[dt.date], None]) -> None:
    day = DAY
    with writable.open() as cache:
        before = leak_summary_of(cache, LAST_30)
        largest = find_leaks(cache, LAST_30.end)[0]
        set_state(cache, FindingState(largest.key, "snoozed",
                                      snooze_until=day + dt.timedelta(days=2)))
        snoozed = leak_summary_of(cache, LAST_30)
        on_day(day + dt.timedelta(days=2))
        back = leak_summary_of(cache, LAST_30)
    assert snoozed.count == before.count - 1
    assert snoozed.saving == pytest.approx(before.saving - largest.monthly_saving)
    assert (largest.title, largest.monthly_saving) not in snoozed.largest
    assert back == before
    assert len(counted_leaks.calls) == 3


@settings(max_examples=100, deadline=None)
@given(st.builds(LeakSummary, numbers, st.integers(0, 10**6),
                 st.lists(st.tuples(names, numbers), max_size=3).map(tuple)))
def test_any_leak_summary_comes_back_from_json_to_the_bit(drawn: LeakSummary) -> None:
    back = LeakSummary.of_json(json.loads(json.dumps(drawn.to_json())))
    assert _bits(dataclasses.asdict(back)) == _bits(dataclasses.asdict(drawn))

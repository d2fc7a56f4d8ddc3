"""One truth (issue 18): a figure shown on more than one surface has one value on all of
them, to the cent wherever a surface shows cents.

For the demo workspace and a control workspace built here from a small FOCUS bill (whose
figures :mod:`tests.one_truth.control` computes on its own), and for five periods, every
surface records the figures it shows into a ledger, each under its name: what the figure
is and the days it covers (:mod:`tests.one_truth.ledger`). The surfaces: the pages' JSON,
text and table, ``worthit report`` in each format, ``worthit export table``, the deck
read back with python-pptx, the alerts, their webhook messages and ``worthit
budgets list``. Each name must have one value everywhere; figures on different bases (a
one-off excess and a monthly saving, a saving priced on 7 days of usage and one on 30)
carry different names, and each of those names has one value everywhere."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from typing import Any

import pytest

from tests.conftest import DEMO_END
from tests.one_truth import control as hand
from tests.one_truth import ledger as n
from tests.one_truth.ledger import Ledger, Name
from tests.one_truth.reading import cli
from tests.one_truth.surfaces import Surfaces, collect, leak_window, watched
from worthit.core.periods import Period
from worthit.export.deck import TOP_LEAKS
from worthit.workspace import Workspace

END = DEMO_END  # both workspaces' last day with data (a Thursday, 4 days before month end)
DAY = dt.timedelta(days=1)
#: In this order, the CLI prints each Leaks page once: last 7 days and month to date have
#: the last 30 days' (the 30 days to the same last day).
PERIODS = {
    "last 30 days": Period(END - 29 * DAY, END),
    "last 7 days": Period(END - 6 * DAY, END),
    "a calendar month": Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
    "across a month's end": Period(dt.date(2026, 10, 20), dt.date(2026, 11, 10)),
    "month to date": Period(END.replace(day=1), END),
}
#: The demo's budgets: over, near and under, so every kind of budget alert is raised.
DEMO_BUDGETS = (("--team", "devex", 30000.0), ("--total", "", 120000.0),
                ("--provider", "Anthropic", 40000.0),
                ("--feature", "document-search", 5000.0))
#: The demo's retry storm (worthit.demo.planted): an AI key, so also a runaway finding.
STORM = "apikey_02CodeReviewAgent"
#: The demo's prompt-caching suggestion, which Leaks names beside a prompt-bloat finding.
CACHING = ("cache", "document-search", "OpenAI/gpt-4.1-mini")


@pytest.fixture(scope="module")
def demo(demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A copy of the session's demo workspace (read-only) with budgets set by the CLI."""
    copy = Workspace(tmp_path_factory.mktemp("one-truth-demo"))
    with closing(sqlite3.connect(f"file:{demo_workspace.cache_path}?mode=ro", uri=True)) as \
            source, closing(sqlite3.connect(copy.cache_path)) as target:
        source.backup(target)
    for option, name, amount in DEMO_BUDGETS:
        cli(copy, "budgets", "set", option, *([name] if name else []), "--amount", str(amount))
    return copy


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return hand.build(tmp_path_factory.mktemp("one-truth-control"),
                      tmp_path_factory.mktemp("one-truth-files"), END)


@pytest.fixture(scope="module")
def workspaces(demo: Workspace, control: Workspace) -> dict[str, Workspace]:
    return {"demo": demo, "control": control}


@pytest.fixture(scope="module")
def watch(workspaces: dict[str, Workspace]) -> dict[str, tuple[Ledger, list[Any]]]:
    """Each workspace's alerts, webhook messages and budgets, checked once."""
    return {name: watched(workspace) for name, workspace in workspaces.items()}


@pytest.fixture(scope="module")
def read(workspaces: dict[str, Workspace], tmp_path_factory: pytest.TempPathFactory
         ) -> dict[tuple[str, str], Surfaces]:
    """Every page surface of each workspace and period, read once (the tests below only
    look), with the control's own figures."""
    out = {}
    for which, workspace in workspaces.items():
        read_leaks: set[dt.date] = set()  # the last days whose Leaks page the CLI printed
        for label, period in PERIODS.items():
            found = collect(workspace, period, tmp_path_factory.mktemp("one-truth-files"),
                            leaks_by_cli=period.end not in read_leaks)
            read_leaks.add(period.end)
            if which == "control":
                hand.record(found.book, [period, period.previous(), leak_window(period),
                                         n.month_to_date(END)], END)
            out[which, label] = found
    return out


def shown_on(book: Ledger, name: Name, *, at_least: int) -> float:
    """The figure's value, after checking it is shown on at least ``at_least`` surfaces."""
    surfaces = book.surfaces(name)
    assert len(surfaces) >= at_least, (
        f"{' · '.join(name)} is on {len(surfaces)} surface(s), expected {at_least} or more: "
        f"{sorted(surfaces)}")
    return book.value(name)


def on(book: Ledger, name: Name, *starts: str) -> None:
    """The figure is shown on a surface starting with each of ``starts``."""
    surfaces = book.surfaces(name)
    for start in starts:
        assert any(s.startswith(start) for s in surfaces), (
            f"{' · '.join(name)} is not on {start!r}: {sorted(surfaces)}")


def agree(book: Ledger, where: str) -> None:
    """Each name has one value on every surface that shows it."""
    assert len(book.entries) > 80, f"only {len(book.entries)} figures read ({where})"
    wrong = book.disagreements()
    assert not wrong, f"{len(wrong)} figure(s) differ between surfaces ({where}):\n" + \
        "\n".join(wrong)


@pytest.fixture(scope="module")
def books(read: dict[tuple[str, str], Surfaces],
          watch: dict[str, tuple[Ledger, list[Any]]]) -> dict[tuple[str, str], Ledger]:
    """Each period's surfaces with the alerts (they are as of the last day)."""
    return {(which, label): Ledger.of(found.book, watch[which][0])
            for (which, label), found in read.items()}


@pytest.mark.parametrize("label", list(PERIODS))
@pytest.mark.parametrize("which", ["demo", "control"])
def test_every_figure_has_one_value_on_every_surface(
        books: dict[tuple[str, str], Ledger], which: str, label: str) -> None:
    """The pages, the CLI, the exports, the deck and the watch of one period agree."""
    agree(books[which, label], f"{which}, {label}")


@pytest.mark.parametrize("which", ["demo", "control"])
def test_a_figure_is_the_same_whatever_period_is_asked_for(
        read: dict[tuple[str, str], Surfaces],
        watch: dict[str, tuple[Ledger, list[Any]]], which: str) -> None:
    """A figure several periods show (the leak window's, shared by every period ending on
    the same day; a month to date; a previous period) has one value in all of them."""
    agree(Ledger.of(watch[which][0], *(read[which, label].book for label in PERIODS)),
          f"{which}, all periods")


@pytest.mark.parametrize("label", list(PERIODS))
@pytest.mark.parametrize("which", ["demo", "control"])
def test_the_figures_compared_are_there(read: dict[tuple[str, str], Surfaces],
                                        books: dict[tuple[str, str], Ledger], which: str,
                                        label: str) -> None:
    """Not vacuous: the figures every period must compare are on many surfaces, and
    those the data guarantees are not zero."""
    found = read[which, label]
    book, period = books[which, label], PERIODS[label]
    window = leak_window(period)
    assert len(book.entries) > 80
    assert shown_on(book, n.total(period), at_least=14) > 0
    on(book, n.total(period), "page", "worthit report", "export table", "deck")
    assert shown_on(book, n.total(period.previous()), at_least=6) > 0
    assert shown_on(book, n.ai(period), at_least=6) > 0
    teams = [t["name"] for t in found.shown["page"].json["allocation"]["tree"]]
    assert "Unallocated" in teams and len(teams) >= 4
    for team in teams:
        assert shown_on(book, n.team(team, period), at_least=8) > 0
    providers = [p["provider"] for p in found.shown["page"].json["overview"]["by_provider"]]
    assert len(providers) >= 2
    for provider in providers:
        assert shown_on(book, n.provider(provider, period), at_least=8) > 0
    shown_on(book, n.leak_saving(window), at_least=6)
    shown_on(book, n.leak_one_off(window), at_least=5)
    assert shown_on(book, n.team("Unallocated", window), at_least=1) > 0
    if which == "demo":
        assert book.value(n.leak_saving(window)) > 1000
        assert found.titles and found.findings
        savers = [f["key"] for f in found.findings if f["monthly_saving"] > 0]
        for key in savers:
            assert shown_on(book, n.finding("monthly saving", key, window), at_least=3) > 0
        for key in savers[:TOP_LEAKS]:
            on(book, n.finding("monthly saving", key, window), "deck, leaks slide, bars")
        on(book, n.lever(*CACHING, period), "page swap JSON", "worthit report swap text",
           "export table swap", "deck, swap chart")
    else:  # the control's own figures, each on the app's surfaces too
        for name in hand.figures(period):
            shown_on(book, name, at_least=2)
            on(book, name, hand.SURFACE)


@pytest.mark.parametrize("which", ["demo", "control"])
def test_a_spike_has_one_excess_on_leaks_alerts_and_the_webhook(
        books: dict[tuple[str, str], Ledger], watch: dict[str, tuple[Ledger, list[Any]]],
        which: str) -> None:
    """The excess of a spike flagged in the 30 days to the data's end: the spike alerts
    added up, each alert's webhook message, and (for an AI key, the demo's storm) the
    runaway finding on Leaks, a one-off there, never a monthly saving."""
    book = books[which, "last 30 days"]
    window = leak_window(PERIODS["last 30 days"])
    resource = STORM if which == "demo" else "i-0etl"
    excess = shown_on(book, n.spike(resource, window), at_least=2)
    assert excess > (1000 if which == "demo" else 0)
    on(book, n.spike(resource, window), "spike alerts added up")
    [alert] = [a for a in watch[which][1] if a.kind == "spike"
               and a.numbers.get("Resource") == resource]
    on(book, n.incident(alert.key), "alert", "webhook JSON", "webhook text")
    if which == "demo":
        on(book, n.spike(resource, window), "page leaks JSON", "worthit report leaks JSON")
        key = f"runaway_agent:{resource}"
        assert book.value(n.finding("one-off excess", key, window)) == pytest.approx(excess,
                                                                                      abs=0.01)
        assert book.value(n.finding("monthly saving", key, window)) == 0
    else:
        on(book, n.spike(resource, window), hand.SURFACE)


def test_caching_on_leaks_is_the_model_swap_suggestion_of_the_same_days(
        read: dict[tuple[str, str], Surfaces]) -> None:
    """Leaks names the caching saving beside a prompt-bloat finding (whose own saving is
    the trim's): over the leak window it is Model swap's suggestion to the cent; over 7
    days of usage, Model swap's is another figure under another name."""
    last30 = read["demo", "last 30 days"].book
    window = leak_window(PERIODS["last 30 days"])
    caching = shown_on(last30, n.lever(*CACHING, window), at_least=8)
    on(last30, n.lever(*CACHING, window), "page leaks JSON, evidence", "page swap JSON",
       "deck, swap chart")
    [bloat] = [f for f in read["demo", "last 30 days"].findings
               if f["kind"] == "prompt_bloat" and f["feature"] == CACHING[1]]
    assert bloat["monthly_saving"] > 0 and abs(bloat["monthly_saving"] - caching) > 1

    week = read["demo", "last 7 days"].book
    seven = PERIODS["last 7 days"]
    assert leak_window(seven) == window
    assert shown_on(week, n.lever(*CACHING, window), at_least=1) == pytest.approx(caching,
                                                                                 abs=0.5)
    assert shown_on(week, n.lever(*CACHING, seven), at_least=6) > 0


@pytest.mark.parametrize("which", ["demo", "control"])
def test_budgets_count_the_spend_the_pages_show(
        books: dict[tuple[str, str], Ledger], which: str) -> None:
    """Over the month to date: each budget's spend is the Allocation, Overview or feature
    figure of the month, and the whole workspace's forecast is the Overview's."""
    book = books[which, "month to date"]
    month = PERIODS["month to date"]
    budgets = DEMO_BUDGETS if which == "demo" else hand.BUDGETS
    for option, name, _ in budgets:
        scope = option.removeprefix("--")
        figure = {"team": n.team(name, month), "total": n.total(month),
                  "provider": n.provider(name, month),
                  "feature": n.feature_total(name, month)}[scope]
        assert shown_on(book, figure, at_least=5) > 0
        on(book, figure, "budgets list", "page")
    assert shown_on(book, n.forecast("total", "", END), at_least=6) > 0
    on(book, n.forecast("total", "", END), "page overview JSON", "budgets list", "alert",
       "deck, overview slide")


@pytest.mark.parametrize("which", ["demo", "control"])
def test_untagged_and_no_feature_tag_are_two_names(
        read: dict[tuple[str, str], Surfaces], which: str) -> None:
    """Allocation's *Untagged* (no tags, and no rule claims it) and Overview's *(no feature
    tag)* are different figures: each keeps its own name on every surface, and neither
    page uses the other's."""
    found = read[which, "last 30 days"]
    period = PERIODS["last 30 days"]
    untagged = shown_on(found.book, n.feature("Unallocated", "Untagged", period), at_least=8)
    names = {m["name"] for m in found.shown["page"].json["overview"]["movers"]}
    assert "Untagged" not in names
    tree = found.shown["page"].json["allocation"]["tree"]
    assert hand.NO_FEATURE_TAG not in {f["name"] for t in tree for f in t.get("children", [])}
    assert hand.NO_FEATURE_TAG in names  # among the movers (in the control, on purpose)
    no_tag = shown_on(found.book, n.feature_total(hand.NO_FEATURE_TAG, period), at_least=4)
    assert no_tag > untagged > 0

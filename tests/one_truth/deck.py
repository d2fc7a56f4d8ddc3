"""What the PowerPoint deck shows, read back with python-pptx: the figures in its slide
titles and tiles, the numbers inside its native charts (each bar rounded to the cent, so
a sum of k bars is good to k cents) and its tables, recorded under each figure's name."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pptx import Presentation

from tests.one_truth import ledger as n
from tests.one_truth.ledger import CENT, MILLIONTH, Ledger, Name, amounts
from worthit.core.periods import Period
from worthit.export.deck import SLIDES, TOP_LEAKS
from worthit.export.headlines import SHORT_KINDS

EXCEL_DAY_ZERO = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Slide:
    """One slide's text (in the order it was laid out), charts and tables."""

    name: str
    texts: list[str]
    charts: list[Any]
    tables: list[list[list[str]]]

    @property
    def title(self) -> str:
        return self.texts[0]

    def tile(self, label: str) -> tuple[str, str, str] | None:
        """The first tile whose label starts with ``label``: label, value and note."""
        for at, text in enumerate(self.texts[:-2]):
            if text.startswith(label):
                return text, self.texts[at + 1], self.texts[at + 2]
        return None

    def bars(self, chart: int) -> list[tuple[str, float]]:
        """A bar chart's (category, value): the one value each category has."""
        plot = self.charts[chart].plots[0]
        out = []
        for at, category in enumerate(plot.categories):
            values = [s.values[at] for s in plot.series if s.values[at] is not None]
            assert len(values) == 1, (category, values)
            out.append((str(category), float(values[0])))
        return out


def read_deck(path: Path) -> dict[str, Slide]:
    """Every slide of a deck of all :data:`SLIDES`, by name."""
    slides = list(Presentation(str(path)).slides)
    assert len(slides) == len(SLIDES)
    out = {}
    for name, slide in zip(SLIDES, slides, strict=True):
        shapes = list(slide.shapes)
        out[name] = Slide(
            name,
            [s.text_frame.text for s in shapes if s.has_text_frame and s.text_frame.text],
            [s.chart for s in shapes if s.has_chart],
            [[[cell.text for cell in row.cells] for row in s.table.rows]
             for s in shapes if s.has_table])
    return out


def _short(category: str, names: dict[str, Name]) -> Name | None:
    """The name behind a chart category that may be a shortened title (``…``)."""
    if category in names:
        return names[category]
    if category.endswith("…"):
        found = [name for title, name in names.items() if title.startswith(category[:-1])]
        return found[0] if len(found) == 1 else None
    return None


def record_deck(book: Ledger, deck: dict[str, Slide], period: Period, window: Period,
                through: dt.date | None, findings: list[dict[str, Any]],
                titles: dict[str, Name]) -> None:
    """Every figure of the deck: ``through`` is the month-to-date's last day (from the
    Overview), ``findings`` the Leaks page's, ``titles`` Model swap's titles' names."""
    _title_slide(book, deck["title"], period, window)
    _overview(book, deck["overview"], period, through)
    _allocation(book, deck["allocation"], period)
    _units(book, deck["units"], period)
    _leaks(book, deck["leaks"], window, findings)
    surface = "deck, swap chart"
    bars = deck["swap"].bars(0) if deck["swap"].charts else []
    for category, value in bars:
        name = _short(category, titles)
        assert name is not None, f"the swap chart's {category!r} is no suggestion or scenario"
        book.record(name, surface, value)


def _title_slide(book: Ledger, slide: Slide, period: Period, window: Period) -> None:
    surface = "deck, title slide"
    if tile := slide.tile("Total spend"):
        book.shown(n.total(period), surface, tile[1])
    if tile := slide.tile("AI share of spend"):
        book.shown(n.ai(period), surface, tile[2])
    if tile := slide.tile("Leaks to fix"):
        book.shown(n.leak_saving(window), surface, tile[1])


def _overview(book: Ledger, slide: Slide, period: Period, through: dt.date | None) -> None:
    surface = "deck, overview slide"
    book.shown(n.total(period), f"{surface} title", slide.title)
    if tile := slide.tile("Total spend"):
        book.shown(n.total(period), surface, tile[1])
        if "was " in tile[2]:
            book.shown(n.total(period.previous()), surface, tile[2], after="was ")
    if through is not None:
        if tile := slide.tile("Month to date"):
            book.shown(n.total(n.month_to_date(through)), surface, tile[1])
            book.shown(n.forecast("total", "", through), surface, tile[2])
        if tile := slide.tile("Forecast, "):
            book.shown(n.forecast("total", "", through), surface, tile[1])
            if "P10–P90" in tile[2]:
                book.shown_range(n.forecast_range("P10", "total", "", through),
                                 n.forecast_range("P90", "total", "", through), surface,
                                 tile[2])
    if tile := slide.tile("AI share"):
        book.shown(n.ai(period), surface, tile[2])
    if (tile := slide.tile("Largest rise (")) and not tile[2].endswith("…"):
        dimension = tile[0].removeprefix("Largest rise (").rstrip(")")
        book.shown(n.change(dimension, tile[2], period), surface, tile[1])
    if slide.charts:
        _spend_chart(book, slide.charts[0].plots[0], period, f"{surface}, chart")


def _spend_chart(book: Ledger, plot: Any, period: Period, surface: str) -> None:
    """Each point (a provider's day, to the cent) and each column (the day's total); a
    provider's points add up to its spend, all of them to the period's."""
    # A date axis holds Excel's day numbers.
    days = [EXCEL_DAY_ZERO + dt.timedelta(days=float(c)) for c in plot.categories]
    daily = days == [period.start + dt.timedelta(days=i) for i in range(period.days)]
    totals = [0.0] * len(days)
    for series in plot.series:
        values = [0.0 if v is None else float(v) for v in series.values]
        book.record(n.provider(series.name, period), surface, math.fsum(values),
                    CENT * len(values))
        for at, value in enumerate(values):
            totals[at] += value
            if daily:
                book.record(n.daily(series.name, days[at]), surface, value)
    book.record(n.total(period), surface, math.fsum(totals), CENT * len(totals) *
                max(1, len(plot.series)))
    if daily:
        for day, value in zip(days, totals, strict=True):
            book.record(n.daily("all providers", day), f"{surface} column", value,
                        CENT * len(plot.series))


def _allocation(book: Ledger, slide: Slide, period: Period) -> None:
    surface = "deck, allocation slide"
    if not slide.charts:
        return
    teams = slide.bars(0)
    for team, cost in teams:
        book.record(n.team(team, period), f"{surface}, team bars", cost)
    book.record(n.total(period), f"{surface}, team bars added up",
                math.fsum(cost for _, cost in teams), CENT * len(teams))
    for category, cost in slide.bars(1):
        if category == "Unallocated":
            book.record(n.team(category, period), f"{surface}, feature bars", cost)
        elif found := re.fullmatch(r"(.+) \((.+)\)", category):
            book.record(n.feature(found[2], found[1], period), f"{surface}, feature bars",
                        cost)


def _units(book: Ledger, slide: Slide, period: Period) -> None:
    surface = "deck, units slide"
    if not slide.charts:
        return
    plot = slide.charts[0].plots[0]
    [per_unit] = [s for s in plot.series if s.name == "Cost per unit"]
    for category, value in zip(plot.categories, per_unit.values, strict=True):
        if not str(category).endswith("…"):
            book.record(n.unit_cost(str(category), period), f"{surface}, chart", value,
                        MILLIONTH)
    for row in slide.tables[0][1:]:
        if row[1] != "–":
            book.shown(n.unit_cost(row[0], period), f"{surface}, table", row[1])


def _leaks(book: Ledger, slide: Slide, window: Period, findings: list[dict[str, Any]]) -> None:
    """The title's total and largest saving, the bars (the open findings with a recurring
    saving, in the page's order; past the eighth, one bar for the rest) and the table."""
    surface = "deck, leaks slide"
    savers = [f for f in findings if f["state"] == "open" and f["monthly_saving"] > 0]
    if not savers:
        return
    book.shown(n.leak_saving(window), f"{surface} title", slide.title)
    top = max(savers, key=lambda f: f["monthly_saving"])
    book.record(n.finding("monthly saving", top["key"], window), f"{surface} title",
                *amounts(slide.title)[-1])
    bars = slide.bars(0)
    book.record(n.leak_saving(window), f"{surface}, bars added up",
                math.fsum(v for _, v in bars), CENT * len(bars))
    for (category, value), f in zip(bars, savers[:TOP_LEAKS], strict=False):
        assert category.startswith(f"{SHORT_KINDS[f['kind']]}: "), (category, f["key"])
        book.record(n.finding("monthly saving", f["key"], window), f"{surface}, bars", value)
    rest = savers[TOP_LEAKS:]
    if rest:
        category, value = bars[-1]
        assert category.startswith(f"{len(rest)} more finding"), category
        book.record(n.leak_saving_past(TOP_LEAKS, window), f"{surface}, bars", value)
        book.record(n.leak_saving_past(TOP_LEAKS, window), "Leaks page's findings added up",
                    math.fsum(f["monthly_saving"] for f in rest), CENT * len(rest))
    for row, f in zip(slide.tables[0][1:], savers, strict=False):
        book.shown(n.finding("monthly saving", f["key"], window), f"{surface}, table", row[-1])

"""The period's story as a PowerPoint deck with native charts (python-pptx chart objects
with their numbers inside, editable in PowerPoint; never pictures).

Slides, picked by name: ``title`` (period, workspace, how fresh the data is, the headline
figures), ``overview`` (spend per day by provider, stacked), ``allocation`` (by team and
by feature, Unallocated in grey), ``units`` (cost per unit against target, verdicts),
``leaks`` (monthly savings of open findings, owners and first fixes), ``swap`` (what
model changes would save) and ``commitments`` (those ending soonest or wasting most: their
utilisation, unused cost and owner) and ``customers`` (AI cost per customer allocated from
the bill, Not traced in grey, and the customers whose AI cost passes the threshold share of
their revenue). Each slide's title states its finding; its footnote names the
sources and the date of the data. Every piece of text from the bill passes through
:meth:`Deck.m`, which masks it on request and replaces a control character XML cannot hold
(:func:`~worthit.export.cells.printable`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from worthit.core.errors import UserError
from worthit.core.money import SYMBOLS, money, percent, unit_money
from worthit.core.periods import Period
from worthit.export import headlines, palette
from worthit.export.cells import printable
from worthit.export.files import atomic, check_target
from worthit.export.mask import Mask
from worthit.pages.figures import Figures
from worthit.pages.leaks import saving as leak_saving
from worthit.store.cache import Cache
from worthit.workspace import Workspace

if TYPE_CHECKING:
    from worthit.analysis.leaks import Finding

SLIDES: Final = ("title", "overview", "allocation", "units", "leaks", "swap", "commitments",
                  "customers")
#: Bars on the customers chart and rows of its table (those over the threshold).
TOP_CUSTOMERS: Final = 10
CUSTOMER_ROWS: Final = 6
#: Rows of the commitments table (ending soonest, then most unused cost, first).
COMMITMENT_ROWS: Final = 8
#: Bars on the allocation, leaks and swap charts.
TOP_FEATURES: Final = 10
TOP_LEAKS: Final = 8
LEAK_ROWS: Final = 4
#: The leaks table: a row's height (four fit above the footnote), a finding's title in
#: the first of these sizes that holds it in this many lines, whole.
LEAK_ROW_IN: Final = 1.1
LEAK_TITLE_PT: Final = (11.0, 10.0, 9.0)
LEAK_TITLE_LINES: Final = 3
#: An average character's width in ems, regular and bold, and a line's height in sizes:
#: for a font wider than Calibri (LibreOffice's substitute), so a title fits in either.
EM, EM_BOLD, LINE = 0.6, 0.62, 1.2
#: The longest slide title :func:`worthit.export.layout.headed` shows whole.
HEADLINE_CHARS: Final = 110
TOP_SWAPS: Final = 10
#: Up to this many days the overview charts each day; longer periods, each month.
DAILY_UP_TO: Final = 62


@dataclass
class Deck:
    """What the slide builders share: the presentation, the figures, the mask."""

    presentation: Any
    figures: Figures
    mask: Mask
    planned: list[str] = field(default_factory=list)  # the slides asked for, in order
    slides: list[str] = field(default_factory=list)  # those added so far

    def m(self, text: str) -> str:
        """Text from the bill, fit for a slide: masked on request, and with any character
        XML cannot hold replaced (lxml refuses one in a chart's labels)."""
        return printable(self.mask.text(text))

    def new_slide(self, name: str) -> Any:
        self.slides.append(name)
        return self.presentation.slides.add_slide(self.presentation.slide_layouts[6])

    def footnote(self, slide: Any, basis: str) -> None:
        from worthit.export.layout import footnote

        fresh = self.figures.freshness
        sources = ", ".join(fresh.sources) or "no configured source"
        footnote(slide, self.m(
            f"{basis} Source: Worthit workspace “{fresh.workspace}”; its sources: {sources}. "
            f"{fresh.through_label.capitalize()}; {fresh.synced_label}."),
            len(self.slides))


def _days(period: Period) -> str:
    """``28 October – 26 November 2026``; ``1 – 26 November 2026``."""
    start, end = period.start, period.end
    if start == end:
        return f"{end.day} {end:%B %Y}"
    first = str(start.day) if (start.year, start.month) == (end.year, end.month) else \
        f"{start.day} {start:%B}" + ("" if start.year == end.year else f" {start.year}")
    return f"{first} – {end.day} {end:%B %Y}"


def amount_format(currency: str, decimals: int = 0, *, grouped: bool = True) -> str:
    """An Excel number format for amounts in ``currency``: ``"$"#,##0``, ``#,##0 "CHF"``;
    ungrouped for prices per unit (``"$"0.0000``)."""
    body = ("#,##0" if grouped else "0") + ("." + "0" * decimals if decimals else "")
    symbol = SYMBOLS.get(currency)
    return f'"{symbol}"{body}' if symbol else f'{body} "{currency}"'


# -- slides -----------------------------------------------------------------------------------


def title_slide(deck: Deck) -> None:
    from pptx.util import Inches

    from worthit.export.layout import HEIGHT, MARGIN, WIDTH, rectangle, text_box, tile

    f, slide = deck.figures, deck.new_slide("title")
    fresh = f.freshness
    rectangle(slide, 0, 0, Inches(0.28), HEIGHT, palette.ACCENT)
    left, width = MARGIN + Inches(0.3), WIDTH - 2 * MARGIN - Inches(0.3)
    text_box(slide, left, Inches(1.0), width, Inches(0.4), "AI AND CLOUD SPEND REVIEW",
             size=14, bold=True, colour=palette.ACCENT)
    text_box(slide, left, Inches(1.4), width, Inches(0.9), "Was our AI spend worth it?",
             size=44, bold=True)
    text_box(slide, left, Inches(2.35), width, Inches(0.55), _days(f.period), size=24,
             colour=palette.TEXT)
    data = "No charges in the cache yet" if fresh.data_through is None else \
        f"Data from {fresh.first_day} through {fresh.data_through}"
    text_box(slide, left, Inches(3.0), width, Inches(0.8), [
        deck.m(f"Workspace: {fresh.workspace}"), f"{data} · {fresh.synced_label}"],
        size=16, colour=palette.MUTED)
    tiles = _title_tiles(deck)
    if tiles:
        gap = Inches(0.25)
        w = (width - gap * (len(tiles) - 1)) // len(tiles)
        for n, (label, value, note, tone) in enumerate(tiles):
            tile(slide, left + n * (w + gap), Inches(4.45), w, Inches(1.5), label, value,
                 note, tone)
    deck.footnote(slide, "Figures from the slides that follow.")


def _title_tiles(deck: Deck) -> list[tuple[str, str, str, str | None]]:
    """The headline figure of each chosen slide."""
    f, chosen, tiles = deck.figures, set(deck.planned), []
    if "overview" in chosen:
        r = f.overview
        change = r.change_pct
        tiles.append(("Total spend", money(r.total, r.currency),
                      "no complete previous period" if change is None else
                      f"{percent(change, signed=True)} on the period before",
                      None if change is None else "bad" if change > 0 else "good"))
        tiles.append(("AI share of spend", percent(r.ai_share),
                      f"{money(r.ai_total, r.currency)} on AI and ML services", None))
    if "leaks" in chosen:
        saving = leak_saving(f)
        tiles.append(("Leaks to fix", f"{money(saving, f.currency)}/mo",
                      f"{sum(1 for x in f.open_leaks if x.monthly_saving > 0)} open findings "
                      "with a recurring saving", "bad" if saving > 0 else "good"))
    if "units" in chosen:
        judged = [e for e in f.units if e.on_target is not None]
        hits = sum(1 for e in judged if e.on_target)
        if judged:
            tiles.append(("Units on target", f"{hits} of {len(judged)}",
                          "cost per unit against its target",
                          "good" if hits == len(judged) else "bad"))
    return tiles


def overview_slide(deck: Deck) -> None:
    from pptx.util import Inches

    from worthit.analysis.series import pivot
    from worthit.export import layout as lay

    f = deck.figures
    r = f.overview
    slide = deck.new_slide("overview")
    daily = f.period.days <= DAILY_UP_TO
    lay.headed(slide, deck.m(headlines.overview(r)),
               f"Effective cost per {'day' if daily else 'month'} by provider, "
               f"{_days(f.period)} ({r.currency})")
    series = pivot(r.by_provider_daily, f.period.start, f.period.end, granularity="day")
    starts, values = series.starts, series.values
    if not daily:
        starts, values = by_month(starts, values)
    chart_w = Inches(8.75)
    height = lay.CONTENT_BOTTOM - lay.CONTENT_TOP
    if values:
        data = lay.chart_data(
            starts, {deck.m(k): [round(float(v), 2) for v in points]
                     for k, points in values.items()},
            amount_format(r.currency, 2), date_format="mmm d" if daily else "mmm yy")
        lay.add_chart(slide, lay.STACKED, lay.MARGIN, lay.CONTENT_TOP, chart_w, height,
                      data, colours=[palette.provider_colour(k) for k in values],
                      axis_format=amount_format(r.currency),
                      label_skip=7 if daily else lay.label_skip(len(starts), 12),
                      date_unit="days" if daily else "months")
    else:
        _nothing(slide, lay.MARGIN, lay.CONTENT_TOP, chart_w, "No spend in this period.")
    x = lay.MARGIN + chart_w + Inches(0.3)
    w = lay.WIDTH - lay.MARGIN - x
    for n, (label, value, note, tone) in enumerate(_overview_tiles(deck)):
        lay.tile(slide, x, lay.CONTENT_TOP + n * Inches(1.27), w, Inches(1.12), label,
                 value, note, tone)
    partial = "" if daily else " The first and last months may be partial."
    deck.footnote(slide, "Effective cost: after discounts, credits and amortisation, "
                         f"{_days(f.period)} against {_days(r.previous)}.{partial}"
                         f"{_forecast_note(deck)}")


def by_month(days: Sequence[dt.date], values: dict[str, Any]
             ) -> tuple[list[dt.date], dict[str, list[float]]]:
    """Daily series summed per calendar month (each month by its first day)."""
    months = sorted({d.replace(day=1) for d in days})
    at = {m: n for n, m in enumerate(months)}
    out = {}
    for key, points in values.items():
        sums = [0.0] * len(months)
        for day, value in zip(days, points, strict=True):
            sums[at[day.replace(day=1)]] += float(value)
        out[key] = sums
    return months, out


def _overview_tiles(deck: Deck) -> list[tuple[str, str, str, str | None]]:
    from worthit.export.layout import shorten

    r = deck.figures.overview
    cur = r.currency
    change = r.change_pct
    tiles: list[tuple[str, str, str, str | None]] = [(
        "Total spend", money(r.total, cur),
        f"{percent(change, signed=True)}, was {money(r.previous_total, cur)}"
        if change is not None else "previous period not fully in the data",
        None if change is None else "bad" if change > 0 else "good")]
    forecast = r.forecast
    if forecast is not None:  # the app's forecast (worthit.analysis.forecast)
        tiles.append((f"Forecast, {forecast.month_name}", money(forecast.point, cur),
                      forecast.range_text(cur) or (
                          "the month is complete" if forecast.complete else "no range yet"),
                      None))
    tiles.append(("AI share", percent(r.ai_share), f"{money(r.ai_total, cur)} on AI and ML",
                  None))
    # Each dimension's movers count the same money: the largest rise of any one of them.
    rises = [(float(change), dimension, str(name))
             for dimension, frame in r.movers.items()
             for name, change in zip(frame["name"], frame["change"], strict=True)
             if change > 0]
    if rises and r.previous_complete:  # against a partial period, every cost "rose"
        change, dimension, name = max(rises, key=lambda rise: rise[0])
        tiles.append((f"Largest rise ({dimension})", "+" + money(change, cur),
                      shorten(deck.m(name), 34), "bad"))
    return tiles


def _forecast_note(deck: Deck) -> str:
    """The forecast's basis for the overview slide's footnote: what was spent so far, and
    the method in a clause (:attr:`~worthit.analysis.forecast.Forecast.short_method`)."""
    r = deck.figures.overview
    f = r.forecast
    if f is None:
        return ""
    return (f" Forecast for {f.month_name}: {money(f.actual, r.currency)} spent through "
            f"{f.through.day} {f.through:%B}, plus {f.short_method}.")


def allocation_slide(deck: Deck) -> None:
    from pptx.util import Inches

    from worthit.export import layout as lay

    f = deck.figures
    a = f.allocation
    slide = deck.new_slide("allocation")
    lay.headed(slide, deck.m(headlines.allocation(a)),
               f"Effective cost by team and by feature, {_days(f.period)}")
    teams = sorted((n for n in a.children(()) if not n.unallocated), key=lambda n: -n.cost)
    team_rows = [(deck.m(n.name), n.cost, palette.SERIES_COLOURS[0]) for n in teams]
    team_rows.append(("Unallocated", a.unallocated.cost, palette.UNALLOCATED_COLOUR))
    features = sorted((n for t in teams for n in a.children(t.path)), key=lambda n: -n.cost)
    feature_rows = [(deck.m(f"{n.name} ({n.path[0]})"), n.cost, palette.SERIES_COLOURS[0])
                    for n in features[:TOP_FEATURES]]
    feature_rows.append(("Unallocated", a.unallocated.cost, palette.UNALLOCATED_COLOUR))
    if not teams and a.unallocated.cost == 0:
        _nothing(slide, lay.MARGIN, lay.CONTENT_TOP, lay.CONTENT_WIDTH,
                 "No spend in this period.")
        deck.footnote(slide, "Allocation by the workspace's rules.")
        return
    left_w, gap = Inches(5.2), Inches(0.4)
    top = lay.CONTENT_TOP + Inches(0.4)
    height = lay.CONTENT_BOTTOM - top
    right_x = lay.MARGIN + left_w + gap
    for x, w, heading, rows in (
            (lay.MARGIN, left_w, "By team", team_rows),
            (right_x, lay.WIDTH - lay.MARGIN - right_x,
             f"The {min(TOP_FEATURES, len(features))} largest features", feature_rows)):
        lay.text_box(slide, x, lay.CONTENT_TOP, w, Inches(0.35), heading, size=lay.BODY_PT,
                     bold=True)
        data = lay.chart_data([lay.shorten(name, 44) for name, _, _ in rows],
                              {"Effective cost": [round(c, 2) for _, c, _ in rows]},
                              amount_format(a.currency, 2))
        chart = lay.add_chart(slide, lay.BAR, x, top, w, height, data,
                              colours=[palette.SERIES_COLOURS[0]],
                              axis_format=amount_format(a.currency), legend=False,
                              labels=amount_format(a.currency), top_down=True)
        lay.colour_points(chart, [colour for _, _, colour in rows])
    deck.footnote(slide, f"Allocation by the workspace's {len(a.rules)} rules (first match "
                         "wins; shared costs split by their rules); Unallocated is spend no "
                         "rule assigns to a team.")


def units_slide(deck: Deck) -> None:
    from pptx.util import Inches

    from worthit.export import layout as lay

    f = deck.figures
    found = f.units[:8]
    slide = deck.new_slide("units")
    lay.headed(slide, deck.m(headlines.units(f.units)),
               f"Cost per unit of value against its target, {_days(f.period)}")
    chart_w = Inches(4.7)
    if found:
        data = lay.chart_data(
            [lay.shorten(deck.m(e.unit.name), 28) for e in found],
            {"Cost per unit": [None if e.unit_cost is None else round(e.unit_cost, 6)
                               for e in found],
             "Target": [e.unit.target_cost for e in found]},
            amount_format(found[0].unit.currency, 4, grouped=False))
        lay.add_chart(slide, lay.BAR, lay.MARGIN, lay.CONTENT_TOP, chart_w,
                      lay.CONTENT_BOTTOM - lay.CONTENT_TOP, data,
                      colours=[palette.ACCENT, palette.UNALLOCATED_COLOUR],
                      axis_format=amount_format(found[0].unit.currency, 3, grouped=False),
                      labels=amount_format(found[0].unit.currency, 4, grouped=False),
                      top_down=True)
        x = lay.MARGIN + chart_w + Inches(0.35)
        widths = [Inches(1.45), Inches(0.95), Inches(0.9)]
        widths.append(lay.WIDTH - lay.MARGIN - x - sum(widths))
        rows = []
        for e in found[:4]:
            cur = e.unit.currency
            tone = {"good": palette.GOOD, "bad": palette.BAD}.get(e.tone or "", palette.TEXT)
            rows.append((
                deck.m(e.unit.name),
                "–" if e.unit_cost is None else unit_money(e.unit_cost, cur),
                "none" if e.unit.target_cost is None else unit_money(e.unit.target_cost, cur),
                [[(lay.shorten(deck.m(e.verdict), 230), {"colour": tone})]]))
        lay.add_table(slide, x, lay.CONTENT_TOP, widths,
                      ["Unit", "Per unit", "Target", "Verdict"], rows,
                      numeric=[False, True, True, False], row_height=Inches(0.5), size=11)
    else:
        _nothing(slide, lay.MARGIN, lay.CONTENT_TOP, lay.CONTENT_WIDTH,
                 "Define units (a resolved ticket, 1,000 inferences, an active user) and "
                 "import their daily counts to see what each costs.")
    deck.footnote(slide, "Cost per unit = allocated cost of the unit's features (and its "
                         "share of named pools) ÷ units counted, on days with counts.")


def _leak_subject(deck: Deck, finding: Finding, limit: int) -> str:
    """What a finding is about, whole, in at most ``limit`` characters if it can be: the
    title's lead before a colon, else its resource's short name, else its feature or
    team; when none is that short, the shortest (a name is never cut)."""
    names = []
    if ":" in finding.title:
        names.append(deck.m(finding.title.split(":", 1)[0]))
    if finding.resource:
        subject = deck.m(finding.resource)
        if subject == finding.resource:  # not masked: an ARN's last part names it
            subject = subject.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        names.append(subject)
    names += [deck.m(name) for name in (finding.feature, finding.team) if name]
    names = [name for name in names if name.strip()] or ["unowned spend"]
    return next((name for name in names if len(name) <= limit), min(names, key=len))


def _leak_headline(deck: Deck, found: Sequence[Finding], currency: str) -> str:
    """The slide's title (savings in ``currency``), naming the largest finding's thing by
    the first of its names (:func:`_leak_subject`) with which the title fits its two lines
    whole."""
    if not found:
        return headlines.leaks(found, "", currency)
    top = max(found, key=lambda x: x.monthly_saving)
    for limit in (40, 30, 20, 12):
        title = headlines.leaks(found, _leak_subject(deck, top, limit), currency)
        if len(title) <= HEADLINE_CHARS:
            return title
    return title


def _leak_cell(deck: Deck, finding: Finding, width: int) -> list[Any]:
    """A finding's title, whole (in a smaller size when long), and as much of its first
    fix as the rest of the row holds: a table cell of :data:`LEAK_ROW_IN` inches."""
    import textwrap

    from pptx.util import Emu

    from worthit.export.layout import shorten

    room = Emu(width).pt - 12  # the cell's margins
    title = deck.m(finding.title)
    for size in LEAK_TITLE_PT:
        per_line = int(room / (size * EM_BOLD))
        lines = len(textwrap.wrap(title, per_line)) or 1
        if lines <= LEAK_TITLE_LINES:
            break
    cell: list[Any] = [[(title, {"bold": True, "size": size})]]
    fix_pt = min(size, 10.0)
    spare = int((LEAK_ROW_IN * 72 - 6 - lines * size * LINE) // (fix_pt * LINE))
    if spare >= 1:
        fix = "Fix: " + deck.m(finding.fix[0] if finding.fix else "see the Leaks page")
        per_line = int(room / (fix_pt * EM))
        cell.append([(shorten(fix, spare * (per_line - 6)),
                      {"colour": palette.MUTED, "size": fix_pt})])
    return cell


def leaks_slide(deck: Deck) -> None:
    from pptx.util import Inches

    from worthit.export import layout as lay

    f = deck.figures
    # Recurring savings only: a one-off excess (a runaway agent's) is paid already.
    found = [x for x in f.open_leaks if x.monthly_saving > 0]
    slide = deck.new_slide("leaks")
    lay.headed(slide, deck.m(_leak_headline(deck, found, f.currency)),
               f"Saving per month of each open finding, {_days(f.leak_window)}; the "
               "largest with owner and first fix")
    chart_w = Inches(5.3)
    if found:
        top = found[:TOP_LEAKS]
        names = [f"{headlines.SHORT_KINDS.get(x.kind, x.kind)}: {_leak_subject(deck, x, 40)}"
                 for x in top]
        values = [round(x.monthly_saving, 2) for x in top]
        rest = found[TOP_LEAKS:]
        if rest:  # the bars add up to the headline, as the Leaks page's total does
            names.append(f"{len(rest)} more finding{'s' if len(rest) > 1 else ''}")
            values.append(round(sum(x.monthly_saving for x in rest), 2))
        data = lay.chart_data(names, {"Monthly saving": values}, amount_format(f.currency, 2))
        lay.add_chart(slide, lay.BAR, lay.MARGIN, lay.CONTENT_TOP, chart_w,
                      lay.CONTENT_BOTTOM - lay.CONTENT_TOP, data, colours=[palette.BAD],
                      axis_format=amount_format(f.currency), legend=False,
                      labels=amount_format(f.currency),
                      top_down=True)
        x = lay.MARGIN + chart_w + Inches(0.35)
        widths = [Inches(1.45), Inches(1.0)]
        widths.insert(0, lay.WIDTH - lay.MARGIN - x - sum(widths))
        rows = [(
            _leak_cell(deck, x, widths[0]),
            deck.m(f"{x.team} / {x.feature}" if x.team and x.feature else x.owner),
            money(x.monthly_saving, f.currency)) for x in found[:LEAK_ROWS]]
        lay.add_table(slide, x, lay.CONTENT_TOP, widths,
                      ["Finding and first fix", "Owner", "Per month"], rows,
                      numeric=[False, False, True], row_height=Inches(LEAK_ROW_IN))
    else:
        _nothing(slide, lay.MARGIN, lay.CONTENT_TOP, lay.CONTENT_WIDTH,
                 "No open finding saves money: nothing is idle, bloated or running away.")
    ranged = " A saving that rests on an assumed share (NAT processing bound for S3 and " \
        "DynamoDB) is the low end of its range." if any(
            x.saving_range is not None for x in found) else ""
    deck.footnote(slide, "Savings per month estimated by the Leaks page's detectors over "
                         "the 30 days to the period's end; dismissed and snoozed findings, "
                         f"and one-off excesses (paid once, not recurring), left out.{ranged}")


def swap_slide(deck: Deck) -> None:
    from pptx.util import Inches

    from worthit.export import layout as lay

    f = deck.figures
    found = f.suggestions
    slide = deck.new_slide("swap")
    lay.headed(slide, deck.m(headlines.swap(found, f.currency)),
               f"Saving per month of each suggestion, on the AI usage of {_days(f.period)}")
    rows = [(s.title, s.monthly_saving, "Backed by the usage" if s.evidence else
             "Worth testing") for s in found[:TOP_SWAPS]]
    rows += [(o.scenario.name, o.monthly_saving, "Saved scenario") for o in f.scenarios]
    groups = [g for g in ("Backed by the usage", "Worth testing", "Saved scenario")
              if any(r[2] == g for r in rows)]
    colours = {"Backed by the usage": palette.ACCENT, "Worth testing": palette.SERIES_COLOURS[1],
               "Saved scenario": palette.GOOD}
    height = lay.CONTENT_BOTTOM - lay.CONTENT_TOP - Inches(0.45)
    if rows:
        data = lay.chart_data(
            [lay.shorten(deck.m(title), 76) for title, _, _ in rows],
            {g: [round(v, 2) if group == g else None for _, v, group in rows]
             for g in groups}, amount_format(f.currency, 2))
        chart = lay.add_chart(slide, lay.BAR, lay.MARGIN, lay.CONTENT_TOP, lay.CONTENT_WIDTH,
                              height, data, colours=[colours[g] for g in groups],
                              axis_format=amount_format(f.currency),
                              labels=amount_format(f.currency), top_down=True)
        chart.plots[0].overlap = 100
        chart.plots[0].gap_width = 50
        lay.text_box(slide, lay.MARGIN, lay.CONTENT_BOTTOM - Inches(0.4), lay.CONTENT_WIDTH,
                     Inches(0.4), "Quality is not measured here: run each feature's "
                     "evaluation set first. Routing keeps the hardest 15 % of requests on "
                     "the larger model; how many are easy, the bill cannot tell.",
                     size=lay.SMALL_PT, colour=palette.MUTED)
    else:
        _nothing(slide, lay.MARGIN, lay.CONTENT_TOP, lay.CONTENT_WIDTH,
                 "No smaller model, cache or batch tier would save money on this usage.")
    deck.footnote(slide, "Both before and after priced from the model price catalog (or "
                         "your negotiated rates), per 30 days of the period's usage.")


def commitments_slide(deck: Deck) -> None:
    """The commitments ending soonest, then those wasting most: utilisation, unused cost
    and owner, in the display currency (as the Commitments page shows them)."""
    from pptx.util import Inches

    from worthit.export import layout as lay
    from worthit.pages.commitments import ends, label
    from worthit.pages.commitments import result as commitments_of

    f = deck.figures
    found = commitments_of(f)
    cur = f.currency
    slide = deck.new_slide("commitments")
    lay.headed(slide, deck.m(headlines.commitments(found, cur)),
               f"Savings plans and reservations, {_days(f.period)}: ending soonest, then "
               "most unused cost")
    shown = found.commitments[:COMMITMENT_ROWS]
    if shown:
        widths = [Inches(w) for w in (3.2, 1.6, 2.6, 1.2, 1.5)]
        widths.append(lay.CONTENT_WIDTH - sum(widths))
        rows = [(deck.m(label(c)), deck.m(c.kind), ends(c), percent(c.utilisation),
                 money(c.unused, c.currency), deck.m(c.owner)) for c in shown]
        lay.add_table(slide, lay.MARGIN, lay.CONTENT_TOP, widths,
                      ["Commitment", "Kind", "Ends", "Utilisation", "Unused cost", "Owner"],
                      rows, numeric=[False, False, False, True, True, False])
        rest = len(found.commitments) - len(shown)
        if rest:
            lay.text_box(slide, lay.MARGIN, lay.CONTENT_BOTTOM - Inches(0.4),
                         lay.CONTENT_WIDTH, Inches(0.4),
                         f"{rest} more on the Commitments page.", size=lay.SMALL_PT,
                         colour=palette.MUTED)
    else:
        _nothing(slide, lay.MARGIN, lay.CONTENT_TOP, lay.CONTENT_WIDTH,
                 "The bills name no savings plan or reservation in this period.")
    deck.footnote(slide, "Commitments as the bills state them: used is the amortised cost "
                         "of the usage each covered, unused what was paid for nothing; "
                         "utilisation is used ÷ committed; owner, the team whose usage it "
                         "covers most.")


def customers_slide(deck: Deck) -> None:
    """AI cost per customer, allocated from the bill (the Customers page's figures), the
    costliest as bars with Not traced in grey, and those whose AI cost passes the
    threshold share of their revenue, with their margin."""
    from pptx.util import Inches

    from worthit.export import layout as lay
    from worthit.pages.customers import result as customers_of
    from worthit.pages.customers import share_text

    f = deck.figures
    found = customers_of(f)
    cur = found.currency
    slide = deck.new_slide("customers")
    lay.headed(slide, deck.m(headlines.customers(found)),
               f"AI cost per customer, {_days(f.period)}: allocated from the bill by traced "
               "tokens at list price")
    if not len(found.costs.rows):
        _nothing(slide, lay.MARGIN, lay.CONTENT_TOP, lay.CONTENT_WIDTH,
                 "No request traces in this period: import OpenTelemetry GenAI spans, a "
                 "LiteLLM spend log or a usage CSV to see cost per customer.")
        deck.footnote(slide, "Cost per customer needs request traces.")
        return
    ranked = sorted(found.customers, key=lambda r: -r.cost)[:TOP_CUSTOMERS]
    rows = [(deck.m(r.customer), r.cost, palette.SERIES_COLOURS[0]) for r in ranked]
    rows.append(("Not traced", found.not_traced, palette.UNALLOCATED_COLOUR))
    over = found.over[:CUSTOMER_ROWS]
    left_w = Inches(6.0) if over else lay.CONTENT_WIDTH
    top = lay.CONTENT_TOP + Inches(0.4)
    lay.text_box(slide, lay.MARGIN, lay.CONTENT_TOP, left_w, Inches(0.35),
                 f"The {len(ranked)} costliest customers", size=lay.BODY_PT, bold=True)
    data = lay.chart_data([lay.shorten(name, 40) for name, _, _ in rows],
                          {"AI cost": [round(c, 2) for _, c, _ in rows]},
                          amount_format(cur, 2))
    chart = lay.add_chart(slide, lay.BAR, lay.MARGIN, top, left_w, lay.CONTENT_BOTTOM - top,
                          data, colours=[palette.SERIES_COLOURS[0]],
                          axis_format=amount_format(cur), legend=False,
                          labels=amount_format(cur), top_down=True)
    lay.colour_points(chart, [colour for _, _, colour in rows])
    if over:
        x = lay.MARGIN + left_w + Inches(0.4)
        w = lay.WIDTH - lay.MARGIN - x
        lay.text_box(slide, x, lay.CONTENT_TOP, w, Inches(0.35),
                     f"AI cost over {percent(found.threshold, digits=0)} of revenue",
                     size=lay.BODY_PT, bold=True)
        widths = [int(w * share) for share in (0.4, 0.2, 0.2)]
        widths.append(w - sum(widths))
        lay.add_table(slide, x, top, widths, ["Customer", "AI cost", "Share", "Margin"],
                      [(deck.m(r.customer), money(r.cost, cur), share_text(r),
                        "–" if r.margin is None else money(r.margin, cur)) for r in over],
                      numeric=[False, True, True, True])
    deck.footnote(slide, "Each day and model's billed AI cost is shared among customers by "
                         "the list-price value of their traced tokens; Not traced is what "
                         "no trace covers. Revenue as imported (worthit customers import), "
                         "a month's counted for the period's days in it.")


def _nothing(slide: Any, x: int, y: int, w: int, text: str) -> None:
    from pptx.util import Inches

    from worthit.export.layout import text_box

    text_box(slide, x, y + Inches(1.5), w, Inches(1.0), text, size=18, colour=palette.MUTED)


BUILDERS: Final[dict[str, Callable[[Deck], None]]] = {
    "title": title_slide,
    "overview": overview_slide,
    "allocation": allocation_slide,
    "units": units_slide,
    "leaks": leaks_slide,
    "swap": swap_slide,
    "commitments": commitments_slide,
    "customers": customers_slide,
}


def chosen_slides(names: Sequence[str] | None) -> list[str]:
    """The slides asked for, in the order given, each once; all when none are named."""
    if not names:
        return list(SLIDES)
    wanted = [n.strip().lower() for n in names if n.strip()]
    unknown = [n for n in wanted if n not in BUILDERS]
    if unknown or not wanted:
        problem = f"There is no slide {unknown[0]!r}." if unknown else "No slide was named."
        raise UserError(f"{problem} Slides: {', '.join(SLIDES)}.")
    return list(dict.fromkeys(wanted))


@contextlib.contextmanager
def _opened(source: Workspace | Cache) -> Iterator[tuple[Cache, str]]:
    if isinstance(source, Cache):
        yield source, source.path.parent.name
        return
    with source.open() as cache:
        yield cache, source.name


def build_deck(source: Workspace | Cache, period: Period | None = None, *,
               slides: Sequence[str] | None = None, mask: bool = False, out: Path) -> Path:
    """Write the deck for ``period`` (default: the last 30 days with data) to ``out``,
    with the chosen slides; ``mask`` replaces account, key and resource ids with
    pseudonyms (:mod:`worthit.export.mask`)."""
    check_target(out, (".pptx",))
    names = chosen_slides(slides)
    with _opened(source) as (cache, name):
        figures = Figures(cache, period, workspace_name=name)
        return write_deck(figures, out, slides=names,
                          mask=Mask.from_cache(cache) if mask else None)


def write_deck(figures: Figures, out: Path, *, slides: Sequence[str] | None = None,
               mask: Mask | None = None) -> Path:
    """Write the deck of ``figures`` (computed now, or already) to ``out``."""
    from pptx import Presentation

    from worthit.export.layout import HEIGHT, WIDTH

    check_target(out, (".pptx",))
    names = chosen_slides(slides)
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    deck = Deck(presentation, figures, mask or Mask.none(), names)
    for slide in names:
        BUILDERS[slide](deck)
    props = presentation.core_properties
    props.title = f"Was our AI spend worth it? {_days(figures.period)}"
    props.author = props.last_modified_by = "Worthit"
    props.subject = deck.m(figures.freshness.workspace)
    props.keywords = props.comments = ""
    props.revision = 1
    with atomic(out) as temporary:
        presentation.save(str(temporary))
    return out

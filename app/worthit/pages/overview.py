"""The Overview page: spend against the previous period, month to date and its forecast,
the AI share and tokens, spend by provider, and the biggest movers."""

from __future__ import annotations

from typing import Any

from worthit.core.money import count_short, money, percent
from worthit.pages.figures import Figures
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table


def text(figures: Figures, _options: Options) -> str:
    result = figures.overview
    cur = result.currency
    mtd = result.month_to_date
    lines = [
        f"Overview {result.period.label()} (compared with {result.previous.label()})",
        "",
        f"Total spend        {money(result.total, cur)}  "
        f"({percent(result.change_pct, signed=True)}, was {money(result.previous_total, cur)})",
    ]
    if mtd is not None:
        lines += [
            f"Month to date      {money(mtd.cost, cur)}  ({mtd.month}, through {mtd.through})",
            f"Forecast, {mtd.month}  {money(mtd.forecast, cur)}",
        ]
    totals = result.token_totals()
    lines += [
        f"AI share           {percent(result.ai_share)}  ({money(result.ai_total, cur)})",
        f"Tokens             {count_short(totals['input'] + totals['cached_input'])} input, "
        f"{count_short(totals['output'])} output, {count_short(totals['requests'])} requests",
        "",
        "By provider",
    ]
    providers = [(name, money(cost, cur)) for name, cost in result.provider_totals().items()]
    lines += ["  " + line for line in aligned(providers)] if providers else ["  (none)"]
    lines += ["", "Top movers" if result.previous_complete else
              "Top movers (the previous period is only partly in the data: compare with care)"]
    movers = [("kind", "name", "before", "now", "change")] + [
        (str(dimension), str(name), money(float(before), cur), money(float(now), cur),
         ("+" if float(change) > 0 else "") + money(float(change), cur))
        for dimension, name, before, now, change in zip(
            m["dimension"], m["name"], m["previous"], m["current"], m["change"], strict=True)
    ] if len(m := result.movers) else [("kind", "name", "before", "now", "change")]
    lines += ["  " + line for line in aligned(movers, numeric_from=2)]
    return "\n".join(lines)


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    return figures.overview.to_json()


def table(figures: Figures) -> Table:
    """Effective cost per day by provider, with each day's total."""
    from worthit.analysis.series import pivot

    result = figures.overview
    p = result.period
    series = pivot(result.by_provider_daily, p.start, p.end, granularity="day")
    names = list(series.values)
    rows = [(day, *(float(series.values[n][i]) for n in names),
             float(sum(series.values[n][i] for n in names)))
            for i, day in enumerate(series.starts)]
    columns = ["Day", *names, "Total"]
    return Table.of(
        f"Overview: effective cost per day by provider, {money(result.total, result.currency)}"
        " in all", columns, rows, period=p, currency=result.currency, name="Overview",
        filters=filters(figures, cost="effective cost (after discounts and amortisation)"),
        formats={"Day": "date", **dict.fromkeys([*names, "Total"], "money")})


PAGE = Page("overview", "Overview", table, text, json)

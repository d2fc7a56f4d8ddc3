"""The Overview page: spend against the previous period, month to date and its forecast
(with its P10–P90 range and method), the AI share and tokens, spend by provider, and the
biggest movers, one table per dimension (each charge is in every dimension: one table of
all three would count its money three times)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from worthit.core.money import count_short, money, percent
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table

if TYPE_CHECKING:
    import pandas as pd

    from worthit.analysis.forecast import Forecast
    from worthit.pages.figures import Figures


def text(figures: Figures, _options: Options) -> str:
    result = figures.overview
    cur = result.currency
    f = result.forecast
    lines = [
        f"Overview {result.period.label()} (compared with {result.previous.label()})",
        *([result.conversion] if result.conversion else []),
        "",
        f"Total spend        {money(result.total, cur)}  "
        f"({percent(result.change_pct, signed=True)}, was {money(result.previous_total, cur)})",
        f"Amortised          {money(result.total, cur)}  (effective)",
        f"Unamortised        {money(result.unamortised, cur)}  (billed)",
        f"Commitment amort.  {money(result.commitment_amortisation, cur)}",
        *textwrap.wrap(_named() + ".", 88, initial_indent=" " * 19,
                       subsequent_indent=" " * 19),
    ]
    if f is not None:
        spread = f.range_text(cur)
        lines += [
            f"Month to date      {money(f.actual, cur)}  ({f.month}, through {f.through})",
            f"Forecast, {f.month}  {money(f.point, cur)}" + (f"  ({spread})" if spread else ""),
            *textwrap.wrap(f.method, 88, initial_indent=" " * 19, subsequent_indent=" " * 19),
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
    caveat = "" if result.previous_complete else \
        " (the previous period is only partly in the data: no percentages)"
    for dimension, frame in result.movers.items():
        lines += ["", f"Top movers by {dimension}{caveat}"]
        lines += ["  " + line for line in aligned(_mover_rows(dimension, frame, cur))] \
            if len(frame) else ["  (no change of a cent or more)"]
    return "\n".join(lines)


def _named() -> str:
    """What amortised and unamortised cost are, and their difference, in words."""
    from worthit.analysis.commitments import AMORTISATION_NAMED

    return AMORTISATION_NAMED[0].upper() + AMORTISATION_NAMED[1:]


def _mover_rows(dimension: str, frame: pd.DataFrame,
                currency: str) -> list[tuple[str, str, str, str, str]]:
    """A dimension's movers as text cells, headed by the dimension's name (each row is one
    of its values)."""
    return [(dimension, "before", "now", "change", "%")] + [
        (str(name), money(float(before), currency), money(float(now), currency),
         ("+" if float(change) > 0 else "") + money(float(change), currency),
         percent(float(pct), signed=True))
        for name, before, now, change, pct in zip(
            frame["name"], frame["previous"], frame["current"], frame["change"],
            frame["change_pct"], strict=True)
    ]


def forecast_line(forecast: Forecast, currency: str) -> str:
    """The month-end forecast in one line, for a table's header block and the deck."""
    spread = forecast.range_text(currency)
    return (f"{money(forecast.point, currency)} for {forecast.month_name}"
            + (f" ({spread})" if spread else "")
            + f", as of {forecast.through.isoformat()}. {forecast.method}")


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
    more = {"cost": "effective cost (after discounts and amortisation)",
            "unamortised": f"{money(result.unamortised, result.currency)} billed; "
            f"commitment amortisation "
            f"{money(result.commitment_amortisation, result.currency)}. {_named()}"}
    if result.conversion:
        more["converted"] = result.conversion
    if result.forecast is not None:
        more["forecast"] = forecast_line(result.forecast, result.currency)
    return Table.of(
        f"Overview: effective cost per day by provider, {money(result.total, result.currency)}"
        " in all", columns, rows, period=p, currency=result.currency, name="Overview",
        filters=filters(figures, **more),
        formats={"Day": "date", **dict.fromkeys([*names, "Total"], "money")})


PAGE = Page("overview", "Overview", 10, table, text, json)

"""The Model swap page: the period's AI usage per model at billed and list prices, what a
smaller model, routing, caching or batch would save (suggestions the usage backs, and those
worth testing), and the saved scenarios. Unpriced models are flagged, never priced at $0."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from worthit.core.money import count_short, money
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table

if TYPE_CHECKING:
    from worthit.pages.figures import Figures


def usage(figures: Figures) -> list[dict[str, Any]]:
    """Per model over the period: tokens, requests, billed and list-priced cost."""
    from worthit.analysis.model_swap import simulate
    from worthit.core.scenarios import Scenario

    data = figures.swap
    base = simulate(data, Scenario("now", None))
    by_model = base.by_model
    priced = {(str(p), str(m)): float(c) for p, m, c in zip(
        by_model["provider"], by_model["model"], by_model["before"], strict=True)}
    out: list[dict[str, Any]] = []
    table = data.table
    for provider, model in table.named(table.rows):
        group = table.rows.take(table.rows.model == table.code((provider, model)))
        cost = None if (provider, model) in base.unpriced else priced.get((provider, model))
        out.append({
            "provider": provider, "model": model,
            "requests": round(float(group.figure("requests").sum())),
            **{k: round(float(group.figure(k).sum()))
               for k in ("input", "cached_input", "cache_write", "output")},
            "billed": round(float(group.figure("billed").sum()), 2),
            "list_cost": None if cost is None else round(cost, 2),
            "unpriced": cost is None,
        })
    out.sort(key=lambda r: -float(r["billed"]))
    return out


def text(figures: Figures, _options: Options) -> str:
    rows_of_usage = usage(figures)
    cur = figures.swap.currency
    lines = [f"Model swap {figures.swap.period.label()} (list prices or your rates; quality "
             "is not measured here)"]
    if figures.swap.price_note:
        lines.append(figures.swap.price_note)
    lines.append("")
    rows = [("model", "requests", "input", "output", "billed", "at list")] + [
        (f"{r['model']} ({r['provider']})", count_short(float(r["requests"])),
         count_short(float(r["input"])), count_short(float(r["output"])),
         money(float(r["billed"]), cur),
         "UNPRICED" if r["unpriced"] else money(float(r["list_cost"]), cur))
        for r in rows_of_usage]
    lines += aligned(rows)
    unpriced = [f"{r['model']} ({r['provider']})" for r in rows_of_usage if r["unpriced"]]
    if unpriced:
        lines += ["", f"Unpriced, left out of every saving: {', '.join(unpriced)}"]
    # Two groups, each by its saving: a routing share is a guess until it is tested, so a
    # large guess does not rank above a saving the usage backs.
    for heading, evidence in (("Suggestions the usage backs, by monthly saving", True),
                              ("Worth testing (a routing share is a guess until tested), by "
                               "monthly saving", False)):
        group = [s for s in figures.suggestions if s.evidence is evidence]
        if group:
            lines += ["", heading]
            lines += [line for s in group for line in (
                f"  {money(s.monthly_saving, cur)}/month  {s.title}",
                f"      {s.assumption}")]
    if figures.scenarios:
        lines += ["", "Saved scenarios"]
        lines += [f"  {money(o.monthly_saving, cur)}/month  {o.scenario.name}"
                  for o in figures.scenarios]
    return "\n".join(lines)


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    rows_of_usage = usage(figures)
    period = figures.swap.period
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "currency": figures.swap.currency,
        "conversion": figures.swap.price_note or None,
        "unpriced": [f"{r['provider']}/{r['model']}" for r in rows_of_usage if r["unpriced"]],
        "usage": rows_of_usage,
        "suggestions": [s.to_json() for s in figures.suggestions],
        "scenarios": [{**o.scenario.to_json(), "monthly_saving": round(o.monthly_saving, 2)}
                      for o in figures.scenarios],
    }


def table(figures: Figures) -> Table:
    """The suggestions, then the saved scenarios, with their monthly saving."""
    rows: list[tuple[object, ...]] = [
        ("suggestion", s.title, s.scenario.feature or "All AI spend",
         "in the usage" if s.evidence else "worth testing", s.monthly_saving, s.saving_pct,
         s.assumption) for s in figures.suggestions]
    rows += [("saved scenario", o.scenario.name, o.scenario.feature or "All AI spend", "",
              o.monthly_saving, o.saving_pct,
              "; ".join(lever.describe() for lever in o.scenario.levers))
             for o in figures.scenarios]
    columns = ["Type", "Scenario", "Feature", "Evidence", "Monthly saving", "Saving",
               "Assumption"]
    unpriced = [f"{r['model']} ({r['provider']})" for r in usage(figures) if r["unpriced"]]
    more = {"unpriced": f"{', '.join(unpriced)}: no price, left out of every saving"} \
        if unpriced else {}
    return Table.of(
        "Model swap: what a smaller model, routing, caching or batch would save", columns,
        rows, period=figures.period, name="Model swap", currency=figures.swap.currency,
        filters=filters(figures, prices="list prices or your rates; quality is not measured"
                        + (f"; {figures.swap.price_note}" if figures.swap.price_note else ""),
                        **more),
        formats={"Monthly saving": "money", "Saving": "percent"})


PAGE = Page("swap", "Model swap", 40, table, text, json)

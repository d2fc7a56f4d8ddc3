"""The Unit costs page: cost per business unit (a resolved ticket, 1,000 inferences, an
active user) against its target, with the margin where revenue per unit is known, and what
drove the change since the previous period."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from worthit.core.money import count_short, unit_money
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table

if TYPE_CHECKING:
    from worthit.pages.figures import Figures


def _unit(value: float | None, currency: str, *, signed: bool = False) -> str:
    return "–" if value is None else unit_money(value, currency, signed=signed)


def text(figures: Figures, _options: Options) -> str:
    period = figures.period
    lines = [f"Unit costs {period.label()} (compared with {period.previous().label()})"]
    if not figures.units:
        lines += ["", "No units are defined in this workspace: add one with `worthit units add`."]
    for e in figures.units:
        cur = e.unit.currency
        cost = "–" if e.unit_cost is None else unit_money(e.unit_cost, cur)
        target = "none" if e.unit.target_cost is None else unit_money(e.unit.target_cost, cur)
        lines += ["", f"{e.unit.name}: {cost} per unit (target {target}; "
                      f"{count_short(e.count)} {e.unit.counts_what})", f"  {e.verdict}"]
        if e.conversion:
            lines.append(f"  {e.conversion}")
        if e.change is not None:
            rows = [("", "now", "before", "cost effect")] + [
                (d.component, _unit(d.per_unit, cur), _unit(d.previous_per_unit, cur),
                 _unit(d.cost_effect, cur, signed=True)) for d in e.drivers[:6]]
            volume = e.volume_effect
            lines += [f"  Change {unit_money(e.change, cur, signed=True)} per unit; volume "
                      f"effect {_unit(volume, cur, signed=True)}"]
            lines += ["    " + line for line in aligned(rows)]
        if e.gaps:
            lines.append(f"  Days without counts (left out): "
                         f"{', '.join(d.isoformat() for d in e.gaps)}")
    return "\n".join(lines)


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    period = figures.period
    previous = period.previous()
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "previous_period": {"from": previous.start.isoformat(),
                            "to": previous.end.isoformat()},
        "units": [e.to_json() for e in figures.units],
    }


def table(figures: Figures) -> Table:
    """One row per unit: cost, count, cost per unit against the target, margin, verdict."""
    rows = []
    for e in figures.units:
        u = e.unit
        over = None if e.unit_cost is None or not u.target_cost else \
            e.unit_cost / u.target_cost - 1
        rows.append((u.name, u.counts_what, e.cost, e.count, e.unit_cost, u.target_cost,
                     over, e.on_target, e.previous_unit_cost, e.change, e.margin,
                     e.gross_margin, len(e.gaps), e.verdict))
    columns = ["Unit", "Counts", "Cost", "Count", "Cost per unit", "Target", "Against target",
               "On target", "Previous cost per unit", "Change", "Margin per unit",
               "Gross margin", "Days without counts", "Verdict"]
    currency = figures.currency
    previous = figures.period.previous()
    return Table.of(
        "Unit costs against target", columns, rows, period=figures.period,
        currency=currency, name="Unit costs",
        filters=filters(figures, previous=f"{previous.start} to {previous.end}"),
        formats={"Cost": "money", "Count": "number", "Cost per unit": "unit_money",
                 "Target": "unit_money", "Against target": "percent", "On target": "bool",
                 "Previous cost per unit": "unit_money", "Change": "unit_money",
                 "Margin per unit": "unit_money", "Gross margin": "percent",
                 "Days without counts": "integer"})


PAGE = Page("units", "Unit costs", 30, table, text, json)

"""The Allocation page: 100 % of the period's spend under team, feature, service and
resource, Unallocated always shown with the reasons, each node against the previous
period."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from worthit.core.money import money, percent
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table

if TYPE_CHECKING:
    from worthit.pages.figures import Figures

#: The tree's depth the text shows unless asked (JSON: every level).
TEXT_DEPTH = 2


def text(figures: Figures, options: Options) -> str:
    """The tree, indented, down to the asked depth, with each node's share and change."""
    result = figures.allocation
    depth = options.depth or TEXT_DEPTH
    cur = result.currency
    lines = [
        f"Allocation {result.period.label()} (compared with {result.previous.label()})",
        *([result.conversion] if result.conversion else []),
        "",
        f"Total spend   {money(result.total, cur)} amortised (effective), "
        f"{money(result.unamortised, cur)} unamortised (billed)",
        f"              commitment amortisation {money(result.total - result.unamortised, cur)}",
        *textwrap.wrap(_named(), 88, initial_indent="              ",
                       subsequent_indent="              "),
        f"Unallocated   {money(result.unallocated.cost, cur)} "
        f"({percent(result.share(result.unallocated))})",
        "",
    ]
    rows = [("", "cost", "share", "change")] + [
        ("  " * (node.level - 1) + node.name, money(node.cost, cur),
         percent(result.share(node)), percent(result.change_pct(node), signed=True))
        for node in result.walk(depth)
    ]
    lines += aligned(rows)
    reasons = list(result.children(result.unallocated.path))
    if reasons:
        lines += ["", "Why spend is unallocated"]
        lines += [f"  {node.name}: {node.reason}" for node in reasons]
    return "\n".join(lines)


def _named() -> str:
    """What amortised and unamortised cost are, and their difference, in words."""
    from worthit.analysis.commitments import AMORTISATION_NAMED

    return AMORTISATION_NAMED[0].upper() + AMORTISATION_NAMED[1:] + "."


def json(figures: Figures, options: Options) -> dict[str, Any]:
    from worthit.analysis.allocation import LEVELS

    return figures.allocation.to_json(options.depth or len(LEVELS))


def table(figures: Figures) -> Table:
    """The tree's leaves (team, feature, service, resource), which sum to the period's
    total, so a pivot table rebuilds any level."""
    from worthit.analysis.allocation import LEVELS

    result = figures.allocation
    rows = []
    for node in result.walk(len(LEVELS)):
        if node.children:
            continue
        path = [*node.path, *[""] * (len(LEVELS) - node.level)]
        rows.append((*path, node.cost, result.share(node), node.previous,
                     result.change_pct(node)))
    columns = ["Team", "Feature", "Service", "Resource", "Effective cost", "Share",
               "Previous period", "Change"]
    unallocated = result.unallocated.cost
    return Table.of(
        f"Allocation: {money(result.total, result.currency)} by team, feature, service and "
        f"resource ({money(unallocated, result.currency)} unallocated)", columns, rows,
        period=result.period, currency=result.currency, name="Allocation",
        filters=filters(figures, previous=f"{result.previous.start} to {result.previous.end}",
                        rules=str(len(result.rules)),
                        unamortised=f"{money(result.unamortised, result.currency)} billed; "
                        "commitment amortisation "
                        f"{money(result.total - result.unamortised, result.currency)}",
                        **({"converted": result.conversion} if result.conversion else {})),
        formats={"Effective cost": "money", "Share": "percent", "Previous period": "money",
                 "Change": "percent"})


PAGE = Page("allocation", "Allocation", 20, table, text, json)

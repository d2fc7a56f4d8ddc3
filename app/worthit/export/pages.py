"""Each page's figures as a :class:`~worthit.export.tables.Table`, for ``worthit export
table PAGE``: the numbers ``worthit report PAGE`` prints, from the same analysis results
(:class:`~worthit.export.figures.Figures`), laid out for a spreadsheet.

- overview: effective cost per day and provider, with each day's total;
- allocation: the tree's leaves (team, feature, service, resource), which sum to the
  period's total, so a pivot table rebuilds any level;
- units: one row per unit: cost, count, cost per unit against the target, verdict;
- leaks: every finding of the 30 days to the period's end, with its state;
- swap: the suggestions, then the saved scenarios, with their monthly saving.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from worthit.core.money import money
from worthit.export.figures import Figures
from worthit.export.tables import Table

MONEY, PERCENT, UNIT = "money", "percent", "unit_money"


def _filters(figures: Figures, **more: str) -> dict[str, str]:
    fresh = figures.freshness
    return {"workspace": fresh.workspace, **more,
            "data": f"{fresh.through_label}; {fresh.synced_label}"}


def overview_table(figures: Figures) -> Table:
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
        filters=_filters(figures, cost="effective cost (after discounts and amortisation)"),
        formats={"Day": "date", **dict.fromkeys([*names, "Total"], MONEY)})


def allocation_table(figures: Figures) -> Table:
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
        filters=_filters(figures, previous=f"{result.previous.start} to {result.previous.end}",
                         rules=str(len(result.rules))),
        formats={"Effective cost": MONEY, "Share": PERCENT, "Previous period": MONEY,
                 "Change": PERCENT})


def units_table(figures: Figures) -> Table:
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
    currency = figures.units[0].unit.currency if figures.units else "USD"
    return Table.of(
        "Unit costs against target", columns, rows, period=figures.period,
        currency=currency, name="Unit costs",
        filters=_filters(figures, previous=f"{figures.period.previous().start} to "
                                           f"{figures.period.previous().end}"),
        formats={"Cost": MONEY, "Count": "number", "Cost per unit": UNIT, "Target": UNIT,
                 "Against target": PERCENT, "On target": "bool",
                 "Previous cost per unit": UNIT, "Change": UNIT, "Margin per unit": UNIT,
                 "Gross margin": PERCENT, "Days without counts": "integer"})


def leaks_table(figures: Figures) -> Table:
    from worthit.analysis.leaks import KIND_TITLES

    found = figures.leaks
    saving = sum(f.monthly_saving for f in figures.open_leaks)
    rows = [(KIND_TITLES[f.kind], f.title, f.team or "", f.feature or "", f.resource or "",
             f.monthly_cost, f.monthly_saving, figures.leak_state(f),
             f.fix[0] if f.fix else "", f.key) for f in found]
    columns = ["Kind", "Finding", "Team", "Feature", "Resource", "Monthly cost",
               "Monthly saving", "State", "First fix", "Key"]
    return Table.of(
        f"Leaks: open findings save {money(saving)} per month", columns, rows,
        period=figures.leak_window, name="Leaks",
        filters=_filters(figures, window="the 30 days to the period's end",
                         total="monthly saving of open findings (not dismissed or snoozed)"),
        formats={"Monthly cost": MONEY, "Monthly saving": MONEY})


def swap_table(figures: Figures) -> Table:
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
    return Table.of(
        "Model swap: what a smaller model, routing, caching or batch would save", columns,
        rows, period=figures.period, name="Model swap",
        filters=_filters(figures, prices="list prices or your rates; quality is not measured"),
        formats={"Monthly saving": MONEY, "Saving": PERCENT})


PAGE_TABLES: Final[dict[str, Callable[[Figures], Table]]] = {
    "overview": overview_table,
    "allocation": allocation_table,
    "units": units_table,
    "leaks": leaks_table,
    "swap": swap_table,
}


def page_table(figures: Figures, page: str) -> Table:
    return PAGE_TABLES[page](figures)

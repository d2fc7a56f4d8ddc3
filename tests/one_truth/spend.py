"""What the Overview, Allocation and Unit costs pages show, from their JSON, text and CSV,
recorded under each figure's name: total spend, spend by provider, AI spend, the month to
date and its forecast, movers, teams and features (Unallocated and its reasons among
them), and each unit's cost."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.one_truth import ledger as n
from tests.one_truth.ledger import MILLIONTH, Ledger, money_in
from tests.one_truth.reading import Csv, block, cells, line_with
from worthit.core.periods import Period


def period_of(data: dict[str, Any], key: str = "period") -> Period:
    return Period(dt.date.fromisoformat(data[key]["from"]),
                  dt.date.fromisoformat(data[key]["to"]))


# -- Overview ---------------------------------------------------------------------------------


def overview_json(book: Ledger, surface: str, data: dict[str, Any], period: Period) -> None:
    assert period_of(data) == period
    previous = period_of(data, "previous_period")
    book.record(n.total(period), surface, data["total_effective_cost"])
    book.record(n.total(previous), surface, data["previous_total_effective_cost"])
    book.record(n.ai(period), surface, data["ai"]["cost"])
    for row in data["by_provider"]:
        book.record(n.provider(row["provider"], period), surface, row["cost"])
    mtd = data["month_to_date"]
    if mtd is not None:
        through, where = dt.date.fromisoformat(mtd["through"]), f"{surface} month_to_date"
        book.record(n.total(n.month_to_date(through)), where, mtd["cost"])
        book.record(n.forecast("total", "", through), where, mtd["forecast_month_end"])
    outlook = data.get("forecast")
    if outlook:
        through, where = dt.date.fromisoformat(outlook["through"]), f"{surface} forecast"
        book.record(n.total(n.month_to_date(through)), where, outlook["month_to_date"])
        book.record(n.forecast("total", "", through), where, outlook["month_end"])
        book.record(n.forecast_range("P10", "total", "", through), where, outlook.get("p10"))
        book.record(n.forecast_range("P90", "total", "", through), where, outlook.get("p90"))
    for row in data["movers"]:
        dimension, name = row["dimension"], row["name"]
        book.record(n.mover(dimension, name, period), surface, row["current"])
        book.record(n.mover(dimension, name, previous), surface, row["previous"])
        book.record(n.change(dimension, name, period), surface, row["change"])


def overview_text(book: Ledger, surface: str, text: str, period: Period) -> None:
    previous = period.previous()
    total = line_with(text, "Total spend")
    book.shown(n.total(period), surface, total)
    book.shown(n.total(previous), f"{surface}, was", total, after="was ")
    book.shown(n.ai(period), surface, line_with(text, "AI share"), after="(")
    if "Month to date" in text:
        mtd = line_with(text, "Month to date")
        found = re.search(r"through (\d{4}-\d\d-\d\d)", mtd)
        assert found, mtd
        through = dt.date.fromisoformat(found[1])
        book.shown(n.total(n.month_to_date(through)), f"{surface}, month to date", mtd)
        outlook, where = line_with(text, "Forecast, "), f"{surface}, forecast"
        book.shown(n.forecast("total", "", through), where, outlook)
        if "P10–P90" in outlook:
            book.shown_range(n.forecast_range("P10", "total", "", through),
                             n.forecast_range("P90", "total", "", through), where, outlook)
    for line in block(text, "By provider"):
        if line.strip() != "(none)":
            name, cost = cells(line)
            book.shown(n.provider(name, period), surface, cost)
    for heading in [line for line in text.splitlines() if line.startswith("Top movers")]:
        rows = block(text, heading)
        head = cells(rows[0])
        if len(head) < 4:  # "(no change of a cent or more)"
            continue
        dimension = head[0]
        for line in rows[1:]:
            row = dict(zip(head, cells(line), strict=True))
            book.shown(n.mover(dimension, row[dimension], period), surface, row["now"])
            book.shown(n.mover(dimension, row[dimension], previous), surface, row["before"])
            book.shown(n.change(dimension, row[dimension], period), surface, row["change"])


def overview_csv(book: Ledger, surface: str, table: Csv, period: Period) -> None:
    """Effective cost per day by provider: each cell is a day's spend, each provider's
    column sums to its spend, the Total column to the period's; the title states the
    total."""
    book.shown(n.total(period), f"{surface} title", table.title)
    assert table.columns[0] == "Day" and table.columns[-1] == "Total", table.columns
    assert len(table.rows) == period.days
    for column in table.columns[1:-1]:
        book.record(n.provider(column, period), surface, *table.total(column))
    book.record(n.total(period), surface, *table.total("Total"))
    for row in table.rows:
        day = dt.date.fromisoformat(row["Day"])
        for column in table.columns[1:]:
            name = "all providers" if column == "Total" else column
            book.record(n.daily(name, day), surface, table.number(row, column), MILLIONTH)


# -- Allocation -------------------------------------------------------------------------------


def allocation_json(book: Ledger, surface: str, data: dict[str, Any], period: Period) -> None:
    assert period_of(data) == period
    previous = period_of(data, "previous_period")
    book.record(n.total(period), surface, data["total"])
    book.record(n.total(previous), surface, data["previous_total"])
    book.record(n.team("Unallocated", period), surface, data["unallocated"])
    for team in data["tree"]:
        assert team["level"] == "team"
        book.record(n.team(team["name"], period), surface, team["cost"])
        book.record(n.team(team["name"], previous), surface, team["previous"])
        for feature in team.get("children", []):
            book.record(n.feature(team["name"], feature["name"], period), surface,
                        feature["cost"])
            book.record(n.feature(team["name"], feature["name"], previous), surface,
                        feature["previous"])


def allocation_text(book: Ledger, surface: str, text: str, period: Period) -> None:
    """The totals, then the tree to two levels: teams flush left, features indented."""
    book.shown(n.total(period), surface, line_with(text, "Total spend"))
    book.shown(n.team("Unallocated", period), surface, line_with(text, "Unallocated"))
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if cells(line)[:1] == ["cost"])
    team = ""
    for line in lines[head + 1:]:
        if not line.strip():
            break
        name, cost = cells(line)[:2]
        if line.startswith("  "):
            book.shown(n.feature(team, name, period), surface, cost)
        else:
            team = name
            book.shown(n.team(team, period), surface, cost)


def allocation_csv(book: Ledger, surface: str, table: Csv, period: Period) -> None:
    """The tree's leaves: they sum to the period's total, and by team and feature to each
    node (the title states the total and what is unallocated)."""
    previous = period.previous()
    book.shown(n.total(period), f"{surface} title", table.title)
    book.shown(n.team("Unallocated", period), f"{surface} title", table.title, after="(")
    book.record(n.total(period), surface, *table.total("Effective cost"))
    book.record(n.total(previous), surface, *table.total("Previous period"))
    teams = {row["Team"] for row in table.rows}
    for team in teams:
        mine = [row for row in table.rows if row["Team"] == team]
        book.record(n.team(team, period), surface, *table.total("Effective cost", mine))
        book.record(n.team(team, previous), surface, *table.total("Previous period", mine))
        for feature in {row["Feature"] for row in mine}:
            leaves = [row for row in mine if row["Feature"] == feature]
            book.record(n.feature(team, feature, period), surface,
                        *table.total("Effective cost", leaves))


def feature_spend(book: Ledger, surface: str, data: dict[str, Any], period: Period) -> None:
    """Each feature's spend across the teams that carry it, from the Allocation JSON: the
    figure Overview's movers show under the feature's name (reasons for Unallocated and
    rules' shared features are no feature tag, and are left out)."""
    sums: dict[str, float] = {}
    for team in data["tree"]:
        if team["name"] == "Unallocated":
            continue
        for feature in team.get("children", []):
            sums[feature["name"]] = sums.get(feature["name"], 0.0) + feature["cost"]
    for name, cost in sums.items():
        book.record(n.feature_total(name, period), surface, cost, n.CENT * len(data["tree"]))


# -- Unit costs -------------------------------------------------------------------------------


def units_json(book: Ledger, surface: str, data: dict[str, Any], period: Period) -> None:
    assert period_of(data) == period
    for unit in data["units"]:
        book.record(n.unit_spend(unit["name"], period), surface, unit["cost"])
        book.record(n.unit_cost(unit["name"], period), surface, unit["unit_cost"], MILLIONTH)


def units_text(book: Ledger, surface: str, text: str, period: Period) -> None:
    for found in re.finditer(r"^(?P<name>\S.*?): (?P<cost>\$[\d,.]+) per unit \(target",
                             text, re.MULTILINE):
        value, precision = money_in(found["cost"])
        book.record(n.unit_cost(found["name"], period), surface, value, precision)


def units_csv(book: Ledger, surface: str, table: Csv, period: Period) -> None:
    for row in table.rows:
        book.record(n.unit_spend(row["Unit"], period), surface, table.number(row, "Cost"),
                    MILLIONTH)
        book.record(n.unit_cost(row["Unit"], period), surface,
                    table.number(row, "Cost per unit"), MILLIONTH)

"""The Leaks page: the findings of the 30 days to the period's end, with their saving,
evidence, owner, fix and state (open, dismissed, snoozed); totals count open ones only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from worthit.core.money import money
from worthit.pages.figures import Figures
from worthit.pages.page import Options, Page, filters
from worthit.pages.table import Table

if TYPE_CHECKING:
    from worthit.analysis.leaks import Finding


def _state(figures: Figures, finding: Finding) -> dict[str, Any]:
    state = figures.leak_states.get(finding.key)
    if state is None:
        return {"state": "open"}
    return {"state": state.state, "reason": state.reason, "note": state.note,
            "snooze_until": state.snooze_until.isoformat() if state.snooze_until else None}


def saving(figures: Figures) -> float:
    """The monthly saving of the open findings: the page's headline, the deck's title."""
    return sum(f.monthly_saving for f in figures.open_leaks)


def text(figures: Figures, _options: Options) -> str:
    from worthit.analysis.leaks import KIND_TITLES

    lines = [f"Leaks in the 30 days to {figures.period.end} (open findings save "
             f"{money(saving(figures))} per month)", ""]
    for f in figures.leaks:
        state = _state(figures, f)["state"]
        tag = "" if state == "open" else f"  [{state}]"
        lines += [f"{money(f.monthly_saving):>10}/month  {KIND_TITLES[f.kind]}: {f.title}{tag}",
                  f"{'':>18}owner {f.owner}; fix: {f.fix[0]}"]
    return "\n".join(lines)


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    """Every finding with its state; the total counts open findings only."""
    window = figures.leak_window
    return {
        "window": {"from": window.start.isoformat(), "to": window.end.isoformat()},
        "monthly_saving": round(saving(figures), 2),
        "findings": [{**f.to_json(), **_state(figures, f)} for f in figures.leaks],
    }


def table(figures: Figures) -> Table:
    """Every finding of the window, with its state."""
    from worthit.analysis.leaks import KIND_TITLES

    rows = [(KIND_TITLES[f.kind], f.title, f.team or "", f.feature or "", f.resource or "",
             f.monthly_cost, f.monthly_saving, figures.leak_state(f),
             f.fix[0] if f.fix else "", f.key) for f in figures.leaks]
    columns = ["Kind", "Finding", "Team", "Feature", "Resource", "Monthly cost",
               "Monthly saving", "State", "First fix", "Key"]
    return Table.of(
        f"Leaks: open findings save {money(saving(figures))} per month", columns, rows,
        period=figures.leak_window, name="Leaks",
        filters=filters(figures, window="the 30 days to the period's end",
                        total="monthly saving of open findings (not dismissed or snoozed)"),
        formats={"Monthly cost": "money", "Monthly saving": "money"})


PAGE = Page("leaks", "Leaks", table, text, json)

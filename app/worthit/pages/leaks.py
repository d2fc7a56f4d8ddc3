"""The Leaks page: the findings of the 30 days to the period's end, with their saving,
evidence, owner, fix and state (open, dismissed, snoozed); totals count open ones only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from worthit.core.money import money
from worthit.pages.page import Options, Page, filters
from worthit.pages.table import Table

if TYPE_CHECKING:
    from worthit.analysis.leaks import Finding
    from worthit.pages.figures import Figures


def _state(figures: Figures, finding: Finding) -> dict[str, Any]:
    state = figures.leak_states.get(finding.key)
    if state is None:
        return {"state": "open"}
    return {"state": state.state, "reason": state.reason, "note": state.note,
            "snooze_until": state.snooze_until.isoformat() if state.snooze_until else None}


def saving(figures: Figures) -> float:
    """The recurring monthly saving of the open findings: the page's headline, the deck's
    title. One-off excesses (:func:`one_off`) are not in it."""
    return sum(f.monthly_saving for f in figures.open_leaks)


def one_off(figures: Figures) -> float:
    """The one-off excess of the open findings (paid once, e.g. a runaway agent's)."""
    return sum(f.one_off for f in figures.open_leaks)


def headline(figures: Figures) -> str:
    """``open findings save $X per month (recurring); one-off excess $Y``."""
    cur = figures.currency
    return (f"open findings save {money(saving(figures), cur)} per month (recurring); "
            f"one-off excess {money(one_off(figures), cur)}")


def amount(finding: Finding, *, per_month: bool = True) -> str:
    """The figure a finding shows: ``$1,234/month`` (``$1,234`` under a per-month heading),
    paid once ``$12,817 one-off``, or ``no saving priced`` for a cost worth knowing whose
    saving is not estimated (weak attribution, egress to the internet)."""
    cur = finding.currency
    if finding.one_off > finding.monthly_saving:
        return f"{money(finding.one_off, cur)} one-off"
    if round(finding.monthly_saving, 2) == 0:  # a cost to know about, no saving priced
        return "no saving priced"
    return money(finding.monthly_saving, cur) + ("/month" if per_month else "")


def text(figures: Figures, _options: Options) -> str:
    from worthit.analysis.leaks import KIND_TITLES

    lines = [f"Leaks in the 30 days to {figures.period.end} ({headline(figures)})", ""]
    for f in figures.leaks:
        state = _state(figures, f)["state"]
        tag = "" if state == "open" else f"  [{state}]"
        lines += [f"{amount(f):>16}  {KIND_TITLES[f.kind]}: {f.title}{tag}",
                  f"{'':>18}owner {f.owner}; fix: {f.fix[0]}"]
    return "\n".join(lines)


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    """Every finding with its state; the totals count open findings only, the recurring
    monthly saving and the one-off excess apart."""
    window = figures.leak_window
    return {
        "window": {"from": window.start.isoformat(), "to": window.end.isoformat()},
        "currency": figures.currency,
        "monthly_saving": round(saving(figures), 2),
        "one_off": round(one_off(figures), 2),
        "findings": [{**f.to_json(), **_state(figures, f)} for f in figures.leaks],
    }


def table(figures: Figures) -> Table:
    """Every finding of the window, with its state."""
    from worthit.analysis.leaks import KIND_TITLES

    rows = [(KIND_TITLES[f.kind], f.title, f.team or "", f.feature or "", f.resource or "",
             f.monthly_cost, f.monthly_saving, f.one_off, figures.leak_state(f),
             f.fix[0] if f.fix else "", f.key) for f in figures.leaks]
    columns = ["Kind", "Finding", "Team", "Feature", "Resource", "Monthly cost",
               "Monthly saving", "One-off excess", "State", "First fix", "Key"]
    return Table.of(
        f"Leaks: {headline(figures)}", columns, rows,
        period=figures.leak_window, name="Leaks", currency=figures.currency,
        filters=filters(figures, window="the 30 days to the period's end",
                        total="recurring monthly saving of open findings (not dismissed or "
                              "snoozed); one-off excess apart"),
        formats={"Monthly cost": "money", "Monthly saving": "money",
                 "One-off excess": "money"})


PAGE = Page("leaks", "Leaks", 50, table, text, json)

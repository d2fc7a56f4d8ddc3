"""Slide titles that state the finding ("Spend rose 9.5 % to $126,006; AI is 70.6 % of
it"), not the page's name, from the same figures the slide charts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from worthit.core.money import money, percent

if TYPE_CHECKING:
    from worthit.analysis.allocation import Allocation
    from worthit.analysis.commitments import Commitments
    from worthit.analysis.customer_margin import CustomerMargins
    from worthit.analysis.leaks import Finding
    from worthit.analysis.model_swap import Suggestion
    from worthit.analysis.overview import Overview
    from worthit.analysis.unit_economics import UnitEconomics

#: Leak kinds in a few words, for titles and chart categories.
SHORT_KINDS = {
    "idle_capacity": "Idle capacity",
    "storage_graveyard": "Storage graveyard",
    "overpowered_model": "Overpowered model",
    "prompt_bloat": "Prompt bloat",
    "batch_eligible": "Batch-eligible",
    "runaway_agent": "Runaway agent",
    "hidden_network": "Network cost",
    "weak_attribution": "No owner",
    "hardware_fit": "Hardware fit",
    "unused_commitment": "Unused commitment",
    "agent_loop": "Looping run",
}


def overview(result: Overview) -> str:
    cur = result.currency
    ai = "" if result.ai_share is None else f"; AI is {percent(result.ai_share)} of it"
    change = result.change_pct
    if change is None or round(change, 3) == 0:
        return f"Spend was {money(result.total, cur)}{ai}"
    verb = "rose" if change > 0 else "fell"
    return f"Spend {verb} {percent(abs(change))} to {money(result.total, cur)}{ai}"


def allocation(result: Allocation) -> str:
    cur = result.currency
    teams = [n for n in result.children(()) if not n.unallocated]
    gap = result.unallocated.cost
    if not teams:
        return f"No rule assigns spend to a team yet: all {money(result.total, cur)} is " \
               "unallocated"
    top = max(teams, key=lambda n: n.cost)
    lead = f"{top.name} carries {percent(result.share(top))} of spend"
    if round(gap, 2) == 0:
        return f"{lead} ({money(top.cost, cur)}); every dollar has an owner"
    return f"{lead}; {percent(result.share(result.unallocated))} has no owner"


def units(found: Sequence[UnitEconomics]) -> str:
    if not found:
        return "No business units are defined yet"
    judged = [e for e in found if e.on_target is not None]
    if not judged:
        return "Cost per unit: no unit has both a target and counts"
    missing = [e for e in judged if not e.on_target]
    if not missing:
        return f"All {len(judged)} units with a target are on it" if len(judged) > 1 else \
            f"{judged[0].unit.name} is on target"
    worst = max(missing, key=lambda e: (e.unit_cost or 0) / (e.unit.target_cost or 1))
    over = (worst.unit_cost or 0) / (worst.unit.target_cost or 1) - 1
    verb = "misses its" if len(missing) == 1 else "miss their"
    return (f"{len(missing)} of {len(judged)} units {verb} target; "
            f"{worst.unit.name} is {percent(over)} over")


def leaks(found: Sequence[Finding], subject: str, currency: str) -> str:
    """``subject`` names the largest finding's thing (masked by the caller); savings are
    in ``currency`` (the display currency). Recurring savings only: a finding's one-off
    excess is no monthly saving."""
    found = [f for f in found if f.monthly_saving > 0]
    saving = sum(f.monthly_saving for f in found)
    if saving <= 0:
        return "No open leak saves money in the 30 days to the period's end"
    top = max(found, key=lambda f: f.monthly_saving)
    kind = SHORT_KINDS.get(top.kind, top.kind).lower()
    return (f"Open leaks could save {money(saving, currency)} a month; the largest is "
            f"{_article(kind)} {kind} in {subject} ({money(top.monthly_saving, currency)})")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def backed_saving(found: Sequence[Suggestion]) -> float:
    """What the suggestions the usage backs save together, counting one per feature and
    model (the largest): different pairs change different usage, so their savings add up;
    two for the same pair would count the same tokens twice."""
    best: dict[tuple[str | None, tuple[str, str]], float] = {}
    for s in found:
        if not s.evidence or not s.scenario.levers:
            continue
        pair = (s.scenario.feature, s.scenario.levers[0].model)
        best[pair] = max(best.get(pair, 0.0), s.monthly_saving)
    return sum(best.values())


def swap(found: Sequence[Suggestion], currency: str) -> str:
    """What model changes would save a month, in ``currency`` (the display currency)."""
    if not found:
        return "No model change would save money on this period's AI usage"
    backed = backed_saving(found)
    testing = [s for s in found if not s.evidence]
    if backed <= 0:
        top = max(testing, key=lambda s: s.monthly_saving)
        return (f"Routing easy requests to smaller models could save up to "
                f"{money(top.monthly_saving, currency)} a month (worth testing)")
    more = "; routing could save more (worth testing)" if testing else ""
    return (f"Model changes the usage backs would save {money(backed, currency)} a month"
            f"{more}")


def commitments(found: Commitments, currency: str) -> str:
    """The commitments' finding: how much of what they committed went unused, and the
    one ending soonest (within 90 days), in ``currency`` (the display currency)."""
    if not found.commitments:
        return "The bills name no savings plan or reservation in this period"
    committed = found.total("committed", currency) or 0.0
    unused = found.total("unused", currency) or 0.0
    stated = (found.total("used", currency) or 0.0) + unused
    # Utilisation over what the bills state as used or unused: a commitment whose use the
    # bill does not state (Bedrock provisioned throughput) is counted as neither.
    used = None if stated == 0 else 1 - unused / stated
    lead = (f"Commitments ran at {percent(used)} utilisation: {money(unused, currency)} of "
            f"{money(committed, currency)} went unused" if used is not None
            else "Commitments committed nothing in this period")
    soon = found.ending_within(90)
    if soon:
        days = soon[0].days_to_end
        lead += (f"; {len(soon)} end{'s' if len(soon) == 1 else ''} within 90 days, the "
                 f"first in {days} day{'s' if days != 1 else ''}")
    return lead


def customers(found: CustomerMargins) -> str:
    """The customers' finding: the AI cost they carry and the customer spending the
    largest share of its revenue on AI when that passes the threshold, else the costliest
    customer's share."""
    cur = found.currency
    if not len(found.costs.rows):
        return "No request traces in this period: cost per customer is not known"
    ranked = sorted(found.customers, key=lambda r: -r.cost)
    traced = found.billed - found.not_traced
    lead = f"{len(ranked)} customers carry {money(traced, cur)} of AI cost"
    over = found.over
    if over:
        worst = over[0]
        more = len(over) - 1
        return lead + (f"; {worst.customer} spends {percent(worst.share)} of its revenue on AI"
                       if worst.share is not None else f"; {worst.customer} pays no revenue"
                       ) + (f" ({more} more over {percent(found.threshold, digits=0)})"
                            if more else "")
    if ranked and traced > 0:
        lead += f"; the largest, {ranked[0].customer}, carries {percent(ranked[0].cost / traced)}"
    return lead

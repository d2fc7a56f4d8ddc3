"""Weak attribution: the spend no rule gives a team, and where it comes from."""

from __future__ import annotations

from worthit.analysis.leaks.base import Context, Evidence, Finding
from worthit.core.money import money, percent


def weak_attribution(ctx: Context) -> list[Finding]:
    allocation = ctx.allocation
    node = allocation.unallocated
    if node.cost < 0.005:
        return []
    pieces = allocation.pieces[allocation.pieces["team"] == "Unallocated"]
    by_service = (pieces.groupby("service")["current"].sum().sort_values(ascending=False))
    numbers = {"share of spend": percent(allocation.share(node))}
    for child in allocation.children(node.path):
        numbers[child.name] = money(child.cost)
    for service, cost in by_service.head(4).items():
        numbers[str(service)] = money(float(cost))
    days = list(allocation.trend_edges)
    return [Finding(
        "weak_attribution", "weak_attribution:unallocated",
        f"{money(node.cost)} ({percent(allocation.share(node))}) of spend has no owner",
        node.cost, 0.0, None, None, None,
        Evidence("Unallocated cost per trend bucket ($)", days,
                 [float(v) for v in node.trend], "$", numbers),
        ["Tag the resources listed under Allocation › Unallocated with team and feature.",
         "Or add rules that claim them by account, service or resource (Allocation › "
         "Edit rules…).",
         "Split shared pools (support plans, NAT, observability) across the teams that "
         "use them."],
        "No saving by itself: owned spend is spend someone can act on.")]

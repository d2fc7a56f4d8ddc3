"""Hidden network costs: NAT gateway data processing and cross-AZ transfer, and who
carries them."""

from __future__ import annotations

from worthit.analysis.leaks.base import Context, Evidence, Finding, days_of
from worthit.core.money import money

#: usage type pattern -> (what it is, the fix).
PATTERNS = {
    "%NatGateway-Bytes": ("NAT gateway data processing",
                          ["Add gateway endpoints for S3 and DynamoDB (free) and interface "
                           "endpoints for Bedrock and other AWS APIs, so their traffic "
                           "skips the NAT gateway.",
                           "Check what else leaves through NAT with VPC flow logs."]),
    "%DataTransfer-Regional-Bytes": ("cross-AZ transfer",
                                     ["Keep chatty services and their caches in one "
                                      "availability zone, or use topology-aware routing.",
                                      "Move replicas that only read next to their readers."]),
}


def hidden_network(ctx: Context) -> list[Finding]:
    found = []
    for pattern, (what, fix) in PATTERNS.items():
        for row in ctx.cache.rows(
                "SELECT resource_id, TOTAL(effective_cost) AS cost FROM charges "
                "WHERE x_usage_type LIKE ? AND charge_period_start BETWEEN ? AND ? "
                "GROUP BY resource_id", (pattern, ctx.window.start.isoformat(),
                                         ctx.window.end.isoformat())):
            resource_id, monthly = row["resource_id"], float(row["cost"])
            daily = ctx.resource_daily(resource_id, ctx.window.start, ctx.window.end,
                                       "x_usage_type LIKE ?", (pattern,))
            team, feature = ctx.owner(resource_id)
            owner = f"{team}/{feature}" if team else "nobody (shared or unallocated)"
            found.append(Finding(
                "hidden_network", f"hidden_network:{pattern.strip('%')}:{resource_id}",
                f"{what[0].upper()}{what[1:]} on {str(resource_id).rsplit('/', 1)[-1]}, "
                f"carried by {owner}", monthly, monthly, team, feature, resource_id,
                Evidence(f"{what[0].upper()}{what[1:]} per day ($)", days_of(daily),
                         list(daily["cost"]), "$", {"cost in the last 30 days":
                                                    money(monthly)}),
                fix, f"Saving: the {what} cost, which the fix removes."))
    return found

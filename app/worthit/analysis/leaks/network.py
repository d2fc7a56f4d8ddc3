"""Hidden network costs: NAT gateway data processing, cross-AZ, inter-region and internet
egress, who carries them and what share of that feature's cost they are.

NAT processing and cross-AZ transfer are avoidable (endpoints, one zone): their cost is
the saving. Inter-region and egress traffic is usually wanted; it is shown with its
share of the feature's cost, and claims no saving."""

from __future__ import annotations

from worthit.analysis.leaks.base import Context, Evidence, Finding, days_of
from worthit.core.money import money, percent

#: usage type pattern -> (what it is, the fix, whether its cost is avoidable).
PATTERNS = {
    "%NatGateway-Bytes": ("NAT gateway data processing",
                          ["Add gateway endpoints for S3 and DynamoDB (free) and interface "
                           "endpoints for Bedrock and other AWS APIs, so their traffic "
                           "skips the NAT gateway.",
                           "Check what else leaves through NAT with VPC flow logs."], True),
    "%DataTransfer-Regional-Bytes": ("cross-AZ transfer",
                                     ["Keep chatty services and their caches in one "
                                      "availability zone, or use topology-aware routing.",
                                      "Move replicas that only read next to their readers."],
                                     True),
    "%-AWS-Out-Bytes": ("inter-region transfer",
                        ["Check the replication or cross-region reads behind it; serve "
                         "reads from a copy in the readers' region."], False),
    "%DataTransfer-Out-Bytes": ("internet egress",
                                ["Cache at the edge (CloudFront) and compress responses."],
                                False),
}


#: pattern -> the stable name in a finding's key.
KEYS = {"%NatGateway-Bytes": "nat", "%DataTransfer-Regional-Bytes": "cross_az",
        "%-AWS-Out-Bytes": "inter_region", "%DataTransfer-Out-Bytes": "egress"}


def hidden_network(ctx: Context) -> list[Finding]:
    feature_cost = ctx.allocation.pieces.groupby("feature")["current"].sum()
    found = []
    for pattern, (what, fix, avoidable) in PATTERNS.items():
        for row in ctx.cache.rows(
                "SELECT resource_id, TOTAL(effective_cost) AS cost FROM charges "
                "WHERE x_usage_type LIKE ? AND charge_period_start BETWEEN ? AND ? "
                "GROUP BY resource_id", (pattern, ctx.window.start.isoformat(),
                                         ctx.window.end.isoformat())):
            resource_id, monthly = row["resource_id"], float(row["cost"])
            daily = ctx.resource_daily(resource_id, ctx.window.start, ctx.window.end,
                                       "x_usage_type LIKE ?", (pattern,))
            team, feature = ctx.owner(resource_id)
            sharers = ctx.sharers(resource_id)
            owner = f"{team}/{feature}" if team else \
                f"{', '.join(sharers)} (shared)" if sharers else "nobody (unallocated)"
            numbers = {"cost in the last 30 days": money(monthly)}
            if feature is not None and feature_cost.get(feature, 0.0) > 0:
                numbers[f"share of the cost of {feature}"] = percent(
                    monthly / float(feature_cost[feature]))
            found.append(Finding(
                "hidden_network", f"hidden_network:{KEYS[pattern]}:{resource_id}",
                f"{what[0].upper()}{what[1:]} on {str(resource_id).rsplit('/', 1)[-1]}, "
                f"carried by {owner}", monthly, monthly if avoidable else 0.0, team, feature,
                resource_id,
                Evidence(f"{what[0].upper()}{what[1:]} per day ($)", days_of(daily),
                         list(daily["cost"]), "$", numbers),
                fix, f"Saving: the {what} cost, which the fix removes." if avoidable else
                f"No saving claimed: {what} is usually wanted; it is shown for its share.",
                sharers))
    return found

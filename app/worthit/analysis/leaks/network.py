"""Hidden network costs: NAT gateway data processing, cross-AZ, inter-region and internet
egress, who carries them and what share of that feature's cost they are.

Cross-AZ transfer is avoidable (one zone): its cost is the saving. Of NAT processing only
the share bound for S3 and DynamoDB is: their gateway endpoints are free, while other AWS
APIs (interface endpoints have a charge of their own) and the internet still go through a
NAT gateway. No bill says that share (a NAT gateway's bytes carry no destination, and no
source's metric splits them), so the saving is a range over an assumed share, and the
finding counts its low end (:func:`nat_saving`). Inter-region and egress traffic is usually
wanted; it is shown with its share of the feature's cost, and claims no saving."""

from __future__ import annotations

from worthit.analysis.leaks.base import Context, Evidence, Finding, Settings, days_of
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


def nat_shares(s: Settings) -> tuple[float, float]:
    """The share of NAT-processed bytes bound for S3 and DynamoDB, low and high, within
    0..1 (a setting given the wrong way round is read the right way)."""
    low, high = sorted(min(max(float(x), 0.0), 1.0) for x in (s.nat_share_low,
                                                                 s.nat_share_high))
    return low, high


def nat_saving(monthly: float, s: Settings, currency: str = "USD") -> tuple[float, float, str]:
    """The recurring monthly saving of gateway endpoints on a NAT gateway whose processing
    cost ``monthly`` (30 days, in ``currency``): low, high, and the basis in words. The low
    end is the finding's figure."""
    low, high = nat_shares(s)
    saving = monthly * low
    if low == high:
        figure = f"{money(saving, currency)} per month, recurring"
        share = (f"Taken: {percent(low)} of the gateway's bytes go to S3 and DynamoDB, the "
                 "share set under Leak thresholds.")
    else:
        figure = (f"{money(saving, currency)} per month, recurring, the low end of "
                  f"{money(saving, currency)} to {money(monthly * high, currency)}")
        share = (f"Assumed: {percent(low)} to {percent(high)} of the gateway's bytes go to S3 "
                 "and DynamoDB; no bill says where NAT traffic goes (VPC flow logs do: set "
                 "the measured share under Leak thresholds).")
    return saving, monthly * high, (
        f"Saving: {figure}. Gateway endpoints carry traffic to S3 and DynamoDB for free, so "
        "that share of the processing charge goes; the rest (other AWS APIs, the internet) "
        f"still pays NAT processing. {share}")


def hidden_network(ctx: Context) -> list[Finding]:
    feature_cost = ctx.allocation.pieces.groupby("feature")["current"].sum()
    found = []
    for pattern, (what, fix, avoidable) in PATTERNS.items():
        for resource_id, monthly in ctx.cost_by_resource(pattern, ctx.window.start,
                                                         ctx.window.end):
            if monthly < ctx.settings.floor:
                # Its saving is at most its cost, and an informational finding is kept by
                # its cost: under the floor it is dropped whatever it says, so its daily
                # evidence is not worked out (87 resources of the real-shaped CUR, 0.2 s).
                continue
            daily = ctx.resource_daily(resource_id, ctx.window.start, ctx.window.end,
                                       (pattern,))
            team, feature = ctx.owner(resource_id)
            sharers = ctx.sharers(resource_id)
            owner = f"{team}/{feature}" if team else \
                f"{', '.join(sharers)} (shared)" if sharers else "nobody (unallocated)"
            numbers = {"cost in the last 30 days": ctx.money(monthly)}
            if feature is not None and feature_cost.get(feature, 0.0) > 0:
                numbers[f"share of the cost of {feature}"] = percent(
                    monthly / float(feature_cost[feature]))
            saving = monthly if avoidable else 0.0
            span: tuple[float, float] | None = None
            basis = (f"Saving: the {what} cost, which the fix removes." if avoidable else
                     f"No saving claimed: {what} is usually wanted; it is shown for its share.")
            if KEYS[pattern] == "nat":
                saving, high, basis = nat_saving(monthly, ctx.settings, ctx.currency)
                low_share, high_share = nat_shares(ctx.settings)
                numbers["bound for S3 and DynamoDB"] = (
                    percent(low_share) if low_share == high_share else
                    f"{percent(low_share)} to {percent(high_share)} (assumed)")
                if saving != high:
                    span = (saving, high)
                    numbers["saving per month"] = (f"{ctx.money(saving)} (the low end) "
                                                   f"to {ctx.money(high)}")
            found.append(Finding(
                "hidden_network", f"hidden_network:{KEYS[pattern]}:{resource_id}",
                f"{what[0].upper()}{what[1:]} on {str(resource_id).rsplit('/', 1)[-1]}, "
                f"carried by {owner}", monthly, saving, team, feature, resource_id,
                Evidence(f"{what[0].upper()}{what[1:]} per day ({ctx.currency})",
                         days_of(daily), list(daily["cost"]), "$", numbers),
                fix, basis, sharers, saving_range=span, currency=ctx.currency))
    return found

"""Idle capacity (utilisation in single digits, or running around the clock for traffic
that comes in the daytime) and hardware that does not fit (GPU instances serving
production inference that Inferentia would serve for less per hour)."""

from __future__ import annotations

import datetime as dt

from worthit.analysis.leaks.base import Context, Evidence, Finding, aws_prices, days_of
from worthit.store.metrics import daily_utilisation, inventory_requests_by_hour
from worthit.store.resources import instances

GPU_FAMILIES = ("g4dn.", "g5.", "g6.")
INFERENCE_CANDIDATE = "inf2.xlarge"


def idle_capacity(ctx: Context) -> list[Finding]:
    s = ctx.settings
    start = ctx.window.end - dt.timedelta(days=s.idle_days - 1)
    rows = daily_utilisation(ctx.cache, start, ctx.window.end)
    found = []
    for resource_id, series in rows.groupby("resource_id"):
        if len(series) < s.idle_days // 2 or series["value"].max() >= s.idle_p95:
            continue  # too little evidence, or busy on some day
        cost = ctx.resource_daily(str(resource_id), ctx.window.start, ctx.window.end)
        monthly = float(cost["cost"].sum())
        team, feature = ctx.owner(str(resource_id))
        metric = "GPU" if series["metric"].iloc[0].startswith("GPU") else "CPU"
        name = str(resource_id).rsplit("/", 1)[-1]
        found.append(Finding(
            "idle_capacity", f"idle_capacity:{resource_id}",
            f"{name} idles: {metric} p95 at most {series['value'].max():.0f} % for "
            f"{len(series)} days", monthly, monthly, team, feature, str(resource_id),
            Evidence(f"{metric} utilisation, daily p95 (%)", days_of(series),
                     [float(v) for v in series["value"]], "%",
                     {"cost in the last 30 days": ctx.money(monthly),
                      "highest daily p95": f"{series['value'].max():.1f} %"}, s.idle_p95),
            ["Confirm nobody depends on it (owner above).",
             "Delete it, or scale it to zero outside the hours it is used.",
             "If it must stay, move it to the smallest instance its peak needs."],
            "Saving: the whole cost of the resource, as if removed.", currency=ctx.currency))
    return found


def hardware_fit(ctx: Context) -> list[Finding]:
    """One finding per fleet: the GPU instances of one instance type serving one owner."""
    prices = aws_prices()
    hourly = prices["instance_hourly"]
    target = hourly.get(INFERENCE_CANDIDATE)
    fleets: dict[tuple[str | None, str | None, str], list[str]] = {}
    for resource_id, facts in instances(ctx.cache):
        instance = str(facts.get("instance_type", ""))
        if (not instance.startswith(GPU_FAMILIES) or facts.get("env") != "prod"
                or instance not in hourly or target is None or target >= hourly[instance]):
            continue
        team, feature = ctx.owner(resource_id)
        fleets.setdefault((team, feature, instance), []).append(resource_id)
    found = []
    for (team, feature, instance), nodes in fleets.items():
        daily = None
        for node in nodes:
            cost = ctx.resource_daily(node, ctx.window.start, ctx.window.end,
                                      ("%BoxUsage%",)).set_index("day")["cost"]
            daily = cost if daily is None else daily.add(cost, fill_value=0.0)
        assert daily is not None
        monthly = float(daily.sum())
        share = 1.0 - target / hourly[instance]
        who = feature or nodes[0]
        found.append(Finding(
            "hardware_fit", f"hardware_fit:{who}:{instance}",
            f"{who}: {len(nodes)} × {instance} serve inference; {INFERENCE_CANDIDATE} "
            "would do it for less", monthly, monthly * share, team, feature, nodes[0],
            Evidence(f"Instance cost per day ({ctx.currency})",
                     [dt.date.fromisoformat(str(d)) for d in daily.index],
                     [float(v) for v in daily], "$",
                     {"instances": ", ".join(nodes),
                      f"{instance} per hour": f"${hourly[instance]:.4f}",
                      f"{INFERENCE_CANDIDATE} per hour": f"${target:.4f}",
                      "prices as of": f"{prices['as_of']} (us-east-1, on demand, USD)"}),
            [f"Compile the model with the AWS Neuron SDK and load-test it on "
             f"{INFERENCE_CANDIDATE}.",
             "Move the serving fleet over behind the same load balancer, then retire the "
             "GPU nodes."],
            f"Saving: instance cost × (1 − {INFERENCE_CANDIDATE} / {instance} hourly); "
            "assumes one Inferentia instance per GPU instance for the same traffic (a "
            "ratio of USD list prices, so in any currency).", currency=ctx.currency))
    return found


#: Usage types (``LIKE`` patterns) of capacity itself (instance or endpoint hours), not
#: transfer or storage.
CAPACITY_USAGE = ("%BoxUsage%", "%Host:%")


def always_on(ctx: Context) -> list[Finding]:
    """Capacity billed around the clock whose hourly requests (metrics) leave many hours
    of the day nearly empty: those hours could be scaled down or to zero."""
    s = ctx.settings
    start = ctx.window.end - dt.timedelta(days=s.idle_days - 1)
    rows = inventory_requests_by_hour(ctx.cache, start, ctx.window.end)
    by_resource: dict[str, list[float]] = {}
    for resource_id, hour, requests in rows:
        by_resource.setdefault(resource_id, [0.0] * 24)[int(hour)] = float(requests)
    found = []
    for resource_id, hours in by_resource.items():
        busiest = max(hours)
        if busiest <= 0:
            continue  # no traffic at all is the idle detector's case
        quiet = [h for h, n in enumerate(hours) if n < s.quiet_ratio * busiest]
        if len(quiet) < s.quiet_hours:
            continue
        cost = ctx.resource_daily(resource_id, ctx.window.start, ctx.window.end,
                                  CAPACITY_USAGE)
        monthly = float(cost["cost"].sum())
        team, feature = ctx.owner(resource_id)
        name = str(resource_id).rsplit("/", 1)[-1]
        share = len(quiet) / 24
        found.append(Finding(
            "idle_capacity", f"idle_capacity:always_on:{resource_id}",
            f"{name} runs around the clock; {len(quiet)} hours a day see almost no requests",
            monthly, monthly * share, team, feature, resource_id,
            Evidence("Requests by hour of day (UTC), last "
                     f"{s.idle_days} days", [], [], "requests",
                     {"quiet hours (UTC)": ", ".join(f"{h:02d}" for h in quiet),
                      "busiest hour": f"{hours.index(busiest):02d}:00",
                      "capacity cost in the last 30 days": ctx.money(monthly)}),
            ["Schedule the capacity down (or to zero) in the quiet hours.",
             "Or let an autoscaler follow the traffic, with a floor for the mornings."],
            f"Saving: the capacity cost × quiet hours / 24 ({len(quiet)}/24); assumes the "
            "quiet hours need no capacity.", currency=ctx.currency))
    return found

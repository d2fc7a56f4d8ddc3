"""A graveyard of experiments: buckets with no lifecycle policy and no recent writes."""

from __future__ import annotations

import datetime as dt

from worthit.analysis.leaks.base import Context, Evidence, Finding, aws_prices, days_of
from worthit.store.resources import buckets

COLD_CLASS = "DEEP_ARCHIVE"


def storage_graveyard(ctx: Context) -> list[Finding]:
    prices = aws_prices()
    per_gb = prices["s3_storage_gb_month"]
    share = 1.0 - per_gb[COLD_CLASS] / per_gb["STANDARD"]
    found = []
    for resource_id, facts in buckets(ctx.cache):
        last_write = facts.get("last_write")
        if facts.get("lifecycle_policy") or not last_write:
            continue
        idle_days = (ctx.window.end - dt.date.fromisoformat(last_write)).days
        if idle_days < ctx.settings.graveyard_days or facts.get("storage_class",
                                                                "STANDARD") != "STANDARD":
            continue
        cost = ctx.resource_daily(resource_id, ctx.window.start, ctx.window.end,
                                  ("%TimedStorage%",))
        monthly = float(cost["cost"].sum())
        team, feature = ctx.owner(resource_id)
        size_tb = float(facts.get("size_bytes", 0)) / 1024**4
        found.append(Finding(
            "storage_graveyard", f"storage_graveyard:{resource_id}",
            f"{resource_id}: {size_tb:,.0f} TiB untouched for {idle_days} days, no "
            "lifecycle policy", monthly, monthly * share, team, feature, resource_id,
            Evidence(f"Storage cost per day ({ctx.currency})", days_of(cost),
                     list(cost["cost"]), "$",
                     {"last write": last_write, "size": f"{size_tb:,.1f} TiB",
                      "S3 Standard per GB-month": f"${per_gb['STANDARD']}",
                      "S3 Deep Archive per GB-month": f"${per_gb[COLD_CLASS]}",
                      "prices as of": f"{prices['as_of']} (us-east-1, USD)",
                      "cost in the last 30 days": ctx.money(monthly)}),
            ["Ask the owner what must be kept; delete the rest.",
             "Add a lifecycle rule moving objects older than 90 days to Glacier Deep "
             "Archive (or expiring them).",
             "Tag new experiment buckets with an expiry date."],
            "Saving: storage cost × (1 − Deep Archive / Standard price per GB-month), a "
            "ratio of USD list prices, so in any currency.", currency=ctx.currency))
    return found

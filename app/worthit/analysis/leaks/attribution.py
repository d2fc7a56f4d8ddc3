"""Weak attribution: the spend no rule gives a team, and where it comes from."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from worthit.analysis.leaks.base import Context, Evidence, Finding
from worthit.core.money import percent


def weak_attribution(ctx: Context) -> list[Finding]:
    allocation = ctx.allocation
    node = allocation.unallocated
    if node.cost < 0.005:
        return []
    pieces = allocation.pieces[allocation.pieces["team"] == "Unallocated"]
    by_service = (pieces.groupby("service")["current"].sum().sort_values(ascending=False))
    # The pieces' keys' columns taken by the keys' rows in the index (``position``), as a
    # join on key id would give them, without indexing 36,000 keys by id.
    keys = ctx.index.keys
    at = pieces["position"].to_numpy(np.int64)
    mine = pieces.assign(**{c: pd.Series(keys[c].array.take(at), index=pieces.index)
                            for c in ("sub_account_name", "sub_account_id", "tags")})
    account = mine["sub_account_name"].fillna(mine["sub_account_id"]).fillna("(no account)")
    by_account = mine.groupby(account)["current"].sum().sort_values(ascending=False)
    # Each distinct tags text read once (a few of them for thousands of charges).
    codes, texts = pd.factorize(mine["tags"], use_na_sentinel=False)
    missing = pd.Series(np.array([_missing_tag(t) for t in texts.tolist()] or [""],
                                 dtype=object)[codes], index=mine.index)
    by_missing = mine.groupby(missing)["current"].sum().sort_values(ascending=False)
    numbers = {"share of spend": percent(allocation.share(node))}
    for child in allocation.children(node.path):
        numbers[f"reason: {child.name}"] = ctx.money(child.cost)
    for name, cost in by_account.head(3).items():
        numbers[f"account {name}"] = ctx.money(float(cost))
    for service, cost in by_service.head(3).items():
        numbers[f"service {service}"] = ctx.money(float(cost))
    # The same unallocated money again, by the tags its charges carry (not Allocation's
    # reasons above, which also count untagged pools a rule splits): named apart.
    for name, cost in by_missing.items():
        numbers[f"tags: {name}"] = ctx.money(float(cost))  # a _missing_tag answer
    days = list(allocation.trend_edges)
    return [Finding(
        "weak_attribution", "weak_attribution:unallocated",
        f"{ctx.money(node.cost)} ({percent(allocation.share(node))}) of spend has no owner",
        node.cost, 0.0, None, None, None,
        Evidence(f"Unallocated cost per trend bucket ({ctx.currency})", days,
                 [float(v) for v in node.trend], "$", numbers),
        ["Tag the resources listed under Allocation › Unallocated with team and feature.",
         "Or add rules that claim them by account, service or resource (Allocation › "
         "Edit rules…).",
         "Split shared pools (support plans, NAT, observability) across the teams that "
         "use them."],
        "No saving by itself: owned spend is spend someone can act on.",
        currency=ctx.currency)]


def _missing_tag(text: object) -> str:
    """Which ownership tag a charge lacks: all tags, the team tag or only the feature."""
    try:
        tags = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        tags = {}
    if not isinstance(tags, dict) or not tags:
        return "none at all"
    if not tags.get("team"):
        return "no 'team'"
    return "no 'feature'" if not tags.get("feature") else "team and feature (a rule left it)"

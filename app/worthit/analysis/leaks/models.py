"""AI usage leaks, priced by the model-swap engine: premium models on short requests,
prompts that grew (or repeat without a cache), and nightly traffic at synchronous prices."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

import numpy as np

from worthit.analysis.leaks.base import Context, Evidence, Finding
from worthit.core.money import count_short
from worthit.core.periods import Period
from worthit.store.rules import load_rules

if TYPE_CHECKING:

    pass

FIX = {
    "overpowered_model": ["Run the feature's evaluation set on the smaller model.",
                          "Switch the default model, keeping the large one for a flagged "
                          "minority of hard requests if the evaluation shows a need."],
    "prompt_bloat": ["Turn on prompt caching for the repeated prefix (system prompt, "
                     "documents) and put it first in the prompt.",
                     "Cap retrieved context per request."],
    "batch_eligible": ["Submit the nightly job through the vendor's batch API (results "
                       "within 24 hours at half price).",
                       "Keep the synchronous API for interactive traffic only."],
}


def _series(ctx: Context, feature: str, model: tuple[str, str]) -> tuple[list[dt.date],
                                                                         list[float]]:
    """The days the feature used the model, and its requests on each (from the swap's
    arrays: filtering and grouping the usage frame took 25 ms a finding)."""
    from worthit.analysis.swap_rows import group_sums

    table = ctx.swap.table
    rows = table.of_feature(feature)
    mine = rows.take(rows.model == table.code(model))
    daily = group_sums(mine.day, mine.figure("requests"))
    return [table.days[d] for d in daily], list(daily.values())


def from_suggestions(ctx: Context) -> list[Finding]:
    """Suggestions the usage backs, as findings: smaller tier, cache, batch."""
    kinds = {"smaller": "overpowered_model", "cache": "prompt_bloat", "batch": "batch_eligible"}
    bloated = {(f.feature, f.resource) for f in ctx.once("bloat", lambda: _bloat(ctx))}
    found = []
    for s in ctx.suggestions:
        if s.kind not in kinds:
            continue
        lever = s.scenario.levers[0]
        feature = s.scenario.feature
        if s.kind == "cache" and (feature, lever.model[1]) in bloated:
            continue  # trimming comes first; its finding already prices the excess
        team = _team_of(ctx, feature)
        days, requests = _series(ctx, feature or "", lever.model)
        kind = kinds[s.kind]
        outcome_cost = _cost(ctx, feature, lever.model)
        found.append(Finding(
            kind, f"{kind}:{feature}:{lever.model[0]}/{lever.model[1]}", s.title,
            outcome_cost, s.monthly_saving, team, feature, lever.model[1],
            Evidence("Requests per day", days, requests, "requests",
                     {"model": f"{lever.model[1]} ({lever.model[0]})",
                      "what changes": lever.describe(),
                      "cost in the last 30 days": ctx.money(outcome_cost)}),
            FIX[kind], s.assumption, currency=ctx.currency))
    return found


def _team_of(ctx: Context, feature: str | None) -> str | None:
    pieces = ctx.allocation.pieces
    teams = pieces.loc[pieces["feature"] == feature, "team"]
    return None if teams.empty or teams.iloc[0] == "Unallocated" else str(teams.iloc[0])


def _cost(ctx: Context, feature: str | None, model: tuple[str, str]) -> float:
    from worthit.analysis.model_swap import simulate
    from worthit.core.scenarios import Scenario

    outcome = simulate(ctx.swap, Scenario("now", feature))
    row = outcome.by_model[(outcome.by_model["provider"] == model[0])
                           & (outcome.by_model["model"] == model[1])]
    return float(row["before"].sum())


def _caching_instead(ctx: Context, feature: str, model: tuple[str, str]) -> dict[str, str]:
    """The Model swap page's caching suggestion for the same feature and model, named as
    what it is: one figure per lever on every page."""
    for s in ctx.suggestions:
        if s.kind == "cache" and s.scenario.feature == feature and \
                s.scenario.levers[0].model == model:
            return {"caching the prefix instead (Model swap)":
                    f"{ctx.money(s.monthly_saving)} per month"}
    return {}


def prompt_bloat(ctx: Context) -> list[Finding]:
    """Uncached input per request now against its early level (the first weeks of data)."""
    return list(ctx.once("bloat", lambda: _bloat(ctx)))


def _early_usage(ctx: Context, early: Period) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(feature, provider, model) -> requests and uncached input tokens over the early
    period: remembered per index, rules and period, where every Leaks page priced the early
    period's whole swap (units, prices, night traffic) to read these two sums."""
    from worthit.analysis.model_swap import swap_usage

    def compute() -> dict[tuple[str, str, str], tuple[float, float]]:
        usage = swap_usage(ctx.cache, early, currency=ctx.currency)
        if usage.empty:
            return {}
        requests, uncached = (usage[c].to_numpy(np.float64) for c in ("requests", "input"))
        groups = cast("dict[tuple[str, str, str], np.ndarray]",
                      usage.groupby(["feature", "provider", "model"]).indices)
        # Each group's rows in order: the sums a filtered frame gives, to the last bit.
        return {key: (float(requests[at].sum()), float(uncached[at].sum()))
                for key, at in groups.items()}

    found: dict[tuple[str, str, str], tuple[float, float]] = ctx.index.remember(
        ("early usage", tuple(load_rules(ctx.cache)), early), compute)
    return found


def _bloat(ctx: Context) -> list[Finding]:
    s = ctx.settings
    early = Period(ctx.first_day, min(ctx.first_day + dt.timedelta(days=s.bloat_baseline_days
                                                                    - 1), ctx.window.end))
    if early.end >= ctx.window.start:
        return []  # no history before the window to compare with
    before = _early_usage(ctx, early)
    now = ctx.swap.usage
    found = []
    # Each group's sums from its rows' positions, in order (the sums its own frame gives,
    # to the last bit); a frame made only for the groups that grew (56 frames: 8 ms).
    all_requests, all_input = (now[c].to_numpy(np.float64) for c in ("requests", "input"))
    groups = cast("dict[tuple[str, str, str], np.ndarray]",
                  now.groupby(["feature", "provider", "model"]).indices)
    for (feature, provider, model), at in sorted(groups.items()):
        old_requests, old_input = before.get((feature, provider, model), (0.0, 0.0))
        requests = float(all_requests[at].sum())
        if requests <= 0 or old_requests <= 0:
            continue  # a new feature or model has no early level
        per_request = float(all_input[at].sum()) / requests
        early_level = old_input / old_requests
        if per_request < early_level * (1 + s.bloat_growth):
            continue
        rows = now.iloc[at]
        last = rows["day"].max()
        price = ctx.swap.price((provider, model), last)
        if price is None:
            continue
        excess = (per_request - early_level) * requests
        # USD list prices, in the display currency at the USD rate of the last usage day.
        per_token = price.rate("input") / 1e6 * ctx.swap.usd(last)
        saving = excess * per_token
        daily = rows.groupby("day")[["input", "requests"]].sum()
        team = _team_of(ctx, feature)
        found.append(Finding(
            "prompt_bloat", f"prompt_bloat:{feature}:{provider}/{model}",
            f"{feature}: prompts to {model} grew from {count_short(early_level)} to "
            f"{count_short(per_request)} uncached tokens per request",
            float(rows["input"].sum()) * per_token, saving, team, feature, model,
            Evidence("Uncached input tokens per request", list(daily.index),
                     [float(v) for v in np.divide(daily["input"], daily["requests"].where(
                         daily["requests"] > 0))], "tokens",
                     {"early level": f"{early_level:,.0f} tokens ({early.label()})",
                      "now": f"{per_request:,.0f} tokens",
                      "input price": f"${price.rate('input')} (USD) per million",
                      **_caching_instead(ctx, feature, (provider, model))}, early_level),
            # The saving is the trim's: it leads. Caching is another lever with its own
            # figure (the Model swap suggestion's, named so above when there is one).
            ["Trim the prompt back to its earlier size; check what was added since.",
             *FIX["prompt_bloat"]],
            "Saving: the uncached input above the early level per request, at the input "
            "price" + (f" in USD, converted to {ctx.currency} at the rate of {last}."
                       if ctx.currency != "USD" else "."), currency=ctx.currency))
    return found

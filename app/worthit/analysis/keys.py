"""Cost per API key, project (an OpenAI project, an Anthropic workspace) and user, tied to
the bill as request traces are (:func:`worthit.analysis.customers.tie`).

The vendors' usage charges carry tokens per day, model, API key (the charge's
``resource_id``), project (``sub_account_id``) and, where OpenAI's usage is grouped by
user, user (the tag ``user_id``); the money is on their cost lines. Those token rows are
the "traces" here, and they are the bill's own tokens, so they cover the bill
(coverage 1) wherever they are priced. Each bill is spread over the rows at the finest
scope the cost lines name for that day and model: per key where every costed line names
its key (each key then gets exactly its own bill), else per project where every one names
its project (each project gets exactly its bill, shared among its keys by list-price
value), else per model. Batch tokens are valued at the model's batch multiplier, so a key
sending batch traffic is not charged the standard price for it.

What no key row takes (an unpriced model, a model with cost but no tokens) and the
providers' charges that name no model (storage, tools) are **Not attributed**: keys plus
Not attributed make the AI bill of the providers that report keys, to the cent."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, cast

import numpy as np
import pandas as pd

from worthit.analysis.charge_index import ChargeIndex, charge_index
from worthit.analysis.customers import (
    GROUP,
    CustomerCosts,
    PriceOf,
    billed_usage,
    catalog_of,
    tie,
    usd_in,
)
from worthit.core.periods import Period
from worthit.pricing.catalog import TOKEN_KINDS
from worthit.store.cache import Cache
from worthit.store.swap import load_overrides

#: What each key row is costed by.
KEY_COLUMNS: Final = ("api_key", "project", "user")
NOT_ATTRIBUTED: Final = "Not attributed"
#: The bill's scope a row was tied at: its key, its project, or its model.
SCOPE: Final = "scope"
LEVELS: Final = ("key", "project", "model")
#: The charge key's ``resource_type`` that marks its resource id as an API key.
API_KEY: Final = "API key"
#: A costed line: any amount a cent's hundredth or more (float dust is not a line).
_COSTED: Final = 1e-4


@dataclass(frozen=True)
class KeyCosts:
    """The period's key rows with their cost (allocated from the bill) and the tie."""

    #: The tie: rows are day, provider, model, scope, api_key, project, user, the token
    #: counts, requests, estimate (list price) and cost; ``models`` per scope.
    costs: CustomerCosts
    #: The providers whose usage names API keys: the page's bill is theirs.
    providers: tuple[str, ...]
    #: Providers with model usage in the period that name no key (not on the page).
    without_keys: tuple[str, ...]
    #: Their charges that name no model (storage, tools, seats): Not attributed.
    other: float
    #: The model bill tied at each level (:data:`LEVELS`).
    tied: dict[str, float]

    @property
    def currency(self) -> str:
        return self.costs.currency

    @property
    def billed(self) -> float:
        """The AI bill of :attr:`providers` in the period."""
        return self.costs.billed + self.other

    @property
    def not_attributed(self) -> float:
        return self.costs.not_traced + self.other

    @property
    def has_users(self) -> bool:
        rows = self.costs.rows
        return bool(len(rows)) and bool((rows["user"] != "").any())

    def by(self, column: str) -> pd.DataFrame:
        """Cost (allocated from the bill), list-price estimate, requests and tokens per
        provider and ``column`` (one of :data:`KEY_COLUMNS`; '' where the usage names
        none), costliest first; per key, also the project it spent most in. Without the
        Not attributed row (:attr:`not_attributed`)."""
        if column not in KEY_COLUMNS:
            raise ValueError(f"cannot group by {column!r}")
        figures = ["cost", "estimate", "requests", *TOKEN_KINDS]
        rows = self.costs.rows
        keys = ["provider", column]
        if rows.empty:
            return pd.DataFrame(columns=list(dict.fromkeys([*keys, *figures, "project"])))
        out = rows.groupby(keys, as_index=False)[figures].sum(min_count=1)
        out["cost"] = out["cost"].fillna(0.0)
        if column != "project":
            spent: pd.DataFrame = rows.groupby([*keys, "project"], as_index=False)[
                ["cost"]].sum()
            most = (spent.sort_values(["cost", "project"], ascending=[False, True])
                    .drop_duplicates(keys))
            out = out.merge(most[[*keys, "project"]], on=keys, how="left")
        return out.sort_values(["cost", "provider", column],
                               ascending=[False, True, True]).reset_index(drop=True)


def key_costs(cache: Cache, period: Period, *, currency: str | None = None) -> KeyCosts:
    """The period's cost per API key, project and user, in ``currency`` (default: the
    display currency); computed once per revision of the charges and the user's rates."""
    index = charge_index(cache, currency)
    rates = tuple(tuple(sorted(o.items())) for o in load_overrides(cache))
    found: KeyCosts = index.remember(("key costs", period, rates),
                                     lambda: _compute(cache, period, index))
    return found


def _compute(cache: Cache, period: Period, index: ChargeIndex) -> KeyCosts:
    raw = billed_usage(cache, period, index)
    meta = index.keys.set_index("key_id")[["resource_id", "resource_type",
                                           "sub_account_id", "tags"]]
    raw = raw.join(meta, on="key_id")
    marked = raw["resource_type"].astype(object) == API_KEY
    # The distinct providers, not a set of every row's (arrow strings one by one).
    providers = tuple(sorted(set(raw.loc[marked, "provider"].unique().tolist())))
    without = tuple(sorted(set(raw["provider"].unique().tolist()) - set(providers) - {""}))
    raw = raw[raw["provider"].isin(providers)].reset_index(drop=True)
    raw["api_key"] = _text(raw["resource_id"])
    raw["project"] = _text(raw["sub_account_id"])
    raw["user"] = _users(raw["tags"])
    shown_in, usd = usd_in(cache, index, sorted(set(raw["day"])))
    costs, tied = tie_keys(raw, catalog_of(cache).price, period, currency=shown_in, usd=usd)
    return KeyCosts(costs, providers, without, _other(index, period, providers), tied)


def tie_keys(usage: pd.DataFrame, price_of: PriceOf, period: Period, *,
             currency: str = "USD", usd: Callable[[dt.date], float] = lambda _day: 1.0
             ) -> tuple[CustomerCosts, dict[str, float]]:
    """Tie the model usage charges (one row each: day, provider, model, billed, batched,
    api_key, project, user, requests and token counts; '' where a charge names no key,
    project or user) to themselves: each row with tokens gets its share of the bill of
    its scope (:func:`scopes`). Returns the tie and the bill tied at each level
    (:data:`LEVELS`)."""
    weighted = _batch_weighted(usage.reset_index(drop=True), price_of)
    weighted[SCOPE] = scopes(weighted)
    tokens = (weighted[list(TOKEN_KINDS)].sum(axis=1) > 0).to_numpy(bool)
    costs = tie(weighted, weighted[tokens], price_of, period, currency=currency, usd=usd,
                keys=KEY_COLUMNS, group=[*GROUP, SCOPE])
    # The tie saw batch tokens at their weight; the rows show the tokens counted (the
    # tie keeps the traces' order).
    counted = usage.reset_index(drop=True)[tokens]
    for kind in TOKEN_KINDS:
        costs.rows[kind] = counted[kind].astype(float).to_numpy()
    levels = costs.models[SCOPE].map(level_of)
    tied = {level: float(costs.models.loc[levels == level, "billed"].sum())
            for level in LEVELS}
    return costs, tied


def scopes(rows: pd.DataFrame) -> pd.Series:
    """Each row's scope: ``key:ID`` where every costed line of its day and model names
    its key, ``project:ID`` where every one names its project, else '' (the model)."""
    costed = rows[rows["billed"].abs() >= _COSTED]
    if costed.empty:
        return pd.Series([""] * len(rows), index=rows.index, dtype=object)
    named = costed.assign(no_key=costed["api_key"] == "",
                          no_project=costed["project"] == "")
    lacks = named.groupby(GROUP)[["no_key", "no_project"]].any()
    at = rows[GROUP].merge(lacks.reset_index(), on=GROUP, how="left")
    # NaN where the day and model have no costed line: neither.
    by_key = at["no_key"].eq(False).to_numpy(bool)
    by_project = at["no_project"].eq(False).to_numpy(bool)
    key = ("key:" + rows["api_key"].astype(str)).to_numpy(object)
    project = ("project:" + rows["project"].astype(str)).to_numpy(object)
    return pd.Series(np.where(by_key, key, np.where(by_project, project, "")),
                     index=rows.index, dtype=object)


def level_of(scope: str) -> str:
    """The level (:data:`LEVELS`) a scope names."""
    return "key" if scope.startswith("key:") else (
        "project" if scope.startswith("project:") else "model")


def _batch_weighted(raw: pd.DataFrame, price_of: PriceOf) -> pd.DataFrame:
    """The rows with batch rows' token counts times their model's batch multiplier (1
    where it has none), so their list-price value is what batch traffic costs."""
    out = raw.copy()
    for kind in TOKEN_KINDS:
        out[kind] = out[kind].astype(float)
    batched = out["batched"].fillna(0).astype(int).to_numpy() == 1
    if not batched.any():
        return out
    weight = np.ones(len(out))
    for n in np.flatnonzero(batched):
        price = price_of(str(out.at[n, "provider"]), str(out.at[n, "model"]),
                         cast("dt.date", out.at[n, "day"]))
        if price is not None and price.batch is not None:
            weight[n] = price.batch
    for kind in TOKEN_KINDS:
        out[kind] = out[kind].to_numpy(float) * weight
    return out


def _other(index: ChargeIndex, period: Period, providers: tuple[str, ...]) -> float:
    """The cost of the providers' charges that name no model, in the period."""
    if not providers:
        return 0.0
    keys = index.keys
    mask = (keys["provider_name"].isin(providers) & keys["x_model"].isna()).to_numpy(bool)
    if not mask.any():
        return 0.0
    return float(index.per_key(period.start, period.end)[mask].sum())


def _text(column: pd.Series) -> pd.Series:
    return column.astype(object).where(column.notna(), "").astype(str).str.strip()


def _users(tags: pd.Series) -> pd.Series:
    """The ``user_id`` tag of each row's tags (JSON text), '' where there is none."""
    seen: dict[object, str] = {}

    def user(text: object) -> str:
        if text not in seen:
            try:
                value = json.loads(text) if isinstance(text, str) else None
            except ValueError:
                value = None
            found = value.get("user_id") if isinstance(value, dict) else None
            seen[text] = str(found).strip() if found is not None else ""
        return seen[text]

    return pd.Series([user(t) for t in tags], index=tags.index, dtype=object)

"""Cost per customer, agent run, API key and feature: request traces tied to the bill.

For each day, provider and model: B is the billed cost (the charge index's, in the display
currency); E(x) the list-price value of token counts x (uncached input, cache reads, cache
writes, output) from the catalog as of that day, the user's rates winning; T the bill's
own token counts where it has them. Each trace row r gets e_r = E(its tokens), and

    coverage = min(1, Σe / E(T))      (1 where the bill has no token counts)
    cost_r = B × coverage × e_r / Σe  = B × e_r / max(Σe, E(T))
    Not traced = B − Σ cost_r          = B × (1 − coverage)

so the costs of a day and model add up to its bill exactly. Σe more than 2 % above E(T) is
a warning (traces counted twice, or the bill incomplete). A traced model without a price
is not spread (its bill stays Not traced) and is named. Batch traffic is valued at the
model's standard rates on both sides, so coverage compares tokens like with like.

Each figure says what it is (:data:`BASIS`): billed, allocated from the bill, or estimated
at list price. :func:`tie` is the arithmetic on plain frames; :func:`customer_costs`
gathers them from a cache; :func:`run_costs` and :meth:`CustomerCosts.by` read the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

import numpy as np
import pandas as pd

from worthit.analysis.charge_index import ChargeIndex, charge_index, rates_for
from worthit.analysis.model_swap import usd_rates
from worthit.analysis.model_usage import model_charges
from worthit.core.days import dates_of, day_number
from worthit.core.periods import Period
from worthit.core.sums import run_sums
from worthit.pricing.catalog import MILLION, TOKEN_KINDS, Catalog, Override, Price
from worthit.store.cache import Cache
from worthit.store.swap import load_overrides
from worthit.store.traces import trace_revision, trace_usage

#: What each money column is.
BASIS: Final = {"billed": "billed", "cost": "allocated from the bill",
                "estimate": "estimated (list price)",
                "bill_estimate": "estimated (list price)",
                "not_traced": "allocated from the bill"}
NOT_TRACED: Final = "Not traced"
#: Traces valued more than this share above the bill's tokens raise a warning.
OVER_TOLERANCE: Final = 0.02
#: A run costing more than this many times its agent's p95 is flagged as a loop.
LOOP_FACTOR: Final = 3.0
GROUP: Final = ["day", "provider", "model"]
TRACE_KEYS: Final = ("customer", "run_id", "agent", "api_key", "feature")
BY: Final = ("customer", "run_id", "agent", "api_key", "feature", "model", "provider")

PriceOf = Callable[[str, str, dt.date], Price | None]


@dataclass(frozen=True)
class CustomerCosts:
    """The period's trace rows with their allocated cost, and each day and model's tie."""

    period: Period
    currency: str
    #: One row per trace row: day (date), provider, model, customer, run_id, agent,
    #: api_key, feature, input, cached_input, cache_write, output, requests, estimate
    #: (list price, NaN where unpriced), cost (allocated from the bill).
    rows: pd.DataFrame
    #: Per day, provider and model: billed, bill_estimate (E(T); NaN without tokens or
    #: price), traced_estimate (Σe), coverage, allocated, not_traced.
    models: pd.DataFrame
    unpriced: list[tuple[str, str]] = field(default_factory=list)
    #: Traced models the bill never names in the period (their cost is unknown).
    unbilled: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The trace rows' key columns (:data:`TRACE_KEYS` unless :func:`tie` was given others).
    keys: tuple[str, ...] = TRACE_KEYS

    @property
    def billed(self) -> float:
        return float(self.models["billed"].sum())

    @property
    def not_traced(self) -> float:
        return float(self.models["not_traced"].sum())

    def by(self, column: str = "customer") -> pd.DataFrame:
        """Allocated cost, list-price estimate, requests and tokens per ``column`` (one
        of :data:`BY`, or of the keys :func:`tie` was given; '' is "(none)"), costliest
        first, then the Not traced row: the cost column adds up to the bill."""
        if column not in (*self.keys, "model", "provider"):
            raise ValueError(f"cannot group by {column!r}")
        figures = ["cost", "estimate", "requests", *TOKEN_KINDS]
        grouped = (self.rows.groupby(column, as_index=False)[figures].sum(min_count=1)
                   if len(self.rows) else pd.DataFrame(columns=[column, *figures]))
        grouped[column] = grouped[column].replace("", "(none)")
        grouped = grouped.sort_values(["cost", column], ascending=[False, True])
        rest = pd.DataFrame([{column: NOT_TRACED, "cost": self.not_traced}])
        return pd.concat([grouped, rest], ignore_index=True)

    def gaps(self) -> pd.DataFrame:
        """Per provider and model: billed, the bill's tokens at list price, the traces'
        at list price, and the gap (estimate − billed; NaN where not estimated)."""
        m = self.models
        if m.empty:
            return pd.DataFrame(columns=["provider", "model", "billed", "bill_estimate",
                                         "traced_estimate", "gap"])
        out = m.groupby(["provider", "model"], as_index=False)[
            ["billed", "bill_estimate", "traced_estimate"]].sum(min_count=1)
        out["gap"] = out["bill_estimate"] - out["billed"]
        return out


def estimate(rows: pd.DataFrame, price_of: PriceOf) -> np.ndarray:
    """Each row's tokens at its model's list price on its day, in USD (NaN: no price).
    Each (provider, model, day) is priced once; the rows' sums run over the token kinds in
    their order, as a row's sum would."""
    if rows.empty:
        return np.zeros(0)
    combined = np.zeros(len(rows), dtype=np.int64)
    for column in ("provider", "model", "day"):
        codes, values = pd.factorize(rows[column], use_na_sentinel=False)
        combined = combined * len(values) + codes
    _, first, at = np.unique(combined, return_index=True, return_inverse=True)
    at = at.reshape(-1)
    provider, model, day = (rows[c].to_numpy(object) for c in ("provider", "model", "day"))
    prices: list[Price | None] = [price_of(provider[n], model[n], day[n])
                                  for n in first.tolist()]
    rates = np.array([[price.rate(k) if price is not None else np.nan for k in TOKEN_KINDS]
                      for price in prices], dtype=float).reshape(len(prices), len(TOKEN_KINDS))
    out = np.zeros(len(rows))
    for n, kind in enumerate(TOKEN_KINDS):
        out = out + rows[kind].to_numpy(float) * rates[at, n]
    return out / MILLION


def tie(bill: pd.DataFrame, traces: pd.DataFrame, price_of: PriceOf, period: Period, *,
        currency: str = "USD", usd: Callable[[dt.date], float] = lambda _day: 1.0,
        keys: Sequence[str] = TRACE_KEYS, group: Sequence[str] = GROUP) -> CustomerCosts:
    """Allocate the bill to the trace rows. ``bill``: the ``group`` columns (day (date),
    provider, model, and any finer scope the bill has), billed and the bill's token counts
    (:data:`~worthit.pricing.catalog.TOKEN_KINDS`); ``traces``: the ``group`` columns,
    ``keys`` (what the rows are costed by, :data:`TRACE_KEYS` for request traces), the
    token counts and requests. Each group's bill is spread over its trace rows. ``usd(day)``
    is one USD in ``currency``."""
    group = list(group)
    # Summed as it came: the bill has a row per day and charge key (150,000 over a quarter
    # at 10 M charges) and its text groups faster than as objects (the groups' keys come
    # out as text either way).
    figures = ["billed", *TOKEN_KINDS]
    bill = _summed(bill.astype(dict.fromkeys(figures, float)), figures, group)
    traces = _typed(traces, [*group, *keys], [*TOKEN_KINDS, "requests"])
    pair, pairs = _distinct_pairs(traces["provider"], traces["model"])
    names = _matched(pairs, bill)
    if names:
        renamed = np.array([names.get(p, p[1]) for p in pairs] or [None], dtype=object)
        traces["model"] = pd.Series(renamed[pair], index=traces.index, dtype=object)
        pair, pairs = _distinct_pairs(traces["provider"], traces["model"])
    traces["estimate"] = estimate(traces, price_of) * _per_day(usd, traces["day"])
    bill["bill_estimate"] = estimate(bill, price_of) * _per_day(usd, bill["day"])
    has_tokens = bill[list(TOKEN_KINDS)].sum(axis=1) > 0
    bill.loc[~has_tokens, "bill_estimate"] = np.nan
    priced = traces["estimate"].notna()
    traced = _sum_by(traces[priced], "estimate", "traced_estimate", group)
    models = bill.reset_index(drop=True)
    models["traced_estimate"] = _looked_up(traced, models, group, "traced_estimate", 0.0)
    bill_priced = (~(has_tokens & models["bill_estimate"].isna())).to_numpy(bool)
    traced_value = models["traced_estimate"].to_numpy(float)
    denominator = np.fmax(traced_value, models["bill_estimate"].fillna(0.0).to_numpy(float))
    # Unpriced bills (tokens but no price) are never spread: their whole bill stays.
    spread = bill_priced & (traced_value > 0)
    safe = np.where(spread, denominator, 1.0)
    models["coverage"] = np.where(spread, traced_value / safe, 0.0)
    per_estimate = np.where(spread, models["billed"].to_numpy(float) / safe, np.nan)
    at = _rows_of_groups(models, traces, group)
    rate = np.where(at >= 0, per_estimate[np.maximum(at, 0)] if len(at) and len(models)
                    else np.nan, np.nan)
    traces["cost"] = np.nan_to_num(traces["estimate"].to_numpy(float) * rate)
    allocated = _sum_by(traces, "cost", "allocated", group)
    models["allocated"] = _looked_up(allocated, models, group, "allocated", 0.0)
    models["not_traced"] = models["billed"] - models["allocated"]
    unpriced = sorted({(str(p), str(m)) for p, m in zip(
        traces.loc[~priced, "provider"], traces.loc[~priced, "model"], strict=True)})
    # Once, not per bill row: rebuilt per row it took 1.6 s of a quarter at 10 M charges.
    traced_models = {(str(p), str(m)) for p, m in pairs}
    unpriced += sorted({(str(p), str(m)) for p, m, ok in zip(
        models["provider"], models["model"], bill_priced, strict=True)
        if not ok and (str(p), str(m)) in traced_models} - set(unpriced))
    billed_models = set(zip(bill["provider"], bill["model"], strict=True))
    unbilled = sorted(traced_models - billed_models)
    costs = CustomerCosts(period, currency, traces.reset_index(drop=True),
                          models.reset_index(drop=True), unpriced, unbilled, keys=tuple(keys))
    costs.warnings.extend(_warnings(costs))
    return costs


def _rows_of_groups(table: pd.DataFrame, rows: pd.DataFrame, group: list[str]) -> np.ndarray:
    """For each of ``rows``, the position of the row of ``table`` (one per group) with the
    same ``group`` values, -1 where none: what a left merge on them matches (missing values
    match each other), found by codes of the columns' values over both, where three merges
    and a multi-index cost a Customers page 12 ms."""
    mine = np.zeros(len(table), np.int64)
    theirs = np.zeros(len(rows), np.int64)
    for column in group:
        values = np.concatenate([table[column].to_numpy(object), rows[column].to_numpy(object)])
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        mine = mine * len(uniques) + codes[:len(table)]
        theirs = theirs * len(uniques) + codes[len(table):]
    found: np.ndarray = pd.Index(mine).get_indexer(pd.Index(theirs))
    return found


def _looked_up(sums: pd.DataFrame, table: pd.DataFrame, group: list[str], name: str,
               missing: float) -> np.ndarray:
    """``sums[name]`` (one row per group) for each row of ``table``, ``missing`` where
    ``sums`` has none of its group: a left merge's column, filled."""
    at = _rows_of_groups(sums, table, group)
    values = sums[name].to_numpy(np.float64)
    found = np.where(at >= 0, values[np.maximum(at, 0)] if len(values) else missing, missing)
    found[np.isnan(found)] = missing  # as fillna would
    return found


def _per_day(usd: Callable[[dt.date], float], days: pd.Series) -> np.ndarray:
    """``usd(day)`` for each of ``days``, asked once per distinct day."""
    if days.empty:
        return np.zeros(0)
    at, distinct = pd.factorize(days)
    return np.array([usd(d) for d in distinct], dtype=float)[at]


def _typed(frame: pd.DataFrame, keys: list[str], figures: list[str]) -> pd.DataFrame:
    """A copy with keys as objects and figures as floats, empty or not (an empty frame's
    columns would otherwise not merge)."""
    out = pd.DataFrame({k: frame[k].astype(object) for k in keys}, index=frame.index)
    for name in figures:
        out[name] = frame[name].astype(float)
    return out.reset_index(drop=True)


def _sum_by(frame: pd.DataFrame, column: str, name: str, group: list[str]) -> pd.DataFrame:
    """``column`` summed per group (day and model, or finer), as ``name``."""
    if frame.empty:
        return _typed(pd.DataFrame(columns=[*group, name]), group, [name])
    summed: pd.DataFrame = frame.groupby(group, as_index=False)[[column]].sum()
    return summed.rename(columns={column: name})


def _summed(bill: pd.DataFrame, figures: list[str], group: list[str]) -> pd.DataFrame:
    """The bill's figures per group (groups in order, rows of a missing group name
    dropped), each group's rows added in their order as a run (:func:`run_sums`, as
    :func:`_by_model_day` adds them). Pandas' own group sums depended on where the other
    groups' rows lay (runs for rows in group order, compensated sums otherwise) and on
    how its blocks held the columns."""
    if bill.empty:
        return pd.DataFrame(columns=[*group, *figures])
    # A missing group name's rows have no group: NaN, here -1.
    codes = bill.groupby(group, sort=True).ngroup().fillna(-1).to_numpy(np.int64)
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    if not len(order):
        return pd.DataFrame(columns=[*group, *figures])
    firsts = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1]])
    out = bill[group].take(order[firsts]).reset_index(drop=True)
    for name in figures:
        out[name] = run_sums(codes[order], bill[name].to_numpy(np.float64)[order])[1]
    return out


def _distinct_pairs(first: pd.Series, second: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Each row's pair and the distinct (first, second) pairs as tuples, in order of first
    appearance: Python then loops over the few pairs, not the rows (27,000 trace rows over
    a quarter at 10 M charges, three loops: 30 ms)."""
    a, a_values = pd.factorize(first, use_na_sentinel=False)
    b, b_values = pd.factorize(second, use_na_sentinel=False)
    width = max(1, len(b_values))
    pair, found = pd.factorize(a.astype(np.int64) * width + b)
    firsts, seconds = list(a_values), list(b_values)
    return pair, [(firsts[n // width], seconds[n % width]) for n in found.tolist()]


def _matched(pairs: list[Any], bill: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Trace models (of the distinct (provider, model) ``pairs``) the bill names otherwise:
    a dated snapshot (``gpt-4.1-2025-04-14``) and its alias (``gpt-4.1``) are one model
    when the bill names only one of them."""
    billed: dict[str, set[str]] = {}
    for provider, model in set(zip(bill["provider"], bill["model"], strict=True)):
        billed.setdefault(str(provider), set()).add(str(model))
    out = {}
    for provider, model in pairs:
        names = billed.get(str(provider), set())
        if model in names:
            continue
        found = [n for n in names if n.startswith(f"{model}-") or model.startswith(f"{n}-")]
        if len(found) == 1:
            out[(str(provider), str(model))] = found[0]
    return out


def _warnings(costs: CustomerCosts) -> list[str]:
    out = []
    m = costs.models
    over = m[m["bill_estimate"].notna() & (m["bill_estimate"] > 0)
             & (m["traced_estimate"] > m["bill_estimate"] * (1 + OVER_TOLERANCE))]
    for (provider, model), rows in over.groupby(["provider", "model"]):
        worst = rows.iloc[int(np.argmax(rows["traced_estimate"] / rows["bill_estimate"]))]
        out.append(
            f"{provider} {model}: the traces are worth more than the bill's own tokens on "
            f"{rows['day'].nunique()} day(s), up to {worst['traced_estimate']:,.2f} against "
            f"{worst['bill_estimate']:,.2f} {costs.currency} at list price on {worst['day']} "
            f"({worst['traced_estimate'] / worst['bill_estimate'] - 1:+.1%}): traces counted "
            "twice, or the bill is incomplete. Their bill is spread by the traces' shares.")
    if costs.unpriced:
        out.append("No price for " + ", ".join(f"{p} {m}" for p, m in costs.unpriced)
                   + ": their traces are not spread (never counted as 0) and their bill "
                   "stays Not traced. Add your rate in the price catalog.")
    if costs.unbilled:
        out.append("Traced but not on the bill in this period: " + ", ".join(
            f"{p} {m}" for p, m in costs.unbilled) + " (no cost is allocated to them).")
    return out


# -- runs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunCosts:
    """Cost per agent run (allocated from the bill) and its spread per agent."""

    #: run_id, agent, first_day, last_day, requests, cost, estimate, loop (bool)
    runs: pd.DataFrame
    #: agent, runs, p50, p95, max (cost per run)
    agents: pd.DataFrame
    factor: float = LOOP_FACTOR


def run_costs(costs: CustomerCosts, factor: float = LOOP_FACTOR) -> RunCosts:
    """Each run's cost, each agent's p50, p95 and max per run, and the runs costing over
    ``factor`` × their agent's p95 flagged as loops."""
    rows = costs.rows[costs.rows["run_id"] != ""] if len(costs.rows) else costs.rows
    if rows.empty:
        return RunCosts(pd.DataFrame(columns=["run_id", "agent", "first_day", "last_day",
                                              "requests", "cost", "estimate", "loop"]),
                        pd.DataFrame(columns=["agent", "runs", "p50", "p95", "max"]), factor)
    # Each column's own reduction: agg() with a lambda (and min or max over text, there)
    # called Python once per run, 0.9 s for a month of 7,563 runs.
    grouped = rows.groupby("run_id", sort=True)
    day, days = pd.factorize(rows["day"], sort=True)  # days as numbers: min and max in C
    # By the runs' group numbers: grouping by the run ids' text again took 3 ms a month.
    by_day = pd.Series(day, index=rows.index).groupby(grouped.ngroup().to_numpy(), sort=True)
    runs = pd.DataFrame({
        "agent": grouped["agent"].first(),
        "first_day": days.take(by_day.min().to_numpy()),
        "last_day": days.take(by_day.max().to_numpy()), "requests": grouped["requests"].sum(),
        "cost": grouped["cost"].sum(), "estimate": grouped["estimate"].sum(min_count=1),
    }).reset_index()
    stats = runs.groupby("agent")["cost"].agg(
        runs="count", p50=lambda s: float(np.percentile(s, 50)),
        p95=lambda s: float(np.percentile(s, 95)), max="max").reset_index()
    p95 = runs["agent"].map(stats.set_index("agent")["p95"])
    runs["loop"] = runs["cost"] > factor * p95
    runs = runs.sort_values(["cost", "run_id"], ascending=[False, True]).reset_index(drop=True)
    return RunCosts(runs, stats, factor)


# -- from a cache ----------------------------------------------------------------------------


def catalog_of(cache: Cache) -> Catalog:
    """The catalog with the user's rates (:mod:`worthit.store.swap`) winning."""
    rates = ("input", "cached_input", "cache_write", "cache_write_1h", "output", "batch")
    return Catalog({
        (str(o["provider_name"]), str(o["model"])): Override(
            str(o["provider_name"]), str(o["model"]),
            **{k: cast("float | None", o[k]) for k in rates}, note=str(o["note"] or ""))
        for o in load_overrides(cache)})


def customer_costs(cache: Cache, period: Period, *, currency: str | None = None
                   ) -> CustomerCosts:
    """The period's trace usage tied to its AI bill, in ``currency`` (default: the
    display currency); computed once per revision of the charges and traces."""
    index = charge_index(cache, currency)
    rates = tuple(tuple(sorted(o.items())) for o in load_overrides(cache))
    found: CustomerCosts = index.remember(
        ("customer costs", period, trace_revision(cache), rates),
        lambda: _compute(cache, period, index))
    return found


def _compute(cache: Cache, period: Period, index: ChargeIndex) -> CustomerCosts:
    bill = _by_model_day(_billed_rows(period, index))
    traces = period_traces(cache, index, period)
    traces["day"] = dates_of(traces["day"].to_numpy())
    days = sorted(set(bill["day"]) | set(traces["day"]))
    shown_in, usd = usd_in(cache, index, days)
    return tie(bill, traces, catalog_of(cache).price, period, currency=shown_in, usd=usd)


def period_traces(cache: Cache, index: ChargeIndex, period: Period) -> pd.DataFrame:
    """The period's trace usage (:func:`~worthit.store.traces.trace_usage`, a new frame),
    sliced from all of it: that is read once per revision of the traces and of the
    charges (removing a source changes the charges), not by a grouped query per period
    (0.2-0.9 s at any length, for 35,000 rows)."""
    whole = index.remember(("trace usage", trace_revision(cache)),
                           lambda: trace_usage(cache, dt.date.min, dt.date.max))
    days = whole["day"].to_numpy(np.int64)  # ordered by day first
    start = int(np.searchsorted(days, day_number(period.start), side="left"))
    end = int(np.searchsorted(days, day_number(period.end), side="right"))
    return whole.iloc[start:end].reset_index(drop=True).copy()


def billed_usage(cache: Cache, period: Period, index: ChargeIndex) -> pd.DataFrame:
    """The period's model usage charges (one row per day and charge key): day (date),
    provider, model, key_id, batched, billed (the index's cost, in its currency),
    requests and token counts. A copy of the frame remembered per period: Customers and
    Keys both start from it (a quarter at 10 M charges: 150,000 rows, 50-70 ms)."""
    return _billed_rows(period, index)[list(USAGE_COLUMNS)].copy()


#: The columns of :func:`billed_usage`.
USAGE_COLUMNS: Final = ("day", "provider", "model", "key_id", "batched", "billed",
                        "requests", *TOKEN_KINDS)


def _billed_rows(period: Period, index: ChargeIndex) -> pd.DataFrame:
    """:func:`billed_usage`'s rows and their day numbers, remembered per period (shared:
    never changed in place)."""
    found: pd.DataFrame = index.remember(("billed usage", period.start, period.end),
                                         lambda: _billed_usage(period, index))
    return found


def _by_model_day(rows: pd.DataFrame) -> pd.DataFrame:
    """The bill's figures summed per day, provider and model, as :func:`tie` sums them
    (each group's rows in order, as a run: see :func:`_summed`): the groups from the
    rows' day numbers and keys (the few keys name the provider and model), not from their
    text and dates (150,000 rows over a quarter at 10 M charges: 45 ms)."""
    figures = ["billed", *TOKEN_KINDS]
    if rows.empty:
        return pd.DataFrame(columns=[*GROUP, *figures])
    key, _ = pd.factorize(rows["key_id"])
    first = np.unique(key, return_index=True)[1]  # each key's first row
    pair_of_key, pairs = _distinct_pairs(rows["provider"].take(first),
                                         rows["model"].take(first))
    width = max(1, len(pairs))
    code, _ = pd.factorize(rows["day_number"].to_numpy(np.int64) * width + pair_of_key[key])
    order = np.argsort(code, kind="stable")  # each group's rows a run, in their order
    named = rows[GROUP].iloc[np.unique(code, return_index=True)[1]]  # each group's first
    return named.reset_index(drop=True).assign(**{
        f: run_sums(code[order], rows[f].to_numpy(np.float64)[order])[1] for f in figures})


def _billed_usage(period: Period, index: ChargeIndex) -> pd.DataFrame:
    columns = [*USAGE_COLUMNS, "day_number"]
    raw = model_charges(index, period.start, period.end)
    if raw.empty:
        return pd.DataFrame(columns=columns)
    raw["billed"] = index.cost_of(raw["day_number"].to_numpy(np.int64),
                                  raw["key_id"].to_numpy(np.int64))
    # Each row's key's provider and model, taken by the key's position (a join on key id
    # built an index of the 36,000 keys each time).
    at = index.key_positions()[raw["key_id"].to_numpy(np.int64)]
    for column, name in (("provider_name", "provider"), ("x_model", "model")):
        raw[name] = pd.Series(index.keys[column].array.take(at), index=raw.index)
    raw["day"] = dates_of(raw["day_number"].to_numpy())
    raw["provider"] = raw["provider"].fillna("")
    return raw[columns]


def usd_in(cache: Cache, index: ChargeIndex, days: Sequence[dt.date]
           ) -> tuple[str, Callable[[dt.date], float]]:
    """The index's currency and, per day of ``days``, one USD in it (list prices are in
    USD)."""
    shown_in = index.currency or "USD"
    rates = None if shown_in == "USD" else rates_for(index, cache)
    per_day = usd_rates(rates, shown_in, list(days))
    return shown_in, lambda d: per_day.get(d, 1.0)

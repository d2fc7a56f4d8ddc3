"""Model swap: what a smaller model, routing, prompt caching and batch would save, on the
workspace's own AI usage, at list prices (or the user's rates).

:func:`swap_data` gathers, on a worker, each day's tokens and requests per feature and
model (features from the allocation) and the rates of every model involved; then
:func:`simulate` applies a :class:`~worthit.core.scenarios.Scenario` to them in a few
milliseconds, so sliders can update the result live. Both the "before" and the "after"
are priced from the catalog, so the saving is a difference of like with like; the billed
cost is shown beside them. Quality is not measured here: every suggestion says what it
assumes.

Everything is in one currency, the display currency: the billed cost as the charge index
converted it, the catalog's USD prices at the USD rate of each usage day (or the latest
before it), and every suggestion's assumption says so.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

import numpy as np
import pandas as pd

from worthit.analysis.allocation import allocate
from worthit.analysis.charge_index import ChargeIndex, charge_index, rates_for
from worthit.analysis.model_usage import model_charges
from worthit.analysis.swap_rows import TOKENS, Rows, UsageTable, group_sums
from worthit.analysis.unit_economics import UnitEconomics, unit_economics
from worthit.core.days import dates_of
from worthit.core.money import money, percent
from worthit.core.periods import Period
from worthit.core.rates import MissingRate, MissingRates, RateTable
from worthit.core.scenarios import LEVER_KINDS, Lever, ModelRef, Scenario
from worthit.pricing.catalog import Catalog, Override, Price
from worthit.store.cache import Cache
from worthit.store.days import day_number
from worthit.store.meta import write_stamp
from worthit.store.metrics import requests_by_hour
from worthit.store.rules import load_rules
from worthit.store.swap import load_overrides

MONTH_DAYS: Final = 30
#: Requests this short are ones a small model handles: swap all of them.
SHORT_INPUT: Final = 1_500  # input tokens (uncached + cached) per request
SHORT_OUTPUT: Final = 400
#: Otherwise route this share to the smaller model and keep the rest for the hard cases.
ROUTE_SHARE: Final = 0.85
#: Caching: prompts at least this long, of which all but this unique tail is repeated.
CACHE_MIN_INPUT: Final = 4_000
UNIQUE_TAIL: Final = 1_500
NIGHT_HOURS: Final = range(6)  # UTC
NIGHT_SHARE: Final = 0.6
ALL_AI: Final = "All AI spend"


@dataclass(frozen=True)
class SwapData:
    """What a scenario is applied to: usage rows and the rates to price them."""

    period: Period
    #: day, feature, provider, model, batched, requests, input, cached_input, cache_write,
    #: cache_write_1h (always 0 in bills: writes are counted as 5-minute), output, billed
    usage: pd.DataFrame
    prices: dict[tuple[str, str, dt.date], Price | None]
    features: list[str]
    #: (provider, model) -> cheaper tiers of the family that have a price
    smaller: dict[ModelRef, list[ModelRef]]
    night_share: dict[str, float]  # feature -> share of its requests in NIGHT_HOURS (UTC)
    #: Every unit's daily figures, for a scenario's effect per unit (None: not asked for).
    units: list[UnitEconomics] | None = None
    days: int = 0  # days of the period with AI usage
    #: For a model a scenario names that was not priced up front (looked up once, kept).
    catalog: Catalog | None = field(default=None, repr=False)
    #: The currency of every figure: the billed cost's and, converted, the prices'.
    currency: str = "USD"
    #: The catalog's USD prices are multiplied by this on each day (1 in USD).
    usd_rates: dict[dt.date, float] = field(default_factory=dict)
    #: How the prices were converted, for every assumption ('' in USD).
    price_note: str = ""
    #: For a day not converted up front (None in USD).
    rates: RateTable | None = field(default=None, repr=False)
    #: Why ``units`` is empty though units are defined: a unit's target or revenue has no
    #: rate to the currency (the swap itself needs none; the Unit costs page refuses).
    units_refused: MissingRates | None = field(default=None, repr=False)

    def usd(self, day: dt.date) -> float:
        """One USD in :attr:`currency` on ``day`` (the rate of the day or the latest
        before it); :class:`MissingRates` when there is none."""
        if self.currency == "USD":
            return 1.0
        if day not in self.usd_rates:
            self.usd_rates.update(usd_rates(self.rates, self.currency, [day]))
        return self.usd_rates[day]

    @functools.cached_property
    def table(self) -> UsageTable:
        """The usage as arrays, for simulations (built on first use, then kept)."""
        return UsageTable(self.usage, self.price, self.usd)

    def models(self, feature: str | None = None) -> list[ModelRef]:
        return self.table.named(self.table.of_feature(feature))

    def rows(self, feature: str | None) -> pd.DataFrame:
        return self.usage if feature is None else self.usage[self.usage["feature"] == feature]

    def price(self, model: ModelRef, day: dt.date) -> Price | None:
        key = (model[0], model[1], day)
        if key not in self.prices and self.catalog is not None:
            self.prices[key] = self.catalog.price(model[0], model[1], day)
        return self.prices.get(key)

    def choices(self) -> list[ModelRef]:
        """Every model a route may target: those used, their priced smaller tiers and those
        saved scenarios name."""
        found = set(self.models())
        for tiers in self.smaller.values():
            found.update(tiers)
        found.update((p, m) for (p, m, _day), price in self.prices.items() if price)
        return sorted(found)


def swap_data(cache: Cache, period: Period, *, currency: str | None = None,
              units: bool = True) -> SwapData:
    """The period's AI usage and the prices of every model involved, in ``currency``
    (default: the display currency); with ``units``, every unit's figures too (the Swap
    window's effect per unit: the pages, the report and the leaks need none, and a unit's
    figures cost more than the swap at ten million charges)."""
    index = charge_index(cache, currency)
    rules = tuple(load_rules(cache))
    allocation = allocate(index, rules, period)
    usage = swap_usage(cache, period, currency=currency)
    overrides = {
        (str(o["provider_name"]), str(o["model"])): Override(
            str(o["provider_name"]), str(o["model"]),
            **{k: cast("float | None", o[k]) for k in (
                "input", "cached_input", "cache_write", "cache_write_1h", "output", "batch")},
            note=str(o["note"] or ""))
        for o in load_overrides(cache)
    }
    catalog = Catalog(overrides)
    used = sorted(set(zip(usage["provider"], usage["model"], strict=True)))
    days = sorted(set(usage["day"])) or [period.end]
    smaller: dict[ModelRef, list[ModelRef]] = {}
    for provider, model in used:
        tiers = [(provider, m) for m in catalog.smaller(model)]
        smaller[(provider, model)] = [t for t in tiers if catalog.price(*t, days[-1])]
    # Models saved scenarios route to are priced too, used in the period or not.
    from worthit.store.swap import load_scenarios

    saved = {m for s in load_scenarios(cache) for lever in s.levers
             for m in (lever.model, lever.to) if m is not None}
    wanted = set(used) | {t for tiers in smaller.values() for t in tiers} | saved
    # The catalog's answers depend on the overrides only: kept per index (a whole range of
    # days is thousands of look-ups, 70 ms at ten million charges).
    prices = dict(index.remember(
        ("list prices", tuple(sorted(overrides.items())), tuple(sorted(wanted)), tuple(days)),
        lambda: {(p, m, day): catalog.price(p, m, day) for p, m in wanted for day in days}))
    shown_in = index.currency or "USD"
    rates = None if shown_in == "USD" else rates_for(index, cache)
    unit_figures, units_refused = None, None
    try:
        if units:
            unit_figures = unit_economics(cache, period, "day", currency=shown_in)
    except MissingRates as error:  # the units' effects go unsaid; the swap holds
        unit_figures, units_refused = [], error
    return SwapData(
        period=period, usage=usage, prices=prices,
        features=sorted(set(usage["feature"])), smaller=smaller,
        night_share=_night_share(cache, index, period, allocation.pieces),
        units=unit_figures, units_refused=units_refused,
        days=len(set(usage["day"])), catalog=catalog, currency=shown_in,
        usd_rates=usd_rates(rates, shown_in, sorted(set(usage["day"]))), rates=rates,
        price_note="" if rates is None else
        f"List prices are in USD, converted to {shown_in} at the rate of each usage day "
        "(or the latest before it).",
    )


def swap_usage(cache: Cache, period: Period, *, currency: str | None = None) -> pd.DataFrame:
    """The period's AI usage (:attr:`SwapData.usage`) in ``currency`` (default: the display
    currency), without the prices: it reads the cache's token counts, so it is computed
    once per index, rules and period and shared (read-only)."""
    index = charge_index(cache, currency)
    rules = tuple(load_rules(cache))
    allocation = allocate(index, rules, period)
    found: pd.DataFrame = index.remember(("model usage", rules, period), lambda: _usage(
        cache, period, allocation.pieces, index))
    return found


def usd_rates(rates: RateTable | None, currency: str,
              days: Sequence[dt.date]) -> dict[dt.date, float]:
    """One USD in ``currency`` on each of ``days``; :class:`MissingRates` naming the days
    without a rate."""
    if currency == "USD" or not days:
        return dict.fromkeys(days, 1.0)
    assert rates is not None
    numbers = np.array([day_number(d) for d in days], np.int64)
    quotes = rates.quotes("USD", currency, numbers)
    lacking = [n for n, q in zip(numbers.tolist(), quotes, strict=True) if q is None]
    if lacking:
        raise MissingRates([MissingRate("USD", currency, lacking[0], lacking[-1],
                                        len(lacking))])
    return {d: q.rate for d, q in zip(days, quotes, strict=True) if q is not None}


def _usage(cache: Cache, period: Period, pieces: pd.DataFrame, index: ChargeIndex
           ) -> pd.DataFrame:
    raw = model_charges(index, period.start, period.end)
    columns = ["day", "feature", "provider", "model", "batched", "requests", *TOKENS, "billed"]
    if raw.empty:
        return pd.DataFrame(columns=columns)
    # Each row is one charge: its cost as the index converted it (one conversion point).
    day_numbers = raw["day_number"].to_numpy(np.int64)
    raw["billed"] = index.cost_of(day_numbers, raw["key_id"].to_numpy(np.int64))
    # Each day made a date once, not once per charge (147,000 in 90 days of 10 M charges).
    raw["day"] = dates_of(day_numbers)
    raw = raw.drop(columns="day_number")
    meta = index.keys.set_index("key_id")[["provider_name", "x_model"]]
    raw = raw.join(meta, on="key_id")
    # Features from the allocation: a key's share of each destination (1 unless split),
    # unallocated traffic named "(unallocated)" (as are keys the allocation does not hold).
    owners = pieces[["key_id", "feature", "team", "share"]]
    owners = owners.assign(feature=np.where(owners["team"] == "Unallocated", "(unallocated)",
                                            owners["feature"].fillna("(unallocated)")))
    raw = raw.merge(owners, on="key_id", how="left")
    raw["share"] = raw["share"].fillna(1.0)
    raw["feature"] = raw["feature"].fillna("(unallocated)")
    for column in ("requests", "input", "cached_input", "cache_write", "output", "billed"):
        raw[column] = raw[column].astype(float) * raw["share"]
    raw["cache_write_1h"] = 0.0
    raw["batched"] = raw["batched"].astype(bool)
    raw = raw.rename(columns={"provider_name": "provider", "x_model": "model"})
    grouped = raw.groupby(["day", "feature", "provider", "model", "batched"], as_index=False)[
        ["requests", *TOKENS, "billed"]].sum()
    return grouped[columns]


def _night_share(cache: Cache, index: ChargeIndex, period: Period,
                 pieces: pd.DataFrame) -> dict[str, float]:
    """Per feature, the share of its hourly requests (metrics) in the night hours: kept on
    the index per period and write stamp (the Swap page and the leak findings of a period
    both ask; the metrics' hours are read whole, 5 ms at 200,000 metric rows)."""
    stamp = write_stamp(cache)
    if stamp is None:  # an older cache, opened read-only: no stamp to trust
        return _night_share_of(_night_and_total(cache), pieces)
    found: dict[str, float] = index.remember(("night share", period, stamp), lambda: (
        _night_share_of(index.remember(("night and total", stamp),
                                       lambda: _night_and_total(cache)), pieces)))
    return found


def _night_and_total(cache: Cache) -> dict[str, tuple[float, float]]:
    """Per resource, its hourly requests in the night hours and in all."""
    by_resource: dict[str, tuple[float, float]] = {}
    for resource, hour, requests in requests_by_hour(cache):
        night, total = by_resource.get(resource, (0.0, 0.0))
        by_resource[resource] = (night + (requests if hour in NIGHT_HOURS else 0.0),
                                 total + requests)
    return by_resource


def _night_share_of(by_resource: dict[str, tuple[float, float]],
                    pieces: pd.DataFrame) -> dict[str, float]:
    if not by_resource:
        return {}
    # Only the pieces of resources with hourly requests (others add nothing), named as the
    # usage names features: unallocated traffic is "(unallocated)".
    pieces = pieces[pieces["resource"].isin(list(by_resource))]
    named = pieces.assign(feature=pieces["feature"].where(pieces["team"] != "Unallocated",
                                                          "(unallocated)"))
    features = named.drop_duplicates(["resource", "feature"])
    out: dict[str, list[float]] = {}
    for resource, feature in zip(features["resource"], features["feature"], strict=True):
        if resource in by_resource:
            night, total = out.setdefault(feature, [0.0, 0.0])
            n, t = by_resource[resource]
            out[feature] = [night + n, total + t]
    return {f: n / t for f, (n, t) in out.items() if t > 0}


# -- applying a scenario ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """A scenario's figures: totals at once; the breakdowns (:attr:`daily`,
    :attr:`by_model`, :attr:`by_feature`) grouped from the priced rows when first asked
    for (a suggestion only needs the totals)."""

    scenario: Scenario
    before: float  # priced, over the period
    after: float
    billed: float  # what the bill says for the same (priced) usage
    unpriced: list[ModelRef]  # used models without a price, left out of every figure
    warnings: list[str]
    days: int
    table: UsageTable = field(repr=False)
    #: The priced rows before and after the levers, and each row's cost.
    rows: tuple[Rows, np.ndarray, Rows, np.ndarray] = field(repr=False)
    currency: str = "USD"

    @functools.cached_property
    def daily(self) -> pd.DataFrame:
        """day, before, after: every day of the usage before."""
        before, before_cost, after, after_cost = self.rows
        days = np.unique(before.day)
        b, a = group_sums(before.day, before_cost), group_sums(after.day, after_cost)
        return pd.DataFrame({
            "day": pd.Series([self.table.days[d] for d in days], dtype=object),
            "before": np.array([b.get(d, 0.0) for d in days.tolist()], np.float64),
            "after": np.array([a.get(d, 0.0) for d in days.tolist()], np.float64)})

    @functools.cached_property
    def by_model(self) -> pd.DataFrame:
        """provider, model, before, after (models after routing included), by name."""
        before, before_cost, after, after_cost = self.rows
        ranks = self.table.model_ranks()
        b = group_sums(ranks[before.model], before_cost)
        a = group_sums(ranks[after.model], after_cost)
        named = dict(zip(ranks.tolist(), self.table.models, strict=True))
        models = sorted(b.keys() | a.keys())
        return pd.DataFrame({
            "provider": pd.Series([named[m][0] for m in models], dtype=str),
            "model": pd.Series([named[m][1] for m in models], dtype=str),
            "before": np.array([b.get(m, 0.0) for m in models], np.float64),
            "after": np.array([a.get(m, 0.0) for m in models], np.float64)})

    @functools.cached_property
    def by_feature(self) -> dict[str, float]:
        """The saving per feature over the period."""
        before, before_cost, after, after_cost = self.rows
        b = group_sums(before.feature, before_cost)
        a = group_sums(after.feature, after_cost)
        features = sorted(b.keys() | a.keys(), key=lambda f: self.table.features[f])
        return {str(self.table.features[f]): b.get(f, 0.0) - a.get(f, 0.0) for f in features}

    @property
    def saving(self) -> float:
        return self.before - self.after

    @property
    def monthly_saving(self) -> float:
        return 0.0 if not self.days else self.saving / self.days * MONTH_DAYS

    @property
    def saving_pct(self) -> float | None:
        return None if self.before == 0 else self.saving / self.before


def simulate(data: SwapData, scenario: Scenario) -> Outcome:
    table = data.table
    before = table.of_feature(scenario.feature)
    days = np.unique(before.day)
    unpriced = [m for m in table.named(before)
                if not table.rates(table.code(m)).priced[days].any()]
    warnings: list[str] = []
    if unpriced:
        warnings.append("No price for " + ", ".join(f"{p} {m}" for p, m in unpriced)
                        + ": left out of before and after (never counted as $0). Add your "
                        "rate in the price catalog.")
        before = before.take(~np.isin(before.model, [table.code(m) for m in unpriced]))
    after = before
    # Routes, then caching, then batch, whatever order they were listed in (documented in
    # worthit.core.scenarios); within a kind, in the order given.
    for lever in sorted(scenario.levers, key=lambda x: LEVER_KINDS.index(x.kind)):
        after = table.apply(after, lever, warnings)
    before_cost = table.cost(before)
    after_cost = table.cost(after)
    return Outcome(
        scenario=scenario, before=float(np.nansum(before_cost)),
        after=float(np.nansum(after_cost)), billed=float(before.figure("billed").sum()),
        unpriced=unpriced, warnings=warnings, days=data.days, table=table,
        rows=(before, before_cost, after, after_cost), currency=data.currency)


def unit_effects(data: SwapData, outcome: Outcome) -> list[tuple[UnitEconomics, float]]:
    """Units whose features the scenario touches: (unit, new cost per unit)."""
    out = []
    for e in data.units or []:
        saving = sum(outcome.by_feature.get(f, 0.0) for f in e.unit.features)
        if saving and e.unit_cost is not None and e.count > 0:
            out.append((e, (e.cost - saving) / e.count))
    return out


# -- suggestions ------------------------------------------------------------------------------


#: Kinds backed by evidence in the usage itself (short requests, long prompts, night-time
#: traffic); "route" (send the easy share of long requests to a smaller model) is worth
#: testing but rests on how many requests are easy, which the bill cannot tell.
EVIDENCE_KINDS: Final = ("smaller", "cache", "batch")


@dataclass(frozen=True)
class Suggestion:
    kind: str  # smaller | cache | batch | route
    title: str
    assumption: str
    scenario: Scenario
    monthly_saving: float
    saving_pct: float | None
    currency: str = "USD"

    @property
    def evidence(self) -> bool:
        return self.kind in EVIDENCE_KINDS

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "assumption": self.assumption,
                "evidence": self.evidence,
                "feature": self.scenario.feature,
                "levers": [lever.to_json() for lever in self.scenario.levers],
                "monthly_saving": round(self.monthly_saving, 2),
                "saving_pct": None if self.saving_pct is None else round(self.saving_pct, 4)}


def suggestions(data: SwapData, limit: int = 12) -> list[Suggestion]:
    """Per feature and model: smaller tiers, caching, batch and routing, the largest
    monthly saving first, whatever backs it: every list shows them in this order (the
    window's, the report's, the deck's), and each says whether the usage backs it or it
    is worth testing (:attr:`Suggestion.evidence`)."""
    found: list[Suggestion] = []
    table = data.table
    last_day = table.days[-1] if table.days else data.period.end
    for feature in data.features:
        rows = table.of_feature(feature)
        for model in table.named(rows):
            price = data.price(model, last_day)
            if price is None:
                continue
            mine = rows.take(rows.model == table.code(model))
            found += _smaller(data, feature, model, mine)
            found += _cache(data, feature, model, mine, price)
            found += _batch(data, feature, model, mine, price)
    found = [s for s in found if s.monthly_saving >= 0.5]
    # By the saving shown; on a tie, the one the usage backs first.
    found.sort(key=lambda s: (-s.monthly_saving, not s.evidence))
    return found[:limit]


def _suggest(data: SwapData, kind: str, title: str, assumption: str, feature: str,
             lever: Lever) -> Suggestion:
    scenario = Scenario(title, feature, (lever,))
    outcome = simulate(data, scenario)
    said = f"{assumption} {data.price_note}" if data.price_note else assumption
    return Suggestion(kind, title, said, scenario, outcome.monthly_saving,
                      outcome.saving_pct, data.currency)


def _per_request(rows: Rows) -> tuple[float, float]:
    requests = float(rows.figure("requests").sum())
    if requests <= 0:
        return float("inf"), float("inf")
    return (float((rows.figure("input") + rows.figure("cached_input")).sum()) / requests,
            float(rows.figure("output").sum()) / requests)


def _smaller(data: SwapData, feature: str, model: ModelRef, rows: Rows) -> list[Suggestion]:
    tiers = data.smaller.get(model, [])
    if not tiers:
        return []
    inp, out = _per_request(rows)
    short = inp <= SHORT_INPUT and out <= SHORT_OUTPUT
    share = 1.0 if short else ROUTE_SHARE
    # Short requests may go to the smallest tier; long ones only one step down.
    best = None
    for tier in tiers if short else tiers[:1]:
        lever = Lever("route", model, share, to=tier)
        if short:
            title = f"{feature}: swap {model[1]} for {tier[1]}"
            assumption = (f"Requests are short ({inp:,.0f} tokens in, {out:,.0f} out on "
                          f"average): {tier[1]} handles them. List prices; quality is not "
                          "measured here.")
        else:
            title = f"{feature}: route {share * 100:.0f} % of {model[1]} to {tier[1]}"
            assumption = (f"{(1 - share) * 100:.0f} % of requests, the hard cases, stay on "
                          f"{model[1]}. List prices; quality is not measured here.")
        candidate = _suggest(data, "smaller" if short else "route", title, assumption,
                             feature, lever)
        if best is None or candidate.monthly_saving > best.monthly_saving:
            best = candidate
    return [best] if best else []


def _cache(data: SwapData, feature: str, model: ModelRef, rows: Rows,
           price: Price) -> list[Suggestion]:
    if price.cached_input is None:
        return []
    requests = float(rows.figure("requests").sum())
    uncached = float(rows.figure("input").sum())
    cached = float(rows.figure("cached_input").sum())
    if requests <= 0 or uncached / requests < CACHE_MIN_INPUT or cached > uncached:
        return []
    share = 1.0 - UNIQUE_TAIL / (uncached / requests)
    lever = Lever("cache", model, round(share, 2), ttl="5m", reads_per_write=10.0)
    return [_suggest(
        data, "cache", f"{feature}: cache the repeated prompt prefix on {model[1]}",
        f"{uncached / requests:,.0f} uncached input tokens per request; assumes all but the "
        f"last {UNIQUE_TAIL:,} are a repeated context, written once per 10 reads "
        "(5-minute cache).", feature, lever)]


def _batch(data: SwapData, feature: str, model: ModelRef, rows: Rows,
           price: Price) -> list[Suggestion]:
    if price.batch is None or not len(rows) or rows.batched.all():
        return []
    night = data.night_share.get(feature, 0.0)
    if night < NIGHT_SHARE:
        return []
    lever = Lever("batch", model, round(night, 2))
    return [_suggest(
        data, "batch", f"{feature}: run {model[1]} through the batch API",
        f"{percent(night)} of its requests arrive between 00:00 and 06:00 UTC, so they can "
        f"wait for a batch (results within 24 hours) at {price.batch:g}× the price.",
        feature, lever)]


def describe_saving(outcome: Outcome) -> str:
    if outcome.before == 0:
        return "No priced usage in this period."
    cur = outcome.currency
    return (f"{money(outcome.monthly_saving, cur)} per month "
            f"({percent(outcome.saving_pct, signed=False)} of "
            f"{money(outcome.before / max(outcome.days, 1) * MONTH_DAYS, cur)})")


def default_scenario(feature: str | None, name: str = "Untitled scenario") -> Scenario:
    return Scenario(name, feature, ())


def compare(data: SwapData, scenarios: Sequence[Scenario]) -> list[Outcome]:
    return [simulate(data, s) for s in scenarios]

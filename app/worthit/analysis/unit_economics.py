"""Unit economics: what one unit of value (a resolved ticket, 1,000 inferences, an active
user) cost, against its target, and why that moved.

A unit's cost is the allocated cost of the features that produce it, plus its share of
named shared pools (split or pool rules). Cost per unit over a span is the ratio of sums
(cost / count), never a mean of daily ratios. A day with cost but no count is a *gap*:
its cost is left out of both sides and the day is flagged, so a missing count never shows
as a free or an infinitely dear unit.

The change in cost per unit between two periods splits exactly into a volume effect (the
old spend spread over the new count) and a cost effect per component (provider and
service, or provider and model):

    u1 - u0 = sum_c (C1_c - C0_c) / N1   +   C0 * (1/N1 - 1/N0)
              cost effects                   volume effect

A unit counted from the traces (active customers, agent runs: :mod:`.trace_units`) counts
the distinct customers (runs) of each span: N of a week, a month or the period is its
distinct customers, not the sum of its days' (the split above holds for any N).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from worthit.analysis.allocation import Allocation, allocate
from worthit.analysis.charge_index import (
    ChargeIndex,
    charge_index,
    convert_amount,
    rates_for,
)
from worthit.analysis.trace_units import DistinctCounts, distinct_counts
from worthit.core.money import percent, unit_money
from worthit.core.periods import GRANULARITIES, Period
from worthit.core.plural import plural
from worthit.core.units import Unit
from worthit.store.cache import Cache
from worthit.store.rules import load_rules
from worthit.store.units import daily_counts, load_units

#: A change in cost per unit smaller than this share of it reads as "steady".
STEADY: Final = 0.02


@dataclass(frozen=True, slots=True)
class Bucket:
    start: dt.date
    end: dt.date
    cost: float  # on counted days
    count: float
    gap_days: int  # days with cost but no count, left out
    gap_cost: float

    @property
    def unit_cost(self) -> float | None:
        return None if self.count <= 0 else self.cost / self.count


@dataclass(frozen=True, slots=True)
class Driver:
    """One component's part in the change of cost per unit."""

    component: str
    cost: float  # current period, counted days
    previous_cost: float
    per_unit: float | None  # C1_c / N1
    previous_per_unit: float | None  # C0_c / N0
    cost_effect: float | None  # (C1_c - C0_c) / N1
    volume_effect: float | None  # C0_c * (1/N1 - 1/N0)

    @property
    def effect(self) -> float | None:
        if self.cost_effect is None or self.volume_effect is None:
            return None
        return self.cost_effect + self.volume_effect


@dataclass(frozen=True, slots=True)
class FeatureLine:
    feature: str  # a feature, or "Pool: <rule>" for a shared pool share
    cost: float
    previous_cost: float
    per_unit: float | None
    previous_per_unit: float | None
    verdict: str


@dataclass(frozen=True)
class UnitEconomics:
    unit: Unit
    period: Period
    previous: Period
    granularity: str
    cost: float  # counted days of the period
    count: float
    previous_cost: float
    previous_count: float
    buckets: list[Bucket]
    gaps: list[dt.date]  # days of the period with cost but no count
    gap_cost: float
    previous_gaps: int
    drivers: list[Driver]  # largest absolute effect first
    features: list[FeatureLine]
    verdict: str
    tone: str | None  # "good", "bad" or None
    previous_complete: bool = True
    components: list[str] = field(default_factory=list)
    daily: list[Bucket] = field(default_factory=list)  # one bucket per day of the period
    #: The unit as defined, when its target and revenue were converted to the figures'
    #: currency (``unit`` then holds them converted); None when ``unit`` is as defined.
    given: Unit | None = None
    #: How the unit's amounts were converted ('' when they were not).
    conversion: str = ""
    #: A unit counted from the traces: its distinct customers (runs) per day, which count
    #: any span; None for entered counts.
    distinct: DistinctCounts | None = None

    def at(self, granularity: str) -> UnitEconomics:
        """The same figures with the series regrouped (no recomputation)."""
        return dataclasses.replace(self, granularity=granularity,
                                   buckets=regroup(self.daily, granularity, self.distinct))

    @property
    def unit_cost(self) -> float | None:
        return None if self.count <= 0 else self.cost / self.count

    @property
    def previous_unit_cost(self) -> float | None:
        return None if self.previous_count <= 0 else self.previous_cost / self.previous_count

    @property
    def change(self) -> float | None:
        now, before = self.unit_cost, self.previous_unit_cost
        return None if now is None or before is None else now - before

    @property
    def volume_effect(self) -> float | None:
        if self.count <= 0 or self.previous_count <= 0:
            return None
        return self.previous_cost * (1 / self.count - 1 / self.previous_count)

    @property
    def margin(self) -> float | None:
        revenue, cost = self.unit.revenue_per_unit, self.unit_cost
        return None if revenue is None or cost is None else revenue - cost

    @property
    def gross_margin(self) -> float | None:
        revenue, margin = self.unit.revenue_per_unit, self.margin
        return None if margin is None or not revenue else margin / revenue

    @property
    def on_target(self) -> bool | None:
        target, cost = self.unit.target_cost, self.unit_cost
        return None if target is None or cost is None else cost <= target

    def misses(self) -> list[Bucket]:
        target = self.unit.target_cost
        return [b for b in self.buckets if target is not None and b.unit_cost is not None
                and b.unit_cost > target]

    def to_json(self) -> dict[str, Any]:
        def r(value: float | None, digits: int = 6) -> float | None:
            return None if value is None else round(value, digits)

        u = self.unit
        return {
            "unit": u.unit_id, "name": u.name, "counts": u.counts_what,
            "derived": u.derived,
            "features": list(u.features), "shared_pools": u.shared_pools,
            "currency": u.currency,
            "target_cost": u.target_cost, "revenue_per_unit": u.revenue_per_unit,
            "given": None if self.given is None else {
                "currency": self.given.currency, "target_cost": self.given.target_cost,
                "revenue_per_unit": self.given.revenue_per_unit},
            "conversion": self.conversion or None,
            "cost": round(self.cost, 2), "count": self.count,
            "unit_cost": r(self.unit_cost),
            "previous": {"cost": round(self.previous_cost, 2), "count": self.previous_count,
                         "unit_cost": r(self.previous_unit_cost),
                         "complete": self.previous_complete, "gap_days": self.previous_gaps},
            "change": r(self.change), "volume_effect": r(self.volume_effect),
            "on_target": self.on_target, "margin": r(self.margin),
            "gross_margin": r(self.gross_margin, 4),
            "verdict": self.verdict,
            "gaps": {"days": [d.isoformat() for d in self.gaps],
                     "cost_left_out": round(self.gap_cost, 2)},
            "drivers": [{"component": d.component, "per_unit": r(d.per_unit),
                         "previous_per_unit": r(d.previous_per_unit),
                         "cost_effect": r(d.cost_effect), "volume_effect": r(d.volume_effect)}
                        for d in self.drivers],
            "by_feature": [{"feature": f.feature, "cost": round(f.cost, 2),
                            "per_unit": r(f.per_unit), "previous_per_unit": r(f.previous_per_unit),
                            "verdict": f.verdict} for f in self.features],
            "series": {"granularity": self.granularity, "points": [
                {"from": b.start.isoformat(), "to": b.end.isoformat(), "cost": round(b.cost, 2),
                 "count": b.count, "unit_cost": r(b.unit_cost), "gap_days": b.gap_days,
                 "misses_target": u.target_cost is not None and b.unit_cost is not None
                 and b.unit_cost > u.target_cost} for b in self.buckets]},
        }


# -- computing ------------------------------------------------------------------------------


def unit_economics(cache: Cache, period: Period, granularity: str = "day",
                   units: Sequence[Unit] | None = None, *,
                   currency: str | None = None) -> list[UnitEconomics]:
    """Every unit's figures for ``period`` in ``currency`` (default: the display
    currency), a unit's target and revenue converted to it at the rate of the period's
    last day (the page's and the report's entry point)."""
    index = charge_index(cache, currency)
    allocation = allocate(index, load_rules(cache), period)
    chosen = load_units(cache) if units is None else list(units)
    previous = allocation.previous
    found = []
    traced: dict[str, DistinctCounts] = {}
    for unit in chosen:
        shown, note = unit_in(unit, allocation.currency, period.end, index, cache)
        if unit.derived:
            if unit.derived not in traced:
                traced[unit.derived] = distinct_counts(cache, unit.derived, previous.start,
                                                       period.end)
            seen = traced[unit.derived]
            result = economics(shown, allocation, index, granularity,
                               seen.per_day(period.start, period.end),
                               seen.per_day(previous.start, previous.end), distinct=seen)
        else:
            result = economics(shown, allocation, index, granularity,
                               daily_counts(cache, unit.unit_id, period.start, period.end),
                               daily_counts(cache, unit.unit_id, previous.start,
                                            previous.end))
        found.append(result if shown is unit else
                     dataclasses.replace(result, given=unit, conversion=note))
    return found


def unit_in(unit: Unit, currency: str, day: dt.date, index: ChargeIndex,
            cache: Cache) -> tuple[Unit, str]:
    """``unit`` with its target and revenue per unit in ``currency``, at the rate of ``day``
    or the latest before it, and how they were converted; ``unit`` itself when it is in
    ``currency`` already. :class:`~worthit.core.rates.MissingRates` when no rate does."""
    if unit.currency == currency:
        return unit, ""
    amounts = [a for a in (unit.target_cost, unit.revenue_per_unit) if a is not None]
    if not amounts:
        return dataclasses.replace(unit, currency=currency), ""
    rates = rates_for(index, cache)
    target, revenue = (None if a is None else
                       convert_amount(rates, a, unit.currency, currency, day)[0]
                       for a in (unit.target_cost, unit.revenue_per_unit))
    how = convert_amount(rates, amounts[0], unit.currency, currency, day)[1]
    what = " and ".join(name for name, a in (("target", unit.target_cost),
                                             ("revenue per unit", unit.revenue_per_unit))
                        if a is not None)
    return (dataclasses.replace(unit, target_cost=target, revenue_per_unit=revenue,
                                currency=currency),
            f"The unit's {what}, set in {unit.currency}, converted to {currency} at {how}.")


def unit_pieces(unit: Unit, allocation: Allocation) -> pd.DataFrame:
    """The allocation pieces a unit carries, with the fraction it carries (``carried``)
    and a ``line`` naming the feature or pool they come through."""
    pieces = allocation.pieces
    mine = pieces[pieces["feature"].isin(unit.features) & (pieces["team"] != "Unallocated")]
    mine = mine.assign(carried=1.0, line=mine["feature"])
    parts = [mine]
    for rule, share in unit.shared_pools.items():
        pool = pieces[pieces["rule"] == rule]
        parts.append(pool.assign(carried=float(share), line=f"Pool: {rule}"))
    return pd.concat(parts, ignore_index=True)


def economics(unit: Unit, allocation: Allocation, index: ChargeIndex, granularity: str,
              counts: dict[dt.date, float], previous_counts: dict[dt.date, float], *,
              distinct: DistinctCounts | None = None) -> UnitEconomics:
    """A unit's figures from its daily ``counts`` (and the previous period's); with
    ``distinct``, a span's count is its distinct customers (runs), not the sum of its
    days'."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}")
    period, previous = allocation.period, allocation.previous
    pieces = unit_pieces(unit, allocation)
    now = _daily(pieces, index, period, "current")
    before = _daily(pieces, index, previous, "previous")
    days = _days(period)
    counted = np.array([d in counts for d in days])
    count_values = np.array([counts.get(d, 0.0) for d in days])
    cost_by_day = now.sum(axis=1) if now.size else np.zeros(len(days))
    gap = ~counted & (np.abs(cost_by_day) >= 0.005)

    before_days = _days(previous)
    before_counted = np.array([d in previous_counts for d in before_days])
    before_cost_by_day = before.sum(axis=1) if before.size else np.zeros(len(before_days))
    before_gap = ~before_counted & (np.abs(before_cost_by_day) >= 0.005)

    components = sorted(set(pieces["service"])) if len(pieces) else []
    comp_of = {c: i for i, c in enumerate(components)}
    comp_index = np.array([comp_of[c] for c in pieces["service"]], dtype=np.int64)
    now_c = _by_group(now[counted], comp_index, len(components))
    before_c = _by_group(before[before_counted], comp_index, len(components))
    n1 = float(count_values[counted].sum()) if distinct is None else \
        distinct.over(period.start, period.end)
    n0 = float(sum(previous_counts.values())) if distinct is None else \
        distinct.over(previous.start, previous.end)
    c0_total = float(before_c.sum())
    drivers = []
    for c, name in enumerate(components):
        c1, c0 = float(now_c[c]), float(before_c[c])
        drivers.append(Driver(
            name, c1, c0, None if n1 <= 0 else c1 / n1, None if n0 <= 0 else c0 / n0,
            None if n1 <= 0 or n0 <= 0 else (c1 - c0) / n1,
            None if n1 <= 0 or n0 <= 0 else c0 * (1 / n1 - 1 / n0)))
    drivers.sort(key=lambda d: -abs(d.effect or 0.0))

    lines = sorted(set(pieces["line"])) if len(pieces) else []
    line_of = {name: i for i, name in enumerate(lines)}
    line_index = np.array([line_of[x] for x in pieces["line"]], dtype=np.int64)
    now_l = _by_group(now[counted], line_index, len(lines))
    before_l = _by_group(before[before_counted], line_index, len(lines))

    daily = [Bucket(d, d, float(c) if k else 0.0, float(n) if k else 0.0, int(g),
                    float(c) if g else 0.0)
             for d, c, n, k, g in zip(days, cost_by_day, count_values, counted, gap,
                                      strict=True)]
    first = index.first_day
    result = UnitEconomics(
        unit=unit, period=period, previous=previous, granularity=granularity,
        cost=float(cost_by_day[counted].sum()), count=n1,
        previous_cost=c0_total, previous_count=n0,
        buckets=regroup(daily, granularity, distinct), daily=daily,
        gaps=[d for d, g in zip(days, gap, strict=True) if g],
        gap_cost=float(cost_by_day[gap].sum()), previous_gaps=int(before_gap.sum()),
        drivers=drivers, features=[], verdict="", tone=None,
        previous_complete=first is not None and previous.start >= first,
        components=components, distinct=distinct,
    )
    features = [
        FeatureLine(name, float(now_l[i]), float(before_l[i]),
                    None if n1 <= 0 else float(now_l[i]) / n1,
                    None if n0 <= 0 else float(before_l[i]) / n0, "")
        for i, name in enumerate(lines)
    ]
    features.sort(key=lambda f: -f.cost)
    verdict, tone = _verdict(result)
    features = [FeatureLine(f.feature, f.cost, f.previous_cost, f.per_unit,
                            f.previous_per_unit, _feature_verdict(f, result, features))
                for f in features]
    return dataclasses.replace(result, features=features, verdict=verdict, tone=tone)


def _days(period: Period) -> list[dt.date]:
    return [period.start + dt.timedelta(days=i) for i in range(period.days)]


def _daily(pieces: pd.DataFrame, index: ChargeIndex, period: Period,
           column: str) -> np.ndarray:
    """Days × pieces: each piece's cost per day, its share of its key's daily cost (the
    share, not the piece over the key's total, which a refund can net to zero)."""
    if not len(pieces):
        return np.zeros((period.days, 0))
    # Only the pieces' keys: keys × days of every key (36,010 × 90 at 10 M charges) took
    # 50 ms, six times a page.
    keys, piece_key = np.unique(pieces["position"].to_numpy(), return_inverse=True)
    group = np.full(len(index.keys), -1, np.int64)
    group[keys] = np.arange(len(keys))
    per_day = index.remember(("unit keys' days", period.start, period.end, keys.tobytes()),
                             lambda: _read_only(index.group_cost_days(
                                 period.start, period.end, group, len(keys))))
    rows = per_day[piece_key]  # pieces × days
    share = "share" if column == "current" else "previous_share"
    fraction = pieces[share].to_numpy(dtype=float) * pieces["carried"].to_numpy(dtype=float)
    daily: np.ndarray = (rows * fraction[:, None]).T
    return daily


def _read_only(days: np.ndarray) -> np.ndarray:
    """The keys' days, remembered per index: the Units page and the model swap's units
    (Swap, Leaks) ask for the same keys' (10 M charges, 90 days: 25 ms a unit and period)."""
    days.flags.writeable = False
    return days


def _by_group(daily: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Sum over days, then over the pieces of each group."""
    if not groups:
        return np.zeros(0)
    return np.bincount(group, weights=daily.sum(axis=0), minlength=groups)


def _bucket_start(day: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def regroup(daily: Sequence[Bucket], granularity: str,
            distinct: DistinctCounts | None = None) -> list[Bucket]:
    """Days merged into weeks (Monday first) or calendar months, clipped to the period;
    each keeps the ratio of its sums. With ``distinct``, a merged bucket's count is the
    distinct customers (runs) of its days, not the sum of theirs."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}")
    out: list[Bucket] = []
    for day in daily:
        if out and _bucket_start(day.start, granularity) == _bucket_start(out[-1].start,
                                                                          granularity):
            last = out[-1]
            out[-1] = Bucket(last.start, day.end, last.cost + day.cost, last.count + day.count,
                             last.gap_days + day.gap_days, last.gap_cost + day.gap_cost)
        else:
            out.append(day)
    if distinct is not None and granularity != "day":
        out = [dataclasses.replace(b, count=distinct.over(b.start, b.end)) if b.count else b
               for b in out]
    return out


# -- plain words ----------------------------------------------------------------------------


def _verdict(e: UnitEconomics) -> tuple[str, str | None]:
    u, cur = e.unit, e.unit.currency
    cost = e.unit_cost
    what = u.name.lower()
    if cost is None:
        if u.derived:
            return (f"No {u.counts_what} in this period: import request traces to see the "
                    f"cost per {what}.", None)
        return (f"No {u.counts_what} counted in this period: import counts to see the cost "
                f"per {what}.", None)
    verb = "is" if len(e.gaps) == 1 else "are"
    gaps = (f" {plural(len(e.gaps), 'day')} without counts {verb} left out."
            if e.gaps else "")
    per = f"{unit_money(cost, cur)} per {what}"
    if u.target_cost is None:
        return f"{per}; no target set.{gaps}", None
    target = unit_money(u.target_cost, cur)
    margin = ""
    if e.margin is not None:
        margin = (f" Margin {unit_money(e.margin, cur)} per {what} "
                  f"({percent(e.gross_margin)}).")
    if cost <= u.target_cost:
        return f"On target: {per} against {target}.{margin} Grow it.{gaps}", "good"
    over = cost / u.target_cost - 1
    driver = _largest_driver(e)
    return (f"Missing the target: {per} against {target} ({percent(over, signed=True)})."
            f"{margin}{driver}{gaps}", "bad")


def _largest_driver(e: UnitEconomics) -> str:
    """What to look at first: the largest rise against the previous period when the cost
    per unit rose; otherwise (the miss is not new) the largest part of the cost."""
    cur = e.unit.currency
    candidates: list[tuple[float, str]] = [
        (d.cost_effect, f"{d.component} (cost {_signed(d.cost_effect, cur)} per unit)")
        for d in e.drivers if d.cost_effect is not None
    ]
    if e.volume_effect is not None and e.previous_count > 0:
        change = e.count / e.previous_count - 1
        candidates.append((e.volume_effect, f"volume ({percent(change, signed=True)} "
                                             f"{e.unit.counts_what}, "
                                             f"{_signed(e.volume_effect, cur)} per unit)"))
    rising = [c for c in candidates if c[0] > 0]
    if e.change is not None and e.change > 0 and rising:
        return f" Largest driver against the previous period: {max(rising)[1]}."
    parts = [d for d in e.drivers if d.per_unit is not None]
    if not parts or e.unit_cost is None:
        return ""
    biggest = max(parts, key=lambda d: d.per_unit or 0.0)
    return (f" The largest part is {biggest.component}: "
            f"{unit_money(biggest.per_unit or 0.0, cur)} of {unit_money(e.unit_cost, cur)}.")


def _signed(value: float, currency: str) -> str:
    return unit_money(value, currency, signed=True)


def _feature_verdict(line: FeatureLine, e: UnitEconomics, lines: list[FeatureLine]) -> str:
    now, before = line.per_unit, line.previous_per_unit
    if now is None:
        return "no counts"
    if before is None or before == 0:
        return "new" if line.cost else "no cost"
    change = now / before - 1
    rises = [x for x in lines if x.per_unit is not None and x.previous_per_unit is not None]
    largest = max(rises, key=lambda x: (x.per_unit or 0) - (x.previous_per_unit or 0),
                  default=None)
    if e.on_target is False and largest is line and change > STEADY:
        return f"drives the miss {percent(change, signed=True)}"
    if abs(change) <= STEADY:
        return "steady"
    return f"{'rising' if change > 0 else 'falling'} {percent(change, signed=True)}"

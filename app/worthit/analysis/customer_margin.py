"""Each customer's AI cost set against its revenue, for the Customers page.

The cost is :class:`~worthit.analysis.customers.CustomerCosts`' (allocated from the bill);
the revenue is what ``worthit customers import`` kept per customer and month. A month's
revenue counts for the period in proportion to its days: a period holding 10 of
September's 30 days counts a third of September's revenue (:data:`PRORATED`). Revenue in
another currency is converted to the figures' at the workspace's rate of the last day of
the period within that month (or the latest before it); revenue no rate converts is named
and never summed as it is, and its customer gets no share nor margin.

A month whose revenue is kept counts a customer it does not name as earning nothing that
month (an import replaces whole months); a month without any revenue kept is unknown, and
then share and margin set the revenue against the AI cost of the days that have revenue
only (:attr:`CustomerMargin.compared_cost`), so a partial month never inflates a share.

AI cost as a share of revenue above the workspace's threshold (:func:`threshold`,
default 50 %) puts a customer first, the biggest loss first. Not traced is always the
last row, so the cost column adds up to the AI bill.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from worthit.analysis.customers import BASIS, NOT_TRACED, CustomerCosts
from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.pricing.catalog import TOKEN_KINDS
from worthit.store.cache import Cache
from worthit.store.revenue import Revenue, load_revenue

if TYPE_CHECKING:
    from worthit.core.rates import RateTable

THRESHOLD_KEY: Final = "customers.threshold"
DEFAULT_THRESHOLD: Final = 0.5
#: How a month's revenue meets a period, in words (the page says it, with the period's
#: own months: :func:`prorated`).
PRORATED: Final = "A month's revenue counts for the period's days in that month over the " \
                  "month's days"


def prorated(period: Period) -> str:
    """:data:`PRORATED`, said of the period's months: ``...: 26 of November's 30 days, 4
    of December's 31``; a whole month counts whole."""
    parts = [f"{days} of {dt.date.fromisoformat(f'{month}-01'):%B}'s {length}"
             + (" days" if n == 0 else "")
             for n, (month, days, length, _last) in enumerate(months_of(period))
             if days < length]
    return PRORATED + (f": {', '.join(parts)}." if parts else
                       "; the period's months are whole, and count whole.")
#: The drill-down's groupings.
DRILL: Final = ("feature", "model", "day")
#: What each money column of the Customers page is.
MONEY_BASIS: Final = {"cost": BASIS["cost"], "estimate": BASIS["estimate"],
                      "revenue": "revenue (imported, prorated)",
                      "margin": "revenue − cost allocated from the bill"}
NONE_CUSTOMER: Final = "(none)"


# -- the threshold -----------------------------------------------------------------------------


def threshold(cache: Cache) -> float:
    """The share of revenue above which a customer's AI cost puts it first (meta key
    :data:`THRESHOLD_KEY`; :data:`DEFAULT_THRESHOLD` when unset or unreadable)."""
    value = cache.get_meta(THRESHOLD_KEY)
    try:
        share = float(value) if value else DEFAULT_THRESHOLD
    except ValueError:
        return DEFAULT_THRESHOLD
    return share if math.isfinite(share) and share > 0 else DEFAULT_THRESHOLD


def set_threshold(cache: Cache, share: float | None) -> float:
    """Keep ``share`` (0.5 for 50 %) as the threshold; None goes back to the default.
    Returns the threshold then."""
    if share is None:
        from worthit.store.meta import delete_meta

        delete_meta(cache, THRESHOLD_KEY)
        return DEFAULT_THRESHOLD
    if not math.isfinite(share) or share <= 0:
        raise UserError(f"A threshold of {share:.0%} of revenue flags nobody or everybody: "
                        "enter a share above 0 %, such as 50 %.")
    cache.set_meta({THRESHOLD_KEY: repr(float(share))})
    return float(share)


# -- the figures -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unconverted:
    """A customer's revenue for a month in a currency no rate converts: named, not summed."""

    customer: str
    month: str
    revenue: float
    currency: str
    to: str

    def __str__(self) -> str:
        return (f"{self.customer} {self.month}: {self.revenue:,.2f} {self.currency} "
                f"(no {self.currency}→{self.to} rate on or before the month's end in the "
                "period)")


@dataclass(frozen=True, slots=True)
class CustomerMargin:
    """One row of the Customers page, money in the figures' currency."""

    customer: str
    #: Allocated from the bill, for the whole period.
    cost: float
    #: The traces at list price (None: unpriced, or not traced).
    estimate: float | None
    requests: float
    tokens: float
    #: Prorated to the period (None: no revenue kept for the period, or not convertible).
    revenue: float | None
    #: The AI cost of the days whose month has revenue kept: what revenue is set against.
    compared_cost: float
    #: compared_cost / revenue (None: no revenue, or revenue 0).
    share: float | None
    #: revenue − compared_cost (None: no revenue).
    margin: float | None
    over: bool
    note: str = ""

    @property
    def not_traced(self) -> bool:
        return self.customer == NOT_TRACED

    def to_json(self) -> dict[str, Any]:
        def cents(v: float | None) -> float | None:
            return None if v is None else round(v, 2)
        return {"customer": self.customer, "cost": cents(self.cost),
                "estimate": cents(self.estimate), "requests": round(self.requests),
                "tokens": round(self.tokens), "revenue": cents(self.revenue),
                "compared_cost": cents(self.compared_cost),
                "share": None if self.share is None else round(self.share, 4),
                "margin": cents(self.margin), "over_threshold": self.over,
                **({"note": self.note} if self.note else {})}


@dataclass(frozen=True)
class CustomerMargins:
    """The period's customers: cost, revenue, share and margin; and what went into them."""

    costs: CustomerCosts
    threshold: float
    #: Over the threshold first (smallest margin first), then by cost; Not traced last.
    rows: list[CustomerMargin]
    #: The months the period touches, and those of them with revenue kept.
    months: tuple[str, ...] = ()
    revenue_months: tuple[str, ...] = ()
    #: The period's days in months with revenue kept.
    revenue_days: int = 0
    unconverted: list[Unconverted] = field(default_factory=list)
    #: How revenue in other currencies was converted, one line per currency and month.
    conversions: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.costs.period

    @property
    def currency(self) -> str:
        return self.costs.currency

    @property
    def billed(self) -> float:
        return self.costs.billed

    @property
    def not_traced(self) -> float:
        return self.costs.not_traced

    @property
    def traced_share(self) -> float | None:
        """The share of the AI bill allocated to traces (None: no AI bill)."""
        billed = self.billed
        return None if abs(billed) < 1e-9 else (billed - self.not_traced) / billed

    @property
    def customers(self) -> list[CustomerMargin]:
        """The rows without Not traced."""
        return [r for r in self.rows if not r.not_traced]

    @property
    def over(self) -> list[CustomerMargin]:
        return [r for r in self.rows if r.over]

    @property
    def has_revenue(self) -> bool:
        return bool(self.revenue_months)

    @property
    def missing_months(self) -> tuple[str, ...]:
        return tuple(m for m in self.months if m not in self.revenue_months)

    def revenue_notes(self) -> list[str]:
        """What the revenue is and where it falls short, in words."""
        if not self.has_revenue:
            return ["No revenue kept for " + ", ".join(self.months) + ": import it with "
                    "`worthit customers import FILE` (month,customer,revenue[,currency]) to "
                    "see each customer's AI cost as a share of revenue, and its margin."]
        notes = [prorated(self.period)]
        if self.missing_months:
            notes.append(
                f"No revenue kept for {', '.join(self.missing_months)}: revenue covers "
                f"{self.revenue_days} of the period's {self.period.days} days, and share "
                "and margin set it against the AI cost of those days only.")
        notes += [f"Revenue converted {c}." for c in self.conversions]
        return notes

    def unconverted_note(self) -> str | None:
        """The revenue no rate converts, named (None: all of it converted)."""
        if not self.unconverted:
            return None
        return ("Revenue not converted, so not summed and its customers have no share nor "
                "margin: " + "; ".join(map(str, self.unconverted))
                + ". Import rates with `worthit rates import FILE`.")

    def warnings(self) -> list[str]:
        """The tie's warnings (over tolerance, unpriced, unbilled) and revenue not
        converted."""
        unconverted = self.unconverted_note()
        return [*self.costs.warnings, *([unconverted] if unconverted else [])]

    def drill(self, customer: str, by: str) -> pd.DataFrame:
        """One customer's cost (allocated from the bill), list-price estimate, requests
        and tokens per ``by`` (one of :data:`DRILL`), costliest first (by day: in day
        order). Not traced has no features; by model and day it is the bill the traces
        did not cover."""
        if by not in DRILL:
            raise ValueError(f"cannot drill down by {by!r}")
        columns = [by, "cost", "estimate", "requests", "tokens"]
        if customer == NOT_TRACED:
            frame = self.costs.models
            if frame.empty or by == "feature":
                rest = [{by: "(not traced)", "cost": self.not_traced}] if not frame.empty \
                    else []
                return pd.DataFrame(rest, columns=columns)
            grouped = frame.groupby(by, as_index=False)[["not_traced"]].sum().rename(
                columns={"not_traced": "cost"})
            grouped = grouped[grouped["cost"].abs() >= 5e-7]
            out = grouped.reindex(columns=columns)
        else:
            rows = self.costs.rows
            name = "" if customer == NONE_CUSTOMER else customer
            rows = rows[rows["customer"] == name] if len(rows) else rows
            if rows.empty:
                return pd.DataFrame(columns=columns)
            rows = rows.assign(tokens=rows[list(TOKEN_KINDS)].sum(axis=1))
            out = rows.groupby(by, as_index=False)[["cost", "estimate", "requests",
                                                    "tokens"]].sum(min_count=1)
            if by == "feature":
                out["feature"] = out["feature"].replace("", "(none)")
        order = ([by], [True]) if by == "day" else (["cost", by], [False, True])
        found: pd.DataFrame = out.sort_values(order[0], ascending=order[1])
        return found.reset_index(drop=True)

    def to_json(self) -> dict[str, Any]:
        """The page's JSON: totals, each row, the model gaps, the warnings and notes."""
        gaps = self.costs.gaps()
        share = self.traced_share
        return {
            "period": {"start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat()},
            "currency": self.currency, "threshold": self.threshold,
            "basis": dict(MONEY_BASIS), "ai_bill": round(self.billed, 2),
            "allocated": round(self.billed - self.not_traced, 2),
            "not_traced": round(self.not_traced, 2),
            "traced_share": None if share is None else round(share, 4),
            "revenue_months": list(self.revenue_months),
            "revenue_days": self.revenue_days,
            "customers": [r.to_json() for r in self.rows],
            "over_threshold": [r.customer for r in self.over],
            "gaps": [{"provider": str(g["provider"]), "model": str(g["model"]),
                      "billed": round(float(g["billed"]), 2),
                      "bill_estimate": _rounded(g["bill_estimate"]),
                      "traced_estimate": _rounded(g["traced_estimate"]),
                      "gap": _rounded(g["gap"])} for _, g in gaps.iterrows()],
            "warnings": self.warnings(),
            "unconverted": [{"customer": u.customer, "month": u.month,
                             "revenue": u.revenue, "currency": u.currency}
                            for u in self.unconverted],
            "notes": self.revenue_notes(),
        }


def _rounded(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else round(number, 2)


def months_of(period: Period) -> list[tuple[str, int, int, dt.date]]:
    """Each calendar month the period touches: ``YYYY-MM``, the period's days in it, the
    month's days, and the period's last day in it."""
    out = []
    day = period.start
    while day <= period.end:
        length = calendar.monthrange(day.year, day.month)[1]
        last = min(period.end, day.replace(day=length))
        out.append((f"{day.year:04d}-{day.month:02d}", (last - day).days + 1, length, last))
        day = last + dt.timedelta(days=1)
    return out


def margins(costs: CustomerCosts, revenue: Sequence[Revenue], rates: RateTable | None,
            share_threshold: float = DEFAULT_THRESHOLD) -> CustomerMargins:
    """Set ``costs`` against ``revenue`` (any months: those outside the period are left
    out), converted to the costs' currency with ``rates`` (None: no rates)."""
    to = costs.currency
    months = months_of(costs.period)
    fraction = {m: (inside / length, last) for m, inside, length, last in months}
    kept = sorted({r.month for r in revenue if r.month in fraction})
    revenue_of: dict[str, float] = {}
    unconverted: list[Unconverted] = []
    conversions: dict[tuple[str, str], str] = {}
    for r in revenue:
        if r.month not in fraction:
            continue
        part, last = fraction[r.month]
        amount = r.revenue * part
        if r.currency != to:
            quote = None if rates is None else rates.quote(r.currency, to, last)
            if quote is None:
                unconverted.append(Unconverted(r.customer, r.month, r.revenue, r.currency, to))
                continue
            amount *= quote.rate
            conversions[(r.currency, r.month)] = f"{r.currency}→{to} for {r.month} at {quote}"
        revenue_of[r.customer] = revenue_of.get(r.customer, 0.0) + amount
    lacking = {u.customer for u in unconverted}
    rows = costs.rows
    kept_days = {d for d in _days(costs.period) if f"{d.year:04d}-{d.month:02d}" in kept}
    compared: dict[str, float] = {}
    if len(rows):
        in_kept = rows[rows["day"].isin(kept_days)]
        compared = {str(c): float(v)
                    for c, v in in_kept.groupby("customer")["cost"].sum().items()}
    table = costs.by("customer")
    traced = table[table["customer"] != NOT_TRACED]
    out: list[CustomerMargin] = []
    seen = set()
    for _, t in traced.iterrows():
        name = str(t["customer"])
        seen.add(name)
        key = "" if name == NONE_CUSTOMER else name
        tokens = float(sum(float(t[k]) for k in TOKEN_KINDS))
        estimate = None if pd.isna(t["estimate"]) else float(t["estimate"])
        out.append(_row(name, float(t["cost"]), estimate, float(t["requests"]), tokens,
                        revenue_of, compared.get(key, 0.0), bool(kept), name in lacking,
                        share_threshold))
    for name in sorted((set(revenue_of) | lacking) - seen):
        out.append(_row(name, 0.0, None, 0.0, 0.0, revenue_of, 0.0, bool(kept),
                        name in lacking, share_threshold))
    out.sort(key=_order)
    out.append(CustomerMargin(NOT_TRACED, costs.not_traced, None, 0.0, 0.0, None,
                              costs.not_traced, None, None, False,
                              "the bill the traces do not cover"))
    kept_count = sum(inside for m, inside, _, _ in months if m in kept)
    return CustomerMargins(costs, share_threshold, out, tuple(m for m, *_ in months),
                           tuple(kept), kept_count, unconverted,
                           [conversions[k] for k in sorted(conversions)])


def _days(period: Period) -> list[dt.date]:
    return [period.start + dt.timedelta(days=n) for n in range(period.days)]


def _row(name: str, cost: float, estimate: float | None, requests: float, tokens: float,
         revenue_of: dict[str, float], compared: float, kept: bool, lacking: bool,
         share_threshold: float) -> CustomerMargin:
    """A customer's row: revenue is None without revenue kept in the period or with
    some of it not convertible, else what was kept (0 for a customer no month names)."""
    if not kept or lacking or name == NONE_CUSTOMER:
        note = ("revenue in a currency without a rate" if lacking
                else "traces that name no customer" if name == NONE_CUSTOMER else "")
        return CustomerMargin(name, cost, estimate, requests, tokens, None, compared, None,
                              None, False, note)
    revenue = revenue_of.get(name, 0.0)
    share = compared / revenue if revenue > 0 else None
    over = compared > share_threshold * revenue and compared > 0
    note = "" if name in revenue_of else "no revenue kept for this customer"
    return CustomerMargin(name, cost, estimate, requests, tokens, revenue, compared, share,
                          revenue - compared, over, note)


def _order(row: CustomerMargin) -> tuple[int, float, float, str]:
    """Over the threshold first, the smallest margin (the biggest loss) first; then the
    costliest first."""
    if row.over:
        return (0, row.margin if row.margin is not None else -row.cost, -row.cost,
                row.customer)
    return (1, 0.0, -row.cost, row.customer)


def customer_margins(cache: Cache, period: Period, *, costs: CustomerCosts | None = None,
                     currency: str | None = None,
                     share_threshold: float | None = None) -> CustomerMargins:
    """The period's customers from a cache: ``costs`` (default: :func:`customer_costs` in
    ``currency``) against the revenue kept, converted with the workspace's rates, flagged
    at the workspace's threshold unless ``share_threshold`` is given."""
    if costs is None:
        from worthit.analysis.customers import customer_costs

        costs = customer_costs(cache, period, currency=currency)
    months = months_of(period)
    revenue = load_revenue(cache, months[0][0], months[-1][0])
    rates = None
    if any(r.currency != costs.currency for r in revenue):
        from worthit.analysis.charge_index import charge_index, rates_for

        rates = rates_for(charge_index(cache, costs.currency), cache)
    return margins(costs, revenue, rates,
                   threshold(cache) if share_threshold is None else share_threshold)

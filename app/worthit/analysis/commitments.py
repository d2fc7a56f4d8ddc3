"""Commitments (savings plans, reservations, ...) used or wasted: for a period and each
day, what each commitment committed, what of it covered usage (used) and what was paid for
nothing (unused), what it saved against on-demand prices, whose usage it covers, when it
ends, and how much of the usage it could cover it does cover.

Everything is read from what the bills state (FOCUS's definitions, which AWS's CUR and
Azure's exports map onto, :mod:`worthit.sources`): a commitment's used amount is the
effective cost of the usage it covered (CommitmentDiscountStatus Used), its unused amount
the effective cost of its unused rows (Unused: FOCUS's unused rows, a CUR's recurring fee
lines, an Azure export's UnusedReservation rows), and committed = used + unused, exactly.
A CUR states a reservation's unused fee once a month: its daily unused amounts are that
fee spread over the hours the reservation ran that month, and say they are derived.

A commitment is billed in one currency; its figures are shown in the workspace's display
currency, each day's at that day's rate (:func:`in_currency`), as every page's are."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from worthit.core import commitments as terms_of
from worthit.core.commitments import (
    PROVISIONED_TYPE,
    active_hours,
    instance_family,
    kind_of,
    parse_time,
    provisioned_id,
)
from worthit.core.days import day_number
from worthit.core.money import percent
from worthit.core.periods import Period
from worthit.core.rates import MissingRate, MissingRates, RateTable
from worthit.core.rules import UNALLOCATED
from worthit.store.cache import Cache
from worthit.store.commitments import (
    commitment_days,
    commitment_discount,
    commitment_discount_source,
    commitment_keys,
    covered_keys,
    hourly_invocations,
    provisioned_days,
    stated_commitments,
)
from worthit.store.days import date_of
from worthit.store.display import display_currency

if TYPE_CHECKING:
    from worthit.analysis.allocation import Allocation
    from worthit.analysis.charge_index import ChargeIndex

#: The horizons "ending soon" is told in, nearest first.
HORIZONS: Final = (30, 60, 90)
#: Why a saving or a coverage is not given.
NO_ON_DEMAND: Final = ("the bill states no on-demand (list) price for some of the usage it "
                       "covers, so what it saved is not known")
DERIVED: Final = ("derived: the bill states this reservation's unused fee once a month; each "
                  "day's share is the month's spread over the hours it ran that day")
#: Why a provisioned throughput's utilisation is not given (Bedrock bills it by the hour in
#: the CUR and publishes no use of it there).
UNSTATED: Final = ("utilisation not stated by the bill: the CUR bills provisioned throughput "
                   "by the model-unit hour, used or not, and says nothing of its use; "
                   "CloudWatch's hourly invocations of the provisioned model would")
#: How its use is read where CloudWatch's hourly invocations are in the cache.
FROM_INVOCATIONS: Final = ("derived from CloudWatch: an hour with an invocation of the "
                           "provisioned model counts as used, an hour without one as idle")

_TERMS: Final = {"1yr": "1 year", "3yr": "3 years", "p1y": "1 year", "p3y": "3 years",
                 "p1m": "1 month", "p5y": "5 years", "oneyear": "1 year",
                 "threeyears": "3 years"}
_OFFERINGS: Final = {"computesavingsplans": "Compute", "ec2instancesavingsplans": "EC2 instance",
                     "sagemakersavingsplans": "SageMaker"}


@dataclass(frozen=True, slots=True)
class CommitmentDay:
    """One day of one commitment: ``used + unused`` is what it committed that day."""

    day: dt.date
    used: float
    unused: float
    #: The unused amount is a monthly fee spread over the month (:data:`DERIVED`).
    derived: bool = False
    #: What it committed that day whose use the bill does not state (:data:`UNSTATED`).
    unstated: float = 0.0

    @property
    def committed(self) -> float:
        return self.used + self.unused + self.unstated

    @property
    def utilisation(self) -> float | None:
        """Used ÷ committed (None on a day that committed nothing, or whose use is not
        stated)."""
        committed = self.committed
        return None if committed == 0 or self.unstated else self.used / committed


@dataclass(frozen=True)
class Commitment:
    """One commitment over the period: what the bills state about it and what it did."""

    commitment_id: str
    kind: str
    category: str | None  # Spend | Usage
    provider: str | None
    name: str | None
    currency: str
    covers: str  # what it covers, in words (offering, family, region or services)
    term: str | None
    start: dt.datetime | None
    end: dt.datetime | None
    payment_option: str | None
    hourly_commitment: float | None
    monthly_commitment: float | None
    days: tuple[CommitmentDay, ...]
    used: float
    unused: float
    #: What its covered usage would have cost on demand (None: the bill does not say).
    on_demand: float | None
    owner: str  # the team whose usage it covers most, or Unallocated
    owner_share: float | None  # of its covered usage, the owner's
    days_to_end: int | None  # from the day the figures are as of; negative once ended
    services: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    #: What it committed whose use the bill does not state (:data:`UNSTATED`).
    unstated: float = 0.0

    @property
    def committed(self) -> float:
        return self.used + self.unused + self.unstated

    @property
    def utilisation(self) -> float | None:
        """Used ÷ committed over the period (None when it committed nothing, or when the
        bill does not state the use of some of it)."""
        if self.committed == 0 or self.unstated:
            return None
        return self.used / self.committed

    @property
    def saving(self) -> float | None:
        """What it saved against on-demand prices: the on-demand cost of the usage it
        covered, less that usage's amortised cost and less what went unused."""
        return None if self.on_demand is None else self.on_demand - self.used - self.unused

    @property
    def derived(self) -> bool:
        return any(d.derived for d in self.days)

    @property
    def ending_within(self) -> int | None:
        """The nearest of :data:`HORIZONS` it ends within (None: later, never or ended)."""
        if self.days_to_end is None or self.days_to_end < 0:
            return None
        return next((h for h in HORIZONS if self.days_to_end <= h), None)

    def to_json(self) -> dict[str, Any]:
        def r(value: float | None, places: int = 2) -> float | None:
            return None if value is None else round(value, places)

        return {
            "id": self.commitment_id, "kind": self.kind, "category": self.category,
            "provider": self.provider, "name": self.name, "currency": self.currency,
            "covers": self.covers, "term": self.term,
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "payment_option": self.payment_option,
            "hourly_commitment": r(self.hourly_commitment, 6),
            "monthly_commitment": r(self.monthly_commitment),
            "committed": r(self.committed), "used": r(self.used), "unused": r(self.unused),
            "unstated": r(self.unstated),
            "utilisation": r(self.utilisation, 4), "on_demand": r(self.on_demand),
            "saving": r(self.saving), "owner": self.owner, "owner_share": r(self.owner_share, 4),
            "days_to_end": self.days_to_end, "ending_within": self.ending_within,
            "derived": self.derived, "notes": list(self.notes),
            "days": [{"day": d.day.isoformat(), "committed": round(d.committed, 6),
                      "used": round(d.used, 6), "unused": round(d.unused, 6),
                      "unstated": round(d.unstated, 6),
                      "utilisation": r(d.utilisation, 4), "derived": d.derived}
                     for d in self.days],
        }


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of a service's (and instance family's) usage a commitment covered, at
    on-demand prices: covered ÷ eligible (None where the bill states no on-demand price)."""

    provider: str | None
    service: str
    family: str | None
    currency: str
    covered: float | None
    eligible: float | None

    @property
    def coverage(self) -> float | None:
        if self.covered is None or self.eligible is None or self.eligible == 0:
            return None
        return self.covered / self.eligible

    def to_json(self) -> dict[str, Any]:
        return {"provider": self.provider, "service": self.service, "family": self.family,
                "currency": self.currency,
                "covered": None if self.covered is None else round(self.covered, 2),
                "eligible": None if self.eligible is None else round(self.eligible, 2),
                "coverage": None if self.coverage is None else round(self.coverage, 4)}


@dataclass(frozen=True)
class Commitments:
    """The period's commitments, ending soonest first (within :data:`HORIZONS`), then by
    unused cost; and the coverage of the services they cover."""

    period: Period
    #: The day days to end count from (today, unless a caller chose another).
    as_of: dt.date
    commitments: tuple[Commitment, ...]
    coverage: tuple[Coverage, ...] = ()
    currencies: tuple[str, ...] = field(default=())
    #: What committing to steady on-demand usage would save (None: no data to size it on).
    would_save: WouldSave | None = None

    def ending_within(self, days: int) -> list[Commitment]:
        """Those ending within ``days`` days of :attr:`as_of` (not yet ended)."""
        return [c for c in self.commitments
                if c.days_to_end is not None and 0 <= c.days_to_end <= days]

    def total(self, what: str, currency: str) -> float | None:
        """The sum of ``what`` (committed, used, unused, saving) over the commitments in
        ``currency``; None for a saving not known for every one of them."""
        values = [getattr(c, what) for c in self.commitments if c.currency == currency]
        return None if any(v is None for v in values) else math.fsum(values)

    def to_json(self) -> dict[str, Any]:
        """The stable shape of ``worthit report commitments --format json``."""
        return {
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "as_of": self.as_of.isoformat(), "days_to_end_from": self.as_of.isoformat(),
            "totals": {cur: {what: None if (v := self.total(what, cur)) is None
                             else round(v, 2)
                             for what in ("committed", "used", "unused", "saving")}
                       for cur in self.currencies},
            "commitments": [c.to_json() for c in self.commitments],
            "coverage": [c.to_json() for c in self.coverage],
            "if_committed": None if self.would_save is None else self.would_save.to_json(),
        }


# -- the entry point ------------------------------------------------------------------------


def commitments(cache: Cache, period: Period, *, allocation: Allocation | None = None,
                as_of: dt.date | None = None, coverage: bool = True) -> Commitments:
    """The period's commitments from ``cache``: owners from ``allocation`` (by default the
    Allocation page's for the period), days to end counted from ``as_of`` (default: today,
    UTC, whatever the period: a past period's end would count them wrong). Without
    ``coverage``, the commitments alone: no coverage and no "If you committed" (for the
    leak finding and the alerts, which read nothing else; the coverage's sums over every
    key of the period were half of the leak check's time)."""
    if allocation is None:
        from worthit.analysis.allocation import allocation as allocate

        allocation = allocate(cache, period)
    from worthit.analysis.charge_index import charge_index, loaded_index, rates_for

    named, provisioned_keys = loaded_index(cache).remember(
        ("commitment keys",), lambda: commitment_keys(cache))  # they change with the charges
    # A monthly fee dated the 1st spreads over its month: read from the month's start.
    rows = commitment_days(cache, period.start.replace(day=1), period.end, named)
    covered = covered_keys(cache, period.start, period.end, named)
    provisioned = provisioned_rows(provisioned_days(cache, period.start, period.end,
                                                    provisioned_keys))
    rows += provisioned
    covered += [(r["commitment_id"], r["key_id"], r["service"], r["effective"])
                for r in provisioned]
    ids = sorted({r["commitment_id"] for r in provisioned})
    found = build(period, stated_commitments(cache), rows, covered,
                  eligible_usage(loaded_index(cache), period.start, period.end)
                  if coverage else (),
                  key_teams(allocation, {key for _, key, _, _ in covered}),
                  as_of or terms_of.today(),
                  used_hours(hourly_invocations(cache, ids, period.start, period.end)))
    index = charge_index(cache)
    to = display_currency(cache)
    shown = in_currency(found, to, RateTable(()) if all(c.currency == to for c in
                                                         found.commitments)
                        else rates_for(index, cache))
    return dataclasses.replace(shown, would_save=_would_save(cache, index, period)
                               if coverage else None)


def _would_save(cache: Cache, index: ChargeIndex, period: Period) -> WouldSave | None:
    """:func:`would_save` over the last :data:`STEADY_DAYS` days with data up to the
    period's end (None without data then)."""
    held = cache.data_range()
    if held is None or held[0] > period.end:
        return None
    end = min(period.end, held[1])
    start = max(held[0], end - dt.timedelta(days=STEADY_DAYS - 1))
    return would_save(index, start, end, commitment_discount(cache),
                      source=commitment_discount_source(cache))


def provisioned_rows(charges: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """:func:`~worthit.store.commitments.provisioned_days`' charges as commitment rows (in
    :func:`~worthit.store.commitments.commitment_days`' shape): each under its provisioned
    model's id, with no status (the bill states none) and the key its charges are on."""
    return [{"commitment_id": provisioned_id(c["resource_id"], c["account"], c["usage_type"]),
             "day": c["day"], "status": None, "category": "Usage",
             "frequency": "Usage-Based", "provider": c["provider"], "type": PROVISIONED_TYPE,
             "commitment_category": "Usage", "name": None, "currency": c["currency"],
             "effective": c["effective"], "billed": c["billed"], "listed": c["listed"],
             "charges": c["charges"], "key_id": c["key_id"], "service": c["service"]}
            for c in charges]


def used_hours(invocations: Iterable[tuple[str, str, float]],
               ) -> dict[str, dict[dt.date, int]]:
    """Resource id -> day -> the hours with at least one invocation, for each day the
    cache holds hourly invocation counts of (a day without any is not in it)."""
    out: dict[str, dict[dt.date, set[str]]] = defaultdict(lambda: defaultdict(set))
    for resource, hour, count in invocations:
        held = out[resource][dt.date.fromisoformat(hour[:10])]
        if count > 0:
            held.add(hour)
    return {r: {d: len(h) for d, h in days.items()} for r, days in out.items()}


def in_currency(found: Commitments, to: str, rates: RateTable) -> Commitments:
    """``found`` with every commitment's figures in ``to``: each day's used and unused
    amount at the rate of that day or the latest before it, as the pages convert charges
    (a commitment in ``to`` stays as it is). :class:`MissingRates` naming the pairs and
    days that have no rate: never a sum of two currencies."""
    missing: dict[str, list[int]] = defaultdict(list)
    out = []
    for c in found.commitments:
        if c.currency == to:
            out.append(c)
            continue
        numbers = np.array([day_number(d.day) for d in c.days], np.int64)
        quotes = rates.quotes(c.currency, to, numbers)
        if any(q is None for q in quotes):
            missing[c.currency] += [int(n) for n, q in zip(numbers, quotes, strict=True)
                                    if q is None]
            continue
        days = tuple(dataclasses.replace(d, used=d.used * q.rate, unused=d.unused * q.rate,
                                         unstated=d.unstated * q.rate)
                     for d, q in zip(c.days, quotes, strict=True) if q is not None)
        # On-demand prices convert at the rate of the period's last day held.
        last = quotes[-1]
        assert last is not None
        out.append(dataclasses.replace(
            c, currency=to, days=days, used=math.fsum(d.used for d in days),
            unused=math.fsum(d.unused for d in days),
            unstated=math.fsum(d.unstated for d in days),
            on_demand=None if c.on_demand is None else c.on_demand * last.rate,
            notes=(*c.notes, f"Converted from {c.currency} at {last}.")))
    if missing:
        raise MissingRates([MissingRate(code, to, min(days), max(days), len(set(days)))
                            for code, days in sorted(missing.items())])
    # Coverage is a share (covered / eligible), each in its own currency.
    return dataclasses.replace(found, commitments=tuple(out), currencies=(to,) if out else ())


def key_teams(allocation: Allocation, keys: Collection[int]) -> dict[int, dict[str, float]]:
    """Key id -> team -> the part of the key's period cost allocated to it, for ``keys``
    (those a commitment covered: a few of the period's tens of thousands)."""
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pieces = allocation.pieces
    pieces = pieces[pieces["key_id"].isin(list(keys))]
    for key, team, cost in zip(pieces["key_id"].tolist(), pieces["team"].tolist(),
                               pieces["current"].tolist(), strict=True):
        out[int(key)][str(team)] += abs(float(cost))
    return {k: dict(v) for k, v in out.items()}


def build(period: Period, stated: Sequence[Mapping[str, Any]],
          rows: Sequence[Mapping[str, Any]],
          covered: Iterable[tuple[str, int, str | None, float]],
          usage: Sequence[Mapping[str, Any]], teams: Mapping[int, Mapping[str, float]],
          as_of: dt.date, hours_used: Mapping[str, Mapping[dt.date, int]] | None = None,
          ) -> Commitments:
    """The commitments from the store's reads (pure: what the tests drive directly).
    ``rows`` are :func:`~worthit.store.commitments.commitment_days`' (from the 1st of the
    period's first month), ``stated`` :func:`~worthit.store.commitments.stated_commitments`';
    ``hours_used`` (:func:`used_hours`) gives a provisioned throughput's use where the
    bill does not."""
    terms = _merged(stated)
    by_id: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_id[row["commitment_id"]].append(row)
    owners: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    services: dict[str, set[str]] = defaultdict(set)
    for commitment_id, key, service, _ in covered:
        if service:
            services[commitment_id].add(service)
        for team, cost in teams.get(key, {}).items():
            owners[commitment_id][team] += cost
    found = []
    for commitment_id, held in by_id.items():
        facts = terms.get(commitment_id, {})
        made = _commitment(period, commitment_id, facts, held, owners.get(commitment_id, {}),
                           tuple(sorted(services.get(commitment_id, ()))), as_of,
                           (hours_used or {}).get(commitment_id, {}))
        if made is not None:
            found.append(made)
    found.sort(key=_order)
    currencies = tuple(sorted({c.currency for c in found}))
    return Commitments(period, as_of, tuple(found), tuple(coverage_of(usage)), currencies)


def _order(c: Commitment) -> tuple[Any, ...]:
    soon = c.ending_within is not None
    return (not soon, c.days_to_end if soon else 0, -c.unused, c.commitment_id)


def _merged(stated: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """One set of facts per commitment: the sources that state it, each filling what the
    others leave out (in source order)."""
    out: dict[str, dict[str, Any]] = {}
    for row in stated:
        held = out.setdefault(row["commitment_id"], {})
        for name, value in row.items():
            if value is not None and held.get(name) is None:
                held[name] = value
    return out


def _commitment(period: Period, commitment_id: str, facts: Mapping[str, Any],
                rows: Sequence[Mapping[str, Any]], owners: Mapping[str, float],
                services: tuple[str, ...], as_of: dt.date,
                hours_used: Mapping[dt.date, int]) -> Commitment | None:
    start, end = parse_time(facts.get("start_time")), parse_time(facts.get("end_time"))
    monthly = facts.get("billed_every") == "month"
    used: dict[dt.date, float] = defaultdict(float)
    unused: dict[dt.date, float] = defaultdict(float)
    unstated: dict[dt.date, float] = defaultdict(float)
    derived: set[dt.date] = set()
    on_demand: float | None = 0.0
    first = rows[0]
    for row in rows:
        day = date_of(row["day"])
        if row["status"] == "Used" and row["category"] == "Usage":
            if day not in period:
                continue
            used[day] += row["effective"]
            price = _on_demand(row)
            on_demand = None if price is None or on_demand is None else on_demand + price
        elif row["status"] == "Unused":
            if monthly and row["frequency"] == "Recurring":
                for each, part in _spread(day, start, end):
                    if each in period:
                        unused[each] += row["effective"] * part
                        derived.add(each)
            elif day in period:
                unused[day] += row["effective"]
        elif row["status"] is None and row["type"] == PROVISIONED_TYPE and day in period:
            unstated[day] += row["effective"]  # paid by the hour; its use not stated
    hourly = facts.get("hourly_commitment")
    invoked: set[dt.date] = set()
    for day, hours in hours_used.items():
        amount = unstated.pop(day, None)
        if amount is None:
            continue
        # The hours billed that day: its charge at the hourly rate (24 without one).
        billed = amount / hourly if hourly else 24.0
        busy = min(1.0, hours / billed) if billed > 0 else 0.0
        used[day] += amount * busy
        unused[day] += amount * (1.0 - busy)
        invoked.add(day)
    if unstated or invoked:
        on_demand = None  # nothing says what the model units would have cost otherwise
    days = tuple(CommitmentDay(d, used.get(d, 0.0), unused.get(d, 0.0),
                               d in derived or d in invoked, unstated.get(d, 0.0))
                 for d in sorted(set(used) | set(unused) | set(unstated)))
    if not days:
        return None
    total = math.fsum(owners.values())
    owner: str = UNALLOCATED
    share: float | None = None
    if total > 0:
        owner = max(sorted(owners), key=lambda team: owners[team])
        share = owners[owner] / total
    kind = facts.get("kind") or kind_of(first["provider"], first["type"])
    notes = []
    if on_demand is None:
        notes.append(NO_ON_DEMAND)
    if derived:
        notes.append(DERIVED)
    if unstated:
        notes.append(UNSTATED)
    if invoked:
        notes.append(FROM_INVOCATIONS)
    return Commitment(
        commitment_id=commitment_id, kind=kind,
        category=facts.get("category") or first["commitment_category"],
        provider=facts.get("provider") or first["provider"],
        name=facts.get("name") or first["name"],
        currency=facts.get("currency") or first["currency"] or "USD",
        covers=_covers(facts, services), term=_term(facts.get("term"), start, end),
        start=start, end=end, payment_option=facts.get("payment_option"),
        hourly_commitment=facts.get("hourly_commitment"),
        monthly_commitment=facts.get("monthly_commitment"), days=days,
        used=math.fsum(d.used for d in days), unused=math.fsum(d.unused for d in days),
        unstated=math.fsum(d.unstated for d in days), on_demand=on_demand, owner=owner,
        owner_share=share, days_to_end=None if end is None else (end.date() - as_of).days,
        services=services, notes=tuple(notes))


def _on_demand(row: Mapping[str, Any]) -> float | None:
    """What covered usage would have cost on demand: its list cost where the bill states
    one; on a CUR's savings-plan covered line without one, its billed (unblended) cost,
    which AWS states at the on-demand rate; else not known."""
    if row["listed"] is not None:
        return float(row["listed"])
    if row["type"] == "Savings Plan" and row["provider"] == "AWS" and row["billed"] > 0:
        return float(row["billed"])
    return None


def _spread(day: dt.date, start: dt.datetime | None,
            end: dt.datetime | None) -> list[tuple[dt.date, float]]:
    """Each day of ``day``'s month with its share of the month's hours the commitment ran
    (all on ``day`` when it ran none of them, as far as the bill says)."""
    first = day.replace(day=1)
    month = [first + dt.timedelta(days=i)
             for i in range(calendar.monthrange(day.year, day.month)[1])]
    hours = [active_hours(d, start, end) for d in month]
    total = math.fsum(hours)
    if total <= 0:
        return [(day, 1.0)]
    return [(d, h / total) for d, h in zip(month, hours, strict=True) if h > 0]


def _covers(facts: Mapping[str, Any], services: tuple[str, ...]) -> str:
    """What a commitment covers, in words: its offering, instance family and region as
    the bill states them, else the services its covered usage is of."""
    offering = facts.get("offering")
    parts = [_OFFERINGS.get("".join(ch for ch in offering.lower() if ch.isalnum()), offering)
             if offering else None, facts.get("instance_family"), facts.get("region")]
    stated = [p for p in parts if p]
    if stated:
        return ", ".join(stated)
    return ", ".join(services) if services else "not stated"


def _term(term: str | None, start: dt.datetime | None, end: dt.datetime | None) -> str | None:
    """The term as words (``1 year``), from the bill's, else from start to end."""
    if term:
        return _TERMS.get("".join(ch for ch in term.lower() if ch.isalnum()), term)
    if start is None or end is None:
        return None
    months = round((end - start).days / 30.44)
    if months and months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years > 1 else ''}"
    return f"{months} month{'s' if months != 1 else ''}" if months else None


#: What the two totals are and what their difference is, in words (Overview, Allocation).
AMORTISATION_NAMED: Final = (
    "amortised (effective) cost spreads commitments over the usage they cover; unamortised "
    "(billed) cost is what was invoiced: the difference is commitment amortisation")


@dataclass(frozen=True, slots=True)
class Amortisation:
    """A period's cost both ways, in one currency (the index's): ``amortised`` (effective:
    each commitment's cost spread over the usage it covered, upfront fees over the term)
    and ``unamortised`` (billed: what was invoiced, fees when charged)."""

    currency: str
    amortised: float
    unamortised: float

    @property
    def difference(self) -> float:
        """Amortised − unamortised, the commitment amortisation: what spreading commitment
        fees moves into (positive) or out of (negative) the period."""
        return self.amortised - self.unamortised

    def to_json(self) -> dict[str, Any]:
        return {"currency": self.currency, "amortised": round(self.amortised, 2),
                "unamortised": round(self.unamortised, 2),
                "commitment_amortisation": round(self.difference, 2)}


def amortisation_of(index: ChargeIndex, start: dt.date, end: dt.date) -> Amortisation:
    """The days' amortised and unamortised totals in the index's currency: the one place
    both are computed, from the charge index, so they are converted as every figure is."""
    return Amortisation(index.currency or "USD",
                        float(index.per_key(start, end).sum()),
                        float(index.per_key(start, end, billed=True).sum()))


def amortisation(cache: Cache, period: Period) -> list[Amortisation]:
    """The period's amortised and unamortised totals in the display currency (one entry;
    a list for callers that once had one per billing currency): :func:`amortisation_of`
    over the cache's charge index."""
    from worthit.analysis.charge_index import charge_index

    return [amortisation_of(charge_index(cache), period.start, period.end)]


# -- what a commitment would save -----------------------------------------------------------

#: The days of on-demand usage a commitment is sized on, and the percentile of their
#: hourly spend taken as steady (exceeded on nine days in ten).
STEADY_DAYS: Final = 30
STEADY_PERCENTILE: Final = 10
#: Hours in an average month (8,760 a year ÷ 12).
HOURS_PER_MONTH: Final = 730
#: What a compute usage type says before its instance type (AWS: ``USE1-BoxUsage:g5.xlarge``):
#: an EBS volume's ``EBS:VolumeUsage.gp3`` names a "family" too, and no commitment covers it.
COMPUTE_USAGE: Final = ("BoxUsage", "DedicatedUsage", "HostUsage", "InstanceUsage")
NO_RATE: Final = ("enter your negotiated or published rate to see what a commitment would "
                  "save: Worthit does not guess a discount")


@dataclass(frozen=True, slots=True)
class SteadyUsage:
    """One instance family's on-demand usage over the window: its steady hourly spend (the
    :data:`STEADY_PERCENTILE` of its daily on-demand cost ÷ 24) and its average."""

    provider: str | None
    family: str
    steady_hourly: float
    average_hourly: float


@dataclass(frozen=True)
class WouldSave:
    """What a 1-year no-upfront commitment covering each family's steady on-demand usage
    would save per month at ``discount`` (the user's rate; None: no figure is given)."""

    currency: str
    start: dt.date
    end: dt.date
    discount: float | None
    families: tuple[SteadyUsage, ...]
    #: Where the rate comes from, as the user said (a URL or words), if they said.
    discount_source: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def commitment(self, usage: SteadyUsage) -> float | None:
        """The hourly commitment: the steady on-demand spend at the discounted rate."""
        return None if self.discount is None else usage.steady_hourly * (1 - self.discount)

    def saving(self, usage: SteadyUsage) -> float | None:
        """The monthly saving: the steady hourly spend × the discount × 730 hours."""
        if self.discount is None:
            return None
        return usage.steady_hourly * self.discount * HOURS_PER_MONTH

    @property
    def total(self) -> float | None:
        if self.discount is None:
            return None
        return math.fsum(s for u in self.families if (s := self.saving(u)) is not None)

    @property
    def assumption(self) -> str:
        """The assumption in words."""
        steady = (f"each instance family's steady on-demand usage: the hourly spend it stayed "
                  f"above on nine days in ten of the {self.days} days to {self.end} (the "
                  f"{STEADY_PERCENTILE}th percentile of its daily on-demand cost ÷ 24)")
        if self.discount is None:
            return f"A 1-year, no-upfront commitment sized to {steady}: {NO_RATE}."
        rate = percent(self.discount, digits=1).replace(".0 %", " %")
        return (f"A 1-year, no-upfront commitment sized to {steady}, at {rate} off on-demand "
                f"prices (the rate you entered{self._from}), saves that hourly spend × "
                f"{rate} × {HOURS_PER_MONTH} hours a month, if usage stays at "
                "least this high; usage above it stays on demand, and the commitment is paid "
                "whether used or not.")

    @property
    def _from(self) -> str:
        return f", from {self.discount_source}" if self.discount_source else ""

    def to_json(self) -> dict[str, Any]:
        def r(value: float | None, places: int = 2) -> float | None:
            return None if value is None else round(value, places)

        return {"currency": self.currency, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "discount": self.discount,
                "discount_source": self.discount_source,
                "term": "1 year", "payment_option": "No Upfront",
                "monthly_saving": r(self.total), "assumption": self.assumption,
                "families": [{"provider": u.provider, "family": u.family,
                              "steady_hourly": r(u.steady_hourly, 4),
                              "average_hourly": r(u.average_hourly, 4),
                              "hourly_commitment": r(self.commitment(u), 4),
                              "monthly_saving": r(self.saving(u))}
                             for u in self.families]}


def would_save(index: ChargeIndex, start: dt.date, end: dt.date, discount: float | None,
               *, source: str | None = None) -> WouldSave:
    """What committing to each family's steady on-demand usage would save: the usage of
    :func:`on_demand_families`' keys from ``start`` to ``end``, each family's cost per day
    from the index (in its currency, as every page is); a day without a charge of a family
    counts as spending nothing on it."""
    group, names = on_demand_families(index)
    daily = index.group_cost_days(start, end, group, len(names))
    families = [SteadyUsage(provider, family,
                            float(np.percentile(days, STEADY_PERCENTILE)) / 24,
                            float(days.mean()) / 24)
                for (provider, family), days in zip(names, daily, strict=True)]
    families = [f for f in families if f.steady_hourly >= 0.00005]
    families.sort(key=lambda f: (-f.steady_hourly, f.provider or "", f.family))
    return WouldSave(index.currency or "USD", start, end, discount, tuple(families),
                     source if discount is not None else None)


def on_demand_families(index: ChargeIndex
                       ) -> tuple[np.ndarray, list[tuple[str | None, str]]]:
    """The (provider, instance family) groups of the usage a commitment could take over,
    and each key's group (-1: none): usage priced on demand (PricingCategory Standard, or
    none stated and no commitment named) of an instance a compute usage type names
    (BoxUsage and the like; not spot, storage or transfer)."""
    keys = index.keys
    pricing = keys["pricing_category"]
    usage_type = keys["x_usage_type"]
    eligible = ((keys["charge_category"] == "Usage") & usage_type.notna()
                & ((pricing == "Standard")
                   | (pricing.isna() & keys["commitment_discount_id"].isna()))).to_numpy(bool)
    family_of: dict[str, str | None] = {}  # per distinct usage type: a few hundred
    group_of: dict[tuple[str | None, str], int] = {}
    group = np.full(len(keys), -1, np.int64)
    for n, provider, text in zip(np.flatnonzero(eligible).tolist(),
                                 keys["provider_name"].to_numpy(object)[eligible],
                                 usage_type.to_numpy(object)[eligible], strict=True):
        if text not in family_of:
            family = instance_family(text)
            family_of[text] = family if family is not None and any(
                m in text for m in COMPUTE_USAGE) else None
        family = family_of[text]
        if family is not None:
            name = (provider if isinstance(provider, str) else None, family)
            group[n] = group_of.setdefault(name, len(group_of))
    return group, list(group_of)


def eligible_usage(raw: ChargeIndex, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Usage from ``start`` to ``end`` of the services some commitment covered then, by
    provider, service, usage type, currency, pricing category and whether a commitment
    covered it (``covered``), as billed (``raw`` is the index as loaded, each charge in
    its own currency): ``billed``, ``effective``, ``listed`` (None where a charge summed
    states no list cost) and ``charges``. Summed per key from the index (a bincount over
    the period's charges), then per group of keys."""
    import pandas as pd

    keys = raw.keys
    rows = raw._rows(start, end)  # noqa: SLF001 - the index's own slice
    key = raw.key[rows]
    size = len(keys)
    charges = raw.remember(("charges per key", rows.start, rows.stop),
                           lambda: np.bincount(key, minlength=size))
    service = keys["service_name"].astype(object)
    covered = (keys["commitment_discount_status"] == "Used").to_numpy(bool)
    held = charges > 0
    services = set(service[held & covered].dropna())
    # Only the keys of those services' usage: their list costs summed from their own
    # charges (over the whole range at 10 M charges, five passes over every charge took
    # 0.7 s). Each key's charges are summed in the order they are held, as before.
    wanted = held & (keys["charge_category"] == "Usage").to_numpy(bool) & service.isin(
        services).to_numpy(bool)
    chosen = np.flatnonzero(wanted)

    def listed_sums() -> tuple[np.ndarray, np.ndarray]:
        position = np.full(size, -1, np.int64)
        position[chosen] = np.arange(len(chosen))
        at = position[key]
        picked = at >= 0
        at, listed = at[picked], raw.listed[rows][picked]
        unstated = np.isnan(listed)
        # An unstated list cost adds 0, and is counted apart.
        return (np.bincount(at, weights=np.where(unstated, 0.0, listed),
                            minlength=len(chosen)),
                np.bincount(at, weights=unstated, minlength=len(chosen)).astype(np.int64))

    listed, unstated = raw.remember(("eligible list costs", rows.start, rows.stop),
                                    listed_sums)
    frame = pd.DataFrame({
        "provider": keys["provider_name"].astype(object).to_numpy()[chosen],
        "service": service.to_numpy()[chosen],
        "usage_type": keys["x_usage_type"].astype(object).to_numpy()[chosen],
        "currency": keys["billing_currency"].astype(object).to_numpy()[chosen],
        "pricing": keys["pricing_category"].astype(object).to_numpy()[chosen],
        "covered": covered[chosen],
        "billed": raw.per_key(start, end, billed=True)[chosen],
        "effective": raw.per_key(start, end)[chosen],
        "listed": listed,
        "stated": charges[chosen] - unstated,
        "charges": charges[chosen],
    })
    groups = frame.groupby(["provider", "service", "usage_type", "currency", "pricing",
                            "covered"], dropna=False, sort=False)[
        ["billed", "effective", "listed", "stated", "charges"]].sum().reset_index()
    out = []
    for row in groups.to_dict("records"):
        complete = row.pop("stated") == row["charges"]
        row["listed"] = float(row["listed"]) if complete else None
        row["charges"] = int(row["charges"])
        out.append({str(k): None if k in _TEXT and pd.isna(v) else v for k, v in row.items()})
    return out


#: The text columns of :func:`eligible_usage`'s rows (a group's missing text is None).
_TEXT: Final = ("provider", "service", "usage_type", "currency", "pricing")


# -- coverage -------------------------------------------------------------------------------


def coverage_of(usage: Sequence[Mapping[str, Any]]) -> list[Coverage]:
    """Per provider, service, instance family and currency: the on-demand cost of the
    usage commitments covered over that of all usage they could have (spot usage, priced
    dynamically, is not eligible), largest eligible first."""
    covered: dict[tuple[Any, ...], float | None] = defaultdict(float)
    eligible: dict[tuple[Any, ...], float | None] = defaultdict(float)
    for row in usage:
        if row["pricing"] == "Dynamic":
            continue
        group = (row["provider"], row["service"] or "Unknown service",
                 instance_family(row["usage_type"]), row["currency"] or "USD")
        if row["covered"]:
            price = row["listed"] if row["listed"] is not None else (
                row["billed"] if row["billed"] > 0 else None)
            held = covered[group]
            covered[group] = None if price is None or held is None else held + price
        else:
            price = row["listed"] if row["listed"] is not None else row["billed"]
        held = eligible[group]
        eligible[group] = None if price is None or held is None else held + price
    out = [Coverage(p, s, f, c, covered.get((p, s, f, c), 0.0), eligible[(p, s, f, c)])
           for p, s, f, c in eligible]
    out.sort(key=lambda c: (-(c.eligible or 0.0), c.service, c.family or ""))
    return out

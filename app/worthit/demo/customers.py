"""The demo's customers: request traces of two features, their revenue, and two planted facts.

Sixty fictional customers (each named by the id a trace's ``customer.id`` holds) use the
support assistant and, most of them, the code-review agent, with a power-law spread of
usage. OpenTelemetry GenAI instrumentation shipped on the first day of the month three
months before the demo's last: from then, every day, each traced stream covers a share of
its billed tokens (:data:`TRACED_SHARE`, the same share for every kind of token, so the
traces have the bill's mix), split among the customers and, for the agent, among its runs
(one trace each, run ids ``TRACE/SPAN`` in hex). The rest of the bill is Not traced.

Revenue is a flat monthly contract per customer, priced so that AI costs a customer a small
share of it; planted (:class:`~worthit.demo.planted.PlantedCustomers`): one enterprise
customer whose AI cost exceeds its revenue, and one looping agent run. The retry storm of
the runaway leak shows in the traces as re-triggered runs of ordinary size, so the looping
run stands alone. Draws come from a generator of their own: no other demo figure moves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from worthit.core.days import day_number
from worthit.core.periods import add_months
from worthit.demo.ai_usage import TOKEN_KINDS, StreamDays
from worthit.demo.catalog import MODEL_PRICES
from worthit.demo.company import Bill
from worthit.demo.ledger import Calendar
from worthit.demo.planted import (
    MONTH_DAYS,
    PlantedCustomers,
    PlantedLoop,
    PlantedMargin,
)
from worthit.store.revenue import Revenue

#: The trace source, as the Sources page lists it (kind ``demo``: generated, never synced).
SOURCE_ID: Final = "demo-traces"
SOURCE_NAME: Final = "Demo traces (OpenTelemetry GenAI)"
#: Customer ids, biggest user first (the rank sets the power law).
CUSTOMERS: Final = (
    "northwind-traders", "contoso", "woodgrove-bank", "fabrikam", "tailspin-toys",
    "adventure-works", "wide-world-importers", "litware", "proseware", "alpine-ski-house",
    "coho-winery", "fourth-coffee", "lucerne-publishing", "margies-travel", "trey-research",
    "wingtip-toys", "blue-yonder-airlines", "city-power-light", "humongous-insurance",
    "southridge-video", "consolidated-messenger", "tailwind-traders", "relecloud",
    "lamna-healthcare", "fincher-architects", "nod-publishers", "a-datum", "bellows-college",
    "graphic-design-institute", "munsons-pickles", "best-for-you-organics", "vanarsdel",
    "school-of-fine-art", "first-up-consultants", "liberty-delightful-sinful",
    "northridge-dental", "pinecrest-logistics", "bluefin-analytics", "harbor-lane-clinics",
    "quarry-stone-legal", "redwood-mobility", "saltmarsh-energy", "copperleaf-retail",
    "ironbark-freight", "meadowlark-schools", "silverline-media", "tidewater-marine",
    "oakhaven-realty", "brightpath-tutoring", "kestrel-robotics", "larkspur-foods",
    "mosaic-hr", "nimbus-weather", "orchard-fintech", "parallax-games", "quill-legaltech",
    "riverbend-health", "sundial-travel", "trellis-garden", "umber-studios",
)
#: The enterprise customer whose AI cost exceeds its revenue, and the customer of the loop.
ENTERPRISE: Final = "woodgrove-bank"
LOOP_CUSTOMER: Final = "fabrikam"
#: The agent the code-review feature's runs name (``gen_ai.agent.name``) and its owners.
AGENT: Final = "pr-reviewer"
AGENT_TEAM: Final = "devex"
AGENT_FEATURE: Final = "code-review-agent"
#: The demo rule file's rule on the agent (resources/demo/allocation-rules.yaml): its runs
#: belong to the team that owns the agent. No charge has an agent: no charge moves.
RULE_NAME: Final = "Code-review agent runs"

TRACED_MONTHS: Final = 3  # full months traced before the demo's last month
TRACED_SHARE: Final = (0.78, 0.88)  # of a stream's billed tokens, drawn per stream and day
POWER: Final = 1.2  # a customer's usage ∝ rank^-POWER
AGENT_ADOPTION: Final = 0.7  # the share of customers using the code-review agent
#: Requests per agent run: lognormal around the median, clipped (no natural loop).
RUN_MEDIAN: Final = 150.0
RUN_SIGMA: Final = 0.5
RUN_CLIP: Final = (0.25, 4.0)
#: The looping run: this many median runs' requests, this many days before the last day.
LOOP_SIZE: Final = 40.0
LOOP_DAYS_AGO: Final = 2
#: AI cost ÷ revenue: most customers, a few thin ones, and the enterprise customer in its
#: first full traced month (its agent use grows; its contract does not).
SHARE_RANGE: Final = (0.03, 0.15)
THIN_RANGE: Final = (0.20, 0.35)
THIN_CUSTOMERS: Final = 5
ENTERPRISE_SHARE: Final = 1.25
ENTERPRISE_AGENT_USE: Final = 3.0  # its agent affinity (others: lognormal around 1)
RNG_STREAM: Final = 21  # seeds this module's generator beside the demo's seed


@dataclass(frozen=True)
class Traces:
    """What :func:`plant` made: trace rows (:data:`worthit.store.traces.COLUMNS` order),
    the day numbers they cover, the revenue and the planted truth."""

    rows: list[tuple[Any, ...]]
    days: tuple[int, int]
    revenue: list[Revenue]
    truth: PlantedCustomers


def plant(cal: Calendar, bill: Bill, seed: int, leaks: bool) -> Traces:
    """Trace the support assistant and the code-review agent on the demo's last months,
    and price each customer's contract; ``leaks`` plants the loop and the loss-maker."""
    rng = np.random.default_rng([seed, RNG_STREAM])
    end = cal.days[-1].date()
    first = add_months(end.replace(day=1), -TRACED_MONTHS)
    traced = np.asarray(cal.days.date >= first)
    days = [d.date() for d in cal.days[traced]]
    numbers = [day_number(d) for d in days]
    n_days, n = len(days), len(CUSTOMERS)
    size = np.arange(1, n + 1, dtype=float) ** -POWER
    support = size * rng.lognormal(0.0, 0.4, n)
    agent = size * np.where(rng.random(n) < AGENT_ADOPTION, rng.lognormal(0.0, 0.4, n), 0.0)
    for name, use in ((ENTERPRISE, ENTERPRISE_AGENT_USE), (LOOP_CUSTOMER, 1.0)):
        at = CUSTOMERS.index(name)
        agent[at] = size[at] * use
    daily = rng.lognormal(0.0, 0.25, (n_days, n))
    cost = np.zeros((n_days, n))  # list-price USD per day and customer
    rows: list[tuple[Any, ...]] = []
    for key in ("support-sonnet", "support-haiku"):
        rows += _by_customer(bill.streams[key], traced, numbers, support * daily, cost, rng)
    loop_day = n_days - 1 - LOOP_DAYS_AGO if leaks else None
    found = _runs(bill.streams["code-review"], traced, numbers, agent * daily, cost, rng,
                  loop_day)
    rows += found.rows
    revenue, margin = _revenue(days, cost, rng, leaks)
    loop = _loop(found, days, leaks)
    truth = PlantedCustomers(n, first.isoformat(), TRACED_SHARE, AGENT, margin, loop)
    return Traces(rows, (numbers[0], numbers[-1]), revenue, truth)


def _split(totals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Whole ``totals`` (one per row of ``weights``) split in proportion to the weights,
    largest remainders first, so each row adds up to its total exactly."""
    share = weights / weights.sum(axis=-1, keepdims=True)
    exact = share * totals[..., None]
    whole = np.floor(exact)
    short = (totals - whole.sum(axis=-1)).astype(np.int64)
    rank = np.argsort(np.argsort(whole - exact, axis=-1, kind="stable"), axis=-1)
    split: np.ndarray = (whole + (rank < short[..., None])).astype(np.int64)
    return split


def _traced(days: StreamDays, traced: np.ndarray, rng: np.random.Generator
            ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A stream's traced requests and tokens per kind (trace column -> per day): the same
    drawn share of each of the bill's counts that day."""
    share = rng.uniform(*TRACED_SHARE, int(traced.sum()))
    tokens = {attribute: np.floor(days.tokens[column][traced] * share)
              if column in days.tokens else np.zeros(len(share))
              for column, _suffix, attribute in TOKEN_KINDS}
    return np.floor(days.requests[traced] * share), tokens


def _value(model: str, tokens: dict[str, np.ndarray]) -> np.ndarray:
    """Token counts at the model's list price, in USD."""
    price = MODEL_PRICES[model]
    value = np.zeros(next(iter(tokens.values())).shape)
    for kind, counts in tokens.items():
        value += counts * (getattr(price, kind) or 0.0) / 1e6
    return value


def _by_customer(days: StreamDays, traced: np.ndarray, numbers: list[int],
                 weights: np.ndarray, cost: np.ndarray, rng: np.random.Generator
                 ) -> list[tuple[Any, ...]]:
    """One row per day and customer of a stream without runs (the support assistant)."""
    stream = days.stream
    requests, totals = _traced(days, traced, rng)
    calls = _split(requests, weights)
    tokens = {kind: _split(total, weights * rng.lognormal(0.0, 0.03, weights.shape))
              for kind, total in totals.items()}
    cost += _value(stream.model, tokens)
    provider = MODEL_PRICES[stream.model].provider
    used = calls + sum(tokens.values()) > 0
    day, customer = np.nonzero(used)
    return [(numbers[d], provider, stream.model, CUSTOMERS[c], "", "", "", stream.feature,
             *counts) for d, c, *counts in zip(
                 day.tolist(), customer.tolist(), *(tokens[kind][day, customer].tolist()
                                                    for kind in tokens),
                 calls[day, customer].tolist(), strict=True)]


@dataclass(frozen=True)
class _Runs:
    rows: list[tuple[Any, ...]]
    ids: list[str]
    day: np.ndarray  # index into the traced days
    customer: np.ndarray
    cost: np.ndarray  # list-price USD
    loop: int | None  # the looping run's index


def _runs(days: StreamDays, traced: np.ndarray, numbers: list[int], weights: np.ndarray,
          cost: np.ndarray, rng: np.random.Generator, loop_day: int | None) -> _Runs:
    """The agent's runs, each on one day for one customer, sized by requests; on
    ``loop_day`` one more run, :data:`LOOP_SIZE` median runs long."""
    stream = days.stream
    provider = MODEL_PRICES[stream.model].provider
    requests, totals = _traced(days, traced, rng)
    mean = RUN_MEDIAN * np.exp(RUN_SIGMA**2 / 2)
    rows: list[tuple[Any, ...]] = []
    ids: list[str] = []
    at_day: list[np.ndarray] = []
    who: list[np.ndarray] = []
    value: list[np.ndarray] = []
    loop = None
    for d in range(len(numbers)):
        count = max(1, round(requests[d] / mean))
        sizes = RUN_MEDIAN * np.clip(rng.lognormal(0.0, RUN_SIGMA, count), *RUN_CLIP)
        customers = rng.choice(len(CUSTOMERS), count, p=weights[d] / weights[d].sum())
        if d == loop_day:
            loop = len(ids) + count
            sizes = np.append(sizes, LOOP_SIZE * RUN_MEDIAN)
            customers = np.append(customers, CUSTOMERS.index(LOOP_CUSTOMER))
        calls = _split(requests[d:d + 1], sizes[None, :])[0]
        tokens = {kind: _split(total[d:d + 1], (sizes * rng.lognormal(0.0, 0.05, len(sizes)))
                               [None, :])[0] for kind, total in totals.items()}
        spent = _value(stream.model, tokens)
        np.add.at(cost[d], customers, spent)
        raw = rng.bytes(24 * len(sizes)).hex()
        day_ids = [f"{raw[at:at + 32]}/{raw[at + 32:at + 48]}" for at in range(0, len(raw), 48)]
        ids += day_ids
        rows += zip([numbers[d]] * len(sizes), [provider] * len(sizes),
                    [stream.model] * len(sizes), [CUSTOMERS[c] for c in customers.tolist()],
                    day_ids, [AGENT] * len(sizes), [""] * len(sizes),
                    [stream.feature] * len(sizes), *(tokens[kind].tolist() for kind in tokens),
                    calls.tolist(), strict=True)
        at_day.append(np.full(len(sizes), d))
        who.append(customers)
        value.append(spent)
    return _Runs(rows, ids, np.concatenate(at_day), np.concatenate(who),
                 np.concatenate(value), loop)


def _months(days: list[dt.date]) -> list[tuple[str, np.ndarray, bool]]:
    """Each month of ``days``: ``YYYY-MM``, a mask of its days, whether all are there."""
    keys = np.array([d.strftime("%Y-%m") for d in days])
    out = []
    for month in dict.fromkeys(keys):
        mask = keys == month
        first = dt.date.fromisoformat(f"{month}-01")
        whole = int(mask.sum()) == (add_months(first, 1) - first).days
        out.append((str(month), mask, whole))
    return out


def _revenue(days: list[dt.date], cost: np.ndarray, rng: np.random.Generator, leaks: bool
             ) -> tuple[list[Revenue], PlantedMargin | None]:
    """A flat monthly contract per customer (every traced month, the last one too: it is
    invoiced whole), priced from its AI cost over the whole months at its planted share."""
    months = _months(days)
    monthly = np.array([cost[mask].sum(axis=0) for _m, mask, _w in months])  # month x cust
    whole = np.array([w for _m, _mask, w in months])
    share = rng.uniform(*SHARE_RANGE, len(CUSTOMERS))
    thin = rng.choice(np.arange(1, len(CUSTOMERS)), THIN_CUSTOMERS, replace=False)
    share[thin] = rng.uniform(*THIN_RANGE, THIN_CUSTOMERS)
    at = CUSTOMERS.index(ENTERPRISE)
    contract = monthly[whole].mean(axis=0) / share
    if leaks:
        contract[at] = monthly[whole][0, at] / ENTERPRISE_SHARE
    contract = np.maximum(10.0, np.round(contract / 10.0) * 10.0)
    revenue = [Revenue(month, customer, float(contract[c]), "USD")
               for month, _mask, _whole in months for c, customer in enumerate(CUSTOMERS)]
    if not leaks:
        return revenue, None
    shares = monthly[whole][:, at] / contract[at]
    return revenue, PlantedMargin(
        ENTERPRISE, f"{ENTERPRISE} pays less than its AI costs (heavy code-review agent use)",
        float(contract[at]), float(shares.min()), float(shares.max()),
        f"a flat ${contract[at]:,.0f}/month enterprise contract; its AI cost at list price "
        f"is {shares.min():.0%}-{shares.max():.0%} of it in each whole traced month")


def _loop(runs: _Runs, days: list[dt.date], leaks: bool) -> PlantedLoop | None:
    """The looping run's truth: its cost against the agent's runs of the last 30 days."""
    if not leaks or runs.loop is None:
        return None
    recent = runs.cost[runs.day >= len(days) - MONTH_DAYS]
    p50, p95 = float(np.percentile(recent, 50)), float(np.percentile(recent, 95))
    spent = float(runs.cost[runs.loop])
    day = days[int(runs.day[runs.loop])].isoformat()
    return PlantedLoop(
        runs.ids[runs.loop], AGENT, AGENT_TEAM, AGENT_FEATURE, LOOP_CUSTOMER, day, spent,
        spent / p50, spent / p95,
        f"one {AGENT} run on {day} for {LOOP_CUSTOMER} took {LOOP_SIZE:.0f} × a median "
        f"run's requests: ${spent:,.2f} at list price, {spent / p95:.1f} × the agent's p95 "
        f"over the last {MONTH_DAYS} days")

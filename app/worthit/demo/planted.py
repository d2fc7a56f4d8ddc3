"""The leaks planted in the demo on purpose, with the saving each one is worth.

Every later analysis (leak detectors, model swap, watch) is tested against this known
truth. A saving is measured on the **last 30 days** of demo data and stated per 30 days
(:data:`MONTH_DAYS`): the cost of the leaking rows in that window times the share a fix
removes. A runaway agent's excess over its baseline is a one-off (``one_off``), not a
saving per month.

The generator returns a list of :class:`PlantedLeak` and stores it as JSON in the
workspace's ``meta`` table under ``demo.planted``.

=====================  ==================================================================
kind                   planted case and how its saving is computed
=====================  ==================================================================
idle_capacity          SageMaker endpoint ``reco-staging`` (ml.g5.2xlarge) on 24/7 at
                       2-4 % GPU: saving = its whole cost (scale to zero or delete).
storage_graveyard      bucket ``ml-experiments-checkpoints-2024``: 60 TiB of old
                       checkpoints, no lifecycle policy, last write over a year ago:
                       saving = its cost × (1 − Deep Archive / Standard price).
overpowered_model      ``ticket-triage`` sends ~600-token requests with ~20-token answers
                       to Nova Pro: saving = its token cost × (1 − Nova Micro / Nova Pro)
                       (the same 0.04375 ratio for input and output).
prompt_bloat           ``document-search`` input per request creeps from 2,500 to 8,000
                       tokens over the last 120 days with no cached input: saving = the
                       uncached input above 2,500 per request, at the input price.
batch_eligible         ``eval-nightly`` runs 01:00-04:00 UTC on gpt-4.1 at synchronous
                       prices: saving = 50 % of its token cost.
runaway_agent          ``code-review-agent`` retry storm on three days inside the window
                       (six times its requests): ``one_off`` = the excess over the
                       baseline, paid once; no monthly saving.
hidden_network         NAT gateway data processing (untagged, nobody owns it) and
                       cross-AZ transfer of ``recommendations``: saving = those charges.
weak_attribution       untagged spend (about a tenth): no saving; ``monthly_cost`` is the
                       untagged cost in the window.
hardware_fit           ``recommendations`` serves on 4 × g5.2xlarge: saving = their cost ×
                       (1 − inf2.xlarge / g5.2xlarge hourly price).
=====================  ==================================================================

Planted commitments (:class:`PlantedCommitment`, under ``demo.commitments`` in ``meta``;
billed by :mod:`worthit.demo.commitments`, each on usage of its own, tagged with the team
and feature that owns it; no unit counts those features, so no unit cost moves).
Utilisation is used ÷ committed (effective cost) over any period inside the rows' span,
and days to end count from the demo's last day:

=========================  ==============================================================
commitment                 planted case
=========================  ==============================================================
Savings Plan               Compute SP ``sp-0gpu…``, 3 years no upfront, $5.00/h, covering
                           5 × g5.2xlarge (ml-platform / model-training) for the last five
                           months at 57.8 % of on-demand: covered usage Used = $84/day
                           (70 %), the daily recurring fee's Unused row = $36/day (30 %):
                           utilisation 70 %.
Provisioned Throughput     Bedrock ``eval-judge-pt``, 1 model unit × $12/h, 1-month
                           term renewed once (ml-platform / eval-nightly): used 07:00-22:00
                           UTC, idle 9 of 24 hours: 37.5 % of every day Unused,
                           utilisation 62.5 %; the current term ends in 26 days. List
                           cost: the no-commitment rate, $14.40/h (the demo's).
Reservation (Azure PTU)    15 PTU × $260/month, monthly term renewed (ml-platform
                           / eval-nightly): the fee amortised over each term's days,
                           85 % Used, 15 % Unused; the current term ends in 24 days.
                           List cost: $1.00 per PTU-hour on demand (the demo's rate).
Reserved Instances (RI)    2 × m6i.2xlarge, 1 year all upfront at 62 % of on-demand
                           (ml-platform / model-training), fully used (100 %); ends 20 days
                           after the demo's last day: the first "ending soon".
=========================  ==============================================================

Planted customers (:class:`PlantedCustomers`, under ``demo.customers`` in ``meta``; made by
:mod:`worthit.demo.customers`, request traces in the trace source ``demo-traces`` and
revenue per customer and month). Sixty customers with a power-law spread of usage (the top
six carry most of the traced cost) use the support assistant (Claude Sonnet 4.5 and Haiku
4.5) and the code-review agent (Sonnet 4.5, agent ``pr-reviewer``, owned by devex by an
allocation rule on the agent). Traces start on the first day of the month three months
before the last day; each day every traced stream covers 78-88 % of its billed tokens, in
the bill's mix, so Not traced is the rest and no day's traces exceed its bill. Revenue is a
flat monthly contract per customer, every traced month (the last, partial one invoiced
whole); over the whole traced months AI cost averages 3-15 % of it for most customers and
20-35 % for five, so only the enterprise customer passes the default 50 % threshold:

=========================  ==============================================================
planted                    case
=========================  ==============================================================
Unprofitable customer      ``woodgrove-bank`` (enterprise, heavy agent use): AI cost
                           125 % of its contract in the first whole traced month, more as
                           its use grows (``share_low``-``share_high`` over the whole
                           months, at list price, which the demo bills at).
Looping run                One ``pr-reviewer`` run for ``fabrikam`` two days before the
                           last day, 18 × a median run's requests: about 16 × the agent's
                           median run cost and 7 × its p95 over the last 30 days (the loop
                           flag is 3 × p95). It is part of its day's traced share, and the
                           retry storm of ``runaway_agent`` shows as six times the runs,
                           each of ordinary size: no other run loops.
=========================  ==============================================================

The control (``--no-leaks``) has the customers and traces without the loop, and prices
the enterprise customer's contract like the others'.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

MONTH_DAYS: Final = 30


@dataclass(frozen=True, slots=True)
class PlantedLeak:
    kind: str
    title: str
    team: str | None  # None: nobody owns it (Unallocated)
    feature: str | None
    resource_id: str | None
    monthly_cost: float  # cost of the leaking rows in the last 30 days
    monthly_saving: float  # what a fix would save per 30 days
    basis: str  # how the saving was computed, in words
    one_off: float = 0.0  # paid once in the window (a runaway's excess), not recurring

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlantedLeak:
        return cls(**data)


KINDS: Final[tuple[str, ...]] = (
    "idle_capacity",
    "storage_graveyard",
    "overpowered_model",
    "prompt_bloat",
    "batch_eligible",
    "runaway_agent",
    "hidden_network",
    "weak_attribution",
    "hardware_fit",
)


@dataclass(frozen=True, slots=True)
class PlantedCommitment:
    """A commitment planted in the demo and what the Commitments page must find."""

    commitment_id: str
    kind: str  # as :mod:`worthit.core.commitments` names it
    title: str
    team: str  # the owner: the team whose usage it covers
    feature: str
    utilisation: float  # used ÷ committed, every day of its rows
    days_to_end: int  # from the demo's last day
    basis: str  # how the figures were planted, in words

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlantedCommitment:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class PlantedMargin:
    """The customer planted to cost more in AI than it pays."""

    customer: str  # as traces and the revenue name it
    title: str
    monthly_revenue: float  # USD, every traced month
    share_low: float  # AI cost (list price) ÷ revenue, lowest and highest whole month
    share_high: float
    basis: str


@dataclass(frozen=True, slots=True)
class PlantedLoop:
    """The agent run planted to loop."""

    run_id: str  # TRACE/SPAN of its invoke_agent span, in hex
    agent: str
    team: str  # its owner, by the demo's allocation rule on the agent
    feature: str
    customer: str
    day: str  # ISO date
    cost: float  # USD at list price (the demo bills at list price)
    median_multiple: float  # its cost ÷ the median run's, last 30 days
    p95_multiple: float  # its cost ÷ the agent's p95 run cost, last 30 days
    basis: str


@dataclass(frozen=True, slots=True)
class PlantedCustomers:
    """The demo's customers and traces, with what the Customers and Agent runs pages
    must find (None in the control)."""

    customers: int
    traced_from: str  # ISO date of the first traced day
    traced_share: tuple[float, float]  # of each stream's billed tokens, per day
    agent: str
    unprofitable: PlantedMargin | None
    loop: PlantedLoop | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlantedCustomers:
        margin, loop = data.get("unprofitable"), data.get("loop")
        return cls(int(data["customers"]), str(data["traced_from"]),
                   (float(data["traced_share"][0]), float(data["traced_share"][1])),
                   str(data["agent"]), None if margin is None else PlantedMargin(**margin),
                   None if loop is None else PlantedLoop(**loop))

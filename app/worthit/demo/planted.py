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

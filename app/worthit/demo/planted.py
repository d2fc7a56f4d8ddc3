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

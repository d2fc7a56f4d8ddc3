"""Prices each planted leak from exactly what the generator billed (see
:mod:`worthit.demo.planted` for the definitions)."""

from __future__ import annotations

import numpy as np

from worthit.analysis.leaks.base import Settings
from worthit.demo import company
from worthit.demo.catalog import INSTANCE_HOURLY, MODEL_PRICES, S3_STORAGE_GB_MONTH
from worthit.demo.company import Bill
from worthit.demo.planted import MONTH_DAYS, PlantedLeak

#: The share of NAT processing the hidden-network finding counts as avoidable (its
#: default setting's low end): the demo plants the whole charge, not a destination split.
NAT_SHARE_LOW = Settings().nat_share_low


def _window(values: np.ndarray) -> float:
    return float(np.sum(values[-MONTH_DAYS:]))


def planted_leaks(bill: Bill) -> list[PlantedLeak]:
    leaks: list[PlantedLeak] = []

    _machine, _hours, idle_cost = bill.machines[company.IDLE_ENDPOINT]
    leaks.append(PlantedLeak(
        "idle_capacity", "Idle SageMaker endpoint reco-staging (ml.g5.2xlarge, 2-4 % GPU)",
        "search", "recommendations", company.IDLE_ENDPOINT, _window(idle_cost),
        _window(idle_cost), "whole endpoint cost: scale to zero or delete"))

    _bucket, bucket_cost = bill.buckets[company.GRAVEYARD]
    share = 1.0 - S3_STORAGE_GB_MONTH["DEEP_ARCHIVE"] / S3_STORAGE_GB_MONTH["STANDARD"]
    leaks.append(PlantedLeak(
        "storage_graveyard", f"Old checkpoints in {company.GRAVEYARD}, no lifecycle policy",
        "ml-platform", "model-training", company.GRAVEYARD, _window(bucket_cost),
        _window(bucket_cost) * share, "storage cost × (1 − Deep Archive / Standard)"))

    triage = bill.streams["triage"]
    ratio = MODEL_PRICES["amazon.nova-micro-v1:0"].input / MODEL_PRICES[triage.stream.model].input
    leaks.append(PlantedLeak(
        "overpowered_model", "ticket-triage sends short requests to Nova Pro",
        "support", "ticket-triage", triage.stream.api_key, _window(triage.total_cost),
        _window(triage.total_cost) * (1.0 - ratio), "token cost × (1 − Nova Micro / Nova Pro)"))

    chat = bill.streams["docsearch-chat"]
    price = MODEL_PRICES[chat.stream.model].input / 1e6
    excess = chat.tokens["x_input_tokens"] - chat.requests * company.BLOAT_FROM
    leaks.append(PlantedLeak(
        "prompt_bloat", "document-search prompts grew from 2,500 to 8,000 tokens, uncached",
        "search", "document-search", chat.stream.api_key, _window(chat.cost["x_input_tokens"]),
        _window(np.clip(excess, 0, None) * price),
        "uncached input above 2,500 tokens per request × input price"))

    evals = bill.streams["eval"]
    leaks.append(PlantedLeak(
        "batch_eligible", "eval-nightly runs at synchronous prices every night",
        "ml-platform", "eval-nightly", evals.stream.api_key, _window(evals.total_cost),
        _window(evals.total_cost) * 0.5, "50 % of the token cost (batch tier)"))

    agent = bill.streams["code-review"]
    n = len(agent.requests)
    storm = np.zeros(n, dtype=bool)
    storm[[n - 1 - ago for ago in company.RUNAWAY_DAYS_AGO]] = True
    excess_cost = agent.total_cost * (1.0 - 1.0 / company.RUNAWAY_FACTOR)
    leaks.append(PlantedLeak(
        "runaway_agent", "code-review-agent retry storm (6× requests on three days)",
        "devex", "code-review-agent", agent.stream.api_key,
        _window(np.where(storm, agent.total_cost, 0.0)),
        0.0, "cost above the agent's own baseline, paid once",
        one_off=_window(np.where(storm, excess_cost, 0.0))))

    assert bill.nat_bytes_cost is not None and bill.cross_az_cost is not None
    leaks.append(PlantedLeak(
        "hidden_network", "NAT gateway data processing that nobody owns",
        None, None, company.NAT_ID, _window(bill.nat_bytes_cost),
        _window(bill.nat_bytes_cost) * NAT_SHARE_LOW,
        "NAT processing × the low end of the share assumed bound for S3 and DynamoDB "
        "(free through gateway endpoints; no bill says which bytes go where)"))
    leaks.append(PlantedLeak(
        "hidden_network", "recommendations pays for cross-AZ traffic",
        "search", "recommendations", company.RECO_NODES[0], _window(bill.cross_az_cost),
        _window(bill.cross_az_cost), "cross-AZ transfer: keep chatty services in one AZ"))

    untagged = sum(bill.untagged, start=np.zeros(n))
    leaks.append(PlantedLeak(
        "weak_attribution", "Untagged spend (no team, no feature)", None, None, None,
        _window(untagged), 0.0, "no saving: the untagged cost in the window"))

    g5 = sum((cost for m, _h, cost in bill.machines.values()
              if m.resource_id in company.RECO_NODES), start=np.zeros(n))
    hw_share = 1.0 - INSTANCE_HOURLY["inf2.xlarge"] / INSTANCE_HOURLY["g5.2xlarge"]
    leaks.append(PlantedLeak(
        "hardware_fit", "recommendations serves on g5.2xlarge; inf2.xlarge would do",
        "search", "recommendations", company.RECO_NODES[0], _window(g5), _window(g5) * hw_share,
        "instance cost × (1 − inf2.xlarge / g5.2xlarge hourly)"))
    return leaks

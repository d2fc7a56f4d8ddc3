"""The demo company's usage and infrastructure, with or without the planted leaks.

Everything here is a function of the calendar, a random generator and ``leaks``; the
figures a planted leak needs are handed back in :class:`Bill` so that
:mod:`worthit.demo.truth` can price each leak from exactly what was billed."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from worthit.demo import ai_usage, infra
from worthit.demo.ai_usage import Stream, StreamDays
from worthit.demo.catalog import (
    CROSS_AZ_PER_GB,
    INTER_REGION_PER_GB,
    INTERNET_EGRESS_PER_GB,
    TEAM_OF,
)
from worthit.demo.infra import PROD, RESEARCH, SHARED, Bucket, Machine
from worthit.demo.ledger import Calendar, Ledger

#: The only tag on the research sandbox's Bedrock traffic: tagged, yet no team.
RESEARCH_COST_CENTER = "rnd-410"

#: Where the planted leaks sit, in days before the end date (0 = the end date).
RUNAWAY_DAYS_AGO = (19, 18, 17)
RUNAWAY_FACTOR = 6.0
BLOAT_DAYS = 120
BLOAT_FROM, BLOAT_TO = 2500.0, 8000.0
GRAVEYARD = "ml-experiments-checkpoints-2024"
IDLE_ENDPOINT = "arn:aws:sagemaker:us-east-1:210987654321:endpoint/reco-staging"
NAT_ID = "arn:aws:ec2:us-east-1:456789012345:natgateway/nat-0a1b2c3d4e5f60718"
RECO_NODES = tuple(f"i-0reco{n:011d}" for n in range(1, 5))


@dataclass
class Bill:
    """What the generator billed, kept for pricing the planted leaks and for metrics."""

    streams: dict[str, StreamDays] = field(default_factory=dict)  # by stream key
    machines: dict[str, tuple[Machine, np.ndarray, np.ndarray]] = field(default_factory=dict)
    buckets: dict[str, tuple[Bucket, np.ndarray]] = field(default_factory=dict)
    nat_bytes_cost: np.ndarray | None = None
    cross_az_cost: np.ndarray | None = None
    untagged: list[np.ndarray] = field(default_factory=list)


def streams(leaks: bool) -> dict[str, Stream]:
    triage_model = "amazon.nova-pro-v1:0" if leaks else "amazon.nova-micro-v1:0"
    return {
        "support-sonnet": Stream(
            "support-assistant", "support", "claude-sonnet-4-5", 36_000, 0.03, 0.55,
            2_200, 5_200, 60, 420, "wrkspc_01SupportProd", "support-prod",
            "apikey_01SupportAssistant"),
        "support-haiku": Stream(
            "support-assistant", "support", "claude-haiku-4-5", 36_000, 0.03, 0.55,
            1_500, 0, 0, 150, "wrkspc_01SupportProd", "support-prod",
            "apikey_01SupportSummaries"),
        "triage": Stream(
            "ticket-triage", "support", triage_model, 240_000, 0.02, 0.5,
            600, 0, 0, 20, PROD, "prod-ml",
            "arn:aws:bedrock:us-east-1:210987654321:application-inference-profile/triage"),
        "docsearch-chat": Stream(
            "document-search", "search", "gpt-4.1-mini", 70_000, 0.03, 0.6,
            BLOAT_FROM, 0, 0, 320, "proj_DocSearch01", "document-search",
            "key_DocSearchProd01"),
        "docsearch-rewrite": Stream(
            "document-search", "search", "amazon.nova-lite-v1:0", 70_000, 0.03, 0.6,
            350, 0, 0, 60, PROD, "prod-ml",
            "arn:aws:bedrock:us-east-1:210987654321:application-inference-profile/rewrite"),
        "docsearch-embed": Stream(
            "document-search", "search", "text-embedding-3-small", 150_000, 0.03, 0.6,
            900, 0, 0, 0, "proj_DocSearch01", "document-search", "key_DocSearchEmbed01"),
        "code-review": Stream(
            "code-review-agent", "devex", "claude-sonnet-4-5", 22_000, 0.05, 0.2,
            3_800, 8_500, 300, 850, "wrkspc_02DevexAgents", "devex-agents",
            "apikey_02CodeReviewAgent"),
        "copilot": Stream(
            "analytics-copilot", "devex", "gpt-4o", 4_500, 0.04, 0.3,
            3_500, 1_500, 0, 550, "sub-7e1c2a90-analytics", "analytics-copilot",
            "aoai-analytics-copilot-eastus2"),
        "eval": Stream(
            "eval-nightly", "ml-platform", "gpt-4.1", 28_000, 0.02, 1.0,
            3_200, 0, 0, 480, "proj_EvalHarness01", "eval-harness", "key_EvalNightly01",
            batch=not leaks, env="eval"),
        # No team (in the leaky demo): a research sandbox tagged only with its cost centre,
        # and an untagged playground project.
        "sandbox-bedrock": Stream(
            None if leaks else "model-training", None if leaks else "ml-platform",
            "anthropic.claude-sonnet-4-5-20250929-v1:0", 3_000, 0.02, 0.4,
            3_000, 0, 0, 600, RESEARCH, "research-sandbox",
            "arn:aws:bedrock:us-east-1:345678901234:inference-profile/us.anthropic.claude",
            env="research", cost_center=RESEARCH_COST_CENTER if leaks else None),
        "playground": Stream(
            None if leaks else "analytics-copilot", None if leaks else "devex",
            "gpt-4.1", 1_500, 0.02, 0.3, 2_000, 0, 0, 500, "proj_Playground01",
            "playground", "key_Playground01"),
    }



def ai(cal: Calendar, rng: np.random.Generator, ledger: Ledger, bill: Bill, leaks: bool) -> None:
    for key, stream in streams(leaks).items():
        input_per_request = request_factor = None
        if leaks and key == "docsearch-chat":
            ramp = np.clip((cal.t - (len(cal) - BLOAT_DAYS)) / (BLOAT_DAYS - 1), 0.0, 1.0)
            input_per_request = BLOAT_FROM + (BLOAT_TO - BLOAT_FROM) * ramp
        if leaks and key == "code-review":
            request_factor = np.ones(len(cal))
            for ago in RUNAWAY_DAYS_AGO:
                request_factor[len(cal) - 1 - ago] = RUNAWAY_FACTOR
        days = ai_usage.realise(
            stream, cal, rng, input_per_request=input_per_request, request_factor=request_factor
        )
        ai_usage.bill(days, ledger)
        bill.streams[key] = days
        if stream.team is None:
            bill.untagged.append(days.total_cost)


def machines(
    leaks: bool, rng: np.random.Generator, n_days: int
) -> list[tuple[Machine, np.ndarray]]:
    """Machines with their hours per day."""
    always = np.full(n_days, 24.0)
    reco_type = "g5.2xlarge" if leaks else "inf2.xlarge"
    found: list[tuple[Machine, np.ndarray]] = []
    for node in RECO_NODES:
        found.append((Machine(node, reco_type, "search", "recommendations", PROD), always))
    found.append((Machine("arn:aws:sagemaker:us-east-1:210987654321:endpoint/support-embedder",
                          "ml.g5.xlarge", "support", "support-assistant", PROD,
                          sagemaker=True), always))
    if leaks:
        found.append((Machine(IDLE_ENDPOINT, "ml.g5.2xlarge", "search", "recommendations",
                              PROD, env="staging", sagemaker=True), always))
    # Training runs: two p4d nodes for five days in roughly two weeks of every five.
    weeks = (np.arange(n_days) // 7)
    running_weeks = rng.random(weeks.max() + 1) < 0.4
    run_days = running_weeks[weeks] & (np.arange(n_days) % 7 < 5)
    for n in (1, 2):
        found.append((Machine(f"i-0train{n:011d}", "p4d.24xlarge", "ml-platform",
                              "model-training", RESEARCH, env="research"),
                      np.where(run_days, 24.0, 0.0)))
    found.append((Machine("i-0jupyter0000000001", "g5.xlarge",
                          None if leaks else "ml-platform", None if leaks else "model-training",
                          RESEARCH, env="dev"), always))
    node_groups = {"support": 3, "search": 4, "devex": 2, "ml-platform": 2}
    main_feature = {"support": "support-assistant", "search": "document-search",
                    "devex": "code-review-agent", "ml-platform": "eval-nightly"}
    for team, count in node_groups.items():
        for n in range(count):
            found.append((Machine(f"i-0eks{team[:4]}{n:08d}", "m6i.2xlarge", team,
                                  main_feature[team], PROD, zone=f"us-east-1{'abc'[n % 3]}"),
                          always))
    return found


def utilisation(machine: Machine, hours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Daily mean GPU (or CPU) utilisation in per cent, 0 when the machine is off."""
    n = len(hours)
    if machine.resource_id == IDLE_ENDPOINT:
        level = rng.uniform(2.0, 4.0, n)
    elif machine.instance_type.startswith("p4d"):
        level = rng.uniform(85.0, 95.0, n)
    elif machine.resource_id.startswith("i-0reco"):
        level = rng.uniform(45.0, 65.0, n)
    else:
        level = rng.uniform(35.0, 60.0, n)
    return np.where(hours > 0, level, 0.0)


def buckets(leaks: bool) -> list[Bucket]:
    found = [
        Bucket("ml-training-datasets", "ml-platform", "model-training", 40, 80, True, 1),
        Bucket("support-transcripts", "support", "support-assistant", 4, 7, True, 0),
        Bucket("docs-search-index", "search", "document-search", 1.2, 1.6, False, 0),
    ]
    if leaks:
        found.append(Bucket(GRAVEYARD, "ml-platform", "model-training", 60, 60, False, 430))
    return found


def cloud(cal: Calendar, rng: np.random.Generator, ledger: Ledger, bill: Bill,
          leaks: bool) -> None:
    for machine, hours in machines(leaks, rng, len(cal)):
        cost = infra.machine_cost(machine, cal, ledger, hours)
        bill.machines[machine.resource_id] = (machine, hours, cost)
        if machine.team is None:
            bill.untagged.append(cost)
    for bucket in buckets(leaks):
        bill.buckets[bucket.name] = (bucket, infra.bucket_cost(bucket, cal, ledger))

    growth = cal.growth(0.03)
    nat_gb = (3_800.0 if leaks else 40.0) * growth * rng.lognormal(0.0, 0.08, len(cal))
    hour_cost, bill.nat_bytes_cost = infra.nat_gateway(cal, ledger, resource_id=NAT_ID,
                                                       gb_per_day=nat_gb)
    bill.untagged += [hour_cost, bill.nat_bytes_cost]
    transfers = (
        # gb/day, $/GB, usage type, service, resource, team, feature
        (2_500.0 if leaks else 50.0, CROSS_AZ_PER_GB, "USE1-DataTransfer-Regional-Bytes",
         "Amazon Elastic Compute Cloud", RECO_NODES[0], "search", "recommendations"),
        (300.0, INTER_REGION_PER_GB, "USE1-USW2-AWS-Out-Bytes",
         "Amazon Simple Storage Service", "support-transcripts", "support", "support-assistant"),
        (200.0, INTERNET_EGRESS_PER_GB, "USE1-DataTransfer-Out-Bytes",
         "Amazon CloudFront", "E2DOCSEARCH01", "search", "document-search"),
    )
    for gb, per_gb, usage_type, service, resource, team, feature in transfers:
        cost = infra.transfer_cost(
            cal, ledger, gb_per_day=gb * growth * rng.lognormal(0.0, 0.08, len(cal)),
            per_gb=per_gb, usage_type=usage_type, service_name=service, resource_id=resource,
            account=PROD, team=team, feature=feature)
        if usage_type.endswith("Regional-Bytes"):
            bill.cross_az_cost = cost

    flat = (
        # $/day, service, category, usage type, resource, team, feature, account, category
        (45.0, "Amazon OpenSearch Service", "Analytics", "USE1-ESInstance:r6g.large",
         "docs-search-domain", "search", "document-search", PROD, "Usage"),
        (38.0, "AmazonCloudWatch", "Management and Governance", "USE1-CW:MetricMonitorUsage",
         "cloudwatch", None if leaks else "ml-platform", None if leaks else "eval-nightly",
         SHARED, "Usage"),
        (95.0, "AWS Support (Business)", "Management and Governance", "Dollar",
         "aws-support", None if leaks else "ml-platform", None if leaks else "eval-nightly",
         SHARED, "Purchase"),
    )
    for per_day, service, category, usage_type, resource, team, feature, account, charge in flat:
        cost = infra.flat_service(
            cal, ledger, rng, per_day=per_day, service_name=service, category=category,
            usage_type=usage_type, resource_id=resource, team=team, feature=feature,
            account=account, charge_category=charge)
        if team is None:
            bill.untagged.append(cost)


def fleet(cal: Calendar, rng: np.random.Generator, ledger: Ledger, bill: Bill, size: int,
          leaks: bool) -> None:
    """Many small resources (volumes, small instances, functions): the long tail a real
    bill has. ``size`` sets how many; the large scale uses it to reach millions of rows."""
    features = sorted(TEAM_OF)
    for n in range(size):
        untagged = leaks and rng.random() < 0.08
        feature = None if untagged else features[n % len(features)]
        team = None if feature is None else TEAM_OF[feature]
        per_day = rng.uniform(0.5, 6.0)
        cost = infra.flat_service(
            cal, ledger, rng, per_day=per_day, service_name="Amazon Elastic Block Store",
            category="Storage", usage_type="USE1-EBS:VolumeUsage.gp3",
            resource_id=f"vol-0{n:016x}", team=team, feature=feature,
            account=(PROD, RESEARCH, SHARED)[n % 3])
        if untagged:
            bill.untagged.append(cost)

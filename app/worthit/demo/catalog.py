"""Who the demo company is and what it pays: teams, features, accounts, list prices.

Model prices are public list prices (USD) as published by the vendors; the date says when
they were read. AWS infrastructure prices come from ``resources/prices/aws-us-east-1.json``.
The demo bills at these prices so that every later analysis can be checked against them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from worthit.paths import resource

PRICES_AS_OF: Final = "2026-11-01"
SOURCE_ID: Final = "demo"
PAYER_ACCOUNT: Final = "111122223333"


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    team: str
    description: str


TEAMS: Final[dict[str, str]] = {
    "support": "Support AI",
    "search": "Search & Discovery",
    "devex": "Developer Experience",
    "ml-platform": "ML Platform",
}

FEATURES: Final[tuple[Feature, ...]] = (
    Feature("support-assistant", "support", "Answers and resolves customer tickets"),
    Feature("ticket-triage", "support", "Routes incoming tickets to a queue"),
    Feature("document-search", "search", "Retrieval-augmented answers over the docs"),
    Feature("recommendations", "search", "Self-hosted recommendation model"),
    Feature("code-review-agent", "devex", "Reviews every pull request"),
    Feature("analytics-copilot", "devex", "Natural-language questions over metrics"),
    Feature("eval-nightly", "ml-platform", "Nightly evaluation runs of prompts and models"),
    Feature("model-training", "ml-platform", "Fine-tuning and training runs"),
)
TEAM_OF: Final[dict[str, str]] = {f.name: f.team for f in FEATURES}

#: AWS linked accounts: id -> name.
AWS_ACCOUNTS: Final[dict[str, str]] = {
    "210987654321": "prod-ml",
    "345678901234": "research-sandbox",
    "456789012345": "platform-shared",
}


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million tokens. ``cache_write`` is the 5-minute write where vendors have
    two; ``None`` where the vendor has no such price."""

    provider: str  # who bills it (FOCUS ProviderName)
    publisher: str  # who made the model (FOCUS PublisherName)
    service: str
    model: str
    input: float
    output: float
    cached_input: float | None
    cache_write: float | None
    usage_prefix: str  # the vendor's usage-type stem


MODEL_PRICES: Final[dict[str, ModelPrice]] = {
    p.model: p
    for p in (
        ModelPrice("AWS", "Amazon", "Amazon Bedrock", "amazon.nova-micro-v1:0",
                   0.035, 0.14, 0.00875, None, "USE1-NovaMicro"),
        ModelPrice("AWS", "Amazon", "Amazon Bedrock", "amazon.nova-lite-v1:0",
                   0.06, 0.24, 0.015, None, "USE1-NovaLite"),
        ModelPrice("AWS", "Amazon", "Amazon Bedrock", "amazon.nova-pro-v1:0",
                   0.80, 3.20, 0.20, None, "USE1-NovaPro"),
        # Through a US (geographic) inference profile: 10 % over the global price.
        ModelPrice("AWS", "Anthropic", "Amazon Bedrock",
                   "anthropic.claude-sonnet-4-5-20250929-v1:0",
                   3.30, 16.50, 0.33, 4.125, "USE1-Claude4.5Sonnet"),
        ModelPrice("Anthropic", "Anthropic", "Claude API", "claude-sonnet-4-5",
                   3.00, 15.00, 0.30, 3.75, "claude-sonnet-4-5"),
        ModelPrice("Anthropic", "Anthropic", "Claude API", "claude-haiku-4-5",
                   1.00, 5.00, 0.10, 1.25, "claude-haiku-4-5"),
        ModelPrice("OpenAI", "OpenAI", "OpenAI API", "gpt-4.1",
                   2.00, 8.00, 0.50, None, "gpt-4.1"),
        ModelPrice("OpenAI", "OpenAI", "OpenAI API", "gpt-4.1-mini",
                   0.40, 1.60, 0.10, None, "gpt-4.1-mini"),
        ModelPrice("OpenAI", "OpenAI", "OpenAI API", "text-embedding-3-small",
                   0.02, 0.0, None, None, "text-embedding-3-small"),
        ModelPrice("Microsoft", "OpenAI", "Azure OpenAI Service", "gpt-4o",
                   2.50, 10.00, 1.25, None, "gpt-4o-global"),
    )
}


def _aws_prices() -> dict[str, Any]:
    with resource("prices", "aws-us-east-1.json").open(encoding="utf-8") as file:
        return json.load(file)  # type: ignore[no-any-return]


_AWS: Final = _aws_prices()
AWS_PRICES_AS_OF: Final[str] = _AWS["as_of"]
#: USD per hour, on demand, Linux, us-east-1.
INSTANCE_HOURLY: Final[dict[str, float]] = _AWS["instance_hourly"]
#: USD per GB-month.
S3_STORAGE_GB_MONTH: Final[dict[str, float]] = _AWS["s3_storage_gb_month"]
NAT_HOURLY: Final[float] = _AWS["network"]["nat_gateway_hourly"]
NAT_PER_GB: Final[float] = _AWS["network"]["nat_gateway_per_gb"]
CROSS_AZ_PER_GB: Final[float] = _AWS["network"]["cross_az_per_gb"]  # out of one AZ + into another
INTER_REGION_PER_GB: Final[float] = _AWS["network"]["inter_region_per_gb"]
INTERNET_EGRESS_PER_GB: Final[float] = _AWS["network"]["internet_egress_per_gb"]

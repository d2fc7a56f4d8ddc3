"""The demo's AI-vendor usage: one stream per feature and model, billed per token type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from worthit.core.focus import AI_CATEGORY
from worthit.demo.catalog import AWS_ACCOUNTS, MODEL_PRICES, PAYER_ACCOUNT
from worthit.demo.ledger import Calendar, Ledger, tags

#: FOCUS BillingAccountId per provider.
BILLING_ACCOUNTS = {
    "AWS": PAYER_ACCOUNT,
    "OpenAI": "org-7Hq2WorthitDemo",
    "Anthropic": "anthropic-org-3f9c1d",
    "Microsoft": "ea-80114422",
}
REGIONS = {"AWS": "us-east-1", "OpenAI": "global", "Anthropic": "global", "Microsoft": "eastus2"}
TOKEN_KINDS = (
    # (charge column, usage-type suffix, price attribute)
    ("x_input_tokens", "input-tokens", "input"),
    ("x_cached_input_tokens", "cache-read-input-tokens", "cached_input"),
    ("x_cache_write_tokens", "cache-write-input-tokens", "cache_write"),
    ("x_output_tokens", "output-tokens", "output"),
)


@dataclass(frozen=True, slots=True)
class Stream:
    """One feature's traffic to one model through one key."""

    feature: str | None
    team: str | None
    model: str
    requests: float  # per weekday at the start
    growth: float  # per month
    weekend: float  # weekend traffic as a share of weekdays
    input: float  # uncached input tokens per request
    cached: float  # cache-read input tokens per request
    write: float  # cache-write input tokens per request
    output: float  # output tokens per request
    sub_account_id: str
    sub_account_name: str
    api_key: str
    batch: bool = False
    env: str = "prod"
    cost_center: str | None = None  # the only tag of an otherwise untagged stream


@dataclass(frozen=True, slots=True)
class StreamDays:
    """A stream's realised daily figures (arrays over the calendar)."""

    stream: Stream
    requests: np.ndarray
    tokens: dict[str, np.ndarray]  # charge column -> tokens per day
    cost: dict[str, np.ndarray]  # charge column -> USD per day

    @property
    def total_cost(self) -> np.ndarray:
        return sum(self.cost.values(), start=np.zeros_like(self.requests, dtype=float))


def realise(
    stream: Stream,
    cal: Calendar,
    rng: np.random.Generator,
    *,
    input_per_request: np.ndarray | None = None,
    request_factor: np.ndarray | None = None,
) -> StreamDays:
    """Draw a stream's daily requests and tokens, and price them at list prices."""
    noise = rng.lognormal(0.0, 0.06, len(cal))
    requests = stream.requests * cal.growth(stream.growth) * cal.week_shape(stream.weekend)
    requests = np.round(requests * noise * (1.0 if request_factor is None else request_factor))
    per_request = {
        "x_input_tokens": stream.input if input_per_request is None else input_per_request,
        "x_cached_input_tokens": stream.cached,
        "x_cache_write_tokens": stream.write,
        "x_output_tokens": stream.output,
    }
    price = MODEL_PRICES[stream.model]
    batch_factor = 0.5 if stream.batch else 1.0
    tokens: dict[str, np.ndarray] = {}
    cost: dict[str, np.ndarray] = {}
    for column, _suffix, attribute in TOKEN_KINDS:
        count = np.round(requests * per_request[column] * rng.lognormal(0.0, 0.02, len(cal)))
        rate = getattr(price, attribute)
        if rate is None or not count.any():
            continue
        tokens[column] = count
        cost[column] = count * rate / 1e6 * batch_factor
    return StreamDays(stream, requests, tokens, cost)


def bill(days: StreamDays, ledger: Ledger) -> None:
    """Write a stream's daily usage as one charge row per token type, as vendors bill."""
    stream = days.stream
    price = MODEL_PRICES[stream.model]
    account = stream.sub_account_id
    common = {
        "provider_name": price.provider,
        "publisher_name": price.publisher,
        "billing_account_id": BILLING_ACCOUNTS[price.provider],
        "sub_account_id": account,
        "sub_account_name": stream.sub_account_name or AWS_ACCOUNTS.get(account),
        "service_category": AI_CATEGORY,
        "service_name": price.service,
        "region_id": REGIONS[price.provider],
        "resource_id": stream.api_key,
        "resource_type": "Inference profile" if price.provider == "AWS" else "API key",
        "x_model": stream.model,
        "consumed_unit": "Tokens",
        "tags": tags(stream.team, stream.feature, stream.env, stream.cost_center),
        "x_batch": int(stream.batch),
    }
    first = True
    for column, suffix, _attribute in TOKEN_KINDS:
        if column not in days.tokens:
            continue
        usage_type = f"{price.usage_prefix}-{suffix}" + ("-batch" if stream.batch else "")
        extra = {"x_requests": days.requests.astype(np.int64)} if first else {}
        first = False
        ledger.add(
            days.cost[column],
            sku_id=f"{stream.model}:{suffix}",
            x_usage_type=usage_type,
            consumed_quantity=days.tokens[column],
            **{column: days.tokens[column].astype(np.int64)},
            **extra,
            **common,
        )


def hourly_profile(stream: Stream) -> np.ndarray:
    """Share of a day's requests in each UTC hour: office hours, or 01:00-04:00 for
    nightly jobs."""
    hours = np.arange(24)
    if stream.feature == "eval-nightly":
        shape = np.where((hours >= 1) & (hours < 4), 1.0, 0.0)
    else:
        shape = 0.25 + np.exp(-0.5 * ((hours - 15.0) / 3.5) ** 2)
    return shape / shape.sum()


def vendor_names(streams: dict[str, Stream]) -> dict[str, list[tuple[str, str, str]]]:
    """What the vendors' admin APIs would name the streams' keys and projects, by
    provider: (kind, id, name), the key named after its stream (``code-review``), the
    project by its name on the bill. AWS names no API keys (inference profiles are ARNs)."""
    found: dict[str, set[tuple[str, str, str]]] = {}
    for key, stream in streams.items():
        provider = MODEL_PRICES[stream.model].provider
        if provider == "AWS":
            continue
        project = "workspace" if provider == "Anthropic" else "project"
        found.setdefault(provider, set()).update({
            ("api_key", stream.api_key, key),
            (project, stream.sub_account_id, stream.sub_account_name)})
    return {provider: sorted(names) for provider, names in found.items()}

"""Anthropic organisation usage and costs, through the Admin API's usage and cost reports
(admin API key).

Money comes from the cost report, which reconciles to the invoice: one charge per day,
workspace and description (which names the model, the token type and the service tier).
Its ``amount`` is a decimal string in cents ("123.45" is $1.2345), read as a Decimal and
then turned into dollars, so no float rounds the cents first. Tokens come from the messages
usage report per day, model, API key, workspace and service tier, as charges of no cost, so
the totals stay the cost report's while each model's tokens are known. Anthropic counts
uncached input, cache reads and cache writes (5-minute and 1-hour) apart, as the cache
does. The usage report has no request count, so this source gives no hourly ``Requests``
metrics per API key (as OpenAI's does): the runaway-agent and spike detectors get no hourly
series for Anthropic's keys, and no count is made up to stand in for one.

The names of the organisation's API keys and workspaces (archived ones too) are listed for
the sync to keep (:func:`names`, :mod:`worthit.sources.vendor_names`); a list the key may
not read is a warning, not a failure.

Both reports are marked legacy in favour of the beta analytics API. Each is read by one
small adapter (:class:`Report`: its path, its grouping and the reader of one result), so
moving to the new API replaces the adapters and nothing else. The admin key travels in
``x-api-key``; timeouts and deadlines, the caps on calls, on an answer's size and on one
charge's amount, retries and plain-words refusals are :mod:`worthit.sources.http`'s."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from worthit.core.errors import UserError
from worthit.core.focus import AI_CATEGORY
from worthit.sources import vendor_names
from worthit.sources.bill import BillFile, Progress, never
from worthit.sources.connectors import Setting
from worthit.sources.http import (
    RFC_3339,
    Share,
    Vendor,
    Where,
    checked_amount,
    count,
    money,
    rfc3339,
    row,
    text,
)

DEFAULT_ENDPOINT: Final = "https://api.anthropic.com"
VERSION: Final = "2023-06-01"
ANTHROPIC: Final = Vendor(
    name="Anthropic", default_endpoint=DEFAULT_ENDPOINT,
    headers=lambda key: {"x-api-key": key, "anthropic-version": VERSION},
    key_hint="check it is an Admin API key (sk-ant-admin...), not an ordinary API key",
    stamp=RFC_3339)
COSTS: Final = "/v1/organizations/cost_report"
USAGE: Final = "/v1/organizations/usage_report/messages"
LIMIT: Final = 31  # daily buckets per page: the most either report allows
#: The lists of names (``after_id`` pages them by object id; 1,000 is the most a page holds).
API_KEYS: Final = "/v1/organizations/api_keys"
WORKSPACES: Final = "/v1/organizations/workspaces"
LIST_LIMIT: Final = 1_000
#: A decimal number as the cost report writes one (Decimal alone would take "1_0" and "NaN").
AMOUNT: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?")
#: A model id quoted in a description ("claude-sonnet-4-20250514").
MODEL: Final = re.compile(r"\bclaude-[a-z0-9][a-z0-9.-]*[a-z0-9]\b")
COMMON: Final = {"provider_name": "Anthropic", "publisher_name": "Anthropic",
                 "service_category": AI_CATEGORY, "service_name": "Claude API",
                 "region_id": "global", "charge_category": "Usage"}
#: The cost report's ``cost_type`` values priced per use (per token, per web search, per
#: hour of code execution): FOCUS's Usage-Based charges. Another type, or none, states no
#: frequency.
PER_USE: Final = ("tokens", "web_search", "code_execution")

#: Reads one result of a report into a charge: (result, day, what was found, where).
Reader = Callable[[dict[str, Any], dt.date, BillFile, Where], list[Any]]


@dataclass(frozen=True)
class Report:
    """One endpoint of the Admin API: where it is, how it is grouped, and how a result
    becomes a charge."""

    path: str
    group_by: tuple[str, ...]
    read: Reader


def pull(settings: dict[str, Any], secret: str | None, start: dt.date, end: dt.date,
         found: BillFile, *, cancelled: Callable[[], bool] = never,
         progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of the days ``start``..``end`` (UTC): costs first, then tokens."""
    workspaces = {w.strip() for w in str(settings.get("workspace") or "").split(",")
                  if w.strip()}
    window = {"starting_at": rfc3339(start), "ending_at": rfc3339(end + dt.timedelta(days=1)),
              "bucket_width": "1d", "limit": LIMIT}
    share = Share(progress, start, end, parts=len(REPORTS))
    with ANTHROPIC.connect(settings.get("endpoint"), secret, cancelled, found) as api:
        for part, report in enumerate(REPORTS):
            for page in api.pages(report.path, {**window,
                                                "group_by[]": list(report.group_by)}):
                for day, results in ANTHROPIC.buckets(page, start, end, report.path):
                    for n, result in enumerate(results, 1):
                        where = ANTHROPIC.where(report.path, f"{day} result {n}")
                        if not isinstance(result, dict):
                            raise where.bad("is not an object")
                        # Filtered here, not by the API: the cost report takes no filter.
                        if workspaces and text(result, "workspace_id", where) not in workspaces:
                            continue
                        found.rows_read += 1
                        yield report.read(result, day, found, where)
                    share.reached(part, day)
    share.done()


def test(settings: dict[str, Any], secret: str | None) -> str:
    """One call to the cost report for yesterday, asked as a sync asks: proves the
    endpoint, the admin key and the query."""
    today = dt.datetime.now(dt.UTC).date()
    costs = REPORTS[0]
    with ANTHROPIC.connect(settings.get("endpoint"), secret) as api:
        api.get(costs.path, {"starting_at": rfc3339(today - dt.timedelta(days=1)),
                             "ending_at": rfc3339(today), "bucket_width": "1d",
                             "group_by[]": list(costs.group_by), "limit": 1})
    return f"Connected to {api.endpoint}: the admin key reads the organisation's costs."


def names(settings: dict[str, Any], secret: str | None, found: BillFile,
          cancelled: Callable[[], bool] = never) -> vendor_names.Names:
    """The names of the organisation's API keys (whatever their status) and workspaces
    (archived ones too); a list that fails is a warning, the other is still listed."""
    listed = vendor_names.Names(ANTHROPIC.name)
    lists: tuple[tuple[str, str, str, dict[str, str], tuple[str, ...]], ...] = (
        ("API keys", "api_key", API_KEYS, {}, ("name", "partial_key_hint")),
        ("workspaces", "workspace", WORKSPACES, {"include_archived": "true"}, ("name",)))
    with ANTHROPIC.connect(settings.get("endpoint"), secret, cancelled, found) as api:
        for what, kind, path, params, fields in lists:
            try:
                for item in vendor_names.listed(api, path, {**params, "limit": LIST_LIMIT},
                                                "after_id"):
                    name = vendor_names.name_of(item, *fields)
                    if name:
                        listed.names.append((kind, item["id"], name))
            except UserError as error:
                listed.failed(what, error)
    return listed


def _cost(result: dict[str, Any], day: dt.date, found: BillFile, where: Where) -> list[Any]:
    shown = result.get("amount")
    value = checked_amount(dollars(shown), shown, where, "amount",
                           "a decimal number of cents")
    description = text(result, "description", where)
    return row(day, COMMON, **money(found, day, value, result.get("currency"), where, "currency"),
               sub_account_id=text(result, "workspace_id", where), x_usage_type=description,
               x_model=text(result, "model", where) or model_of(description),
               x_batch=_batch(result, where),
               charge_frequency="Usage-Based" if result.get("cost_type") in PER_USE else None)


def _usage(result: dict[str, Any], day: dt.date, found: BillFile, where: Where
           ) -> list[Any]:
    nested = {**_inner(result, "cache_creation", where),
              **_inner(result, "server_tool_use", where)}
    written = sum(count(nested, f"cache_creation.ephemeral_{ttl}_input_tokens", where,
                        required=False) or 0 for ttl in ("5m", "1h"))
    searches = count(nested, "server_tool_use.web_search_requests", where, required=False)
    key = text(result, "api_key_id", where)
    # The messages usage report counts usage: Usage-Based, as FOCUS defines it.
    return row(day, COMMON, billed_cost=0.0, effective_cost=0.0,
               billing_currency=found.currency or "USD", charge_frequency="Usage-Based",
               sub_account_id=text(result, "workspace_id", where), resource_id=key,
               resource_type="API key" if key else None, x_usage_type="messages",
               x_model=text(result, "model", where),
               x_input_tokens=count(result, "uncached_input_tokens", where),
               x_cached_input_tokens=count(result, "cache_read_input_tokens", where,
                                           required=False) or 0,
               x_cache_write_tokens=written,
               x_output_tokens=count(result, "output_tokens", where),
               consumed_quantity=searches or None,
               consumed_unit="Web search requests" if searches else None,
               x_batch=_batch(result, where))


REPORTS: Final = (
    Report(COSTS, ("workspace_id", "description"), _cost),
    Report(USAGE, ("model", "api_key_id", "workspace_id", "service_tier"), _usage),
)


def dollars(amount: Any) -> float | None:
    """Dollars from the cost report's ``amount``, a decimal string in cents ("123.45" is
    $1.2345), or None when it is not a finite number."""
    if isinstance(amount, bool) or not isinstance(amount, str | int | float):
        return None
    digits = amount.strip() if isinstance(amount, str) else repr(amount)
    if not AMOUNT.fullmatch(digits):
        return None
    value = float(Decimal(digits) / 100)
    return value if math.isfinite(value) else None


def model_of(description: str | None) -> str | None:
    """The model id a cost description quotes, or None (a web search, or a model named
    only by its marketing name)."""
    found = MODEL.search(description or "")
    return found[0] if found else None


def _inner(result: dict[str, Any], field: str, where: Where) -> dict[str, Any]:
    """An object's fields, named from the result ("cache_creation.ephemeral_5m_...")."""
    inner = result.get(field)
    if inner is None:
        return {}
    if not isinstance(inner, dict):
        raise where.bad(f"'{field}' is {inner!r}, not an object")
    return {f"{field}.{name}": value for name, value in inner.items()}


def _batch(result: dict[str, Any], where: Where) -> int | None:
    """1 for the batch tier, 0 for another, None when the result names none."""
    tier = text(result, "service_tier", where)
    return None if tier is None else int(tier == "batch")


CONNECTOR: Final = ANTHROPIC.register(
    "anthropic", pull, test,
    Setting("workspace", "only these workspaces (ids like wrkspc_01..., comma-separated); "
                         "empty for the whole organisation"))

vendor_names.register("anthropic", names)

__all__ = ["ANTHROPIC", "API_KEYS", "CONNECTOR", "REPORTS", "WORKSPACES", "Report", "dollars",
           "model_of", "names", "pull"]

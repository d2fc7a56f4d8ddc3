"""OpenAI organisation usage and costs, through the Usage and Costs APIs (admin API key).

Money comes from ``/v1/organization/costs``, which reconciles to the invoice: one charge per
day, project and line item ("gpt-4o-2024-08-06, input"). Tokens come from the usage
endpoints (completions, embeddings, images) per day, project, model, API key and batch
tier, as charges of no cost, so the totals stay the Costs API's while each model's tokens
are known. OpenAI's ``input_tokens`` counts cached input and cache writes too; the cache
keeps them apart (``x_input_tokens`` is uncached input only, see :mod:`worthit.core.focus`).
The usage endpoints are grouped by user too (``user_id``, documented for completions,
embeddings and images): a result's user is kept in the charge's tags as ``{"user_id": ...}``.
The usage charges cost nothing, so the finer grouping splits tokens, never money.
Last, the completions endpoint in hourly buckets per API key gives each key's requests per
hour (``num_model_requests``), as the ``Requests`` metrics the runaway-agent and spike
detectors read (:mod:`worthit.store.metrics`); a bucket's result without a key is skipped.

The names of projects (archived ones too), of each project's API keys and of the
organisation's users are listed for the sync to keep (:func:`names`,
:mod:`worthit.sources.vendor_names`); a list the key may not read is a warning, not a
failure.

The admin key travels in ``Authorization: Bearer``; timeouts and deadlines, the caps on
calls, on an answer's size and on one charge's amount, retries and plain-words refusals are
:mod:`worthit.sources.http`'s."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any, Final
from urllib.parse import quote

from worthit.core.errors import UserError
from worthit.core.focus import AI_CATEGORY
from worthit.sources import vendor_names
from worthit.sources.bill import BillFile, Progress, never
from worthit.sources.connectors import Setting
from worthit.sources.http import (
    UNIX_SECONDS,
    Api,
    Share,
    Vendor,
    Where,
    checked_amount,
    count,
    money,
    row,
    text,
    unix,
)

DEFAULT_ENDPOINT: Final = "https://api.openai.com"
OPENAI: Final = Vendor(
    name="OpenAI", default_endpoint=DEFAULT_ENDPOINT,
    headers=lambda key: {"Authorization": f"Bearer {key}"},
    key_hint="check it is an admin key (sk-admin-...), not a project or user key",
    stamp=UNIX_SECONDS)
COSTS: Final = "/v1/organization/costs"
#: Usage endpoints and the fields each groups by (embeddings and images have no batch tier,
#: and OpenAI refuses a grouping an endpoint lacks; all three document ``user_id``).
USAGE: Final = (
    ("/v1/organization/usage/completions",
     ("project_id", "model", "api_key_id", "batch", "user_id")),
    ("/v1/organization/usage/embeddings", ("project_id", "model", "api_key_id", "user_id")),
    ("/v1/organization/usage/images", ("project_id", "model", "api_key_id", "user_id")),
)
COSTS_LIMIT: Final = 180  # daily buckets per page: the most the Costs API allows
USAGE_LIMIT: Final = 31  # the most the usage endpoints allow for daily buckets
#: Requests per API key per hour come from the completions endpoint in hourly buckets.
HOURLY: Final = "/v1/organization/usage/completions"
HOURLY_LIMIT: Final = 168  # the most the usage endpoints allow for hourly buckets
#: The lists of names (``after`` pages them by object id; 100 is the most a page holds).
PROJECTS: Final = "/v1/organization/projects"
USERS: Final = "/v1/organization/users"
LIST_LIMIT: Final = 100
#: A model id at the head of a line item: "gpt-4o-2024-08-06, input", "ft:gpt-4o-mini:org::x".
MODEL: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")
COMMON: Final = {"provider_name": "OpenAI", "publisher_name": "OpenAI",
                 "service_category": AI_CATEGORY, "service_name": "OpenAI API",
                 "region_id": "global", "charge_category": "Usage"}


def pull(settings: dict[str, Any], secret: str | None, start: dt.date, end: dt.date,
         found: BillFile, *, cancelled: Callable[[], bool] = never,
         progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of the days ``start``..``end`` (UTC): costs first, then tokens; then
    each API key's requests per hour, into ``found.metrics``."""
    projects = [p.strip() for p in str(settings.get("project") or "").split(",") if p.strip()]
    window = {"start_time": unix(start), "end_time": unix(end + dt.timedelta(days=1)),
              "bucket_width": "1d", **({"project_ids": projects} if projects else {})}
    share = Share(progress, start, end, parts=2 + len(USAGE))
    with OPENAI.connect(settings.get("endpoint"), secret, cancelled, found) as api:
        costs = {**window, "group_by": ["project_id", "line_item"], "limit": COSTS_LIMIT}
        for page in api.pages(COSTS, costs):
            for day, results in OPENAI.buckets(page, start, end, COSTS):
                for n, result in enumerate(results, 1):
                    found.rows_read += 1
                    yield _cost(result, day, found, OPENAI.where(COSTS, f"{day} result {n}"))
                share.reached(0, day)
        for part, (path, group_by) in enumerate(USAGE, 1):
            kind = path.rsplit("/", 1)[1]
            usage = {**window, "group_by": list(group_by), "limit": USAGE_LIMIT}
            for page in api.pages(path, usage):
                for day, results in OPENAI.buckets(page, start, end, path):
                    for n, result in enumerate(results, 1):
                        found.rows_read += 1
                        yield _usage(kind, result, day, found.currency or "USD",
                                     OPENAI.where(path, f"{day} result {n}"))
                    share.reached(part, day)
        found.metrics = _hourly_requests(api, window, start, end, found, share,
                                         part=1 + len(USAGE))
    share.done()


def _hourly_requests(api: Api, window: dict[str, Any], start: dt.date, end: dt.date,
                     found: BillFile, share: Share, part: int) -> list[tuple[Any, ...]]:
    """Each API key's requests in each hour of the window, as metric rows: a result
    without a key is skipped."""
    hourly = {**window, "bucket_width": "1h", "group_by": ["api_key_id"],
              "limit": HOURLY_LIMIT}
    requests: dict[tuple[str, str], int] = {}
    for page in api.pages(HOURLY, hourly):
        for when, results in OPENAI.stamped(page, start, end, HOURLY):
            hour = when.strftime("%Y-%m-%dT%H:00:00Z")
            if when.minute or when.second or when.microsecond:
                raise OPENAI.where(HOURLY, f"hourly bucket at {when.isoformat()}").bad(
                    "'start_time' is not on the hour")
            for n, result in enumerate(results, 1):
                found.rows_read += 1
                where = OPENAI.where(HOURLY, f"hour {hour} result {n}")
                if not isinstance(result, dict):
                    raise where.bad("is not an object")
                key = text(result, "api_key_id", where)
                made = count(result, "num_model_requests", where)
                if key is not None:
                    requests[hour, key] = requests.get((hour, key), 0) + (made or 0)
            share.reached(part, when.date())
    return [(hour, "hour", key, "Requests", "Sum", float(made), "Count")
            for (hour, key), made in sorted(requests.items())]


def test(settings: dict[str, Any], secret: str | None) -> str:
    """One call to the Costs API for yesterday: proves the endpoint and the admin key."""
    today = dt.datetime.now(dt.UTC).date()
    with OPENAI.connect(settings.get("endpoint"), secret) as api:
        api.get(COSTS, {"start_time": unix(today - dt.timedelta(days=1)),
                        "end_time": unix(today), "bucket_width": "1d", "limit": 1})
    return f"Connected to {api.endpoint}: the admin key reads the organisation's costs."


def _cost(result: Any, day: dt.date, found: BillFile, where: Where) -> list[Any]:
    if not isinstance(result, dict):
        raise where.bad("is not an object")
    amount = result.get("amount")
    if not isinstance(amount, dict):
        raise where.bad("'amount' is missing")
    shown = amount.get("value")
    value = checked_amount(_dollars(shown), shown, where, "amount.value", "a number of dollars")
    line_item = text(result, "line_item", where)
    return row(day, COMMON,
               **money(found, day, value, amount.get("currency"), where, "amount.currency"),
               sub_account_id=text(result, "project_id", where), x_usage_type=line_item,
               x_model=model_of(line_item))


def _usage(kind: str, result: Any, day: dt.date, currency: str, where: Where) -> list[Any]:
    if not isinstance(result, dict):
        raise where.bad("is not an object")
    requests = count(result, "num_model_requests", where)
    key = text(result, "api_key_id", where)
    user = text(result, "user_id", where)
    # What the usage endpoints count is usage: FOCUS's Usage-Based charges, recorded only
    # when the service is used. (The Costs API says nothing of a line item's frequency.)
    common = {**COMMON, "billed_cost": 0.0, "effective_cost": 0.0,
              "billing_currency": currency, "charge_frequency": "Usage-Based",
              "sub_account_id": text(result, "project_id", where), "resource_id": key,
              "resource_type": "API key" if key else None, "x_usage_type": kind,
              "x_model": text(result, "model", where), "x_requests": requests,
              "tags": json.dumps({"user_id": user}) if user else None}
    if kind == "images":
        return row(day, common, consumed_quantity=count(result, "images", where),
                   consumed_unit="Images")
    given = count(result, "input_tokens", where) or 0  # required: missing is refused
    if kind == "embeddings":
        return row(day, common, x_input_tokens=given)
    cached = count(result, "input_cached_tokens", where, required=False) or 0
    written = count(result, "input_cache_write_tokens", where, required=False)
    uncached = count(result, "input_uncached_tokens", where, required=False)
    if uncached is None:  # older answers: input_tokens counts cached input and writes too
        uncached = given - cached - (written or 0)
        if uncached < 0:
            raise where.bad(f"'input_tokens' ({given}) is less than its cached tokens "
                            f"({cached}) and cache writes ({written or 0})")
    batch = result.get("batch")
    if batch is not None and not isinstance(batch, bool):
        raise where.bad(f"'batch' is {batch!r}, not true or false")
    return row(day, common, x_input_tokens=uncached, x_cached_input_tokens=cached,
               x_cache_write_tokens=written,
               x_output_tokens=count(result, "output_tokens", where),
               x_batch=None if batch is None else int(batch))


def names(settings: dict[str, Any], secret: str | None, found: BillFile,
          cancelled: Callable[[], bool] = never) -> vendor_names.Names:
    """The names of the organisation's projects (archived ones too), of the API keys of
    each project in use (or of the ``project`` setting's, when it names some) and of its
    users; a list that fails is a warning, the others are still listed."""
    listed = vendor_names.Names(OPENAI.name)
    only = [p.strip() for p in str(settings.get("project") or "").split(",") if p.strip()]
    with OPENAI.connect(settings.get("endpoint"), secret, cancelled, found) as api:
        projects: list[str] = list(only)
        try:
            for item in vendor_names.listed(api, PROJECTS, {"limit": LIST_LIMIT,
                                                            "include_archived": "true"},
                                            "after"):
                name = vendor_names.name_of(item, "name")
                if name:
                    listed.names.append(("project", item["id"], name))
                # An archived project's keys were named while it was in use (names are
                # kept), and it uses none now: its keys are not listed again.
                if not only and item.get("status") != "archived" and \
                        not item.get("archived_at"):
                    projects.append(item["id"])
        except UserError as error:
            listed.failed("projects", error)
        refused: list[UserError] = []
        for project in projects:
            try:
                for item in vendor_names.listed(
                        api, f"{PROJECTS}/{quote(project, safe='')}/api_keys",
                        {"limit": LIST_LIMIT}, "after"):
                    name = vendor_names.name_of(item, "name", "redacted_value")
                    if name:
                        listed.names.append(("api_key", item["id"], name))
            except UserError as error:
                refused.append(error)
        if refused:
            listed.failed(f"API keys of {len(refused)} of {len(projects)} projects",
                          refused[0])
        try:
            for item in vendor_names.listed(api, USERS, {"limit": LIST_LIMIT}, "after"):
                name = vendor_names.name_of(item, "name", "email")
                if name:
                    listed.names.append(("user", item["id"], name))
        except UserError as error:
            listed.failed("users", error)
    return listed


def model_of(line_item: str | None) -> str | None:
    """The model a cost line item is for ("gpt-4o-2024-08-06, input"), or None when it
    names none ("File search storage")."""
    if not line_item:
        return None
    head, comma, _rest = line_item.partition(",")
    head = head.strip()
    return head if comma and MODEL.fullmatch(head) else None


def _dollars(value: Any) -> float | None:
    """A finite number; a decimal string is read too (the docs say a number)."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


CONNECTOR: Final = OPENAI.register(
    "openai", pull, test,
    Setting("project", "only these projects (ids like proj_abc, comma-separated); empty for "
                       "the whole organisation"))

vendor_names.register("openai", names)

__all__ = ["CONNECTOR", "HOURLY", "OPENAI", "PROJECTS", "USERS", "model_of", "names", "pull"]

"""The Anthropic connector, synced by the sync engine from a real HTTP server on loopback.

Anthropic's own examples are not openly licensed, so the payloads are written here from the
documented field names: cost report results with ``amount`` as a decimal string in cents,
usage report results with uncached input, cache reads, 5-minute and 1-hour cache writes,
output and web searches, over several days, workspaces and pages. The server checks what a
real one would: the admin key in ``x-api-key``, ``anthropic-version``, RFC 3339 day bounds,
``bucket_width``, each report's ``group_by[]`` and ``limit``, and the ``page`` cursor; a
request it would refuse is recorded as a problem, and every test that syncs asserts there
were none. The key sits in a real keyring backend (keyrings.alt's file backend)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.sources import loopback
from tests.sources.loopback import FakeApi, Reply, holding_key, last_run, snapshot, sync_one

from worthit.core.focus import AI_CATEGORY
from worthit.sources import anthropic, http
from worthit.sources.connectors import connectors
from worthit.store.cache import Cache
from worthit.store.names import names_of
from worthit.workspace import Workspace

NAME = "anthropic-org"
KEY = "sk-ant-admin01-Wt0pSecret4b8d2f6a0c3e5g7i9k1m3o5q7s9u1w3y5AA"
COSTS, USAGE = anthropic.COSTS, anthropic.USAGE
API_KEYS, WORKSPACES = anthropic.API_KEYS, anthropic.WORKSPACES
GROUP_BY = {COSTS: ["workspace_id", "description"],
            USAGE: ["model", "api_key_id", "workspace_id", "service_tier"]}
PARAMS = {"starting_at", "ending_at", "bucket_width", "group_by[]", "limit", "page"}
MIDNIGHT = re.compile(r"\d{4}-\d\d-\d\dT00:00:00Z")
TODAY = dt.datetime.now(dt.UTC).date()
#: The days the organisation's payloads cover; a re-sync starts two days before the last.
DAYS = (TODAY - dt.timedelta(days=6), TODAY - dt.timedelta(days=5), TODAY - dt.timedelta(days=2))
SONNET, HAIKU, OPUS = ("claude-sonnet-4-20250514", "claude-3-5-haiku-20241022",
                       "claude-opus-4-1-20250805")
PROD, LAB = "wrkspc_01Prod", "wrkspc_01Lab"

# The shared fixtures, bound here by name so that pytest finds them.
keyring_file, workspace, cache = loopback.keyring_file, loopback.workspace, loopback.cache
waits, log_file, quick_retries = loopback.waits, loopback.log_file, loopback.quick_retries


# -- the server -------------------------------------------------------------------------


class FakeAnthropic(FakeApi):
    """Anthropic's Admin API: the key in ``x-api-key``, a version header, RFC 3339 day
    bounds, ``group_by[]``."""

    paths = (COSTS, USAGE)
    cursor = "after_id"

    def presented(self, headers: dict[str, str]) -> str | None:
        return headers.get("x-api-key")

    def refusal(self, status: int, message: str, *headers: tuple[str, str]) -> Reply:
        return error_reply(status, message, *headers)

    def check(self, path: str, query: dict[str, list[str]], headers: dict[str, str]
              ) -> str | None:
        if headers.get("anthropic-version") != anthropic.VERSION:
            return f"anthropic-version {headers.get('anthropic-version')!r}"
        if set(query) - PARAMS:
            return f"unknown parameters {sorted(set(query) - PARAMS)}"
        bounds = query.get("starting_at", []) + query.get("ending_at", [])
        if len(bounds) != 2 or not all(MIDNIGHT.fullmatch(b) for b in bounds) or \
                bounds[0] >= bounds[1]:
            return f"starting_at and ending_at {bounds} are not RFC 3339 UTC day bounds"
        if query.get("limit") not in ([str(n)] for n in range(1, 32)):
            return f"limit {query.get('limit')}"
        return self.differs(query, {"bucket_width": ["1d"], "group_by[]": GROUP_BY[path]})

    def lists(self, path: str) -> bool:
        return path in (API_KEYS, WORKSPACES)

    def check_list(self, path: str, query: dict[str, list[str]]) -> str | None:
        allowed = {"limit", "after_id", *(["include_archived"] if path == WORKSPACES else [])}
        if set(query) - allowed:
            return f"unknown parameters {sorted(set(query) - allowed)}"
        if query.get("limit") not in ([str(n)] for n in range(1, 1001)):
            return f"limit {query.get('limit')} is not 1 to 1000"
        if path == WORKSPACES and query.get("include_archived") != ["true"]:
            return "archived workspaces left out"
        return None

    def inside(self, bucket: dict[str, Any], query: dict[str, list[str]]) -> bool:
        stamp = bucket.get("starting_at")
        return not isinstance(stamp, str) or not MIDNIGHT.fullmatch(stamp) or \
            query["starting_at"][0] <= stamp < query["ending_at"][0]


def error_reply(status: int, message: str, *headers: tuple[str, str]) -> Reply:
    kinds = {400: "invalid_request_error", 401: "authentication_error",
             403: "permission_error", 404: "not_found_error", 429: "rate_limit_error"}
    body = {"type": "error", "error": {"type": kinds.get(status, "api_error"),
                                       "message": message}}
    return Reply(status, json.dumps(body).encode(),
                 (("Content-Type", "application/json"), *headers))


api = loopback.server(lambda: FakeAnthropic(keys={KEY}))


# -- payloads -------------------------------------------------------------------------


def page(*buckets: dict[str, Any]) -> dict[str, Any]:
    return {"data": list(buckets), "has_more": False, "next_page": None}


def bucket(day: dt.date, *results: dict[str, Any]) -> dict[str, Any]:
    return {"starting_at": f"{day}T00:00:00Z",
            "ending_at": f"{day + dt.timedelta(days=1)}T00:00:00Z", "results": list(results)}


def cost(workspace: str | None, description: str, amount: str, *, model: str | None = None,
         tier: str | None = None, token_type: str | None = None) -> dict[str, Any]:
    return {"currency": "USD", "amount": amount, "workspace_id": workspace,
            "description": description, "cost_type": "tokens" if token_type else None,
            "context_window": "0-200k" if model else None, "model": model,
            "service_tier": tier, "token_type": token_type}


def usage(workspace: str | None, model: str, key: str | None, tier: str, *, uncached: int,
          read: int, output: int, writes: tuple[int, int] | None = None,
          searches: int | None = None) -> dict[str, Any]:
    """A messages usage result; ``writes`` are the 5-minute and 1-hour cache writes (None:
    an answer without ``cache_creation``)."""
    result: dict[str, Any] = {
        "uncached_input_tokens": uncached, "cache_read_input_tokens": read,
        "output_tokens": output, "api_key_id": key, "workspace_id": workspace,
        "model": model, "service_tier": tier, "context_window": "0-200k"}
    if writes is not None:
        result["cache_creation"] = {"ephemeral_5m_input_tokens": writes[0],
                                    "ephemeral_1h_input_tokens": writes[1]}
    if searches is not None:
        result["server_tool_use"] = {"web_search_requests": searches}
    return result


ORG_COSTS = (
    page(bucket(DAYS[0],
                cost(PROD, "Claude Sonnet 4 Usage - Input Tokens", "123.45", model=SONNET,
                     tier="standard", token_type="uncached_input_tokens"),
                cost(PROD, "Claude Sonnet 4 Usage - Output Tokens", "987.654321", model=SONNET,
                     tier="standard", token_type="output_tokens"),
                cost(None, "Claude Haiku 3.5 Usage - Cache Read", "0.3", model=HAIKU,
                     tier="standard", token_type="cache_read_input_tokens"),
                cost(LAB, "Web Search Usage", "1000")),
         bucket(DAYS[1],
                cost(LAB, f"{OPUS} Batch Usage - Output Tokens", "5550", tier="batch"))),
    page(bucket(DAYS[2],
                cost(PROD, "Claude Sonnet 4 Usage - Input Tokens", "98765432109.87",
                     model=SONNET, tier="priority", token_type="uncached_input_tokens"),
                cost(PROD, "Claude Sonnet 4 Usage - Cache Write 1h", "42", model=SONNET,
                     tier="standard",
                     token_type="cache_creation.ephemeral_1h_input_tokens"))),
)
ORG_USAGE = (
    page(bucket(DAYS[0],
                usage(PROD, SONNET, "apikey_01A", "standard", uncached=1_500, read=200,
                      writes=(500, 1_000), output=500, searches=10),
                usage(None, HAIKU, "apikey_01B", "standard", uncached=300, read=4_000,
                      output=120)),
         bucket(DAYS[1],
                usage(LAB, OPUS, "apikey_01C", "batch", uncached=10_000, read=0,
                      writes=(0, 0), output=9_000, searches=0))),
    page(bucket(DAYS[2],
                usage(PROD, SONNET, "apikey_01A", "priority", uncached=2_000, read=7_000,
                      writes=(300, 0), output=800),
                usage(PROD, SONNET, None, "standard", uncached=50, read=0, writes=(0, 25),
                      output=60))),
)


SOURCE = loopback.Source("anthropic", NAME, KEY, {COSTS: ORG_COSTS, USAGE: ORG_USAGE})
organisation, add_source, synced = SOURCE.organisation, SOURCE.add, SOURCE.synced
synced_then, assert_failed = SOURCE.synced_then, SOURCE.assert_failed


def results(*pages: dict[str, Any]) -> Iterator[tuple[dt.date, dict[str, Any]]]:
    return loopback.results(pages, lambda b: dt.date.fromisoformat(b["starting_at"][:10]))


def expected_costs(*pages: dict[str, Any]) -> dict[tuple[str, str | None], Decimal]:
    """Dollars per (day, workspace), as served: the cents strings summed exactly."""
    out: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for day, r in results(*pages):
        out[day.isoformat(), r["workspace_id"]] += Decimal(r["amount"]) / 100
    return dict(out)


def total(pages: tuple[dict[str, Any], ...]) -> Decimal:
    return sum((Decimal(r["amount"]) / 100 for _day, r in results(*pages)), Decimal(0))


def expected_tokens(*pages: dict[str, Any]) -> dict[str, tuple[int | None, ...]]:
    """(uncached input, cache reads, cache writes of both lifetimes, output, no requests)
    per model."""
    out: dict[str, list[int]] = defaultdict(lambda: [0] * 4)
    for _day, r in results(*pages):
        writes = sum(r.get("cache_creation", {}).values())
        for i, n in enumerate((r["uncached_input_tokens"], r["cache_read_input_tokens"],
                               writes, r["output_tokens"])):
            out[r["model"]][i] += n
    return {m: (*v, None) for m, v in out.items()}


def cached_costs(cache: Cache) -> dict[tuple[str, str | None], float]:
    return loopback.cached_costs(cache, NAME)


def cached_tokens(cache: Cache) -> dict[str | None, tuple[int | None, ...]]:
    return loopback.cached_tokens(cache, NAME, "messages")


def cached_total(cache: Cache) -> float:
    return float(cache._scalar("SELECT TOTAL(billed_cost) FROM charges"))


# -- the registry and the amounts -------------------------------------------------------


def test_anthropic_is_a_registered_connector_with_its_settings() -> None:
    connector = connectors()["anthropic"]
    assert connector.title == "Anthropic organisation usage and costs"
    assert connector.secret == "admin API key"
    assert connector.test is not None
    assert {s.name: s.default for s in connector.settings} == {
        "endpoint": "https://api.anthropic.com", "workspace": None}


@pytest.mark.parametrize(("amount", "dollars"), [
    ("123.45", 1.2345), ("0", 0.0), ("7", 0.07), ("-250", -2.5), (".5", 0.005),
    ("1e2", 1.0), ("98765432109.87", 987654321.0987), (12, 0.12), (" 1.5 ", 0.015),
    ("NaN", None), ("Infinity", None), ("1_000", None), ("12,50", None), ("", None),
    ("1e400", None), (True, None), (None, None), ({"value": 1}, None),
])
def test_an_amount_is_a_decimal_string_of_cents(amount: Any, dollars: float | None) -> None:
    assert anthropic.dollars(amount) == (pytest.approx(dollars, abs=1e-12)
                                         if dollars is not None else None)


@pytest.mark.parametrize(("description", "model"), [
    (f"{OPUS} Batch Usage - Output Tokens", OPUS),
    ("Usage of claude-3-5-haiku-20241022, cache read", HAIKU),
    ("Claude Sonnet 4 Usage - Input Tokens", None), ("Web Search Usage", None), (None, None),
])
def test_a_description_names_its_model_where_it_quotes_one(description: str | None,
                                                             model: str | None) -> None:
    assert anthropic.model_of(description) == model


# -- what a sync brings in --------------------------------------------------------------


def test_an_organisation_syncs_to_the_cent_with_each_models_tokens(
        cache: Cache, api: FakeAnthropic) -> None:
    organisation(api)
    add_source(cache, api)

    outcome = synced(cache, api)

    served = [*results(*ORG_COSTS), *results(*ORG_USAGE)]
    assert outcome.rows_read == outcome.rows_written == len(served)
    # The money is the cost report's, per day and workspace, the cents read exactly.
    assert cached_costs(cache) == pytest.approx(
        {k: float(v) for k, v in expected_costs(*ORG_COSTS).items()}, abs=1e-6)
    assert round(cached_total(cache), 2) == float(round(total(ORG_COSTS), 2)) == 987_654_398.13
    assert cache._scalar("SELECT billed_cost FROM charges WHERE charge_period_start = ? AND "
                        "x_usage_type = 'Claude Sonnet 4 Usage - Input Tokens'",
                        (DAYS[0].isoformat(),)) == pytest.approx(1.2345, abs=1e-12)
    assert cache._scalar("SELECT TOTAL(billed_cost) - TOTAL(effective_cost) FROM charges") == 0
    run = last_run(cache)
    assert run["result"] == "ok"
    assert run["source_billed_total"] == pytest.approx(float(total(ORG_COSTS)), abs=1e-6)
    # Tokens per model: uncached input, cache reads, both cache writes, output.
    assert cached_tokens(cache) == expected_tokens(*ORG_USAGE)
    assert cached_tokens(cache)[SONNET] == (3_550, 7_200, 1_825, 1_360, None)
    assert {tuple(r) for r in cache._rows(
        "SELECT resource_id, resource_type, sub_account_id, x_batch, consumed_quantity, "
        "consumed_unit FROM charges WHERE x_usage_type = 'messages'")} == {
        ("apikey_01A", "API key", PROD, 0, 10, "Web search requests"),
        ("apikey_01B", "API key", None, 0, None, None),
        ("apikey_01C", "API key", LAB, 1, None, None),
        ("apikey_01A", "API key", PROD, 0, None, None),
        (None, None, PROD, 0, None, None)}
    # Costs name their model: the report's own field, else a model id in the description.
    assert {tuple(r) for r in cache._rows(
        "SELECT x_usage_type, x_model, x_batch FROM charges WHERE billed_cost != 0")} == {
        ("Claude Sonnet 4 Usage - Input Tokens", SONNET, 0),
        ("Claude Sonnet 4 Usage - Output Tokens", SONNET, 0),
        ("Claude Haiku 3.5 Usage - Cache Read", HAIKU, 0), ("Web Search Usage", None, None),
        (f"{OPUS} Batch Usage - Output Tokens", OPUS, 1),
        ("Claude Sonnet 4 Usage - Cache Write 1h", SONNET, 0)}
    # Tokens are priced per use: Usage-Based, as are the usage report's messages; a cost
    # without a cost_type (the web search, the batch output here) states no frequency.
    assert dict(cache._rows(
        "SELECT DISTINCT x_usage_type, charge_frequency FROM charges WHERE billed_cost != 0 "
        "OR x_usage_type = 'messages'")) == {
        "Claude Sonnet 4 Usage - Input Tokens": "Usage-Based",
        "Claude Sonnet 4 Usage - Output Tokens": "Usage-Based",
        "Claude Haiku 3.5 Usage - Cache Read": "Usage-Based", "Web Search Usage": None,
        f"{OPUS} Batch Usage - Output Tokens": None,
        "Claude Sonnet 4 Usage - Cache Write 1h": "Usage-Based", "messages": "Usage-Based"}
    assert {tuple(r) for r in cache._rows(
        "SELECT DISTINCT provider_name, service_category, service_name, billing_currency "
        "FROM charges")} == {("Anthropic", AI_CATEGORY, "Claude API", "USD")}
    # Every page was followed, each call with the key, the version and the window's bounds.
    assert [len(api.calls(p)) for p in (COSTS, USAGE)] == [2, 2]
    reports = [s for s in api.seen if s.path in (COSTS, USAGE)]
    assert {s.query["limit"][0] for s in reports} == {"31"}  # the most a page holds
    assert api.calls(COSTS)[1].query["page"] == ["page_1_cost_report"]
    assert {(s.headers["x-api-key"], s.headers["anthropic-version"]) for s in api.seen} == \
        {(KEY, "2023-06-01")}
    assert "authorization" not in api.seen[0].headers
    assert {(s.query["starting_at"][0], s.query["ending_at"][0]) for s in reports} == {
        (f"{TODAY - dt.timedelta(days=89)}T00:00:00Z",
         f"{TODAY + dt.timedelta(days=1)}T00:00:00Z")}
    # Each call counted, in the run and in what the sync said: the reports' four and one
    # for each list of names.
    assert run["requests"] == outcome.requests == len(api.seen) == 6
    assert "6 API requests" in outcome.message


def test_a_second_sync_fetches_only_the_open_days_and_changes_no_total(
        cache: Cache, api: FakeAnthropic) -> None:
    before = synced_then(cache, api)[0]

    again = synced(cache, api)

    assert snapshot(cache)[0] == before
    since = DAYS[2] - dt.timedelta(days=2)
    assert {s.query["starting_at"][0] for s in api.seen
            if s.path in (COSTS, USAGE)} == {f"{since}T00:00:00Z"}
    assert again.rows_read == sum(1 for day, _r in results(*ORG_COSTS, *ORG_USAGE)
                                  if day >= since)
    assert round(cached_total(cache), 2) == float(round(total(ORG_COSTS), 2))
    assert last_run(cache)["requests"] == again.requests == len(api.seen)


def test_a_restated_day_replaces_the_old_figures(cache: Cache, api: FakeAnthropic) -> None:
    organisation(api)
    add_source(cache, api)
    assert sync_one(cache).result == "ok"
    restated = copy.deepcopy(ORG_COSTS)
    restated[1]["data"][0]["results"][1]["amount"] = "4200.01"
    api.serve(COSTS, *restated)

    assert sync_one(cache).result == "ok"

    assert cached_costs(cache)[DAYS[2].isoformat(), PROD] == \
        pytest.approx(float(expected_costs(*restated)[DAYS[2].isoformat(), PROD]), abs=1e-6)


def test_a_workspace_setting_keeps_that_workspace_only(cache: Cache,
                                                       api: FakeAnthropic) -> None:
    organisation(api)
    add_source(cache, api, workspace=f" {LAB} , ")

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert api.problems == []  # filtered here: neither report is asked to filter
    assert {r[0] for r in cache._rows("SELECT DISTINCT sub_account_id FROM charges")} == {LAB}
    assert cached_total(cache) == pytest.approx(10.0 + 55.5)
    assert outcome.rows_read == 3


def test_progress_runs_from_the_days_covered_to_one(cache: Cache,
                                                    api: FakeAnthropic) -> None:
    organisation(api)
    add_source(cache, api)
    told: list[float] = []

    sync_one(cache, progress=lambda name, share: told.append(share))

    assert told == sorted(told)
    assert 0 < told[0] < 0.5 and told[-1] == 1.0  # costs are the first of two parts


# -- names --------------------------------------------------------------------------------

# Objects of the documented shape ("List API Keys", "List Workspaces":
# platform.claude.com/docs/en/api/admin), written here from the field names.
ORG_KEYS = [
    {"type": "api_key", "id": "apikey_01A", "name": "Support bot (prod)",
     "workspace_id": PROD, "created_at": "2024-10-30T23:58:27.427722Z",
     "created_by": {"id": "user_01WCz1FkmYMm4gnmykNKUu3Q", "type": "user"},
     "partial_key_hint": "sk-ant-api03-R2D...igAA", "status": "active"},
    {"type": "api_key", "id": "apikey_01B", "name": "", "workspace_id": None,
     "created_at": "2024-11-02T10:00:00Z", "created_by": None,
     "partial_key_hint": "sk-ant-api03-X7Q...k2BA", "status": "active"},
    {"type": "api_key", "id": "apikey_01C", "name": "Batch evals", "workspace_id": LAB,
     "created_at": "2024-12-01T08:00:00Z", "created_by": None,
     "partial_key_hint": "sk-ant-api03-L1B...p0CA", "status": "archived"},
]
ORG_WORKSPACES = [
    {"type": "workspace", "id": PROD, "name": "Production",
     "created_at": "2024-10-30T23:58:27.427722Z", "archived_at": None,
     "display_color": "#6C5BB9"},
    {"type": "workspace", "id": LAB, "name": "Research lab",
     "created_at": "2024-10-30T23:58:27.427722Z", "archived_at": "2025-01-01T00:00:00Z",
     "display_color": "#6C5BB9"},
]


def test_the_names_of_keys_and_workspaces_are_kept_page_after_page(
        cache: Cache, api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(anthropic, "LIST_LIMIT", 2)  # three keys: two pages
    organisation(api)
    api.listed.update({API_KEYS: ORG_KEYS, WORKSPACES: ORG_WORKSPACES})
    add_source(cache, api)

    outcome = synced(cache, api)

    assert outcome.warnings == ()
    # A key without a name is known by its partial hint; an archived one keeps its name.
    assert names_of(cache, "api_key", "Anthropic") == {
        ("Anthropic", "apikey_01A"): "Support bot (prod)",
        ("Anthropic", "apikey_01B"): "sk-ant-api03-X7Q...k2BA",
        ("Anthropic", "apikey_01C"): "Batch evals"}
    assert names_of(cache, "workspace") == {("Anthropic", PROD): "Production",
                                            ("Anthropic", LAB): "Research lab"}
    assert [s.query.get("after_id") for s in api.calls(API_KEYS)] == [None, ["apikey_01B"]]
    assert api.calls(WORKSPACES)[0].query["include_archived"] == ["true"]
    assert {s.headers["anthropic-version"] for s in api.seen} == {anthropic.VERSION}
    # The names are not charges: the money is as without them.
    assert cached_costs(cache) == pytest.approx(
        {k: float(v) for k, v in expected_costs(*ORG_COSTS).items()}, rel=1e-12)
    assert outcome.rows_written == len(list(results(*ORG_COSTS, *ORG_USAGE)))


@pytest.mark.parametrize(("path", "lost", "kept"), [
    (API_KEYS, "API keys", "workspace"), (WORKSPACES, "workspaces", "api_key")])
def test_a_list_the_key_may_not_read_is_a_warning_and_the_usage_still_lands(
        cache: Cache, api: FakeAnthropic, path: str, lost: str, kept: str) -> None:
    organisation(api)
    api.listed.update({API_KEYS: ORG_KEYS, WORKSPACES: ORG_WORKSPACES})
    add_source(cache, api)
    api.queue(path, error_reply(403, "This API key does not have permission to access "
                                     "this resource"))

    outcome = synced(cache, api)

    (warning,) = outcome.warnings
    assert warning.startswith(f"the names of {lost} were not updated: Anthropic {path}: "
                              "Anthropic denied access (403")
    assert f"; warning: {warning}" in outcome.message and KEY not in outcome.message
    assert last_run(cache)["result"] == "ok"
    assert round(cached_total(cache), 2) == float(round(total(ORG_COSTS), 2))
    assert cached_tokens(cache) == expected_tokens(*ORG_USAGE)
    assert [kind for kind in ("api_key", "workspace") if names_of(cache, kind)] == [kept]


# -- refusals, retries and answers that are wrong ---------------------------------------


def test_a_revoked_key_fails_in_plain_words_never_quoting_the_key(
        cache: Cache, api: FakeAnthropic) -> None:
    before = synced_then(cache, api)
    api.keys, api.echo_key = set(), True  # revoked, and the 401 quotes the key whole

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, f"Anthropic {COSTS}",
                  "Anthropic refused the admin key (401 Unauthorized",
                  "Admin API key (sk-ant-admin...)", "revoked", "worthit sources key")
    assert "sk-ant-admin01" not in outcome.message
    assert len(api.seen) == 1  # a refused key is not retried
    assert last_run(cache)["requests"] == 1


def test_throttling_honours_retry_after_then_succeeds(cache: Cache, api: FakeAnthropic,
                                                      waits: list[float]) -> None:
    organisation(api)
    add_source(cache, api)
    api.queue(USAGE, error_reply(429, "Number of request tokens has exceeded your rate limit",
                                 ("Retry-After", "7")))

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert waits == [7.0]
    assert len(api.calls(USAGE)) == 3  # throttled once, then both pages
    assert last_run(cache)["requests"] == outcome.requests == 7  # two lists of names
    assert cached_tokens(cache) == expected_tokens(*ORG_USAGE)


def test_a_server_error_is_retried_and_the_sync_succeeds(cache: Cache,
                                                         api: FakeAnthropic) -> None:
    organisation(api)
    add_source(cache, api)
    api.queue(COSTS, error_reply(500, "Internal server error"),
              error_reply(529, "Overloaded"))

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert len(api.calls(COSTS)) == 4
    assert round(cached_total(cache), 2) == float(round(total(ORG_COSTS), 2))


def test_an_overload_that_never_ends_fails_and_rolls_back_the_costs_before_it(
        cache: Cache, api: FakeAnthropic, waits: list[float]) -> None:
    before = synced_then(cache, api)
    api.serve(COSTS, page(bucket(DAYS[2], cost(PROD, "restated", "99"))))
    api.queue(USAGE, *[error_reply(529, "Overloaded")] * http.TRIES)

    assert_failed(cache, sync_one(cache), before, f"Anthropic {USAGE}",
                  "Anthropic had a server error (529", f"{http.TRIES} times in a row")
    assert (len(api.calls(USAGE)), len(waits)) == (http.TRIES, http.TRIES - 1)
    assert last_run(cache)["requests"] == len(api.seen) == 1 + http.TRIES


@pytest.mark.parametrize(("status", "words"), [
    (403, ("Anthropic denied access (403", "admin key")),
    (404, ("Anthropic has no /v1/organizations/cost_report at http://127.0.0.1",
           "endpoint setting", "https://api.anthropic.com")),
    (400, ("Anthropic rejected the request (400", "starting_at is required")),
])
def test_a_refusal_fails_in_plain_words_without_retrying(
        cache: Cache, api: FakeAnthropic, status: int, words: tuple[str, ...]) -> None:
    before = synced_then(cache, api)
    api.queue(COSTS, error_reply(status, "starting_at is required"))

    assert_failed(cache, sync_one(cache), before, *words)
    assert len(api.seen) == 1


def test_garbage_instead_of_json_fails_and_changes_nothing(cache: Cache,
                                                           api: FakeAnthropic) -> None:
    before = synced_then(cache, api)
    api.queue(USAGE, Reply(200, b'{"data": [', (("Content-Type", "application/json"),)))

    assert_failed(cache, sync_one(cache), before, f"Anthropic {USAGE}",
                  "not JSON (application/json")


def spoil(path: str, change: Callable[[dict[str, Any]], Any]
          ) -> Callable[[FakeAnthropic], None]:
    """Serve the organisation, with ``change`` made to the first result of the last page
    of ``path`` (its last day: the one a second sync fetches again)."""
    def serve(api: FakeAnthropic) -> None:
        organisation(api)
        change(list(api.chains[path].values())[-1]["data"][0]["results"][0])
    return serve


@pytest.mark.parametrize(("spoiled", "words"), [
    (spoil(COSTS, lambda r: r.update(amount="12,50")),
     (f"Anthropic {COSTS}", "'amount' is '12,50', not a decimal number of cents")),
    (spoil(COSTS, lambda r: r.update(amount="NaN")), ("'amount' is 'NaN'",)),
    (spoil(COSTS, lambda r: r.pop("amount")), ("'amount' is None",)),
    (spoil(COSTS, lambda r: r.update(currency="EUR")), ("mixed currencies",)),
    (spoil(COSTS, lambda r: r.update(workspace_id=7)), ("'workspace_id' is 7, not text",)),
    (spoil(USAGE, lambda r: r.pop("uncached_input_tokens")),
     (f"Anthropic {USAGE}", "'uncached_input_tokens' is missing")),
    (spoil(USAGE, lambda r: r["cache_creation"].update(ephemeral_5m_input_tokens=-1)),
     ("'cache_creation.ephemeral_5m_input_tokens' is -1, not a count",)),
    (spoil(USAGE, lambda r: r.update(cache_creation=[1, 2])),
     ("'cache_creation' is [1, 2], not an object",)),
    (spoil(USAGE, lambda r: r.update(service_tier=1)), ("'service_tier' is 1, not text",)),
], ids=["comma-amount", "nan-amount", "no-amount", "other-currency", "number-workspace",
        "no-uncached", "negative-write", "list-writes", "number-tier"])
def test_a_malformed_answer_fails_naming_the_report_and_field(
        cache: Cache, api: FakeAnthropic, spoiled: Callable[[FakeAnthropic], None],
        words: tuple[str, ...]) -> None:
    before = synced_then(cache, api)
    spoiled(api)

    assert_failed(cache, sync_one(cache), before, *words)


def test_a_bucket_dated_otherwise_is_refused(cache: Cache, api: FakeAnthropic) -> None:
    before = synced_then(cache, api)
    api.serve(COSTS, page({**bucket(DAYS[2]), "starting_at": str(DAYS[2])}))

    assert_failed(cache, sync_one(cache), before, f"'starting_at' is '{DAYS[2]}', not an "
                  "RFC 3339 time")


# -- cancelling -------------------------------------------------------------------------


def test_a_cancel_between_pages_stops_the_calls_and_changes_nothing(
        cache: Cache, api: FakeAnthropic) -> None:
    before = synced_then(cache, api)
    api.serve(COSTS, page(bucket(DAYS[2], cost(PROD, "x", "99"))), *ORG_COSTS)

    outcome = sync_one(cache, cancelled=lambda: len(api.seen) >= 1)

    assert (outcome.result, len(api.seen)) == ("cancelled", 1)
    assert snapshot(cache) == before
    assert (last_run(cache)["result"], last_run(cache)["requests"]) == ("cancelled", 1)


def test_a_cancel_during_a_wait_to_retry_stops_it(cache: Cache, api: FakeAnthropic) -> None:
    before = synced_then(cache, api)
    api.queue(COSTS, error_reply(429, "Rate limited", ("Retry-After", "20")))

    outcome = sync_one(cache, cancelled=lambda: len(api.seen) >= 1)

    assert (outcome.result, len(api.seen)) == ("cancelled", 1)  # the retry was never made
    assert snapshot(cache) == before


# -- as a user runs it ------------------------------------------------------------------


def test_the_command_line_adds_tests_and_syncs_the_source_keeping_the_key_out(
        api: FakeAnthropic, workspace: Workspace, keyring_file: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    organisation(api)
    with pytest.raises(SystemExit):
        run_cli(capsys, workspace, "sources", "add", "--help")
    assert "anthropic (Anthropic organisation usage and costs)" in \
        " ".join(capsys.readouterr().out.split())
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{KEY}\n"))
    code, out, _err = run_cli(capsys, workspace, "sources", "add", "anthropic", "--name",
                              NAME, "--set", f"endpoint={api.url}")
    assert code == 0, out

    code, out, _err = run_cli(capsys, workspace, "sources", "test", NAME)

    assert (code, out.strip()) == (0, f"Connected to {api.url}: the admin key reads the "
                                      "organisation's costs.")
    (probe,) = api.seen
    assert (probe.path, probe.query["limit"], api.problems) == (COSTS, ["1"], [])
    assert probe.headers["x-api-key"] == KEY
    api.keys = set()
    code, out, err = run_cli(capsys, workspace, "sources", "test", NAME)
    assert code == 2
    assert "Anthropic refused the admin key (401" in err and KEY not in err + out
    api.keys = {KEY}
    code, out, _err = run_cli(capsys, workspace, "sync", "--source", NAME)
    assert code == 0 and "6 API requests" in out, out
    assert holding_key(workspace.folder, KEY)[1] == []
    assert holding_key(keyring_file.parent, KEY)[1] == [keyring_file.name]

"""The OpenAI connector, synced by the sync engine from a real HTTP server on loopback.

The server replays OpenAI's documented answers (``../shared/data/openai/``, re-dated into
the days a sync asks for) and payloads written here for several days, projects and pages.
It checks what a real one would: the admin key in ``Authorization: Bearer``, Unix-second day
bounds, ``bucket_width``, each endpoint's ``group_by`` and ``limit`` (the completions
endpoint's hourly query per API key apart, with its own chain of pages), and the ``page``
cursor; a request it would refuse is recorded as a problem, and every test that syncs
asserts there were none. The key sits in a real keyring backend (keyrings.alt's file
backend under the test's folder), and the last test scans the whole workspace for it."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import socket
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from tests.conftest import run_cli
from tests.shared_data import sample
from tests.sources import loopback
from tests.sources.loopback import FakeApi, Reply, holding_key, last_run, snapshot, sync_one

from worthit.analysis.alerts.spikes import _hourly_requests
from worthit.analysis.leaks.runaway import _hourly
from worthit.core.focus import AI_CATEGORY
from worthit.sources import http, openai
from worthit.sources.connectors import connectors
from worthit.store.cache import Cache
from worthit.store.names import names_of
from worthit.workspace import Workspace

NAME = "openai-prod"
KEY = "sk-admin-Wt0pSecret7f3c9a1e5b2d8c4f6a0e9b1d3c5a7e9f1b3d5c7a"
COSTS = openai.COSTS
COMPLETIONS, EMBEDDINGS, IMAGES = (path for path, _ in openai.USAGE)
GROUP_BY = {COSTS: ["project_id", "line_item"], COMPLETIONS: ["project_id", "model",
            "api_key_id", "batch", "user_id"],
            EMBEDDINGS: ["project_id", "model", "api_key_id", "user_id"],
            IMAGES: ["project_id", "model", "api_key_id", "user_id"]}
LIMIT = {COSTS: "180", COMPLETIONS: "31", EMBEDDINGS: "31", IMAGES: "31"}
#: The completions endpoint's hourly buckets per API key: their own chain of pages.
HOURLY = f"{COMPLETIONS}:hourly"
HOURLY_QUERY = {"bucket_width": ["1h"], "group_by": ["api_key_id"], "limit": ["168"]}
TODAY = dt.datetime.now(dt.UTC).date()
#: The days the organisation's payloads cover; a re-sync starts two days before the last.
DAYS = (TODAY - dt.timedelta(days=6), TODAY - dt.timedelta(days=5), TODAY - dt.timedelta(days=2))
unix = http.unix
PROJECTS, USERS = openai.PROJECTS, openai.USERS
#: A project's API keys: /v1/organization/projects/{project_id}/api_keys.
PROJECT_KEYS = re.compile(rf"{PROJECTS}/([^/]+)/api_keys")

# The shared fixtures, bound here by name so that pytest finds them.
keyring_file, workspace, cache = loopback.keyring_file, loopback.workspace, loopback.cache
waits, log_file, quick_retries = loopback.waits, loopback.log_file, loopback.quick_retries


# -- the server -------------------------------------------------------------------------


class FakeOpenAI(FakeApi):
    """OpenAI's organisation API: the key in ``Authorization: Bearer``, Unix-second day
    bounds, a ``project_ids`` filter."""

    paths = tuple(GROUP_BY)

    def presented(self, headers: dict[str, str]) -> str | None:
        authorization = headers.get("authorization", "")
        return authorization.removeprefix("Bearer ") if \
            authorization.startswith("Bearer ") else None

    def refusal(self, status: int, message: str, *headers: tuple[str, str]) -> Reply:
        return error_reply(status, message, *headers)

    def check(self, path: str, query: dict[str, list[str]], headers: dict[str, str]
              ) -> str | None:
        del headers  # the key is all OpenAI reads of them
        try:
            start, end = int(query["start_time"][0]), int(query["end_time"][0])
        except (KeyError, ValueError):
            return "start_time and end_time must be Unix seconds"
        if start % 86_400 or end % 86_400 or end <= start:
            return f"start_time {start} and end_time {end} are not UTC day bounds"
        if self.chain(path, query) == HOURLY:
            return self.differs(query, HOURLY_QUERY)
        return self.differs(query, {"bucket_width": ["1d"], "group_by": GROUP_BY[path],
                                    "limit": [LIMIT[path]]})

    def inside(self, bucket: dict[str, Any], query: dict[str, list[str]]) -> bool:
        stamp = bucket.get("start_time")
        return not isinstance(stamp, int) or \
            int(query["start_time"][0]) <= stamp < int(query["end_time"][0])

    def chain(self, path: str, query: dict[str, list[str]]) -> str:
        return HOURLY if path == COMPLETIONS and query.get("bucket_width") == ["1h"] else path

    def lists(self, path: str) -> bool:
        return path in (PROJECTS, USERS) or PROJECT_KEYS.fullmatch(path) is not None

    def check_list(self, path: str, query: dict[str, list[str]]) -> str | None:
        allowed = {"limit", "after", *(["include_archived"] if path == PROJECTS else [])}
        if set(query) - allowed:
            return f"unknown parameters {sorted(set(query) - allowed)}"
        if query.get("limit") not in ([str(n)] for n in range(1, 101)):
            return f"limit {query.get('limit')} is not 1 to 100"
        if path == PROJECTS and query.get("include_archived") != ["true"]:
            return "archived projects left out"
        return None

    def narrow(self, page: dict[str, Any], query: dict[str, list[str]]) -> None:
        projects = query.get("project_ids")
        if projects:
            for bucket in page["data"]:
                bucket["results"] = [r for r in bucket["results"]
                                     if r.get("project_id") in projects]


def error_reply(status: int, message: str, *headers: tuple[str, str]) -> Reply:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": None}}
    return Reply(status, json.dumps(body).encode(),
                 (("Content-Type", "application/json"), *headers))


api = loopback.server(lambda: FakeOpenAI(keys={KEY}))


# -- payloads -------------------------------------------------------------------------


def page(*buckets: dict[str, Any]) -> dict[str, Any]:
    return {"object": "page", "data": list(buckets), "has_more": False, "next_page": None}


def bucket(day: dt.date, *results: dict[str, Any]) -> dict[str, Any]:
    return {"object": "bucket", "start_time": unix(day), "end_time": unix(day) + 86_400,
            "results": list(results)}


def hour_bucket(day: dt.date, hour: int, *results: dict[str, Any]) -> dict[str, Any]:
    start = unix(day) + 3_600 * hour
    return {"object": "bucket", "start_time": start, "end_time": start + 3_600,
            "results": list(results)}


def hourly(key: str | None, requests: int) -> dict[str, Any]:
    """A completions result of an hourly bucket grouped by API key only."""
    return {"object": "organization.usage.completions.result", "input_tokens": 10 * requests,
            "input_cached_tokens": 0, "output_tokens": 2 * requests,
            "num_model_requests": requests, "project_id": None, "user_id": None,
            "api_key_id": key, "model": None, "batch": None, "service_tier": None}


def cost(project: str | None, line_item: str | None, value: float,
         currency: str = "usd") -> dict[str, Any]:
    return {"object": "organization.costs.result",
            "amount": {"value": value, "currency": currency},
            "line_item": line_item, "project_id": project}


def completions(project: str, model: str, key: str, batch: bool, *, input: int,
                cached: int, output: int, requests: int, write: int | None = None,
                uncached: bool = False) -> dict[str, Any]:
    result = {"object": "organization.usage.completions.result", "input_tokens": input,
              "input_cached_tokens": cached, "output_tokens": output,
              "num_model_requests": requests, "project_id": project, "user_id": None,
              "api_key_id": key, "model": model, "batch": batch, "service_tier": None}
    if write is not None:
        result["input_cache_write_tokens"] = write
    if uncached:
        result["input_uncached_tokens"] = input - cached - (write or 0)
    return result


def embeddings(project: str, model: str, key: str, *, input: int,
               requests: int) -> dict[str, Any]:
    return {"object": "organization.usage.embeddings.result", "input_tokens": input,
            "num_model_requests": requests, "project_id": project, "user_id": None,
            "api_key_id": key, "model": model}


ORG_COSTS = (
    page(bucket(DAYS[0], cost("proj_a", "gpt-4o-2024-08-06, input", 1.2345678),
                cost("proj_a", "gpt-4o-2024-08-06, output", 2.5),
                cost("proj_b", "gpt-4o-mini-2024-07-18, cached input", 0.0333333),
                cost("proj_b", "File search storage", 0.1)),
         bucket(DAYS[1], cost("proj_a", "gpt-4o-2024-08-06, input", 0.9876543),
                cost("proj_b", "gpt-4o-mini-2024-07-18, input", 0.4444444))),
    page(bucket(DAYS[2], cost("proj_a", "text-embedding-3-small, input", 0.0042),
                cost("proj_b", "gpt-4o-mini-2024-07-18, output", 0.7777777),
                cost("proj_b", "gpt-image-1, image generation", 0.12))),
)
ORG_COMPLETIONS = (
    page(bucket(DAYS[0], completions("proj_a", "gpt-4o-2024-08-06", "key_a", False,
                                     input=10_000, cached=4_000, output=2_000,
                                     requests=20)),
         bucket(DAYS[1], completions("proj_b", "gpt-4o-mini-2024-07-18", "key_b", True,
                                     input=5_000, cached=0, output=800, requests=40,
                                     write=0))),
    page(bucket(DAYS[2], completions("proj_a", "gpt-4o-2024-08-06", "key_a", False,
                                     input=3_000, cached=1_000, output=900, requests=12,
                                     write=500, uncached=True),
                completions("proj_b", "gpt-4o-mini-2024-07-18", "key_b", False,
                            input=7_000, cached=2_500, output=1_100, requests=30,
                            write=1_000))),
)
ORG_EMBEDDINGS = (page(bucket(DAYS[2], embeddings("proj_a", "text-embedding-3-small",
                                                  "key_c", input=20_000, requests=100))),)
ORG_IMAGES = (page(bucket(DAYS[2], {
    "object": "organization.usage.images.result", "images": 3, "num_model_requests": 3,
    "size": None, "source": None, "project_id": "proj_b", "user_id": None,
    "api_key_id": "key_b", "model": "gpt-image-1"})),)
#: Requests per API key and hour; a result without a key (requests made in the dashboard's
#: playground, say) is not a key's and is skipped.
ORG_HOURLY = (
    page(hour_bucket(DAYS[0], 9, hourly("key_a", 8), hourly("key_b", 1)),
         hour_bucket(DAYS[0], 10, hourly("key_a", 12), hourly(None, 4)),
         hour_bucket(DAYS[1], 0, hourly("key_b", 40))),
    page(hour_bucket(DAYS[2], 7, hourly("key_a", 5), hourly("key_b", 30)),
         hour_bucket(DAYS[2], 23, hourly("key_a", 7), hourly("key_c", 100))),
)


SOURCE = loopback.Source("openai", NAME, KEY, {COSTS: ORG_COSTS, COMPLETIONS: ORG_COMPLETIONS,
                                               EMBEDDINGS: ORG_EMBEDDINGS, IMAGES: ORG_IMAGES,
                                               HOURLY: ORG_HOURLY})
organisation, add_source, synced = SOURCE.organisation, SOURCE.add, SOURCE.synced
synced_then, assert_failed = SOURCE.synced_then, SOURCE.assert_failed


def results(*pages: dict[str, Any]) -> Iterator[tuple[dt.date, dict[str, Any]]]:
    return loopback.results(pages, lambda b: dt.datetime.fromtimestamp(b["start_time"],
                                                                       dt.UTC).date())


def expected_costs(*pages: dict[str, Any]) -> dict[tuple[str, str | None], float]:
    """Dollars per (day, project), as served."""
    out: dict[tuple[str, str | None], float] = defaultdict(float)
    for day, r in results(*pages):
        out[day.isoformat(), r["project_id"]] += r["amount"]["value"]
    return dict(out)


def expected_tokens(*pages: dict[str, Any]) -> dict[str | None, tuple[int, int, int, int, int]]:
    """(uncached input, cached input, cache writes, output, requests) per model: OpenAI's
    input_tokens counts the cached tokens and the cache writes too."""
    out: dict[str | None, list[int]] = defaultdict(lambda: [0] * 5)
    for _day, r in results(*pages):
        write = r.get("input_cache_write_tokens") or 0
        cached = r.get("input_cached_tokens", 0)
        for i, n in enumerate((r["input_tokens"] - cached - write, cached, write,
                               r.get("output_tokens", 0), r["num_model_requests"])):
            out[r["model"]][i] += n
    return {m: tuple(v) for m, v in out.items()}  # type: ignore[misc]


def cached_costs(cache: Cache) -> dict[tuple[str, str | None], float]:
    return loopback.cached_costs(cache, NAME)


def cached_tokens(cache: Cache) -> dict[str | None, tuple[int | None, ...]]:
    return loopback.cached_tokens(cache, NAME, "completions", "embeddings")


def expected_hourly(*pages: dict[str, Any]) -> set[tuple[Any, ...]]:
    """The metric rows of the hourly buckets served, as the detectors read them: one per
    hour and API key."""
    return {(NAME, dt.datetime.fromtimestamp(b["start_time"], dt.UTC).strftime(
                 "%Y-%m-%dT%H:00:00Z"), "hour", r["api_key_id"], "Requests", "Sum",
             float(r["num_model_requests"]), "Count")
            for p in pages for b in p["data"] for r in b["results"] if r["api_key_id"]}


def cached_metrics(cache: Cache) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in cache._rows(
        "SELECT source_id, period_start, granularity, resource_id, metric, stat, value, unit "
        "FROM metrics ORDER BY period_start, resource_id")]


def total(pages: tuple[dict[str, Any], ...]) -> float:
    return sum(r["amount"]["value"] for _day, r in results(*pages))


# -- the registry ---------------------------------------------------------------------


def test_openai_is_a_registered_connector_with_its_settings() -> None:
    connector = connectors()["openai"]
    assert connector.title == "OpenAI organisation usage and costs"
    assert connector.secret == "admin API key"
    assert {s.name: s.default for s in connector.settings} == {
        "endpoint": "https://api.openai.com", "project": None}


# -- what a sync brings in --------------------------------------------------------------


def redated(payload: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """A documented page with its buckets moved to ``day`` (the docs' date is long past the
    days a first sync asks for)."""
    payload = copy.deepcopy(payload)
    for b in payload["data"]:
        b["start_time"], b["end_time"] = unix(day), unix(day) + 86_400
    return payload


def documented(name: str) -> dict[str, Any]:
    """OpenAI's documented answer ``name`` (../shared/data/openai, tests.shared_data)."""
    return json.loads(sample("openai", f"{name}.json").read_text(encoding="utf-8"))


def test_the_documented_examples_sync_to_their_totals(cache: Cache,
                                                      api: FakeOpenAI) -> None:
    costs = redated(documented("costs"), DAYS[0])
    first = redated(documented("usage_completions"), DAYS[0])
    assert first["has_more"] is True and first["next_page"]
    second = page(bucket(DAYS[1], completions("proj_a", "gpt-4o-2024-08-06", "key_a", True,
                                              input=900, cached=300, output=50,
                                              requests=3)))
    api.serve(COSTS, costs)
    api.serve(COMPLETIONS, first, second)
    api.serve(EMBEDDINGS, redated(documented("usage_embeddings"), DAYS[0]))
    api.serve(IMAGES, redated(documented("usage_images"), DAYS[0]))
    add_source(cache, api)

    outcome = sync_one(cache)

    assert (outcome.result, outcome.rows_read, outcome.rows_written) == ("ok", 5, 5), outcome
    assert api.problems == []
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == pytest.approx(0.06)
    # The second page was asked for with the documented cursor.
    assert api.calls(COMPLETIONS)[1].query["page"] == [first["next_page"]]
    documented_row = cache._rows(
        "SELECT x_input_tokens, x_cached_input_tokens, x_cache_write_tokens, "
        "x_output_tokens, x_requests, x_model, x_batch, resource_id FROM charges "
        "WHERE x_usage_type = 'completions' AND charge_period_start = ?",
        (DAYS[0].isoformat(),))
    # 1,000 input tokens: 400 cached, 100 written to the cache, 500 uncached.
    assert [tuple(r) for r in documented_row] == [(500, 400, 100, 500, 5, None, None, None)]
    assert cached_tokens(cache)["gpt-4o-2024-08-06"] == (600, 300, 0, 50, 3)
    assert tuple(cache._rows(
        "SELECT x_input_tokens, x_requests FROM charges WHERE x_usage_type = 'embeddings'"
    )[0]) == (16, 2)
    assert tuple(cache._rows(
        "SELECT consumed_quantity, consumed_unit, x_requests, billed_cost FROM charges "
        "WHERE x_usage_type = 'images'")[0]) == (2, "Images", 2, 0)
    assert cache._scalar("SELECT COUNT(DISTINCT billing_currency) FROM charges") == 1
    assert cache._scalar("SELECT billing_currency FROM charges LIMIT 1") == "USD"
    # What the usage endpoints count is usage; the Costs API states no frequency.
    assert dict(cache._rows(
        "SELECT DISTINCT CASE WHEN billed_cost = 0 THEN x_usage_type ELSE 'costs' END, "
        "charge_frequency FROM charges")) == {
        "completions": "Usage-Based", "embeddings": "Usage-Based", "images": "Usage-Based",
        "costs": None}


def test_an_organisation_syncs_to_the_cent_with_each_models_tokens(
        cache: Cache, api: FakeOpenAI) -> None:
    organisation(api)
    add_source(cache, api)

    outcome = synced(cache, api)

    served = [*results(*ORG_COSTS), *results(*ORG_COMPLETIONS), *results(*ORG_EMBEDDINGS),
              *results(*ORG_IMAGES)]
    # Every result read, the hourly ones too; a charge each, and a metric per key and hour.
    assert outcome.rows_read == len(served) + len(list(results(*ORG_HOURLY)))
    assert outcome.rows_written == len(served) + len(expected_hourly(*ORG_HOURLY))
    # The money is the Costs API's, per day and project, to the cent and beyond.
    assert cached_costs(cache) == pytest.approx(expected_costs(*ORG_COSTS), abs=1e-9)
    assert cache._scalar("SELECT TOTAL(billed_cost) - TOTAL(effective_cost) FROM charges") == 0
    run = last_run(cache)
    assert run["result"] == "ok"
    assert run["source_billed_total"] == pytest.approx(total(ORG_COSTS))
    assert (run["period_start"], run["period_end"]) == (
        (TODAY - dt.timedelta(days=89)).isoformat(), TODAY.isoformat())
    # Tokens per model, with uncached input apart from cache reads and writes.
    assert cached_tokens(cache) == expected_tokens(*ORG_COMPLETIONS, *ORG_EMBEDDINGS)
    assert cached_tokens(cache)["gpt-4o-mini-2024-07-18"] == (8_500, 2_500, 1_000, 1_900, 70)
    by_key = {tuple(r) for r in cache._rows(
        "SELECT resource_id, resource_type, sub_account_id, x_batch FROM charges "
        "WHERE x_usage_type = 'completions'")}
    assert by_key == {("key_a", "API key", "proj_a", 0), ("key_b", "API key", "proj_b", 1),
                      ("key_b", "API key", "proj_b", 0)}
    # Cost line items name their model where they have one.
    assert dict(cache._rows("SELECT x_usage_type, x_model FROM charges "
                           "WHERE billed_cost != 0")) == {
        "gpt-4o-2024-08-06, input": "gpt-4o-2024-08-06",
        "gpt-4o-2024-08-06, output": "gpt-4o-2024-08-06",
        "gpt-4o-mini-2024-07-18, cached input": "gpt-4o-mini-2024-07-18",
        "gpt-4o-mini-2024-07-18, input": "gpt-4o-mini-2024-07-18",
        "gpt-4o-mini-2024-07-18, output": "gpt-4o-mini-2024-07-18",
        "File search storage": None,
        "text-embedding-3-small, input": "text-embedding-3-small",
        "gpt-image-1, image generation": "gpt-image-1"}
    assert {tuple(r) for r in cache._rows(
        "SELECT DISTINCT provider_name, service_category, billing_currency FROM charges")} \
        == {("OpenAI", AI_CATEGORY, "USD")}
    # Every page was followed, each with the day bounds of the window: the completions
    # endpoint's two daily pages, then its two hourly ones.
    assert [len(api.calls(p)) for p in (COSTS, COMPLETIONS, EMBEDDINGS, IMAGES)] == \
        [2, 4, 1, 1]
    assert [s.query["bucket_width"] for s in api.calls(COMPLETIONS)] == \
        [["1d"], ["1d"], ["1h"], ["1h"]]
    assert {(s.query["start_time"][0], s.query["end_time"][0]) for s in api.seen
            if s.path in GROUP_BY} == {
        (str(unix(TODAY - dt.timedelta(days=89))), str(unix(TODAY + dt.timedelta(days=1))))}
    assert api.calls(COSTS)[1].query["page"] == ["page_1_costs"]


def test_a_second_sync_fetches_only_the_open_days_and_changes_no_total(
        cache: Cache, api: FakeOpenAI) -> None:
    organisation(api)
    add_source(cache, api)
    assert sync_one(cache).result == "ok"
    before = snapshot(cache)[0]

    again = sync_one(cache)

    assert again.result == "ok", again
    assert api.problems == []
    assert snapshot(cache)[0] == before
    # The last day held minus two open days, to today.
    since = DAYS[2] - dt.timedelta(days=2)
    assert api.calls(COSTS)[-1].query["start_time"] == [str(unix(since))]
    assert again.rows_read == sum(1 for day, _r in results(
        *ORG_COSTS, *ORG_COMPLETIONS, *ORG_EMBEDDINGS, *ORG_IMAGES, *ORG_HOURLY)
        if day >= since)
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == \
        pytest.approx(total(ORG_COSTS))


def test_a_restated_day_replaces_the_old_figures(cache: Cache, api: FakeOpenAI) -> None:
    organisation(api)
    add_source(cache, api)
    assert sync_one(cache).result == "ok"
    restated = copy.deepcopy(ORG_COSTS)
    restated[1]["data"][0]["results"][1]["amount"]["value"] = 1.5
    api.serve(COSTS, *restated)

    assert sync_one(cache).result == "ok"

    assert cached_costs(cache) == pytest.approx(expected_costs(*restated), abs=1e-9)


def test_a_project_setting_asks_for_that_project_only(cache: Cache, api: FakeOpenAI) -> None:
    organisation(api)
    add_source(cache, api, project="proj_b")

    assert sync_one(cache).result == "ok"

    assert {tuple(s.query["project_ids"]) for s in api.seen if s.path in GROUP_BY} == \
        {("proj_b",)}
    assert {r[0] for r in cache._rows("SELECT DISTINCT sub_account_id FROM charges")} == \
        {"proj_b"}


def test_progress_runs_from_the_days_covered_to_one(cache: Cache, api: FakeOpenAI) -> None:
    organisation(api)
    add_source(cache, api)
    told: list[float] = []

    sync_one(cache, progress=lambda name, share: told.append(share))

    assert len(told) > 4
    assert told == sorted(told)
    assert 0 < told[0] < 0.2 and told[-1] == 1.0  # costs are the first of five parts


def test_hourly_requests_per_key_become_the_metrics_the_detectors_read(
        cache: Cache, api: FakeOpenAI) -> None:
    organisation(api)
    add_source(cache, api)

    synced(cache, api)

    # One metric per API key and hour served, in the layout the demo writes and the
    # runaway-agent and spike detectors query; the result without a key is skipped.
    expected = expected_hourly(*ORG_HOURLY)
    assert len(expected) == 8
    first = cached_metrics(cache)
    assert len(first) == len(expected) and set(first) == expected
    assert (NAME, f"{DAYS[0]}T10:00:00Z", "hour", "key_a", "Requests", "Sum", 12.0,
            "Count") in first
    hourly_calls = [s for s in api.calls(COMPLETIONS) if s.query["bucket_width"] == ["1h"]]
    assert [s.query.get("page") for s in hourly_calls] == [None, ["page_1_completions:hourly"]]

    # A re-sync fetches the open days again and replaces their metrics: a restated hour,
    # a key gone from an hour, and no duplicates; the days before it stay as they were.
    restated = copy.deepcopy(ORG_HOURLY)
    late = restated[1]["data"]
    late[0]["results"][0]["num_model_requests"] = 55
    late[1]["results"] = late[1]["results"][:1]
    api.serve(HOURLY, *restated)
    synced(cache, api)

    again = cached_metrics(cache)
    assert len(again) == len(set(again)) == len(expected) - 1
    assert set(again) == expected_hourly(*restated)
    assert (NAME, f"{DAYS[2]}T07:00:00Z", "hour", "key_a", "Requests", "Sum", 55.0,
            "Count") in again
    assert [r for r in again if r[1] < DAYS[2].isoformat()] == \
        [r for r in first if r[1] < DAYS[2].isoformat()]

    # The alerts' spike alerts read them per key, day and hour...
    by_key = _hourly_requests(cache, DAYS[0], TODAY)
    assert set(by_key) == {"key_a", "key_b"}  # key_c's only hour is gone
    assert by_key["key_a"][DAYS[0].isoformat()][9:11].tolist() == [8.0, 12.0]
    assert by_key["key_a"][DAYS[2].isoformat()][7] == 55.0
    assert by_key["key_b"][DAYS[1].isoformat()].sum() == 40.0
    # ... and the runaway-agent detector finds the busiest hour of a spike day in them.
    context = cast(Any, SimpleNamespace(cache=cache))
    assert _hourly(context, "key_a", [DAYS[2]]) == {
        "busiest hour of the spike": f"{DAYS[2]} 07:00 UTC, 55 requests"}


# -- names and users ----------------------------------------------------------------------

# The documented objects of the admin API's lists (API reference: "List projects", "List
# project API keys", "List users": developers.openai.com/api/reference), in several pages.
ORG_PROJECTS = [
    {"id": "proj_a", "object": "organization.project", "name": "Support bot",
     "created_at": 1711471533, "archived_at": None, "status": "active"},
    {"id": "proj_b", "object": "organization.project", "name": "Search",
     "created_at": 1711471534, "archived_at": None, "status": "active"},
    {"id": "proj_old", "object": "organization.project", "name": "Pilot 2023",
     "created_at": 1690000000, "archived_at": 1700000000, "status": "archived"},
]


def project_key(ident: str, name: str, redacted: str) -> dict[str, Any]:
    return {"object": "organization.project.api_key", "redacted_value": redacted,
            "name": name, "created_at": 1711471533, "last_used_at": 1711471534,
            "id": ident, "owner": {"type": "user", "user": {
                "object": "organization.project.user", "id": "user_abc", "name": "First Last",
                "email": "user@example.com", "role": "owner", "added_at": 1711471533}}}


ORG_KEYS = {
    f"{PROJECTS}/proj_a/api_keys": [project_key("key_a", "Support bot (prod)", "sk-abc...def"),
                                    project_key("key_c", "Embeddings job", "sk-ghi...jkl")],
    f"{PROJECTS}/proj_b/api_keys": [project_key("key_b", "", "sk-mno...pqr")],
}
ORG_USERS = [
    {"object": "organization.user", "id": "user_abc", "name": "First Last",
     "email": "user@example.com", "role": "owner", "added_at": 1711471533},
    {"object": "organization.user", "id": "user_def", "name": None,
     "email": "bot@example.com", "role": "reader", "added_at": 1711471534},
]


def named(api: FakeOpenAI) -> None:
    """The organisation's lists of projects, keys and users, as a real server holds them."""
    api.listed.update({PROJECTS: ORG_PROJECTS, USERS: ORG_USERS, **ORG_KEYS})


def test_the_names_of_projects_keys_and_users_are_kept_page_after_page(
        cache: Cache, api: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai, "LIST_LIMIT", 2)  # three projects: two pages
    organisation(api)
    named(api)
    add_source(cache, api)

    outcome = synced(cache, api)

    assert outcome.warnings == () and "warning" not in outcome.message
    assert names_of(cache, "project") == {
        ("OpenAI", "proj_a"): "Support bot", ("OpenAI", "proj_b"): "Search",
        ("OpenAI", "proj_old"): "Pilot 2023"}
    # A key without a name is known by its redacted value.
    assert names_of(cache, "api_key", "OpenAI") == {
        ("OpenAI", "key_a"): "Support bot (prod)", ("OpenAI", "key_c"): "Embeddings job",
        ("OpenAI", "key_b"): "sk-mno...pqr"}
    assert names_of(cache, "user") == {("OpenAI", "user_abc"): "First Last",
                                       ("OpenAI", "user_def"): "bot@example.com"}
    assert names_of(cache, "api_key", "Anthropic") == {}
    # Archived projects were asked for, the second page after the first's last id, and
    # the archived project's keys were not listed again.
    assert [s.query.get("after") for s in api.calls(PROJECTS)] == [None, ["proj_b"]]
    assert {s.path for s in api.seen if PROJECT_KEYS.fullmatch(s.path)} == set(ORG_KEYS)
    # The names are not charges: the money and the rows written are as without them.
    assert cached_costs(cache) == pytest.approx(expected_costs(*ORG_COSTS), abs=1e-9)
    assert outcome.rows_written == len(list(results(
        *ORG_COSTS, *ORG_COMPLETIONS, *ORG_EMBEDDINGS, *ORG_IMAGES))) + \
        len(expected_hourly(*ORG_HOURLY))
    assert outcome.requests == len(api.seen) == last_run(cache)["requests"]


def test_a_renamed_key_is_renamed_and_a_deleted_one_keeps_its_name(
        cache: Cache, api: FakeOpenAI) -> None:
    organisation(api)
    named(api)
    add_source(cache, api)
    synced(cache, api)
    api.listed[f"{PROJECTS}/proj_a/api_keys"] = [
        project_key("key_a", "Support bot (prod, v2)", "sk-abc...def")]

    synced(cache, api)

    assert names_of(cache, "api_key", "OpenAI") == {
        ("OpenAI", "key_a"): "Support bot (prod, v2)", ("OpenAI", "key_c"): "Embeddings job",
        ("OpenAI", "key_b"): "sk-mno...pqr"}


@pytest.mark.parametrize(("path", "lost", "kept"), [
    (USERS, "users", {"project", "key_a", "key_b", "key_c"}),
    (PROJECTS, "projects", {"user"}),  # no project listed: no project's keys either
    (f"{PROJECTS}/proj_b/api_keys", "API keys of 1 of 2 projects",
     {"project", "user", "key_a", "key_c"}),
])
def test_a_list_the_key_may_not_read_is_a_warning_and_the_usage_still_lands(
        cache: Cache, api: FakeOpenAI, path: str, lost: str, kept: set[str]) -> None:
    organisation(api)
    named(api)
    add_source(cache, api)
    api.queue(path, error_reply(403, "You have insufficient permissions for this "
                                     "operation. Missing scopes: api.management.read."))

    outcome = synced(cache, api)

    (warning,) = outcome.warnings
    assert warning.startswith(f"the names of {lost} were not updated: ")
    assert "OpenAI denied access (403" in warning and f"OpenAI {path}" in warning
    assert f"; warning: {warning}" in outcome.message
    assert KEY not in outcome.message and KEY[-12:] not in warning
    assert outcome.to_json()["warnings"] == [warning]
    # The usage landed whole, and the names the key could read were kept.
    assert cached_costs(cache) == pytest.approx(expected_costs(*ORG_COSTS), abs=1e-9)
    assert cached_tokens(cache) == expected_tokens(*ORG_COMPLETIONS, *ORG_EMBEDDINGS)
    assert {kind for kind in ("project", "user") if names_of(cache, kind)} | \
        {key for _openai, key in names_of(cache, "api_key")} == kept
    assert last_run(cache)["result"] == "ok"


def test_a_list_of_the_wrong_shape_is_a_warning_not_a_failure(cache: Cache,
                                                               api: FakeOpenAI) -> None:
    organisation(api)
    named(api)
    add_source(cache, api)
    api.queue(USERS, Reply(200, json.dumps({"object": "list", "data": "users"}).encode()))

    outcome = synced(cache, api)

    assert outcome.warnings == (
        f"the names of users were not updated: OpenAI {USERS}: the answer has no 'data' "
        "list",)
    assert names_of(cache, "user") == {}
    assert len(names_of(cache, "api_key")) == 3


def test_a_sync_without_a_names_answer_keeps_the_earlier_names(
        cache: Cache, api: FakeOpenAI) -> None:
    organisation(api)
    named(api)
    add_source(cache, api)
    synced(cache, api)
    before = names_of(cache, "user")
    api.queue(USERS, error_reply(403, "Missing scopes: api.management.read."))

    assert synced(cache, api).warnings
    assert names_of(cache, "user") == before != {}


def test_a_list_whose_pages_go_round_in_a_circle_is_a_warning(cache: Cache,
                                                               api: FakeOpenAI) -> None:
    organisation(api)
    named(api)
    add_source(cache, api)
    looping = json.dumps({"object": "list", "data": ORG_USERS[:1], "first_id": "user_abc",
                          "last_id": "user_abc", "has_more": True}).encode()
    api.queue(USERS, Reply(200, looping), Reply(200, looping))

    outcome = synced(cache, api)

    assert outcome.warnings == (
        f"the names of users were not updated: OpenAI {USERS}: the same last id came "
        "twice: the pages go round in a circle",)
    assert [s.query.get("after") for s in api.calls(USERS)] == [None, ["user_abc"]]


def test_a_cancel_while_listing_names_changes_nothing(cache: Cache, api: FakeOpenAI) -> None:
    before = synced_then(cache, api)
    named(api)
    api.serve(COSTS, page(bucket(DAYS[2], cost("proj_a", "gpt-4o, input", 99.0))))

    outcome = sync_one(cache, cancelled=lambda: bool(api.calls(PROJECTS)))

    assert outcome.result == "cancelled"
    assert snapshot(cache) == before
    assert names_of(cache, "project") == {}


def by_user(result: dict[str, Any], *shares: tuple[str, float]) -> list[dict[str, Any]]:
    """``result`` split between users by ``shares`` (fractions of every count), as the
    usage API answers when grouped by user too: the counts add up to the result's."""
    parts = []
    left = {k: v for k, v in result.items() if isinstance(v, int) and not isinstance(v, bool)}
    for n, (user, share) in enumerate(shares, 1):
        part = {**result, "user_id": user}
        for field, value in left.items():
            part[field] = value - sum(round(result[field] * s) for _u, s in shares[:-1]) \
                if n == len(shares) else round(value * share)
        parts.append(part)
    return parts


def test_usage_grouped_by_user_carries_the_user_and_changes_no_total(
        cache: Cache, api: FakeOpenAI) -> None:
    split = copy.deepcopy(ORG_COMPLETIONS)
    first = split[0]["data"][0]
    first["results"] = by_user(first["results"][0], ("user_abc", 0.75), ("user_def", 0.25))
    embedded = copy.deepcopy(ORG_EMBEDDINGS)
    embedded[0]["data"][0]["results"][0]["user_id"] = "user_abc"
    organisation(api)
    api.serve(COMPLETIONS, *split)
    api.serve(EMBEDDINGS, *embedded)
    add_source(cache, api)

    outcome = synced(cache, api)

    # Every endpoint was asked to group by user, and each user's usage is a charge
    # carrying the user in its tags (a usage without one carries no tag).
    assert all(s.query["group_by"][-1] == "user_id"
               for s in api.seen if s.path in GROUP_BY and s.path != COSTS
               and s.query["bucket_width"] == ["1d"])
    by_tag = {(r["x_usage_type"], r["resource_id"], r["tags"]): (r["x_input_tokens"],
                                                                 r["x_output_tokens"])
              for r in cache._rows("SELECT * FROM charges WHERE billed_cost = 0 AND "
                                   "charge_period_start = ?", (DAYS[0].isoformat(),))}
    assert by_tag == {("completions", "key_a", '{"user_id": "user_abc"}'): (4_500, 1_500),
                      ("completions", "key_a", '{"user_id": "user_def"}'): (1_500, 500)}
    assert cache._scalar("SELECT tags FROM charges WHERE x_usage_type = 'embeddings'") == \
        '{"user_id": "user_abc"}'
    assert cache._scalar("SELECT COUNT(*) FROM charges WHERE billed_cost != 0 "
                         "AND tags IS NOT NULL") == 0
    # The finer grouping splits tokens, never money: the totals are the unsplit ones.
    assert cached_tokens(cache) == expected_tokens(*ORG_COMPLETIONS, *ORG_EMBEDDINGS)
    assert cached_costs(cache) == pytest.approx(expected_costs(*ORG_COSTS), abs=1e-9)
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == \
        pytest.approx(total(ORG_COSTS))
    assert last_run(cache)["source_billed_total"] == pytest.approx(total(ORG_COSTS))
    # The hourly requests per key are asked for and kept as before: per key only.
    assert {tuple(s.query["group_by"]) for s in api.calls(COMPLETIONS)
            if s.query["bucket_width"] == ["1h"]} == {("api_key_id",)}
    assert set(cached_metrics(cache)) == expected_hourly(*ORG_HOURLY)
    assert outcome.rows_read == len(list(results(
        *ORG_COSTS, *split, *embedded, *ORG_IMAGES, *ORG_HOURLY)))


# -- refusals, retries and answers that are wrong ---------------------------------------


def test_a_revoked_key_fails_naming_openai_and_401_never_the_key(
        cache: Cache, api: FakeOpenAI) -> None:
    before = synced_then(cache, api)
    api.keys, api.echo_key = {"sk-admin-another"}, True  # the 401 quotes the key whole

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, "OpenAI /v1/organization/costs",
                  "OpenAI refused the admin key (401", "sk-admin-...")
    assert len(api.seen) == 1  # a refused key is not retried


@pytest.mark.parametrize(("status", "words"), [
    (403, ("OpenAI denied access (403", "admin key")),
    (404, ("OpenAI has no /v1/organization/costs at http://127.0.0.1", "(404",
           "endpoint setting")),
    (400, ("OpenAI rejected the request (400", "no such parameter")),
])
def test_a_refusal_fails_in_plain_words_without_retrying(
        cache: Cache, api: FakeOpenAI, status: int, words: tuple[str, ...]) -> None:
    before = synced_then(cache, api)
    api.queue(COSTS, error_reply(status, "no such parameter"))

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, *words)
    assert len(api.seen) == 1


def test_a_wrong_endpoint_gets_a_404_that_names_the_setting(
        cache: Cache, api: FakeOpenAI) -> None:
    organisation(api)
    add_source(cache, api, endpoint=f"{api.url}/proxy")

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert f"OpenAI has no {COSTS} at {api.url}/proxy (404" in outcome.message


def test_a_server_error_is_retried_and_the_sync_succeeds(cache: Cache,
                                                         api: FakeOpenAI) -> None:
    organisation(api)
    add_source(cache, api)
    api.queue(COMPLETIONS, error_reply(500, "The server had an error"),
              Reply(503, b"upstream unavailable", (("Content-Type", "text/plain"),)))

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    # Two failures, then both daily pages, then both hourly ones.
    assert len(api.calls(COMPLETIONS)) == 6
    assert cached_tokens(cache) == expected_tokens(*ORG_COMPLETIONS, *ORG_EMBEDDINGS)
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == \
        pytest.approx(total(ORG_COSTS))


def test_throttling_honours_retry_after(cache: Cache, api: FakeOpenAI,
                                        waits: list[float]) -> None:
    organisation(api)
    add_source(cache, api)
    slow_down = error_reply(429, "Rate limit reached", ("Retry-After", "7"))
    api.queue(COSTS, slow_down, slow_down)

    assert sync_one(cache).result == "ok"

    assert waits == [7.0, 7.0]


def test_throttling_that_never_ends_fails_after_a_few_tries_with_growing_waits(
        cache: Cache, api: FakeOpenAI, waits: list[float]) -> None:
    before = synced_then(cache, api)
    api.queue(COSTS, *[error_reply(429, "Rate limit reached")] * 10)

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, "OpenAI is rate limiting this key (429",
                  f"{http.TRIES} times")
    assert len(api.seen) == http.TRIES
    assert len(waits) == http.TRIES - 1
    for n, wait in enumerate(waits):
        assert http.BACKOFF * 2 ** n <= wait <= http.BACKOFF * 2 ** n * 1.5


def test_a_retry_after_longer_than_worth_waiting_fails_at_once(
        cache: Cache, api: FakeOpenAI, waits: list[float]) -> None:
    before = synced_then(cache, api)
    api.queue(COSTS, error_reply(429, "Rate limit reached", ("Retry-After", "3600")))

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, "429", "3,600 s")
    assert (len(api.seen), waits) == (1, [])


@pytest.mark.parametrize(("header", "seconds"), [
    ("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("", None), ("soon", None), (None, None),
])
def test_retry_after_reads_seconds(header: str | None, seconds: float | None) -> None:
    assert http.retry_after(header) == seconds


def test_retry_after_reads_an_http_date() -> None:
    from email.utils import format_datetime

    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    assert http.retry_after(format_datetime(when, usegmt=True)) == \
        pytest.approx(120, abs=2)


def test_an_unreachable_endpoint_fails_after_a_few_tries(cache: Cache, api: FakeOpenAI) -> None:
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    add_source(cache, api, endpoint=f"http://127.0.0.1:{port}")

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert f"OpenAI could not be reached at http://127.0.0.1:{port}" in outcome.message
    assert f"{http.TRIES} times" in outcome.message


def test_plain_http_to_another_machine_is_refused_before_any_call(
        cache: Cache, api: FakeOpenAI) -> None:
    add_source(cache, api, endpoint="http://proxy.example.com")

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert "plain http" in outcome.message and "use https" in outcome.message
    assert api.seen == []


def test_garbage_instead_of_json_fails_and_changes_nothing(cache: Cache,
                                                           api: FakeOpenAI) -> None:
    before = synced_then(cache, api)
    api.queue(COSTS, Reply(200, b"<html><body>Sign in to the proxy</body></html>",
                           (("Content-Type", "text/html; charset=utf-8"),)))

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, "OpenAI /v1/organization/costs",
                  "not JSON (text/html")


def test_garbage_on_a_late_page_rolls_back_what_came_before(cache: Cache,
                                                             api: FakeOpenAI) -> None:
    before = synced_then(cache, api)
    api.serve(COSTS, page(bucket(DAYS[2], cost("proj_a", "gpt-4o, input", 99.0))))
    api.serve(COMPLETIONS, ORG_COMPLETIONS[0], {"object": "page", "data": "garbage"})

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, f"OpenAI {COMPLETIONS}", "'data'")


def spoil(path: str, change: Callable[[dict[str, Any]], Any], which: int = -1
          ) -> Callable[[FakeOpenAI], None]:
    """Serve the organisation, with ``change`` made to one page of ``path`` (by default
    the last, which holds the last day: the one a second sync fetches again)."""
    def serve(api: FakeOpenAI) -> None:
        organisation(api)
        change(list(api.chains[path].values())[which])
    return serve


def first_result(p: dict[str, Any]) -> dict[str, Any]:
    return p["data"][0]["results"][0]


def cached_over_input(p: dict[str, Any]) -> None:
    """An older answer (no input_uncached_tokens) with more cached tokens than input."""
    first_result(p).pop("input_uncached_tokens")
    first_result(p).update(input_cached_tokens=10**6)


@pytest.mark.parametrize(("spoiled", "words"), [
    (spoil(COSTS, lambda p: first_result(p)["amount"].pop("value")),
     (f"OpenAI {COSTS}", "'amount.value' is None")),
    (spoil(COSTS, lambda p: first_result(p)["amount"].update(value="lots")),
     (f"OpenAI {COSTS}", "'amount.value' is 'lots'")),
    (spoil(COSTS, lambda p: first_result(p).pop("amount")), ("'amount' is missing",)),
    (spoil(COSTS, lambda p: first_result(p)["amount"].pop("currency")),
     ("amount.currency", "a currency is required")),
    (spoil(COSTS, lambda p: first_result(p)["amount"].update(currency="eur")),
     ("mixed currencies",)),
    (spoil(COSTS, lambda p: p["data"][0].update(start_time="yesterday")),
     ("'start_time' is 'yesterday'",)),
    (spoil(COSTS, lambda p: p["data"][0].pop("results")), ("'results'",)),
    (spoil(COSTS, lambda p: p.update(next_page=None), which=0), ("'next_page' is missing",)),
    (spoil(COMPLETIONS, lambda p: first_result(p).pop("input_tokens")),
     (f"OpenAI {COMPLETIONS}", "'input_tokens' is missing")),
    (spoil(COMPLETIONS, lambda p: first_result(p).update(output_tokens=-5)),
     ("'output_tokens' is -5, not a count",)),
    (spoil(COMPLETIONS, cached_over_input),
     ("'input_tokens' (3000) is less than its cached tokens (1000000) and cache writes "
      "(500)",)),
    (spoil(COMPLETIONS, lambda p: first_result(p).update(batch="yes")), ("'batch'",)),
    (spoil(EMBEDDINGS, lambda p: first_result(p).update(num_model_requests="2")),
     (f"OpenAI {EMBEDDINGS}", "'num_model_requests'")),
    (spoil(IMAGES, lambda p: first_result(p).update(model=7)), ("'model' is 7, not text",)),
    (spoil(HOURLY, lambda p: first_result(p).update(num_model_requests=-1)),
     (f"OpenAI {COMPLETIONS}", "'num_model_requests' is -1, not a count")),
    (spoil(HOURLY, lambda p: first_result(p).update(api_key_id=7)),
     (f"OpenAI {COMPLETIONS}", "'api_key_id' is 7, not text")),
    (spoil(HOURLY, lambda p: p["data"][0].update(start_time=p["data"][0]["start_time"] + 60)),
     (f"OpenAI {COMPLETIONS}", "'start_time' is not on the hour")),
], ids=["no-value", "text-value", "no-amount", "no-currency", "mixed-currency",
        "bad-start", "no-results", "no-next-page", "no-input", "negative", "cached-over",
        "bad-batch", "text-count", "number-model", "hourly-negative", "hourly-key",
        "hourly-off-the-hour"])
def test_a_malformed_answer_fails_naming_the_endpoint_and_field(
        cache: Cache, api: FakeOpenAI, spoiled: Callable[[FakeOpenAI], None],
        words: tuple[str, ...]) -> None:
    before = synced_then(cache, api)
    spoiled(api)

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, *words)


def test_a_bucket_outside_the_days_asked_for_is_refused(cache: Cache,
                                                        api: FakeOpenAI) -> None:
    before = synced_then(cache, api)
    api.window = False  # a server that ignores start_time
    api.serve(COSTS, page(bucket(TODAY - dt.timedelta(days=400), cost(None, None, 1.0))))

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, "outside the days asked for")


def test_pages_that_go_round_in_a_circle_are_refused(cache: Cache, api: FakeOpenAI) -> None:
    before = synced_then(cache, api)
    looping = {**ORG_COSTS[0], "has_more": True, "next_page": "again"}
    api.chains[COSTS] = {None: looping, "again": looping}

    outcome = sync_one(cache)

    assert_failed(cache, outcome, before, "the same 'next_page' came twice")


# -- cancelling -------------------------------------------------------------------------


def test_a_cancel_between_pages_stops_the_calls_and_changes_nothing(
        cache: Cache, api: FakeOpenAI) -> None:
    before = synced_then(cache, api)
    api.serve(COSTS, page(bucket(DAYS[2], cost("proj_a", "gpt-4o, input", 99.0))),
              *ORG_COSTS)

    outcome = sync_one(cache, cancelled=lambda: len(api.seen) >= 1)

    assert outcome.result == "cancelled"
    assert len(api.seen) == 1
    assert snapshot(cache) == before
    assert last_run(cache)["result"] == "cancelled"


def test_a_cancel_during_a_wait_to_retry_stops_it(cache: Cache, api: FakeOpenAI,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    before = synced_then(cache, api)
    monkeypatch.setattr(http, "BACKOFF", 5.0)
    api.queue(COSTS, error_reply(500, "The server had an error"))

    outcome = sync_one(cache, cancelled=lambda: len(api.seen) >= 1)

    assert outcome.result == "cancelled"
    assert len(api.seen) == 1  # the retry was never made
    assert snapshot(cache) == before


# -- the key stays out of the workspace -----------------------------------------------------


def test_the_key_reaches_no_file_of_the_workspace(
        cache: Cache, api: FakeOpenAI, workspace: Workspace, keyring_file: Path,
        log_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    organisation(api)
    add_source(cache, api)
    api.keys, api.echo_key = set(), True  # first refused, with the key quoted back whole
    assert sync_one(cache).result == "failed"
    api.keys = {KEY}
    assert sync_one(cache).result == "ok"
    for fmt in ("csv", "json"):
        code, out, _err = run_cli(capsys, workspace, "report", "overview", "--format", fmt)
        assert code == 0
        (workspace.folder / f"overview.{fmt}").write_text(out, encoding="utf-8")
    assert "OpenAI" in (workspace.folder / "overview.csv").read_text(encoding="utf-8")

    scanned, leaked = holding_key(workspace.folder, KEY)

    assert {"worthit.sqlite-wal", "worthit.log", "overview.csv", "overview.json"} <= \
        set(scanned), scanned
    assert leaked == []
    cache.close()
    scanned, leaked = holding_key(workspace.folder, KEY)
    assert "worthit.sqlite" in scanned and leaked == []
    # The scan would have found it: it finds the key in the keyring's file, and the log saw
    # the sync's calls and the 401 the server quoted the key in.
    assert holding_key(keyring_file.parent, KEY)[1] == [keyring_file.name]
    logged = log_file.read_text(encoding="utf-8")
    assert f"{COSTS}" in logged and "401" in logged
    with Cache.open(workspace.cache_path) as reopened:
        stored = " ".join(str(v) for r in reopened._rows(
            "SELECT error, source_id FROM sync_runs UNION ALL "
            "SELECT settings, name FROM sources") for v in tuple(r))
    assert "OpenAI refused the admin key (401" in stored
    assert KEY not in stored

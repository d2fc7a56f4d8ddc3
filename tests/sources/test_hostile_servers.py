"""Live connectors against hostile servers on loopback: answers that never end, a small gzip
that inflates to gigabytes, answers trickled a byte at a time, and amounts and counts no bill
holds.

Each server is real HTTP on 127.0.0.1 (as :mod:`tests.sources.loopback`'s, whose workspace,
keyring and sync helpers these tests share), writing to the socket by hand where a trickle
needs it, and recording how much it got out before the client hung up. The bounds are
:mod:`worthit.sources.exchange`'s module constants, set small here; a test asserts what the
user sees (the sync's outcome), that nothing was retried, and that the client stopped
reading long before the server would have stopped sending."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.sources import aws_server, loopback
from tests.sources.aws_server import Moto

from worthit.sources import anthropic, exchange, http, openai
from worthit.store.cache import Cache

# The shared fixtures, bound here by name so that pytest finds them.
keyring_file, workspace, cache = loopback.keyring_file, loopback.workspace, loopback.cache
quick_retries, waits = loopback.quick_retries, loopback.waits
moto, moto_server = aws_server.moto, aws_server.moto_server

KEY = "sk-admin-H0stileTest5e3c9a1e5b2d8c4f6a0e9b1d3c5a7e9f1b3d5c7a"
OPENAI = loopback.Source("openai", "openai-hostile", KEY, {})
ANTHROPIC = loopback.Source("anthropic", "anthropic-hostile", "sk-ant-admin01-H0stile" + "x" * 40,
                            {})
YESTERDAY = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
#: The bounds while these tests run: an answer of at most 1 MB, a call of at most 0.5 s.
CAP, DEADLINE = 2**20, 0.5
#: Seconds between the bytes of a trickle: the whole of one takes ten times the deadline.
DRIP = 0.05


@pytest.fixture(autouse=True)
def small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exchange, "MAX_BYTES", CAP)
    monkeypatch.setattr(exchange, "DEADLINE", DEADLINE)


# -- the server -------------------------------------------------------------------------------

#: What the server does with one GET: write to the handler's socket, by hand if need be.
Act = Callable[["Handler", str], None]


@dataclass
class Hostile:
    """A server that answers every GET with ``act``, recording each path asked for, the
    bytes of each answer it got out, and each time the client hung up mid-answer."""

    act: Act
    url: str = ""
    paths: list[str] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    hung_up: int = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def do_GET(self) -> None:
        hostile: Hostile = self.server.hostile
        hostile.paths.append(urlsplit(self.path).path)
        hostile.sent.append(0)
        try:
            hostile.act(self, urlsplit(self.path).path)
        except (BrokenPipeError, ConnectionResetError):
            hostile.hung_up += 1
            self.close_connection = True

    def put(self, data: bytes) -> None:
        """Write ``data`` now (the socket is unbuffered), counting it as sent."""
        self.wfile.write(data)
        self.server.hostile.sent[-1] += len(data)

    def head(self, *headers: tuple[str, str]) -> None:
        self.put(b"HTTP/1.1 200 OK\r\n" + b"".join(
            f"{k}: {v}\r\n".encode() for k, v in headers) + b"\r\n")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(act: Act) -> Iterator[Hostile]:
    hostile = Hostile(act)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = False  # closing the server waits for each answer's end
    server.hostile = hostile  # type: ignore[attr-defined]
    hostile.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield hostile
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def page(*results: dict[str, Any], **more: Any) -> dict[str, Any]:
    """An OpenAI page: yesterday's bucket with ``results`` (none: no bucket at all)."""
    start = http.unix(YESTERDAY)
    data = [{"object": "bucket", "start_time": start, "end_time": start + 86_400,
             "results": list(results)}] if results else []
    return {"object": "page", "data": data, "has_more": False, "next_page": None, **more}


def cost(value: Any) -> dict[str, Any]:
    return {"object": "organization.costs.result", "amount": {"value": value, "currency": "usd"},
            "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_a"}


def plain(costs: dict[str, Any], encoding: str | None = None) -> Act:
    """Answer the Costs API with ``costs`` and every other endpoint with an empty page, the
    body compressed with ``encoding`` if given."""
    def act(handler: Handler, path: str) -> None:
        body = json.dumps(costs if path == openai.COSTS else page()).encode()
        headers = [("Content-Type", "application/json")]
        if encoding:
            body = gzip.compress(body)
            headers.append(("Content-Encoding", encoding))
        handler.head(*headers, ("Content-Length", str(len(body))))
        handler.put(body)
    return act


def failed_saying(cache: Cache, *words: str) -> str:
    outcome = loopback.sync_one(cache)
    assert outcome.result == "failed", outcome
    for word in words:
        assert word in outcome.message, outcome.message
    return outcome.message


# -- size -------------------------------------------------------------------------------------


def endless(handler: Handler, path: str) -> None:
    """A page whose padding runs to 32 times the cap, chunk by chunk: valid JSON in the end,
    for a client that reads it all."""
    del path
    handler.head(("Content-Type", "application/json"), ("Transfer-Encoding", "chunked"))

    def chunk(data: bytes) -> None:
        handler.put(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    chunk(b'{"object": "page", "data": [], "has_more": false, "padding": "')
    for _ in range(32 * CAP // 2**16):
        chunk(b"x" * 2**16)
    chunk(b'"}')
    handler.put(b"0\r\n\r\n")


def test_an_answer_past_the_cap_is_cut_off_and_the_sync_fails_in_plain_words(
        cache: Cache) -> None:
    with serving(endless) as hostile:
        OPENAI.add(cache, hostile)

        failed_saying(cache, f"OpenAI {openai.COSTS}",
                      "OpenAI sent an answer of more than 1 MB", "endpoint setting")

    assert hostile.paths == [openai.COSTS]  # not retried
    assert hostile.hung_up == 1 and hostile.sent[0] < 32 * CAP


def test_a_declared_length_past_the_cap_is_refused_before_the_body_is_read(
        cache: Cache) -> None:
    def huge(handler: Handler, path: str) -> None:
        del path
        handler.head(("Content-Type", "application/json"),
                     ("Content-Length", str(64 * CAP)))
        for _ in range(64 * CAP // 2**16):
            handler.put(b" " * 2**16)

    with serving(huge) as hostile:
        OPENAI.add(cache, hostile)

        failed_saying(cache, "OpenAI sent an answer of more than 1 MB")

    assert hostile.paths == [openai.COSTS] and hostile.hung_up == 1


def test_a_gzip_bomb_is_inflated_no_further_than_the_cap(cache: Cache) -> None:
    """1 MB of gzip inflates to 1 GB; here 32 kB to 32 MB, against a cap of 1 MB: the sync
    fails, and the memory it took stays near the cap, not near the bomb."""
    bomb = gzip.compress(json.dumps(page(padding="0" * 32 * CAP)).encode(), compresslevel=9)
    assert len(bomb) < CAP // 16

    def act(handler: Handler, path: str) -> None:
        del path
        handler.head(("Content-Type", "application/json"), ("Content-Encoding", "gzip"),
                     ("Content-Length", str(len(bomb))))
        handler.put(bomb)

    with serving(act) as hostile:
        OPENAI.add(cache, hostile)
        tracemalloc.start()
        try:
            failed_saying(cache, f"OpenAI {openai.COSTS}",
                          "more than 1 MB once inflated")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert hostile.paths == [openai.COSTS]
    assert peak < 8 * CAP


def test_an_honest_gzip_answer_syncs_as_before(cache: Cache) -> None:
    with serving(plain(page(cost(12.5)), encoding="gzip")) as hostile:
        OPENAI.add(cache, hostile)

        outcome = loopback.sync_one(cache)

    assert outcome.result == "ok", outcome
    assert loopback.cached_costs(cache, OPENAI.name) == {(YESTERDAY.isoformat(), "proj_a"): 12.5}


# -- time -------------------------------------------------------------------------------------


#: A page padded with spaces (JSON allows them) to 200 bytes: ten times the deadline at a
#: byte each DRIP.
SLOW_PAGE = json.dumps(page()).encode().ljust(200)


def trickled_body(handler: Handler, path: str) -> None:
    """Headers at once, then the body a byte at a time: each read gets its byte well within
    any per-read timeout."""
    del path
    handler.head(("Content-Type", "application/json"), ("Content-Length", str(len(SLOW_PAGE))))
    for byte in SLOW_PAGE:
        handler.put(bytes([byte]))
        time.sleep(DRIP)


def trickled_head(handler: Handler, path: str) -> None:
    """The status line, then a header a byte at a time: no body is ever begun."""
    del path
    handler.put(b"HTTP/1.1 200 OK\r\nX-Padding: ")
    for _ in range(200):
        handler.put(b"a")
        time.sleep(DRIP)
    body = json.dumps(page()).encode()
    handler.put(f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)


@pytest.mark.parametrize(("act", "so_far"), [
    (trickled_body, "bytes of it by then"),
    (trickled_head, "none of it by then"),
], ids=["body", "headers"])
def test_a_trickled_answer_is_given_up_at_the_deadline_and_not_retried(
        cache: Cache, waits: list[float], act: Act, so_far: str) -> None:
    with serving(act) as hostile:
        OPENAI.add(cache, hostile)

        message = failed_saying(cache, f"OpenAI {openai.COSTS}",
                                "OpenAI took more than 0.5 s to answer", so_far,
                                "sync again later")

    assert KEY not in message
    assert hostile.paths == [openai.COSTS] and waits == []  # no retry, no wait for one
    # The client hung up long before the trickle's end (ten times the deadline).
    assert hostile.hung_up == 1 and hostile.sent[0] < 200


# -- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    (1e308, "1e+308"), (-2e12, "-2000000000000.0"), ("1e308", "'1e308'"),
])
def test_an_openai_amount_no_bill_holds_is_refused_naming_the_field(
        cache: Cache, value: Any, shown: str) -> None:
    with serving(plain(page(cost(1.25), cost(value)))) as hostile:
        OPENAI.add(cache, hostile)

        failed_saying(cache, f"OpenAI {openai.COSTS}", f"{YESTERDAY} result 2",
                      f"'amount.value' is {shown}, beyond 1,000,000,000,000")

    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0


def test_an_openai_amount_just_within_the_bound_is_kept(cache: Cache) -> None:
    with serving(plain(page(cost(999_999_999_999.5)))) as hostile:
        OPENAI.add(cache, hostile)

        assert loopback.sync_one(cache).result == "ok"

    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == 999_999_999_999.5


def test_an_anthropic_amount_no_bill_holds_is_refused_naming_the_field(cache: Cache) -> None:
    def act(handler: Handler, path: str) -> None:
        results = [{"currency": "USD", "amount": "1e308", "workspace_id": None,
                    "description": "Claude Sonnet 4 Usage - Input Tokens", "model": None}]
        data = [{"starting_at": f"{YESTERDAY}T00:00:00Z",
                 "ending_at": f"{YESTERDAY + dt.timedelta(days=1)}T00:00:00Z",
                 "results": results}] if path == anthropic.COSTS else []
        body = json.dumps({"data": data, "has_more": False, "next_page": None}).encode()
        handler.head(("Content-Type", "application/json"), ("Content-Length", str(len(body))))
        handler.put(body)

    with serving(act) as hostile:
        ANTHROPIC.add(cache, hostile)

        failed_saying(cache, f"Anthropic {anthropic.COSTS}",
                      "'amount' is '1e308', beyond 1,000,000,000,000")


def test_a_cost_explorer_amount_no_bill_holds_is_refused_naming_the_metric(
        cache: Cache, moto: Moto) -> None:
    def metric(amount: str, unit: str = "USD") -> dict[str, str]:
        return {"Amount": amount, "Unit": unit}

    moto.queue_ce({
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"},
                             {"Type": "DIMENSION", "Key": "SERVICE"}],
        "ResultsByTime": [{
            "TimePeriod": {"Start": YESTERDAY.isoformat(),
                           "End": (YESTERDAY + dt.timedelta(days=1)).isoformat()},
            "Total": {}, "Estimated": False,
            "Groups": [{"Keys": [aws_server.ACCOUNT, "Amazon Bedrock"], "Metrics": {
                "UnblendedCost": metric("1e308"), "AmortizedCost": metric("1e308"),
                "UsageQuantity": metric("3", "N/A")}}]}],
        "DimensionValueAttributes": []})
    aws_server.add_source(cache, "aws-hostile", "aws-ce", endpoint=moto.url)

    outcome = aws_server.sync_one(cache)

    assert outcome.result == "failed", outcome
    assert "AWS Cost Explorer GetCostAndUsage by LINKED_ACCOUNT and SERVICE" in outcome.message
    assert f"{YESTERDAY} group 1: 'UnblendedCost.Amount' is '1e308', beyond " \
        "1,000,000,000,000" in outcome.message
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0


def test_a_token_count_past_any_usage_is_refused_not_crashed_on(cache: Cache) -> None:
    """10**30 tokens would overflow SQLite's integers: the sync failed as a bug."""
    completions = {"object": "organization.usage.completions.result",
                   "input_tokens": 10**30, "input_cached_tokens": 0, "output_tokens": 1,
                   "num_model_requests": 1, "project_id": "proj_a", "api_key_id": "key_a",
                   "model": "gpt-4o", "batch": False}

    def act(handler: Handler, path: str) -> None:
        served = page(completions) if path == "/v1/organization/usage/completions" else page()
        body = json.dumps(served).encode()
        handler.head(("Content-Type", "application/json"), ("Content-Length", str(len(body))))
        handler.put(body)

    with serving(act) as hostile:
        OPENAI.add(cache, hostile)

        failed_saying(cache, "OpenAI /v1/organization/usage/completions",
                      f"'input_tokens' is {10**30}, beyond 1,000,000,000,000,000")

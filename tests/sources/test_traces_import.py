"""Importing request traces (worthit.sources.traces*, worthit.sync.traces): what real
instrumentation emits, LiteLLM's spend log as LiteLLM writes it, the plain usage CSV, and
refusals that name file, line and column and change nothing."""

from __future__ import annotations

import base64
import csv
import importlib
import itertools
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from worthit.core.errors import BadInput
from worthit.store.cache import Cache
from worthit.sync.importer import import_file, recognise

SUMS = "SELECT customer, run_id, agent, provider, model, input, cached_input, cache_write, " \
       "output, requests FROM trace_usage ORDER BY customer, provider"


def need(name: str) -> ModuleType:
    """A test dependency: skipped where it is not installed, except in CI (which installs
    the lock, so a missing one is an error there, never a silent skip)."""
    if os.environ.get("CI"):
        return importlib.import_module(name)
    return pytest.importorskip(name)


def held(cache: Cache) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in cache._rows(SUMS)]


# -- a vendor on loopback -------------------------------------------------------------------

_ids = itertools.count(1)


def openai_body() -> dict[str, Any]:
    return {"id": f"chatcmpl-{next(_ids)}", "object": "chat.completion", "created": 1764950400,
            "model": "gpt-4.1-2025-04-14",
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": "LGTM", "refusal": None,
                                     "annotations": []}}],
            "usage": {"prompt_tokens": 1200, "completion_tokens": 50, "total_tokens": 1250,
                      "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 0}},
            "service_tier": "default", "system_fingerprint": "fp_1"}


def anthropic_body() -> dict[str, Any]:
    return {"id": f"msg_{next(_ids)}", "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-5-20250929", "content": [{"type": "text", "text": "ok"}],
            "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 100, "cache_creation_input_tokens": 2000,
                      "cache_read_input_tokens": 3000, "output_tokens": 40,
                      "service_tier": "standard"}}


class Vendor(BaseHTTPRequestHandler):
    """Answers like OpenAI's chat completions and Anthropic's messages, cache tokens and
    all (bodies as the vendors document them)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path.endswith("/chat/completions"):
            body = openai_body()
        elif self.path.endswith("/messages"):
            body = anthropic_body()
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def vendor() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Vendor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def otlp_lines(spans: list[Any]) -> list[str]:
    """Each span as its own ExportTraceServiceRequest line, as the collector's file
    exporter writes OTLP/JSON: ids in hex, enums as integers."""
    json_format = need("google.protobuf.json_format")
    encoder = need("opentelemetry.exporter.otlp.proto.common.trace_encoder")

    def hexed(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: base64.b64decode(v).hex() if k in ("traceId", "spanId", "parentSpanId")
                    else hexed(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [hexed(x) for x in obj]
        return obj

    return [json.dumps(hexed(json_format.MessageToDict(encoder.encode_spans([span]),
                                                       use_integers_for_enums=True)),
                       separators=(",", ":")) for span in spans]


@pytest.fixture(scope="module")
def instrumented(vendor: str, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[Path, dict[str, str]]]:
    """Two agent runs of a real app: the official clients, instrumented by the
    OpenTelemetry GenAI instrumentations, each customer in baggage copied onto every span
    by the BaggageSpanProcessor. The file and each customer's run id."""
    openai = need("openai")
    anthropic = need("anthropic")
    otel_baggage = need("opentelemetry.baggage")
    otel_context = need("opentelemetry.context")
    sdk = need("opentelemetry.sdk.trace")
    exporting = need("opentelemetry.sdk.trace.export")
    memory = need("opentelemetry.sdk.trace.export.in_memory_span_exporter")
    resources = need("opentelemetry.sdk.resources")
    processor = need("opentelemetry.processor.baggage")
    genai_openai = need("opentelemetry.instrumentation.genai.openai")
    genai_anthropic = need("opentelemetry.instrumentation.genai.anthropic")

    exporter = memory.InMemorySpanExporter()
    provider = sdk.TracerProvider(resource=resources.Resource.create(
        {"service.name": "code-review"}))
    provider.add_span_processor(processor.BaggageSpanProcessor(processor.ALLOW_ALL_BAGGAGE_KEYS))
    provider.add_span_processor(exporting.SimpleSpanProcessor(exporter))
    instrumentors = [genai_openai.OpenAIInstrumentor(), genai_anthropic.AnthropicInstrumentor()]
    for instrumentor in instrumentors:
        instrumentor.instrument(tracer_provider=provider)
    try:
        oai = openai.OpenAI(api_key="sk-test", base_url=f"{vendor}/v1", max_retries=0)
        # The SDK's own tracing is off: the instrumentation's span is the one under test.
        ant = anthropic.Anthropic(api_key="sk-ant-test", base_url=vendor, max_retries=0,
                                  open_telemetry={"traces": False})
        tracer = provider.get_tracer("app")
        runs = {}
        for customer, calls in (("acme", ("openai", "anthropic", "openai")),
                                ("globex", ("anthropic",))):
            token = otel_context.attach(otel_baggage.set_baggage("customer.id", customer))
            try:
                with tracer.start_as_current_span(
                        "invoke_agent reviewer", attributes={
                            "gen_ai.operation.name": "invoke_agent",
                            "gen_ai.agent.name": "reviewer"}) as agent:
                    for call in calls:
                        with tracer.start_as_current_span("review step"):  # not a GenAI span
                            if call == "openai":
                                oai.chat.completions.create(
                                    model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
                            else:
                                ant.messages.create(model="claude-sonnet-4-5", max_tokens=20,
                                                    messages=[{"role": "user",
                                                               "content": "x"}])
                    ids = agent.get_span_context()
                    runs[customer] = f"{ids.trace_id:032x}/{ids.span_id:016x}"
            finally:
                otel_context.detach(token)
    finally:
        for instrumentor in instrumentors:
            instrumentor.uninstrument()
    path = tmp_path_factory.mktemp("otlp") / "traces.jsonl"
    # Children end (and are exported) before their parents: each span its own line.
    path.write_text("\n".join(otlp_lines(list(exporter.get_finished_spans()))) + "\n",
                    encoding="utf-8")
    yield path, runs


def test_real_openai_and_anthropic_spans_import_per_customer_and_run(
        instrumented: tuple[Path, dict[str, str]], cache: Cache) -> None:
    path, runs = instrumented
    assert recognise(path) == "otlp-traces"
    result = import_file(cache, path)
    assert (result.kind, result.requests) == ("otlp-traces", 4)
    # input_tokens includes cache reads and writes: uncached is what is left.
    assert held(cache) == [
        ("acme", runs["acme"], "reviewer", "Anthropic", "claude-sonnet-4-5-20250929",
         100, 3000, 2000, 40, 1),
        ("acme", runs["acme"], "reviewer", "OpenAI", "gpt-4.1-2025-04-14",
         2 * 176, 2 * 1024, 0, 2 * 50, 2),
        ("globex", runs["globex"], "reviewer", "Anthropic", "claude-sonnet-4-5-20250929",
         100, 3000, 2000, 40, 1),
    ]
    feature = {r[0] for r in cache._rows("SELECT DISTINCT feature FROM trace_usage")}
    assert feature == {"code-review"}  # the resource's service.name


def test_a_response_exported_twice_counts_once_and_a_reimport_replaces(
        instrumented: tuple[Path, dict[str, str]], cache: Cache, tmp_path: Path) -> None:
    path, _runs = instrumented
    lines = path.read_text(encoding="utf-8").splitlines()
    twice = tmp_path / "twice.jsonl"
    twice.write_text("\n".join([*reversed(lines), *lines]) + "\n", encoding="utf-8")
    import_file(cache, path, source="traces")
    first = held(cache)
    import_file(cache, twice, source="traces")  # parents first now, and every span twice
    assert held(cache) == first


def test_agent_aggregates_count_only_without_requests_below(tmp_path: Path,
                                                           cache: Cache) -> None:
    def span(span_id: str, parent: str, name: str, **attrs: Any) -> dict[str, Any]:
        values = [{"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else
                   {"stringValue": v}} for k, v in attrs.items()]
        return {"traceId": "ab" * 16, "spanId": span_id, "parentSpanId": parent,
                "name": name, "kind": 1, "startTimeUnixNano": "1764950400000000000",
                "attributes": values}

    usage = {"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 10,
             "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4.1"}
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}
    spans = [
        # A run whose agent span sums its one request: the request counts, not the sum.
        span("1" * 16, "", "invoke_agent planner", **agent, **usage),
        span("2" * 16, "1" * 16, "chat", **usage, **{"user.id": "u1"}),
        # A run with only the agent's aggregate: it counts.
        span("3" * 16, "", "invoke_agent planner", **agent, **usage),
    ]
    line = {"resourceSpans": [{"resource": {"attributes": [
        {"key": "tenant.id", "value": {"stringValue": "t-9"}}]},
        "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}]}
    path = tmp_path / "agents.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    import_file(cache, path)
    assert held(cache) == [
        ("t-9", "ab" * 16 + "/" + "3" * 16, "planner", "OpenAI", "gpt-4.1", 1000, 0, 0, 10, 1),
        ("u1", "ab" * 16 + "/" + "1" * 16, "planner", "OpenAI", "gpt-4.1", 1000, 0, 0, 10, 1),
    ]



def test_a_nested_chain_read_children_first_counts_each_request_once_under_its_run(
        tmp_path: Path, cache: Cache) -> None:
    """agent > tool > chat > nested chat and agent > inner agent, every child on a line
    before its parent's, one chat exported twice: each request counts once under the
    outermost agent; the inner agent's aggregate counts (nothing below it has usage), the
    outer's does not."""
    def span(span_id: str, parent: str, model: str = "", **attrs: Any) -> dict[str, Any]:
        if model:
            attrs |= {"gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10,
                      "gen_ai.provider.name": "openai", "gen_ai.request.model": model}
        values = [{"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else
                   {"stringValue": v}} for k, v in attrs.items()]
        return {"traceId": "cd" * 16, "spanId": span_id * 16, "parentSpanId": parent * 16,
                "name": "x", "kind": 1, "startTimeUnixNano": "1764950400000000000",
                "attributes": values}

    def agent(name: str) -> dict[str, str]:
        return {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name}

    chat = span("c", "b", "chat-model", **{"gen_ai.response.id": "r-1"})
    lines = [[span("d", "c", "nested-model")],  # the nested chat, below the chat
             [chat, span("f", "a", "inner-model", **agent("helper"))],
             [span("b", "a", **{"gen_ai.operation.name": "execute_tool"}), chat],
             [span("a", "", "outer-model", **agent("planner"))]]
    path = tmp_path / "chain.jsonl"
    path.write_text("".join(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]})
                            + "\n" for spans in lines), encoding="utf-8")
    result = import_file(cache, path)
    run = "cd" * 16 + "/" + "a" * 16
    assert result.requests == 3
    assert sorted(held(cache), key=lambda r: r[4]) == [
        ("", run, "planner", "OpenAI", model, 100, 0, 0, 10, 1)
        for model in ("chat-model", "inner-model", "nested-model")]


# -- LiteLLM ----------------------------------------------------------------------------------

# Two LiteLLM_SpendLogs rows as LiteLLM 1.110.2 built them (get_logging_payload, in a
# throwaway venv, offline: LITELLM_LOCAL_MODEL_COST_MAP=True, litellm.completion against a
# loopback server answering like OpenAI and Anthropic, with cache tokens). Kept as they came
# but for the metadata, cut to the keys Worthit reads, and the request/response bodies.
LITELLM_ROWS = [
    {"request_id": "chatcmpl-abc123", "call_type": "completion",
     "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
     "cache_hit": "None", "startTime": "2026-12-05 19:48:38.034763+00:00",
     "endTime": "2026-12-05 19:48:38.161543+00:00", "model": "gpt-4.1", "user": "u-123",
     "team_id": "team-a", "organization_id": "",
     "metadata": '{"additional_usage_values":{"completion_tokens_details":{"accepted_'
                 'prediction_tokens":0,"audio_tokens":0,"reasoning_tokens":0,"rejected_'
                 'prediction_tokens":0},"prompt_tokens_details":{"audio_tokens":0,"cached_'
                 'tokens":1024},"cache_read_input_tokens":1024},"spend_logs_metadata":'
                 '{"agent_run":"run-42"},"user_api_key_user_id":"u-123",'
                 '"user_api_key_team_id":"team-a"}',
     "cache_key": "Cache OFF", "spend": 0.001264, "total_tokens": 1250, "prompt_tokens": 1200,
     "completion_tokens": 50, "request_tags": '["feature:review"]', "end_user": "acme",
     "model_group": "", "model_id": "", "agent_id": None, "custom_llm_provider": "openai",
     "session_id": "8449265a-4549-4607-9923-d4f94096efbe", "request_duration_ms": 126,
     "status": "success"},
    {"request_id": "chatcmpl-2d55f6bb-28a9-47a2-9613-d26b97d2796f", "call_type": "completion",
     "api_key": "", "cache_hit": "None", "startTime": "2026-12-05 19:48:38.170321+00:00",
     "endTime": "2026-12-05 19:48:38.293757+00:00", "model": "claude-sonnet-4-5", "user": "",
     "team_id": "", "organization_id": "",
     "metadata": '{"additional_usage_values":{"prompt_tokens_details":{"cache_write_tokens":'
                 '2000,"cached_tokens":3000,"text_tokens":100,"cache_creation_tokens":2000},'
                 '"cache_creation_input_tokens":2000,"cache_read_input_tokens":3000,'
                 '"service_tier":"standard"},"spend_logs_metadata":null}',
     "cache_key": "Cache OFF", "spend": 0.0093, "total_tokens": 5140, "prompt_tokens": 5100,
     "completion_tokens": 40, "request_tags": "[]", "end_user": "", "model_group": "",
     "model_id": "", "agent_id": None, "custom_llm_provider": "anthropic",
     "session_id": "f3849556-5ae6-48d0-ab39-f790d120ab69", "request_duration_ms": 123,
     "status": "success"},
]
LITELLM_HELD = [
    ("", "f3849556-5ae6-48d0-ab39-f790d120ab69", "", "Anthropic", "claude-sonnet-4-5",
     100, 3000, 2000, 40, 1),
    ("acme", "8449265a-4549-4607-9923-d4f94096efbe", "", "OpenAI", "gpt-4.1",
     176, 1024, 0, 50, 1),
]


@pytest.mark.parametrize("form", ["csv", "json", "jsonl"])
def test_litellm_spend_logs_import_with_cache_tokens_key_and_feature(
        form: str, tmp_path: Path, cache: Cache) -> None:
    path = tmp_path / f"spend.{form}"
    if form == "csv":
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=list(LITELLM_ROWS[0]))
            writer.writeheader()
            writer.writerows(LITELLM_ROWS)
    elif form == "json":
        path.write_text(json.dumps(LITELLM_ROWS, indent=1), encoding="utf-8")
    else:
        path.write_text("\n".join(json.dumps(r) for r in LITELLM_ROWS) + "\n", encoding="utf-8")
    assert recognise(path) == "litellm-spend"
    import_file(cache, path)
    assert held(cache) == LITELLM_HELD
    keys = dict(cache._rows("SELECT model, api_key || '|' || feature FROM trace_usage"))
    assert keys["gpt-4.1"] == f"{LITELLM_ROWS[0]['api_key']}|review"


# -- the plain CSV and refusals ---------------------------------------------------------------

HEADER = "date,customer,model,input_tokens,cached_input_tokens,cache_write_tokens," \
         "output_tokens,requests,run_id,feature"


def test_a_usage_csv_replaces_its_days_only(tmp_path: Path, cache: Cache) -> None:
    path = tmp_path / "usage.csv"
    path.write_text(f"{HEADER}\n2026-09-01,acme,gpt-4.1,10,5,0,2,1,r1,chat\n"
                    "2026-09-02,acme,gpt-4.1,20,0,0,4,2,r2,chat\n"
                    "2026-09-02,acme,gpt-4.1,20,0,0,4,2,r2,chat\n", encoding="utf-8")
    import_file(cache, path, source="usage")
    assert [r[5] for r in held(cache)] == [10, 40]
    path.write_text(f"{HEADER}\n2026-09-02,acme,gpt-4.1,7,0,0,1,1,r2,chat\n", encoding="utf-8")
    import_file(cache, path, source="usage")
    assert sorted(r[5] for r in held(cache)) == [7, 10]


@pytest.mark.parametrize(("text", "where"), [
    (f"{HEADER}\n2026-09-01,acme,gpt-4.1,10,5,0,2,1,r1,chat\n2026-09-02,a,gpt-4.1,x,0,0,0,1,,\n",
     "line 3, column 'input_tokens'"),
    (f"{HEADER}\n2026-13-01,acme,gpt-4.1,10,5,0,2,1,r1,chat\n", "line 2, column 'date'"),
    (f"{HEADER}\n2026-09-01,acme,mystery,10,5,0,2,1,r1,chat\n", "line 2, column 'model'"),
])
def test_a_bad_usage_csv_is_refused_whole_naming_line_and_column(
        text: str, where: str, tmp_path: Path, cache: Cache) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=where):
        import_file(cache, path)
    assert held(cache) == []


def test_a_bad_otlp_line_is_refused_whole_naming_the_line(
        instrumented: tuple[Path, dict[str, str]], tmp_path: Path, cache: Cache) -> None:
    path, _runs = instrumented
    bad = tmp_path / "bad.jsonl"
    bad.write_text(path.read_text(encoding="utf-8") + '{"resourceSpans": [\n',
                   encoding="utf-8")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(BadInput, match=f"line {lines + 1}"):
        import_file(cache, bad)
    assert held(cache) == []


# -- bounded memory ---------------------------------------------------------------------------


def test_sums_spilled_to_disk_import_the_same_rows(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Past SPILL_AT keys a reader hands its sums to a stage on disk that adds them up
    (a file of millions of runs is read in bounded memory): the cache holds what it holds
    without spilling, and a bad file spilled part-way leaves nothing."""
    from worthit.sources import traces

    lines = [HEADER] + [f"2026-09-{1 + n % 5:02d},c{n % 7},gpt-4.1,{n},{n % 3},0,{n % 11},1,"
                        f"r{n % 13},chat" for n in range(400)]
    path = tmp_path / "usage.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kept = []
    for limit in (10**6, 4):
        monkeypatch.setattr(traces, "SPILL_AT", limit)
        with Cache.open(tmp_path / f"at-{limit}" / "cache.sqlite") as cache:
            result = import_file(cache, path, source="usage")
            kept.append((held(cache), result.rows_written, str(result)))
    assert kept[0] == kept[1]
    # (n mod 5, n mod 7, n mod 13) differ for every n under 455: 400 keys, 100 spills.
    assert kept[0][1] == 400 == len(kept[0][0])
    monkeypatch.setattr(traces, "SPILL_AT", 4)
    path.write_text("\n".join([*lines, "2026-09-01,c1,gpt-4.1,x,0,0,0,1,,"]) + "\n",
                    encoding="utf-8")
    with Cache.open(tmp_path / "bad" / "cache.sqlite") as cache:
        with pytest.raises(BadInput, match="line 402"):
            import_file(cache, path, source="usage")
        assert held(cache) == []

"""Importing request traces: ``worthit import`` of an OpenTelemetry GenAI OTLP/JSON file
(the collector's file exporter: one ``ExportTraceServiceRequest`` per line). Goal (issue
21): a 10 million-span file imports in bounded memory; the figures printed are spans a
second, the peak resident set and the rows the cache keeps.

The file is generated once into ``--data-dir`` (kept while its span count matches): over
``--days`` days, ``--customers`` customers with a power-law share of requests, two
services; a third of the requests belong to agent runs (an ``invoke_agent`` span with
``--run-length`` chat spans beneath it, some of them after a tool span), the rest are
plain chat spans; 512 spans per line, as the collector batches them. Spans carry what the
OpenAI instrumentation emits (model, provider, input tokens including cache reads, cache
reads, output tokens, response id) plus a ``customer.id``.

Each import runs ``--repeat`` times in a fresh child process into a new workspace; the
median time is reported with the largest peak resident set (``ru_maxrss``).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
from pathlib import Path

from _common import count_rows, parser, run_python, table

SPANS_PER_LINE = 512
START_NS = 1_764_547_200 * 10**9  # 2025-12-01T00:00Z
DAY_NS = 86_400 * 10**9
MODELS = (("gpt-4.1-mini", 0.6), ("gpt-4.1", 0.3), ("gpt-4o-mini", 0.1))
SERVICES = ("support-assistant", "code-review-agent")


def _attr(key: str, value: object) -> str:
    kind = "intValue" if isinstance(value, int) else "stringValue"
    return json.dumps({"key": key, "value": {kind: str(value) if kind == "intValue"
                                              else value}})


def _span(trace: str, span: str, parent: str, name: str, start: int, attrs: list[str]) -> str:
    return (f'{{"traceId":"{trace}","spanId":"{span}","parentSpanId":"{parent}",'
            f'"name":"{name}","kind":3,"startTimeUnixNano":"{start}",'
            f'"endTimeUnixNano":"{start + 900_000_000}","attributes":[{",".join(attrs)}]}}')


def _chat(rng: random.Random, trace: str, span: str, parent: str, start: int,
          customer: str, serial: int) -> str:
    model = rng.choices([m for m, _ in MODELS], [w for _, w in MODELS])[0]
    cached = rng.choice((0, 0, 512, 1024))
    return _span(trace, span, parent, f"chat {model}", start, [
        _attr("gen_ai.operation.name", "chat"), _attr("gen_ai.provider.name", "openai"),
        _attr("gen_ai.request.model", model), _attr("gen_ai.response.model", model),
        _attr("gen_ai.response.id", f"chatcmpl-{serial:012x}"),
        _attr("gen_ai.usage.input_tokens", cached + rng.randint(200, 3000)),
        _attr("gen_ai.usage.cache_read.input_tokens", cached),
        _attr("gen_ai.usage.output_tokens", rng.randint(20, 800)),
        _attr("customer.id", customer)])


def generate(path: Path, spans: int, days: int, customers: int, run_length: int) -> None:
    """Write ``spans`` spans (at least) of OTLP/JSON to ``path``."""
    rng = random.Random(21)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(customers)]
    names = [f"customer-{n:04d}" for n in range(customers)]
    written = serial = 0
    batch: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        def flush(service: str) -> None:
            resource = _attr("service.name", service)
            out.write('{"resourceSpans":[{"resource":{"attributes":[' + resource + ']},'
                      '"scopeSpans":[{"scope":{"name":"opentelemetry.instrumentation.'
                      'openai_v2"},"spans":[' + ",".join(batch) + "]}]}]}\n")
            batch.clear()

        while written < spans:
            serial += 1
            trace = f"{rng.getrandbits(128):032x}"
            start = START_NS + rng.randrange(days) * DAY_NS + rng.randrange(DAY_NS - 10**12)
            customer = rng.choices(names, weights)[0]
            service = SERVICES[1] if serial % 3 == 0 else SERVICES[0]
            before = len(batch)
            if service == SERVICES[1]:
                root = f"{rng.getrandbits(64):016x}"
                batch.append(_span(trace, root, "", "invoke_agent code-review", start, [
                    _attr("gen_ai.operation.name", "invoke_agent"),
                    _attr("gen_ai.agent.name", "code-review"),
                    _attr("gen_ai.provider.name", "openai"), _attr("customer.id", customer)]))
                parent = root
                for step in range(run_length):
                    if step % 4 == 3:  # a tool call between model calls
                        tool = f"{rng.getrandbits(64):016x}"
                        batch.append(_span(trace, tool, root, "execute_tool", start, [
                            _attr("gen_ai.operation.name", "execute_tool")]))
                        parent = tool
                    serial += 1
                    batch.append(_chat(rng, trace, f"{rng.getrandbits(64):016x}", parent,
                                       start + step * 10**9, customer, serial))
            else:
                batch.append(_chat(rng, trace, f"{rng.getrandbits(64):016x}", "", start,
                                   customer, serial))
            written += len(batch) - before
            if len(batch) >= SPANS_PER_LINE:
                flush(service)
        if batch:
            flush(SERVICES[0])


def main() -> None:
    root = parser(__doc__)
    root.add_argument("--spans", type=int, default=10_000_000)
    root.add_argument("--days", type=int, default=30)
    root.add_argument("--customers", type=int, default=2_000)
    root.add_argument("--run-length", type=int, default=8)
    root.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir())
                      / "worthit-bench-traces")
    args = root.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    path = args.data_dir / f"spans-{args.spans}-{args.days}d-{args.customers}c.jsonl"
    if not path.exists():
        print(f"generating {args.spans:,} spans into {path} ...", flush=True)
        made = run_python([__file__, "--generate", str(path), str(args.spans),
                           str(args.days), str(args.customers), str(args.run_length)])
        print(f"  {made.seconds:.0f} s, {path.stat().st_size / 1e9:.2f} GB")
    seconds, peaks, rows = [], [], 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            child = run_python(["-m", "worthit", "--workspace", folder, "import", str(path)])
            seconds.append(child.seconds)
            peaks.append(child.max_rss_mb)
            rows = count_rows(Path(folder) / "worthit.sqlite", "trace_usage")
    median = statistics.median(seconds)
    print(table(["figure", "value", "goal"], [
        ["spans", f"{args.spans:,}", ""],
        ["import time (median)", f"{median:.1f} s (runs: "
         + ", ".join(f"{s:.1f}" for s in seconds) + ")", ""],
        ["spans per second", f"{args.spans / median:,.0f}", ""],
        ["peak resident set", f"{max(peaks):.0f} MB", "bounded (<= 600 MB)"],
        ["rows kept (day x model x customer x run ...)", f"{rows:,}", ""],
        ["bytes of file per second", f"{path.stat().st_size / median / 1e6:.0f} MB/s", ""],
    ]))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--generate":
        generate(Path(sys.argv[2]), *(int(a) for a in sys.argv[3:7]))
    else:
        main()

"""OpenTelemetry GenAI spans as OTLP/JSON (the collector's file exporter: one
``ExportTraceServiceRequest`` per line), summed into :class:`~worthit.sources.traces.Usage`.

A span with ``gen_ai.usage.*`` is one request: ``gen_ai.usage.input_tokens`` includes
cache reads and writes (semantic conventions), so uncached input is what is left; cache
writes are read under both names (``cache_write``, older ``cache_creation``). The provider
is ``gen_ai.provider.name`` (older ``gen_ai.system``), the model the response's (else the
request's). A request belongs to a run: the outermost ``invoke_agent`` span above it.
Spans may come before their parents and a trace may span lines, so the file is read
twice: first only the links between spans without usage (and the agent spans), then the
usage, its run looked up in those links. An agent span's own usage (an aggregate of its
children) counts only when no request below it has usage. The same response reported
twice (the Anthropic SDK's own span beside the instrumentation's) counts once, by
(response id, provider): duplicates are found from 64-bit hashes kept in an array, so
memory stays small for millions of spans."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import numpy as np

from worthit.core.days import day_number
from worthit.core.errors import BadInput, Cancelled
from worthit.sources.bill import TextFile
from worthit.sources.traces import CUSTOMER_ATTRIBUTES, Key, Usage, provider_of, split_input

AGENT_OPERATIONS: Final = ("invoke_agent", "invoke_workflow")
_INPUT: Final = "gen_ai.usage.input_tokens"
_OUTPUT: Final = "gen_ai.usage.output_tokens"
_READ: Final = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")
_WRITE: Final = ("gen_ai.usage.cache_write.input_tokens",
                 "gen_ai.usage.cache_creation.input_tokens",
                 "gen_ai.usage.cache_creation_input_tokens")
_FEATURE: Final = ("feature", "app.feature", "service.name")
_API_KEY: Final = ("api_key.id", "gen_ai.api_key.id", "openai.api_key.id")
#: What the first pass reads of a span: whether it has usage, is an agent, and its run.
_LINKING: Final = frozenset({_INPUT, _OUTPUT, "gen_ai.operation.name", "gen_ai.agent.name",
                             "gen_ai.agent.id", "gen_ai.response.id", "gen_ai.provider.name",
                             "gen_ai.system"})
#: How deep a parent chain is followed (a cycle in a broken file stops here).
_MAX_DEPTH: Final = 256

Span = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]  # span, its attrs, resource's


def read_otlp(path: Path, *, customer_attributes: tuple[str, ...] = CUSTOMER_ATTRIBUTES,
              cancelled: Callable[[], bool] = lambda: False,
              usage: Usage | None = None) -> Usage:
    """The usage of every GenAI span of the file, by day, provider, model, customer, run,
    agent, API key and feature (into ``usage``, if given; see the module's docstring)."""
    file = str(path)
    out = Usage() if usage is None else usage
    # Spans are named by the hash of their (trace, span) ids: 8 bytes in the arrays.
    links: dict[int, int] = {}  # a span without usage, or an agent's -> its parent
    child = array("q")  # a request's span with a parent, and that parent (typed arrays:
    parent_of = array("q")  # a file of millions of requests keeps 16 bytes each)
    agents: dict[int, tuple[str, str]] = {}  # agent span -> (agent's name, run id)
    hashes = array("q")
    for _line, span, attrs, _resource in _spans(path, cancelled, _LINKING):
        trace, me, parent = _ids(span, file, _line)
        counted = _has_usage(attrs)
        agent = attrs.get("gen_ai.operation.name") in AGENT_OPERATIONS
        if agent:
            name = _text(attrs.get("gen_ai.agent.name")) or _text(attrs.get("gen_ai.agent.id"))
            agents[hash(trace + me)] = (name, f"{trace.hex()}/{me.hex()}")
        if parent and (agent or not counted):
            links[hash(trace + me)] = hash(trace + parent)
        elif parent:
            child.append(hash(trace + me))
            parent_of.append(hash(trace + parent))
        if counted and (rid := _text(attrs.get("gen_ai.response.id"))):
            hashes.append(hash((rid, _provider(attrs))))
    children = np.frombuffer(child, np.int64)
    order = np.argsort(children, kind="stable")
    tree = (children[order], np.frombuffer(parent_of, np.int64)[order])
    del children, child, parent_of
    counts = np.unique(np.frombuffer(hashes, np.int64), return_counts=True)
    twice = set(counts[0][counts[1] > 1].tolist())
    del hashes, counts
    seen: set[int] = set()
    below: set[int] = set()  # agent spans that have a request with usage beneath them
    deferred: list[tuple[list[int], Key, tuple[int, int, int, int]]] = []
    for line, span, attrs, resource in _spans(path, cancelled):
        out.lines = max(out.lines, line)
        if not _has_usage(attrs):
            continue
        rid = _text(attrs.get("gen_ai.response.id"))
        if rid:
            tag = hash((rid, _provider(attrs)))
            if tag in twice:
                if tag in seen:
                    continue
                seen.add(tag)
        trace, me, parent = _ids(span, file, line)
        itself = hash(trace + me)
        chain = _ancestors(hash(trace + parent) if parent else None, links, tree, agents)
        if itself in agents:
            chain.insert(0, itself)
        run = agents[chain[-1]] if chain else None
        key = _key(span, attrs, resource, run, customer_attributes, file, line)
        tokens = _tokens(attrs, file, line)
        if itself in agents:  # an agent's aggregate: only if nothing below it counts
            deferred.append((chain, key, tokens))
            continue
        below.update(chain)
        out.add(key, *tokens)
    # Innermost agents first: an agent's aggregate that counts covers its ancestors'.
    for chain, key, tokens in sorted(deferred, key=lambda d: -len(d[0])):
        if chain[0] not in below:
            out.add(key, *tokens)
        below.update(chain[1:])
    return out


def _spans(path: Path, cancelled: Callable[[], bool], only: frozenset[str] | None = None
           ) -> Iterator[tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(line, span, its attributes, its resource's attributes) for every span; with
    ``only``, just those attributes of a span (the linking pass needs few of them)."""
    file = str(path)
    for line, text in enumerate(TextFile(path).lines(), start=1):
        if cancelled():
            raise Cancelled
        if not text.strip():
            continue
        try:
            request = json.loads(text)
        except ValueError as error:
            raise BadInput(f"not JSON ({error})", file=file, line=line) from None
        if not isinstance(request, dict) or not isinstance(
                request.get("resourceSpans", []), list):
            raise BadInput("not an OTLP ExportTraceServiceRequest (no resourceSpans list)",
                           file=file, line=line)
        for rs in request.get("resourceSpans") or []:
            resource = _attributes((rs.get("resource") or {}).get("attributes"), file, line)
            for ss in rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []:
                for span in ss.get("spans") or []:
                    if not isinstance(span, dict):
                        raise BadInput("a span is not an object", file=file, line=line)
                    yield line, span, _attributes(span.get("attributes"), file, line,
                                                  only), resource


def _attributes(items: Any, file: str, line: int, only: frozenset[str] | None = None
                ) -> dict[str, Any]:
    """OTLP key-value attributes as a dict of plain values (those in ``only``, if
    given)."""
    out: dict[str, Any] = {}
    for item in items or []:
        if not isinstance(item, dict) or "key" not in item:
            raise BadInput("an attribute without a key", file=file, line=line)
        key = item["key"]
        if only is None or key in only:
            out[str(key)] = _value(item.get("value") or {})
    return out


def _value(value: dict[str, Any]) -> Any:
    for kind in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if kind in value:
            return value[kind]
    if "arrayValue" in value:
        return [_value(v) for v in (value["arrayValue"] or {}).get("values") or []]
    return None


def _ids(span: dict[str, Any], file: str, line: int) -> tuple[bytes, bytes, bytes]:
    """Trace, span and parent ids as bytes (hex as the spec says, base64 as the protobuf
    JSON mapping writes them)."""
    return (_id(span.get("traceId"), 16, file, line), _id(span.get("spanId"), 8, file, line),
            _id(span.get("parentSpanId"), 8, file, line, empty=True))


def _id(text: Any, size: int, file: str, line: int, *, empty: bool = False) -> bytes:
    if not text:
        if empty:
            return b""
        raise BadInput("a span without its trace or span id", file=file, line=line)
    value = str(text)
    try:
        if len(value) == size * 2:
            return bytes.fromhex(value)
        found = base64.b64decode(value, validate=True)
        if len(found) == size:
            return found
    except (ValueError, binascii.Error):
        pass
    raise BadInput(f"{value!r} is not a {size}-byte id (hex or base64)", file=file,
                   line=line)


def _has_usage(attrs: dict[str, Any]) -> bool:
    return _INPUT in attrs or _OUTPUT in attrs


def _provider(attrs: dict[str, Any]) -> str:
    return provider_of(_text(attrs.get("gen_ai.provider.name"))
                       or _text(attrs.get("gen_ai.system")))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _ancestors(at: int | None, links: dict[int, int], tree: tuple[np.ndarray, np.ndarray],
               agents: dict[int, tuple[str, str]]) -> list[int]:
    """The agent spans from ``at`` up, nearest first."""
    found = []
    children, parents = tree
    for _ in range(_MAX_DEPTH):
        if at is None:
            break
        if at in agents:
            found.append(at)
        nxt = links.get(at)
        if nxt is None and len(children):
            i = int(np.searchsorted(children, at))
            nxt = int(parents[i]) if i < len(children) and children[i] == at else None
        at = nxt
    return found


def _key(span: dict[str, Any], attrs: dict[str, Any], resource: dict[str, Any],
         run: tuple[str, str] | None, customer_attributes: tuple[str, ...], file: str,
         line: int) -> Key:
    try:
        nanos = int(span.get("startTimeUnixNano") or span.get("endTimeUnixNano") or 0)
    except (TypeError, ValueError):
        raise BadInput(f"startTimeUnixNano {span.get('startTimeUnixNano')!r} is not a "
                       "number", file=file, line=line) from None
    if nanos <= 0:
        raise BadInput("a span with usage but no start time", file=file, line=line)
    day = day_number(dt.datetime.fromtimestamp(nanos / 1e9, dt.UTC).date())
    model = _text(attrs.get("gen_ai.response.model")) or _text(attrs.get("gen_ai.request.model"))
    provider = _provider(attrs)
    if not model or not provider:
        raise BadInput(f"span {span.get('name')!r} has usage but no "
                       + ("model" if not model else "gen_ai.provider.name or gen_ai.system"),
                       file=file, line=line)
    customer = _first(customer_attributes, attrs, resource)
    run_id, agent = "", ""
    if run is not None:
        agent, run_id = run
    elif (name := _text(attrs.get("gen_ai.agent.name")) or _text(attrs.get("gen_ai.agent.id"))):
        agent = name
    return (day, provider, model, customer, run_id, agent, _first(_API_KEY, attrs, resource),
            _first(_FEATURE, attrs, resource))


def _first(names: tuple[str, ...], attrs: dict[str, Any], resource: dict[str, Any]) -> str:
    """The first of ``names`` the span has, else the first its resource has, else ''."""
    for where in (attrs, resource):
        for name in names:
            if (found := _text(where.get(name))):
                return found
    return ""


def _tokens(attrs: dict[str, Any], file: str, line: int) -> tuple[int, int, int, int]:
    """(uncached input, cache reads, cache writes, output) of one span."""
    total = _int(attrs.get(_INPUT), _INPUT, file, line)
    read = next((_int(attrs[n], n, file, line) for n in _READ if n in attrs), 0)
    write = next((_int(attrs[n], n, file, line) for n in _WRITE if n in attrs), 0)
    return (split_input(total, read, write), read, write,
            _int(attrs.get(_OUTPUT), _OUTPUT, file, line))


def _int(value: Any, name: str, file: str, line: int) -> int:
    if value is None:
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise BadInput(f"{name} is {value!r}, not a count", file=file, line=line)
    return number

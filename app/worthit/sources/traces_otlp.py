"""OpenTelemetry GenAI spans as OTLP/JSON (the collector's file exporter: one
``ExportTraceServiceRequest`` per line), summed into :class:`~worthit.sources.traces.Usage`.

A span with ``gen_ai.usage.*`` is one request: ``gen_ai.usage.input_tokens`` includes
cache reads and writes (semantic conventions), so uncached input is what is left; cache
writes are read under both names (``cache_write``, older ``cache_creation``). The provider
is ``gen_ai.provider.name`` (older ``gen_ai.system``), the model the response's (else the
request's). A request belongs to a run: the outermost ``invoke_agent`` span above it.
Spans may come before their parents and a trace may span lines, so the file is read
twice: first only the links between spans (and the agent spans), then the usage, each
request's run decided in between for all requests at once. An agent span's own usage (an
aggregate of its children) counts only when no request below it has usage, innermost
agents first. The same response reported twice (the Anthropic SDK's own span beside the
instrumentation's) counts once, by (response id, provider). The first pass keeps 64-bit
hashes and flags in typed arrays (about 17 bytes a span) and the runs are found with numpy
over them, so memory stays small for millions of spans: the second pass reads the spans
in the same order and finds each request's fate by its number."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from sys import intern
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
#: How deep a parent chain is followed (a cycle in a broken file stops here); a power of 2.
_MAX_DEPTH: Final = 256
#: A request's fate besides its run (an agent span's number, -1 for none): a response
#: reported before (skipped), an agent's aggregate with requests below it (only checked).
_TWICE: Final = -3
_COVERED: Final = -2
#: Bits of a span's kind in the first pass.
_USAGE: Final = 1
_AGENT: Final = 2
_CHILD: Final = 4

Span = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]  # span, its attrs, resource's


def read_otlp(path: Path, *, customer_attributes: tuple[str, ...] = CUSTOMER_ATTRIBUTES,
              cancelled: Callable[[], bool] = lambda: False,
              usage: Usage | None = None) -> Usage:
    """The usage of every GenAI span of the file, by day, provider, model, customer, run,
    agent, API key and feature (into ``usage``, if given; see the module's docstring)."""
    file = str(path)
    out = Usage() if usage is None else usage
    links = _Links()
    for line, span, attrs, _resource in _spans(path, cancelled, _LINKING):
        links.add(*_ids(span, file, line), attrs)
    what = links.resolve(cancelled).data  # a memoryview: its items are plain ints
    run_of = links.runs()
    request, last, run = -1, -1, None
    for line, span, attrs, resource in _spans(path, cancelled):
        out.lines = max(out.lines, line)
        if not _has_usage(attrs):
            continue
        request += 1
        if request >= len(what):
            raise BadInput("the file changed while it was read", file=file, line=line)
        action = what[request]
        if action == _TWICE:
            continue
        if action != last:  # a run's requests share its strings, as its keys do
            last, run = action, run_of(action) if action >= 0 else None
        key = _key(span, attrs, resource, run, customer_attributes, file, line)
        tokens = _tokens(attrs, file, line)
        if action != _COVERED:
            out.add(key, *tokens)
    return out


class _Links:
    """What the first pass keeps, in typed arrays (about 17 bytes a span, 12 a request):
    each span's hashed (trace, span) and (trace, parent) ids and whether it has usage, is
    an agent's or has a parent; each request's hashed (response id, provider); each agent
    span's name (interned) and ids. :meth:`resolve` then decides every request at once."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.parents = array("q")  # 0 for a span without a parent (see kinds)
        self.kinds = bytearray()
        self.requests = 0
        self.tags = array("q")  # (response id, provider) of the requests that have one
        self.tagged = array("i")  # ... and which request each is (its number in the file)
        self.names: dict[str, int] = {}
        self.agent_names = array("i")
        self.agent_ids = bytearray()  # 24 bytes an agent span: its trace and span ids

    def add(self, trace: bytes, me: bytes, parent: bytes, attrs: dict[str, Any]) -> None:
        """Keep one span (in file order)."""
        counted = _has_usage(attrs)
        agent = attrs.get("gen_ai.operation.name") in AGENT_OPERATIONS
        self.ids.append(hash(trace + me))
        self.parents.append(hash(trace + parent) if parent else 0)
        self.kinds.append(_USAGE * counted | _AGENT * agent | _CHILD * bool(parent))
        if agent:
            name = _text(attrs.get("gen_ai.agent.name")) or _text(attrs.get("gen_ai.agent.id"))
            self.agent_names.append(self.names.setdefault(name, len(self.names)))
            self.agent_ids += trace + me
        if counted:
            if rid := _text(attrs.get("gen_ai.response.id")):
                self.tags.append(hash((rid, _provider(attrs))))
                self.tagged.append(self.requests)
            self.requests += 1

    def runs(self) -> Callable[[int], tuple[str, str]]:
        """An agent span's (name, run id) by its number."""
        names, agent_names, ids = list(self.names), self.agent_names, self.agent_ids

        def run(agent: int) -> tuple[str, str]:
            at = 24 * agent
            return (names[agent_names[agent]],
                    f"{ids[at:at + 16].hex()}/{ids[at + 16:at + 24].hex()}")
        return run

    def resolve(self, cancelled: Callable[[], bool]) -> np.ndarray:
        """Each request's fate (int32, in file order): its run's agent span's number,
        -1 for no run, :data:`_TWICE` or :data:`_COVERED`. The spans' arrays are freed.

        Spans are walked up as nodes: the distinct parent hashes (only a parent is ever
        above a request). A node's parent is its span's (the last one without usage or an
        agent's of that hash, else the first other: as the dicts and sorted arrays read
        it before); windows of :data:`_MAX_DEPTH` nodes are summed by pointer jumping."""
        what = np.full(self.requests, -1, np.int32)
        tags = np.frombuffer(self.tags, np.int64)
        order = np.argsort(tags, kind="stable")
        tags.sort()  # a response's first report in the file is kept, the others skipped
        what[np.frombuffer(self.tagged, np.int32)[order[1:][tags[1:] == tags[:-1]]]] = _TWICE
        del tags, order
        self.tags, self.tagged = array("q"), array("i")
        _check(cancelled)
        kinds = np.frombuffer(self.kinds, np.uint8)
        child, usage = (kinds & _CHILD) != 0, (kinds & _USAGE) != 0
        agent = (kinds & _AGENT) != 0
        del kinds
        self.kinds = bytearray()
        parents = np.frombuffer(self.parents, np.int64)
        nodes = parents[child]
        nodes.sort()
        nodes = nodes[_starts(nodes)]
        up = _find(nodes, parents)
        up[~child] = -1
        del parents
        self.parents = array("q")
        ids = np.frombuffer(self.ids, np.int64)
        at = _find(nodes, ids)
        # Agent spans by hash, the last of a hash winning (as in a dict).
        hashes = ids[agent]
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        last = np.ones(len(hashes), bool)
        last[:-1] = hashes[1:] != hashes[:-1]
        hashes, number = hashes[last], order[last].astype(np.int32)
        del order, last
        node_agent = _pick(number, _find(hashes, nodes))
        own = _pick(number, _find(hashes, ids, usage))  # a request that is an agent's
        del ids, hashes, number
        self.ids = array("q")
        _check(cancelled)
        nxt = np.full(len(nodes), -1, np.int32)
        del nodes
        tree = np.flatnonzero((at >= 0) & child & usage & ~agent)
        tree = tree[_firsts(at[tree])]
        nxt[at[tree]] = up[tree]
        linked = np.flatnonzero((at >= 0) & child & (agent | ~usage))[::-1]
        linked = linked[_firsts(at[linked])]
        nxt[at[linked]] = up[linked]
        del tree, linked
        start, mine = up[usage], at[usage]  # each request's parent node, and its own
        del up, at, child, usage, agent
        is_agent = node_agent >= 0
        top, count = _windows(nxt, is_agent)
        _check(cancelled)
        kept = what != _TWICE
        # The outermost agent node above each request, else its own agent span.
        run = _pick(node_agent, _pick(top, start))
        del top
        np.copyto(run, own, where=run < 0)
        np.copyto(what, run, where=kept)
        del run
        # An agent's aggregate counts only if no request below it does, innermost first.
        below = _reach(nxt, start, kept & (own < 0)) & is_agent
        deferred = np.flatnonzero(kept & (own >= 0))
        size = 1 + np.maximum(_pick(count, start[deferred]), 0)
        for n in np.unique(size)[::-1]:
            _check(cancelled)
            group = deferred[size == n]
            marks = _reach(nxt, start[group]) & is_agent
            inside = group[mine[group] >= 0]
            if marks[mine[inside]].any():  # one above another at the same depth
                _one_by_one(group, start, mine, nxt, is_agent, below, what)
                continue
            what[inside[below[mine[inside]]]] = _COVERED
            below |= marks
        return what


def _check(cancelled: Callable[[], bool]) -> None:
    if cancelled():
        raise Cancelled


def _starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted array starts (a mask)."""
    mask = np.ones(len(ordered), bool)
    mask[1:] = ordered[1:] != ordered[:-1]
    return mask


def _firsts(values: np.ndarray) -> np.ndarray:
    """The positions of each distinct value's first occurrence."""
    order = np.argsort(values, kind="stable")
    firsts: np.ndarray = order[_starts(values[order])]
    return firsts


def _find(table: np.ndarray, keys: np.ndarray, only: np.ndarray | None = None,
          chunk: int = 1 << 20) -> np.ndarray:
    """Each key's position in the sorted distinct ``table``, -1 if absent (int32; of the
    keys where ``only``, if given), a chunk at a time to keep temporaries small."""
    found = np.full(len(keys) if only is None else int(np.count_nonzero(only)), -1, np.int32)
    if not len(table):
        return found
    done = 0
    for at in range(0, len(keys), chunk):
        part = keys[at:at + chunk]
        if only is not None:
            part = part[only[at:at + chunk]]
        i = np.minimum(np.searchsorted(table, part), len(table) - 1)
        found[done:done + len(part)] = np.where(table[i] == part, i, -1)
        done += len(part)
    return found


def _pick(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]``, -1 where the index is -1."""
    picked = np.full(len(index), -1, values.dtype)
    hit = index >= 0
    picked[hit] = values[index[hit]]
    return picked


def _windows(nxt: np.ndarray, agent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each node, the last agent node among it and the :data:`_MAX_DEPTH` - 1 above
    it (-1 for none) and how many agent nodes those are: windows of 1, 2, 4 ... nodes
    doubled by pointer jumping."""
    jump = nxt.copy()
    top = np.where(agent, np.arange(len(nxt), dtype=np.int32), np.int32(-1))
    count = agent.astype(np.int16)
    for _ in range(_MAX_DEPTH.bit_length() - 1):
        ok = jump >= 0
        if not ok.any():
            break
        to = np.where(ok, jump, 0)
        further = np.where(ok, top[to], -1)
        top = np.where(further >= 0, further, top)
        count = count + np.where(ok, count[to], 0).astype(np.int16)
        jump = np.where(ok, jump[to], -1).astype(np.int32)
    return top, count


def _reach(nxt: np.ndarray, starts: np.ndarray, only: np.ndarray | None = None,
           chunk: int = 1 << 20) -> np.ndarray:
    """The nodes among the first :data:`_MAX_DEPTH` up from any of ``starts`` (where
    ``only``, if given; a mask)."""
    seen = np.zeros(len(nxt), bool)
    for at in range(0, len(starts), chunk):
        part = starts[at:at + chunk]
        part = part[(part >= 0) if only is None else (part >= 0) & only[at:at + chunk]]
        seen[part] = True
    front = np.flatnonzero(seen)
    seen[:] = False
    for _ in range(_MAX_DEPTH):
        front = front[~seen[front]]
        if not len(front):
            break
        seen[front] = True
        front = nxt[front]
        front = front[front >= 0]
    return seen


def _one_by_one(group: np.ndarray, start: np.ndarray, mine: np.ndarray, nxt: np.ndarray,
                is_agent: np.ndarray, below: np.ndarray, what: np.ndarray) -> None:
    """Agent aggregates of one depth in file order, when one is above another (a cycle
    or a chain deeper than :data:`_MAX_DEPTH` in a broken file)."""
    for request in group.tolist():
        if mine[request] >= 0 and below[mine[request]]:
            what[request] = _COVERED
        node = int(start[request])
        for _ in range(_MAX_DEPTH):
            if node < 0:
                break
            if is_agent[node]:
                below[node] = True
            node = int(nxt[node])


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
    # Interned: the sums hold thousands of keys made of a few distinct names.
    model = intern(_text(attrs.get("gen_ai.response.model"))
                   or _text(attrs.get("gen_ai.request.model")))
    provider = _provider(attrs)
    if not model or not provider:
        raise BadInput(f"span {span.get('name')!r} has usage but no "
                       + ("model" if not model else "gen_ai.provider.name or gen_ai.system"),
                       file=file, line=line)
    customer = intern(_first(customer_attributes, attrs, resource))
    run_id, agent = "", ""
    if run is not None:
        agent, run_id = run
    elif (name := _text(attrs.get("gen_ai.agent.name")) or _text(attrs.get("gen_ai.agent.id"))):
        agent = name
    return (day, provider, model, customer, run_id, agent,
            intern(_first(_API_KEY, attrs, resource)), intern(_first(_FEATURE, attrs, resource)))


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

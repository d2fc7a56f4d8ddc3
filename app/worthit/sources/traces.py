"""Request traces as files: what each customer, agent run, API key and feature used, by
day and model, to be tied to the bill (:mod:`worthit.analysis.customers`).

Three formats, recognised by content (:func:`trace_kind`): OpenTelemetry GenAI spans as
OTLP/JSON (:mod:`worthit.sources.traces_otlp`), LiteLLM spend logs as CSV or JSON
(:mod:`worthit.sources.traces_litellm`) and the plain CSV read here. Every reader yields
nothing per request: it sums usage into a :class:`Usage` keyed by :data:`KEY_FIELDS`, so
a file of millions of spans becomes a few thousand rows. Token counts are disjoint, as in
the charges: ``input`` is uncached input only. A bad file is refused whole
(:class:`~worthit.core.errors.BadInput` naming file, line and, in a CSV, column)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from worthit.core.days import day_number
from worthit.core.errors import BadInput
from worthit.sources.bill import TextFile, check_file

#: What trace usage is summed by (day is a day number, the others text, '' when unknown).
KEY_FIELDS: Final = ("day", "provider", "model", "customer", "run_id", "agent", "api_key",
                     "feature")
#: The summed figures, in this order: uncached input, cache reads, cache writes, output.
FIGURES: Final = ("input", "cached_input", "cache_write", "output", "requests")
KINDS: Final = ("otlp-traces", "litellm-spend", "usage-csv")
#: Where a span or log names its customer, first found wins (the user may name others).
CUSTOMER_ATTRIBUTES: Final = ("customer.id", "tenant.id", "enduser.id", "user.id")

#: gen_ai.provider.name (and LiteLLM's custom_llm_provider) -> the bill's ProviderName.
PROVIDERS: Final = {
    "openai": "OpenAI", "anthropic": "Anthropic", "aws.bedrock": "AWS", "bedrock": "AWS",
    "azure.ai.openai": "Microsoft", "az.ai.openai": "Microsoft", "azure": "Microsoft",
    "azure.ai.inference": "Microsoft", "az.ai.inference": "Microsoft",
    "gcp.vertex_ai": "Google Cloud", "gcp.gemini": "Google Cloud",
    "gcp.gen_ai": "Google Cloud", "vertex_ai": "Google Cloud", "gemini": "Google Cloud",
}

PLAIN_HEADER: Final = ("date", "customer", "model", "input_tokens", "cached_input_tokens",
                       "cache_write_tokens", "output_tokens", "requests")
_PLAIN_OPTIONAL: Final = ("run_id", "feature", "provider")

Key = tuple[int, str, str, str, str, str, str, str]
Row = tuple[int | str, ...]
#: Where a reader hands its sums when they pass :data:`SPILL_AT` keys (the store stages
#: them on disk and adds them up there), so a file of millions of runs is read in bounded
#: memory.
Spill = Callable[[list[Row]], None]
#: Distinct keys held in memory before they are spilled (700-900 bytes each, measured: the
#: key's tuple and strings, the sums' list and the dict's slot).
SPILL_AT: Final = 100_000
#: Rows handed to the spill at a time (popped from the sums as they go, so a spill never
#: holds the sums twice).
_SPILL_CHUNK: Final = 10_000


def provider_of(name: str | None) -> str:
    """The bill's provider name for a trace's (``openai`` -> ``OpenAI``); unknown names
    are kept as given."""
    text = (name or "").strip()
    return PROVIDERS.get(text.lower(), text)


def model_provider(model: str) -> str:
    """A provider guessed from a model's name, for files that name none ('' if unsure)."""
    name = model.lower()
    if name.startswith(("gpt-", "o1", "o3", "o4", "text-embedding", "chatgpt")):
        return "OpenAI"
    if name.startswith("claude"):
        return "Anthropic"
    if name.startswith("gemini"):
        return "Google Cloud"
    return ""


class Usage:
    """Token usage summed by key: the only thing a reader keeps, whatever the file's
    size. Memory grows with distinct days × models × customers × runs, not requests, and
    with ``spill`` it stops at ``limit`` keys: the sums so far go to ``spill`` (which adds
    them up with any spilled before) and counting starts again."""

    def __init__(self, spill: Spill | None = None, limit: int | None = None) -> None:
        self.sums: dict[Key, list[int]] = {}
        self.lines = 0  # lines (or records) read
        self.requests = 0  # requests counted
        self.tokens = [0, 0, 0, 0]  # uncached input, cache reads, cache writes, output
        self.spilled = 0  # rows handed to spill (a key may be handed more than once)
        self._spill = spill
        self._limit = SPILL_AT if limit is None else limit
        self._first: int | None = None
        self._last: int | None = None

    def add(self, key: Key, uncached: int, cached: int, write: int, output: int,
            requests: int = 1) -> None:
        tokens = self.tokens
        tokens[0] += uncached
        tokens[1] += cached
        tokens[2] += write
        tokens[3] += output
        found = self.sums.get(key)
        if found is None:
            if self._spill is not None and len(self.sums) >= self._limit:
                self.spill()
            self.sums[key] = [uncached, cached, write, output, requests]
            day = key[0]
            if self._first is None or day < self._first:
                self._first = day
            if self._last is None or day > self._last:
                self._last = day
        else:
            found[0] += uncached
            found[1] += cached
            found[2] += write
            found[3] += output
            found[4] += requests
        self.requests += requests

    def spill(self) -> None:
        """Hand the sums held to ``spill`` and forget them, a chunk at a time."""
        if self._spill is None:
            raise ValueError("this usage has nowhere to spill")
        sums = self.sums
        while sums:
            rows: list[Row] = [(*key, *figures) for key, figures in
                               (sums.popitem() for _ in range(min(_SPILL_CHUNK, len(sums))))]
            self._spill(rows)
            self.spilled += len(rows)

    def rows(self) -> Iterator[Row]:
        """(day, provider, model, customer, run_id, agent, api_key, feature, input,
        cached_input, cache_write, output, requests) of the sums held, sorted."""
        for key in sorted(self.sums):
            yield (*key, *self.sums[key])

    def days(self) -> tuple[int, int] | None:
        """The first and last day numbers covered (spilled or held), None for no usage."""
        if self._first is None or self._last is None:
            return None
        return self._first, self._last


def split_input(total: int, cached: int, write: int) -> int:
    """Uncached input from a total that includes cache reads and writes (OpenTelemetry
    and LiteLLM count them inside input). A total smaller than its cached parts was
    counted the other way (Anthropic's own ``input_tokens`` excludes them): as is."""
    rest = total - cached - write
    return rest if rest >= 0 else total


def trace_kind(path: Path, first: str) -> str | None:
    """Which trace format a file is, from its first non-blank line, or None."""
    text = first.lstrip()
    if text.startswith("{") and '"resourceSpans"' in text:
        return "otlp-traces"
    if text.startswith(("{", "[")):
        from worthit.sources.traces_litellm import looks_like_spend_json

        return "litellm-spend" if looks_like_spend_json(text, path) else None
    try:
        header = [h.strip() for h in next(csv.reader([text]))]
    except (csv.Error, StopIteration):
        return None
    if tuple(header[:len(PLAIN_HEADER)]) == PLAIN_HEADER:
        return "usage-csv"
    if {"request_id", "spend", "prompt_tokens", "completion_tokens", "startTime",
            "model"}.issubset(header):
        return "litellm-spend"
    return None


def read_traces(path: Path, kind: str, *,
                customer_attributes: tuple[str, ...] = CUSTOMER_ATTRIBUTES,
                cancelled: Callable[[], bool] = lambda: False,
                spill: Spill | None = None) -> Usage:
    """The file's usage summed by key (all or nothing: a bad record raises
    :class:`BadInput`; what was spilled is then the caller's to drop)."""
    check_file(path)
    if kind == "otlp-traces":
        from worthit.sources.traces_otlp import read_otlp

        return read_otlp(path, customer_attributes=customer_attributes, cancelled=cancelled,
                         usage=Usage(spill))
    if kind == "litellm-spend":
        from worthit.sources.traces_litellm import read_litellm

        return read_litellm(path, cancelled=cancelled, usage=Usage(spill))
    if kind == "usage-csv":
        return read_plain(path, cancelled=cancelled, usage=Usage(spill))
    raise ValueError(f"unknown trace kind {kind!r}")


def read_plain(path: Path, *, cancelled: Callable[[], bool] = lambda: False,
               usage: Usage | None = None) -> Usage:
    """The plain CSV: ``date,customer,model,input_tokens,cached_input_tokens,
    cache_write_tokens,output_tokens,requests[,run_id][,feature][,provider]``, where
    ``input_tokens`` is uncached input (the cached columns are apart)."""
    file = str(path)
    usage = Usage() if usage is None else usage
    reader = csv.reader(TextFile(path).lines())
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise BadInput("the file is empty", file=file) from None
    extra = header[len(PLAIN_HEADER):]
    unknown = [h for h in extra if h not in _PLAIN_OPTIONAL]
    if tuple(header[:len(PLAIN_HEADER)]) != PLAIN_HEADER or unknown or \
            len(set(extra)) != len(extra):
        raise BadInput("the header must be " + ",".join(PLAIN_HEADER)
                       + " then any of " + ",".join(_PLAIN_OPTIONAL), file=file, line=1)
    for line, cells in enumerate(reader, start=2):
        if cancelled():
            from worthit.core.errors import Cancelled

            raise Cancelled
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise BadInput(f"{len(cells)} values where the header has {len(header)}",
                           file=file, line=line)
        row = dict(zip(header, (c.strip() for c in cells), strict=True))
        try:
            day = day_number(dt.date.fromisoformat(row["date"][:10]))
        except ValueError:
            raise BadInput(f"{row['date']!r} is not a date (YYYY-MM-DD)", file=file,
                           line=line, column="date") from None
        counts = [_count(row[name], file, line, name) for name in PLAIN_HEADER[3:]]
        model = row["model"]
        if not model:
            raise BadInput("no model", file=file, line=line, column="model")
        provider = provider_of(row.get("provider")) or model_provider(model)
        if not provider:
            raise BadInput(f"no provider for model {model!r}: add a provider column "
                           "(OpenAI, Anthropic, AWS, ...)", file=file, line=line,
                           column="model")
        key: Key = (day, provider, model, row["customer"], row.get("run_id", ""), "", "",
                    row.get("feature", ""))
        usage.add(key, *counts)
        usage.lines += 1
    return usage


def _count(text: str, file: str, line: int, column: str) -> int:
    """A token or request count: a whole number, 0 when blank."""
    if not text:
        return 0
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 0 or value != int(value):
        raise BadInput(f"{text!r} is not a count (a whole number, 0 or more)", file=file,
                       line=line, column=column)
    return int(value)

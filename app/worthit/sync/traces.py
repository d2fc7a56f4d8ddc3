"""Importing a trace file (:mod:`worthit.sources.traces`) into the cache: its usage,
summed, replaces its source's trace usage for the days it covers, all or nothing, and the
attempt is recorded in ``sync_runs`` like a bill's import."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from worthit.core.days import date_of
from worthit.core.errors import Cancelled, UserError
from worthit.sources.traces import CUSTOMER_ATTRIBUTES, read_traces
from worthit.store.cache import Cache
from worthit.store.sources import record_run
from worthit.store.traces import TraceStage, replace_trace_usage

#: How each trace kind is named in what an import says.
TRACE_KIND_NAMES: Final = {"otlp-traces": "OpenTelemetry GenAI traces (OTLP/JSON)",
                           "litellm-spend": "LiteLLM spend log",
                           "usage-csv": "usage CSV"}


@dataclass(frozen=True)
class TraceImport:
    """What one trace file brought: its days, what was read and the rows kept."""

    path: Path
    kind: str
    source: str
    first: dt.date | None
    last: dt.date | None
    rows_read: int  # lines (or records) of the file
    requests: int  # requests counted (spans with usage, log rows)
    rows_written: int  # summed rows in the cache
    input: int
    cached_input: int
    cache_write: int
    output: int
    seconds: float

    def __str__(self) -> str:
        days = f"{self.first} to {self.last}" if self.first else "no usage"
        return (f"{self.path}: recognised as {TRACE_KIND_NAMES[self.kind]}; {days}, "
                f"{self.rows_read:,} lines, {self.requests:,} requests; tokens: "
                f"{self.input:,} uncached input, {self.cached_input:,} cache reads, "
                f"{self.cache_write:,} cache writes, {self.output:,} output\n"
                f"  into source {self.source!r}: {self.rows_written:,} daily rows replace "
                "its trace usage of those days")

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "kind": self.kind, "source": self.source,
                "period": None if self.first is None else
                {"from": self.first.isoformat(), "to": str(self.last)},
                "rows_read": self.rows_read, "requests": self.requests,
                "rows_written": self.rows_written,
                "tokens": {"input": self.input, "cached_input": self.cached_input,
                           "cache_write": self.cache_write, "output": self.output},
                "result": "ok"}


def import_traces(cache: Cache, path: Path, kind: str, *, source: str | None = None,
                  source_id: str | None = None,
                  customer_attributes: tuple[str, ...] = CUSTOMER_ATTRIBUTES,
                  cancelled: Callable[[], bool] = lambda: False) -> TraceImport:
    """Import one trace file of ``kind`` into its source (``traces:NAME`` unless given)."""
    began = time.perf_counter()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    name = source or f"traces:{path.name}"
    sid = source_id or name
    # Sums past SPILL_AT keys go to a stage on disk (created on the first spill).
    stage: list[TraceStage] = []

    def spill(rows: list[tuple[int | str, ...]]) -> None:
        if not stage:
            stage.append(TraceStage(cache))
        stage[0].add(rows)

    try:
        usage = read_traces(path, kind, customer_attributes=customer_attributes,
                            cancelled=cancelled, spill=spill)
        days = usage.days()
        stat = path.stat()
        fingerprint = {"path": str(path.resolve()), "size": stat.st_size,
                       "mtime_ns": stat.st_mtime_ns}
        written = replace_trace_usage(cache, sid, name, f"{kind}-file",
                                      {"files": [fingerprint]}, usage.rows(), days,
                                      stage[0] if stage else None)
    except (UserError, Cancelled) as error:
        outcome = "cancelled" if isinstance(error, Cancelled) else "failed"
        record_run(cache, sid, started, None, None, 0, 0, None, None, outcome,
                   str(error) or "cancelled by the user")
        raise
    finally:
        if stage:
            stage[0].drop()
    first, last = (None, None) if days is None else (date_of(days[0]), date_of(days[1]))
    record_run(cache, sid, started, first, last, usage.lines, written, None, None, "ok",
               None, requests=usage.requests)
    uncached, cached, write, output = usage.tokens
    return TraceImport(path, kind, name, first, last, usage.lines, usage.requests, written,
                       uncached, cached, write, output, time.perf_counter() - began)

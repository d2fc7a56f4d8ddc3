"""LiteLLM spend logs (the proxy's ``LiteLLM_SpendLogs`` table) exported as CSV, a JSON
array or JSON lines, summed into :class:`~worthit.sources.traces.Usage`.

A row is one request: ``prompt_tokens`` includes cache reads and writes (as in
OpenTelemetry), which the row's ``metadata`` JSON states in ``additional_usage_values``
(or ``usage_object``): ``cache_read_input_tokens`` or ``prompt_tokens_details.
cached_tokens``, ``cache_creation_input_tokens``. The customer is ``end_user``, the key
the hashed ``api_key`` (else ``user:USER``), the run ``session_id``, the agent
``agent_id``, the feature a ``feature:NAME`` request tag (else the team). Failed requests
are skipped."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from worthit.core.days import day_number
from worthit.core.errors import BadInput, Cancelled
from worthit.sources.bill import TextFile
from worthit.sources.traces import Key, Usage, model_provider, provider_of, split_input

REQUIRED: Final = ("request_id", "model", "prompt_tokens", "completion_tokens", "startTime")


def looks_like_spend_json(first: str, path: Path) -> bool:
    """Whether a JSON file (from its first line) holds spend log rows."""
    head = first
    if first.lstrip().startswith("[") and len(first.strip()) <= 1:
        with path.open(encoding="utf-8", errors="replace") as file:
            head = file.read(4096)
    return all(f'"{name}"' in head for name in ("request_id", "prompt_tokens"))


def read_litellm(path: Path, *, cancelled: Callable[[], bool] = lambda: False,
                 usage: Usage | None = None) -> Usage:
    """The spend log's usage by day, provider, model, customer (end user), run (session),
    API key and feature (into ``usage``, if given)."""
    out = Usage() if usage is None else usage
    for line, column_of, row in _records(path):
        if cancelled():
            raise Cancelled
        out.lines += 1
        status = str(row.get("status") or "success").lower()
        if status not in ("success", ""):
            continue
        key, tokens = _usage(row, str(path), line, column_of)
        out.add(key, *tokens)
    return out


def _records(path: Path) -> Iterator[tuple[int, Callable[[str], str | None], dict[str, Any]]]:
    """(line, how a field is named in a refusal, row) for each spend log row."""
    file = str(path)
    lines = TextFile(path).lines()
    first = next((t for t in lines if t.strip()), None)
    if first is None:
        raise BadInput("the file is empty", file=file)
    text = first.lstrip()
    if text.startswith("["):  # one JSON array: the file is read whole (exports are small)
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise BadInput(f"not JSON ({error})", file=file) from None
        if not isinstance(rows, list):
            raise BadInput("not a JSON array of spend log rows", file=file, line=1)
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise BadInput(f"row {number} is not an object", file=file)
            yield number, lambda name: name, row
        return
    if text.startswith("{"):  # JSON lines
        for number, line in enumerate(TextFile(path).lines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                raise BadInput(f"not JSON ({error})", file=file, line=number) from None
            if not isinstance(row, dict):
                raise BadInput("not a spend log row (an object)", file=file, line=number)
            yield number, lambda name: name, row
        return
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # metadata cells are long JSON
    reader = csv.reader(TextFile(path).lines())
    header = [h.strip() for h in next(reader)]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise BadInput(f"no column {', '.join(missing)}: not a LiteLLM spend log", file=file,
                       line=1)
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise BadInput(f"{len(cells)} values where the header has {len(header)}",
                           file=file, line=number)
        yield number, lambda name: name, dict(zip(header, cells, strict=True))


def _usage(row: dict[str, Any], file: str, line: int, column_of: Callable[[str], str | None]
           ) -> tuple[Key, tuple[int, int, int, int]]:
    def fail(message: str, name: str) -> BadInput:
        return BadInput(message, file=file, line=line, column=column_of(name))

    for name in REQUIRED:
        if row.get(name) in (None, ""):
            raise fail("empty", name)
    try:
        start = dt.datetime.fromisoformat(str(row["startTime"]).replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"{row['startTime']!r} is not a time", "startTime") from None
    if start.tzinfo is not None:
        start = start.astimezone(dt.UTC)
    metadata = _json(row.get("metadata"), "metadata", fail)
    usage = metadata.get("additional_usage_values") or metadata.get("usage_object") or {}
    if not isinstance(usage, dict):
        usage = {}
    details = usage.get("prompt_tokens_details") or {}
    cached = _count(usage.get("cache_read_input_tokens")
                    or (details.get("cached_tokens") if isinstance(details, dict) else None),
                    "metadata", fail)
    write = _count(usage.get("cache_creation_input_tokens")
                   or (details.get("cache_write_tokens") if isinstance(details, dict)
                       else None), "metadata", fail)
    prompt = _count(row["prompt_tokens"], "prompt_tokens", fail)
    output = _count(row["completion_tokens"], "completion_tokens", fail)
    model = str(row["model"]).strip()
    provider = provider_of(str(row.get("custom_llm_provider") or "")) or model_provider(model)
    if not provider:
        raise fail(f"no provider for model {model!r}", "custom_llm_provider")
    if "/" in model and provider_of(model.split("/", 1)[0]) == provider:
        model = model.split("/", 1)[1]  # "openai/gpt-4.1": the bill says gpt-4.1
    tags = _json(row.get("request_tags"), "request_tags", fail, default=[])
    feature = next((t.split(":", 1)[1] for t in tags if isinstance(t, str)
                    and t.startswith("feature:")), "") if isinstance(tags, list) else ""
    key: Key = (day_number(start.date()), provider, model, _text(row.get("end_user")),
                _text(row.get("session_id")), _text(row.get("agent_id")),
                _text(row.get("api_key")) or _user(row), feature or _text(row.get("team_id")))
    return key, (split_input(prompt, cached, write), cached, write, output)


def _json(value: Any, name: str, fail: Callable[[str, str], BadInput],
          default: Any = None) -> Any:
    if value is None or value == "":
        return {} if default is None else default
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise fail("not JSON", name) from None


def _count(value: Any, name: str, fail: Callable[[str, str], BadInput]) -> int:
    if value is None or value == "":
        return 0
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not number >= 0 or number != int(number):
        raise fail(f"{value!r} is not a token count", name)
    return int(number)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _user(row: dict[str, Any]) -> str:
    user = _text(row.get("user"))
    return f"user:{user}" if user else ""

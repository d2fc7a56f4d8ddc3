"""OpenAI organisation usage and costs, through the Usage and Costs APIs (admin API key).

Money comes from ``/v1/organization/costs``, which reconciles to the invoice: one charge per
day, project and line item ("gpt-4o-2024-08-06, input"). Tokens come from the usage
endpoints (completions, embeddings, images) per day, project, model, API key and batch
tier, as charges of no cost, so the totals stay the Costs API's while each model's tokens
are known. OpenAI's ``input_tokens`` counts cached input and cache writes too; the cache
keeps them apart (``x_input_tokens`` is uncached input only, see :mod:`worthit.core.focus`).

Every call has a timeout and the admin key in ``Authorization: Bearer``; throttling (429)
and server errors (5xx) are retried a few times with backoff, honouring ``Retry-After``.
Any other refusal, and any answer that is not the documented shape, stops the sync with a
message that names the endpoint and what was wrong, never the key. ``httpx`` is imported on
first use: start-up need not pay for it."""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import math
import random
import re
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

from worthit.core.errors import BadInput, Cancelled, UserError
from worthit.core.focus import AI_CATEGORY, CHARGE_COLUMN_NAMES
from worthit.secrets import redact
from worthit.sources.bill import BillFile, Progress, never
from worthit.sources.connectors import Connector, Setting, register

if TYPE_CHECKING:
    import httpx

DEFAULT_ENDPOINT: Final = "https://api.openai.com"
COSTS: Final = "/v1/organization/costs"
#: Usage endpoints and the fields each groups by (embeddings and images have no batch tier,
#: and OpenAI refuses a grouping an endpoint lacks).
USAGE: Final = (
    ("/v1/organization/usage/completions", ("project_id", "model", "api_key_id", "batch")),
    ("/v1/organization/usage/embeddings", ("project_id", "model", "api_key_id")),
    ("/v1/organization/usage/images", ("project_id", "model", "api_key_id")),
)
COSTS_LIMIT: Final = 180  # daily buckets per page: the most the Costs API allows
USAGE_LIMIT: Final = 31  # the most the usage endpoints allow for daily buckets
TIMEOUT: Final = 30.0  # seconds for each call
TRIES: Final = 4
#: Seconds before the first retry, doubled (with jitter) before each next one.
BACKOFF = 1.0
#: The longest wait honoured; a server asking for longer is told "later" at once.
MAX_WAIT = 30.0
#: A hard cap on calls in one sync (a 90-day first sync takes about ten).
MAX_REQUESTS = 400
#: A model id at the head of a line item: "gpt-4o-2024-08-06, input", "ft:gpt-4o-mini:org::x".
MODEL: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")
#: What a vendor's error text may quote of a key (OpenAI's 401 shows a masked one).
QUOTED_KEY: Final = re.compile(r"\b(?:sk|key)-\S+")
COMMON: Final = {"provider_name": "OpenAI", "publisher_name": "OpenAI",
                 "service_category": AI_CATEGORY, "service_name": "OpenAI API",
                 "region_id": "global", "charge_category": "Usage"}
_COLUMNS: Final = frozenset(CHARGE_COLUMN_NAMES)


def pull(settings: dict[str, Any], secret: str | None, start: dt.date, end: dt.date,
         found: BillFile, *, cancelled: Callable[[], bool] = never,
         progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of the days ``start``..``end`` (UTC): costs first, then tokens."""
    import httpx

    endpoint = _endpoint(settings.get("endpoint"))
    key = _key(secret)
    projects = [p.strip() for p in str(settings.get("project") or "").split(",") if p.strip()]
    window = {"start_time": _unix(start), "end_time": _unix(end + dt.timedelta(days=1)),
              "bucket_width": "1d", **({"project_ids": projects} if projects else {})}
    share = _Share(progress, start, end, parts=1 + len(USAGE))
    with httpx.Client(base_url=endpoint, headers={"Authorization": f"Bearer {key}"},
                      timeout=TIMEOUT, follow_redirects=False) as client:
        api = _Api(client, endpoint, key, cancelled, found)
        costs = {**window, "group_by": ["project_id", "line_item"], "limit": COSTS_LIMIT}
        for page in api.pages(COSTS, costs):
            for day, results in _buckets(page, start, end, COSTS):
                for n, result in enumerate(results, 1):
                    found.rows_read += 1
                    yield _cost(result, day, found, _Where(COSTS, f"{day} result {n}"))
                share.reached(0, day)
        for part, (path, group_by) in enumerate(USAGE, 1):
            kind = path.rsplit("/", 1)[1]
            usage = {**window, "group_by": list(group_by), "limit": USAGE_LIMIT}
            for page in api.pages(path, usage):
                for day, results in _buckets(page, start, end, path):
                    for n, result in enumerate(results, 1):
                        found.rows_read += 1
                        yield _usage(kind, result, day, found.currency or "USD",
                                     _Where(path, f"{day} result {n}"))
                    share.reached(part, day)
    share.done()


def test(settings: dict[str, Any], secret: str | None) -> str:
    """One call to the Costs API for yesterday: proves the endpoint and the admin key."""
    import httpx

    endpoint = _endpoint(settings.get("endpoint"))
    key = _key(secret)
    today = dt.datetime.now(dt.UTC).date()
    with httpx.Client(base_url=endpoint, headers={"Authorization": f"Bearer {key}"},
                      timeout=TIMEOUT, follow_redirects=False) as client:
        _Api(client, endpoint, key, never).get(COSTS, {
            "start_time": _unix(today - dt.timedelta(days=1)), "end_time": _unix(today),
            "bucket_width": "1d", "limit": 1})
    return f"Connected to {endpoint}: the admin key reads the organisation's costs."


class _Where:
    """Which answer a field came from, for messages: the endpoint and the result."""

    def __init__(self, path: str, result: str) -> None:
        self.file, self.result = f"OpenAI {path}", result

    def bad(self, message: str) -> BadInput:
        return BadInput(f"{self.result}: {message}", file=self.file)


class _Api:
    """Calls to one endpoint root: retried, counted, cancellable, and turned into plain
    words when refused."""

    def __init__(self, client: httpx.Client, endpoint: str, key: str,
                 cancelled: Callable[[], bool], found: BillFile | None = None) -> None:
        self.client, self.endpoint, self.key, self.cancelled = client, endpoint, key, cancelled
        self.requests = 0
        self.found = found

    def pages(self, path: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        """Each page's ``data``, following ``next_page`` while ``has_more``."""
        file = f"OpenAI {path}"
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            if self.cancelled():
                raise Cancelled
            page = self.get(path, {**params, "page": cursor} if cursor else params)
            data = page.get("data")
            if not isinstance(data, list):
                raise BadInput("the answer has no 'data' list", file=file)
            yield data
            more = page.get("has_more")
            if more is None or more is False:
                return
            if more is not True:
                raise BadInput(f"'has_more' is {more!r}, not true or false", file=file)
            cursor = page.get("next_page")
            if not isinstance(cursor, str) or not cursor:
                raise BadInput("'has_more' is true but 'next_page' is missing", file=file)
            if cursor in seen:
                raise BadInput("the same 'next_page' came twice: the pages go round in a "
                               "circle", file=file)
            seen.add(cursor)

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        file = f"OpenAI {path}"
        for attempt in range(1, TRIES + 1):
            self.requests += 1
            if self.found is not None:
                self.found.requests = self.requests
            if self.requests > MAX_REQUESTS:
                raise BadInput(f"more than {MAX_REQUESTS} calls in one sync; sync a shorter "
                               "period", file=file)
            problem, wait = self._try(path, params, file)
            if isinstance(problem, dict):
                return problem
            if wait is not None and wait > MAX_WAIT:
                raise BadInput(f"{problem}, and asks to wait {wait:,.0f} s; sync again later",
                               file=file)
            if attempt == TRIES:
                raise BadInput(f"{problem}, {TRIES} times in a row; sync again later",
                               file=file)
            if wait is None:
                wait = min(MAX_WAIT, BACKOFF * 2 ** (attempt - 1) * (1 + random.random() / 2))
            _pause(wait, self.cancelled)
        raise AssertionError("unreachable")

    def _try(self, path: str, params: dict[str, Any], file: str
             ) -> tuple[dict[str, Any] | str, float | None]:
        """One call: the answer, or why to retry and how long the server asked to wait."""
        import httpx

        try:
            response = self.client.get(path, params=params)
        except httpx.TimeoutException:
            return f"OpenAI did not answer within {TIMEOUT:g} s", None
        except httpx.RequestError as error:
            return (f"OpenAI could not be reached at {self.endpoint} "
                    f"({type(error).__name__}: {self._clean(str(error))})"), None
        status = response.status_code
        if 200 <= status < 300:
            return _json(response, file), None
        said = self._said(response)
        if status == 429 or status >= 500:
            what = "is rate limiting this key" if status == 429 else "had a server error"
            return f"OpenAI {what} ({said})", retry_after(response.headers.get("Retry-After"))
        if status == 401:
            message = (f"OpenAI refused the admin key ({said}): check it is an admin key "
                       "(sk-admin-...), not a project or user key, and that it has not been "
                       "revoked; replace it with `worthit sources key` and the source's name")
        elif status == 403:
            message = (f"OpenAI denied access ({said}): the key may not read the "
                       "organisation's usage and costs; an organisation owner can make an "
                       "admin key that may")
        elif status == 404:
            message = (f"OpenAI has no {path} at {self.endpoint} ({said}): check the "
                       f"source's endpoint setting (the API's root, e.g. {DEFAULT_ENDPOINT})")
        elif 300 <= status < 400:
            where = self._clean(response.headers.get("Location", "elsewhere"))
            message = (f"OpenAI answered with a redirect ({said}) to {where}: set the "
                       "source's endpoint to where it points")
        else:
            message = f"OpenAI rejected the request ({said})"
        raise BadInput(message, file=file)

    def _said(self, response: httpx.Response) -> str:
        """The status, its reason and the vendor's own message, cleaned."""
        said = f"{response.status_code} {response.reason_phrase}".strip()
        try:
            error = response.json().get("error")
            detail = error.get("message") if isinstance(error, dict) else error
        except (ValueError, AttributeError):
            detail = None
        return f"{said}: {self._clean(detail)}" if isinstance(detail, str) and \
            detail.strip() else said

    def _clean(self, text: str) -> str:
        """Untrusted text fit for a message: one short line, and no key in it (the vendor
        may quote a masked one; a proxy could echo the whole)."""
        text = QUOTED_KEY.sub("(a key)", redact(text, [self.key]))
        text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
        return text if len(text) <= 200 else text[:199] + "…"


def _json(response: httpx.Response, file: str) -> dict[str, Any]:
    try:
        page = response.json()
    except (ValueError, UnicodeDecodeError):
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        raise BadInput(f"the answer is not JSON ({kind[:60]}, {len(response.content):,} "
                       "bytes): check the source's endpoint setting", file=file) from None
    if not isinstance(page, dict):
        raise BadInput(f"the answer is JSON {type(page).__name__}, not an object", file=file)
    return page


def _buckets(data: list[Any], start: dt.date, end: dt.date, path: str
             ) -> Iterator[tuple[dt.date, list[Any]]]:
    """Each daily bucket's day and results, checked to lie in the days asked for."""
    for n, bucket in enumerate(data, 1):
        where = _Where(path, f"bucket {n}")
        if not isinstance(bucket, dict):
            raise where.bad("is not an object")
        stamp = bucket.get("start_time")
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            raise where.bad(f"'start_time' is {stamp!r}, not Unix seconds")
        day = dt.datetime.fromtimestamp(stamp, dt.UTC).date()
        if not start <= day <= end:
            raise where.bad(f"'start_time' is {day}, outside the days asked for "
                            f"({start} to {end})")
        results = bucket.get("results")
        if not isinstance(results, list):
            raise where.bad("has no 'results' list")
        yield day, results


def _cost(result: Any, day: dt.date, found: BillFile, where: _Where) -> list[Any]:
    if not isinstance(result, dict):
        raise where.bad("is not an object")
    amount = result.get("amount")
    if not isinstance(amount, dict):
        raise where.bad("'amount' is missing")
    value = _dollars(amount.get("value"))
    if value is None:
        raise where.bad(f"'amount.value' is {amount.get('value')!r}, not a number of dollars")
    currency = amount.get("currency")
    currency = found.check_currency(currency.upper() if isinstance(currency, str) else None,
                                    where.file, None, "amount.currency")
    found.count(day, value, value)
    line_item = _text(result, "line_item", where)
    return _row(day, billed_cost=value, effective_cost=value,
                billing_currency=currency, sub_account_id=_text(result, "project_id", where),
                x_usage_type=line_item, x_model=model_of(line_item))


def _usage(kind: str, result: Any, day: dt.date, currency: str, where: _Where) -> list[Any]:
    if not isinstance(result, dict):
        raise where.bad("is not an object")
    requests = _count(result, "num_model_requests", where)
    key = _text(result, "api_key_id", where)
    common = {"billed_cost": 0.0, "effective_cost": 0.0, "billing_currency": currency,
              "sub_account_id": _text(result, "project_id", where), "resource_id": key,
              "resource_type": "API key" if key else None, "x_usage_type": kind,
              "x_model": _text(result, "model", where), "x_requests": requests}
    if kind == "images":
        return _row(day, consumed_quantity=_count(result, "images", where),
                    consumed_unit="Images", **common)
    given = _count(result, "input_tokens", where)
    if kind == "embeddings":
        return _row(day, x_input_tokens=given, **common)
    cached = _count(result, "input_cached_tokens", where, required=False) or 0
    written = _count(result, "input_cache_write_tokens", where, required=False)
    uncached = _count(result, "input_uncached_tokens", where, required=False)
    if uncached is None:  # older answers: input_tokens counts cached input and writes too
        uncached = given - cached - (written or 0)
        if uncached < 0:
            raise where.bad(f"'input_tokens' ({given}) is less than its cached tokens "
                            f"({cached}) and cache writes ({written or 0})")
    batch = result.get("batch")
    if batch is not None and not isinstance(batch, bool):
        raise where.bad(f"'batch' is {batch!r}, not true or false")
    return _row(day, x_input_tokens=uncached, x_cached_input_tokens=cached,
                x_cache_write_tokens=written,
                x_output_tokens=_count(result, "output_tokens", where),
                x_batch=None if batch is None else int(batch), **common)


def model_of(line_item: str | None) -> str | None:
    """The model a cost line item is for ("gpt-4o-2024-08-06, input"), or None when it
    names none ("File search storage")."""
    if not line_item:
        return None
    head, comma, _rest = line_item.partition(",")
    head = head.strip()
    return head if comma and MODEL.fullmatch(head) else None


def retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date), or None."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _pause(seconds: float, cancelled: Callable[[], bool]) -> None:
    """Wait, a tenth of a second at a time, so that a cancel need not wait too."""
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        if cancelled():
            raise Cancelled
        time.sleep(min(0.1, left))


class _Share:
    """Progress from the days covered: each endpoint is one equal part of the sync."""

    def __init__(self, progress: Progress | None, start: dt.date, end: dt.date,
                 parts: int) -> None:
        self.progress, self.start, self.parts = progress, start, parts
        self.days = (end - start).days + 1
        self.last = 0.0

    def reached(self, part: int, day: dt.date) -> None:
        done = min(1.0, ((day - self.start).days + 1) / self.days)
        share = (part + done) / self.parts
        if self.progress is not None and share > self.last:
            self.last = share
            self.progress(share)

    def done(self) -> None:
        if self.progress is not None:
            self.progress(1.0)


def _dollars(value: Any) -> float | None:
    """A finite number; a decimal string is read too (the docs say a number)."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _text(result: dict[str, Any], field: str, where: _Where) -> str | None:
    value = result.get(field)
    if value is not None and not isinstance(value, str):
        raise where.bad(f"'{field}' is {value!r}, not text")
    return value or None


def _count(result: dict[str, Any], field: str, where: _Where, *,
           required: bool = True) -> int | None:
    value = result.get(field)
    if value is None:
        if required:
            raise where.bad(f"'{field}' is missing")
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise where.bad(f"'{field}' is {value!r}, not a count")
    return value


def _row(day: dt.date, **values: Any) -> list[Any]:
    """A charge in column order, the source left for the engine to fill."""
    unknown = values.keys() - _COLUMNS
    if unknown:
        raise AssertionError(f"not charge columns: {sorted(unknown)}")
    values = {**COMMON, **values, "charge_period_start": day.isoformat()}
    return [values.get(name) for name in CHARGE_COLUMN_NAMES]


def _unix(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _endpoint(value: Any) -> str:
    """The API's root from the setting; plain HTTP only to this machine, since the admin
    key travels with every call."""
    text = str(value or DEFAULT_ENDPOINT).strip().rstrip("/").removesuffix("/v1")
    match = re.fullmatch(r"(https?)://(\[[^\]]+\]|[^/:?#\s]+)(:\d+)?(/[^?#\s]*)?", text)
    if match is None:
        raise UserError(f"the endpoint setting {text!r} is not an http(s) address like "
                        f"{DEFAULT_ENDPOINT}")
    if match[1] == "http" and not _local(match[2]):
        raise UserError(f"the endpoint setting {text!r} is plain http: the admin key would "
                        "cross the network unencrypted; use https")
    return text


def _local(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _key(secret: str | None) -> str:
    key = (secret or "").strip()
    if not key:
        raise UserError("the source has no admin API key")
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise UserError("the admin API key holds spaces or characters no key has: paste "
                        "the key again")
    return key


CONNECTOR: Final = register(Connector(
    kind="openai",
    title="OpenAI organisation usage and costs",
    pull=pull,
    test=test,
    secret="admin API key",
    settings=(
        Setting("endpoint", "the API's root: OpenAI's, or a proxy's or gateway's",
                DEFAULT_ENDPOINT),
        Setting("project", "only these projects (ids like proj_abc, comma-separated); "
                           "empty for the whole organisation"),
    ),
))

__all__ = ["CONNECTOR", "model_of", "pull", "retry_after"]

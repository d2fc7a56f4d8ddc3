"""Calls to an AI vendor's organisation API over HTTP(S), and reading its answers: what the
live connectors for OpenAI and Anthropic share.

A :class:`Vendor` says what differs between them: the name used in messages, the default
endpoint, the headers that carry the admin key, the kind of key to check when it is refused,
and how buckets are dated. :meth:`Vendor.connect` opens an :class:`Api` on the endpoint
setting: every call has a timeout for each read, and a deadline and a cap on the answer's
size in all (:mod:`worthit.sources.exchange`), past which it is refused at once; throttling
(429) and server errors (5xx) are retried a few times with backoff and jitter, honouring
``Retry-After``; a sync makes at most :data:`MAX_REQUESTS` calls, each counted into
``found.requests``; a cancel stops it before the next call or during a wait. Any other
refusal, and any answer that is not the documented shape, raises :class:`BadInput` naming
the vendor, the endpoint and what was wrong, never the key; so does an amount that is not
finite or past :data:`MAX_AMOUNT` (:func:`checked_amount`), and a count past
:data:`MAX_COUNT`. The retry loop (:func:`retried`, counting with a :class:`Tally`) takes
any function that makes one try, so a client other than httpx can use it too. ``httpx`` is
imported on first use: start-up need not pay for it."""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import json
import math
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

from worthit.core.errors import BadInput, Cancelled, UserError
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.secrets import redact
from worthit.sources import exchange
from worthit.sources.bill import BillFile, Progress, never
from worthit.sources.cells import LARGEST_COST
from worthit.sources.connectors import Connector, Pull, Setting, register

if TYPE_CHECKING:
    import httpx

TIMEOUT = 30.0  # seconds for each call
TRIES = 4
#: Seconds before the first retry, doubled (with jitter) before each next one.
BACKOFF = 1.0
#: The longest wait honoured; a server asking for longer is told "later" at once.
MAX_WAIT = 30.0
#: A hard cap on calls in one sync (a 90-day first sync takes about ten, and OpenAI's
#: hourly request counts about thirteen more).
MAX_REQUESTS = 400
#: The most one charge may cost, either way: past it a figure is broken, not a bill's (the
#: bound a billing file's line has).
MAX_AMOUNT = LARGEST_COST
#: The most one result may count (tokens, requests, images): far past any day's usage, and
#: summed, still far within SQLite's integers (a larger one failed the sync as a bug).
MAX_COUNT = 10**15
#: What a vendor's error text may quote of a key (OpenAI's 401 shows a masked one).
QUOTED_KEY: Final = re.compile(r"\b(?:sk|key)-\S+")
_COLUMNS: Final = frozenset(CHARGE_COLUMN_NAMES)
T = TypeVar("T")


@dataclass(frozen=True)
class Stamp:
    """How a vendor dates a bucket: the field, its form in words, and its reader (None for
    a value of another form)."""

    field: str
    form: str
    read: Callable[[Any], dt.datetime | None]


def _from_unix(value: Any) -> dt.datetime | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return dt.datetime.fromtimestamp(value, dt.UTC)


def _from_rfc3339(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.astimezone(dt.UTC) if when.tzinfo is not None else None


UNIX_SECONDS: Final = Stamp("start_time", "Unix seconds", _from_unix)
RFC_3339: Final = Stamp("starting_at", "an RFC 3339 time with its offset", _from_rfc3339)


class Where:
    """Which answer a field came from, for messages: the vendor's endpoint and the result."""

    def __init__(self, file: str, result: str) -> None:
        self.file, self.result = file, result

    def bad(self, message: str) -> BadInput:
        return BadInput(f"{self.result}: {message}", file=self.file)


@dataclass(frozen=True)
class Vendor:
    """What differs between the vendors' organisation APIs, for calls and for messages."""

    name: str
    default_endpoint: str
    #: The headers that carry the admin key (and any version the API asks for).
    headers: Callable[[str], dict[str, str]]
    #: What to check when the key is refused: which kind of key the API wants.
    key_hint: str
    stamp: Stamp

    def file(self, path: str) -> str:
        return f"{self.name} {path}"

    def register(self, kind: str, pull: Pull, test: Callable[[dict[str, Any], str | None], str],
                 *settings: Setting) -> Connector:
        """The vendor's connector, registered: an admin key in the keyring, and an endpoint
        setting (proxies, gateways, tests) before the vendor's own ``settings``."""
        endpoint = Setting("endpoint", f"the API's root: {self.name}'s, or a proxy's or "
                                       "gateway's", self.default_endpoint)
        return register(Connector(kind=kind, title=f"{self.name} organisation usage and costs",
                                  pull=pull, test=test, secret="admin API key",
                                  settings=(endpoint, *settings)))

    def where(self, path: str, result: str) -> Where:
        return Where(self.file(path), result)

    @contextmanager
    def connect(self, endpoint: Any, secret: str | None,
                cancelled: Callable[[], bool] = never,
                found: BillFile | None = None) -> Iterator[Api]:
        """Calls to the API at the ``endpoint`` setting with the admin key ``secret``,
        counted into ``found``."""
        import httpx

        root = self.endpoint(endpoint)
        key = admin_key(secret)
        with httpx.Client(base_url=root, headers=self.headers(key), timeout=TIMEOUT,
                          follow_redirects=False) as client:
            yield Api(self, client, root, key, cancelled, found)

    def endpoint(self, value: Any) -> str:
        """The API's root from the setting; plain HTTP only to this machine, since the
        admin key travels with every call."""
        text = str(value or self.default_endpoint).strip().rstrip("/").removesuffix("/v1")
        match = re.fullmatch(r"(https?)://(\[[^\]]+\]|[^/:?#\s]+)(:\d+)?(/[^?#\s]*)?", text)
        if match is None:
            raise UserError(f"the endpoint setting {text!r} is not an http(s) address like "
                            f"{self.default_endpoint}")
        if match[1] == "http" and not is_loopback(match[2]):
            raise UserError(f"the endpoint setting {text!r} is plain http: the admin key "
                            "would cross the network unencrypted; use https")
        return text

    def stamped(self, data: list[Any], start: dt.date, end: dt.date, path: str
                ) -> Iterator[tuple[dt.datetime, list[Any]]]:
        """Each bucket's start (UTC) and results, checked to lie in the days asked for."""
        field = self.stamp.field
        for n, bucket in enumerate(data, 1):
            where = self.where(path, f"bucket {n}")
            if not isinstance(bucket, dict):
                raise where.bad("is not an object")
            stamp = bucket.get(field)
            when = self.stamp.read(stamp)
            if when is None:
                raise where.bad(f"'{field}' is {stamp!r}, not {self.stamp.form}")
            day = when.date()
            if not start <= day <= end:
                raise where.bad(f"'{field}' is {day}, outside the days asked for "
                                f"({start} to {end})")
            results = bucket.get("results")
            if not isinstance(results, list):
                raise where.bad("has no 'results' list")
            yield when, results

    def buckets(self, data: list[Any], start: dt.date, end: dt.date, path: str
                ) -> Iterator[tuple[dt.date, list[Any]]]:
        """Each daily bucket's day and results, checked to lie in the days asked for."""
        for when, results in self.stamped(data, start, end, path):
            yield when.date(), results


class Api:
    """Calls to one endpoint root: retried, counted, cancellable, and turned into plain
    words when refused."""

    def __init__(self, vendor: Vendor, client: httpx.Client, endpoint: str, key: str,
                 cancelled: Callable[[], bool], found: BillFile | None = None) -> None:
        self.vendor, self.client, self.endpoint, self.key = vendor, client, endpoint, key
        self.cancelled, self.tally = cancelled, Tally(found)
        self.line = exchange.Line()

    def pages(self, path: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        """Each page's ``data``, following ``next_page`` (sent as ``page``) while
        ``has_more``."""
        file = self.vendor.file(path)
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
        """The JSON object at ``path``, after retrying throttling and server errors."""
        file = self.vendor.file(path)
        return retried(lambda: self._try(path, params, file), file, self.tally,
                       self.cancelled)

    def _try(self, path: str, params: dict[str, Any], file: str) -> Attempt[dict[str, Any]]:
        """One call: the answer, or why to retry and how long the server asked to wait. An
        answer past :mod:`~worthit.sources.exchange`'s bounds (its size, or the deadline of
        the whole call) is refused at once: trying again would take as long."""
        import httpx

        name = self.vendor.name
        try:
            answer = exchange.get(self.client, path, params, self.line)
        except exchange.Overrun as error:
            raise BadInput(f"{name} {error}", file=file) from None
        except httpx.TimeoutException:
            return None, f"{name} did not answer within {TIMEOUT:g} s", None
        except httpx.RequestError as error:
            return None, (f"{name} could not be reached at {self.endpoint} "
                          f"({type(error).__name__}: {self._clean(str(error))})"), None
        status = answer.status
        if 200 <= status < 300:
            return _json(answer, file), "", None
        said = self._said(answer)
        if status == 429 or status >= 500:
            what = "is rate limiting this key" if status == 429 else "had a server error"
            return (None, f"{name} {what} ({said})",
                    retry_after(answer.headers.get("Retry-After")))
        if status == 401:
            message = (f"{name} refused the admin key ({said}): {self.vendor.key_hint}, and "
                       "that it has not been revoked; replace it with `worthit sources key` "
                       "and the source's name")
        elif status == 403:
            message = (f"{name} denied access ({said}): the key may not read the "
                       "organisation's usage and costs; an organisation admin can make an "
                       "admin key that may")
        elif status == 404:
            message = (f"{name} has no {path} at {self.endpoint} ({said}): check the "
                       "source's endpoint setting (the API's root, e.g. "
                       f"{self.vendor.default_endpoint})")
        elif 300 <= status < 400:
            where = self._clean(answer.headers.get("Location", "elsewhere"))
            message = (f"{name} answered with a redirect ({said}) to {where}: set the "
                       "source's endpoint to where it points")
        else:
            message = f"{name} rejected the request ({said})"
        raise BadInput(message, file=file)

    def _said(self, answer: exchange.Answer) -> str:
        """The status, its reason and the vendor's own message, cleaned (both vendors
        answer ``{"error": {"message": ...}}``)."""
        said = f"{answer.status} {answer.reason}".strip()
        try:
            error = json.loads(answer.body).get("error")
            detail = error.get("message") if isinstance(error, dict) else error
        except (ValueError, UnicodeDecodeError, AttributeError):
            detail = None
        return f"{said}: {self._clean(detail)}" if isinstance(detail, str) and \
            detail.strip() else said

    def _clean(self, text: str) -> str:
        """Untrusted text fit for a message: one short line, and no key in it (the vendor
        may quote a masked one; a proxy could echo the whole)."""
        text = QUOTED_KEY.sub("(a key)", redact(text, [self.key]))
        text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
        return text if len(text) <= 200 else text[:199] + "…"


def _json(answer: exchange.Answer, file: str) -> dict[str, Any]:
    try:
        page = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        kind = answer.headers.get("Content-Type", "no content type").split(";")[0]
        raise BadInput(f"the answer is not JSON ({kind[:60]}, {len(answer.body):,} "
                       "bytes): check the source's endpoint setting", file=file) from None
    if not isinstance(page, dict):
        raise BadInput(f"the answer is JSON {type(page).__name__}, not an object", file=file)
    return page


#: One try of a call: (the answer, "", None), or (None, why it failed in words that are
#: worth a retry, the seconds the server asked to wait or None).
Attempt = tuple[T | None, str, float | None]


class Tally:
    """The calls of one sync, counted into ``found.requests`` (each may cost money) and
    capped at :data:`MAX_REQUESTS`."""

    def __init__(self, found: BillFile | None = None) -> None:
        self.found, self.requests = found, 0

    def add(self, file: str) -> None:
        if self.requests >= MAX_REQUESTS:
            raise BadInput(f"more than {MAX_REQUESTS} calls in one sync; sync a shorter "
                           "period", file=file)
        self.requests += 1
        if self.found is not None:
            self.found.requests += 1


def retried(once: Callable[[], Attempt[T]], file: str, tally: Tally,
            cancelled: Callable[[], bool]) -> T:
    """``once`` until it answers, at most :data:`TRIES` times, each try counted: between
    tries, the wait the server asked for (refused at once past :data:`MAX_WAIT`), else a
    backoff that doubles, with jitter. ``once`` raises what is not worth a retry."""
    for attempt in range(1, TRIES + 1):
        if cancelled():
            raise Cancelled
        tally.add(file)
        answer, problem, wait = once()
        if answer is not None:
            return answer
        if wait is not None and wait > MAX_WAIT:
            raise BadInput(f"{problem}, and asks to wait {wait:,.0f} s; sync again later",
                           file=file)
        if attempt == TRIES:
            raise BadInput(f"{problem}, {TRIES} times in a row; sync again later", file=file)
        if wait is None:
            wait = min(MAX_WAIT, BACKOFF * 2 ** (attempt - 1) * (1 + random.random() / 2))
        pause(wait, cancelled)
    raise AssertionError("unreachable")


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


def pause(seconds: float, cancelled: Callable[[], bool]) -> None:
    """Wait, a tenth of a second at a time, so that a cancel need not wait too."""
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        if cancelled():
            raise Cancelled
        time.sleep(min(0.1, left))


class Share:
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


def text(result: dict[str, Any], field: str, where: Where) -> str | None:
    """A field of text, or None when it is missing, null or empty."""
    value = result.get(field)
    if value is not None and not isinstance(value, str):
        raise where.bad(f"'{field}' is {value!r}, not text")
    return value or None


def count(result: dict[str, Any], field: str, where: Where, *,
          required: bool = True) -> int | None:
    """A field holding a count (a whole number, not negative)."""
    value = result.get(field)
    if value is None:
        if required:
            raise where.bad(f"'{field}' is missing")
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise where.bad(f"'{field}' is {value!r}, not a count")
    if value > MAX_COUNT:
        raise where.bad(f"'{field}' is {value!r}, beyond {MAX_COUNT:,} for one result: no "
                        "usage counts that, so the answer is broken")
    return value


def checked_amount(value: float | None, shown: Any, where: Where, field: str, form: str, *,
                   limit: float | None = None) -> float:
    """A charge's amount read from ``field`` (``shown`` as the answer gave it): refused
    when it is not ``form`` or not finite, or when it is past ``limit`` (by default
    :data:`MAX_AMOUNT`) either way, which no bill holds: the answer is broken or hostile,
    and a total of it would swamp every other figure."""
    if value is None or not math.isfinite(value):
        raise where.bad(f"'{field}' is {shown!r}, not {form}")
    limit = MAX_AMOUNT if limit is None else limit
    if abs(value) > limit:
        raise where.bad(f"'{field}' is {shown!r}, beyond {limit:,.0f} either way for one "
                        "charge: no bill holds that, so the answer is broken")
    return value


def money(found: BillFile, day: dt.date, value: float, currency: Any, where: Where,
          field: str) -> dict[str, Any]:
    """The cost columns of a charge of ``value`` in ``currency`` (the field it came from
    named for messages): the currency checked to be the whole sync's, and the charge
    counted into what the API said, for the engine to reconcile."""
    checked = found.check_currency(currency.upper() if isinstance(currency, str) else None,
                                   where.file, None, field)
    found.count(day, value, value)
    return {"billed_cost": value, "effective_cost": value, "billing_currency": checked}


def row(day: dt.date, common: dict[str, Any], **values: Any) -> list[Any]:
    """A charge in column order, from the vendor's ``common`` columns and ``values``, the
    source left for the engine to fill."""
    unknown = (values.keys() | common.keys()) - _COLUMNS
    if unknown:
        raise AssertionError(f"not charge columns: {sorted(unknown)}")
    values = {**common, **values, "charge_period_start": day.isoformat()}
    return [values.get(name) for name in CHARGE_COLUMN_NAMES]


def unix(day: dt.date) -> int:
    """The start of ``day`` (UTC) in Unix seconds."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def rfc3339(day: dt.date) -> str:
    """The start of ``day`` (UTC) as an RFC 3339 time."""
    return f"{day.isoformat()}T00:00:00Z"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name, an IPv4 address or a bracketed IPv6 one) is this machine."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def admin_key(secret: str | None) -> str:
    """The admin key from the keyring, checked to be one line of printable ASCII (it goes
    into a header)."""
    key = (secret or "").strip()
    if not key:
        raise UserError("the source has no admin API key")
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise UserError("the admin API key holds spaces or characters no key has: paste "
                        "the key again")
    return key


__all__ = ["MAX_AMOUNT", "MAX_COUNT", "RFC_3339", "UNIX_SECONDS", "Api", "Attempt", "Share",
           "Stamp", "Tally", "Vendor", "Where", "admin_key", "checked_amount", "count",
           "is_loopback", "money", "pause", "retried", "retry_after", "rfc3339", "row", "text",
           "unix"]

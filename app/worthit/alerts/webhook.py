"""The optional webhook: each new alert POSTed as JSON to a URL the user gives, with a
Slack-compatible ``text`` field (so a Slack or Teams incoming webhook shows it as it is).

The URL is a secret (whoever has a Slack webhook URL can post to the channel): it lives in
the system keyring through :mod:`worthit.secrets`, as the workspace's entry
:data:`KEYRING_NAME` (each workspace its own URL); the cache only records that one is set.
A failed POST is retried with exponential back-off; a 4xx other than 429 is not (the URL
or the payload is wrong, not the moment). What happened to each alert is recorded on it
(:func:`worthit.store.alerts.record_delivery`), so a failure is shown on the Alerts page
and by ``worthit alerts``, and retried on the next pass: never lost silently."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from worthit.core.errors import UserError
from worthit.pages import TITLES
from worthit.sources import exchange
from worthit.store.alerts import (
    WEBHOOK_KEY,
    WEBHOOK_KEYRING_NAME,
    Alert,
    record_delivery,
    undelivered,
)
from worthit.store.cache import Cache
from worthit.store.meta import delete_meta
from worthit.workspace import identity

if TYPE_CHECKING:
    import httpx

KEYRING_NAME: Final = WEBHOOK_KEYRING_NAME
TRIES: Final = 3
BACKOFF_SECONDS: Final = 1.0  # then 2, 4, ...
TIMEOUT_SECONDS: Final = 10.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one POST: sent, or the error of its last attempt (no secret in it)."""

    key: str
    sent: bool
    attempts: int
    error: str | None = None


# -- the URL ----------------------------------------------------------------------------------


def check_url(url: str) -> str:
    import httpx

    url = url.strip()
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UserError("A webhook URL starts with https:// (or http://) and names a host, "
                        "like the incoming-webhook URL Slack or Teams gives you.")
    return url


def set_url(cache: Cache, url: str) -> None:
    """Keep ``url`` in the keyring (checked first) and note in the cache that one is set."""
    from worthit import secrets

    url = check_url(url)
    try:
        secrets.store(KEYRING_NAME, url, workspace=identity(cache))
    except secrets.SecretError as error:
        raise UserError(_reworded(error)) from None
    cache.set_meta({WEBHOOK_KEY: "1"})


def remove_url(cache: Cache) -> None:
    from worthit import secrets

    delete_meta(cache, WEBHOOK_KEY)
    try:
        secrets.delete(KEYRING_NAME, workspace=identity(cache))
    except secrets.SecretError as error:
        raise UserError(_reworded(error)) from None


def configured(cache: Cache) -> bool:
    return cache.get_meta(WEBHOOK_KEY) == "1"


def load_url(cache: Cache) -> str | None:
    """The URL, or None when none is set; a UserError when the keyring fails or lost it."""
    from worthit import secrets

    if not configured(cache):
        return None
    try:
        url = secrets.load(KEYRING_NAME, workspace=identity(cache))
    except secrets.SecretError as error:
        raise UserError(_reworded(error)) from None
    if not url:
        raise UserError("A webhook is set for this workspace, but its URL is not in the "
                        "system keyring any more: set it again.")
    return url


def _reworded(error: Exception) -> str:
    return str(error).replace(f"the API key of source {KEYRING_NAME!r}", "the webhook URL")


# -- the message ------------------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    """Slack reads ``<...>`` as links and mentions: bill text must not become one."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(alert: Alert, workspace: str) -> str:
    lines = [
        f"{'Breach' if alert.breach else 'Warning'} · {workspace}: {alert.title}",
        f"Owner: {alert.owner}" + (f" · Size: {alert.size}" if alert.size else ""),
        f"Series: {alert.series}" if alert.series else "",
        f"Explained on the {TITLES.get(alert.page, alert.page)} page in Worthit",
    ]
    return _slack_escape("\n".join(line for line in lines if line))


def payload(alert: Alert, workspace: str) -> dict[str, Any]:
    return {"text": slack_text(alert, workspace), "workspace": workspace,
            "alert": alert.to_json()}


# -- posting ----------------------------------------------------------------------------------


def post(url: str, body: dict[str, Any], *, client: httpx.Client | None = None,
         tries: int = TRIES, backoff: float = BACKOFF_SECONDS,
         sleep: Callable[[float], None] | None = None, key: str = "") -> Delivery:
    """POST ``body`` as JSON, retrying a network error, a 5xx or a 429 with back-off."""
    import httpx

    from worthit import secrets

    sleep = time.sleep if sleep is None else sleep
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    error = "not attempted"
    try:
        for attempt in range(1, tries + 1):
            try:  # bounded in time and size, whatever the endpoint does
                answer = exchange.request(client, "POST", url, exchange.Line(), json=body)
            except exchange.Overrun:
                error = (f"the webhook endpoint's answer went past {exchange.DEADLINE:g} s or "
                         f"{exchange.MAX_BYTES / 2**20:g} MB: check the URL")
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            else:
                if 200 <= answer.status < 300:
                    return Delivery(key, True, attempt)
                said = bytes(answer.body[:200]).decode("utf-8", "replace").strip()
                error = f"HTTP {answer.status} {answer.reason}: {said}".rstrip(": ")
                if answer.status < 500 and answer.status != 429:
                    return Delivery(key, False, attempt, _safe(error, url, secrets.redact))
            if attempt < tries:
                sleep(backoff * 2 ** (attempt - 1))
        return Delivery(key, False, tries, _safe(error, url, secrets.redact))
    finally:
        if own:
            client.close()


def _safe(error: str, url: str, redact: Callable[[str, Sequence[str]], str]) -> str:
    """No secret in an error: the URL is masked, as written and as httpx prints it."""
    import httpx

    return redact(error, [url, str(httpx.URL(url))])


def deliver(cache: Cache, workspace: str, now: dt.datetime, *,
            client: httpx.Client | None = None, tries: int = TRIES,
            backoff: float = BACKOFF_SECONDS,
            sleep: Callable[[float], None] | None = None) -> list[Delivery]:
    """POST every alert waiting for the webhook and record what happened to each."""
    waiting = undelivered(cache)
    if not waiting:
        return []
    try:
        url = load_url(cache)
    except UserError as error:
        url, reason = None, str(error)
    else:
        reason = "no webhook URL is set any more"
    done = []
    for alert in waiting:
        if url is None:
            result = Delivery(alert.key, False, 1, reason)
        else:
            result = post(url, payload(alert, workspace), client=client, tries=tries,
                          backoff=backoff, sleep=sleep, key=alert.key)
        record_delivery(cache, alert.key, sent=result.sent, attempts=result.attempts,
                        error=result.error, at=now)
        done.append(result)
    return done


def send_test(cache: Cache, workspace: str, *, client: httpx.Client | None = None) -> Delivery:
    """Send a test message (not an alert) to the webhook that is set."""
    url = load_url(cache)
    if url is None:
        raise UserError("No webhook is set: set one with `worthit webhook set` (the URL is "
                        "read from stdin) or on the Alerts page.")
    body = {"text": _slack_escape(f"Worthit · {workspace}: a test message. New alerts will "
                                  "arrive here."), "workspace": workspace, "alert": None}
    return post(url, body, client=client, key="test")

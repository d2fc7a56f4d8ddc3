"""What the AWS connectors share: a boto3 client made from a source's settings and secret,
and calls that are counted, capped, retried and cancellable, and refused in plain words.

Credentials come from the ``profile`` setting (a named profile of the AWS configuration:
SSO and assumed-role profiles work through boto3's own configuration), else from access keys
kept in the keyring as ``ACCESS_KEY_ID:SECRET_ACCESS_KEY`` (a session token may follow after
a third colon), else from boto3's default chain (environment, instance role).

botocore's own retries are off: ours wait in steps a cancel can interrupt, honour
``Retry-After``, and count every attempt, since Cost Explorer bills each request. Messages
name the API, the operation and its answer, and the IAM action a refusal lacks; the access
key id, secret key and token never appear in them. boto3 is imported on first use: start-up
need not pay for it."""

from __future__ import annotations

import functools
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from worthit.core.errors import BadInput, Cancelled, UserError
from worthit.secrets import redact
from worthit.sources.bill import BillFile
from worthit.sources.connectors import Setting
from worthit.sources.http import is_loopback

DEFAULT_REGION: Final = "us-east-1"
TIMEOUT: Final = 30.0  # seconds to connect, and to wait for each answer
TRIES: Final = 4
#: Seconds before the first retry, doubled (with jitter) before each next one.
BACKOFF = 1.0
#: The longest wait honoured; a server asking for longer is told "later" at once.
MAX_WAIT = 30.0
#: A hard cap on requests in one sync (Cost Explorer's cost $0.01 each).
MAX_REQUESTS = 500
THROTTLED: Final = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
    "TooManyRequestsException", "LimitExceededException", "SlowDown", "RequestThrottled",
    "RequestThrottledException", "ProvisionedThroughputExceededException"})
FAULTS: Final = frozenset({"InternalError", "InternalFailure", "InternalServerError",
                           "ServiceUnavailable", "ServiceUnavailableException"})
DENIED: Final = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                           "AllAccessDisabled"})
REFUSED: Final = frozenset({
    "InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId",
    "SignatureDoesNotMatch", "InvalidToken", "AuthFailure", "IncompleteSignature",
    "MissingAuthenticationToken", "InvalidSignatureException"})
EXPIRED: Final = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})

#: The settings every AWS source has.
SETTINGS: Final = (
    Setting("profile", "a named profile of the AWS configuration (SSO and role profiles "
                       "work); empty to use access keys kept in the keyring"),
    Setting("region", "the AWS region to call", DEFAULT_REGION),
    Setting("endpoint", "an endpoint override (a proxy, or a test server); empty for AWS's"),
)
SECRET: Final = "access keys (ACCESS_KEY_ID:SECRET_ACCESS_KEY; not needed with a profile)"


@dataclass(frozen=True)
class Keys:
    key_id: str
    secret_key: str
    token: str | None = None

    def hidden(self) -> list[str]:
        return [k for k in (self.key_id, self.secret_key, self.token or "") if k]


def keys(secret: str | None) -> Keys | None:
    """The access keys in a source's secret, or None when it has none."""
    text = (secret or "").strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.strip() for p in parts) or \
            any(c.isspace() or not c.isprintable() for c in text):
        raise UserError("the access keys are not ACCESS_KEY_ID:SECRET_ACCESS_KEY (an optional "
                        ":SESSION_TOKEN may follow): store them again with `worthit sources "
                        "key` and the source's name")
    return Keys(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


def endpoint(value: Any) -> str | None:
    """The endpoint override from the setting, or None for AWS's own. Plain HTTP only to
    this machine: signed requests carry the key id and any session token."""
    text = str(value or "").strip().rstrip("/")
    if not text:
        return None
    match = re.fullmatch(r"(https?)://(\[[^\]]+\]|[^/:?#\s]+)(:\d+)?(/[^?#\s]*)?", text)
    if match is None:
        raise UserError(f"the endpoint setting {text!r} is not an http(s) address like "
                        "https://ce.us-east-1.amazonaws.com")
    if match[1] == "http" and not is_loopback(match[2]):
        raise UserError(f"the endpoint setting {text!r} is plain http: signed requests and "
                        "session tokens would cross the network unencrypted; use https")
    return text


class Api:
    """One AWS service for one source: every call counted in ``found.requests``, retried on
    throttling and faults, stopped by a cancel, and turned into plain words when refused."""

    def __init__(self, service: str, title: str, settings: dict[str, Any], secret: str | None,
                 found: BillFile | None = None,
                 cancelled: Callable[[], bool] = lambda: False) -> None:
        import boto3
        import botocore.config
        import botocore.exceptions
        import botocore.session

        self.title, self.found, self.cancelled = title, found, cancelled
        self.requests = 0
        self.profile = str(settings.get("profile") or "").strip() or None
        self.keys = None if self.profile else keys(secret)
        self.endpoint = endpoint(settings.get("endpoint"))
        region = str(settings.get("region") or "").strip() or DEFAULT_REGION
        try:
            core = botocore.session.Session()
            core.register_component("data_loader", _loader())
            if self.profile:
                session = boto3.Session(profile_name=self.profile, region_name=region,
                                        botocore_session=core)
            elif self.keys:
                session = boto3.Session(aws_access_key_id=self.keys.key_id,
                                        aws_secret_access_key=self.keys.secret_key,
                                        aws_session_token=self.keys.token, region_name=region,
                                        botocore_session=core)
            else:
                session = boto3.Session(region_name=region, botocore_session=core)
            self.client = session.client(
                service, endpoint_url=self.endpoint, config=botocore.config.Config(
                    connect_timeout=TIMEOUT, read_timeout=TIMEOUT,
                    retries={"total_max_attempts": 1}, user_agent_extra="worthit"))
        except botocore.exceptions.BotoCoreError as error:
            raise UserError(self._setup(error)) from None

    def call(self, operation: str, action: str, **params: Any) -> dict[str, Any]:
        """``operation`` (a client method, e.g. ``get_cost_and_usage``), needing IAM
        ``action``: the answer, or a BadInput naming the API and what it said."""
        file = f"AWS {self.title} {_camel(operation)}"
        for attempt in range(1, TRIES + 1):
            if self.cancelled():
                raise Cancelled
            if self.requests >= MAX_REQUESTS:
                raise BadInput(f"more than {MAX_REQUESTS} requests in one sync; sync a shorter "
                               "period", file=file)
            self.requests += 1
            if self.found is not None:
                self.found.requests += 1
            answer, problem, wait = self._try(operation, action, params, file)
            if answer is not None:
                return answer
            if wait is not None and wait > MAX_WAIT:
                raise BadInput(f"{problem}, and asks to wait {wait:,.0f} s; sync again later",
                               file=file)
            if attempt == TRIES:
                raise BadInput(f"{problem}, {TRIES} times in a row; sync again later",
                               file=file)
            if wait is None:
                wait = min(MAX_WAIT, BACKOFF * 2 ** (attempt - 1) * (1 + random.random() / 2))
            pause(wait, self.cancelled)
        raise AssertionError("unreachable")

    def _try(self, operation: str, action: str, params: dict[str, Any], file: str
             ) -> tuple[dict[str, Any] | None, str, float | None]:
        """One attempt: the answer, or why to retry and how long the server asked to wait."""
        import botocore.exceptions as bx

        try:
            return getattr(self.client, operation)(**params), "", None
        except (bx.ConnectTimeoutError, bx.ReadTimeoutError):
            return None, f"{self.title} did not answer within {TIMEOUT:g} s", None
        except (bx.EndpointConnectionError, bx.ConnectionClosedError) as error:
            where = self.endpoint or "AWS"
            return None, (f"{self.title} could not be reached at {where} "
                          f"({type(error).__name__})"), None
        except bx.ClientError as error:
            code, said, status, headers = self._said(error)
            if code in THROTTLED or status == 429:
                return None, f"{self.title} is throttling these requests ({said})", \
                    retry_after(headers.get("retry-after"))
            if code in FAULTS or status >= 500:
                return None, f"{self.title} had a server error ({said})", \
                    retry_after(headers.get("retry-after"))
            raise BadInput(self._refusal(code, said, action, status), file=file) from None
        except bx.ParamValidationError:
            raise  # a bug of ours, not the user's to fix
        except bx.BotoCoreError as error:
            raise BadInput(self._setup(error), file=file) from None

    def _said(self, error: Any) -> tuple[str, str, int, dict[str, str]]:
        """The error code, "Code: message" cleaned, the HTTP status and headers."""
        response = getattr(error, "response", None) or {}
        detail = response.get("Error") or {}
        meta = response.get("ResponseMetadata") or {}
        code = str(detail.get("Code") or "")
        message = str(detail.get("Message") or "")
        status = int(meta.get("HTTPStatusCode") or 0)
        if message.lstrip().startswith("<"):  # an XML error where JSON was expected
            # (moto's IAM refusals for JSON-protocol services; some proxies)
            found = {tag: re.search(rf"<{tag}>([^<]*)</{tag}>", message)
                     for tag in ("Code", "Message")}
            code = found["Code"][1] if found["Code"] else code
            message = found["Message"][1] if found["Message"] else ""
        message = self.clean(message)
        if code.isdigit():
            code = ""
        said = ": ".join(p for p in (code or str(status or ""), message) if p)
        return code, said or "no reason given", status, dict(meta.get("HTTPHeaders") or {})

    def _refusal(self, code: str, said: str, action: str, status: int) -> str:
        how = f"the profile {self.profile!r}" if self.profile else \
            "the access keys" if self.keys else "the default AWS credentials"
        if code in DENIED or (status == 403 and code not in REFUSED | EXPIRED):
            return (f"{self.title} denied access ({said}): the identity of {how} needs the "
                    f"IAM permission {action}; ask an administrator to allow it")
        if code in REFUSED:
            fix = f"check {how}" if self.profile else \
                "replace them with `worthit sources key` and the source's name"
            return f"AWS refused {how} ({said}): {fix}"
        if code in EXPIRED:
            return f"the credentials of {how} have expired ({said}): {_renew(self.profile)}"
        return f"{self.title} refused the request ({said})"

    def _setup(self, error: Exception) -> str:
        """Plain words for a problem with the credentials or configuration themselves."""
        import botocore.exceptions as bx

        if isinstance(error, bx.ProfileNotFound):
            return (f"the profile {self.profile!r} is not in the AWS configuration "
                    "(~/.aws/config): check the source's profile setting")
        if isinstance(error, bx.NoCredentialsError):
            return ("no AWS credentials were found: set the source's profile setting, or "
                    "store access keys with `worthit sources key` and the source's name")
        if isinstance(error, bx.SSOError | bx.TokenRetrievalError):
            return f"the SSO sign-in has expired or never began: {_renew(self.profile)}"
        return f"the AWS credentials or configuration could not be used ({self.clean(str(error))})"

    def clean(self, text: str) -> str:
        """Untrusted text fit for a message: one short line, no key or token in it."""
        text = redact(text, self.keys.hidden() if self.keys else [])
        text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
        return text if len(text) <= 200 else text[:199] + "…"


def _renew(profile: str | None) -> str:
    if profile:
        return f"sign in again (for an SSO profile, `aws sso login --profile {profile}`)"
    return "store fresh access keys with `worthit sources key` and the source's name"


@functools.cache
def _loader() -> Any:
    """botocore's reader of service models, shared: each new session would otherwise parse
    the service's JSON model again (a tenth of a second for S3)."""
    from botocore.loaders import create_loader

    return create_loader()


def retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (AWS sends a number when it sends one)."""
    try:
        seconds = float(value or "")
    except ValueError:
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _camel(operation: str) -> str:
    return "".join(part.title() for part in operation.split("_"))


def pause(seconds: float, cancelled: Callable[[], bool]) -> None:
    """Wait, a tenth of a second at a time, so that a cancel need not wait too."""
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        if cancelled():
            raise Cancelled
        time.sleep(min(0.1, left))


__all__ = ["SECRET", "SETTINGS", "Api", "Keys", "endpoint", "keys", "pause"]


def needs_keys(settings: dict[str, Any]) -> bool:
    """Access keys are needed from the keyring unless a named profile is set (SSO and
    role profiles work through boto3's own configuration)."""
    return not str(settings.get("profile") or "").strip()

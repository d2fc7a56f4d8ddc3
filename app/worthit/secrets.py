"""API keys, kept in the operating system's keyring: the only module that touches a secret.

Worthit reads spend from provider APIs, and those need keys. A key is never written to the
workspace, the cache, a settings file or a log: it lives in the system keyring (Secret
Service on Linux, Keychain on macOS, Credential Locker on Windows) through the ``keyring``
library, under the service name ``"worthit"``, one entry per source with the source's name
(``"openai-prod"``) as the user name.

Keeping every touch of a secret here leaves one place to audit: nothing else imports
``keyring``, values are never logged (only source names are), and every error raised from
here is a :class:`SecretError` whose message is in plain words and holds no secret.
:func:`redact` and :class:`Redacted` scrub known secrets from any other text or log.

``keyring`` is imported on first use: it costs about 80 ms, which start-up need not pay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from worthit.core.errors import UserError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "worthit"
MASK = "••••"

log = logging.getLogger(__name__)


class SecretError(UserError):
    """The keyring is missing, locked or failing, or a key was refused. Never holds a secret."""


def store(source: str, secret: str) -> None:
    """Keep ``secret`` (surrounding whitespace and newlines removed) as the key of ``source``,
    replacing any key it had."""
    import keyring

    _check_source(source)
    value = secret.strip()
    if not value:
        raise SecretError(
            f"The API key for source {source!r} is empty: paste the key itself "
            "(spaces and newlines around it are ignored)."
        )
    try:
        keyring.set_password(SERVICE, source, value)
    except _backend_failures() as exc:
        raise _failure("store", source, exc, value) from None
    log.info("Stored the API key of source %r in the system keyring.", source)


def load(source: str) -> str | None:
    """The key of ``source``, or None when it has none."""
    import keyring

    _check_source(source)
    try:
        value = keyring.get_password(SERVICE, source)
    except _backend_failures() as exc:
        raise _failure("read", source, exc) from None
    log.debug("Looked up the API key of source %r: %s.", source,
              "found" if value is not None else "none stored")
    return value


def delete(source: str) -> None:
    """Forget the key of ``source``; nothing happens when it has none."""
    import keyring
    from keyring.errors import PasswordDeleteError

    _check_source(source)
    try:
        try:
            keyring.delete_password(SERVICE, source)
        except PasswordDeleteError:
            # Backends raise this both for "no such entry" and for a real failure.
            if keyring.get_password(SERVICE, source) is None:
                log.debug("Source %r had no API key to delete.", source)
                return
            raise
    except _backend_failures() as exc:
        raise _failure("delete", source, exc) from None
    log.info("Deleted the API key of source %r from the system keyring.", source)


def available() -> tuple[bool, str]:
    """Whether a usable keyring backend is in place, and in plain words which one or why not."""
    import keyring
    from keyring.backends import fail, null

    try:
        backend = keyring.get_keyring()
    except _backend_failures() as exc:
        return False, f"The system keyring could not be opened: {_describe(exc)}."
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False, (
            f"No system keyring was found (keyring fell back to its {_name(backend)!r} "
            "backend). On Linux install and unlock GNOME Keyring or KWallet."
        )
    try:
        # keyring's own test of a backend: its priority raises when it cannot work here.
        priority = backend.priority
    except Exception as exc:
        return False, f"The keyring backend {_name(backend)!r} cannot work here: {_describe(exc)}."
    if priority <= 0:
        return False, f"The keyring backend {_name(backend)!r} is not meant for use."
    return True, _name(backend)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by ``"••••"``.

    Secrets are matched without their surrounding whitespace, as :func:`store` keeps them;
    blank ones are ignored, and longer ones go first so a key that contains another is
    masked whole."""
    for secret in sorted({s.strip() for s in secrets} - {""}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class Redacted(logging.Filter):
    """A logging filter that masks the given secrets in each record's message and traceback.

    Add it to a handler (a logger's own filters do not see records from its children)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def _check_source(source: str) -> None:
    if not source.strip():
        raise SecretError("A source needs a name before Worthit can keep its API key.")


def _backend_failures() -> tuple[type[BaseException], ...]:
    """What a keyring backend raises when it cannot do its job.

    ``keyring`` wraps most failures in KeyringError, but the Secret Service backend lets
    through OSError (no D-Bus session bus at the address) and, now and then, an error of
    secretstorage or jeepney. Evaluated only when an exception is being matched."""
    from keyring.errors import KeyringError

    failures: list[type[BaseException]] = [KeyringError, OSError]
    try:
        from jeepney import DBusErrorResponse
        from secretstorage.exceptions import SecretStorageException
    except ImportError:  # not Linux
        pass
    else:
        failures += [SecretStorageException, DBusErrorResponse]
    return tuple(failures)


def _failure(action: str, source: str, exc: BaseException, secret: str = "") -> SecretError:
    from keyring.errors import KeyringLocked, NoKeyringError

    what = f"the API key of source {source!r}"
    if isinstance(exc, NoKeyringError):
        message = (
            f"Worthit cannot {action} {what}: no system keyring was found. On Linux install "
            "and unlock GNOME Keyring or KWallet; macOS and Windows have one built in."
        )
    elif isinstance(exc, KeyringLocked):
        message = (
            f"Worthit cannot {action} {what}: the system keyring is locked. Unlock it "
            "(log in to the desktop, or open your keyring manager) and try again."
        )
    else:
        message = (
            f"Worthit cannot {action} {what}: the system keyring failed "
            f"({_describe(exc)}). Check that it is running and unlocked, and try again."
        )
    log.info("Keyring failure for source %r: %s", source, type(exc).__name__)
    return SecretError(redact(message, [secret]))


def _describe(exc: BaseException) -> str:
    detail = str(exc).strip().rstrip(".")
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _name(backend: KeyringBackend) -> str:
    return str(backend.name)

"""API keys, kept in the operating system's keyring: the only module that touches a secret.

Worthit reads spend from provider APIs, and those need keys. A key is never written to the
workspace, the cache, a settings file or a log: it lives in the system keyring (Secret
Service on Linux, Keychain on macOS, Credential Locker on Windows) through the ``keyring``
library, under the service name ``"worthit"``.

**One entry per source and workspace.** Two workspaces may each have a source ``prod``
with its own key, so an entry's user name is ``"<workspace id>/<source>"``
(:func:`entry`); the id is made once per workspace and kept in its cache
(:func:`worthit.workspace.identity`), so it follows the folder when it moves. A copy of a
workspace folder keeps the id too, and so shares its keys with the original.

Worthit before workspace ids kept one entry per source name, shared by every workspace.
When a workspace gets its id, :func:`adopt` copies those bare entries into the workspace's
own entries for the sources it holds at that moment, and never looks at a bare entry
again: a source added later cannot pick up another workspace's key. The bare entries are
left in place, because another workspace from before may still need its copy; once every
workspace has been opened, ``keyring del worthit NAME`` removes them.

**Only a keyring that protects keys.** keyring falls back, without a word, to backends
that do not: keyrings.alt's plaintext file (keys in base64 in a file), or its null backend
(keys thrown away). Worthit refuses to store or read a key through any backend that
writes in plain text or that keyring itself rates below 1 (its "not recommended" ones),
unless ``WORTHIT_ALLOW_INSECURE_KEYRING=1`` is set; keyring's chainer, which would fall
through to such a backend when the real keyring refuses, is cut to the real ones. The null
backend is refused even then: a key given to it is lost. Deleting is allowed everywhere
it can work: removing a key from a weak store only helps. :func:`available` and
:func:`describe` say which backend holds the keys.

Keeping every touch of a secret here leaves one place to audit: nothing else imports
``keyring``, values are never logged (only source names are), and every error raised from
here is a :class:`SecretError` whose message is in plain words and holds no secret.
:func:`redact` and :class:`Redacted` scrub known secrets, and the obvious encodings of
them (percent-encoded, base64), from any other text or log.

``keyring`` is imported on first use: it costs about 80 ms, which start-up need not pay.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from worthit.core.errors import UserError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "worthit"
MASK = "••••"
#: Set to "1" to let Worthit keep keys in a keyring that does not protect them.
ALLOW_INSECURE = "WORTHIT_ALLOW_INSECURE_KEYRING"
#: The base64 of a shorter secret is short enough to turn up in unrelated text.
MIN_BASE64 = 6

log = logging.getLogger(__name__)


class SecretError(UserError):
    """The keyring is missing, locked, failing or unsafe, or a key was refused. Never holds
    a secret."""


def entry(source: str, *, workspace: str) -> str:
    """The keyring user name of the key of ``source`` in the workspace whose id is
    ``workspace``."""
    if not workspace.strip() or "/" in workspace:
        raise ValueError(f"not a workspace id: {workspace!r}")
    return f"{workspace}/{source}"


def store(source: str, secret: str, *, workspace: str) -> None:
    """Keep ``secret`` (surrounding whitespace and newlines removed) as the key of ``source``
    in ``workspace``, replacing any key it had."""
    _check_source(source)
    value = secret.strip()
    if not value:
        raise SecretError(
            f"The API key for source {source!r} is empty: paste the key itself "
            "(spaces and newlines around it are ignored)."
        )
    backend = _backend("store", source, value)
    try:
        backend.set_password(SERVICE, entry(source, workspace=workspace), value)
    except _backend_failures() as exc:
        raise _failure("store", source, exc, value) from None
    log.info("Stored the API key of source %r in %s.", source, _name(backend))


def load(source: str, *, workspace: str) -> str | None:
    """The key of ``source`` in ``workspace``, or None when it has none."""
    _check_source(source)
    backend = _backend("read", source)
    try:
        value = backend.get_password(SERVICE, entry(source, workspace=workspace))
    except _backend_failures() as exc:
        raise _failure("read", source, exc) from None
    log.debug("Looked up the API key of source %r: %s.", source,
              "found" if value is not None else "none stored")
    return value


def delete(source: str, *, workspace: str) -> None:
    """Forget the key of ``source`` in ``workspace``; nothing happens when it has none."""
    _check_source(source)
    backend = _backend("delete", source, refuse_weak=False)
    try:
        _delete(backend, entry(source, workspace=workspace))
    except _backend_failures() as exc:
        raise _failure("delete", source, exc) from None
    log.info("Deleted the API key of source %r from %s.", source, _name(backend))


@contextmanager
def replacing(source: str, secret: str, *, workspace: str) -> Iterator[None]:
    """``secret`` stored as the key of ``source`` for the block; when the block raises, the
    key the source had before is put back (or the entry deleted, if it had none), so a
    refused change never costs a key."""
    _check_source(source)
    name = entry(source, workspace=workspace)
    backend = _backend("store", source, secret)
    try:
        before = backend.get_password(SERVICE, name)
    except _backend_failures() as exc:
        raise _failure("read", source, exc) from None
    store(source, secret, workspace=workspace)
    try:
        yield
    except BaseException:
        try:
            if before is None:
                _delete(backend, name)
            else:
                backend.set_password(SERVICE, name, before)
        except _backend_failures() as exc:
            log.warning("Could not put back the previous API key of source %r: %s",
                        source, type(exc).__name__)
        else:
            log.info("Put back the previous API key of source %r.", source)
        raise


def adopt(sources: Iterable[str], *, workspace: str) -> list[str]:
    """Copy the keys Worthit before workspace ids kept under the bare source name into
    ``workspace``'s entries, for those of ``sources`` that have one there and none of their
    own; returns the sources copied. Copies nothing, and leaves nothing, when it fails."""
    names = [source for source in sources if source.strip()]
    if not names:
        return []
    what = "the API keys of this workspace's sources"
    backend = _backend("read", "", what=what)
    copied: list[str] = []
    try:
        for source in names:
            old = backend.get_password(SERVICE, source)
            name = entry(source, workspace=workspace)
            if old is None or backend.get_password(SERVICE, name) is not None:
                continue
            backend.set_password(SERVICE, name, old)
            copied.append(source)
    except _backend_failures() as exc:
        for source in copied:
            try:
                _delete(backend, entry(source, workspace=workspace))
            except _backend_failures():
                log.warning("Could not delete the copied API key of source %r.", source)
        raise _failure("read", "", exc, what=what) from None
    if copied:
        log.info("Copied the API keys of sources %s from the entries shared by every "
                 "workspace into this workspace's.", ", ".join(map(repr, copied)))
    return copied


def forget(sources: Iterable[str], *, workspace: str) -> None:
    """Delete the keys of ``sources`` in ``workspace``, as far as the keyring lets it
    (for undoing an :func:`adopt` whose workspace id was not kept)."""
    for source in sources:
        try:
            delete(source, workspace=workspace)
        except SecretError as error:
            log.warning("%s", error)


def available() -> tuple[bool, str]:
    """Whether a keyring Worthit will use is in place, and in plain words which one
    (:func:`describe`) or why not."""
    from keyring.backends import fail, null

    try:
        backend, weakness = _pick()
    except _backend_failures() as exc:
        return False, f"The system keyring could not be opened: {_describe(exc)}."
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False, (
            f"No system keyring was found (keyring fell back to its {_name(backend)!r} "
            "backend). On Linux install and unlock GNOME Keyring or KWallet."
        )
    try:
        # keyring's own test of a backend: its priority raises when it cannot work here.
        _ = backend.priority
    except Exception as exc:
        return False, f"The keyring backend {_name(backend)!r} cannot work here: {_describe(exc)}."
    if weakness and not _weak_allowed():
        return False, (f"The keyring backend {_name(backend)!r} does not protect keys: "
                       f"{weakness}. {_ADVICE}")
    return True, describe(backend, weakness)


def describe(backend: KeyringBackend | None = None, weakness: str | None = None) -> str:
    """Which keyring backend holds the keys, in words, saying so when it does not protect
    them (allowed by ``WORTHIT_ALLOW_INSECURE_KEYRING``)."""
    if backend is None:
        backend, weakness = _pick()
    if weakness:
        return f"{_name(backend)} (NOT protected: {weakness}; allowed by {ALLOW_INSECURE}=1)"
    return _name(backend)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by ``"••••"``.

    Secrets are matched without their surrounding whitespace, as :func:`store` keeps them;
    blank ones are ignored. Each is also matched as a URL or a form would carry it
    (percent-encoded, hex in either case, ``+`` for a space), as JSON writes it, and in
    base64 (standard and URL-safe, with or without padding): a server that echoes a key
    back seldom does so verbatim. Longer forms go first, so a key that contains another
    is masked whole."""
    forms = {form for secret in secrets for form in _forms(secret.strip())}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
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


def _forms(secret: str) -> set[str]:
    """``secret`` as written and in each encoding :func:`redact` masks (not cached: a cache
    would keep every secret it saw for the life of the process)."""
    import base64
    import json
    import re
    from urllib.parse import quote, quote_plus

    if not secret:
        return set()
    forms = {secret, json.dumps(secret)[1:-1], quote(secret), quote(secret, safe=""),
             quote_plus(secret)}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in forms}
    raw = secret.encode()
    if len(raw) >= MIN_BASE64:
        encoded = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
        forms |= encoded | {e.rstrip("=") for e in encoded}
    return forms


_ADVICE = ("Install and unlock a system keyring (GNOME Keyring or KWallet on Linux; macOS "
           f"and Windows have one built in), or set {ALLOW_INSECURE}=1 to accept this one.")


def _weak_allowed() -> bool:
    return os.environ.get(ALLOW_INSECURE, "").strip() == "1"


def _weakness(backend: KeyringBackend) -> str | None:
    """Why ``backend`` does not protect keys, in plain words, or None when it does (or
    when it cannot work here at all: its own calls then fail, saying why)."""
    from keyring.backends import fail, null

    if isinstance(backend, null.Keyring):
        return "it throws every key away"
    if isinstance(backend, fail.Keyring):
        return None
    if "plaintext" in type(backend).__name__.lower():
        return "it writes keys unencrypted (base64) to a file"
    try:
        priority = backend.priority
    except Exception:
        return None
    if priority < 1:
        return f"keyring does not recommend it (priority {priority:g})"
    return None


def _pick() -> tuple[KeyringBackend, str | None]:
    """The backend Worthit uses, and why it does not protect keys (None when it does).

    It is keyring's choice, except that keyring's chainer (chosen when several backends are
    installed) is cut to its protecting backends: it would otherwise write a key a locked
    Secret Service refuses to the next in line, keyrings.alt's plaintext file."""
    import keyring
    from keyring.backends.chainer import ChainerBackend

    chosen = keyring.get_keyring()
    if isinstance(chosen, ChainerBackend):
        chain = list(chosen.backends)
        safe = [b for b in chain if _weakness(b) is None]
        if safe and len(safe) < len(chain):
            return safe[0], None
        if chain and not safe:
            return chain[0], _weakness(chain[0])
    return chosen, _weakness(chosen)


def _backend(action: str, source: str, secret: str = "", *, refuse_weak: bool = True,
             what: str | None = None) -> KeyringBackend:
    """The backend to ``action`` a key with, or a SecretError saying why Worthit will not."""
    from keyring.backends import null

    what = what or f"the API key of source {source!r}"
    try:
        backend, weakness = _pick()
    except _backend_failures() as exc:
        raise _failure(action, source, exc, secret, what=what) from None
    if isinstance(backend, null.Keyring):
        raise SecretError(
            f"Worthit cannot {action} {what}: no system keyring was found (keyring fell back "
            f"to its {_name(backend)!r} backend, which throws every key away). On Linux "
            "install and unlock GNOME Keyring or KWallet; macOS and Windows have one built in."
        )
    if weakness and refuse_weak and not _weak_allowed():
        raise SecretError(redact(
            f"Worthit will not {action} {what}: the keyring in use, {_name(backend)!r}, "
            f"does not protect keys ({weakness}). {_ADVICE}", [secret]))
    return backend


def _delete(backend: KeyringBackend, name: str) -> None:
    """Delete the entry ``name``; quiet when there is none."""
    from keyring.errors import PasswordDeleteError

    try:
        backend.delete_password(SERVICE, name)
    except PasswordDeleteError:
        # Backends raise this both for "no such entry" and for a real failure.
        if backend.get_password(SERVICE, name) is None:
            return
        raise


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


def _failure(action: str, source: str, exc: BaseException, secret: str = "", *,
             what: str | None = None) -> SecretError:
    from keyring.errors import KeyringLocked, NoKeyringError

    what = what or f"the API key of source {source!r}"
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
    log.info("Keyring failure for %s: %s", what, type(exc).__name__)
    return SecretError(redact(message, [secret]))


def _describe(exc: BaseException) -> str:
    detail = str(exc).strip().rstrip(".")
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _name(backend: KeyringBackend) -> str:
    return str(backend.name)

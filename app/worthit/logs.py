"""The log file a user can attach to a bug report: rotating, in the platform's log folder,
and scrubbed of secrets.

The GUI and ``worthit --self-test`` call :func:`setup`. The file is ``worthit.log`` in
``platformdirs.user_log_path("Worthit", appauthor=False)`` (``~/.local/state/Worthit/log``
on Linux, ``~/Library/Logs/Worthit`` on macOS, ``%LOCALAPPDATA%\\Worthit\\Logs`` on
Windows), at most 1 MB, with three older files beside it.

No secret reaches it. Its handler carries a :class:`Scrubbed` filter: a
:class:`worthit.secrets.Redacted` that also masks anything shaped like an API key or a
bearer token, and to which code that holds a key adds it with :func:`scrub` for the rest
of the run. Worthit's own records are kept from INFO up, other libraries' from WARNING;
the console shows no more than it did before.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import platform
import re
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TextIO

from worthit import APP_NAME, __version__
from worthit.secrets import MASK, Redacted

FILE_NAME = "worthit.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"

#: Shapes of credentials that must never be written even when nobody registered them:
#: OpenAI and Anthropic keys (sk-..., sk-ant-..., sk-admin-...), AWS access key ids,
#: Google API keys, and the value of an Authorization header.
KEY_SHAPES = re.compile(
    r"\bsk-[A-Za-z0-9_\-]{16,}"
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"
    r"|\bAIza[0-9A-Za-z_\-]{35}\b"
    r"|(?i:\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=\-]{12,}"
)

_lock = threading.Lock()


class _State:
    handler: logging.handlers.RotatingFileHandler | None = None


_state = _State()


def log_dir() -> Path:
    """The folder Worthit's log files are in (created by :func:`setup`)."""
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, appauthor=False)


def log_file() -> Path:
    return log_dir() / FILE_NAME


class Scrubbed(Redacted):
    """:class:`worthit.secrets.Redacted`, plus the key shapes of :data:`KEY_SHAPES`, with
    secrets that can be added while the handler is in use."""

    def add(self, secrets: Iterable[str]) -> None:
        with _lock:
            known = {*self.secrets, *(s.strip() for s in secrets)} - {""}
            self.secrets = tuple(known)

    def filter(self, record: logging.LogRecord) -> bool:
        super().filter(record)  # formats the message and traceback, masks known secrets
        record.msg = KEY_SHAPES.sub(_mask_match, str(record.msg))
        if record.exc_text:
            record.exc_text = KEY_SHAPES.sub(_mask_match, record.exc_text)
        return True


def _mask_match(match: re.Match[str]) -> str:
    """Keep the word "Bearer" (it says what was masked), mask the rest."""
    text = match.group(0)
    scheme, space, _ = text.partition(" ")
    return f"{scheme} {MASK}" if space and scheme.lower() in {"bearer", "basic"} else MASK


class _PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log, each of its files readable by its owner only (0600): it names
    accounts, sources and files, even with secrets masked."""

    def _open(self) -> TextIO:
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with contextlib.suppress(OSError):  # a file from before: narrow it too
            os.chmod(self.baseFilename, 0o600)
        return open(descriptor, self.mode, encoding=self.encoding,
                    errors=self.errors)


def setup(level: int = logging.INFO) -> Path:
    """Write Worthit's log to the rotating file (once per process); returns its path.

    When the folder cannot be written (a read-only home, a full disk), logging goes on
    without the file and a warning says so on the console."""
    path = log_file()
    with _lock:
        if _state.handler is not None:
            return path
        root = logging.getLogger()
        console_level = root.getEffectiveLevel()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = _PrivateFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        except OSError as error:
            logging.getLogger(__name__).warning("No log file: %s", error)
            return path
        scrubbed = Scrubbed(())
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(scrubbed)
        for existing in root.handlers:
            if type(existing) is logging.StreamHandler:  # the console (logging.basicConfig)
                existing.addFilter(scrubbed)  # no key on the terminal either
                if existing.level == logging.NOTSET:
                    # Raising worthit's level below must not make the console chattier.
                    existing.setLevel(console_level)
        root.addHandler(handler)
        logging.getLogger("worthit").setLevel(min(level, console_level))
        logging.captureWarnings(True)
        _state.handler = handler
    logging.getLogger(__name__).info(
        "%s %s started: Python %s on %s (%s), frozen=%s", APP_NAME, __version__,
        platform.python_version(), platform.platform(), platform.machine(),
        bool(getattr(sys, "frozen", False)))
    return path


def active_file() -> Path | None:
    """The file this process logs to, or None before :func:`setup` (or when it failed)."""
    handler = _state.handler
    return Path(handler.baseFilename) if handler is not None else None


def scrub(*secrets: str) -> None:
    """Mask these values in every later line of the log file (for example a key the user
    just typed). A no-op before :func:`setup`."""
    handler = _state.handler
    if handler is None:
        return
    for found in handler.filters:
        if isinstance(found, Scrubbed):
            found.add(secrets)


def log_uncaught() -> None:
    """Also write exceptions that escape into Qt's event loop or a thread to the log (the
    hooks that were in place still run after)."""
    previous, previous_thread = sys.excepthook, threading.excepthook
    if getattr(previous, "worthit_logs", False):
        return

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        logging.getLogger("worthit").critical("Uncaught exception", exc_info=(kind, value, tb))
        previous(kind, value, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            logging.getLogger("worthit").critical(
                "Uncaught exception in thread %s", getattr(args.thread, "name", "?"),
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        previous_thread(args)

    hook.worthit_logs = True  # type: ignore[attr-defined]
    sys.excepthook, threading.excepthook = hook, thread_hook


def flush() -> None:
    if _state.handler is not None:
        _state.handler.flush()


def shutdown() -> None:
    """Detach and close the file handler (tests, and the end of a self-test)."""
    with _lock:
        if _state.handler is None:
            return
        root = logging.getLogger()
        root.removeHandler(_state.handler)
        for scrubbed in [f for f in _state.handler.filters if isinstance(f, Scrubbed)]:
            for existing in root.handlers:
                existing.removeFilter(scrubbed)
        _state.handler.close()
        _state.handler = None
        logging.captureWarnings(False)

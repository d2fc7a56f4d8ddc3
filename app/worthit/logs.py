"""The log file a user can attach to a bug report: rotating, in the platform's log folder,
and scrubbed of secrets.

``worthit --self-test`` calls :func:`setup`. The GUI calls :func:`begin` before its window
and :func:`setup` a moment later (:data:`worthit.ui.app.SETTLE_MS`): what is logged before
is held in memory and written first (an error opens the file at once), so neither the
first paint nor the first figures wait for the rotating handler's modules or the file
(together about 12 ms; the platform's description alone 5 ms, ``platform.platform()``
running ``uname -p``).

The file is ``worthit.log`` in ``platformdirs.user_log_path("Worthit", appauthor=False)``
(``~/.local/state/Worthit/log`` on Linux, ``~/Library/Logs/Worthit`` on macOS,
``%LOCALAPPDATA%\\Worthit\\Logs`` on Windows), at most 1 MB, with three older files
beside it.

No secret reaches it. Its handler carries a :class:`Scrubbed` filter: a
:class:`worthit.secrets.Redacted` that also masks anything shaped like an API key or a
bearer token, and to which code that holds a key adds it with :func:`scrub` for the rest
of the run. Worthit's own records are kept from INFO up, other libraries' from WARNING;
the console shows no more than it did before.

No data reaches it either. A message is written up to its first line break and at most
:data:`MESSAGE_CHARS` characters; an exception as its traceback's file, line and code,
with each exception's type and the start of its message (never its locals). A data frame
or a result put into a message (a failed emit chained to the ``StopIteration`` that
carries a page's result printed a megabyte of rows, account ids and ARNs) stops at the
first line.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from worthit import APP_NAME, __version__
from worthit.secrets import MASK, Redacted

if TYPE_CHECKING:
    import logging.handlers

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

#: How much of a message, or of an exception's message, the log keeps.
MESSAGE_CHARS = 500
EXCEPTION_CHARS = 200

_lock = threading.Lock()


class _State:
    handler: logging.FileHandler | None = None  # the rotating file's
    held: _Held | None = None


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
        if record.exc_info and record.exc_info[1] is not None:
            # Always: a handler that ran before this one may have cached the whole text.
            record.exc_text = brief_traceback(record.exc_info[1])
        record.msg, record.args = brief(record.getMessage(), MESSAGE_CHARS), None
        super().filter(record)  # masks known secrets in the message and traceback
        record.msg = KEY_SHAPES.sub(_mask_match, str(record.msg))
        if record.exc_text:
            record.exc_text = KEY_SHAPES.sub(_mask_match, record.exc_text)
        return True


def brief(text: str, limit: int) -> str:
    """``text`` up to its first line break and ``limit`` characters, saying how much was
    left out."""
    kept = text.partition("\n")[0][:limit]
    left = len(text) - len(kept)
    return f"{kept} … ({left:,} more characters not logged)" if left else kept


def brief_traceback(error: BaseException) -> str:
    """A traceback as Python prints it (the chain of causes included), but each
    exception's message cut by :func:`brief`: frames name files, lines and code, never
    values, so only a message can carry data."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, (
                "The above exception was the direct cause of the following exception:")
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, (
                "During handling of the above exception, another exception occurred:")
        else:
            current = None
    parts: list[str] = []
    for number, (exception, _) in enumerate(reversed(chain)):
        if number:
            parts.append(f"\n{chain[len(chain) - number][1]}\n\n")
        if exception.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(exception.__traceback__))
        parts.append(f"{_name(type(exception))}: {_message(exception)}\n")
    return "".join(parts).rstrip("\n")


def _name(kind: type[BaseException]) -> str:
    module = kind.__module__
    return kind.__qualname__ if module in {"builtins", "__main__"} else \
        f"{module}.{kind.__qualname__}"


def _message(error: BaseException) -> str:
    if isinstance(error, StopIteration):
        return "(a generator's result, not logged)"
    try:
        text = str(error)
    except Exception:  # a broken __str__ must not lose the traceback
        return "(message could not be read)"
    return brief(text, EXCEPTION_CHARS)


def _mask_match(match: re.Match[str]) -> str:
    """Keep the word "Bearer" (it says what was masked), mask the rest."""
    text = match.group(0)
    scheme, space, _ = text.partition(" ")
    return f"{scheme} {MASK}" if space and scheme.lower() in {"bearer", "basic"} else MASK


def _private_file_handler(path: Path) -> logging.FileHandler:
    """The rotating log at ``path``, each of its files readable by its owner only (0600):
    it names accounts, sources and files, even with secrets masked."""
    import logging.handlers

    class PrivateFileHandler(logging.handlers.RotatingFileHandler):
        def _open(self) -> TextIO:
            descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                                 0o600)
            with contextlib.suppress(OSError):  # a file from before: narrow it too
                os.chmod(self.baseFilename, 0o600)
            return open(descriptor, self.mode, encoding=self.encoding,
                        errors=self.errors)

    return PrivateFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                              encoding="utf-8")


class _Held(logging.Handler):
    """What is logged between :func:`begin` and :func:`setup`, kept in order for the
    file; from an error on (or once the file is open) passed on to the file. Its lock is
    taken before ``_lock``, never after."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []
        self.target: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:  # with this handler's lock held
        if self.target is not None:
            self.target.handle(record)
            return
        self.records.append(record)
        if record.levelno >= logging.ERROR:  # what went wrong is on disk at once
            self.open()

    def open(self) -> None:
        """Open the file (unless open) and write the records kept so far to it; later
        records go straight to it."""
        with self.lock or contextlib.nullcontext():
            if self.target is not None:
                return
            with _lock:
                if _state.handler is None:
                    _state.handler = _open_file(self.level)
                self.target = _state.handler
            if self.target is not None:
                for record in self.records:
                    self.target.handle(record)
                self.records.clear()


class _Platform:
    """The platform's description, worked out when the record is written (in the file's
    handler, after the first paint), not when it is logged."""

    def __str__(self) -> str:
        import platform

        return f"{platform.platform()} ({platform.machine()})"


def _levels(level: int) -> None:
    """Worthit's own records from ``level`` up (never making the console chattier),
    warnings logged. With ``_lock`` held."""
    root = logging.getLogger()
    console_level = root.getEffectiveLevel()
    logging.getLogger("worthit").setLevel(min(level, console_level))
    logging.captureWarnings(True)


def _started() -> None:
    logging.getLogger(__name__).info(
        "%s %s started: Python %s on %s, frozen=%s", APP_NAME, __version__,
        sys.version.split()[0], _Platform(), bool(getattr(sys, "frozen", False)))


def begin(level: int = logging.INFO) -> None:
    """Hold what is logged from now on for the file :func:`setup` opens later (the app:
    after its first paint); an error opens it at once. A no-op once the file is open."""
    with _lock:
        if _state.handler is not None or _state.held is not None:
            return
        _state.held = _Held(level)
        logging.getLogger().addHandler(_state.held)
        _levels(level)
    _started()


def setup(level: int = logging.INFO) -> Path:
    """Write Worthit's log to the rotating file (once per process); returns its path.
    What was held since :func:`begin` is written first.

    When the folder cannot be written (a read-only home, a full disk), logging goes on
    without the file and a warning says so on the console."""
    path = log_file()
    root = logging.getLogger()
    with _lock:
        held, _state.held = _state.held, None
    if held is not None:  # begun: the levels were set and the start logged then
        held.open()
        with _lock:
            # The file's handler in the held one's place: a record being handled meets
            # one of them (the held one passes it on), never both.
            at = root.handlers.index(held) if held in root.handlers else None
            if at is not None and _state.handler is not None:
                root.handlers[at] = _state.handler
            elif at is not None:
                root.removeHandler(held)
        return path
    with _lock:
        if _state.handler is not None:
            return path
        _state.handler = _open_file(level)
        if _state.handler is None:
            return path
        root.addHandler(_state.handler)
        _levels(level)
    _started()
    return path


def _open_file(level: int) -> logging.FileHandler | None:
    """The file's handler, scrubbing, at ``level``; None (said on the console) when the
    file cannot be opened. With ``_lock`` held."""
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _private_file_handler(path)
    except OSError as error:
        logging.getLogger(__name__).warning("No log file: %s", error)
        return None
    scrubbed = Scrubbed(())
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(scrubbed)
    root = logging.getLogger()
    console_level = root.getEffectiveLevel()
    for existing in root.handlers:
        if type(existing) is logging.StreamHandler:  # the console (logging.basicConfig)
            existing.addFilter(scrubbed)  # no key on the terminal either
            if existing.level == logging.NOTSET:
                # Raising worthit's level below must not make the console chattier.
                existing.setLevel(console_level)
    return handler


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
        if previous is sys.__excepthook__:  # Python's own would print every message whole
            _print_brief(value)
        else:
            previous(kind, value, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            logging.getLogger("worthit").critical(
                "Uncaught exception in thread %s", getattr(args.thread, "name", "?"),
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        if previous_thread is threading.__excepthook__ and args.exc_value is not None:
            _print_brief(args.exc_value)
        else:
            previous_thread(args)

    hook.worthit_logs = True  # type: ignore[attr-defined]
    sys.excepthook, threading.excepthook = hook, thread_hook


def _print_brief(error: BaseException) -> None:
    if sys.stderr is not None:  # none in a windowed frozen app
        with contextlib.suppress(Exception):
            sys.stderr.write(brief_traceback(error) + "\n")


def flush() -> None:
    if _state.handler is not None:
        _state.handler.flush()


def shutdown() -> None:
    """Detach and close the file handler (tests, and the end of a self-test)."""
    with _lock:
        root = logging.getLogger()
        if _state.held is not None:
            root.removeHandler(_state.held)
            _state.held = None
        if _state.handler is None:
            return
        root.removeHandler(_state.handler)
        for scrubbed in [f for f in _state.handler.filters if isinstance(f, Scrubbed)]:
            for existing in root.handlers:
                existing.removeFilter(scrubbed)
        _state.handler.close()
        _state.handler = None
        logging.captureWarnings(False)

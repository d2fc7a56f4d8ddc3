"""One HTTP call bounded in time and in size, whatever the server does: how
:mod:`worthit.sources.http` reads the vendors' answers, and the webhook its endpoint's.

httpx's timeout is per read, so a server that trickles a byte every few seconds keeps a call
going for ever; and it reads a whole answer into memory, so a huge one, or a small gzip
that inflates to gigabytes, takes the machine's. :func:`get` reads the body as it comes
and stops with :class:`Overrun` past :data:`MAX_BYTES` (counted after decompression) or
:data:`DEADLINE` seconds after the call began. The deadline holds while a read waits too:
when it passes, a timer shuts the call's connection, which ends the read at once. Only
gzip and deflate are asked for, and each is inflated a bounded piece at a time (httpx
inflates a whole network read at once, over a thousand times its size for gzip)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import httpx

#: Seconds one call may take in all, from connecting to the body's last byte.
DEADLINE = 120.0
#: The most bytes an answer may hold, counted after decompression (a page of usage or
#: costs holds a few hundred kilobytes).
MAX_BYTES = 64 * 2**20
#: The compressions asked for: those :func:`get` inflates a bounded piece at a time.
ACCEPT_ENCODING: Final = "gzip, deflate"


class Overrun(Exception):
    """An answer that went past a bound (or came in a compression that cannot be inflated
    within one), in words that follow the API's name ("OpenAI took more than 120 s to
    answer ...")."""


@dataclass(frozen=True)
class Answer:
    """An answer read whole, within the bounds."""

    status: int
    reason: str
    #: httpx's headers: case-insensitive.
    headers: Mapping[str, str]
    body: bytes | bytearray


class Line:
    """The connection a client's calls go over, as far as one call after another can tell:
    a call on a kept-alive connection makes none, so the last answer's is the one."""

    def __init__(self) -> None:
        self.sock: Any = None

    def note(self, response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        if stream is not None:
            self.sock = stream.get_extra_info("socket")


class Watch:
    """A call's deadline, kept while a read waits: when it passes, a timer shuts the call's
    connection (a waiting read then ends at once) and marks the watch ``expired``."""

    def __init__(self, seconds: float, line: Line) -> None:
        self.seconds, self.line = seconds, line
        self.until = time.monotonic() + seconds
        self.expired = self._done = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Watch:
        self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension: a new connection, once made (and once under TLS,
        which takes over the plain socket), is the call's."""
        if event.endswith((".connect_tcp.complete", ".start_tls.complete")):
            stream = info.get("return_value")
            with self._lock:
                self.line.sock = stream.get_extra_info("socket") if stream else None

    def check(self, received: int) -> None:
        if self.expired or time.monotonic() > self.until:
            raise self.overrun(received)

    def overrun(self, received: int) -> Overrun:
        so_far = f"{received:,} bytes of it by then" if received else "none of it by then"
        return Overrun(f"took more than {self.seconds:g} s to answer ({so_far}): a server "
                       "that slow is stuck or trickling its answer; sync again later, and "
                       "check the source's endpoint setting if it stays so")

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            sock = self.line.sock
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed
                    sock.shutdown(socket.SHUT_RDWR)


def get(client: httpx.Client, path: str, params: Mapping[str, Any], line: Line) -> Answer:
    """One GET of ``path``, its answer read whole within the bounds: :class:`Overrun` past
    one, httpx's own errors otherwise."""
    return request(client, "GET", path, line, params=params)


def request(client: httpx.Client, method: str, path: str, line: Line, *,
            params: Mapping[str, Any] | None = None, json: Any = None) -> Answer:
    """One call (a GET, or a POST of ``json``), its answer read whole within the bounds:
    :class:`Overrun` past one, httpx's own errors otherwise."""
    import httpx

    with Watch(DEADLINE, line) as watch:
        received = 0
        try:
            with client.stream(method, path, params=params, json=json,
                               headers={"Accept-Encoding": ACCEPT_ENCODING},
                               extensions={"trace": watch.trace}) as response:
                line.note(response)
                body = bytearray()
                for piece in _pieces(response, watch):
                    body += piece
                    received = len(body)
        except httpx.TransportError:
            if watch.expired:
                raise watch.overrun(received) from None
            raise
        if watch.expired:  # the shut connection ended the body early: it is not whole
            raise watch.overrun(received)
    return Answer(response.status_code, response.reason_phrase, response.headers, body)


def _pieces(response: httpx.Response, watch: Watch) -> Iterator[bytes]:
    """The body's bytes as they come, inflated, refused past :data:`MAX_BYTES`."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        inflate = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # a gzip or zlib header
    else:
        raise Overrun(f"answered in a compression Worthit does not read ({encoding[:40]!r}; "
                      f"it asked for {ACCEPT_ENCODING})")
    declared = response.headers.get("Content-Length", "")
    if inflate is None and declared.isdigit() and int(declared) > MAX_BYTES:
        raise _too_large(False)
    size = 0
    for raw in response.iter_raw():  # each network read as it comes, at most 64 kB
        watch.check(size)
        chunk = raw
        while chunk:
            if inflate is None:
                piece, chunk = chunk, b""
            else:
                try:  # at most one byte past the cap, however much the chunk inflates to
                    piece = inflate.decompress(chunk, MAX_BYTES - size + 1)
                except zlib.error as error:
                    raise Overrun(f"sent a {encoding} answer that does not inflate "
                                  f"({error})") from None
                chunk = b"" if inflate.eof else inflate.unconsumed_tail
            size += len(piece)
            if size > MAX_BYTES:
                raise _too_large(inflate is not None)
            yield piece


def _too_large(inflated: bool) -> Overrun:
    return Overrun(f"sent an answer of more than {MAX_BYTES / 2**20:g} MB"
                   f"{' once inflated' if inflated else ''}, far more than a page of usage "
                   "or costs holds: check the source's endpoint setting")


__all__ = ["ACCEPT_ENCODING", "DEADLINE", "MAX_BYTES", "Answer", "Line", "Overrun",
           "Watch", "get"]

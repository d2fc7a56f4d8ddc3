"""Python's cyclic garbage collector paused while a bulk job allocates millions of
objects that form no cycles (a large import's rows of sums, keys and bound values).

With the collector on, every 700 allocations start a young collection and, as the heap
grows, full ones that walk every object held (the keys, the templates): 0.45 s of the
5 M-line bench's import. Reference counting still frees what the job drops; a cycle made
meanwhile is collected once the collector runs again."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator


class _Pauses:
    """The paused blocks running (in any thread), and whether the collector was on
    before the first of them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_enabled = False


_PAUSES = _Pauses()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (and for any other thread's paused block running
    meanwhile), then back as it was before the first of them began."""
    with _PAUSES.lock:
        if _PAUSES.depth == 0:
            _PAUSES.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSES.depth += 1
    try:
        yield
    finally:
        with _PAUSES.lock:
            _PAUSES.depth -= 1
            if _PAUSES.depth == 0 and _PAUSES.was_enabled:
                gc.enable()

"""The Overview's first figures remembered beside the cache, for the next start.

Computing them takes the charge index, pandas and the analysis (0.25 s on the demo, 0.5 s
at 10 M charges) although, most starts, nothing they read has changed since they were last
computed. So the figures of the last few periods computed are written to a file beside the
cache (``worthit.sqlite.first-figures.json``), each under a key naming everything it was
computed from:

- the cache: its identity, its charges revision and its write stamp (every row any
  process writes to any other table leaves a new one: :mod:`worthit.store.meta`), which
  cover the charges, rules, units and their counts, rates and the display currency;
- the period;
- the code that computed them: Worthit's version and, run from source, the newest
  modification of its non-UI modules (a frozen app: its executable's);
- genai-prices' data (:func:`worthit.pricing.remembered.data_stamp`).

The figures are used only under an equal key, so they are the figures a computation would
give now, to the bit (floats are written by their shortest exact text). A file that
cannot be read or does not match is ignored, and one that cannot be written is not kept:
the figures are then computed, as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from worthit import __version__
from worthit.analysis.first_figures import FirstFigures, compute
from worthit.store.meta import write_stamp

if TYPE_CHECKING:
    from worthit.core.periods import Period
    from worthit.store.cache import Cache

log = logging.getLogger(__name__)

#: The file beside the cache (its name + this).
SUFFIX: Final = ".first-figures.json"
#: The shape of the file: a new one when :class:`FirstFigures`' JSON changes shape.
FORMAT: Final = 1
#: How many periods' figures are kept for one state of the cache (the newest).
KEPT: Final = 4


def path_of(cache: Cache) -> Path:
    return cache.path.with_name(cache.path.name + SUFFIX)


@functools.cache
def code_stamp() -> str:
    """What identifies the code computing figures: the version and, from source, its
    modules' :func:`modules_stamp` (computed once per process; about a millisecond)."""
    if getattr(sys, "frozen", False):
        try:
            stat = Path(sys.executable).stat()
        except OSError:
            return __version__
        return f"{__version__} frozen {stat.st_size}-{stat.st_mtime_ns}"
    return f"{__version__} {modules_stamp(Path(__file__).resolve().parent.parent)}"


def modules_stamp(root: Path) -> str:
    """How many Python modules ``root`` holds outside its ``ui`` folder, and the newest
    modification time among them: a module edited, added or removed changes it."""
    newest, count = 0, 0
    for folder, children, files in os.walk(root):
        children[:] = [c for c in children if c not in ("ui", "__pycache__")]
        for name in files:
            if name.endswith(".py"):
                try:
                    newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime_ns)
                except OSError:
                    continue
                count += 1
    return f"{count}-{newest}"


def key_of(cache: Cache, period: Period) -> dict[str, Any]:
    """Everything the first figures of ``period`` are computed from (see the module)."""
    from worthit.pricing.remembered import data_stamp

    return {"format": FORMAT, "cache": cache.identity, "revision": cache.revision,
            "stamp": write_stamp(cache), "period": [period.start.isoformat(),
                                                     period.end.isoformat()],
            "code": code_stamp(), "prices": data_stamp()}


def _entries(cache: Cache) -> list[dict[str, Any]]:
    """The file's entries (newest first), none when there is no file; an unreadable one
    raises OSError or ValueError."""
    try:
        stored = json.loads(path_of(cache).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    entries = stored.get("entries") if isinstance(stored, dict) else None
    if not isinstance(entries, list):
        raise ValueError("no list of entries")
    return [e for e in entries if isinstance(e, dict)]


def recall(cache: Cache, key: dict[str, Any]) -> FirstFigures | None:
    """The figures remembered under ``key`` (:func:`key_of`), or None."""
    if key["stamp"] is None:  # a cache too old to have a stamp: no state to name
        return None
    try:
        for entry in _entries(cache):
            if entry.get("key") == key:
                return FirstFigures.of_json(entry["figures"])
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        log.info("Remembered first figures unreadable (%s): computing them", error)
    return None


def remember(cache: Cache, key: dict[str, Any], figures: FirstFigures) -> None:
    """Keep ``figures`` for the next start under ``key`` (:func:`key_of`, taken before
    they were computed: when the cache was written meanwhile, the key no longer matches
    and nothing is kept), with those of up to :data:`KEPT` - 1 other periods of the same
    state of the cache (every other entry could never match again)."""
    period = key["period"]
    if key["stamp"] is None or key != key_of(cache, _period(period)):
        return  # written to meanwhile: these figures may be of neither state
    try:
        kept = [e for e in _entries(cache)
                if isinstance(e.get("key"), dict) and e["key"].get("period") != period
                and {**e["key"], "period": period} == key][:KEPT - 1]
    except (OSError, ValueError):
        kept = []
    path = path_of(cache)
    partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    text = json.dumps({"entries": [{"key": key, "figures": figures.to_json()}, *kept]})
    try:
        # Private as the cache is: the figures are the workspace's spend.
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                       "w", encoding="utf-8") as file:
            file.write(text)
        partial.replace(path)  # another process's, or ours: never half
    except OSError as error:
        log.info("First figures not remembered (%s)", error)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def holds_figures(cache: Cache) -> bool:
    """Whether figures of some period are remembered for this state of the cache (the
    window's first period is then, most likely, among them)."""
    try:
        entries = _entries(cache)
    except (OSError, ValueError):
        return False
    from worthit.core.periods import Period

    state = key_of(cache, Period(dt.date.min, dt.date.min))  # its period set aside below
    return state["stamp"] is not None and any(
        isinstance(e.get("key"), dict) and {**e["key"], "period": state["period"]} == state
        for e in entries)


def _period(pair: list[str]) -> Period:
    from worthit.core.periods import Period

    return Period(dt.date.fromisoformat(pair[0]), dt.date.fromisoformat(pair[1]))


def first_figures_of(cache: Cache, period: Period) -> FirstFigures:
    """The Overview's first figures of ``period``: remembered for this state of the
    cache, else computed (and remembered)."""
    key = key_of(cache, period)
    found = recall(cache, key)
    if found is None:
        found = compute(cache, period)
        remember(cache, key, found)
    return found

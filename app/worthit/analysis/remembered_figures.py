"""The Overview's figures remembered beside the cache, for the next start.

Computing them takes the charge index, pandas and the analysis (0.25 s on the demo, 0.5 s
at 10 M charges; the leak findings 0.5 to 1.4 s more) although, most starts, nothing they
read has changed since they were last computed. So the figures of the last few periods
computed, each step's (:data:`FIRST`, :data:`LEAKS`), are written to a file beside the cache
(``worthit.sqlite.first-figures.json``), each under a key naming everything it was computed
from:

- the cache: its identity, its charges revision and its write stamp (every row any
  process writes to any other table leaves a new one: :mod:`worthit.store.meta`), which
  cover the charges, rules, units and their counts, rates, the display currency, the leak
  thresholds and the findings' states;
- the period, and for the leaks the day (a snoozed finding comes back on a day, and a
  commitment's days left count from today);
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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from worthit import __version__
from worthit.analysis.first_figures import FirstFigures, LeakSummary, compute, compute_leaks
from worthit.store.meta import write_stamp

if TYPE_CHECKING:
    from worthit.core.periods import Period
    from worthit.store.cache import Cache

log = logging.getLogger(__name__)
T = TypeVar("T", FirstFigures, LeakSummary)

#: The file beside the cache (its name + this).
SUFFIX: Final = ".first-figures.json"
#: The shape of the file: a new one when :class:`FirstFigures`' JSON changes shape.
FORMAT: Final = 1
#: How many periods' figures of each step are kept for one state of the cache (the newest).
KEPT: Final = 4
#: The steps: the first figures (:class:`FirstFigures`), then the leaks'
#: (:class:`LeakSummary`).
FIRST: Final = "first"
LEAKS: Final = "leaks"
#: What names an entry within one state of the cache (the rest of its key names the state).
_WITHIN: Final = ("step", "period", "day")


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


def key_of(cache: Cache, period: Period, step: str = FIRST) -> dict[str, Any]:
    """Everything ``step``'s figures of ``period`` are computed from (see the module)."""
    from worthit.pricing.remembered import data_stamp

    key = {"format": FORMAT, "cache": cache.identity, "revision": cache.revision,
           "stamp": write_stamp(cache), "code": code_stamp(), "prices": data_stamp(),
           "step": step, "period": [period.start.isoformat(), period.end.isoformat()]}
    if step == LEAKS:
        key["day"] = today().isoformat()
    return key


def today() -> dt.date:
    """The UTC day, as the findings' states count it."""
    return dt.datetime.now(dt.UTC).date()


def _state(key: dict[str, Any]) -> dict[str, Any]:
    """The state of the cache (and code) a key names, its step, period and day set aside."""
    return {k: v for k, v in key.items() if k not in _WITHIN}


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
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("key"), dict)]


def recall(cache: Cache, key: dict[str, Any], kind: type[T]) -> T | None:
    """The figures remembered under ``key`` (:func:`key_of`), or None."""
    if key["stamp"] is None:  # a cache too old to have a stamp: no state to name
        return None
    try:
        for entry in _entries(cache):
            if entry["key"] == key:
                return kind.of_json(entry["figures"])
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        log.info("Remembered figures unreadable (%s): computing them", error)
    return None


def remember(cache: Cache, key: dict[str, Any], figures: FirstFigures | LeakSummary) -> None:
    """Keep ``figures`` for the next start under ``key`` (:func:`key_of`, taken before
    they were computed: when the cache was written meanwhile, the key no longer matches
    and nothing is kept), with the newest of the other entries of the same state of the
    cache, up to :data:`KEPT` per step (entries of other states could never match
    again)."""
    period = key["period"]
    if key["stamp"] is None or key != key_of(cache, _period(period), key["step"]):
        return  # written to meanwhile: these figures may be of neither state
    try:
        others = [e for e in _entries(cache) if _state(e["key"]) == _state(key)
                  and (e["key"].get("step"), e["key"].get("period")) != (key["step"], period)]
    except (OSError, ValueError):
        others = []
    counts = {key["step"]: 1}
    kept = []
    for entry in others:
        step = entry["key"].get("step")
        if counts.get(step, 0) < KEPT:
            counts[step] = counts.get(step, 0) + 1
            kept.append(entry)
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
        log.info("Figures not remembered (%s)", error)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def holds_figures(cache: Cache) -> bool:
    """Whether first figures of some period are remembered for this state of the cache
    (the window's first period is then, most likely, among them)."""
    try:
        entries = _entries(cache)
    except (OSError, ValueError):
        return False
    from worthit.core.periods import Period

    state = _state(key_of(cache, Period(dt.date.min, dt.date.min)))
    return state["stamp"] is not None and any(
        e["key"].get("step") == FIRST and _state(e["key"]) == state for e in entries)


def _period(pair: list[str]) -> Period:
    from worthit.core.periods import Period

    return Period(dt.date.fromisoformat(pair[0]), dt.date.fromisoformat(pair[1]))


def _remembered(cache: Cache, key: dict[str, Any], kind: type[T],
                computed: Callable[[], T]) -> T:
    found = recall(cache, key, kind)
    if found is None:
        found = computed()
        remember(cache, key, found)
    return found


def first_figures_of(cache: Cache, period: Period) -> FirstFigures:
    """The Overview's first figures of ``period``: remembered for this state of the
    cache, else computed (and remembered)."""
    return _remembered(cache, key_of(cache, period), FirstFigures,
                       lambda: compute(cache, period))


def leak_summary_of(cache: Cache, period: Period) -> LeakSummary:
    """What the open leak findings of the 30 days to ``period``'s end could save, today:
    remembered for this state of the cache, else computed (and remembered)."""
    key = key_of(cache, period, LEAKS)
    day = dt.date.fromisoformat(key["day"])
    return _remembered(cache, key, LeakSummary, lambda: compute_leaks(cache, period, day))

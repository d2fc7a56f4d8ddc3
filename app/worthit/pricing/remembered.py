"""genai-prices' answers remembered on disk, one file per version of its data.

Every process that prices tokens imported genai-prices (pydantic, httpx and its 1.6 MB
table: 0.13 s of a cold one-second report) to learn the same answers again: a model's
rates on a day, or that it has none. Those answers depend on genai-prices' data only, so
they are kept in the user's cache folder, in a file named after genai-prices' data file
(its size and modification time): another genai-prices is another file. A file that
cannot be read is ignored and one that cannot be written is not; the answers are then
asked of genai-prices, as before. Where genai-prices' files cannot be found (a frozen
app keeps modules in an archive), nothing is remembered.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import importlib.util
import json
import os
import threading
from pathlib import Path
from typing import Any, Final

#: A model's rates (input, output, cached_input, cache_write, cache_write_1h; None where
#: it has none) and genai-prices' id of it; None: genai-prices has no price for it.
Answer = tuple[dict[str, float | None], str] | None
RATES: Final = ("input", "output", "cached_input", "cache_write", "cache_write_1h")
#: What :meth:`Remembered.get` returns for a question never answered.
UNKNOWN: Final = object()


def folder() -> Path:
    """Where the answers are kept (the user's cache folder)."""
    from platformdirs import user_cache_path

    return user_cache_path("Worthit", appauthor=False) / "genai-prices"


def data_stamp() -> str | None:
    """genai-prices' data file's size and modification time, found without importing it
    (None where there is no such file)."""
    try:
        spec = importlib.util.find_spec("genai_prices")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        try:
            stat = (Path(location) / "data.py").stat()
        except OSError:
            continue
        return f"{stat.st_size}-{stat.st_mtime_ns}"
    return None


class Remembered:
    """The answers kept in ``path`` (read when first asked, written at exit if new)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._answers: dict[str, Any] | None = None
        self.version: str | None = None
        self._new = False
        self._lock = threading.Lock()

    def _loaded(self) -> dict[str, Any]:
        if self._answers is None:
            self._answers = {}
            if self.path is not None:
                try:
                    stored = json.loads(self.path.read_text(encoding="utf-8"))
                    if isinstance(stored.get("answers"), dict):
                        self._answers = stored["answers"]
                        self.version = stored.get("version")
                except (OSError, ValueError, AttributeError):
                    pass  # none yet, or unreadable: asked again
        return self._answers

    def get(self, provider_id: str, model: str, day: dt.date) -> Answer | object:
        """The answer remembered, or :data:`UNKNOWN`."""
        with self._lock:
            answers = self._loaded()
            if _key(provider_id, model, None) in answers:  # no price on any day
                return None
            found = answers.get(_key(provider_id, model, day), UNKNOWN)
        if found is UNKNOWN or found is None:
            return found
        *rates, model_id = found
        return dict(zip(RATES, rates, strict=True)), str(model_id)

    def put(self, provider_id: str, model: str, day: dt.date | None, answer: Answer,
            version: str) -> None:
        """Remember ``answer`` (``day`` None: the model has no price on any day)."""
        stored = None if answer is None else [*(answer[0][r] for r in RATES), answer[1]]
        with self._lock:
            self._loaded()[_key(provider_id, model, day)] = stored
            self.version = version
            if not self._new and self.path is not None:
                atexit.register(self.save)
            self._new = True

    def save(self) -> None:
        """Write the answers (whole, replacing the file) if any are new."""
        with self._lock:
            if not self._new or self.path is None:
                return
            text = json.dumps({"version": self.version, "answers": self._answers})
            self._new = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            partial.write_text(text, encoding="utf-8")
            partial.replace(self.path)  # another process's answers, or ours: never half
        except OSError:
            pass  # not kept: asked again next time


def _key(provider_id: str, model: str, day: dt.date | None) -> str:
    return f"{provider_id}\t{model}\t{'' if day is None else day.isoformat()}"


@functools.cache
def remembered() -> Remembered:
    """This process's answers, in the file of the genai-prices installed."""
    stamp = data_stamp()
    return Remembered(None if stamp is None else folder() / f"{stamp}.json")

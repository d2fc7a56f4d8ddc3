"""Model prices: the maintained genai-prices catalog, Worthit's dated layer for what it
lacks (``resources/prices/models.json``: batch multipliers, smaller tiers), and the user's
overrides (negotiated rates), in that order of precedence reversed: an override wins.

Prices are USD per million tokens, looked up as of the usage day. Worthit's token columns
are disjoint (``x_input_tokens`` is uncached input only), so each count meets exactly one
rate here; genai-prices' own ``calc_price`` counts cached tokens inside input, which is why
this module reads its per-token rates rather than calling it. Rates are the base tier
(requests under a long-context threshold, such as Anthropic's 200k tokens).

A model without a price is *unpriced*: :meth:`Catalog.price` returns None and callers
leave its cost out with a warning, never at $0.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from worthit.paths import resource
from worthit.pricing.remembered import UNKNOWN, Answer, remembered

TOKEN_KINDS: Final = ("input", "cached_input", "cache_write", "output")
MILLION: Final = 1_000_000.0


@dataclass(frozen=True, slots=True)
class Price:
    """One model's rates. ``cached_input`` None: no prompt caching; ``cache_write`` None:
    cache writes are not billed (OpenAI, Nova); ``batch`` None: no batch tier."""

    provider: str  # FOCUS ProviderName (who bills it)
    model: str
    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None  # a 5-minute write where there are two
    cache_write_1h: float | None = None
    batch: float | None = None  # multiplier for batch traffic, e.g. 0.5
    as_of: dt.date | None = None
    source: str = ""

    def rate(self, kind: str, *, ttl: str = "5m") -> float:
        """USD per million tokens of one kind (0 for kinds this model does not bill)."""
        if kind == "input":
            return self.input
        if kind == "output":
            return self.output
        if kind == "cached_input":
            return self.input if self.cached_input is None else self.cached_input
        if kind == "cache_write":
            write = self.cache_write_1h if ttl == "1h" else self.cache_write
            if ttl == "1h" and write is None:
                write = self.cache_write
            return 0.0 if write is None else write
        raise ValueError(f"unknown token kind {kind!r}")


@dataclass(frozen=True, slots=True)
class Override:
    """The user's rates for one model (None keeps the catalog's)."""

    provider: str
    model: str
    input: float | None = None
    cached_input: float | None = None
    cache_write: float | None = None
    cache_write_1h: float | None = None
    output: float | None = None
    batch: float | None = None
    note: str = ""


@functools.cache
def _layer() -> dict[str, Any]:
    with resource("prices", "models.json").open(encoding="utf-8") as file:
        return json.load(file)  # type: ignore[no-any-return]


def _decimal(value: Any) -> float | None:
    """A genai-prices rate: a number, a tiered price (its base), or None."""
    if value is None:
        return None
    base = getattr(value, "base", value)
    return float(base)


class Catalog:
    """Look up prices; keeps the genai-prices snapshot and caches lookups per day."""

    def __init__(self, overrides: Mapping[tuple[str, str], Override] | None = None) -> None:
        self.overrides = dict(overrides or {})
        layer = _layer()
        self.layer_as_of = dt.date.fromisoformat(layer["as_of"])
        #: FOCUS ProviderName -> genai-prices provider id.
        self.provider_ids: dict[str, str] = layer["providers"]
        self._batch: dict[str, dict[str, Any]] = layer["batch"]
        self._smaller: dict[str, list[str]] = layer["smaller"]
        self._own = {(m["provider"], m["model"]): m for m in layer["models"]}
        self._cache: dict[tuple[str, str, dt.date], Price | None] = {}

    def price(self, provider: str, model: str, day: dt.date) -> Price | None:
        key = (provider, model, day)
        if key not in self._cache:
            base = self._base(provider, model, day)
            self._cache[key] = self._apply_override(provider, model, base)
        return self._cache[key]

    def smaller(self, model: str) -> list[str]:
        """Cheaper tiers of the same family, largest first (may be unpriced)."""
        return list(self._smaller.get(model, ()))

    def batch_source(self, provider: str) -> str:
        return str(self._batch.get(provider, {}).get("source", ""))

    # -- layers ---------------------------------------------------------------------------

    def _base(self, provider: str, model: str, day: dt.date) -> Price | None:
        batch = self._batch.get(provider, {}).get("multiplier")
        own = self._own.get((provider, model))
        if own is not None:
            return Price(provider, model, float(own["input"]), float(own["output"]),
                         own.get("cached_input"), own.get("cache_write"),
                         own.get("cache_write_1h"), batch, self.layer_as_of,
                         f"Worthit price list ({self.layer_as_of})")
        found = _genai_price(self.provider_ids.get(provider), model, day)
        if found is None:
            return None
        rates, model_id = found
        return Price(provider, model, rates["input"], rates["output"], rates["cached_input"],
                     rates["cache_write"], rates["cache_write_1h"], batch, day,
                     f"genai-prices {_genai_version()} ({self.provider_ids.get(provider)}/"
                     f"{model_id})")

    def _apply_override(self, provider: str, model: str, base: Price | None) -> Price | None:
        override = self.overrides.get((provider, model))
        if override is None:
            return base
        if base is None:
            if override.input is None or override.output is None:
                return None  # an override needs input and output to price an unknown model
            base = Price(provider, model, override.input, override.output)
        changes = {k: getattr(override, k) for k in
                   ("input", "cached_input", "cache_write", "cache_write_1h", "output", "batch")
                   if getattr(override, k) is not None}
        note = f": {override.note}" if override.note else ""
        return replace(base, **changes, source=f"your rate{note}")


@functools.cache
def _genai_version() -> str:
    """genai-prices' version: as remembered with its answers, else as installed."""
    known = remembered().version
    if known is not None:
        return known
    from importlib.metadata import version

    return version("genai-prices")


@functools.lru_cache(maxsize=1024)
def _genai_model(provider_id: str | None, model: str) -> Any | None:
    """genai-prices' entry for the model (None: it has none). Found once per model: the
    search matches every model's patterns (0.4 ms a call; a whole range of days priced
    one by one took 2.5 s)."""
    if provider_id is None:
        return None
    from genai_prices import data_snapshot  # pydantic and a large table: off start-up

    snapshot = data_snapshot.get_snapshot()
    try:
        _provider, info = snapshot.find_provider_model(model, None, provider_id, None)
    except LookupError:
        return None
    return info


@functools.lru_cache(maxsize=4096)
def _genai_price(provider_id: str | None, model: str, day: dt.date) -> Answer:
    """The rates genai-prices has for the model on ``day`` (its price history), as
    remembered on disk (:mod:`worthit.pricing.remembered`) or asked of it."""
    if provider_id is None:
        return None
    memory = remembered()
    found = memory.get(provider_id, model, day)
    if found is not UNKNOWN:
        return found  # type: ignore[return-value]  # an Answer: UNKNOWN is the only other
    info = _genai_model(provider_id, model)
    if info is None:
        memory.put(provider_id, model, None, None, _genai_version())
        return None
    answer = _rates(info, day)
    memory.put(provider_id, model, day, answer, _genai_version())
    return answer


def _rates(info: Any, day: dt.date) -> Answer:
    """genai-prices' rates of a model (``info``) on ``day``."""
    at = dt.datetime.combine(day, dt.time(12), dt.UTC)
    prices = info.get_prices(at)
    rates = {
        "input": _decimal(prices.input_mtok),
        "output": _decimal(prices.output_mtok),
        "cached_input": _decimal(prices.cache_read_mtok),
        "cache_write": _decimal(prices.cache_write_mtok),
        "cache_write_1h": _decimal(getattr(prices, "cache_write_1h_mtok", None)),
    }
    if rates["input"] is None or rates["output"] is None:
        if rates["input"] is None:
            return None
        rates["output"] = 0.0  # embeddings bill input only
    return rates, str(info.id)

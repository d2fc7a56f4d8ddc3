"""Model-swap scenarios: what-if changes to a feature's AI traffic, as plain data.

A scenario is applied in order: *routes* first (a share of one model's traffic priced as
another model, the same tokens), then *caching* (a share of a model's uncached input read
from a prompt cache instead, with one cache write per ``reads_per_write`` reads), then
*batch* (a share of a model's traffic at the vendor's batch price). Models are named
``(provider, model)``, as in the bill."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from worthit.core.errors import UserError

ModelRef = tuple[str, str]  # (FOCUS provider name, model id)
LEVER_KINDS: Final = ("route", "cache", "batch")
TTLS: Final = ("5m", "1h")


@dataclass(frozen=True, slots=True)
class Lever:
    kind: str  # route | cache | batch
    model: ModelRef  # the model whose traffic changes
    share: float  # 0..1 of that model's traffic (route, batch) or uncached input (cache)
    to: ModelRef | None = None  # route: the model that takes the share
    ttl: str = "5m"  # cache: how long a written prefix lives (Anthropic bills 1h at 2×)
    reads_per_write: float = 10.0  # cache: reads of a prefix per write of it

    def describe(self) -> str:
        share = f"{self.share * 100:.0f} %"
        if self.kind == "route":
            assert self.to is not None
            return f"route {share} of {self.model[1]} to {self.to[1]}"
        if self.kind == "cache":
            return (f"cache {share} of {self.model[1]}'s uncached input "
                    f"({self.ttl} cache, {self.reads_per_write:g} reads per write)")
        return f"send {share} of {self.model[1]} to batch"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "model": list(self.model),
                               "share": self.share}
        if self.kind == "route":
            assert self.to is not None
            out["to"] = list(self.to)
        if self.kind == "cache":
            out["ttl"] = self.ttl
            out["reads_per_write"] = self.reads_per_write
        return out


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    feature: str | None  # None: all AI spend
    levers: tuple[Lever, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "feature": self.feature,
                "levers": [lever.to_json() for lever in self.levers]}


def _model(raw: object, where: str) -> ModelRef:
    if (isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == 2
            and all(isinstance(part, str) and part for part in raw)):
        return (str(raw[0]), str(raw[1]))
    raise UserError(f"{where}: expected [provider, model], got {raw!r}")


def lever_from_json(raw: object, where: str) -> Lever:
    if not isinstance(raw, Mapping):
        raise UserError(f"{where}: expected a mapping, got {raw!r}")
    kind = raw.get("kind")
    if kind not in LEVER_KINDS:
        raise UserError(f"{where}, field 'kind': expected one of {', '.join(LEVER_KINDS)}")
    share = raw.get("share")
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise UserError(f"{where}, field 'share': expected a number from 0 to 1, got {share!r}")
    model = _model(raw.get("model"), f"{where}, field 'model'")
    to = _model(raw.get("to"), f"{where}, field 'to'") if kind == "route" else None
    ttl = raw.get("ttl", "5m")
    if ttl not in TTLS:
        raise UserError(f"{where}, field 'ttl': expected 5m or 1h, got {ttl!r}")
    reads = raw.get("reads_per_write", 10.0)
    if isinstance(reads, bool) or not isinstance(reads, int | float) or reads < 1:
        raise UserError(f"{where}, field 'reads_per_write': expected a number of 1 or more")
    return Lever(str(kind), model, float(share), to, str(ttl), float(reads))


def scenario_from_json(raw: object, where: str = "scenario") -> Scenario:
    if not isinstance(raw, Mapping):
        raise UserError(f"{where}: expected a mapping with name, feature and levers")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise UserError(f"{where}, field 'name': every scenario needs a name")
    feature = raw.get("feature")
    if feature is not None and not isinstance(feature, str):
        raise UserError(f"{where}, field 'feature': expected a feature name or null")
    levers = raw.get("levers") or []
    if not isinstance(levers, list):
        raise UserError(f"{where}, field 'levers': expected a list")
    return Scenario(name.strip(), feature, tuple(
        lever_from_json(item, f"{where} ('{name.strip()}'), lever {n}")
        for n, item in enumerate(levers, 1)))

"""Where each key's cost lands in a FOCUS export: the Allocation page's own shares per team
and feature (:class:`worthit.analysis.allocation.Allocation`'s pieces, one truth), and a
charge's figures divided among them so that its rows add up to it exactly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from worthit.analysis.allocation import REASONS
from worthit.core.rules import UNALLOCATED

if TYPE_CHECKING:
    from worthit.analysis.allocation import Allocation

#: AllocatedMethodId by rule kind (split rules by how they split).
ASSIGN: Final = "worthit:assign"
POOL: Final = "worthit:pool"
SPLIT: Final = "worthit:split-{by}"


@dataclass(frozen=True, slots=True)
class Share:
    """A part of a key's cost and the node it lands on: team and feature as the page
    names them (Unallocated and its reason included), the rule that sent it there and how
    (:data:`ASSIGN`, :data:`POOL` or a :data:`SPLIT`; None when no rule claims it)."""

    team: str
    feature: str
    ratio: float
    rule: str | None = None
    method: str | None = None

    @property
    def unallocated(self) -> bool:
        return self.team == UNALLOCATED


#: A key no rule claims and the page has no piece for (none, while the index holds it).
UNCLAIMED: Final = Share(UNALLOCATED, REASONS["no_rule"][0], 1.0)


def shares(result: Allocation) -> dict[int, list[Share]]:
    """Key id -> the shares of its cost in the allocation's period, in the page's order."""
    rules = {rule.name: rule for rule in result.rules}
    pieces = result.pieces
    out: dict[int, list[Share]] = {}
    for key_id, rule_name, team, feature, ratio in zip(
            pieces["key_id"], pieces["rule"], pieces["team"], pieces["feature"],
            pieces["share"], strict=True):
        if not ratio:
            continue  # the previous period's part of a split
        rule = rules.get(rule_name) if isinstance(rule_name, str) else None
        method = None if rule is None else ASSIGN if rule.kind == "assign" else \
            POOL if rule.kind == "pool" else SPLIT.format(by=rule.split_by)
        out.setdefault(int(key_id), []).append(
            Share(str(team), str(feature), float(ratio), rule.name if rule else None, method))
    return out


def split(values: dict[str, Any], ratios: list[float], *,
          whole: bool = False) -> list[dict[str, Any]]:
    """``values`` (figures, None where not stated) divided by ``ratios``: each share its
    ratio's part (rounded when ``whole``), the last the remainder, so that the shares add
    up to the value."""
    if len(ratios) == 1:
        return [values]
    out: list[dict[str, Any]] = [{} for _ in ratios]
    last = len(ratios) - 1
    for name, value in values.items():
        taken: float = 0
        for number, ratio in enumerate(ratios):
            if value is None:
                out[number][name] = None
                continue
            part = value * ratio
            part = value - taken if number == last else round(part) if whole else part
            taken += part
            out[number][name] = part
    return out

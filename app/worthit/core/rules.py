"""Allocation rules: what a rule says, how it is written down, and how a bad one is named.

A rule set is an ordered list; the first enabled rule whose conditions all hold claims a
charge. An *assign* rule gives the charge a team and a feature, each either written out or
read from one of the charge's tags. A *split* rule shares the charge among targets in
proportion to their direct spend, evenly, or by fixed percentages. A *pool* rule marks a
charge as shared cost whose split is not decided yet, so it stays visibly unallocated.

Rules are written as plain mappings (YAML or JSON files, the cache's JSON columns)::

    - name: NAT gateway
      match: {service: Amazon Virtual Private Cloud, resource: "*natgateway*"}
      split: {by: direct}            # all teams, by their direct spend
    - name: Tagged resources
      match: {tag_present: team}
      team: {tag: team}
      feature: {tag: feature}

Text conditions are case-insensitive shell patterns (``*``, ``?``, ``[ab]``); a list means
any of them. ``customer`` and ``agent`` look at request traces (who a request served, which
agent made it): charges carry neither, so on a charge they never hold, and only assign
rules may use them (:mod:`worthit.analysis.trace_owners` gives trace rows their owner).
Everything here is pure data: no Qt, no SQL.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypedDict

from worthit.core.errors import BadInput, UserError

#: Condition name -> the charge columns it looks at (any of them may match).
TEXT_CONDITIONS: Final[dict[str, tuple[str, ...]]] = {
    "provider": ("provider_name",),
    "service": ("service_name",),
    "category": ("service_category",),
    "account": ("billing_account_id", "sub_account_id", "sub_account_name"),
    "region": ("region_id",),
    "resource": ("resource_id",),
    # Vendor usage (OpenAI, Anthropic, ...) carries the API key id as its resource id.
    "api_key": ("resource_id",),
    "usage_type": ("x_usage_type",),
    "charge_category": ("charge_category",),
    "model": ("x_model",),
    # The vendor's project or workspace (OpenAI project, Anthropic workspace, GCP project).
    "project": ("sub_account_id",),
    # Columns of request traces only: no charge has them, so they never hold on one.
    "customer": (),
    "agent": (),
}
#: Condition name -> the column of a trace row it looks at; the other conditions look at
#: what a trace row does not have, so they never hold on one.
TRACE_CONDITIONS: Final[dict[str, str]] = {
    "provider": "provider",
    "model": "model",
    "api_key": "api_key",
    "customer": "customer",
    "agent": "agent",
}
#: Conditions that hold on trace rows only: a split or pool rule (which shares charges)
#: using one would claim nothing anywhere.
TRACE_ONLY: Final = tuple(name for name, columns in TEXT_CONDITIONS.items() if not columns)
CONDITION_LABELS: Final[dict[str, str]] = {
    "tag": "Tag equals",
    "tag_present": "Tag present",
    "account": "Account / project / workspace",
    "provider": "Provider",
    "service": "Service",
    "category": "Service category",
    "model": "Model",
    "usage_type": "Usage type",
    "resource": "Resource id",
    "api_key": "API key",
    "project": "Project / workspace id",
    "region": "Region",
    "charge_category": "Charge category",
    "customer": "Customer (traces)",
    "agent": "Agent (traces)",
}
KINDS: Final = ("assign", "split", "pool")
SPLIT_METHODS: Final[dict[str, str]] = {
    "direct": "in proportion to direct spend",
    "even": "evenly",
    "percent": "by fixed percentages",
}
#: The allocation tree's root (its path) and how it is named; its top-level node for spend
#: nobody owns, which no rule may name a team.
ROOT: Final[tuple[str, ...]] = ()
ROOT_NAME: Final = "All spend"
UNALLOCATED: Final = "Unallocated"
NO_FEATURE: Final = "(no feature)"


class RuleError(UserError):
    """A rule that cannot be used, naming the rule and the field."""


@dataclass(frozen=True, slots=True)
class Pick:
    """A team or feature: written out (``value``) or read from a tag (``tag``)."""

    value: str | None = None
    tag: str | None = None

    def to_json(self) -> str | dict[str, str]:
        return {"tag": self.tag} if self.tag is not None else str(self.value)

    def describe(self) -> str:
        return f"tag {self.tag}" if self.tag is not None else str(self.value)


@dataclass(frozen=True, slots=True)
class Target:
    """One recipient of a split: a team, optionally one of its features, and for
    ``percent`` splits its share."""

    team: str
    feature: str | None = None
    percent: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"team": self.team}
        if self.feature is not None:
            out["feature"] = self.feature
        if self.percent is not None:
            out["percent"] = self.percent
        return out


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    kind: str = "assign"
    #: condition name -> patterns; for ``tag``: "tag:KEY" -> patterns; ``tag_present``: keys.
    match: tuple[tuple[str, tuple[str, ...]], ...] = ()
    team: Pick | None = None
    feature: Pick | None = None
    split_by: str | None = None
    targets: tuple[Target, ...] = ()
    enabled: bool = True

    def conditions(self) -> dict[str, tuple[str, ...]]:
        return dict(self.match)

    def to_json(self) -> dict[str, Any]:
        """The mapping this rule is written as (files and the cache)."""
        out: dict[str, Any] = {"name": self.name}
        if not self.enabled:
            out["enabled"] = False
        out["match"] = match_to_json(self.match)
        if self.kind == "assign":
            assert self.team is not None
            out["team"] = self.team.to_json()
            if self.feature is not None:
                out["feature"] = self.feature.to_json()
        elif self.kind == "split":
            split: dict[str, Any] = {"by": self.split_by}
            if self.targets:
                split["targets"] = [t.to_json() for t in self.targets]
            out["split"] = split
        else:
            out["pool"] = True
        return out

    def describe(self) -> str:
        """One line for lists: what it matches and where it sends it."""
        what = describe_match(self.match)
        if self.kind == "assign":
            assert self.team is not None
            to = self.team.describe()
            if self.feature is not None:
                to += f" / {self.feature.describe()}"
            return f"{what} → {to}"
        if self.kind == "split":
            whom = ", ".join(
                t.team + (f"/{t.feature}" if t.feature else "")
                + (f" {t.percent:g} %" if t.percent is not None else "")
                for t in self.targets
            ) or "all teams"
            return f"{what} → split {SPLIT_METHODS[self.split_by or 'direct']} across {whom}"
        return f"{what} → shared pool, not split yet"


def match_to_json(match: Sequence[tuple[str, tuple[str, ...]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    tags: dict[str, Any] = {}
    for name, patterns in match:
        value: Any = patterns[0] if len(patterns) == 1 else list(patterns)
        if name.startswith("tag:"):
            tags[name[4:]] = value
        else:
            out[name] = value
    if tags:
        out["tag"] = tags
    return out


def describe_match(match: Sequence[tuple[str, tuple[str, ...]]]) -> str:
    if not match:
        return "Everything"
    parts = []
    for name, patterns in match:
        shown = " or ".join(patterns)
        if name.startswith("tag:"):
            parts.append(f"tag {name[4:]} = {shown}")
        elif name == "tag_present":
            parts.append(f"has tag {shown}")
        else:
            parts.append(f"{CONDITION_LABELS[name].lower()} {shown}")
    return ", ".join(parts)


# -- reading rules -----------------------------------------------------------------------


@dataclass(slots=True)
class _Reader:
    """Reads one rule mapping, naming the rule and field in every complaint."""

    where: str
    problems: list[str] = field(default_factory=list)

    def fail(self, field_name: str, message: str) -> RuleError:
        return RuleError(f"{self.where}, field '{field_name}': {message}")


def _texts(reader: _Reader, field_name: str, value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise reader.fail(field_name, "needs at least one value")
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise reader.fail(field_name, f"expected text or a list of text, got {item!r}")
        text = str(item).strip()
        if not text:
            raise reader.fail(field_name, "an empty value matches nothing; remove it")
        out.append(text)
    return tuple(out)


def _pick(reader: _Reader, field_name: str, value: object) -> Pick:
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.casefold() == UNALLOCATED.casefold():
            raise reader.fail(field_name, f"'{UNALLOCATED}' is reserved for unowned spend")
        return Pick(value=text)
    if isinstance(value, Mapping) and set(value) == {"tag"}:
        tag = value["tag"]
        if isinstance(tag, str) and tag.strip():
            return Pick(tag=tag.strip())
    raise reader.fail(field_name, f"expected a name or {{tag: KEY}}, got {value!r}")


def _match(reader: _Reader, raw: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise reader.fail("match", f"expected a mapping of conditions, got {raw!r}")
    out: list[tuple[str, tuple[str, ...]]] = []
    for name, value in raw.items():
        if name == "tag":
            if not isinstance(value, Mapping) or not value:
                raise reader.fail("match.tag", "expected a mapping of tag key to value")
            for key, patterns in value.items():
                out.append((f"tag:{key}", _texts(reader, f"match.tag.{key}", patterns)))
        elif name == "tag_present":
            out.append((name, _texts(reader, "match.tag_present", value)))
        elif name in TEXT_CONDITIONS:
            out.append((name, _texts(reader, f"match.{name}", value)))
        else:
            known = ", ".join(["tag", "tag_present", *TEXT_CONDITIONS])
            raise reader.fail(f"match.{name}", f"unknown condition; known: {known}")
    # The written form groups tag conditions under one 'tag' mapping, last: keep that
    # order here so a rule reads back from its mapping unchanged.
    return tuple(sorted(out, key=lambda c: c[0].startswith("tag:")))


def _targets(reader: _Reader, by: str, raw: object) -> tuple[Target, ...]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise reader.fail("split.targets", "expected a list of {team, feature, percent}")
    targets = []
    for index, item in enumerate(raw):
        name = f"split.targets[{index}]"
        if not isinstance(item, Mapping) or "team" not in item:
            raise reader.fail(name, "expected a mapping with at least a team")
        unknown = set(item) - {"team", "feature", "percent"}
        if unknown:
            raise reader.fail(f"{name}.{sorted(unknown)[0]}", "unknown field")
        team = _pick(reader, f"{name}.team", item["team"])
        feature = None if item.get("feature") is None else _pick(
            reader, f"{name}.feature", item["feature"])
        if team.tag is not None or (feature is not None and feature.tag is not None):
            raise reader.fail(name, "split targets are named teams and features, not tags")
        percent = item.get("percent")
        if by == "percent":
            if isinstance(percent, bool) or not isinstance(percent, int | float) or not (
                    0 < percent <= 100 and math.isfinite(percent)):
                raise reader.fail(f"{name}.percent", f"expected a number in (0, 100], got "
                                                     f"{percent!r}")
            percent = float(percent)
        elif percent is not None:
            raise reader.fail(f"{name}.percent", f"only 'percent' splits take percentages, "
                                                 f"this one is by '{by}'")
        targets.append(Target(str(team.value), feature.value if feature is not None else None,
                              percent))
    if len({(t.team, t.feature) for t in targets}) != len(targets):
        raise reader.fail("split.targets", "a target is listed twice")
    if by == "percent":
        if not targets:
            raise reader.fail("split.targets", "a percent split needs targets")
        total = sum(t.percent or 0.0 for t in targets)
        if abs(total - 100.0) > 1e-6:
            raise reader.fail("split.targets", f"percentages add up to {total:g}, not 100")
    if by == "even" and not targets:
        raise reader.fail("split.targets", "an even split needs targets")
    return tuple(targets)


class _RuleCommon(TypedDict):
    """The fields every kind of rule is built with."""

    name: str
    match: tuple[tuple[str, tuple[str, ...]], ...]
    enabled: bool


def rule_from_json(raw: object, where: str) -> Rule:
    """One rule from its mapping; ``where`` ("rules.yaml, rule 3") starts any error."""
    reader = _Reader(where)
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where}: expected a mapping with name, match and team, got {raw!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise reader.fail("name", "every rule needs a name")
    reader.where = f"{where} ('{name.strip()}')"
    known = {"name", "enabled", "match", "team", "feature", "split", "pool"}
    for key in raw:
        if key not in known:
            raise reader.fail(str(key), f"unknown field; known: {', '.join(sorted(known))}")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise reader.fail("enabled", f"expected true or false, got {enabled!r}")
    match = _match(reader, raw.get("match"))
    shapes = [k for k in ("team", "split", "pool") if raw.get(k) not in (None, False)]
    if len(shapes) != 1:
        raise reader.fail("team", "a rule has exactly one of: team (assign), split, pool")
    common: _RuleCommon = {"name": name.strip(), "match": match, "enabled": enabled}
    if shapes != ["team"]:
        for condition, _patterns in match:
            if condition in TRACE_ONLY:
                raise reader.fail(f"match.{condition}", f"only assign rules (with a team) "
                                  f"match on {condition}: it is a column of request traces, "
                                  "and a split or pool shares charges, which have none")
    if shapes == ["team"]:
        team = _pick(reader, "team", raw["team"])
        feature = None if raw.get("feature") is None else _pick(reader, "feature",
                                                                  raw["feature"])
        return Rule(kind="assign", team=team, feature=feature, **common)
    if raw.get("feature") is not None:
        raise reader.fail("feature", "only assign rules (with a team) take a feature")
    if shapes == ["pool"]:
        if raw["pool"] is not True:
            raise reader.fail("pool", "expected true")
        return Rule(kind="pool", **common)
    split = raw["split"]
    if not isinstance(split, Mapping):
        raise reader.fail("split", "expected {by: direct|even|percent, targets: [...]}")
    unknown = set(split) - {"by", "targets"}
    if unknown:
        raise reader.fail(f"split.{sorted(unknown)[0]}", "unknown field")
    by = split.get("by", "direct")
    if by not in SPLIT_METHODS:
        raise reader.fail("split.by", f"expected one of {', '.join(SPLIT_METHODS)}, got {by!r}")
    return Rule(kind="split", split_by=by, targets=_targets(reader, by, split.get("targets")),
                **common)


def rules_from_json(raw: object, source: str) -> list[Rule]:
    """A whole rule set: a list of rules, or ``{rules: [...]}``. All or nothing."""
    if isinstance(raw, Mapping) and set(raw) <= {"rules", "version"}:
        raw = raw.get("rules")
    if not isinstance(raw, list):
        raise RuleError(f"{source}: expected a list of rules (or 'rules:' with a list)")
    rules = [rule_from_json(item, f"{source}, rule {n}") for n, item in enumerate(raw, 1)]
    names = [r.name for r in rules]
    for n, name in enumerate(names, 1):
        if names.index(name) != n - 1:
            raise RuleError(f"{source}, rule {n} ('{name}'), field 'name': the name is "
                            f"already used by rule {names.index(name) + 1}")
    return rules


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def read_rules_file(path: Path) -> list[Rule]:
    """Rules from a ``.yaml``/``.yml`` or ``.json`` file; syntax errors name the line and
    column, rule errors the rule and the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {path}: {error}") from error
    if _is_yaml(path):
        import yaml

        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = getattr(error, "problem", None) or str(error)
            if mark is not None:
                raise BadInput(problem, file=str(path), line=mark.line + 1,
                               column=mark.column + 1) from error
            raise BadInput(problem, file=str(path)) from error
    elif path.suffix.lower() == ".json":
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadInput(error.msg, file=str(path), line=error.lineno,
                           column=error.colno) from error
    else:
        raise UserError(f"{path}: rule files are .yaml, .yml or .json")
    return rules_from_json(raw, str(path))


def write_rules_file(path: Path, rules: Sequence[Rule]) -> None:
    """Write ``rules`` so that :func:`read_rules_file` gives them back unchanged."""
    document = {"version": 1, "rules": [rule.to_json() for rule in rules]}
    if _is_yaml(path):
        import yaml

        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    elif path.suffix.lower() == ".json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        raise UserError(f"{path}: rule files are .yaml, .yml or .json")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from error

"""Allocation rules as written down: every shape reads back unchanged from its mapping and
from YAML and JSON files, and every bad rule or file is named precisely enough to fix."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worthit.core.errors import BadInput, UserError
from worthit.core.rules import (
    TEXT_CONDITIONS,
    TRACE_ONLY,
    Pick,
    Rule,
    RuleError,
    Target,
    read_rules_file,
    rule_from_json,
    rules_from_json,
    write_rules_file,
)

# One mapping per shape a rule can take, as a user would write it.
SHAPES: dict[str, dict[str, Any]] = {
    "assign-literal": {"name": "Search team", "match": {"account": "proj_DocSearch*"},
                       "team": "search", "feature": "document-search"},
    "assign-from-tags": {"name": "Team and feature tags", "match": {"tag_present": "team"},
                         "team": {"tag": "team"}, "feature": {"tag": "feature"}},
    "assign-team-only": {"name": "Playground", "match": {"provider": ["OpenAI", "anthropic"],
                                                         "usage_type": "*playground*"},
                         "team": "devex"},
    "assign-tag-equals": {"name": "Research sandbox",
                          "match": {"service": "Amazon Bedrock",
                                    "tag": {"cost-center": "rnd-410", "env": ["dev", "sandbox"]}},
                          "team": "ml-platform", "feature": "model-training"},
    "split-direct-all-teams": {"name": "NAT gateway",
                               "match": {"service": "Amazon Virtual Private Cloud",
                                         "resource": "*natgateway*"},
                               "split": {"by": "direct"}},
    "split-direct-targets": {"name": "Shared GPUs", "match": {"resource": "i-0gpu*"},
                             "split": {"by": "direct", "targets": [
                                 {"team": "ml-platform", "feature": "training"},
                                 {"team": "search"}]}},
    "split-even": {"name": "Slack bot", "match": {"api_key": "key_Slack*"},
                   "split": {"by": "even", "targets": [{"team": "support"}, {"team": "devex"}]}},
    "split-percent": {"name": "AWS Support plan", "match": {"service": "AWS Support*"},
                      "split": {"by": "percent", "targets": [
                          {"team": "ml-platform", "percent": 40.0},
                          {"team": "search", "feature": "document-search", "percent": 25.0},
                          {"team": "support", "percent": 35.0}]}},
    "pool": {"name": "Shared observability", "match": {"service": "AmazonCloudWatch"},
             "pool": True},
    "disabled": {"name": "Old rule", "enabled": False, "match": {"region": "eu-*"},
                 "team": "legacy"},
    "everything": {"name": "Catch-all", "match": {}, "team": "finance"},
}


@pytest.mark.parametrize("raw", SHAPES.values(), ids=SHAPES.keys())
def test_each_shape_reads_back_from_its_own_mapping(raw: dict[str, Any]) -> None:
    rule = rule_from_json(raw, "rules.yaml, rule 1")
    assert rule.to_json() == raw
    assert rules_from_json([rule.to_json()], "again") == [rule]


def test_the_parsed_rules_hold_what_was_written() -> None:
    rules = {r.name: r for r in rules_from_json(list(SHAPES.values()), "rules.yaml")}
    tags = rules["Team and feature tags"]
    assert (tags.kind, tags.team, tags.feature) == ("assign", Pick(tag="team"), Pick(tag="feature"))
    assert tags.conditions() == {"tag_present": ("team",)}
    research = rules["Research sandbox"]
    assert research.conditions() == {"service": ("Amazon Bedrock",),
                                     "tag:cost-center": ("rnd-410",),
                                     "tag:env": ("dev", "sandbox")}
    assert research.team == Pick(value="ml-platform")
    nat = rules["NAT gateway"]
    assert (nat.kind, nat.split_by, nat.targets) == ("split", "direct", ())
    support = rules["AWS Support plan"]
    assert support.targets == (Target("ml-platform", None, 40.0),
                               Target("search", "document-search", 25.0),
                               Target("support", None, 35.0))
    assert rules["Shared observability"].kind == "pool"
    assert rules["Old rule"].enabled is False
    assert rules["Catch-all"].match == ()


def test_whitespace_numbers_and_the_rules_key_are_accepted() -> None:
    rules = rules_from_json({"version": 1, "rules": [
        {"name": "  Spaced  ", "match": {"account": 123456789012}, "team": " ops ",
         "feature": " billing "},
        {"name": "Percent as integers", "split": {"by": "percent", "targets": [
            {"team": "a", "percent": 60}, {"team": "b", "percent": 40}]}},
    ]}, "rules.json")
    assert rules[0] == Rule("Spaced", "assign", (("account", ("123456789012",)),),
                            Pick("ops"), Pick("billing"))
    assert [t.percent for t in rules[1].targets] == [60.0, 40.0]
    assert rules[1].split_by == "percent"


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json", ".YAML"])
def test_a_rules_file_reads_back_unchanged(tmp_path: Path, suffix: str) -> None:
    rules = rules_from_json(list(SHAPES.values()), "rules")
    path = tmp_path / f"rules{suffix}"
    write_rules_file(path, rules)
    assert read_rules_file(path) == rules
    # What was written is the rule set a person reads and edits.
    text = path.read_text(encoding="utf-8")
    assert "Research sandbox" in text and "rnd-410" in text
    if suffix == ".json":
        assert json.loads(text)["rules"][0] == SHAPES["assign-literal"]


def test_the_demo_rules_file_reads_back_unchanged(tmp_path: Path) -> None:
    demo = Path(__file__).parents[2] / "resources" / "demo" / "allocation-rules.yaml"
    rules = read_rules_file(demo)
    assert [r.name for r in rules] == ["Team and feature tags", "NAT gateway",
                                       "AWS Support plan", "Shared observability",
                                       "Code-review agent runs"]
    for suffix in (".yaml", ".json"):
        write_rules_file(tmp_path / f"copy{suffix}", rules)
        assert read_rules_file(tmp_path / f"copy{suffix}") == rules


def test_a_rule_whose_tag_condition_comes_first_reads_back_unchanged(tmp_path: Path) -> None:
    """write_rules_file promises read_rules_file gives the rules back unchanged; a user who
    writes the tag condition before another one must get an equal rule back."""
    rules = rules_from_json([{"name": "Prod EC2", "match": {"tag": {"env": "prod"},
                                                            "service": "EC2"},
                              "team": "ops"}], "rules.yaml")
    write_rules_file(tmp_path / "rules.yaml", rules)
    assert read_rules_file(tmp_path / "rules.yaml") == rules


# -- generated rule sets ---------------------------------------------------------------------

_ALPHABET = st.characters(categories=("L", "N"), include_characters=" *?[]-_./:'\"#&!%@é",
                          exclude_characters="\x85\u2028\u2029")
_text = st.text(_ALPHABET, min_size=1, max_size=12).map(str.strip).filter(bool)
_name = _text.filter(lambda s: s.casefold() != "unallocated")
_patterns = st.lists(_text, min_size=1, max_size=3).map(lambda p: p[0] if len(p) == 1 else p)


@st.composite
def _match(draw: st.DrawFn, traces: bool = True) -> dict[str, Any]:
    """Conditions; those of request traces only where ``traces`` (assign rules)."""
    known = sorted(c for c in TEXT_CONDITIONS if traces or c not in TRACE_ONLY)
    names = draw(st.lists(st.sampled_from(known), unique=True, max_size=3))
    out: dict[str, Any] = {name: draw(_patterns) for name in names}
    if draw(st.booleans()):
        out["tag_present"] = draw(_patterns)
    # The tag mapping last: that is where to_json writes it (see the test above).
    tags = draw(st.dictionaries(_text, _patterns, max_size=2))
    if tags:
        out["tag"] = tags
    return out


def _pick() -> st.SearchStrategy[Any]:
    return st.one_of(_name, st.builds(lambda tag: {"tag": tag}, _text))


@st.composite
def _percents(draw: st.DrawFn, count: int) -> list[float]:
    """``count`` percentages in tenths, each above zero, adding up to 100."""
    cuts = sorted(draw(st.lists(st.integers(1, 999), min_size=count - 1, max_size=count - 1,
                                unique=True)))
    edges = [0, *cuts, 1000]
    return [(b - a) / 10 for a, b in itertools.pairwise(edges)]


@st.composite
def _raw_rule(draw: st.DrawFn, name: str) -> dict[str, Any]:
    raw: dict[str, Any] = {"name": name}
    if draw(st.booleans()):
        raw["enabled"] = False
    kind = draw(st.sampled_from(["assign", "split", "pool"]))
    raw["match"] = draw(_match(traces=kind == "assign"))
    if kind == "assign":
        raw["team"] = draw(_pick())
        if draw(st.booleans()):
            raw["feature"] = draw(_pick())
    elif kind == "pool":
        raw["pool"] = True
    else:
        by = draw(st.sampled_from(["direct", "even", "percent"]))
        pairs = draw(st.lists(st.tuples(_name, st.none() | _name), unique=True,
                              min_size=0 if by == "direct" else 1, max_size=4))
        targets: list[dict[str, Any]] = [
            {"team": team} | ({"feature": feature} if feature else {}) for team, feature in pairs]
        if by == "percent":
            for target, percent in zip(targets, draw(_percents(len(targets))), strict=True):
                target["percent"] = percent
        raw["split"] = {"by": by} | ({"targets": targets} if targets else {})
    return raw


@st.composite
def _raw_rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(_text, unique=True, max_size=5))
    return [draw(_raw_rule(name)) for name in names]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=_raw_rules())
def test_generated_rule_sets_read_back_unchanged(tmp_path: Path, raw: list[dict[str, Any]]
                                                 ) -> None:
    rules = rules_from_json(raw, "generated")
    assert [r.to_json() for r in rules] == raw
    assert rules_from_json([r.to_json() for r in rules], "again") == rules
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"generated{suffix}"
        write_rules_file(path, rules)
        assert read_rules_file(path) == rules, path.read_text(encoding="utf-8")
        assert all(r.describe() for r in rules)


# -- rules that cannot be used ---------------------------------------------------------------

GOOD = {"name": "Tags", "match": {"tag_present": "team"}, "team": {"tag": "team"}}
BAD: dict[str, tuple[dict[str, Any], str, str]] = {
    # id: (rule 2 named NAT, the field named, what is said about it)
    "unknown-condition": ({"name": "NAT", "match": {"colour": "blue"}, "team": "ops"},
                          "match.colour", "unknown condition; known: tag, tag_present, "),
    "percent-not-100": ({"name": "NAT", "split": {"by": "percent", "targets": [
        {"team": "a", "percent": 50}, {"team": "b", "percent": 40}]}},
        "split.targets", "percentages add up to 90, not 100"),
    "percent-over-100": ({"name": "NAT", "split": {"by": "percent", "targets": [
        {"team": "a", "percent": 150}]}}, "split.targets[0].percent",
        "expected a number in (0, 100], got 150"),
    "percent-on-direct": ({"name": "NAT", "split": {"by": "direct", "targets": [
        {"team": "a", "percent": 100}]}}, "split.targets[0].percent",
        "only 'percent' splits take percentages"),
    "percent-without-targets": ({"name": "NAT", "split": {"by": "percent"}}, "split.targets",
                                "a percent split needs targets"),
    "even-without-targets": ({"name": "NAT", "split": {"by": "even", "targets": []}},
                             "split.targets", "an even split needs targets"),
    "target-twice": ({"name": "NAT", "split": {"by": "even", "targets": [
        {"team": "a"}, {"team": "a"}]}}, "split.targets", "a target is listed twice"),
    "target-from-tag": ({"name": "NAT", "split": {"by": "even", "targets": [
        {"team": {"tag": "team"}}]}}, "split.targets[0]", "not tags"),
    "unknown-split-method": ({"name": "NAT", "split": {"by": "usage"}}, "split.by",
                             "expected one of direct, even, percent, got 'usage'"),
    "unallocated-team": ({"name": "NAT", "team": "unallocated"}, "team",
                         "'Unallocated' is reserved"),
    "unallocated-target": ({"name": "NAT", "split": {"by": "even", "targets": [
        {"team": "Unallocated"}]}}, "split.targets[0].team", "'Unallocated' is reserved"),
    "team-and-split": ({"name": "NAT", "team": "ops", "split": {"by": "direct"}}, "team",
                       "exactly one of: team (assign), split, pool"),
    "no-destination": ({"name": "NAT", "match": {"service": "VPC"}}, "team",
                       "exactly one of"),
    "feature-on-split": ({"name": "NAT", "feature": "x", "split": {"by": "direct"}}, "feature",
                         "only assign rules"),
    "empty-pattern": ({"name": "NAT", "match": {"resource": ["nat-1", "  "]}, "team": "ops"},
                      "match.resource", "an empty value matches nothing"),
    "tag-not-a-mapping": ({"name": "NAT", "match": {"tag": "team"}, "team": "ops"}, "match.tag",
                          "expected a mapping of tag key to value"),
    "unknown-field": ({"name": "NAT", "teams": "ops"}, "teams", "unknown field"),
    "customer-on-split": ({"name": "NAT", "match": {"customer": "acme"},
                           "split": {"by": "direct"}}, "match.customer",
                          "only assign rules (with a team) match on customer"),
    "agent-on-pool": ({"name": "NAT", "match": {"provider": "OpenAI", "agent": "reviewer"},
                       "pool": True}, "match.agent",
                      "only assign rules (with a team) match on agent"),
    "enabled-not-bool": ({"name": "NAT", "enabled": "no", "team": "ops"}, "enabled",
                         "expected true or false, got 'no'"),
    "bad-team-pick": ({"name": "NAT", "team": {"tags": "team"}}, "team",
                      "expected a name or {tag: KEY}"),
}


@pytest.mark.parametrize(("bad", "field", "says"), BAD.values(), ids=BAD.keys())
def test_a_bad_rule_is_named_by_number_name_and_field(bad: dict[str, Any], field: str,
                                                      says: str) -> None:
    with pytest.raises(RuleError) as caught:
        rules_from_json([GOOD, bad], "rules.yaml")
    message = str(caught.value)
    assert message.startswith(f"rules.yaml, rule 2 ('NAT'), field '{field}': "), message
    assert says in message


def test_a_duplicate_name_names_both_rules() -> None:
    with pytest.raises(RuleError) as caught:
        rules_from_json([{**GOOD, "name": "NAT"}, GOOD, {**GOOD, "name": "NAT"}], "rules.yaml")
    assert str(caught.value) == ("rules.yaml, rule 3 ('NAT'), field 'name': the name is "
                                 "already used by rule 1")


@pytest.mark.parametrize("name", [None, "", "   ", 7], ids=["missing", "empty", "blank", "number"])
def test_a_rule_without_a_name_is_named_by_number(name: object) -> None:
    bad: dict[str, Any] = {"match": {"service": "VPC"}, "team": "ops"}
    if name is not None:
        bad["name"] = name
    with pytest.raises(RuleError) as caught:
        rules_from_json([GOOD, bad], "rules.yaml")
    assert str(caught.value) == "rules.yaml, rule 2, field 'name': every rule needs a name"


@pytest.mark.parametrize("raw", [None, "rules", {"rules": "x"}, {"team": "a"}],
                         ids=["empty-file", "text", "rules-not-a-list", "one-rule-not-a-list"])
def test_a_rule_set_that_is_not_a_list_is_refused(raw: object) -> None:
    with pytest.raises(RuleError, match=r"^rules\.yaml: expected a list of rules"):
        rules_from_json(raw, "rules.yaml")


def test_a_rule_that_is_not_a_mapping_is_named_by_number() -> None:
    with pytest.raises(RuleError, match=r"^rules\.yaml, rule 2: expected a mapping"):
        rules_from_json([GOOD, "NAT"], "rules.yaml")


def test_a_bad_rule_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "team-rules.yaml"
    path.write_text("rules:\n  - name: Tags\n    match: {tag_present: team}\n"
                    "    team: {tag: team}\n  - name: NAT\n    split:\n      by: percent\n"
                    "      targets:\n        - {team: a, percent: 70}\n", encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        read_rules_file(path)
    assert str(caught.value) == (f"{path}, rule 2 ('NAT'), field 'split.targets': "
                                 "percentages add up to 70, not 100")


def _position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of ``needle`` in ``text``, counted by hand."""
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


YAML_ERRORS = {
    # id: (text, where the error is, expected line, expected column)
    "character-that-starts-no-token": (
        "version: 1\nrules:\n  - name: NAT\n    team: @ops\n", "@ops", 4, 11),
    "mapping-value-not-allowed": (
        "rules:\n  - name: A\n    team: a\n  - name: B\n    team: b: c\n", ": c", 5, 12),
}


@pytest.mark.parametrize(("text", "needle", "line", "column"), YAML_ERRORS.values(),
                         ids=YAML_ERRORS.keys())
def test_bad_yaml_names_the_file_line_and_column(tmp_path: Path, text: str, needle: str,
                                                 line: int, column: int) -> None:
    assert _position(text, needle) == (line, column)
    path = tmp_path / "rules.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        read_rules_file(path)
    error = caught.value
    assert (error.file, error.line, error.column) == (str(path), line, column)
    assert str(error).startswith(f"{path}, line {line}, column {column}: ")


def test_bad_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    text = '{\n  "rules": [\n    {"name": "A", "team": "a",}\n  ]\n}\n'
    line, column = _position(text, ",}")
    column += 1  # the closing brace, where a name was expected
    assert (line, column) == (3, 31)
    path = tmp_path / "rules.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        read_rules_file(path)
    error = caught.value
    assert (error.file, error.line, error.column) == (str(path), 3, 31)
    assert str(error) == (f"{path}, line 3, column 31: Expecting property name enclosed in "
                          "double quotes")


@pytest.mark.parametrize("name", ["rules.txt", "rules.toml", "rules"])
def test_a_rules_file_of_another_kind_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(UserError, match=r"rule files are \.yaml, \.yml or \.json") as caught:
        read_rules_file(path)
    assert str(caught.value).startswith(str(path))
    with pytest.raises(UserError, match=r"rule files are \.yaml, \.yml or \.json"):
        write_rules_file(tmp_path / f"out-{name}", [])
    assert not (tmp_path / f"out-{name}").exists()


def test_a_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read"):
        read_rules_file(tmp_path / "nowhere.yaml")


# -- describe --------------------------------------------------------------------------------

DESCRIBED = {
    "assign-from-tags": "has tag team → tag team / tag feature",
    "assign-tag-equals": "service Amazon Bedrock, tag cost-center = rnd-410, tag env = dev or "
                         "sandbox → ml-platform / model-training",
    "assign-team-only": "provider OpenAI or anthropic, usage type *playground* → devex",
    "assign-literal": "account / project / workspace proj_DocSearch* → search / document-search",
    "split-direct-all-teams": "service Amazon Virtual Private Cloud, resource id *natgateway* → "
                              "split in proportion to direct spend across all teams",
    "split-direct-targets": "resource id i-0gpu* → split in proportion to direct spend across "
                            "ml-platform/training, search",
    "split-even": "api key key_Slack* → split evenly across support, devex",
    "split-percent": "service AWS Support* → split by fixed percentages across ml-platform "
                     "40 %, search/document-search 25 %, support 35 %",
    "pool": "service AmazonCloudWatch → shared pool, not split yet",
    "everything": "Everything → finance",
}


@pytest.mark.parametrize(("shape", "text"), DESCRIBED.items(), ids=DESCRIBED.keys())
def test_describe_reads_as_a_sentence(shape: str, text: str) -> None:
    assert rule_from_json(SHAPES[shape], "rules.yaml, rule 1").describe() == text

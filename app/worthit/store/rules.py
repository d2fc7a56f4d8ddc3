"""Allocation rules in the cache (``allocation_rules``), in order.

Each row keeps the rule's parts as JSON in the columns DESIGN names (``match``, ``team``,
``feature``, ``split``), and is read back through the same validation as a rules file, so
a rule that reaches the cache is a rule the engine can run."""

from __future__ import annotations

import json
from collections.abc import Sequence

from worthit.core.rules import Rule, match_to_json, rules_from_json
from worthit.store.cache import Cache

#: Bumped whenever the rules change, like the charges' revision.
RULES_REVISION_KEY = "rules.revision"


def load_rules(cache: Cache) -> list[Rule]:
    raw = []
    for row in cache._rows(
        "SELECT name, kind, match, team, feature, split, enabled FROM allocation_rules "
        "ORDER BY position"
    ):
        item: dict[str, object] = {"name": row["name"], "match": json.loads(row["match"]),
                                   "enabled": bool(row["enabled"])}
        if row["kind"] == "assign":
            item["team"] = json.loads(row["team"])
            if row["feature"] is not None:
                item["feature"] = json.loads(row["feature"])
        elif row["kind"] == "split":
            item["split"] = json.loads(row["split"])
        else:
            item["pool"] = True
        raw.append(item)
    return rules_from_json(raw, f"{cache.path} (allocation rules)")


def save_rules(cache: Cache, rules: Sequence[Rule]) -> None:
    """Replace the whole rule set in one transaction."""
    rows = []
    for position, rule in enumerate(rules, start=1):
        data = rule.to_json()
        rows.append((
            position, rule.name, rule.kind, json.dumps(match_to_json(rule.match)),
            json.dumps(data["team"]) if "team" in data else None,
            json.dumps(data["feature"]) if "feature" in data else None,
            json.dumps(data["split"]) if "split" in data else None,
            int(rule.enabled),
        ))
    with cache.transaction() as conn:
        conn.execute("DELETE FROM allocation_rules")
        conn.executemany(
            "INSERT INTO allocation_rules (position, name, kind, match, team, feature, split,"
            " enabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, 1) "
            "ON CONFLICT (key) DO UPDATE SET value = value + 1", (RULES_REVISION_KEY,))

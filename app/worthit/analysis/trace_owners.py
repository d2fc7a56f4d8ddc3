"""Who owns a request trace row (a customer's, a run's, a key's usage): the allocation rules
read on the row's own columns, so the team that owns an agent's charges by rule owns its
runs too.

The first enabled *assign* rule whose conditions all hold on a row gives its team and
feature. Conditions look at the row's columns (:data:`~worthit.core.rules.TRACE_CONDITIONS`:
provider, model, API key, customer, agent); those about what a trace row lacks (service,
account, project, region, resource, usage type, charge category) never hold on one. A
trace row's only tag is its feature, as tag :data:`FEATURE_TAG`: ``tag: {feature: X}``
matches the feature column, ``tag_present: feature`` holds when it is set, and
``{tag: feature}`` reads it; any other tag is absent, so a rule reading its team from one
(``{tag: team}``) does not claim the row and the next rule gets its chance, as a charge
without that tag is passed on. Split and pool rules share charges by spend, which one
request row does not have: they are passed over. A rule without a feature gives
:data:`~worthit.core.rules.NO_FEATURE`, as it does to charges; a row no rule claims is
:data:`~worthit.core.rules.UNALLOCATED`, under the row's own feature (or NO_FEATURE).

Rules are matched once per distinct (customer, agent, api_key, model, provider, feature),
each condition once per distinct value of its column, never once per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Final, cast

import numpy as np
import pandas as pd

from worthit.core.rules import NO_FEATURE, TRACE_CONDITIONS, UNALLOCATED, Pick, Rule

if TYPE_CHECKING:
    from worthit.store.cache import Cache

#: The tag key a trace row's feature column stands for.
FEATURE_TAG: Final = "feature"
#: The columns of a trace row rules look at (a missing column reads as empty).
KEYS: Final = ("customer", "agent", "api_key", "model", "provider", "feature")


def owners(rules: Cache | Sequence[Rule], rows: pd.DataFrame
           ) -> tuple[np.ndarray, np.ndarray]:
    """(team, feature) of each of ``rows`` (object arrays, in row order) under ``rules``
    (or the cache's saved rules)."""
    if not isinstance(rules, Sequence):
        from worthit.store.rules import load_rules

        rules = load_rules(rules)
    if not len(rows):
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object)
    keys = pd.DataFrame({k: (rows[k].fillna("").astype(str).to_numpy() if k in rows
                             else np.full(len(rows), "", dtype=object)) for k in KEYS})
    codes, found = pd.MultiIndex.from_frame(keys).factorize()
    combos = cast(pd.MultiIndex, found)
    columns = {k: np.asarray(combos.get_level_values(n), dtype=object)
               for n, k in enumerate(KEYS)}
    team, feature = _claim(columns, rules)
    return team[codes], feature[codes]


def with_owners(rules: Cache | Sequence[Rule], rows: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``rows`` (a :attr:`~worthit.analysis.customers.CustomerCosts.rows` frame)
    with ``team`` and ``owner_feature`` columns: who owns each row. The row's own
    ``feature`` column (what the trace says) is kept; ``owner_feature`` is the feature
    under the team, as the rules give it."""
    team, feature = owners(rules, rows)
    return rows.assign(team=team, owner_feature=feature)


def _claim(columns: dict[str, np.ndarray], rules: Sequence[Rule]
           ) -> tuple[np.ndarray, np.ndarray]:
    """Team and feature per distinct combination of :data:`KEYS`."""
    n = len(columns["customer"])
    team = np.full(n, None, dtype=object)
    feature = np.full(n, None, dtype=object)
    taken = np.zeros(n, dtype=bool)
    own_feature = columns["feature"]
    for rule in rules:
        if not rule.enabled or rule.kind != "assign" or taken.all():
            continue
        assert rule.team is not None
        mask = _mask(columns, rule) & ~taken
        teams = _picked(rule.team, own_feature)
        mask &= teams != None  # noqa: E711 - elementwise
        team[mask] = teams[mask]
        if rule.feature is None:
            feature[mask] = NO_FEATURE
        else:
            features = _picked(rule.feature, own_feature)[mask]
            feature[mask] = np.where(features == None, NO_FEATURE, features)  # noqa: E711
        taken |= mask
    team[~taken] = UNALLOCATED
    feature[~taken] = np.where(own_feature[~taken] == "", NO_FEATURE, own_feature[~taken])
    return team, feature


def _mask(columns: dict[str, np.ndarray], rule: Rule) -> np.ndarray:
    """Which combinations satisfy all of ``rule``'s conditions."""
    n = len(columns["customer"])
    mask = np.ones(n, dtype=bool)
    for name, patterns in rule.match:
        if name.startswith("tag:"):
            if name[4:] != FEATURE_TAG:
                return np.zeros(n, dtype=bool)  # the row has no such tag
            mask &= _matches(columns["feature"], patterns)
        elif name == "tag_present":
            if FEATURE_TAG not in patterns:
                return np.zeros(n, dtype=bool)
            mask &= columns["feature"] != ""
        elif name in TRACE_CONDITIONS:
            mask &= _matches(columns[TRACE_CONDITIONS[name]], patterns)
        else:  # about a charge's columns, which a trace row does not have
            return np.zeros(n, dtype=bool)
    return mask


def _matches(values: np.ndarray, patterns: Sequence[str]) -> np.ndarray:
    """Whether any pattern matches each value, tried once per distinct value; an empty
    value (the column not set) matches nothing, as a missing charge column does not."""
    codes, uniques = pd.factorize(values)
    folded = [p.casefold() for p in patterns]
    table = np.array([bool(v) and any(fnmatchcase(str(v).casefold(), p) for p in folded)
                      for v in uniques], dtype=bool)
    found: np.ndarray = table[codes]
    return found


def _picked(pick: Pick, own_feature: np.ndarray) -> np.ndarray:
    """A pick's value per combination: written out, or read from the only tag a trace row
    has (its feature); None where the tag is absent, or names the reserved Unallocated."""
    if pick.tag is None:
        return np.full(len(own_feature), pick.value, dtype=object)
    if pick.tag != FEATURE_TAG:
        return np.full(len(own_feature), None, dtype=object)
    reserved = UNALLOCATED.casefold()
    return np.array([v if v and v.casefold() != reserved else None for v in own_feature],
                    dtype=object)

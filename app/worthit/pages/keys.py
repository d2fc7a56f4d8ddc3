"""The Keys & users page: cost per API key (with its name and project), per project (an
OpenAI project, an Anthropic workspace) and per user, allocated from the bill of the
providers whose usage names API keys; with Not attributed, the rows add up to that bill."""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from worthit.core.money import money, percent
from worthit.core.periods import Period
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table
from worthit.store.cache import Cache

if TYPE_CHECKING:
    import pandas as pd

    from worthit.analysis.keys import KeyCosts
    from worthit.pages.figures import Figures

#: What the page says when no provider's usage names an API key.
EMPTY: Final = ("No usage in this period names an API key. Worthit reads keys, projects "
                "and users from the OpenAI usage API (grouped by project, API key and "
                "user) and the Anthropic usage report (by API key and workspace): connect "
                "them with an admin key on the Sources page.")
NO_USERS: Final = ("No usage names a user. OpenAI gives users when its usage API is grouped "
                   "by user_id; Anthropic's usage report has no users.")
#: What each level is called, and its kind of name (:mod:`worthit.store.names`).
LEVELS: Final = {"api_key": ("Key", ("api_key",)), "project": ("Project", ("project",
                                                                          "workspace")),
                 "user": ("User", ("user",))}
NONE: Final = {"api_key": "(no key)", "project": "(no project)", "user": "(no user)"}
COLUMNS: Final = ("Provider", "Key", "Name", "Project", "Cost", "Share", "Estimate",
                  "Requests", "Tokens")


@dataclass(frozen=True)
class Keys:
    """The tie and the names vendors give the ids."""

    found: KeyCosts
    #: kind (api_key, project, user) -> (provider, id) -> name
    names: dict[str, dict[tuple[str, str], str]]

    def name(self, column: str, provider: str, ident: str) -> str:
        return self.names.get(column, {}).get((provider, ident), "")

    def records(self, column: str) -> list[dict[str, Any]]:
        """One dict per provider and id of ``column`` (api_key, project, user): provider,
        id, label (the id, or "(no key)"), name, project and its name, cost, share of
        the bill, estimate, requests, tokens; costliest first."""
        found = self.found
        frame: pd.DataFrame = found.by(column)
        bill = found.billed
        out = []
        for row in frame.to_dict("records"):
            provider, ident = str(row["provider"]), str(row[column])
            project = str(row["project"]) if isinstance(row["project"], str) else ""
            estimate = float(row["estimate"])  # NaN: unpriced
            cost = float(row["cost"])
            tokens = sum(float(row[k]) for k in ("input", "cached_input", "cache_write",
                                                 "output"))
            out.append({
                "provider": provider, "id": ident, "label": ident or NONE[column],
                "name": self.name(column, provider, ident), "project": project,
                "project_name": self.name("project", provider, project),
                "cost": cost, "share": cost / bill if bill else None,
                "estimate": None if math.isnan(estimate) else estimate,
                "requests": float(row["requests"]), "tokens": tokens})
        return out


_computed: weakref.WeakKeyDictionary[Figures, Keys] = weakref.WeakKeyDictionary()


def result(figures: Figures) -> Keys:
    """The period's cost per key, project and user with their names (computed once per
    :class:`Figures`)."""
    held = _computed.get(figures)
    if held is None:
        held = _computed[figures] = keys_of(figures.cache, figures.period, figures.currency)
    return held


def keys_of(cache: Cache, period: Period, currency: str | None = None) -> Keys:
    """The tie (memoised on the charge index) and the names the cache holds now."""
    from worthit.analysis.keys import key_costs
    from worthit.store.names import names_of

    found = key_costs(cache, period, currency=currency)
    names = {column: {k: v for kind in kinds for k, v in names_of(cache, kind).items()}
             for column, (_title, kinds) in LEVELS.items()}
    return Keys(found, names)


def providers_note(found: KeyCosts) -> str:
    """Whose bill the page is, and whose it is not."""
    if not found.providers:
        return ""
    text = f"The AI bill of {', '.join(found.providers)}, whose usage names API keys."
    if found.without_keys:
        text += (f" Not here: {', '.join(found.without_keys)} (their usage names no API "
                 "key).")
    return text


def attributed_note(found: KeyCosts) -> str:
    """What Not attributed holds, and how finely the bill was tied."""
    cur = found.currency
    parts = []
    if found.costs.not_traced >= 0.005:
        parts.append(f"{money(found.costs.not_traced, cur)} of model usage no key's tokens "
                     "carry (unpriced, or cost without tokens)")
    if found.other >= 0.005:
        parts.append(f"{money(found.other, cur)} of charges that name no model (storage, "
                     "tools, reservations)")
    lines = [f"Not attributed: {'; '.join(parts)}." if parts else ""]
    tied = {level: amount for level, amount in found.tied.items() if amount >= 0.005}
    total = sum(tied.values())
    if total:
        lines.append("Tied to the bill per " + ", per ".join(
            f"{level} ({percent(amount / total, digits=0)})" for level, amount in tied.items())
            + ": per key where the cost lines name their key, per project where they name "
            "their project, shared by list-price value below that.")
    return " ".join(line for line in lines if line)


def table(figures: Figures) -> Table:
    """One row per key, costliest first, then Not attributed: the Cost column adds up to
    the bill of the providers that report keys."""
    keys = result(figures)
    found = keys.found
    rows: list[tuple[Any, ...]] = [
        (r["provider"], r["label"], r["name"], r["project"], r["cost"], r["share"],
         r["estimate"], r["requests"], r["tokens"]) for r in keys.records("api_key")]
    if found.providers:
        rows.append(("", "Not attributed", "", "", found.not_attributed,
                     found.not_attributed / found.billed if found.billed else None,
                     None, None, None))
    return Table.of(
        "Cost per API key, allocated from the bill", COLUMNS, rows, period=figures.period,
        currency=found.currency, name="Keys",
        filters=filters(figures, providers=", ".join(found.providers) or "none"),
        formats={"Cost": "money", "Share": "percent", "Estimate": "money",
                 "Requests": "integer", "Tokens": "integer"})


def _section(keys: Keys, column: str) -> list[str]:
    title, _kinds = LEVELS[column]
    records = keys.records(column)
    cur = keys.found.currency
    head = ["Provider", title, "Name", *(["Project"] if column != "project" else []), "Cost",
            "Share", "Requests"]
    rows = [head] + [
        [r["provider"], r["label"], r["name"] or "–",
         *([r["project_name"] or r["project"] or "–"] if column != "project" else []),
         money(r["cost"], cur), percent(r["share"]), f"{r['requests']:,.0f}"]
        for r in records]
    return aligned(rows, numeric_from=len(head) - 3)


def text(figures: Figures, _options: Options) -> str:
    keys = result(figures)
    found = keys.found
    lines = [f"Keys & users {figures.period.label()}"]
    if not found.providers:
        return "\n".join([*lines, "", EMPTY])
    cur = found.currency
    lines += [providers_note(found),
              f"Billed {money(found.billed, cur)}; not attributed "
              f"{money(found.not_attributed, cur)}", ""]
    lines += ["Per API key", *("  " + line for line in _section(keys, "api_key")), ""]
    lines += ["Per project", *("  " + line for line in _section(keys, "project")), ""]
    if found.has_users:
        lines += ["Per user", *("  " + line for line in _section(keys, "user")), ""]
    else:
        lines += [NO_USERS, ""]
    note = attributed_note(found)
    lines += [note] if note else []
    lines += [f"Warning: {w}" for w in found.costs.warnings]
    return "\n".join(lines).rstrip()


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    keys = result(figures)
    found = keys.found

    def rounded(record: dict[str, Any]) -> dict[str, Any]:
        return {**record, "cost": round(record["cost"], 2),
                "estimate": None if record["estimate"] is None
                else round(record["estimate"], 2)}

    return {"currency": found.currency, "providers": list(found.providers),
            "providers_without_keys": list(found.without_keys),
            "billed": round(found.billed, 2),
            "not_attributed": round(found.not_attributed, 2),
            "basis": {"cost": "allocated from the bill",
                      "estimate": "estimated (list price)", "billed": "billed"},
            "tied": {k: round(v, 2) for k, v in found.tied.items()},
            "keys": [rounded(r) for r in keys.records("api_key")],
            "projects": [rounded(r) for r in keys.records("project")],
            "users": [rounded(r) for r in keys.records("user")] if found.has_users else [],
            "warnings": list(found.costs.warnings)}


PAGE = Page("keys", "Keys & users", 59, table, text, json)

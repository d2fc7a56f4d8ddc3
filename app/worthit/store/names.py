"""The names vendors give their ids (``vendor_names``, migration 11): API keys, projects,
workspaces and users, as the OpenAI and Anthropic admin APIs list them. A sync replaces
what it lists for its provider; the Keys page shows a name beside each id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from worthit.store.cache import Cache

KINDS: Final = ("api_key", "project", "workspace", "user")


def save_names(cache: Cache, provider: str, names: Iterable[tuple[str, str, str]]) -> int:
    """Keep ``names`` (kind, id, name) of ``provider``'s ids, replacing their earlier
    names. Returns the names written."""
    rows = [(provider, kind, ident, name) for kind, ident, name in names
            if kind in KINDS and ident and name]
    with cache.transaction() as conn:
        conn.executemany(
            "INSERT INTO vendor_names (provider, kind, id, name) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (provider, kind, id) DO UPDATE SET name = excluded.name", rows)
    return len(rows)


def names_of(cache: Cache, kind: str, provider: str | None = None) -> dict[tuple[str, str], str]:
    """(provider, id) -> name of every ``kind`` of id the cache knows (of one provider,
    if given)."""
    rows = cache._rows(
        "SELECT provider, id, name FROM vendor_names WHERE kind = ? "
        "AND (? IS NULL OR provider = ?)", (kind, provider, provider))
    return {(str(r["provider"]), str(r["id"])): str(r["name"]) for r in rows}

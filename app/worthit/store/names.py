"""The names vendors give their ids (``vendor_names``, migration 11): API keys, projects,
workspaces and users, as the OpenAI and Anthropic admin APIs list them, so the Keys page
can show "Support bot (prod)" beside ``key_abc``.

A sync writes what it listed for its provider: a listed id's name is replaced; an id no
longer listed (a key deleted since) keeps its last name, since older charges still carry
it. ``meta`` key :data:`REVISION_KEY` counts the writes, so a page memoised on it knows
when its names are stale."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Final

from worthit.store.cache import Cache

KINDS: Final = ("api_key", "project", "workspace", "user")
REVISION_KEY: Final = "names.revision"
#: The longest name kept: a vendor's answer is untrusted text bound for a table cell.
LONGEST: Final = 200


def write_names(conn: sqlite3.Connection, provider: str,
                names: Iterable[tuple[str, str, str]]) -> int:
    """Keep ``names`` (kind, id, name) of ``provider``'s ids inside the caller's
    transaction, replacing their earlier names; an id or name that is empty is skipped.
    Returns the names written. A kind outside :data:`KINDS` is a bug, and raises."""
    rows: dict[tuple[str, str], str] = {}
    for kind, given_id, given_name in names:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of vendor id {kind!r}: not one of {KINDS}")
        ident = (given_id or "").strip()
        name = " ".join((given_name or "").split())[:LONGEST]  # one line, as a cell shows it
        if ident and name:
            rows[kind, ident] = name  # the last of an id listed twice wins
    conn.executemany(
        "INSERT INTO vendor_names (provider, kind, id, name) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (provider, kind, id) DO UPDATE SET name = excluded.name",
        [(provider, kind, ident, name) for (kind, ident), name in rows.items()])
    conn.execute("INSERT INTO meta (key, value) VALUES (?, 1) "
                 "ON CONFLICT (key) DO UPDATE SET value = value + 1", (REVISION_KEY,))
    return len(rows)


def save_names(cache: Cache, provider: str, names: Iterable[tuple[str, str, str]]) -> int:
    """:func:`write_names` in a transaction of its own."""
    with cache.transaction() as conn:
        return write_names(conn, provider, names)


def names_of(cache: Cache, kind: str, provider: str | None = None) -> dict[tuple[str, str], str]:
    """(provider, id) -> name of every ``kind`` of id the cache knows (of one provider,
    if given)."""
    rows = cache._rows(
        "SELECT provider, id, name FROM vendor_names WHERE kind = ? "
        "AND (? IS NULL OR provider = ?)", (kind, provider, provider))
    return {(str(r["provider"]), str(r["id"])): str(r["name"]) for r in rows}


def names_revision(cache: Cache) -> int:
    """How many times names were written."""
    return int(cache.get_meta(REVISION_KEY, "0") or 0)

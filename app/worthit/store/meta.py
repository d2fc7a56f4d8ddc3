"""Workspace facts in ``meta`` beyond :meth:`~worthit.store.cache.Cache.get_meta` and
:meth:`~worthit.store.cache.Cache.set_meta`: a value given once and never replaced, a
fact removed, and the stamp every write leaves."""

from __future__ import annotations

from worthit.store.cache import Cache
from worthit.store.schema import WRITE_STAMP_KEY


def claim_meta(cache: Cache, key: str, value: str) -> str:
    """Set ``key`` to ``value`` unless it has a value already (another process may have
    given it one meanwhile); returns the value it holds then."""
    with cache.transaction() as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                     (key, value))
    return str(cache.get_meta(key))


def delete_meta(cache: Cache, key: str) -> None:
    """Remove ``key`` (nothing happens when it is not set)."""
    with cache.transaction() as conn:
        conn.execute("DELETE FROM meta WHERE key = ?", (key,))


def write_stamp(cache: Cache) -> str | None:
    """A random stamp that changes with every row written to the cache by anyone (any
    connection, any process; the schema's triggers leave it): equal stamps, same data.
    None for a cache whose schema predates it (read-only, so never upgraded)."""
    return cache.get_meta(WRITE_STAMP_KEY)

"""Reads over the history of syncs and imports (``sync_runs``): what the last run wrote,
when the workspace last synced, and a source's failures since its last good run.

Imports record their runs under the source's name, live syncs under its id: the reads
of one source look for either."""

from __future__ import annotations

import sqlite3

from worthit.store.cache import Cache


def last_written(cache: Cache, source: str) -> int | None:
    """The charges the newest run recorded under ``source`` wrote (None before any)."""
    written = cache._scalar("SELECT rows_written FROM sync_runs WHERE source_id = ? "
                            "ORDER BY run_id DESC LIMIT 1", (source,))
    return None if written is None else int(written)


def last_synced(cache: Cache) -> str | None:
    """When the newest successful run finished (ISO, UTC), None when none did."""
    found = cache._scalar("SELECT MAX(finished_at) FROM sync_runs WHERE result = 'ok'")
    return None if found is None else str(found)


def failed_streak(cache: Cache, source_id: str, name: str) -> list[sqlite3.Row]:
    """A source's failed runs since its last run that did not fail (cancelled runs aside),
    oldest first: ``run_id``, ``started_at``, ``finished_at``, ``error``."""
    ids = (source_id, name)
    last_good = cache._scalar(
        "SELECT MAX(run_id) FROM sync_runs WHERE source_id IN (?, ?) AND "
        "result NOT IN ('failed', 'cancelled')", ids) or 0
    return cache._rows(
        "SELECT run_id, started_at, finished_at, error FROM sync_runs WHERE "
        "source_id IN (?, ?) AND result = 'failed' AND run_id > ? ORDER BY run_id",
        (*ids, last_good))

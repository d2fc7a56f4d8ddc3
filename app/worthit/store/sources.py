"""The workspace's sources (``sources``) with what they brought in and their last run."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from worthit.core.errors import UserError
from worthit.store.cache import REVISION_KEY, Cache


def list_sources(cache: Cache) -> list[dict[str, Any]]:
    out = []
    for source in cache.rows("SELECT source_id, kind, name, created_at FROM sources "
                             "ORDER BY name"):
        figures = cache.rows(
            "SELECT MIN(charge_period_start), MAX(charge_period_start), COUNT(*), "
            "TOTAL(billed_cost), TOTAL(effective_cost), MAX(billing_currency) "
            "FROM charges WHERE source_id = ?", (source["source_id"],))[0]
        last = cache.rows(
            "SELECT started_at, finished_at, result, error, rows_written FROM sync_runs "
            "WHERE source_id IN (?, ?) ORDER BY run_id DESC LIMIT 1",
            (source["source_id"], source["name"]))
        out.append({
            "name": source["name"], "kind": source["kind"], "created_at": source["created_at"],
            "first_day": figures[0], "last_day": figures[1], "rows": figures[2],
            "billed_cost": round(figures[3], 6), "effective_cost": round(figures[4], 6),
            "currency": figures[5], "last_run": dict(last[0]) if last else None,
        })
    return out


def remove_source(cache: Cache, name: str) -> int:
    """Remove a source, its charges and its runs; returns the charges removed."""
    source_id = cache.scalar("SELECT source_id FROM sources WHERE name = ?", (name,))
    if source_id is None:
        raise UserError(f"There is no source {name!r}.")
    with cache.transaction() as conn:
        removed = conn.execute("DELETE FROM charges WHERE source_id = ?", (source_id,)).rowcount
        conn.execute("DELETE FROM sync_runs WHERE source_id IN (?, ?)", (source_id, name))
        conn.execute("DELETE FROM sources WHERE source_id = ?", (source_id,))
        conn.execute("INSERT INTO meta (key, value) VALUES (?, 1) "
                     "ON CONFLICT (key) DO UPDATE SET value = value + 1", (REVISION_KEY,))
    return int(removed)


def record_run(cache: Cache, name: str, started: str, first: dt.date | None,
               last: dt.date | None, read: int, written: int,
               cache_totals: tuple[float, float] | None,
               source_totals: tuple[float, float] | None, result: str,
               error: str | None, *, requests: int | None = None) -> None:
    """One row of ``sync_runs``: every sync or import, whatever its outcome."""
    with cache.transaction() as conn:
        conn.execute(
            "INSERT INTO sync_runs (source_id, started_at, finished_at, period_start, "
            "period_end, rows_read, rows_written, billed_total, effective_total, "
            "source_billed_total, source_effective_total, result, error, requests) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, started, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
             first.isoformat() if first else None, last.isoformat() if last else None,
             read, written, *(cache_totals or (None, None)), *(source_totals or (None, None)),
             result, error, requests))


def runs(cache: Cache, name: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The latest runs, newest first (of one source, or all)."""
    where, params = ("WHERE source_id = ?", (name,)) if name else ("", ())
    return [dict(r) for r in cache.rows(
        f"SELECT run_id, source_id AS source, started_at, finished_at, period_start, "
        f"period_end, rows_read, rows_written, billed_total, source_billed_total, result, "
        f"error, requests FROM sync_runs {where} ORDER BY run_id DESC LIMIT ?", (*params, limit))]


def rename_source(cache: Cache, old: str, new: str) -> None:
    """Rename a source; its charges and runs stay with it (they hold its id)."""
    if not new.strip():
        raise UserError("A source needs a name.")
    if cache.scalar("SELECT 1 FROM sources WHERE name = ?", (old,)) is None:
        raise UserError(f"There is no source {old!r}.")
    if cache.scalar("SELECT 1 FROM sources WHERE name = ?", (new,)) is not None:
        raise UserError(f"There is already a source {new!r}.")
    with cache.transaction() as conn:
        conn.execute("UPDATE sources SET name = ? WHERE name = ?", (new, old))


def check_new_name(cache: Cache, name: str) -> None:
    """A UserError unless ``name`` can be a new source's (checked before its key is stored,
    so a refused source never touches the keyring)."""
    if not name.strip():
        raise UserError("A source needs a name.")
    if cache.scalar("SELECT 1 FROM sources WHERE name = ? OR source_id = ?",
                    (name, name)) is not None:
        raise UserError(f"There is already a source {name!r}.")


def add_source(cache: Cache, name: str, kind: str, settings: dict[str, str]) -> None:
    """A new source (settings hold no secret: keys live in the keyring)."""
    check_new_name(cache, name)
    with cache.transaction() as conn:
        conn.execute("INSERT INTO sources (source_id, kind, name, settings, created_at) "
                     "VALUES (?, ?, ?, ?, ?)",
                     (name, kind, name, json.dumps(settings),
                      dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))


def update_settings(cache: Cache, name: str, settings: dict[str, str]) -> None:
    """Replace a source's settings (what it remembers between syncs is kept)."""
    current = cache.scalar("SELECT settings FROM sources WHERE name = ?", (name,))
    if current is None:
        raise UserError(f"There is no source {name!r}.")
    kept = {k: v for k, v in json.loads(current or "{}").items() if k == "state"}
    with cache.transaction() as conn:
        conn.execute("UPDATE sources SET settings = ? WHERE name = ?",
                     (json.dumps({**settings, **kept}), name))

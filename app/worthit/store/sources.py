"""The workspace's sources (``sources``) with what they brought in and their last run."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from worthit.core.errors import UserError
from worthit.store.cache import Cache, bump_revision
from worthit.store.days import iso_of
from worthit.store.figures import figure

_EFFECTIVE = figure("effective", "f")


def all_sources(cache: Cache) -> list[sqlite3.Row]:
    """Every source's ``source_id``, ``kind``, ``name`` and ``settings`` (JSON), by name."""
    return cache._rows("SELECT source_id, kind, name, settings FROM sources ORDER BY name")


def source_kind(cache: Cache, name: str) -> str | None:
    """The kind of the named source (``focus-file``, ``openai``, ...), None when there is
    no such source."""
    kind = cache._scalar("SELECT kind FROM sources WHERE name = ?", (name,))
    return None if kind is None else str(kind)


def source_id_of(cache: Cache, name: str) -> str | None:
    """The id the named source's charges and runs are kept under (a renamed source keeps
    its first name as its id), None when there is no such source."""
    found = cache._scalar("SELECT source_id FROM sources WHERE name = ?", (name,))
    return None if found is None else str(found)


def kind_and_settings(cache: Cache, name: str) -> tuple[str, dict[str, Any]]:
    """The named source's kind and settings; a UserError when there is no such source."""
    row = cache._rows("SELECT kind, settings FROM sources WHERE name = ?", (name,))
    if not row:
        raise UserError(f"There is no source {name!r}.")
    return row[0]["kind"], json.loads(row[0]["settings"] or "{}")


def settings_by_name(cache: Cache) -> dict[str, str]:
    """Each source's settings as stored (JSON text), by the source's name."""
    return {r["name"]: r["settings"] for r in cache._rows("SELECT name, settings FROM sources")}


def names_by_id(cache: Cache) -> dict[str, str]:
    """Each source's name by its id (runs and charges hold the id)."""
    return {r["source_id"]: r["name"] for r in cache._rows("SELECT source_id, name FROM sources")}


def holds_demo(cache: Cache) -> bool:
    """Whether a source of the cache is the generated demo."""
    return bool(cache._scalar("SELECT 1 FROM sources WHERE kind = 'demo' LIMIT 1"))


def list_sources(cache: Cache) -> list[dict[str, Any]]:
    out = []
    for source in cache._rows("SELECT source_id, kind, name, created_at FROM sources "
                             "ORDER BY name"):
        figures = cache._rows(
            f"SELECT MIN(f.day), MAX(f.day), COUNT(*), TOTAL(f.billed), TOTAL({_EFFECTIVE}), "
            "MAX(k.billing_currency) FROM charge_facts AS f "
            "JOIN charge_keys AS k ON k.key_id = f.key_id WHERE f.key_id IN "
            "(SELECT key_id FROM charge_keys WHERE source_id = ?)", (source["source_id"],))[0]
        last = cache._rows(
            "SELECT started_at, finished_at, result, error, rows_written FROM sync_runs "
            "WHERE source_id IN (?, ?) ORDER BY run_id DESC LIMIT 1",
            (source["source_id"], source["name"]))
        out.append({
            "name": source["name"], "kind": source["kind"], "created_at": source["created_at"],
            "first_day": None if figures[0] is None else iso_of(figures[0]),
            "last_day": None if figures[1] is None else iso_of(figures[1]), "rows": figures[2],
            "billed_cost": round(figures[3], 6), "effective_cost": round(figures[4], 6),
            "currency": figures[5], "last_run": dict(last[0]) if last else None,
        })
    return out


def remove_source(cache: Cache, name: str) -> int:
    """Remove a source, its charges and its runs; returns the charges removed."""
    source_id = cache._scalar("SELECT source_id FROM sources WHERE name = ?", (name,))
    if source_id is None:
        raise UserError(f"There is no source {name!r}.")
    with cache.transaction() as conn:
        removed = conn.execute(
            "DELETE FROM charge_facts WHERE key_id IN "
            "(SELECT key_id FROM charge_keys WHERE source_id = ?)", (source_id,)).rowcount
        conn.execute("DELETE FROM sync_runs WHERE source_id IN (?, ?)", (source_id, name))
        conn.execute("DELETE FROM sources WHERE source_id = ?", (source_id,))
        bump_revision(conn)
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
    return [dict(r) for r in cache._rows(
        f"SELECT run_id, source_id AS source, started_at, finished_at, period_start, "
        f"period_end, rows_read, rows_written, billed_total, source_billed_total, result, "
        f"error, requests FROM sync_runs {where} ORDER BY run_id DESC LIMIT ?", (*params, limit))]


def rename_source(cache: Cache, old: str, new: str) -> None:
    """Rename a source; its charges and runs stay with it (they hold its id)."""
    if not new.strip():
        raise UserError("A source needs a name.")
    if cache._scalar("SELECT 1 FROM sources WHERE name = ?", (old,)) is None:
        raise UserError(f"There is no source {old!r}.")
    if cache._scalar("SELECT 1 FROM sources WHERE name = ?", (new,)) is not None:
        raise UserError(f"There is already a source {new!r}.")
    with cache.transaction() as conn:
        conn.execute("UPDATE sources SET name = ? WHERE name = ?", (new, old))


def check_new_name(cache: Cache, name: str) -> None:
    """A UserError unless ``name`` can be a new source's (checked before its key is stored,
    so a refused source never touches the keyring)."""
    if not name.strip():
        raise UserError("A source needs a name.")
    if cache._scalar("SELECT 1 FROM sources WHERE name = ? OR source_id = ?",
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
    current = cache._scalar("SELECT settings FROM sources WHERE name = ?", (name,))
    if current is None:
        raise UserError(f"There is no source {name!r}.")
    kept = {k: v for k, v in json.loads(current or "{}").items() if k == "state"}
    with cache.transaction() as conn:
        conn.execute("UPDATE sources SET settings = ? WHERE name = ?",
                     (json.dumps({**settings, **kept}), name))


def remember_state(cache: Cache, source_id: str, settings: dict[str, Any],
                   state: dict[str, Any]) -> None:
    """Keep what a live source remembers between syncs (its ``state``) with its settings."""
    with cache.transaction() as conn:
        conn.execute("UPDATE sources SET settings = ? WHERE source_id = ?",
                     (json.dumps({**settings, "state": state}), source_id))


def save_file_source(conn: sqlite3.Connection, source_id: str, name: str, kind: str,
                     settings: dict[str, Any]) -> None:
    """Add a file source, or update its kind and settings, on the connection given: an
    import writes it in the transaction of the charges it brings (a refused file leaves
    none)."""
    conn.execute(
        "INSERT INTO sources (source_id, kind, name, settings, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source_id) DO UPDATE SET kind = excluded.kind, "
        "settings = excluded.settings",
        (source_id, kind, name, json.dumps(settings),
         dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))

"""Removing the old charges of a restated bill, inside the import that restates it.

A bill is its provider, billing account (or, where a format has none, subscription) and
billing period (:mod:`worthit.sources.bills`). Its old charges go from every file source,
whatever its name, so the same bill imported twice counts once; a live API source's
charges never do. The functions take the import's connection: they run inside its write
transaction (:meth:`worthit.store.cache.Cache.replace_charges`)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Final, NamedTuple

from worthit.store.days import day_number
from worthit.store.figures import figure

#: The sources an import may replace charges of: file sources, never a live API's.
_FILE_SOURCES: Final = "SELECT source_id FROM sources WHERE kind LIKE '%-file' OR kind = 'files'"


class Removed(NamedTuple):
    """The old charges of one bill that went from one source."""

    source_id: str
    name: str | None  # None when the source has no row (yet): the importing one
    charges: int
    billed: float
    effective: float
    currency: str | None  # None when they were in several


def remove_bill(conn: sqlite3.Connection, provider: str | None, account: str | None,
                subscription: str | None, start: dt.date, end: dt.date, *, before: int,
                source_id: str) -> list[Removed]:
    """Delete the charges (written by loads up to ``before``) of the bill, in file sources
    and the importing source ``source_id``; say what went, by source (ordered by its id)."""
    # Asked first by the day alone (the table's key): with no charges in the bill's days
    # (a first import), the query below would still read every key of the sources.
    if conn.execute("SELECT 1 FROM charge_facts WHERE day >= ? AND day < ? LIMIT 1",
                    (day_number(start), day_number(end))).fetchone() is None:
        return []
    keys = ("SELECT key_id FROM charge_keys WHERE (source_id = ? OR source_id IN ("
            + _FILE_SOURCES + ")) AND provider_name IS ? AND billing_account_id IS ?"
            + (" AND sub_account_id IS ?" if subscription is not None else ""))
    where = f"f.load <= ? AND f.day >= ? AND f.day < ? AND f.key_id IN ({keys})"
    params = (before, day_number(start), day_number(end), source_id, provider, account,
              *((subscription,) if subscription else ()))
    found = conn.execute(
        f"SELECT k.source_id, COUNT(*), TOTAL(f.billed), TOTAL({figure('effective', 'f')}), "
        "MIN(k.billing_currency), MAX(k.billing_currency) FROM charge_facts AS f "
        f"JOIN charge_keys AS k ON k.key_id = f.key_id WHERE {where} "
        "GROUP BY k.source_id ORDER BY k.source_id", params).fetchall()
    if not found:
        return []
    conn.execute(f"DELETE FROM charge_facts AS f WHERE {where}", params)
    names = dict(conn.execute("SELECT source_id, name FROM sources").fetchall())
    return [Removed(source, names.get(source), int(count), float(billed), float(effective),
                    low if low == high else None)
            for source, count, billed, effective, low, high in found]

"""Charges on their way into the cache: staged first, then swapped in.

An import reads its whole file into the connection's ``temp`` schema, which is private to
the connection, so filling it takes no lock on the cache. Only the swap (keys and charges
copied in, the rows they replace deleted) runs in a write transaction, and copying inside
SQLite is many times faster than reading a bill: another writer (the window saving a
dismissal) waits for the swap, never for the read."""

from __future__ import annotations

import functools
import itertools
import operator
import sqlite3
from typing import Any

from worthit.core.daily import DailyCharges
from worthit.core.focus import CHARGE_COLUMN_NAMES, FACT_COLUMNS, KEY_COLUMNS
from worthit.store.figures import stored_sums, stored_values

COLUMNS = len(CHARGE_COLUMN_NAMES)
#: A staged charge: day, key id, then the figures.
WIDTH = 2 + len(FACT_COLUMNS)
KEY_OF = operator.itemgetter(*(CHARGE_COLUMN_NAMES.index(c) for c in KEY_COLUMNS))
FACTS_OF = operator.itemgetter(*(CHARGE_COLUMN_NAMES.index(c) for c, _ in FACT_COLUMNS))
FACTS = ", ".join(f for _, f in FACT_COLUMNS)
_STAGED = f"day, key_id, {FACTS}"
_KEY_COLUMNS = f"key_id, {', '.join(KEY_COLUMNS)}"
_FACT_NAMES = tuple(f for _, f in FACT_COLUMNS)
# Charges go in _PER_INSERT to a statement: one statement per charge spent a sixth of the
# writing time starting and resetting statements.
_PER_INSERT = 50


@functools.lru_cache(maxsize=64)
def _inserts(facts: tuple[str, ...]) -> tuple[str, str]:
    """The statements staging one charge, and _PER_INSERT charges, of these figures (the
    others left NULL)."""
    one = f"({', '.join('?' * (2 + len(facts)))})"
    insert = f"INSERT INTO temp.staged_charges ({', '.join(('day', 'key_id', *facts))}) " \
             f"VALUES {one}"
    return insert, insert + f", {one}" * (_PER_INSERT - 1)


_INSERT_KEY = (f"INSERT INTO temp.staged_keys ({_KEY_COLUMNS}) "
               f"VALUES ({', '.join('?' * (len(KEY_COLUMNS) + 1))})")
# A key's values as SQLite stores them: its columns are TEXT but for x_batch (INTEGER).
_AS_STORED = "SELECT " + ", ".join("?" if c == "x_batch" else "CAST(? AS TEXT)"
                                   for c in KEY_COLUMNS)
_BATCH_AT = KEY_COLUMNS.index("x_batch")
_KEYS_STATE = "SELECT COALESCE(MAX(key_id), 0), COUNT(*) FROM main.charge_keys"
# Charges of one key and day are one charge: their figures add up (SUM keeps a figure no
# charge had, such as tokens of a bill, NULL), then are stored as worthit.store.figures says.
_ADDED = (f"SELECT day, key_id, ?, {stored_sums()} FROM temp.staged_charges "
          "GROUP BY day, key_id ORDER BY day, key_id")
# Where no two share a day and key, each is stored as that sum of it alone would be: the
# sort that gathered the groups, and their sums, saved.
_ALONE = (f"SELECT day, key_id, ?, {stored_values()} FROM temp.staged_charges "
          "ORDER BY day, key_id")


class Stage:
    """The staged charges and the keys they mint, in ``temp`` tables of ``conn``.

    Each charge's key (its dimension columns) is looked up in the cache's ``charge_keys``
    as they stood when staging began; a key not there gets the next id and is staged too.
    Keys are never deleted, so those ids hold at the swap unless another writer minted
    keys meanwhile: :meth:`swap_in` then numbers the staged keys again."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.drop()
        conn.execute(f"CREATE TEMP TABLE staged_charges AS SELECT {_STAGED} "
                     "FROM main.charge_facts WHERE 0")
        conn.execute(f"CREATE TEMP TABLE staged_keys AS SELECT {_KEY_COLUMNS} "
                     "FROM main.charge_keys WHERE 0")
        self.seen = tuple(conn.execute(_KEYS_STATE).fetchone())
        self.ids: dict[tuple[Any, ...], int] = {
            tuple(row[1:]): row[0]
            for row in conn.execute(f"SELECT {_KEY_COLUMNS} FROM main.charge_keys")
        }
        self.next_id = self.seen[0] + 1
        self.new: list[tuple[Any, ...]] = []
        #: Whether no two staged charges share a day and key, known where charges come
        #: by column (then the swap copies them without adding up: a sort saved), and the
        #: largest (day, key id) staged so far, as day << 32 | key id.
        self.unique = True
        self._last = -1

    def mint(self, key: tuple[Any, ...]) -> int:
        """A key not seen yet in this form. Key columns are TEXT, so SQLite stores a
        number given for one (an account id parsed as an integer) as text: compare in the
        stored form, or the next sync would mint a twin of the same key."""
        if all(v is None or type(v) is str for v in key[:_BATCH_AT]) and key[_BATCH_AT] in (
                None, 0, 1) and type(key[_BATCH_AT]) is not bool and all(
                v is None or type(v) is str for v in key[_BATCH_AT + 1:]):
            stored = key  # stored as given: the usual case, without asking SQLite
        else:
            stored = tuple(self.conn.execute(_AS_STORED, key).fetchone())  # as SQLite stores it
        found = self.ids.get(stored)
        if found is None:
            found = self.ids[stored] = self.next_id
            self.next_id += 1
            self.new.append((found, *stored))
        self.ids[key] = found  # the raw form too, so the next row is a plain lookup
        return found

    def write(self, values: list[Any]) -> int:
        """Stage the keys minted so far, then the charges whose values (each charge's day
        number, key id and figures) follow one another in ``values``; returns how many."""
        if values:
            self.unique = False  # not known: the swap adds up any of one day and key
        return self._insert(values)

    def _insert(self, values: list[Any], facts: tuple[str, ...] = _FACT_NAMES) -> int:
        """Stage the keys minted so far, then the charges whose values (each charge's day
        number, key id and ``facts``, the others NULL) follow one another in ``values``."""
        if self.new:
            self.conn.executemany(_INSERT_KEY, self.new)
            self.new = []
        width = 2 + len(facts)
        insert_one, insert_many = _inserts(facts)
        count = len(values) // width
        whole = count - count % _PER_INSERT
        step = width * _PER_INSERT
        # One transaction of the temp schema per batch, not one per statement. It writes
        # no table of the cache, so it takes no lock on it.
        self.conn.execute("BEGIN")
        try:
            self.conn.executemany(insert_many, (values[i:i + step]
                                                for i in range(0, whole * width, step)))
            self.conn.executemany(insert_one, (values[i:i + width] for i in range(
                whole * width, count * width, width)))
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return count

    def write_daily(self, charges: DailyCharges) -> int:
        """Stage charges handed over by column: each key minted once, in the order its
        first charge comes (as :meth:`write` would have met them); returns how many."""
        ids = [0] * len(charges.keys)
        for index in dict.fromkeys(charges.key):
            key = KEY_OF(charges.keys[index])
            ids[index] = self.ids.get(key) or self.mint(key)
        key_ids = [ids[index] for index in charges.key]
        if self.unique and key_ids:
            self._still_unique(charges.days, key_ids)
        # A figure no charge has (a bill without tokens) is left NULL rather than bound
        # value by value: 4 of the real-shaped CUR's 12 figures.
        given = [i for i, column in enumerate(charges.figures)
                 if column.count(None) != len(column)]
        return self._insert(list(itertools.chain.from_iterable(zip(
            charges.days, key_ids, *(charges.figures[i] for i in given), strict=True))),
            tuple(_FACT_NAMES[i] for i in given))

    def _still_unique(self, days: list[int], key_ids: list[int]) -> None:
        """Whether charges of these days and keys, staged after those so far, leave no
        two of one day and key: each day and key once, all after the last staged (charges
        by column come a span of days at a time, in order)."""
        import numpy as np

        staged = np.asarray(days, dtype=np.int64) << 32 | np.asarray(key_ids, dtype=np.int64)
        self.unique = bool(staged.min() > self._last) and len(np.unique(staged)) == len(staged)
        self._last = max(self._last, int(staged.max()))

    def keys_in(self, conn: sqlite3.Connection) -> None:
        """Copy the staged keys into the cache; call it inside the write transaction (on
        this stage's connection), before :meth:`charges_in`."""
        if tuple(conn.execute(_KEYS_STATE).fetchone()) != self.seen:
            self._renumber(conn)
        conn.execute(f"INSERT INTO main.charge_keys ({_KEY_COLUMNS}) "
                     f"SELECT {_KEY_COLUMNS} FROM temp.staged_keys ORDER BY key_id")

    def charges_in(self, conn: sqlite3.Connection, load: int) -> None:
        """Copy the staged charges into the cache as written by ``load``, once the charges
        they replace are deleted (in the same transaction)."""
        # Into an empty table (a first import: the largest), the (key, day) index is
        # built after the rows, in one sorted pass, rather than row by row.
        bulk = conn.execute("SELECT 1 FROM main.charge_facts LIMIT 1").fetchone() is None
        if bulk:
            conn.execute("DROP INDEX main.charge_facts_key")
        conn.execute(f"INSERT INTO main.charge_facts (day, key_id, load, {FACTS}) "
                     f"{_ALONE if self.unique else _ADDED}", (load,))
        if bulk:
            conn.execute("CREATE INDEX main.charge_facts_key ON charge_facts (key_id, day)")

    def _renumber(self, conn: sqlite3.Connection) -> None:
        """Another writer minted keys since staging began: a staged key it also minted
        takes its id, the others the ids after the newest."""
        current = {tuple(row[1:]): row[0] for row in
                   conn.execute(f"SELECT {_KEY_COLUMNS} FROM main.charge_keys")}
        next_id = max(current.values(), default=0) + 1
        moves: list[tuple[int, int]] = []
        fresh: list[tuple[Any, ...]] = []
        for key_id, *key in conn.execute(f"SELECT {_KEY_COLUMNS} FROM temp.staged_keys"):
            found = current.get(tuple(key))
            if found is None:
                found, next_id = next_id, next_id + 1
                fresh.append((found, *key))
            moves.append((key_id, found))
        conn.execute("CREATE TEMP TABLE staged_moves (old INTEGER PRIMARY KEY, new INTEGER)")
        conn.executemany("INSERT INTO temp.staged_moves VALUES (?, ?)", moves)
        conn.execute("UPDATE temp.staged_charges SET key_id = (SELECT new FROM "
                     "temp.staged_moves WHERE old = key_id) WHERE key_id IN "
                     "(SELECT old FROM temp.staged_moves)")
        conn.execute("DELETE FROM temp.staged_keys")
        conn.executemany(_INSERT_KEY, fresh)

    def drop(self) -> None:
        """Remove the staged tables (a staged import that failed leaves nothing)."""
        for table in ("staged_charges", "staged_keys", "staged_moves"):
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")

"""Charges on their way into the cache: staged first, then swapped in.

An import reads its whole file into the connection's ``temp`` schema, which is private to
the connection, so filling it takes no lock on the cache. Only the swap (keys and charges
copied in, the rows they replace deleted) runs in a write transaction, and copying inside
SQLite is many times faster than reading a bill: another writer (the window saving a
dismissal) waits for the swap, never for the read.

Charges handed over as numpy columns (a large bill grouped in bulk), no two of one day and
key, are staged as the cache stores them, in a table of ``charge_facts``'s own shape: each
batch's charges grouped by which figures are NULL or stored as ``''``
(:mod:`worthit.store.figures`), those written into the statement, so that only the rest
are bound, from numpy in one call per batch. The swap then copies them with one
``INSERT INTO ... SELECT *``, which SQLite does record by record without decoding them
(its transfer optimisation) when the cache holds no charges yet."""

from __future__ import annotations

import functools
import itertools
import operator
import sqlite3
from typing import TYPE_CHECKING, Any

from worthit.core.daily import DailyCharges
from worthit.core.focus import CHARGE_COLUMN_NAMES, FACT_COLUMNS, KEY_COLUMNS
from worthit.store.figures import SAME_AS, figure, stored_sums, stored_values

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

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
#: Charges by column made Python numbers (to be bound) at a time.
_PER_SLICE = 500 * _PER_INSERT


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
#: The types a key's text column holds as SQLite stores it (checked by the type's
#: identity, without a Python function per value: 51,000 checks of 40 values each).
_TEXT_OR_NONE = frozenset({str, type(None)})
_KEYS_STATE = "SELECT COALESCE(MAX(key_id), 0), COUNT(*) FROM main.charge_keys"
# Charges of one key and day are one charge: their figures add up (SUM keeps a figure no
# charge had, such as tokens of a bill, NULL), then are stored as worthit.store.figures says.
_ADDED = (f"SELECT day, key_id, ?, {stored_sums()} FROM temp.staged_charges "
          "GROUP BY day, key_id ORDER BY day, key_id")
# Where no two share a day and key, each is stored as that sum of it alone would be: the
# sort that gathered the groups, and their sums, saved.
#: The primary key of charge_facts (and of the charges staged as it stores them).
_FACTS_KEY = ("day", "key_id")
_ALONE = (f"SELECT day, key_id, ?, {stored_values()} FROM temp.staged_charges "
          "ORDER BY day, key_id")
#: Each figure's place among the figures, and its twin's (SAME_AS), or None.
_TWIN = tuple(None if SAME_AS.get(f) is None else _FACT_NAMES.index(SAME_AS[f])
              for f in _FACT_NAMES)
#: How a staged figure is given: NULL, '' (equal to its twin) or bound.
_NULL, _TWINNED, _BOUND = 0, 1, 2


class Stage:
    """The staged charges and the keys they mint, in ``temp`` tables of ``conn``.

    Each charge's key (its dimension columns) is looked up in the cache's ``charge_keys``
    as they stood when staging began; a key not there gets the next id and is staged too.
    Keys are never deleted, so those ids hold at the swap unless another writer minted
    keys meanwhile: :meth:`swap_in` then numbers the staged keys again."""

    def __init__(self, conn: sqlite3.Connection, load: int = 0) -> None:
        self.conn = conn
        self.drop()
        conn.execute(f"CREATE TEMP TABLE staged_charges AS SELECT {_STAGED} "
                     "FROM main.charge_facts WHERE 0")
        conn.execute(_shaped_like(conn, "charge_facts", "staged_facts", _FACTS_KEY))
        #: The load the staged facts carry (the swap corrects it if another writer
        #: wrote charges meanwhile), how many there are, and whether charges by column
        #: still go there: until charges come as rows, or two may share a day and key.
        self.load = int(load)
        self.facts = 0
        self.by_facts = True
        conn.execute(_shaped_like(conn, "charge_keys", "staged_keys", ("key_id",)))
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
        if _TEXT_OR_NONE.issuperset(map(type, key[:_BATCH_AT])) and key[_BATCH_AT] in (
                None, 0, 1) and type(key[_BATCH_AT]) is not bool and \
                _TEXT_OR_NONE.issuperset(map(type, key[_BATCH_AT + 1:])):
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
            self._leave_facts()
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
        import numpy as np

        key_ids = self._key_ids(charges)[np.asarray(charges.key, dtype=np.intp)]
        if self.unique and len(key_ids):
            self._still_unique(charges.days, key_ids)
        if self.by_facts and self.unique and charges.by_array:
            return self._insert_facts(charges, key_ids)
        self._leave_facts()
        # A figure no charge has (a bill without tokens) is left NULL rather than bound
        # value by value: 4 of the real-shaped CUR's 12 figures.
        figures = [charges.values(i) for i in range(len(FACT_COLUMNS))]
        given = [i for i, column in enumerate(figures) if column.count(None) != len(column)]
        days = charges.days if isinstance(charges.days, list) else \
            [int(d) for d in charges.days]
        return self._insert(list(itertools.chain.from_iterable(zip(
            days, key_ids.tolist(), *(figures[i] for i in given), strict=True))),
            tuple(_FACT_NAMES[i] for i in given))

    def _key_ids(self, charges: DailyCharges) -> npt.NDArray[np.int64]:
        """Each of the charges' keys' id (0 for a key no charge has), minted in the order
        of the first charge of each."""
        import numpy as np

        ids = np.zeros(len(charges.keys), dtype=np.int64)
        if len(charges.key):
            used, first = np.unique(np.asarray(charges.key, dtype=np.intp), return_index=True)
            for index in used[np.argsort(first, kind="stable")].tolist():
                key = KEY_OF(charges.keys[index])
                ids[index] = self.ids.get(key) or self.mint(key)
        return ids

    def _insert_facts(self, charges: DailyCharges, key_ids: npt.NDArray[np.int64]) -> int:
        """Stage charges by column into ``staged_facts`` as the cache stores them: the
        charges of each way of giving the figures (NULL, '' or bound) together, each
        group's bound values made Python numbers by numpy in one call."""
        import numpy as np

        count = len(key_ids)
        if not count:
            return 0
        figures = [np.asarray(c, dtype=np.float64) for c in charges.figures]
        given = [np.where(np.isnan(c), np.int8(_NULL), np.int8(_BOUND)) for c in figures]
        for at, twin in enumerate(_TWIN):
            if twin is not None:  # as IIF(figure IS twin, '', figure) would store it
                mine, theirs = figures[at], figures[twin]
                same = (mine == theirs) | (np.isnan(mine) & np.isnan(theirs))
                given[at][same] = _TWINNED
        ways = np.zeros(count, dtype=np.int32)  # 3 ** 12 ways at most
        for column in given:
            ways = ways * 3 + column
        # Day and key id as floats (exact below 2**53) bind as the integers they are: an
        # INTEGER column stores a whole REAL as an integer, as a token count's.
        days, keys = np.asarray(charges.days, dtype=np.float64), key_ids.astype(np.float64)
        # Each way's charges in (day, key id) order: the primary key's, so each goes in at
        # the end of the table rather than amid a day's (a third faster, measured).
        order = np.lexsort((keys, days, ways))
        starts = np.flatnonzero(np.diff(ways[order], prepend=-1))
        self.conn.execute("BEGIN")
        try:
            for start, end in zip(starts.tolist(), [*starts[1:].tolist(), count],
                                  strict=True):
                rows = order[start:end]
                way = tuple(int(g[rows[0]]) for g in given)
                self._bind(_facts_inserts(way, self.load), np.column_stack(
                    [days[rows], keys[rows],
                     *(f[rows] for f, g in zip(figures, way, strict=True) if g == _BOUND)]))
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        self.facts += count
        return count

    def _bind(self, inserts: tuple[str, str], values: npt.NDArray[np.float64]) -> None:
        """Run ``inserts`` (of one row, of _PER_INSERT rows) over the rows of ``values``."""
        insert_one, insert_many = inserts
        count, width = values.shape
        whole = count - count % _PER_INSERT
        # A slice at a time: Python's numbers take four times numpy's bytes.
        for start in range(0, whole, _PER_SLICE):
            self.conn.executemany(insert_many, values[start:min(start + _PER_SLICE, whole)]
                                  .reshape(-1, width * _PER_INSERT).tolist())
        self.conn.executemany(insert_one, values[whole:].tolist())

    def _leave_facts(self) -> None:
        """Stage charges by column as values from now on, the charges staged as the cache
        stores them moved there first (in (day, key) order: no two of one day and key,
        and each before any staged from now on)."""
        self.by_facts = False
        if not self.facts:
            return
        self.conn.execute("BEGIN")
        try:
            self.conn.execute(
                f"INSERT INTO temp.staged_charges ({_STAGED}) SELECT day, key_id, "
                f"{', '.join(figure(f) for f in _FACT_NAMES)} FROM temp.staged_facts "
                "ORDER BY day, key_id")
            self.conn.execute("DELETE FROM temp.staged_facts")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        self.facts = 0

    def _still_unique(self, days: Any, key_ids: Any) -> None:
        """Whether charges of these days and keys, staged after those so far, leave no
        two of one day and key: each day and key once, all after the last staged (charges
        by column come a span of days at a time, in order)."""
        import numpy as np

        staged = np.sort(np.asarray(days, dtype=np.int64) << 32
                         | np.asarray(key_ids, dtype=np.int64))
        self.unique = bool(staged[0] > self._last) and bool(np.all(staged[1:] > staged[:-1]))
        self._last = max(self._last, int(staged[-1]))

    def keys_in(self, conn: sqlite3.Connection) -> None:
        """Copy the staged keys into the cache; call it inside the write transaction (on
        this stage's connection), before :meth:`charges_in`."""
        if tuple(conn.execute(_KEYS_STATE).fetchone()) != self.seen:
            self._renumber(conn)
        # In key order, record by record (SQLite's transfer optimisation): the staged
        # table is the cache's own shape.
        conn.execute("INSERT INTO main.charge_keys SELECT * FROM temp.staged_keys")

    def charges_in(self, conn: sqlite3.Connection, load: int) -> None:
        """Copy the staged charges into the cache as written by ``load``, once the charges
        they replace are deleted (in the same transaction)."""
        # Into an empty table (a first import: the largest), the (key, day) index is
        # built after the rows, in one sorted pass, rather than row by row.
        bulk = conn.execute("SELECT 1 FROM main.charge_facts LIMIT 1").fetchone() is None
        if bulk:
            conn.execute("DROP INDEX main.charge_facts_key")
        if self.facts:
            if load != self.load:  # another writer wrote charges since staging began
                conn.execute("UPDATE temp.staged_facts SET load = ?", (load,))
            # Into an empty table, copied record by record (SQLite's transfer
            # optimisation): the staged records are the cache's already.
            conn.execute("INSERT INTO main.charge_facts SELECT * FROM temp.staged_facts")
        else:
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
        if self.facts:  # into a copy: updated in place, a key id could meet another's
            columns = [row[0] for row in conn.execute(
                "SELECT name FROM pragma_table_info('staged_facts', 'temp')")]
            moved = ", ".join("coalesce((SELECT new FROM temp.staged_moves WHERE old = "
                              "key_id), key_id)" if c == "key_id" else c for c in columns)
            conn.execute(_shaped_like(conn, "charge_facts", "staged_renumbered", _FACTS_KEY))
            conn.execute(f"INSERT INTO temp.staged_renumbered SELECT {moved} "
                         "FROM temp.staged_facts")
            conn.execute("DROP TABLE temp.staged_facts")
            conn.execute("ALTER TABLE temp.staged_renumbered RENAME TO staged_facts")
        conn.execute("DELETE FROM temp.staged_keys")
        conn.executemany(_INSERT_KEY, fresh)

    def drop(self) -> None:
        """Remove the staged tables (a staged import that failed leaves nothing)."""
        for table in ("staged_charges", "staged_keys", "staged_moves", "staged_facts",
                      "staged_renumbered"):
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")


def _shaped_like(conn: sqlite3.Connection, table: str, name: str,
                 key: tuple[str, ...]) -> str:
    """SQL making temp table ``name`` of the columns of the cache's ``table`` (both
    constants), in its order, types and NOT NULLs, with its primary key ``key``: one
    column, the rowid; else several, without a rowid. What SQLite's transfer
    optimisation asks of a table it copies from record by record."""
    columns = ", ".join(
        f"{column} {kind}{' PRIMARY KEY' if (column,) == key else ''}"
        f"{' NOT NULL' if not_null else ''}" for column, kind, not_null in conn.execute(
            "SELECT name, type, \"notnull\" FROM pragma_table_info(?, 'main') ORDER BY cid",
            (table,)))
    if len(key) == 1:
        return f"CREATE TEMP TABLE {name} ({columns})"
    return f"CREATE TEMP TABLE {name} ({columns}, PRIMARY KEY ({', '.join(key)})) WITHOUT ROWID"


@functools.lru_cache(maxsize=256)
def _facts_inserts(way: tuple[int, ...], load: int) -> tuple[str, str]:
    """The statements staging one charge, and _PER_INSERT charges, into ``staged_facts``
    whose figures are given ``way`` (each NULL, '' or bound), of load ``load``."""
    shown = {_NULL: "NULL", _TWINNED: "''", _BOUND: "?"}
    one = f"(?, ?, {int(load)}, {', '.join(shown[g] for g in way)})"
    insert = f"INSERT INTO temp.staged_facts (day, key_id, load, {FACTS}) VALUES {one}"
    return insert, insert + f", {one}" * (_PER_INSERT - 1)

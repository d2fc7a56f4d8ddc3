"""The workspace cache: one SQLite file holding charges and everything derived from them.

A :class:`Cache` wraps one connection and belongs to the thread that opened it; a worker
opens its own. Writes happen in explicit transactions, so a failure or a cancel leaves the
file exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from worthit.core.collector import paused
from worthit.core.daily import DailyCharges
from worthit.core.errors import BadInput, CacheBusy, UserError
from worthit.store.days import date_of, day_number_of, iso_of
from worthit.store.schema import MIGRATIONS
from worthit.store.staging import COLUMNS, FACTS_OF, KEY_OF, WIDTH, Stage

if TYPE_CHECKING:
    import pandas as pd
    import sqlite_utils

CACHE_FILE = "worthit.sqlite"
# Python's sqlite3 (3.11 to 3.13) adapts every bound value that is not an int, float, str or
# bytearray, None included: a tuple built, the adapters probed, two attribute lookups.
# A charge binds about ten Nones, so that was a third of a large import's writing time. With
# an adapter registered for None, it is one lookup and one C call ({}.get(None) is None).
sqlite3.register_adapter(type(None), cast("Callable[[None], None]", {}.get))
#: How long a write waits for another process's write transaction before refusing.
BUSY_SECONDS = 10
#: SQLite's messages for a write it refuses (rather than a bug in the statement).
_REFUSALS = re.compile(r"locked|busy|readonly|read-only|disk is full|disk i/o", re.I)


#: A random id given to each new cache file.
ID_KEY = "cache.id"
#: Bumped by every write to ``charges``, so readers can tell a cached result is stale.
REVISION_KEY = "charges.revision"
#: A random stamp each write to ``charges`` leaves: a cache restored from a copy and
#: written again can reach a revision it had before, never a stamp.
STAMP_KEY = "charges.stamp"


def _private(path: Path) -> None:
    """The cache holds a company's spend: readable by its owner only (0600). SQLite gives
    the WAL and shared-memory files the database file's mode, so they follow. An existing
    file is narrowed too; where the file system keeps no such modes, nothing changes."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # SQLite takes it as new
    with contextlib.suppress(OSError):  # not ours, or no POSIX modes: leave it as it is
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def _day_number(day: str, number: int) -> int:
    try:
        return day_number_of(day)
    except ValueError:
        raise BadInput(f"charge {number} is on {day!r}, not a day (YYYY-MM-DD)") from None


def _daily_days(charges: DailyCharges, number: int, source_id: str,
                given: tuple[str, str] | None) -> tuple[str, str] | None:
    """The first and last day (ISO) of charges handed over by column, checked to be the
    source's and within the days ``given``; None when there are no charges."""
    span = charges.span()
    days = None if span is None else (iso_of(span[0]), iso_of(span[1]))
    held = {key[0] for key in charges.keys}
    if held - {source_id} or (given is not None and days is not None and not (
            given[0] <= days[0] and days[1] <= given[1])):
        raise BadInput(f"charges {number} are for sources {sorted(map(repr, held))} on "
                       f"{days}, outside source {source_id!r} "
                       + (f"from {given[0]} to {given[1]}" if given else ""))
    return days


def _staged(stage: Stage, rows: Iterable[Sequence[Any] | DailyCharges], source_id: str,
            given: tuple[str, str] | None, batch_size: int,
            ) -> tuple[int, tuple[str, str] | None]:
    """Stage ``rows`` (as :meth:`Cache.replace_charges` takes them), checked to be the
    source's and within the days ``given``; returns how many, and their first and last
    day (ISO; None without rows)."""
    first, last = given or ("9999-12-31", "0000-01-01")
    written = 0
    ids, key_of, facts_of, width = stage.ids, KEY_OF, FACTS_OF, WIDTH
    day_numbers: dict[object, int] = {}
    batch: list[Any] = []  # the charges' values one after another
    append, extend = batch.append, batch.extend
    for number, row in enumerate(rows, start=1):
        if isinstance(row, DailyCharges):  # many charges, by column
            if batch:  # staged in the order given
                written += stage.write(batch)
                batch.clear()
            days = _daily_days(row, number, source_id, given)
            if given is None and days is not None:
                first, last = min(first, days[0]), max(last, days[1])
            written += stage.write_daily(row)
            continue
        if len(row) != COLUMNS:  # the values follow one another: one short shifts all
            raise ValueError(f"charge {number} has {len(row)} values, not {COLUMNS}")
        day = row[1]
        day_number = day_numbers.get(day)  # a day seen before was checked then
        if row[0] != source_id or (day_number is None and (
                not (isinstance(day, str) and len(day) == 10)
                or (given is not None and not first <= day <= last))):
            raise BadInput(
                f"charge {number} is for source {row[0]!r} on {day!r}, outside "
                f"source {source_id!r} "
                + (f"from {first} to {last}" if given else "(days are YYYY-MM-DD)"))
        if day_number is None:
            day_number = day_numbers[day] = _day_number(day, number)
            if given is None:
                first, last = min(first, day), max(last, day)
        key = key_of(row)
        append(day_number)
        append(ids.get(key) or stage.mint(key))
        extend(facts_of(row))
        if len(batch) >= batch_size * width:
            written += stage.write(batch)
            batch.clear()
    written += stage.write(batch)
    return written, ((first, last) if first <= last else None)


def _revision(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (REVISION_KEY,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def new_id() -> str:
    """A random id (a UUID4's hex)."""
    import uuid  # here: it imports platform, off the window's path to its first paint

    return uuid.uuid4().hex


def bump_revision(conn: sqlite3.Connection) -> None:
    """One more write to the charges: readers holding results of the last revision see
    they are stale (and the next load is this revision)."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, 1) "
                 "ON CONFLICT (key) DO UPDATE SET value = value + 1", (REVISION_KEY,))
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (STAMP_KEY, new_id()))


class Cache:
    """A handle on one workspace's SQLite cache."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False
                 ) -> None:
        self.path = path
        self._conn = conn
        #: Opened by :meth:`open_read_only`: nothing may write the cache or beside it.
        self.read_only = read_only

    @classmethod
    def open(cls, path: Path | str, *, upgrade: bool = True) -> Cache:
        """Open (creating if needed) the cache at ``path`` and bring its schema up to date."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _private(path)
        conn = sqlite3.connect(path, isolation_level=None)
        cache = cls(path, conn)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
            cache._refuse_newer()
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            # A WAL left large (a killed import's) shrinks at the next checkpoint.
            conn.execute("PRAGMA journal_size_limit = 67108864")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: bulk writes, big reads
            if upgrade:
                cache.migrate()
                if cache.get_meta(ID_KEY) is None:
                    cache.set_meta({ID_KEY: new_id()})
        except BaseException:
            conn.close()
            raise
        return cache

    @classmethod
    def open_read_only(cls, path: Path | str) -> Cache:
        """Open the cache at ``path`` for reading only (``worthit mcp``): SQLite opens the
        file read-only and ``query_only`` refuses any write, so nothing here can change
        it. It never creates, migrates or stamps the file; one another Worthit has open
        (WAL mode) reads its latest commit. A missing file, or one whose schema is older
        or newer than this app's, is a :class:`UserError` saying what to do."""
        path = Path(path).resolve()
        if not path.is_file():
            raise UserError(f"{path} does not exist: there is no workspace cache to read")
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
        cache = cls(path, conn, read_only=True)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
            conn.execute("PRAGMA query_only = ON")
            cache._refuse_newer()
            if cache.version < len(MIGRATIONS):
                raise UserError(
                    f"{path} was written by an older Worthit (schema {cache.version}); open "
                    "it once in the app or with any `worthit` command to upgrade it, then "
                    "read it here.")
        except sqlite3.DatabaseError as error:  # not SQLite, or -wal/-shm cannot be made
            conn.close()
            raise UserError(f"{path} cannot be read as a Worthit cache ({error})") from error
        except BaseException:
            conn.close()
            raise
        return cache

    @functools.cached_property
    def _db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, for writing rows given as dicts. Its
        ``atomic()`` nests as a savepoint inside :meth:`transaction`."""
        import sqlite_utils

        return sqlite_utils.Database(self._conn, execute_plugins=False)

    # -- schema ---------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _refuse_newer(self) -> None:
        current, known = self.version, len(MIGRATIONS)
        if current > known:
            raise UserError(
                f"{self.path} was written by a newer Worthit (schema {current}, this app "
                f"knows up to {known}). Update Worthit to open it."
            )

    def migrate(self, *, to: int | None = None) -> None:
        """Apply the pending migrations (up to ``to``, default all), each in its own
        transaction together with its version number."""
        self._refuse_newer()
        target = len(MIGRATIONS) if to is None else min(to, len(MIGRATIONS))
        for number in range(self.version + 1, target + 1):
            script = MIGRATIONS[number - 1]
            try:
                self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script};\nPRAGMA user_version = {number};\nCOMMIT;"
                )
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    # -- transactions ---------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any exception
        (including a cancel raised from inside)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise self.refusal(error) from error
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException as error:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError) and _REFUSALS.search(str(error)):
                raise self.refusal(error) from error
            raise

    def refusal(self, error: sqlite3.OperationalError) -> UserError:
        """SQLite's refusal to write, in plain words: :class:`CacheBusy` when another
        process holds the write lock past the busy timeout, else a :class:`UserError`
        (a read-only file or folder, a full disk). Anything else is a bug: as it was."""
        text = str(error).lower()
        if "locked" in text or "busy" in text:
            return CacheBusy(
                f"{self.path}: the cache is busy: another Worthit (an import, a sync or the "
                f"app) is writing to it and did not finish within {BUSY_SECONDS} s; nothing "
                "was changed. Try again when it has finished.")
        if "readonly" in text or "read-only" in text:
            return UserError(f"{self.path}: the cache cannot be written (the file or its "
                             "folder is read-only); nothing was changed.")
        if "full" in text:
            return UserError(f"{self.path}: the disk is full, so the cache cannot be "
                             "written; nothing was changed. Free some space and try again.")
        if "disk i/o" in text:
            return UserError(f"{self.path}: the disk failed while writing the cache "
                             f"({error}); nothing was changed.")
        return UserError(f"{self.path}: SQLite refused the write ({error}).")

    def replace_charges(
        self,
        source_id: str,
        start: dt.date | None,
        end: dt.date | None,
        rows: Iterable[Sequence[Any] | DailyCharges],
        *,
        batch_size: int = 50_000,
        check: Callable[[sqlite3.Connection, tuple[str, str] | None], None] | None = None,
        supersede: Callable[[sqlite3.Connection, int], None] | None = None,
    ) -> int:
        """Replace ``source_id``'s charges for the days ``start``..``end`` with ``rows``;
        with no days given, for the days the rows cover (known once they are read, so a
        file can stream through in batches).

        Rows are tuples in :data:`CHARGE_COLUMN_NAMES` order, or many at once as
        :class:`~worthit.core.daily.DailyCharges`. They are staged first,
        outside the write lock, then swapped in by one short transaction: a re-import
        never double counts, and an exception raised while ``rows`` is consumed (or by
        ``check``, given the connection and the days replaced) leaves the previous rows
        in place. A row of another source or outside the given days (which the next
        replace would not remove) is refused. Rows of one key and day are summed into one
        charge. ``supersede``, given the connection and the newest load of the old rows
        (:meth:`last_load`), deletes the old rows the new ones supersede beyond those (a
        restated bill's, from any source). Returns the rows given."""
        given = (start.isoformat(), end.isoformat()) if start and end else None
        # Read outside the write lock, into this connection's temp schema.
        stage = Stage(self._conn, load=_revision(self._conn) + 1)
        try:
            with paused():  # millions of objects made, no cycles among them
                written, days = _staged(stage, rows, source_id, given, batch_size)
            with self.transaction() as conn:  # the swap: short, whatever the file's size
                before = _revision(conn)  # every charge now held was written by this or before
                stage.keys_in(conn)
                if supersede is not None:
                    supersede(conn, before)
                if days is not None:
                    conn.execute(
                        "DELETE FROM charge_facts WHERE day BETWEEN ? AND ? AND key_id IN "
                        "(SELECT key_id FROM charge_keys WHERE source_id = ?)",
                        (*(day_number_of(day) for day in days), source_id),
                    )
                stage.charges_in(conn, before + 1)
                if check is not None:
                    check(conn, days)  # e.g. reconciliation: raising here rolls all back
                bump_revision(conn)
        finally:
            stage.drop()
        return written

    def last_load(self) -> int:
        """The newest load (charges revision) that wrote charges: charges written later
        have larger ones."""
        return self.revision

    @property
    def identity(self) -> str:
        """Which cache this is: a regenerated file at the same path is another cache (its
        revisions start again), and results cached for the old one must not be reused."""
        return self.get_meta(ID_KEY) or str(self.path)

    @property
    def revision(self) -> int:
        """How many times charges were written; changes whenever any charge does."""
        return int(self.get_meta(REVISION_KEY, "0") or 0)

    # -- reads ----------------------------------------------------------------------------
    # _rows, _scalar, _frame, _conn and _db are for the modules of worthit.store only: every
    # statement lives there, behind a function named for what it reads or writes (ruff's
    # SLF001 keeps it so).

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, params).fetchall()

    def _scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _frame(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pd.DataFrame:
        """A query's result as a DataFrame (pandas is imported only here, off start-up)."""
        import pandas as pd

        cursor = self._conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)

    def data_range(self) -> tuple[dt.date, dt.date] | None:
        """The first and last day that have charges, or None for an empty cache."""
        # Two subqueries: SQLite reads a lone MIN or MAX off the key's end, not both at once.
        first, last = self._conn.execute(
            "SELECT (SELECT MIN(day) FROM charge_facts), (SELECT MAX(day) FROM charge_facts)"
        ).fetchone()
        if first is None:
            return None
        return date_of(first), date_of(last)

    # -- workspace facts ------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        value = self._scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return default if value is None else str(value)

    def set_meta(self, values: dict[str, str]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

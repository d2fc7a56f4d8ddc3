"""What the demo generator writes beside its charges: metrics, inventory, units with
their daily counts, the terms of its commitments and the demo's source row, in one
transaction; and the connection
settings of a cache written once, in bulk, into a temporary file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from worthit.store.cache import Cache
from worthit.store.commitments import write_commitments
from worthit.store.metrics import add_metrics

#: Rows of ``units`` with their ``unit_counts`` rows, as dicts of column -> value.
UnitRows = Sequence[tuple[dict[str, Any], Sequence[dict[str, Any]]]]


def write_demo(cache: Cache, source: dict[str, Any], metrics: Sequence[Sequence[Any]],
               resources: Sequence[dict[str, Any]], units: UnitRows,
               commitments: Sequence[dict[str, Any]] = ()) -> None:
    """Insert the demo's rows (each table's as it is: nothing is replaced) in one
    transaction: metrics (tuples, ``source_id`` first), resources, each unit then its
    counts, the commitments' stated terms (:func:`write_commitments`' dicts), and last
    the ``sources`` row."""
    with cache.transaction() as conn:
        add_metrics(conn, metrics)
        cache._db.table("resources").insert_all(resources)
        for unit, counts in units:
            cache._db.table("units").insert(unit)
            cache._db.table("unit_counts").insert_all(counts)
        write_commitments(conn, source["source_id"], commitments)
        cache._db.table("sources").insert(source)


def bulk_writing(cache: Cache) -> None:
    """A 256 MiB page cache, so the index inserts of two million charges stay in memory."""
    cache._conn.execute("PRAGMA cache_size = -262144")


def fold_wal(cache: Cache) -> None:
    """Fold the write-ahead log into the file and empty it: the file is whole on its own,
    ready to be moved into place."""
    cache._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

"""Every charge as arrays, read from the cache once per write and then from a file beside
it (``worthit.sqlite.charges``) at the disk's speed.

SQLite hands a charge to Python as a tuple: the charge index of 442,547 daily charges and
25,640 keys took 1.2 s to read, every time a process started (``worthit report``, the
app's first Overview), and ten million charges about 20 s. The file holds what that read
returns (each charge's day number, key id, effective, billed and list cost, model usage's
token counts, and the keys' columns) as plain NumPy arrays in one ``.npz`` (32 bytes a
charge, 52 more a model's, the keys' text once per distinct value); reading it back takes
milliseconds.

The cache stays the store of truth; the file is only ever a copy of one state of it:
- it is used only when it was written from the cache with this file's identity, schema
  version and charges revision, and the random stamp the last write of charges left
  (:func:`worthit.store.cache.bump_revision`): a cache restored from a copy and written
  again never meets a file of another state of its charges;
- its arrays are read in one read transaction with that revision, so no write can come
  between them;
- it is written to a temporary name and renamed (a reader sees the whole file or none),
  readable by its owner only, like the cache, and never from a read-only cache;
- anything wrong with it (missing, stale, damaged, unreadable) means the charges are read
  from the cache, and the file is written anew.
Small caches (under :data:`MIN_CHARGES`) read fast enough and write no file."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from worthit import __version__
from worthit.store.cache import REVISION_KEY, STAMP_KEY, Cache
from worthit.store.reads import charge_arrays, charge_keys, usage_arrays

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

SUFFIX: Final = ".charges"
#: Below this many charges the cache is read directly: the file would not pay its write.
#: The demo's 33,742 charges read in 0.09-0.12 s from the cache, 0.02 s from the file
#: (its write adds nothing measurable to the read that precedes it).
MIN_CHARGES: Final = 10_000
#: What the file's layout is; a file of another layout is read as stale.
LAYOUT: Final = 3
_ARRAYS: Final = ("day", "key_id", "cost", "billed", "listed")
_USAGE: Final = ("usage_day", "usage_key_id", "usage_counts")


@dataclass(frozen=True)
class Charges:
    """Every charge in (day, key) order, and every allocation key, at one ``revision``."""

    revision: int
    keys: pd.DataFrame
    day: np.ndarray  # int32 day numbers
    key_id: np.ndarray  # int64
    cost: np.ndarray  # float64 effective (amortised); NaN: none stated
    billed: np.ndarray  # float64 as invoiced; NaN: none stated
    listed: np.ndarray  # float64 list cost; NaN: none stated
    #: The charges of model keys, in (day, key) order: day numbers, key ids, and their
    #: token counts (:data:`~worthit.store.reads.USAGE_COUNTS`, one column each).
    usage_day: np.ndarray
    usage_key_id: np.ndarray
    usage_counts: np.ndarray


def file_of(cache: Cache) -> Path:
    return cache.path.with_name(cache.path.name + SUFFIX)


def read_charges(cache: Cache, *, min_charges: int = MIN_CHARGES) -> Charges:
    """Every charge and key of ``cache``: from its file when that holds this state of the
    charges, else from the cache (and then written to the file, where it pays)."""
    with _read_transaction(cache):
        state = _state(cache)
        found = _load(file_of(cache), state)
        if found is not None:
            return found
        keys = charge_keys(cache)
        day, key_id, cost, billed, listed = charge_arrays(cache)
        usage = usage_arrays(cache)
    charges = Charges(int(state["revision"]), keys, day, key_id, cost, billed, listed, *usage)
    if len(day) >= min_charges and not cache.read_only:
        with contextlib.suppress(OSError, ValueError, TypeError, ImportError):
            _save(file_of(cache), state, charges)  # a copy: without it, reads are slower
    return charges


@contextlib.contextmanager
def _read_transaction(cache: Cache) -> Iterator[None]:
    """One read transaction (WAL: a snapshot of the last commit), unless one is open."""
    conn = cache._conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def _state(cache: Cache) -> dict[str, Any]:
    """What identifies one state of the cache's charges."""
    return {"layout": LAYOUT, "app": __version__, "schema": cache.version,
            "cache": cache.identity, "revision": int(cache.get_meta(REVISION_KEY, "0") or 0),
            "stamp": cache.get_meta(STAMP_KEY)}


def _load(path: Path, state: dict[str, Any]) -> Charges | None:
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as stored:
            found = json.loads(stored["state"].tobytes())
            if found.pop("columns", None) is None or found != state:
                return None
            arrays = [stored[name] for name in _ARRAYS]
            usage = [stored[name] for name in _USAGE]
            keys = _keys_from(stored, json.loads(stored["state"].tobytes())["columns"])
    except Exception:  # missing, damaged or foreign: the cache is read instead
        return None
    if len({len(a) for a in arrays}) != 1 or len({len(a) for a in usage}) != 1:
        return None
    return Charges(int(state["revision"]), keys, *arrays, *usage)


def _save(path: Path, state: dict[str, Any], charges: Charges) -> None:
    """Write the file, unless the keys would not read back exactly as the cache gave them
    (a column of mixed types)."""
    import numpy as np

    stored = _keys_arrays(charges.keys)
    if stored is None:
        return
    columns, arrays = stored
    if not _keys_from(arrays, columns).equals(charges.keys):
        return
    state = {**state, "columns": columns}
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:  # mkstemp's file: 0600, like the cache
            members: dict[str, Any] = {
                "state": np.frombuffer(json.dumps(state).encode(), np.uint8), **arrays,
                **{name: getattr(charges, name) for name in (*_ARRAYS, *_USAGE)}}
            np.savez(out, **members)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _keys_arrays(keys: pd.DataFrame) -> tuple[list[list[str]], dict[str, np.ndarray]] | None:
    """The keys as arrays NumPy stores without pickling: a number column as it is, a text
    column as codes into its distinct values, those as one UTF-8 text with each value's
    length. ([name, dtype] per column, the arrays); None when a column holds anything else.
    """
    import numpy as np
    import pandas as pd

    columns, arrays = [], {}
    for n, name in enumerate(keys.columns):
        column = keys[name]
        columns.append([str(name), str(column.dtype)])
        if column.dtype.kind in "if":
            arrays[f"k{n}"] = column.to_numpy()
            continue
        codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
        values = list(uniques)
        if not all(isinstance(v, str) for v in values):
            return None
        encoded = [v.encode() for v in values]
        arrays[f"k{n}"] = codes.astype(np.int32)
        arrays[f"k{n}t"] = np.frombuffer(b"".join(encoded), np.uint8)
        arrays[f"k{n}n"] = np.array([len(e) for e in encoded], np.int64)
    return columns, arrays


def _keys_from(arrays: Any, columns: list[list[str]]) -> pd.DataFrame:
    """The keys frame from :func:`_keys_arrays`'s arrays (a dict, or the open file)."""
    import numpy as np
    import pandas as pd

    frame = {}
    for n, (name, dtype) in enumerate(columns):
        if f"k{n}t" not in arrays:
            frame[name] = pd.Series(arrays[f"k{n}"], dtype=dtype)
            continue
        text = arrays[f"k{n}t"].tobytes()
        ends = np.cumsum(arrays[f"k{n}n"]).tolist()
        distinct = [text[a:b].decode() for a, b in zip([0, *ends], ends, strict=False)]
        codes = arrays[f"k{n}"]
        column = _arrow_text(distinct, codes) if dtype == "str" else None
        if column is None:
            values = np.array([*distinct, None], dtype=object)
            column = pd.Series(values[codes], dtype=dtype)
        frame[name] = column
    return pd.DataFrame(frame)


def _arrow_text(distinct: list[str], codes: np.ndarray) -> pd.Series | None:
    """A text column (pandas' ``str``) made by Arrow from its distinct values and each
    row's code (-1: missing), where pandas keeps text in Arrow: each row's value turned
    into an Arrow string one by one took 0.04-0.1 s of reading a workspace's keys. None
    where pandas keeps text in Python (no pyarrow, as in the packaged app)."""
    import pandas as pd

    if pd.StringDtype(na_value=float("nan")).storage != "pyarrow":
        return None
    import numpy as np
    import pyarrow as pa

    missing = codes < 0
    at = pa.array(np.where(missing, 0, codes).astype(np.int32), mask=missing)
    if not distinct:
        return pd.Series(pd.array(pa.nulls(len(codes), pa.large_string()), dtype="str"))
    values = pa.DictionaryArray.from_arrays(at, pa.array(distinct, pa.large_string()))
    return pd.Series(pd.array(values.dictionary_decode(), dtype="str"))

"""Every charge as arrays, read from the cache once per write and then from a file beside
it (``worthit.sqlite.charges``) at the disk's speed.

SQLite hands a charge to Python as a tuple: the charge index of 442,547 daily charges and
25,640 keys took 1.2 s to read, every time a process started (``worthit report``, the
app's first Overview), and ten million charges about 20 s. The file holds what that read
returns (each charge's day number, key id, effective, billed and list cost, model usage's
token counts, and the keys' columns) as plain arrays (32 bytes a charge, 52 more a
model's, the keys' text once per distinct value): a header in JSON naming each array's
dtype, shape, offset and checksum, then each array's bytes at its offset, read straight
into a NumPy array. Ten million charges (408 MB) read in 0.2 s; as an ``.npz`` (layout 3)
they took 0.7-1.2 s, zipfile's CRC alone about 0.1-0.25 s of it.

The cache stays the store of truth; the file is only ever a copy of one state of it:
- it is used only when it was written from the cache with this file's identity, schema
  version and charges revision, and the random stamp the last write of charges left
  (:func:`worthit.store.cache.bump_revision`): a cache restored from a copy and written
  again never meets a file of another state of its charges;
- its arrays are read in one read transaction with that revision, so no write can come
  between them;
- it is written to a temporary name and renamed (a reader sees the whole file or none),
  readable by its owner only, like the cache, and never from a read-only cache;
- anything wrong with it (missing, stale, of another layout, damaged: a changed byte fails
  its array's checksum, a wrapping sum of its 64-bit words, 5 ms per 80 MB) means the
  charges are read from the cache, and the file is written anew.
Small caches (under :data:`MIN_CHARGES`) read fast enough and write no file."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final

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
#: What the file's layout is; a file of another layout is read as stale (and rewritten).
LAYOUT: Final = 4
#: How the file begins; then the header's length (8 bytes, little-endian), then the header.
MAGIC: Final = b"WORTHIT-CHARGES\n"
#: Each array's bytes start at a multiple of this.
ALIGN: Final = 64
#: What a header may not exceed (the keys' columns are arrays, not header text).
MAX_HEADER: Final = 1 << 20
#: The dtype kinds an array of the file may have: numbers only, never objects.
KINDS: Final = frozenset("iuf")
#: Whether the arrays are the file's pages, mapped copy-on-write (a private mapping: what
#: their reader changes in place stays its own), rather than read into memory: ten million
#: charges then take 0.03-0.04 s from a file in the page cache, not 0.14-1.0 s (the reads
#: and the kernel's zeroing of fresh pages). Not on Windows, where a mapped file cannot be
#: replaced: the file written anew after a sync would fail while an index held the old.
#: Worthit only ever replaces the file (a new one renamed over it), which leaves a mapping
#: of the old one intact; a file cut short in place by another program while mapped would
#: end the process (SIGBUS), as a cache overwritten under SQLite would corrupt its reads.
MAPPED: Final = os.name == "posix"
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
    #: Text key columns as the file holds them: each row's code into the column's distinct
    #: values (-1: missing), as ``pd.factorize`` of the column gives them; read from the
    #: file, so the index need not factorise the columns again. Empty when read from the
    #: cache.
    key_codes: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)


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
    try:
        with open(path, "rb") as stored:
            header = _header(stored)
            found = header.get("state")
            if not isinstance(found, dict):
                return None
            columns = found.pop("columns", None)
            if columns is None or found != state:
                return None
            arrays = (_mapped if MAPPED else _arrays)(stored, header["arrays"])
        key_codes: dict[str, tuple[np.ndarray, list[str]]] = {}
        keys = _keys_from(arrays, columns, key_codes)
        day, key_id, cost, billed, listed = (arrays[n] for n in _ARRAYS)
        usage_day, usage_key_id, usage_counts = (arrays[n] for n in _USAGE)
        charges = Charges(int(state["revision"]), keys, day, key_id, cost, billed, listed,
                          usage_day, usage_key_id, usage_counts, key_codes)
    except Exception:  # missing, damaged or foreign: the cache is read instead
        return None
    if len({len(getattr(charges, n)) for n in _ARRAYS}) != 1 or \
            len({len(getattr(charges, n)) for n in _USAGE}) != 1:
        return None
    return charges


def _header(stored: BinaryIO) -> dict[str, Any]:
    """The file's header (ValueError when it does not begin as this layout's file)."""
    start = stored.read(len(MAGIC) + 8)
    if len(start) != len(MAGIC) + 8 or not start.startswith(MAGIC):
        raise ValueError("not a file of charges of this layout")
    size = int.from_bytes(start[len(MAGIC):], "little")
    if size > MAX_HEADER:
        raise ValueError("header too long")
    header = json.loads(stored.read(size))
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    return header


def _arrays(stored: io.BufferedReader, listed: list[Any]) -> dict[str, np.ndarray]:
    """Each array the header lists, read from its offset into an array of its own (they
    are changed in place by their reader) and checked against its checksum."""
    arrays = {}
    for name, dtype, shape, offset, checksum in listed:
        array = _empty(name, dtype, shape)
        stored.seek(offset)
        if array.nbytes and stored.readinto(array.data.cast("B")) != array.nbytes:
            raise ValueError(f"array {name}: cut short")
        arrays[str(name)] = _checked(name, array, checksum)
    return arrays


def _mapped(stored: BinaryIO, listed: list[Any]) -> dict[str, np.ndarray]:
    """Each array the header lists, as the file's pages at its offset (copy-on-write),
    checked against its checksum."""
    import mmap

    import numpy as np

    pages = mmap.mmap(stored.fileno(), 0, access=mmap.ACCESS_COPY)
    arrays = {}
    for name, dtype, shape, offset, checksum in listed:
        array = _empty(name, dtype, shape)
        if array.size:  # else the empty array itself
            array = np.frombuffer(pages, array.dtype, array.size, offset).reshape(array.shape)
        arrays[str(name)] = _checked(name, array, checksum)
    return arrays


def _empty(name: str, dtype: str, shape: list[Any]) -> np.ndarray:
    """An array of ``dtype`` and ``shape`` as a header names them: numbers only."""
    import numpy as np

    kind = np.dtype(dtype)
    if kind.kind not in KINDS or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError(f"array {name}: not an array of numbers")
    return np.empty(tuple(shape), kind)


def _checked(name: str, array: np.ndarray, checksum: int) -> np.ndarray:
    if _checksum(array) != checksum:
        raise ValueError(f"array {name}: damaged")
    return array


def _checksum(array: np.ndarray) -> int:
    """A wrapping sum of the array's bytes as little-endian 64-bit words (the last one
    padded with zeros): any one changed word changes it; summed at memory speed."""
    import numpy as np

    raw = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    whole = len(raw) // 8 * 8
    total = int(raw[:whole].view("<u8").sum(dtype=np.uint64))
    tail = bytes(raw[whole:]).ljust(8, b"\0") if whole < len(raw) else b"\0" * 8
    return (total + int.from_bytes(tail, "little")) % (1 << 64)


def _save(path: Path, state: dict[str, Any], charges: Charges) -> None:
    """Write the file, unless the keys would not read back exactly as the cache gave them
    (a column of mixed types)."""
    stored = _keys_arrays(charges.keys)
    if stored is None:
        return
    columns, arrays = stored
    if not _keys_from(arrays, columns).equals(charges.keys):
        return
    members = {**arrays, **{name: getattr(charges, name) for name in (*_ARRAYS, *_USAGE)}}
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:  # mkstemp's file: 0600, like the cache
            _write(out, {**state, "columns": columns}, members)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _write(out: BinaryIO, state: dict[str, Any], members: dict[str, np.ndarray]) -> None:
    """The header, then each array's bytes at the offset it names."""
    import numpy as np

    contiguous = {name: np.ascontiguousarray(array) for name, array in members.items()}
    sums = {name: _checksum(array) for name, array in contiguous.items()}

    def header(offsets: list[int]) -> bytes:
        listed = [[name, array.dtype.str, list(array.shape), at, sums[name]]
                  for (name, array), at in zip(contiguous.items(), offsets, strict=True)]
        return json.dumps({"state": state, "arrays": listed}).encode()

    # Laid out after a header whose offsets have as many digits as any can have: the
    # header written, with the offsets themselves, is no longer than that.
    at = _aligned(len(MAGIC) + 8 + len(header([10 ** 15] * len(contiguous))))
    offsets = []
    for array in contiguous.values():
        offsets.append(at)
        at = _aligned(at + array.nbytes)
    text = header(offsets)
    out.write(MAGIC + len(text).to_bytes(8, "little") + text)
    for array, at in zip(contiguous.values(), offsets, strict=True):
        out.write(b"\0" * (at - out.tell()))
        if array.nbytes:  # an empty array has no bytes (nor a view of them)
            out.write(array.data.cast("B"))


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN


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


def _keys_from(arrays: Any, columns: list[list[str]],
               codes_out: dict[str, tuple[np.ndarray, list[str]]] | None = None) -> pd.DataFrame:
    """The keys frame from :func:`_keys_arrays`'s arrays (a dict, or the open file); each
    text column's codes and distinct values also into ``codes_out`` (what ``pd.factorize``
    of the column gives: the file's codes were made by it, and the frame is checked to
    read back equal before the file is written)."""
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
        if codes_out is not None:
            codes_out[name] = (codes.astype(np.intp), distinct)
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

"""The file beside the cache that holds every charge as arrays (worthit.store.charge_file):
it reads back exactly what the cache holds, is used only for the state of the charges it
was written from (a write, a restored copy, a migrated or regenerated cache all read the
cache again), survives damage by reading the cache, is private, and is never written
beside a read-only cache. Every expected value comes from the cache's own reads."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store import charge_file
from worthit.store.cache import Cache
from worthit.store.charge_file import file_of, read_charges
from worthit.store.reads import charge_arrays, charge_keys, usage_arrays

JAN_1 = dt.date(2024, 1, 1)


def charge(day: int, cost: float, resource: str, **extra: Any) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "bill", "charge_period_start": (JAN_1 + dt.timedelta(days=day)).isoformat(),
        "provider_name": "AWS", "service_category": "Compute", "service_name": "EC2",
        "resource_id": resource, "charge_category": "Usage", "billed_cost": cost,
        "effective_cost": cost * 0.9 if day % 2 else cost, "billing_currency": "USD",
        "tags": '{"team": "search"}' if day % 3 else None,
        "x_model": "claude-haiku" if resource == "i-1" else None,
        "x_input_tokens": 1000 * day if resource == "i-1" else None,
        "x_requests": day if resource == "i-1" else None,
    }
    values.update(extra)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def fill(cache: Cache, scale: float = 1.0, resources: int = 5) -> None:
    rows = [charge(day, scale * (day + r + 1), f"i-{r}") for day in range(20)
            for r in range(resources)]
    cache.replace_charges("bill", JAN_1, JAN_1 + dt.timedelta(days=19), rows)


def from_cache(cache: Cache) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    return charge_keys(cache), (*charge_arrays(cache), *usage_arrays(cache))


def assert_same(found: charge_file.Charges, cache: Cache) -> None:
    keys, arrays = from_cache(cache)
    pd.testing.assert_frame_equal(found.keys, keys)
    for got, want in zip((found.day, found.key_id, found.cost, found.billed, found.listed,
                          found.usage_day, found.usage_key_id, found.usage_counts), arrays,
                         strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


def test_the_file_reads_back_what_the_cache_holds(cache: Cache) -> None:
    fill(cache)
    first = read_charges(cache, min_charges=1)
    assert file_of(cache).is_file()
    assert_same(first, cache)
    again = read_charges(cache, min_charges=1)
    assert_same(again, cache)
    assert again.revision == cache.revision


def test_the_file_gives_each_text_columns_codes_as_factorize_does(cache: Cache) -> None:
    """The charge index takes a text key column's codes and distinct values from the file
    instead of factorising the column again: they are what ``pd.factorize`` gives."""
    fill(cache)
    assert read_charges(cache, min_charges=1).key_codes == {}  # read from the cache
    found = read_charges(cache, min_charges=1)  # from the file
    keys = charge_keys(cache)
    text = [name for name in keys.columns if keys[name].dtype.kind not in "iuf"]
    assert sorted(found.key_codes) == sorted(text)
    for name in text:
        codes, uniques = pd.factorize(keys[name].astype(object), use_na_sentinel=True)
        got, distinct = found.key_codes[name]
        np.testing.assert_array_equal(got, codes)
        assert got.dtype == codes.dtype
        assert distinct == list(uniques)


def test_arrays_changed_in_place_leave_the_file_as_it_was(cache: Cache) -> None:
    """The charge index shifts the days and zeroes unstated costs in the arrays it was
    given: mapped from the file, the change stays the reader's own."""
    fill(cache)
    read_charges(cache, min_charges=1)
    found = read_charges(cache, min_charges=1)
    found.day[:] -= found.day[0]
    found.cost[:] = -1.0
    assert_same(read_charges(cache, min_charges=1), cache)


def test_a_second_read_comes_from_the_file(cache: Cache, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    fill(cache)
    read_charges(cache, min_charges=1)

    def refused(*_: Any, **__: Any) -> Any:
        raise AssertionError("read the cache")

    monkeypatch.setattr(charge_file, "charge_arrays", refused)
    monkeypatch.setattr(charge_file, "charge_keys", refused)
    monkeypatch.setattr(charge_file, "usage_arrays", refused)
    found = read_charges(cache, min_charges=1)
    monkeypatch.undo()
    assert_same(found, cache)


@pytest.fixture(params=[True, False], ids=["mapped", "read"], autouse=True)
def mapped(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Every test with the arrays mapped from the file (POSIX) and read into memory
    (Windows)."""
    monkeypatch.setattr(charge_file, "MAPPED", request.param)
    return bool(request.param)


@pytest.mark.parametrize("arrow", [True, False], ids=["text by arrow", "text by python"])
def test_keys_read_back_equal_with_or_without_arrow_text(
        cache: Cache, monkeypatch: pytest.MonkeyPatch, arrow: bool) -> None:
    """Text columns are made by Arrow from their distinct values where pandas keeps text
    in Arrow, else one value at a time (the packaged app has no pyarrow): the same keys,
    missing values and empty text included."""
    rows = [charge(day, day + 1.0, f"i-{day % 3}", sub_account_id=None if day % 2 else "",
                   tags=None) for day in range(8)]
    cache.replace_charges("bill", JAN_1, JAN_1 + dt.timedelta(days=7), rows)
    if not arrow:
        monkeypatch.setattr(charge_file, "_arrow_text", lambda *_: None)
    read_charges(cache, min_charges=1)  # writes the file
    assert_same(read_charges(cache, min_charges=1), cache)


def test_a_write_to_the_charges_makes_the_file_stale(cache: Cache) -> None:
    fill(cache)
    read_charges(cache, min_charges=1)
    fill(cache, scale=3.0, resources=7)
    assert_same(read_charges(cache, min_charges=1), cache)
    assert float(np.nansum(read_charges(cache, min_charges=1).billed)) == pytest.approx(
        sum(3.0 * (d + r + 1) for d in range(20) for r in range(7)))


def test_a_restored_copy_written_to_the_same_revision_is_not_taken_for_it(
        tmp_path: Path) -> None:
    path = tmp_path / "worthit.sqlite"
    with Cache.open(path) as cache:
        fill(cache)
    shutil.copy(path, tmp_path / "copy.sqlite")
    with Cache.open(path) as cache:
        fill(cache, scale=2.0)
        read_charges(cache, min_charges=1)  # the file: this state, revision 2
        revision = cache.revision
    shutil.copy(tmp_path / "copy.sqlite", path)  # the manager restores the copy …
    with Cache.open(path) as cache:
        fill(cache, scale=5.0, resources=2)  # … and syncs again: revision 2 again
        assert cache.revision == revision
        assert_same(read_charges(cache, min_charges=1), cache)


def test_a_damaged_file_reads_the_cache_and_is_written_again(cache: Cache) -> None:
    fill(cache)
    read_charges(cache, min_charges=1)
    file_of(cache).write_bytes(file_of(cache).read_bytes()[:300])
    assert_same(read_charges(cache, min_charges=1), cache)
    assert_same(read_charges(cache, min_charges=1), cache)
    file_of(cache).write_bytes(b"not a file of charges")
    assert_same(read_charges(cache, min_charges=1), cache)


def test_a_changed_byte_in_an_array_reads_the_cache(cache: Cache) -> None:
    """The arrays are read straight from their offsets in the file: a byte changed in one
    (its header intact) fails its checksum, and the cache is read instead."""
    fill(cache)
    read_charges(cache, min_charges=1)
    path = file_of(cache)
    content = bytearray(path.read_bytes())
    size = int.from_bytes(content[len(charge_file.MAGIC):len(charge_file.MAGIC) + 8], "little")
    start = len(charge_file.MAGIC) + 8
    header = json.loads(bytes(content[start:start + size]))
    offset = next(at for name, _, _, at, _ in header["arrays"] if name == "cost")
    content[offset + 8 * 99 + 2] ^= 0xFF  # inside the last cost
    path.write_bytes(bytes(content))
    assert_same(read_charges(cache, min_charges=1), cache)


def test_a_file_of_the_layout_before_is_read_as_stale_and_written_anew(cache: Cache) -> None:
    """Layout 3 was an ``.npz``: one left from an older Worthit reads the cache, and the
    file is then written in this layout."""
    fill(cache)
    _, arrays = from_cache(cache)
    with file_of(cache).open("wb") as old:
        np.savez(old, day=arrays[0], cost=arrays[2])
    assert zipfile.is_zipfile(file_of(cache))
    assert_same(read_charges(cache, min_charges=1), cache)
    assert file_of(cache).read_bytes().startswith(charge_file.MAGIC)
    assert not zipfile.is_zipfile(file_of(cache))


def test_the_file_is_private_and_small_caches_write_none(cache: Cache) -> None:
    fill(cache)
    read_charges(cache)  # 100 charges: under the default minimum
    assert not file_of(cache).exists()
    read_charges(cache, min_charges=100)
    assert stat.S_IMODE(file_of(cache).stat().st_mode) == 0o600
    assert [p.name for p in file_of(cache).parent.iterdir()
            if p.name.startswith(file_of(cache).name)] == [file_of(cache).name]


def test_a_read_only_cache_writes_no_file_but_reads_one(tmp_path: Path) -> None:
    path = tmp_path / "worthit.sqlite"
    with Cache.open(path) as cache:
        fill(cache)
    with Cache.open_read_only(path) as cache:
        assert_same(read_charges(cache, min_charges=1), cache)
        assert not file_of(cache).exists()
    with Cache.open(path) as cache:
        read_charges(cache, min_charges=1)
    with Cache.open_read_only(path) as cache:
        assert_same(read_charges(cache, min_charges=1), cache)


def test_keys_of_mixed_types_write_no_file_and_still_read(cache: Cache) -> None:
    fill(cache)
    # A column of numbers keeps text SQLite cannot read as one: an older or hand-edited
    # cache may hold a batch flag as text beside others as numbers.
    cache._conn.execute("UPDATE charge_keys SET x_batch = 'yes' "
                        "WHERE key_id = (SELECT MIN(key_id) FROM charge_keys)")
    cache._conn.execute("UPDATE charge_keys SET x_batch = 1 "
                        "WHERE key_id = (SELECT MAX(key_id) FROM charge_keys)")
    keys, _ = from_cache(cache)
    assert {type(v) for v in keys["x_batch"]} >= {int, str}
    assert_same(read_charges(cache, min_charges=1), cache)
    assert not file_of(cache).exists()

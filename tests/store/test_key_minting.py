"""How the stage mints a key's id (:meth:`worthit.store.staging.Stage.mint`): a key given
in any Python form gets the id of the form SQLite stores it in, whichever way the stage
finds that form (as given, or by asking SQLite)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from worthit.core.focus import KEY_COLUMNS
from worthit.store.cache import Cache
from worthit.store.staging import _AS_STORED, Stage

BATCH_AT = KEY_COLUMNS.index("x_batch")
TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "111122223333", "1.5"]),
                 st.integers(-3, 111122223333), st.floats(-2.0, 2.0), st.booleans())
BATCH = st.sampled_from([None, 0, 1, True, False, 0.0, 1.0, "1"])


@st.composite
def keys(draw: st.DrawFn) -> tuple[Any, ...]:
    key = [draw(TEXT) if draw(st.booleans()) else None for _ in KEY_COLUMNS]
    key[BATCH_AT] = draw(BATCH)
    return tuple(key)


@given(found=st.lists(keys(), min_size=1, max_size=8))
def test_a_key_gets_the_id_of_its_stored_form(tmp_path_factory: Any,
                                              found: list[tuple[Any, ...]]) -> None:
    folder: Path = tmp_path_factory.mktemp("keys")
    with Cache.open(folder / "worthit.sqlite") as cache:
        conn: sqlite3.Connection = cache._conn
        stage = Stage(conn)
        try:
            for key in found:
                stored = tuple(conn.execute(_AS_STORED, key).fetchone())
                assert stage.mint(key) == stage.mint(stored)
            # One id per stored form, and only the stored forms are staged.
            forms = {tuple(conn.execute(_AS_STORED, key).fetchone()) for key in found}
            assert len({stage.mint(key) for key in found}) == len(forms)
            assert {row[1:] for row in stage.new} == forms
        finally:
            stage.drop()

"""Charges handed to Cache.replace_charges by column (DailyCharges, as lists or as numpy
columns) leave the cache the same file, to the bit, as the same charges given one row at a
time: keys numbered alike, figures summed and stored alike, a key's charges of one day
added into one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worthit.core.daily import DailyCharges, rows_of
from worthit.core.days import day_number_of
from worthit.core.errors import BadInput
from worthit.core.focus import CHARGE_COLUMN_NAMES, FACT_COLUMNS
from worthit.store.cache import Cache
from worthit.store.staging import Stage

DAYS = ("2025-03-01", "2025-03-02", "2025-03-31")
FIGURE = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.5, -2.25]),
                   st.floats(-1e9, 1e9, allow_nan=False))
TOKENS = st.one_of(st.none(), st.integers(0, 10**12))
INTEGER = {c for c, _ in FACT_COLUMNS if c.startswith("x_")}


def key(source: str, service: str, model: str | None) -> list[Any]:
    values = {"source_id": source, "provider_name": "AWS", "service_name": service,
              "x_model": model, "billing_currency": "USD", "charge_category": "Usage"}
    return [values.get(name) for name in CHARGE_COLUMN_NAMES]


KEYS = [key("s", service, model) for service in ("EC2", "Bedrock", "S3")
        for model in (None, "nova-micro")]


@st.composite
def blocks(draw: st.DrawFn, distinct: bool,
           absent: frozenset[str] = frozenset()) -> list[DailyCharges]:
    """Blocks of charges by column: a key and day possibly more than once, or (``distinct``)
    each once, the blocks a span of days each, in order (as an import hands them over);
    the figures of the ``absent`` columns all None."""
    out = []
    spans = [DAYS[:1], DAYS[1:2], DAYS[2:]] if distinct else [DAYS] * draw(st.integers(1, 3))
    for days in spans:
        used = draw(st.lists(st.sampled_from(range(len(KEYS))), min_size=1, max_size=4,
                             unique=True))
        pairs = st.tuples(st.integers(0, len(used) - 1), st.sampled_from(days))
        charges = draw(st.lists(pairs, max_size=12, unique=distinct))
        count = len(charges)
        out.append(DailyCharges(
            [list(KEYS[k]) for k in used], [k for k, _ in charges],
            [day_number_of(d) for _, d in charges],
            tuple([None] * count if column in absent else
                  draw(st.lists(TOKENS if column in INTEGER else FIGURE, min_size=count,
                                max_size=count)) for column, _ in FACT_COLUMNS)))
    return out


def as_arrays(block: DailyCharges) -> DailyCharges:
    """The same charges as numpy columns, as an import hands them over (NaN: None)."""
    return DailyCharges(block.keys, np.asarray(block.key, dtype=np.intp),
                        np.asarray(block.days, dtype=np.int64),
                        tuple(np.array([np.nan if v is None else float(v) for v in column],
                                       dtype=np.float64) for column in block.figures))


def contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    # Each value with its type: 5 stored as an integer or a real, '' or NULL, all count.
    out = {}
    with sqlite3.connect(path) as conn:
        for table in ("charge_keys", "charge_facts"):
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            typed = ", ".join(f"{c}, typeof({c})" for c in columns)
            out[table] = conn.execute(f"SELECT {typed} FROM {table} ORDER BY 1, 3").fetchall()
    return out


def stored_alike(folder: Path, given_blocks: list[DailyCharges],
                 handed: list[DailyCharges]) -> list[tuple[bool, int]]:
    """Store the blocks' charges as rows, and as ``handed`` (the same blocks, in some
    form), into two caches in ``folder``; assert both say they wrote them all and hold the
    same. Returns what the second's swap found staged: (Stage.unique, Stage.facts)."""
    with Cache.open(folder / "rows.sqlite") as cache:
        by_row = cache.replace_charges("s", None, None, list(rows_of(given_blocks)))
    swaps: list[tuple[bool, int]] = []
    charges_in = Stage.charges_in

    def spy(stage: Stage, *args: Any) -> None:
        swaps.append((stage.unique, stage.facts))
        charges_in(stage, *args)

    with pytest.MonkeyPatch.context() as patch, \
            Cache.open(folder / "columns.sqlite") as cache:
        patch.setattr(Stage, "charges_in", spy)
        by_column = cache.replace_charges("s", None, None, handed)
    assert by_row == by_column == sum(map(len, given_blocks))
    assert contents(folder / "columns.sqlite") == contents(folder / "rows.sqlite")
    return swaps


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(distinct=st.booleans(), data=st.data())
def test_charges_by_column_store_as_their_rows_do(tmp_path_factory: pytest.TempPathFactory,
                                                  distinct: bool, data: st.DataObject) -> None:
    """Charges of one day and key each are copied rather than added up (Stage.unique):
    stored all the same."""
    given_blocks = data.draw(blocks(distinct))
    swaps = stored_alike(tmp_path_factory.mktemp("caches"), given_blocks, given_blocks)
    copied = [unique for unique, _ in swaps]
    assert copied == [distinct or copied[0]]  # distinct charges are always known to be


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(distinct=st.booleans(), data=st.data())
def test_figures_no_charge_has_are_staged_as_null_and_stored_as_by_row(
        tmp_path_factory: pytest.TempPathFactory, distinct: bool, data: st.DataObject) -> None:
    """A figure none of a block's charges has (a bill without tokens) is not bound value by
    value: the charges are staged without it, and stored as the same charges given one row
    at a time are."""
    absent = data.draw(st.frozensets(st.sampled_from([c for c, _ in FACT_COLUMNS])))
    given_blocks = data.draw(blocks(distinct, absent))
    folder = tmp_path_factory.mktemp("caches")
    with Cache.open(folder / "rows.sqlite") as cache:
        cache.replace_charges("s", None, None, list(rows_of(given_blocks)))
    staged: list[tuple[str, ...]] = []
    insert = Stage._insert

    def spy(stage: Stage, values: list[Any], *facts: tuple[str, ...]) -> int:
        staged.extend(facts)
        return insert(stage, values, *facts)

    with pytest.MonkeyPatch.context() as patch, \
            Cache.open(folder / "columns.sqlite") as cache:
        patch.setattr(Stage, "_insert", spy)
        cache.replace_charges("s", None, None, given_blocks)
    assert contents(folder / "columns.sqlite") == contents(folder / "rows.sqlite")
    names = dict(FACT_COLUMNS)
    for facts, block in zip(staged, given_blocks, strict=True):
        assert not {names[c] for c in absent} & set(facts), len(block)


def test_charges_by_column_of_another_source_or_day_are_refused(tmp_path: Path) -> None:
    import datetime as dt

    block = DailyCharges([key("other", "EC2", None)], [0], [day_number_of("2025-03-01")],
                         tuple([1.0] for _ in FACT_COLUMNS))
    late = DailyCharges([key("s", "EC2", None)], [0], [day_number_of("2025-04-01")],
                        tuple([1.0] for _ in FACT_COLUMNS))
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        with pytest.raises(BadInput, match="outside source 's'"):
            cache.replace_charges("s", None, None, [block])
        with pytest.raises(BadInput, match="from 2025-03-01 to 2025-03-31"):
            cache.replace_charges("s", dt.date(2025, 3, 1), dt.date(2025, 3, 31), [late])
        assert cache._scalar("SELECT COUNT(*) FROM charge_facts") == 0


def test_charges_by_column_must_have_a_value_of_each_figure_for_each_charge() -> None:
    with pytest.raises(ValueError, match="2 charges"):
        DailyCharges([key("s", "EC2", None)], [0, 0], [1, 2],
                     tuple([1.0] for _ in FACT_COLUMNS))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(distinct=st.booleans(), data=st.data())
def test_charges_by_numpy_column_store_as_their_rows_do(
        tmp_path_factory: pytest.TempPathFactory, distinct: bool, data: st.DataObject) -> None:
    """Charges as numpy columns, each of a day and key once, are staged as the cache stores
    them (figures NULL, '' or bound) and copied in whole; any two of one day and key, and
    they are added up as rows would be. Stored all the same, to the bit and the type."""
    absent = data.draw(st.frozensets(st.sampled_from([c for c, _ in FACT_COLUMNS])))
    given_blocks = data.draw(blocks(distinct, absent))
    swaps = stored_alike(tmp_path_factory.mktemp("caches"), given_blocks,
                         list(map(as_arrays, given_blocks)))
    staged = [facts for _, facts in swaps]
    if distinct:  # all staged as stored: none left to add up
        assert staged == [sum(map(len, given_blocks))]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), rows_at=st.integers(0, 3))
def test_rows_after_charges_by_numpy_column_move_them_to_be_added_up(
        tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, rows_at: int) -> None:
    """Charges given as rows among blocks by column (a key and day possibly in both): the
    blocks staged as stored so far are staged again as values, and all added up as rows."""
    given_blocks: list[Any] = data.draw(blocks(True))
    rows = list(rows_of(data.draw(blocks(True))))
    mixed = [*map(as_arrays, given_blocks[:rows_at]), *rows,
             *map(as_arrays, given_blocks[rows_at:])]
    plain = [*rows_of(given_blocks[:rows_at]), *rows, *rows_of(given_blocks[rows_at:])]
    folder = tmp_path_factory.mktemp("caches")
    with Cache.open(folder / "rows.sqlite") as cache:
        cache.replace_charges("s", None, None, plain)
    with Cache.open(folder / "mixed.sqlite") as cache:
        cache.replace_charges("s", None, None, mixed)
    assert contents(folder / "mixed.sqlite") == contents(folder / "rows.sqlite")


def test_charges_by_numpy_column_into_a_cache_holding_charges(tmp_path: Path) -> None:
    """A second import (the cache holds charges, of other days and sources): the staged
    charges go in beside them, the days replaced gone, as rows would."""
    first = DailyCharges([key("s", "EC2", None), key("s", "S3", None)], [0, 1, 0],
                         [day_number_of(d) for d in DAYS], tuple(
                             [1.0, 2.0, None] if c in INTEGER else [1.5, -0.0, 3.0]
                             for c, _ in FACT_COLUMNS))
    second = DailyCharges([key("s", "S3", None)], [0], [day_number_of(DAYS[1])],
                          tuple([7.0] for _ in FACT_COLUMNS))
    other = DailyCharges([key("t", "EC2", None)], [0], [day_number_of(DAYS[1])],
                         tuple([4.0] for _ in FACT_COLUMNS))
    caches = {}
    for name, convert in (("rows", lambda b: list(b.rows())), ("arrays", as_arrays)):
        path = caches[name] = tmp_path / f"{name}.sqlite"
        with Cache.open(path) as cache:
            for source, block in (("s", first), ("t", other), ("s", second)):
                cache.replace_charges(source, None, None, convert(block)
                                      if name == "rows" else [convert(block)])
    assert contents(caches["arrays"]) == contents(caches["rows"])
    with sqlite3.connect(caches["arrays"]) as conn:
        assert conn.execute("SELECT COUNT(*), TOTAL(billed) FROM charge_facts").fetchone() \
            == (4, 1.5 + 3.0 + 4.0 + 7.0)  # s's second day replaced, by 7.0


def test_a_token_count_beyond_sqlites_integers_is_refused_as_rows_refuse_it() -> None:
    block = DailyCharges([key("s", "Bedrock", "nova-micro")], np.zeros(1, dtype=np.intp),
                         np.zeros(1, dtype=np.int64),
                         tuple(np.array([2.0 ** 63]) for _ in FACT_COLUMNS))
    with pytest.raises(OverflowError):
        list(block.rows())

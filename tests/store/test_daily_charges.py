"""Charges handed to Cache.replace_charges by column (DailyCharges) leave the cache the same
file, to the bit, as the same charges given one row at a time: keys numbered alike, figures
summed and stored alike, a key's charges of one day added into one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

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


def contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("charge_keys", "charge_facts")}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(distinct=st.booleans(), data=st.data())
def test_charges_by_column_store_as_their_rows_do(tmp_path_factory: pytest.TempPathFactory,
                                                  distinct: bool, data: st.DataObject) -> None:
    """Charges of one day and key each are copied rather than added up (Stage.unique):
    stored all the same."""
    given_blocks = data.draw(blocks(distinct))
    folder = tmp_path_factory.mktemp("caches")
    with Cache.open(folder / "rows.sqlite") as cache:
        by_row = cache.replace_charges("s", None, None, list(rows_of(given_blocks)))
    copied: list[bool] = []
    charges_in = Stage.charges_in

    def spy(stage: Stage, *args: Any) -> None:
        copied.append(stage.unique)
        charges_in(stage, *args)

    with pytest.MonkeyPatch.context() as patch, \
            Cache.open(folder / "columns.sqlite") as cache:
        patch.setattr(Stage, "charges_in", spy)
        by_column = cache.replace_charges("s", None, None, given_blocks)
    assert by_row == by_column == sum(map(len, given_blocks))
    assert contents(folder / "columns.sqlite") == contents(folder / "rows.sqlite")
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

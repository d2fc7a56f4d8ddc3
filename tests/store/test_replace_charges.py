"""Cache.replace_charges: one source's days are replaced atomically, never double counted."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worthit.core.errors import BadInput
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache
from worthit.store.charges import source_totals

D = dt.date
Row = tuple[Any, ...]


def charge(source_id: str, day: dt.date, cost: float, *, model: str = "claude-haiku") -> Row:
    """A usage row in CHARGE_COLUMN_NAMES order."""
    values: dict[str, Any] = {
        "source_id": source_id,
        "charge_period_start": day.isoformat(),
        "provider_name": "Anthropic",
        "service_category": "AI and Machine Learning",
        "service_name": "Messages API",
        "charge_category": "Usage",
        "billed_cost": cost,
        "effective_cost": cost,
        "list_cost": cost,
        "billing_currency": "USD",
        "tags": "{}",
        "x_model": model,
        "x_requests": 1,
    }
    assert set(values) <= set(CHARGE_COLUMN_NAMES)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def all_rows(conn: sqlite3.Connection) -> list[Row]:
    """Every charge, in a stable order, as plain tuples."""
    columns = ", ".join(CHARGE_COLUMN_NAMES)
    return sorted(
        (tuple(r) for r in conn.execute(f"SELECT {columns} FROM charges")),
        key=repr,
    )


def totals(cache: Cache) -> dict[tuple[str, str], float]:
    return {
        (r["source_id"], r["charge_period_start"]): r["total"]
        for r in cache._rows(
            "SELECT source_id, charge_period_start, SUM(effective_cost) AS total "
            "FROM charges GROUP BY 1, 2"
        )
    }


JAN_1, JAN_31 = D(2024, 1, 1), D(2024, 1, 31)


@pytest.fixture
def seeded(cache: Cache) -> Cache:
    """Two sources, each with a row of 10.0 and one of 1.0 on every day of January."""
    for source in ("anthropic", "openai"):
        rows = [charge(source, d, c) for d in days(JAN_1, JAN_31) for c in (10.0, 1.0)]
        assert cache.replace_charges(source, JAN_1, JAN_31, rows) == len(rows)
    return cache


def test_replaces_only_that_source_and_those_days(seeded: Cache) -> None:
    before = totals(seeded)
    start, end = D(2024, 1, 10), D(2024, 1, 12)
    new = [charge("anthropic", d, 5.0) for d in days(start, end)]

    assert seeded.replace_charges("anthropic", start, end, new) == 3

    after = totals(seeded)
    for (source, day), total in before.items():
        replaced = source == "anthropic" and start <= D.fromisoformat(day) <= end
        assert after[(source, day)] == (5.0 if replaced else total), (source, day)
    assert set(after) == set(before)
    # One charge per key and day: each day's two rows of a source were summed into one.
    assert seeded._scalar("SELECT COUNT(*) FROM charges") == 2 * 31


def test_an_empty_import_clears_the_range(seeded: Cache) -> None:
    assert seeded.replace_charges("openai", D(2024, 1, 31), D(2024, 1, 31), []) == 0
    after = totals(seeded)
    assert ("openai", "2024-01-31") not in after
    assert after[("anthropic", "2024-01-31")] == 11.0
    assert after[("openai", "2024-01-30")] == 11.0


@pytest.mark.parametrize("batch_size", [1, 7, 50_000])
def test_reimporting_the_same_rows_never_double_counts(cache: Cache, batch_size: int) -> None:
    rows = [charge("anthropic", d, 2.5) for d in days(JAN_1, JAN_31)]
    cache.replace_charges("anthropic", JAN_1, JAN_31, rows, batch_size=batch_size)
    first = all_rows(cache._conn)
    for _ in range(3):
        cache.replace_charges("anthropic", JAN_1, JAN_31, iter(rows), batch_size=batch_size)
    assert all_rows(cache._conn) == first
    assert cache._scalar("SELECT SUM(effective_cost) FROM charges") == pytest.approx(31 * 2.5)


def test_a_restatement_replaces_the_old_figures(seeded: Cache) -> None:
    restated = [charge("anthropic", d, 3.0, model="claude-opus") for d in days(JAN_1, JAN_31)]
    seeded.replace_charges("anthropic", JAN_1, JAN_31, restated)
    models = seeded._rows("SELECT DISTINCT x_model FROM charges WHERE source_id = 'anthropic'")
    assert [r[0] for r in models] == ["claude-opus"]
    assert seeded._scalar(
        "SELECT SUM(effective_cost) FROM charges WHERE source_id = 'anthropic'"
    ) == pytest.approx(31 * 3.0)
    assert seeded._scalar(
        "SELECT SUM(effective_cost) FROM charges WHERE source_id = 'openai'"
    ) == pytest.approx(31 * 11.0)


class Cancelled(Exception):
    """Stands for a cancel or a connector failure raised while rows are read."""


def failing_after(rows: Iterable[Row], count: int) -> Iterator[Row]:
    for index, row in enumerate(rows):
        if index == count:
            raise Cancelled
        yield row


@pytest.mark.parametrize("error", [Cancelled, KeyboardInterrupt])
def test_a_failure_midway_leaves_the_previous_rows(
    seeded: Cache, error: type[BaseException]
) -> None:
    before = all_rows(seeded._conn)
    new = [charge("anthropic", d, 99.0) for d in days(JAN_1, JAN_31)]

    def rows() -> Iterator[Row]:
        yield from new[:20]  # four batches of 5 are written first
        raise error

    with pytest.raises(error):
        seeded.replace_charges("anthropic", JAN_1, JAN_31, rows(), batch_size=5)

    assert not seeded._conn.in_transaction
    assert all_rows(seeded._conn) == before
    independent = sqlite3.connect(seeded.path)
    try:
        assert all_rows(independent) == before
    finally:
        independent.close()
    # Nothing is left locked: the next sync can write.
    assert seeded.replace_charges("anthropic", JAN_1, JAN_1, new[:1]) == 1


def test_a_failure_leaves_the_file_unchanged_for_a_fresh_open(tmp_path: Path) -> None:
    path = tmp_path / "worthit.sqlite"
    old = [charge("aws", d, 1.0) for d in days(JAN_1, JAN_31)]
    with Cache.open(path) as cache:
        cache.replace_charges("aws", JAN_1, JAN_31, old)
        with pytest.raises(Cancelled):
            cache.replace_charges(
                "aws",
                JAN_1,
                JAN_31,
                failing_after([charge("aws", JAN_1, 7.0)] * 40, 30),
                batch_size=4,
            )
    with Cache.open(path) as reopened:
        assert all_rows(reopened._conn) == sorted(old, key=repr)


def test_a_bad_row_midway_rolls_back_everything(seeded: Cache) -> None:
    before = all_rows(seeded._conn)
    rows = [charge("openai", d, 4.0) for d in days(JAN_1, JAN_31)]
    rows[17] = rows[17][:-1]  # one column short
    with pytest.raises(ValueError, match=f"charge 18 has {len(CHARGE_COLUMN_NAMES) - 1} "):
        seeded.replace_charges("openai", JAN_1, JAN_31, rows, batch_size=3)
    assert all_rows(seeded._conn) == before


SOURCES = ("anthropic", "openai", "aws")
FEB_1 = D(2024, 2, 1)
costs = st.floats(min_value=-50, max_value=1000, allow_nan=False).map(lambda x: round(x, 4))
generated_rows = st.lists(
    st.tuples(st.sampled_from(SOURCES), st.integers(0, 27), costs), max_size=60
)


@settings(max_examples=40, deadline=None)
@given(
    first=generated_rows,
    second=generated_rows,
    window=st.tuples(st.integers(0, 27), st.integers(0, 27)).map(sorted),
    batch_size=st.integers(1, 8),
)
def test_totals_per_source_match_an_independent_sum(
    tmp_path_factory: pytest.TempPathFactory,
    first: list[tuple[str, int, float]],
    second: list[tuple[str, int, float]],
    window: list[int],
    batch_size: int,
) -> None:
    """Import one set of rows for all of February, then re-sync part of February for every
    source with a second set: each source's total is what plain Python expects."""
    start, end = (FEB_1 + dt.timedelta(days=n) for n in window)

    def as_rows(items: list[tuple[str, int, float]], source: str) -> list[Row]:
        return [charge(s, FEB_1 + dt.timedelta(days=n), c) for s, n, c in items if s == source]

    expected: dict[str, list[float]] = defaultdict(list)
    expected_days: dict[str, set[int]] = defaultdict(set)  # one charge per key and day
    for source, n, cost in first:
        if not window[0] <= n <= window[1]:
            expected[source].append(cost)
            expected_days[source].add(n)
    for source, n, cost in second:
        if window[0] <= n <= window[1]:
            expected[source].append(cost)
            expected_days[source].add(n)

    path = tmp_path_factory.mktemp("replace") / "worthit.sqlite"
    with Cache.open(path) as cache:
        for source in SOURCES:
            cache.replace_charges(source, FEB_1, D(2024, 2, 28), as_rows(first, source))
        for source in SOURCES:
            in_window = [
                row
                for row in as_rows(second, source)
                if start.isoformat() <= row[1] <= end.isoformat()
            ]
            cache.replace_charges(source, start, end, in_window, batch_size=batch_size)
        stored = {
            r[0]: (r[1], r[2])
            for r in cache._rows(
                "SELECT source_id, SUM(effective_cost), COUNT(*) FROM charges GROUP BY 1"
            )
        }

    for source in SOURCES:
        total, count = stored.get(source, (0.0, 0))
        assert count == len(expected_days[source]), source
        assert math.isclose(total, math.fsum(expected[source]), abs_tol=1e-6), source


@pytest.mark.parametrize(
    ("source", "day"),
    [("a", "2024-02-01"), ("b", "2024-01-06"), ("a", "2024-01-31T00:00:00Z")],
    ids=["outside-the-days", "another-source", "timestamp-not-day"],
)
def test_a_row_the_next_replace_would_miss_is_refused_whole(
    cache: Cache, source: str, day: str
) -> None:
    """Otherwise each re-import would add that row again."""
    cache.replace_charges("a", dt.date(2024, 1, 1), dt.date(2024, 1, 31),
                          [charge("a", dt.date(2024, 1, 5), 2.0)])
    stray = list(charge("a", dt.date(2024, 1, 6), 1.0))
    stray[0], stray[1] = source, day
    with pytest.raises(BadInput, match=r"charge 2 .* outside source 'a'"):
        cache.replace_charges("a", dt.date(2024, 1, 1), dt.date(2024, 1, 31),
                              [charge("a", dt.date(2024, 1, 5), 9.0), tuple(stray)])
    kept = cache._rows("SELECT source_id, charge_period_start, effective_cost FROM charges")
    assert [tuple(row) for row in kept] == [("a", "2024-01-05", 2.0)]


def test_a_missing_value_is_stored_as_null_and_every_other_as_given(tmp_path: Path) -> None:
    """The cache registers an adapter for None (binding speed): what lands must still be
    SQL NULL, and text, reals and integers keep their types."""
    row = charge("s", D(2025, 1, 1), 1.25)
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        cache.replace_charges("s", None, None, [row])
        types = dict(zip(CHARGE_COLUMN_NAMES, cache._conn.execute(
            f"SELECT {', '.join(f'typeof({c})' for c in CHARGE_COLUMN_NAMES)} FROM charges"
        ).fetchone(), strict=True))
        assert cache._scalar("SELECT COUNT(*) FROM charges WHERE sub_account_name IS NULL") == 1
    expected = {name: {str: "text", float: "real", int: "integer"}.get(type(value), "null")
                for name, value in zip(CHARGE_COLUMN_NAMES, row, strict=True)}
    assert types == expected
    assert "null" in types.values()


@pytest.mark.parametrize("batch_size", [1, 49, 50, 51, 120, 1000])
def test_charges_written_many_to_a_statement_land_exactly_as_given(
        tmp_path: Path, batch_size: int) -> None:
    """Charges are written fifty to an INSERT, the rest one by one: whatever the batch,
    every value lands in its own row and column."""
    rows = [charge("s", D(2025, 1, 1) + dt.timedelta(days=i % 31), 0.5 + i,
                   model=f"m{i % 7}") for i in range(173)]
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        written = cache.replace_charges("s", None, None, rows, batch_size=batch_size)
        assert written == len(rows)
        assert all_rows(cache._conn) == sorted(rows, key=repr)
        assert cache._scalar("SELECT COUNT(DISTINCT x_key_id) FROM charges") == 7
        assert cache._scalar(
            "SELECT COUNT(*) FROM charges AS c JOIN charge_keys AS k ON k.key_id = c.x_key_id "
            "WHERE k.x_model IS NOT c.x_model") == 0


figures = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.5, -2.25]),
                    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.tuples(figures, figures, figures, figures, figures, figures),
                       min_size=1, max_size=12))
def test_every_figure_reads_back_as_written(tmp_path_factory: pytest.TempPathFactory,
                                            values: list[tuple[float | None, ...]]) -> None:
    """Figures equal to their usual twin are stored in no bytes (worthit.store.figures);
    whatever a bill says (a figure, its twin's value, 0, or nothing) reads back as it was,
    exactly, through the ``charges`` view and the store's sums."""
    names = ("billed_cost", "effective_cost", "list_cost", "contracted_cost",
             "consumed_quantity", "pricing_quantity")
    rows = []
    for n, (billed, effective, list_cost, contracted, quantity, pricing) in enumerate(values):
        row = dict(zip(CHARGE_COLUMN_NAMES, charge("aws", JAN_1 + dt.timedelta(days=n), 0.0),
                       strict=True))
        # Twins often equal: make half of them so.
        row.update(billed_cost=billed, effective_cost=billed if n % 2 else effective,
                   list_cost=billed if n % 3 == 0 else list_cost, contracted_cost=contracted,
                   consumed_quantity=quantity, pricing_quantity=quantity if n % 2 else pricing)
        rows.append(tuple(row[c] for c in CHARGE_COLUMN_NAMES))
    path = tmp_path_factory.mktemp("figures") / "worthit.sqlite"
    with Cache.open(path) as cache:
        cache.replace_charges("aws", JAN_1, JAN_1 + dt.timedelta(days=len(rows)), rows)
        back = [tuple(r) for r in cache._rows(
            f"SELECT {', '.join(names)} FROM charges ORDER BY charge_period_start")]
        assert back == [tuple(r[CHARGE_COLUMN_NAMES.index(c)] for c in names) for r in rows]
        billed, effective = source_totals(cache._conn, "aws", JAN_1.isoformat(),
                                          (JAN_1 + dt.timedelta(days=len(rows))).isoformat())
        at = CHARGE_COLUMN_NAMES.index("effective_cost")
        assert math.isclose(effective, math.fsum(r[at] or 0 for r in rows), abs_tol=1e-6)

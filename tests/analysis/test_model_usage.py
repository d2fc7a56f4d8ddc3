"""Model usage from the charge index's token counts: each day's tokens (the Overview's)
and each model charge's counts (Swap's, Customers', Keys'), on a small hand-made cache and
against the same rows read here with plain SQL from the demo's cache."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from worthit.analysis.charge_index import build_index
from worthit.analysis.model_usage import daily_tokens, model_charges
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import CACHE_FILE, Cache

D = dt.date
JAN_1, JAN_2, JAN_3, JAN_31 = D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 3), D(2024, 1, 31)


def charge(day: dt.date, **extra: Any) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "test", "charge_period_start": day.isoformat(), "provider_name": "AWS",
        "service_name": "Bedrock", "charge_category": "Usage", "billed_cost": 1.0,
        "effective_cost": 1.0, "billing_currency": "USD", "tags": "{}"}
    values.update(extra)
    assert set(values) <= set(CHARGE_COLUMN_NAMES)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


@pytest.fixture
def filled(cache: Cache) -> Cache:
    cache.replace_charges("test", JAN_1, JAN_31, [
        charge(JAN_1, x_model="m", x_input_tokens=100, x_requests=3, resource_id="a"),
        charge(JAN_1, x_model="m", x_output_tokens=40, resource_id="b", x_batch=1),
        charge(JAN_1, x_input_tokens=999_999),  # no model: not token usage
        charge(JAN_2, x_model="m", x_cached_input_tokens=7, x_cache_write_tokens=2),
        charge(JAN_3, x_model="n", x_input_tokens=5, x_requests=1),
    ])
    return cache


def test_daily_tokens_count_only_model_charges_within_the_days(filled: Cache) -> None:
    index = build_index(filled)
    frame = daily_tokens(index, JAN_1, JAN_2)
    assert list(frame.columns) == ["day", "input", "cached_input", "cache_write", "output",
                                   "requests"]
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("2024-01-01", 100.0, 0.0, 0.0, 40.0, 3.0),
        ("2024-01-02", 0.0, 7.0, 2.0, 0.0, 0.0),
    ]
    assert daily_tokens(index, D(2023, 1, 1), D(2023, 12, 31)).empty


def test_model_charges_are_one_row_a_charge_in_day_and_key_order(filled: Cache) -> None:
    frame = model_charges(build_index(filled), JAN_1, JAN_31)
    assert list(frame.columns) == ["day", "day_number", "key_id", "batched", "requests",
                                   "input", "cached_input", "cache_write", "output"]
    assert frame["day"].tolist() == ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-03"]
    assert frame["batched"].tolist() == [0, 1, 0, 0]
    assert frame["input"].tolist() == [100.0, 0.0, 0.0, 5.0]
    assert frame["output"].tolist() == [0.0, 40.0, 0.0, 0.0]
    assert list(zip(frame["day_number"], frame["key_id"], strict=True)) == sorted(
        zip(frame["day_number"], frame["key_id"], strict=True))


def test_the_demo_s_model_charges_are_the_cache_s(demo_folder: Path, demo_cache: Cache,
                                                  demo_end: dt.date) -> None:
    start = demo_end - dt.timedelta(days=44)
    found = model_charges(build_index(demo_cache), start, demo_end)
    conn = sqlite3.connect(f"file:{demo_folder / CACHE_FILE}?mode=ro", uri=True)
    try:
        first = (start - D(1970, 1, 1)).days
        rows = conn.execute(
            "SELECT f.day, f.key_id, IFNULL(k.x_batch, 0), IFNULL(f.requests, 0), "
            "IFNULL(f.input, 0), IFNULL(f.cached_input, 0), IFNULL(f.cache_write, 0), "
            "IFNULL(f.output, 0) FROM charge_facts AS f JOIN charge_keys AS k "
            "ON k.key_id = f.key_id WHERE k.x_model IS NOT NULL AND f.day BETWEEN ? AND ? "
            "ORDER BY f.day, f.key_id", (first, first + 44)).fetchall()
    finally:
        conn.close()
    assert len(rows) > 1000, "the demo has model usage"
    expected = np.array(rows, dtype=np.float64)
    got = found[["day_number", "key_id", "batched", "requests", "input", "cached_input",
                 "cache_write", "output"]].to_numpy(np.float64)
    np.testing.assert_array_equal(got, expected)
    assert found["day"].tolist() == [(D(1970, 1, 1) + dt.timedelta(days=int(d))).isoformat()
                                     for d in found["day_number"]]

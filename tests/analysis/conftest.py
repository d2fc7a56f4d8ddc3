"""The demo workspace for analysis tests, generated once per test module, with its charges
also read as plain dicts so that expected figures come from sqlite3 and Python alone."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from worthit.demo.generator import generate_demo
from worthit.store.cache import CACHE_FILE, Cache

# A Wednesday in mid-month, so month-to-date has a forecast to make.
DEMO_END = dt.date(2026, 3, 18)


@pytest.fixture(scope="module")
def demo_end() -> dt.date:
    return DEMO_END


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory, demo_end: dt.date) -> Path:
    folder = tmp_path_factory.mktemp("analysis-demo")
    generate_demo(folder, seed=7, end=demo_end)
    return folder


@pytest.fixture(scope="module")
def demo_cache(demo_folder: Path) -> Iterator[Cache]:
    with Cache.open(demo_folder / CACHE_FILE) as cache:
        yield cache


@pytest.fixture(scope="module")
def demo_charges(demo_folder: Path) -> list[dict[str, Any]]:
    """Every charge of the demo as a dict, read with plain sqlite3."""
    conn = sqlite3.connect(f"file:{demo_folder / CACHE_FILE}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM charges")]
    finally:
        conn.close()

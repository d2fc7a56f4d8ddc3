"""The demo workspace and its clean control, each generated once per test module."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from worthit.demo.generator import DemoResult, generate_demo
from worthit.store.cache import CACHE_FILE

# A Wednesday in mid-month: the planted storm days then fall on a Friday and a weekend.
DEMO_END = dt.date(2026, 3, 18)
DEMO_SEED = 7


def _read_only(folder: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{folder / CACHE_FILE}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


@pytest.fixture(scope="module")
def demo_end() -> dt.date:
    return DEMO_END


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def demo(demo_folder: Path, demo_end: dt.date) -> DemoResult:
    """The demo with its planted leaks."""
    return generate_demo(demo_folder, seed=DEMO_SEED, end=demo_end)


@pytest.fixture(scope="module")
def demo_db(demo: DemoResult, demo_folder: Path) -> Iterator[sqlite3.Connection]:
    """A plain read-only sqlite3 connection to the demo cache (no Worthit code)."""
    conn = _read_only(demo_folder)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def control_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("control")


@pytest.fixture(scope="module")
def control(control_folder: Path, demo_end: dt.date) -> DemoResult:
    """The same company without the leaks (the false-positive control)."""
    return generate_demo(control_folder, seed=DEMO_SEED, end=demo_end, leaks=False)


@pytest.fixture(scope="module")
def control_db(control: DemoResult, control_folder: Path) -> Iterator[sqlite3.Connection]:
    conn = _read_only(control_folder)
    yield conn
    conn.close()

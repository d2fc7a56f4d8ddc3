"""Shared fixtures. Qt runs offscreen so the suite needs no display."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from worthit.store.cache import Cache

# Before any test creates a QApplication.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    """A fresh, fully migrated cache in a real file."""
    with Cache.open(tmp_path / "worthit.sqlite") as opened:
        yield opened

"""The store's read-only door (``Cache.open_read_only``) and the charge search: what
``worthit mcp`` reads through, refusing writes, missing files and columns it does not
know."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.store.search import MAX_LIMIT, search_charges
from worthit.workspace import Workspace

DAYS = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def test_a_read_only_cache_refuses_every_write(writable: Workspace) -> None:
    with Cache.open_read_only(writable.cache_path) as cache:
        assert cache.get_meta("cache.id")
        with pytest.raises(UserError, match="cannot be written"):
            cache.set_meta({"workspace.name": "changed"})
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            cache._conn.execute("DELETE FROM charge_facts")


def test_a_missing_or_old_cache_is_refused_not_made(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "worthit.sqlite"
    with pytest.raises(UserError, match="does not exist"):
        Cache.open_read_only(missing)
    assert not missing.parent.exists()
    old = tmp_path / "old.sqlite"
    Cache.open(old, upgrade=False).close()  # schema 0: never migrated
    with pytest.raises(UserError, match=r"older Worthit .* upgrade it"):
        Cache.open_read_only(old)
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0  # still as it was


def test_the_search_filters_with_bound_values_and_sums_by_fixed_columns(
        demo_workspace: Workspace) -> None:
    with Cache.open_read_only(demo_workspace.cache_path) as cache:
        everything = search_charges(cache, *DAYS, group_by=["provider"], limit=MAX_LIMIT)
        aws = search_charges(cache, *DAYS, filters={"provider": "AWS"},
                             group_by=["provider"])
        two = search_charges(cache, *DAYS, filters={"provider": ["AWS", "OpenAI"]},
                             group_by=["service"], limit=3)
        rows = search_charges(cache, *DAYS, filters={"provider": "OpenAI"}, limit=2)
        quoted = search_charges(cache, *DAYS, filters={"provider": "AWS' OR '1'='1"})
    by_provider = {r["provider"]: r["effective_cost"] for r in everything.rows}
    assert aws.rows[0]["effective_cost"] == pytest.approx(by_provider["AWS"])
    assert len(two.rows) == 3 and two.truncated and two.matched > 3
    assert two.totals[0]["effective_cost"] == pytest.approx(
        by_provider["AWS"] + by_provider["OpenAI"])
    costs = [r["effective_cost"] for r in two.rows]
    assert costs == sorted(costs, reverse=True)
    assert [r["provider"] for r in rows.rows] == ["OpenAI", "OpenAI"]  # one row per charge
    assert quoted.matched == 0


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"group_by": ["tags"]}, "'tags' is not a column you can use here"),
    ({"filters": {"1=1; --": "x"}}, "is not a column you can use here"),
    ({"filters": {"provider": 3}}, "give a value or a list of values"),
    ({"group_by": ["provider", "provider"]}, "names a column twice"),
    ({"limit": MAX_LIMIT + 1}, f"from 1 to {MAX_LIMIT}"),
])
def test_the_search_refuses_what_it_does_not_know(
        demo_workspace: Workspace, kwargs: dict[str, object], words: str) -> None:
    with Cache.open_read_only(demo_workspace.cache_path) as cache, \
            pytest.raises(UserError, match=words.replace("(", r"\(")):
        search_charges(cache, *DAYS, **kwargs)  # type: ignore[arg-type]

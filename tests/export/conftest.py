"""The demo workspace's account, key and resource ids, which masked exports must not
contain."""

from __future__ import annotations

import pytest

from worthit.workspace import Workspace


@pytest.fixture(scope="session")
def demo_ids(demo_workspace: Workspace) -> set[str]:
    """Every account id, API key id and resource id in the demo's charges."""
    with demo_workspace.open() as cache:
        ids = {str(value) for column in ("sub_account_id", "billing_account_id", "resource_id")
               for (value,) in cache._conn.execute(
                   f"SELECT DISTINCT {column} FROM charge_keys WHERE {column} IS NOT NULL")}
    ids.discard("")
    assert len(ids) > 50 and "apikey_02CodeReviewAgent" in ids and "111122223333" in ids
    return ids

"""``worthit mcp`` cannot write: after every tool has been called, hostile values included,
the cache file's bytes and modification time are as they were, whether no other Worthit
has the cache open or the app holds it open with changes in its WAL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession

from tests.assistant.client import refusal, result, talk
from tests.conftest import run_cli
from worthit.store.cache import Cache
from worthit.workspace import Workspace

HOSTILE_VALUE = "x'; DROP TABLE charges; --"


def snapshot(path: Path) -> tuple[int, str] | None:
    """A file's modification time (ns) and the hash of its bytes; None when absent."""
    if not path.exists():
        return None
    return path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


async def every_call(session: ClientSession) -> dict[str, Any]:
    """Every tool, the resource, and the hostile calls: the answers and refusals."""
    out: dict[str, Any] = {}
    for tool, arguments in (
            ("overview", {}), ("allocation", {"depth": 4}), ("unit_costs", {}),
            ("leaks", {}), ("alerts", {}), ("budgets", {}), ("sources", {}),
            ("charges", {"group_by": ["provider", "service"], "limit": 500}),
            ("model_swap", {"feature": None, "levers": [
                {"kind": "batch", "model": ["OpenAI", "gpt-4.1"], "share": 0.5}]})):
        out[tool] = await result(session, tool, **arguments)
    await session.read_resource("worthit://workspace")
    out["quoted"] = await result(session, "charges", filters={"provider": HOSTILE_VALUE})
    out["refused"] = [
        await refusal(session, "charges", filters={"provider; DROP TABLE charges": "AWS"}),
        await refusal(session, "charges",
                      group_by=["provider) FROM charges; DROP TABLE charges; --"]),
        await refusal(session, "charges", group_by=["tags"]),
        await refusal(session, "charges", limit=10**12),
        await refusal(session, "charges", limit=0),
        await refusal(session, "charges", filters={"provider": ["AWS"] * 1000}),
        await refusal(session, "allocation", team=HOSTILE_VALUE),
        await refusal(session, "leaks", owner=HOSTILE_VALUE),
    ]
    return out


def check_refusals(out: dict[str, Any]) -> None:
    # A quoted value is only a value: bound as a parameter, it matches no provider.
    assert out["quoted"]["matched"] == 0 and out["quoted"]["rows"] == []
    columns = "use one of provider, service"
    for said, words in zip(out["refused"], [
            columns, columns, columns, "give a number from 1 to 500",
            "give a number from 1 to 500", "give at most 100", "use one of Unallocated",
            "use one of"], strict=True):
        assert words in said


def test_no_tool_writes_when_the_cache_is_closed(
        capsys: pytest.CaptureFixture[str], writable: Workspace, tmp_path: Path) -> None:
    code, _out, err = run_cli(capsys, writable, "budgets", "set", "--team", "support",
                              "--amount", "20000")
    assert code == 0, err
    _code, checked, err = run_cli(capsys, writable, "alerts", "--output", "json")
    recorded = json.loads(checked)["alerts"]
    assert recorded, "the check should record the support budget's alerts"
    code, listed, err = run_cli(capsys, writable, "budgets", "list", "--output", "json")
    assert code == 0, err
    wal = writable.cache_path.with_name(writable.cache_path.name + "-wal")
    before = snapshot(writable.cache_path)

    out = talk(writable, tmp_path / "server.log", every_call)

    assert snapshot(writable.cache_path) == before
    assert not wal.exists() or wal.stat().st_size == 0  # SQLite's read-only WAL, empty
    check_refusals(out)
    # Budgets and alerts as the commands that keep them show them.
    assert out["budgets"]["budgets"] == json.loads(listed)["budgets"]
    assert {a["key"]: {k: v for k, v in a.items() if k != "state"}
            for a in out["alerts"]["alerts"]} == {a["key"]: a for a in recorded}
    assert out["charges"]["totals"][0]["effective_cost"] == \
        out["overview"]["total_effective_cost"]


def test_no_tool_writes_while_the_app_has_the_cache_open(
        writable: Workspace, tmp_path: Path) -> None:
    wal = writable.cache_path.with_name(writable.cache_path.name + "-wal")
    with Cache.open(writable.cache_path) as app:  # as the window holds it: WAL mode
        app.set_meta({"workspace.name": "Held open"})  # a commit still in the WAL
        assert wal.stat().st_size > 0
        before = snapshot(writable.cache_path), snapshot(wal)

        out = talk(writable, tmp_path / "server.log", every_call)

        assert (snapshot(writable.cache_path), snapshot(wal)) == before
        assert out["overview"]["workspace"] == "Held open"  # it read the app's last commit
    check_refusals(out)
    assert "Traceback" not in (tmp_path / "server.log").read_text(encoding="utf-8")

"""Talk to ``python -m worthit mcp`` as an MCP client does: a real subprocess over stdio,
with the SDK's own client (``mcp.client.stdio``), run inside ``asyncio.run``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from worthit.workspace import Workspace

T = TypeVar("T")


def talk(workspace: Workspace, errlog: Path,
         conversation: Callable[[ClientSession], Awaitable[T]]) -> T:
    """Start the server on ``workspace``, run ``conversation`` on an initialised session
    and return what it returns; the server's stderr goes to ``errlog``."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "worthit", "mcp", "--workspace", str(workspace.folder)])

    async def run() -> T:
        with errlog.open("w", encoding="utf-8") as err:
            async with stdio_client(params, errlog=err) as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                return await conversation(session)

    return asyncio.run(run())


async def result(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    """A tool's structured result; a refusal fails the test with its words."""
    called = await session.call_tool(tool, arguments)
    assert not called.is_error, f"{tool}{arguments}: {called.content}"
    assert called.structured_content is not None
    return called.structured_content


async def refusal(session: ClientSession, tool: str, **arguments: Any) -> str:
    """The words of a tool's refusal (an MCP tool error); an answer fails the test."""
    called = await session.call_tool(tool, arguments)
    assert called.is_error, f"{tool}{arguments} was not refused"
    return " ".join(getattr(block, "text", "") for block in called.content)

"""The entry an MCP client (Claude Desktop, Cursor; VS Code under ``servers``) needs to
start ``worthit mcp`` on a workspace: the README shows it, and so does Help › Use with an
AI assistant… with this installation's command. Cheap to import: no SDK, no Qt."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path


def launch_command() -> list[str]:
    """How to start this installation's ``worthit``: the installed app's own program, or
    this Python with ``-m worthit`` (a client does not search the shell's PATH reliably)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "worthit"]


def client_config(folder: Path, command: Sequence[str] | None = None) -> str:
    """The ``mcpServers`` entry, as JSON, serving the workspace in ``folder``."""
    program, *first = command or launch_command()
    entry = {"command": program, "args": [*first, "mcp", "--workspace", str(folder)]}
    return json.dumps({"mcpServers": {"worthit": entry}}, indent=2)

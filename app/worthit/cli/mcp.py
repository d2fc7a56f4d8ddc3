"""``worthit mcp``: serve the workspace to an AI assistant (a Model Context Protocol client
such as Claude Desktop, VS Code or Cursor) over stdio, read-only. The SDK is imported only
here, when the verb runs."""

from __future__ import annotations

import argparse
from typing import Final

from worthit.cli.common import Subparsers
from worthit.core.errors import UserError
from worthit.workspace import Workspace

VERBS: Final = ("mcp",)


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``mcp`` to the command's verbs."""
    verbs.add_parser(
        "mcp", parents=[common],
        help="serve the workspace, read-only, to an AI assistant (MCP over stdio)",
        description="A Model Context Protocol server over stdin/stdout for an AI assistant "
                    "(Claude Desktop, VS Code, Cursor): tools for the overview, allocation, "
                    "unit costs, leaks, model-swap what-ifs, alerts, budgets, sources and a "
                    "charge search, with the same figures as the app. It opens the cache "
                    "read-only and never reaches the keyring or the network. Started by the "
                    "assistant, not by hand: see the README, 'Use with an AI assistant'.")


def run(workspace: Workspace, _args: argparse.Namespace) -> int:
    """Serve until the client hangs up. A folder without a cache is refused: this
    command never makes one (not even the demo)."""
    if not workspace.exists():
        raise UserError(f"no workspace at {workspace.folder}: give --workspace the folder "
                        "of a workspace the app or `worthit import` made")
    from worthit.assistant.server import serve

    serve(workspace)
    return 0

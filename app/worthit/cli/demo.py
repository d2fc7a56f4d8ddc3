"""``worthit demo``: (re)generate the demo workspace."""

from __future__ import annotations

import argparse
from typing import Final

from worthit.cli.common import Subparsers, date_arg
from worthit.core.errors import UserError
from worthit.workspace import Workspace

VERBS: Final = ("demo",)


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``demo`` to the command's verbs."""
    demo = verbs.add_parser("demo", help="(re)generate the demo workspace", parents=[common])
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--end", type=date_arg, help="last day of data (default: yesterday)")
    demo.add_argument("--scale", choices=("small", "large"), default="small",
                      help="large writes about 2 million charge rows, for benchmarks")
    demo.add_argument("--no-leaks", action="store_true",
                      help="a clean control workspace without the planted leaks")


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Write the demo workspace and say what it holds. A folder holding anybody's own
    sources is refused: the demo replaces the whole cache, and bills are not demo money."""
    from worthit.demo.generator import generate_demo

    if workspace.exists():
        from worthit.store.sources import all_sources

        with workspace.open() as cache:
            own = [row["name"] for row in all_sources(cache) if row["kind"] != "demo"]
        if own:
            raise UserError(
                f"{workspace.folder} holds your own data ({len(own)} source"
                f"{'' if len(own) == 1 else 's'}: {', '.join(own[:3])}"
                f"{', …' if len(own) > 3 else ''}); the demo would replace it. Give "
                "`worthit demo` another folder with --workspace.")

    result = generate_demo(workspace, seed=args.seed, end=args.end, scale=args.scale,
                           leaks=not args.no_leaks)
    print(f"Demo workspace in {workspace.folder}: {result.rows:,} charge rows, "
          f"{result.start} to {result.end}, {len(result.planted)} planted leaks "
          f"({result.seconds:.1f} s).")
    return 0

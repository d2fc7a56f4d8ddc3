"""``worthit sync``: bring every source (or the named ones) up to date, each on its own."""

from __future__ import annotations

import argparse
from typing import Final

from worthit.cli.common import Bar, Subparsers, date_arg, print_json
from worthit.workspace import Workspace

VERBS: Final = ("sync",)


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``sync`` to the command's verbs."""
    syncs = verbs.add_parser("sync", help="bring every source (or the named ones) up to "
                                          "date; each on its own", parents=[common])
    syncs.add_argument("--source", dest="names", action="append", metavar="NAME",
                       help="only this source (repeatable)")
    syncs.add_argument("--force", action="store_true",
                       help="re-import files even if they have not changed")
    syncs.add_argument("--from", dest="start", type=date_arg,
                       help="live sources: first day to fetch (default: what is new)")
    syncs.add_argument("--to", dest="end", type=date_arg,
                       help="live sources: last day to fetch (default: today, UTC)")
    syncs.add_argument("--output", choices=("table", "json"), default="table")


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Sync and print each source's outcome. Exit 2 if any source failed."""
    from worthit.sync import sync

    bar = Bar()
    with workspace.open() as cache:
        outcomes = sync(cache, args.names, force=args.force, window=(args.start, args.end),
                        progress=bar)
    bar.done()
    if args.output == "json":
        print_json({"sources": [o.to_json() for o in outcomes]})
    else:
        if not outcomes:
            print("No sources to sync: import files first (worthit import FILE...).")
        for o in outcomes:
            figures = f" ({o.rows_read:,} lines read, {o.rows_written:,} charges written)" \
                if o.result == "ok" else ""
            print(f"{o.source}: {o.result}: {o.message}{figures}")
    return 2 if any(o.result == "failed" for o in outcomes) else 0

"""The command line. With no verb it opens the app; every verb runs headless.

Each verb is a module here (alerts, budgets and webhook share :mod:`worthit.cli.alerts`): it names
its ``VERBS``, adds their parsers with ``add_parsers(verbs, common)`` and runs them with
``run(workspace, args)``. Heavy modules (pandas, Qt, pyqtgraph) are imported inside the
verbs that need them."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Final

from worthit import __version__
from worthit.cli import (
    alerts,
    commitments,
    customers,
    demo,
    export,
    imports,
    mcp,
    rates,
    report,
    rules,
    screenshot,
    sources,
    sync,
    units,
)
from worthit.cli.common import complain
from worthit.cli.screenshot import SCREENSHOT_PAGES
from worthit.cli.sources import CONNECTOR_KINDS
from worthit.core.errors import UserError
from worthit.workspace import Workspace, ensure, resolve

__all__ = ["CONNECTOR_KINDS", "SCREENSHOT_PAGES", "main", "parser"]

#: The verbs' modules, in the order --help lists them.
_MODULES: Final = (demo, report, units, rates, imports, sync, sources, rules, screenshot,
                   export, alerts, mcp, commitments, customers)
_RUNS: Final[dict[str, Callable[[Workspace, argparse.Namespace], int]]] = {
    verb: module.run for module in _MODULES for verb in module.VERBS}

#: The commands that start their workspace themselves: demo writes one, and import keeps
#: your own bills out of the demo's. mcp only reads: it refuses a folder without a cache
#: rather than make one (or the demo).
_STARTING: Final = {"demo", "import", "mcp"}
#: The commands that add something to a workspace: on a new folder they start it, empty.
#: Every other command refuses a folder without a cache rather than invent one.
#: (The window, too, opens a new folder as an empty workspace: worthit.ui.app.run.)
_ADDING: Final = {("sources", "add"), ("sources", "key"), ("budgets", "set"),
                  ("webhook", "set"), ("units", "add"), ("units", "import"),
                  ("rates", "import"), ("rules", "import"), ("customers", "import")}


def parser() -> argparse.ArgumentParser:
    """The ``worthit`` command's parser: the options of its own, then each verb's."""
    root = argparse.ArgumentParser(
        prog="worthit",
        description="Was our AI spend worth it? With no command, opens the app.",
    )
    root.add_argument("--version", action="version", version=f"worthit {__version__}")
    root.add_argument("--self-test", action="store_true",
                      help="check this installation on a throwaway demo workspace, print a "
                           "line per check and exit (status 0: all good)")
    root.add_argument("--workspace", metavar="DIR",
                      help="workspace folder (default: $WORTHIT_HOME, else the demo workspace)")
    verbs = root.add_subparsers(dest="verb", metavar="COMMAND")
    # --workspace may also follow the verb (worthit demo --workspace DIR).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS,
                        help="workspace folder")
    for module in _MODULES:
        module.add_parsers(verbs, common)
    return root


def main(argv: list[str]) -> int:
    """Run the command ``worthit ARGV``; its exit status: 2 for an error the user can fix
    (said on stderr), :attr:`~worthit.core.errors.CacheBusy.EXIT` when another process
    holds the cache."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    if args.self_test:  # never touches the user's workspace
        from worthit.selftest import run as self_test

        return self_test()
    try:
        if args.verb is None:  # worthit --workspace DIR: the window
            from worthit.ui.app import start

            return start(args.workspace)
        workspace = resolve(args.workspace)
        if args.verb not in _STARTING:
            ensure(workspace, create=_adds(args))
        return _RUNS[args.verb](workspace, args)
    except UserError as error:
        complain(error)
        return error.EXIT


def _adds(args: argparse.Namespace) -> bool:
    action = getattr(args, f"{args.verb}_verb", None)
    return (args.verb, action) in _ADDING

"""``worthit report PAGE``: print a page's figures as text, JSON or CSV."""

from __future__ import annotations

import argparse
import sys
from typing import Final

from worthit.cli.common import Subparsers, add_currency, add_period, covered, period, print_json
from worthit.pages import PAGES
from worthit.workspace import Workspace

VERBS: Final = ("report",)


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``report`` to the command's verbs."""
    report = verbs.add_parser("report", help="print a page's figures", parents=[common])
    report.add_argument("page", choices=tuple(PAGES))
    add_period(report)
    add_currency(report)
    report.add_argument("--format", choices=("table", "json", "csv"), default="table")
    report.add_argument("--depth", type=int, choices=(1, 2, 3, 4), default=None,
                        help="allocation: tree levels to print (team, feature, service, "
                             "resource; default 2 for table, 4 for json and csv)")
    report.add_argument("--granularity", choices=("day", "week", "month"), default="week",
                        help="units: the span of each point of the series (default week)")


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """A page's figures: its table as CSV (the same as ``export table``), its JSON, or
    its text, all from one :class:`Figures`, in one currency. A period whose charges are
    in currencies without a rate is refused (exit 2) naming the missing rates."""
    from worthit.pages import Options
    from worthit.pages.figures import Figures

    page = PAGES[args.page]
    shown = period(workspace, args.start, args.end)
    covered(workspace, shown)
    with workspace.open() as cache:
        figures = Figures(cache, shown, workspace_name=workspace.name,
                          granularity=args.granularity, currency=args.currency)
        options = Options(depth=args.depth)
        if args.format == "json":
            print_json(page.json(figures, options))
        elif args.format == "csv":
            from worthit.export.tables import csv_text

            sys.stdout.write(csv_text(page.table(figures)))
        else:
            print(page.text(figures, options))
    return 0

"""``worthit units``: define the units of value a workspace counts (``add``, ``list``,
``remove``) and import their daily counts (``import FILE``); or let the request traces
count them (``add --derived customers|runs``: cost per active customer, per agent run)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from worthit.cli.common import Subparsers, print_json
from worthit.core.errors import UserError
from worthit.core.plural import plural
from worthit.core.units import DERIVED
from worthit.workspace import Workspace

VERBS: Final = ("units",)


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``units`` and its actions to the command's verbs."""
    units = verbs.add_parser("units", help="define units of value and import their counts",
                             parents=[common])
    actions = units.add_subparsers(dest="units_verb", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", parents=[common], help="define a unit: what is counted and the features "
                                      "whose cost it carries",
        description="A unit of value, such as a resolved ticket, 1,000 inferences or an "
                    "active user: the Unit costs page divides the cost of its features by "
                    "its daily counts (worthit units import). With --derived, the request "
                    "traces count it: the distinct customers, or agent runs, with traced "
                    "usage (a month's count is the month's distinct customers, not the sum "
                    "of its days').")
    add.add_argument("unit_id", metavar="ID", help="a short id, used in counts files")
    add.add_argument("--name", help='shown on the page, e.g. "Cost per resolved ticket" '
                                    '(required unless --derived)')
    add.add_argument("--counts", metavar="WHAT",
                     help='what one count is, e.g. "tickets resolved by the support assistant"'
                          " (required unless --derived)")
    add.add_argument("--derived", choices=sorted(DERIVED),
                     help="counted from the traces: active customers, or agent runs")
    add.add_argument("--features", required=True, metavar="A,B",
                     help="the features (from allocation) whose cost the unit carries")
    add.add_argument("--target", type=float, metavar="COST", help="target cost per unit")
    add.add_argument("--revenue", type=float, metavar="AMOUNT", help="revenue per unit")
    add.add_argument("--currency", metavar="CODE",
                     help="of the target and revenue (default: the display currency)")
    listing = actions.add_parser("list", parents=[common], help="the units defined")
    listing.add_argument("--output", choices=("table", "json"), default="table")
    remove = actions.add_parser("remove", parents=[common],
                                help="remove a unit and its counts")
    remove.add_argument("unit_id", metavar="ID")
    counts = actions.add_parser(
        "import", help="add or replace daily counts from a CSV file (date,unit,count); all "
                       "or nothing", parents=[common])
    counts.add_argument("file", type=Path)


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Carry out the action."""
    from worthit.core.units import Unit, read_counts_file
    from worthit.store.display import display_currency
    from worthit.store.units import add_unit, load_units, remove_unit, write_counts

    with workspace.open() as cache:
        if args.units_verb == "add":
            features = tuple(f.strip() for f in args.features.split(",") if f.strip())
            kind = DERIVED.get(args.derived or "")
            name = args.name or (kind.name if kind else None)
            counts_what = args.counts or (kind.counts_what if kind else None)
            if not name or not counts_what:
                raise UserError("A unit needs --name and --counts (or --derived customers|runs,"
                                " counted from the traces).")
            add_unit(cache, Unit(args.unit_id, name, counts_what, features,
                                 target_cost=args.target, revenue_per_unit=args.revenue,
                                 currency=args.currency or display_currency(cache),
                                 derived=args.derived))
            print(f"Added unit {args.unit_id!r} ({name}): the cost of "
                  f"{', '.join(features)} per {counts_what}. " + (
                      "Its counts come from the request traces (worthit import)." if kind else
                      "Import its daily counts with `worthit units import FILE.csv` "
                      "(date,unit,count)."))
        elif args.units_verb == "list":
            units = load_units(cache)
            if args.output == "json":
                print_json([{"id": u.unit_id, "name": u.name, "counts": u.counts_what,
                             "derived": u.derived,
                             "features": list(u.features), "target": u.target_cost,
                             "revenue": u.revenue_per_unit, "currency": u.currency}
                            for u in units])
            else:
                for u in units:
                    print(f"{u.unit_id}: {u.name}, per {u.counts_what}; features "
                          f"{', '.join(u.features)}"
                          + ("; counted from the traces" if u.derived else ""))
                if not units:
                    print("No units yet: add one with `worthit units add`.")
        elif args.units_verb == "remove":
            removed = remove_unit(cache, args.unit_id)
            print(f"Removed unit {args.unit_id!r} and its {plural(removed, 'count')}.")
        else:
            counts = read_counts_file(args.file, load_units(cache))  # all checked first
            written = write_counts(cache, counts)
            print(f"Imported {plural(written, 'count')} from {args.file}")
    return 0

"""``worthit rates``: the dated exchange rates a workspace converts with: ``import FILE``
(a ``date,from,to,rate`` CSV or the ECB's reference rates as published), ``list``,
``remove --source NAME``, and ``currency [CODE | --default]``: the one currency every page
shows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from worthit.cli.common import Subparsers, print_json
from worthit.core.plural import plural
from worthit.workspace import Workspace

if TYPE_CHECKING:  # the store is imported by the verb, off start-up
    from worthit.store.rates import StoredRate

VERBS: Final = ("rates",)
_COLUMNS: Final = ("date", "from", "to", "rate", "source", "imported_at")


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``rates`` and its actions to the command's verbs."""
    rates = verbs.add_parser("rates", help="import, list and remove exchange rates",
                             parents=[common])
    actions = rates.add_subparsers(dest="rates_verb", metavar="ACTION", required=True)
    imports = actions.add_parser(
        "import", parents=[common], help="add or replace dated rates from a file; all or "
                                         "nothing",
        description="Rates from a CSV file with the columns date,from,to,rate (one FROM is "
                    "RATE TO on DATE), or the ECB's reference rates as published "
                    "(eurofxref-hist.csv, eurofxref.csv, or the .zip of either). A rate "
                    "replaces the one of its day and pair. Figures are converted at the "
                    "rate of their day, or the latest before it.")
    imports.add_argument("file", type=Path)
    imports.add_argument("--source", metavar="NAME",
                         help="what the rates are called in lists and on pages (default: "
                              "the file's name)")
    listing = actions.add_parser("list", parents=[common], help="the rates imported")
    listing.add_argument("--format", choices=("table", "json", "csv"), default="table")
    listing.add_argument("--source", metavar="NAME", help="only the rates of this source")
    remove = actions.add_parser("remove", parents=[common],
                                help="remove every rate of a source")
    remove.add_argument("--source", metavar="NAME", required=True)
    currency = actions.add_parser(
        "currency", parents=[common], help="show or set the currency every page shows",
        description="Every page, report, export and alert shows money in one currency, "
                    "charges billed in another converted at the rate of their day. Without "
                    "a code, says which it is; --default goes back to the charges' own "
                    "currency (USD when they have several).")
    currency.add_argument("code", nargs="?", metavar="CODE", help="e.g. EUR")
    currency.add_argument("--default", action="store_true", dest="reset",
                          help="go back to the default")


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Carry out the action."""
    from worthit.core.rate_files import read_rates_file
    from worthit.store.rates import import_rates, list_rates, remove_rates

    with workspace.open() as cache:
        if args.rates_verb == "currency":
            return _currency(cache, args.code, reset=args.reset)
        if args.rates_verb == "import":
            read = read_rates_file(args.file, source=args.source)  # all checked first
            done = import_rates(cache, read.rates)
            first, last = read.days
            days = f"{first}" if first == last else f"{first} … {last}"
            kind = "ECB reference rates" if read.kind == "ecb" else "rates"
            replaced = f", {done.replaced:,} replacing rates of their day and pair" \
                if done.replaced else ""
            print(f"Imported {plural(len(read.rates), 'rate')} ({kind}, "
                  f"{plural(len(read.pairs), 'pair')}, {days}) from {args.file} "
                  f"as source {read.source!r}{replaced}.")
        elif args.rates_verb == "list":
            _list(list_rates(cache, source=args.source), args.format)
        else:
            removed = remove_rates(cache, args.source)
            print(f"Removed {plural(removed, 'rate')} of source {args.source!r}.")
    return 0


def _list(rates: list[StoredRate], form: str) -> None:
    rows = [(r.day.isoformat(), r.from_currency, r.to_currency, r.rate, r.source,
             r.imported_at) for r in rates]
    if form == "json":
        print_json([dict(zip(_COLUMNS, row, strict=True)) for row in rows])
    elif form == "csv":
        from worthit.export.cells import CsvWriter

        writer = CsvWriter(sys.stdout)
        for row in (_COLUMNS, *rows):
            writer.writerow(row)
    elif not rows:
        print("No exchange rates yet: import some with `worthit rates import FILE`.")
    else:
        shown = [(*row[:3], repr(row[3]), *row[4:]) for row in rows]
        widths = [max(len(str(v)) for v in column) for column in zip(_COLUMNS, *shown,
                                                                        strict=True)]
        for row in (_COLUMNS, *shown):
            print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        print(f"{plural(len(rows), 'rate')} from "
              f"{plural(len({r[4] for r in rows}), 'source')}")



def _currency(cache: Any, code: str | None, *, reset: bool) -> int:
    from worthit.store.display import choose_currency, chosen_currency, display_currency

    if code is not None and reset:
        print("Give a currency or --default, not both.", file=sys.stderr)
        return 2
    if code is None and not reset:
        shown = display_currency(cache)
        how = "chosen" if chosen_currency(cache) else "the default: the charges' own currency"
        print(f"Pages show {shown} ({how}).")
        return 0
    shown = choose_currency(cache, None if reset else code)
    print(f"Pages show {shown} from now on"
          + (" (the default)." if reset else "; charges billed in another currency convert "
             "at the rate of their day (worthit rates import FILE)."))
    return 0

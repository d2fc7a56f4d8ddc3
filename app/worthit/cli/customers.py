"""``worthit customers``: the revenue per customer and month the Customers page sets AI
cost against: ``import FILE`` (``month,customer,revenue[,currency]``, all or nothing; the
months it names replace what was kept for them), ``list``, ``clear``, and ``threshold``:
the share of revenue above which a customer's AI cost puts it first."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from worthit.cli.common import Subparsers, currency_arg, print_json
from worthit.core.plural import plural
from worthit.workspace import Workspace

if TYPE_CHECKING:  # the store is imported by the verb, off start-up
    from worthit.store.revenue import Revenue

VERBS: Final = ("customers",)
_COLUMNS: Final = ("month", "customer", "revenue", "currency")


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``customers`` and its actions to the command's verbs."""
    customers = verbs.add_parser("customers", parents=[common],
                                 help="import, list and clear revenue per customer")
    actions = customers.add_subparsers(dest="customers_verb", metavar="ACTION",
                                       required=True)
    imports = actions.add_parser(
        "import", parents=[common], help="keep revenue per customer and month from a CSV "
                                         "file; all or nothing",
        description="Revenue from a CSV file with the columns month,customer,revenue and "
                    "optionally currency (any order, any case; month as YYYY-MM). The "
                    "months the file names replace the revenue kept for them: a customer "
                    "a month leaves out earned nothing that month. The Customers page sets "
                    "each customer's AI cost against it, a month's revenue counting for the "
                    "period's days in that month.")
    imports.add_argument("file", type=Path)
    imports.add_argument("--currency", type=currency_arg, metavar="CODE",
                         help="the currency of rows that name none (default: the "
                              "workspace's display currency)")
    listing = actions.add_parser("list", parents=[common], help="the revenue kept")
    listing.add_argument("--format", choices=("table", "json", "csv"), default="table")
    actions.add_parser("clear", parents=[common], help="forget all the revenue kept")
    threshold = actions.add_parser(
        "threshold", parents=[common],
        help="show or set the share of revenue above which a customer comes first",
        description="A customer whose AI cost is more than this share of its revenue is "
                    "listed first on the Customers page. Without a value, says what it is.")
    threshold.add_argument("share", nargs="?", metavar="PERCENT",
                           help="a percentage, e.g. 50 (or 50 %%; 150 for one and a half "
                                "times the revenue)")
    threshold.add_argument("--default", action="store_true", dest="reset",
                           help="go back to the default (50 %%)")


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Carry out the action."""
    from worthit.store.revenue import clear_revenue, load_revenue

    with workspace.open() as cache:
        if args.customers_verb == "import":
            _import(cache, args.file, args.currency)
        elif args.customers_verb == "list":
            _list(load_revenue(cache), args.format)
        elif args.customers_verb == "clear":
            print(f"Forgot {plural(clear_revenue(cache), 'revenue row')}.")
        else:
            return _threshold(cache, args.share, reset=args.reset)
    return 0


def _import(cache: Any, path: Path, currency: str | None) -> None:
    from worthit.sources.revenue import read_revenue_file
    from worthit.store.display import display_currency
    from worthit.store.revenue import Revenue, replace_revenue

    read = read_revenue_file(path, currency or display_currency(cache))  # all checked first
    rows = [Revenue(*row) for row in read]
    replace_revenue(cache, rows)
    months = sorted({r.month for r in rows})
    span = months[0] if len(months) == 1 else f"{months[0]} … {months[-1]}"
    print(f"Kept revenue for {plural(len(months), 'month')} ({span}) and "
          f"{plural(len({r.customer for r in rows}), 'customer')} from {path}: "
          f"{_totals(rows)}. These months replace what was kept for them.")


def _totals(rows: Sequence[Revenue]) -> str:
    """``USD 12,345.00; EUR 1,000.00``: the total per currency, never summed across."""
    from worthit.core.money import money

    totals: dict[str, float] = {}
    for r in rows:
        totals[r.currency] = totals.get(r.currency, 0.0) + r.revenue
    return "; ".join(f"{money(v, c, cents=True)} in {c}" for c, v in sorted(totals.items()))


def _list(rows: list[Revenue], form: str) -> None:
    table = [(r.month, r.customer, r.revenue, r.currency) for r in rows]
    if form == "json":
        print_json([dict(zip(_COLUMNS, row, strict=True)) for row in table])
    elif form == "csv":
        from worthit.export.cells import CsvWriter

        writer = CsvWriter(sys.stdout)
        for row in (_COLUMNS, *table):
            writer.writerow(row)
    elif not rows:
        print("No revenue kept: import it with `worthit customers import FILE` "
              "(month,customer,revenue[,currency]).")
    else:
        shown = [(m, c, f"{v:,.2f}", cur) for m, c, v, cur in table]
        widths = [max(len(str(v)) for v in column)
                  for column in zip(_COLUMNS, *shown, strict=True)]
        for row in (_COLUMNS, *shown):
            print("  ".join(str(v).rjust(w) if at == 2 else str(v).ljust(w)
                            for at, (v, w) in enumerate(zip(row, widths, strict=True))
                            ).rstrip())
        print(f"{plural(len({r.month for r in rows}), 'month')}, "
              f"{plural(len({r.customer for r in rows}), 'customer')}: {_totals(rows)}")


def _threshold(cache: Any, share: str | None, *, reset: bool) -> int:
    from worthit.analysis.customer_margin import set_threshold, threshold
    from worthit.core.money import percent

    if share is not None and reset:
        print("Give a threshold or --default, not both.", file=sys.stderr)
        return 2
    if share is None and not reset:
        print(f"Customers whose AI cost is over {percent(threshold(cache), digits=0)} of "
              "their revenue come first.")
        return 0
    value = None
    if share is not None:
        typed = share.strip().rstrip("%").strip()
        try:
            number = float(typed)
        except ValueError:
            print(f"{share!r} is not a share: give a percentage such as 50.", file=sys.stderr)
            return 2
        value = number / 100
    kept = set_threshold(cache, value)
    print(f"Customers whose AI cost is over {percent(kept, digits=0)} of their revenue "
          "come first from now on.")
    return 0

"""``worthit commitments discount [RATE] [--source TEXT] [--clear]``: the discount off
on-demand prices a 1-year no-upfront commitment gets you, which "If you committed" (the
Commitments page, ``worthit report commitments``) prices steady usage at. Worthit guesses
none: without a rate it gives no saving."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Final

from worthit.cli.common import Subparsers
from worthit.workspace import Workspace

VERBS: Final = ("commitments",)


def rate_arg(text: str) -> float:
    """A rate as a fraction (``0.28``) or a percentage (``28``, ``28%``); another is a usage
    error, as argparse reports it."""
    typed = text.strip().rstrip("%").strip()
    try:
        value = float(typed)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate: give 0.28 or 28 %") from None
    rate = value / 100 if value >= 1 or text.strip().endswith("%") else value
    if not 0 < rate < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is no discount a commitment gets: give a "
                                         "rate between 0 and 100 %, such as 0.28 or 28")
    return rate


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``commitments`` and its action to the command's verbs."""
    commitments = verbs.add_parser("commitments", parents=[common],
                                   help="the discount rate commitments are priced at")
    actions = commitments.add_subparsers(dest="commitments_verb", metavar="ACTION",
                                         required=True)
    discount = actions.add_parser(
        "discount", parents=[common],
        help="show, set or clear the discount a 1-year no-upfront commitment gets",
        description="The discount off on-demand prices a 1-year no-upfront commitment gets "
                    "you (your negotiated rate, or the provider's published one): 'If you "
                    "committed' prices each instance family's steady on-demand usage at it. "
                    "Without RATE, says which it is.")
    discount.add_argument("rate", nargs="?", type=rate_arg, metavar="RATE",
                          help="a fraction (0.28) or a percentage (28)")
    discount.add_argument("--source", metavar="TEXT",
                          help="where the rate comes from: a URL, or words such as "
                               "'our 2026 EDP'; said beside every saving at it")
    discount.add_argument("--clear", action="store_true",
                          help="forget the rate (and its source): no saving is estimated")


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Carry out the action."""
    with workspace.open() as cache:
        return _discount(cache, args.rate, args.source, clear=args.clear)


def _discount(cache: Any, rate: float | None, source: str | None, *, clear: bool) -> int:
    from worthit.core.money import percent
    from worthit.store.commitments import (
        commitment_discount,
        commitment_discount_source,
        set_commitment_discount,
    )

    if clear and (rate is not None or source):
        print("Give a rate or --clear, not both.", file=sys.stderr)
        return 2
    if rate is None and source and not clear:
        print("--source goes with a rate: worthit commitments discount 0.28 --source TEXT",
              file=sys.stderr)
        return 2
    if clear:
        set_commitment_discount(cache, None)
        print("Commitment discount cleared: 'If you committed' gives no saving until you "
              "enter a rate.")
        return 0
    if rate is not None:
        set_commitment_discount(cache, rate, source)
    held = commitment_discount(cache)
    if held is None:
        print("No commitment discount entered: 'If you committed' gives no saving. Enter "
              "yours with `worthit commitments discount 0.28 --source TEXT`.")
        return 0
    named = commitment_discount_source(cache)
    shown = percent(held, digits=1).replace(".0 %", " %")
    print(("Commitment discount set to " if rate is not None else "Commitment discount: ")
          + f"{shown} off on-demand prices"
          + (f" (source: {named})." if named else " (no source given)."))
    return 0

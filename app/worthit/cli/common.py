"""What the verbs share: their argument types, the period they report on, a progress bar
on stderr and the way they print. Cheap to import: every verb's parser is built at start."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any, TypeAlias

from worthit.core.errors import UserError
from worthit.core.periods import Period, asked_period, check_covered, parse_date
from worthit.workspace import Workspace

#: What a verb module's ``add_parsers`` adds its verbs to: the command's subparsers.
#: (argparse names their type only privately, as ``add_subparsers`` returns it.)
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # noqa: SLF001


def date_arg(text: str) -> dt.date:
    """An option's date (YYYY-MM-DD); a bad one is a usage error, as argparse reports it."""
    try:
        return parse_date(text)
    except UserError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def size_arg(text: str) -> tuple[int, int]:
    """A window size such as ``1400x900``, each side from 200 to 8000 pixels."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1400x900") from None
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise argparse.ArgumentTypeError("width and height must be between 200 and 8000")
    return width, height


def add_period(parser: argparse.ArgumentParser) -> None:
    """``--from`` and ``--to``, for a verb that shows a period's figures."""
    parser.add_argument("--from", dest="start", type=date_arg, help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="end", type=date_arg, help="last day (YYYY-MM-DD)")


def currency_arg(text: str) -> str:
    """An ISO 4217 code (any case); another is a usage error, as argparse reports it."""
    from worthit.core.money import is_currency

    code = text.strip().upper()
    if not is_currency(code):
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 4217 currency code (such "
                                         "as USD, EUR, NOK)")
    return code


def add_currency(parser: argparse.ArgumentParser) -> None:
    """``--currency CODE``, for a verb that shows money: every amount in that currency
    for this run instead of the workspace's display currency."""
    parser.add_argument("--currency", type=currency_arg, metavar="CODE",
                        help="show every amount in this currency (default: the workspace's "
                             "display currency); amounts billed in others are converted at "
                             "the rate of their day (see `worthit rates`)")


def period(workspace: Workspace, start: dt.date | None, end: dt.date | None) -> Period:
    """The asked-for period; by default the last 30 days that have data."""
    if start and end:
        return Period(start, end)
    with workspace.open() as cache:
        return asked_period(cache.data_range(), start, end)


def covered(workspace: Workspace, period: Period) -> None:
    """Refuse a period without a day of data (:func:`worthit.core.periods.check_covered`)."""
    with workspace.open() as cache:
        check_covered(cache.data_range(), period, workspace=str(workspace.folder))


class Bar:
    """A one-line progress bar on a terminal's stderr (nothing when it is not one)."""

    WIDTH = 30

    def __init__(self) -> None:
        self.shown = sys.stderr.isatty()
        self.last = -1

    def __call__(self, label: str, share: float) -> None:
        filled = round(max(0.0, min(1.0, share)) * self.WIDTH)
        if not self.shown or filled == self.last:
            return
        self.last = filled
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {share:4.0%} {label[:40]}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.shown and self.last >= 0:
            sys.stderr.write("\r" + " " * (self.WIDTH + 50) + "\r")
            sys.stderr.flush()
        self.last = -1


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout, the way every verb's ``json`` output ends: indented for
    a person at a terminal, one line for a program reading a pipe or a file (the json
    module encodes in C only without an indent: a whole-range allocation of 18,860 nodes
    took 0.9 s to indent, 0.1 s not to)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(data, indent=indent))
    sys.stdout.write("\n")


def complain(error: object) -> None:
    """An error on stderr, as ``worthit: message``."""
    print(f"worthit: {error}", file=sys.stderr)

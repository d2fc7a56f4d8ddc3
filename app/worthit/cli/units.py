"""``worthit units import FILE``: add or replace daily unit counts from a CSV file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from worthit.cli.common import Subparsers
from worthit.workspace import Workspace

VERBS: Final = ("units",)


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``units`` and its one action, ``import``, to the command's verbs."""
    units = verbs.add_parser("units", help="import unit counts", parents=[common])
    units_verbs = units.add_subparsers(dest="units_verb", metavar="ACTION", required=True)
    counts = units_verbs.add_parser(
        "import", help="add or replace daily counts from a CSV file (date,unit,count); all "
                       "or nothing", parents=[common])
    counts.add_argument("file", type=Path)


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Check every count of the file, then write them all."""
    from worthit.core.units import read_counts_file
    from worthit.store.units import load_units, write_counts

    with workspace.open() as cache:
        counts = read_counts_file(args.file, load_units(cache))  # all checked first
        written = write_counts(cache, counts)
    print(f"Imported {written:,} counts from {args.file}")
    return 0

"""``worthit rules export|import FILE``: the allocation rules to and from a file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from worthit.cli.common import Subparsers
from worthit.workspace import Workspace

VERBS: Final = ("rules",)


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``rules`` and its actions to the command's verbs."""
    rules = verbs.add_parser("rules", help="export or import the allocation rules",
                             parents=[common])
    rules_verbs = rules.add_subparsers(dest="rules_verb", metavar="ACTION", required=True)
    export = rules_verbs.add_parser("export", help="write the rules to a .yaml or .json file",
                                    parents=[common])
    export.add_argument("file", type=Path)
    load = rules_verbs.add_parser("import", help="replace the rules with a file's (all or "
                                                 "nothing)", parents=[common])
    load.add_argument("file", type=Path)


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Write the rules to a file, or replace them with a file's once all of it is read."""
    from worthit.core.rules import read_rules_file, write_rules_file
    from worthit.store.rules import load_rules, save_rules

    with workspace.open() as cache:
        if args.rules_verb == "export":
            rules = load_rules(cache)
            write_rules_file(args.file, rules)
            print(f"Wrote {len(rules)} rules to {args.file}")
        else:
            rules = read_rules_file(args.file)  # all checked before anything is replaced
            save_rules(cache, rules)
            print(f"Imported {len(rules)} rules from {args.file}; they replace the previous "
                  "rules")
    return 0

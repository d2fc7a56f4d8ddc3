"""``worthit sources list|add|key|test|remove``: the workspace's sources, and the keys of
the live ones (kept in the system keyring, read from stdin, never printed)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Final

from worthit.cli.common import Subparsers, complain, print_json
from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.workspace import Workspace

VERBS: Final = ("sources",)
#: Live source kinds (kind, title), for `sources add`; kept here so --help needs no imports.
CONNECTOR_KINDS = (("openai", "OpenAI organisation usage and costs"),
                   ("anthropic", "Anthropic organisation usage and costs"),
                   ("aws-ce", "AWS Cost Explorer"),
                   ("aws-s3", "AWS Data Exports / CUR on S3"),
                   ("aws-athena", "AWS CUR via Athena (no download)"),
                   ("aws-cloudwatch", "AWS CloudWatch metrics"),
                   ("aws-inventory", "AWS inventory (S3 buckets, SageMaker endpoints)"))


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``sources`` and its actions to the command's verbs."""
    sources = verbs.add_parser("sources", help="list or remove the workspace's sources",
                               parents=[common])
    sources_verbs = sources.add_subparsers(dest="sources_verb", metavar="ACTION",
                                           required=True)
    listing = sources_verbs.add_parser("list", help="each source: kind, period, rows, "
                                                    "total, last run", parents=[common])
    listing.add_argument("--output", choices=("table", "json"), default="table")
    remove = sources_verbs.add_parser("remove", help="remove a source, its charges and its "
                                                     "key", parents=[common])
    remove.add_argument("name")
    add = sources_verbs.add_parser(
        "add", parents=[common], help="add a live source; its key, if it needs one, is read "
        "from stdin and kept in the system keyring",
        description="Kinds: " + "; ".join(f"{kind} ({title})" for kind, title in CONNECTOR_KINDS))
    add.add_argument("kind", choices=[kind for kind, _ in CONNECTOR_KINDS])
    add.add_argument("--name", required=True)
    add.add_argument("--set", dest="values", action="append", default=[], metavar="KEY=VALUE",
                     help="a setting of the source (e.g. endpoint=https://proxy.example)")
    key = sources_verbs.add_parser("key", parents=[common],
                                   help="replace a source's key (read from stdin)")
    key.add_argument("name")
    probe = sources_verbs.add_parser("test", parents=[common],
                                     help="test a live source's connection and permissions")
    probe.add_argument("name")


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Run one of the actions on the workspace's sources."""
    from worthit.store.sources import list_sources, remove_source, source_kind

    with workspace.open() as cache:
        if args.sources_verb == "remove":
            kind = source_kind(cache, args.name)
            removed = remove_source(cache, args.name)
            if kind in dict(CONNECTOR_KINDS):
                _forget_key(cache, args.name)
            print(f"Removed source {args.name!r} and its {removed:,} charges")
            return 0
        if args.sources_verb == "add":
            return _add_source(cache, args)
        if args.sources_verb == "key":
            return _replace_key(cache, args.name)
        if args.sources_verb == "test":
            from worthit.sync import test_source

            print(test_source(cache, args.name))
            return 0
        found = list_sources(cache)
    if args.output == "json":
        print_json({"sources": found})
        return 0
    if not found:
        print("No sources.")
    for s in found:
        period = f"{s['first_day']} to {s['last_day']}" if s["first_day"] else "no charges"
        last = s["last_run"] or {}
        print(f"{s['name']} ({s['kind']}): {period}, {s['rows']:,} charges, "
              f"{s['effective_cost']:,.2f} {s['currency'] or ''}; last run "
              f"{last.get('result', 'none')} {last.get('finished_at') or ''}".rstrip())
        if last.get("error"):
            print(f"  {last['error']}")
    return 0


def _read_secret(what: str) -> str:
    """A key from stdin: typed without echo on a terminal, else the first line piped in."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{what}: ")
    return sys.stdin.readline()


def _add_source(cache: Cache, args: argparse.Namespace) -> int:
    from worthit import secrets
    from worthit.sources.connectors import connectors
    from worthit.store.sources import add_source, check_new_name
    from worthit.workspace import identity

    connector = connectors()[args.kind]
    known = {s.name: s for s in connector.settings}
    values: dict[str, str] = {s.name: s.default for s in connector.settings if s.default}
    for item in args.values:
        key, sep, value = item.partition("=")
        if not sep or key not in known:
            raise UserError(_refused_setting(key, sep, args.kind, connector, known))
        values[key] = value
    check_new_name(cache, args.name)  # before the keyring: a refused source costs no key
    if not connector.wants_secret(values):
        add_source(cache, args.name, args.kind, values)
        print(f"Added source {args.name!r} ({connector.title}); run `worthit sync` to "
              "fetch it.")
        return 0
    secret = _read_secret(f"{connector.title} {connector.secret}")
    # Key first (no source without its key); should the source be refused after all,
    # whatever the entry held before comes back.
    with secrets.replacing(args.name, secret, workspace=identity(cache)):
        add_source(cache, args.name, args.kind, values)
    print(f"Added source {args.name!r} ({connector.title}), its key kept by "
          f"{secrets.describe()}; run `worthit sync` to fetch it.")
    return 0


def _refused_setting(key: str, sep: str, kind: str, connector: Any, known: dict[str, Any]
                     ) -> str:
    """Why ``--set KEY=VALUE`` was refused, quoting no value: a key pasted there by mistake
    must not be printed back (nor a name that may be one)."""
    import re

    from worthit.secrets import MASK

    # Setting names are short words; keys have digits.
    named = re.fullmatch(r"[A-Za-z][A-Za-z_.-]{0,31}", key)
    shown = (f"{key}={MASK}" if sep else key) if named else MASK
    takes = ", ".join(f"{k}=VALUE" for k in known) or "no settings"
    message = f"--set {shown}: {kind} sources take {takes}"
    if connector.secret:
        message += (f". The {connector.secret} is not a setting: it is read from stdin and "
                    "kept in the system keyring")
    return message


def _replace_key(cache: Cache, name: str) -> int:
    from worthit import secrets
    from worthit.sources.connectors import connectors
    from worthit.store.sources import source_kind
    from worthit.workspace import identity

    connector = connectors().get(source_kind(cache, name) or "")
    if connector is None or not connector.secret:
        raise UserError(f"Source {name!r} is not a live source with a key.")
    secrets.store(name, _read_secret(f"{connector.title} {connector.secret}"),
                  workspace=identity(cache))
    print(f"Replaced the key of source {name!r}, kept by {secrets.describe()}.")
    return 0


def _forget_key(cache: Cache, name: str) -> None:
    from worthit import secrets
    from worthit.workspace import identity

    try:
        secrets.delete(name, workspace=identity(cache))
    except UserError as error:  # the source is gone; say why its key may remain
        complain(error)

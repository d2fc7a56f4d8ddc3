"""``worthit import FILE...``: import billing files, each all or nothing (with
``--source``, the files together), into a workspace that is not the demo's."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import Any, Final

from worthit.cli.common import Bar, Subparsers, complain, print_json
from worthit.core.errors import UserError
from worthit.workspace import Workspace, ensure, is_default_demo, is_demo

VERBS: Final = ("import",)
#: How each file kind is named in what the import prints.
KIND_NAMES: Final = {"focus": "FOCUS", "aws-cur": "AWS CUR", "azure": "Azure cost export",
                     "gcp": "GCP billing export"}
_INTO_DEMO = ("this is the demo workspace: your bill would mix with invented money. Give it "
              "a workspace of its own (--workspace DIR, or WORTHIT_HOME), or add --into-demo "
              "to import it here anyway")


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``import`` to the command's verbs."""
    imports = verbs.add_parser(
        "import", help="import billing files (FOCUS 1.0-1.4, AWS CUR, Azure, GCP; CSV, "
                       "CSV.gz or Parquet) or request traces (OpenTelemetry OTLP/JSON, "
                       "LiteLLM spend logs, a usage CSV); each file all or nothing (with "
                       "--source, the files together)", parents=[common])
    imports.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imports.add_argument("--format", dest="kind",
                         choices=("auto", "focus", "aws-cur", "azure", "gcp", "otlp-traces",
                                  "litellm-spend", "usage-csv"), default="auto",
                         help="what the files are (default: recognised from the header)")
    imports.add_argument("--source", help="the source to import into, all files together "
                                          "(default: one source per file, named after it)")
    imports.add_argument("--output", choices=("table", "json"), default="table")
    imports.add_argument("--into-demo", action="store_true",
                         help="import into the demo workspace anyway (its figures then mix "
                              "invented money with your bill)")


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Each file on its own (or, with --source, the files together): one refused file or
    source never stops the others; exit 2 if any was refused."""
    from worthit.sync.contract_commitments import CommitmentImport
    from worthit.sync.importer import import_files
    from worthit.sync.traces import TraceImport

    batches = [args.files] if args.source else [[path] for path in args.files]
    results: list[dict[str, object]] = []
    bar = Bar()
    # Your own bills start a workspace of their own, never inside the demo's.
    if is_default_demo(workspace) and not workspace.exists() and not args.into_demo:
        raise UserError(_INTO_DEMO)
    ensure(workspace, create=True)
    with workspace.open() as cache:
        if is_demo(cache) and not args.into_demo:
            raise UserError(_INTO_DEMO)
        kept_from = cache.last_load()  # files given together never replace each other
        for paths in batches:
            label = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
            try:
                done = import_files(cache, paths, kind=args.kind, source=args.source,
                                    kept_from=kept_from, progress=functools.partial(bar, label))
            except UserError as error:
                bar.done()
                results.extend({"file": str(p), "result": "refused", "error": str(error)}
                               for p in paths)
                if args.output == "table":
                    complain(error)
                continue
            bar.done()
            results.extend(d.to_json() for d in done)
            if args.output == "table":
                if done and isinstance(done[0], TraceImport | CommitmentImport):
                    print(*done, sep="\n")
                else:
                    _print_import(done, chosen=args.kind == "auto")
    if args.output == "json":
        print_json({"files": results})
    return 2 if any(r["result"] != "ok" for r in results) else 0


def _print_import(done: list[Any], *, chosen: bool) -> None:
    for d in done:
        how = "recognised as" if chosen else "read as"
        print(f"{d.path}: {how} {KIND_NAMES[d.kind]}; {d.first} to {d.last}, "
              f"{d.rows_read:,} lines; billed {d.file_billed:,.6f} {d.currency}, effective "
              f"{d.file_effective:,.6f} in the file")
        for replaced in d.replaced:
            print(f"  {replaced}")
    last = done[-1]
    written = f"{last.rows_written:,} daily charges; " if last.rows_written is not None else ""
    print(f"  into source {last.source!r}: {written}the cache holds billed "
          f"{_cache_total(done, 'billed'):,.6f}, effective "
          f"{_cache_total(done, 'effective'):,.6f} {last.currency} for those days "
          "(reconciled to $0.01)")


def _cache_total(done: list[Any], what: str) -> float:
    value = getattr(done[0], f"cache_{what}")
    return float(value) if value is not None else sum(getattr(d, f"file_{what}") for d in done)

"""The command line. With no verb it opens the app; every verb runs headless.

Heavy modules (pandas, Qt, pyqtgraph) are imported inside the verbs that need them."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Any, Final

from worthit import __version__
from worthit.core.errors import CacheBusy, UserError
from worthit.core.periods import Period, Preset, parse_date, preset_period
from worthit.pages import PAGES
from worthit.workspace import Workspace, ensure, is_default_demo, is_demo, resolve

#: The pages with figures (worthit.pages: cheap to import, each page's analysis waits).
REPORT_PAGES = tuple(PAGES)
#: Live source kinds (kind, title), for `sources add`; kept here so --help needs no imports.
CONNECTOR_KINDS = (("openai", "OpenAI organisation usage and costs"),
                   ("anthropic", "Anthropic organisation usage and costs"),
                   ("aws-ce", "AWS Cost Explorer"),
                   ("aws-s3", "AWS Data Exports / CUR on S3"),
                   ("aws-athena", "AWS CUR via Athena (no download)"),
                   ("aws-cloudwatch", "AWS CloudWatch metrics"),
                   ("aws-inventory", "AWS inventory (S3 buckets, SageMaker endpoints)"))
SCREENSHOT_PAGES = (*REPORT_PAGES, "sources", "alerts")
log = logging.getLogger("worthit")


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except UserError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1400x900") from None
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise argparse.ArgumentTypeError("width and height must be between 200 and 8000")
    return width, height


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="worthit",
        description="Was our AI spend worth it? With no command, opens the app.",
    )
    root.add_argument("--version", action="version", version=f"worthit {__version__}")
    root.add_argument("--self-test", action="store_true",
                      help="check this installation on a throwaway demo workspace, print a "
                           "line per check and exit (status 0: all good)")
    root.add_argument("--workspace", metavar="DIR",
                      help="workspace folder (default: $WORTHIT_HOME, else the demo workspace)")
    verbs = root.add_subparsers(dest="verb", metavar="COMMAND")
    # --workspace may also follow the verb (worthit demo --workspace DIR).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS,
                        help="workspace folder")

    demo = verbs.add_parser("demo", help="(re)generate the demo workspace", parents=[common])
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--end", type=_date, help="last day of data (default: yesterday)")
    demo.add_argument("--scale", choices=("small", "large"), default="small",
                      help="large writes about 2 million charge rows, for benchmarks")
    demo.add_argument("--no-leaks", action="store_true",
                      help="a clean control workspace without the planted leaks")

    report = verbs.add_parser("report", help="print a page's figures", parents=[common])
    report.add_argument("page", choices=REPORT_PAGES)
    report.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD)")
    report.add_argument("--format", choices=("table", "json", "csv"), default="table")
    report.add_argument("--depth", type=int, choices=(1, 2, 3, 4), default=None,
                        help="allocation: tree levels to print (team, feature, service, "
                             "resource; default 2 for table, 4 for json and csv)")

    report.add_argument("--granularity", choices=("day", "week", "month"), default="week",
                        help="units: the span of each point of the series (default week)")

    units = verbs.add_parser("units", help="import unit counts", parents=[common])
    units_verbs = units.add_subparsers(dest="units_verb", metavar="ACTION", required=True)
    counts = units_verbs.add_parser(
        "import", help="add or replace daily counts from a CSV file (date,unit,count); all "
                       "or nothing", parents=[common])
    counts.add_argument("file", type=Path)

    imports = verbs.add_parser(
        "import", help="import billing files (FOCUS 1.0-1.3, AWS CUR, Azure, GCP; CSV, "
                       "CSV.gz or Parquet); each file all or nothing (with --source, the "
                       "files together)", parents=[common])
    imports.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imports.add_argument("--format", dest="kind",
                         choices=("auto", "focus", "aws-cur", "azure", "gcp"), default="auto",
                         help="what the files are (default: recognised from the header)")
    imports.add_argument("--source", help="the source to import into, all files together "
                                          "(default: one source per file, named after it)")
    imports.add_argument("--output", choices=("table", "json"), default="table")
    imports.add_argument("--into-demo", action="store_true",
                         help="import into the demo workspace anyway (its figures then mix "
                              "invented money with your bill)")

    syncs = verbs.add_parser("sync", help="bring every source (or the named ones) up to "
                                          "date; each on its own", parents=[common])
    syncs.add_argument("--source", dest="names", action="append", metavar="NAME",
                       help="only this source (repeatable)")
    syncs.add_argument("--force", action="store_true",
                       help="re-import files even if they have not changed")
    syncs.add_argument("--from", dest="start", type=_date,
                       help="live sources: first day to fetch (default: what is new)")
    syncs.add_argument("--to", dest="end", type=_date,
                       help="live sources: last day to fetch (default: today, UTC)")
    syncs.add_argument("--output", choices=("table", "json"), default="table")

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

    rules = verbs.add_parser("rules", help="export or import the allocation rules",
                             parents=[common])
    rules_verbs = rules.add_subparsers(dest="rules_verb", metavar="ACTION", required=True)
    export = rules_verbs.add_parser("export", help="write the rules to a .yaml or .json file",
                                    parents=[common])
    export.add_argument("file", type=Path)
    load = rules_verbs.add_parser("import", help="replace the rules with a file's (all or "
                                                 "nothing)", parents=[common])
    load.add_argument("file", type=Path)

    shot = verbs.add_parser("screenshot", help="render a page offscreen to a PNG",
                            parents=[common])
    shot.add_argument("page", choices=SCREENSHOT_PAGES)
    shot.add_argument("--out", type=Path, required=True)
    shot.add_argument("--size", type=_size, default=(1400, 900), metavar="WxH")
    shot.add_argument("--from", dest="start", type=_date)
    shot.add_argument("--to", dest="end", type=_date)

    exports = verbs.add_parser("export", help="write the period's story to a PowerPoint deck, "
                                              "or a page's table to CSV or Excel",
                               parents=[common])
    export_verbs = exports.add_subparsers(dest="export_verb", metavar="WHAT", required=True)
    deck = export_verbs.add_parser(
        "deck", parents=[common], help="a .pptx with native (editable) charts: title, "
        "overview, allocation, units, leaks, swap")
    deck.add_argument("--out", type=Path, required=True, metavar="FILE.pptx")
    deck.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD)")
    deck.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD)")
    deck.add_argument("--slides", metavar="a,b,c",
                      help="the slides, in order (default all: title, overview, allocation, "
                           "units, leaks, swap)")
    deck.add_argument("--mask", action="store_true",
                      help="replace account, API key and resource ids with pseudonyms")
    sheet = export_verbs.add_parser("table", parents=[common],
                                    help="a page's figures as .csv or .xlsx, with the period "
                                         "and filters in the file")
    sheet.add_argument("page", choices=REPORT_PAGES)
    sheet.add_argument("--out", type=Path, required=True, metavar="FILE.csv|FILE.xlsx")
    sheet.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD)")
    sheet.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD)")
    sheet.add_argument("--mask", action="store_true",
                       help="replace account, API key and resource ids with pseudonyms")
    chart = export_verbs.add_parser("chart", parents=[common],
                                    help="a page's main chart as drawn: .png (2x) or .svg "
                                         "(vectors)")
    chart.add_argument("page", choices=REPORT_PAGES)
    chart.add_argument("--out", type=Path, required=True, metavar="FILE.png|FILE.svg")
    chart.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD)")
    chart.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD)")
    chart.add_argument("--size", type=_size, default=(1400, 900), metavar="WxH",
                       help="the window the chart is drawn in")

    from worthit.watch.commands import add_parsers as add_watch_verbs

    add_watch_verbs(verbs, common)  # watch, budgets, webhook
    return root


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    if args.self_test:  # never touches the user's workspace
        from worthit.selftest import run as self_test

        return self_test()
    try:
        workspace = resolve(args.workspace)
        if args.verb == "demo":
            return _demo(workspace, args)
        if args.verb == "import":
            # Your own bills start a workspace of their own, never inside the demo's.
            return _import(workspace, args)
        if args.verb is None:  # the window makes the demo behind a splash, if it must
            from worthit.ui.app import run

            return run(workspace)
        ensure(workspace, create=_adds(args))
        if args.verb == "report":
            return _report(workspace, args)
        if args.verb == "screenshot":
            return _screenshot(workspace, args)
        if args.verb == "rules":
            return _rules(workspace, args)
        if args.verb == "units":
            return _units(workspace, args)
        if args.verb == "sources":
            return _sources(workspace, args)
        if args.verb == "sync":
            return _sync(workspace, args)
        if args.verb == "export":
            return _export(workspace, args)
        if args.verb in ("watch", "budgets", "webhook"):
            from worthit.watch.commands import run as run_watch_verb

            return run_watch_verb(workspace, args)
    except UserError as error:
        print(f"worthit: {error}", file=sys.stderr)
        return CacheBusy.EXIT if isinstance(error, CacheBusy) else 2
    raise AssertionError(f"unhandled verb {args.verb}")


#: The commands that add something to a workspace: on a new folder they start it, empty.
#: Every other command refuses a folder without a cache rather than invent one.
#: (The window, too, opens a new folder as an empty workspace: worthit.ui.app.run.)
_ADDING: Final = {("sources", "add"), ("sources", "key"), ("budgets", "set"),
                  ("webhook", "set"), ("units", "import"), ("rules", "import")}


def _adds(args: argparse.Namespace) -> bool:
    action = getattr(args, f"{args.verb}_verb", None)
    return (args.verb, action) in _ADDING


def _period(workspace: Workspace, start: dt.date | None, end: dt.date | None) -> Period:
    """The asked-for period; by default the last 30 days that have data."""
    if start and end:
        return Period(start, end)
    with workspace.open() as cache:
        data = cache.data_range()
    last = data[1] if data else dt.date.today()
    if end is None:
        end = last
    if start is None:
        start = preset_period(Preset.LAST_30, end).start
    return Period(start, end)


def _covered(workspace: Workspace, period: Period) -> None:
    """Refuse a period without a day of data: its figures would all be $0.00 and its
    comparison −100 %, which reads as news rather than as nothing to show."""
    with workspace.open() as cache:
        data = cache.data_range()
    if data is None:
        raise UserError(f"{workspace.folder} holds no charges yet: import a bill or add a "
                        "source first")
    first, last = data
    if period.end < first or period.start > last:
        raise UserError(f"no data from {period.start} to {period.end}: this workspace holds "
                        f"charges from {first} to {last}")


def _demo(workspace: Workspace, args: argparse.Namespace) -> int:
    from worthit.demo.generator import generate_demo

    result = generate_demo(workspace, seed=args.seed, end=args.end, scale=args.scale,
                           leaks=not args.no_leaks)
    print(f"Demo workspace in {workspace.folder}: {result.rows:,} charge rows, "
          f"{result.start} to {result.end}, {len(result.planted)} planted leaks "
          f"({result.seconds:.1f} s).")
    return 0


def _report(workspace: Workspace, args: argparse.Namespace) -> int:
    """A page's figures: its table as CSV (the same as ``export table``), its JSON, or
    its text, all from one :class:`Figures`."""
    from worthit.pages import Options
    from worthit.pages.figures import Figures

    page = PAGES[args.page]
    period = _period(workspace, args.start, args.end)
    _covered(workspace, period)
    with workspace.open() as cache:
        figures = Figures(cache, period, workspace_name=workspace.name,
                          granularity=args.granularity)
        options = Options(depth=args.depth)
        if args.format == "json":
            json.dump(page.json(figures, options), sys.stdout, indent=2)
            print()
        elif args.format == "csv":
            from worthit.export.tables import csv_text

            sys.stdout.write(csv_text(page.table(figures)))
        else:
            print(page.text(figures, options))
    return 0


class _Bar:
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


_INTO_DEMO = ("this is the demo workspace: your bill would mix with invented money. Give it "
              "a workspace of its own (--workspace DIR, or WORTHIT_HOME), or add --into-demo "
              "to import it here anyway")


def _import(workspace: Workspace, args: argparse.Namespace) -> int:
    """Each file on its own (or, with --source, the files together): one refused file or
    source never stops the others; exit 2 if any was refused."""
    from worthit.sync.importer import import_files

    batches = [args.files] if args.source else [[path] for path in args.files]
    results: list[dict[str, object]] = []
    bar = _Bar()
    if is_default_demo(workspace) and not workspace.exists() and not args.into_demo:
        raise UserError(_INTO_DEMO)
    ensure(workspace, create=True)
    with workspace.open() as cache:
        if is_demo(cache) and not args.into_demo:
            raise UserError(_INTO_DEMO)
        kept_from = cache.last_charge()  # files given together never replace each other
        for paths in batches:
            label = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
            try:
                done = import_files(cache, paths, kind=args.kind, source=args.source,
                                    kept_from=kept_from,
                                    progress=lambda share, label=label: bar(label, share))
            except UserError as error:
                bar.done()
                results.extend({"file": str(p), "result": "refused", "error": str(error)}
                               for p in paths)
                if args.output == "table":
                    print(f"worthit: {error}", file=sys.stderr)
                continue
            bar.done()
            results.extend(d.to_json() for d in done)
            if args.output == "table":
                _print_import(done, chosen=args.kind == "auto")
    if args.output == "json":
        json.dump({"files": results}, sys.stdout, indent=2)
        print()
    return 2 if any(r["result"] != "ok" for r in results) else 0


KIND_NAMES = {"focus": "FOCUS", "aws-cur": "AWS CUR", "azure": "Azure cost export",
              "gcp": "GCP billing export"}


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


def _sync(workspace: Workspace, args: argparse.Namespace) -> int:
    """Exit 2 if any source failed."""
    from worthit.sync import sync

    bar = _Bar()
    with workspace.open() as cache:
        outcomes = sync(cache, args.names, force=args.force, window=(args.start, args.end),
                        progress=bar)
    bar.done()
    if args.output == "json":
        json.dump({"sources": [o.to_json() for o in outcomes]}, sys.stdout, indent=2)
        print()
    else:
        if not outcomes:
            print("No sources to sync: import files first (worthit import FILE...).")
        for o in outcomes:
            figures = f" ({o.rows_read:,} lines read, {o.rows_written:,} charges written)" \
                if o.result == "ok" else ""
            print(f"{o.source}: {o.result}: {o.message}{figures}")
    return 2 if any(o.result == "failed" for o in outcomes) else 0


def _sources(workspace: Workspace, args: argparse.Namespace) -> int:
    from worthit.store.sources import list_sources, remove_source

    with workspace.open() as cache:
        if args.sources_verb == "remove":
            kind = cache.scalar("SELECT kind FROM sources WHERE name = ?", (args.name,))
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
        json.dump({"sources": found}, sys.stdout, indent=2)
        print()
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


def _add_source(cache: Any, args: argparse.Namespace) -> int:
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


def _replace_key(cache: Any, name: str) -> int:
    from worthit import secrets
    from worthit.sources.connectors import connectors
    from worthit.workspace import identity

    kind = cache.scalar("SELECT kind FROM sources WHERE name = ?", (name,))
    connector = connectors().get(kind or "")
    if connector is None or not connector.secret:
        raise UserError(f"Source {name!r} is not a live source with a key.")
    secrets.store(name, _read_secret(f"{connector.title} {connector.secret}"),
                  workspace=identity(cache))
    print(f"Replaced the key of source {name!r}, kept by {secrets.describe()}.")
    return 0


def _forget_key(cache: Any, name: str) -> None:
    from worthit import secrets
    from worthit.workspace import identity

    try:
        secrets.delete(name, workspace=identity(cache))
    except UserError as error:  # the source is gone; say why its key may remain
        print(f"worthit: {error}", file=sys.stderr)


def _units(workspace: Workspace, args: argparse.Namespace) -> int:
    from worthit.core.units import read_counts_file
    from worthit.store.units import load_units, write_counts

    with workspace.open() as cache:
        counts = read_counts_file(args.file, load_units(cache))  # all checked first
        written = write_counts(cache, counts)
    print(f"Imported {written:,} counts from {args.file}")
    return 0


def _rules(workspace: Workspace, args: argparse.Namespace) -> int:
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


def _export(workspace: Workspace, args: argparse.Namespace) -> int:
    period = _period(workspace, args.start, args.end)
    _covered(workspace, period)
    if args.export_verb == "chart":
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from worthit.ui.screenshot import export_chart

        out = export_chart(workspace, args.page, args.out, size=args.size, period=period)
        print(f"Wrote {out} ({period.label()})")
        return 0
    if args.export_verb == "deck":
        from worthit.export.deck import build_deck

        slides = args.slides.split(",") if args.slides is not None else None
        out = build_deck(workspace, period, slides=slides, mask=args.mask, out=args.out)
        print(f"Wrote {out} ({period.label()}{', masked' if args.mask else ''})")
        return 0
    from worthit.export.files import check_target
    from worthit.export.mask import Mask
    from worthit.export.tables import SUFFIXES, write_table
    from worthit.pages.figures import Figures

    check_target(args.out, SUFFIXES)  # before the figures are computed
    with workspace.open() as cache:
        table = PAGES[args.page].table(Figures(cache, period, workspace_name=workspace.name))
        if args.mask:
            table = Mask.from_cache(cache).table(table)
    write_table(args.out, table)
    print(f"Wrote {args.out}: {table.title}, {len(table.rows):,} rows "
          f"({(table.period or period).label()}{', masked' if args.mask else ''})")
    return 0


def _screenshot(workspace: Workspace, args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from worthit.ui.screenshot import render

    period = _period(workspace, args.start, args.end) if (args.start or args.end) else None
    out = render(workspace, args.page, args.out, size=args.size, period=period)
    print(f"Wrote {out}")
    return 0



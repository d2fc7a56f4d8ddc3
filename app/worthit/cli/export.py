"""``worthit export deck|table|chart|focus``: the period's story as a PowerPoint deck, a
page's table as CSV or Excel, a page's main chart as PNG or SVG, or the charges as a FOCUS
dataset for FinOps tools."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from worthit.cli.common import Bar, Subparsers, add_period, covered, period, size_arg
from worthit.export.deck import SLIDES
from worthit.export.focus_spec import FOCUS_VERSIONS
from worthit.pages import PAGES
from worthit.workspace import Workspace

VERBS: Final = ("export",)
_MASK_HELP = "replace account, API key and resource ids with pseudonyms"


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``export`` and its four kinds of file to the command's verbs."""
    exports = verbs.add_parser("export", help="write the period's story to a PowerPoint deck, "
                                              "a page's table to CSV or Excel, or the "
                                              "charges to a FOCUS file",
                               parents=[common])
    export_verbs = exports.add_subparsers(dest="export_verb", metavar="WHAT", required=True)
    deck = export_verbs.add_parser(
        "deck", parents=[common], help="a .pptx with native (editable) charts: "
        + ", ".join(SLIDES))
    deck.add_argument("--out", type=Path, required=True, metavar="FILE.pptx")
    add_period(deck)
    deck.add_argument("--slides", metavar="a,b,c",
                      help=f"the slides, in order (default all: {', '.join(SLIDES)})")
    deck.add_argument("--mask", action="store_true", help=_MASK_HELP)
    sheet = export_verbs.add_parser("table", parents=[common],
                                    help="a page's figures as .csv or .xlsx, with the period "
                                         "and filters in the file")
    sheet.add_argument("page", choices=tuple(PAGES))
    sheet.add_argument("--out", type=Path, required=True, metavar="FILE.csv|FILE.xlsx")
    add_period(sheet)
    sheet.add_argument("--mask", action="store_true", help=_MASK_HELP)
    chart = export_verbs.add_parser("chart", parents=[common],
                                    help="a page's main chart as drawn: .png (2x) or .svg "
                                         "(vectors)")
    chart.add_argument("page", choices=tuple(PAGES))
    chart.add_argument("--out", type=Path, required=True, metavar="FILE.png|FILE.svg")
    add_period(chart)
    chart.add_argument("--size", type=size_arg, default=(1400, 900), metavar="WxH",
                       help="the window the chart is drawn in")
    focus = export_verbs.add_parser(
        "focus", parents=[common],
        help="every daily charge as a FOCUS cost and usage dataset (.csv, .csv.gz or "
             ".parquet), with its team and feature; by default every day with data")
    focus.add_argument("--version", dest="focus_version", required=True,
                       choices=FOCUS_VERSIONS,
                       help="the FOCUS version to write (1.4: its June 2026 draft)")
    focus.add_argument("--out", type=Path, required=True,
                       metavar="FILE.csv|FILE.csv.gz|FILE.parquet")
    add_period(focus)
    focus.add_argument("--mask", action="store_true",
                       help=_MASK_HELP.replace("ids", "ids and account names"))


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Write the file for a period with data, and say what went into it."""
    if args.export_verb == "focus":
        return _focus(workspace, args)
    shown = period(workspace, args.start, args.end)
    covered(workspace, shown)
    if args.export_verb == "chart":
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from worthit.ui.screenshot import export_chart

        out = export_chart(workspace, args.page, args.out, size=args.size, period=shown)
        print(f"Wrote {out} ({shown.label()})")
        return 0
    if args.export_verb == "deck":
        from worthit.export.deck import build_deck

        slides = args.slides.split(",") if args.slides is not None else None
        out = build_deck(workspace, shown, slides=slides, mask=args.mask, out=args.out)
        print(f"Wrote {out} ({shown.label()}{', masked' if args.mask else ''})")
        return 0
    from worthit.export.files import check_target
    from worthit.export.mask import Mask
    from worthit.export.tables import SUFFIXES, write_table
    from worthit.pages.figures import Figures

    check_target(args.out, SUFFIXES)  # before the figures are computed
    with workspace.open() as cache:
        table = PAGES[args.page].table(Figures(cache, shown, workspace_name=workspace.name))
        if args.mask:
            table = Mask.from_cache(cache).table(table)
    write_table(args.out, table)
    print(f"Wrote {args.out}: {table.title}, {len(table.rows):,} rows "
          f"({(table.period or shown).label()}{', masked' if args.mask else ''})")
    return 0


def _focus(workspace: Workspace, args: argparse.Namespace) -> int:
    """``worthit export focus``: the days asked (by default every day with data) as FOCUS,
    with a progress bar on a terminal."""
    from worthit.export.focus import FocusExport, check_out, export_period

    check_out(args.out)  # before anything is read
    bar = Bar()
    with workspace.open() as cache:
        days = export_period(cache.data_range(), args.start, args.end,
                             workspace=str(workspace.folder))
        try:
            written = FocusExport(cache, args.focus_version, days, mask=args.mask,
                                  progress=lambda share, text: bar(text, share)).export(args.out)
        finally:
            bar.done()
    print(f"Wrote {written.path}: {written.describe()}")
    return 0

"""``worthit screenshot PAGE``: render a page of the window offscreen to a PNG."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from worthit.cli.common import Subparsers, date_arg, period, size_arg
from worthit.pages import TITLES
from worthit.workspace import Workspace

VERBS: Final = ("screenshot",)
#: Every page of the window, those without figures of their own (sources, alerts) too.
SCREENSHOT_PAGES: Final = tuple(TITLES)
#: The app's appearances (worthit.ui.theme.Appearance's values: the CLI imports no Qt).
APPEARANCES: Final = ("system", "light", "dark")


def add_parsers(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``screenshot`` to the command's verbs."""
    shot = verbs.add_parser("screenshot", help="render a page offscreen to a PNG",
                            parents=[common])
    shot.add_argument("page", choices=SCREENSHOT_PAGES)
    shot.add_argument("--out", type=Path, required=True)
    shot.add_argument("--size", type=size_arg, default=(1400, 900), metavar="WxH")
    shot.add_argument("--from", dest="start", type=date_arg)
    shot.add_argument("--to", dest="end", type=date_arg)
    shot.add_argument("--appearance", choices=APPEARANCES,
                      help="light or dark for this picture only (default: as the app looks)")


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    """Draw the page with Qt on the offscreen platform and write the PNG."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from worthit.ui.screenshot import render

    shown = period(workspace, args.start, args.end) if (args.start or args.end) else None
    out = render(workspace, args.page, args.out, size=args.size, period=shown,
                 appearance=args.appearance)
    print(f"Wrote {out}")
    return 0

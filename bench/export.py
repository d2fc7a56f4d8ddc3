"""Exporting the full deck of the demo workspace, ``worthit.export.deck.build_deck``, for
the last 30 days of data. Goal (issue 10): at most 2 s.

Three figures, medians of ``--repeat`` runs:

- **warm**: in this process, as the app's export worker runs it: modules imported and
  the charge index loaded (one unrecorded run first), every analysis computed afresh.
  Split into the figures (the pages' analyses, most of it the leak detectors and their
  model-swap suggestions) and the writing (slides, native charts, their embedded data,
  the zip);
- **masked**: the same with ``mask=True``;
- **command**: ``worthit export deck`` in a fresh process, Python's start-up and imports
  included.

By default on the small demo (generated into a temporary folder); ``--scale large`` (or
``both``) measures the large one (about 2 million charges), ``--workspace DIR`` reuses it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _common import add_scale_options, demo_workspaces, parser, run_python, summary, table
from worthit.export.deck import build_deck, write_deck
from worthit.pages.figures import Figures
from worthit.workspace import Workspace

GOAL_S = 2.0


def figures_and_writing(workspace: Workspace, out: Path) -> tuple[float, float]:
    """One deck, split: computing every slide's figures, then writing the slides."""
    with workspace.open() as cache:
        began = time.perf_counter()
        figures = Figures(cache, workspace_name=workspace.name)
        for name in ("freshness", "overview", "allocation", "leaks", "units", "suggestions",
                     "scenarios"):
            getattr(figures, name)
        computed = time.perf_counter() - began
        began = time.perf_counter()
        write_deck(figures, out)
    return computed, time.perf_counter() - began


def run(folder: Path, repeat: int) -> None:
    workspace = Workspace(folder)
    with tempfile.TemporaryDirectory(prefix="worthit-deck-") as temporary:
        out = Path(temporary) / "deck.pptx"
        build_deck(workspace, out=out)  # unrecorded: imports, charge index, page cache
        warm, masked, parts = [], [], []
        for _ in range(repeat):
            began = time.perf_counter()
            build_deck(workspace, out=out)
            warm.append(time.perf_counter() - began)
            began = time.perf_counter()
            build_deck(workspace, out=out, mask=True)
            masked.append(time.perf_counter() - began)
            parts.append(figures_and_writing(workspace, out))
        size = out.stat().st_size
        with zipfile.ZipFile(out) as deck:
            charts = sum(n.startswith("ppt/charts/chart") for n in deck.namelist())
            slides = sum(n.startswith("ppt/slides/slide") for n in deck.namelist())
        command = [run_python(["-m", "worthit", "--workspace", str(folder), "export", "deck",
                               "--out", str(out)]).seconds for _ in range(repeat)]
    median = statistics.median(warm)
    verdict = "meets" if median <= GOAL_S else "MISSES"
    print(f"deck, warm:    {summary(warm)}  -> {verdict} the {GOAL_S:g} s goal")
    print(f"deck, masked:  {summary(masked)}")
    print(f"deck, command: {summary(command)}  (fresh process: start-up and imports)")
    print(table(("part of a warm deck", "median s"), [
        ("figures (the pages' analyses)", f"{statistics.median(p[0] for p in parts):.3f}"),
        ("slides, charts and the file", f"{statistics.median(p[1] for p in parts):.3f}"),
    ]))
    print(f"file: {size / 1024:.0f} KiB, {slides} slides, {charts} native charts")


def main() -> None:
    root = parser(__doc__)
    add_scale_options(root)
    root.set_defaults(scale="small")
    args = root.parse_args()
    with demo_workspaces(args) as found:
        for scale, folder in found:
            print(f"== {scale} demo ({folder}) ==")
            try:
                run(folder, args.repeat)
            except RuntimeError as error:  # a child failed: say so, do not hide it
                sys.exit(str(error))
            print()


if __name__ == "__main__":
    main()

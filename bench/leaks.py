"""The Leaks page's engine, ``worthit.analysis.leaks.find_leaks``: every detector over the
30 days to the data's last day, on the small and the large demo, with the charge index
warm (as after the first page's load). No goal is set by the issue; the page and the
Overview run it on a worker. Prints the median of ``--repeat`` runs and each detector's
own time from the last run.

``--workspace DIR`` reuses (or creates) the workspace in DIR for the chosen ``--scale``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from _common import add_scale_options, demo_workspaces, parser, table
from worthit.analysis.charge_index import charge_index
from worthit.analysis.leaks import DETECTORS, find_leaks, load_settings
from worthit.analysis.leaks.base import Context
from worthit.store.cache import CACHE_FILE, Cache


def run(folder: Path, repeat: int) -> None:
    with Cache.open(folder / CACHE_FILE) as cache:
        data = cache.data_range()
        if data is None:
            sys.exit(f"{folder} has no charges")
        end = data[1]
        charge_index(cache)
        find_leaks(cache, end)  # unrecorded warm-up
        runs = []
        for _ in range(repeat):
            began = time.perf_counter()
            found = find_leaks(cache, end)
            runs.append(time.perf_counter() - began)
        print(f"find_leaks: median {statistics.median(runs) * 1000:.0f} ms "
              f"({len(found)} findings)")
        ctx = Context(cache, end, load_settings(cache))
        rows = []
        for detector in DETECTORS:
            began = time.perf_counter()
            result = detector(ctx)
            rows.append((detector.__name__, len(result),
                         f"{(time.perf_counter() - began) * 1000:.0f}"))
        print(table(("detector", "findings", "ms (shared context, in order)"), rows))


def main() -> None:
    root = parser(__doc__)
    add_scale_options(root)
    args = root.parse_args()
    with demo_workspaces(args) as found:
        for scale, folder in found:
            print(f"== {scale} demo ({folder}) ==")
            run(folder, args.repeat)
            print()


if __name__ == "__main__":
    main()

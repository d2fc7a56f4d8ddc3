"""The Model swap page's engine, ``worthit.analysis.model_swap``, on the small demo and on
the large one. The issue sets no goals; what matters is that a slider's move (one
``simulate``) stays far below a frame budget's worth of waiting (~50 ms), since it runs
on the UI thread, while ``swap_data`` and ``suggestions`` run on the page's worker.

For the 30, 90 and 365 days ending on the data's last day, with the charge index warm:
``swap_data`` (usage by feature and model, and every rate involved), ``suggestions`` and
one ``simulate`` of the top suggestion. Medians of ``--repeat`` runs.

``--workspace DIR`` reuses (or creates) the workspace in DIR for the chosen ``--scale``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

from _common import add_scale_options, demo_workspaces, parser, table
from worthit.analysis.charge_index import charge_index
from worthit.analysis.model_swap import simulate, suggestions, swap_data
from worthit.core.periods import Period
from worthit.store.cache import CACHE_FILE, Cache

PERIOD_DAYS = (30, 90, 365)


def run(folder: Path, repeat: int) -> None:
    with Cache.open(folder / CACHE_FILE) as cache:
        data_range = cache.data_range()
        if data_range is None:
            sys.exit(f"{folder} has no charges")
        end = data_range[1]
        charge_index(cache)  # warm, as after the first page's load
        rows = []
        for days in PERIOD_DAYS:
            period = Period(end - dt.timedelta(days=days - 1), end)
            swap_data(cache, period)  # unrecorded warm-up
            timings: dict[str, list[float]] = {"data": [], "suggest": [], "simulate": []}
            for _ in range(repeat):
                began = time.perf_counter()
                data = swap_data(cache, period)
                timings["data"].append(time.perf_counter() - began)
                began = time.perf_counter()
                found = suggestions(data)
                timings["suggest"].append(time.perf_counter() - began)
                began = time.perf_counter()
                if found:
                    simulate(data, found[0].scenario)
                timings["simulate"].append(time.perf_counter() - began)
            rows.append((f"{days} d", len(data.usage),
                         *(f"{statistics.median(v) * 1000:.1f}" for v in timings.values())))
        print(table(("period", "usage rows", "swap_data ms", "suggestions ms",
                     "simulate ms"), rows))


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

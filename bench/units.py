"""The Units page's engine, ``worthit.analysis.unit_economics``, on the small demo and on
the large one (about 2 million charge rows). The issue sets no goals: the figures are
printed for reference.

For each workspace the bench prints the charge rows, the units and the counts in the
cache, then:

* every unit's figures, ``unit_economics(cache, period, "day")`` as the page's worker
  calls it, with the charge index warm (built once before timing, as after the first load
  of any page), for the 30, 90 and 365 days ending on the data's last day; beside it the
  allocation alone, ``allocation(cache, period)``, which the units are built on, so the
  difference is the units' own work;
* the regroup, ``UnitEconomics.at("week")`` and ``.at("month")`` for every unit, which
  the page does on the UI thread when the granularity changes (no recomputation); timed
  over many calls, since one takes well under a millisecond.

pandas is imported before timing; one unrecorded run per measurement warms SQLite and the
OS page cache. Medians of ``--repeat`` runs are reported.

The demos are generated into a temporary folder (the large one takes about a minute);
``--workspace DIR`` reuses the workspace in DIR instead, for the large demo (or the small
one with ``--scale small``); an empty or missing DIR gets that demo, kept for next time.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas  # noqa: F401  (imported before timing: the app pays for it once, at first load)

from _common import add_scale_options, count_rows, demo_workspaces, parser, table
from worthit.analysis import allocation as engine
from worthit.analysis.unit_economics import UnitEconomics, unit_economics
from worthit.core.money import unit_money
from worthit.core.periods import Period
from worthit.store.cache import CACHE_FILE, Cache

PERIOD_DAYS = (30, 90, 365)
REGROUP_CALLS = 200  # per timed run: one regroup takes microseconds


def ms(seconds: Sequence[float], digits: int = 1) -> tuple[str, str]:
    """``(median, runs)`` in milliseconds."""
    return (f"{statistics.median(seconds) * 1000:.{digits}f}",
            ", ".join(f"{s * 1000:.{digits}f}" for s in seconds))


def timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Seconds taken by ``function(*args, **kwargs)``, and its result."""
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - began, result


def periods(last: dt.date) -> dict[int, Period]:
    """The 30, 90 and 365 days ending on ``last``."""
    return {days: Period(last - dt.timedelta(days=days - 1), last) for days in PERIOD_DAYS}


def regroup_all(found: Sequence[UnitEconomics], granularity: str) -> None:
    for _ in range(REGROUP_CALLS):
        for e in found:
            e.at(granularity)


def measure(label: str, folder: Path, repeat: int) -> None:
    path = folder / CACHE_FILE
    with Cache.open(path) as cache:  # migrates an older workspace before any timing
        data = cache.data_range()
    rows, units, counts = (count_rows(path, t) for t in ("charges", "units", "unit_counts"))
    assert data is not None, f"{path} holds no charges"
    assert units, f"{path} defines no units"
    print(f"\n== {label}: {rows:,} charge rows, {units} units, {counts:,} daily counts, "
          f"{path.stat().st_size / 1e6:.0f} MB, days {data[0]} … {data[1]} ==")
    spans = periods(data[1])

    with Cache.open(path) as cache:
        build, _ = timed(engine.charge_index, cache)  # warm from here on
        print(f"(charge index built once before timing: {build * 1000:.0f} ms)")

        lines, results = [], {}
        for days, period in spans.items():
            unit_economics(cache, period, "day")  # warm-up, not recorded
            engine.allocation(cache, period)
            runs = [timed(unit_economics, cache, period, "day") for _ in range(repeat)]
            alone = [timed(engine.allocation, cache, period)[0] for _ in range(repeat)]
            found = results[days] = runs[-1][1]
            seconds = [r[0] for r in runs]
            own = statistics.median(seconds) - statistics.median(alone)
            costs = ", ".join("–" if e.unit_cost is None else unit_money(e.unit_cost)
                              for e in found)
            lines.append((f"{days} d", *ms(seconds), ms(alone)[0], f"{own * 1000:.1f}",
                          costs))
        print(f"\nEvery unit's figures, unit_economics(cache, period, 'day'), index warm, "
              f"{units} units:")
        print(table(("period", "median ms", "runs ms", "allocation ms", "units' own ms",
                     "cost per unit"), lines))

        lines = []
        for days, found in results.items():
            for granularity in ("week", "month"):
                regroup_all(found, granularity)  # warm-up, not recorded
                runs = [timed(regroup_all, found, granularity)[0] / REGROUP_CALLS
                        for _ in range(repeat)]
                buckets = sum(len(e.at(granularity).buckets) for e in found)
                lines.append((f"{days} d", granularity, f"{buckets:,}", *ms(runs, 3)))
        print(f"\nRegroup, UnitEconomics.at(granularity) for all {units} units (mean of "
              f"{REGROUP_CALLS} calls per run):")
        print(table(("period", "to", "buckets", "median ms", "runs ms"), lines))


def main() -> int:
    root = parser(__doc__)
    add_scale_options(root)
    args = root.parse_args()
    print(f"Unit economics, {args.repeat} run(s) each, medians in ms")
    with demo_workspaces(args) as found:
        for scale, folder in found:
            measure(f"{scale} demo ({folder})", folder, args.repeat)
    print("\nNo goals are set for these figures. The Units page computes them in its worker, "
          "off the UI thread; only the regroup runs on the UI thread, when the granularity "
          "changes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Allocation page's engine, ``worthit.analysis.allocation``, on the small demo and on
the large one (about 2 million charge rows). Goals, on the large demo: the tree recomputed
after a rule change within 300 ms, and a period switch served from the in-memory index
within 150 ms.

For each workspace the bench prints the charge rows and allocation keys in the cache, then:

* cold index build, ``build_index(cache)``: once in a fresh ``python -c`` (the process's
  peak resident set, ``ru_maxrss``, before and after the build gives the build's peak
  memory increase; the arrays and frames the index keeps are summed as well), then
  ``--repeat`` times in this process;
* recompute after a rule change, ``allocate(index, rules_changed, period)`` with the index
  built: the saved rules plus one new rule sending the research sandbox's cost-center tag
  (``{tag: {cost-center: rnd-410}}``) to ml-platform / model-training, for the 30, 90 and
  365 days ending on the data's last day; "moved" is how much Unallocated shrinks;
* period switch, ``allocation(cache, period)`` with the index warm (saved rules read from
  the cache, as the page does), cycling 30 → 90 → 365 days;
* the drill, ``reads.charges_of_keys`` for the Unallocated node
  (``key_shares(("Unallocated",))``) over 30 and 365 days, first 5,000 rows.

pandas is imported before timing; one unrecorded run per measurement warms SQLite and the
OS page cache. Medians of ``--repeat`` runs are reported, and a verdict line per goal.

The demos are generated into a temporary folder (the large one takes about a minute);
``--workspace DIR`` reuses the workspace in DIR instead, for the large demo (or the small
one with ``--scale small``); an empty or missing DIR gets that demo, kept for next time.
A workspace of an older schema is migrated when first opened, before anything is timed.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas  # noqa: F401  (imported before timing: the app pays for it once, at first load)

from _common import add_scale_options, count_rows, demo_workspaces, parser, run_python, table
from worthit.analysis import allocation as engine
from worthit.core.periods import Period
from worthit.core.rules import UNALLOCATED, Rule, rule_from_json
from worthit.store import reads
from worthit.store.cache import CACHE_FILE, Cache
from worthit.store.rules import load_rules

GOALS_MS = {"recompute": 300.0, "switch": 150.0}  # on the large demo
PERIOD_DAYS = (30, 90, 365)
DRILL_DAYS = (30, 365)
DRILL_LIMIT = 5_000
NEW_RULE = {"name": "Bench: research sandbox", "match": {"tag": {"cost-center": "rnd-410"}},
            "team": "ml-platform", "feature": "model-training"}

CHILD = r"""
import dataclasses, json, resource, sys, time
import numpy, pandas
from worthit.analysis.charge_index import build_index
from worthit.store.cache import Cache

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

with Cache.open(sys.argv[1]) as cache:
    cache.revision  # the connection is open and the schema read before the baseline
    before = peak_mb()
    began = time.perf_counter()
    index = build_index(cache)
    seconds = time.perf_counter() - began
    after = peak_mb()
def size(value):  # the arrays and frames the index keeps (object cells not followed)
    if isinstance(value, numpy.ndarray):
        return value.nbytes
    if isinstance(value, pandas.DataFrame):
        return int(value.memory_usage(deep=True).sum())
    if isinstance(value, dict):
        return sum(size(item) for item in value.values())
    if isinstance(value, tuple):
        return sum(size(item) for item in value)
    return 0
kept = sum(size(getattr(index, f.name)) for f in dataclasses.fields(index))
print(json.dumps({"seconds": seconds, "before_mb": before, "after_mb": after,
                  "kept_mb": kept / 1e6}))
"""


def ms(seconds: Sequence[float]) -> tuple[str, str]:
    """``(median, runs)`` in milliseconds."""
    return (f"{statistics.median(seconds) * 1000:.1f}",
            ", ".join(f"{s * 1000:.1f}" for s in seconds))


def timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Seconds taken by ``function(*args, **kwargs)``, and its result."""
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - began, result


def periods(last: dt.date) -> dict[int, Period]:
    """The 30, 90 and 365 days ending on ``last``."""
    return {days: Period(last - dt.timedelta(days=days - 1), last) for days in PERIOD_DAYS}


def changed_rules(saved: Sequence[Rule]) -> list[Rule]:
    new = rule_from_json(NEW_RULE, "bench rule")
    taken = {rule.name for rule in saved}
    assert new.name not in taken, f"the workspace already has a rule named {new.name!r}"
    return [*saved, new]


def measure(label: str, folder: Path, repeat: int) -> dict[str, float]:
    """Print one workspace's tables; return the worst median of each goal, in ms."""
    path = folder / CACHE_FILE
    with Cache.open(path) as cache:  # migrates an older workspace before any timing
        data = cache.data_range()
        saved = load_rules(cache)
    rows, keys = count_rows(path, "charges"), count_rows(path, "charge_keys")
    assert data is not None, f"{path} holds no charges"
    print(f"\n== {label}: {rows:,} charge rows, {keys:,} allocation keys, "
          f"{path.stat().st_size / 1e6:.0f} MB, days {data[0]} … {data[1]}, "
          f"{len(saved)} saved rule(s) ==")
    spans = periods(data[1])
    worst: dict[str, float] = {}

    # -- cold index build ---------------------------------------------------------------------
    child = run_python(["-c", CHILD, str(path)]).stdout
    fresh = json.loads(child.strip().splitlines()[-1])
    with Cache.open(path) as cache:
        builds = [timed(engine.build_index, cache)[0] for _ in range(repeat)]
    median, runs = ms(builds)
    print("\nCold index build, build_index(cache):")
    print(table(("where", "median ms", "runs ms", "peak +MB", "kept MB"), [
        ("fresh process", f"{fresh['seconds'] * 1000:.1f}", "-",
         f"{fresh['after_mb'] - fresh['before_mb']:.0f}", f"{fresh['kept_mb']:.0f}"),
        ("this process", median, runs, "-", "-"),
    ]))

    with Cache.open(path) as cache:
        index = engine.charge_index(cache)  # built once here; reused below while warm
        changed = changed_rules(saved)

        # -- recompute after a rule change ----------------------------------------------------
        lines, medians = [], []
        for days, period in spans.items():
            engine.allocate(index, changed, period)  # warm-up, not recorded
            before = engine.allocate(index, saved, period).unallocated.cost
            results = [timed(engine.allocate, index, changed, period)
                       for _ in range(repeat)]
            moved = before - results[-1][1].unallocated.cost
            seconds = [r[0] for r in results]
            medians.append(statistics.median(seconds) * 1000)
            lines.append((f"{days} d", *ms(seconds), f"{moved:,.0f}"))
        worst["recompute"] = max(medians)
        print(f"\nRecompute after a rule change, allocate(index, rules + 1, period), "
              f"{len(changed)} rules:")
        print(table(("period", "median ms", "runs ms", "moved $"), lines))
        if all(line[-1] == "0" for line in lines):
            print("(the new rule moves nothing here: no charge carries cost-center rnd-410)")

        # -- period switch --------------------------------------------------------------------
        for period in spans.values():  # warm-up, not recorded
            engine.allocation(cache, period)
        switch: dict[int, list[float]] = {days: [] for days in spans}
        for _ in range(repeat):
            for days, period in spans.items():
                switch[days].append(timed(engine.allocation, cache, period)[0])
        lines = [(f"{days} d", *ms(seconds)) for days, seconds in switch.items()]
        worst["switch"] = max(statistics.median(s) * 1000 for s in switch.values())
        print("\nPeriod switch, allocation(cache, period), index warm, 30 → 90 → 365 d:")
        print(table(("period", "median ms", "runs ms"), lines))

        # -- drill ----------------------------------------------------------------------------
        lines = []
        for days in DRILL_DAYS:
            period = spans[days]
            shares = engine.allocation(cache, period).key_shares((UNALLOCATED,))
            reads.charges_of_keys(cache, shares, period.start, period.end,
                                  limit=DRILL_LIMIT)  # warm-up, not recorded
            results = [timed(reads.charges_of_keys, cache, shares, period.start, period.end,
                             limit=DRILL_LIMIT) for _ in range(repeat)]
            frame, count = results[-1][1]
            lines.append((f"{days} d", f"{len(shares):,}", f"{len(frame):,}", f"{count:,}",
                          *ms([r[0] for r in results])))
        print(f"\nDrill into Unallocated, charges_of_keys(..., limit={DRILL_LIMIT:,}):")
        print(table(("period", "keys", "rows shown", "rows matching", "median ms", "runs ms"),
                    lines))
    return worst


def main() -> int:
    root = parser(__doc__)
    add_scale_options(root)
    args = root.parse_args()
    print(f"Allocation engine, {args.repeat} run(s) each, medians in ms")
    worst: dict[str, dict[str, float]] = {}
    with demo_workspaces(args) as found:
        for scale, folder in found:
            worst[scale] = measure(f"{scale} demo ({folder})", folder, args.repeat)
    scale = "large" if "large" in worst else list(worst)[-1]
    note = "" if scale == "large" else " (the goals are set for the large demo)"
    print()
    for goal, what in (("recompute", "recompute after a rule change"),
                       ("switch", "period switch from the warm index")):
        value, limit = worst[scale][goal], GOALS_MS[goal]
        verdict = "met" if value <= limit else "missed"
        print(f"goal {limit:.0f} ms: {verdict} (median {value:.1f} ms) — {what}, slowest of "
              f"30/90/365 d, {scale} demo{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

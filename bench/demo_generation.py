"""Demo workspace generation. Goals: the default (small) demo within 5 s, ``--scale large``
(about 2 million charge rows) within 60 s.

Each run is a fresh ``python -c`` that imports the generator and calls ``generate_demo``
into a new temporary folder, the way ``worthit demo`` does. The parent reports the process
wall time (imports included), the generator's own time, the rows in the written cache
(counted with SQL), rows per second, the cache file's size and the child's peak resident
memory (``ru_maxrss`` from ``os.wait4``). The child wraps the generator's steps in timers,
so each run also says where its time goes. The small demo runs ``--repeat`` times, the
large one once (``--large-repeat``), or not at all with ``--skip-large``.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import parser, run_python, summary, table

GOALS_S = {"small": 5.0, "large": 60.0}

CHILD = r"""
import time
T0 = time.perf_counter()
import json, sys
from worthit.demo import company, generator, truth
from worthit.demo.ledger import Ledger
from worthit.store.cache import Cache
T_IMPORT = time.perf_counter() - T0

steps, missing = {}, []

def timed(owner, name, label):
    # Times every call of owner.name under label; a renamed step is reported missing.
    original = getattr(owner, name, None)
    if original is None:
        missing.append(label)
        return
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            steps[label] = steps.get(label, 0.0) + time.perf_counter() - began
    setattr(owner, name, wrapper)

for owner, name, label in (
    (company, "ai", "company.ai (AI usage series)"),
    (company, "cloud", "company.cloud (cloud series)"),
    (company, "fleet", "company.fleet (long-tail fleet)"),
    (truth, "planted_leaks", "truth.planted_leaks"),
    (Ledger, "frame", "Ledger.frame (concat, Int64, sort)"),
    (Cache, "replace_charges", "Cache.replace_charges (itertuples + INSERT)"),
    (generator, "_metrics", "_metrics (metric rows)"),
    (generator, "_resources", "_resources (inventory rows)"),
    (generator, "_units", "_units (unit and count rows)"),
    (generator, "write_demo", "write_demo (metrics, inventory, units INSERT)"),
):
    timed(owner, name, label)

result = generator.generate_demo(sys.argv[1], scale=sys.argv[2])
print(json.dumps({"import": T_IMPORT, "generate": result.seconds, "rows": result.rows,
                  "steps": steps, "missing": missing}))
"""


def one_run(scale: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="worthit-bench-") as folder:
        child = run_python(["-c", CHILD, folder, scale])
        result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
        cache = Path(folder) / "worthit.sqlite"
        with sqlite3.connect(cache) as conn:
            result["counted"] = conn.execute("SELECT COUNT(*) FROM charges").fetchone()[0]
        conn.close()
        result["size_mb"] = cache.stat().st_size / 1e6
    result["process"] = child.seconds
    result["rss_mb"] = child.max_rss_mb
    return result


def report(scale: str, runs: list[dict[str, Any]]) -> None:
    print(f"\n== scale {scale}: {len(runs)} run(s), goal ≤ {GOALS_S[scale]:.0f} s ==")
    rows = [(number, f"{run['process']:.2f}", f"{run['import']:.2f}", f"{run['generate']:.2f}",
             f"{run['counted']:,}", f"{run['counted'] / run['process']:,.0f}",
             f"{run['size_mb']:.1f}", f"{run['rss_mb']:.0f}")
            for number, run in enumerate(runs, start=1)]
    print(table(("run", "process s", "imports s", "generate_demo s", "charge rows",
                 "rows/s (process)", "cache MB", "peak RSS MB"), rows))
    print(f"process wall: {summary([run['process'] for run in runs], digits=2)}")
    print(f"peak RSS:     {summary([run['rss_mb'] for run in runs], 'MB', digits=0)}")
    last = runs[-1]
    if last["counted"] != last["rows"]:
        print(f"!! generate_demo reported {last['rows']:,} rows, the cache holds "
              f"{last['counted']:,}")
    steps = sorted(last["steps"].items(), key=lambda item: -item[1])
    other = last["generate"] - sum(seconds for _name, seconds in steps)
    steps.append(("other (date range, astype/where for rows, meta, move)", other))
    print("\nWhere generate_demo's time goes (last run):")
    print(table(("step", "s", "share"),
                [(name, f"{seconds:.2f}", f"{seconds / last['generate']:.0%}")
                 for name, seconds in steps]))
    if last["missing"]:
        print(f"steps not found (renamed?): {', '.join(last['missing'])}")
    median = statistics.median(run["process"] for run in runs)
    verdict = "meets" if median <= GOALS_S[scale] else "misses"
    print(f"Median process wall {median:.2f} s {verdict} the {GOALS_S[scale]:.0f} s goal.")


def main() -> int:
    root = parser(__doc__)
    root.add_argument("--skip-large", action="store_true", help="only the small demo")
    root.add_argument("--large-repeat", type=int, default=1, metavar="N",
                      help="runs of the large demo (default 1)")
    args = root.parse_args()
    report("small", [one_run("small") for _ in range(args.repeat)])
    if not args.skip_large:
        report("large", [one_run("large") for _ in range(args.large_repeat)])
    return 0


if __name__ == "__main__":
    sys.exit(main())

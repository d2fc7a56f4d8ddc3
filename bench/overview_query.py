"""The Overview page's computation, ``worthit.analysis.overview.overview(cache, period)``,
for the last 30 days, the last 90 days and the last 12 months of data, on the small demo
and on the large one (about 2 million charge rows).

Each run does what the page's worker does: open a new cache connection, compute, close.
pandas is imported before timing (the app pays for that once, on the first load), and one
unrecorded run per period warms SQLite and the OS page cache. The median of ``--repeat``
runs is reported, with a split of the last run by the cache reads it makes. The small demo
is generated into a temporary folder; the large one too, unless ``--workspace DIR`` names
a folder holding one (an empty or missing DIR gets the large demo, kept for next time).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas  # noqa: F401  (imported before timing: the app pays for it once, at first load)

from _common import count_rows, generate_demo, parser, table
from worthit.analysis import overview as overview_module
from worthit.core.periods import Preset, preset_period
from worthit.store import reads
from worthit.store.cache import CACHE_FILE, Cache

PRESETS = (Preset.LAST_30, Preset.LAST_90, Preset.LAST_12_MONTHS)
READS = ("total", "daily_by", "compare_by", "daily_tokens", "currencies")
spent: dict[str, float] = {}


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - began
    return wrapper


for _name in READS:  # overview calls reads.NAME at run time, so the wrappers see each call
    setattr(reads, _name, _timed(_name, getattr(reads, _name)))


def one_run(path: Path, preset: Preset) -> tuple[float, dict[str, float]]:
    spent.clear()
    began = time.perf_counter()
    with Cache.open(path) as cache:
        data = cache.data_range()
        assert data is not None, f"{path} holds no charges"
        overview_module.overview(cache, preset_period(preset, data[1]))
    return time.perf_counter() - began, dict(spent)


def measure(label: str, folder: Path, repeat: int) -> None:
    path = folder / CACHE_FILE
    Cache.open(path).close()  # migrates an older workspace before any counting or timing
    rows = count_rows(path, "charges")
    print(f"\n== {label}: {rows:,} charge rows, {path.stat().st_size / 1e6:.0f} MB ==")
    results, splits = [], []
    for preset in PRESETS:
        one_run(path, preset)  # warm-up, not recorded
        runs = [one_run(path, preset) for _ in range(repeat)]
        seconds = [run[0] for run in runs]
        results.append((preset.value, f"{statistics.median(seconds):.3f}",
                        ", ".join(f"{s:.3f}" for s in seconds)))
        splits.append((preset.value, *(f"{runs[-1][1].get(name, 0.0):.3f}" for name in READS)))
    print(table(("period", "median s", "runs s"), results))
    if not spent:
        print("\n(no reads seen: overview() no longer calls worthit.store.reads.NAME)")
        return
    print("\nSeconds per cache read (last run; compare_by runs once per mover dimension):")
    print(table(("period", *READS), splits))


def main() -> int:
    root = parser(__doc__)
    root.add_argument("--workspace", type=Path, metavar="DIR",
                      help="a large demo workspace to reuse (generated there if missing)")
    root.add_argument("--skip-large", action="store_true", help="only the small demo")
    args = root.parse_args()
    print(f"overview(cache, period), open + compute + close, {args.repeat} run(s) each")
    with tempfile.TemporaryDirectory(prefix="worthit-bench-") as temporary:
        small = Path(temporary) / "small"
        generate_demo(small)
        measure("small demo", small, args.repeat)
        if args.skip_large:
            return 0
        large = args.workspace or Path(temporary) / "large"
        if not (large / CACHE_FILE).is_file():
            print(f"\nGenerating the large demo into {large} …", flush=True)
            child = generate_demo(large, "large")
            print(f"(took {child.seconds:.1f} s)")
        measure(f"large demo ({large})", large, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How long the UI thread waits when the user saves a change while a large import runs.

A main window on a new workspace imports a CUR 2.0 Parquet bill of ``--lines`` line items
(default 5 million, generated once by ``bench/imports.py``'s generator into ``--data-dir``)
from its Sources page. Every ``--every`` seconds meanwhile, the user saves one of three
changes in turn: a finding dismissed, a price override, a budget. Each goes the way the
pages send it: queued on the workspace's writer (:mod:`worthit.ui.writes`), the outcome
delivered back on the UI thread.

Reported: the longest time the UI thread spent queuing one change (goal ≤ 50 ms), the
longest gap of a 10 ms timer on the UI thread during the import, and how long each change
took to be saved (queued to saved, which includes waiting for the import's swap). With
``--direct``, the changes are written on the UI thread as the pages did before the
writer, for comparison: then the UI thread waits on SQLite.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import parser, run_python, table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL_WAIT_MS = 50.0
TICK_MS = 10
TIMEOUT_S = 900


def changes() -> list[tuple[str, Callable[[Any, int], None]]]:
    """The three changes a user saves, each a function of the cache and a counter."""
    from worthit.store.alerts import Budget, save_budget
    from worthit.store.findings import FindingState, set_state
    from worthit.store.swap import set_override

    return [
        ("dismissal", lambda cache, n: set_state(
            cache, FindingState(f"idle:i-bench-{n}", "dismissed", "not ours"))),
        ("price override", lambda cache, n: set_override(
            cache, "OpenAI", "gpt-4.1", {"input": 1.5 + n / 1000, "output": 6.0},
            "negotiated rate")),
        ("budget", lambda cache, n: save_budget(
            cache, Budget("team", "search", 10_000.0 + n))),
    ]


def run(workspace_folder: Path, bill: Path, every: float, direct: bool) -> dict[str, Any]:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from responsiveness import close, open_window
    from worthit.store.cache import Cache
    from worthit.ui import writes
    from worthit.workspace import Workspace

    Cache.open(workspace_folder / "worthit.sqlite").close()
    workspace = Workspace(workspace_folder)
    window, page = open_window(workspace)
    kinds = changes()
    waits: dict[str, list[float]] = {name: [] for name, _ in kinds}
    latencies: list[float] = []
    pending: list[float] = []
    ticks: list[float] = []
    said: list[str] = []
    counter = itertools.count()

    def save() -> None:
        n = next(counter)
        name, change = kinds[n % len(kinds)]
        began = time.perf_counter()
        if direct:
            with workspace.open() as cache:
                change(cache, n)
            waits[name].append(time.perf_counter() - began)
            latencies.append(time.perf_counter() - began)
            return
        pending.append(began)
        writes.submit(workspace, lambda cache: change(cache, n), owner=page,
                      done=lambda _: latencies.append(time.perf_counter() - began),
                      failed=lambda message: said.append(f"{name} refused: {message}"))
        waits[name].append(time.perf_counter() - began)

    tick = QTimer(interval=TICK_MS)
    tick.timeout.connect(lambda: ticks.append(time.perf_counter()))
    saver = QTimer(interval=int(every * 1000))
    saver.timeout.connect(save)
    loop = QEventLoop()
    window.tasks.finished.connect(said.append)  # type: ignore[attr-defined]
    window.tasks.finished.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(TIMEOUT_S * 1000, loop.quit)
    tick.start()
    saver.start()
    began = time.perf_counter()
    page.import_files([bill], None)  # type: ignore[attr-defined]
    loop.exec()
    ended = time.perf_counter()
    saver.stop()
    tick.stop()
    deadline = time.monotonic() + 60
    while len(latencies) < sum(len(w) for w in waits.values()) and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.005)
    close(window)
    writes.close(workspace)
    marks = [began, *(t for t in ticks if began <= t <= ended), ended]
    return {"seconds": ended - began, "outcome": said,
            "gap_ms": max(b - a for a, b in itertools.pairwise(marks)) * 1000,
            "waits_ms": {k: [w * 1000 for w in v] for k, v in waits.items()},
            "latency_ms": [w * 1000 for w in latencies]}


def main() -> int:
    root = parser(__doc__)
    root.add_argument("--data-dir", type=Path, metavar="DIR",
                      default=Path(tempfile.gettempdir()) / "worthit-bench-imports",
                      help="where the generated bill is kept (default: %(default)s)")
    root.add_argument("--lines", type=int, default=5_000_000, metavar="N")
    root.add_argument("--every", type=float, default=0.25, metavar="S",
                      help="seconds between two saved changes (default 0.25)")
    root.add_argument("--direct", action="store_true",
                      help="write on the UI thread, as before the writer (for comparison)")
    args = root.parse_args()

    args.data_dir.mkdir(parents=True, exist_ok=True)
    bill = args.data_dir / f"cur2-{args.lines}.parquet"
    if not bill.is_file():
        print(f"Generating {args.lines:,} line items into {bill} …", flush=True)
        generator = Path(__file__).with_name("imports.py")
        run_python([str(generator), "--generate", str(bill), str(args.lines)])

    from worthit.ui.app import application

    application()
    rows = []
    results = []
    with tempfile.TemporaryDirectory(prefix="worthit-bench-writes-") as folder:
        for n in range(args.repeat):
            result = run(Path(folder) / f"w{n}", bill, args.every, args.direct)
            results.append(result)
            every_wait = [w for v in result["waits_ms"].values() for w in v]
            print(f"  run {n + 1}: import {result['seconds']:.1f} s, {len(every_wait)} "
                  f"changes, longest UI-thread wait {max(every_wait):.1f} ms, longest gap "
                  f"{result['gap_ms']:.0f} ms; {'; '.join(result['outcome'])}", flush=True)
    for name in results[0]["waits_ms"]:
        waits = [w for r in results for w in r["waits_ms"][name]]
        rows.append((name, len(waits), f"{statistics.median(waits):.2f}", f"{max(waits):.2f}"))
    latency = [w for r in results for w in r["latency_ms"]]
    longest = max(float(row[3]) for row in rows)
    print(f"\n{dt.date.today()}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
          f"CPUs; {'direct writes on the UI thread' if args.direct else 'through the writer'}"
          f", a change every {args.every:g} s during the import of {args.lines:,} lines")
    print(table(("change", "saved", "UI-thread wait median ms", "longest ms"), rows))
    print(f"\nqueued to saved: median {statistics.median(latency):.0f} ms, longest "
          f"{max(latency):.0f} ms; longest UI-thread timer gap "
          f"{max(r['gap_ms'] for r in results):.0f} ms; import "
          f"{statistics.median(r['seconds'] for r in results):.1f} s (median)")
    print(f"goal ≤ {GOAL_WAIT_MS:.0f} ms UI-thread wait per change: "
          f"{'meets' if longest <= GOAL_WAIT_MS else 'misses'} ({longest:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

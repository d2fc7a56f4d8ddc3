"""The alerts' latency: from data arriving (a sync writing a day of charges in which the
demo's code-review agent runs six times its usual traffic, with its hourly request
counts) to the alert being shown, on the small and the large demo.

For each workspace and each of ``--repeat`` runs, on a fresh copy of the demo:

* write: ``replace_charges`` of the new day (what a sync does), and its hourly counts;
* headless: from the write's commit to ``run_check`` returning the new spike alert (the
  charge index rebuilt for the new revision, the check, the alerts recorded), with the
  check's own parts: index build, ``check``, ``record_alerts``;
* in the app (``--app``, the small demo): from the write's commit to the navigation's
  badge counting the alert, through ``AlertSchedule.run`` (a worker, then the UI thread), in an
  offscreen window; the longest gap of a 50 ms UI timer meanwhile.

Medians of the runs are printed. ``--workspace DIR`` reuses (or creates) the demo in DIR
for the chosen ``--scale``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas  # noqa: F401  (imported before timing: the app pays for it once, at first load)

from _common import add_scale_options, demo_workspaces, parser, table
from worthit.store.cache import CACHE_FILE, Cache

AGENT = "apikey_02CodeReviewAgent"
FACTOR = 6.0


def copy_workspace(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(f"file:{source / CACHE_FILE}?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(target / CACHE_FILE)) as dst:
        src.backup(dst)
    Cache.open(target / CACHE_FILE).close()  # migrated before anything is timed


def arrive(cache: Cache) -> tuple[str, float]:
    """Write the next day: the agent's charges and hourly counts of its last day, times
    six. Returns the day and the seconds the write took."""
    from worthit.core.focus import CHARGE_COLUMN_NAMES

    # The day is copied from the last one over a connection of the benchmark's own: the
    # app's statements live in worthit.store, and no app code copies charges.
    with closing(sqlite3.connect(cache.path)) as conn:
        (last,) = conn.execute("SELECT MAX(charge_period_start) FROM charges "
                               "WHERE resource_id = ?", (AGENT,)).fetchone()
        day = (dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat()
        columns = ", ".join(CHARGE_COLUMN_NAMES)
        rows = [list(r) for r in conn.execute(
            f"SELECT {columns} FROM charges WHERE resource_id = ? AND charge_period_start = ?",
            (AGENT, last))]
        cost = [CHARGE_COLUMN_NAMES.index(c) for c in ("billed_cost", "effective_cost",
                                                       "list_cost")]
        for row in rows:
            row[1] = day
            for i in cost:
                row[i] = (row[i] or 0.0) * FACTOR
        source = rows[0][0]
        began = time.perf_counter()
        cache.replace_charges(source, dt.date.fromisoformat(day), dt.date.fromisoformat(day),
                              [tuple(r) for r in rows])
        with conn:  # one transaction, committed on leaving
            conn.execute(
                "INSERT INTO metrics SELECT source_id, ? || substr(period_start, 11), "
                "granularity, resource_id, metric, stat, value * ?, unit FROM metrics "
                "WHERE resource_id = ? AND granularity = 'hour' AND period_start LIKE ?",
                (day, FACTOR, AGENT, f"{last}%"))
        wrote = time.perf_counter() - began
    return day, wrote


def headless(folder: Path, repeat: int) -> None:
    from worthit.alerts import run_check
    from worthit.analysis.alerts import check
    from worthit.analysis.charge_index import charge_index
    from worthit.store.alerts import record_alerts

    rows: dict[str, list[float]] = {k: [] for k in ("write", "alert", "index", "check",
                                                    "record")}
    with tempfile.TemporaryDirectory(prefix="worthit-bench-watch-") as scratch:
        for n in range(repeat + 1):  # the first is a warm-up, not recorded
            ws = Path(scratch) / f"run{n}"
            copy_workspace(folder, ws)
            with Cache.open(ws / CACHE_FILE) as cache:
                run_check(cache)  # what was there before is known
                day, wrote = arrive(cache)
                began = time.perf_counter()
                done = run_check(cache)
                alert = time.perf_counter() - began
                assert [a.key for a in done.new] == [f"spike:{AGENT}:{day}"], done.new
                # The parts, again on the same data (index cold, as after the write).
                cache.replace_charges("bench", None, None, [])  # a new revision
                t0 = time.perf_counter()
                charge_index(cache)
                t1 = time.perf_counter()
                found = check(cache)
                t2 = time.perf_counter()
                record_alerts(cache, found.alerts, dt.datetime.now(dt.UTC))
                t3 = time.perf_counter()
            if n:
                for key, value in zip(rows, (wrote, alert, t1 - t0, t2 - t1, t3 - t2),
                                      strict=True):
                    rows[key].append(value)
            print(f"  run {n}{' (warm-up)' if not n else ''}: data to alert "
                  f"{alert * 1000:.0f} ms", flush=True)
    labels = {"write": "write the day (sync's replace_charges)",
              "alert": "data arriving to the alert (headless pass)",
              "index": "  of which: charge index rebuilt", "check": "  of which: the check",
              "record": "  of which: alerts recorded"}
    print(table(("step", "median ms", "runs (ms)"), [
        (labels[k], f"{statistics.median(v) * 1000:.0f}",
         ", ".join(f"{x * 1000:.0f}" for x in v)) for k, v in rows.items()]))


def in_the_app(folder: Path, repeat: int) -> None:
    """From the write to the badge, in an offscreen window."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QThreadPool, QTimer

    from worthit.alerts import run_check
    from worthit.ui.app import application
    from worthit.ui.main_window import MainWindow
    from worthit.workspace import Workspace

    application()
    latencies: list[float] = []
    gaps: list[float] = []
    with tempfile.TemporaryDirectory(prefix="worthit-bench-watch-app-") as scratch:
        for n in range(repeat + 1):
            ws = Path(scratch) / f"run{n}"
            copy_workspace(folder, ws)
            with Cache.open(ws / CACHE_FILE) as cache:
                run_check(cache)
            window = MainWindow(Workspace(ws))
            window.show()
            alert_schedule = window.alert_schedule
            before = alert_schedule.badge
            with Cache.open(ws / CACHE_FILE) as cache:
                arrive(cache)
            ticks: list[int] = []
            clock = QElapsedTimer()
            clock.start()
            heartbeat = QTimer(interval=50)
            heartbeat.timeout.connect(lambda ticks=ticks, clock=clock: ticks.append(
                clock.elapsed()))
            loop = QEventLoop()
            shown: list[Any] = []
            alert_schedule.checked.connect(lambda _r, shown=shown, loop=loop: (shown.append(
                time.perf_counter()), loop.quit()))
            heartbeat.start()
            began = time.perf_counter()
            alert_schedule.run(sync=False)
            QTimer.singleShot(120_000, loop.quit)
            loop.exec()
            heartbeat.stop()
            assert shown and alert_schedule.badge != before, (before, alert_schedule.badge)
            if n:
                latencies.append(shown[0] - began)
                gaps.append(max((b - a for a, b in itertools.pairwise(ticks)), default=0))
            window.close()
            window.deleteLater()
            QThreadPool.globalInstance().waitForDone()
    print(f"  in the app, data arriving to the badge: median "
          f"{statistics.median(latencies) * 1000:.0f} ms (runs: "
          f"{', '.join(f'{x * 1000:.0f}' for x in latencies)}); longest gap of a 50 ms UI "
          f"timer meanwhile: median {statistics.median(gaps):.0f} ms")


def main() -> None:
    root = parser(__doc__)
    add_scale_options(root)
    root.add_argument("--app", action="store_true",
                      help="also measure in an offscreen window (small demo only)")
    args = root.parse_args()
    with demo_workspaces(args) as found:
        for scale, folder in found:
            print(f"== {scale} demo ({folder}) ==", flush=True)
            headless(folder, args.repeat)
            if args.app and scale == "small":
                in_the_app(folder, args.repeat)
            print()


if __name__ == "__main__":
    sys.exit(main())

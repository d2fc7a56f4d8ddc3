"""How the UI thread fares while long work runs on a worker, as the Sources page starts it
in an offscreen main window: the longest gap between ticks of a 10 ms timer, and the share
of its ticks that came, during

* a sync of an OpenAI source whose API answers each request after ``--delay`` seconds
  (default 0.4; a loopback server with nothing to report), and
* an import of a ``--lines``-line FOCUS CSV (default 300,000 lines, 27 MB: 5,000
  resources over 30 days, read by DuckDB), the bill the Sources page tests import.

Goal: the longest gap at most 50 ms during the sync (the figure the test of a slow sync
used to print). No goal is set for the import; the test it comes from failed on a gap of
a second or more, or fewer than 40 % of a 50 ms timer's ticks.

The tests check the behaviour, not these figures: the work runs on a worker while the UI
thread draws and handles events (``tests/ui/test_sync_responsive.py``,
``tests/ui/test_sources_page.py``). A busy machine moves the figures here without failing
anything: the load average is printed beside them.

Each of ``--repeat`` runs uses a new workspace and window; a first, unrecorded window
pays for the one-off imports of the first page drawn (pyqtgraph). Medians are reported.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import parser, table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_MS = 10
GOAL_GAP_MS = 50.0  # during the sync
TIMEOUT_S = 300
HEADER = ("ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,"
          "BillingCurrency,ProviderName,ServiceName,ServiceCategory,ResourceId,Tags")
EMPTY = json.dumps({"object": "page", "data": [], "has_more": False,
                    "next_page": None}).encode()


@dataclass(frozen=True)
class Run:
    seconds: float  # from starting the work to its end reaching the UI thread
    ticks: int
    longest_ms: float  # the longest gap, counting from the start and to the end
    at_s: float  # when that gap began, after the start

    @property
    def share(self) -> float:
        """The ticks that came, of those a free event loop would have run."""
        return self.ticks / max(1.0, self.seconds * 1000 / TICK_MS)


# -- what is worked on ------------------------------------------------------------------------


def slow_api(delay: float) -> ThreadingHTTPServer:
    """An OpenAI-style API on loopback that answers every request, empty, after ``delay``
    seconds; serving on a thread of its own."""

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(EMPTY)))
            self.end_headers()
            self.wfile.write(EMPTY)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_bill(path: Path, lines: int) -> Path:
    """``lines`` FOCUS lines of 5,000 resources over 30 days (the Sources tests' bill)."""
    first = dt.date(2024, 9, 1)
    days = [str(first + dt.timedelta(days=d)) for d in range(30)]
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER + "\n")
        file.writelines(
            f"{days[i % 30]} 00:00:00,{days[i % 30]} 01:00:00,0.25,0.125,0.25,"
            f"USD,AWS,Amazon EC2,Compute,i-{i % 5_000},\n" for i in range(lines))
    return path


@contextmanager
def file_keyring(folder: Path) -> Iterator[None]:
    """The source's key in a plain file (keyrings.alt) in ``folder``, allowed for this run
    only: the user's keyring is left alone."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    from worthit import secrets

    previous, allowed = keyring.get_keyring(), os.environ.get(secrets.ALLOW_INSECURE)
    plain = PlaintextKeyring()
    plain.file_path = str(folder / "worthit_pass.cfg")  # type: ignore[misc]
    keyring.set_keyring(plain)
    os.environ[secrets.ALLOW_INSECURE] = "1"
    try:
        yield
    finally:
        keyring.set_keyring(previous)
        if allowed is None:
            os.environ.pop(secrets.ALLOW_INSECURE, None)
        else:
            os.environ[secrets.ALLOW_INSECURE] = allowed


# -- the window and the measure ---------------------------------------------------------------


def spin_until(condition: Callable[[], bool], what: str) -> None:
    """Run the event loop until ``condition()``; fail after TIMEOUT_S."""
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        QCoreApplication.processEvents()
        time.sleep(0.005)


def open_window(workspace: object) -> tuple[object, object]:
    """A shown main window on the Sources page, its first page drawn, nothing running."""
    from worthit.ui import workers
    from worthit.ui.main_window import MainWindow

    window = MainWindow(workspace)  # type: ignore[arg-type]
    window.show()
    overview = window.pages["overview"]
    spin_until(lambda: getattr(overview, "spend_chart", None) is not None, "the Overview")
    page = window.pages["sources"]
    loaded: list[bool] = []
    page.loaded.connect(lambda: loaded.append(True))
    window.show_page("sources")
    spin_until(lambda: bool(loaded) and workers.running() == 0, "the Sources page")
    return window, page


def close(window: object) -> None:
    from PySide6.QtCore import QCoreApplication, QThreadPool

    window.close()  # type: ignore[attr-defined]
    window.deleteLater()  # type: ignore[attr-defined]
    QThreadPool.globalInstance().waitForDone()
    QCoreApplication.processEvents()


def measure(window: object, start: Callable[[], bool]) -> tuple[Run, str]:
    """Tick a 10 ms timer while ``start()``'s task runs to its end; the task's outcome."""
    from PySide6.QtCore import QEventLoop, QTimer

    tasks = window.tasks  # type: ignore[attr-defined]
    ticks: list[float] = []
    said: list[str] = []
    timer = QTimer(interval=TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()
    tasks.finished.connect(said.append)
    tasks.finished.connect(loop.quit)
    QTimer.singleShot(TIMEOUT_S * 1000, loop.quit)
    timer.start()
    began = time.perf_counter()
    if not start():
        raise RuntimeError("the task did not start")
    if not said:
        loop.exec()
    ended = time.perf_counter()
    timer.stop()
    if not said:
        raise RuntimeError(f"the task did not end in {TIMEOUT_S} s")
    marks = [began, *(t for t in ticks if began <= t <= ended), ended]
    gaps = [(b - a, a - began) for a, b in itertools.pairwise(marks)]
    longest, at = max(gaps)
    return Run(ended - began, len(marks) - 2, longest * 1000, at), said[0]


# -- the two cases ----------------------------------------------------------------------------


def sync_runs(scratch: Path, repeat: int, delay: float) -> list[Run]:
    from worthit import secrets
    from worthit.store.cache import Cache
    from worthit.store.sources import add_source
    from worthit.workspace import Workspace, identity

    server = slow_api(delay)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    runs = []
    try:
        with file_keyring(scratch):
            for n in range(repeat):
                workspace = Workspace(scratch / f"sync{n}")
                with Cache.open(workspace.cache_path) as cache:
                    add_source(cache, "openai-slow", "openai", {"endpoint": url})
                    secrets.store("openai-slow", "sk-admin-slow-0123456789",
                                  workspace=identity(cache))
                window, page = open_window(workspace)
                try:
                    run, outcome = measure(window, page.sync_now)  # type: ignore[attr-defined]
                    text = page.status.text()  # type: ignore[attr-defined]
                finally:
                    close(window)
                if outcome != "Syncing: done" or "openai-slow: ok" not in text:
                    raise RuntimeError(f"the sync did not succeed: {outcome}; {text}")
                runs.append(run)
                print(f"  sync run {n + 1}: {run.seconds:.2f} s, longest gap "
                      f"{run.longest_ms:.0f} ms", flush=True)
    finally:
        server.shutdown()
        server.server_close()
    return runs


def import_runs(scratch: Path, repeat: int, bill: Path) -> list[Run]:
    from worthit.store.cache import Cache
    from worthit.workspace import Workspace

    runs = []
    for n in range(repeat):
        folder = scratch / f"import{n}"
        Cache.open(folder / "worthit.sqlite").close()
        window, page = open_window(Workspace(folder))
        try:
            run, outcome = measure(
                window, lambda page=page: page.import_files([bill], None))  # type: ignore[attr-defined]
        finally:
            close(window)
        if outcome != "Importing 1 file: done":
            raise RuntimeError(f"the import did not succeed: {outcome}")
        runs.append(run)
        print(f"  import run {n + 1}: {run.seconds:.2f} s, longest gap "
              f"{run.longest_ms:.0f} ms", flush=True)
    return runs


def row(label: str, runs: list[Run]) -> tuple[str, ...]:
    return (label, f"{statistics.median(r.seconds for r in runs):.2f}",
            f"{statistics.median(r.share for r in runs) * 100:.0f}",
            f"{statistics.median(r.longest_ms for r in runs):.0f}",
            ", ".join(f"{r.longest_ms:.0f} at {r.at_s:.2f} s" for r in runs))


def main() -> int:
    root = parser(__doc__)
    root.add_argument("--delay", type=float, default=0.4, metavar="S",
                      help="seconds the API takes to answer each request (default 0.4)")
    root.add_argument("--lines", type=int, default=300_000, metavar="N",
                      help="lines of the FOCUS CSV imported (default 300,000)")
    args = root.parse_args()

    from worthit.store.cache import Cache
    from worthit.ui.app import application
    from worthit.workspace import Workspace

    application()
    with tempfile.TemporaryDirectory(prefix="worthit-bench-responsive-") as folder:
        scratch = Path(folder)
        Cache.open(scratch / "warm" / "worthit.sqlite").close()
        close(open_window(Workspace(scratch / "warm"))[0])  # the one-off imports, unrecorded
        bill = write_bill(scratch / "big.csv", args.lines)
        print(f"{args.repeat} run(s) each; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs", flush=True)
        sync = sync_runs(scratch, args.repeat, args.delay)
        imported = import_runs(scratch, args.repeat, bill)

    print(f"\nA {TICK_MS} ms timer on the UI thread while the work runs on a worker; medians "
          f"(load average now {os.getloadavg()[0]:.1f})")
    print(table(("work", "seconds", "ticks %", "longest gap ms", "each run's longest gap"),
                [row(f"sync, API answering in {args.delay:g} s", sync),
                 row(f"import of {args.lines:,} FOCUS lines ({bill.name})", imported)]))
    gap = statistics.median(r.longest_ms for r in sync)
    print(f"\ngoal ≤ {GOAL_GAP_MS:.0f} ms longest gap during the sync: "
          f"{'meets' if gap <= GOAL_GAP_MS else 'misses'} ({gap:.0f} ms)")
    print("import: no goal set (its test used to fail on a gap of 1 s or more, or under "
          f"40 % of a 50 ms timer's ticks): longest gap "
          f"{statistics.median(r.longest_ms for r in imported):.0f} ms, ticks "
          f"{statistics.median(r.share for r in imported) * 100:.0f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())

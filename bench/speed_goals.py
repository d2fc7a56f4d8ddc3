"""The goals of issue 20, each printed beside its figure, with the load average (this
machine's speed varies 2x from day to day, hence the ratios).

Parts (``--only PART``, repeatable; all by default), each measurement in a fresh child
process, ``--repeat`` times (medians; peaks are the largest):

* ``import``: ``worthit.sync.importer.import_file`` of the real-shaped legacy Athena-style
  CUR Parquet (``bench/real_shaped.py``, ``--lines``, default 5,023,665) into a new
  workspace: seconds, lines/s, peak resident set (goal <= 500 MB); and, alternating with
  it, the DuckDB reference: DuckDB (2 threads, 384 MB, as the importer configures it)
  reads the file, groups its lines to days by the key columns the app's CUR reader groups
  by (``KEYS``: line item type, product code, usage type, accounts, product name, region,
  zone, resource id, SKU, currency, pricing unit, billing period, the
  ``resource_tags_user_*`` columns), sums billed, effective, list cost and quantity, and
  writes a lean aggregate to a fresh SQLite file (WAL, synchronous=NORMAL, one
  transaction, ``executemany`` from Arrow batches): a key table and a narrow fact table
  ``(day, key, billed, effective, list, quantity)`` clustered ``WITHOUT ROWID`` on (day,
  key). Both times run from before ``import duckdb`` to the last commit. Goal: the ratio
  import / reference <= 1.0 (<= 0.75 wanted). Then the 1 M-line legacy CUR CSV.gz of
  ``bench/imports.py`` (its generator, ``--csv-lines``): import <= 3 s.
* ``size``: the cache the last import left, after a WAL checkpoint: bytes of
  ``worthit.sqlite`` per daily charge (counted over a read-only connection): goal <= 80.
* ``reports``: a cold ``python -m worthit --workspace W report PAGE --format json`` over
  the whole range of that workspace, for each page with figures, timed from the spawn to
  the exit: goal <= 1 s each.
* ``views``: every page's figures (``Figures(cache, period)`` then ``page.json``) for the
  last 30 days, the last 90 days, the whole range and the 30 days ending 45 days before
  the last (a leak window nothing computed before), in one warm process (each page
  computed once over the whole range first, untimed; a new ``Figures`` for each timing) on
  a workspace of ``--view-charges`` daily charges (default 10 million; built by
  ``bench/views_workspace.py``: the large demo plus a daily CUR Parquet imported into it):
  goal <= 150 ms each, on the first run of each period (later runs of a period find the
  sums the charge index remembered; their median is printed beside it).

Files and workspaces are generated once into ``--data-dir`` and kept between runs (a
workspace the app's schema has moved on from is migrated when first opened). Worthit's
modules are byte-compiled first, as an installed wheel has them. The
start-up goals of the issue are ``bench/startup.py``'s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import Child, compile_worthit, count_rows, parser, run_python, table

BENCH = Path(__file__).resolve().parent
LINES, CSV_LINES, VIEW_CHARGES = 5_023_665, 1_000_000, 10_000_000
GOAL_RATIO, WANTED_RATIO, GOAL_PEAK_MB, GOAL_CSV_S = 1.0, 0.75, 500.0, 3.0
GOAL_BYTES_PER_CHARGE, GOAL_REPORT_S, GOAL_VIEW_MS = 80.0, 1.0, 150.0
PARTS = ("import", "size", "reports", "views")
#: The columns the app's CUR reader groups a day's lines by (worthit.sources.aws_cur's
#: TEXT and bill cells, in Athena's spelling), as the reference groups them.
KEYS = ("line_item_line_item_type", "line_item_product_code", "line_item_usage_type",
        "bill_billing_entity", "bill_payer_account_id", "line_item_usage_account_id",
        "product_product_name", "product_region_code", "product_region",
        "line_item_availability_zone", "line_item_resource_id", "product_sku",
        "line_item_currency_code", "pricing_unit", "bill_billing_period_start_date",
        "bill_billing_period_end_date")
#: The last 30 and 90 days and the whole range end on the data's last day, so they share
#: the leak window (the 30 days to a period's end) the warm-up computed; the 30 days
#: ending 45 days before the end are a period no page has seen, leaks included.
PERIODS = ("30 days", "90 days", "whole range", "30 days, 45 back")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- children -----------------------------------------------------------------------------


def import_child(path: Path, folder: Path) -> None:
    """Import ``path`` into a new cache in ``folder``; print what it did (JSON)."""
    from worthit.store.cache import CACHE_FILE, Cache
    from worthit.sync.importer import import_file

    base = _peak_mb()
    with Cache.open(folder / CACHE_FILE) as cache:
        began = time.perf_counter()
        result = import_file(cache, path)
        seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "lines": result.rows_read,
                      "charges": result.rows_written, "first": result.first.isoformat(),
                      "last": result.last.isoformat(), "billed": result.file_billed,
                      "cache_billed": result.cache_billed, "base_mb": base,
                      "peak_mb": _peak_mb()}))


def reference_child(path: Path, target: Path) -> None:
    """The DuckDB reference (see the module's docstring); print what it did (JSON)."""
    began = time.perf_counter()
    import duckdb

    con = duckdb.connect(config={"threads": 2, "memory_limit": "384MB",
                                 "preserve_insertion_order": False})
    source = f"read_parquet('{path}')"
    names = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    keys = [k for k in KEYS if k in names] + sorted(
        n for n in names if n.startswith("resource_tags_user_"))
    effective = ("CASE line_item_line_item_type "
                 "WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost "
                 "WHEN 'DiscountedUsage' THEN reservation_effective_cost "
                 "WHEN 'SavingsPlanNegation' THEN 0 ELSE line_item_unblended_cost END"
                 if {"savings_plan_savings_plan_effective_cost",
                     "reservation_effective_cost"} <= names else "line_item_unblended_cost")
    listed = "pricing_public_on_demand_cost" if "pricing_public_on_demand_cost" in names \
        else "NULL"
    quoted = ", ".join(f'"{k}"' for k in keys)
    texts = ", ".join(f'CAST(any_value("{k}") AS VARCHAR)' for k in keys)
    con.execute(
        f"CREATE TEMP TABLE g AS SELECT dense_rank() OVER (ORDER BY {quoted}) AS key, * "
        f"FROM (SELECT CAST(line_item_usage_start_date AS DATE) AS day, {quoted}, "
        f"sum(line_item_unblended_cost) AS billed, sum({effective}) AS effective, "
        f"sum({listed}) AS listed, sum(line_item_usage_amount) AS quantity, "
        f"count(*) AS lines FROM {source} GROUP BY ALL)")
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(f"CREATE TABLE keys (id INTEGER PRIMARY KEY, {quoted})")
    db.execute("CREATE TABLE daily (day TEXT NOT NULL, key INTEGER NOT NULL, billed REAL, "
               "effective REAL, list REAL, quantity REAL, PRIMARY KEY (day, key)) "
               "WITHOUT ROWID")
    marks = ", ".join("?" * (len(keys) + 1))
    written = 0
    db.execute("BEGIN")
    for sql, insert in (
            (f"SELECT key, {texts} FROM g GROUP BY key ORDER BY key",
             f"INSERT INTO keys VALUES ({marks})"),
            ("SELECT CAST(day AS VARCHAR), key, billed, effective, listed, quantity FROM g "
             "ORDER BY day, key", "INSERT INTO daily VALUES (?, ?, ?, ?, ?, ?)")):
        for batch in _arrow_batches(con, sql):
            rows = list(zip(*(column.to_pylist() for column in batch.columns), strict=True))
            db.executemany(insert, rows)
            written += len(rows) if insert.startswith("INSERT INTO daily") else 0
    db.execute("COMMIT")
    db.close()
    seconds = time.perf_counter() - began
    lines, billed, key_count = con.execute(
        "SELECT sum(lines), sum(billed), max(key) FROM g").fetchone()
    print(json.dumps({"seconds": seconds, "lines": int(lines), "charges": written,
                      "keys": int(key_count), "billed": billed, "peak_mb": _peak_mb()}))


def _arrow_batches(con: Any, sql: str) -> Any:
    """A query's rows as Arrow record batches (DuckDB 2's spelling, or 1's)."""
    relation = con.sql(sql)
    if hasattr(relation, "to_arrow_reader"):
        return relation.to_arrow_reader(100_000)
    return con.execute(sql).fetch_record_batch(100_000)


def views_child(folder: Path, repeat: int) -> None:
    """Each page's figures for each period, ``repeat`` times, in this warm process."""
    import datetime as dt

    from worthit.core.periods import Period
    from worthit.pages import PAGES, Options
    from worthit.pages.figures import Figures
    from worthit.store.cache import CACHE_FILE, Cache

    began = time.perf_counter()
    cache = Cache.open(folder / CACHE_FILE)
    opened = time.perf_counter() - began
    data = cache.data_range()
    assert data is not None, f"{folder} holds no charges"
    first, last = data
    periods = dict(zip(PERIODS, (Period(last - dt.timedelta(days=29), last),
                                 Period(last - dt.timedelta(days=89), last),
                                 Period(first, last),
                                 Period(last - dt.timedelta(days=74),
                                        last - dt.timedelta(days=45))), strict=True))
    warm: dict[str, float] = {}
    for name, page in PAGES.items():  # the imports, SQLite's and the OS's caches
        began = time.perf_counter()
        page.json(Figures(cache, periods["whole range"]), Options())
        warm[name] = time.perf_counter() - began
    runs: dict[str, dict[str, list[float]]] = {}
    for name, page in PAGES.items():
        for label, period in periods.items():
            for _ in range(repeat):
                began = time.perf_counter()
                page.json(Figures(cache, period), Options())
                runs.setdefault(name, {}).setdefault(label, []).append(
                    time.perf_counter() - began)
    cache.close()
    print(json.dumps({"open_s": opened, "first": first.isoformat(), "last": last.isoformat(),
                      "warm_s": warm, "runs": runs, "peak_mb": _peak_mb()}))


def generate_csv(path: Path, lines: int) -> None:
    """bench/imports.py's legacy CUR CSV.gz, by its own generator."""
    from imports import generate

    generate(path, lines)


# --- the parent ---------------------------------------------------------------------------


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def _json(child: Child) -> dict[str, Any]:
    return json.loads(child.stdout.strip().splitlines()[-1])


def _verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


class Run:
    """One run of the bench: its options, files, and the goals' figures as they come."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.data: Path = args.data_dir
        self.data.mkdir(parents=True, exist_ok=True)
        self.real = self.data / f"real-shaped-{args.lines}.parquet"
        self.csv = self.data / f"cur-legacy-{args.csv_lines}.csv.gz"
        self.workspace = self.data / f"ws-real-shaped-{args.lines}"
        self.imported = self.data / f"ws-real-shaped-{args.lines}.json"
        self.views = self.data / f"ws-views-{args.view_charges}"
        self.goals: list[tuple[str, str, str, str]] = []  # goal, figure, target, verdict

    def goal(self, what: str, figure: str, target: str, ok: bool) -> None:
        self.goals.append((what, figure, target, _verdict(ok)))

    # files

    def real_file(self) -> Path:
        shape = self.real.with_name(self.real.name + ".txt")
        if not self.real.is_file():
            print(f"Generating the real-shaped CUR ({self.args.lines:,} lines) into "
                  f"{self.real} …", flush=True)
            child = run_python([str(BENCH / "real_shaped.py"), str(self.real), "--lines",
                                str(self.args.lines)])
            shape.write_text(child.stdout.strip().splitlines()[-1])
            print(f"(took {child.seconds:.1f} s, peak {child.max_rss_mb:.0f} MB)", flush=True)
        if shape.is_file():
            print(f"{self.real.name}: {shape.read_text().strip()}")
        return self.real

    def csv_file(self) -> Path:
        if not self.csv.is_file():
            print(f"Generating bench/imports.py's legacy CUR CSV.gz ({self.args.csv_lines:,} "
                  f"lines) into {self.csv} …", flush=True)
            child = run_python([__file__, "--generate-csv", str(self.csv),
                                str(self.args.csv_lines)])
            print(f"(took {child.seconds:.1f} s)", flush=True)
        return self.csv

    def _import(self, path: Path, folder: Path) -> tuple[dict[str, Any], Child]:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        child = run_python([__file__, "--import-child", str(path), str(folder)])
        return _json(child), child

    def imported_workspace(self) -> dict[str, Any]:
        """What the last import of the real-shaped file left (imported now if missing)."""
        if not (self.imported.is_file() and (self.workspace / "worthit.sqlite").is_file()):
            print("Importing the real-shaped file once, for the workspace …", flush=True)
            result, _ = self._import(self.real_file(), self.workspace)
            self.imported.write_text(json.dumps(result))
        return json.loads(self.imported.read_text())

    # parts

    def part_import(self) -> None:
        real, csv = self.real_file(), self.csv_file()
        repeat = self.args.repeat
        print(f"\nImport, {repeat} child process(es) each, alternating ({_load()})", flush=True)
        apps, references = [], []
        reference_db = self.data / "reference.sqlite"
        for _ in range(repeat):
            result, child = self._import(real, self.workspace)
            apps.append((result, child))
            self.imported.write_text(json.dumps(result))
            for suffix in ("", "-wal", "-shm"):
                Path(f"{reference_db}{suffix}").unlink(missing_ok=True)
            child = run_python([__file__, "--reference-child", str(real), str(reference_db)])
            references.append((_json(child), child))
        csvs = []
        with tempfile.TemporaryDirectory(prefix="worthit-bench-") as temporary:
            for _ in range(repeat):
                csvs.append(self._import(csv, Path(temporary) / "ws"))
        rows, figures = [], {}
        for label, path, runs in (("worthit import_file", real, apps),
                                  ("DuckDB reference", real, references),
                                  ("worthit import_file", csv, csvs)):
            seconds = statistics.median(r["seconds"] for r, _ in runs)
            peak = max(c.max_rss_mb for _, c in runs)
            lines, charges = runs[0][0]["lines"], runs[0][0]["charges"]
            figures[(label, path)] = (seconds, peak)
            rows.append((label, path.name, f"{lines:,}", f"{charges:,}",
                         f"{runs[0][0]['billed']:,.2f}", f"{seconds:.2f}",
                         ", ".join(f"{r['seconds']:.2f}" for r, _ in runs),
                         f"{lines / seconds:,.0f}", f"{peak:.0f}"))
        print(table(("what", "file", "lines", "daily charges", "billed", "median s", "runs s",
                     "lines/s", "peak MB"), rows))
        app, peak = figures[("worthit import_file", real)]
        reference, _ = figures[("DuckDB reference", real)]
        ratio = app / reference
        self.goal(f"import {real.name}: time / DuckDB reference's", f"{ratio:.2f} "
                  f"({app:.2f} s / {reference:.2f} s)", f"<= {GOAL_RATIO} "
                  f"(wanted <= {WANTED_RATIO}: {_verdict(ratio <= WANTED_RATIO)})",
                  ratio <= GOAL_RATIO)
        self.goal(f"import {real.name}: peak resident set", f"{peak:.0f} MB",
                  f"<= {GOAL_PEAK_MB:.0f} MB", peak <= GOAL_PEAK_MB)
        csv_s, csv_peak = figures[("worthit import_file", csv)]
        self.goal(f"import {csv.name}", f"{csv_s:.2f} s", f"<= {GOAL_CSV_S:.0f} s",
                  csv_s <= GOAL_CSV_S)
        self.goal(f"import {csv.name}: peak resident set", f"{csv_peak:.0f} MB",
                  f"<= {GOAL_PEAK_MB:.0f} MB", csv_peak <= GOAL_PEAK_MB)

    def part_size(self) -> None:
        result = self.imported_workspace()
        cache = self.workspace / "worthit.sqlite"
        with contextlib.closing(sqlite3.connect(cache)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = Path(f"{cache}-wal")
        size = cache.stat().st_size + (wal.stat().st_size if wal.is_file() else 0)
        try:
            charges, counted = count_rows(cache, "charges"), "counted in table charges"
        except sqlite3.Error as error:  # a schema without that table
            charges, counted = result["charges"], f"as the import said ({error})"
        print(f"\nCache size ({_load()}): {cache} holds {size:,} bytes after a checkpoint, "
              f"{charges:,} daily charges ({counted}; the import wrote "
              f"{result['charges']:,}): {size / charges:,.1f} bytes per daily charge")
        self.goal(f"cache size after importing {self.real.name}",
                  f"{size / charges:,.0f} bytes per daily charge",
                  f"<= {GOAL_BYTES_PER_CHARGE:.0f}", size / charges <= GOAL_BYTES_PER_CHARGE)

    def part_reports(self) -> None:
        result = self.imported_workspace()
        pages = run_python(["-c", "from worthit.pages import PAGES; print(' '.join(PAGES))"]
                           ).stdout.split()
        span = ["--from", result["first"], "--to", result["last"]]
        print(f"\nCold `worthit report PAGE --format json {' '.join(span)}` on "
              f"{self.workspace.name} ({result['charges']:,} daily charges), "
              f"{self.args.repeat} process(es) each ({_load()})", flush=True)
        rows = []
        for page in pages:
            runs = [run_python(["-m", "worthit", "--workspace", str(self.workspace), "report",
                                page, "--format", "json", *span])
                    for _ in range(self.args.repeat)]
            seconds = statistics.median(c.seconds for c in runs)
            rows.append((page, f"{seconds:.2f}", ", ".join(f"{c.seconds:.2f}" for c in runs),
                         f"{max(c.max_rss_mb for c in runs):.0f}"))
            self.goal(f"cold report {page}, whole range, {self.workspace.name}",
                      f"{seconds:.2f} s", f"<= {GOAL_REPORT_S:.0f} s",
                      seconds <= GOAL_REPORT_S)
        print(table(("page", "median s", "runs s", "peak MB"), rows))

    def part_views(self) -> None:
        print(f"\nViews workspace of {self.args.view_charges:,} daily charges in "
              f"{self.views} …", flush=True)
        child = run_python([str(BENCH / "views_workspace.py"), str(self.views), "--charges",
                            str(self.args.view_charges)])
        built = _json(child)
        how = "reused" if built["reused"] else f"built in {child.seconds:.0f} s"
        print(f"({how}: {built['demo']} demo {built['demo_charges']:,} charges in "
              f"{built['demo_seconds']} s, daily CUR of {built['imported_charges']:,} lines "
              f"written in {built['file_seconds']} s and imported in "
              f"{built['import_seconds']} s; {built['first']} to {built['last']})")
        print(f"Each page's figures, {self.args.repeat} time(s) per period, in one warm "
              f"process ({_load()})", flush=True)
        child = run_python([__file__, "--views-child", str(self.views),
                            str(self.args.repeat)])
        views = _json(child)
        rows = []
        for page, periods in views["runs"].items():
            # The goal is the first run of each period: what a manager waits for on
            # choosing it. Later runs find the index's remembered sums (a period chosen
            # again); their median is shown beside it.
            firsts = {p: periods[p][0] * 1000 for p in PERIODS}
            medians = {p: statistics.median(periods[p]) * 1000 for p in PERIODS}
            rows.append((page, f"{views['warm_s'][page] * 1000:,.0f}",
                         *(f"{firsts[p]:,.0f} ({medians[p]:,.0f})" for p in PERIODS),
                         " / ".join(", ".join(f"{s * 1000:,.0f}" for s in periods[p])
                                    for p in PERIODS)))
            slowest = max(firsts, key=firsts.__getitem__)
            self.goal(f"view {page}, {self.args.view_charges:,} charges, each period",
                      f"{firsts[slowest]:,.0f} ms ({slowest}; "
                      + ", ".join(f"{p} {firsts[p]:,.0f}" for p in PERIODS if p != slowest)
                      + ")", f"<= {GOAL_VIEW_MS:.0f} ms",
                      firsts[slowest] <= GOAL_VIEW_MS)
        print(table(("page", "whole range, first ms",
                     *(f"{p}: first (median) ms" for p in PERIODS), "runs ms"), rows))
        print(f"(cache opened in {views['open_s']:.2f} s; peak {child.max_rss_mb:.0f} MB; "
              f"{views['first']} to {views['last']})")


def main() -> int:
    root = parser(__doc__)
    root.add_argument("--only", action="append", choices=PARTS, metavar="PART",
                      help=f"run only this part ({', '.join(PARTS)}); repeatable")
    root.add_argument("--lines", type=int, default=LINES, metavar="N",
                      help="lines of the real-shaped CUR Parquet (default %(default)s)")
    root.add_argument("--csv-lines", type=int, default=CSV_LINES, metavar="N",
                      help="lines of the legacy CUR CSV.gz (default %(default)s)")
    root.add_argument("--view-charges", type=int, default=VIEW_CHARGES, metavar="N",
                      help="daily charges of the views workspace (default %(default)s)")
    root.add_argument("--data-dir", type=Path, metavar="DIR",
                      default=Path(tempfile.gettempdir()) / "worthit-bench-speed",
                      help="where files and workspaces are kept (default %(default)s)")
    root.add_argument("--import-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    root.add_argument("--reference-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    root.add_argument("--views-child", nargs=2, help=argparse.SUPPRESS)
    root.add_argument("--generate-csv", nargs=2, help=argparse.SUPPRESS)
    args = root.parse_args()
    if args.import_child:  # the hidden modes, each run in a child process
        import_child(*args.import_child)
    elif args.reference_child:
        reference_child(*args.reference_child)
    elif args.views_child:
        views_child(Path(args.views_child[0]), int(args.views_child[1]))
    elif args.generate_csv:
        generate_csv(Path(args.generate_csv[0]), int(args.generate_csv[1]))
    else:
        compile_worthit()  # the children start from .pyc files, as an installed app does
        run = Run(args)
        began = time.perf_counter()
        print(f"Issue 20's goals ({_load()}; files kept in {args.data_dir})")
        for part in PARTS:
            if args.only is None or part in args.only:
                getattr(run, f"part_{part}")()
        print(f"\nGoals ({_load()}; the whole run took {time.perf_counter() - began:.0f} s; "
              "start-up goals: bench/startup.py)")
        print(table(("goal", "figure", "target", "verdict"), run.goals))
    return 0


if __name__ == "__main__":
    sys.exit(main())

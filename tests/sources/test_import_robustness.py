"""How ``import_file`` holds up beyond a single clean import: importing the same file again
and again, restated files, two sources over the same days, a cancel part-way through (on
the line reader and on the DuckDB fast path), the process killed part-way through, and
the progress it reports.

Every case compares the whole cache (charges, charge keys, sources) before and after, so
a write that leaks out of a rolled-back transaction is caught wherever it lands. A case
today's importer answers badly is marked ``xfail(strict=True)``, its reason giving what
happens instead."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.shared_data import sample

from worthit.core.errors import Cancelled, UserError
from worthit.sources import aggregate
from worthit.store.cache import Cache
from worthit.sync.importer import import_file

#: The real FOCUS sample in ../shared/data (tests.shared_data), relative to that folder.
SAMPLE = ("focus", "focus-1.0-sample-aws-azure-oci.csv")
HEADER = ("ChargePeriodStart", "ChargePeriodEnd", "BilledCost", "EffectiveCost", "ListCost",
          "BillingCurrency", "ServiceProviderName", "ServiceName", "ServiceCategory",
          "ResourceId", "Tags")
LINE_READER = 10**18  # aggregate.SMALL: every file is read line by line
FAST_PATH = 0  # aggregate.SMALL: every file with ISO days goes through DuckDB
WATCHER = "worthit-duckdb-watch"


# -- writing FOCUS files -----------------------------------------------------------------


def focus_row(day: str, billed: str, effective: str | None = None, *, list_cost: str = "",
              service: str = "Amazon EC2", resource: str = "i-1", tags: str = "") -> list[str]:
    return [f"{day}T00:00:00Z", f"{day}T01:00:00Z", billed,
            billed if effective is None else effective, list_cost, "USD", "AWS", service,
            "Compute", resource, tags]


def write_focus(path: Path, rows: list[list[str]]) -> Path:
    """A FOCUS CSV (gzipped when the name ends in .gz) with ``rows`` under the header."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = text.getvalue().encode()
    path.write_bytes(gzip.compress(data, compresslevel=1, mtime=0)
                     if path.suffix == ".gz" else data)
    return path


def many_rows(count: int, *, resources: int, days: int = 28) -> Iterator[list[str]]:
    """``count`` rows over March 2025; ``resources`` distinct resources (each always with
    the same service). With a prime ``resources`` above ``count / days`` every row is a
    day and key of its own, so each 50,000-row batch writes 50,000 charges."""
    for i in range(count):
        day = f"2025-03-{i % days + 1:02d}"
        resource = i % resources
        yield focus_row(day, f"{i % 997 / 100 + 0.01:.2f}", f"{i % 499 / 100:.2f}",
                        service=f"svc{resource % 7}", resource=f"i-{resource}")


# -- what the cache holds ----------------------------------------------------------------


def snapshot(cache: Cache) -> dict[str, Any]:
    """Everything an import may touch, row for row (sync_runs aside: every attempt adds
    one)."""
    return {
        "charges": [tuple(r) for r in cache._rows("SELECT rowid, * FROM charges ORDER BY rowid")],
        "charge_keys": [tuple(r) for r in cache._rows(
            "SELECT * FROM charge_keys ORDER BY key_id")],
        "sources": [tuple(r) for r in cache._rows("SELECT * FROM sources ORDER BY source_id")],
        "revision": cache.revision,
    }


def totals(cache: Cache, source: str | None = None) -> tuple[int, float, float]:
    where, params = ("WHERE source_id = ?", (source,)) if source else ("", ())
    count, billed, effective = cache._rows(
        f"SELECT COUNT(*), TOTAL(billed_cost), TOTAL(effective_cost) FROM charges {where}",
        params)[0]
    return count, billed, effective


def by_day_and_resource(cache: Cache, source: str) -> dict[tuple[str, str], tuple[float, ...]]:
    return {(day, resource): (round(billed, 9), round(effective, 9))
            for day, resource, billed, effective in cache._rows(
                "SELECT charge_period_start, resource_id, SUM(billed_cost), "
                "SUM(effective_cost) FROM charges WHERE source_id = ? GROUP BY 1, 2",
                (source,))}


def runs(cache: Cache, source: str | None = None) -> list[tuple[Any, ...]]:
    where, params = ("WHERE source_id = ?", (source,)) if source else ("", ())
    return [tuple(r) for r in cache._rows(
        f"SELECT source_id, result, rows_read, rows_written, period_start, period_end "
        f"FROM sync_runs {where} ORDER BY run_id", params)]


# -- 1. importing the same file again and again ----------------------------------------


def generated_month(tmp_path: Path) -> Path:
    """A FOCUS CSV with what real files have: several days and services, costs of 2 to 6
    places, duplicate day and key rows, tags in either key order, NULL list costs."""
    rows = []
    for day in range(1, 8):
        for k, (service, tags) in enumerate([
                ("Amazon EC2", '{"team": "search", "env": "prod"}'),
                ("Amazon EC2", '{"env": "prod", "team": "search"}'),  # the same tags
                ("Amazon S3", ""), ("Amazon Bedrock", '{"team": "ads"}')]):
            for copy in range(2):  # the same day and key twice
                billed = Decimal(day * 7 + k) / Decimal(10 ** (2 + (day + k + copy) % 5))
                rows.append(focus_row(f"2025-03-{day:02d}", str(billed), str(billed / 2),
                                      list_cost="NULL" if copy else str(billed * 2),
                                      service=service, resource=f"r-{k % 3}", tags=tags))
    return write_focus(tmp_path / "month.csv", rows)


@pytest.mark.parametrize("small", [LINE_READER, FAST_PATH], ids=["line-reader", "fast-path"])
@pytest.mark.parametrize("which", ["generated", "real-sample"])
def test_importing_the_same_file_ten_times_changes_nothing_after_the_first(
        cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str,
        small: int) -> None:
    path = sample(*SAMPLE) if which == "real-sample" else generated_month(tmp_path)
    monkeypatch.setattr(aggregate, "SMALL", small)
    first = import_file(cache, path, source="s")
    after_first = totals(cache)
    keys = cache._scalar("SELECT COUNT(*) FROM charge_keys")
    assert after_first[0] == first.rows_written > 0
    assert abs(after_first[1] - first.file_billed) <= 0.01
    for attempt in range(2, 11):
        again = import_file(cache, path, source="s")
        assert again.rows_written == first.rows_written, attempt
        count, billed, effective = totals(cache)
        assert count == after_first[0], f"import {attempt} left {count} charges"
        if small == LINE_READER:  # the same rows in the same order: the same sums, bit for bit
            assert (billed, effective) == after_first[1:], f"import {attempt}"
        else:  # DuckDB adds in parallel, in any order: equal to far below a cent
            assert (billed, effective) == pytest.approx(after_first[1:], rel=1e-12), attempt
        # A re-import finds the keys it minted the first time; it never mints twins.
        assert cache._scalar("SELECT COUNT(*) FROM charge_keys") == keys, attempt
    assert runs(cache) == [("s", "ok", first.rows_read, first.rows_written,
                            first.first.isoformat(), first.last.isoformat())] * 10
    assert [s for (s,) in cache._rows("SELECT source_id FROM sources")] == ["s"]


# -- 2. restatements ---------------------------------------------------------------------


def month(days: range, resources: tuple[str, ...], scale: int) -> list[list[str]]:
    """Figures that differ by day, resource and ``scale``, each day and resource written
    as two rows that the importer adds up."""
    rows = []
    for day in days:
        for n, resource in enumerate(resources):
            for half in range(2):
                billed = Decimal(scale * day + n) / 100 + Decimal(half) / 1000
                rows.append(focus_row(f"2025-03-{day:02d}", str(billed), str(billed * 3 / 4),
                                      resource=resource))
    return rows


def expected(rows: list[list[str]]) -> dict[tuple[str, str], tuple[float, ...]]:
    sums: dict[tuple[str, str], list[Decimal]] = {}
    for row in rows:
        held = sums.setdefault((row[0][:10], row[9]), [Decimal(0), Decimal(0)])
        held[0] += Decimal(row[2])
        held[1] += Decimal(row[3])
    return {key: (round(float(b), 9), round(float(e), 9)) for key, (b, e) in sums.items()}


@pytest.mark.parametrize("small", [LINE_READER, FAST_PATH], ids=["line-reader", "fast-path"])
def test_a_restatement_replaces_exactly_the_days_of_the_new_file(
        cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small: int) -> None:
    monkeypatch.setattr(aggregate, "SMALL", small)
    old = month(range(1, 11), ("r1", "r2", "r3"), scale=1)
    import_file(cache, write_focus(tmp_path / "march.csv", old), source="s")
    assert by_day_and_resource(cache, "s") == expected(old)
    # Days 3 to 6 restated: other figures, r2 and r3 gone, r4 new, and day 5 dropped
    # altogether (it lies inside the new file's period, so its charges go).
    new = [r for r in month(range(3, 7), ("r1", "r4"), scale=5) if r[0][:10] != "2025-03-05"]
    done = import_file(cache, write_focus(tmp_path / "restated.csv", new), source="s")
    assert (done.first.isoformat(), done.last.isoformat()) == ("2025-03-03", "2025-03-06")
    kept = {key: v for key, v in expected(old).items()
            if not "2025-03-03" <= key[0] <= "2025-03-06"}
    assert by_day_and_resource(cache, "s") == {**kept, **expected(new)}
    assert cache._scalar("SELECT COUNT(*) FROM charges WHERE charge_period_start = "
                        "'2025-03-05'") == 0
    billed = sum(b for b, _ in {**kept, **expected(new)}.values())
    assert totals(cache, "s")[1] == pytest.approx(billed, abs=1e-6)
    assert runs(cache)[-1] == ("s", "ok", len(new), done.rows_written, "2025-03-03",
                               "2025-03-06")


def test_a_restatement_that_reaches_past_the_old_period_keeps_the_days_before_it(
        cache: Cache, tmp_path: Path) -> None:
    old = month(range(1, 11), ("r1",), scale=1)
    import_file(cache, write_focus(tmp_path / "march.csv", old), source="s")
    new = month(range(9, 16), ("r1",), scale=3)
    import_file(cache, write_focus(tmp_path / "later.csv", new), source="s")
    kept = {k: v for k, v in expected(old).items() if k[0] < "2025-03-09"}
    assert by_day_and_resource(cache, "s") == {**kept, **expected(new)}


# -- 3. two sources over the same days -------------------------------------------------


def test_two_sources_over_the_same_days_never_touch_each_other(
        cache: Cache, tmp_path: Path) -> None:
    rows = month(range(1, 8), ("r1", "r2"), scale=1)
    path = write_focus(tmp_path / "march.csv", rows)
    import_file(cache, path, source="a")
    import_file(cache, path, source="b")  # the same charges, the same keys
    b_before = [tuple(r) for r in cache._rows(
        "SELECT rowid, * FROM charges WHERE source_id = 'b' ORDER BY rowid")]
    assert totals(cache, "a") == totals(cache, "b")
    # A restatement of a (one day dropped), then a refused file for a: b is untouched.
    restated = [r for r in month(range(2, 6), ("r1",), scale=9) if r[0][:10] != "2025-03-04"]
    import_file(cache, write_focus(tmp_path / "restated.csv", restated), source="a")
    bad = write_focus(tmp_path / "bad.csv", [focus_row("2025-03-02", "1"),
                                             focus_row("2025-03-03", "lots")])
    with pytest.raises(UserError, match="'lots' is not a number"):
        import_file(cache, bad, source="a")
    assert [tuple(r) for r in cache._rows(
        "SELECT rowid, * FROM charges WHERE source_id = 'b' ORDER BY rowid")] == b_before
    assert by_day_and_resource(cache, "b") == expected(rows)
    kept = {k: v for k, v in expected(rows).items() if not "2025-03-02" <= k[0] <= "2025-03-05"}
    assert by_day_and_resource(cache, "a") == {**kept, **expected(restated)}
    # Every charge's key still exists, whichever source minted it.
    assert cache._scalar("SELECT COUNT(*) FROM charges c LEFT JOIN charge_keys k "
                        "ON k.key_id = c.x_key_id WHERE k.key_id IS NULL") == 0
    assert [s for (s,) in cache._rows("SELECT source_id FROM sources ORDER BY 1")] == ["a", "b"]
    assert [r[:2] for r in runs(cache)] == [("a", "ok"), ("b", "ok"), ("a", "ok"),
                                            ("a", "failed")]


# -- 4. a cancel part-way through -------------------------------------------------------

BIG_ROWS = 200_000
BIG_RESOURCES = 10_007  # prime, above 200,000 / 28: every row is a charge of its own


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 FOCUS rows (four 50,000-row batches), each a day and key of its own."""
    folder = tmp_path_factory.mktemp("big")
    return write_focus(folder / "big.csv.gz",
                       list(many_rows(BIG_ROWS, resources=BIG_RESOURCES)))


def seed(cache: Cache, tmp_path: Path) -> None:
    """A good import of the source the big file goes to, over the same days, and one of
    another source."""
    rows = month(range(1, 29), ("i-1", "i-2"), scale=1)
    import_file(cache, write_focus(tmp_path / "good.csv", rows), source="s")
    import_file(cache, write_focus(tmp_path / "other.csv", rows[:20]), source="other")


class Canceller:
    """A ``cancelled`` callback that says yes once its moment has come, noting who asked."""

    def __init__(self, moment: str) -> None:
        self.moment = moment
        self.progress: list[float] = []
        self.asked: list[str] = []  # "main" or "other", one per call
        self.said_yes: str | None = None

    def report(self, fraction: float) -> None:
        self.progress.append(fraction)

    def __call__(self) -> bool:
        main = threading.current_thread() is threading.main_thread()
        self.asked.append("main" if main else "other")
        yes = {
            # Once progress has been reported: by the line reader after a batch, by
            # DuckDB's watcher while a query runs (its next look cancels the query).
            "after-progress": any(share > 0 for share in self.progress),
            # DuckDB: asked by the watcher while a query runs, so the query is interrupted.
            "during-query": not main,
            # DuckDB: asked before each fetched chunk; the first chunk has been written.
            "during-fetch": main and self.asked.count("main") >= 2,
        }[self.moment]
        if yes and self.said_yes is None:
            self.said_yes = self.asked[-1]
        return yes


@pytest.mark.parametrize(("small", "moment"), [
    (LINE_READER, "after-progress"),
    (FAST_PATH, "after-progress"),
    (FAST_PATH, "during-query"),
    (FAST_PATH, "during-fetch"),
], ids=["line-reader", "fast-path-after-progress", "fast-path-query", "fast-path-fetch"])
def test_a_cancel_part_way_through_leaves_the_cache_exactly_as_it_was(
        cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, big_file: Path,
        small: int, moment: str) -> None:
    spill = tmp_path / "tmp"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))  # where DuckDB spills
    seed(cache, tmp_path)
    before, runs_before = snapshot(cache), runs(cache)
    monkeypatch.setattr(aggregate, "SMALL", small)
    cancel = Canceller(moment)
    with pytest.raises(Cancelled):
        import_file(cache, big_file, source="s", cancelled=cancel, progress=cancel.report)
    assert snapshot(cache) == before
    assert cache._scalar("SELECT COUNT(*) FROM charge_keys") == len(before["charge_keys"])
    assert runs(cache)[:-1] == runs_before
    (result, error), = cache._rows(
        "SELECT result, error FROM sync_runs WHERE run_id = (SELECT MAX(run_id) FROM "
        "sync_runs)")
    assert (result, error) == ("cancelled", "cancelled by the user")
    # The cancel came when meant, not before the work began nor after it ended.
    if moment == "after-progress":
        assert cancel.progress and 0 < max(cancel.progress) < 1
        # The fast path: DuckDB's watcher while the grouping runs, or the main thread
        # fetching groups when the grouping ended before the watcher looked again (the
        # two moments below pin each down).
        assert cancel.said_yes in (("main",) if small == LINE_READER else ("other", "main"))
    elif moment == "during-query":
        assert cancel.said_yes == "other", f"the watcher never asked: {cancel.asked}"
        assert "main" not in cancel.asked, "the query ran to its end before the cancel"
    else:
        assert cancel.asked.count("main") == 2
    # Nothing is left running or on disk.
    assert not [t for t in threading.enumerate() if t.name == WATCHER]
    assert not list(spill.iterdir())
    # And the cache takes the next import as usual.
    done = import_file(cache, write_focus(tmp_path / "after.csv",
                                          month(range(1, 3), ("i-9",), 2)), source="s")
    assert done.rows_written == 2


# -- 5. the process killed part-way through --------------------------------------------

KILLED_IMPORT = """
import sys
import time
from pathlib import Path

from worthit.sources import aggregate
from worthit.sync.importer import import_file
from worthit.store.cache import Cache

aggregate.SMALL = int(sys.argv[3])
cache = Cache.open(sys.argv[1])
# A page cache of 2 MiB (not the usual 64) makes the open transaction spill its pages into
# the WAL as it writes, as a multi-million-line import does: the kill then leaves frames
# of an uncommitted transaction for the next open to recover past.
cache._conn.execute("PRAGMA cache_size = -2000")
# Hold the transaction open once every charge is written, before its checks and commit,
# so the kill always lands mid-import however fast the import is.
replace = Cache.replace_charges


def held(self, *args, check=None, **kwargs):
    def wait(conn, days):
        print("written", flush=True)
        time.sleep(600)

    return replace(self, *args, check=wait, **kwargs)


Cache.replace_charges = held
import_file(cache, Path(sys.argv[2]), source="big",
            progress=lambda fraction: print(f"progress {fraction:.3f}", flush=True))
print("finished", flush=True)
"""
#: Bytes of uncommitted pages in the WAL by the kill: more than the 2 MiB page cache holds,
#: so the swap has spilled uncommitted pages of its charges before the kill.
WAL_UNDER_WAY = 4_000_000


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
@pytest.mark.parametrize("small", [LINE_READER, FAST_PATH], ids=["line-reader", "fast-path"])
def test_killing_the_process_mid_import_leaves_the_previous_import_intact(
        tmp_path: Path, big_file: Path, small: int) -> None:
    path = tmp_path / "ws" / "worthit.sqlite"
    with Cache.open(path) as cache:
        seed(cache, tmp_path)
        before, runs_before = snapshot(cache), runs(cache)
        totals_before = totals(cache)
    wal = path.with_name(path.name + "-wal")
    spill = tmp_path / "tmp"
    spill.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, str(path), str(big_file), str(small)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(spill)})
    lines: list[str] = []

    def read() -> None:
        for line in process.stdout or ():
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def under_way() -> bool:
        # The line reader reports each batch read: by the second report the first batch
        # has been handed to SQLite. DuckDB reports its queries, before any write; there
        # the WAL alone says the charges are being written.
        return "written\n" in lines and wal.exists() and wal.stat().st_size > WAL_UNDER_WAY

    try:
        deadline = time.monotonic() + 60
        while not under_way():
            if process.poll() is not None:
                pytest.fail(f"the import ended before it could be killed "
                            f"(exit {process.returncode}): {lines} "
                            f"{process.stderr.read() if process.stderr else ''}")
            if time.monotonic() > deadline:
                pytest.fail(f"the import never got under way: {lines}")
            time.sleep(0.02)
        assert "finished\n" not in lines
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        reader.join(timeout=5)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
    with Cache.open(path) as cache:
        assert cache._scalar("PRAGMA integrity_check") == "ok"
        assert totals(cache) == totals_before
        assert snapshot(cache) == before
        assert cache._scalar("SELECT COUNT(*) FROM sources WHERE source_id = 'big'") == 0
        assert runs(cache) == runs_before  # killed before it could record a run
        # The cache takes the next import as usual, the killed one's source included.
        done = import_file(cache, write_focus(tmp_path / "after.csv",
                                              month(range(1, 3), ("i-9",), 2)), source="big")
        assert done.rows_written == 2
        assert cache._scalar("PRAGMA integrity_check") == "ok"


# -- 6. progress -------------------------------------------------------------------------


def write_parquet(path: Path, rows: list[list[str]]) -> Path:
    """The same rows as a Parquet file of text columns."""
    pq.write_table(pa.table({name: [r[i] for r in rows] for i, name in enumerate(HEADER)}),
                   path)
    return path


@pytest.fixture(scope="module")
def progress_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """110,000 rows (three batches) over few keys, as CSV, CSV.gz and Parquet; and
    200,000 as CSV.gz for DuckDB, whose queries then take a noticeable time."""
    folder = tmp_path_factory.mktemp("progress")
    rows = list(many_rows(110_000, resources=50))
    return {"csv": write_focus(folder / "bill.csv", rows),
            "csv.gz": write_focus(folder / "bill.csv.gz", rows),
            "parquet": write_parquet(folder / "bill.parquet", rows),
            "big.csv.gz": write_focus(folder / "big.csv.gz",
                                      list(many_rows(200_000, resources=50)))}


def check_progress(values: list[float]) -> None:
    assert values, "no progress was reported"
    assert all(0.0 <= v <= 1.0 for v in values), values
    assert all(a <= b for a, b in itertools.pairwise(values)), values
    assert values[-1] == 1.0, values


@pytest.mark.parametrize("kind", ["csv", "csv.gz", "parquet"])
def test_the_line_readers_progress_rises_from_zero_to_one(
        cache: Cache, monkeypatch: pytest.MonkeyPatch, progress_files: dict[str, Path],
        kind: str) -> None:
    monkeypatch.setattr(aggregate, "SMALL", LINE_READER)
    values: list[float] = []
    done = import_file(cache, progress_files[kind], progress=values.append)
    assert done.rows_read == 110_000
    check_progress(values)
    # Reported as each batch is read, not only at the end.
    assert len([v for v in values if 0 < v < 1]) >= 2, values


def test_the_fast_paths_progress_rises_from_zero_to_one(
        cache: Cache, monkeypatch: pytest.MonkeyPatch,
        progress_files: dict[str, Path]) -> None:
    monkeypatch.setattr(aggregate, "SMALL", FAST_PATH)
    values: list[float] = []
    done = import_file(cache, progress_files["big.csv.gz"], progress=values.append)
    assert done.rows_read == 200_000
    check_progress(values)


def test_the_fast_path_reports_progress_while_duckdb_works(
        cache: Cache, monkeypatch: pytest.MonkeyPatch,
        progress_files: dict[str, Path]) -> None:
    monkeypatch.setattr(aggregate, "SMALL", FAST_PATH)
    values: list[float] = []
    began = time.perf_counter()
    import_file(cache, progress_files["big.csv.gz"], progress=values.append)
    seconds = time.perf_counter() - began
    # At least the end of DuckDB's pass is reported, however fast it was.
    assert [v for v in values if 0 < v < 1], f"only {values} in {seconds:.1f} s"


def test_a_failed_import_reports_no_progress_past_what_it_read(
        cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregate, "SMALL", LINE_READER)
    rows = list(many_rows(60_000, resources=50))
    rows[55_000][2] = "lots"
    values: list[float] = []
    with pytest.raises(UserError, match="line 55002, column 'BilledCost'"):
        import_file(cache, write_focus(tmp_path / "bad.csv", rows), progress=values.append)
    assert values and all(0 < v < 1 for v in values), values  # never the final 1.0


def test_a_killed_imports_spill_folder_is_removed_by_the_next_import(
        cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kill -9 during a large import left DuckDB's spill folder behind, for good."""
    spill = tmp_path / "tmp"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    orphan = spill / f"{aggregate.SPILL_PREFIX}{gone.stdout.strip()}-abc123"
    (orphan / "duckdb_temp_storage").mkdir(parents=True)
    (orphan / "duckdb_temp_storage" / "block").write_bytes(b"\0" * 1024)
    alive = spill / f"{aggregate.SPILL_PREFIX}{os.getppid()}-def456"  # a running process's
    alive.mkdir()
    monkeypatch.setattr(aggregate, "SMALL", FAST_PATH)
    import_file(cache, write_focus(tmp_path / "b.csv", month(range(1, 3), ("i-1",), 1)),
                source="s")
    assert not orphan.exists()
    assert alive.exists()
    assert [p for p in spill.iterdir() if p != alive] == []  # its own went too

"""Syncing a workspace's sources (``worthit.sync``) and importing several files into one
source (``import_files``).

A file source re-imports only when one of its files changed (size or modification time),
each source on its own: a file gone or gone bad fails that source, is recorded as a failed
run, and leaves its charges and every other source as they were. A cancel stops the work
and changes nothing. Files are written here, small, so every figure is known."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.store.sources import list_sources, runs
from worthit.sync import RESULTS, sync
from worthit.sync.importer import import_file, import_files
from worthit.workspace import Workspace

HEADER = ("ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,"
          "BillingCurrency,ProviderName,ServiceName,ServiceCategory,ResourceId,Tags")
#: The days of a FOCUS file, with (billed, effective) on each, for resource i-1.
FIRST = {"2024-09-01": ("1.5", "1.25"), "2024-09-02": ("2", "1.75"),
         "2024-09-03": ("4", "3.5")}


def focus_row(day: str, billed: str, effective: str, *, currency: str = "USD",
              resource: str = "i-1") -> str:
    return (f"{day} 00:00:00,{day} 01:00:00,{billed},{effective},{billed},{currency},"
            f"AWS,Amazon EC2,Compute,{resource},")


def write_focus(path: Path, days: dict[str, tuple[str, str]], *, currency: str = "USD",
                resource: str = "i-1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [focus_row(day, b, e, currency=currency, resource=resource)
            for day, (b, e) in days.items()]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def shift_mtime(path: Path, seconds: int = 10) -> None:
    """Move the file's modification time on, so a change is seen whatever the clock's
    resolution."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 1_000_000_000))


def figures(cache: Cache, source: str) -> dict[str, tuple[float, float]]:
    """The source's (billed, effective) by day."""
    return {r[0]: (r[1], r[2]) for r in cache._rows(
        "SELECT charge_period_start, TOTAL(billed_cost), TOTAL(effective_cost) FROM charges "
        "WHERE source_id = ? GROUP BY 1 ORDER BY 1", (source,))}


def snapshot(cache: Cache) -> tuple[list[tuple[object, ...]], int, int, str | None]:
    """Everything a sync might change: the charges, the revision, the runs, the sources'
    settings."""
    charges = [tuple(r) for r in cache._rows(
        "SELECT source_id, charge_period_start, billed_cost, effective_cost, resource_id "
        "FROM charges ORDER BY 1, 2, 5")]
    settings = json.dumps([tuple(r) for r in cache._rows(
        "SELECT name, settings FROM sources ORDER BY name")])
    return charges, cache.revision, int(cache._scalar("SELECT COUNT(*) FROM sync_runs")), \
        settings


def results(outcomes: Sequence[object]) -> dict[str, str]:
    return {o.source: o.result for o in outcomes}  # type: ignore[attr-defined]


@pytest.fixture
def two_sources(cache: Cache, tmp_path: Path) -> tuple[Path, Path]:
    """Sources 'a' (FIRST) and 'b' (one day), each imported from its own file."""
    a = write_focus(tmp_path / "bills" / "a.csv", FIRST)
    b = write_focus(tmp_path / "bills" / "b.csv", {"2024-09-05": ("10", "9")},
                    resource="i-b")
    import_file(cache, a, source="a")
    import_file(cache, b, source="b")
    return a, b


# -- re-syncing only what changed -------------------------------------------------------


def test_an_unchanged_file_is_not_reimported_and_force_reimports_it(
        cache: Cache, two_sources: tuple[Path, Path]) -> None:
    before = snapshot(cache)
    outcomes = sync(cache)
    assert results(outcomes) == {"a": "unchanged", "b": "unchanged"}
    assert all(o.result in RESULTS for o in outcomes)
    assert snapshot(cache) == before  # not even a run is recorded

    forced = sync(cache, force=True)
    assert results(forced) == {"a": "ok", "b": "ok"}
    by_name = {o.source: o for o in forced}
    assert (by_name["a"].rows_read, by_name["a"].rows_written) == (3, 3)
    assert "2024-09-01 to 2024-09-03" in by_name["a"].message
    assert cache.revision > before[1]
    assert figures(cache, "a") == {d: (float(b), float(e)) for d, (b, e) in FIRST.items()}
    assert [r["result"] for r in runs(cache, "a")][:2] == ["ok", "ok"]


def test_a_new_modification_time_alone_reimports_and_then_it_is_unchanged_again(
        cache: Cache, two_sources: tuple[Path, Path]) -> None:
    a, _b = two_sources
    shift_mtime(a)
    assert results(sync(cache)) == {"a": "ok", "b": "unchanged"}
    # The import took the file's new fingerprint: the next sync has nothing to do.
    assert results(sync(cache)) == {"a": "unchanged", "b": "unchanged"}


def test_a_new_size_alone_reimports(cache: Cache, two_sources: tuple[Path, Path]) -> None:
    a, _b = two_sources
    recorded = a.stat()
    with a.open("a", encoding="utf-8") as file:
        file.write("\n")  # a blank line: a bigger file, the same charges
    os.utime(a, ns=(recorded.st_atime_ns, recorded.st_mtime_ns))
    assert a.stat().st_mtime_ns == recorded.st_mtime_ns
    assert a.stat().st_size != recorded.st_size
    assert results(sync(cache)) == {"a": "ok", "b": "unchanged"}
    assert results(sync(cache)) == {"a": "unchanged", "b": "unchanged"}


def test_a_restated_file_brings_the_cache_to_its_new_figures_exactly(
        cache: Cache, two_sources: tuple[Path, Path]) -> None:
    """The export was restated: new amounts on the first and last day, and nothing left on
    the middle day (which lies within the file's days, so it goes)."""
    a, _b = two_sources
    b_before = figures(cache, "b")
    restated = {"2024-09-01": ("7.125", "6.5"), "2024-09-03": ("0.25", "0.2")}
    write_focus(a, restated)
    shift_mtime(a)
    (outcome,) = [o for o in sync(cache) if o.source == "a"]
    assert outcome.result == "ok"
    assert figures(cache, "a") == {"2024-09-01": (7.125, 6.5), "2024-09-03": (0.25, 0.2)}
    assert figures(cache, "b") == b_before
    (listed,) = [s for s in list_sources(cache) if s["name"] == "a"]
    assert (listed["billed_cost"], listed["effective_cost"]) == (7.375, 6.7)
    assert listed["last_run"]["result"] == "ok"


# -- failures stay with their source ------------------------------------------------------


def test_a_deleted_file_fails_its_source_and_the_others_still_sync(
        cache: Cache, two_sources: tuple[Path, Path]) -> None:
    a, b = two_sources
    kept = figures(cache, "a")
    a.unlink()
    outcomes = {o.source: o for o in sync(cache, force=True)}
    assert outcomes["a"].result == "failed"
    assert str(a.resolve()) in outcomes["a"].message
    assert "no longer exists" in outcomes["a"].message
    assert outcomes["b"].result == "ok"
    assert figures(cache, "a") == kept  # the charges it brought stay
    last = runs(cache, "a")[0]
    assert last["result"] == "failed"
    assert str(a.resolve()) in last["error"]
    assert runs(cache, "b")[0]["result"] == "ok"
    (listed,) = [s for s in list_sources(cache) if s["name"] == "a"]
    assert listed["last_run"]["result"] == "failed"
    assert b.is_file()


def test_a_file_gone_bad_fails_with_its_place_and_keeps_the_old_charges(
        cache: Cache, two_sources: tuple[Path, Path]) -> None:
    a, b = two_sources
    kept = [tuple(r) for r in cache._rows(
        "SELECT * FROM charges WHERE source_id = 'a' ORDER BY charge_period_start")]
    lines = a.read_text(encoding="utf-8").splitlines()
    lines[2] = focus_row("2024-09-02", "two dollars", "1.75")  # line 3 of the file
    a.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shift_mtime(a)
    shift_mtime(b)  # b changed too (same content): it re-imports fine
    outcomes = {o.source: o for o in sync(cache)}
    assert outcomes["a"].result == "failed"
    message = outcomes["a"].message
    assert str(a.resolve()) in message
    assert "line 3" in message
    assert "column 'BilledCost'" in message
    assert "'two dollars' is not a number" in message
    assert outcomes["b"].result == "ok"
    assert [tuple(r) for r in cache._rows(
        "SELECT * FROM charges WHERE source_id = 'a' ORDER BY charge_period_start")] == kept
    last = runs(cache, "a")[0]
    assert (last["result"], last["rows_written"]) == ("failed", 0)
    assert "line 3" in last["error"]
    # Its fingerprint was not updated: the next sync tries it again (and fails again).
    assert results(sync(cache)) == {"a": "failed", "b": "unchanged"}


# -- which sources ----------------------------------------------------------------------


def test_names_restrict_the_sync_and_an_unknown_name_is_refused(
        cache: Cache, two_sources: tuple[Path, Path]) -> None:
    runs_of_b = len(runs(cache, "b"))
    only = sync(cache, ["a"], force=True)
    assert [(o.source, o.result) for o in only] == [("a", "ok")]
    assert len(runs(cache, "b")) == runs_of_b
    before = snapshot(cache)
    with pytest.raises(UserError, match="'nope'"):
        sync(cache, ["a", "nope"], force=True)
    assert snapshot(cache) == before  # refused before anything ran


def test_the_demo_source_is_skipped_with_a_reason(writable: Workspace,
                                                  tmp_path: Path) -> None:
    bill = write_focus(tmp_path / "bills" / "mine.csv", FIRST)
    with writable.open() as cache:
        import_file(cache, bill, source="mine")
        before = snapshot(cache)
        outcomes = {o.source: o for o in sync(cache, force=False)}
        generated = {"Demo workspace", "Demo traces (OpenTelemetry GenAI)"}
        assert set(outcomes) == {*generated, "mine"}
        for name in generated:
            assert outcomes[name].result == "skipped"
            assert "demo" in outcomes[name].message
            assert "generated" in outcomes[name].message
        assert outcomes["mine"].result == "unchanged"
        assert snapshot(cache) == before
        # Even forced, the demo's charges and traces are left alone.
        forced = {o.source: o.result for o in sync(cache, force=True)}
        assert forced == {**dict.fromkeys(generated, "skipped"), "mine": "ok"}
        assert snapshot(cache)[0] == before[0]


# -- cancel and progress ----------------------------------------------------------------


def test_a_cancel_from_the_start_cancels_every_source_and_changes_nothing(
        cache: Cache, two_sources: tuple[Path, Path]) -> None:
    for path in two_sources:
        shift_mtime(path)
    before = snapshot(cache)
    outcomes = sync(cache, force=True, cancelled=lambda: True)
    assert results(outcomes) == {"a": "cancelled", "b": "cancelled"}
    assert snapshot(cache) == before


def test_a_cancel_during_an_import_rolls_it_back_and_stops_the_rest(
        cache: Cache, two_sources: tuple[Path, Path]) -> None:
    """Only the first question (before source 'a' starts) is answered no."""
    a, _b = two_sources
    kept = figures(cache, "a"), figures(cache, "b")
    write_focus(a, {"2024-09-01": ("99", "99")})
    shift_mtime(a)
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1

    outcomes = sync(cache, force=True, cancelled=cancelled)
    assert results(outcomes) == {"a": "cancelled", "b": "cancelled"}
    assert (figures(cache, "a"), figures(cache, "b")) == kept
    assert runs(cache, "a")[0]["result"] == "cancelled"
    settings = json.loads(cache._scalar("SELECT settings FROM sources WHERE name = 'a'"))
    assert settings["files"][0]["mtime_ns"] != a.stat().st_mtime_ns  # still to be synced
    assert results(sync(cache)) == {"a": "ok", "b": "unchanged"}


def test_progress_is_told_each_source_and_a_fraction_from_0_to_1(
        cache: Cache, two_sources: tuple[Path, Path]) -> None:
    told: list[tuple[str, float]] = []
    sync(cache, force=True, progress=lambda name, share: told.append((name, share)))
    assert told
    assert {name for name, _ in told} == {"a", "b"}
    assert all(isinstance(share, float) and 0.0 <= share <= 1.0 for _, share in told)
    for name in ("a", "b"):
        shares = [share for n, share in told if n == name]
        assert shares[-1] == 1.0
        assert shares == sorted(shares)
    # The sources are told in turn, not interleaved.
    order = [name for name, _ in told]
    assert order == sorted(order)


# -- several files into one source --------------------------------------------------------


CUR_HEADER = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
              "lineItem/UsageType", "lineItem/UsageAmount", "lineItem/CurrencyCode",
              "lineItem/UnblendedCost", "lineItem/ResourceId"]


def write_cur_part(path: Path, resource: str, costs: dict[str, str],
                   currency: str = "USD") -> Path:
    rows = [[f"{day}T00:00:00Z", "Usage", "AmazonEC2", "BoxUsage:m6i.large", "24", currency,
             cost, resource] for day, cost in costs.items()]
    path.write_text("\n".join(",".join(r) for r in [CUR_HEADER, *rows]) + "\n",
                    encoding="utf-8")
    return path


def test_the_parts_of_one_months_cur_import_together(cache: Cache, tmp_path: Path) -> None:
    """A CUR month can come in several part files, each covering the whole month with
    different resources. Imported together, both parts' charges land. A file's charges
    replace its source's charges for the days it covers, so re-importing one part alone
    replaces the month with that part only: that is why the parts go in together."""
    part1 = write_cur_part(tmp_path / "cur-00001.csv", "i-one",
                           {"2025-03-01": "1.25", "2025-03-15": "2.5", "2025-03-31": "3"})
    part2 = write_cur_part(tmp_path / "cur-00002.csv", "i-two",
                           {"2025-03-01": "10", "2025-03-20": "20", "2025-03-31": "30.5"})
    done = import_files(cache, [part1, part2], source="aws")
    assert [(d.kind, d.source, d.rows_read) for d in done] == [
        ("aws-cur", "aws", 3), ("aws-cur", "aws", 3)]
    assert [d.file_billed for d in done] == [6.75, 60.5]
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges WHERE source_id = 'aws'") \
        == pytest.approx(67.25)
    assert {r[0] for r in cache._rows("SELECT DISTINCT resource_id FROM charges")} == {
        "i-one", "i-two"}
    last = runs(cache, "aws")[0]
    assert (last["result"], last["rows_read"], last["rows_written"]) == ("ok", 6, 6)
    assert last["billed_total"] == pytest.approx(67.25)
    settings = json.loads(cache._scalar("SELECT settings FROM sources WHERE name = 'aws'"))
    assert [f["path"] for f in settings["files"]] == [str(part1.resolve()),
                                                      str(part2.resolve())]
    # The source syncs as one: both parts, unchanged until one of them changes.
    assert results(sync(cache)) == {"aws": "unchanged"}
    shift_mtime(part2)
    (synced,) = sync(cache)
    assert (synced.result, synced.rows_read, synced.rows_written) == ("ok", 6, 6)
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == pytest.approx(67.25)

    # One part alone replaces the whole month with that part.
    (alone,) = import_files(cache, [part1], source="aws")
    assert alone.rows_written == 3
    assert {r[0] for r in cache._rows("SELECT DISTINCT resource_id FROM charges")} == {
        "i-one"}
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == pytest.approx(6.75)


def test_the_same_file_given_twice_is_not_counted_twice(cache: Cache,
                                                         tmp_path: Path) -> None:
    bill = write_focus(tmp_path / "bills" / "a.csv", FIRST)
    again = tmp_path / "bills" / ".." / "bills" / "a.csv"  # the same file, spelt otherwise
    with contextlib.suppress(UserError):  # refusing it is as good: nothing double counted
        import_files(cache, [bill, again], source="dup")
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") in (0.0, 7.5)


def test_files_in_different_currencies_are_refused_into_one_source(
        cache: Cache, tmp_path: Path) -> None:
    dollars = write_focus(tmp_path / "usd.csv", FIRST)
    euros = write_focus(tmp_path / "eur.csv", {"2024-09-02": ("5", "5")}, currency="EUR",
                        resource="i-eu")
    import_file(cache, dollars, source="mixed")
    before = snapshot(cache)
    with pytest.raises(UserError) as caught:
        import_files(cache, [dollars, euros], source="mixed")
    message = str(caught.value)
    assert "different currencies" in message
    assert "EUR" in message and "USD" in message
    assert "'mixed'" in message
    charges, revision, _, settings = snapshot(cache)
    assert (charges, revision, settings) == (before[0], before[1], before[3])
    last = runs(cache, "mixed")[0]
    assert last["result"] == "failed" and "different currencies" in last["error"]
    # Into a new source, nothing lands at all: not even the source.
    with pytest.raises(UserError, match="different currencies"):
        import_files(cache, [euros, dollars], source="fresh")
    assert cache._scalar("SELECT COUNT(*) FROM charges WHERE source_id = 'fresh'") == 0
    assert "fresh" not in {s["name"] for s in list_sources(cache)}


def test_a_source_synced_from_a_moved_folder_fails_until_imported_again(
        cache: Cache, two_sources: tuple[Path, Path], tmp_path: Path) -> None:
    """Moving the bills elsewhere is a 'file gone' failure, and importing from the new
    place fixes the source (its settings then point there)."""
    a, _b = two_sources
    moved = tmp_path / "moved"
    shutil.move(a.parent, moved)
    assert results(sync(cache)) == {"a": "failed", "b": "failed"}
    import_file(cache, moved / "a.csv", source="a")
    import_file(cache, moved / "b.csv", source="b")
    assert results(sync(cache)) == {"a": "unchanged", "b": "unchanged"}


def test_a_file_that_changes_while_read_is_refused_and_the_next_sync_reads_it(
        cache: Cache, tmp_path: Path) -> None:
    """Before, the fingerprint was taken after reading: the half-read content stayed in the
    cache and every later sync said "unchanged"."""
    path = write_focus(tmp_path / "growing.csv", FIRST)

    def append_while_reading() -> bool:  # an export still being written; asked as it reads
        if "2024-09-04" not in path.read_text(encoding="utf-8"):
            with path.open("a", encoding="utf-8") as file:
                file.write(focus_row("2024-09-04", "8", "7") + "\n")
            shift_mtime(path)
        return False  # not cancelled

    with pytest.raises(UserError, match=r"growing\.csv: the file changed while it was read"):
        import_file(cache, path, source="growing", cancelled=append_while_reading)
    assert cache._scalar("SELECT COUNT(*) FROM charges WHERE source_id = 'growing'") == 0
    assert [r["result"] for r in runs(cache, "growing")] == ["failed"]

    import_file(cache, path, source="growing")  # complete now: it imports, all four days
    assert figures(cache, "growing")["2024-09-04"] == (8.0, 7.0)
    assert results(sync(cache)) == {"growing": "unchanged"}

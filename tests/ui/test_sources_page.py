"""The Sources page in the main window, driven as a user would (pytest-qt, offscreen): the
list of sources, previewing files before an import (nothing written until confirmed),
importing one source per file or all together, cancelling a long import (the cache is
left as it was and the window keeps painting), syncing restated and vanished files,
renaming and removing sources, dropping files on the page, and the runs' errors in plain
words. Bills are small FOCUS files written by the tests, with totals known here."""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from tests.shared_data import sample
from tests.ui.support import open_page, written

from worthit.core.money import money
from worthit.store.cache import Cache
from worthit.sync import importer
from worthit.sync.importer import import_file
from worthit.ui.main_window import MainWindow
from worthit.ui.models.records import RecordsModel
from worthit.ui.views.sources import ImportDialog, SourcesPage
from worthit.workspace import Workspace

TIMEOUT = 30_000
HEADER = ("ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,"
          "BillingCurrency,ProviderName,ServiceName,ServiceCategory,ResourceId,Tags")
#: The real FOCUS sample in ../shared/data (tests.shared_data), relative to that folder.
SAMPLE = ("focus", "focus-1.0-sample-aws-azure-oci.csv")


# -- bills written here, with their totals --------------------------------------------------


@dataclass(frozen=True)
class Bill:
    path: Path
    lines: int
    billed: float
    effective: float
    first: dt.date
    last: dt.date


def line(day: dt.date, billed: float, effective: float, resource: str) -> str:
    return (f"{day} 00:00:00,{day} 01:00:00,{billed},{effective},{billed},USD,AWS,"
            f"Amazon EC2,Compute,{resource},")


def write_bill(path: Path, first: dt.date, days: int, *, per_day: int = 2,
               scale: float = 1.0) -> Bill:
    """A FOCUS CSV of ``days`` days from ``first``, ``per_day`` charges a day, each on its
    own resource (so every line is a charge of its own), with the sums it holds."""
    rows, billed, effective = [], 0.0, 0.0
    for d in range(days):
        for r in range(per_day):
            cost = round(scale * (1.25 + 0.5 * d + 0.125 * r), 6)
            saved = round(cost * 0.8, 6)
            rows.append(line(first + dt.timedelta(days=d), cost, saved, f"i-{r}"))
            billed += cost
            effective += saved
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return Bill(path, len(rows), billed, effective, first,
                first + dt.timedelta(days=days - 1))


def write_bad(path: Path) -> Path:
    """A FOCUS CSV whose third line has one field too many."""
    day = dt.date(2024, 9, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, line(day, 1.0, 1.0, "i-1"),
                               line(day, 2.0, 2.0, "i-2") + ",extra"]) + "\n",
                    encoding="utf-8")
    return path


# -- workspaces and the window ---------------------------------------------------------------


def empty_workspace(folder: Path) -> Workspace:
    """A workspace with nothing imported."""
    Cache.open(folder / "worthit.sqlite").close()
    return Workspace(folder)


def open_window(qtbot: QtBot, workspace: Workspace) -> tuple[MainWindow, SourcesPage]:
    win, page = open_page(qtbot, workspace, "sources", SourcesPage)
    assert page.tasks is win.tasks
    return win, page


def rows(model: RecordsModel) -> list[dict[str, str]]:
    """The table as shown: one dict of header -> display text a row."""
    headers = [model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(model.columnCount())]
    return [{h: model.data(model.index(r, c)) for c, h in enumerate(headers)}
            for r in range(model.rowCount())]


def raw(model: RecordsModel) -> list[dict[str, Any]]:
    return [model.record(r) for r in range(model.rowCount())]


def source_row(page: SourcesPage, name: str) -> dict[str, str]:
    (found,) = [r for r in rows(page.sources) if r["Source"] == name]
    return found


def cache_state(workspace: Workspace) -> tuple[Any, ...]:
    """Everything an import would change: the charges, their totals and the sources."""
    with workspace.open() as cache:
        charges = tuple(cache._conn.execute(
            "SELECT COUNT(*), MAX(rowid), TOTAL(billed_cost), TOTAL(effective_cost) "
            "FROM charges").fetchone())
        sources = tuple(tuple(r) for r in cache._rows(
            "SELECT source_id, name, kind, settings FROM sources ORDER BY source_id"))
    return charges, sources


def run_count(workspace: Workspace) -> int:
    with workspace.open() as cache:
        return int(cache._scalar("SELECT COUNT(*) FROM sync_runs"))


def finish(qtbot: QtBot, win: MainWindow, page: SourcesPage, action: Any) -> str:
    """Do ``action`` (which starts a task that changes the workspace) and wait for the
    task to end and the page to show the result; the task's one-line outcome."""
    said: list[str] = []
    win.tasks.finished.connect(said.append)
    try:
        with qtbot.waitSignals([win.tasks.finished, page.loaded], timeout=TIMEOUT,
                               order="strict"):
            assert action() is not False
    finally:
        win.tasks.finished.disconnect(said.append)
    (message,) = said
    return message


def open_preview(qtbot: QtBot, win: MainWindow, page: SourcesPage,
                 paths: list[Path]) -> ImportDialog:
    with qtbot.waitSignal(win.tasks.finished, timeout=TIMEOUT):
        assert page.preview(paths)
    dialog = page.import_dialog
    assert isinstance(dialog, ImportDialog)
    assert dialog.isVisible()
    return dialog


# -- the list ----------------------------------------------------------------------------------


def test_an_empty_workspace_says_how_to_begin_and_the_demo_lists_its_source(
    qtbot: QtBot, tmp_path: Path, writable: Workspace
) -> None:
    win, page = open_window(qtbot, empty_workspace(tmp_path / "empty"))
    assert page.sources.rowCount() == 0
    assert page.runs.rowCount() == 0
    assert page.status.isVisibleTo(page)
    assert page.status.text().startswith("No sources yet")
    assert "no data yet" in win.freshness.text()
    win.close()

    win, page = open_window(qtbot, writable)
    listed = {row["Source"]: row for row in rows(page.sources)}
    assert set(listed) == {"Demo workspace", "Demo traces (OpenTelemetry GenAI)"}
    assert listed["Demo traces (OpenTelemetry GenAI)"]["Kind"] == "Demo (generated)"
    demo = listed["Demo workspace"]
    assert demo["Kind"] == "Demo (generated)"
    assert demo["Scope"] == "generated on this machine"
    with writable.open() as cache:
        count, effective, first, last = cache._conn.execute(
            "SELECT COUNT(*), TOTAL(effective_cost), MIN(charge_period_start), "
            "MAX(charge_period_start) FROM charges").fetchone()
    assert demo["Charges"] == f"{count:,}"
    assert demo["Effective cost"] == money(effective)
    assert demo["Period"] == f"{first} to {last}"
    assert not page.status.isVisibleTo(page)


# -- preview, then import -----------------------------------------------------------------------


def test_a_preview_shows_what_the_files_hold_and_only_the_good_one_is_imported(
    qtbot: QtBot, tmp_path: Path
) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    good = write_bill(tmp_path / "bills" / "good.csv", dt.date(2024, 9, 1), 5)
    bad = write_bad(tmp_path / "bills" / "bad.csv")
    win, page = open_window(qtbot, workspace)
    before, runs_before = cache_state(workspace), run_count(workspace)
    freshness = win.freshness.text()

    dialog = open_preview(qtbot, win, page, [good.path, bad])
    shown, held = rows(dialog.model), raw(dialog.model)
    assert [r["File"] for r in shown] == ["good.csv", "bad.csv"]
    assert shown[0]["Recognised as"] == "FOCUS"
    assert shown[0]["Period"] == f"{good.first} to {good.last}"
    assert held[0]["rows"] == good.lines == 10
    assert held[0]["billed"] == pytest.approx(good.billed, abs=1e-6)
    assert held[0]["effective"] == pytest.approx(good.effective, abs=1e-6)
    assert shown[0]["Billed"] == money(good.billed)
    assert not shown[0]["Problem"]
    assert "bad.csv, line 3" in shown[1]["Problem"]
    assert "expected 11 fields, found 12" in shown[1]["Problem"]
    assert not shown[1]["Recognised as"]
    assert dialog.paths == [good.path]
    assert dialog.import_button.isEnabled()
    # Reading wrote nothing.
    assert cache_state(workspace) == before
    assert run_count(workspace) == runs_before
    assert page.sources.rowCount() == 0

    outcome = finish(qtbot, win, page, dialog.import_button.click)
    assert outcome.endswith("done")
    assert f"into file:good.csv: {good.first} to {good.last}" in page.status.text()
    (listed,) = rows(page.sources)
    assert listed["Source"] == "file:good.csv"
    assert listed["Kind"] == "FOCUS"
    assert listed["Scope"] == "good.csv"
    assert listed["Period"] == f"{good.first} to {good.last}"
    assert listed["Charges"] == "10"
    assert listed["Effective cost"] == money(good.effective)
    assert raw(page.sources)[0]["effective_cost"] == pytest.approx(good.effective, abs=0.01)
    assert listed["Result"] == "ok"
    (run,) = rows(page.runs)
    assert run["Source"] == "file:good.csv"
    assert run["Result"] == "ok"
    assert run["Lines read"] == run["Charges"] == "10"
    assert run["Billed, source"] == run["Billed, cache"] == money(good.billed)
    assert not page.run_detail.isVisibleTo(page)
    # The status bar's freshness follows the new data.
    assert win.freshness.text() != freshness
    assert win.freshness.text().endswith(f"data through {good.last.isoformat()}")
    with workspace.open() as cache:
        assert cache._scalar("SELECT COUNT(*) FROM charges") == 10


def test_files_imported_together_make_one_source(qtbot: QtBot, tmp_path: Path) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    part1 = write_bill(tmp_path / "bills" / "part1.csv", dt.date(2024, 10, 1), 3)
    part2 = write_bill(tmp_path / "bills" / "part2.csv", dt.date(2024, 10, 4), 4,
                       per_day=3, scale=2.0)
    win, page = open_window(qtbot, workspace)

    dialog = open_preview(qtbot, win, page, [part1.path, part2.path])
    assert dialog.together.isChecked()  # several good files: together by default
    dialog.separate.setChecked(True)
    dialog.together.click()
    dialog.name.setText("  October bill  ")
    assert dialog.source_name() == "October bill"
    finish(qtbot, win, page, dialog.import_button.click)

    (listed,) = rows(page.sources)
    assert listed["Source"] == "October bill"
    assert listed["Kind"] == "FOCUS"
    assert listed["Scope"] == f"2 files in {part1.path.parent}"
    assert listed["Period"] == f"{part1.first} to {part2.last}"
    assert listed["Charges"] == f"{part1.lines + part2.lines}" == "18"
    assert listed["Effective cost"] == money(part1.effective + part2.effective)
    (run,) = raw(page.runs)
    assert run["result"] == "ok"
    assert run["source_billed_total"] == pytest.approx(part1.billed + part2.billed, abs=1e-6)
    assert run["billed_total"] == pytest.approx(part1.billed + part2.billed, abs=0.01)


def test_one_source_per_file_when_asked(qtbot: QtBot, tmp_path: Path) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    a = write_bill(tmp_path / "bills" / "a.csv", dt.date(2024, 10, 1), 2)
    b = write_bill(tmp_path / "bills" / "b.csv", dt.date(2024, 10, 1), 2, scale=3.0)
    win, page = open_window(qtbot, workspace)
    dialog = open_preview(qtbot, win, page, [a.path, b.path])
    dialog.separate.click()
    assert dialog.source_name() is None
    finish(qtbot, win, page, dialog.import_button.click)
    assert {r["Source"]: r["Effective cost"] for r in rows(page.sources)} == {
        "file:a.csv": money(a.effective), "file:b.csv": money(b.effective)}


# -- cancel ------------------------------------------------------------------------------------


BIG_LINES, BIG_RESOURCES, BIG_DAYS = 300_000, 5_000, 30
#: Line i is resource i % 5,000 on day i % 30: the pairs repeat every lcm(5,000, 30) lines.
BIG_CHARGES = math.lcm(BIG_RESOURCES, BIG_DAYS)


@pytest.fixture(scope="module")
def big_bill(tmp_path_factory: pytest.TempPathFactory) -> Bill:
    """300,000 FOCUS lines (27 MB, read by DuckDB): hourly-style lines of 5,000 resources
    over 30 days, which add up to 15,000 daily charges. A few seconds' import."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    first = dt.date(2024, 9, 1)
    days = [str(first + dt.timedelta(days=d)) for d in range(BIG_DAYS)]
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER + "\n")
        file.writelines(
            f"{days[i % BIG_DAYS]} 00:00:00,{days[i % BIG_DAYS]} 01:00:00,0.25,0.125,0.25,"
            f"USD,AWS,Amazon EC2,Compute,i-{i % BIG_RESOURCES},\n" for i in range(BIG_LINES))
    return Bill(path, BIG_LINES, 0.25 * BIG_LINES, 0.125 * BIG_LINES, first,
                first + dt.timedelta(days=BIG_DAYS - 1))


HOLD_S = 60  # the longest a held worker waits for the test: a limit for a hang, not a speed


class Gate:
    """Holds a worker mid-task until the test opens it, and keeps which threads came. The
    UI thread is never held (the test would hang): work run there shows in ``threads``."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()
        self.threads: set[threading.Thread] = set()

    def hold(self) -> None:
        here = threading.current_thread()
        self.threads.add(here)
        self.reached.set()
        if here is not threading.main_thread():
            self.opened.wait(HOLD_S)

    @property
    def holding(self) -> bool:
        return self.reached.is_set() and not self.opened.is_set()


@pytest.fixture
def hold_import(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Gate]]:
    """Called, makes ``import_files`` (as the page calls it) hold at its first check for
    a cancel on the thread that runs it, while it reads the file (every later batch checks
    again), until the test opens the gate it returns."""
    gates: list[Gate] = []

    def arm() -> Gate:
        gate, real = Gate(), importer.import_files

        def held(*args: Any, cancelled: Callable[[], bool], **kwargs: Any) -> Any:
            worker = threading.current_thread()

            def check() -> bool:
                if threading.current_thread() is worker:  # not DuckDB's watcher thread
                    gate.hold()
                return cancelled()

            return real(*args, cancelled=check, **kwargs)

        monkeypatch.setattr(importer, "import_files", held)
        gates.append(gate)
        return gate

    yield arm
    for gate in gates:
        gate.opened.set()  # a failed test leaves no worker held


def assert_ui_runs_while_held(qtbot: QtBot, gate: Gate, win: MainWindow) -> None:
    """The worker is stopped mid-import; a callback queued on the UI thread's event loop
    runs meanwhile, with the task still running: the import is not on the UI thread."""
    qtbot.waitUntil(gate.reached.is_set, timeout=TIMEOUT)
    seen: list[tuple[bool, bool]] = []
    QTimer.singleShot(0, lambda: seen.append((gate.holding, win.tasks.busy)))
    qtbot.waitUntil(lambda: bool(seen), timeout=TIMEOUT)
    assert seen == [(True, True)], "the UI thread ran only once the import had stopped"
    assert gate.threads, "the import never checked for a cancel"
    assert threading.main_thread() not in gate.threads, "the import ran on the UI thread"


def test_cancelling_an_import_leaves_the_cache_as_it_was_and_the_window_responsive(
    qtbot: QtBot, tmp_path: Path, big_bill: Bill, hold_import: Callable[[], Gate]
) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    # The same source already holds an earlier bill for some of the same days.
    earlier = write_bill(tmp_path / "bills" / "earlier.csv", dt.date(2024, 9, 1), 10)
    with workspace.open() as cache:
        import_file(cache, earlier.path, source="cloud")
    win, page = open_window(qtbot, workspace)
    before = cache_state(workspace)
    assert before[0][0] == earlier.lines

    gate = hold_import()
    with qtbot.waitSignal(win.tasks.finished, timeout=60_000) as ended:
        assert page.import_files([big_bill.path], "cloud")
        assert win.tasks.isVisibleTo(win)
        assert win.tasks.cancel_button.isEnabled()
        # One task at a time: a sync asked for meanwhile is refused.
        assert page.sync_now() is False
        # The worker is under way, held at its first check for a cancel while it reads
        # the file (not a sleep hoping it has started): the UI thread runs meanwhile.
        assert_ui_runs_while_held(qtbot, gate, win)
        assert win.tasks.busy, "the import ended before it could be cancelled"
        win.tasks.cancel_button.click()
        assert not win.tasks.cancel_button.isEnabled()
        assert win.tasks.label.text() == "Importing 1 file: cancelling…"
        gate.opened.set()  # the worker goes on, and hears the cancel
    qtbot.waitSignal(page.loaded, timeout=TIMEOUT).wait()

    message = ended.args[0]
    assert message == "Importing 1 file: cancelled; nothing was changed"
    assert page.status.text() == message
    assert not win.tasks.isVisibleTo(win)
    assert cache_state(workspace) == before
    listed = source_row(page, "cloud")
    assert listed["Charges"] == f"{earlier.lines}"
    assert listed["Effective cost"] == money(earlier.effective)
    assert listed["Result"] == "cancelled"
    latest = rows(page.runs)[0]
    assert latest["Source"] == "cloud"
    assert latest["Result"].startswith("cancelled")
    assert [r["Result"] for r in rows(page.runs)[1:]] == ["ok"]


def test_a_large_import_runs_on_a_worker_and_reconciles(
    qtbot: QtBot, tmp_path: Path, big_bill: Bill, hold_import: Callable[[], Gate]
) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    win, page = open_window(qtbot, workspace)
    gate = hold_import()

    def import_and_look() -> None:
        assert page.import_files([big_bill.path], None)
        # The UI thread handles events while the worker is mid-read; then it goes on.
        assert_ui_runs_while_held(qtbot, gate, win)
        gate.opened.set()

    outcome = finish(qtbot, win, page, import_and_look)
    assert outcome == "Importing 1 file: done"
    listed = source_row(page, "file:big.csv")
    assert listed["Charges"] == f"{BIG_CHARGES:,}" == "15,000"
    assert listed["Effective cost"] == money(big_bill.effective)
    assert listed["Period"] == f"{big_bill.first} to {big_bill.last}"
    (run,) = raw(page.runs)
    assert run["rows_read"] == BIG_LINES
    assert run["source_billed_total"] == pytest.approx(big_bill.billed, abs=1e-6)
    assert run["billed_total"] == pytest.approx(big_bill.billed, abs=0.01)
    assert win.freshness.text().endswith(f"data through {big_bill.last}")


def test_the_bar_moves_while_a_large_file_is_imported(
    qtbot: QtBot, tmp_path: Path, big_bill: Bill
) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    win, page = open_window(qtbot, workspace)
    moved: list[int] = []
    win.tasks.bar.valueChanged.connect(moved.append)
    finish(qtbot, win, page, lambda: page.import_files([big_bill.path], None))
    listed = source_row(page, "file:big.csv")
    assert listed["Charges"] == f"{BIG_CHARGES:,}" == "15,000"
    assert listed["Effective cost"] == money(big_bill.effective)
    assert [v for v in moved if 0 < v < 1000], moved


# -- sync --------------------------------------------------------------------------------------


def test_sync_reimports_a_restated_file_and_reports_a_vanished_one(
    qtbot: QtBot, tmp_path: Path
) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    first = write_bill(tmp_path / "bills" / "aws.csv", dt.date(2024, 9, 1), 4)
    with workspace.open() as cache:
        import_file(cache, first.path)
    win, page = open_window(qtbot, workspace)
    assert source_row(page, "file:aws.csv")["Effective cost"] == money(first.effective)

    restated = write_bill(first.path, dt.date(2024, 9, 1), 4, per_day=3, scale=1.5)
    stat = first.path.stat()
    os.utime(first.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert restated.effective != pytest.approx(first.effective)
    outcome = finish(qtbot, win, page, page.sync_now)
    assert outcome == "Syncing: done"
    assert page.status.text().startswith("file:aws.csv: ok: 1 file")
    listed = source_row(page, "file:aws.csv")
    assert listed["Effective cost"] == money(restated.effective)
    assert listed["Charges"] == f"{restated.lines}" == "12"
    assert listed["Result"] == "ok"
    assert [r["Result"] for r in rows(page.runs)] == ["ok", "ok"]

    first.path.unlink()
    finish(qtbot, win, page, page.sync_now)
    listed = source_row(page, "file:aws.csv")
    assert listed["Result"] == "failed"
    assert listed["Effective cost"] == money(restated.effective)  # what it had stays
    latest = rows(page.runs)[0]
    assert latest["Result"].startswith("failed: source 'file:aws.csv': aws.csv no longer "
                                       "exists")
    assert str(tmp_path) not in latest["Result"]
    assert page.run_detail.isVisibleTo(page)
    detail = page.run_detail.text()
    assert detail.startswith("Latest failure (file:aws.csv, ")
    assert f"{first.path} no longer exists; import the files again" in detail
    assert "file:aws.csv: failed: source 'file:aws.csv'" in page.status.text()


# -- rename and remove -------------------------------------------------------------------------


def test_rename_and_remove_update_the_list(qtbot: QtBot, tmp_path: Path) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    aws = write_bill(tmp_path / "bills" / "aws.csv", dt.date(2024, 9, 1), 3)
    gcp = write_bill(tmp_path / "bills" / "gcp.csv", dt.date(2024, 9, 1), 2, scale=2.0)
    with workspace.open() as cache:
        import_file(cache, aws.path, source="AWS")
        import_file(cache, gcp.path, source="GCP")
    _, page = open_window(qtbot, workspace)
    assert [r["Source"] for r in rows(page.sources)] == ["AWS", "GCP"]

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.rename("AWS", "Amazon")
    assert page.status.text() == "Renamed 'AWS' to 'Amazon'."
    assert [r["Source"] for r in rows(page.sources)] == ["Amazon", "GCP"]
    # Its charges and runs went with it.
    assert source_row(page, "Amazon")["Effective cost"] == money(aws.effective)
    assert source_row(page, "Amazon")["Result"] == "ok"
    assert sorted(r["Source"] for r in rows(page.runs)) == ["Amazon", "GCP"]

    listed = rows(page.sources)
    page.rename("Amazon", "GCP")
    written(workspace)
    assert page.status.isVisibleTo(page)
    assert page.status.text() == "There is already a source 'GCP'."
    assert rows(page.sources) == listed
    with workspace.open() as cache:
        assert sorted(r[0] for r in cache._rows("SELECT name FROM sources")) == [
            "Amazon", "GCP"]

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.remove("GCP")
    assert page.status.text() == f"Removed 'GCP' and its {gcp.lines:,} charges."
    assert [r["Source"] for r in rows(page.sources)] == ["Amazon"]
    assert [r["Source"] for r in rows(page.runs)] == ["Amazon"]
    with workspace.open() as cache:
        assert cache._scalar("SELECT COUNT(*) FROM charges") == aws.lines


def test_choosing_a_source_shows_only_its_runs(qtbot: QtBot, tmp_path: Path) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    aws = write_bill(tmp_path / "bills" / "aws.csv", dt.date(2024, 9, 1), 3)
    with workspace.open() as cache:
        import_file(cache, aws.path, source="AWS")
        import_file(cache, aws.path, source="AWS")
        import_file(cache, aws.path, source="GCP")
    _, page = open_window(qtbot, workspace)
    assert not page.edit_button.isEnabled() and not page.remove_button.isEnabled()
    assert page.runs.rowCount() == 3
    proxy = page.sources_view.model()
    (row,) = [r for r in range(proxy.rowCount())
              if proxy.index(r, 0).data() == "AWS"]
    page.sources_view.selectRow(row)
    assert page.edit_button.isEnabled() and page.remove_button.isEnabled()
    assert page.runs_title.text() == "Runs of AWS"
    assert [r["Source"] for r in rows(page.runs)] == ["AWS", "AWS"]
    page.sources_view.clearSelection()
    assert page.runs_title.text() == "Runs"
    assert page.runs.rowCount() == 3


# -- drag and drop -----------------------------------------------------------------------------


def drop_event(kind: type[QDropEvent], *urls: QUrl) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls(list(urls))
    where = QPoint(40, 40) if kind is QDragEnterEvent else QPointF(40, 40)
    event = kind(where, Qt.DropAction.CopyAction, mime,
                 Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    event.ignore()
    # The event does not own the data: keep it alive as long as the event.
    event._mime = mime  # type: ignore[attr-defined]
    return event


def test_dropping_files_on_the_page_previews_them(qtbot: QtBot, tmp_path: Path) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    bill = write_bill(tmp_path / "bills" / "dropped.csv", dt.date(2024, 11, 1), 2)
    win, page = open_window(qtbot, workspace)
    assert page.acceptDrops()

    web = drop_event(QDragEnterEvent, QUrl("https://example.com/bill.csv"))
    QApplication.sendEvent(page, web)
    assert not web.isAccepted()
    local = drop_event(QDragEnterEvent, QUrl.fromLocalFile(str(bill.path)))
    QApplication.sendEvent(page, local)
    assert local.isAccepted()

    drop = drop_event(QDropEvent, QUrl.fromLocalFile(str(bill.path)))
    with qtbot.waitSignal(win.tasks.finished, timeout=TIMEOUT):
        QApplication.sendEvent(page, drop)
        assert drop.isAccepted()
    dialog = page.import_dialog
    assert dialog.isVisible()
    assert dialog.paths == [bill.path]
    (shown,) = rows(dialog.model)
    assert (shown["File"], shown["Recognised as"]) == ("dropped.csv", "FOCUS")
    assert raw(dialog.model)[0]["rows"] == bill.lines
    assert page.sources.rowCount() == 0  # nothing imported by the drop itself
    dialog.reject()


# -- errors in plain words ---------------------------------------------------------------------


def test_a_failed_run_reads_with_the_file_name_not_its_folder(
    qtbot: QtBot, tmp_path: Path
) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    bad = write_bad(tmp_path / "deep" / "folder" / "bad.csv")
    win, page = open_window(qtbot, workspace)
    finish(qtbot, win, page, lambda: page.import_files([bad], None))
    assert page.sources.rowCount() == 0
    (run,) = rows(page.runs)
    assert run["Source"] == "file:bad.csv"
    assert run["Result"] == "failed: bad.csv, line 3: expected 11 fields, found 12"
    assert raw(page.runs)[0]["tooltip"] == f"{bad}, line 3: expected 11 fields, found 12"
    assert page.run_detail.text().endswith(f"{bad}, line 3: expected 11 fields, found 12")


def test_a_failed_import_into_an_empty_workspace_keeps_its_message(
    qtbot: QtBot, tmp_path: Path
) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    bad = write_bad(tmp_path / "bills" / "bad.csv")
    win, page = open_window(qtbot, workspace)
    assert page.status.text().startswith("No sources yet")
    finish(qtbot, win, page, lambda: page.import_files([bad], None))
    assert page.status.text() == f"{bad}, line 3: expected 11 fields, found 12"


def test_a_failed_run_reads_with_the_file_name_when_a_folder_has_a_space(
    qtbot: QtBot, tmp_path: Path
) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    bad = write_bad(tmp_path / "My Bills" / "2024" / "bad.csv")
    win, page = open_window(qtbot, workspace)
    finish(qtbot, win, page, lambda: page.import_files([bad], None))
    (run,) = rows(page.runs)
    assert run["Result"] == "failed: bad.csv, line 3: expected 11 fields, found 12"


def test_the_real_focus_sample_previews_and_imports(qtbot: QtBot, tmp_path: Path) -> None:
    real = sample(*SAMPLE)
    workspace = empty_workspace(tmp_path / "ws")
    win, page = open_window(qtbot, workspace)
    dialog = open_preview(qtbot, win, page, [real])
    (held,) = raw(dialog.model)
    # The README of ../shared/data gives the raw column sums.
    assert (held["kind"], held["rows"]) == ("FOCUS", 1000)
    assert held["billed"] == pytest.approx(20.520227, abs=1e-6)
    assert held["effective"] == pytest.approx(14.976514, abs=1e-6)
    finish(qtbot, win, page, dialog.import_button.click)
    (listed,) = raw(page.sources)
    assert listed["effective_cost"] == pytest.approx(14.976514, abs=0.01)
    assert rows(page.runs)[0]["Result"] == "ok"

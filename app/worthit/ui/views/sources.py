"""Sources: where the workspace's figures come from, and bringing in a manager's own bills.

The page lists each source (kind, scope, period, charges, total, last run) and the history
of runs with their errors in plain words. "Import files…" (or dropping files on the page)
first reads the files without writing and shows what was recognised (kind, period, lines,
totals, or why a file is refused), then imports on confirmation. Imports and syncs run on
a worker, with progress and Cancel in the status bar; a cancel leaves the cache as it was.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from worthit.core.errors import UserError
from worthit.core.money import money
from worthit.core.periods import Period
from worthit.core.plural import plural
from worthit.store.cache import Cache
from worthit.ui import theme
from worthit.ui.demo_notice import confirm_demo_import, holds_demo
from worthit.ui.drops import accept_files, dropped_files
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.views.page import Page
from worthit.ui.widgets.tables import empty_note, sortable_table
from worthit.ui.widgets.task_bar import TaskBar
from worthit.workspace import Workspace

KIND_NAMES = {"focus": "FOCUS", "aws-cur": "AWS CUR", "azure": "Azure export",
              "gcp": "GCP export", "demo": "Demo (generated)", "files": "Billing files"}
BILL_FILES = "Billing files (*.csv *.csv.gz *.gz *.parquet *.json *.jsonl);;All files (*)"


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind.removesuffix("-file"), kind)


def _result_tone(record: dict[str, Any]) -> str | None:
    c = theme.colours()
    return {"ok": c.good, "failed": c.bad, "cancelled": c.muted}.get(record.get("result"))


def _when(stamp: str | None) -> str:
    return "" if not stamp else stamp[:16].replace("T", " ")


RUNS_EMPTY = ("No runs yet. Each import and each Sync now is listed here: the lines read, "
              "the charges written and the totals checked against the bill.")


def _runs_empty(source: dict[str, Any] | None, sources: list[dict[str, Any]]) -> str:
    """What the empty runs table says, for the selected source (None: all ``sources``)."""
    if source is None and sources and all(s["kind"] == "demo" for s in sources):
        source = sources[0]
    if source is None:
        return RUNS_EMPTY
    if source["kind"] == "demo":
        return (f"No runs of {source['name']}: its charges were generated on this machine, "
                "not imported. Runs of your own files and live sources are listed here.")
    return (f"No runs of {source['name']} yet. Sync now reads it again; each run is listed "
            "here with the lines read, the charges written and the totals checked.")


class SourcesPage(Page):
    name = "sources"
    title = "Sources"

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.tasks: TaskBar | None = None  # the window's; else the page shows its own
        self._own_tasks = TaskBar()
        self.setAcceptDrops(True)
        intro = QLabel("Where this workspace's figures come from. Import billing files "
                       "(FOCUS 1.0–1.4, AWS CUR, Azure and GCP exports; CSV, CSV.gz or "
                       "Parquet) or drop them on this page; Sync now re-imports files that "
                       "changed. Keys for live sources stay in the system keyring.",
                       objectName="Readout")
        intro.setWordWrap(True)
        self.body.addWidget(intro)

        actions = QHBoxLayout()
        self.import_button = QPushButton("Import files…")
        self.import_button.clicked.connect(self.choose_files)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setToolTip("Re-import every source whose files changed")
        self.sync_button.clicked.connect(self.sync_now)
        self.add_button = QPushButton("Add live source…")
        self.add_button.setToolTip("OpenAI, Anthropic, AWS and other APIs, synced by Worthit")
        self.add_button.clicked.connect(lambda: self.edit_source(None))
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("A live source's settings and key; a file source's name")
        self.edit_button.clicked.connect(self._edit)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_selected)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.clicked.connect(self._remove)
        for button in (self.import_button, self.add_button, self.sync_button,
                       self.edit_button, self.test_button, self.remove_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self._own_tasks)
        self.body.addLayout(actions)
        self.status = QLabel(objectName="Readout")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.hide()
        self.body.addWidget(self.status)

        self.sources = RecordsModel([
            Column("Source", "name"),
            Column("Kind", "kind", kind_name),
            Column("Scope", "scope"),
            Column("Period", "period"),
            Column("Charges", "rows", lambda v: f"{v:,}", numeric=True),
            Column("Effective cost", "effective_cost", money, numeric=True),
            Column("Last run (UTC)", "last_at", _when),
            Column("Result", "result", tone=_result_tone),
        ], self)
        self.sources_view = sortable_table(
            self.sources, stretch=2,
            empty="No sources yet. Import billing files… (or drop them on this page) or "
                  "Add live source…: each source is listed here with its period, charges "
                  "and total.")
        self.sources_view.selectionModel().selectionChanged.connect(self._selected)
        self.body.addWidget(self.sources_view, 3)

        self.runs_title = QLabel("Runs", objectName="SectionTitle")
        self.body.addWidget(self.runs_title)
        self.runs = RecordsModel([
            Column("Finished (UTC)", "finished_at", _when),
            Column("Source", "source"),
            Column("Period", "period"),
            Column("Lines read", "rows_read", lambda v: f"{v:,}", numeric=True),
            Column("Charges", "rows_written", lambda v: f"{v:,}", numeric=True),
            Column("Requests", "requests", lambda v: f"{v:,}", numeric=True),
            Column("Billed, source", "source_billed_total", money, numeric=True),
            Column("Billed, cache", "billed_total", money, numeric=True),
            Column("Result", "outcome", tone=_result_tone),
        ], self)
        self.runs_view = sortable_table(self.runs, stretch=8, empty=RUNS_EMPTY)
        self.runs_view.setWordWrap(False)
        self.runs_view.selectionModel().selectionChanged.connect(self._run_selected)
        self.body.addWidget(self.runs_view, 2)
        self.run_detail = QLabel(objectName="Bad")
        self.run_detail.setTextFormat(Qt.TextFormat.PlainText)
        self.run_detail.setWordWrap(True)
        self.run_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.run_detail)
        self._selected_name: str | None = None
        self._update_buttons()

    # -- data -------------------------------------------------------------------------

    @staticmethod
    def compute(cache: Cache, period: Period) -> dict[str, Any]:
        from worthit.store.sources import list_sources, names_by_id, runs, settings_by_name

        del period  # sources are not bound to the period on show
        found = list_sources(cache)
        scopes = settings_by_name(cache)
        for source in found:
            source["scope"] = _scope(source["kind"], scopes.get(source["name"]))
            source["period"] = (f"{source['first_day']} to {source['last_day']}"
                                if source["first_day"] else "no charges")
            last = source["last_run"] or {}
            source["last_at"] = last.get("finished_at")
            source["result"] = last.get("result", "")
            source["tooltip"] = last.get("error")
        names = names_by_id(cache)
        history = runs(cache)
        for run in history:
            run["source"] = names.get(run["source"], run["source"])
            run["period"] = (f"{run['period_start']} to {run['period_end']}"
                             if run["period_start"] else "")
            run["tooltip"] = run["error"]
            short = _without_folders(run["error"])
            run["outcome"] = f"{run['result']}: {short}" if short else run["result"]
        return {"sources": found, "runs": history}

    def show_result(self, result: dict[str, Any]) -> None:
        self.result = result
        self.sources.set_records(result["sources"])
        self._show_runs()
        self._update_buttons()
        if not result["sources"] and not self.status.text():
            self.say("No sources yet: import billing files to begin.")

    def _show_runs(self) -> None:
        history = self.result["runs"]
        if self._selected_name:
            history = [r for r in history if r["source"] == self._selected_name]
        self.runs.set_records(history)
        self.runs_title.setText(f"Runs of {self._selected_name}" if self._selected_name
                                else "Runs")
        note = empty_note(self.runs_view)
        if note is not None:
            note.setText(_runs_empty(self._selected_source(), self.result["sources"]))
        failed = next((r for r in history if r["error"]), None)
        self._show_run_error(failed, "Latest failure")

    def _run_selected(self) -> None:
        rows = self.runs_view.selectionModel().selectedRows()
        if rows:
            row = self.runs_view.model().mapToSource(rows[0]).row()  # type: ignore[attr-defined]
            self._show_run_error(self.runs.record(row), "Selected run")

    def _show_run_error(self, run: dict[str, Any] | None, what: str) -> None:
        if run is None or not run["error"]:
            self.run_detail.setText("")
            self.run_detail.hide()
            return
        self.run_detail.setText(f"{what} ({run['source']}, {_when(run['finished_at'])} UTC): "
                                f"{run['error']}")
        self.run_detail.show()

    def _selected(self) -> None:
        rows = self.sources_view.selectionModel().selectedRows()
        if rows:
            row = self.sources_view.model().mapToSource(rows[0]).row()  # type: ignore[attr-defined]
            self._selected_name = self.sources.record(row)["name"]
        else:
            self._selected_name = None
        if hasattr(self, "result"):
            self._show_runs()
        self._update_buttons()

    def _selected_source(self) -> dict[str, Any] | None:
        if self._selected_name is None or not hasattr(self, "result"):
            return None
        return next((s for s in self.result["sources"] if s["name"] == self._selected_name),
                    None)

    def _update_buttons(self) -> None:
        from worthit.sources.connectors import connectors

        chosen = self._selected_source()
        live = chosen is not None and chosen["kind"] in connectors()
        self.edit_button.setEnabled(chosen is not None)
        self.remove_button.setEnabled(chosen is not None)
        self.test_button.setEnabled(live)

    def _task_bar(self) -> TaskBar:
        return self.tasks if self.tasks is not None else self._own_tasks

    def _run(self, title: str, work: Any, done: Any, failed: Any) -> bool:
        from worthit.sources.connectors import connectors
        from worthit.ui import workers

        connectors()  # the connector modules, and what their workers will import,
        workers.preload(*workers.NETWORK_MODULES)  # on this thread (see preload)
        started = self._task_bar().run(title, work, done=done, failed=failed)
        if not started:
            self.say("Another task is running: wait for it, or cancel it in the status bar.")
        return started

    def say(self, message: str) -> None:
        self.status.setText(message)
        self.status.setVisible(bool(message))

    def _finished(self, message: str) -> None:
        self.say(message)
        self.reload()
        self.data_changed.emit()

    # -- import -----------------------------------------------------------------------

    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import billing files", "", BILL_FILES)
        if names:
            self.preview([Path(n) for n in names])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        accept_files(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_files(event)
        if paths:
            self.preview(paths)

    def preview(self, paths: list[Path]) -> bool:
        """Read the files without writing, then show what they hold before importing."""
        from worthit.sync.importer import preview_file

        def work(cancelled: Any, progress: Any) -> list[Any]:
            out: list[Any] = []
            for number, path in enumerate(paths):
                progress(number / len(paths), f"reading {path.name}")
                try:
                    out.append(preview_file(path, cancelled=cancelled, progress=_part(
                        progress, number, len(paths), path.name)))
                except UserError as error:
                    out.append(str(error))
            return out

        return self._run(
            f"Reading {plural(len(paths), 'file')}", work,
            lambda found: self._confirm_import(paths, found), self.say)

    def _confirm_import(self, paths: list[Path], found: list[Any]) -> None:
        dialog = ImportDialog(paths, found, self)
        self.import_dialog = dialog
        dialog.accepted.connect(lambda: self.import_files(dialog.paths, dialog.source_name()))
        self.show_dialog(dialog)

    def import_files(self, paths: list[Path], source: str | None) -> bool:
        """Import on a worker: ``source`` takes them all together, None one per file.
        Into the demo workspace only once the user said so (its money is invented)."""
        from worthit.sync.importer import import_files

        if holds_demo(self.workspace) and not confirm_demo_import(self):
            self.say("Nothing imported: this is the demo workspace.")
            return False
        workspace = self.workspace
        batches = [paths] if source else [[p] for p in paths]

        def work(cancelled: Any, progress: Any) -> list[str]:
            lines = []
            with workspace.open() as cache:
                kept_from = cache.last_load()  # files given together never replace each other
                for number, batch in enumerate(batches):
                    try:
                        done = import_files(cache, batch, source=source, cancelled=cancelled,
                                            kept_from=kept_from,
                                            progress=_part(progress, number, len(batches),
                                                           batch[0].name))
                    except UserError as error:
                        lines.append(str(error))
                        continue
                    lines.append(f"{plural(len(done), 'file')} into {done[0].source}: "
                                 f"{done[0].first} to {done[-1].last}, reconciled to $0.01")
            return lines

        return self._run(
            f"Importing {plural(len(paths), 'file')}", work,
            lambda lines: self._finished("\n".join(lines)), self._finished)

    # -- sync, rename, remove --------------------------------------------------------

    def sync_now(self) -> bool:
        from worthit.sync import sync

        workspace = self.workspace

        def work(cancelled: Any, progress: Any) -> list[str]:
            with workspace.open() as cache:
                outcomes = sync(cache, cancelled=cancelled,
                                progress=lambda name, share: progress(share, name))
            return [f"{o.source}: {o.result}: {o.message}" for o in outcomes]

        return self._run("Syncing", work, lambda lines: self._finished("\n".join(lines)),
                         self._finished)

    def _edit(self) -> None:
        from worthit.sources.connectors import connectors

        chosen = self._selected_source()
        if chosen is None:
            return
        if chosen["kind"] in connectors():
            self.edit_source(chosen["name"])
        else:
            self._rename()

    def edit_source(self, name: str | None) -> QWidget:
        """The form for a new live source (``name`` None) or an existing one."""
        from worthit.store.sources import kind_and_settings
        from worthit.ui.views.source_dialog import SourceDialog

        kind, settings = None, {}
        if name is not None:
            with self.workspace.open() as cache:
                kind, settings = kind_and_settings(cache, name)
        dialog = SourceDialog(self.workspace, self, name=name, kind=kind, settings=settings)
        dialog.saved.connect(lambda saved: self._finished(
            f"Saved source {saved!r}; Sync now fetches it."))
        self.source_dialog = dialog
        return self.show_dialog(dialog)

    def test_selected(self) -> bool:
        """Test the selected live source's connection on a worker."""
        from worthit.sync import test_source

        name, workspace = self._selected_name, self.workspace
        if name is None:
            return False

        def work(cancelled: Any, progress: Any) -> str:
            del cancelled, progress
            with workspace.open() as cache:
                return test_source(cache, name)

        return self._run(f"Testing {name}", work, self.say, self.say)

    def _rename(self) -> None:
        old = self._selected_name
        if old is None:
            return
        new, ok = QInputDialog.getText(self, "Rename source", "New name:",
                                       QLineEdit.EchoMode.Normal, old)
        if ok and new.strip() and new.strip() != old:
            self.rename(old, new.strip())

    def rename(self, old: str, new: str) -> None:
        from worthit.store.sources import rename_source

        def renamed(_: None) -> None:
            self._selected_name = None
            self._finished(f"Renamed {old!r} to {new!r}.")

        self.write(lambda cache: rename_source(cache, old, new), then=renamed,
                   failed=self.say)

    def _remove(self) -> None:
        name = self._selected_name
        if name is None:
            return
        answer = QMessageBox.question(
            self, "Remove source", f"Remove {name!r} and all its charges from this "
            "workspace? Its files are not touched.")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove(name)

    def remove(self, name: str) -> None:
        from worthit.store.sources import remove_source

        def removed(count: int) -> None:
            self._selected_name = None
            self._finished(f"Removed {name!r} and its {plural(count, 'charge')}.")

        self.say(f"Removing {name!r}…")
        self.write(lambda cache: remove_source(cache, name), then=removed, failed=self.say)


def _without_folders(text: str | None) -> str | None:
    """An error with its file paths cut to the file names, for a table cell."""
    import re

    return None if text is None else re.sub(r"(?:[A-Za-z]:)?[\\/](?:[^\\/,:\n]+[\\/])+",
                                            "", text)


def _part(progress: Any, number: int, count: int, label: str) -> Any:
    """Progress of part ``number`` of ``count`` as progress of the whole."""
    return lambda share: progress((number + share) / count, label)


def _scope(kind: str, settings_text: str | None) -> str:
    import json

    if kind == "demo":
        return "generated on this machine"
    files = json.loads(settings_text or "{}").get("files") or []
    if not files:
        return ""
    first = Path(files[0]["path"])
    return first.name if len(files) == 1 else f"{len(files)} files in {first.parent}"


class ImportDialog(QDialog):
    """What the chosen files hold, before anything is written."""

    def __init__(self, paths: list[Path], found: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import billing files")
        self.resize(860, 420)
        layout = QVBoxLayout(self)
        good = [f for f in found if not isinstance(f, str)]
        intro = QLabel(f"{len(good)} of {plural(len(paths), 'file')} can be imported. "
                       "Nothing is written until you press Import; refused files are left out.",
                       objectName="Readout")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = RecordsModel([
            Column("File", "file"), Column("Recognised as", "kind"),
            Column("Period", "period"), Column("Lines", "rows", lambda v: f"{v:,}",
                                                numeric=True),
            Column("Billed", "billed", money, numeric=True),
            Column("Effective", "effective", money, numeric=True),
            Column("Problem", "problem", tone=lambda r: theme.colours().bad),
        ], self)
        records = []
        for path, item in zip(paths, found, strict=True):
            if isinstance(item, str):
                records.append({"file": path.name, "problem": item, "tooltip": item})
            else:
                records.append({"file": path.name, "kind": kind_name(item.kind),
                                "period": f"{item.first} to {item.last}", "rows": item.rows,
                                "billed": item.billed, "effective": item.effective,
                                "tooltip": str(path)})
        self.model.set_records(records)
        self.paths = [p for p, f in zip(paths, found, strict=True) if not isinstance(f, str)]
        layout.addWidget(sortable_table(self.model, stretch=6), 1)
        self.separate = QRadioButton("One source per file")
        self.together = QRadioButton("All into one source (the parts of one bill):")
        self.name = QLineEdit(f"files:{dt.date.today().isoformat()}")
        self.separate.setChecked(len(self.paths) <= 1)
        self.together.setChecked(len(self.paths) > 1)
        choice = QHBoxLayout()
        choice.addWidget(self.separate)
        choice.addWidget(self.together)
        choice.addWidget(self.name, 1)
        layout.addLayout(choice)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("Import",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(bool(self.paths))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def source_name(self) -> str | None:
        return self.name.text().strip() or None if self.together.isChecked() else None


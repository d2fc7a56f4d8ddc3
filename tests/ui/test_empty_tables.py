"""An empty table says what it would list and how to get rows, rather than showing bare
headers: saved scenarios on Model swap, sources and runs on Sources, the alert history."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from tests.ui.support import open_page, written

from worthit.store.cache import Cache
from worthit.ui.app import application
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.views.alerts import AlertsPage
from worthit.ui.views.sources import RUNS_EMPTY, SourcesPage
from worthit.ui.views.swap import SwapPage
from worthit.ui.widgets.tables import EmptyNote, empty_note, sortable_table
from worthit.workspace import Workspace


def note_of(view: object) -> EmptyNote:
    note = empty_note(view)  # type: ignore[arg-type]
    assert note is not None, "the table was made without words for when it is empty"
    return note


def shown(note: EmptyNote) -> bool:
    return note.isVisibleTo(note.parentWidget().parentWidget())


def test_the_words_show_exactly_while_the_table_has_no_rows(qtbot: QtBot) -> None:
    application()
    # Models and tables owned by a window that Qt deletes on this thread (a Python-owned
    # Qt object may be collected on a worker thread otherwise).
    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    model = RecordsModel([Column("Name", "name"), Column("Cost", "cost", numeric=True)],
                         holder)
    view = sortable_table(model, 0, empty="Nothing yet: import a bill to see rows here.")
    layout.addWidget(view)
    holder.resize(500, 240)
    holder.show()
    qtbot.waitExposed(holder)
    note = note_of(view)
    assert shown(note) and note.text().startswith("Nothing yet")
    assert note.geometry() == view.viewport().rect()  # the body, under the headers
    model.set_records([{"name": "a", "cost": 1.0}])
    assert not shown(note)
    model.set_records([])
    assert shown(note)
    holder.resize(700, 300)
    qtbot.waitUntil(lambda: note.geometry() == view.viewport().rect())
    plain = sortable_table(RecordsModel([Column("Name", "name")], holder), 0)
    layout.addWidget(plain)
    assert empty_note(plain) is None


def test_saved_scenarios_say_how_to_save_one_until_there_is_one(
        qtbot: QtBot, writable: Workspace) -> None:
    _, page = open_page(qtbot, writable, "swap", SwapPage)
    note = note_of(page.saved_table)
    assert page.saved_model.rowCount() == 0
    assert shown(note)
    assert "No saved scenarios yet" in note.text() and "Save scenario" in note.text()
    page.save_button.click()
    written(writable)
    assert page.saved_model.rowCount() == 1
    assert not shown(note)
    page.saved_table.selectRow(0)
    page.delete_button.click()
    written(writable)
    assert page.saved_model.rowCount() == 0
    assert shown(note)


def test_sources_and_runs_say_what_they_list(qtbot: QtBot, tmp_path: Path,
                                             writable: Workspace) -> None:
    folder = tmp_path / "empty"
    Cache.open(folder / "worthit.sqlite").close()
    win, page = open_page(qtbot, Workspace(folder), "sources", SourcesPage)
    sources, runs = note_of(page.sources_view), note_of(page.runs_view)
    assert shown(sources) and "Import billing files" in sources.text()
    assert shown(runs) and runs.text() == RUNS_EMPTY
    win.close()

    # The demo's one source was generated, never imported: its runs say so.
    _, page = open_page(qtbot, writable, "sources", SourcesPage)
    sources, runs = note_of(page.sources_view), note_of(page.runs_view)
    assert not shown(sources)
    assert page.runs.rowCount() == 0
    assert shown(runs) and "generated on this machine, not imported" in runs.text()


def test_the_alert_history_says_what_it_would_list_before_any_check(
        qtbot: QtBot, writable: Workspace) -> None:
    _, page = open_page(qtbot, writable, "alerts", AlertsPage)
    assert not page.history_view.isVisibleTo(page)
    assert page.history_empty.isVisibleTo(page)
    text = page.history_empty.text()
    assert text.startswith("No alerts yet")
    assert "Budgets crossed" in text and "Sync and check now" in text

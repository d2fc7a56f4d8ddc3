"""File › Export deck… (Ctrl+E) on the real window: the dialog offers the deck's slides and
the window's period, the deck is built on a worker through the task bar while the window
keeps responding, the file holds exactly the chosen slides, masking leaves no workspace id
in it, and a cancelled export leaves no file (and an existing one as it was)."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot
from tests.conftest import DEMO_END
from tests.export.support import ids_found

import worthit.export.deck
from worthit.core.periods import Period, Preset, preset_period
from worthit.export.deck import SLIDES
from worthit.ui.deck_dialog import DeckDialog, DeckRequest, export_deck
from worthit.ui.main_window import MainWindow
from worthit.ui.menus import DECK_SHORTCUT as SHORTCUT
from worthit.workspace import Workspace

TIMEOUT = 120_000
HOLD_S = 60  # the longest a held export waits for the test: a limit for a hang, not a speed


@pytest.fixture(scope="module")
def workspace_ids(demo_workspace: Workspace) -> set[str]:
    """Every account id, API key id and resource id in the demo's charges."""
    with demo_workspace.open() as cache:
        ids = {str(value) for column in ("sub_account_id", "billing_account_id", "resource_id")
               for (value,) in cache._conn.execute(
                   f"SELECT DISTINCT {column} FROM charge_keys WHERE {column} IS NOT NULL")}
    ids.discard("")
    assert len(ids) > 50
    return ids


def open_dialog(qtbot: QtBot, window: MainWindow, *, keys: bool = False) -> DeckDialog:
    """File › Export deck…, or Ctrl+E as a user would press it."""
    if keys:
        window.activateWindow()
        qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    else:
        window.findChild(QAction, "export_deck").trigger()
    shown = [d for d in window.findChildren(DeckDialog) if d.isVisible()]
    assert len(shown) == 1
    return shown[0]


def dialogs_shown(window: MainWindow) -> int:
    return sum(d.isVisible() for d in window.findChildren(DeckDialog))


def slide_texts(path: Path) -> list[str]:
    """Each slide's text, all of it (text boxes and tables), as one string."""
    out = []
    for slide in Presentation(str(path)).slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        out.append("\n".join(parts))
    return out


def chart_categories(path: Path) -> list[list[str]]:
    return [[str(c) for shape in slide.shapes if shape.has_chart
             for c in shape.chart.plots[0].categories]
            for slide in Presentation(str(path)).slides]


def export_and_wait(qtbot: QtBot, window: MainWindow, dialog: DeckDialog) -> str:
    """Press "Export deck" and wait for the task to end: its one-line outcome."""
    with qtbot.waitSignal(window.tasks.finished, timeout=TIMEOUT) as ended:
        dialog.export_button.click()
    return str(ended.args[0])


# Raising the open dialog again: the offscreen platform cannot raise a window.
@pytest.mark.qt_log_ignore("does not support raise")
def test_ctrl_e_opens_the_dialog_with_every_slide_and_the_windows_period(
        qtbot: QtBot, window: MainWindow) -> None:
    (action,) = [a for a in window.file_menu.actions() if a.objectName() == "export_deck"]
    assert action.text() == "Export deck…" and action.isEnabled()
    assert action.shortcut().toString() == SHORTCUT
    assert window.menuBar().actions()[0].text() == "&File"  # first, before any other menu
    with qtbot.waitSignal(window.pages["overview"].loaded, timeout=TIMEOUT):
        window.period_bar.set_preset(Preset.LAST_90)
    dialog = open_dialog(qtbot, window, keys=True)
    assert list(dialog.slides) == list(SLIDES)
    assert dialog.chosen_slides() == tuple(SLIDES)
    assert dialog.period_bar.period() == preset_period(Preset.LAST_90, DEMO_END)
    assert dialog.period_bar.preset.currentData() is Preset.LAST_90
    assert not dialog.mask.isChecked()
    out = dialog.out()
    assert out is not None and out.suffix == ".pptx"
    assert DEMO_END.isoformat() in out.name  # named after the period
    assert dialog.export_button.isEnabled()

    # Nothing to export, or nowhere to put it: the button says no, and why.
    dialog.set_slides([])
    assert not dialog.export_button.isEnabled()
    assert dialog.problem.text() == "Choose at least one slide."
    dialog.set_slides(["overview"])
    dialog.set_path(Path("/no/such/folder/deck.pptx"))
    assert not dialog.export_button.isEnabled()
    assert "does not exist" in dialog.problem.text()
    # Asking again raises the open dialog rather than opening another.
    assert open_dialog(qtbot, window) is dialog
    dialog.reject()


def test_the_chosen_slides_are_built_on_a_worker_while_the_window_keeps_ticking(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_dialog(qtbot, window)
    dialog.set_slides(["title", "allocation", "leaks"])
    out = tmp_path / "review.pptx"
    dialog.set_path(out)
    period = Period(DEMO_END.replace(day=1), DEMO_END)
    dialog.period_bar.set_range(period)

    # Writing the deck holds, on whichever thread runs it, until the test lets it go on.
    # The UI thread is never held (the test would hang): it shows in ``threads``.
    reached, go_on = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []
    real_write_deck = worthit.export.deck.write_deck

    def held_write_deck(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        reached.set()
        if threading.current_thread() is not threading.main_thread():
            go_on.wait(HOLD_S)
        return real_write_deck(*args, **kwargs)

    monkeypatch.setattr(worthit.export.deck, "write_deck", held_write_deck)
    seen: list[tuple[bool, bool]] = []
    try:
        with qtbot.waitSignal(window.tasks.finished, timeout=TIMEOUT) as ended:
            dialog.export_button.click()
            qtbot.waitUntil(reached.is_set, timeout=TIMEOUT)
            # A tick of the UI thread's event loop while the deck is held mid-build.
            QTimer.singleShot(0, lambda: seen.append((window.tasks.busy, not go_on.is_set())))
            qtbot.waitUntil(lambda: bool(seen), timeout=TIMEOUT)
            go_on.set()
    finally:
        go_on.set()  # a failed test leaves no worker held
    # The UI thread kept handling events while the deck was built: on a worker.
    assert seen == [(True, True)], "the UI thread ran only once the deck was built"
    assert threads, "the deck was never written"
    assert threading.main_thread() not in threads, "the deck was built on the UI thread"
    assert ended.args[0] == "Exporting the deck: done"
    assert dialogs_shown(window) == 0
    assert window.statusBar().currentMessage() == f"Deck saved to {out}"

    texts = slide_texts(out)
    assert len(texts) == 3  # exactly the chosen slides, in the deck's order
    assert "Was our AI spend worth it?" in texts[0]
    assert "1 – 26 November 2026" in texts[0]  # the chosen period, not the window's
    assert "Effective cost by team and by feature" in texts[1]
    assert "devex" in chart_categories(out)[1]
    assert "Saving per month of each open finding" in texts[2]
    assert not list(tmp_path.glob(".*"))  # no temporary file left beside it


def test_a_masked_deck_holds_no_account_key_or_resource_id(
        qtbot: QtBot, window: MainWindow, tmp_path: Path, workspace_ids: set[str]) -> None:
    plain, masked = tmp_path / "plain.pptx", tmp_path / "masked.pptx"
    for out, mask in ((plain, False), (masked, True)):
        dialog = open_dialog(qtbot, window)
        dialog.set_slides(["title", "allocation", "leaks", "swap"])
        dialog.set_path(out)
        dialog.mask.setChecked(mask)
        assert export_and_wait(qtbot, window, dialog) == "Exporting the deck: done"
    # The leaks slide names resources: the scan finds them in the plain deck...
    assert ids_found(plain, workspace_ids)
    # ...and none anywhere in the masked one (slides, notes, the charts' workbooks).
    assert ids_found(masked, workspace_ids) == {}
    with zipfile.ZipFile(io.BytesIO(masked.read_bytes())) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    assert b"resource-1" in xml  # the pseudonyms took their place


def test_a_cancelled_export_leaves_no_file_and_an_existing_one_as_it_was(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pptx"
    existing = tmp_path / "existing.pptx"
    existing.write_bytes(b"last week's deck")
    for out in (fresh, existing):
        request = DeckRequest(tuple(SLIDES), window.period_bar.period(), False, out)
        with qtbot.waitSignal(window.tasks.finished, timeout=TIMEOUT) as ended:
            assert export_deck(window, request)
            assert window.tasks.busy and window.tasks.cancel_button.isEnabled()
            window.tasks.cancel_button.click()
        assert ended.args[0] == "Exporting the deck: cancelled; nothing was changed"
        assert "cancelled" in window.statusBar().currentMessage()
    assert not fresh.exists()
    assert existing.read_bytes() == b"last week's deck"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.pptx"]


def test_a_deck_that_cannot_be_written_says_why_in_plain_words(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    taken = tmp_path / "deck.pptx"  # a folder of that name is in the way
    taken.mkdir()
    (taken / "keep.txt").write_text("mine", encoding="utf-8")
    request = DeckRequest(("title",), window.period_bar.period(), False, taken)
    with qtbot.waitSignal(window.tasks.finished, timeout=TIMEOUT) as ended:
        export_deck(window, request)
    message = str(ended.args[0])
    assert message.startswith(f"Could not write {taken}: ")
    assert "bug" not in message
    assert window.statusBar().currentMessage() == message
    assert (taken / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.pptx"]  # no temporary left

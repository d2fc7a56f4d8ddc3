"""New, Open and Recent workspaces, the empty state, and the demo kept apart from real
bills, driven through the window (pytest-qt, offscreen). The recent list lives in a
temporary config folder, never the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from tests.ui.support import TIMEOUT, open_page

from worthit import workspace as workspace_module
from worthit.store.cache import Cache
from worthit.ui import workers, workspace_menu
from worthit.ui.main_window import MainWindow
from worthit.ui.views.overview import OverviewPage
from worthit.ui.views.sources import SourcesPage
from worthit.workspace import Workspace, recent, remember


@pytest.fixture(autouse=True)
def config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setattr(workspace_module, "config_root", lambda: folder)
    return folder


def empty_workspace(folder: Path) -> Workspace:
    folder.mkdir(parents=True, exist_ok=True)
    Cache.open(folder / "worthit.sqlite").close()
    return Workspace(folder)


def settle(qtbot: QtBot, window: MainWindow) -> MainWindow:
    """The window, registered for closing, once its first page is built (when the event
    loop first runs) and its work is done."""
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.pages.get_built("overview") is not None
                    and workers.running() == 0, timeout=TIMEOUT)
    return window


@pytest.fixture
def empty_window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    win, _ = open_page(qtbot, empty_workspace(tmp_path / "start"), "overview", OverviewPage)
    yield win


def test_new_workspace_is_empty_and_says_how_to_begin(
    qtbot: QtBot, empty_window: MainWindow, tmp_path: Path
) -> None:
    folder = tmp_path / "my bills"
    new = workspace_menu.new_workspace(empty_window, folder)
    assert new is not None
    settle(qtbot, new)
    assert not empty_window.isVisible() and new.isVisible()
    assert new.workspace.folder == folder.resolve()
    with new.workspace.open() as cache:  # an empty cache, not the demo
        assert cache.data_range() is None
        assert cache._scalar("SELECT COUNT(*) FROM sources") == 0
    assert new.windowTitle() == "Worthit — my bills"
    assert new.demo_badge is None
    state = new.empty_states["overview"]
    assert state.isVisible()
    assert state.title.text() == "This workspace holds no charges yet"
    texts = [label.text() for label in state.steps]
    assert "Import a billing file (Sources › Import files…, or drop files here)" in texts
    assert "Add a live source (Sources › Add live source…)" in texts
    # The empty state lies over the page's figures, below its title.
    page = new.pages["overview"]
    assert state.geometry().width() == page.width()
    assert state.geometry().top() > 0
    state.sources_button.click()
    assert isinstance(new.current_page, SourcesPage)
    assert recent()[0].folder == folder.resolve()


def test_open_workspace_switches_and_a_folder_without_one_is_refused(
    qtbot: QtBot, empty_window: MainWindow, demo_workspace: Workspace, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "nothing here"
    bare.mkdir()
    asked: list[str] = []

    def cancel(*args: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", cancel)
    assert workspace_menu.open_workspace(empty_window, bare) is None
    assert asked and "holds no workspace" in asked[0]
    assert empty_window.isVisible()
    assert not (bare / "worthit.sqlite").exists()

    demo = workspace_menu.open_workspace(empty_window, demo_workspace.folder)
    assert demo is not None
    settle(qtbot, demo)
    assert not empty_window.isVisible()
    assert demo.workspace == demo_workspace
    assert not any(state.isVisible() for state in demo.empty_states.values())
    assert [w.folder for w in recent()] == [demo_workspace.folder]


def test_recent_keeps_the_last_opened_first_and_drops_missing_ones(
    tmp_path: Path, config_folder: Path
) -> None:
    a, b, c = (empty_workspace(tmp_path / name) for name in "abc")
    for workspace in (a, b, c, a):
        remember(workspace)
    assert [w.folder for w in recent()] == [a.folder, c.folder, b.folder]
    (c.folder / "worthit.sqlite").unlink()
    assert [w.folder for w in recent()] == [a.folder, b.folder]
    for number in range(workspace_module.RECENT_LIMIT + 3):
        remember(empty_workspace(tmp_path / f"many{number}"))
    assert len(recent()) == workspace_module.RECENT_LIMIT
    (config_folder / workspace_module.RECENT_FILE).write_text("not json")
    assert recent() == []


def test_the_recent_menu_lists_other_workspaces_and_opens_one(
    qtbot: QtBot, empty_window: MainWindow, tmp_path: Path
) -> None:
    other = empty_workspace(tmp_path / "other")
    remember(other)
    remember(empty_window.workspace)
    menu = empty_window.recent_menu
    menu.aboutToShow.emit()
    entries = [a for a in menu.actions() if a.isEnabled()]
    assert [a.toolTip() for a in entries] == [str(other.folder)]
    entries[0].trigger()
    switched = [w for w in workspace_menu._windows if w.workspace == other]
    assert switched
    settle(qtbot, switched[0])
    assert not empty_window.isVisible()


def test_the_demo_says_so_in_title_and_status_bar(
    qtbot: QtBot, demo_workspace: Workspace, tmp_path: Path
) -> None:
    demo, _ = open_page(qtbot, demo_workspace, "overview", OverviewPage)
    assert demo.windowTitle() == "Worthit — Demo workspace (invented data)"
    assert demo.demo_badge is not None and demo.demo_badge.isVisible()
    assert demo.demo_badge.text() == "DEMO"
    mine, _ = open_page(qtbot, empty_workspace(tmp_path / "acme"), "overview", OverviewPage)
    assert "Demo" not in mine.windowTitle() and "acme" in mine.windowTitle()
    assert mine.demo_badge is None


def _answer(monkeypatch: pytest.MonkeyPatch, button: str) -> list[QMessageBox]:
    """QMessageBox.exec clicks ``button`` instead of waiting for the user."""
    shown: list[QMessageBox] = []

    def answer(box: QMessageBox) -> int:
        shown.append(box)
        next(b for b in box.buttons() if b.text() == button).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    return shown


def test_importing_into_the_demo_asks_and_cancel_imports_nothing(
    qtbot: QtBot, writable: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, page = open_page(qtbot, writable, "sources", SourcesPage)
    with writable.open() as cache:
        before = cache._scalar("SELECT COUNT(*) FROM charges"), cache._scalar(
            "SELECT COUNT(*) FROM sources")
    shown = _answer(monkeypatch, "Cancel")
    bill = tmp_path / "bill.csv"
    bill.write_text("not read: the question comes first\n")
    assert page.import_files([bill], None) is False
    assert len(shown) == 1
    assert "demo workspace" in shown[0].text()
    assert shown[0].defaultButton().text() == "Cancel"
    assert "Nothing imported" in page.status.text()
    assert workers.running() == 0
    with writable.open() as cache:
        assert (cache._scalar("SELECT COUNT(*) FROM charges"),
                cache._scalar("SELECT COUNT(*) FROM sources")) == before


def test_importing_into_a_workspace_of_ones_own_asks_nothing(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, page = open_page(qtbot, empty_workspace(tmp_path / "mine"), "sources", SourcesPage)
    shown = _answer(monkeypatch, "Cancel")
    bill = tmp_path / "bill.csv"
    bill.write_text("not a bill\n")
    assert page.import_files([bill], None)
    qtbot.waitUntil(lambda: workers.running() == 0, timeout=TIMEOUT)
    assert shown == []

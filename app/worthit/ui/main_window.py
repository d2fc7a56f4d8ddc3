"""The main window: navigation on the left, the period bar on top, pages in a stack and
the workspace with its data freshness in the status bar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from worthit import APP_NAME, __version__
from worthit.core.periods import Period
from worthit.pages import PAGES as FIGURES
from worthit.ui import theme, workers
from worthit.ui.about import add_help_menu
from worthit.ui.alert_schedule import AlertSchedule
from worthit.ui.deck_dialog import add_file_menu
from worthit.ui.demo_notice import DEMO_TITLE, demo_badge
from worthit.ui.focus_dialog import add_focus_action
from worthit.ui.pages import PAGES
from worthit.ui.views.page import Page
from worthit.ui.widgets.empty_state import EmptyState
from worthit.ui.widgets.period_bar import PeriodBar
from worthit.ui.widgets.task_bar import TaskBar
from worthit.workspace import Workspace, is_demo

#: The pages that draw figures: an empty workspace shows how to begin over them instead.
FIGURE_PAGES = tuple(FIGURES)


class MainWindow(QMainWindow):
    """Signals: ``page_changed(str)`` with the page's name when another page is shown,
    ``closed()`` once the window has closed."""

    page_changed = Signal(str)
    closed = Signal()

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        facts = _workspace_facts(workspace)
        self.demo = facts.demo
        self.setWindowTitle(DEMO_TITLE if facts.demo else f"{APP_NAME} — {workspace.name}")
        self.resize(1360, 860)
        self.pages: dict[str, Page] = {}

        self.navigation = QListWidget(objectName="Navigation")
        self.navigation.setFrameShape(QFrame.Shape.NoFrame)
        brand = QLabel(APP_NAME, objectName="Brand")
        brand.setToolTip("Was our AI spend worth it?")
        side = QWidget(objectName="Side")
        side.setFixedWidth(190)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 14, 0, 8)
        side_layout.setSpacing(10)
        side_layout.addWidget(brand)
        side_layout.addWidget(self.navigation, 1)
        self.stack = QStackedWidget()
        for index, (name, page_class) in enumerate(PAGES.items(), start=1):
            page = page_class(workspace)
            self.pages[name] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(page_class.title)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(f"{page_class.title} (Ctrl+{index})")
            self.navigation.addItem(item)

        self.period_bar = PeriodBar(facts.data_through or dt.date.today())
        top = QHBoxLayout()
        top.setContentsMargins(20, 10, 20, 0)
        top.addStretch(1)
        top.addWidget(self.period_bar)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        right.addLayout(top)
        right.addWidget(self.stack, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(side)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)

        self.freshness = QLabel(facts.status_text())
        self.freshness.setTextFormat(Qt.TextFormat.PlainText)
        self.demo_badge = demo_badge() if facts.demo else None
        if self.demo_badge is not None:
            self.statusBar().addWidget(self.demo_badge)
        self.statusBar().addWidget(self.freshness, 1)
        self.tasks = TaskBar()
        self.statusBar().addPermanentWidget(self.tasks)
        for page in self.pages.values():
            if hasattr(page, "tasks"):
                page.tasks = self.tasks
            page.data_changed.connect(self._data_changed)
        self.statusBar().addPermanentWidget(QLabel(f"{APP_NAME} {__version__}"))

        self._add_shortcuts()
        self.file_menu = add_file_menu(self)  # File › Export deck… (Ctrl+E)
        add_focus_action(self, self.file_menu)  # File › Export FOCUS…
        from worthit.ui.workspace_menu import add_workspace_actions

        self.recent_menu = add_workspace_actions(self)  # New, Open, Recent workspaces
        self.empty_states: dict[str, EmptyState] = {}
        self._show_empty(facts.data_through is None)
        self.appearance_actions = self._add_view_menu()  # View › Appearance
        from worthit.ui.currency_dialog import add_currency_action

        add_currency_action(self)  # View › Display currency…
        self.help_menu_about = add_help_menu(self, workspace)  # Help › About Worthit
        self.navigation.currentRowChanged.connect(self._show_row)
        self.period_bar.changed.connect(self._period_changed)
        self.navigation.setCurrentRow(0)
        # Scheduled sync and check, notifications and the Alerts badge.
        self.alert_schedule = AlertSchedule(self)

    @property
    def current_page(self) -> Page:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def show_page(self, name: str) -> Page:
        self.navigation.setCurrentRow(list(self.pages).index(name))
        return self.pages[name]

    def reload(self) -> None:
        self.current_page.load(self.period_bar.period())

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        name = self.navigation.item(row).data(Qt.ItemDataRole.UserRole)
        page = self.pages[name]
        self.stack.setCurrentWidget(page)
        if page.period != self.period_bar.period():
            page.load(self.period_bar.period())
        self.page_changed.emit(name)

    def _show_empty(self, empty: bool) -> None:
        """Over each figure page, how to begin while the workspace holds no charges."""
        for name in FIGURE_PAGES if empty else ():
            if name in self.pages and name not in self.empty_states:
                page = self.pages[name]
                state = EmptyState(page, page.body.itemAt(0).widget())
                state.sources_requested.connect(lambda: self.show_page("sources"))
                state.import_requested.connect(self._import_files)
                state.add_source_requested.connect(self._add_source)
                state.files_dropped.connect(self._import_dropped)
                self.empty_states[name] = state
        for state in self.empty_states.values():
            state.setVisible(empty)

    def _sources(self) -> Any:
        return self.show_page("sources")

    def _import_files(self) -> None:
        self._sources().choose_files()

    def _add_source(self) -> None:
        self._sources().edit_source(None)

    def _import_dropped(self, paths: list[Path]) -> None:
        self._sources().preview(paths)

    def _data_changed(self) -> None:
        """Charges changed under the pages: the others recompute when next shown."""
        facts = _workspace_facts(self.workspace)
        self.freshness.setText(facts.status_text())
        self._show_empty(facts.data_through is None)
        for page in self.pages.values():
            if page is not self.current_page:
                page.period = None

    def _period_changed(self, period: Period) -> None:
        self.current_page.load(period)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop what runs in the background: pages' computations, a scheduled pass and a
        task, so nothing reports to a window that is gone (:func:`workers.shutdown`
        waits for them when the app ends)."""
        self.alert_schedule.stop()
        if self.tasks.busy:
            self.tasks.cancel()
        workers.cancel_all()
        super().closeEvent(event)
        self.closed.emit()

    def _add_view_menu(self) -> dict[theme.Appearance, QAction]:
        """View › Appearance: System, Light or Dark, applied at once and remembered."""
        menu = self.menuBar().addMenu("&View").addMenu("&Appearance")
        group = QActionGroup(self)
        actions: dict[theme.Appearance, QAction] = {}
        for appearance in theme.Appearance:
            action = group.addAction(appearance.label)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, a=appearance: self.choose_appearance(a))
            menu.addAction(action)
            actions[appearance] = action
        actions[theme.Appearance.SYSTEM].setToolTip("Follow the system's light or dark mode")
        # Another window may have changed it since: tick what is in force when shown.
        menu.aboutToShow.connect(lambda: actions[theme.chosen()].setChecked(True))
        actions[theme.chosen()].setChecked(True)
        return actions

    def choose_appearance(self, appearance: theme.Appearance) -> None:
        """Light, Dark or System for every window, at once, and at the next start."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.choose(app, appearance)
        self.appearance_actions[appearance].setChecked(True)

    def _add_shortcuts(self) -> None:
        for index in range(len(self.pages)):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, row=index: self.navigation.setCurrentRow(row))
            self.addAction(action)
        for keys, slot in (("Ctrl+R", self.reload), ("F5", self.reload),
                           (QKeySequence.StandardKey.Quit, self.close)):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            self.addAction(action)


class _Facts:
    def __init__(self, name: str, data_through: dt.date | None, synced_at: str | None,
                 demo: bool = False) -> None:
        self.name, self.data_through, self.synced_at = name, data_through, synced_at
        self.demo = demo

    def status_text(self) -> str:
        if self.data_through is None:
            return f"{self.name} · no data yet"
        synced = f" · synced {self.synced_at[:16].replace('T', ' ')} UTC" if self.synced_at else ""
        return f"{self.name} · data through {self.data_through.isoformat()}{synced}"


def _workspace_facts(workspace: Workspace) -> _Facts:
    """The few facts the frame needs, read from indexes only (instant)."""
    cache = workspace.open()
    try:
        data = cache.data_range()
        return _Facts(
            cache.get_meta("workspace.name") or workspace.name,
            data[1] if data else None,
            cache.get_meta("data.synced_at"),
            is_demo(cache),
        )
    finally:
        cache.close()

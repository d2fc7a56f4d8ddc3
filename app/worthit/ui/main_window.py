"""The main window: navigation on the left, the period bar on top, pages in a stack and
the workspace with its data freshness in the status bar.

The window paints its frame first: each page is built when first shown or asked for
(:class:`Pages`), and the first page once the event loop runs, so the window appears
before any page's module is imported. Nor does the frame wait for the menus' dialogs
(:mod:`worthit.ui.menus` imports each when its entry is first used) or the alert schedule
(made once the first page computes); ``tests/ui/test_startup_imports.py`` lists them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QPaintEvent
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
from worthit.pages import TITLES
from worthit.ui import theme, workers
from worthit.ui.demo_notice import DEMO_TITLE, demo_badge
from worthit.ui.menus import add_currency_action, add_file_menu, add_focus_action, add_help_menu
from worthit.ui.pages import NAMES, view
from worthit.ui.widgets.period_bar import PeriodBar
from worthit.ui.widgets.task_bar import TaskBar
from worthit.workspace import Workspace, is_demo

if TYPE_CHECKING:
    from worthit.ui.alert_schedule import AlertSchedule
    from worthit.ui.views.page import Page
    from worthit.ui.widgets.empty_state import EmptyState

#: The pages that draw figures: an empty workspace shows how to begin over them instead.
FIGURE_PAGES = tuple(FIGURES)
#: How long a window on show waits for its first paint before it builds its first page.
FIRST_PAINT_WAIT_MS = 250


class Pages(Mapping[str, "Page"]):
    """The window's pages by name, in the navigation's order; each is built the first time
    it is asked for (``build(name)``, then ``built(name)``). Iterating gives names and
    builds nothing; values() and items() build every page: :meth:`built` gives those that
    exist."""

    def __init__(self, build: Callable[[str], Page], built: Callable[[str], None]) -> None:
        self._build, self._built = build, built
        self._pages: dict[str, Page] = {}

    def __getitem__(self, name: str) -> Page:
        page = self._pages.get(name)
        if page is None:
            if name not in NAMES:
                raise KeyError(name)
            page = self._pages[name] = self._build(name)
            self._built(name)
        return page

    def __iter__(self) -> Iterator[str]:
        return iter(NAMES)

    def __len__(self) -> int:
        return len(NAMES)

    def built(self) -> list[Page]:
        return list(self._pages.values())

    def get_built(self, name: str) -> Page | None:
        """Page ``name`` if it has been built, without building it."""
        return self._pages.get(name)


class MainWindow(QMainWindow):
    """Signals: ``page_changed(str)`` with the page's name when another page is shown,
    ``page_built(str)`` with a page's name once it exists (pages are built when first
    needed), ``painted()`` once the frame's first paint is done (just before the first
    page is built), ``closed()`` once the window has closed."""

    page_changed = Signal(str)
    page_built = Signal(str)
    painted = Signal()
    closed = Signal()

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        facts = _workspace_facts(workspace)
        self.demo = facts.demo
        self._empty = facts.data_through is None
        self.setWindowTitle(DEMO_TITLE if facts.demo else f"{APP_NAME} — {workspace.name}")
        self.resize(1360, 860)
        self.empty_states: dict[str, EmptyState] = {}
        self.pages = Pages(self._build_page, self.page_built.emit)

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
        for index, name in enumerate(NAMES, start=1):
            item = QListWidgetItem(TITLES[name])
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(f"{TITLES[name]} (Ctrl+{index})")
            self.navigation.addItem(item)
        # Until the first page is built: its title where the page will be, no blank frame.
        self.stack = QStackedWidget()
        self._placeholder: QWidget | None = _heading_only(TITLES[NAMES[0]])
        self.stack.addWidget(self._placeholder)

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
        self.statusBar().addPermanentWidget(QLabel(f"{APP_NAME} {__version__}"))

        self._add_shortcuts()
        self.file_menu = add_file_menu(self)  # File › Export deck… (Ctrl+E)
        add_focus_action(self, self.file_menu)  # File › Export FOCUS…
        from worthit.ui.workspace_menu import add_workspace_actions

        self.recent_menu = add_workspace_actions(self)  # New, Open, Recent workspaces
        self.appearance_actions = self._add_view_menu()  # View › Appearance
        add_currency_action(self)  # View › Display currency…
        self.help_menu_about = add_help_menu(self, workspace)  # Help › About Worthit
        self.navigation.setCurrentRow(0)
        self.navigation.currentRowChanged.connect(self._show_row)
        self.period_bar.changed.connect(self._period_changed)
        # Scheduled sync and check, notifications and the Alerts badge: made once the first
        # page is open (see alert_schedule).
        self._alert_schedule: AlertSchedule | None = None
        # The first page once the event loop runs; in a window on show, after the frame's
        # first paint (not at all if the window is closed first).
        self._painted = False
        self._first_page = QTimer(self, singleShot=True, interval=0)
        self._first_page.timeout.connect(self._open_first_page)
        self._first_page.start()

    def _build_page(self, name: str) -> Page:
        page = view(name)(self.workspace)
        self.stack.addWidget(page)
        if hasattr(page, "tasks"):
            page.tasks = self.tasks
        page.data_changed.connect(self.charges_changed)
        self._cover_if_empty(name, page)
        return page

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            if self._first_page.isActive():  # waiting for this paint
                self._first_page.start(0)

    def _open_first_page(self) -> None:
        """The window opens on its first page (the Overview), which computes at once: if
        another was chosen meanwhile, that one is on show and the first computes too. A
        window on show waits for its first paint (or a quarter of a second, if none came),
        so the frame appears before any page's module is imported."""
        if self.isVisible() and not self._painted and self._first_page.interval() == 0:
            self._first_page.start(FIRST_PAINT_WAIT_MS)
            return
        if self._painted:
            self.painted.emit()
        first = self.pages[NAMES[0]]
        if self.navigation.currentRow() == 0:
            self._show_row(0)
        elif first.period is None:
            first.load(self.period_bar.period())
        if self._placeholder is not None:
            self.stack.removeWidget(self._placeholder)
            self._placeholder.deleteLater()
            self._placeholder = None
        _ = self.alert_schedule  # made now, after the first page has started computing

    @property
    def alert_schedule(self) -> AlertSchedule:
        """Scheduled sync and check, notifications and the Alerts badge: made once the
        first page is open, or when first asked for (its module and its reads of the
        workspace cost ~8 ms, which the frame's first paint does not wait for)."""
        if self._alert_schedule is None:
            from worthit.ui.alert_schedule import AlertSchedule

            self._alert_schedule = AlertSchedule(self)
        return self._alert_schedule

    @property
    def current_page(self) -> Page:
        """The page the navigation has chosen (built now if it was not yet)."""
        row = max(self.navigation.currentRow(), 0)
        return self.pages[self.navigation.item(row).data(Qt.ItemDataRole.UserRole)]

    def show_page(self, name: str) -> Page:
        self.navigation.setCurrentRow(NAMES.index(name))
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
        self._empty = empty
        for page in self.pages.built():
            self._cover_if_empty(page.name, page)
        for state in self.empty_states.values():
            state.setVisible(empty)

    def _cover_if_empty(self, name: str, page: Page) -> None:
        if not self._empty or name not in FIGURE_PAGES or name in self.empty_states:
            return
        from worthit.ui.widgets.empty_state import EmptyState

        state = EmptyState(page, page.body.itemAt(0).widget())
        state.sources_requested.connect(lambda: self.show_page("sources"))
        state.import_requested.connect(self._import_files)
        state.add_source_requested.connect(self._add_source)
        state.files_dropped.connect(self._import_dropped)
        self.empty_states[name] = state

    def _sources(self) -> Any:
        return self.show_page("sources")

    def _import_files(self) -> None:
        self._sources().choose_files()

    def _add_source(self) -> None:
        self._sources().edit_source(None)

    def _import_dropped(self, paths: list[Path]) -> None:
        self._sources().preview(paths)

    def charges_changed(self) -> None:
        """Charges changed under the pages: the others recompute when next shown."""
        facts = _workspace_facts(self.workspace)
        self.freshness.setText(facts.status_text())
        self._show_empty(facts.data_through is None)
        for page in self.pages.built():
            if page is not self.current_page:
                page.period = None

    def _period_changed(self, period: Period) -> None:
        self.current_page.load(period)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop what runs in the background: pages' computations, a scheduled pass and a
        task, so nothing reports to a window that is gone (:func:`workers.shutdown`
        waits for them when the app ends)."""
        if self._alert_schedule is not None:
            self._alert_schedule.stop()
        self._first_page.stop()
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


def _heading_only(title: str) -> QWidget:
    """A page's heading alone, where the page will be (as :class:`Page` places it)."""
    placeholder = QWidget()
    layout = QVBoxLayout(placeholder)
    layout.setContentsMargins(20, 16, 20, 12)
    layout.addWidget(QLabel(title, objectName="PageTitle"))
    layout.addStretch(1)
    return placeholder


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

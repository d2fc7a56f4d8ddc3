"""Every table a user sees leaves the app as CSV or Excel, as it is displayed: the visible
columns in their on-screen order, the rows in the user's sort order, raw numbers (not the
formatted text) with a number format per column, and the period, the page and its filters
in the file's header block (:mod:`worthit.export.tables` writes it).

A view gets a :class:`TableExport` with :func:`install` (``sortable_table`` does it for
every table built with it): a right-click menu on the rows and the header, and the same
actions behind the small **Export** button (:func:`export_button`) that sits at the top
right of each table, as it does on each chart. The file is written on a worker through the
window's task bar; the status bar then says where it went."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QModelIndex, QObject, QPoint, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QTableView,
    QToolButton,
    QTreeView,
    QWidget,
)

from worthit.core.errors import UserError
from worthit.core.money import SYMBOLS
from worthit.core.periods import Period
from worthit.export.tables import write_table
from worthit.pages.table import FORMATS, Cell, Table
from worthit.workspace import Workspace

#: The object name of a table's Export button.
BUTTON: Final = "TableExport"
#: File kinds by suffix: what the menus and the file dialog call them.
KINDS: Final = {".csv": ("CSV", "CSV (*.csv)"),
                ".xlsx": ("Excel (.xlsx)", "Excel workbook (*.xlsx)")}
STATUS_MS: Final = 15_000
#: Pages whose tables are not of the period on show (a source's own span is a column).
UNBOUND_PAGES: Final = frozenset({"sources"})
_UNIT_DIGITS: Final = re.compile(r"\.\d{3,}")  # a price per unit shows 4 decimals
_last_folder: Path | None = None  # where the user saved last, this session


@dataclass(frozen=True, slots=True)
class Content:
    """What a view shows: column names, rows of plain cells and each column's format."""

    columns: list[str]
    rows: list[tuple[Cell, ...]]
    formats: dict[str, str]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(raws: Sequence[Any], shown: Sequence[str]) -> str:
    """A column's format, read from its raw values and how the view shows them:
    ``12.5 %`` is a percent, ``$0.0718`` a price per unit, ``$1,234`` money."""
    numbers = [(r, s) for r, s in zip(raws, shown, strict=True) if _number(r)]
    if not numbers:
        dates = [r for r in raws if r is not None]
        return "date" if dates and all(isinstance(r, dt.date) for r in dates) else "text"
    texts = [s for _, s in numbers]
    if any(s.rstrip().endswith("%") for s in texts):
        return "percent"
    if any(symbol in s for s in texts for symbol in SYMBOLS.values()):
        return "unit_money" if any(_UNIT_DIGITS.search(s) for s in texts) else "money"
    return "integer" if all(float(r).is_integer() for r, _ in numbers) else "number"


def flat_content(view: QAbstractItemView) -> Content:
    """A table view's content as displayed: visible columns in header order, rows in the
    model's (the sort proxy's) order. A number is exported raw (``Qt.UserRole``, what
    sorting uses); text as shown; an empty cell as nothing."""
    model = view.model()
    header = view.horizontalHeader() if isinstance(view, QTableView) else \
        view.header()  # type: ignore[attr-defined]
    columns = [header.logicalIndex(v) for v in range(header.count())]
    columns = [c for c in columns if not header.isSectionHidden(c)]
    names = [str(model.headerData(c, Qt.Orientation.Horizontal,
                                  Qt.ItemDataRole.DisplayRole) or "") for c in columns]
    raws: list[list[Any]] = [[] for _ in columns]
    shown: list[list[str]] = [[] for _ in columns]
    kept = [r for r in range(model.rowCount())
            if not (isinstance(view, QTableView) and view.isRowHidden(r))]
    for row in kept:
        for at, column in enumerate(columns):
            index = model.index(row, column)
            raws[at].append(index.data(Qt.ItemDataRole.UserRole))
            shown[at].append(str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
    kinds = [_kind(r, s) for r, s in zip(raws, shown, strict=True)]
    rows = []
    for n in range(len(kept)):
        cells: list[Cell] = []
        for at, kind in enumerate(kinds):
            raw, text = raws[at][n], shown[at][n]
            if kind == "text":
                cells.append(text or None)
            else:  # a number column: numbers raw, anything else ("unpriced", "–") empty
                cells.append(raw if _number(raw) or isinstance(raw, dt.date) else None)
        rows.append(tuple(cells))
    return Content(names, rows, {n: k for n, k in zip(names, kinds, strict=True)
                                 if k != "text"})


def allocation_content(view: QAbstractItemView) -> Content:
    """The allocation tree as displayed: the rows that are open, in tree order, each with
    its level and its whole path (a spreadsheet filters on Level; the Team rows sum to
    the period's total). The trend sparkline stays in the app; the previous period's cost,
    which the change compares with, comes along."""
    from worthit.ui.models.allocation_tree import AllocationTreeModel

    model = view.model()
    assert isinstance(model, AllocationTreeModel) and isinstance(view, QTreeView)
    levels = ("Team", "Feature", "Service", "Resource")
    allocation = model.allocation
    rows: list[tuple[Cell, ...]] = []

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            if view.isRowHidden(row, parent):
                continue
            index = model.index(row, 0, parent)
            node = model.node(index)
            if node is None or allocation is None:
                continue
            path = [*node.path, *[None] * (len(levels) - len(node.path))]
            rows.append((levels[node.level - 1], *path, node.cost, allocation.share(node),
                         node.previous, allocation.change_pct(node)))
            if view.isExpanded(index):
                if model.canFetchMore(index):  # open, its rows not laid out yet
                    model.fetchMore(index)
                walk(index)

    walk(QModelIndex())
    columns = ["Level", *levels, "Effective cost", "Share", "Previous period", "Change"]
    return Content(columns, rows, {"Effective cost": "money", "Share": "percent",
                                   "Previous period": "money", "Change": "percent"})


def findings_content(view: QAbstractItemView) -> Content:
    """The Leaks page's findings as listed: in the list's order, under their group (when
    grouped), with the figures behind the saving, the owner, the state and the first fix.
    The tree's items carry each finding's key; the page holds the findings."""
    from PySide6.QtWidgets import QTreeWidget

    from worthit.analysis.leaks import KIND_TITLES

    page = _page(view)
    assert isinstance(view, QTreeWidget) and page is not None
    by_key = {f.key: f for f in page.findings}
    rows: list[tuple[Cell, ...]] = []
    grouped = False

    def add(item: Any, group: str | None) -> None:
        finding = by_key.get(item.data(0, Qt.ItemDataRole.UserRole))
        if finding is None:
            return
        state = page.state_of(finding.key)
        rows.append((group, finding.title, KIND_TITLES[finding.kind], finding.team,
                     finding.feature, finding.resource, finding.monthly_cost,
                     finding.monthly_saving, finding.one_off, state.state,
                     state.snooze_until if state.state == "snoozed" else None,
                     "; ".join(t for t in (state.reason, state.note) if t) or None,
                     finding.fix[0] if finding.fix else None, finding.key))

    for number in range(view.topLevelItemCount()):
        top = view.topLevelItem(number)
        if top.childCount():
            grouped = True
            label = re.sub(r" \(\d+\)$", "", top.text(0))
            for child in range(top.childCount()):
                add(top.child(child), label)
        else:
            add(top, None)
    columns = ["Group", "Finding", "Kind", "Team", "Feature", "Resource", "Monthly cost",
               "Monthly saving", "One-off excess", "State", "Snoozed until", "Reason and note",
               "First fix", "Key"]
    if not grouped:
        columns, rows = columns[1:], [row[1:] for row in rows]
    return Content(columns, rows, {"Monthly cost": "money", "Monthly saving": "money",
                                   "One-off excess": "money", "Snoozed until": "date"})


def _page(widget: QWidget) -> Any:
    """The page a widget is on (through a dialog's parent too), or None."""
    from worthit.ui.views.page import Page

    current: QWidget | None = widget
    while current is not None and not isinstance(current, Page):
        current = current.parentWidget()
    return current


def _main_window(widget: QWidget) -> QMainWindow | None:
    """The main window a widget is in (through a dialog's parent too), or None."""
    current: QWidget | None = widget
    while current is not None and not isinstance(current, QMainWindow):
        current = current.parentWidget()
    return current


def _section_title(view: QWidget) -> str:
    """The heading a table sits under in its layout (the nearest section title above
    it), for a table whose export was given no title."""
    parent = view.parentWidget()
    layout = parent.layout() if parent is not None else None
    if layout is None:
        return ""
    at = layout.indexOf(view)
    for index in range(at - 1, -1, -1):
        widget = layout.itemAt(index).widget()
        if isinstance(widget, QLabel) and widget.objectName() == "SectionTitle":
            return widget.text()
    return ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


class TableExport(QObject):
    """How one view's table leaves the app (a child of the view; :func:`exporter` finds
    it). ``title`` names the table within its page; ``filters`` returns what the table is
    narrowed to (``{"feature": "search"}``); ``formats`` overrides a column's format;
    ``content`` reads the view (:func:`flat_content` unless given); ``currency`` gives
    the amounts' currency; ``period`` the period its figures cover (the page's unless
    given).

    Signals: ``saved(Path)`` once a file is written, ``failed(str)`` with a message in
    plain words."""

    saved = Signal(object)
    failed = Signal(str)

    def __init__(self, view: QAbstractItemView, title: str = "", *,
                 filters: Callable[[], Mapping[str, str]] | None = None,
                 formats: Mapping[str, str] | None = None,
                 content: Callable[[QAbstractItemView], Content] | None = None,
                 currency: Callable[[], str] | None = None,
                 period: Callable[[], Period | None] | None = None) -> None:
        super().__init__(view)
        self.setObjectName("TableExporter")
        unknown = {k for k in (formats or {}).values() if k not in FORMATS}
        if unknown:
            raise ValueError(f"unknown column format {sorted(unknown)[0]!r}")
        self.view = view
        self._title = title
        self._filters = filters
        self._formats = dict(formats or {})
        self._content = content or flat_content
        self._currency = currency
        self._period = period

    # -- what is exported -------------------------------------------------------------

    @property
    def title(self) -> str:
        """The table's name within its page: as given, else its section's heading."""
        return self._title or _section_title(self.view)

    def page_title(self) -> str:
        page = _page(self.view)
        return page.title if page is not None else self.view.window().windowTitle()

    def full_title(self) -> str:
        context = self.page_title()
        if not self.title:
            return context or "Table"
        return f"{context}: {self.title}" if context and context != self.title else self.title

    def period(self) -> Period | None:
        if self._period is not None:
            return self._period()
        page = _page(self.view)
        return None if page is None or page.name in UNBOUND_PAGES else page.period

    def workspace(self) -> Workspace | None:
        page = _page(self.view)
        return None if page is None else page.workspace

    def _sorted_by(self) -> str | None:
        if not isinstance(self.view, QTableView) or not self.view.isSortingEnabled():
            return None
        header = self.view.horizontalHeader()
        section = header.sortIndicatorSection()
        if section < 0 or section >= header.count() or not header.isSortIndicatorShown():
            return None
        name = self.view.model().headerData(section, Qt.Orientation.Horizontal,
                                            Qt.ItemDataRole.DisplayRole)
        order = "descending" if header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder \
            else "ascending"
        return f"{name}, {order}"

    def table(self) -> Table:
        """The table as the view shows it now (read on the UI thread: no I/O)."""
        content = self._content(self.view)
        filters = {"page": self.page_title()}
        filters.update({str(k): str(v) for k, v in (self._filters() if self._filters
                                                    else {}).items()})
        sorted_by = self._sorted_by()
        if sorted_by:
            filters["sorted by"] = sorted_by
        formats = {**content.formats,
                   **{k: v for k, v in self._formats.items() if k in content.columns}}
        formats = {k: v for k, v in formats.items() if v != "text"}
        return Table.of(self.full_title(), content.columns, content.rows,
                        period=self.period(), filters=filters, formats=formats,
                        currency=self._currency() if self._currency else "USD",
                        name=self.title or self.page_title())

    def default_name(self, suffix: str) -> str:
        period = self.period()
        span = f"-{period.start.isoformat()}-to-{period.end.isoformat()}" if period else ""
        return f"{_slug(self.full_title())}{span}{suffix}"

    # -- writing ----------------------------------------------------------------------

    def save(self, path: Path) -> Path:
        """Write the table to ``path`` (.csv or .xlsx) now, on this thread."""
        return _write(self.table(), self.workspace(), Path(path))

    def export(self, path: Path) -> bool:
        """Write the table to ``path`` on a worker through the window's task bar (on this
        thread where there is none); the status bar says where it went. False when
        another task is running."""
        table, workspace, path = self.table(), self.workspace(), Path(path)
        window = _main_window(self.view)
        tasks = getattr(window, "tasks", None)
        if tasks is None:
            try:
                self._done(_write(table, workspace, path))
            except UserError as error:
                self._failed(str(error))
            return True

        def work(cancelled: Callable[[], bool], progress: Callable[[float, str], None]
                 ) -> Path:
            progress(0.2, f"writing {path.name}")
            return _write(table, workspace, path)

        started: bool = tasks.run(f"Exporting {table.name}", work, done=self._done,
                                  failed=self._failed)
        if not started:
            self._say("Another task is running: wait for it, or cancel it in the status bar.")
        return started

    def choose(self, suffix: str) -> None:
        """Ask where to save (a file dialog), then :meth:`export`."""
        global _last_folder  # noqa: PLW0603 - the session's last folder, for the next dialog
        folder = _last_folder or Path(QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())
        kind, pattern = KINDS[suffix]
        chosen, _ = QFileDialog.getSaveFileName(
            self.view, f"Export {self.title or self.page_title()} as {kind}",
            str(folder / self.default_name(suffix)), pattern)
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() not in KINDS:  # typed without one: the menu's kind
            path = path.with_name(path.name + suffix)
        _last_folder = path.parent
        self.export(path)

    def _done(self, path: Path) -> None:
        self._say(f"Saved {self.title or self.page_title()} to {path}")
        self.saved.emit(path)

    def _failed(self, message: str) -> None:
        self._say(message, 0)
        self.failed.emit(message)

    def _say(self, message: str, ms: int = STATUS_MS) -> None:
        window = _main_window(self.view)
        if window is not None:
            window.statusBar().showMessage(message, ms)

    # -- menus --------------------------------------------------------------------------

    def add_actions(self, menu: QMenu) -> None:
        """"Export table as CSV…" and "Export table as Excel…" at the end of ``menu``."""
        for suffix, (kind, _) in KINDS.items():
            action = menu.addAction(f"Export table as {kind}…")
            action.setObjectName(f"export{suffix.replace('.', '_')}")
            action.setToolTip(f"Save this table, as shown, with its period and filters, "
                              f"as a {suffix} file")
            action.triggered.connect(lambda _=False, s=suffix: self.choose(s))
            action.setEnabled(True)

    def context_menu(self) -> QMenu:
        menu = QMenu(self.view)
        self.add_actions(menu)
        return menu

    def show_menu(self, widget: QWidget, point: QPoint) -> None:
        menu = self.context_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(widget.mapToGlobal(point))


def _write(table: Table, workspace: Workspace | None, path: Path) -> Path:
    """Add the workspace and how fresh its data is to the header block, then write (on
    whatever thread calls it: it opens its own cache connection)."""
    if workspace is not None:
        from worthit.pages.figures import freshness

        try:
            with workspace.open() as cache:
                fresh = freshness(cache, workspace.name)
        except UserError:
            fresh = None
        if fresh is not None:
            table = dataclasses.replace(table, filters={
                "workspace": fresh.workspace, **table.filters,
                "data": f"{fresh.through_label}; {fresh.synced_label}"})
    try:
        return write_table(path, table)
    except OSError as error:
        raise UserError(f"Could not write {path}: {error.strerror or error}.") from error


def install(view: QAbstractItemView, title: str = "", **options: Any) -> TableExport:
    """Give ``view`` its export (see :class:`TableExport` for ``options``) and a
    right-click menu on its rows and its header."""
    existing = exporter(view)
    if existing is not None:
        existing.setParent(None)
        existing.deleteLater()
    export = TableExport(view, title, **options)
    header = view.horizontalHeader() if isinstance(view, QTableView) else \
        view.header() if isinstance(view, QTreeView) else None
    for widget in (view, header):
        if widget is None or widget.property("tableExportMenu"):
            continue  # connected once: the menu asks for the view's current export
        widget.setProperty("tableExportMenu", True)
        widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        target = view.viewport() if widget is view else widget
        widget.customContextMenuRequested.connect(
            lambda point, w=target: _context_menu(view, w, point))
    return export


def _context_menu(view: QAbstractItemView, widget: QWidget, point: QPoint) -> None:
    export = exporter(view)
    if export is not None:
        export.show_menu(widget, point)


def exporter(view: QAbstractItemView) -> TableExport | None:
    """The export :func:`install` gave ``view``, if any."""
    return view.findChild(TableExport, "TableExporter",
                          Qt.FindChildOption.FindDirectChildrenOnly)


def menu(view: QAbstractItemView, parent: QWidget) -> QMenu:
    """A menu with ``view``'s export actions (installing an export if it has none), for a
    button that offers more."""
    export = exporter(view) or install(view)
    found = QMenu(parent)
    export.add_actions(found)
    return found


def export_button(view: QAbstractItemView) -> QToolButton:
    """A small "Export" menu button for ``view``'s table, like a chart's Export button."""
    button = QToolButton(objectName=BUTTON)
    button.setText("Export")
    button.setAutoRaise(True)  # as quiet as a chart's; a frame when hovered
    button.setMaximumHeight(20)  # no taller than the heading beside it
    button.setToolTip("Save this table, as shown, as CSV or Excel")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setMenu(menu(view, button))
    return button


def section(title: str | QLabel, view: QAbstractItemView) -> QHBoxLayout:
    """A table's heading row: its title on the left, its Export button on the right."""
    label = title if isinstance(title, QLabel) else QLabel(title, objectName="SectionTitle")
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(label, 1)
    row.addWidget(export_button(view))
    return row

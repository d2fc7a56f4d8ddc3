"""The Leaks page's list of findings: names wrap onto as many lines as they need, owners
wrap after the slash when that saves lines, so nothing is cut with an ellipsis."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
)


class _WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their text wrapped at its column's width. QTreeView asks a
    delegate's size hint without the column's width, so a wrapped name would keep one
    line's height and be cut."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree
        self.owner_on_two_lines = False

    def text_width(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """The width ``index``'s text needs to stay on one line, margins included."""
        option = QStyleOptionViewItem()
        option.initFrom(self._tree)
        two_lines, self.owner_on_two_lines = self.owner_on_two_lines, False
        try:
            return super().sizeHint(option, index).width()
        finally:
            self.owner_on_two_lines = two_lines

    def initStyleOption(self, option: QStyleOptionViewItem,
                        index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if index.column() == FindingsTree.OWNER and self.owner_on_two_lines:
            # A break after the slash, never at a hyphen inside a team's or feature's name.
            option.text = option.text.replace(" / ", " /\u2028")

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        width = self._tree.header().sectionSize(index.column())
        if index.column() == FindingsTree.NAME:  # less the branch and the indentation
            width -= self._tree.indentation() * (_depth(index) + 1)
        shown.rect.setSize(QSize(max(width, 1), max(shown.rect.height(), 1)))
        shown.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        style = self._tree.style() or QApplication.style()
        return style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, shown, QSize(),
                                      self._tree)


def _depth(index: QModelIndex | QPersistentModelIndex) -> int:
    """How many parents ``index`` has (a finding under its group: 1)."""
    depth, parent = 0, index.parent()
    while parent.isValid():
        depth, parent = depth + 1, parent.parent()
    return depth


class FindingsTree(QTreeWidget):
    """The findings, their names read whole: a name wraps onto more lines within its
    column instead of being cut with "…", and takes the width the other columns can
    spare (an owner "team / feature" wraps after the slash while the names need room)."""

    NAME, SAVING, OWNER, STATE = range(4)

    def __init__(self) -> None:
        super().__init__()
        self.setHeaderLabels(["Finding", "Saving / month", "Owner", "State"])
        self.setRootIsDecorated(True)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)  # a long name takes two lines, a short one one
        self._delegate = _WrappingDelegate(self)
        self.setItemDelegate(self._delegate)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(self.NAME, header.ResizeMode.Stretch)
        header.setSectionResizeMode(self.OWNER, header.ResizeMode.Fixed)
        for column in (self.SAVING, self.STATE):
            header.setSectionResizeMode(column, header.ResizeMode.ResizeToContents)
        # Rows are measured at the columns' widths: measure them again when those change.
        header.sectionResized.connect(lambda *_: self.scheduleDelayedItemsLayout())

    def rows(self) -> list[QTreeWidgetItem]:
        """Every item, groups and findings, in the list's order."""
        found: list[QTreeWidgetItem] = []
        for number in range(self.topLevelItemCount()):
            top = self.topLevelItem(number)
            if top is not None:
                found.append(top)
                found += [c for n in range(top.childCount()) if (c := top.child(n))]
        return found

    def fit_columns(self) -> None:
        """The owner column on one line, or wrapped after its slash when that gives the
        names the width to take fewer lines in all (at 1280 px most names wrap anyway)."""
        header, rows = self.header(), self.rows()
        if not rows:
            return
        metrics = self.fontMetrics()
        first = rows[0]  # the style's text margins: its width on one line less its text's
        margin = (self._delegate.text_width(self.indexFromItem(first, self.NAME))
                  - QFontMetrics(first.font(self.NAME)).horizontalAdvance(first.text(self.NAME)))
        owners = [item.text(self.OWNER) for item in rows]
        least = header.sectionSizeHint(self.OWNER)
        whole = max([least] + [metrics.horizontalAdvance(o) + margin for o in owners])
        wrapped = max([least] + [metrics.horizontalAdvance(line) + margin for o in owners
                                 for line in o.replace(" / ", " /\n").split("\n")])
        others = sum(header.sectionSize(c) for c in (self.SAVING, self.STATE)
                     if not self.isColumnHidden(c))

        def lines(owner_width: int, two_lines: bool) -> int:
            """The rows' lines in all, names wrapped in what the owner column leaves."""
            width = self.viewport().width() - others - owner_width - margin
            total = 0
            for item in rows:
                room = width - self.indentation() * (2 if item.parent() else 1)
                font = QFontMetrics(item.font(self.NAME))
                name = font.boundingRect(0, 0, max(room, 1), 1 << 20,
                                         Qt.TextFlag.TextWordWrap, item.text(self.NAME))
                owner = 2 if two_lines and " / " in item.text(self.OWNER) else 1
                total += max(round(name.height() / font.lineSpacing()), owner)
            return total

        two_lines = wrapped < whole and lines(wrapped, True) < lines(whole, False)
        if two_lines != self._delegate.owner_on_two_lines:
            self._delegate.owner_on_two_lines = two_lines
            self.scheduleDelayedItemsLayout()
        header.resizeSection(self.OWNER, wrapped if two_lines else whole)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

"""What a figure page shows while its workspace holds no charges: plain words on how to
begin, with buttons to do it, laid over the page below its title (no $0.00 charts
pretending to be data). Files dropped on it are handed on to be imported.

Signals: ``import_requested()``, ``add_source_requested()``, ``sources_requested()`` and
``files_dropped(list)`` with the dropped paths."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from worthit.ui.drops import accept_files, dropped_files

TITLE = "This workspace holds no charges yet"
IMPORT_STEP = "Import a billing file (Sources › Import files…, or drop files here)"
LIVE_STEP = "Add a live source (Sources › Add live source…)"


class EmptyState(QWidget):
    import_requested = Signal()
    add_source_requested = Signal()
    sources_requested = Signal()
    files_dropped = Signal(list)

    def __init__(self, page: QWidget, heading: QWidget | None = None) -> None:
        """Covers ``page`` below ``heading`` (the page's title stays in view)."""
        super().__init__(page)
        self.setObjectName("EmptyState")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setAcceptDrops(True)
        self._heading = heading
        self.title = QLabel(TITLE, objectName="EmptyTitle")
        note = QLabel("Its figures appear here once it holds a bill. To begin:",
                      objectName="Readout")
        self.import_button = QPushButton("Import files…")
        self.import_button.clicked.connect(self.import_requested)
        self.add_button = QPushButton("Add live source…")
        self.add_button.clicked.connect(self.add_source_requested)
        self.sources_button = QPushButton("Go to Sources")
        self.sources_button.clicked.connect(self.sources_requested)
        steps = QGridLayout()
        steps.setHorizontalSpacing(16)
        steps.setVerticalSpacing(12)
        self.steps: list[QLabel] = []
        for row, (text, button) in enumerate(((IMPORT_STEP, self.import_button),
                                              (LIVE_STEP, self.add_button))):
            label = QLabel(text, objectName="EmptyStep")
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.steps.append(label)
            steps.addWidget(label, row, 0)
            steps.addWidget(button, row, 1)
        steps.setColumnStretch(2, 1)  # the buttons keep their size, beside their words
        column = QVBoxLayout()
        column.setSpacing(12)
        column.addWidget(self.title)
        column.addWidget(note)
        column.addSpacing(6)
        column.addLayout(steps)
        column.addSpacing(6)
        column.addWidget(self.sources_button, 0, Qt.AlignmentFlag.AlignLeft)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 20)
        outer.addLayout(column)
        outer.addStretch(1)
        page.installEventFilter(self)
        self._fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() in (QEvent.Type.Resize,
                                                         QEvent.Type.LayoutRequest):
            self._fit()
        return False

    def _fit(self) -> None:
        page = self.parentWidget()
        top = self._heading.geometry().bottom() + 8 if self._heading is not None else 0
        self.setGeometry(QRect(0, top, page.width(), max(0, page.height() - top)))
        self.raise_()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        accept_files(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_files(event)
        if paths:
            self.files_dropped.emit(paths)

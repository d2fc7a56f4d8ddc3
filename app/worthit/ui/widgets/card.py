"""A key-figure card: a title, a big number and a note (the change, coloured)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout


class Card(QFrame):
    def __init__(self, title: str, tooltip: str = "") -> None:
        super().__init__()
        self.setObjectName("Card")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.title = QLabel(title, objectName="CardTitle")
        self.value = QLabel("–", objectName="CardValue")
        self.note = QLabel(" ", objectName="CardNote")
        for label in (self.title, self.value, self.note):
            label.setTextFormat(Qt.TextFormat.PlainText)  # bill text is never rich text
            layout.addWidget(label)
        # A long note must not widen the window: it is cut at the card's edge (and its full
        # text is the label's tooltip).
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note.setMinimumWidth(1)
        if tooltip:
            self.setToolTip(tooltip)

    def show_figure(self, value: str, note: str = " ", tone: str | None = None) -> None:
        """``tone`` is 'good', 'bad' or None (neutral)."""
        self.value.setText(value)
        self.note.setText(note or " ")
        self.note.setToolTip(note if note and note.strip() else "")
        self.note.setObjectName({"good": "Good", "bad": "Bad"}.get(tone or "", "CardNote"))
        self.note.style().unpolish(self.note)
        self.note.style().polish(self.note)

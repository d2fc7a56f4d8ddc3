"""A key-figure card: a title, a big number and a note (the change, coloured), which
wraps rather than being cut when the card is narrow."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout


class Card(QFrame):
    def __init__(self, title: str, tooltip: str = "") -> None:
        super().__init__()
        self.setObjectName("Card")
        # As tall as the row it is in: beside a card whose note wraps, cards stay even.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.title = QLabel(title, objectName="CardTitle")
        self.value = QLabel("–", objectName="CardValue")
        self.note = QLabel(" ", objectName="CardNote")
        for label in (self.title, self.value, self.note):
            label.setTextFormat(Qt.TextFormat.PlainText)  # bill text is never rich text
            layout.addWidget(label)
        layout.addStretch(1)  # in a taller row the text stays on top
        # A long note must not widen the window, nor be cut: it wraps onto a second line
        # within the card's width (the card grows to fit it).
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.note.setSizePolicy(policy)
        self.note.setWordWrap(True)
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
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """At least the height the wrapped note needs at this width: the layouts around a
        card do not pass a word-wrapped label's height-for-width on, so it would be cut."""
        needed = self._layout.totalHeightForWidth(self.width())
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)

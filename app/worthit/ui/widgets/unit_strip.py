"""A row of unit-cost cards: each unit's cost per unit against its target, in the verdict's
colour. Clicking a card chooses the unit (on the Units page)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QWidget

from worthit.core.money import percent, unit_money
from worthit.ui.widgets.card import Card

if TYPE_CHECKING:
    from worthit.analysis.first_figures import UnitCost


class UnitCard(Card):
    clicked = Signal(str)

    def __init__(self, unit_id: str, title: str, clickable: bool) -> None:
        super().__init__(title)
        self.unit_id = unit_id
        self.clickable = clickable
        if clickable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_selected(self, selected: bool) -> None:
        self.setProperty("selected", selected)
        self.style().unpolish(self)
        self.style().polish(self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.clickable and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.unit_id)
        super().mouseReleaseEvent(event)


def summary(u: UnitCost) -> tuple[str, str, str | None]:
    """(figure, note, tone) for a unit's card."""
    cur = u.currency
    cost, target = u.unit_cost, u.target_cost
    figure = "–" if cost is None else unit_money(cost, cur)
    if cost is None:
        return figure, "no counts in the period", None
    if target is None:
        return figure, f"per {u.name.lower()} · no target", None
    gap = cost / target - 1 if target else None
    where = "on target" if cost <= target else f"{percent(gap, signed=True)} over target"
    return figure, f"target {unit_money(target, cur)} · {where}", (
        "good" if cost <= target else "bad")


class UnitStrip(QWidget):
    """Signal ``chosen(unit_id)`` when a card is clicked (if ``clickable``)."""

    chosen = Signal(str)

    def __init__(self, clickable: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clickable = clickable
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(10)
        self.cards: dict[str, UnitCard] = {}

    def set_units(self, found: Sequence[UnitCost], selected: str | None = None) -> None:
        ids = [u.unit_id for u in found]
        if ids != list(self.cards):
            for card in self.cards.values():
                card.deleteLater()
            self.cards = {}
            for u in found:
                card = UnitCard(u.unit_id, f"Cost per {u.name.lower()}", self.clickable)
                card.clicked.connect(self.chosen)
                self.layout_.addWidget(card)
                self.cards[u.unit_id] = card
        for u in found:
            card = self.cards[u.unit_id]
            card.show_figure(*summary(u))
            card.setToolTip(u.verdict)
            card.set_selected(u.unit_id == selected)

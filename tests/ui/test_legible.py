"""What a manager must be able to read in light and dark, at the smallest supported
window (1280×800): the chosen Daily/Weekly/Monthly button, card notes and verdicts not
cut, a suggestion read whole, and check boxes that show on a dark window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QPushButton, QStyle, QStyleOptionButton
from pytestqt.qtbot import QtBot
from tests.ui.support import open_page

from worthit.ui import theme
from worthit.ui.app import application
from worthit.ui.main_window import MainWindow
from worthit.ui.views.swap import SwapPage
from worthit.ui.views.units import UnitsPage
from worthit.ui.widgets.card import Card
from worthit.workspace import Workspace

SMALLEST = (1280, 800)


@pytest.fixture(params=[theme.Appearance.LIGHT, theme.Appearance.DARK], ids=["light", "dark"])
def look(request: pytest.FixtureRequest) -> Iterator[theme.Colours]:
    """Each test in light and in dark (for this test only: nothing is remembered)."""
    with theme.appearance_for(application(), request.param):
        yield theme.colours()


@pytest.fixture
def units(qtbot: QtBot, demo_workspace: Workspace,
          look: theme.Colours) -> tuple[MainWindow, UnitsPage]:
    window, page = open_page(qtbot, demo_workspace, "units", UnitsPage)
    window.resize(*SMALLEST)
    qtbot.waitUntil(lambda: window.width() == SMALLEST[0])
    return window, page


def distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def fill(button: QPushButton) -> QColor:
    """The colour inside the button's border, beside its text."""
    image = button.grab().toImage()
    return image.pixelColor(4, image.height() // 2)


def test_the_chosen_granularity_is_filled_and_the_others_are_not(
        qtbot: QtBot, units: tuple[MainWindow, UnitsPage], look: theme.Colours) -> None:
    _, page = units
    buttons = page.granularity_buttons.buttons()
    checked = [b for b in buttons if b.isChecked()]
    assert len(checked) == 1
    (chosen,) = checked
    for button in buttons:
        colour = fill(button)
        if button is chosen:
            assert distance(colour, QColor(look.accent)) < 12
        else:
            assert distance(colour, QColor(look.surface)) < 12
            assert distance(colour, fill(chosen)) > 150
    # Choosing another moves the fill with it.
    other = next(b for b in buttons if b is not chosen)
    other.click()
    qtbot.waitUntil(lambda: distance(fill(other), QColor(look.accent)) < 12)
    assert distance(fill(chosen), QColor(look.surface)) < 12


def test_card_notes_and_verdicts_are_read_whole(
        qtbot: QtBot, units: tuple[MainWindow, UnitsPage]) -> None:
    _, page = units

    def note_fits(card: Card) -> bool:
        note = card.note
        return (note.height() >= note.heightForWidth(note.width())
                and note.geometry().bottom() <= card.contentsRect().bottom())

    cards = (page.cost_card, page.margin_card, page.count_card, page.volume_card)
    for card in cards:
        qtbot.waitUntil(lambda c=card: note_fits(c))
    # "tickets resolved by the support assistant" needs two lines here: it wraps.
    note = page.count_card.note
    assert note.heightForWidth(note.width()) > note.fontMetrics().height() * 1.5
    # The features' verdicts ("falling −2.0 %") get the width they need.
    view = page.features
    verdict = page.features_model.columnCount() - 1
    assert view.columnWidth(verdict) >= view.sizeHintForColumn(verdict)
    for row in range(view.model().rowCount()):
        assert view.rowHeight(row) >= view.sizeHintForRow(row)


def test_suggestions_are_read_whole(qtbot: QtBot, demo_workspace: Workspace,
                                    look: theme.Colours) -> None:
    window, page = open_page(qtbot, demo_workspace, "swap", SwapPage)
    window.resize(*SMALLEST)
    view = page.suggestions
    assert view.model().rowCount() > 0
    title = 1
    for row in range(view.model().rowCount()):
        qtbot.waitUntil(lambda r=row: view.rowHeight(r) >= view.sizeHintForRow(r))
        text = view.model().index(row, title).data()
        lines = view.rowHeight(row) // view.fontMetrics().lineSpacing()
        assert lines * view.columnWidth(title) >= view.fontMetrics().horizontalAdvance(text)


def test_an_unchecked_box_shows_on_the_window(qtbot: QtBot, look: theme.Colours) -> None:
    box = QCheckBox("Only alerts to look at")
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    option = QStyleOptionButton()
    option.initFrom(box)
    indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    image = box.grab().toImage()
    outline = max(distance(image.pixelColor(indicator.left() + 1, y), QColor(look.background))
                  for y in range(indicator.top(), indicator.bottom() + 1))
    assert outline > 60, "the box's outline is lost against the window"

"""The treemap layout (properties), and the treemap and breadcrumbs driven as a user would."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLabel, QToolButton
from pytestqt.qtbot import QtBot

from worthit.core.money import money
from worthit.ui import theme
from worthit.ui.app import application
from worthit.ui.widgets.treemap import Breadcrumbs, Tile, Treemap, squarify, text_colour

#: How long a wait for the UI may take before the test fails: a limit for a hang, not a
#: speed (each wait returns as soon as its signal or condition comes).
TIMEOUT = 10_000

# -- squarify ------------------------------------------------------------------------------

values_st = st.lists(
    st.one_of(st.floats(min_value=0.01, max_value=1e6), st.just(0.0)), min_size=1, max_size=40
)
side_st = st.floats(min_value=1.0, max_value=3000.0)
origin_st = st.floats(min_value=-500.0, max_value=500.0)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    dx = min(ax + aw, bx + bw) - max(ax, bx)
    dy = min(ay + ah, by + bh) - max(ay, by)
    return max(dx, 0.0) * max(dy, 0.0)


@settings(deadline=None)  # no time limit per example: a busy machine is not a failure
@given(values=values_st, x=origin_st, y=origin_st, width=side_st, height=side_st)
def test_squarify_tiles_the_rect_in_proportion_to_the_values(
    values: list[float], x: float, y: float, width: float, height: float
) -> None:
    rects = squarify(values, x, y, width, height)
    assert len(rects) == len(values)
    bounds = width * height
    eps = 1e-9 * bounds
    total = sum(values)
    for value, (rx, ry, rw, rh) in zip(values, rects, strict=True):
        assert rw >= 0 and rh >= 0
        if value == 0:
            assert rw * rh == 0
            continue
        # In input order, each area is its share of the rect.
        assert rw * rh == pytest.approx(value / total * bounds, rel=1e-6, abs=eps)
        assert rx >= x - 1e-9 * width and rx + rw <= x + width + 1e-9 * width
        assert ry >= y - 1e-9 * height and ry + rh <= y + height + 1e-9 * height
    for a, b in itertools.combinations(rects, 2):
        assert _overlap(a, b) <= eps
    expected = bounds if total > 0 else 0.0
    assert sum(w * h for _, _, w, h in rects) == pytest.approx(expected, rel=1e-9, abs=eps)


def test_squarify_keeps_tiles_square() -> None:
    """Equal values in a square become squares, not slices."""
    rects = squarify([1, 1, 1, 1], 0, 0, 100, 100)
    assert [coordinate for rect in sorted(rects) for coordinate in rect] == pytest.approx(
        [0, 0, 50, 50, 0, 50, 50, 50, 50, 0, 50, 50, 50, 50, 50, 50])


def test_squarify_follows_the_paper_whatever_the_input_order() -> None:
    """Bruls et al.'s example: 6, 6, 4, 3, 2, 2, 1 in a 6 × 4 rect starts with the two sixes
    stacked on the left, 3 × 2 each; shuffling the input only reorders the output."""
    values = [6, 6, 4, 3, 2, 2, 1]
    rects = squarify(values, 0, 0, 6, 4)
    assert rects[0] == pytest.approx((0, 0, 3, 2))
    assert rects[1] == pytest.approx((0, 2, 3, 2))
    shuffled = [2, 6, 1, 4, 6, 3, 2]
    by_value = squarify(shuffled, 0, 0, 6, 4)
    assert by_value[1] == pytest.approx((0, 0, 3, 2))
    assert by_value[4] == pytest.approx((0, 2, 3, 2))


def test_squarify_of_nothing_positive_is_all_empty() -> None:
    assert squarify([], 0, 0, 10, 10) == []
    assert squarify([0.0, -3.0], 5, 5, 10, 10) == [(5, 5, 0.0, 0.0), (5, 5, 0.0, 0.0)]


def test_text_is_black_on_light_fills_and_white_on_dark_ones() -> None:
    black, white = QColor(Qt.GlobalColor.black), QColor(Qt.GlobalColor.white)
    assert text_colour(QColor("#EDC948")) == black  # yellow
    assert text_colour(QColor(theme.UNALLOCATED_COLOUR)) == black
    assert text_colour(QColor("#1F2328")) == white
    assert text_colour(QColor(theme.LIGHT.good)) == white  # dark green


# -- Treemap -------------------------------------------------------------------------------

SEARCH = ("search",)
CHAT = ("chat",)
UNALLOCATED = ("(unallocated)",)
LEAF = ("ingest",)
TILES = [
    Tile(SEARCH, "search", 5000.0, "50.0 %"),
    Tile(CHAT, "chat", 2500.0, "25.0 %", colour="#59A14F"),
    Tile(UNALLOCATED, "Unallocated", 1500.0, "15.0 %", unallocated=True, drillable=False),
    Tile(LEAF, "ingest", 1000.0, "10.0 %", drillable=False),
    Tile(("gone",), "gone", 0.0),
]


@pytest.fixture
def treemap(qtbot: QtBot) -> Iterator[Treemap]:
    application()
    widget = Treemap()
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    widget.set_tiles(TILES)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def _centre(widget: Treemap, path: tuple[str, ...]) -> QPoint:
    rect = widget.tile_rect(path)
    assert rect is not None, path
    return rect.center().toPoint()


def _image(widget: Treemap) -> QImage:
    image = widget.grab().toImage()
    image.setDevicePixelRatio(1.0)  # index pixels in device pixels below
    return image


def _close(a: QColor, b: QColor, tolerance: int = 3) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a.getRgb()[:3], b.getRgb()[:3],
                                                        strict=True))


def test_tiles_are_laid_out_by_value_inside_the_widget(treemap: Treemap) -> None:
    bounds = QRectF(treemap.rect())
    rects = {t.path: treemap.tile_rect(t.path) for t in TILES}
    assert rects[("gone",)] is None  # nothing to draw for a zero value
    shown = [r for r in rects.values() if r is not None]
    assert len(shown) == 4
    assert all(bounds.contains(r) for r in shown)
    areas = {p: r.width() * r.height() for p, r in rects.items() if r is not None}
    assert areas[SEARCH] > areas[CHAT] > areas[UNALLOCATED] > areas[LEAF]
    # Gaps are small: the tiles cover almost all of the widget.
    assert sum(areas.values()) > 0.95 * bounds.width() * bounds.height()
    assert treemap.tile_at(rects[CHAT].center()).path == CHAT  # type: ignore[union-attr]


def test_tiles_are_two_pixels_apart(treemap: Treemap) -> None:
    shown = [r for t in TILES if (r := treemap.tile_rect(t.path)) is not None]
    pairs = list(itertools.combinations(shown, 2))
    assert not any(a.adjusted(-1.9, -1.9, 1.9, 1.9).intersects(b) for a, b in pairs)
    assert any(a.adjusted(-2.1, -2.1, 2.1, 2.1).intersects(b) for a, b in pairs)
    # Between two tiles is no tile.
    search, chat = treemap.tile_rect(SEARCH), treemap.tile_rect(CHAT)
    assert search is not None and chat is not None
    assert search.right() < chat.left()
    assert treemap.tile_at(QPointF((search.right() + chat.left()) / 2, chat.center().y())) is None


def test_clicking_a_drillable_tile_activates_its_path(qtbot: QtBot, treemap: Treemap) -> None:
    with qtbot.waitSignal(treemap.activated, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(treemap, Qt.MouseButton.LeftButton, pos=_centre(treemap, CHAT))
    assert blocker.args == [CHAT]


def test_clicking_a_leaf_or_with_the_right_button_does_nothing(
    qtbot: QtBot, treemap: Treemap
) -> None:
    with qtbot.assertNotEmitted(treemap.activated):
        qtbot.mouseClick(treemap, Qt.MouseButton.LeftButton, pos=_centre(treemap, LEAF))
        qtbot.mouseClick(treemap, Qt.MouseButton.LeftButton, pos=_centre(treemap, UNALLOCATED))
        qtbot.mouseClick(treemap, Qt.MouseButton.RightButton, pos=_centre(treemap, SEARCH))


def test_hovering_a_tile_reports_it_and_explains_it(qtbot: QtBot, treemap: Treemap) -> None:
    with qtbot.waitSignal(treemap.hovered, timeout=TIMEOUT) as blocker:
        qtbot.mouseMove(treemap, _centre(treemap, SEARCH))
    assert blocker.args == [SEARCH]
    assert "search" in treemap.toolTip()
    assert money(5000.0) in treemap.toolTip()
    assert "50.0 %" in treemap.toolTip()
    assert treemap.cursor().shape() == Qt.CursorShape.PointingHandCursor
    with qtbot.waitSignal(treemap.hovered, timeout=TIMEOUT) as blocker:
        qtbot.mouseMove(treemap, _centre(treemap, LEAF))
    assert blocker.args == [LEAF]
    assert treemap.cursor().shape() != Qt.CursorShape.PointingHandCursor


def test_hovered_tile_is_highlighted(qtbot: QtBot, treemap: Treemap) -> None:
    rect = treemap.tile_rect(CHAT)
    assert rect is not None
    probe = (rect.bottomRight() - QPointF(12, 12)).toPoint()  # clear of the text
    before = _image(treemap).pixelColor(probe)
    assert _close(before, QColor("#59A14F"))
    qtbot.mouseMove(treemap, rect.center().toPoint())
    qtbot.waitUntil(lambda: not _close(_image(treemap).pixelColor(probe), before), timeout=TIMEOUT)


def test_tooltip_shows_bill_text_literally(qtbot: QtBot, treemap: Treemap) -> None:
    treemap.set_tiles([Tile(("x",), "<i>odd</i> & co", 10.0)])
    qtbot.mouseMove(treemap, _centre(treemap, ("x",)))
    qtbot.waitUntil(lambda: "&lt;i&gt;odd&lt;/i&gt; &amp; co" in treemap.toolTip(), timeout=TIMEOUT)


def test_unallocated_tile_is_grey_and_hatched(treemap: Treemap) -> None:
    rect = treemap.tile_rect(UNALLOCATED)
    assert rect is not None
    image = _image(treemap)
    grey = QColor(theme.UNALLOCATED_COLOUR)
    # A patch near the bottom-right corner, clear of the rounded edge and the text.
    corner = rect.bottomRight().toPoint()
    patch = [image.pixelColor(corner.x() - dx, corner.y() - dy)
             for dx in range(6, 22) for dy in range(6, 22)]
    plain = sum(_close(c, grey) for c in patch)
    assert plain > len(patch) / 2  # mostly the unallocated grey ...
    assert plain < len(patch)  # ... crossed by the hatch
    # An ordinary tile is neither.
    chat = treemap.tile_rect(CHAT)
    assert chat is not None
    assert not _close(image.pixelColor(chat.center().toPoint()), grey)


def test_resizing_lays_the_tiles_out_again(qtbot: QtBot, treemap: Treemap) -> None:
    treemap.resize(400, 300)
    qtbot.waitUntil(lambda: treemap.size().width() == 400, timeout=TIMEOUT)
    bounds = QRectF(treemap.rect())
    shown = [treemap.tile_rect(t.path) for t in TILES if t.value > 0]
    assert all(r is not None and bounds.contains(r) for r in shown)
    assert sum(r.width() * r.height() for r in shown if r) > 0.95 * 400 * 300


@pytest.mark.parametrize("tiles", [[], [Tile(("a",), "a", 0.0), Tile(("b",), "b", -4.0)]])
def test_nothing_to_show_shows_a_message(treemap: Treemap, tiles: list[Tile]) -> None:
    treemap.set_tiles(tiles)
    centre = QRectF(treemap.rect()).center()
    assert treemap.tile_at(centre) is None
    assert all(treemap.tile_rect(t.path) is None for t in tiles)
    image = _image(treemap)
    background = image.pixelColor(2, 2)
    y = int(centre.y())
    row = [image.pixelColor(x, y + dy) for x in range(image.width()) for dy in (-3, 0, 3)]
    assert any(not _close(c, background) for c in row)  # the message, across the middle
    assert all(_close(image.pixelColor(x, 20), background)
               for x in range(image.width()))  # and nothing else


# -- Breadcrumbs ---------------------------------------------------------------------------


@pytest.fixture
def crumbs(qtbot: QtBot) -> Iterator[Breadcrumbs]:
    application()
    widget = Breadcrumbs()
    qtbot.addWidget(widget)
    widget.set_trail([("All spend", ()), ("search", SEARCH),
                      ("document-search", ("search", "document-search"))])
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def test_breadcrumbs_list_the_trail(crumbs: Breadcrumbs) -> None:
    assert crumbs.labels() == ["All spend", "search", "document-search"]
    buttons = crumbs.findChildren(QToolButton)
    assert [b.text() for b in buttons] == ["All spend", "search"]  # the last is no link
    current = [label for label in crumbs.findChildren(QLabel)
               if label.text() == "document-search"]
    assert len(current) == 1 and current[0].font().bold()


def test_clicking_a_crumb_chooses_its_path(qtbot: QtBot, crumbs: Breadcrumbs) -> None:
    root, search = crumbs.findChildren(QToolButton)
    with qtbot.waitSignal(crumbs.chosen, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(root, Qt.MouseButton.LeftButton)
    assert blocker.args == [()]
    with qtbot.waitSignal(crumbs.chosen, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    assert blocker.args == [SEARCH]


def test_crumbs_show_bill_text_literally(qtbot: QtBot, crumbs: Breadcrumbs) -> None:
    crumbs.set_trail([("R&D", ()), ("<b>x</b>", ("<b>x</b>",))])
    qtbot.waitUntil(lambda: len(crumbs.findChildren(QToolButton)) == 1, timeout=TIMEOUT)
    assert crumbs.labels() == ["R&D", "<b>x</b>"]
    (button,) = crumbs.findChildren(QToolButton)
    assert button.text() == "R&&D"  # a lone "&" would underline the D and vanish
    (current,) = [label for label in crumbs.findChildren(QLabel) if label.text() == "<b>x</b>"]
    assert current.textFormat() == Qt.TextFormat.PlainText

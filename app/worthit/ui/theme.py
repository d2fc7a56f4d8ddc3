"""Light and dark appearance (as the user chose: Light, Dark, or following the OS), and the
colours every chart shares.

A provider keeps one colour everywhere (charts, legends, tables), chosen from the
Tableau 10 palette, which stays distinguishable for most colour-vision deficiencies.
The choice is kept in the user's Qt settings (``~/.config/Worthit/Worthit.conf`` on
Linux), so the next start looks the same."""

from __future__ import annotations

import contextlib
import enum
import functools
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from worthit import APP_NAME

if TYPE_CHECKING:
    from PySide6.QtWidgets import QProxyStyle, QStyleOption

PROVIDER_COLOURS: Final[dict[str, str]] = {
    "AWS": "#F28E2B",
    "Anthropic": "#B07AA1",
    "OpenAI": "#59A14F",
    "Microsoft": "#4E79A7",
    "Google Cloud": "#E15759",
    "Oracle": "#76B7B2",
}
SERIES_COLOURS: Final[tuple[str, ...]] = (
    "#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#B07AA1",
    "#76B7B2", "#EDC948", "#FF9DA7", "#9C755F", "#BAB0AC",
)
UNALLOCATED_COLOUR: Final = "#9AA0A6"


def provider_colour(name: str) -> str:
    if name in PROVIDER_COLOURS:
        return PROVIDER_COLOURS[name]
    return SERIES_COLOURS[sum(map(ord, name)) % len(SERIES_COLOURS)]


@dataclass(frozen=True, slots=True)
class Colours:
    """The few colours widgets need beyond the palette."""

    dark: bool
    background: str
    surface: str
    text: str
    muted: str
    grid: str
    good: str
    bad: str
    accent: str


LIGHT = Colours(False, "#F6F7F9", "#FFFFFF", "#1F2328", "#656D76", "#E3E6EA",
                "#1A7F37", "#CF222E", "#2F6FEB")
DARK = Colours(True, "#16181C", "#1F2227", "#E6E8EB", "#9AA1AA", "#30343A",
               "#3FB950", "#F85149", "#5B9BFF")


class Appearance(enum.Enum):
    """What the user chose in View › Appearance."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"

    @property
    def label(self) -> str:
        return {"system": "System", "light": "Light", "dark": "Dark"}[self.value]


#: The settings key holding the chosen :class:`Appearance`'s value.
SETTING: Final = "appearance"

_scheme: Qt.ColorScheme | None = None  # the scheme last applied
_session: Appearance | None = None  # a choice for this process only (a screenshot's)


def _settings() -> QSettings:
    return QSettings(APP_NAME, APP_NAME)


def stored() -> Appearance:
    """The appearance the user chose last time (System when never chosen or unreadable)."""
    value = _settings().value(SETTING, Appearance.SYSTEM.value)
    try:
        return Appearance(str(value))
    except ValueError:
        return Appearance.SYSTEM


def chosen() -> Appearance:
    """The appearance in force: this process's own choice, else the stored one."""
    return _session if _session is not None else stored()


def choose(app: QApplication, appearance: Appearance) -> None:
    """Remember ``appearance`` for the next start and apply it at once to every window."""
    global _session  # noqa: PLW0603 - one appearance per process
    settings = _settings()
    settings.setValue(SETTING, appearance.value)
    settings.sync()
    _session = None
    apply(app)


@contextlib.contextmanager
def appearance_for(app: QApplication, appearance: Appearance) -> Iterator[None]:
    """``appearance`` while the block runs, without remembering it (a screenshot's)."""
    global _session  # noqa: PLW0603 - one appearance per process
    before = _session
    _session = appearance
    apply(app)
    try:
        yield
    finally:
        _session = before
        apply(app)


def colours() -> Colours:
    scheme = _scheme if _scheme is not None else QGuiApplication.styleHints().colorScheme()
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


def apply(app: QApplication, scheme: Qt.ColorScheme | None = None) -> None:
    """Fusion style with a palette for the chosen appearance: Light or Dark as chosen,
    else the OS's colour scheme (``scheme`` when the OS just changed it). Connected to
    ``QStyleHints.colorSchemeChanged``, so System follows the OS; a fixed choice ignores
    it. Widgets drawn in the theme's colours redraw on their ``PaletteChange``."""
    global _scheme  # noqa: PLW0603 - one appearance per process
    fixed = {Appearance.LIGHT: Qt.ColorScheme.Light,
             Appearance.DARK: Qt.ColorScheme.Dark}.get(chosen())
    _scheme = fixed or (scheme if scheme is not None
                        else QGuiApplication.styleHints().colorScheme())
    c = colours()
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.background,
        QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.surface,
        QPalette.ColorRole.AlternateBase: c.background,
        QPalette.ColorRole.Text: c.text,
        QPalette.ColorRole.Button: c.surface,
        QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.Highlight: c.accent,
        QPalette.ColorRole.HighlightedText: "#FFFFFF",
        QPalette.ColorRole.ToolTipBase: c.surface,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.PlaceholderText: c.muted,
        QPalette.ColorRole.Link: c.accent,
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(c.muted))
    with _collector_paused():  # the style, palette and style sheet each repolish all
        _set_style(app, dark=c.dark)
        app.setPalette(palette)
        app.setStyleSheet(STYLE_SHEET.format(c=c))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's garbage collector paused while Qt repolishes every widget: Qt walks a list
    of them it took first, widgets run Python as their style changes, and a collection
    there freed the widgets of a closed window that only a reference cycle kept, which Qt
    then reached (a segmentation fault in ``QWidget::style()``)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


#: The application's property naming its style: "fusion" (Qt's own, as made with
#: :data:`FUSION_ARGUMENTS`) or "outlined" (:func:`_outlined_style`, set by :func:`apply`).
STYLE_PROPERTY: Final = "worthit.style"
#: The command-line arguments that make a new application's style Fusion without Python
#: ever holding the style: a QStyle handed to Python makes PySide6 create its class's
#: enums (5 ms), and a style written in Python has Qt call back into Python for every
#: control it draws (creating the style options' enums too, 7 ms). Light needs neither
#: before the window's first paint. An application made with them has
#: :data:`STYLE_PROPERTY` "fusion".
FUSION_ARGUMENTS: Final = ("-style", "Fusion")


def _set_style(app: QApplication, *, dark: bool) -> None:
    """Fusion as the application was made with it, while it has only been light; the
    outlined style from the first time dark is applied (or any time on an application
    made otherwise), and from then on for good: it draws light as Fusion does.

    Set once: with a style sheet, Qt wraps the style in a QStyleSheetStyle that becomes
    its parent, and setting the same style again deletes that wrapper and the style with
    it (a crash at the next paint); switching back and forth between two styles while
    windows were open crashed too (a test of light and dark in turn, with charts made
    before). Set anew only when another setStyle deleted it."""
    global _style  # noqa: PLW0603 - one style per process, owned by the application
    if _style is not None and shiboken6.isValid(_style):
        return
    if not dark and _style is None and app.property(STYLE_PROPERTY) == "fusion":
        return
    _style = _outlined_style()
    app.setStyle(_style)
    app.setProperty(STYLE_PROPERTY, "outlined")


def _outlined_style() -> QProxyStyle:
    """Fusion, with frames that show on a dark window. Fusion outlines check boxes, radio
    buttons, fields and buttons in the window colour darkened (``outline()`` in
    qfusionstyle.cpp): on a dark window they vanish, and an unchecked box is invisible.
    In dark, those controls are drawn with the muted text colour as their window."""
    style: QProxyStyle = _outlined_style_class()("Fusion")
    return style


@functools.cache
def _outlined_style_class() -> type[QProxyStyle]:
    from PySide6.QtWidgets import QProxyStyle, QStyle

    primitives = frozenset((
        QStyle.PrimitiveElement.PE_IndicatorCheckBox,
        QStyle.PrimitiveElement.PE_IndicatorRadioButton,
        QStyle.PrimitiveElement.PE_FrameLineEdit,
        QStyle.PrimitiveElement.PE_PanelButtonCommand,
    ))
    controls = frozenset((
        QStyle.ComplexControl.CC_SpinBox,
        QStyle.ComplexControl.CC_ComboBox,
    ))

    class OutlinedStyle(QProxyStyle):
        def drawPrimitive(self, element: Any, option: Any, painter: Any,
                          widget: Any = None) -> None:
            _drawn(super().drawPrimitive, element in primitives, element, option, painter,
                   widget)

        def drawComplexControl(self, control: Any, option: Any, painter: Any,
                               widget: Any = None) -> None:
            _drawn(super().drawComplexControl, control in controls, control, option, painter,
                   widget)

    return OutlinedStyle


def _drawn(draw: Any, outlined: bool, what: Any, option: Any, *rest: Any) -> None:
    """``draw(what, option, *rest)``, outlined in dark when ``outlined``."""
    if outlined and colours().dark:
        with _outlined(option):
            draw(what, option, *rest)
    else:
        draw(what, option, *rest)


@contextlib.contextmanager
def _outlined(option: QStyleOption) -> Iterator[None]:
    """``option`` drawn with a light window colour, which Fusion darkens for outlines."""
    before = QPalette(option.palette)
    palette = QPalette(before)
    palette.setColor(QPalette.ColorRole.Window, QColor(colours().muted))
    option.palette = palette
    try:
        yield
    finally:
        option.palette = before


_style: QProxyStyle | None = None  # the outlined style, once set


STYLE_SHEET = """
#Side {{ background: {c.surface}; border-right: 1px solid {c.grid}; }}
#Brand {{ font-size: 18px; font-weight: 700; padding: 0 18px; color: {c.accent}; }}
#Navigation {{ background: {c.surface}; border: none; font-size: 14px; outline: 0; }}
#Navigation::item {{ padding: 9px 14px; border-radius: 6px; margin: 2px 8px; }}
#Navigation::item:selected {{ background: {c.accent}; color: white; }}
#Card {{ background: {c.surface}; border: 1px solid {c.grid}; border-radius: 8px; }}
#Card[selected="true"] {{ border: 2px solid {c.accent}; }}
#CardTitle {{ color: {c.muted}; font-size: 12px; }}
#CardValue {{ font-size: 22px; font-weight: 600; }}
#CardNote {{ color: {c.muted}; font-size: 12px; }}
#PageTitle {{ font-size: 20px; font-weight: 600; }}
#SectionTitle {{ font-size: 14px; font-weight: 600; }}
#Readout {{ color: {c.muted}; font-size: 12px; }}
#Good {{ color: {c.good}; font-size: 12px; }}
#Verdict, #VerdictGood, #VerdictBad {{ background: {c.surface}; border: 1px solid {c.grid};
    border-left: 4px solid {c.muted}; border-radius: 6px; padding: 10px 12px;
    font-size: 14px; }}
#VerdictGood {{ border-left-color: {c.good}; }}
#VerdictBad {{ border-left-color: {c.bad}; }}
#Bad {{ color: {c.bad}; font-size: 12px; }}
#DemoBadge {{ background: {c.bad}; color: white; font-weight: 700; border-radius: 4px;
    padding: 1px 8px; }}
#EmptyState {{ background: {c.background}; }}
#EmptyTitle {{ font-size: 18px; font-weight: 600; }}
#EmptyStep {{ font-size: 14px; }}
#EmptyTable {{ color: {c.muted}; font-size: 13px; padding: 12px; }}
QPushButton#Segment {{ background: {c.surface}; color: {c.text}; border: 1px solid {c.muted};
    border-radius: 4px; padding: 4px 14px; }}
QPushButton#Segment:hover {{ border-color: {c.accent}; }}
QPushButton#Segment:checked {{ background: {c.accent}; color: white; border-color: {c.accent}; }}
QTableView {{ gridline-color: {c.grid}; border: 1px solid {c.grid}; border-radius: 6px; }}
QHeaderView::section {{ background: {c.background}; color: {c.muted}; border: none;
                        border-bottom: 1px solid {c.grid}; padding: 4px 6px; }}
"""

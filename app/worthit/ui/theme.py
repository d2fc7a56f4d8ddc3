"""Light and dark appearance following the OS, and the colours every chart shares.

A provider keeps one colour everywhere (charts, legends, tables), chosen from the
Tableau 10 palette, which stays distinguishable for most colour-vision deficiencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

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


_scheme: Qt.ColorScheme | None = None  # the scheme last applied


def colours() -> Colours:
    scheme = _scheme if _scheme is not None else QGuiApplication.styleHints().colorScheme()
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


def apply(app: QApplication, scheme: Qt.ColorScheme | None = None) -> None:
    """Fusion style with a palette for ``scheme`` (default: the OS's colour scheme).
    Connected to ``QStyleHints.colorSchemeChanged``, so the app follows the OS."""
    global _scheme  # noqa: PLW0603 - one appearance per process
    _scheme = scheme if scheme is not None else QGuiApplication.styleHints().colorScheme()
    app.setStyle("Fusion")
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
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET.format(c=c))


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
QTableView {{ gridline-color: {c.grid}; border: 1px solid {c.grid}; border-radius: 6px; }}
QHeaderView::section {{ background: {c.background}; color: {c.muted}; border: none;
                        border-bottom: 1px solid {c.grid}; padding: 4px 6px; }}
"""

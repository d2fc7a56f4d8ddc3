"""The app's colours for exports, copied from :mod:`worthit.ui.theme` (which imports Qt at
module level, so export cannot import it); a test keeps the two in step. Decks use the
light appearance: slides are projected and printed on white."""

from __future__ import annotations

from typing import Final

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

# theme.LIGHT
BACKGROUND: Final = "#F6F7F9"
SURFACE: Final = "#FFFFFF"
TEXT: Final = "#1F2328"
MUTED: Final = "#656D76"
GRID: Final = "#E3E6EA"
GOOD: Final = "#1A7F37"
BAD: Final = "#CF222E"
ACCENT: Final = "#2F6FEB"


def provider_colour(name: str) -> str:
    """The colour a provider has everywhere in the app (theme.provider_colour)."""
    if name in PROVIDER_COLOURS:
        return PROVIDER_COLOURS[name]
    return SERIES_COLOURS[sum(map(ord, name)) % len(SERIES_COLOURS)]

"""The pages, apart from any window: each one's name, title, and figures as a table, text
and JSON, from the period's :class:`~worthit.pages.figures.Figures`. The Qt views draw the
same results; ``worthit report``, ``worthit export table``, the deck, the webhook and the
alerts' links take them from here, so a figure is computed once and every surface shows
it. Adding a page is one module here (and its view).

Importing this package is cheap: each page imports its analysis when asked for figures.
"""

from __future__ import annotations

from typing import Final

from worthit.pages import allocation, leaks, overview, swap, units
from worthit.pages.page import Options, Page

#: The pages with figures, in the window's order.
PAGES: Final[dict[str, Page]] = {p.name: p for p in (
    overview.PAGE, allocation.PAGE, units.PAGE, leaks.PAGE, swap.PAGE)}

#: Every page's title, the window's pages without figures of their own included: what an
#: alert or a webhook message names when it says where its figures are explained.
TITLES: Final[dict[str, str]] = {**{name: p.title for name, p in PAGES.items()},
                                 "sources": "Sources", "alerts": "Alerts"}

__all__ = ["PAGES", "TITLES", "Options", "Page"]

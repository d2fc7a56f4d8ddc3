"""The pages, apart from any window: each one's name, title, and figures as a table, text
and JSON, from the period's :class:`~worthit.pages.figures.Figures`. The Qt views draw the
same results; ``worthit report``, ``worthit export table``, the deck, the webhook and the
alerts' links take them from here, so a figure is computed once and every surface shows
it. Adding a page is one module here (and its view).

Importing this package is cheap: each page imports its analysis when asked for figures.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Final

from worthit.pages.page import Options, Page

#: The modules of this package that make pages rather than being one: not imported to
#: look for a ``PAGE`` (the figures' module brings the store's reads, and the window
#: needs only the titles before its first paint).
_MACHINERY: Final = frozenset({"figures", "page", "table"})


def _discovered() -> dict[str, Page]:
    """Every module of this package that defines a ``PAGE``, in position order: a new
    page is found by being here, not by being listed."""
    found = []
    for module in pkgutil.iter_modules(__path__):
        if module.name in _MACHINERY:
            continue
        page = getattr(importlib.import_module(f"{__name__}.{module.name}"), "PAGE", None)
        if isinstance(page, Page):
            found.append(page)
    return {page.name: page for page in sorted(found, key=lambda page: page.position)}


#: The pages with figures, in the window's order.
PAGES: Final[dict[str, Page]] = _discovered()

#: Every page's title, the window's pages without figures of their own (after those with
#: figures) included: what an alert or a webhook message names when it says where its
#: figures are explained, and the views the window shows (``worthit.ui.views.NAME``).
TITLES: Final[dict[str, str]] = {**{name: p.title for name, p in PAGES.items()},
                                 "sources": "Sources", "alerts": "Alerts"}

__all__ = ["PAGES", "TITLES", "Options", "Page"]

"""The pages the window lists, in order: for each page of :data:`worthit.pages.TITLES`,
the view of the same name in ``worthit.ui.views`` (a page with figures is added by its
module in :mod:`worthit.pages` and its view here, nothing else).

A view's module is imported when its page is first shown, not when the window is built:
importing all twelve (and building them) took a third of a second before the first paint."""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, Final

from worthit.pages import TITLES

if TYPE_CHECKING:
    from worthit.ui.views.page import Page

#: The window's pages, in order.
NAMES: Final = tuple(TITLES)


@functools.cache
def view(name: str) -> type[Page]:
    """The page class of ``worthit.ui.views.NAME``: the one it defines named ``name``."""
    if name not in TITLES:
        raise LookupError(f"There is no page {name!r}; pages: {', '.join(NAMES)}.")
    from worthit.ui.views.page import Page

    module = importlib.import_module(f"worthit.ui.views.{name}")
    views = [v for v in vars(module).values()
             if isinstance(v, type) and issubclass(v, Page) and v.__module__ == module.__name__
             and getattr(v, "name", None) == name]
    if len(views) != 1:
        raise LookupError(f"worthit.ui.views.{name} should define one page named {name!r}")
    return views[0]

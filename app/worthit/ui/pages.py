"""The pages the window lists, in order: for each page of :data:`worthit.pages.TITLES`,
the view of the same name in ``worthit.ui.views`` (a page with figures is added by its
module in :mod:`worthit.pages` and its view here, nothing else)."""

from __future__ import annotations

import importlib

from worthit.pages import TITLES
from worthit.ui.views.page import Page


def _view(name: str) -> type[Page]:
    module = importlib.import_module(f"worthit.ui.views.{name}")
    views = [v for v in vars(module).values()
             if isinstance(v, type) and issubclass(v, Page) and v.__module__ == module.__name__
             and getattr(v, "name", None) == name]
    if len(views) != 1:
        raise LookupError(f"worthit.ui.views.{name} should define one page named {name!r}")
    return views[0]


PAGES: dict[str, type[Page]] = {name: _view(name) for name in TITLES}

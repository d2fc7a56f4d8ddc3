"""What a page is, apart from how a window draws it: its name and title, and its figures
as a table, as text and as JSON, each taken from the period's :class:`Figures` (where every
figure is computed once)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from worthit.pages.figures import Figures
    from worthit.pages.table import Table


@dataclass(frozen=True, slots=True)
class Options:
    """How a reader asked for the figures: the depth of the allocation tree to show (None:
    the page's own) and the unit-cost series' granularity (in :class:`Figures`)."""

    depth: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page: ``table`` feeds ``worthit report --format csv``, ``worthit export table``
    and the deck's tables; ``text`` the report's terminal output; ``json`` its JSON.
    ``position`` orders the pages (the window's list, the commands' choices)."""

    name: str
    title: str
    position: int
    table: Callable[[Figures], Table]
    text: Callable[[Figures, Options], str]
    json: Callable[[Figures, Options], dict[str, Any]]


def filters(figures: Figures, **more: str) -> dict[str, str]:
    """The lines a table's header block carries: workspace, what else made it, freshness."""
    fresh = figures.freshness
    return {"workspace": fresh.workspace, **more,
            "data": f"{fresh.through_label}; {fresh.synced_label}"}


def aligned(rows: Sequence[Sequence[str]], numeric_from: int = 1) -> list[str]:
    """Rows of text cells in columns: text left, figures (from ``numeric_from``) right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i >= numeric_from else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]

"""The names a vendor gives the ids its charges carry (API keys, projects, workspaces,
users), listed by a live source beside its charges, for :mod:`worthit.store.names`.

A connector that can list names registers a :data:`Lister` for its kind; the sync calls it
once the charges are fetched and writes what it lists with them. Names are a nicety, not
the bill: a listing that fails (a key without that scope answers 403, an answer of the
wrong shape) becomes a warning in words, and the usage still lands. The admin APIs page
their lists by object id (``after``/``after_id`` set to the last id of the page before,
while ``has_more``): :func:`listed` follows them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from worthit.core.errors import BadInput, UserError
from worthit.sources.bill import BillFile
from worthit.sources.http import Api

Name = tuple[str, str, str]
"""(kind, id, name): a kind of :data:`worthit.store.names.KINDS`."""


@dataclass
class Names:
    """What one listing found: the names of ``provider``'s ids, and a warning for each
    kind of id it could not list."""

    provider: str
    names: list[Name] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def failed(self, what: str, error: UserError) -> None:
        """Note that the names of ``what`` ("API keys") were not listed, and why."""
        self.warnings.append(f"the names of {what} were not updated: {error}")


Lister = Callable[[dict[str, Any], str | None, BillFile, Callable[[], bool]], Names]
"""``lister(settings, secret, found, cancelled)``: the names, its calls counted in
``found``; raises :class:`~worthit.core.errors.Cancelled` when asked to stop."""

LISTERS: dict[str, Lister] = {}


def register(kind: str, lister: Lister) -> Lister:
    LISTERS[kind] = lister
    return lister


def lister_of(kind: str) -> Lister | None:
    """The lister of a connector's kind, or None when its vendor names nothing."""
    from worthit.sources.connectors import connectors

    connectors()  # each connector's module registers its lister on import
    return LISTERS.get(kind)


def listed(api: Api, path: str, params: dict[str, Any], cursor: str) -> Iterator[dict[str, Any]]:
    """Each object of the list at ``path``, page after page: the next page is asked for
    with ``cursor`` set to the last id of the one before (its ``last_id``, else its last
    object's ``id``), while ``has_more``. Raises :class:`BadInput` for an answer of
    another shape."""
    file = api.vendor.file(path)
    after: str | None = None
    seen: set[str] = set()
    while True:
        page = api.get(path, {**params, cursor: after} if after else params)
        data = page.get("data")
        if not isinstance(data, list):
            raise BadInput("the answer has no 'data' list", file=file)
        for n, item in enumerate(data, 1):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or \
                    not item["id"]:
                raise BadInput(f"object {n} of the list has no 'id'", file=file)
            yield item
        more = page.get("has_more")
        if more is None or more is False:
            return
        if more is not True:
            raise BadInput(f"'has_more' is {more!r}, not true or false", file=file)
        last = page.get("last_id")
        after = last if isinstance(last, str) and last else \
            data[-1]["id"] if data else None
        if after is None:
            raise BadInput("'has_more' is true but the page has no last id", file=file)
        if after in seen:
            raise BadInput("the same last id came twice: the pages go round in a circle",
                           file=file)
        seen.add(after)


def name_of(item: dict[str, Any], *fields: str) -> str | None:
    """The first of ``fields`` that holds text (a list's object may leave a name out)."""
    for name in fields:
        value = item.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


__all__ = ["LISTERS", "Lister", "Name", "Names", "listed", "lister_of", "name_of", "register"]

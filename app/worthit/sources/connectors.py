"""Live sources: what a connector is, and the registry of those that work.

A connector pulls one source's charges for a window of days from an API and yields them as
charge rows (FOCUS columns, source id left empty), counting each into a :class:`BillFile`
as it goes, so the sync engine can reconcile what the API said against what landed, in the
same transaction that replaces the window's rows. It raises
:class:`worthit.core.errors.BadInput` naming the API and its answer when the answer is
wrong, and :class:`worthit.core.errors.Cancelled` when asked to stop.

Only connectors that work are registered: ``worthit sources add --help`` lists them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from worthit.sources.bill import BillFile, Progress

Pull = Callable[..., Iterator[list[Any]]]
"""``pull(settings, secret, start, end, found, *, cancelled, progress)``. ``settings``
holds the source's settings and, under ``"state"``, what the last successful pull left in
``found.state``; each API call adds one to ``found.requests``."""


@dataclass(frozen=True)
class Setting:
    name: str
    help: str
    default: str | None = None


@dataclass(frozen=True)
class Connector:
    kind: str
    title: str
    pull: Pull
    #: What the secret is (None when the connector needs none), e.g. "admin API key".
    secret: str | None
    settings: tuple[Setting, ...] = field(default=())
    #: Days fetched on the first sync; later syncs fetch from the last day held, minus
    #: ``open_days`` that a vendor may still restate.
    first_days: int = 90
    open_days: int = 2
    #: ``test(settings, secret) -> str``: one cheap call that proves the credentials and
    #: permissions, answering what it found in plain words, or raising UserError saying
    #: what is missing (e.g. the IAM action). None: the connector has no such call.
    test: Callable[[dict[str, Any], str | None], str] | None = None
    #: ``scan(settings, secret, found, held, today, *, cancelled) -> (start, end) | None``,
    #: for a source whose days come from what it holds rather than from the calendar (an
    #: export's new or changed files, days a vendor still estimates): the days to fetch,
    #: from ``settings["state"]``, the last day held and what it lists (calls counted in
    #: ``found``, what it saw left in ``found.state``); None when nothing is new. Not
    #: called when the user gives the days. None: the days come from :meth:`window`.
    scan: Callable[..., tuple[dt.date, dt.date] | None] | None = None
    #: Whether ``pull`` downloads files: it is then given ``folder=``, the workspace's
    #: folder, to download into (and clean up).
    downloads: bool = False
    #: What each API request costs, in dollars, when the vendor bills them (shown per sync).
    request_price: float = 0.0
    #: ``needs_secret(settings) -> bool`` when the secret is optional (AWS: not with a
    #: named profile, whose credentials boto3 finds itself). None: needed if ``secret``.
    needs_secret: Callable[[dict[str, Any]], bool] | None = None

    def wants_secret(self, settings: dict[str, Any]) -> bool:
        """Whether a source with these settings needs its secret from the keyring."""
        return bool(self.secret) and (self.needs_secret is None or
                                      self.needs_secret(settings))

    def window(self, last_held: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
        start = today - dt.timedelta(days=self.first_days - 1) if last_held is None else \
            last_held - dt.timedelta(days=self.open_days)
        return min(start, today), today


CONNECTORS: dict[str, Connector] = {}


def register(connector: Connector) -> Connector:
    CONNECTORS[connector.kind] = connector
    return connector


def connectors() -> dict[str, Connector]:
    """Every working connector, by kind (modules register themselves on import)."""
    from worthit.sources import (  # noqa: F401 (each registers itself)
        anthropic,
        aws_athena,
        aws_ce,
        aws_cloudwatch,
        aws_inventory,
        aws_s3,
        openai,
    )

    return CONNECTORS


__all__ = ["BillFile", "Connector", "Progress", "Setting", "connectors", "register"]

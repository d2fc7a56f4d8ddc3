"""Leak findings: one detector per kind of leak behind one small interface (a
:class:`~worthit.analysis.leaks.base.Context` in, findings out), each finding priced per
month, owned, evidenced and with fix steps. :func:`find_leaks` runs them all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

from worthit.analysis.leaks.agent_loops import agent_loops
from worthit.analysis.leaks.attribution import weak_attribution
from worthit.analysis.leaks.base import (
    KIND_TITLES,
    Context,
    Finding,
    Settings,
    load_settings,
    save_settings,
)
from worthit.analysis.leaks.capacity import always_on, hardware_fit, idle_capacity
from worthit.analysis.leaks.commitments import unused_commitments
from worthit.analysis.leaks.models import from_suggestions, prompt_bloat
from worthit.analysis.leaks.network import hidden_network
from worthit.analysis.leaks.runaway import runaway_agent
from worthit.analysis.leaks.storage import storage_graveyard
from worthit.core import commitments as commitment_terms
from worthit.store.cache import Cache
from worthit.store.meta import write_stamp

Detector = Callable[[Context], list[Finding]]
DETECTORS: Final[tuple[Detector, ...]] = (
    idle_capacity, always_on, storage_graveyard, from_suggestions, prompt_bloat, runaway_agent,
    hidden_network, weak_attribution, hardware_fit, unused_commitments, agent_loops,
)

__all__ = ["DETECTORS", "KIND_TITLES", "Finding", "Settings", "find_leaks", "load_settings",
           "save_settings"]


def find_leaks(cache: Cache, end: dt.date, settings: Settings | None = None, *,
               currency: str | None = None) -> list[Finding]:
    """Every finding in the 30 days ending ``end``, largest figure first, its amounts in
    ``currency`` (default: the display currency). Findings that save less than the floor
    per month (a one-off: in all) are dropped; informational ones (weak attribution,
    wanted network traffic) are kept while their cost reaches the floor."""
    settings = settings or load_settings(cache)
    return detect(Context(cache, end, settings, currency=currency))


def detect(ctx: Context) -> list[Finding]:
    """Every detector run over ``ctx``: the findings that reach the floor, largest figure
    (monthly saving, or one-off excess) first (:func:`find_leaks`, over a context a caller
    keeps to reuse its data).

    Remembered on the charge index per window, settings, day (commitments count their days
    to end from today) and write stamp (any row written anywhere in the cache changes it):
    the Overview's leak summary and the Leaks page look at the same window, as does every
    period ending on the same day, and the detectors read much of the cache (metrics,
    inventory, traces, commitments, rules) besides the charges."""
    stamp = write_stamp(ctx.cache)
    if stamp is None:  # an older cache, opened read-only: no stamp to trust
        return _detect(ctx)
    found: list[Finding] = ctx.index.remember(
        ("leaks", ctx.window, ctx.settings, commitment_terms.today(), stamp),
        lambda: _detect(ctx))
    return list(found)


def _detect(ctx: Context) -> list[Finding]:
    floor = ctx.settings.floor
    found = [f for detector in DETECTORS for f in detector(ctx)]
    kept = [f for f in found if f.figure >= floor
            or (f.informational and f.monthly_cost >= floor)]
    kept.sort(key=lambda f: (-f.figure, -f.monthly_cost, f.key))
    return kept

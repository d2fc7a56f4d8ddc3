"""The figures of one period, computed once and shared by every surface: each page's
analysis result, computed on first use and kept, plus what the workspace is and how fresh
its data is. The pages (:mod:`worthit.pages`) take their table, text and JSON from here,
and so do the deck, ``worthit report`` and ``worthit export``.

Overview, allocation, unit economics (weekly unless asked otherwise), leak findings over the
30 days to the period's end, and the model-swap usage with its suggestions and saved
scenarios, every amount in one currency: the workspace's display currency unless asked
for another (``worthit report --currency``).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from worthit.core.periods import Period, Preset, preset_period
from worthit.store.cache import Cache
from worthit.store.display import checked_currency, display_currency
from worthit.store.sources import all_sources
from worthit.store.syncs import last_synced

if TYPE_CHECKING:
    from worthit.analysis.allocation import Allocation
    from worthit.analysis.customers import CustomerCosts
    from worthit.analysis.leaks import Finding
    from worthit.analysis.leaks.base import Context
    from worthit.analysis.model_swap import Outcome, Suggestion, SwapData
    from worthit.analysis.overview import Overview
    from worthit.analysis.unit_economics import UnitEconomics
    from worthit.store.findings import FindingState


def default_period(cache: Cache) -> Period:
    """The last 30 days that have data (the CLI's and the window's default)."""
    data = cache.data_range()
    last = data[1] if data else dt.datetime.now(dt.UTC).date()
    return preset_period(Preset.LAST_30, last)


@dataclass(frozen=True, slots=True)
class Freshness:
    """What the data is and how fresh: for title slides and footnotes."""

    workspace: str
    first_day: dt.date | None
    data_through: dt.date | None
    synced_at: str | None  # ISO timestamp (UTC) of the last sync or import, if any
    sources: tuple[str, ...]  # "name (kind)"

    @property
    def synced_label(self) -> str:
        if not self.synced_at:
            return "never synced"
        return f"last synced {self.synced_at[:16].replace('T', ' ')} UTC"

    @property
    def through_label(self) -> str:
        return "no data" if self.data_through is None else \
            f"data through {self.data_through.isoformat()}"


def freshness(cache: Cache, fallback_name: str) -> Freshness:
    data = cache.data_range()
    runs = last_synced(cache)
    synced = max((t for t in (cache.get_meta("data.synced_at"), runs) if t), default=None)
    sources = tuple(f"{row['name']} ({row['kind']})" for row in all_sources(cache))
    return Freshness(cache.get_meta("workspace.name") or fallback_name,
                     data[0] if data else None, data[1] if data else None, synced, sources)


class Figures:
    """One period's figures from one cache (used on the thread that opened it), in one
    currency: ``currency`` if given, else the workspace's display currency."""

    def __init__(self, cache: Cache, period: Period | None = None, *,
                 workspace_name: str | None = None, granularity: str = "week",
                 currency: str | None = None) -> None:
        self.cache = cache
        self.period = period or default_period(cache)
        self.granularity = granularity  # of the unit-cost series
        self._name = workspace_name or cache.path.parent.name
        self._currency = None if currency is None else checked_currency(currency)

    @functools.cached_property
    def currency(self) -> str:
        """The currency of every amount of these figures."""
        return self._currency or display_currency(self.cache)

    @functools.cached_property
    def freshness(self) -> Freshness:
        return freshness(self.cache, self._name)

    @property
    def leak_window(self) -> Period:
        return Period(self.period.end - dt.timedelta(days=29), self.period.end)

    @functools.cached_property
    def overview(self) -> Overview:
        from worthit.analysis.overview import overview

        return overview(self.cache, self.period, currency=self.currency)

    @functools.cached_property
    def allocation(self) -> Allocation:
        from worthit.analysis.allocation import allocation

        return allocation(self.cache, self.period, currency=self.currency)

    @functools.cached_property
    def customers(self) -> CustomerCosts:
        """The period's request traces tied to its AI bill: cost per customer, run, key
        and feature (the Customers and Agent runs pages, the deck, the assistant)."""
        from worthit.analysis.customers import customer_costs

        return customer_costs(self.cache, self.period, currency=self.currency)

    @functools.cached_property
    def units(self) -> list[UnitEconomics]:
        from worthit.analysis.unit_economics import unit_economics

        return unit_economics(self.cache, self.period, self.granularity,
                              currency=self.currency)

    @functools.cached_property
    def _leak_context(self) -> Context:
        from worthit.analysis.leaks import load_settings
        from worthit.analysis.leaks.base import Context

        return Context(self.cache, self.period.end, load_settings(self.cache),
                       currency=self.currency)

    @functools.cached_property
    def leaks(self) -> list[Finding]:
        """``find_leaks(cache, period.end)``, run over a context this object keeps: when
        the period is the leak window (the default 30 days), the swap slide reuses the
        model-swap data and suggestions the leak detectors computed, which are most of a
        deck's time. A test holds this equal to ``find_leaks``."""
        from worthit.analysis.leaks import detect

        return detect(self._leak_context)

    @functools.cached_property
    def leak_states(self) -> dict[str, FindingState]:
        from worthit.store.findings import load_states

        return load_states(self.cache)

    @property
    def open_leaks(self) -> list[Finding]:
        """Findings not dismissed or snoozed today (those the report's total counts)."""
        today = dt.datetime.now(dt.UTC).date()
        states = self.leak_states
        return [f for f in self.leaks if not (f.key in states and states[f.key].hidden(today))]

    def leak_state(self, finding: Finding) -> str:
        state = self.leak_states.get(finding.key)
        return "open" if state is None else state.state

    @functools.cached_property
    def swap(self) -> SwapData:
        if self.period == self.leak_window:
            return self._leak_context.swap
        from worthit.analysis.model_swap import swap_data

        return swap_data(self.cache, self.period, currency=self.currency, units=False)

    @functools.cached_property
    def suggestions(self) -> list[Suggestion]:
        """The report's suggestions: ``suggestions(swap)`` (the first 12, by rank)."""
        if self.period == self.leak_window:
            # The detectors ask for up to 1,000, ranked the same way (every candidate is
            # simulated either way): the first 12 are the report's.
            return self._leak_context.suggestions[:12]
        from worthit.analysis.model_swap import suggestions

        return suggestions(self.swap)

    @functools.cached_property
    def scenarios(self) -> list[Outcome]:
        """Each saved scenario applied to the period's usage."""
        from worthit.analysis.model_swap import simulate
        from worthit.store.swap import load_scenarios

        return [simulate(self.swap, s) for s in load_scenarios(self.cache)]

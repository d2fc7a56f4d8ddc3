"""The assistant's tools as plain functions: each opens the workspace's cache read-only,
takes its figures from :mod:`worthit.pages` (so they equal ``worthit report NAME --format
json`` for the same period) and returns JSON-ready data with the period, the currency and
how fresh the data is. Every amount is in the workspace's display currency, as on the
pages; a period whose charges are in currencies without a rate is refused with a
:class:`~worthit.core.rates.MissingRates` naming them. Bad input is a :class:`UserError`
saying what to change."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from worthit.assistant.periods import asked_period, data_range
from worthit.core.errors import UserError
from worthit.core.periods import Period
from worthit.pages import PAGES, Options
from worthit.pages.figures import Figures
from worthit.store.cache import Cache
from worthit.workspace import Workspace

#: What ``alerts(state=...)`` may ask for.
ALERT_STATES: Final = ("all", "active", "resolved", "new", "acknowledged", "muted")
GRANULARITIES: Final = ("day", "week", "month")


class Reader:
    """One workspace, read: a new read-only connection for each call (calls may run on
    any thread, and never hold the cache between them)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @contextlib.contextmanager
    def figures(self, start: str | None = None, end: str | None = None, *,
                granularity: str = "week") -> Iterator[Figures]:
        """The asked period's :class:`Figures` (checked as the command line checks it)."""
        with Cache.open_read_only(self.workspace.cache_path) as cache:
            period = asked_period(cache, start, end)
            yield Figures(cache, period, workspace_name=self.workspace.name,
                          granularity=granularity)

    @contextlib.contextmanager
    def cache(self) -> Iterator[Cache]:
        with Cache.open_read_only(self.workspace.cache_path) as cache:
            yield cache


def _about(figures: Figures, period: Period) -> dict[str, Any]:
    """What every answer carries: the workspace, the period, the currency (of every
    amount: the display currency), freshness."""
    fresh = figures.freshness
    return {
        "workspace": fresh.workspace,
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "currency": figures.currency,
        "data_freshness": {
            "first_day": fresh.first_day.isoformat() if fresh.first_day else None,
            "data_through": fresh.data_through.isoformat() if fresh.data_through else None,
            "last_synced_utc": fresh.synced_at,
        },
    }


def _known(kind: str, name: str, known: Sequence[str]) -> None:
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise UserError(f"no {kind} {name!r} here: use one of {listed}")


# -- the pages -----------------------------------------------------------------------------


def overview(reader: Reader, start: str | None = None,
             end: str | None = None) -> dict[str, Any]:
    """The Overview page's JSON for the period, with the common facts."""
    with reader.figures(start, end) as figures:
        data = PAGES["overview"].json(figures, Options())
        return {**_about(figures, figures.period), **data}


def allocation(reader: Reader, start: str | None = None, end: str | None = None,
               depth: int = 4, team: str | None = None,
               feature: str | None = None) -> dict[str, Any]:
    """The Allocation page's JSON down to ``depth`` levels; with ``team`` and/or
    ``feature``, only their nodes (totals stay the whole period's)."""
    from worthit.analysis.allocation import LEVELS

    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= len(LEVELS):
        raise UserError(f"depth {depth!r}: give 1 (team), 2 (feature), 3 (service) or 4 "
                        "(resource)")
    with reader.figures(start, end) as figures:
        data = PAGES["allocation"].json(figures, Options(depth=len(LEVELS)))
        about = _about(figures, figures.period)
    nodes = data["tree"]
    if team is not None:
        _known("team", team, [n["name"] for n in nodes])
        nodes = [n for n in nodes if n["name"] == team]
    if feature is not None:
        features = [(t, f) for t in nodes for f in t.get("children", [])]
        _known("feature" + (f" under team {team!r}" if team else ""), feature,
               sorted({f["name"] for _, f in features}))
        nodes = [{**f, "team": t["name"]} for t, f in features if f["name"] == feature]
    return {**about, **data, "filter": {"team": team, "feature": feature},
            "tree": [_trim(n, depth) for n in nodes]}


def _trim(node: dict[str, Any], depth: int) -> dict[str, Any]:
    """A node of the full tree as the page's JSON shows it at ``depth`` levels."""
    from worthit.analysis.allocation import LEVELS

    out = {k: v for k, v in node.items() if k != "children"}
    if LEVELS.index(node["level"]) + 1 < depth and "children" in node:
        out["children"] = [_trim(c, depth) for c in node["children"]]
    return out


def unit_costs(reader: Reader, start: str | None = None, end: str | None = None,
               unit: str | None = None, granularity: str = "week") -> dict[str, Any]:
    """The Unit costs page's JSON, its series by ``granularity``; one unit (its id or
    name) when asked."""
    if granularity not in GRANULARITIES:
        raise UserError(f"granularity {granularity!r}: use day, week or month")
    with reader.figures(start, end, granularity=granularity) as figures:
        data = PAGES["units"].json(figures, Options())
        units = data["units"]
        if unit is not None:
            _known("unit", unit, [u["unit"] for u in units] + [u["name"] for u in units])
            units = [u for u in units if unit in (u["unit"], u["name"])]
        return {**_about(figures, figures.period), **data, "units": units}


def leaks(reader: Reader, end: str | None = None, kind: str | None = None,
          owner: str | None = None) -> dict[str, Any]:
    """The Leaks page's JSON for the 30 days to ``end``: every finding with its state;
    only one ``kind`` or one owner's (team or feature) when asked. ``monthly_saving`` and
    ``one_off`` are the page's (all open findings); ``shown_*`` those of the findings
    returned that are open."""
    from worthit.analysis.leaks import KIND_TITLES

    if kind is not None:
        _known("leak kind", kind, list(KIND_TITLES))
    with reader.figures(None, end) as figures:
        data = PAGES["leaks"].json(figures, Options())
        owners = {o for f in figures.leaks for o in (f.team, f.feature) if o}
        if owner is not None:
            _known("owner (team or feature) with findings", owner, sorted(owners))

        def shown(finding: Any) -> bool:
            return (kind is None or finding.kind == kind) and (
                owner is None or owner in (finding.team, finding.feature))

        keys = {f.key for f in figures.leaks if shown(f)}
        open_shown = [f for f in figures.open_leaks if f.key in keys]
        window = figures.leak_window
        return {**_about(figures, window), **data,
                "filter": {"kind": kind, "owner": owner},
                "findings": [f for f in data["findings"] if f["key"] in keys],
                "shown_monthly_saving": round(sum(f.monthly_saving for f in open_shown), 2),
                "shown_one_off": round(sum(f.one_off for f in open_shown), 2)}


#: The customers tool's views: each the JSON of the page of that name.
CUSTOMER_VIEWS: Final = ("customers", "runs", "keys")


def customers(reader: Reader, view: str = "customers", start: str | None = None,
              end: str | None = None) -> dict[str, Any]:
    """The Customers, Agent runs or Keys & users page's JSON for the period: cost per
    customer, run or API key, allocated from the bill."""
    if view not in CUSTOMER_VIEWS:
        raise UserError(f"view {view!r}: use one of {', '.join(CUSTOMER_VIEWS)}")
    with reader.figures(start, end) as figures:
        return {**_about(figures, figures.period), **PAGES[view].json(figures, Options())}


def model_swap(reader: Reader, feature: str | None, levers: Sequence[Mapping[str, Any]],
               start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """A what-if on the scenario engine (the Model swap page's): ``levers`` applied to the
    feature's AI usage over the period (all AI usage when ``feature`` is None)."""
    from worthit.analysis.model_swap import simulate
    from worthit.core.scenarios import scenario_from_json

    scenario = scenario_from_json({"name": "what-if", "feature": feature,
                                   "levers": list(levers)}, "model_swap")
    with reader.figures(start, end) as figures:
        data = figures.swap
        if feature is not None:
            _known("feature with AI usage", feature, list(data.features))
        used = data.models(feature)
        for lever in scenario.levers:
            if lever.model not in used:
                raise UserError(
                    f"lever {lever.describe()!r}: {lever.model[0]} {lever.model[1]} has no "
                    "usage" + (f" in {feature!r}" if feature else "") + "; use one of "
                    + ", ".join(f"[{p!r}, {m!r}]" for p, m in used))
        outcome = simulate(data, scenario)
        return {
            **_about(figures, data.period),
            "scenario": scenario.to_json(),
            "before": round(outcome.before, 2), "after": round(outcome.after, 2),
            "billed": round(outcome.billed, 2), "saving": round(outcome.saving, 2),
            "monthly_saving": round(outcome.monthly_saving, 2),
            "saving_pct": None if outcome.saving_pct is None else round(outcome.saving_pct, 4),
            "days_with_usage": outcome.days,
            "by_model": [{"provider": str(p), "model": str(m), "before": round(float(b), 2),
                          "after": round(float(a), 2)} for p, m, b, a in zip(
                outcome.by_model["provider"], outcome.by_model["model"],
                outcome.by_model["before"], outcome.by_model["after"], strict=True)],
            "unpriced": [f"{p}/{m}" for p, m in outcome.unpriced],
            "warnings": outcome.warnings,
        }


# -- the workspace's other facts -------------------------------------------------------------


def alerts(reader: Reader, state: str = "all") -> dict[str, Any]:
    """The alerts the last checks recorded (newest first), each with its state in words."""
    from worthit.store.alerts import Alert, last_check, load_alerts

    if state not in ALERT_STATES:
        raise UserError(f"state {state!r}: use one of {', '.join(ALERT_STATES)}")
    today = dt.datetime.now(dt.UTC).date()

    def wanted(a: Alert) -> bool:
        return {"all": True, "active": a.active, "resolved": not a.active,
                "muted": a.muted(today), "acknowledged": a.acknowledged_at is not None,
                "new": a.acknowledged_at is None and not a.muted(today)}[state]

    with reader.cache() as cache:
        found = [a for a in load_alerts(cache, limit=200) if wanted(a)]
        checked = last_check(cache)
        return {**_facts(reader, cache), "state": state,
                "last_check_utc": checked.isoformat(timespec="seconds") if checked else None,
                "alerts": [{**a.to_json(), "state": a.state(today)} for a in found]}


def budgets(reader: Reader) -> dict[str, Any]:
    """Each monthly budget with its month-to-date spend and month-end forecast, as of the
    last day with data (``worthit budgets list --output json``)."""
    from worthit.analysis.alerts import budget_statuses
    from worthit.store.alerts import load_budgets

    with reader.cache() as cache:
        found = load_budgets(cache)
        last = cache.data_range()
        statuses = budget_statuses(cache, found, last[1]) if last else []
        return {**_facts(reader, cache), "as_of": last[1].isoformat() if last else None,
                "budgets": [s.to_json() for s in statuses] if statuses else [
                    {"scope": b.scope, "name": b.name, "amount": b.amount} for b in found]}


def sources(reader: Reader) -> dict[str, Any]:
    """Each source's name, kind, days covered, charges, totals and last run; never its
    settings (keys live in the system keyring, which this never opens)."""
    from worthit.store.sources import list_sources

    with reader.cache() as cache:
        return {**_facts(reader, cache), "sources": list_sources(cache)}


def _facts(reader: Reader, cache: Cache) -> dict[str, Any]:
    """The common facts of an answer that is not about a period."""
    from worthit.pages.figures import freshness

    fresh = freshness(cache, reader.workspace.name)
    return {"workspace": fresh.workspace, "data_freshness": {
        "first_day": fresh.first_day.isoformat() if fresh.first_day else None,
        "data_through": fresh.data_through.isoformat() if fresh.data_through else None,
        "last_synced_utc": fresh.synced_at}}


def charges(reader: Reader, start: str | None = None, end: str | None = None,
            filters: Mapping[str, Any] | None = None, group_by: Sequence[str] = (),
            limit: int = 50) -> dict[str, Any]:
    """A search over the period's charges (:func:`worthit.store.search.search_charges`)."""
    from worthit.store.search import search_charges

    with reader.figures(start, end) as figures:
        period = figures.period
        found = search_charges(figures.cache, period.start, period.end, filters=filters,
                               group_by=list(group_by), limit=limit)
        for row in [*found.rows, *found.totals]:
            for key in ("effective_cost", "billed_cost"):
                row[key] = round(float(row[key]), 2)
        billed_in = sorted({str(t["currency"]) for t in found.totals if t.get("currency")})
        # Charges are shown as billed, never converted: each row and total names its own.
        return {**_about(figures, period),
                "currency": billed_in[0] if len(billed_in) == 1 else None,
                "currencies": billed_in, "filters": dict(filters or {}),
                "group_by": list(group_by), "rows": found.rows, "matched": found.matched,
                "truncated": found.truncated, "totals": found.totals}


def workspace(reader: Reader) -> dict[str, Any]:
    """What the workspace is: providers, days covered, currencies, units and targets."""
    from worthit.store.search import MAX_LIMIT, search_charges
    from worthit.store.units import load_units

    with reader.cache() as cache:
        first, last = data_range(cache)
        by_provider = search_charges(cache, first, last, group_by=["provider"],
                                     limit=MAX_LIMIT)
        return {
            **_facts(reader, cache),
            "period_covered": {"from": first.isoformat(), "to": last.isoformat()},
            "providers": sorted({str(r["provider"]) for r in by_provider.rows}),
            "currencies": sorted({str(r["currency"]) for r in by_provider.totals}),
            "units": [{"unit": u.unit_id, "name": u.name, "counts": u.counts_what,
                       "features": list(u.features), "target_cost": u.target_cost,
                       "revenue_per_unit": u.revenue_per_unit, "currency": u.currency}
                      for u in load_units(cache)],
        }

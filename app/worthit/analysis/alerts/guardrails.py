"""Unit-cost guardrails: a unit (a resolved ticket, 1,000 inferences) whose cost per unit
has been over its target on the Units page for ``guardrail_days`` counted days in a row,
up to the latest counted day.

Days without a count (a gap, or counts not imported yet) neither break nor extend the run.
The run is followed back through all the data, so its first day (the alert's key) stays
put while the run goes on; the alert's size is the cost above target over the run's last
``lookback_days`` days (a month, comparable with a leak's saving)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from worthit.core.money import money, percent, unit_money
from worthit.core.periods import Period
from worthit.core.plural import plural
from worthit.store.alerts import Alert, AlertSettings
from worthit.store.cache import Cache
from worthit.store.units import load_units

if TYPE_CHECKING:
    from worthit.analysis.unit_economics import Bucket, UnitEconomics


def guardrail_alerts(cache: Cache, first: dt.date, as_of: dt.date, settings: AlertSettings,
                     feature_teams: Mapping[str, str]) -> list[Alert]:
    """Each unit with a target whose run over it reached ``guardrail_days``, looked for in
    the days ``first`` (the first with data) to ``as_of``."""
    from worthit.analysis.unit_economics import unit_economics

    units = [u for u in load_units(cache) if u.target_cost is not None]
    if not units:
        return []
    found = unit_economics(cache, Period(first, as_of), "day", units)
    return [a for e in found if (a := _alert(e, settings, feature_teams)) is not None]


def over_target_run(daily: Sequence[Bucket], target: float) -> list[Bucket]:
    """The latest counted days over ``target`` in a row, newest first (empty when the
    latest counted day is on target)."""
    run = []
    for bucket in reversed(daily):
        cost = bucket.unit_cost
        if cost is None:
            continue
        if cost <= target:
            break
        run.append(bucket)
    return run


def _alert(e: UnitEconomics, s: AlertSettings,
           feature_teams: Mapping[str, str]) -> Alert | None:
    u = e.unit
    target = u.target_cost
    assert target is not None
    run = over_target_run(e.daily, target)
    if len(run) < s.guardrail_days:
        return None
    recent = [b for b in run if (run[0].start - b.start).days < s.lookback_days]
    cost, count = sum(b.cost for b in recent), sum(b.count for b in recent)
    per_unit = cost / count
    over = per_unit / target - 1
    excess = cost - target * count
    first, days = run[-1].start, (run[0].start - run[-1].start).days + 1
    teams = sorted({feature_teams[f] for f in u.features if f in feature_teams})
    # One team owns the features, or several do (then the features are in the numbers).
    team = ", ".join(teams) or None
    feature = ", ".join(u.features) if len(teams) <= 1 and u.features else None
    subject = f"unit_cost:{u.unit_id}"
    what = u.name.lower()
    return Alert(
        f"{subject}:{first.isoformat()}", subject, "unit_cost", "breach",
        f"{u.name}: {unit_money(per_unit, u.currency)} per {what} against a "
        f"{unit_money(target, u.currency)} target ({percent(over, signed=True, digits=0)}), "
        f"over it every counted day since {first.isoformat()}",
        f"{u.name}: {percent(over, signed=True, digits=0)} over target for {len(run)} days",
        team=team, feature=feature,
        amount=excess, percent=over, series=f"Cost per {what} by day", page="units",
        focus=u.unit_id,
        numbers={
            "Target": f"{unit_money(target, u.currency)} per {what}",
            f"Cost per {what}": f"{unit_money(per_unit, u.currency)} over the last "
                                f"{plural(len(recent), 'counted day')}",
            "Cost above target": f"{money(excess, u.currency)} over those days",
            "Over target since": f"{first.isoformat()} ({plural(len(run), 'counted day')} of "
                                 f"{days})",
            "Guardrail": f"over target {s.guardrail_days} counted days in a row",
            "Features": ", ".join(f"{f} ({feature_teams.get(f, 'no team')})"
                                  for f in u.features) or "none",
        })

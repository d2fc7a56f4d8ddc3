"""Commitment alerts: a commitment whose utilisation has stayed under a threshold for days
in a row up to the check's day (paid for, and not used), and one that ends within a
horizon (its usage turns to on-demand prices the day after). Both are owned by the team
whose usage the commitment covers (:mod:`worthit.analysis.commitments`), keyed by kind and
commitment, and open the Commitments page on it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from worthit.core.money import money, percent
from worthit.core.plural import plural
from worthit.core.rules import UNALLOCATED
from worthit.store.alerts import Alert, AlertSettings

if TYPE_CHECKING:
    from worthit.analysis.commitments import Commitment, CommitmentDay, Commitments


def commitment_alerts(found: Commitments, as_of: dt.date,
                      settings: AlertSettings) -> list[Alert]:
    """The low-utilisation alerts of ``found`` for the days up to ``as_of`` (the check's
    day) and its ending-soon alerts, whose days to end count from ``found.as_of`` (today,
    when the check runs: an end date is a fact of the calendar, not of the data held)."""
    alerts = []
    for c in found.commitments:
        run = low_run(c.days, as_of, settings.commitment_utilisation)
        if len(run) >= max(1, settings.commitment_days):
            alerts.append(_low(c, run, settings))
        if c.days_to_end is not None and 0 <= c.days_to_end <= settings.commitment_horizon_days:
            alerts.append(_ending(c, settings, found.as_of))
    return alerts


def low_run(days: Sequence[CommitmentDay], as_of: dt.date,
            threshold: float) -> list[CommitmentDay]:
    """The days in a row, ending on ``as_of``, whose utilisation was under ``threshold``
    per cent, oldest first (empty when ``as_of`` was not one). A day that committed nothing,
    or without figures, ends the run: nothing was paid for then."""
    by_day = {d.day: d for d in days}
    run: list[CommitmentDay] = []
    day = as_of
    while (held := by_day.get(day)) is not None and held.utilisation is not None \
            and held.utilisation * 100 < threshold:
        run.append(held)
        day -= dt.timedelta(days=1)
    return run[::-1]


def _owner(c: Commitment) -> str | None:
    return None if c.owner == UNALLOCATED else c.owner


def _numbers(c: Commitment) -> dict[str, str]:
    return {"Commitment": f"{c.name or c.commitment_id} ({c.kind})",
            "Id": c.commitment_id, "Covers": c.covers, "Term": c.term or "not stated",
            "Ends": "not stated" if c.end is None else c.end.date().isoformat(),
            "Owner": c.owner}


def _low(c: Commitment, run: list[CommitmentDay], s: AlertSettings) -> Alert:
    used = math.fsum(d.used for d in run)
    unused = math.fsum(d.unused for d in run)
    share = used / (used + unused)
    name = c.name or c.commitment_id
    first, last = run[0].day, run[-1].day
    subject = f"commitment_utilisation:{c.commitment_id}"
    return Alert(
        subject, subject, "commitment_utilisation", "warning",
        f"{name}: {percent(share, digits=0)} used over the last {plural(len(run), 'day')}, "
        f"under the {s.commitment_utilisation:g} % threshold every day since "
        f"{first.isoformat()} ({money(unused, c.currency)} paid for and not used)",
        f"{name}: {percent(share, digits=0)} used for {plural(len(run), 'day')}",
        team=_owner(c), amount=unused, percent=share,
        series="Commitment utilisation by day", page="commitments", focus=c.commitment_id,
        numbers={**_numbers(c),
                 "Utilisation": ", ".join(f"{d.day:%b} {d.day.day}: "
                                          f"{percent(d.utilisation, digits=0)}" for d in run),
                 "Unused in those days": money(unused, c.currency),
                 "Under threshold": f"{first.isoformat()} to {last.isoformat()}",
                 "Alert": f"utilisation under {s.commitment_utilisation:g} % for "
                          f"{plural(s.commitment_days, 'day')} in a row"})


def _ending(c: Commitment, s: AlertSettings, today: dt.date) -> Alert:
    assert c.days_to_end is not None and c.end is not None
    name = c.name or c.commitment_id
    end = c.end.date().isoformat()
    when = "today" if c.days_to_end == 0 else f"in {plural(c.days_to_end, 'day')}"
    counted = f"counted from {today.isoformat()}"
    subject = f"commitment_ending:{c.commitment_id}"
    return Alert(
        subject, subject, "commitment_ending", "warning",
        f"{name} ({c.kind}, {c.covers}) ends {when}, on {end} ({counted}): the usage it "
        "covers is billed at on-demand prices after that unless it is renewed",
        f"{name}: ends {when}",
        team=_owner(c), series="Commitment utilisation by day", page="commitments",
        focus=c.commitment_id,
        numbers={**_numbers(c),
                 "Utilisation over the window": percent(c.utilisation, digits=0),
                 "Committed over the window": money(c.committed, c.currency),
                 "Days to end": f"{c.days_to_end} ({counted})",
                 "Alert": f"ending within {plural(s.commitment_horizon_days, 'day')}"})

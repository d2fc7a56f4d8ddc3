"""Unused commitments: a savings plan, reservation or provisioned throughput that paid for
more than the usage it covered in the leak window. The saving is what a commitment sized
to the 10th-percentile day of its use would not have left unused: such a commitment covers
that day in full and nine days in ten, and still wastes on the days below it."""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

from worthit.analysis.leaks.base import WINDOW_DAYS, Context, Evidence, Finding
from worthit.core.money import percent
from worthit.core.rules import UNALLOCATED

if TYPE_CHECKING:
    from worthit.analysis.commitments import Commitment, Commitments

#: The percentile of daily use a smaller commitment is sized to.
SIZED_TO = 10


def unused_commitments(ctx: Context) -> list[Finding]:
    """One finding per commitment still running whose utilisation over the window is under
    ``commitment_utilisation`` per cent and whose unused cost exceeds ``commitment_unused``."""
    s = ctx.settings
    found = []
    for c in window_commitments(ctx).commitments:
        utilisation = c.utilisation
        if (utilisation is None or utilisation * 100 >= s.commitment_utilisation
                or c.unused <= s.commitment_unused
                or (c.days_to_end is not None and c.days_to_end < 0)):
            continue
        found.append(_finding(ctx, c, utilisation))
    return found


def sized_saving(days_used: list[float], unused: float) -> tuple[float, float, float]:
    """(p10 daily use, what a commitment of that size a day would have left unused, the
    saving): the saving is ``unused`` less that, between 0 and ``unused``."""
    import numpy as np

    p10 = float(np.percentile(days_used, SIZED_TO)) if days_used else 0.0
    left = math.fsum(max(0.0, p10 - used) for used in days_used)
    return p10, left, min(unused, max(0.0, unused - left))


def _finding(ctx: Context, c: Commitment, utilisation: float) -> Finding:
    days = [d for d in c.days if d.committed > 0]
    held = len(days)
    p10, left, saving = sized_saving([d.used for d in days], c.unused)
    # A recurring monthly figure: the window's days it ran, scaled to the window.
    scale = WINDOW_DAYS / held if held else 1.0
    team = None if c.owner == UNALLOCATED else c.owner
    name = c.name or c.commitment_id
    unused_monthly, saving_monthly = c.unused * scale, saving * scale
    per_day = c.committed / held if held else 0.0
    fix = ["Check with the owner whether the covered usage moved, shrank or is coming back.",
           f"Exchange or resize it towards {ctx.money(p10)} a day of commitment (its p10 "
           "day), or sell the surplus where the provider allows (reserved instances).",
           "Otherwise move eligible usage onto it before buying anything new."]
    if c.days_to_end is not None and c.days_to_end <= WINDOW_DAYS:
        fix.insert(0, f"It ends in {c.days_to_end} days (on {c.end:%Y-%m-%d}): renew it "
                      "smaller, or let it lapse.")
    return Finding(
        "unused_commitment", f"unused_commitment:{c.commitment_id}",
        f"{name} ({c.kind}) used {percent(utilisation, digits=0)} of its commitment: "
        f"{ctx.money(c.unused)} unused in {held} days",
        c.committed * scale, saving_monthly, team, None, c.commitment_id,
        Evidence("Commitment utilisation by day (%)", [d.day for d in c.days],
                 [100.0 * (d.utilisation or 0.0) for d in c.days], "%",
                 {"committed in the window": ctx.money(c.committed),
                  "used": ctx.money(c.used), "unused": ctx.money(c.unused),
                  "utilisation": percent(utilisation, digits=1),
                  f"p{SIZED_TO} daily use": ctx.money(p10),
                  "committed per day": ctx.money(per_day),
                  "covers": c.covers, "owner": c.owner,
                  "ends": "not stated" if c.end is None else c.end.date().isoformat()},
                 ctx.settings.commitment_utilisation),
        fix,
        f"Saving: a commitment sized to the p{SIZED_TO} of its daily use ({ctx.money(p10)} a "
        f"day) would have left {ctx.money(left)} of the {ctx.money(c.unused)} unused over "
        f"the {held} days it ran in the window; the difference, per month "
        f"(× {WINDOW_DAYS}/{held}), is the saving ({ctx.money(unused_monthly)} unused a "
        "month in all). Usage above that size would be billed on demand.",
        currency=ctx.currency)


def window_commitments(ctx: Context) -> Commitments:
    """The commitments of the leak window in the context's currency, owned as the
    window's allocation owns the usage they cover (computed once per context); their days
    to end count from today, not from the window's end. Commitments alone: no coverage,
    no "If you committed"."""
    found: Commitments = ctx.once("commitments", lambda: _in_context_currency(ctx))
    return found


def _in_context_currency(ctx: Context) -> Commitments:
    from worthit.analysis.commitments import commitments

    found = commitments(ctx.cache, ctx.window, allocation=ctx.allocation, coverage=False)
    to = ctx.currency
    if all(c.currency == to for c in found.commitments):
        return found
    # The commitments came in the display currency: each day at that day's rate to ours.
    import numpy as np

    from worthit.analysis.charge_index import rates_for
    from worthit.core.days import day_number

    rates = rates_for(ctx.index, ctx.cache)
    out = []
    for c in found.commitments:
        numbers = np.array([day_number(d.day) for d in c.days], np.int64)
        quotes = rates.quotes(c.currency, to, numbers)
        if any(q is None for q in quotes):
            continue  # no rate: left out rather than summed in two currencies
        days = tuple(dataclasses.replace(d, used=d.used * q.rate, unused=d.unused * q.rate,
                                         unstated=d.unstated * q.rate)
                     for d, q in zip(c.days, quotes, strict=True) if q is not None)
        out.append(dataclasses.replace(
            c, currency=to, days=days, used=math.fsum(d.used for d in days),
            unused=math.fsum(d.unused for d in days),
            unstated=math.fsum(d.unstated for d in days)))
    return dataclasses.replace(found, commitments=tuple(out), currencies=(to,) if out else ())

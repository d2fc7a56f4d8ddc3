"""Named figures and the surfaces that show them.

A figure's name says what it is and the days it covers (``team spend · search ·
2026-10-28 – 2026-11-26``): two figures on different bases (a spike's excess and a monthly
saving, a saving over 7 days of usage and one over 30) have different names, so each
keeps its own value. Every surface records what it shows at the precision it shows it:
an exact number (the JSON rounds to the cent, the CSV to a millionth), ``$7,659`` (to
the dollar), a sum of k chart bars each rounded to the cent (k cents). Two entries of one
name agree when they are within half of each one's precision of each other: "to the
cent" wherever a surface shows cents."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from worthit.core.periods import Period

CENT = 0.01
#: What a millionth-precise CSV amount is good to.
MILLIONTH = 1e-6
EPSILON = 1e-9

Name = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One surface's value of a figure, good to ``precision``."""

    surface: str
    value: float
    precision: float

    def agrees(self, other: Entry) -> bool:
        return abs(self.value - other.value) <= (self.precision + other.precision) / 2 + EPSILON

    def __str__(self) -> str:
        return f"{self.surface}: {self.value:,.6f} (±{self.precision / 2:g})"


_MONEY = re.compile(r"(?P<sign>[+−-]?)\$(?P<whole>\d[\d,]*)(?P<cents>\.\d+)?")


def amounts(text: str, after: str = "") -> list[tuple[float, float]]:
    """Every amount (``$1,234``, ``−$5.50``, ``+$8,509``) in ``text`` after the first
    ``after``, each with the precision it is written to."""
    at = text.find(after) if after else 0
    assert at >= 0, f"{after!r} is not in {text!r}"
    out = []
    for found in _MONEY.finditer(text, at + len(after)):
        cents = found["cents"] or ""
        value = float(found["whole"].replace(",", "") + cents)
        precision = 10.0 ** -(len(cents) - 1) if cents else 1.0
        out.append((-value if found["sign"] in ("−", "-") else value, precision))
    return out


def money_in(text: str, after: str = "") -> tuple[float, float]:
    """The first amount in ``text`` after the first ``after`` (:func:`amounts`); an
    AssertionError when there is none."""
    found = amounts(text, after)
    assert found, f"no amount after {after!r} in {text!r}"
    return found[0]


class Ledger:
    """Every figure recorded, by name, with the surfaces that show it."""

    def __init__(self) -> None:
        self.entries: dict[Name, list[Entry]] = defaultdict(list)

    def record(self, name: Name, surface: str, value: float | None,
               precision: float = CENT) -> None:
        """``surface`` shows ``value`` (good to ``precision``) as the figure ``name``;
        a figure a surface leaves blank (None) is not recorded."""
        if value is not None:
            self.entries[name].append(Entry(surface, float(value), precision))

    def shown(self, name: Name, surface: str, text: str, after: str = "") -> None:
        """``surface`` shows the figure as the first amount in ``text`` after ``after``."""
        value, precision = money_in(text, after)
        self.record(name, surface, value, precision)

    def shown_range(self, low: Name, high: Name, surface: str, text: str) -> None:
        """``surface`` shows a range ``P10–P90 $low–$high`` in ``text``."""
        found = amounts(text, "P10–P90 ")
        assert len(found) >= 2, text
        self.record(low, surface, *found[0])
        self.record(high, surface, *found[1])

    @classmethod
    def of(cls, *books: Ledger) -> Ledger:
        """One ledger with every entry of ``books``."""
        out = cls()
        for book in books:
            for name, entries in book.entries.items():
                out.entries[name].extend(entries)
        return out

    def surfaces(self, name: Name) -> set[str]:
        return {e.surface for e in self.entries.get(name, [])}

    def value(self, name: Name) -> float:
        """The figure's most precise value."""
        return min(self.entries[name], key=lambda e: e.precision).value

    def names(self, first: str) -> list[Name]:
        """The names of one kind of figure (``"team spend"``)."""
        return [n for n in self.entries if n[0] == first]

    def disagreements(self) -> list[str]:
        """Each name whose surfaces disagree, with every value it has."""
        out = []
        for name, entries in self.entries.items():
            if any(not a.agrees(b) for a, b in combinations(entries, 2)):
                shown = "\n    ".join(str(e) for e in sorted(entries, key=lambda e: e.value))
                out.append(f"{' · '.join(name)}:\n    {shown}")
        return out


# -- names ------------------------------------------------------------------------------------


def span(period: Period) -> str:
    return f"{period.start} – {period.end}"


def month_to_date(through: dt.date) -> Period:
    return Period(through.replace(day=1), through)


def total(period: Period) -> Name:
    return ("total spend", span(period))


def provider(name: str, period: Period) -> Name:
    return ("provider spend", name, span(period))


def daily(provider_name: str, day: dt.date) -> Name:
    """One day's spend with a provider (``all providers``: the day's total)."""
    return ("spend of the day", provider_name, day.isoformat())


def ai(period: Period) -> Name:
    return ("AI spend", span(period))


def team(name: str, period: Period) -> Name:
    """A top node of Allocation (Unallocated included)."""
    return ("team spend", name, span(period))


def feature(team_name: str, name: str, period: Period) -> Name:
    """A feature node of Allocation (a reason under Unallocated included)."""
    return ("feature spend", team_name, name, span(period))


def feature_total(name: str, period: Period) -> Name:
    """A feature's spend whichever team carries it: Overview's feature movers (by the
    feature tag), Allocation's feature nodes added up, a feature's budget."""
    return ("feature spend, all teams", name, span(period))


def mover(dimension: str, name: str, period: Period) -> Name:
    """Overview's spend by a dimension's value (service, model, feature)."""
    if dimension == "feature":
        return feature_total(name, period)
    return (f"spend by {dimension}", name, span(period))


def change(dimension: str, name: str, period: Period) -> Name:
    return (f"change in spend by {dimension}", name, span(period))


def forecast(scope: str, name: str, through: dt.date) -> Name:
    return ("month-end forecast", scope, name, through.isoformat())


def forecast_range(bound: str, scope: str, name: str, through: dt.date) -> Name:
    """The P10 or P90 (``bound``) of a month-end forecast."""
    return (f"month-end forecast {bound}", scope, name, through.isoformat())


def over_budget(scope: str, name: str, through: dt.date) -> Name:
    return ("forecast over budget by month end", scope, name, through.isoformat())


def leak_saving(window: Period) -> Name:
    return ("recurring monthly saving of open findings", span(window))


def leak_saving_past(top: int, window: Period) -> Name:
    """What the open findings past the ``top`` largest savings save together."""
    return (f"recurring monthly saving of open findings past the {top} largest", span(window))


def leak_one_off(window: Period) -> Name:
    return ("one-off excess of open findings", span(window))


def finding(what: str, key: str, window: Period) -> Name:
    """``what``: monthly saving, one-off excess or monthly cost of the finding ``key``."""
    return (f"finding {what}", key, span(window))


def lever(kind: str, feature_name: str | None, model: str, period: Period) -> Name:
    """A model-swap lever's monthly saving (smaller, cache, batch, route) on one feature's
    use of one model (``provider/model``), priced on the usage of ``period``."""
    return ("lever monthly saving", kind, feature_name or "All AI spend", model, span(period))


def scenario(name: str, period: Period) -> Name:
    return ("saved scenario monthly saving", name, span(period))


def spike(resource: str, window: Period) -> Name:
    """The excess over its baseline of a resource's spikes flagged in ``window``."""
    return ("spike excess", resource, span(window))


def incident(key: str) -> Name:
    return ("spike incident excess", key)


def above_target(key: str) -> Name:
    return ("unit cost above target", key)


def unit_spend(unit: str, period: Period) -> Name:
    return ("unit's cost", unit, span(period))


def unit_cost(unit: str, period: Period) -> Name:
    return ("cost per unit", unit, span(period))

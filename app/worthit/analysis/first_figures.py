"""The Overview's figures as the page draws them: first the period's
:class:`~worthit.analysis.overview.Overview` and unit costs (:class:`FirstFigures`), then
what the open leak findings could save (:class:`LeakSummary`), made into plain values
(numbers, texts, dates, chart series), with nothing left to compute but formatting.

They are made once on a worker (:func:`first_figures`, pandas' work included) and written
whole to JSON and back (:meth:`FirstFigures.to_json`, :meth:`FirstFigures.of_json`) without
loss: floats by their shortest exact text, so a remembered copy
(:mod:`worthit.analysis.remembered_figures`) draws the same bits as a fresh one. This module
imports neither pandas nor numpy; drawing remembered figures needs neither.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from worthit.analysis.forecast import Forecast
from worthit.core.periods import Period

if TYPE_CHECKING:
    from collections.abc import Sequence

    from worthit.analysis.leaks import Finding
    from worthit.analysis.overview import Overview
    from worthit.analysis.series import Series
    from worthit.analysis.unit_economics import UnitEconomics
    from worthit.store.cache import Cache

#: The Overview's token series, by their column in ``Overview.tokens_daily``.
TOKEN_SERIES: Final = {"input": "Input (uncached)", "cached_input": "Cached input",
                       "output": "Output"}
#: The columns of a mover's record, as the movers' frames name them.
MOVER_FIELDS: Final = ("dimension", "name", "previous", "current", "change", "change_pct")


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart's buckets: their first days, one value per bucket for each named series
    (largest total first), and whether a bucket is a day or a week (a daily average)."""

    starts: tuple[dt.date, ...]
    values: dict[str, tuple[float, ...]]
    granularity: str

    @classmethod
    def of(cls, series: Series) -> Chart:
        return cls(tuple(series.starts),
                   {name: tuple(float(v) for v in values)
                    for name, values in series.values.items()},
                   series.granularity)

    def to_json(self) -> dict[str, Any]:
        return {"starts": [d.isoformat() for d in self.starts],
                "values": {name: list(values) for name, values in self.values.items()},
                "granularity": self.granularity}

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> Chart:
        return cls(tuple(dt.date.fromisoformat(d) for d in data["starts"]),
                   {str(name): tuple(float(v) for v in values)
                    for name, values in data["values"].items()},
                   str(data["granularity"]))


@dataclass(frozen=True, slots=True)
class UnitCost:
    """What a unit's card shows: its cost per unit against its target, and its verdict."""

    unit_id: str
    name: str
    currency: str
    unit_cost: float | None
    target_cost: float | None
    verdict: str

    @classmethod
    def of(cls, e: UnitEconomics) -> UnitCost:
        return cls(e.unit.unit_id, e.unit.name, e.unit.currency, e.unit_cost,
                   e.unit.target_cost, e.verdict)


@dataclass(frozen=True)
class FirstFigures:
    """Every figure of the Overview but the leaks', as computed for :attr:`period`."""

    period: Period
    previous: Period
    currency: str
    #: How figures billed in other currencies were converted ('' when none were).
    conversion: str
    total: float
    unamortised: float
    commitment_amortisation: float
    previous_total: float
    previous_complete: bool
    change_pct: float | None
    ai_total: float
    ai_share: float | None
    forecast: Forecast | None
    #: :meth:`Overview.token_totals`: input, cached_input, cache_write, output, requests.
    token_totals: dict[str, float]
    spend: Chart  # effective cost per day (or daily average by week) by provider
    tokens: Chart  # tokens per day by kind (:data:`TOKEN_SERIES`' names)
    requests: Chart  # AI requests per day, one series "requests"
    #: Per mover dimension, in order: its rows (:data:`MOVER_FIELDS`), largest change first.
    movers: dict[str, list[dict[str, Any]]]
    units: list[UnitCost]

    def to_json(self) -> dict[str, Any]:
        """Every field, for :meth:`of_json` (floats kept exact; not a report's shape)."""
        f = self.forecast
        return {
            "period": [self.period.start.isoformat(), self.period.end.isoformat()],
            "previous": [self.previous.start.isoformat(), self.previous.end.isoformat()],
            "currency": self.currency, "conversion": self.conversion,
            "total": self.total, "unamortised": self.unamortised,
            "commitment_amortisation": self.commitment_amortisation,
            "previous_total": self.previous_total,
            "previous_complete": self.previous_complete, "change_pct": self.change_pct,
            "ai_total": self.ai_total, "ai_share": self.ai_share,
            "forecast": None if f is None else [
                f.through.isoformat(), f.actual, f.point, f.low, f.high, f.history_days,
                f.by_weekday],
            "token_totals": self.token_totals,
            "spend": self.spend.to_json(), "tokens": self.tokens.to_json(),
            "requests": self.requests.to_json(),
            "movers": {dimension: [[row[k] for k in MOVER_FIELDS] for row in rows]
                       for dimension, rows in self.movers.items()},
            "units": [[u.unit_id, u.name, u.currency, u.unit_cost, u.target_cost,
                       u.verdict] for u in self.units],
        }

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> FirstFigures:
        """The figures :meth:`to_json` wrote (a KeyError, TypeError or ValueError for
        anything else)."""

        def period(pair: Sequence[str]) -> Period:
            return Period(dt.date.fromisoformat(pair[0]), dt.date.fromisoformat(pair[1]))

        def number(value: Any) -> float | None:
            return None if value is None else float(value)

        f = data["forecast"]
        return cls(
            period=period(data["period"]), previous=period(data["previous"]),
            currency=str(data["currency"]), conversion=str(data["conversion"]),
            total=float(data["total"]), unamortised=float(data["unamortised"]),
            commitment_amortisation=float(data["commitment_amortisation"]),
            previous_total=float(data["previous_total"]),
            previous_complete=bool(data["previous_complete"]),
            change_pct=number(data["change_pct"]),
            ai_total=float(data["ai_total"]), ai_share=number(data["ai_share"]),
            forecast=None if f is None else Forecast(
                dt.date.fromisoformat(f[0]), float(f[1]), float(f[2]), number(f[3]),
                number(f[4]), int(f[5]), bool(f[6])),
            token_totals={str(k): float(v) for k, v in data["token_totals"].items()},
            spend=Chart.of_json(data["spend"]), tokens=Chart.of_json(data["tokens"]),
            requests=Chart.of_json(data["requests"]),
            movers={str(dimension): [dict(zip(MOVER_FIELDS, row, strict=True))
                                     for row in rows]
                    for dimension, rows in data["movers"].items()},
            units=[UnitCost(str(u[0]), str(u[1]), str(u[2]), number(u[3]), number(u[4]),
                            str(u[5])) for u in data["units"]],
        )


def first_figures(result: Overview, units: Sequence[UnitEconomics]) -> FirstFigures:
    """``result`` and ``units`` as the Overview draws them (pandas' work done here)."""
    from worthit.analysis.series import pivot

    p = result.period
    spend = pivot(result.by_provider_daily, p.start, p.end, per_day=True)
    tokens = pivot(
        result.tokens_daily.melt(id_vars="day", value_vars=list(TOKEN_SERIES),
                                 var_name="key", value_name="tokens"),
        p.start, p.end, value="tokens", granularity=spend.granularity, per_day=True)
    requests = pivot(result.tokens_daily, p.start, p.end, value="requests", key=None,
                     granularity=spend.granularity, per_day=True)
    named = Chart.of(tokens)
    return FirstFigures(
        period=p, previous=result.previous, currency=result.currency,
        conversion=result.conversion, total=result.total, unamortised=result.unamortised,
        commitment_amortisation=result.commitment_amortisation,
        previous_total=result.previous_total, previous_complete=result.previous_complete,
        change_pct=result.change_pct, ai_total=result.ai_total, ai_share=result.ai_share,
        forecast=result.forecast, token_totals=result.token_totals(),
        spend=Chart.of(spend),
        tokens=Chart(named.starts, {TOKEN_SERIES[k]: v for k, v in named.values.items()},
                     named.granularity),
        requests=Chart.of(requests),
        movers={dimension: [_mover(row) for row in frame.to_dict("records")]
                for dimension, frame in result.movers.items()},
        units=[UnitCost.of(e) for e in units],
    )


def _mover(row: dict[Any, Any]) -> dict[str, Any]:
    """A mover's record in plain Python values (its name as text, as the table shows it)."""
    return {"dimension": str(row["dimension"]), "name": str(row["name"]),
            **{k: float(row[k]) for k in MOVER_FIELDS[2:]}}


def compute(cache: Cache, period: Period) -> FirstFigures:
    """The Overview's first figures of ``period``, in the display currency."""
    from worthit.analysis.overview import overview
    from worthit.analysis.unit_economics import unit_economics
    from worthit.store.display import display_currency

    currency = display_currency(cache)
    return first_figures(overview(cache, period, currency=currency),
                         unit_economics(cache, period, "day", currency=currency))


#: How many of the largest savers the Overview names.
LARGEST: Final = 3


@dataclass(frozen=True, slots=True)
class LeakSummary:
    """What the Overview says of the open leak findings of the 30 days to a period's end:
    their monthly saving in all, how many they are, and the largest savers' titles and
    monthly savings (at most :data:`LARGEST`, largest first)."""

    saving: float
    count: int
    largest: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, findings: Sequence[Finding]) -> LeakSummary:
        """``findings`` (open, in the detectors' order: the largest saving first)."""
        saving = sum(f.monthly_saving for f in findings)
        top = [f for f in findings if f.monthly_saving > 0][:LARGEST]
        return cls(saving, len(findings), tuple((f.title, f.monthly_saving) for f in top))

    def to_json(self) -> dict[str, Any]:
        return {"saving": self.saving, "count": self.count,
                "largest": [list(pair) for pair in self.largest]}

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> LeakSummary:
        return cls(float(data["saving"]), int(data["count"]),
                   tuple((str(title), float(saving)) for title, saving in data["largest"]))


def compute_leaks(cache: Cache, period: Period, today: dt.date) -> LeakSummary:
    """The open leak findings of the 30 days to ``period``'s end, summed up (those
    dismissed, or snoozed past ``today``, are not open)."""
    from worthit.analysis.leaks import find_leaks
    from worthit.store.display import display_currency
    from worthit.store.findings import load_states

    states = load_states(cache)
    return LeakSummary.of([f for f in find_leaks(cache, period.end,
                                                 currency=display_currency(cache))
                           if not (f.key in states and states[f.key].hidden(today))])

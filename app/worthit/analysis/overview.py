"""The Overview page's figures: the period's total and its change, month-to-date and the
month-end forecast with its range (:mod:`worthit.analysis.forecast`), spend by provider over
time, top movers per dimension, AI share, tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, cast

from worthit.analysis.forecast import Forecast, history_start, month_end_forecast
from worthit.core.focus import AI_CATEGORY
from worthit.core.periods import Period
from worthit.store.cache import Cache

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Protocol

    import numpy as np
    import pandas as pd

    from worthit.analysis.charge_index import ChargeIndex

    class _MoverRow(Protocol):
        """One row of :attr:`Overview.movers`, as ``itertuples`` gives it."""

        dimension: str
        name: str
        previous: float
        current: float
        change: float
        change_pct: float  # NaN where the previous cost is 0

# numpy, pandas and the charge index are imported inside the functions: the window
# imports this module for its types and constants before the first paint.

#: Movers are shown one dimension at a time: each charge's money is in every dimension, so
#: a table mixing them would count it three times.
MOVER_DIMENSIONS: Final = ("service", "model", "feature")
#: Labels for what a charge does not say: no tag value, no provider or service. A mover
#: without a ``feature`` tag is not Allocation's "Untagged" (no tag at all and no rule
#: claims it), which counts what is left once the rules have assigned features.
UNTAGGED: Final = "(no feature tag)"
NONE: Final = "(none)"
MOVERS_PER_SIDE: Final = 5


@dataclass(frozen=True)
class Overview:
    period: Period
    previous: Period
    currency: str
    total: float
    previous_total: float
    ai_total: float
    #: The month of the period's last day (or of the last day with data): its spend to
    #: date and its month-end forecast; None without data.
    forecast: Forecast | None
    data_through: dt.date | None
    by_provider_daily: pd.DataFrame  # day, key (provider), cost
    tokens_daily: pd.DataFrame  # day, input, cached_input, cache_write, output, requests
    #: Per dimension (:data:`MOVER_DIMENSIONS`, in order): dimension, name, previous,
    #: current, change, change_pct, the largest change first.
    movers: Mapping[str, pd.DataFrame]
    #: The currencies the period's charges are billed in; every figure is in ``currency``,
    #: converted where they differ (:attr:`conversion`).
    currencies: list[str] = field(default_factory=list)
    #: False when the previous period starts before the first day with data, so a
    #: change against it would compare with a partial period.
    previous_complete: bool = True
    #: How figures billed in other currencies were converted ('' when none were).
    conversion: str = ""
    #: The period's billed (unamortised) cost, converted as ``total`` is: ``total`` less
    #: this is the commitment amortisation
    #: (:data:`worthit.analysis.commitments.AMORTISATION_NAMED`).
    unamortised: float = 0.0

    @property
    def commitment_amortisation(self) -> float:
        """Amortised (effective) less unamortised (billed) cost: what spreading
        commitments over the usage they cover moves into (or out of) the period."""
        return self.total - self.unamortised

    @property
    def change(self) -> float:
        return self.total - self.previous_total

    @property
    def change_pct(self) -> float | None:
        if self.previous_total == 0 or not self.previous_complete:
            return None
        return self.change / self.previous_total

    @property
    def ai_share(self) -> float | None:
        return None if self.total == 0 else self.ai_total / self.total

    def provider_totals(self) -> dict[str, float]:
        grouped = self.by_provider_daily.groupby("key")["cost"].sum()
        return {str(k): float(v) for k, v in grouped.sort_values(ascending=False).items()}

    def token_totals(self) -> dict[str, float]:
        columns = ("input", "cached_input", "cache_write", "output", "requests")
        return {c: float(self.tokens_daily[c].sum()) for c in columns}

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of ``worthit report overview --format json``."""
        f = self.forecast
        return {
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "previous_period": {
                "from": self.previous.start.isoformat(),
                "to": self.previous.end.isoformat(),
            },
            "currency": self.currency,
            "data_through": self.data_through.isoformat() if self.data_through else None,
            "total_effective_cost": round(self.total, 2),
            # Amortised is the total above; unamortised, what was invoiced.
            "amortised_cost": round(self.total, 2),
            "unamortised_cost": round(self.unamortised, 2),
            "commitment_amortisation": round(self.commitment_amortisation, 2),
            "previous_total_effective_cost": round(self.previous_total, 2),
            "change": round(self.change, 2),
            "change_pct": None if self.change_pct is None else round(self.change_pct, 4),
            "previous_period_complete": self.previous_complete,
            "month_to_date": None if f is None else {
                "month": f.month,
                "through": f.through.isoformat(),
                "cost": round(f.actual, 2),
                "forecast_month_end": round(f.point, 2),
                "forecast_method": f.method,
            },
            "forecast": None if f is None else f.to_json(),
            "ai": {
                "cost": round(self.ai_total, 2),
                "share": None if self.ai_share is None else round(self.ai_share, 4),
            },
            "by_provider": [
                {"provider": name, "cost": round(cost, 2)}
                for name, cost in self.provider_totals().items()
            ],
            "tokens": {k: int(v) for k, v in self.token_totals().items()},
            "movers": [
                {
                    "dimension": row.dimension,
                    "name": row.name,
                    "previous": round(row.previous, 2),
                    "current": round(row.current, 2),
                    "change": round(row.change, 2),
                    "change_pct": None if row.change_pct != row.change_pct
                    else round(row.change_pct, 4),
                }
                for frame in self.movers.values()
                for row in cast("Iterable[_MoverRow]", frame.itertuples(index=False))
            ],
            # The billing currencies of the period's charges, and how those not in
            # ``currency`` were converted (None: none were).
            "currencies": list(self.currencies),
            "conversion": self.conversion or None,
        }


def _total(index: ChargeIndex, start: dt.date, end: dt.date,
           keys: np.ndarray | None = None) -> float:
    cost = index.per_key(start, end)
    return float(cost.sum() if keys is None else cost[keys].sum())


def labels(index: ChargeIndex, dimension: str) -> np.ndarray:
    """Each key's value of a dimension (None where a key has none: no model)."""
    import numpy as np

    keys = index.keys
    if dimension == "provider":
        return keys["provider_name"].astype(object).fillna(NONE).to_numpy(object)
    if dimension == "service":
        return keys["service_name"].astype(object).fillna(NONE).to_numpy(object)
    if dimension == "model":
        column = keys["x_model"].astype(object)
        return column.where(column.notna(), None).to_numpy(object)
    if dimension == "feature":
        codes, _ = index.codes["tags"]
        table = np.array([d.get("feature", UNTAGGED) for d in index.tag_dicts] + [UNTAGGED],
                         dtype=object)
        features: np.ndarray = table[codes]
        return features
    raise ValueError(f"unknown dimension {dimension!r}")


def daily_totals(index: ChargeIndex, start: dt.date, end: dt.date) -> list[float]:
    """The whole workspace's spend on each day ``start``..``end`` (0 on a day without
    charges)."""
    import numpy as np

    days = (end - start).days + 1
    if index.first_day is None or days <= 0:
        return [0.0] * max(days, 0)
    low = (start - index.first_day).days
    rows = index._rows(start, end)  # noqa: SLF001 - the index's own slice, rates checked
    sums = np.bincount(index.day[rows] - low, weights=index.cost[rows], minlength=days)
    return [float(v) for v in sums]


def month_forecast(index: ChargeIndex, as_of: dt.date) -> Forecast:
    """Spend from the first of ``as_of``'s month through ``as_of``, and the month-end
    forecast from the days up to ``as_of``."""
    spent = _total(index, as_of.replace(day=1), as_of)
    first = index.first_day or as_of
    history = daily_totals(index, history_start(first, as_of), as_of) if first <= as_of else []
    return month_end_forecast(spent, history, as_of)


def compare_by(index: ChargeIndex, period: Period, previous: Period,
               dimension: str) -> pd.DataFrame:
    """Columns: key, previous, current — each dimension value's cost in both periods
    (values with charges in either period), by value. Summed per value code from the keys'
    sums (a frame of every key and a group-by took 14 ms a dimension on the demo)."""
    import numpy as np
    import pandas as pd

    seen: np.ndarray = index.present(period.start, period.end) | index.present(
        previous.start, previous.end)
    codes, names = factorised(index, dimension)
    chosen = seen & (codes >= 0)  # a key with no value (no model) is in no group
    code = codes[chosen]

    def sums(values: np.ndarray) -> np.ndarray:
        return np.bincount(code, weights=values[chosen], minlength=len(names))

    held = np.bincount(code, minlength=len(names)) > 0
    frame = pd.DataFrame({"key": np.asarray(names, dtype=object)[held],
                          "previous": sums(index.per_key(previous.start, previous.end))[held],
                          "current": sums(index.per_key(period.start, period.end))[held]})
    return frame.sort_values("key", kind="stable").reset_index(drop=True)


def factorised(index: ChargeIndex, dimension: str) -> tuple[np.ndarray, pd.Index]:
    """Each key's code of its value of ``dimension`` (-1: none) and the values, made once
    per index."""
    import pandas as pd

    found: tuple[np.ndarray, pd.Index] = index.remember(
        ("labels factorised", dimension),
        lambda: pd.factorize(pd.Series(labels(index, dimension), dtype=object)))
    return found


def daily_by(index: ChargeIndex, period: Period, dimension: str) -> pd.DataFrame:
    """Columns: day, key, cost — one row per day and dimension value with charges."""
    import numpy as np
    import pandas as pd

    codes, names = factorised(index, dimension)
    by_name, seen = index.named_group_days(("dimension", dimension), period.start, period.end,
                                           codes, len(names))
    rows, days = np.nonzero(seen)
    order = np.lexsort((rows, days))  # by day, then name
    day_text = [(period.start + dt.timedelta(days=int(d))).isoformat()
                for d in range(by_name.shape[1])]
    return pd.DataFrame({"day": [day_text[d] for d in days[order]],
                         "key": np.asarray(names, dtype=object)[rows[order]],
                         "cost": by_name[rows[order], days[order]].astype(float)})


def movers(index: ChargeIndex, period: Period, previous: Period, *,
           previous_complete: bool = True) -> dict[str, pd.DataFrame]:
    """The largest rises and falls of each dimension (service, model, feature), each its
    own table: every charge is in each dimension, so one table of all three would count
    the same money three times. With a previous period only partly in the data, no change
    is a percentage (as the total's is not): a rise against days the workspace does not
    hold would read as growth."""
    return {dimension: _movers_by(index, period, previous, dimension, previous_complete)
            for dimension in MOVER_DIMENSIONS}


def _movers_by(index: ChargeIndex, period: Period, previous: Period, dimension: str,
               previous_complete: bool) -> pd.DataFrame:
    import pandas as pd

    frame = compare_by(index, period, previous, dimension)
    frame = frame.astype({"previous": float, "current": float})  # object when empty
    frame["change"] = frame["current"] - frame["previous"]
    frame = frame[frame["change"].abs() >= 0.005]
    ups = frame[frame["change"] > 0].nlargest(MOVERS_PER_SIDE, "change")
    downs = frame[frame["change"] < 0].nsmallest(MOVERS_PER_SIDE, "change")
    result = pd.concat([ups, downs], ignore_index=True).rename(columns={"key": "name"})
    result.insert(0, "dimension", dimension)
    previous_cost = result["previous"].where(result["previous"] != 0)
    result["change_pct"] = result["change"] / previous_cost
    if not previous_complete:
        result["change_pct"] = float("nan")
    order = result["change"].abs().sort_values(ascending=False, kind="stable").index
    return result.loc[order].reset_index(drop=True)[
        ["dimension", "name", "previous", "current", "change", "change_pct"]
    ]


def overview(cache: Cache, period: Period, *, currency: str | None = None) -> Overview:
    """The page's figures in ``currency`` (default: the display currency), from the charge
    index (sums per key, then per dimension) and, for tokens, from the cache."""
    from worthit.analysis.charge_index import charge_index, currencies_of
    from worthit.analysis.commitments import amortisation_of
    from worthit.analysis.model_usage import daily_tokens

    index = charge_index(cache, currency)
    ai_keys = (index.keys["service_category"] == AI_CATEGORY).to_numpy()
    previous = period.previous()
    data = cache.data_range()
    data_through = data[1] if data else None
    as_of = min(period.end, data_through) if data_through else None
    present = index.present(period.start, period.end)
    complete = data is not None and previous.start >= data[0]
    currencies, shown_in, conversion = currencies_of(index, present)
    both = amortisation_of(index, period.start, period.end)
    return Overview(
        period=period,
        previous=previous,
        currency=shown_in,
        total=both.amortised,
        unamortised=both.unamortised,
        previous_total=_total(index, previous.start, previous.end),
        ai_total=_total(index, period.start, period.end, ai_keys),
        forecast=month_forecast(index, as_of) if as_of else None,
        data_through=data_through,
        by_provider_daily=daily_by(index, period, "provider"),
        tokens_daily=daily_tokens(index, period.start, period.end),
        movers=movers(index, period, previous, previous_complete=complete),
        currencies=list(currencies),
        previous_complete=complete,
        conversion=conversion,
    )

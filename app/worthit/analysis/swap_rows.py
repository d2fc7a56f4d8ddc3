"""Model-swap usage as arrays: each row of :attr:`~worthit.analysis.model_swap.SwapData.usage`
as codes (day, feature, model) and figures, a scenario's levers applied to them, and their
cost at each model's rates of the day, looked up once per model and day rather than once
per row. A simulation is then a few array operations: a millisecond or two where merged
and grouped frames took 45 ms (26,000 rows of usage, ten million charges).

Every figure is computed as the frames computed it, in the same order (rows a lever moves
are appended after those it keeps), so sums over them are the same to the last bit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from worthit.core.scenarios import Lever, ModelRef
from worthit.pricing.catalog import MILLION, Price

TOKENS: Final = ("input", "cached_input", "cache_write", "cache_write_1h", "output")
#: The figures of a row, in this order: requests, each token kind, the billed cost.
FIGURES: Final = ("requests", *TOKENS, "billed")
_AT: Final = {name: n for n, name in enumerate(FIGURES)}


@dataclass(frozen=True)
class Rows:
    """Usage rows: positions in their :class:`UsageTable`'s days, features and models, and
    figures (one line of ``figures`` per entry of :data:`FIGURES`, one column per row)."""

    day: np.ndarray  # int64
    feature: np.ndarray  # int64
    model: np.ndarray  # int64
    batched: np.ndarray  # bool
    figures: np.ndarray  # float64, FIGURES × rows

    def __len__(self) -> int:
        return len(self.day)

    def figure(self, name: str) -> np.ndarray:
        found: np.ndarray = self.figures[_AT[name]]
        return found

    def take(self, which: np.ndarray) -> Rows:
        """The rows a mask (or positions) selects, in order."""
        return Rows(self.day[which], self.feature[which], self.model[which],
                    self.batched[which], self.figures[:, which])

    def then(self, more: Rows) -> Rows:
        """These rows, then ``more``."""
        return Rows(*(np.concatenate([a, b], axis=-1) for a, b in zip(
            (self.day, self.feature, self.model, self.batched, self.figures),
            (more.day, more.feature, more.model, more.batched, more.figures), strict=True)))


@dataclass(frozen=True)
class _Rates:
    """One model's rates on each day of a table (rates of days it is unpriced are 0)."""

    priced: np.ndarray  # bool, days
    rates: np.ndarray  # float64, the five token kinds × days (USD per million)
    batch: np.ndarray  # float64, days: the batch multiplier, NaN where there is none


class UsageTable:
    """A swap's usage rows as :class:`Rows`, with the days, features and models their
    positions name, and the rates of each model (looked up on first use, then kept)."""

    def __init__(self, usage: pd.DataFrame,
                 price: Callable[[ModelRef, dt.date], Price | None],
                 usd: Callable[[dt.date], float]) -> None:
        self._price, self._usd = price, usd
        day, self.days = _codes(usage["day"])
        feature, self.features = _codes(usage["feature"])
        model, self.models = _pair_codes(usage["provider"], usage["model"])
        self._model_code = {m: n for n, m in enumerate(self.models)}
        figures = usage[list(FIGURES)].to_numpy(np.float64).T if len(usage) else \
            np.zeros((len(FIGURES), 0))
        self.rows = Rows(day, feature, model, usage["batched"].to_numpy(bool),
                         np.ascontiguousarray(figures))
        self._rates: dict[int, _Rates] = {}
        self._usd_of_day: np.ndarray | None = None

    def code(self, model: ModelRef) -> int:
        """The position of ``model`` (added when no row names it yet: a route's target)."""
        found = self._model_code.get(model)
        if found is None:
            found = self._model_code[model] = len(self.models)
            self.models.append(model)
        return found

    def of_feature(self, feature: str | None) -> Rows:
        """The rows of one feature (all rows for None), in order."""
        if feature is None:
            return self.rows
        try:
            wanted = self.features.index(feature)
        except ValueError:
            return self.rows.take(np.zeros(len(self.rows), bool))
        return self.rows.take(self.rows.feature == wanted)

    def model_ranks(self) -> np.ndarray:
        """Each model's position among the models sorted by name (routes add models out of
        order)."""
        ranks = np.empty(len(self.models), np.int64)
        ranks[sorted(range(len(self.models)), key=self.models.__getitem__)] = \
            np.arange(len(self.models))
        return ranks

    def named(self, rows: Rows) -> list[ModelRef]:
        """The models of ``rows``, sorted."""
        return sorted(self.models[m] for m in np.unique(rows.model))

    def rates(self, model: int) -> _Rates:
        found = self._rates.get(model)
        if found is None:
            found = self._rates[model] = self._rates_of(self.models[model])
        return found

    def _rates_of(self, model: ModelRef) -> _Rates:
        prices = [self._price(model, day) for day in self.days]
        rates = np.zeros((len(TOKENS), len(prices)))
        batch = np.full(len(prices), np.nan)
        for n, p in enumerate(prices):
            if p is not None:
                rates[:, n] = (p.rate("input"), p.rate("cached_input"), p.rate("cache_write"),
                               p.rate("cache_write", ttl="1h"), p.rate("output"))
                if p.batch is not None:
                    batch[n] = p.batch
        return _Rates(np.array([p is not None for p in prices], bool), rates, batch)

    def cost(self, rows: Rows) -> np.ndarray:
        """Each row's cost at its model's rates of its day (NaN where unpriced), in the
        usage's currency (the USD price at the USD rate of the day)."""
        if self._usd_of_day is None:
            self._usd_of_day = np.array([self._usd(day) for day in self.days], np.float64)
        out = np.full(len(rows), np.nan)
        for model in np.unique(rows.model):
            at = np.flatnonzero(rows.model == model)
            found = self.rates(int(model))
            day = rows.day[at]
            tokens = rows.figures[_AT["input"]:_AT["output"] + 1, at]
            rate = found.rates[:, day]
            cost = (tokens[0] * rate[0] + tokens[1] * rate[1] + tokens[2] * rate[2]
                    + tokens[3] * rate[3] + tokens[4] * rate[4]) / MILLION
            batch = found.batch[day]
            cost = np.where(rows.batched[at] & ~np.isnan(batch), cost * batch, cost)
            out[at] = np.where(found.priced[day], cost * self._usd_of_day[day], np.nan)
        return out

    def price_of(self, model: ModelRef, rows: Rows, mask: np.ndarray) -> Price | None:
        """``model``'s price on the day of the first row ``mask`` selects."""
        return self._price(model, self.days[int(rows.day[np.argmax(mask)])])

    def apply(self, rows: Rows, lever: Lever, warnings: list[str]) -> Rows:
        """One lever on ``rows`` (new rows; those given are not changed)."""
        mask = rows.model == self._model_code.get(lever.model, -1)
        if not mask.any() or lever.share <= 0:
            return rows
        if lever.kind == "route":
            assert lever.to is not None
            if not self.price_of(lever.to, rows, mask):
                warnings.append(f"{lever.to[1]} has no price: the route to it is left out.")
                return rows
            moved, kept = _split(rows, mask, lever.share)
            moved = dataclasses.replace(moved, model=np.full(len(moved), self.code(lever.to)))
            return kept.then(moved)
        if lever.kind == "cache":
            price = self.price_of(lever.model, rows, mask)
            if price is not None and price.cached_input is None:
                warnings.append(f"{lever.model[1]} has no prompt caching: caching it saves "
                                "nothing.")
            figures = rows.figures.copy()
            read = figures[_AT["input"], mask] * lever.share
            figures[_AT["input"], mask] -= read
            figures[_AT["cached_input"], mask] += read
            written = _AT["cache_write_1h" if lever.ttl == "1h" else "cache_write"]
            figures[written, mask] += read / lever.reads_per_write
            return dataclasses.replace(rows, figures=figures)
        # batch: a share of what is not batched yet
        mask &= ~rows.batched
        if not mask.any():
            return rows
        moved, kept = _split(rows, mask, lever.share)
        moved = dataclasses.replace(moved, batched=np.ones(len(moved), bool))
        return kept.then(moved)


def _split(rows: Rows, mask: np.ndarray, share: float) -> tuple[Rows, Rows]:
    """The masked rows scaled by ``share`` (the part that changes) and all rows with those
    scaled by ``1 - share`` (what stays)."""
    moved = rows.take(mask)
    moved = dataclasses.replace(moved, figures=moved.figures * share)
    figures = rows.figures.copy()
    figures[:, mask] = figures[:, mask] * (1.0 - share)
    return moved, dataclasses.replace(rows, figures=figures)


def _codes(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Each value's position in the sorted distinct values, and those values."""
    codes, uniques = pd.factorize(values.astype(object))
    order = sorted(range(len(uniques)), key=lambda n: uniques[n])
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    return position[codes], [uniques[n] for n in order]


def _pair_codes(provider: pd.Series, model: pd.Series) -> tuple[np.ndarray, list[ModelRef]]:
    """Each (provider, model)'s position in the sorted distinct pairs, and those pairs."""
    providers, provider_names = _codes(provider)
    models, model_names = _codes(model)
    pairs, inverse = np.unique(providers * max(len(model_names), 1) + models,
                               return_inverse=True)
    width = max(len(model_names), 1)
    return inverse.astype(np.int64).reshape(-1), [
        (str(provider_names[p // width]), str(model_names[p % width])) for p in pairs.tolist()]


def group_sums(codes: np.ndarray, values: np.ndarray) -> dict[int, float]:
    """``values`` summed per code, NaN skipped, by pandas as a frame grouped by name is:
    codes in the order of the names give the same figures to the last bit (pandas adds
    groups in sorted rows with ``reduceat``, others with compensated sums)."""
    sums = pd.Series(values).groupby(codes).sum()
    return dict(zip(sums.index.tolist(), sums.tolist(), strict=True))

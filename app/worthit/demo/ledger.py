"""Collects the demo's charges as column blocks, vectorised over days."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from worthit.core.focus import CHARGE_COLUMN_NAMES


@dataclass
class Calendar:
    """The demo's days and the day-shaped factors every series uses."""

    days: pd.DatetimeIndex
    iso: np.ndarray = field(init=False)
    t: np.ndarray = field(init=False)  # days since start
    weekday: np.ndarray = field(init=False)
    days_in_month: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.iso = np.asarray(self.days.strftime("%Y-%m-%d"), dtype=object)
        self.t = np.arange(len(self.days), dtype=float)
        self.weekday = np.asarray(self.days.day_of_week)
        self.days_in_month = np.asarray(self.days.days_in_month, dtype=float)

    def __len__(self) -> int:
        return len(self.days)

    def growth(self, per_month: float) -> np.ndarray:
        """Compound growth, 1.0 on the first day."""
        return (1.0 + per_month) ** (self.t / 30.4)

    def week_shape(self, weekend: float) -> np.ndarray:
        """1.0 on weekdays, ``weekend`` on Saturday and Sunday."""
        return np.where(self.weekday >= 5, weekend, 1.0)

    def last(self, n: int) -> np.ndarray:
        """A mask of the last ``n`` days."""
        mask = np.zeros(len(self), dtype=bool)
        mask[-n:] = True
        return mask


def tags(team: str | None, feature: str | None, env: str = "prod",
         cost_center: str | None = None) -> str:
    """The tag JSON of a tagged resource, or '{}' for an untagged one. A resource with a
    cost centre but no team is tagged, yet says nothing a team-based rule can use."""
    if team is None and feature is None:
        return "{}" if cost_center is None else json.dumps(
            {"cost-center": cost_center, "env": env}, sort_keys=True)
    return json.dumps({"team": team, "feature": feature, "env": env}, sort_keys=True)


class Ledger:
    """Blocks of charges; each block is one series (a resource's, a model's) over days.

    Rows are kept as plain Python tuples bucketed by day, not as DataFrames: two million
    rows through pandas' per-block frames and Arrow strings cost more than the rest of
    the generator together."""

    def __init__(self, calendar: Calendar, source_id: str) -> None:
        self.calendar = calendar
        self.source_id = source_id
        self._days: list[list[tuple[Any, ...]]] = [[] for _ in range(len(calendar))]
        self.count = 0

    def add(self, cost: np.ndarray, *, mask: np.ndarray | None = None, **columns: Any) -> None:
        """Add one row per day (or per day in ``mask``) with ``cost`` and ``columns``.

        Array-valued columns must be day-shaped like ``cost``; scalars are repeated.
        Days whose cost and quantities are all zero are dropped, as a bill would."""
        keep = cost != 0
        for name in ("consumed_quantity", "x_requests"):
            value = columns.get(name)
            if isinstance(value, np.ndarray):
                keep |= value != 0
        if mask is not None:
            keep &= mask
        if not keep.any():
            return
        days = np.flatnonzero(keep)
        rounded = np.round(cost[keep], 6).tolist()
        data: dict[str, Any] = {
            "charge_period_start": self.calendar.iso[keep].tolist(),
            "billed_cost": rounded,
            "effective_cost": rounded,
            "list_cost": rounded,
            "source_id": self.source_id,
            "billing_currency": "USD",
            "charge_category": "Usage",
            "tags": "{}",
        }
        for name, value in columns.items():
            if name not in _COLUMN_SET:
                raise KeyError(f"{name} is not a charge column")
            if isinstance(value, np.ndarray):
                data[name] = value[keep].tolist()
            else:
                data[name] = value.item() if isinstance(value, np.generic) else value
        values = [data[name] if isinstance(data.get(name), list) else repeat(data.get(name))
                  for name in CHARGE_COLUMN_NAMES]
        # repeat() columns are endless: the day-shaped lists set the length.
        for day, row in zip(days.tolist(), zip(*values, strict=False), strict=True):
            self._days[day].append(row)
        self.count += len(days)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Every row, in day order (rows of a day in the order they were added), as
        tuples in :data:`CHARGE_COLUMN_NAMES` order."""
        for day in self._days:
            yield from day

    def __len__(self) -> int:
        return self.count


_COLUMN_SET = frozenset(CHARGE_COLUMN_NAMES)

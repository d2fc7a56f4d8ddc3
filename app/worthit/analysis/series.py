"""Turn long day-by-key frames into chart series: every day present (zero-filled), keys
ordered by size, optionally bucketed by week for long periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, cast

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

WEEKLY_FROM_DAYS: Final = 120


@dataclass(frozen=True)
class Series:
    """Bucket start dates and one value array per key (largest total first)."""

    starts: list[dt.date]
    values: dict[str, np.ndarray]
    granularity: str  # 'day' | 'week'

    @property
    def total(self) -> np.ndarray:
        import numpy as np

        return np.sum(list(self.values.values()), axis=0) if self.values else np.zeros(
            len(self.starts)
        )


def granularity_for(start: dt.date, end: dt.date) -> str:
    return "week" if (end - start).days + 1 > WEEKLY_FROM_DAYS else "day"


def pivot(
    frame: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    *,
    value: str = "cost",
    key: str | None = "key",
    granularity: str | None = None,
    per_day: bool = False,
) -> Series:
    """``frame`` has a ``day`` column (ISO text), an optional ``key`` and ``value``.
    Weeks start on Monday; the first and last weeks may be partial, so a chart asks for
    ``per_day`` (each week's daily average), which a partial week does not bend down."""
    import pandas as pd

    granularity = granularity or granularity_for(start, end)
    days = pd.date_range(start, end, freq="D")
    data = frame.assign(day=pd.to_datetime(frame["day"]))
    if key is None:
        table = data.set_index("day")[[value]].rename(columns={value: value})
    else:
        table = data.pivot_table(index="day", columns=key, values=value, aggfunc="sum")
    table = table.reindex(days, fill_value=0.0).fillna(0.0)
    if granularity == "week":
        index = cast("pd.DatetimeIndex", table.index)  # reindexed by the days above
        week = index - pd.to_timedelta(index.day_of_week, unit="D")
        grouped = table.groupby(week)
        table = grouped.mean() if per_day else grouped.sum()
    order = table.sum().sort_values(ascending=False).index
    starts = [stamp.date() for stamp in table.index]
    return Series(
        starts, {str(name): table[name].to_numpy(dtype=float) for name in order}, granularity
    )

"""Daily charges handed over by column: each distinct key's charge once, then per charge
its day, its key and its figures, as lists. A reader that grouped a large bill in bulk
(:mod:`worthit.sources.aggregate`) hands its charges to the cache so, rather than as one
full row per charge that the cache would then take apart again."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from worthit.core.days import iso_of
from worthit.core.focus import CHARGE_COLUMN_NAMES, FACT_COLUMNS

_DAY: Final = CHARGE_COLUMN_NAMES.index("charge_period_start")
_FIGURES_AT: Final = tuple(CHARGE_COLUMN_NAMES.index(c) for c, _ in FACT_COLUMNS)


@dataclass(frozen=True)
class DailyCharges:
    """Charges that are rows of sums by day and key: what a row of
    :data:`~worthit.core.focus.CHARGE_COLUMN_NAMES` holds, split by column.

    ``keys`` holds one charge per key, in column order (only its key columns count: its
    day and figures are the charges'); ``key`` holds each charge's index into ``keys``,
    ``days`` its day number (:mod:`worthit.core.days`) and ``figures`` one list per
    :data:`~worthit.core.focus.FACT_COLUMNS` entry, each with a value per charge (None:
    the bill did not say)."""

    keys: list[list[Any]]
    key: list[int]
    days: list[int]
    figures: tuple[list[Any], ...]

    def __post_init__(self) -> None:
        count = len(self.key)
        if len(self.figures) != len(FACT_COLUMNS) or len(self.days) != count or any(
                len(column) != count for column in self.figures):
            raise ValueError(f"{count} charges with {len(self.days)} days and figures of "
                             f"{[len(column) for column in self.figures]} charges")

    def __len__(self) -> int:
        return len(self.key)

    def rows(self) -> Iterator[list[Any]]:
        """Each charge as a whole row, in :data:`~worthit.core.focus.CHARGE_COLUMN_NAMES`
        order (its key's charge with its day and figures)."""
        for number, (index, day) in enumerate(zip(self.key, self.days, strict=True)):
            row = list(self.keys[index])
            row[_DAY] = iso_of(day)
            for at, column in zip(_FIGURES_AT, self.figures, strict=True):
                row[at] = column[number]
            yield row


def rows_of(charges: Iterable[list[Any] | DailyCharges]) -> Iterator[list[Any]]:
    """Charges given as rows, or by column, as rows."""
    for charge in charges:
        if isinstance(charge, DailyCharges):
            yield from charge.rows()
        else:
            yield charge

"""Daily charges handed over by column: each distinct key's charge once, then per charge
its day, its key and its figures. A reader that grouped a large bill in bulk
(:mod:`worthit.sources.aggregate`) hands its charges to the cache so, rather than as one
full row per charge that the cache would then take apart again; it hands them as numpy
columns, which the cache stages without a Python object per figure."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from worthit.core.days import iso_of
from worthit.core.focus import CHARGE_COLUMN_NAMES, CHARGE_COLUMNS, FACT_COLUMNS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_DAY: Final = CHARGE_COLUMN_NAMES.index("charge_period_start")
_FIGURES_AT: Final = tuple(CHARGE_COLUMN_NAMES.index(c) for c, _ in FACT_COLUMNS)
#: Which figures are integers (token counts, requests).
INTEGERS: Final = tuple(dict(CHARGE_COLUMNS)[c] == "INTEGER" for c, _ in FACT_COLUMNS)


@dataclass(frozen=True)
class DailyCharges:
    """Charges that are rows of sums by day and key: what a row of
    :data:`~worthit.core.focus.CHARGE_COLUMN_NAMES` holds, split by column.

    ``keys`` holds one charge per key, in column order (only its key columns count: its
    day and figures are the charges'); ``key`` holds each charge's index into ``keys``,
    ``days`` its day number (:mod:`worthit.core.days`) and ``figures`` one column per
    :data:`~worthit.core.focus.FACT_COLUMNS` entry, each with a value per charge. A column
    is a list (None: the bill did not say) or a float64 numpy array (NaN: the bill did not
    say; an integer figure's values whole numbers, each below 2**63 either side of zero);
    ``key`` and ``days`` are lists or integer numpy arrays."""

    keys: list[list[Any]]
    key: Sequence[int]
    days: Sequence[int]
    figures: tuple[Sequence[Any], ...]

    def __post_init__(self) -> None:
        count = len(self.key)
        if len(self.figures) != len(FACT_COLUMNS) or len(self.days) != count or any(
                len(column) != count for column in self.figures):
            raise ValueError(f"{count} charges with {len(self.days)} days and figures of "
                             f"{[len(column) for column in self.figures]} charges")

    def __len__(self) -> int:
        return len(self.key)

    @property
    def by_array(self) -> bool:
        """Whether every column is a numpy array."""
        return not any(isinstance(c, list) for c in (self.key, self.days, *self.figures))

    def span(self) -> tuple[int, int] | None:
        """The first and last day number, None without charges."""
        if not len(self.days):
            return None
        if isinstance(self.days, list):
            return min(self.days), max(self.days)
        import numpy as np

        days = np.asarray(self.days)
        return int(days.min()), int(days.max())

    def values(self, figure: int) -> list[Any]:
        """Figure ``figure``'s values as a charge row holds them: None where the bill did
        not say, an int for an integer figure, else a float."""
        column = self.figures[figure]
        if isinstance(column, list):
            return column
        return listed(column, INTEGERS[figure])  # type: ignore[arg-type]

    def rows(self) -> Iterator[list[Any]]:
        """Each charge as a whole row, in :data:`~worthit.core.focus.CHARGE_COLUMN_NAMES`
        order (its key's charge with its day and figures)."""
        figures = [self.values(i) for i in range(len(FACT_COLUMNS))]
        for number, (index, day) in enumerate(zip(_ints(self.key), _ints(self.days),
                                                  strict=True)):
            row = list(self.keys[index])
            row[_DAY] = iso_of(day)
            for at, column in zip(_FIGURES_AT, figures, strict=True):
                row[at] = column[number]
            yield row


def _ints(column: Sequence[int]) -> list[int]:
    return column if isinstance(column, list) else [int(v) for v in column]


def listed(column: npt.NDArray[np.float64], integer: bool) -> list[Any]:
    """A figure's values as the line mapper gives them: None for NaN, an int for an
    integer figure (tokens), else a float."""
    import numpy as np

    missing = np.isnan(column)
    if missing.all():
        return [None] * len(column)
    out = np.empty(len(column), dtype=object)
    present = ~missing
    if integer:
        if not np.all(np.abs(column[present]) < 2.0 ** 63):
            raise OverflowError("a token count beyond SQLite's integers")
        out[present] = column[present].astype(np.int64)
    else:
        out[present] = column[present]
    return list(out.tolist())


def rows_of(charges: Iterable[list[Any] | DailyCharges]) -> Iterator[list[Any]]:
    """Charges given as rows, or by column, as rows."""
    for charge in charges:
        if isinstance(charge, DailyCharges):
            yield from charge.rows()
        else:
            yield charge

"""A page's figures as a table: :class:`Table`, what a page hands to every surface that
shows rows (``worthit report --format csv``, ``worthit export table``, a view's Export),
and what the writers in :mod:`worthit.export.tables` turn into CSV or Excel."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

from worthit.core.periods import Period

if TYPE_CHECKING:
    import pandas as pd

Cell = str | int | float | bool | dt.date | None

#: How a column's numbers read: the kinds :attr:`Table.formats` may name.
FORMATS: Final = ("text", "money", "unit_money", "percent", "integer", "number", "date",
                  "bool")
_SHEET_NAME_BAD: Final = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Table:
    """A titled table for one period: column names, rows of plain cells, the filters that
    made it (``{"workspace": "Demo", "team": "search"}``) and, per column, what its
    numbers are (one of :data:`FORMATS`; text when not named)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    period: Period | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)
    currency: str = "USD"
    #: A short name (the worksheet's); the title's start when empty.
    name: str = ""

    def __post_init__(self) -> None:
        unknown = {k for k in self.formats.values() if k not in FORMATS}
        if unknown:
            raise ValueError(f"unknown column format {sorted(unknown)[0]!r}")
        missing = set(self.formats) - set(self.columns)
        if missing:
            raise ValueError(f"format for a column the table lacks: {sorted(missing)[0]!r}")
        for number, row in enumerate(self.rows, 1):
            if len(row) != len(self.columns):
                raise ValueError(f"row {number} has {len(row)} cells for "
                                 f"{len(self.columns)} columns")

    @classmethod
    def of(cls, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
           **options: Any) -> Table:
        """A table from column names and rows of any plain or numpy values."""
        return cls(title, tuple(str(c) for c in columns),
                   tuple(tuple(_plain(v) for v in row) for row in rows), **options)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, title: str, **options: Any) -> Table:
        """A table from a DataFrame's columns and rows (the index is left out)."""
        return cls.of(title, list(frame.columns),
                      list(frame.itertuples(index=False, name=None)), **options)

    def format_of(self, column: str) -> str:
        return self.formats.get(column, "text")

    def column(self, name: str) -> list[Cell]:
        at = self.columns.index(name)
        return [row[at] for row in self.rows]

    def total(self, name: str) -> float:
        """The sum of a column's numbers (empty cells left out)."""
        return math.fsum(float(v) for v in self.column(name)
                         if isinstance(v, int | float) and not isinstance(v, bool))

    def header(self) -> list[tuple[str, str]]:
        """(label, value) lines of the title block below the title: period, then filters."""
        lines = [] if self.period is None else [("period", period_text(self.period))]
        return lines + [(str(k), str(v)) for k, v in self.filters.items()]

    def map_text(self, change: Callable[[str], str]) -> Table:
        """The same table with ``change`` applied to every piece of text: title, filter
        values and text cells (masking uses it)."""
        return replace(
            self, title=change(self.title), name=change(self.name),
            filters={k: change(v) for k, v in self.filters.items()},
            rows=tuple(tuple(change(v) if isinstance(v, str) else v for v in row)
                       for row in self.rows))

    @property
    def sheet_name(self) -> str:
        return _SHEET_NAME_BAD.sub(" ", self.name or self.title)[:31].strip() or "Table"


def period_text(period: Period) -> str:
    return f"{period.start.isoformat()} to {period.end.isoformat()}"


def _plain(value: Any) -> Cell:
    """numpy and pandas scalars as Python's; NaN and NA as an empty cell."""
    if value is None or isinstance(value, str | bool):
        return value
    if hasattr(value, "item") and not isinstance(value, dt.date):  # numpy scalar
        value = value.item()
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, int | float | dt.date):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    return str(value)


def as_table(table: Table | pd.DataFrame) -> Table:
    return table if isinstance(table, Table) else Table.from_frame(table, "Table")

"""Business units (a resolved ticket, 1,000 inferences, an active user) and their daily
counts, as the unit-cost pages and the counts file know them. Pure data: no SQL, no Qt.

A unit's counts are entered (a counts file, the Counts dialog), or derived from the request
traces (:data:`DERIVED`): active customers, or agent runs, with traced usage. A derived
unit's count over a span is the distinct customers (runs) in it, not the sum of its days:
one customer active every day of a month is one active customer that month."""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from worthit.core.errors import BadInput, UserError
from worthit.core.periods import parse_date

COUNT_COLUMNS: Final = ("date", "unit", "count")


@dataclass(frozen=True, slots=True)
class Derived:
    """A count the traces give: distinct values of a trace column per day and per span."""

    column: str  # of the traces (worthit.store.traces)
    counts_what: str
    name: str


#: Unit kinds counted from the traces, by the name a unit is defined with.
DERIVED: Final = {
    "customers": Derived("customer", "active customers with traced usage",
                         "Cost per active customer"),
    "runs": Derived("run_id", "agent runs in the traces", "Cost per agent run"),
}


@dataclass(frozen=True, slots=True)
class Unit:
    unit_id: str
    name: str
    counts_what: str
    #: Features whose allocated cost the unit carries.
    features: tuple[str, ...]
    #: Split or pool rule name -> the share of the cost that rule claims which the unit
    #: carries (cost that reaches none of the unit's features, such as a shared cluster).
    shared_pools: dict[str, float] = field(default_factory=dict)
    target_cost: float | None = None
    revenue_per_unit: float | None = None
    currency: str = "USD"
    #: A key of :data:`DERIVED` when the traces give the counts; None when entered.
    derived: str | None = None


@dataclass(frozen=True, slots=True)
class Count:
    unit_id: str
    day: dt.date
    count: float


def read_counts_file(path: Path, units: list[Unit]) -> list[Count]:
    """Counts from a CSV file with the columns ``date, unit, count`` (any order, any case;
    ``day`` is accepted for ``date``). ``unit`` is a unit's id or its name.

    The whole file is checked before anything is returned: an unknown unit, a unit whose
    counts come from the traces, a date that is not YYYY-MM-DD, a count that is negative or
    not a number, or a unit counted twice on the same day is refused with its line and
    column."""
    derived = {u.unit_id for u in units if u.derived}
    by_key = {u.unit_id.casefold(): u.unit_id for u in units}
    by_key.update({u.name.casefold(): u.unit_id for u in units})
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {path}: {error}") from error
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise BadInput("the file is empty; expected a header: date,unit,count", file=file,
                       line=1)
    names = [h.strip().casefold() for h in header]
    names = ["date" if n == "day" else n for n in names]
    missing = [c for c in COUNT_COLUMNS if c not in names]
    if missing:
        raise BadInput(f"the header lacks {', '.join(missing)}; expected date,unit,count",
                       file=file, line=1)
    where = {c: names.index(c) for c in COUNT_COLUMNS}
    seen: dict[tuple[str, dt.date], int] = {}
    counts: list[Count] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise BadInput(f"expected {len(header)} fields, found {len(row)}", file=file,
                           line=line)
        cells = {c: row[i].strip() for c, i in where.items()}
        unit_id = by_key.get(cells["unit"].casefold())
        if unit_id is None:
            known = ", ".join(u.unit_id for u in units) or "none defined"
            raise BadInput(f"unknown unit {cells['unit']!r} (units: {known})", file=file,
                           line=line, column="unit")
        if unit_id in derived:
            raise BadInput(f"{unit_id} is counted from the traces; its counts cannot be "
                           "imported", file=file, line=line, column="unit")
        try:
            day = parse_date(cells["date"])
        except UserError as error:
            raise BadInput(str(error), file=file, line=line, column="date") from None
        try:
            count = float(cells["count"])
        except ValueError:
            raise BadInput(f"count {cells['count']!r} is not a number", file=file,
                           line=line, column="count") from None
        if not math.isfinite(count) or count < 0:
            raise BadInput(f"count {cells['count']!r} must be a number of zero or more",
                           file=file, line=line, column="count")
        first = seen.get((unit_id, day))
        if first is not None:
            raise BadInput(f"{unit_id} is counted twice on {day} (also on line {first})",
                           file=file, line=line, column="date")
        seen[(unit_id, day)] = line
        counts.append(Count(unit_id, day, count))
    return counts

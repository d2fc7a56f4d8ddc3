"""Rows of sums made into daily charges by column: what each combination of a file's text
cells means is worked out once (:class:`~worthit.sources.bill.Combination`), the rows of
sums come from DuckDB as numpy columns a span of days at a time, and the figures of all
the rows of the combinations that compute them alike come from numpy at once, each value
the one the format's mapper gives a single row."""

from __future__ import annotations

from collections.abc import Callable, Generator, Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from worthit.core.daily import INTEGERS, DailyCharges
from worthit.core.days import iso_of
from worthit.core.errors import Cancelled
from worthit.core.focus import CHARGE_COLUMN_NAMES, FACT_COLUMNS
from worthit.sources.bill import Combination

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Column = npt.NDArray[np.float64]

#: About how many rows of sums are made into charges at a time. Each span's charges
#: name most of the file's keys again (a bill repeats its combinations every day), and
#: each key costs the cache a lookup per span: at 50,000 rows, a fifth of the 5 M-line
#: real-shaped CUR's staging. A span's columns take about 300 bytes a row at their most.
SPAN: Final = 100_000
#: A charge column's place among the figures.
_FACT_AT: Final = {CHARGE_COLUMN_NAMES.index(c): i for i, (c, _) in enumerate(FACT_COLUMNS)}
_EFFECTIVE: Final = _FACT_AT[CHARGE_COLUMN_NAMES.index("effective_cost")]


def read_by_column(con: Any, sums: str, group: Callable[[tuple[str, ...]], Combination],
                   combinations: dict[int, tuple[str, ...]], width: int,
                   cancelled: Callable[[], bool]) -> Generator[DailyCharges, None, float]:
    """The charges of the rows of sums of DuckDB's grouped table ``g`` on ``con``, read by
    ``sums`` (SQL giving each row's combination number ``h``, its day's number ``day``,
    then its ``width`` sums, for the days from $first to $last) a span of days at a
    time, the combinations by number (their text cells); returns their effective cost,
    added up in their order."""
    import numpy as np

    numbers = np.array(sorted(combinations), dtype=np.uint64)
    with _Reader(con, sums) as reader:
        by_column = ByColumn([group(combinations[h]) for h in numbers.tolist()])
        for found in reader.read(cancelled):
            hashes = np.asarray(found["h"], dtype=np.uint64)
            combination = np.searchsorted(numbers, hashes)
            if not np.array_equal(numbers[combination], hashes):
                raise RuntimeError("a row of sums of a combination not read back")
            yield by_column.charges(
                combination, np.asarray(found["day"], dtype=np.int64),
                [np.ma.filled(np.ma.asarray(found[name], dtype=np.float64), np.nan)
                 for name in list(found)[2:2 + width]])
    return by_column.effective


class _Reader:
    """The rows of sums of each span (:func:`_spans`) as numpy columns, each span read
    by DuckDB on a thread of its own ahead of the caller: the first as soon as the reader
    is made (while the caller works out what the combinations mean), the next while the
    caller stages this one's charges. DuckDB lets go of Python's lock as it reads, and
    the machine's other core was idle meanwhile. Only that thread uses ``con`` until the
    reader is closed, which waits for a read under way."""

    def __init__(self, con: Any, sums: str) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        self.con, self.sums = con, sums
        self.spans = list(_spans(con))
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="worthit-sums")
        self.ahead: Future[dict[str, Any]] | None = self._read(0)

    def _read(self, at: int) -> Any:
        if at >= len(self.spans):
            return None
        first, last = self.spans[at]
        return self.pool.submit(lambda: dict(self.con.execute(
            self.sums, {"first": first, "last": last}).fetchnumpy()))

    def read(self, cancelled: Callable[[], bool]) -> Iterator[dict[str, Any]]:
        for at in range(len(self.spans)):
            if cancelled():
                raise Cancelled
            assert self.ahead is not None
            found = self.ahead.result()
            self.ahead = self._read(at + 1)
            yield found

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True)


def _spans(con: Any) -> Iterator[tuple[Any, Any]]:
    """Spans of days (first, last, as grouped) of about :data:`SPAN` rows of sums each,
    in order (a day of more rows is a span of its own)."""
    first = last = None
    held = 0
    for day, count in con.execute("SELECT d, count(*) FROM g GROUP BY d ORDER BY d"
                                  ).fetchall():
        if first is not None and held + count > SPAN:
            yield first, last
            first, held = None, 0
        first = day if first is None else first
        last, held = day, held + count
    if first is not None:
        yield first, last


class ByColumn:
    """The daily charges of one file's rows of sums, given by column a batch at a time,
    for its ``combinations`` (each row names one by its place)."""

    def __init__(self, combinations: Sequence[Combination]) -> None:
        import numpy as np

        self.combinations = combinations
        self.templates = [list(c.template) for c in combinations]
        recipes: dict[Hashable, int] = {}
        self.recipe_of = np.array([recipes.setdefault(c.recipe, len(recipes))
                                   for c in combinations], dtype=np.intp)
        #: One combination of each recipe, which computes the figures of all.
        self.computes = {r: combinations[int(np.argmax(self.recipe_of == r))]
                         for r in recipes.values()}
        self.noting = np.array([c.noting for c in combinations], dtype=bool)
        #: The effective cost of the charges so far, added up in their order.
        self.effective = 0.0

    def charges(self, combination: npt.NDArray[np.intp], days: npt.NDArray[np.int64],
                sums: Sequence[Column]) -> DailyCharges:
        """The charges of rows of sums: each row's combination (its place), its day's
        number and its sums (a column per sum, NaN: None). Tells the combinations that
        note what their rows state, in the rows' order."""
        import numpy as np

        figures = [np.full(len(days), np.nan) for _ in FACT_COLUMNS]
        recipe = self.recipe_of[combination]
        for r, computes in self.computes.items():
            # Each recipe's rows by their places: picked out of each sum and put back into
            # each figure by place, where a mask was read whole for every column and
            # recipe (a fifth of this on the 5 M-line real-shaped CUR).
            rows = np.flatnonzero(recipe == r)
            if len(rows):
                for column, values in computes.figures([s[rows] for s in sums]).items():
                    figures[_FACT_AT[column]][rows] = values
        noting = np.flatnonzero(self.noting[combination])
        if len(noting):
            stated = zip(combination[noting].tolist(), days[noting].tolist(),
                         *(np.where(np.isnan(s[noting]), None, s[noting]).tolist()
                           for s in sums), strict=True)
            for number, day, *amounts in stated:
                self.combinations[number].noted(iso_of(day), amounts)
        # As a loop adding each charge's would: np.cumsum adds one after another.
        self.effective = float(np.cumsum(np.concatenate(([self.effective],
                                                         figures[_EFFECTIVE])))[-1])
        for column, integer in zip(figures, INTEGERS, strict=True):
            if integer and not np.all(np.abs(column[~np.isnan(column)]) < 2.0 ** 63):
                raise OverflowError("a token count beyond SQLite's integers")
        used, key = np.unique(combination, return_inverse=True)
        return DailyCharges([self.templates[c] for c in used.tolist()], key, days,
                            tuple(figures))

"""Model usage from the charge index's token counts (:class:`~worthit.analysis.charge_index.
TokenUsage`): each day's tokens for the Overview, and each model charge's counts for Swap,
Customers and Keys. Read once per write of the charges with the index (and kept in its
file), so a page does not read SQLite for them: at ten million charges a year's daily
tokens took 1.8 s, a quarter's model charges 0.7 s."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from worthit.store.days import iso_of
from worthit.store.reads import USAGE_COUNTS

if TYPE_CHECKING:
    import pandas as pd

    from worthit.analysis.charge_index import ChargeIndex

#: The columns of :func:`daily_tokens`, after ``day``.
TOKEN_COLUMNS = ("input", "cached_input", "cache_write", "output", "requests")


def daily_tokens(index: ChargeIndex, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Columns: day (ISO), input, cached_input, cache_write, output, requests: the token
    counts of model usage on each day from ``start`` to ``end`` that has any."""
    import pandas as pd

    usage = index.usage
    rows = usage.rows(start, end)
    days, at = np.unique(usage.day[rows], return_inverse=True)
    counts = usage.counts[rows]
    sums = {name: np.bincount(at, weights=counts[:, USAGE_COUNTS.index(name)],
                              minlength=len(days)) for name in TOKEN_COLUMNS}
    return pd.DataFrame({"day": pd.Series([iso_of(int(d)) for d in days], dtype=object),
                         **sums})


def model_charges(index: ChargeIndex, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Each model charge from ``start`` to ``end``, in (day, key) order: day (ISO),
    day_number, key_id, batched (0 or 1: the key says the vendor's batch API ran it),
    and its :data:`~worthit.store.reads.USAGE_COUNTS`. Its cost is the index's."""
    import pandas as pd

    usage = index.usage
    rows = usage.rows(start, end)
    day = usage.day[rows].astype(np.int64)
    key_id = usage.key_id[rows]
    # The days are in order: each day's number is a count of the changes before it (what
    # np.unique's inverse gives, without sorting 50,000 rows).
    changed = np.r_[False, day[1:] != day[:-1]] if len(day) else np.zeros(0, bool)
    days, at = day[np.r_[True, changed[1:]]] if len(day) else day, np.cumsum(changed)
    iso = np.array([iso_of(int(d)) for d in days], dtype=object)
    batch: np.ndarray = index.remember(("batched keys",), lambda: pd.to_numeric(
        index.keys["x_batch"], errors="coerce").fillna(0).to_numpy() != 0)  # per position
    counts = usage.counts[rows]
    return pd.DataFrame({
        "day": iso[at], "day_number": day, "key_id": key_id,
        "batched": batch[index.key_positions()[key_id]].astype(np.int64),
        **{name: counts[:, n] for n, name in enumerate(USAGE_COUNTS)}})

"""Sums of runs of equal keys, as pandas' group sums give them, without a frame.

Pandas sums a group-by whose codes are sorted with ``np.add.reduceat`` over the runs
(when no value is NaN; otherwise with compensated sums, skipping NaN). Keys that are
already in order, such as the days of charges held in day order, are summed here the same
way, so the figures are pandas' to the bit; building the frame and the group-by cost more
than the sums for the thirty days of one resource (2 ms a call)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def run_sums(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct key of ``keys`` (ascending) and the sum of its ``values``:
    ``pd.Series(values).groupby(keys, sort=True).sum()``'s index and values."""
    # Contiguous: NumPy adds a run of a strided array otherwise than of a packed one.
    keys, values = np.asarray(keys), np.ascontiguousarray(values, dtype=np.float64)
    if not len(keys) or np.isnan(values).any():
        sums = pd.Series(values).groupby(keys, sort=True).sum()
        return sums.index.to_numpy(), sums.to_numpy(np.float64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    if len(starts) > 1 and (keys[starts[1:]] < keys[starts[:-1]]).any():
        raise ValueError("run_sums: keys out of order")
    return keys[starts], np.add.reduceat(values, starts)

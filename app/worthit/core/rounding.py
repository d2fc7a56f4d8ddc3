"""Rounding many figures at once to exactly what Python's ``round`` gives each one.

Reports round every figure for JSON (``round(cost, 2)``); over tens of thousands of nodes
the calls cost more than the arithmetic. NumPy's ``np.round`` scales, rounds to an integer
and scales back, which differs from ``round`` where the scaling itself rounded across a
half (``round(2.675, 2)`` is 2.67: the double is 2.67499…; ``np.round`` says 2.68). Here
the scaled value is rounded by NumPy where it is safely away from a half, and by ``round``
itself elsewhere, so each result is ``round``'s to the bit.
"""

from __future__ import annotations

import numpy as np

#: A scaled value closer than this (relative) to a half is left to ``round``: the scaling's
#: own error is at most 2**-53 relative, so this keeps a margin of seven orders.
_NEAR_HALF = 1e-9


def rounded(values: np.ndarray, digits: int) -> list[float]:
    """``[round(v, digits) for v in values]``, as Python floats, computed mostly by NumPy.

    Exact because ``k / 10**digits`` for an integer ``k`` is the double nearest the
    decimal, as ``round`` returns, and ``rint`` picks the same ``k`` as ``round`` unless
    the exact product lies within the scaling's error of a half, which goes to ``round``."""
    values = np.asarray(values, dtype=np.float64)
    scale = 10.0 ** digits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        result: list[float] = (np.rint(scaled) / scale).tolist()
        magnitude = np.abs(scaled)
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) <= _NEAR_HALF * np.maximum(
            1.0, magnitude)
        exact = ~np.isfinite(scaled) | (magnitude >= 2.0 ** 52)
    for i in np.flatnonzero(near_half | exact).tolist():
        result[i] = round(float(values[i]), digits)
    return result

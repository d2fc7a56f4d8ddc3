"""Counts with their noun agreeing ("1 day", "3 days", "1,204 lines"), so no text a
manager reads says "day(s)" or "1 lines"."""

from __future__ import annotations


def plural(count: float, singular: str, many: str | None = None) -> str:
    """``count`` with thousands separators and ``singular`` or its plural: ``many``, else
    ``singular`` + "s". Only exactly 1 is singular ("0 days", "1.5 days")."""
    number = f"{int(count):,}" if float(count).is_integer() else f"{count:,}"
    word = singular if count == 1 else (many if many is not None else f"{singular}s")
    return f"{number} {word}"

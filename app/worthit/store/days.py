"""Days in the cache's SQL: a charge's day is stored as its number
(:mod:`worthit.core.days`), converted back to ISO text in a query only where a reader
wants text."""

from __future__ import annotations

from worthit.core.days import date_of, day_number, day_number_of, iso_of

__all__ = ["date_of", "day_number", "day_number_of", "iso_of", "iso_sql"]


def iso_sql(column: str = "day") -> str:
    """SQL for the ISO text of the stored day number in ``column`` (a name of ours)."""
    return f"date({column} * 86400, 'unixepoch')"

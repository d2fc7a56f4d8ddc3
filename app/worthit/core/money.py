"""Formatting money and counts for people: full precision stays in the data."""

from __future__ import annotations

from typing import Final

SYMBOLS: Final[dict[str, str]] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(value: float, currency: str = "USD", *, cents: bool | None = None) -> str:
    """``$125,386`` (whole dollars from $1,000 up), ``$12.34`` below, ``−$5`` negative."""
    symbol = SYMBOLS.get(currency, "")
    show_cents = abs(value) < 1000 if cents is None else cents
    text = f"{abs(value):,.2f}" if show_cents else f"{abs(value):,.0f}"
    body = f"{symbol}{text}" if symbol else f"{text} {currency}"
    return f"−{body}" if value < 0 and text.strip("0.,") else body


def money_short(value: float, currency: str = "USD") -> str:
    """``$1.2M``, ``$125k``, ``$950`` — for axes and tight spaces."""
    symbol = SYMBOLS.get(currency, "")
    sign = "−" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            scaled = value / limit
            digits = 1 if scaled < 100 else 0
            return f"{sign}{symbol}{scaled:.{digits}f}{suffix}"
    return f"{sign}{symbol}{value:.0f}"


def count_short(value: float) -> str:
    """``43.7B``, ``21.7M``, ``950``."""
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            scaled = value / limit
            return f"{scaled:.1f}{suffix}" if abs(scaled) < 100 else f"{scaled:.0f}{suffix}"
    return f"{value:.0f}"


def percent(value: float | None, *, signed: bool = False, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value * 100:+.{digits}f} %" if signed else f"{value * 100:.{digits}f} %"
    return text.replace("-", "−")

"""Formatting money and counts for people (full precision stays in the data), and the
currencies money may be in."""

from __future__ import annotations

import math
from typing import Final

SYMBOLS: Final[dict[str, str]] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

#: ISO 4217 codes money is billed in: the current ones, and those withdrawn since 2000 (the
#: first day a bill may charge), for an old bill. Fund, metal, testing and "no currency"
#: codes (USN, XAU, XTS, XXX, ...) are left out: no bill is in them.
CURRENCIES: Final[frozenset[str]] = frozenset((
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP",
    "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF",
    "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD",
    "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
    "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB",
    "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD",
    "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
    "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD",
    "UYU", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER",
    "ZAR", "ZMW", "ZWG", "ZWL",
    # Withdrawn since 2000.
    "AFA", "ATS", "AZM", "BEF", "BYR", "CSD", "CYP", "DEM", "EEK", "ESP", "FIM", "FRF", "GHC",
    "GRD", "HRK", "IEP", "ITL", "LTL", "LUF", "LVL", "MGF", "MRO", "MTL", "MZM", "NLG", "PTE",
    "ROL", "SDD", "SIT", "SKK", "SRG", "STD", "TMM", "TRL", "VEB", "VEF", "YUM", "ZMK", "ZWD",
    "ZWN", "ZWR",
))


def is_currency(code: str) -> bool:
    """Whether ``code`` is one of :data:`CURRENCIES` (upper case, as ISO 4217 writes it)."""
    return code in CURRENCIES


def money(value: float, currency: str = "USD", *, cents: bool | None = None) -> str:
    """``$125,386`` (whole dollars from $1,000 up), ``$12.34`` below, ``−$5`` negative."""
    symbol = SYMBOLS.get(currency, "")
    show_cents = round(abs(value), 2) < 1000 if cents is None else cents
    text = f"{abs(value):,.2f}" if show_cents else f"{abs(value):,.0f}"
    body = f"{symbol}{text}" if symbol else f"{text} {currency}"
    return f"−{body}" if value < 0 and text.strip("0.,") else body


def unit_money(value: float, currency: str = "USD", *, signed: bool = False) -> str:
    """A price per unit: ``$0.0718`` (four decimals under a dollar, where unit costs
    live), ``$1.25`` from a dollar up; ``signed`` adds ``+`` to a rise."""
    symbol = SYMBOLS.get(currency, "")
    digits = 4 if round(abs(value), 4) < 1 else 2
    text = f"{abs(value):,.{digits}f}"
    body = f"{symbol}{text}" if symbol else f"{text} {currency}"
    negative = value < 0 and text.strip("0.,")
    sign = "−" if negative else "+" if signed and value > 0 and text.strip("0.,") else ""
    return f"{sign}{body}"


def money_short(value: float, currency: str = "USD") -> str:
    """``$1.2M``, ``$125k``, ``$950`` — for axes and tight spaces."""
    text = _short(abs(value), ((1e9, "B"), (1e6, "M"), (1e3, "k")))
    sign = "−" if value < 0 and text.strip("0.") else ""
    return f"{sign}{SYMBOLS.get(currency, '')}{text}"


def count_short(value: float) -> str:
    """``43.7B``, ``21.7M``, ``950``."""
    text = _short(abs(value), ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")))
    return f"−{text}" if value < 0 and text.strip("0.") else text


def _short(value: float, units: tuple[tuple[float, str], ...]) -> str:
    """A non-negative value in the largest unit it reaches, moving up one unit when
    rounding would show 1000 of it (999.6 reads 1.0k, never 1000)."""
    scale = [(1.0, ""), *reversed(units)]  # smallest first
    index = max(i for i, (limit, _) in enumerate(scale) if value >= limit or i == 0)
    while True:
        limit, suffix = scale[index]
        scaled = value / limit
        digits = 1 if suffix and round(scaled, 1) < 100 else 0
        if round(scaled, digits) < 1000 or index == len(scale) - 1:
            return f"{scaled:.{digits}f}{suffix}"
        index += 1


def percent(value: float | None, *, signed: bool = False, digits: int = 1) -> str:
    """``12.5 %``; signed ``+12.5 %`` / ``−3.0 %``; ``–`` for no value (None or NaN)."""
    if value is None or math.isnan(value):
        return "–"
    shown = round(value * 100, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = f"{shown:+.{digits}f} %" if signed else f"{shown:.{digits}f} %"
    return text.replace("-", "−")

"""Exchange rates: reading the ECB's whole history, storing and loading it, and converting
10 million amounts over 3 currencies and 1,000 days (issue 22 asks for "well under a
second").

The history is real-shaped: 30 currencies per 1 EUR on each working day from 1999 to 2026
(about 7,000 lines, 200,000 rates; N/A cells and the trailing comma as published), written
to a temporary file. The amounts are in USD, EUR and NOK, converted to USD: USD is the
identity, EUR a direct rate, NOK a cross rate through EUR. Their currencies are given the
three ways :meth:`~worthit.core.rates.RateTable.convert` takes: text (``<U3``), Python
objects (a column read from SQLite or pandas), and key ids with each key's currency (how a
page holds charges). Medians of ``--repeat`` runs are printed; no goal is asserted here.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas  # noqa: F401  (imported before timing: the app pays for it once, at first load)

from _common import parser, summary, table
from worthit.core.days import day_number
from worthit.core.rate_files import read_rates_file
from worthit.core.rates import RateTable
from worthit.store import rates as stored
from worthit.store.cache import Cache

CURRENCIES = ("USD", "JPY", "BGN", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF",
              "ISK", "NOK", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR",
              "KRW", "MXN", "MYR", "NZD", "PHP", "SGD", "THB", "ZAR")
AMOUNTS = 10_000_000
DAYS = 1_000
KEYS = 5_000


def ecb_history(path: Path) -> int:
    """Write a real-shaped eurofxref-hist.csv; how many rates it holds."""
    rng = np.random.default_rng(22)
    day, end = dt.date(1999, 1, 4), dt.date(2026, 6, 30)
    lines, count = ["Date," + ",".join(CURRENCIES) + ","], 0
    levels = rng.uniform(0.5, 1500, len(CURRENCIES))
    while day <= end:
        if day.weekday() < 5:
            levels *= rng.normal(1, 0.004, len(CURRENCIES))
            cells = [f"{v:.4f}" if (i != 11 or day.year < 2008 or day.year > 2018)
                     else "N/A" for i, v in enumerate(levels)]
            count += sum(c != "N/A" for c in cells)
            lines.append(f"{day}," + ",".join(cells) + ",")
        day += dt.timedelta(days=1)
    lines.reverse()  # newest first, as the ECB writes it
    lines.insert(0, lines.pop())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return count


def timed(repeat: int, function: Callable[[], Any]) -> tuple[list[float], Any]:
    function()  # unrecorded: warms caches and imports
    runs, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        runs.append(time.perf_counter() - began)
    return runs, result


def main() -> None:
    args = parser(__doc__).parse_args()
    with tempfile.TemporaryDirectory() as folder:
        history = Path(folder) / "eurofxref-hist.csv"
        written = ecb_history(history)
        rows: list[tuple[str, str]] = []

        runs, read = timed(args.repeat, lambda: read_rates_file(history, source="ECB"))
        assert len(read.rates) == written
        rows.append((f"read eurofxref-hist.csv ({written:,} rates)", summary(runs)))

        with Cache.open(Path(folder) / "worthit.sqlite") as cache:
            runs, _ = timed(args.repeat, lambda: stored.import_rates(cache, read.rates))
            rows.append(("import them into the cache (all replaced after the first)",
                         summary(runs)))
            runs, rates = timed(args.repeat, lambda: stored.load(cache))
            rows.append(("load them as a RateTable", summary(runs)))

        rng = np.random.default_rng(7)
        first = day_number(dt.date(2023, 1, 1))
        names = [("USD", "EUR", "NOK")[k % 3] for k in range(KEYS)]
        keys = rng.integers(0, KEYS, AMOUNTS)
        days = rng.integers(first, first + DAYS, AMOUNTS).astype(np.int32)
        amounts = rng.uniform(0, 100, AMOUNTS)
        text = np.array(names)[keys]
        objects = np.array(names, object)[keys]
        for label, currencies, extra in (("text (<U3)", text, {}),
                                         ("objects", objects, {}),
                                         ("key ids and names", keys, {"names": names})):
            runs, converted = timed(args.repeat, lambda c=currencies, e=extra: rates.convert(
                amounts, c, days, "USD", **e))
            assert converted.complete
            rows.append((f"convert {AMOUNTS:,} amounts, 3 currencies, {DAYS:,} days: "
                         f"{label}", summary(runs)))
        check = _check(rates, amounts, text, days, converted.values)
        runs, used = timed(args.repeat, converted.used)
        rows.append((f"the rate used per currency and day ({len(used):,})", summary(runs)))
    print(table(("measure", "seconds"), rows))
    print(f"\nconverted values checked against the rate of each (currency, day): {check}")


def _check(rates: RateTable, amounts: np.ndarray, text: np.ndarray, days: np.ndarray,
           values: np.ndarray) -> str:
    """A sample of amounts converted one at a time, to the same figure."""
    sample = np.random.default_rng(1).integers(0, len(amounts), 1_000)
    worst = max(abs(values[i] / (amounts[i] * (rates.rate(str(text[i]), "USD", int(days[i]))
                                               or np.nan)) - 1) for i in sample)
    return f"1,000 sampled, largest relative difference {worst:.1e}"


if __name__ == "__main__":
    main()

"""A workspace billed in three currencies, for the currency tests (analysis, CLI, window):
AWS in USD, Azure in EUR and OpenAI through a reseller in NOK, imported from FOCUS files
written here, with the ECB's reference rates as published (rates per 1 EUR, business
days only). The expected figures are computed here from the rows as written and the
rates as written, with nothing of Worthit's: each charge times the rate of its day, or
of the latest business day before it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from worthit.core.rate_files import read_rates_file
from worthit.core.rules import Pick, Rule
from worthit.core.units import Count, Unit
from worthit.store.rates import import_rates
from worthit.store.rules import save_rules
from worthit.store.units import add_unit, write_counts
from worthit.sync.importer import import_file
from worthit.workspace import Workspace

D = dt.date
JANUARY: Final = (D(2026, 1, 1), D(2026, 1, 31))
FOCUS_COLUMNS: Final = (
    "ChargePeriodStart", "ChargePeriodEnd", "BilledCost", "EffectiveCost", "ListCost",
    "BillingCurrency", "ProviderName", "ServiceName", "ServiceCategory", "ResourceId",
    "Tags", "x_Model", "x_InputTokens", "x_CachedInputTokens", "x_OutputTokens",
    "x_Requests")
SEARCH: Final = {"team": "search", "feature": "document-search"}
CHAT: Final = {"team": "support", "feature": "chat"}


@dataclass(frozen=True, slots=True)
class Row:
    """One charge as a bill states it."""

    day: dt.date
    currency: str
    amount: float
    provider: str
    service: str
    resource: str
    tags: dict[str, str]
    model: str | None = None

    @property
    def feature(self) -> str | None:
        return self.tags.get("feature")


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def rows() -> list[Row]:
    """Every charge: AWS every day of January in USD (a tagged server and an untagged
    bucket), Azure from the 5th in EUR, OpenAI from the 10th in NOK (both for chat)."""
    found = []
    for day in _days(*JANUARY):
        n = day.day
        found.append(Row(day, "USD", round(100 + n * 1.37, 2), "AWS", "Amazon EC2",
                         "i-search", SEARCH))
        found.append(Row(day, "USD", round(40.25 + n % 5, 2), "AWS", "Amazon S3",
                         "bucket-logs", {}))
        if n >= 5:
            found.append(Row(day, "EUR", round(80.5 + n * 0.91, 2), "Microsoft",
                             "Virtual Machines", "vm-chat", CHAT))
        if n >= 10:
            found.append(Row(day, "NOK", round(950 + n * 3.3, 2), "OpenAI", "OpenAI API",
                             "key-chat", CHAT, "gpt-4.1"))
    return found


#: The days the rates cover: from a month before the bills to their last business day.
RATED: Final = (D(2025, 12, 1), D(2026, 1, 30))


def ecb_rates(first: dt.date = RATED[0], last: dt.date = RATED[1]
              ) -> dict[dt.date, dict[str, float]]:
    """EUR→USD and EUR→NOK on the business days from ``first`` to ``last`` (no weekend, no
    New Year's Day: the ECB publishes none then), moving a little each day."""
    found = {}
    for number, day in enumerate(_days(first, last)):
        if day.weekday() < 5 and (day.month, day.day) != (1, 1):
            found[day] = {"USD": round(1.04 + 0.0013 * number, 4),
                          "NOK": round(11.5 + 0.017 * number, 4)}
    return found


def write_ecb(path: Path, rates: dict[dt.date, dict[str, float]]) -> Path:
    """The rates as the ECB publishes its history: newest first, a trailing comma."""
    lines = ["Date,USD,NOK,"] + [f"{day.isoformat()},{r['USD']},{r['NOK']},"
                                 for day, r in sorted(rates.items(), reverse=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_focus(path: Path, charges: list[Row]) -> Path:
    """A FOCUS file of ``charges`` (AI ones with tokens and requests)."""
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(FOCUS_COLUMNS)
        for r in charges:
            ai = r.model is not None
            out.writerow([
                f"{r.day.isoformat()}T00:00:00Z", f"{(r.day + dt.timedelta(days=1))}T00:00:00Z",
                r.amount, r.amount, r.amount, r.currency, r.provider, r.service,
                "AI and Machine Learning" if ai else "Compute", r.resource,
                json.dumps(r.tags) if r.tags else "", r.model or "",
                5_000_000 + r.day.day * 1000 if ai else "", 0 if ai else "",
                300_000 if ai else "", 1000 if ai else ""])
    return path


#: The unit whose target and revenue are set in EUR.
TICKET: Final = Unit("ticket", "Ticket", "tickets resolved", ("chat",), target_cost=0.5,
                     revenue_per_unit=2.0, currency="EUR")


def build(folder: Path, *, rates: dict[dt.date, dict[str, float]] | None) -> Workspace:
    """The workspace in ``folder``: three bills, a rule giving team and feature from the
    tags, the ticket unit counted every day, and ``rates`` (none when None)."""
    workspace = Workspace(folder)
    folder.mkdir(parents=True, exist_ok=True)
    charges = rows()
    with workspace.open() as cache:
        for currency, name in (("USD", "aws"), ("EUR", "azure"), ("NOK", "reseller")):
            path = write_focus(folder / f"{name}.csv", [r for r in charges
                                                        if r.currency == currency])
            import_file(cache, path, source=name)
        save_rules(cache, [Rule("by tags", "assign", (("tag_present", ("team",)),),
                                team=Pick(tag="team"), feature=Pick(tag="feature"))])
        add_unit(cache, TICKET)
        write_counts(cache, [Count("ticket", day, 1000.0) for day in _days(*JANUARY)])
        if rates is not None:
            read = read_rates_file(write_ecb(folder / "eurofxref-hist.csv", rates),
                                   source="ECB")
            import_rates(cache, read.rates)
    return workspace


def rate(rates: dict[dt.date, dict[str, float]], start: str, end: str,
         day: dt.date) -> float | None:
    """One ``start`` in ``end`` on ``day``, at the latest business day's rates on or before
    it (both through EUR, as the ECB quotes them); None without one."""
    if start == end:
        return 1.0
    known = [d for d in rates if d <= day]
    if not known:
        return None
    quoted = {"EUR": 1.0, **rates[max(known)]}
    return quoted[end] / quoted[start]


def expected(rates: dict[dt.date, dict[str, float]], to: str, first: dt.date,
             last: dt.date, wanted: Callable[[Row], bool] = lambda _: True) -> float:
    """The sum of the charges ``wanted`` from ``first`` to ``last``, each in ``to`` at the
    rate of its day."""
    total = 0.0
    for r in rows():
        if first <= r.day <= last and wanted(r):
            factor = rate(rates, r.currency, to, r.day)
            assert factor is not None, f"no rate for {r}"
            total += r.amount * factor
    return total

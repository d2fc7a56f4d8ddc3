"""What the Leaks and Model swap pages show, from their JSON, text and CSV, recorded under
each figure's name: the recurring monthly saving of open findings and their one-off excess
(apart), each finding's figures, the figures a finding shares with another surface (a
lever's saving with Model swap, a runaway's excess with the spike alert, weak
attribution's cost with Allocation's Unallocated) and each suggestion's saving."""

from __future__ import annotations

import math
import re
from typing import Any

from tests.one_truth import ledger as n
from tests.one_truth.ledger import Ledger, Name
from tests.one_truth.reading import Csv, cells, line_with
from tests.one_truth.spend import period_of
from worthit.core.periods import Period

#: The leak kinds a model-swap suggestion becomes (worthit.analysis.leaks.models), by lever.
LEVER_OF_KIND = {"overpowered_model": "smaller", "batch_eligible": "batch",
                 "prompt_bloat": "cache"}
#: How Leaks names the Model swap page's caching saving next to a prompt-bloat finding's
#: own (trimming) saving: another lever, another figure.
CACHING_INSTEAD = "caching the prefix instead (Model swap)"


def _model(finding: dict[str, Any]) -> str:
    """``provider/model`` from a finding's key ``kind:feature:provider/model``."""
    prefix = f"{finding['kind']}:{finding['feature']}:"
    assert finding["key"].startswith(prefix), finding["key"]
    return str(finding["key"][len(prefix):])


# -- Leaks ------------------------------------------------------------------------------------


def leaks_json(book: Ledger, surface: str, data: dict[str, Any],
               window: Period) -> list[dict[str, Any]]:
    """Record the totals and every finding; returns the findings, in the page's order."""
    assert period_of(data, "window") == window
    book.record(n.leak_saving(window), surface, data["monthly_saving"])
    book.record(n.leak_one_off(window), surface, data["one_off"])
    found = data["findings"]
    opened = [f for f in found if f["state"] == "open"]
    book.record(n.leak_saving(window), f"{surface}, open findings added up",
                math.fsum(f["monthly_saving"] for f in opened), n.CENT * max(1, len(opened)))
    book.record(n.leak_one_off(window), f"{surface}, open findings added up",
                math.fsum(f["one_off"] for f in opened), n.CENT * max(1, len(opened)))
    for f in found:
        key, numbers = f["key"], f["evidence"]["numbers"]
        book.record(n.finding("monthly saving", key, window), surface, f["monthly_saving"])
        book.record(n.finding("one-off excess", key, window), surface, f["one_off"])
        book.record(n.finding("monthly cost", key, window), surface, f["monthly_cost"])
        evidence = f"{surface}, evidence of {key}"
        if "cost in the last 30 days" in numbers:
            book.shown(n.finding("monthly cost", key, window), evidence,
                       numbers["cost in the last 30 days"])
        if f["kind"] in LEVER_OF_KIND and "what changes" in numbers:  # a suggestion's
            book.record(n.lever(LEVER_OF_KIND[f["kind"]], f["feature"], _model(f), window),
                        surface, f["monthly_saving"])
        if CACHING_INSTEAD in numbers:
            book.shown(n.lever("cache", f["feature"], _model(f), window), evidence,
                       numbers[CACHING_INSTEAD])
        if f["kind"] == "runaway_agent":
            book.record(n.spike(f["resource"], window), surface, f["one_off"])
            book.shown(n.spike(f["resource"], window), evidence,
                       numbers["Excess over the baseline"])
        if f["kind"] == "weak_attribution":
            book.record(n.team("Unallocated", window), surface, f["monthly_cost"])
            book.shown(n.team("Unallocated", window), f"{surface}, title of {key}", f["title"])
            for label, value in numbers.items():
                if label.startswith("reason: "):
                    book.shown(n.feature("Unallocated", label.removeprefix("reason: "), window),
                               evidence, value)
    return list(found)


def leaks_text(book: Ledger, surface: str, text: str, window: Period,
               found: list[dict[str, Any]]) -> None:
    """The headline, then a line per finding (in ``found``'s order) with its figure: a
    saving per month, or an excess paid once, each so named."""
    headline = text.splitlines()[0]
    book.shown(n.leak_saving(window), f"{surface} headline", headline, after="save ")
    book.shown(n.leak_one_off(window), f"{surface} headline", headline,
               after="one-off excess ")
    lines = [line for line in text.splitlines()[2:] if not line.strip().startswith("owner ")]
    assert len(lines) == len(found), (lines, [f["key"] for f in found])
    for line, f in zip(lines, found, strict=True):
        shown = cells(line)[0]
        if shown == "no saving priced":  # a cost to know about: its saving is zero
            assert round(f["monthly_saving"], 2) == 0 and f["one_off"] <= f["monthly_saving"]
            book.record(n.finding("monthly saving", f["key"], window), surface, 0.0)
            continue
        one_off = f["one_off"] > f["monthly_saving"]
        assert shown.endswith(" one-off" if one_off else "/month"), (
            f"{f['key']} is shown as {shown!r}: a one-off excess must say one-off, a "
            "recurring saving /month")
        what = "one-off excess" if one_off else "monthly saving"
        book.shown(n.finding(what, f["key"], window), surface, shown)


def leaks_csv(book: Ledger, surface: str, table: Csv, window: Period) -> None:
    book.shown(n.leak_saving(window), f"{surface} title", table.title, after="save ")
    book.shown(n.leak_one_off(window), f"{surface} title", table.title,
               after="one-off excess ")
    opened = [row for row in table.rows if row["State"] == "open"]
    book.record(n.leak_saving(window), f"{surface}, open rows added up",
                *table.total("Monthly saving", opened))
    book.record(n.leak_one_off(window), f"{surface}, open rows added up",
                *table.total("One-off excess", opened))
    for row in table.rows:
        key = row["Key"]
        for column, what in (("Monthly saving", "monthly saving"),
                             ("One-off excess", "one-off excess"),
                             ("Monthly cost", "monthly cost")):
            book.record(n.finding(what, key, window), surface, table.number(row, column),
                        n.MILLIONTH)


# -- Model swap -------------------------------------------------------------------------------


def swap_json(book: Ledger, surface: str, data: dict[str, Any], period: Period
              ) -> dict[str, Name]:
    """Record each suggestion's and saved scenario's saving; returns the name of the
    figure behind each title the other surfaces show."""
    assert period_of(data) == period
    titles: dict[str, Name] = {}
    for s in data["suggestions"]:
        lever = s["levers"][0]
        name = n.lever(s["kind"], s["feature"], "/".join(lever["model"]), period)
        assert titles.setdefault(s["title"], name) == name, f"two suggestions {s['title']!r}"
        book.record(name, surface, s["monthly_saving"])
    for o in data["scenarios"]:
        name = n.scenario(o["name"], period)
        assert titles.setdefault(o["name"], name) == name, f"two scenarios {o['name']!r}"
        book.record(name, surface, o["monthly_saving"])
    return titles


def swap_text(book: Ledger, surface: str, text: str, titles: dict[str, Name]) -> None:
    line_with(text, "Model swap ")
    shown = re.findall(r"^  (\S+)/month  (.+)$", text, re.MULTILINE)
    assert len(shown) == len(titles), (shown, titles)
    for amount, title in shown:
        book.shown(titles[title], surface, amount)


def swap_csv(book: Ledger, surface: str, table: Csv, titles: dict[str, Name]) -> None:
    assert len(table.rows) == len(titles)
    for row in table.rows:
        book.record(titles[row["Scenario"]], surface, table.number(row, "Monthly saving"),
                    n.MILLIONTH)

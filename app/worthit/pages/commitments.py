"""The Commitments page: every savings plan and reservation the bills name, with what it
covers, its term and end, its utilisation, the cost of what went unused, what it saved
against on-demand prices and whose usage it covers; those ending within 90 days first.
Amounts are in each commitment's own billing currency. Days to end count from today (the
date is said), whatever period is on show."""

from __future__ import annotations

import textwrap
import weakref
from typing import TYPE_CHECKING, Any, Final

from worthit.core.money import money, percent
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table

if TYPE_CHECKING:
    from worthit.analysis.commitments import Commitment, Commitments, WouldSave
    from worthit.pages.figures import Figures

#: What the page says when the bills name no commitment: where commitments come from.
EMPTY: Final = ("No commitments in this period. Worthit finds savings plans and reservations "
                "in the bills themselves: an AWS Cost and Usage Report's savings plan and "
                "reservation lines, a FOCUS export's CommitmentDiscount columns, or an Azure "
                "amortised cost export's reservation and savings plan rows. Import one on "
                "the Sources page.")
COLUMNS: Final = ("Commitment", "Kind", "Covers", "Term", "Ends", "Days to end", "Currency",
                  "Committed", "Used", "Unused cost", "Utilisation", "Saving vs on-demand",
                  "Owner")

_computed: weakref.WeakKeyDictionary[Figures, Commitments] = weakref.WeakKeyDictionary()


def result(figures: Figures) -> Commitments:
    """The period's commitments, owned as the Allocation page allocates (computed once
    per :class:`Figures`)."""
    held = _computed.get(figures)
    if held is None:
        from worthit.analysis.commitments import commitments

        held = _computed[figures] = commitments(figures.cache, figures.period,
                                                allocation=figures.allocation)
    return held


def label(c: Commitment) -> str:
    """A commitment's short name: its name, else the last part of its id (an ARN's
    UUID, shortened to its first eight and last four characters)."""
    if c.name:
        return c.name
    tail = c.commitment_id.rstrip("/").rsplit("/", 1)[-1]
    return tail if len(tail) <= 20 else f"{tail[:8]}…{tail[-4:]}"


def ends(c: Commitment) -> str:
    """``2025-04-10 (in 10 days)``, ``ended 2025-03-02``, or ``not stated``."""
    if c.end is None:
        return "not stated"
    day = c.end.date().isoformat()
    if c.days_to_end is None or c.days_to_end < 0:
        return f"ended {day}"
    return f"{day} (in {c.days_to_end} day{'s' if c.days_to_end != 1 else ''})"


def counted_from(found: Commitments) -> str:
    """The day days to end count from, in words: ``from today, 2026-12-05``."""
    return f"from today, {found.as_of.isoformat()}"


def utilisation_text(c: Commitment) -> str:
    """``70.0 %``, or ``not stated`` where the bill does not say what was used."""
    return "not stated" if c.unstated else percent(c.utilisation)


def saving_text(c: Commitment) -> str:
    return "not known" if c.saving is None else money(c.saving, c.currency)


def table(figures: Figures) -> Table:
    """One row per commitment, ending soonest first."""
    found = result(figures)
    rows = [(label(c), c.kind, c.covers, c.term, None if c.end is None else c.end.date(),
             c.days_to_end, c.currency, c.committed, c.used, c.unused, c.utilisation,
             c.saving, c.owner) for c in found.commitments]
    currency = found.currencies[0] if len(found.currencies) == 1 else figures.currency
    return Table.of(
        "Commitments: utilisation, unused cost and saving", COLUMNS, rows,
        period=figures.period, currency=currency, name="Commitments",
        filters=filters(figures, **{"days to end": f"counted {counted_from(found)}"},
                        **({"note": "amounts in each commitment's currency"}
                           if len(found.currencies) > 1 else {})),
        formats={"Ends": "date", "Days to end": "integer", "Committed": "money",
                 "Used": "money", "Unused cost": "money", "Utilisation": "percent",
                 "Saving vs on-demand": "money"})


def would_save_lines(found: WouldSave | None) -> list[str]:
    """The "If you committed" lines: each family's steady on-demand spend and, at the user's rate,
    what a 1-year no-upfront commitment would save per month; the assumption in words."""
    if found is None or not found.families:
        return ["If you committed: no steady on-demand instance usage in the last 30 days."]
    cur = found.currency
    rows = [("Family", "Steady /h", "Commitment /h", "Saving /month")] + [
        (f"{u.provider or 'unknown'} {u.family}", money(u.steady_hourly, cur),
         "–" if (c := found.commitment(u)) is None else money(c, cur),
         "–" if (v := found.saving(u)) is None else money(v, cur))
        for u in found.families]
    total = found.total
    head = "If you committed" + ("" if total is None
                                 else f": {money(total, cur)} a month in all")
    return [head, *("  " + line for line in aligned(rows)),
            *textwrap.wrap(found.assumption, 88, initial_indent="  ",
                           subsequent_indent="  ")]


def text(figures: Figures, _options: Options) -> str:
    found = result(figures)
    lines = [f"Commitments {figures.period.label()}"]
    if not found.commitments:
        return "\n".join([*lines, "", EMPTY, "", *would_save_lines(found.would_save)])
    for currency in found.currencies:
        saving = found.total("saving", currency)
        lines.append(
            f"{currency}: committed {money(found.total('committed', currency) or 0, currency)}, "
            f"unused {money(found.total('unused', currency) or 0, currency)}, saved "
            + ("not known (an on-demand price is missing)" if saving is None
               else money(saving, currency)))
    soon = found.ending_within(90)
    lines.append(f"Ending within 90 days: {len(soon)} (days to end counted "
                 f"{counted_from(found)})")
    rows = [("Commitment", "Kind", "Ends", "Owner", "Used", "Unused", "Utilisation",
             "Saving")] + [
        (label(c), c.kind, ends(c), c.owner, money(c.used, c.currency),
         money(c.unused, c.currency), utilisation_text(c), saving_text(c))
        for c in found.commitments]
    lines += ["", *aligned(rows, numeric_from=4)]
    notes = sorted({n for c in found.commitments for n in c.notes})
    if notes:
        lines += ["", *(f"Note: {n}." for n in notes)]
    lines += ["", *would_save_lines(found.would_save)]
    return "\n".join(lines)


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    return result(figures).to_json()


PAGE = Page("commitments", "Commitments", 55, table, text, json)

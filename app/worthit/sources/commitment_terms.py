"""What a billing file states about the commitments its charges run under (a savings plan,
a reservation): its kind, what it covers, its term, start and end, how it is paid and how
much it commits an hour or a month. Gathered while the file is read, by either path, and
written with its charges (:mod:`worthit.store.commitments`).

Every format names a charge's commitment (CommitmentDiscountId, Type, Category, Name);
:meth:`Stated.charge` takes those from the charges themselves. A CUR states more, per line
(start and end time, term, offering, payment option, the commitment of the hour), which
its reader notes with :meth:`Stated.note` and :meth:`Stated.committed`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Final

from worthit.core.commitments import active_hours, kind_of, parse_time
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.sources.bill import BillFile

#: The columns of ``commitments`` (migration 9) a file may state, after the id.
FIELDS: Final = ("provider", "kind", "category", "name", "offering", "instance_family",
                 "region", "term", "start_time", "end_time", "payment_option",
                 "hourly_commitment", "monthly_commitment", "billed_every", "currency")

_AT: Final = {name: i for i, name in enumerate(CHARGE_COLUMN_NAMES)}
_ID, _PROVIDER, _TYPE, _CATEGORY, _NAME, _CURRENCY = (_AT[c] for c in (
    "commitment_discount_id", "provider_name", "commitment_discount_type",
    "commitment_discount_category", "commitment_discount_name", "billing_currency"))
#: Where a file's account keeps what it states (see :func:`stated`).


class Stated:
    """The commitments of one file, by id: the facts its lines state, the last stated
    winning, and the amount committed each day (for the hourly commitment)."""

    def __init__(self) -> None:
        self.facts: dict[str, dict[str, Any]] = {}
        self._daily: dict[str, defaultdict[str, float]] = {}

    def note(self, commitment_id: str, **facts: Any) -> None:
        """Facts a line states about a commitment (None: it does not say)."""
        held = self.facts.setdefault(commitment_id, {})
        held.update({k: v for k, v in facts.items() if v is not None})

    def committed(self, commitment_id: str, day: str, amount: float) -> None:
        """Part of what a commitment committed on ``day`` (an hourly fee line's, or a row
        of their sums): added up, so both reading paths give the same day's total."""
        self._daily.setdefault(commitment_id, defaultdict(float))[day] += amount

    def charge(self, row: Sequence[Any]) -> None:
        """The commitment a charge (in :data:`CHARGE_COLUMN_NAMES` order) names, if any."""
        commitment_id = row[_ID]
        if commitment_id is None:
            return
        held = self.facts.get(commitment_id)
        if held is not None and "kind" in held and "currency" in held:
            return  # named before: the rest is the same on every line of it
        self.note(commitment_id, provider=row[_PROVIDER],
                  kind=kind_of(row[_PROVIDER], row[_TYPE]), category=row[_CATEGORY],
                  name=row[_NAME], currency=row[_CURRENCY])

    def rows(self) -> list[dict[str, Any]]:
        """One dict per commitment (``commitment_id`` and :data:`FIELDS`): an hourly
        commitment is a day's committed amount over the hours it ran that day, the
        largest over the days seen (a day it began or ended on is a part day)."""
        out = []
        for commitment_id, facts in sorted(self.facts.items()):
            row: dict[str, Any] = {"commitment_id": commitment_id,
                                   **{f: facts.get(f) for f in FIELDS}}
            daily = self._daily.get(commitment_id)
            if daily and row["hourly_commitment"] is None:
                start, end = parse_time(row["start_time"]), parse_time(row["end_time"])
                rates = [amount / hours for day, amount in daily.items()
                         if (hours := active_hours(dt.date.fromisoformat(day), start, end))]
                row["hourly_commitment"] = max(rates) if rates else None
            out.append(row)
        return out


def stated(found: BillFile) -> Stated:
    """The commitments ``found``'s file states, kept on it while it is read."""
    held = found.commitment_terms
    if not isinstance(held, Stated):
        held = found.commitment_terms = Stated()
    return held

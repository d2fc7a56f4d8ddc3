"""What the user decided about leak findings (``finding_state``): dismissed with a reason,
snoozed until a day, or a note. Keyed by the finding's stable key, so it survives
re-syncs and recomputation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from worthit.core.errors import UserError
from worthit.store.cache import Cache

STATES = ("open", "dismissed", "snoozed")


@dataclass(frozen=True, slots=True)
class FindingState:
    key: str
    state: str = "open"
    reason: str = ""
    snooze_until: dt.date | None = None
    note: str = ""

    def hidden(self, today: dt.date) -> bool:
        """Out of the list today: dismissed, or snoozed until a later day."""
        if self.state == "dismissed":
            return True
        return self.state == "snoozed" and self.snooze_until is not None and \
            self.snooze_until > today


def load_states(cache: Cache) -> dict[str, FindingState]:
    return {
        row["finding_key"]: FindingState(
            row["finding_key"], row["state"], row["reason"] or "",
            dt.date.fromisoformat(row["snooze_until"]) if row["snooze_until"] else None,
            row["note"] or "")
        for row in cache._rows("SELECT * FROM finding_state")
    }


def set_state(cache: Cache, state: FindingState) -> None:
    if state.state not in STATES:
        raise UserError(f"A finding is {', '.join(STATES)}, not {state.state!r}.")
    if state.state == "snoozed" and state.snooze_until is None:
        raise UserError("Snoozing needs a day to wake up on.")
    with cache.transaction() as conn:
        conn.execute(
            "INSERT INTO finding_state (finding_key, state, reason, snooze_until, note, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (finding_key) DO UPDATE SET "
            "state = excluded.state, reason = excluded.reason, "
            "snooze_until = excluded.snooze_until, note = excluded.note, "
            "updated_at = excluded.updated_at",
            (state.key, state.state, state.reason,
             state.snooze_until.isoformat() if state.snooze_until else None, state.note,
             dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))

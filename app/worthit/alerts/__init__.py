"""One alerts check, the same headless (``worthit alerts``, for cron or CI) and in the app
(on a worker, on a schedule): sync the sources if asked, check the workspace
(:func:`worthit.analysis.alerts.check`), record the alerts (a re-check updates what it
raised before, so nothing is raised twice), and POST the new ones to the webhook.

The exit code of ``worthit alerts`` (:attr:`Pass.exit_code`) says what a scheduler needs
to know; the README and ``worthit alerts --help`` list the codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from worthit.core.errors import Cancelled
from worthit.sources.bill import never
from worthit.store.alerts import Alert, load_alerts, record_alerts
from worthit.store.cache import Cache

if TYPE_CHECKING:
    import httpx

    from worthit.alerts.webhook import Delivery
    from worthit.analysis.alerts import BudgetStatus
    from worthit.sync import Outcome, SyncProgress

#: Exit codes of ``worthit alerts``, most important first when several apply.
EXIT_OK: Final = 0
EXIT_BREACHED: Final = 1
EXIT_REFUSED: Final = 2  # as every verb: bad workspace or input, said on stderr
EXIT_NEW_ALERTS: Final = 3
EXIT_WEBHOOK_FAILED: Final = 4
EXIT_CODES: Final = (
    (EXIT_OK, "all clear: no budget or guardrail breached, no new alert"),
    (EXIT_BREACHED, "breached: a budget at or over 100 %, or a unit cost over its target for "
                    "days in a row (a guardrail), and not muted"),
    (EXIT_REFUSED, "refused: the pass could not run (workspace, keyring or input), said on "
                   "stderr"),
    (EXIT_NEW_ALERTS, "new alerts, nothing breached: a spike, a threshold under 100 %, a "
                      "forecast overrun, a commitment unused or ending, or a sync that "
                      "keeps failing"),
    (EXIT_WEBHOOK_FAILED, "the webhook could not deliver an alert (recorded on the alert and "
                          "retried on the next pass), nothing breached"),
)


@dataclass(frozen=True)
class Pass:
    """What one alerts check did."""

    checked_at: dt.datetime
    as_of: dt.date | None  # the last day with data
    alerts: list[Alert]  # raised by this check, with their history
    new: list[Alert]  # first raised by this check
    budgets: list[BudgetStatus] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)  # of the sync, when asked
    deliveries: list[Delivery] = field(default_factory=list)
    charges_changed: bool = False  # the sync wrote charges

    @property
    def today(self) -> dt.date:
        return self.checked_at.date()

    @property
    def breached(self) -> list[Alert]:
        """Budgets at or over 100 % and unit costs over target, unless muted."""
        return [a for a in self.alerts if a.breach and not a.muted(self.today)]

    @property
    def announced(self) -> list[Alert]:
        """The new alerts that are not muted: what a notification tells."""
        return [a for a in self.new if not a.muted(self.today)]

    @property
    def failed_deliveries(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.sent]

    @property
    def exit_code(self) -> int:
        if self.breached:
            return EXIT_BREACHED
        if self.failed_deliveries:
            return EXIT_WEBHOOK_FAILED
        if self.announced:
            return EXIT_NEW_ALERTS
        return EXIT_OK


def run_check(cache: Cache, *, workspace: str = "", sync_first: bool = False,
              now: dt.datetime | None = None, cancelled: Callable[[], bool] = never,
              progress: SyncProgress | None = None,
              client: httpx.Client | None = None,
              sleep: Callable[[float], None] | None = None) -> Pass:
    """One pass over the workspace behind ``cache``. A failing source does not stop it
    (its failure is in the outcomes, and after a few in a row, an alert); a cancel stops it
    before the check."""
    from worthit.alerts import webhook
    from worthit.analysis.alerts import check

    now = now or dt.datetime.now(dt.UTC)
    outcomes: list[Outcome] = []
    revision = cache.revision
    if sync_first:
        from worthit.sync import sync

        outcomes = sync(cache, cancelled=cancelled, progress=progress)
    if cancelled():
        raise Cancelled
    found = check(cache)
    new = record_alerts(cache, found.alerts, now, deliver=webhook.configured(cache))
    deliveries = webhook.deliver(cache, workspace or _name(cache), now, client=client,
                                 sleep=sleep)
    # As recorded: with their history (acknowledged, muted) and what the webhook did.
    recorded = {a.key: a for a in load_alerts(cache, keys=[a.key for a in found.alerts])}
    return Pass(now, found.as_of, [recorded[a.key] for a in found.alerts],
                [recorded[a.key] for a in new], found.budgets, outcomes, deliveries,
                cache.revision != revision)


def _name(cache: Cache) -> str:
    return cache.get_meta("workspace.name") or cache.path.parent.name

"""The alerts' state in the cache: monthly budgets (``budgets``), the alert history
(``alerts``) with what the user (acknowledged, muted) and the webhook (sent, failed) did with
each alert, and their settings and last check (``meta``).

An alert is keyed by what it is about, never by a figure (``spike:<resource>:<first day>``,
``budget:team:devex:2026-11:80``), so a re-check updates the alert it raised before instead
of raising it twice. A mute covers the alert's *subject* (``spike:<resource>``,
``budget:team:devex``): a new alert about a muted subject is recorded, but raises nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Final

from worthit.core.errors import UserError
from worthit.store.cache import Cache

SCOPES: Final = ("team", "feature", "provider", "customer", "total")
SCOPE_TITLES: Final = {"team": "Team", "feature": "Feature", "provider": "Provider",
                       "customer": "Customer", "total": "Whole workspace"}
DEFAULT_THRESHOLDS: Final = (50.0, 80.0, 100.0)
KINDS: Final = ("budget", "forecast", "unit_cost", "spike", "sync", "commitment_utilisation",
                "commitment_ending")
SEVERITIES: Final = ("breach", "warning")
SETTINGS_KEY: Final = "watch.settings"
LAST_CHECK_KEY: Final = "watch.last_check"
#: Set when a webhook URL was put in the keyring (the URL itself never reaches the cache).
WEBHOOK_KEY: Final = "watch.webhook"
#: The keyring entry (per workspace) that holds the webhook's URL, which may carry a token.
WEBHOOK_KEYRING_NAME: Final = "watch.webhook"
#: Delivery attempts an alert gets in all, over this pass and the next ones.
MAX_DELIVERY_ATTEMPTS: Final = 12


# -- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """How the alerts check runs and what it counts as an alert, with defaults a FinOps team would
    start from. The spike thresholds are those of the runaway-agent leak detector."""

    schedule_enabled: bool = True  # while the app runs: sync, then check, every interval
    interval_minutes: int = 60
    lookback_days: int = 30  # spikes are looked for in these last days of data
    guardrail_days: int = 3  # a unit cost over its target this many days in a row
    failed_syncs: int = 3  # a source whose last runs all failed, this many
    spike_mads: float = 6.0
    spike_min_dollars: float = 50.0  # per day above the baseline (per hour: a 24th)
    spike_min_ratio: float = 1.0  # and this share above it (1.0 = double)
    spike_history_days: int = 28
    spike_history_hours: int = 168
    commitment_utilisation: float = 70.0  # per cent: a commitment used less than this ...
    commitment_days: int = 3  # ... this many days in a row, up to the check's day
    commitment_horizon_days: int = 30  # a commitment ending within this many days

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> AlertSettings:
        """Known fields of the right type; anything else is ignored (an older or newer
        app's settings still load)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = raw.get(f.name)
            if f.type in ("bool", bool):
                if isinstance(value, bool):
                    values[f.name] = value
            elif isinstance(value, int | float) and not isinstance(value, bool) \
                    and math.isfinite(value) and value >= 0:
                values[f.name] = int(value) if f.type in ("int", int) else float(value)
        values["interval_minutes"] = max(5, values.get("interval_minutes", 60))
        return cls(**values)


def load_settings(cache: Cache) -> AlertSettings:
    raw = cache.get_meta(SETTINGS_KEY)
    try:
        return AlertSettings.from_json(json.loads(raw)) if raw else AlertSettings()
    except (ValueError, TypeError):
        return AlertSettings()


def save_settings(cache: Cache, settings: AlertSettings) -> None:
    cache.set_meta({SETTINGS_KEY: json.dumps(settings.to_json())})


def last_check(cache: Cache) -> dt.datetime | None:
    raw = cache.get_meta(LAST_CHECK_KEY)
    try:
        return dt.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


# -- budgets ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Budget:
    """A monthly budget for a team, a feature, a provider, a customer (its AI cost,
    allocated from the bill by its traces) or the whole workspace."""

    scope: str
    name: str
    amount: float
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS  # per cent of the amount
    forecast: bool = True  # alert when the month-end forecast exceeds the amount
    currency: str = "USD"

    @property
    def label(self) -> str:
        return SCOPE_TITLES[self.scope] if self.scope == "total" else \
            f"{SCOPE_TITLES[self.scope]} {self.name}"

    @property
    def subject(self) -> str:
        return f"budget:{self.scope}:{self.name}"

    def checked(self) -> Budget:
        """This budget, or a UserError saying what is wrong with it."""
        if self.scope not in SCOPES:
            raise UserError(f"A budget is for a {', a '.join(SCOPES[:-1])} or the total, "
                            f"not {self.scope!r}.")
        name = "" if self.scope == "total" else self.name.strip()
        if not name and self.scope != "total":
            raise UserError(f"A {self.scope} budget needs the {self.scope}'s name.")
        if not (math.isfinite(self.amount) and self.amount > 0):
            raise UserError(f"A budget must be more than zero, not {self.amount:g}.")
        marks = tuple(sorted({float(t) for t in self.thresholds}))
        if any(not (math.isfinite(t) and 0 < t <= 1000) for t in marks):
            raise UserError("Thresholds are per cent of the budget, between 1 and 1000.")
        if not marks and not self.forecast:
            raise UserError("A budget needs a threshold or the forecast alert.")
        return replace(self, name=name, thresholds=marks)


def parse_thresholds(text: str) -> tuple[float, ...]:
    """``"50, 80, 100"`` (a ``%`` after a number is allowed) as per cents."""
    marks = []
    for raw in text.replace(";", ",").split(","):
        part = raw.strip().rstrip("%").strip()
        if not part:
            continue
        try:
            marks.append(float(part))
        except ValueError:
            raise UserError(f"{part!r} is not a per cent: write thresholds like "
                            "50, 80, 100.") from None
    return tuple(sorted(set(marks)))


def load_budgets(cache: Cache) -> list[Budget]:
    return [Budget(row["scope"], row["name"], float(row["amount"]),
                   tuple(float(t) for t in json.loads(row["thresholds"] or "[]")),
                   bool(row["forecast"]), row["currency"])
            for row in cache._rows("SELECT * FROM budgets ORDER BY scope = 'total' DESC, "
                                  "scope, name COLLATE NOCASE")]


def save_budget(cache: Cache, budget: Budget, *,
                replacing: tuple[str, str] | None = None) -> Budget:
    """Add the budget, or change the one for the same scope and name (or, when editing,
    the one at ``replacing``: scope and name before the edit)."""
    budget = budget.checked()
    now = _stamp(dt.datetime.now(dt.UTC))
    with cache.transaction() as conn:
        if replacing is not None and replacing != (budget.scope, budget.name):
            if conn.execute("SELECT 1 FROM budgets WHERE scope = ? AND name = ?",
                            (budget.scope, budget.name)).fetchone():
                raise UserError(f"There is already a budget for {budget.label}.")
            conn.execute("DELETE FROM budgets WHERE scope = ? AND name = ?", replacing)
        conn.execute(
            "INSERT INTO budgets (scope, name, amount, currency, thresholds, forecast, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (scope, name) DO UPDATE SET amount = excluded.amount, "
            "currency = excluded.currency, thresholds = excluded.thresholds, "
            "forecast = excluded.forecast, updated_at = excluded.updated_at",
            (budget.scope, budget.name, budget.amount, budget.currency,
             json.dumps(list(budget.thresholds)), int(budget.forecast), now, now))
    return budget


def remove_budget(cache: Cache, scope: str, name: str) -> None:
    with cache.transaction() as conn:
        gone = conn.execute("DELETE FROM budgets WHERE scope = ? AND name = ?",
                            (scope, "" if scope == "total" else name)).rowcount
    if not gone:
        raise UserError(f"There is no {scope} budget{f' for {name!r}' if name else ''}.")


# -- alerts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """One alert: what a check raised (the first block of fields) and, once recorded,
    its history."""

    key: str
    subject: str
    kind: str
    severity: str
    title: str
    headline: str = ""  # the title in a few words, for lists
    team: str | None = None
    feature: str | None = None
    amount: float | None = None
    percent: float | None = None
    series: str = ""
    page: str = "overview"
    focus: str | None = None
    numbers: dict[str, str] = field(default_factory=dict)
    active: bool = True
    first_seen: str | None = None
    last_seen: str | None = None
    acknowledged_at: str | None = None
    muted_until: dt.date | None = None
    delivery: str | None = None
    delivery_attempts: int = 0
    delivery_error: str | None = None
    delivered_at: str | None = None

    @property
    def owner(self) -> str:
        if self.team and self.feature:
            return f"{self.team} / {self.feature}"
        return self.team or self.feature or "no owner"

    @property
    def breach(self) -> bool:
        return self.severity == "breach"

    @property
    def size(self) -> str:
        """The size in money and per cent, in words: ``$7,659 extra (+478 %)``."""
        from worthit.core.money import money, percent

        if self.amount is None:
            return ""
        words = {"budget": "spent", "forecast": "over budget by month end",
                 "unit_cost": "above target", "spike": "extra",
                 "commitment_utilisation": "unused"}.get(self.kind, "")
        share = "" if self.percent is None else (
            f" ({percent(self.percent, digits=0)} of budget)" if self.kind == "budget" else
            f" ({percent(self.percent, digits=0)} used)"
            if self.kind == "commitment_utilisation" else
            f" ({percent(self.percent, signed=True, digits=0)})")
        return f"{money(self.amount)} {words}{share}".replace("  ", " ")

    def muted(self, today: dt.date) -> bool:
        return self.muted_until is not None and self.muted_until > today

    def needs_attention(self, today: dt.date) -> bool:
        """Counted in the badge: not acknowledged, and not muted."""
        return self.acknowledged_at is None and not self.muted(today)

    def state(self, today: dt.date) -> str:
        """In plain words: new, acknowledged, muted until a day; resolved when the latest
        check no longer raised it."""
        if self.muted(today):
            words = f"muted until {self.muted_until}"
        elif self.acknowledged_at:
            words = "acknowledged"
        else:
            words = "new"
        return words if self.active else f"{words}, resolved"

    def to_json(self) -> dict[str, Any]:
        """The stable shape of ``worthit alerts --output json`` and of the webhook's
        ``alert``."""
        return {
            "key": self.key, "subject": self.subject, "kind": self.kind,
            "severity": self.severity, "title": self.title, "headline": self.headline,
            "owner": self.owner,
            "team": self.team, "feature": self.feature,
            "amount": None if self.amount is None else round(self.amount, 2),
            "percent": None if self.percent is None else round(self.percent, 4),
            "series": self.series, "page": self.page, "focus": self.focus,
            "numbers": self.numbers, "active": self.active,
            "first_seen": self.first_seen, "last_seen": self.last_seen,
            "acknowledged_at": self.acknowledged_at,
            "muted_until": self.muted_until.isoformat() if self.muted_until else None,
            "delivery": self.delivery, "delivery_error": self.delivery_error,
        }


_FIGURES = ("subject", "kind", "severity", "title", "headline", "team", "feature", "amount",
            "percent", "series", "page", "focus", "detail")


def _row(alert: Alert) -> tuple[Any, ...]:
    return (alert.subject, alert.kind, alert.severity, alert.title,
            alert.headline or alert.title, alert.team,
            alert.feature, alert.amount, alert.percent, alert.series, alert.page,
            alert.focus, json.dumps(alert.numbers))


def record_alerts(cache: Cache, alerts: Sequence[Alert], now: dt.datetime, *,
                  deliver: bool = False) -> list[Alert]:
    """Record a check's alerts in one transaction: new keys are added (muted when their
    subject is, and queued for the webhook when ``deliver``), known ones get their new
    figures and ``last_seen``, and alerts the check no longer raises become inactive.
    Returns the new alerts, as recorded."""
    if len({a.key for a in alerts}) != len(alerts):
        raise ValueError("a check raised two alerts with one key")  # a bug in a rule
    stamp, today = _stamp(now), now.date()
    with cache.transaction() as conn:
        known = {row[0] for row in conn.execute("SELECT alert_key FROM alerts")}
        muted = {row[0]: dt.date.fromisoformat(row[1]) for row in conn.execute(
            "SELECT subject, MAX(muted_until) FROM alerts WHERE muted_until > ? "
            "GROUP BY subject", (today.isoformat(),))}
        new = []
        for alert in alerts:
            if alert.kind not in KINDS or alert.severity not in SEVERITIES:
                raise ValueError(f"unknown alert kind or severity: {alert.key}")
            if alert.key in known:
                conn.execute(
                    f"UPDATE alerts SET {', '.join(f'{c} = ?' for c in _FIGURES)}, "
                    "active = 1, last_seen = ? WHERE alert_key = ?",
                    (*_row(alert), stamp, alert.key))
                continue
            silenced = muted.get(alert.subject)
            queued = "pending" if deliver and silenced is None else None
            conn.execute(
                f"INSERT INTO alerts (alert_key, {', '.join(_FIGURES)}, active, first_seen, "
                "last_seen, muted_until, delivery) VALUES "
                f"(?, {', '.join('?' for _ in _FIGURES)}, 1, ?, ?, ?, ?)",
                (alert.key, *_row(alert), stamp, stamp,
                 silenced.isoformat() if silenced else None, queued))
            new.append(replace(alert, first_seen=stamp, last_seen=stamp, muted_until=silenced,
                               delivery=queued))
        current = [a.key for a in alerts]
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS _current_alerts (alert_key TEXT)")
        conn.execute("DELETE FROM _current_alerts")
        conn.executemany("INSERT INTO _current_alerts VALUES (?)", [(k,) for k in current])
        conn.execute("UPDATE alerts SET active = 0 WHERE active = 1 AND alert_key NOT IN "
                     "(SELECT alert_key FROM _current_alerts)")
        conn.execute("DELETE FROM _current_alerts")
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                     "DO UPDATE SET value = excluded.value", (LAST_CHECK_KEY, stamp))
    return new


def _alert(row: Any) -> Alert:
    return Alert(
        key=row["alert_key"], subject=row["subject"], kind=row["kind"],
        severity=row["severity"], title=row["title"], headline=row["headline"],
        team=row["team"],
        feature=row["feature"], amount=row["amount"], percent=row["percent"],
        series=row["series"], page=row["page"], focus=row["focus"],
        numbers={str(k): str(v) for k, v in json.loads(row["detail"] or "{}").items()},
        active=bool(row["active"]), first_seen=row["first_seen"], last_seen=row["last_seen"],
        acknowledged_at=row["acknowledged_at"],
        muted_until=dt.date.fromisoformat(row["muted_until"]) if row["muted_until"] else None,
        delivery=row["delivery"], delivery_attempts=int(row["delivery_attempts"]),
        delivery_error=row["delivery_error"], delivered_at=row["delivered_at"])


def load_alerts(cache: Cache, limit: int = 1000, *,
                keys: Sequence[str] | None = None) -> list[Alert]:
    """The history (or the alerts with ``keys``), newest first, then breaches first."""
    where = ""
    params: tuple[str, ...] = ()
    if keys is not None:
        if not keys:
            return []
        where, params = f"WHERE alert_key IN ({', '.join('?' for _ in keys)})", tuple(keys)
    return [_alert(row) for row in cache._rows(
        f"SELECT * FROM alerts {where} ORDER BY first_seen DESC, severity = 'breach' DESC, "
        "alert_key LIMIT ?", (*params, max(limit, len(keys or ()))))]


def alert(cache: Cache, key: str) -> Alert:
    rows = cache._rows("SELECT * FROM alerts WHERE alert_key = ?", (key,))
    if not rows:
        raise UserError(f"There is no alert {key!r}.")
    return _alert(rows[0])


def attention_count(cache: Cache, today: dt.date) -> int:
    """Alerts neither acknowledged nor muted: the navigation's badge."""
    return int(cache._scalar(
        "SELECT COUNT(*) FROM alerts WHERE acknowledged_at IS NULL AND "
        "(muted_until IS NULL OR muted_until <= ?)", (today.isoformat(),)))


def acknowledge(cache: Cache, key: str, now: dt.datetime | None = None) -> None:
    """Mark an alert as seen (``now`` None: not seen any more)."""
    _update(cache, key, "acknowledged_at = ?", (None if now is None else _stamp(now),))


def mute(cache: Cache, key: str, until: dt.date | None) -> None:
    """Silence the alert's subject until the start of ``until`` (None: unmute). New alerts
    about the subject are recorded in the meantime, but raise nothing."""
    _update(cache, key, "muted_until = ?", (None if until is None else until.isoformat(),))


def _update(cache: Cache, key: str, assignment: str, values: tuple[Any, ...]) -> None:
    with cache.transaction() as conn:
        changed = conn.execute(f"UPDATE alerts SET {assignment} WHERE alert_key = ?",
                               (*values, key)).rowcount
    if not changed:
        raise UserError(f"There is no alert {key!r}.")


# -- webhook deliveries -----------------------------------------------------------------------


def undelivered(cache: Cache) -> list[Alert]:
    """Alerts waiting for the webhook: new ones, and failed ones with attempts left."""
    return [_alert(row) for row in cache._rows(
        "SELECT * FROM alerts WHERE delivery = 'pending' OR (delivery = 'failed' AND "
        "delivery_attempts < ?) ORDER BY first_seen, severity = 'breach' DESC, alert_key",
        (MAX_DELIVERY_ATTEMPTS,))]


def record_delivery(cache: Cache, key: str, *, sent: bool, attempts: int,
                    error: str | None, at: dt.datetime) -> None:
    """What the webhook did with an alert: sent, or failed with the error (shown on the
    Alerts page and by ``worthit alerts``)."""
    with cache.transaction() as conn:
        conn.execute(
            "UPDATE alerts SET delivery = ?, delivery_attempts = delivery_attempts + ?, "
            "delivery_error = ?, delivered_at = ? WHERE alert_key = ?",
            ("sent" if sent else "failed", attempts, None if sent else error,
             _stamp(at) if sent else None, key))


def delivery_failures(cache: Cache) -> list[Alert]:
    return [_alert(row) for row in cache._rows(
        "SELECT * FROM alerts WHERE delivery = 'failed' ORDER BY first_seen DESC")]


def _stamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")

"""The Alerts page: monthly budgets (add, edit, remove, with their thresholds) and where
each stands this month, the alerts' schedule and webhook, and the alert history with
acknowledge and mute-until. Each alert opens the page that explains it.

The page reads; the checks themselves run in :class:`worthit.ui.alert_schedule.AlertSchedule` (on a
schedule, or on "Sync and check now"), which the page asks through its signals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from worthit.core.errors import UserError
from worthit.core.money import money, percent
from worthit.core.periods import Period
from worthit.core.plural import plural
from worthit.pages import TITLES
from worthit.store.alerts import SCOPE_TITLES, SCOPES, Alert, AlertSettings, Budget
from worthit.store.cache import Cache
from worthit.ui import theme, writes
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.views.page import Page
from worthit.ui.widgets.card import Card
from worthit.ui.widgets.tables import sortable_table
from worthit.workspace import Workspace

if TYPE_CHECKING:
    from worthit.analysis.alerts import BudgetStatus

#: The pages an alert can send the user to, by name, with the words on the button.
KIND_WORDS = {"budget": "Budget", "forecast": "Forecast", "unit_cost": "Unit cost",
              "spike": "Spike", "sync": "Sync",
              "commitment_utilisation": "Commitment unused", "commitment_ending": "Commitment ends"}


@dataclass
class Snapshot:
    """What the page shows, read on a worker."""

    as_of: dt.date | None
    budgets: list[Budget]
    statuses: list[BudgetStatus]
    alerts: list[Alert]
    settings: AlertSettings
    last_check: dt.datetime | None
    webhook: bool
    names: dict[str, list[str]] = field(default_factory=dict)  # scope -> known names
    currency: str = "USD"  # the display currency: a new budget's
    #: Why the budgets' spend is not shown (a rate missing to convert it), '' when it is.
    budget_problem: str = ""


def _when(stamp: str | None) -> str:
    return "" if not stamp else stamp[:16].replace("T", " ")


def _short_when(stamp: str | None) -> str:
    """``Nov 27 20:14``: the year is on the detail, the list needs the room."""
    if not stamp:
        return ""
    try:
        return dt.datetime.fromisoformat(stamp).strftime("%b %d %H:%M")
    except ValueError:
        return stamp


def _severity_tone(record: dict[str, Any]) -> str | None:
    c = theme.colours()
    if not record.get("attention"):
        return c.muted
    return c.bad if record.get("severity") == "breach" else None


def _forecast_tone(record: dict[str, Any]) -> str | None:
    return theme.colours().bad if (record.get("forecast_share") or 0.0) > 1 else None


def _used_tone(record: dict[str, Any]) -> str | None:
    c = theme.colours()
    share = record.get("share") or 0.0
    return c.bad if share >= 1 else c.muted if share < 0.5 else None


class AlertsPage(Page):
    """Signals: ``open_requested(str, str)`` with a page's name and what to select there
    (an alert's link), ``check_requested()`` (the user asked for a sync and check now),
    ``settings_changed(object)`` with the new :class:`AlertSettings`, ``alerts_changed()``
    after an alert was acknowledged or muted (the badge counts again)."""

    open_requested = Signal(str, str)
    check_requested = Signal()
    settings_changed = Signal(object)
    alerts_changed = Signal()

    name = "alerts"
    title = "Alerts"

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.snapshot: Snapshot | None = None
        self.selected: str | None = None
        self.today = dt.datetime.now(dt.UTC).date()

        intro = QLabel(
            "Worthit watches this workspace for budgets crossed or forecast to be, unit costs "
            "over their target, cost spikes, commitments left unused or about to end, and "
            "syncs that keep failing, and tells the owner. "
            "While the app is open it syncs and checks on the schedule below; the command "
            "worthit alerts runs the same check from a scheduler.", objectName="Readout")
        intro.setWordWrap(True)
        self.body.addWidget(intro)

        cards = QGridLayout()
        cards.setSpacing(10)
        self.attention_card = Card("Alerts to look at", "Neither acknowledged nor muted.")
        self.budgets_card = Card("Budgets this month", "Over budget, or forecast to be, "
                                 "by the Overview's month-end forecast.")
        self.check_card = Card("Last check")
        for column, card in enumerate((self.attention_card, self.budgets_card,
                                       self.check_card)):
            cards.addWidget(card, 0, column)
        self.body.addLayout(cards)

        controls = QHBoxLayout()
        self.check_button = QPushButton("Sync and check now")
        self.check_button.setToolTip("Sync every source, then check for alerts")
        self.check_button.clicked.connect(self.check_requested)
        controls.addWidget(self.check_button)
        self.schedule = QCheckBox("Sync and check every")
        self.schedule.setToolTip("While Worthit is open. The setting is kept in the workspace.")
        controls.addWidget(self.schedule)
        self.interval = QSpinBox()
        self.interval.setRange(5, 24 * 60)
        self.interval.setSingleStep(15)
        self.interval.setSuffix(" minutes")
        controls.addWidget(self.interval)
        self.schedule.toggled.connect(self._schedule_edited)
        self.interval.editingFinished.connect(self._schedule_edited)
        self.schedule_state = QLabel(objectName="Readout")
        self.schedule_state.setTextFormat(Qt.TextFormat.PlainText)
        controls.addWidget(self.schedule_state)
        controls.addStretch(1)
        self.webhook_state = QLabel(objectName="Readout")
        self.webhook_state.setTextFormat(Qt.TextFormat.PlainText)
        controls.addWidget(self.webhook_state)
        self.webhook_button = QPushButton("Webhook…")
        self.webhook_button.setToolTip("Post each new alert to Slack, Teams or any URL")
        self.webhook_button.clicked.connect(self.open_webhook)
        controls.addWidget(self.webhook_button)
        self.body.addLayout(controls)

        # Budgets.
        budgets = QWidget()
        budgets_layout = QVBoxLayout(budgets)
        budgets_layout.setContentsMargins(0, 0, 0, 0)
        budget_bar = QHBoxLayout()
        self.budgets_title = QLabel("Monthly budgets", objectName="SectionTitle")
        budget_bar.addWidget(self.budgets_title)
        budget_bar.addStretch(1)
        self.add_button = QPushButton("Add budget…")
        self.add_button.clicked.connect(lambda: self.edit_budget(None))
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(lambda: self.edit_budget(self.current_budget()))
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_current_budget)
        for button in (self.add_button, self.edit_button, self.remove_button):
            budget_bar.addWidget(button)
        budgets_layout.addLayout(budget_bar)
        self.budgets = RecordsModel([
            Column("Budget for", "label"),
            Column("Per month", "amount", self._budget_money, numeric=True),
            Column("Spent this month", "spent", self._budget_money, numeric=True, missing="–"),
            Column("Used", "share", lambda v: percent(v, digits=0), numeric=True,
                   tone=_used_tone, missing="–"),
            Column("Forecast, month end", "forecast", self._budget_money, numeric=True,
                   missing="–"),
            Column("Forecast vs budget", "forecast_share", lambda v: percent(v, digits=0),
                   numeric=True, tone=_forecast_tone, missing="–"),
            Column("Alerts at", "alerts_at"),
        ], self)
        self.budgets_view = sortable_table(self.budgets, stretch=0)
        self.budgets_view.doubleClicked.connect(lambda _: self.edit_budget(self.current_budget()))
        self.budgets_view.selectionModel().selectionChanged.connect(self._budget_buttons)
        budgets_layout.addWidget(self.budgets_view, 1)
        self.budgets_empty = QLabel(
            "No budgets yet. Add one for a team, a feature, a provider or the whole "
            "workspace: Worthit alerts at each threshold (50, 80 and 100 % unless you choose "
            "others) and when the month-end forecast runs over.", objectName="Readout")
        self.budgets_empty.setWordWrap(True)
        self.budgets_empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        budgets_layout.addWidget(self.budgets_empty, 1)

        # The history, and the chosen alert.
        history = QWidget()
        history_layout = QVBoxLayout(history)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_bar = QHBoxLayout()
        history_bar.addWidget(QLabel("Alert history", objectName="SectionTitle"))
        history_bar.addStretch(1)
        self.only_open = QCheckBox("Only alerts to look at")
        self.only_open.toggled.connect(self._fill_alerts)
        history_bar.addWidget(self.only_open)
        history_layout.addLayout(history_bar)
        self.history = RecordsModel([
            Column("First seen", "first_seen", _short_when),
            Column("Kind", "kind", lambda v: KIND_WORDS.get(v, v), tone=_severity_tone),
            Column("Alert", "title"),
            Column("Owner", "owner"),
            Column("Amount", "amount", money, numeric=True, missing=""),
            Column("State", "state"),
        ], self)
        self.history_view = sortable_table(self.history, stretch=2)
        self.history_view.setWordWrap(False)
        self.history_view.selectionModel().selectionChanged.connect(self._alert_chosen)
        self.history_empty = QLabel(objectName="Readout")
        self.history_empty.setWordWrap(True)
        self.history_empty.setTextFormat(Qt.TextFormat.PlainText)
        self.history_empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.history_view, 1)
        left_layout.addWidget(self.history_empty, 1)

        self.detail = detail = QWidget()
        side = QVBoxLayout(detail)
        side.setContentsMargins(0, 0, 0, 0)
        self.detail_title = QLabel(" ", objectName="SectionTitle")
        self.detail_title.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_title.setWordWrap(True)
        side.addWidget(self.detail_title)
        self.detail_owner = QLabel(" ", objectName="Readout")
        self.detail_owner.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_owner.setWordWrap(True)
        side.addWidget(self.detail_owner)
        self.numbers = QLabel(" ")
        self.numbers.setTextFormat(Qt.TextFormat.PlainText)
        self.numbers.setWordWrap(True)
        self.numbers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        side.addWidget(self.numbers)
        self.delivery = QLabel(" ", objectName="Bad")
        self.delivery.setTextFormat(Qt.TextFormat.PlainText)
        self.delivery.setWordWrap(True)
        self.delivery.hide()
        side.addWidget(self.delivery)
        side.addStretch(1)
        self.open_button = QPushButton("Open the page that explains it")
        self.open_button.clicked.connect(self.open_current)
        side.addWidget(self.open_button)
        actions = QHBoxLayout()
        self.acknowledge_button = QPushButton("Acknowledge")
        self.acknowledge_button.setToolTip("Seen: no longer counted in the badge")
        self.acknowledge_button.clicked.connect(self.toggle_acknowledged)
        actions.addWidget(self.acknowledge_button)
        actions.addStretch(1)
        self.mute_date = QDateEdit()
        self.mute_date.setCalendarPopup(True)
        self.mute_date.setDisplayFormat("yyyy-MM-dd")
        self.mute_button = QPushButton("Mute until")
        self.mute_button.setToolTip("No notification, webhook or badge for this subject "
                                    "(this budget, resource, unit or source) until that day")
        self.mute_button.clicked.connect(lambda: self.mute(self.mute_date.date().toPython()))
        self.unmute_button = QPushButton("Unmute")
        self.unmute_button.clicked.connect(lambda: self.mute(None))
        for widget in (self.mute_button, self.mute_date, self.unmute_button):
            actions.addWidget(widget)
        side.addLayout(actions)

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(left)
        lower.addWidget(detail)
        lower.setSizes([820, 380])
        lower.setChildrenCollapsible(False)
        history_layout.addWidget(lower, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(budgets)
        split.addWidget(history)
        split.setSizes([220, 460])
        split.setChildrenCollapsible(False)
        self.body.addWidget(split, 1)
        self._budget_buttons()
        self._show_alert(None)

    # -- data -----------------------------------------------------------------------------

    @staticmethod
    def compute(cache: Cache, period: Period) -> Snapshot:
        from worthit.alerts.webhook import configured
        from worthit.analysis.alerts import budget_statuses
        from worthit.core.rates import MissingRates
        from worthit.store.alerts import last_check, load_alerts, load_budgets, load_settings
        from worthit.store.display import display_currency

        del period  # budgets are for the month of the latest data, alerts are a history
        data = cache.data_range()
        as_of = data[1] if data else None
        budgets = load_budgets(cache)
        problem = ""
        try:
            statuses = budget_statuses(cache, budgets, as_of) if as_of else []
        except MissingRates as error:  # no spend shown rather than currencies summed
            statuses, problem = [], f"Budgets: {error}"
        return Snapshot(as_of, budgets, statuses, load_alerts(cache), load_settings(cache),
                        last_check(cache), configured(cache),
                        _names(cache, as_of) if as_of else {}, display_currency(cache),
                        problem)

    def show_result(self, result: Snapshot) -> None:
        self.snapshot = result
        self.today = dt.datetime.now(dt.UTC).date()
        self.schedule.blockSignals(True)
        self.interval.blockSignals(True)
        self.schedule.setChecked(result.settings.schedule_enabled)
        self.interval.setValue(result.settings.interval_minutes)
        self.interval.setEnabled(result.settings.schedule_enabled)
        self.schedule.blockSignals(False)
        self.interval.blockSignals(False)
        self.webhook_state.setText("Webhook: set" if result.webhook else "Webhook: off")
        self._fill_budgets()
        self._fill_alerts()
        self._fill_cards()

    def _fill_cards(self) -> None:
        result = self.snapshot
        if result is None:
            return
        open_ = [a for a in result.alerts if a.needs_attention(self.today)]
        breaches = sum(a.breach and a.active for a in open_)
        self.attention_card.show_figure(
            str(len(open_)),
            (f"{plural(breaches, 'breach', 'breaches')} among them" if breaches
             else "no breach among them") if open_ else
            "nothing new" if result.alerts else "no alert so far",
            "bad" if breaches else None)
        over = sum(s.over for s in result.statuses)
        heading = sum(s.forecast_over for s in result.statuses)
        if result.statuses:
            more = (f"{heading} {'more ' if over else ''}forecast to go over" if heading else
                    "no other forecast to go over" if over else "none forecast to go over")
            self.budgets_card.show_figure(
                f"{over} of {len(result.statuses)} over budget",
                f"{more} · {result.statuses[0].month_name}",
                "bad" if over or heading else "good")
        else:
            self.budgets_card.show_figure("–", "no budgets set")
        if result.last_check is None:
            self.check_card.show_figure("never", "use Sync and check now, or wait for "
                                                 "the schedule")
        else:
            through = f"data through {result.as_of}" if result.as_of else "no data"
            self.check_card.show_figure(result.last_check.strftime("%Y-%m-%d %H:%M UTC"),
                                        through)

    def show_schedule_state(self, text: str) -> None:
        """The alert_schedule says what it does next (``next check 14:05``, ``checking…``)."""
        self.schedule_state.setText(text)

    # -- budgets --------------------------------------------------------------------------

    def _budget_money(self, value: float) -> str:
        """A budget's amount in its currency when the budgets share one (each row names
        its own otherwise)."""
        shared = {b.currency for b in self.snapshot.budgets} if self.snapshot else set()
        return money(value, shared.pop()) if len(shared) == 1 else f"{value:,.0f}"

    def _fill_budgets(self) -> None:
        result = self.snapshot
        assert result is not None
        statuses = {(s.budget.scope, s.budget.name): s for s in result.statuses}
        several = len({b.currency for b in result.budgets}) > 1
        if result.budget_problem:
            self.error.setText(result.budget_problem)
            self.error.show()
        records = []
        for budget in result.budgets:
            status = statuses.get((budget.scope, budget.name))
            records.append({
                "label": f"{budget.label} ({budget.currency})" if several else budget.label,
                "amount": budget.amount, "scope": budget.scope,
                "name": budget.name,
                "spent": status.spent if status else None,
                "share": status.share if status else None,
                "forecast": status.forecast if status else None,
                "forecast_share": status.forecast_share if status else None,
                "alerts_at": ", ".join(f"{t:g} %" for t in budget.thresholds)
                             + (" and forecast" if budget.forecast else ""),
            })
        self.budgets.set_records(records)
        month = result.statuses[0].month_name if result.statuses else None
        self.budgets_title.setText(f"Monthly budgets · {month}, through {result.as_of}"
                                   if month else "Monthly budgets")
        self.budgets_view.setVisible(bool(records))
        self.budgets_empty.setVisible(not records)
        self.edit_button.setVisible(bool(records))
        self.remove_button.setVisible(bool(records))
        self._budget_buttons()

    def current_budget(self) -> Budget | None:
        rows = self.budgets_view.selectionModel().selectedRows()
        if not rows or self.snapshot is None:
            return None
        record = self.budgets.record(self.budgets_view.model().mapToSource(  # type: ignore[attr-defined]
            rows[0]).row())
        return next((b for b in self.snapshot.budgets
                     if (b.scope, b.name) == (record["scope"], record["name"])), None)

    def _budget_buttons(self) -> None:
        chosen = bool(self.budgets_view.selectionModel().selectedRows())
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def edit_budget(self, budget: Budget | None) -> QDialog:
        names = self.snapshot.names if self.snapshot else {}
        dialog = BudgetDialog(budget, names, self,
                              currency=self.snapshot.currency if self.snapshot else "USD")
        dialog.saved.connect(self.save_budget)
        self.show_dialog(dialog)
        return dialog

    def save_budget(self, budget: Budget, replacing: tuple[str, str] | None) -> None:
        from worthit.store.alerts import save_budget

        self.write(lambda cache: save_budget(cache, budget, replacing=replacing))

    def remove_current_budget(self) -> None:
        from worthit.store.alerts import remove_budget

        budget = self.current_budget()
        if budget is None:
            return
        self.write(lambda cache: remove_budget(cache, budget.scope, budget.name))

    # -- alerts ---------------------------------------------------------------------------

    def _fill_alerts(self) -> None:
        result = self.snapshot
        if result is None:
            return
        shown = [a for a in result.alerts
                 if not self.only_open.isChecked() or a.needs_attention(self.today)]
        self.history.set_records([{
            "key": a.key, "first_seen": a.first_seen, "kind": a.kind, "severity": a.severity,
            "title": a.headline or a.title, "owner": a.owner, "amount": a.amount,
            "state": a.state(self.today),
            "attention": a.needs_attention(self.today),
            "tooltip": a.title + (f"\nSize: {a.size}" if a.size else ""),
        } for a in shown])
        self.history_view.setVisible(bool(shown))
        if not result.alerts:
            self.history_empty.setText(
                "No alerts so far: the checks found no budget crossed or forecast to be, no "
                "unit cost over its target, no cost spike and no failing sync. Each new "
                "alert is listed here, with its owner and what to open."
                if result.last_check else
                "No alerts yet: Worthit has not checked this workspace. Budgets crossed, unit "
                "costs over their target, cost spikes and failing syncs are listed here once "
                "it has: on the schedule, or now with Sync and check now.")
        else:
            self.history_empty.setText("Nothing to look at: every alert is acknowledged "
                                       "or muted.")
        self.history_empty.setVisible(not shown)
        self.detail.setVisible(bool(shown))
        row = next((n for n, a in enumerate(shown) if a.key == self.selected), 0 if shown
                   else None)
        if row is None:
            self._show_alert(None)
        else:
            self.history_view.selectRow(self.history_view.model().mapFromSource(  # type: ignore[attr-defined]
                self.history.index(row, 0)).row())
            self._show_alert(shown[row])
        self._fill_cards()

    def _alert_chosen(self) -> None:
        rows = self.history_view.selectionModel().selectedRows()
        if not rows:
            return
        record = self.history.record(self.history_view.model().mapToSource(  # type: ignore[attr-defined]
            rows[0]).row())
        self.selected = record["key"]
        self._show_alert(self.current())

    def choose(self, key: str) -> None:
        self.selected = key
        self._fill_alerts()

    def current(self) -> Alert | None:
        if self.snapshot is None:
            return None
        return next((a for a in self.snapshot.alerts if a.key == self.selected), None)

    def _show_alert(self, alert: Alert | None) -> None:
        for widget in (self.open_button, self.acknowledge_button, self.mute_button,
                       self.mute_date, self.unmute_button):
            widget.setEnabled(alert is not None)
        if alert is None:
            self.detail_title.setText("Choose an alert" if self.snapshot and
                                      self.snapshot.alerts else " ")
            for label in (self.detail_owner, self.numbers):
                label.setText(" ")
            self.delivery.hide()
            self.open_button.setText("Open the page that explains it")
            return
        self.selected = alert.key
        self.detail_title.setText(alert.title)
        severity = "Breach" if alert.breach else "Warning"
        self.detail_owner.setText(
            f"{severity} · owner: {alert.owner}"
            + (f" · {alert.size}" if alert.size else "")
            + f"\nSeries: {alert.series}\nFirst seen {_when(alert.first_seen)} UTC, last seen "
              f"{_when(alert.last_seen)} UTC · {alert.state(self.today)}")
        self.numbers.setText("\n".join(f"{k}: {v}" for k, v in alert.numbers.items()))
        failed = alert.delivery == "failed"
        self.delivery.setVisible(failed or alert.delivery == "pending")
        if failed:
            self.delivery.setText(f"Webhook: not delivered after "
                                  f"{plural(alert.delivery_attempts, 'attempt')}: "
                                  f"{alert.delivery_error}. Retried on the next check.")
        elif alert.delivery == "pending":
            self.delivery.setText("Webhook: waiting to be sent.")
        page = TITLES.get(alert.page, alert.page)
        self.open_button.setText(f"Open {page} ›")
        self.open_button.setToolTip(f"Show the {page} page, where this alert's figures come "
                                    "from")
        self.acknowledge_button.setText("Mark as new" if alert.acknowledged_at else
                                        "Acknowledge")
        self.unmute_button.setEnabled(alert.muted_until is not None)
        self.mute_date.setDate(QDate(alert.muted_until or self.today + dt.timedelta(days=7)))

    def open_current(self) -> None:
        alert = self.current()
        if alert is not None:
            self.open_requested.emit(alert.page, alert.focus or "")

    def toggle_acknowledged(self) -> None:
        from worthit.store.alerts import acknowledge
        from worthit.store.alerts import alert as load_alert

        alert = self.current()
        if alert is None:
            return
        now = None if alert.acknowledged_at else dt.datetime.now(dt.UTC)
        key = alert.key
        self.write(lambda cache: (acknowledge(cache, key, now), load_alert(cache, key))[1],
                   then=self._changed)

    def mute(self, until: dt.date | None) -> None:
        from worthit.store.alerts import alert as load_alert
        from worthit.store.alerts import mute

        alert = self.current()
        if alert is None:
            return
        if until is not None and until <= self.today:
            self.error.setText("Mute until a day after today.")
            self.error.show()
            return
        key = alert.key
        self.write(lambda cache: (mute(cache, key, until), load_alert(cache, key))[1],
                   then=self._changed)

    def _changed(self, fresh: Alert) -> None:
        """Show the changed alert as the writer read it back, and tell the badge."""
        if self.snapshot is None:
            return
        self.snapshot.alerts = [fresh if a.key == fresh.key else a
                                for a in self.snapshot.alerts]
        self.error.hide()
        self._fill_alerts()
        self.alerts_changed.emit()

    # -- the schedule and the webhook -------------------------------------------------------

    def _schedule_edited(self) -> None:
        from dataclasses import replace

        from worthit.store.alerts import save_settings

        if self.snapshot is None:
            return
        settings = replace(self.snapshot.settings, schedule_enabled=self.schedule.isChecked(),
                           interval_minutes=self.interval.value())
        if settings == self.snapshot.settings:
            return
        self.interval.setEnabled(settings.schedule_enabled)
        self.snapshot.settings = settings
        self.settings_changed.emit(settings)  # the schedule follows at once; saved behind
        self.write(lambda cache: save_settings(cache, settings), then=lambda _: None)

    def open_webhook(self) -> QDialog:
        dialog = WebhookDialog(self.workspace, bool(self.snapshot and self.snapshot.webhook),
                               self)
        self.show_dialog(dialog, dialog.changed)
        return dialog


def _names(cache: Cache, as_of: dt.date) -> dict[str, list[str]]:
    """Teams, features and providers with spend in the last 90 days, and customers with
    traces in them, for the editor."""
    from worthit.analysis.allocation import allocate
    from worthit.analysis.charge_index import loaded_index
    from worthit.core.rules import UNALLOCATED
    from worthit.store.rules import load_rules
    from worthit.store.traces import trace_customers

    # Names only, no amount shown: the index as billed, which needs no rate.
    index = loaded_index(cache)
    result = allocate(index, load_rules(cache), Period(as_of - dt.timedelta(days=89), as_of))
    owned = result.pieces[result.pieces["team"] != UNALLOCATED]
    providers = index.keys["provider_name"].dropna()
    return {"team": sorted(set(map(str, owned["team"]))),
            "feature": sorted(set(map(str, owned["feature"]))),
            "provider": sorted(set(map(str, providers))),
            "customer": trace_customers(cache, as_of - dt.timedelta(days=89), as_of)}


class BudgetDialog(QDialog):
    """Add or edit a budget. Signals: ``saved(object, object)`` with the budget and the
    (scope, name) it replaces (None for a new one)."""

    saved = Signal(object, object)

    def __init__(self, budget: Budget | None, names: dict[str, list[str]],
                 parent: QWidget | None = None, *, currency: str = "USD") -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit budget" if budget else "Add budget")
        self.names = names
        self.replacing = (budget.scope, budget.name) if budget else None
        form = QFormLayout(self)
        self.scope = QComboBox()
        for scope in SCOPES:
            self.scope.addItem(SCOPE_TITLES[scope], scope)
        form.addRow("Budget for", self.scope)
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        form.addRow("Name", self.name)
        self.amount = QDoubleSpinBox()
        self.amount.setRange(1, 1e9)
        self.amount.setDecimals(0)
        self.amount.setSingleStep(1000)
        self.amount.setGroupSeparatorShown(True)
        form.addRow("Per month", self.amount)
        # A budget keeps its currency; a new one is in the pages' (any ISO code typed).
        self.currency = QComboBox(editable=True)
        self.currency.addItems(list(dict.fromkeys([budget.currency if budget else currency,
                                                   currency, "USD", "EUR", "GBP"])))
        self.currency.setToolTip("The budget's currency: its month's spend is converted to "
                                 "it at the rate of each charge's day")
        form.addRow("Currency", self.currency)
        self.thresholds = QLineEdit()
        self.thresholds.setPlaceholderText("50, 80, 100")
        self.thresholds.setToolTip("Per cent of the budget; from 100 an alert is a breach")
        form.addRow("Alert at (% of budget)", self.thresholds)
        self.forecast = QCheckBox("Also when the month-end forecast exceeds the budget")
        form.addRow("", self.forecast)
        self.problem = QLabel(objectName="Bad")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.hide()
        form.addRow(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.scope.currentIndexChanged.connect(self._scope_changed)
        chosen = budget or Budget("team", "", 10_000.0)
        self.scope.setCurrentIndex(SCOPES.index(chosen.scope))
        self._scope_changed()
        self.name.setCurrentText(chosen.name)
        self.amount.setValue(chosen.amount)
        self.thresholds.setText(", ".join(f"{t:g}" for t in chosen.thresholds))
        self.forecast.setChecked(chosen.forecast)

    def _scope_changed(self) -> None:
        scope = self.scope.currentData()
        self.name.clear()
        self.name.addItems(self.names.get(scope, []))
        self.name.setCurrentText("")
        self.name.setEnabled(scope != "total")
        self.name.setToolTip("A customer's budget is for its AI cost, allocated from the bill "
                             "by its traces" if scope == "customer" else "")

    def budget(self) -> Budget:
        from worthit.store.alerts import parse_thresholds
        from worthit.store.display import checked_currency

        return Budget(self.scope.currentData(), self.name.currentText().strip(),
                      self.amount.value(), parse_thresholds(self.thresholds.text()),
                      self.forecast.isChecked(),
                      checked_currency(self.currency.currentText())).checked()

    def save(self) -> None:
        try:
            budget = self.budget()
            self.saved.emit(budget, self.replacing)
        except UserError as error:
            self.problem.setText(str(error))
            self.problem.show()
            return
        self.accept()


class WebhookDialog(QDialog):
    """Set, test or remove the webhook URL (kept in the system keyring, never shown back).
    Signals: ``changed()`` after the URL was set or removed."""

    changed = Signal()

    def __init__(self, workspace: Workspace, configured: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Webhook for new alerts")
        layout = QVBoxLayout(self)
        about = QLabel("Worthit posts each new alert as JSON to this URL, with a Slack-"
                       "compatible text field: paste a Slack or Teams incoming-webhook URL, "
                       "or your own endpoint. The URL is kept in the system keyring. A "
                       "failed post is retried, and shown on the alert.")
        about.setWordWrap(True)
        layout.addWidget(about)
        self.url = QLineEdit()
        self.url.setEchoMode(QLineEdit.EchoMode.Password)
        self.url.setPlaceholderText("A URL is set (hidden): paste a new one to replace it"
                                    if configured else "https://hooks.slack.com/services/…")
        layout.addWidget(self.url)
        self.status = QLabel(objectName="Readout")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.test_button = QPushButton("Send a test")
        self.test_button.setEnabled(configured)
        self.test_button.clicked.connect(self.send_test)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setEnabled(configured)
        self.remove_button.clicked.connect(self.remove)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        for button in (self.save_button, self.test_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.resize(520, self.sizeHint().height())

    def save(self) -> None:
        from worthit.alerts.webhook import set_url

        url = self.url.text()
        self.status.setText("Saving…")
        writes.submit(self.workspace, lambda cache: set_url(cache, url), owner=self,
                      done=self._saved, failed=self.status.setText)

    def _saved(self, _: None) -> None:
        self.url.clear()
        self.status.setText("Saved. New alerts will be posted to it.")
        self.test_button.setEnabled(True)
        self.remove_button.setEnabled(True)
        self.changed.emit()

    def remove(self) -> None:
        from worthit.alerts.webhook import remove_url

        writes.submit(self.workspace, remove_url, owner=self, done=self._removed,
                      failed=self.status.setText)

    def _removed(self, _: None) -> None:
        self.status.setText("Removed: alerts stay in Worthit only.")
        self.test_button.setEnabled(False)
        self.remove_button.setEnabled(False)
        self.changed.emit()

    def send_test(self) -> None:
        """Post a test message on a worker: a slow endpoint never freezes the window."""
        from collections.abc import Generator

        from worthit.ui import workers

        workspace = self.workspace

        def work() -> Generator[str, None, Any]:
            from worthit.alerts.webhook import send_test

            yield "posting"
            with workspace.open() as cache:
                return send_test(cache, cache.get_meta("workspace.name") or workspace.name)

        self.test_button.setEnabled(False)
        self.status.setText("Sending a test message…")
        workers.start(work, returned=self._tested, errored=self._test_failed)

    def _tested(self, result: Any) -> None:
        self.test_button.setEnabled(True)
        self.status.setText("The webhook took the test message." if result.sent else
                            f"Not delivered after {plural(result.attempts, 'attempt')}: "
                            f"{result.error}")

    def _test_failed(self, error: Exception) -> None:
        self.test_button.setEnabled(True)
        self.status.setText(str(error))

"""The Leaks page: findings by monthly saving, grouped by kind or by owner, each with the
series that triggered it, the numbers behind the saving, its owner and how to fix it.

Dismissing (with a reason), snoozing until a day and notes are saved by the finding's
stable key, so they survive re-syncs and reopening the workspace."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedLayout,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from worthit.core.money import money, unit_money
from worthit.core.periods import Period
from worthit.pages.leaks import amount
from worthit.store.cache import Cache
from worthit.store.findings import FindingState, set_state
from worthit.ui import table_export, theme
from worthit.ui.views.leak_thresholds import ThresholdsDialog
from worthit.ui.views.page import Page
from worthit.ui.widgets.card import Card
from worthit.ui.widgets.findings_tree import FindingsTree

if TYPE_CHECKING:
    from worthit.analysis.leaks import Finding, Settings

GROUPS = {"kind": "By kind", "owner": "By owner", "none": "All, by saving"}


def _group_amount(members: list[Finding]) -> str:
    """A group's recurring saving; a group of one-off findings only, their excess."""
    monthly = sum(f.monthly_saving for f in members)
    once = sum(f.one_off for f in members)
    cur = members[0].currency if members else "USD"  # a page's findings share one
    if once > monthly:
        return f"{money(once, cur)} one-off"
    return money(monthly, cur) if round(monthly, 2) else "no saving priced"


def _day_runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """``days`` as runs of consecutive days, (first, last) each: one shaded span a run."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _owner_short(finding: Finding) -> str:
    """The list's owner column: a shared cost as its number of teams (the full list is in
    the tooltip and the detail), so the column leaves the findings their width."""
    if not finding.team and len(finding.shared_by) > 1:
        return f"Shared by {len(finding.shared_by)} teams"
    return _owner(finding)


def _owner(finding: Finding) -> str:
    """``team / feature``, the team alone (as it is named), or the owner in words with a
    capital ("Shared by …", "No owner")."""
    if finding.team:
        return f"{finding.team} / {finding.feature}" if finding.feature else finding.team
    return finding.owner[:1].upper() + finding.owner[1:]


class FittedScroll(QScrollArea):
    """Labels one under the other, as tall as their wrapped text when the room allows and
    scrolled when it does not (a long finding's numbers and fix steps on a small window
    were squeezed under the chart and cut)."""

    def __init__(self, *labels: QLabel) -> None:
        super().__init__()
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        for label in labels:
            column.addWidget(label)
        column.addStretch(1)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def sizeHint(self) -> QSize:
        """The labels' height at this width: the chart above takes only what is left."""
        hint = super().sizeHint()
        inner = self.widget()
        height = inner.heightForWidth(max(self.viewport().width(), 200)) if inner else -1
        return QSize(hint.width(), height) if height > 0 else hint


class LeaksPage(Page):
    name = "leaks"
    title = "Leaks"

    def chart_widget(self) -> QWidget | None:
        return getattr(self, "chart", None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.findings: list[Finding] = []
        self.states: dict[str, FindingState] = {}
        self.selected: str | None = None
        self.today = dt.datetime.now(dt.UTC).date()

        cards = QGridLayout()
        cards.setSpacing(10)
        self.saving_card = Card("Potential saving per month", "Recurring savings of open "
                                "findings (not dismissed or snoozed), as the last 30 days "
                                "ran; a one-off excess (paid once) is not in it.")
        self.count_card = Card("Open findings")
        self.largest_card = Card("Largest")
        for column, card in enumerate((self.saving_card, self.count_card, self.largest_card)):
            cards.addWidget(card, 0, column)
        self.body.addLayout(cards)

        bar = QHBoxLayout()
        self.group = QComboBox()
        for key, label in GROUPS.items():
            self.group.addItem(label, key)
        self.group.currentIndexChanged.connect(self._fill)
        bar.addWidget(self.group)
        self.show_hidden = QCheckBox("Show dismissed and snoozed")
        self.show_hidden.toggled.connect(self._fill)
        bar.addWidget(self.show_hidden)
        bar.addStretch(1)
        self.settings_button = QPushButton("Thresholds…")
        self.settings_button.clicked.connect(self.open_settings)
        bar.addWidget(self.settings_button)
        self.body.addLayout(bar)

        self.tree = FindingsTree()
        self.tree.currentItemChanged.connect(self._chosen)
        table_export.install(self.tree, "Findings", content=table_export.findings_content,
                             filters=self._export_filters, period=self._leak_window)
        bar.addWidget(table_export.export_button(self.tree))

        detail = QWidget()
        side = QVBoxLayout(detail)
        side.setContentsMargins(0, 0, 0, 0)
        self.detail_title = QLabel(" ", objectName="SectionTitle")
        self.detail_title.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_title.setWordWrap(True)
        side.addWidget(self.detail_title)
        self.detail_owner = QLabel(" ", objectName="Readout")
        self.detail_owner.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_owner.setWordWrap(True)  # a long owner line wraps, never widens the page
        side.addWidget(self.detail_owner)
        self.chart_holder = QStackedLayout()
        self.placeholder = QLabel("Choose a finding", alignment=Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.chart_holder.addWidget(self.placeholder)
        holder = QWidget()
        holder.setLayout(self.chart_holder)
        holder.setMinimumHeight(200)
        side.addWidget(holder, 1)
        self.numbers = QLabel(" ")
        self.numbers.setTextFormat(Qt.TextFormat.PlainText)
        self.numbers.setWordWrap(True)
        self.fix = QLabel(" ")
        self.fix.setTextFormat(Qt.TextFormat.PlainText)
        self.fix.setWordWrap(True)
        text = FittedScroll(self.numbers, self.fix)
        text.setMinimumHeight(200)  # about 12 lines, whatever the chart wants
        side.addWidget(text, 1)
        actions = QHBoxLayout()
        self.dismiss_reason = QLineEdit(placeholderText="Why dismiss?")
        self.dismiss_reason.setToolTip("The reason is kept with the finding")
        actions.addWidget(self.dismiss_reason, 1)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.clicked.connect(lambda: self.dismiss(self.dismiss_reason.text()))
        actions.addWidget(self.dismiss_button)
        self.snooze_date = QDateEdit()
        self.snooze_date.setCalendarPopup(True)
        self.snooze_date.setDisplayFormat("yyyy-MM-dd")
        actions.addWidget(self.snooze_date)
        self.snooze_button = QPushButton("Snooze")
        self.snooze_button.clicked.connect(
            lambda: self.snooze(self.snooze_date.date().toPython()))
        actions.addWidget(self.snooze_button)
        self.reopen_button = QPushButton("Reopen")
        self.reopen_button.clicked.connect(self.reopen)
        actions.addWidget(self.reopen_button)
        side.addLayout(actions)
        note_row = QHBoxLayout()
        self.note = QLineEdit(placeholderText="A note for whoever looks next")
        note_row.addWidget(self.note, 1)
        self.note_button = QPushButton("Save note")
        self.note_button.clicked.connect(lambda: self.save_note(self.note.text()))
        note_row.addWidget(self.note_button)
        side.addLayout(note_row)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.tree)
        split.addWidget(detail)
        split.setSizes([600, 520])
        split.setChildrenCollapsible(False)
        self.body.addWidget(split, 1)
        self.chart: Any = None
        self._enable(None)

    @staticmethod
    def compute(cache: Cache, period: Period) -> tuple[list[Finding],
                                                       dict[str, FindingState]]:
        from worthit.analysis.leaks import find_leaks
        from worthit.store.findings import load_states

        return find_leaks(cache, period.end), load_states(cache)

    def show_result(self, result: tuple[list[Finding], dict[str, FindingState]]) -> None:
        self.findings, self.states = result
        self._fill()

    @property
    def currency(self) -> str:
        """The currency of the findings on show (the display currency they were made in;
        without a finding, no amount but 0 is shown)."""
        return self.findings[0].currency if self.findings else "USD"

    def _leak_window(self) -> Period | None:
        """The 30 days to the period's end, which the findings are about."""
        end = None if self.period is None else self.period.end
        return None if end is None else Period(end - dt.timedelta(days=29), end)

    def _export_filters(self) -> dict[str, str]:
        return {"window": "the 30 days to the period's end",
                "shown": "all findings, dismissed and snoozed too"
                if self.show_hidden.isChecked() else "open findings",
                "grouped": self.group.currentText()}

    # -- the list -------------------------------------------------------------------------

    def state_of(self, key: str) -> FindingState:
        return self.states.get(key, FindingState(key))

    def visible(self) -> list[Finding]:
        return [f for f in self.findings
                if self.show_hidden.isChecked() or not self.state_of(f.key).hidden(self.today)]

    def _fill(self) -> None:
        from worthit.analysis.leaks import KIND_TITLES

        open_ = [f for f in self.findings if not self.state_of(f.key).hidden(self.today)]
        total = sum(f.monthly_saving for f in open_)
        once = sum(f.one_off for f in open_)
        cur = self.currency
        self.saving_card.show_figure(
            money(total, cur), f"{len(open_)} open findings, recurring"
            + (f"; one-off excess {money(once, cur)}" if once else ""),
            "bad" if total > 0 else None)
        self.count_card.show_figure(
            str(len(open_)), f"{len(self.findings) - len(open_)} dismissed or snoozed")
        if open_:
            top = open_[0]
            self.largest_card.show_figure(amount(top, per_month=False), KIND_TITLES[top.kind])
        else:
            self.largest_card.show_figure("–", "nothing open")
        self.tree.blockSignals(True)
        self.tree.clear()
        mode = self.group.currentData()
        groups: dict[str, list[Finding]] = {}
        for finding in self.visible():
            label = (KIND_TITLES[finding.kind] if mode == "kind" else _owner(finding)
                     if mode == "owner" else "")
            groups.setdefault(label, []).append(finding)
        ordered = sorted(groups.items(), key=lambda g: -sum(f.figure for f in g[1]))
        chosen = None
        for label, members in ordered:
            parent: Any = self.tree
            if mode != "none":
                parent = QTreeWidgetItem(self.tree, [
                    f"{label} ({len(members)})",
                    _group_amount(members), "", ""])
                font = parent.font(0)
                font.setBold(True)
                for column in range(2):
                    parent.setFont(column, font)
                parent.setFlags(parent.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                parent.setTextAlignment(1, Qt.AlignmentFlag.AlignRight
                                        | Qt.AlignmentFlag.AlignVCenter)
                parent.setExpanded(True)
            for finding in members:
                state = self.state_of(finding.key)
                item = QTreeWidgetItem(parent, [
                    finding.title, amount(finding, per_month=False), _owner_short(finding),
                    "" if state.state == "open" else state.state])
                item.setToolTip(2, _owner(finding))
                item.setData(0, Qt.ItemDataRole.UserRole, finding.key)
                item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(0, finding.title)
                if finding.key == self.selected:
                    chosen = item
        self.tree.expandAll()
        # The state is only ever shown beside a dismissed or snoozed finding.
        self.tree.setColumnHidden(FindingsTree.STATE, not self.show_hidden.isChecked())
        self.tree.fit_columns()
        self.tree.blockSignals(False)
        if chosen is None:
            first = self._first_finding()
            chosen = first
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
            self._chosen(chosen, None)
        else:
            self._show(None)

    def _first_finding(self) -> QTreeWidgetItem | None:
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item.data(0, Qt.ItemDataRole.UserRole):
                return item
            if item.childCount():
                return item.child(0)
        return None

    def _chosen(self, item: QTreeWidgetItem | None, _previous: Any) -> None:
        key = None if item is None else item.data(0, Qt.ItemDataRole.UserRole)
        if key is None:
            return
        self.selected = key
        self._show(next((f for f in self.findings if f.key == key), None))

    def choose(self, key: str) -> None:
        """Select the finding with ``key`` (shown even if hidden, for the caller's sake)."""
        self.selected = key
        self._fill()

    def current(self) -> Finding | None:
        return next((f for f in self.findings if f.key == self.selected), None)

    # -- the detail -----------------------------------------------------------------------

    def _show(self, finding: Finding | None) -> None:
        self._enable(finding)
        if finding is None:
            self.detail_title.setText("No findings" if not self.findings else "Choose a finding")
            for label in (self.detail_owner, self.numbers, self.fix):
                label.setText(" ")
            return
        state = self.state_of(finding.key)
        self.detail_title.setText(finding.title)
        owner = _owner(finding)
        status = {"open": "open", "dismissed": f"dismissed: {state.reason or 'no reason'}",
                  "snoozed": f"snoozed until {state.snooze_until}"}[state.state]
        cur = finding.currency
        worth = (f"one-off excess {money(finding.one_off, cur)} (paid once, not a monthly "
                 "saving)" if finding.one_off > finding.monthly_saving else
                 f"saves {money(finding.monthly_saving, cur)} per month")
        if finding.saving_range is not None:  # the figure is the low end of an estimate
            low, high = finding.saving_range
            worth += f" (the low end of {money(low, cur)} to {money(high, cur)}; see below)"
        self.detail_owner.setText(
            f"Owner: {owner} · costs {money(finding.monthly_cost, cur)}, {worth} · {status}")
        lines = [f"{k}: {v}" for k, v in finding.evidence.numbers.items()]
        if finding.assumption:
            lines.append(finding.assumption)
        self.numbers.setText("\n".join(lines))
        self.fix.setText("How to fix it:\n" + "\n".join(
            f"{n}. {step}" for n, step in enumerate(finding.fix, 1)))
        self.note.setText(state.note)
        self.dismiss_reason.setText(state.reason if state.state == "dismissed" else "")
        self.snooze_date.setDate(QDate(state.snooze_until or (self.today
                                                              + dt.timedelta(days=14))))
        self._draw(finding)

    def _enable(self, finding: Finding | None) -> None:
        for widget in (self.dismiss_button, self.snooze_button, self.reopen_button,
                       self.note_button, self.dismiss_reason, self.note, self.snooze_date):
            widget.setEnabled(finding is not None)

    def _draw(self, finding: Finding) -> None:
        import numpy as np

        if self.chart is None:
            from worthit.ui.widgets.time_chart import TimeChart

            self.chart = TimeChart(self._format)
            self.chart.title = "Leak evidence"
            self.chart_holder.addWidget(self.chart)
            self.chart_holder.setCurrentWidget(self.chart)
        self._unit = finding.evidence.unit
        evidence = finding.evidence
        if not evidence.days:  # evidence that is not a series over days (hours of the day)
            self.placeholder.setText(f"{evidence.label}: see the figures below.")
            self.chart_holder.setCurrentWidget(self.placeholder)
            return
        self.chart_holder.setCurrentWidget(self.chart)
        c = theme.colours()
        # An exported file says what the page says around the chart.
        self.chart.title = finding.title
        self.chart.unit = evidence.label.replace("($)", f"({finding.currency})")
        self.chart.period = Period(min(evidence.days), max(evidence.days))
        values = np.array(evidence.values, dtype=float)
        self.chart.show_series(list(evidence.days), {evidence.label: values},
                               {evidence.label: c.accent}, stacked=False)
        if evidence.threshold is not None:
            self.chart.mark_level(evidence.threshold, "Threshold" if evidence.unit == "%"
                                  else "Earlier level", c.bad)
        if evidence.baseline:  # the detector's own baseline, drawn as it computed it
            self.chart.add_reference(evidence.baseline_label or "Baseline",
                                     np.array(evidence.baseline, dtype=float), c.muted)
        if evidence.highlighted:
            counted = (f"Spike days: {money(finding.one_off, finding.currency)} excess counted"
                       if finding.one_off else "Days counted")
            self.chart.shade(_day_runs(evidence.highlighted), c.bad, counted)

    _unit = "$"

    def _format(self, value: float) -> str:
        if self._unit == "$":
            cur = self.currency
            return money(value, cur) if abs(value) >= 1 else unit_money(value, cur)
        if self._unit == "%":
            return f"{value:.0f} %"
        return f"{value:,.0f}"

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and self.current() is not None:
            self._draw(self.current())  # type: ignore[arg-type]
        super().changeEvent(event)

    # -- state ----------------------------------------------------------------------------

    def _save(self, state: FindingState) -> None:
        """Shown at once, saved by the workspace's writer; put back if it is refused."""
        before = self.states.get(state.key)

        def refused(message: str) -> None:
            if before is None:
                self.states.pop(state.key, None)
            else:
                self.states[state.key] = before
            self._fill()
            self._errored_write(message)

        self.states[state.key] = state
        self._fill()
        self.write(lambda cache: set_state(cache, state), then=lambda _: None,
                   failed=refused)

    def dismiss(self, reason: str) -> None:
        finding = self.current()
        if finding is not None:
            old = self.state_of(finding.key)
            self._save(FindingState(finding.key, "dismissed", reason.strip(), None, old.note))

    def snooze(self, until: dt.date) -> None:
        finding = self.current()
        if finding is not None:
            old = self.state_of(finding.key)
            self._save(FindingState(finding.key, "snoozed", "", until, old.note))

    def reopen(self) -> None:
        finding = self.current()
        if finding is not None:
            old = self.state_of(finding.key)
            self._save(FindingState(finding.key, "open", "", None, old.note))

    def save_note(self, note: str) -> None:
        finding = self.current()
        if finding is not None:
            old = self.state_of(finding.key)
            self._save(FindingState(finding.key, old.state, old.reason, old.snooze_until,
                                    note.strip()))

    def open_settings(self) -> QDialog:
        from worthit.analysis.leaks import load_settings

        with self.workspace.open() as cache:
            settings = load_settings(cache)
        dialog = ThresholdsDialog(settings, self)
        dialog.accepted.connect(lambda: self._save_settings(dialog.settings()))
        self.show_dialog(dialog)
        return dialog

    def _save_settings(self, settings: Settings) -> None:
        from worthit.analysis.leaks import save_settings

        self.write(lambda cache: save_settings(cache, settings))

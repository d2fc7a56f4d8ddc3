"""The Commitments page: cards for what was committed, what went unused and what the
commitments saved; a table of every commitment (ending soonest first) with what it covers,
its term and end, utilisation, unused cost, saving and owner; and, for the one chosen, its
days, beside the coverage of the services commitments cover. With no commitment in the
period, the table says where commitments come from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from worthit.core.money import money, percent
from worthit.core.periods import Period
from worthit.pages.commitments import EMPTY, counted_from, ends, label
from worthit.store.cache import Cache
from worthit.ui import theme
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.table_export import export_button, section
from worthit.ui.views.page import Page
from worthit.ui.widgets.card import Card
from worthit.ui.widgets.tables import empty_note, sortable_table

if TYPE_CHECKING:
    from worthit.analysis.commitments import Commitment, Commitments, WouldSave

TABLE_TITLE = "Commitments, ending soonest first"
COVERAGE_TITLE = "Coverage"
COVERAGE_NOTE = ("Covered ÷ eligible usage of the services commitments cover, each at "
                 "on-demand prices; spot usage is not eligible.")
WOULD_TITLE = "If you committed"


def _percent(value: Any) -> str:
    return percent(value, digits=0)


def _unused_tone(record: dict[str, Any]) -> str | None:
    return theme.colours().bad if (record.get("unused") or 0) >= 0.005 else None


def _ending_tone(record: dict[str, Any]) -> str | None:
    soon = record.get("ending_within")
    return theme.colours().bad if soon is not None and soon <= 30 else None


def _saving_tone(record: dict[str, Any]) -> str | None:
    saving = record.get("saving")
    if saving is None or abs(saving) < 0.005:
        return None
    return theme.colours().good if saving > 0 else theme.colours().bad


class CommitmentsPage(Page):
    name = "commitments"
    title = "Commitments"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result: Commitments | None = None
        #: The commitment chosen (an alert's focus, or the row clicked): kept across reloads.
        self.selected: str | None = None
        cards = QGridLayout()
        cards.setSpacing(10)
        self.committed_card = Card("Committed", "What the commitments committed in the "
                                   "period: used + unused, amortised.")
        self.unused_card = Card("Unused cost", "Paid for and not used: the part of the "
                                "commitments no usage drew on.")
        self.saving_card = Card("Saved vs on-demand", "What the covered usage would have "
                                "cost at on-demand prices, less its amortised cost and less "
                                "the unused commitment.")
        self.ending_card = Card("Ending within 90 days", "Commitments whose end date is "
                                "within 90 days of today: renew or replace them before "
                                "their usage falls back to on-demand prices.")
        for column, card in enumerate((self.committed_card, self.unused_card,
                                       self.saving_card, self.ending_card)):
            cards.addWidget(card, 0, column)
        self.body.addLayout(cards)

        self.model = RecordsModel([
            Column("Commitment", "label"),
            Column("Kind", "kind"),
            Column("Term", "term", missing="not stated"),
            Column("Ends", "ends_text", tone=_ending_tone),
            Column("Utilisation", "utilisation", _percent, numeric=True,
                   missing="not stated"),
            Column("Unused cost", "unused", self._money_of, numeric=True, tone=_unused_tone),
            Column("Saving", "saving", self._money_of, numeric=True, tone=_saving_tone,
                   missing="not known"),
            Column("Owner", "owner"),
        ], self)
        self._records: list[dict[str, Any]] = []
        # What each covers is long ("Azure OpenAI Provisioned Managed Global Unit × 15,
        # eastus2"): it heads the per-day panel and every cell's tooltip, so the table
        # fits a 1280-wide window without a scroll bar.
        self.table = sortable_table(self.model, 0, title="Commitments", empty=EMPTY)
        self.table.setMinimumHeight(160)
        self.table.selectionModel().currentRowChanged.connect(self._chosen)
        self.table_title = QLabel(TABLE_TITLE, objectName="SectionTitle")
        self.table_title.setTextFormat(Qt.TextFormat.PlainText)
        self.body.addLayout(section(self.table_title, self.table))
        self.body.addWidget(self.table, 2)

        # The days and the coverage side by side in one grid: headings, tables and notes
        # each share a row, so both tables end on the same line whatever the notes hold.
        lower = QGridLayout()
        lower.setHorizontalSpacing(16)
        lower.setVerticalSpacing(6)
        self.days_title = QLabel("Per day", objectName="SectionTitle")
        self.days_title.setTextFormat(Qt.TextFormat.PlainText)
        self.days_model = RecordsModel([
            Column("Day", "day", lambda d: d.isoformat()),
            Column("Committed", "committed", self._money_of, numeric=True),
            Column("Used", "used", self._money_of, numeric=True),
            Column("Unused", "unused", self._money_of, numeric=True, tone=_unused_tone),
            Column("Utilisation", "utilisation", _percent, numeric=True,
                   missing="not stated"),
        ], self)
        self.days = sortable_table(self.days_model, 0, title="Commitment per day",
                                   empty="Choose a commitment above to see its days.")
        self.days.setMinimumHeight(140)
        lower.addLayout(section(self.days_title, self.days), 0, 0)
        lower.addWidget(self.days, 1, 0)
        self.days_note = QLabel(" ", objectName="Readout")
        self.days_note.setTextFormat(Qt.TextFormat.PlainText)
        self.days_note.setWordWrap(True)
        lower.addWidget(self.days_note, 2, 0, Qt.AlignmentFlag.AlignTop)
        self.coverage_model = RecordsModel([
            Column("Service", "service"),
            Column("Family", "family", missing="–"),
            Column("Covered", "covered", self._money_of, numeric=True, missing="not known"),
            Column("Eligible", "eligible", self._money_of, numeric=True, missing="not known"),
            Column("Coverage", "coverage", _percent, numeric=True, missing="–"),
        ], self)
        self.coverage = sortable_table(
            self.coverage_model, 0, title="Coverage",
            empty="No usage of a service a commitment covers in this period.")
        self.coverage.setMinimumHeight(140)
        # Coverage and "If you committed" share one column, a tab each: three tables side
        # by side cut every one of them at 1440×900.
        self.right_title = QLabel(COVERAGE_TITLE, objectName="SectionTitle")
        self.right_tabs = QTabBar()
        self.right_tabs.setDocumentMode(True)
        self.right_tabs.setExpanding(False)
        self.right_tabs.setDrawBase(False)
        self.right_tabs.addTab("By service")
        self.right_tabs.addTab(WOULD_TITLE)
        self.right_tabs.setTabToolTip(1, "What a 1-year no-upfront commitment on steady "
                                         "on-demand usage would save, at your rate")
        would_page = self._if_committed()
        self.exports = QStackedWidget()
        self.exports.addWidget(export_button(self.coverage))
        self.exports.addWidget(export_button(self.would))
        heading = QHBoxLayout()
        heading.setContentsMargins(0, 0, 0, 0)
        heading.addWidget(self.right_title, 1)
        heading.addWidget(self.right_tabs)
        heading.addWidget(self.exports)
        lower.addLayout(heading, 0, 1)
        self.right_stack = QStackedWidget()
        self.right_stack.addWidget(self.coverage)
        self.right_stack.addWidget(would_page)
        lower.addWidget(self.right_stack, 1, 1)
        self.coverage_note = QLabel(COVERAGE_NOTE, objectName="Readout")
        self.coverage_note.setTextFormat(Qt.TextFormat.PlainText)
        self.coverage_note.setWordWrap(True)
        lower.addWidget(self.coverage_note, 2, 1, Qt.AlignmentFlag.AlignTop)
        self.right_tabs.currentChanged.connect(self._show_tab)
        lower.setRowStretch(1, 1)
        lower.setColumnStretch(0, 1)
        lower.setColumnStretch(1, 1)
        self.body.addLayout(lower, 3)

    def _show_tab(self, at: int) -> None:
        self.right_stack.setCurrentIndex(at)
        self.exports.setCurrentIndex(at)
        self.right_title.setText(WOULD_TITLE if at else COVERAGE_TITLE)
        self.coverage_note.setText(" " if at else COVERAGE_NOTE)

    def _if_committed(self) -> QWidget:
        """The "If you committed" tab: the user's discount rate, each family's steady
        on-demand spend and, at that rate, what a 1-year no-upfront commitment saves a
        month, with the assumption in words."""
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        self.would_model = RecordsModel([
            Column("Family", "family"),
            Column("Steady /h", "steady_hourly", self._money_of, numeric=True),
            Column("Saving /month", "monthly_saving", self._money_of, numeric=True,
                   missing="enter a rate"),
        ], self)
        self.would = sortable_table(
            self.would_model, 0, title=WOULD_TITLE,
            empty="No steady on-demand instance usage in the last 30 days.")
        self.would.setMinimumHeight(80)
        rate = QHBoxLayout()
        rate.setContentsMargins(0, 0, 0, 0)
        self.discount = QLineEdit(placeholderText="your rate, e.g. 28 %")
        self.discount.setToolTip("The discount off on-demand prices a 1-year no-upfront "
                                 "commitment gets you: your negotiated rate, or the "
                                 "provider's published one. Worthit does not guess it.")
        self.discount.returnPressed.connect(self._set_discount)
        apply = QPushButton("Set rate")
        apply.clicked.connect(self._set_discount)
        rate.addWidget(QLabel("Discount"))
        rate.addWidget(self.discount, 1)
        rate.addWidget(apply)
        column.addLayout(rate)
        column.addWidget(self.would, 1)
        self.would_note = QLabel(" ", objectName="Readout")
        self.would_note.setTextFormat(Qt.TextFormat.PlainText)
        self.would_note.setWordWrap(True)
        column.addWidget(self.would_note)
        return page

    def _set_discount(self) -> None:
        """Keep the rate typed (``28``, ``28 %`` or ``0.28``; empty forgets it), then
        recompute the page."""
        from worthit.store.commitments import set_commitment_discount

        typed = self.discount.text().strip().rstrip("%").strip()
        try:
            value = float(typed) if typed else None
        except ValueError:
            self.would_note.setText(f"{self.discount.text()!r} is not a rate: enter a "
                                    "percentage such as 28.")
            return
        rate = None if value is None else value / 100 if value >= 1 else value
        self.write(lambda cache: set_commitment_discount(cache, rate),
                   lambda _: self.reload())

    def _show_would_save(self, found: WouldSave | None) -> None:
        if found is None:
            self.would_model.set_records([])
            self.would_note.setText(" ")
            return
        if found.discount is not None and not self.discount.hasFocus():
            self.discount.setText(f"{found.discount * 100:g} %")
        self.would_model.set_records([
            {"family": f"{u.provider or 'unknown'} {u.family}",
             "steady_hourly": u.steady_hourly, "monthly_saving": found.saving(u),
             "tooltip": f"Average {money(u.average_hourly, found.currency)}/h; commit "
                        + ("at your rate" if (c := found.commitment(u)) is None
                           else f"{money(c, found.currency)}/h")}
            for u in found.families])
        total = found.total
        self.would_note.setText(
            ("" if total is None else f"{money(total, found.currency)} a month in all. ")
            + found.assumption)

    @staticmethod
    def compute(cache: Cache, period: Period) -> Commitments:
        from worthit.analysis.commitments import commitments  # off start-up

        return commitments(cache, period)

    def _money_of(self, value: Any) -> str:
        return money(value, self._currency)

    @property
    def _currency(self) -> str:
        if self.result is not None and len(self.result.currencies) == 1:
            return self.result.currencies[0]
        return "USD"

    def show_result(self, result: Commitments) -> None:
        self.result = result
        found = result.commitments
        cur = self._currency
        currencies = result.currencies
        more = f" (and {len(currencies) - 1} other currencies)" if len(currencies) > 1 else ""
        committed = result.total("committed", cur) or 0.0
        unused = result.total("unused", cur) or 0.0
        saving = result.total("saving", cur)
        used = result.total("used", cur) or 0.0
        # Of what the bills say was used or not (a provisioned throughput's may be unsaid).
        utilisation = None if used + unused == 0 else used / (used + unused)
        unsaid = (result.total("unstated", cur) or 0.0) >= 0.005
        self.committed_card.show_figure(
            money(committed, cur) if found else "–",
            f"{len(found)} commitment{'s' if len(found) != 1 else ''}{more}")
        self.unused_card.show_figure(
            money(unused, cur) if found else "–",
            f"{percent(utilisation, digits=0)} utilised"
            + (" where the bill says" if unsaid else "") if utilisation is not None
            else "use not stated by the bill" if unsaid else " ",
            "bad" if unused >= 0.005 else None)
        self.saving_card.show_figure(
            "–" if not found else "not known" if saving is None else money(saving, cur),
            "an on-demand price is missing from the bill" if found and saving is None
            else "they cost more than on-demand prices would have" if saving is not None
            and saving <= -0.005 else " ", None if saving is None or abs(saving) < 0.005
            else "good" if saving > 0 else "bad")
        soon = result.ending_within(90)
        first = soon[0] if soon else None
        # Ends are facts of the calendar: counted from today, whatever period is on show.
        self.table_title.setText(f"{TABLE_TITLE} (days to end counted "
                                 f"{counted_from(result)})")
        self.ending_card.setToolTip("Commitments whose end date is within 90 days of today "
                                    f"({result.as_of.isoformat()}): renew or replace them "
                                    "before their usage falls back to on-demand prices.")
        self.ending_card.show_figure(
            str(len(soon)) if found else "–",
            f"next: {label(first)} ends {ends(first)}" if first is not None else " ",
            "bad" if first is not None and (first.days_to_end or 0) <= 30 else None)
        self._records = [self._record(c) for c in found]
        self.model.set_records(self._records)
        self.coverage_model.set_records([c.to_json() | {"covered": c.covered,
                                                         "eligible": c.eligible,
                                                         "coverage": c.coverage}
                                         for c in result.coverage])
        self._show_would_save(result.would_save)
        if not self._records:
            self._show_days(None)
        elif not self._select(self.selected):
            self.table.selectRow(0)

    def choose(self, commitment_id: str) -> None:
        """Select the commitment ``commitment_id`` (an alert's focus) and show its days;
        one not in the period leaves the selection as it is."""
        self.selected = commitment_id
        self._select(commitment_id)

    def _select(self, commitment_id: str | None) -> bool:
        """Select the row of ``commitment_id`` in the table as sorted; False when none."""
        at = next((n for n, r in enumerate(self._records)
                   if r["commitment"].commitment_id == commitment_id), None)
        if commitment_id is None or at is None:
            return False
        proxy = self.table.model()
        row = proxy.mapFromSource(self.model.index(at, 0)).row()  # type: ignore[attr-defined]
        self.table.selectRow(row)
        self.table.scrollTo(proxy.index(row, 0))
        return True

    def _record(self, c: Commitment) -> dict[str, Any]:
        tip = [c.commitment_id, f"{c.kind}; {c.currency}", f"Covers {c.covers}",
               f"Committed {money(c.committed, c.currency)}, used "
               f"{money(c.used, c.currency)}"]
        if c.payment_option:
            tip.append(f"Payment: {c.payment_option}")
        if c.owner_share is not None:
            tip.append(f"Owner {c.owner}: {percent(c.owner_share, digits=0)} of the usage "
                       "it covers")
        tip += list(c.notes)
        return {"label": label(c), "kind": c.kind, "covers": c.covers, "term": c.term,
                "ends_text": ends(c), "end": c.end, "ending_within": c.ending_within,
                "utilisation": c.utilisation, "unused": c.unused, "saving": c.saving,
                "owner": c.owner, "tooltip": "\n".join(tip), "commitment": c}

    def _chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self._show_days(None)
            return
        source = self.table.model().mapToSource(current)  # type: ignore[attr-defined]
        chosen: Commitment = self.model.record(source.row())["commitment"]
        self.selected = chosen.commitment_id
        self._show_days(chosen)

    def _show_days(self, c: Commitment | None) -> None:
        note = empty_note(self.days)
        if note is not None:
            note.setText("Choose a commitment above to see its days." if self._records
                         else "No commitment in this period, so no days to show.")
        if c is None:
            self.days_title.setText("Per day")
            self.days_model.set_records([])
            self.days_note.setText(" ")
            return
        self.days_title.setText(f"Per day: {label(c)} ({c.covers})" if c.covers
                                else f"Per day: {label(c)}")
        self.days_model.set_records([
            {"day": d.day, "committed": d.committed, "used": d.used, "unused": d.unused,
             "utilisation": d.utilisation} for d in c.days])
        worst = min((d for d in c.days if d.utilisation is not None),
                    key=lambda d: d.utilisation or 0.0, default=None)
        note = [] if worst is None else [
            f"Lowest day {worst.day.isoformat()}: {percent(worst.utilisation, digits=0)} used."]
        self.days_note.setText(" ".join(note + list(c.notes)) or " ")

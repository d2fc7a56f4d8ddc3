"""The Customers page: cards for the AI bill, the share of it traced, Not traced and the
customers whose AI cost is over the threshold share of their revenue; the tie's warnings;
a table of every customer (those over the threshold first, Not traced always last) with
AI cost allocated from the bill, the list-price estimate, requests, tokens, revenue, share
and margin; and, below, the chosen customer by feature, model or day beside the gap
between list price and the bill per model."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabBar,
    QTableView,
    QVBoxLayout,
)

from worthit.core.money import count_short, money, percent
from worthit.core.periods import Period
from worthit.pages.customers import EMPTY, share_text
from worthit.store.cache import Cache
from worthit.ui import theme
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.table_export import export_button, section
from worthit.ui.views.page import Page
from worthit.ui.widgets.card import Card
from worthit.ui.widgets.tables import empty_note, sortable_table

if TYPE_CHECKING:
    from worthit.analysis.customer_margin import CustomerMargin, CustomerMargins

Index = QModelIndex | QPersistentModelIndex
DRILLS: Final = (("feature", "Feature"), ("model", "Model"), ("day", "Day"))
#: The widest the drill-down's title (the customer's name) is drawn, in pixels.
TITLE_WIDTH: Final = 240
#: What each money column is (a header's tooltip).
BASIS_TIPS: Final = {
    "AI cost": "Allocated from the bill: each day and model's billed cost spread over the "
               "traces in proportion to their list-price value.",
    "Estimate": "Estimated (list price): the traced tokens at the catalog's price of their "
                "day, your rates winning. Not what was billed.",
    "Revenue": "The revenue you imported, prorated: a month's revenue counts for the "
               "period's days in that month over the month's days; converted at your rates.",
    "Share": "AI cost (allocated from the bill) as a share of revenue, over the days whose "
             "month has revenue.",
    "Margin": "Revenue less the AI cost allocated from the bill, over the same days.",
    "Billed": "Billed: what the bill charged for the model in the period.",
    "Bill at list": "Estimated (list price): the bill's own token counts at the "
                    "catalog's price.",
    "Traces at list": "Estimated (list price): the traced tokens at the catalog's price.",
    "Gap": "Bill at list price less billed: what a list-price estimate gets wrong for this "
           "model (negotiated rates, discounts, tokens the bill prices otherwise).",
}


class BasisModel(RecordsModel):
    """Records whose headers explain what their figures are (their basis) as tooltips;
    the first column's header may be renamed (the drill-down's Feature, Model or Day)."""

    first_header: str | None = None

    def rename_first(self, header: str) -> None:
        self.first_header = header
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and section == 0 \
                and self.first_header is not None:
            return self.first_header
        if role == Qt.ItemDataRole.ToolTipRole and horizontal:
            header = str(super().headerData(section, orientation))
            return next((tip for name, tip in BASIS_TIPS.items()
                         if header.startswith(name)), None)
        return super().headerData(section, orientation, role)


def _over_tone(record: dict[str, Any]) -> str | None:
    return theme.colours().bad if record.get("over") else None


def _margin_tone(record: dict[str, Any]) -> str | None:
    margin = record.get("margin")
    return theme.colours().bad if margin is not None and margin <= -0.005 else None


def _count(value: Any) -> str:
    return f"{value:,.0f}"




class CustomersPage(Page):
    name = "customers"
    title = "Customers"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result: CustomerMargins | None = None
        self._chosen_customer: str | None = None
        cards = QGridLayout()
        cards.setSpacing(10)
        self.bill_card = Card("AI bill", "Billed: the period's charges for AI models, in "
                              "the display currency.")
        self.traced_card = Card("Traced", "The share of the AI bill allocated to request "
                                "traces: each day and model's bill spread over its traces "
                                "by their list-price value.")
        self.not_traced_card = Card("Not traced", "The part of the AI bill no trace "
                                    "covers (allocated from the bill): untraced traffic, or "
                                    "models the traces have no price for.")
        self.over_card = Card("Over threshold", "Customers whose AI cost is more than the "
                              "threshold share of their revenue.")
        for column, card in enumerate((self.bill_card, self.traced_card,
                                       self.not_traced_card, self.over_card)):
            cards.addWidget(card, 0, column)
        self.body.addLayout(cards)

        self.warnings = QLabel(objectName="Bad")
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings.setWordWrap(True)
        self.warnings.hide()
        self.body.addWidget(self.warnings)

        self.model = BasisModel([
            Column("Customer", "customer"),
            Column("AI cost (allocated)", "cost", self._money_of, numeric=True),
            Column("Estimate (list)", "estimate", self._money_of, numeric=True,
                   missing="–"),
            Column("Requests", "requests", _count, numeric=True, missing=""),
            Column("Tokens", "tokens", count_short, numeric=True, missing=""),
            Column("Revenue", "revenue", self._money_of, numeric=True, missing="–"),
            Column("Share of revenue", "share", percent, numeric=True, missing="–",
                   tone=_over_tone),
            Column("Margin", "margin", self._money_of, numeric=True, missing="–",
                   tone=_margin_tone),
        ], self)
        self.table = sortable_table(self.model, 0, title="Customers", empty=EMPTY, pinned=True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setMinimumHeight(150)
        _one_line(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._chosen)
        heading = section("Customers, those over the threshold first", self.table)
        self.threshold = QLineEdit(placeholderText="50 %")
        self.threshold.setMaximumWidth(80)
        self.threshold.setToolTip("The share of revenue above which a customer's AI cost "
                                  "puts it first (default 50 %).")
        self.threshold.returnPressed.connect(self._set_threshold)
        apply = QPushButton("Set")
        apply.clicked.connect(self._set_threshold)
        heading.insertWidget(1, QLabel("Threshold"))
        heading.insertWidget(2, self.threshold)
        heading.insertWidget(3, apply)
        self.body.addLayout(heading)
        self.body.addWidget(self.table, 3)
        self.notes = QLabel(" ", objectName="Readout")
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.notes.setWordWrap(True)
        self.body.addWidget(self.notes)

        lower = QHBoxLayout()
        lower.setSpacing(16)
        drill = QVBoxLayout()
        self.drill_title = QLabel("Drill-down", objectName="SectionTitle")
        self.drill_title.setTextFormat(Qt.TextFormat.PlainText)
        self.drill_tabs = QTabBar()
        self.drill_tabs.setDocumentMode(True)
        self.drill_tabs.setExpanding(False)
        self.drill_tabs.setDrawBase(False)
        for _, label in DRILLS:
            self.drill_tabs.addTab(label)
        self.drill_model = BasisModel([
            # No estimate here: within a day and model it is the cost at another scale,
            # and the table beside shows each model's list price against its bill.
            Column("Feature", "key"),
            Column("AI cost (allocated)", "cost", self._money_of, numeric=True),
            Column("Requests", "requests", _count, numeric=True, missing=""),
            Column("Tokens", "tokens", count_short, numeric=True, missing=""),
        ], self)
        self.drill = sortable_table(self.drill_model, 0, title="Customer drill-down",
                                    empty="Choose a customer above to see its cost by "
                                          "feature, model and day.")
        self.drill.setMinimumHeight(120)
        _one_line(self.drill)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.drill_title, 1)
        top.addWidget(self.drill_tabs)
        top.addWidget(export_button(self.drill))
        drill.addLayout(top)
        drill.addWidget(self.drill, 1)
        self.drill_tabs.currentChanged.connect(lambda _at: self._show_drill())
        lower.addLayout(drill, 9)

        gaps = QVBoxLayout()
        self.gap_model = BasisModel([
            Column("Model", "model"),
            Column("Billed", "billed", self._money_of, numeric=True),
            Column("Bill at list", "bill_estimate", self._money_of, numeric=True,
                   missing="–"),
            Column("Traces at list", "traced_estimate", self._money_of, numeric=True,
                   missing="–"),
            Column("Gap", "gap", self._signed_money, numeric=True, missing="–"),
        ], self)
        self.gaps = sortable_table(self.gap_model, 0, title="Estimate against the bill",
                                   empty="No AI model on the bill in this period.")
        self.gaps.setMinimumHeight(120)
        _one_line(self.gaps)
        gaps.addLayout(section("List price against the bill, per model", self.gaps))
        gaps.addWidget(self.gaps, 1)
        lower.addLayout(gaps, 11)
        self.body.addLayout(lower, 2)

    @staticmethod
    def compute(cache: Cache, period: Period) -> CustomerMargins:
        from worthit.analysis.customer_margin import customer_margins  # off start-up

        return customer_margins(cache, period)

    @property
    def _currency(self) -> str:
        return "USD" if self.result is None else self.result.currency

    def _money_of(self, value: Any) -> str:
        return money(value, self._currency)

    def _signed_money(self, value: Any) -> str:
        text = money(value, self._currency)
        return f"+{text}" if value >= 0.005 else text

    def _set_threshold(self) -> None:
        """Keep the threshold typed (``50`` or ``50 %``; empty goes back to 50 %), then
        recompute the page."""
        from worthit.analysis.customer_margin import set_threshold

        typed = self.threshold.text().strip().rstrip("%").strip()
        try:
            share = float(typed) / 100 if typed else None
        except ValueError:
            self._errored_write(f"{self.threshold.text()!r} is not a share: enter a "
                                "percentage such as 50.")
            return
        if share is not None and share <= 0:
            self._errored_write("Enter a threshold above 0 %, such as 50 %.")
            return
        self.write(lambda cache: set_threshold(cache, share), lambda _: self.reload())

    def show_result(self, result: CustomerMargins) -> None:
        self.result = result
        cur = result.currency
        traced = result.traced_share
        allocated = result.billed - result.not_traced
        has_traces = len(result.costs.rows) > 0
        self.bill_card.show_figure(money(result.billed, cur), "billed, AI models only")
        self.traced_card.show_figure(
            percent(traced, digits=0) if has_traces else "–",
            f"{money(allocated, cur)} allocated from the bill" if has_traces
            else "no request traces in this period")
        self.not_traced_card.show_figure(
            money(result.not_traced, cur), "of the bill, no trace covers it",
            "bad" if traced is not None and traced < 0.5 else None)
        over = result.over
        threshold = percent(result.threshold, digits=0)
        self.over_card.show_figure(
            str(len(over)) if result.has_revenue else "–",
            (f"AI cost over {threshold} of revenue"
             + (f": {over[0].customer}" if over else "")) if result.has_revenue
            else "import revenue: worthit customers import", "bad" if over else None)
        if not self.threshold.hasFocus():  # as kept, so Set again changes nothing
            self.threshold.setText(f"{result.threshold * 100:g} %")
        warnings = result.warnings()
        self.warnings.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings.setVisible(bool(warnings))
        self.notes.setText(" ".join(([] if has_traces else [EMPTY])
                                    + result.revenue_notes()))
        self.model.set_records([self._record(r) for r in result.rows])
        self.gap_model.set_records([
            {"model": f"{g['provider']} {g['model']}", "billed": float(g["billed"]),
             "tooltip": f"{g['provider']} {g['model']}",
             "bill_estimate": _number(g["bill_estimate"]),
             "traced_estimate": _number(g["traced_estimate"]), "gap": _number(g["gap"])}
            for _, g in result.costs.gaps().iterrows()])
        chosen = self._row_of(self._chosen_customer) if self._chosen_customer else None
        self.table.selectRow(0 if chosen is None else chosen)
        if self.model.rowCount() == 0:
            self._show_drill()

    def choose(self, customer: str) -> None:
        """Select ``customer`` (a budget alert's focus) and show its drill-down; a
        customer not in the period leaves the selection as it is."""
        row = self._row_of(customer)
        if row is not None:
            self._chosen_customer = customer
            self.table.selectRow(row)

    def _row_of(self, customer: str) -> int | None:
        proxy = self.table.model()
        for row in range(proxy.rowCount()):
            if proxy.index(row, 0).data() == customer:
                return row
        return None

    def _record(self, r: CustomerMargin) -> dict[str, Any]:
        cur = self._currency
        tip = [r.customer]
        if r.not_traced:
            tip.append("The part of the AI bill no trace covers (allocated from the bill).")
        else:
            if r.revenue is not None:
                tip.append(f"AI cost of the days with revenue: {money(r.compared_cost, cur)}")
            if share_text(r) == "no revenue":
                tip.append("No revenue in the period, and AI cost.")
            if r.over:
                tip.append(f"Over the threshold ({percent(self.result.threshold, digits=0)}"
                           " of revenue)." if self.result is not None else "")
        if r.note:
            tip.append(r.note[0].upper() + r.note[1:] + ".")
        return {"customer": r.customer, "cost": r.cost, "estimate": r.estimate,
                "requests": None if r.not_traced else r.requests,
                "tokens": None if r.not_traced else r.tokens, "revenue": r.revenue,
                "share": r.share,
                "margin": r.margin, "over": r.over,
                "pinned": r.not_traced, "tooltip": "\n".join(t for t in tip if t),
                "row": r}

    def _chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self._chosen_customer = None
        else:
            source = self.table.model().mapToSource(current)  # type: ignore[attr-defined]
            self._chosen_customer = self.model.record(source.row())["customer"]
        self._show_drill()

    def _show_drill(self) -> None:
        by, label = DRILLS[max(0, self.drill_tabs.currentIndex())]
        self.drill_model.rename_first(label)
        customer = self._chosen_customer
        note = empty_note(self.drill)
        if self.result is None or customer is None:
            self.drill_title.setText("Drill-down")
            self.drill_model.set_records([])
            return
        # A long name is shortened, so the tabs beside it keep their room (whole in the
        # tooltip).
        self.drill_title.setText(self.drill_title.fontMetrics().elidedText(
            customer, Qt.TextElideMode.ElideRight, TITLE_WIDTH))
        self.drill_title.setToolTip(f"{customer} by {label.lower()}")
        if note is not None:
            note.setText(f"Nothing of {customer} to show by {label.lower()}.")
        frame = self.result.drill(customer, by)
        self.drill_model.set_records([
            {"key": _key(row[by]), "tooltip": str(row[by]), "cost": float(row["cost"]),
             "requests": _number(row["requests"]),
             "tokens": _number(row["tokens"])} for _, row in frame.iterrows()])


def _one_line(view: QTableView) -> None:
    """Rows of one line, a long name shortened in its middle (whole in its tooltip)."""
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)


def _key(value: Any) -> Any:
    return value if isinstance(value, dt.date) else str(value)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number

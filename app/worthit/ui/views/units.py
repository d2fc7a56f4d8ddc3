"""The Units page: what one unit of value cost, against its target, and why it moved.

Cards choose the unit; the chart shows cost per unit over time with the target and the
spans that miss it shaded; the verdict says in plain words what to do; the tables break
the cost down by component and by feature. Changing the granularity regroups the series
without recomputing; editing the target or the revenue saves and recomputes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from worthit.analysis.first_figures import UnitCost
from worthit.core.money import SYMBOLS, money, percent, unit_money
from worthit.core.periods import GRANULARITIES, Period
from worthit.core.plural import plural
from worthit.store.cache import Cache
from worthit.store.units import set_unit_money
from worthit.ui import theme
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.table_export import section
from worthit.ui.views.page import Page
from worthit.ui.widgets.card import Card
from worthit.ui.widgets.tables import sortable_table, wrap_rows
from worthit.ui.widgets.unit_strip import UnitStrip

if TYPE_CHECKING:
    from worthit.analysis.unit_economics import UnitEconomics


def _unit(value: Any, currency: str = "USD") -> str:
    return "–" if value is None else unit_money(value, currency)


def _signed_unit(value: Any, currency: str = "USD") -> str:
    return "–" if value is None else unit_money(value, currency, signed=True)


def _effect_tone(record: dict[str, Any]) -> str | None:
    value = record.get("cost_effect")
    if value is None or abs(value) < 0.00005:
        return None
    c = theme.colours()
    return c.bad if value > 0 else c.good




class UnitsPage(Page):
    name = "units"
    title = "Unit costs"

    def chart_widget(self) -> QWidget | None:
        return getattr(self, "chart", None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.results: list[UnitEconomics] = []
        self.selected: str | None = None
        self.granularity = "day"
        self.granularity_chosen = False  # until the user picks, it follows the period
        self.strip = UnitStrip(clickable=True)
        self.strip.chosen.connect(self.choose)
        self.body.addWidget(self.strip)

        controls = QHBoxLayout()
        controls.setSpacing(8)
        self.unit_title = QLabel(" ", objectName="SectionTitle")
        self.unit_title.setTextFormat(Qt.TextFormat.PlainText)
        controls.addWidget(self.unit_title, 1)
        self.granularity_buttons = QButtonGroup(self)
        for number, name in enumerate(GRANULARITIES):
            button = QPushButton({"day": "Daily", "week": "Weekly", "month": "Monthly"}[name],
                                 objectName="Segment")  # the checked one filled (theme)
            button.setCheckable(True)
            button.setChecked(name == self.granularity)
            self.granularity_buttons.addButton(button, number)
            controls.addWidget(button)
        self.granularity_buttons.idClicked.connect(self._granularity_clicked)
        self.body.addLayout(controls)

        middle = QHBoxLayout()
        middle.setSpacing(16)
        self.chart_holder = QStackedLayout()
        self.chart_holder.addWidget(QLabel("Loading…", alignment=Qt.AlignmentFlag.AlignCenter))
        holder = QWidget()
        holder.setLayout(self.chart_holder)
        middle.addWidget(holder, 3)
        side = QVBoxLayout()
        side.setSpacing(10)
        self.verdict = QLabel(" ", objectName="Verdict")
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict.setWordWrap(True)
        self.verdict.setFrameShape(QFrame.Shape.StyledPanel)
        side.addWidget(self.verdict)
        money_row = QHBoxLayout()
        money_row.setSpacing(6)
        money_row.addWidget(QLabel("Target"))
        self.target = _money_box()
        money_row.addWidget(self.target)
        money_row.addWidget(QLabel("Revenue"))
        self.revenue = _money_box()
        money_row.addWidget(self.revenue)
        money_row.addStretch(1)
        self.target.setToolTip("Target cost per unit; 'none' for no target")
        self.revenue.setToolTip("Revenue per unit, for the unit margin; 'none' if unknown")
        self.target.editingFinished.connect(self._money_edited)
        self.revenue.editingFinished.connect(self._money_edited)
        self.counts_button = QPushButton("Counts…")
        self.counts_button.setToolTip("See, edit or import the unit's daily counts")
        self.counts_button.clicked.connect(self.open_counts)
        money_row.addWidget(self.counts_button)
        side.addLayout(money_row)
        figures = QGridLayout()
        figures.setSpacing(10)
        self.cost_card = Card("Cost per unit", "The period's allocated cost of the unit's "
                              "features (and pool shares) over its count, on counted days.")
        self.margin_card = Card("Unit margin", "Revenue per unit minus cost per unit.")
        self.count_card = Card("Units counted")
        self.volume_card = Card("Volume effect", "How much of the change in cost per unit "
                                "comes from the count alone: the previous period's spend "
                                "over this period's count.")
        for number, card in enumerate((self.cost_card, self.margin_card, self.count_card,
                                       self.volume_card)):
            figures.addWidget(card, number // 2, number % 2)
        side.addLayout(figures)
        self.gaps = QLabel(objectName="Bad")
        self.gaps.setTextFormat(Qt.TextFormat.PlainText)
        self.gaps.setWordWrap(True)
        self.gaps.hide()
        side.addWidget(self.gaps)
        side.addStretch(1)
        middle.addLayout(side, 2)
        holder.setMinimumHeight(240)
        self.body.addLayout(middle, 5)

        lower = QHBoxLayout()
        lower.setSpacing(16)
        drivers = QVBoxLayout()
        drivers_title = QLabel("What makes up the cost per unit, and how it moved",
                               objectName="SectionTitle")
        drivers_title.setToolTip(
            "Now − Before = cost effect + volume effect, on every row. The cost effect is "
            "the change in spend over this period's count; the volume effect is the previous "
            "spend spread over the new count.")
        self.drivers_model = RecordsModel([
            Column("Provider · service or model", "component"),
            Column("Now", "per_unit", self._unit, numeric=True),
            Column("Before", "previous_per_unit", self._unit, numeric=True),
            Column("Cost effect", "cost_effect", self._signed_unit, numeric=True,
                   tone=_effect_tone),
            Column("Volume effect", "volume_effect", self._signed_unit, numeric=True),
        ], self)
        self.drivers = sortable_table(self.drivers_model, 0, title="Cost per unit by component",
                                      filters=self._export_filters)
        self.drivers.setMinimumHeight(190)
        drivers.addLayout(section(drivers_title, self.drivers))
        drivers.addWidget(self.drivers)
        lower.addLayout(drivers, 3)
        features = QVBoxLayout()
        self.features_model = RecordsModel([
            Column("Feature", "feature"),
            Column("Cost", "cost", lambda v: money(v, self.currency), numeric=True),
            Column("Per unit", "per_unit", self._unit, numeric=True),
            Column("Before", "previous_per_unit", self._unit, numeric=True),
            Column("Verdict", "verdict"),
        ], self)
        # The feature's name takes the slack (and wraps when narrow), so a verdict ("falling
        # −2.0 %") is never broken or cut.
        self.features = sortable_table(self.features_model, 0, title="Cost per unit by feature",
                                       filters=self._export_filters)
        wrap_rows(self.features)
        self.features.setMinimumHeight(190)
        features.addLayout(section("By feature", self.features))
        features.addWidget(self.features)
        lower.addLayout(features, 2)
        self.body.addLayout(lower, 4)
        self.chart: Any = None

    @staticmethod
    def compute(cache: Cache, period: Period) -> list[UnitEconomics]:
        from worthit.analysis.unit_economics import unit_economics  # off start-up

        return unit_economics(cache, period, "day")

    # -- showing -----------------------------------------------------------------------

    def show_result(self, result: list[UnitEconomics]) -> None:
        self.results = result
        ids = [e.unit.unit_id for e in result]
        if self.selected not in ids:
            self.selected = ids[0] if ids else None
        if not self.granularity_chosen and result:
            days = result[0].period.days
            self.set_granularity("day" if days <= 45 else "week" if days <= 200 else "month")
            return
        self._show()

    def _export_filters(self) -> dict[str, str]:
        """What the tables are narrowed to, for their exports: the unit shown."""
        e = self.current
        return {} if e is None else {"unit": f"{e.unit.name} ({e.unit.counts_what})"}

    @property
    def currency(self) -> str:
        """The currency of the figures on show (every unit's is the page's)."""
        return self.results[0].unit.currency if self.results else "USD"

    def _unit(self, value: Any) -> str:
        return _unit(value, self.currency)

    def _signed_unit(self, value: Any) -> str:
        return _signed_unit(value, self.currency)

    @property
    def current(self) -> UnitEconomics | None:
        found = next((e for e in self.results if e.unit.unit_id == self.selected), None)
        return None if found is None else found.at(self.granularity)

    def choose(self, unit_id: str) -> None:
        self.selected = unit_id
        self._show()

    def _granularity_clicked(self, number: int) -> None:
        self.granularity_chosen = True
        self.set_granularity(GRANULARITIES[number])

    def set_granularity(self, granularity: str) -> None:
        self.granularity = granularity
        button = self.granularity_buttons.button(GRANULARITIES.index(granularity))
        if button is not None:
            button.setChecked(True)
        self._show()

    def _show(self) -> None:
        self.strip.set_units([UnitCost.of(e) for e in self.results], self.selected)
        e = self.current
        has_unit = e is not None
        for widget in (self.target, self.revenue, self.counts_button):
            widget.setEnabled(has_unit)
        if e is None:
            self.unit_title.setText("No units are defined in this workspace: add one with "
                                    "`worthit units add` (see its --help).")
            self.verdict.setText("Define a unit (what it counts and which features carry "
                                 "its cost) and import its counts to see cost per unit.")
            return
        u, cur = e.unit, e.unit.currency
        self.unit_title.setText(f"{u.name}: {u.counts_what}")
        self._ensure_chart()
        self._draw_chart(e)
        self.verdict.setText(f"{e.verdict} {e.conversion}".strip())
        self.verdict.setObjectName({"good": "VerdictGood", "bad": "VerdictBad"}.get(
            e.tone or "", "Verdict"))
        self.verdict.style().unpolish(self.verdict)
        self.verdict.style().polish(self.verdict)
        # The unit's own amounts, in its own currency: what is edited is what is saved.
        given = e.given or u
        for box, value in ((self.target, given.target_cost),
                           (self.revenue, given.revenue_per_unit)):
            box.blockSignals(True)
            box.setPrefix(_prefix(given.currency))
            box.setValue(0.0 if value is None else value)
            box.setToolTip(e.conversion)
            box.blockSignals(False)
        change = e.change
        self.cost_card.show_figure(
            _unit(e.unit_cost, cur),
            "–" if change is None or not e.previous_complete
            else f"{_signed_unit(change, cur)} vs previous period",
            None if change is None or abs(change) < 0.00005 else
            ("bad" if change > 0 else "good"))
        self.margin_card.show_figure(
            _unit(e.margin, cur), "no revenue per unit set" if u.revenue_per_unit is None
            else f"{percent(e.gross_margin)} gross margin",
            None if e.margin is None else ("good" if e.margin > 0 else "bad"))
        self.count_card.show_figure(f"{e.count:,.0f}", u.counts_what)
        self.volume_card.show_figure(_signed_unit(e.volume_effect, cur),
                                     "from the change in count alone")
        self.counts_button.setToolTip(
            "See the unit's daily counts, from the request traces" if u.derived else
            "See, edit or import the unit's daily counts")
        if e.gaps:
            days = ", ".join(d.isoformat() for d in e.gaps[:6])
            more = f" and {len(e.gaps) - 6} more" if len(e.gaps) > 6 else ""
            self.gaps.setText(
                f"{plural(len(e.gaps), 'day')} with cost but no count ({days}{more}): "
                f"{money(e.gap_cost, cur)} of cost is left out rather than divided by "
                "nothing. " + ("Those days have no request traces: import them."
                               if u.derived else "Add the counts with Counts…."))
            self.gaps.show()
        else:
            self.gaps.hide()
        self.drivers_model.set_records([
            {"component": d.component, "per_unit": d.per_unit,
             "previous_per_unit": d.previous_per_unit, "cost_effect": d.cost_effect,
             "volume_effect": d.volume_effect}
            for d in e.drivers])
        self.features_model.set_records([
            {"feature": f.feature, "cost": f.cost, "per_unit": f.per_unit,
             "previous_per_unit": f.previous_per_unit, "verdict": f.verdict}
            for f in e.features])

    def _ensure_chart(self) -> None:
        if self.chart is not None:
            return
        from worthit.ui.widgets.time_chart import TimeChart

        self.chart = TimeChart(lambda v: unit_money(v, self.currency))
        self.chart.title = "Cost per unit over time"
        self.chart_holder.addWidget(self.chart)
        self.chart_holder.setCurrentWidget(self.chart)

    def _draw_chart(self, e: UnitEconomics) -> None:
        import numpy as np

        c = theme.colours()
        values = np.array([np.nan if b.unit_cost is None else b.unit_cost
                           for b in e.buckets])
        label = f"Cost per {e.unit.name.lower()}"
        self.chart.show_series([b.start for b in e.buckets], {label: values},
                               {label: c.accent}, stacked=False, granularity=e.granularity,
                               zero_based=False, ends=[b.end for b in e.buckets])
        target = e.unit.target_cost
        if target is not None:
            self.chart.mark_level(target, f"Target {unit_money(target, e.unit.currency)}",
                                  c.muted)
            self.chart.shade([(b.start, b.end) for b in e.misses()], c.bad, "Over target")

    def changeEvent(self, event: QEvent) -> None:
        # The chart's line and shading take the theme's colours when drawn: redraw.
        if event.type() == QEvent.Type.PaletteChange and self.results:
            self._show()
        super().changeEvent(event)

    # -- editing -------------------------------------------------------------------------

    def _money_edited(self) -> None:
        e = self.current
        if e is None:
            return
        target = self.target.value() or None
        revenue = self.revenue.value() or None
        given = e.given or e.unit
        if (target, revenue) == (given.target_cost, given.revenue_per_unit):
            return
        self.save_money(target, revenue)

    def save_money(self, target: float | None, revenue: float | None) -> None:
        """Save the selected unit's target and revenue per unit, then recompute."""
        if self.selected is None:
            return
        unit_id = self.selected
        self.write(lambda cache: set_unit_money(cache, unit_id, target_cost=target,
                                                revenue_per_unit=revenue))

    def open_counts(self) -> QWidget | None:
        e = self.current
        if e is None:
            return None
        from worthit.ui.views.unit_counts import CountsDialog

        dialog = CountsDialog(self.workspace, e, self)
        return self.show_dialog(dialog, dialog.changed)


def _prefix(currency: str) -> str:
    """``$`` for USD, ``NOK `` for a currency without a symbol of its own."""
    return SYMBOLS.get(currency, f"{currency} ")


def _money_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(4)
    box.setRange(0.0, 1_000_000.0)
    box.setSingleStep(0.001)
    box.setPrefix(_prefix("USD"))
    box.setSpecialValueText("none")  # 0 means not set
    box.setKeyboardTracking(False)
    box.setMinimumWidth(96)
    return box

"""The Overview page: what was spent, how it moves, and where AI stands in it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedLayout,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from worthit.analysis.overview import MOVER_DIMENSIONS
from worthit.core.money import count_short, money, money_short, percent
from worthit.core.periods import Period
from worthit.store.cache import Cache
from worthit.ui import theme
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.table_export import section
from worthit.ui.views.page import Page
from worthit.ui.widgets.card import Card
from worthit.ui.widgets.tables import sortable_table
from worthit.ui.widgets.unit_strip import UnitStrip

if TYPE_CHECKING:
    from collections.abc import Sequence

    from worthit.analysis.first_figures import Chart, FirstFigures, LeakSummary
#: The least heights of the spend chart (legend row, plot of 180 px or more, read-out) and
#: of the tokens or requests chart: y labels that do not touch, and the date axis, at
#: 1280×800 as at 1920×1080. The sections' tabs sit in their title rows, so both fit.
SPEND_CHART_HEIGHT = 224
SMALL_CHART_HEIGHT = 130


class _Share(QWidget):
    """A container that asks for no more height than its least, so the page's stretch
    factors split the height (a chart's own size hint, 500 px, would take it all and leave
    its neighbours at their least), down to ``least``."""

    def __init__(self, least: int = 0) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(least)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(),
                     max(self.minimumHeight(), self.minimumSizeHint().height()))

    def hasHeightForWidth(self) -> bool:
        # A wrapped legend inside would ask by height-for-width instead, and the layout
        # would take that (the chart's full size hint) over sizeHint.
        return False


def _tab_bar() -> QTabBar:
    """A row of tabs choosing what a section shows (styled by :func:`_style_tabs`)."""
    tabs = QTabBar()
    tabs.setDocumentMode(True)
    tabs.setExpanding(False)
    tabs.setDrawBase(False)
    _style_tabs(tabs)
    return tabs


def _style_tabs(tabs: QTabBar) -> None:
    """The chosen tab filled with the accent, as the chosen page is in the navigation:
    Fusion's raised tab is all but invisible in dark."""
    c = theme.colours()
    tabs.setStyleSheet(
        f"QTabBar::tab {{ padding: 3px 12px; margin-right: 4px; border-radius: 4px;"
        f" border: 1px solid {c.grid}; background: {c.surface}; color: {c.text}; }}"
        f" QTabBar::tab:selected {{ background: {c.accent}; border-color: {c.accent};"
        f" color: white; }}"
        f" QTabBar::tab:hover:!selected {{ border-color: {c.accent}; }}")


def _change_tone(record: dict[str, Any]) -> str | None:
    c = theme.colours()
    return c.bad if record["change"] > 0 else c.good


class OverviewPage(Page):
    name = "overview"
    title = "Overview"

    def chart_widget(self) -> QWidget | None:
        return getattr(self, "spend_chart", None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result: FirstFigures | None = None
        self._leaks: LeakSummary | None = None
        # Tighter than other pages: at 1280×800 every row keeps room for its labels.
        self.body.setSpacing(6)
        cards = QGridLayout()
        cards.setSpacing(10)
        self.total = Card("Total spend", "Effective cost (after discounts) in the period, "
                          "against the period before.")
        self.mtd = Card("Month to date")
        self.forecast = Card("Forecast, month end")
        self.ai_share = Card("AI share of spend", "Spend in the FOCUS service category "
                             "'AI and Machine Learning' as a share of all spend.")
        self.tokens = Card("Tokens", "All input (uncached, cached, cache writes) and output "
                           "tokens in the period.")
        self.requests = Card("AI requests")
        for column, card in enumerate((self.total, self.mtd, self.forecast, self.ai_share,
                                       self.tokens, self.requests)):
            cards.addWidget(card, 0, column)
        self.body.addLayout(cards)
        # Amortised and unamortised cost, and the commitment amortisation between them.
        self.amortisation = QLabel(" ", objectName="Readout")
        self.amortisation.setTextFormat(Qt.TextFormat.PlainText)
        self.amortisation.setWordWrap(True)
        self.body.addWidget(self.amortisation)
        # Unit costs against target, one glance below the money (the Units page has more).
        self.units = UnitStrip(clickable=False)
        self.body.addWidget(self.units)
        # Leaks: what could be saved per month, and the three largest findings.
        self.leaks = QLabel(" ", objectName="Readout")
        self.leaks.setTextFormat(Qt.TextFormat.PlainText)
        self.leaks.setWordWrap(True)
        self.body.addWidget(self.leaks)

        # Charts are built on the first result, so pyqtgraph stays off the start-up path.
        self.spend_title = QLabel("Spend over time by provider", objectName="SectionTitle")
        self.body.addWidget(self.spend_title)
        self.spend_holder = QStackedLayout()
        self.spend_holder.addWidget(QLabel("Loading…", alignment=Qt.AlignmentFlag.AlignCenter))
        holder = _Share(SPEND_CHART_HEIGHT)
        holder.setLayout(self.spend_holder)
        self.body.addWidget(holder, 1)  # the spend chart; the lower row as much

        lower_row = _Share()
        lower = QHBoxLayout(lower_row)
        lower.setContentsMargins(0, 0, 0, 0)
        lower.setSpacing(16)
        movers = QVBoxLayout()
        self.movers_title = QLabel("Top movers against the previous period",
                                   objectName="SectionTitle")
        self.movers_title.setWordWrap(True)  # a longer title wraps beside the tabs
        # One dimension at a time: every charge is in each, so mixing them would count the
        # same money three times.
        self.movers_tabs = _tab_bar()
        for dimension in MOVER_DIMENSIONS:
            self.movers_tabs.addTab(dimension.capitalize())
            self.movers_tabs.setTabToolTip(self.movers_tabs.count() - 1,
                                           f"The largest rises and falls by {dimension}")
        self.movers_tabs.currentChanged.connect(self._show_movers)
        self.movers_model = RecordsModel([
            Column("Kind", "dimension", str.capitalize),
            Column("Name", "name"),
            Column("Before", "previous", self._money, numeric=True),
            Column("Now", "current", self._money, numeric=True),
            Column("Change", "change", lambda v: ("+" if v > 0 else "") + self._money(v),
                   numeric=True, tone=_change_tone),
            Column("%", "change_pct", lambda v: percent(v, signed=True), numeric=True,
                   tone=_change_tone),
        ], self)  # owned by the page, as its table's sort proxy is owned by it
        # The model's order until a header is clicked: largest change first.
        self.movers = sortable_table(self.movers_model, 1, title="Top movers",
                                     filters=lambda: {"movers by": self.movers_dimension})
        # The tabs in the title row: a row of their own took the spend chart's height.
        heading = section(self.movers_title, self.movers)
        heading.insertWidget(1, self.movers_tabs)
        movers.addLayout(heading)
        self.movers.setMinimumHeight(SMALL_CHART_HEIGHT)
        self.movers.setColumnHidden(0, True)  # the tab names the kind; exports keep it
        movers.addWidget(self.movers)
        lower.addLayout(movers, 3)
        # Tokens and requests share one chart's room, a tab each: stacked, each was too
        # short for its axis labels at 1440×900.
        usage = QVBoxLayout()
        self.usage_title = QLabel("Tokens per day", objectName="SectionTitle")
        self.usage_title.setWordWrap(True)
        self.usage_tabs = _tab_bar()
        self.usage_tabs.addTab("Tokens")
        self.usage_tabs.addTab("AI requests")
        usage_heading = QHBoxLayout()
        usage_heading.setContentsMargins(0, 0, 0, 0)
        usage_heading.addWidget(self.usage_title, 1)
        usage_heading.addWidget(self.usage_tabs)
        usage.addLayout(usage_heading)
        self.tokens_holder = QStackedLayout()
        self.tokens_holder.addWidget(QLabel("Loading…", alignment=Qt.AlignmentFlag.AlignCenter))
        self.requests_holder = QStackedLayout()
        self.requests_holder.addWidget(
            QLabel("Loading…", alignment=Qt.AlignmentFlag.AlignCenter))
        self.usage_stack = QStackedLayout()
        for holder_layout in (self.tokens_holder, self.requests_holder):
            chart_page = QWidget()
            chart_page.setLayout(holder_layout)
            self.usage_stack.addWidget(chart_page)
        usage_widget = _Share(SMALL_CHART_HEIGHT)
        usage_widget.setLayout(self.usage_stack)
        usage.addWidget(usage_widget, 1)
        self.usage_tabs.currentChanged.connect(self._show_usage)
        lower.addLayout(usage, 2)
        # Neither row asks for more than its least, so the height above it splits evenly.
        self.body.addWidget(lower_row, 1)
        self.movers_dimension: str = MOVER_DIMENSIONS[0]
        self._weekly = False  # the usage charts show weekly averages
        self._requests_drawn = False  # the requests chart shows the result on show
        self.spend_chart: Any = None
        self.tokens_chart: Any = None
        self.requests_chart: Any = None

    @staticmethod
    def _figures(cache: Cache, period: Period) -> FirstFigures:
        """The first step: every figure but the leaks' (they take longer), remembered from
        the last start when nothing they read has changed since (then neither pandas nor
        the analysis is imported for them)."""
        from worthit.analysis.remembered_figures import first_figures_of

        return first_figures_of(cache, period)

    compute_first = _figures

    @staticmethod
    def compute(cache: Cache, period: Period) -> LeakSummary:
        """What the open leak findings of the 30 days to the period's end could save,
        remembered from the last start as the first figures are."""
        from worthit.analysis.remembered_figures import leak_summary_of

        return leak_summary_of(cache, period)

    def _money(self, value: float) -> str:
        """``value`` in the currency of the figures on show."""
        return money(value, self.result.currency if self.result else "USD")

    def _ensure_charts(self) -> None:
        if self.spend_chart is not None:
            return
        from worthit.ui.widgets.time_chart import TimeChart

        self.spend_chart = TimeChart(
            lambda v: money_short(v, self.result.currency if self.result else "USD"))
        self.spend_chart.title = "Spend over time"
        self.spend_holder.addWidget(self.spend_chart)
        self.spend_holder.setCurrentWidget(self.spend_chart)
        self.tokens_chart = TimeChart(count_short)
        self.tokens_chart.title = "Tokens over time"
        self.tokens_holder.addWidget(self.tokens_chart)
        self.tokens_holder.setCurrentWidget(self.tokens_chart)

    def changeEvent(self, event: QEvent) -> None:
        # Chart colours (the accent of the requests line) come from the theme when drawn.
        if event.type() == QEvent.Type.PaletteChange:
            for tabs in self.findChildren(QTabBar):  # none yet while constructed
                _style_tabs(tabs)
            if self.result is not None:
                self.show_first(self.result)
            if self._leaks is not None:
                self.show_result(self._leaks)
        super().changeEvent(event)

    def show_result(self, leaks: LeakSummary) -> None:
        """The second step: what the open leak findings could save."""
        self._leaks = leaks
        cur = self.result.currency if self.result else "USD"
        self.leaks.setText(
            f"Leaks: {money(leaks.saving, cur)} per month could be saved ({leaks.count} open "
            "findings). Largest: "
            + "; ".join(f"{title} ({money(saving, cur)})" for title, saving in leaks.largest)
            if leaks.largest else "Leaks: no open finding saves money in the last 30 days.")

    def show_first(self, result: FirstFigures) -> None:
        if self._leaks is None or self.result is None or self.result.period != result.period:
            self.leaks.setText("Leaks: looking for leaks…")  # the second step says
        self.result = result
        cur = result.currency
        self.units.set_units(result.units)
        self.units.setVisible(bool(result.units))
        self._ensure_charts()
        change = result.change_pct
        if not result.previous_complete:
            note = "previous period not fully in the data"
        elif change is None:
            note = "no spend in the period before"
        else:
            note = f"{percent(change, signed=True)} vs previous period"
        self.total.show_figure(
            money(result.total, cur), note,
            None if change is None else ("bad" if change > 0 else "good"))
        from worthit.analysis.commitments import AMORTISATION_NAMED

        moved = result.commitment_amortisation
        self.amortisation.setText(
            f"Amortised (effective) {money(result.total, cur)} · unamortised (billed) "
            f"{money(result.unamortised, cur)} · commitment amortisation "
            f"{'+' if moved >= 0.005 else ''}{money(moved, cur)}")
        self.amortisation.setToolTip(AMORTISATION_NAMED[0].upper() + AMORTISATION_NAMED[1:]
                                     + ".")
        self.movers_title.setText(
            "Top movers against the previous period" if result.previous_complete
            else "Top movers (the previous period is only partly in the data)")
        self.total.setToolTip(
            f"Effective cost (after discounts) from {result.period.label()}.\n"
            f"Previous period {result.previous.label()}: {money(result.previous_total, cur)}."
            + (f"\n{result.conversion}" if result.conversion else ""))
        forecast = result.forecast
        if forecast is not None:
            through = forecast.through
            self.mtd.show_figure(money(forecast.actual, cur),
                                 f"{through:%b} 1 – {through:%b} {through.day}")
            low, high = forecast.low, forecast.high
            self.forecast.show_figure(
                money(forecast.point, cur),
                f"P10–P90 {money_short(low, cur)}–{money_short(high, cur)}"
                if low is not None and high is not None else f"for {through:%B %Y}")
            spread = forecast.range_text(cur)
            self.forecast.setToolTip(
                f"{money(forecast.point, cur)} for {forecast.month_name}"
                + (f" ({spread})" if spread else "")
                + f", as of {through.isoformat()}.\n{forecast.method}")
        else:  # no data at all: nothing to forecast from
            self.mtd.show_figure("–", "no data")
            self.forecast.show_figure("–", "no data")
            self.forecast.setToolTip("")
        self.ai_share.show_figure(percent(result.ai_share), money(result.ai_total, cur))
        totals = result.token_totals
        all_tokens = totals["input"] + totals["cached_input"] + totals["cache_write"] + \
            totals["output"]
        self.tokens.show_figure(count_short(all_tokens),
                                f"{count_short(totals['output'])} of them output")
        self.requests.show_figure(count_short(totals["requests"]), "to AI models")

        spend, tokens = result.spend, result.tokens
        self.spend_title.setText(
            f"Spend over time by provider, per day ({cur})" if spend.granularity == "day"
            else f"Spend over time by provider, daily average by week ({cur})")
        self.spend_chart.show_series(
            list(spend.starts), _arrays(spend.values),
            {k: theme.provider_colour(k) for k in spend.values},
            stacked=True, granularity=spend.granularity)
        colours = dict(zip(tokens.values, theme.SERIES_COLOURS, strict=False))
        self._weekly = tokens.granularity == "week"
        self._requests_drawn = False
        self._show_usage()  # draws the requests chart too, if its tab is chosen
        self.tokens_chart.show_series(list(tokens.starts), _arrays(tokens.values), colours,
                                      stacked=False, granularity=tokens.granularity)
        self._show_movers()

    def _show_usage(self, *_: object) -> None:
        """The tokens or the requests chart, as its tab is chosen, under its title."""
        at = max(self.usage_tabs.currentIndex(), 0)
        if at == 1 and not self._requests_drawn and self.result is not None:
            self._draw_requests(self.result)
        self.usage_stack.setCurrentIndex(at)
        self.usage_title.setText(("Tokens per day", "AI requests per day")[at]
                                 + (", weekly average" if self._weekly else ""))

    def _draw_requests(self, result: FirstFigures) -> None:
        """The requests chart, made and drawn when its tab is first chosen for a result:
        behind the tokens tab, it is no part of the first figures (made with them, it
        cost about 35 ms of the UI thread before they showed)."""
        from worthit.ui.widgets.time_chart import TimeChart

        if self.requests_chart is None:
            self.requests_chart = TimeChart(count_short)
            self.requests_chart.title = "Requests over time"
            self.requests_holder.addWidget(self.requests_chart)
            self.requests_holder.setCurrentWidget(self.requests_chart)
        requests: Chart = result.requests
        self.requests_chart.show_series(
            list(requests.starts), _arrays({"Requests": requests.values["requests"]}),
            {"Requests": theme.colours().accent}, stacked=False,
            granularity=requests.granularity)
        self._requests_drawn = True

    def _show_movers(self, *_: object) -> None:
        """The movers of the dimension whose tab is chosen (each tab counts every charge
        once)."""
        self.movers_dimension = MOVER_DIMENSIONS[max(self.movers_tabs.currentIndex(), 0)]
        if self.result is None:
            return
        self.movers_model.set_records(self.result.movers[self.movers_dimension])


def _arrays(values: dict[str, Sequence[float]]) -> dict[str, Any]:
    """A chart's series as the arrays :class:`TimeChart` draws (numpy comes with it)."""
    import numpy as np

    return {name: np.asarray(v, dtype=float) for name, v in values.items()}

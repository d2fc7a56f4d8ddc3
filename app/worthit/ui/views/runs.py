"""The Agent runs page: cards for the runs, the loops and the costliest run; per agent, the
cost of a run at p50, p95 and max beside a histogram of the chosen agent's runs (its p95
and the loop threshold marked); and the costliest runs with their trace ids, loops in
red, the chosen run's id copyable."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from worthit.core.money import money, money_short
from worthit.core.periods import Period
from worthit.pages.runs import EMPTY, agent_of, days
from worthit.store.cache import Cache
from worthit.ui import theme
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.table_export import section
from worthit.ui.views.page import Page
from worthit.ui.widgets.card import Card
from worthit.ui.widgets.tables import sortable_table

if TYPE_CHECKING:
    import pyqtgraph as pg

#: Bars in an agent's histogram.
BINS = 24
#: A run id longer than this is shown shortened (its whole in the tooltip and the copy).
SHORT = 30


@dataclass
class Runs:
    """What the page draws, as plain records (computed off the UI thread)."""

    currency: str
    factor: float
    agents: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    #: Each agent's run costs, for its histogram.
    costs: dict[str, list[float]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def short_id(run_id: str) -> str:
    """A long trace id (``TRACE/SPAN``) cut to its start and end."""
    return run_id if len(run_id) <= SHORT else f"{run_id[:16]}…{run_id[-10:]}"


def tick_step(top: float) -> float:
    """A round step (1, 2 or 5 × a power of ten) giving three to six ticks up to ``top``."""
    power = 10.0 ** math.floor(math.log10(top / 4))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if top / (m * power) <= 6)


def _share_height(widget: QWidget) -> None:
    policy = widget.sizePolicy()
    policy.setVerticalPolicy(QSizePolicy.Policy.Ignored)
    widget.setSizePolicy(policy)


def _loop_tone(record: dict[str, Any]) -> str | None:
    return theme.colours().bad if record.get("loop") else None


class RunsPage(Page):
    name = "runs"
    title = "Agent runs"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result: Runs | None = None
        self.chart: pg.PlotWidget | None = None
        cards = QGridLayout()
        cards.setSpacing(10)
        self.runs_card = Card("Runs", "Agent runs the request traces name in the period "
                              "(a run is an OpenTelemetry trace, or a run_id).")
        self.cost_card = Card("Cost of the runs", "Allocated from the bill: each day and "
                              "model's bill spread over the traces by list-price value.")
        self.loops_card = Card("Loops", "Runs costing over the loop factor × their agent's "
                               "p95 cost per run: an agent that kept calling the model.")
        self.top_card = Card("Costliest run", "The run that cost the most in the period.")
        for column, card in enumerate((self.runs_card, self.cost_card, self.loops_card,
                                       self.top_card)):
            cards.addWidget(card, 0, column)
        self.body.addLayout(cards)
        self.warnings = QLabel(objectName="Bad")
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings.setWordWrap(True)
        self.warnings.hide()
        self.body.addWidget(self.warnings)

        upper = QHBoxLayout()
        upper.setSpacing(16)
        agents = QVBoxLayout()
        self.agents_model = RecordsModel([
            Column("Agent", "agent"),
            Column("Runs", "runs", lambda v: f"{v:,}", numeric=True),
            Column("p50", "p50", self._money_of, numeric=True),
            Column("p95", "p95", self._money_of, numeric=True),
            Column("Max", "max", self._money_of, numeric=True),
            Column("Loops", "loops", lambda v: f"{v:,}", numeric=True,
                   tone=lambda r: theme.colours().bad if r.get("loops") else None),
        ], self)
        self.agents = sortable_table(self.agents_model, 0, title="Cost per run, per agent",
                                     empty=EMPTY)
        self.agents.setMinimumHeight(120)
        # The upper row and the runs share the height by their stretch, not their hints
        # (the hints gave the runs table four rows at 1440×900).
        _share_height(self.agents)
        self.agents.selectionModel().currentRowChanged.connect(self._chosen_agent)
        agents.addLayout(section("Cost per run, per agent", self.agents))
        agents.addWidget(self.agents, 1)
        upper.addLayout(agents, 1)
        chart = QVBoxLayout()
        self.chart_title = QLabel("Runs by cost", objectName="SectionTitle")
        self.chart_title.setTextFormat(Qt.TextFormat.PlainText)
        chart.addWidget(self.chart_title)
        # Built on the first result, so pyqtgraph stays off the start-up path.
        self.chart_holder = QStackedLayout()
        self.chart_holder.addWidget(QLabel("Choose an agent to see its runs by cost.",
                                           alignment=Qt.AlignmentFlag.AlignCenter))
        chart.addLayout(self.chart_holder, 1)
        self.chart_note = QLabel(" ", objectName="Readout")
        self.chart_note.setTextFormat(Qt.TextFormat.PlainText)
        self.chart_note.setWordWrap(True)
        chart.addWidget(self.chart_note)
        upper.addLayout(chart, 1)
        self.body.addLayout(upper, 4)

        self.runs_model = RecordsModel([
            Column("Run (trace id)", "short", tone=_loop_tone),
            Column("Agent", "agent"),
            Column("Days", "days"),
            Column("Requests", "requests", lambda v: f"{v:,.0f}", numeric=True),
            Column("Cost", "cost", self._money_of, numeric=True, tone=_loop_tone),
            Column("Estimate", "estimate", self._money_of, numeric=True, missing="unpriced"),
            Column("", "loop", lambda v: "loop" if v else "", tone=_loop_tone),
        ], self)
        self.runs = sortable_table(self.runs_model, 0, title="Costliest runs", empty=EMPTY)
        self.runs.setMinimumHeight(160)
        _share_height(self.runs)
        self.runs.selectionModel().currentRowChanged.connect(self._chosen_run)
        heading = section("Costliest runs (loops in red)", self.runs)
        self.copy = QPushButton("Copy trace id")
        self.copy.setToolTip("Copy the chosen run's whole trace id, to find it in your "
                             "tracing tool")
        self.copy.setEnabled(False)
        self.copy.clicked.connect(self.copy_run_id)
        heading.insertWidget(1, self.copy)
        self.body.addLayout(heading)
        self.body.addWidget(self.runs, 5)
        QShortcut(QKeySequence.StandardKey.Copy, self.runs, self.copy_run_id,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.chosen = QLabel(" ", objectName="Readout")
        self.chosen.setTextFormat(Qt.TextFormat.PlainText)
        self.chosen.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chosen.setWordWrap(True)
        self.body.addWidget(self.chosen)

    @staticmethod
    def compute(cache: Cache, period: Period) -> Runs:
        from worthit.pages.figures import Figures
        from worthit.pages.runs import estimate_of, records, result  # off start-up

        figures = Figures(cache, period)
        found = result(figures)
        cur = figures.customers.currency
        out = Runs(cur, found.factor, warnings=list(figures.customers.warnings))
        loops: dict[str, int] = {}
        for r in records(found.runs):
            agent, run_id, cost = agent_of(r["agent"]), str(r["run_id"]), float(r["cost"])
            estimate = estimate_of(r)
            out.runs.append({
                "run_id": run_id, "short": short_id(run_id), "agent": agent,
                "days": days(r["first_day"], r["last_day"]),
                "requests": float(r["requests"]), "cost": cost, "estimate": estimate,
                "loop": bool(r["loop"]),
                "tooltip": f"{run_id}\nAllocated from the bill: {money(cost, cur)}; "
                           "at list price: "
                           + ("unpriced" if estimate is None else money(estimate, cur))})
            out.costs.setdefault(agent, []).append(cost)
            loops[agent] = loops.get(agent, 0) + bool(r["loop"])
        out.agents = [{"agent": agent_of(a["agent"]), "runs": int(a["runs"]),
                       "p50": float(a["p50"]), "p95": float(a["p95"]), "max": float(a["max"]),
                       "loops": loops.get(agent_of(a["agent"]), 0)}
                      for a in records(found.agents)]
        out.agents.sort(key=lambda a: (-a["max"], a["agent"]))
        return out

    def _money_of(self, value: Any) -> str:
        return money(value, self.result.currency if self.result else "USD")

    def show_result(self, result: Runs) -> None:
        self.result = result
        cur = result.currency
        runs = result.runs
        loops = [r for r in runs if r["loop"]]
        total = sum(r["cost"] for r in runs)
        self.runs_card.show_figure(f"{len(runs):,}" if runs else "–",
                                   f"{len(result.agents)} agent"
                                   f"{'s' if len(result.agents) != 1 else ''}" if runs else " ")
        self.cost_card.show_figure(money(total, cur) if runs else "–",
                                   f"{money(total / len(runs), cur)} a run on average"
                                   if runs else " ")
        self.loops_card.show_figure(
            f"{len(loops):,}" if runs else "–",
            f"{money(sum(r['cost'] for r in loops), cur)}; over {result.factor:g}× p95"
            if loops else f"none over {result.factor:g}× its agent's p95" if runs else " ",
            "bad" if loops else None)
        top = runs[0] if runs else None
        self.top_card.show_figure(
            money(top["cost"], cur) if top else "–",
            f"{top['agent']}, {top['days']}{': a loop' if top['loop'] else ''}" if top else " ",
            "bad" if top and top["loop"] else None)
        self.warnings.setText(" ".join(result.warnings))
        self.warnings.setVisible(bool(result.warnings))
        self.runs_model.set_records(runs)
        self.agents_model.set_records(result.agents)
        if result.agents:
            self.agents.selectRow(0)
        else:
            self._show_agent(None)
        if runs:
            self.runs.selectRow(0)
        else:
            self._show_run(None)

    # -- the chosen agent ---------------------------------------------------------------

    def _chosen_agent(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self._show_agent(None)
            return
        source = self.agents.model().mapToSource(current)  # type: ignore[attr-defined]
        self._show_agent(self.agents_model.record(source.row()))

    def _show_agent(self, agent: dict[str, Any] | None) -> None:
        if agent is None or self.result is None:
            self.chart_title.setText("Runs by cost")
            self.chart_note.setText(" ")
            if self.chart is not None:
                self.chart.clear()
            return
        cur = self.result.currency
        self.chart_title.setText(f"Runs by cost: {agent['agent']}")
        costs = self.result.costs.get(agent["agent"], [])
        self._draw(costs, agent["p95"], self.result.factor * agent["p95"], cur)
        self.chart_note.setText(
            f"{agent['runs']:,} runs; p50 {money(agent['p50'], cur)}, p95 "
            f"{money(agent['p95'], cur)}, max {money(agent['max'], cur)}. Over "
            f"{money(self.result.factor * agent['p95'], cur)} is a loop.")

    def _plot(self) -> pg.PlotWidget:
        if self.chart is None:
            import pyqtgraph as pg  # off start-up

            colours = theme.colours()
            self.chart = pg.PlotWidget(background=colours.surface)
            self.chart.setMinimumHeight(150)
            _share_height(self.chart)
            self.chart.setMenuEnabled(False)
            self.chart.setMouseEnabled(x=False, y=False)
            self.chart.hideButtons()
            item = self.chart.getPlotItem()
            item.setLabel("left", "runs")
            item.showGrid(x=False, y=True, alpha=0.25)
            self.chart_holder.addWidget(self.chart)
            self.chart_holder.setCurrentWidget(self.chart)
        return self.chart

    def _draw(self, costs: list[float], p95: float, threshold: float, cur: str) -> None:
        """A histogram of the runs' costs: bars over the loop threshold in red, the p95
        and the threshold as lines."""
        import numpy as np
        import pyqtgraph as pg

        chart = self._plot()
        chart.clear()
        if not costs:
            return
        colours = theme.colours()
        top = max(*costs, threshold) * 1.02 or 1.0
        counts, edges = np.histogram(np.asarray(costs), bins=BINS, range=(0.0, top))
        width = edges[1] - edges[0]
        centres = edges[:-1] + width / 2
        over = edges[:-1] >= threshold
        for mask, colour in ((~over, colours.accent), (over, colours.bad)):
            if mask.any():
                chart.addItem(pg.BarGraphItem(x=centres[mask], height=counts[mask],
                                              width=width * 0.9, brush=colour, pen=None))
        for at, colour, style in ((p95, colours.muted, Qt.PenStyle.DashLine),
                                  (threshold, colours.bad, Qt.PenStyle.DashLine)):
            chart.addItem(pg.InfiniteLine(pos=at, angle=90,
                                          pen=pg.mkPen(colour, width=1, style=style)))
        # A loop is one run: its bar is too low to see beside thousands, so it is marked.
        loops = [c for c in costs if c > threshold]
        if loops:
            chart.addItem(pg.ScatterPlotItem(
                x=loops, y=[float(counts.max()) * 0.06] * len(loops), symbol="t", size=11,
                brush=colours.bad, pen=None))
        axis = chart.getPlotItem().getAxis("bottom")
        step = tick_step(top)
        ticks = np.arange(0.0, top, step)
        axis.setTicks([[(float(t), money_short(float(t), cur)) for t in ticks]])
        chart.getPlotItem().setXRange(0.0, top, padding=0.02)
        chart.getPlotItem().setYRange(0.0, float(max(counts.max(), 1)), padding=0.05)

    def chart_widget(self) -> QWidget | None:
        return self.chart

    # -- the chosen run -----------------------------------------------------------------

    def _chosen_run(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self._show_run(None)
            return
        source = self.runs.model().mapToSource(current)  # type: ignore[attr-defined]
        self._show_run(self.runs_model.record(source.row()))

    def _show_run(self, run: dict[str, Any] | None) -> None:
        self.copy.setEnabled(run is not None)
        if run is None:
            self.chosen.setText(" ")
            return
        loop = " It is flagged as a loop." if run["loop"] else ""
        self.chosen.setText(f"Trace id: {run['run_id']} ({run['agent']}, {run['days']}).{loop}")

    def chosen_run_id(self) -> str | None:
        """The chosen run's whole id, None when none is chosen."""
        current = self.runs.currentIndex()
        if not current.isValid():
            return None
        source = self.runs.model().mapToSource(current)  # type: ignore[attr-defined]
        return str(self.runs_model.record(source.row())["run_id"])

    def copy_run_id(self) -> None:
        """Put the chosen run's whole trace id on the clipboard."""
        run_id = self.chosen_run_id()
        if run_id is not None:
            QGuiApplication.clipboard().setText(run_id)

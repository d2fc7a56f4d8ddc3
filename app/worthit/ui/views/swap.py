"""The Model swap page: a feature's AI usage by model, ranked suggestions, and a scenario
editor whose sliders update the saving, the before/after chart and the unit cost live.

The usage and the rates are gathered on a worker (:func:`swap_data`); applying a scenario
to them is a few milliseconds of arithmetic, so it runs as the slider moves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from worthit.core.errors import UserError
from worthit.core.money import count_short, money, percent, unit_money
from worthit.core.periods import Period
from worthit.core.scenarios import TTLS, Lever, ModelRef, Scenario
from worthit.store.cache import Cache
from worthit.ui import table_export, theme
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.table_export import section
from worthit.ui.views.page import Page
from worthit.ui.widgets.tables import sortable_table, wrap_rows

if TYPE_CHECKING:
    from worthit.analysis.model_swap import Outcome, Suggestion, SwapData

ALL = "All AI spend"


def _money_or_unpriced(value: Any, currency: str = "USD") -> str:
    return "unpriced" if value is None else money(value, currency)


def _label(model: ModelRef) -> str:
    return f"{model[1]} ({model[0]})"


class LeverRow(QWidget):
    """One lever: which model, how much, and (route) to which model or (cache) how long."""

    changed = Signal()
    removed = Signal(object)

    def __init__(self, kind: str, models: list[ModelRef], targets: list[ModelRef],
                 lever: Lever | None = None,
                 smaller: dict[ModelRef, list[ModelRef]] | None = None) -> None:
        super().__init__()
        self.kind = kind
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        verb = {"route": "Route", "cache": "Cache", "batch": "Batch"}[kind]
        layout.addWidget(QLabel(verb))
        self.model = QComboBox()
        for model in models:
            self.model.addItem(_label(model), model)
        layout.addWidget(self.model, 2)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setMinimumWidth(70)
        self.percent = QDoubleSpinBox()
        self.percent.setRange(0, 100)
        self.percent.setDecimals(0)
        self.percent.setSuffix(" %")
        layout.addWidget(self.slider, 2)
        layout.addWidget(self.percent)
        layout.addWidget(QLabel({"route": "of its traffic to", "cache": "of uncached input",
                                 "batch": "of its traffic"}[kind]))
        self.to = QComboBox()
        self.ttl = QComboBox()
        if kind == "route":
            for model in targets:
                self.to.addItem(_label(model), model)
            layout.addWidget(self.to, 2)
        if kind == "cache":
            for ttl in TTLS:
                self.ttl.addItem(f"{ttl} cache", ttl)
            layout.addWidget(self.ttl)
        for combo in (self.model, self.to, self.ttl):
            # Long model ids must not widen the window: show ~12 characters, elide the rest.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: self.removed.emit(self))
        layout.addWidget(remove)
        if lever is not None:
            self._select(self.model, lever.model)
            if lever.to is not None:
                self._select(self.to, lever.to)
            self.ttl.setCurrentIndex(max(0, self.ttl.findData(lever.ttl)))
            self.reads_per_write = lever.reads_per_write
        else:
            self.reads_per_write = 10.0
            # A new route starts at the model's next smaller tier, where there is one.
            tiers = (smaller or {}).get(self.model.currentData(), [])
            if tiers:
                self._select(self.to, tiers[0])
        share = 50 if lever is None else round(lever.share * 100)
        self.slider.setValue(share)
        self.percent.setValue(share)
        self.slider.valueChanged.connect(self._slid)
        self.percent.valueChanged.connect(self._typed)
        for combo in (self.model, self.to, self.ttl):
            combo.currentIndexChanged.connect(self.changed)

    @staticmethod
    def _select(combo: QComboBox, model: object) -> None:
        for index in range(combo.count()):
            if combo.itemData(index) == model:
                combo.setCurrentIndex(index)
                return

    def _slid(self, value: int) -> None:
        self.percent.blockSignals(True)
        self.percent.setValue(value)
        self.percent.blockSignals(False)
        self.changed.emit()

    def _typed(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(value))
        self.slider.blockSignals(False)
        self.changed.emit()

    def lever(self) -> Lever | None:
        model = self.model.currentData()
        if model is None:
            return None
        share = self.percent.value() / 100.0
        if self.kind == "route":
            to = self.to.currentData()
            return None if to is None or to == model else Lever("route", model, share, to=to)
        if self.kind == "cache":
            return Lever("cache", model, share, ttl=self.ttl.currentData() or "5m",
                         reads_per_write=self.reads_per_write)
        return Lever("batch", model, share)


class SwapPage(Page):
    name = "swap"
    title = "Model swap"

    def chart_widget(self) -> QWidget | None:
        return getattr(self, "chart", None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data: SwapData | None = None
        self.saved: list[Scenario] = []
        self.suggested: list[Suggestion] = []
        self.outcome: Outcome | None = None
        self.rows: list[LeverRow] = []
        self.feature: str | None = None
        self._first = True

        top = QHBoxLayout()
        top.addWidget(QLabel("Feature"))
        self.features = QComboBox()
        self.features.setMinimumWidth(220)
        self.features.currentIndexChanged.connect(self._feature_chosen)
        top.addWidget(self.features)
        self.note = QLabel("Prices are list prices (or your rates) as of each usage day; "
                           "quality is not measured here.", objectName="Readout")
        top.addWidget(self.note, 1)
        self.catalog_button = QPushButton("Price catalog…")
        self.catalog_button.clicked.connect(self.open_catalog)
        top.addWidget(self.catalog_button)
        self.body.addLayout(top)
        self.warning = QLabel(objectName="Bad")
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.body.addWidget(self.warning)

        upper = QHBoxLayout()
        usage_box = QVBoxLayout()
        self.usage_model = RecordsModel([
            Column("Model", "label"),
            Column("Requests", "requests", count_short, numeric=True),
            Column("Input", "input", count_short, numeric=True),
            Column("Cached in", "cached_input", count_short, numeric=True),
            Column("Output", "output", count_short, numeric=True),
            Column("Cost", "priced", self._money, numeric=True, missing="unpriced"),
            Column("Per request", "per_request", lambda v: unit_money(v, self.currency),
                   numeric=True, missing="unpriced"),
        ], self)
        self.usage = sortable_table(self.usage_model, 6,  # the model names keep their width
                                    title="Usage by model", filters=self._export_filters)
        self.usage.setMinimumHeight(170)
        self.usage.setWordWrap(False)
        usage_box.addLayout(section("Usage by model", self.usage))
        usage_box.addWidget(self.usage)
        upper.addLayout(usage_box, 3)
        suggestions_box = QVBoxLayout()
        self.suggestions_model = RecordsModel([
            Column("Per month", "monthly_saving", self._money, numeric=True),
            Column("Suggestion", "title"),
            Column("Evidence", "evidence", lambda v: "in the usage" if v else "worth testing"),
        ], self)
        self.suggestions = sortable_table(self.suggestions_model, 1, title="Suggestions",
                                          filters=self._export_filters)
        self.suggestions.setMinimumHeight(170)
        wrap_rows(self.suggestions)  # a suggestion is read whole, on more lines if need be
        self.suggestions.doubleClicked.connect(self._suggestion_chosen)
        suggestions_box.addLayout(section("Suggestions (double-click to try)",
                                          self.suggestions))
        suggestions_box.addWidget(self.suggestions)
        upper.addLayout(suggestions_box, 2)
        self.body.addLayout(upper, 3)

        middle = QHBoxLayout()
        editor = QGroupBox("Scenario")
        editor_layout = QVBoxLayout(editor)
        name_row = QHBoxLayout()
        name_row.addWidget(QLabel("Name"))
        self.name = QLineEdit("Untitled scenario")
        name_row.addWidget(self.name, 1)
        self.save_button = QPushButton("Save scenario")
        self.save_button.clicked.connect(self.save_scenario)
        name_row.addWidget(self.save_button)
        editor_layout.addLayout(name_row)
        self.saving = QLabel(" ", objectName="CardValue")
        self.saving.setTextFormat(Qt.TextFormat.PlainText)
        editor_layout.addWidget(self.saving)
        self.detail = QLabel(" ", objectName="CardNote")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(True)
        editor_layout.addWidget(self.detail)
        self.levers = QVBoxLayout()
        editor_layout.addLayout(self.levers)
        buttons = QHBoxLayout()
        for kind, text in (("route", "Add route"), ("cache", "Add caching"),
                           ("batch", "Add batch")):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=kind: self.add_lever(k))
            buttons.addWidget(button)
        buttons.addStretch(1)
        editor_layout.addLayout(buttons)
        editor_layout.addStretch(1)
        middle.addWidget(editor, 3)
        chart_box = QVBoxLayout()
        self.chart_title = QLabel("Cost per day, before and after (list prices)",
                                  objectName="SectionTitle")
        chart_box.addWidget(self.chart_title)
        self.chart_holder = QStackedLayout()
        self.chart_holder.addWidget(QLabel("Loading…", alignment=Qt.AlignmentFlag.AlignCenter))
        holder = QWidget()
        holder.setLayout(self.chart_holder)
        chart_box.addWidget(holder, 1)
        middle.addLayout(chart_box, 2)
        self.body.addLayout(middle, 4)

        saved_box = QVBoxLayout()
        saved_head = QHBoxLayout()
        saved_head.addWidget(QLabel("Saved scenarios, side by side", objectName="SectionTitle"))
        saved_head.addStretch(1)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button = QPushButton("Export")
        self.export_button.setToolTip("Save the saved scenarios as a table (CSV or Excel), "
                                      "or as JSON")
        saved_head.addWidget(self.delete_button)
        saved_head.addWidget(self.export_button)
        saved_box.addLayout(saved_head)
        self.saved_model = RecordsModel([
            Column("Scenario", "name"), Column("Feature", "feature"),
            Column("Before / month", "before", self._money, numeric=True),
            Column("After / month", "after", self._money, numeric=True),
            Column("Saving / month", "saving", self._money, numeric=True),
            Column("Saving", "saving_pct", percent, numeric=True),
            Column("Levers", "levers"),
        ], self)
        self.saved_table = sortable_table(
            self.saved_model, 6, title="Saved scenarios",
            empty="No saved scenarios yet. Build one in Scenario above (double-click a "
                  "suggestion, or add a route, caching or batch), name it and press Save "
                  "scenario: saved ones are compared here side by side, a month before and "
                  "after each.")
        export_menu = table_export.menu(self.saved_table, self.export_button)
        export_menu.addSeparator()
        export_menu.addAction("Export scenarios as JSON…", self._export_clicked)
        self.export_button.setMenu(export_menu)
        self.saved_table.setMinimumHeight(110)
        self.saved_table.doubleClicked.connect(self._saved_chosen)
        saved_box.addWidget(self.saved_table)
        self.body.addLayout(saved_box, 2)
        self.chart: Any = None

    @staticmethod
    def compute(cache: Cache, period: Period) -> tuple[SwapData, list[Suggestion],
                                                       list[Scenario]]:
        from worthit.analysis.model_swap import suggestions, swap_data
        from worthit.store.swap import load_scenarios

        data = swap_data(cache, period)
        return data, suggestions(data), load_scenarios(cache)

    # -- showing ------------------------------------------------------------------------

    @property
    def currency(self) -> str:
        """The currency of the figures on show (the display currency they were made in)."""
        return self.data.currency if self.data is not None else "USD"

    def _money(self, value: float) -> str:
        return money(value, self.currency)

    def show_result(self, result: tuple[SwapData, list[Suggestion], list[Scenario]]) -> None:
        self.data, self.suggested, self.saved = result
        current = self.feature
        self.features.blockSignals(True)
        self.features.clear()
        self.features.addItem(ALL, None)
        for feature in self.data.features:
            self.features.addItem(feature, feature)
        index = self.features.findData(current)
        self.features.setCurrentIndex(max(0, index))
        self.features.blockSignals(False)
        self.feature = self.features.currentData()
        levers = self.scenario().levers
        if not levers and self._first and self.suggested:
            # First visit: open on the largest suggestion the usage backs (a routing share
            # is a guess until tested) rather than an empty page.
            self._first = False
            self.load_scenario(next((s for s in self.suggested if s.evidence),
                                    self.suggested[0]).scenario)
            return
        self._first = False
        self._set_levers(levers)
        self._show_static()
        self.recompute()

    def _feature_chosen(self) -> None:
        self.feature = self.features.currentData()
        self.name.setText("Untitled scenario")
        self._set_levers(())
        self._show_static()
        self.recompute()

    def _show_static(self) -> None:
        """Usage, suggestions and saved scenarios: what does not move with the sliders."""
        from worthit.analysis.model_swap import simulate

        data = self.data
        if data is None:
            return
        rows = data.rows(self.feature)
        base = simulate(data, Scenario("now", self.feature))
        priced = {(r.provider, r.model): r.before for r in base.by_model.itertuples()}
        records = []
        for (provider, model), group in rows.groupby(["provider", "model"]):
            requests = float(group["requests"].sum())
            cost = None if (provider, model) in base.unpriced else priced.get((provider, model))
            records.append({
                "label": _label((provider, model)), "requests": requests,
                "input": float(group["input"].sum()),
                "cached_input": float(group["cached_input"].sum()),
                "cache_write": float(group["cache_write"].sum()),
                "output": float(group["output"].sum()), "billed": float(group["billed"].sum()),
                "priced": cost,
                "tooltip": f"Billed {self._money(float(group['billed'].sum()))}; at list "
                           "prices " + _money_or_unpriced(cost, self.currency)
                           + (f". {data.price_note}" if data.price_note else ""),
                "per_request": None if cost is None or not requests else cost / requests,
            })
        records.sort(key=lambda r: -(r["billed"] or 0.0))
        self.usage_model.set_records(records)
        shown = [s for s in self.suggested if self.feature in (None, s.scenario.feature)]
        self.suggestions_model.set_records([
            {"monthly_saving": s.monthly_saving, "title": s.title, "evidence": s.evidence,
             "suggestion": s, "tooltip": s.assumption} for s in shown])
        self.warning.setVisible(bool(base.unpriced))
        self.warning.setText(" ".join(w for w in base.warnings))
        self._show_saved()

    def _show_saved(self) -> None:
        from worthit.analysis.model_swap import MONTH_DAYS, simulate

        data = self.data
        if data is None:
            return
        records = []
        for scenario in self.saved:
            outcome = simulate(data, scenario)
            scale = MONTH_DAYS / max(outcome.days, 1)
            records.append({
                "name": scenario.name, "feature": scenario.feature or ALL,
                "before": outcome.before * scale, "after": outcome.after * scale,
                "saving": outcome.monthly_saving, "saving_pct": outcome.saving_pct,
                "levers": "; ".join(lever.describe() for lever in scenario.levers) or "none"})
        self.saved_model.set_records(records)

    def changeEvent(self, event: QEvent) -> None:
        # The before/after lines take the theme's colours when drawn: redraw.
        if event.type() == QEvent.Type.PaletteChange and self.data is not None:
            self.recompute()
        super().changeEvent(event)

    def _export_filters(self) -> dict[str, str]:
        """What the usage and the suggestions are narrowed to, for their exports."""
        return {"feature": self.features.currentText() or ALL}

    # -- the scenario ---------------------------------------------------------------------

    def scenario(self) -> Scenario:
        levers = tuple(lever for row in self.rows if (lever := row.lever()) is not None)
        return Scenario(self.name.text().strip() or "Untitled scenario", self.feature, levers)

    def _set_levers(self, levers: tuple[Lever, ...]) -> None:
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for lever in levers:
            self.add_lever(lever.kind, lever, quiet=True)

    def add_lever(self, kind: str, lever: Lever | None = None, *, quiet: bool = False
                  ) -> LeverRow | None:
        if self.data is None:
            return None
        models = self.data.models(self.feature)
        if not models:
            return None
        row = LeverRow(kind, models, self.data.choices(), lever, self.data.smaller)
        row.changed.connect(self.recompute)
        row.removed.connect(self._remove_lever)
        self.levers.addWidget(row)
        self.rows.append(row)
        if not quiet:
            self.recompute()
        return row

    def _remove_lever(self, row: LeverRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self.recompute()

    def recompute(self) -> None:
        """Apply the scenario and show the saving, the chart and the unit cost effect."""
        from worthit.analysis.model_swap import simulate, unit_effects

        if self.data is None:
            return
        outcome = self.outcome = simulate(self.data, self.scenario())
        cur = self.data.currency
        if outcome.before == 0:
            self.saving.setText("No priced AI usage here in this period.")
            self.detail.setText(" ")
        else:
            self.saving.setText(f"Saves {money(outcome.monthly_saving, cur)} per month "
                                f"({percent(outcome.saving_pct)})")
            lines = [f"{money(outcome.before, cur)} → {money(outcome.after, cur)} over "
                     f"{self.data.period.label()} at list prices (billed "
                     f"{money(outcome.billed, cur)})."]
            if self.data.price_note:
                lines.append(self.data.price_note)
            for e, after in unit_effects(self.data, outcome):
                lines.append(f"Cost per {e.unit.name.lower()}: "
                             f"{unit_money(e.unit_cost or 0.0, cur)} → "
                             f"{unit_money(after, cur)}"
                             + ("" if e.unit.target_cost is None else
                                f" (target {unit_money(e.unit.target_cost, cur)})"))
            extra = [w for w in outcome.warnings if not w.startswith("No price for")]
            self.detail.setText("\n".join(lines + extra))
        self._ensure_chart()
        c = theme.colours()
        daily = outcome.daily
        self.chart.show_series(
            list(daily["day"]), {"Before": daily["before"].to_numpy(dtype=float),
                                 "After": daily["after"].to_numpy(dtype=float)},
            {"Before": c.muted, "After": c.accent}, stacked=False)

    def _ensure_chart(self) -> None:
        if self.chart is not None:
            return
        from worthit.ui.widgets.time_chart import TimeChart

        self.chart = TimeChart(self._money)
        self.chart.title = "Model swap before and after"
        self.chart_holder.addWidget(self.chart)
        self.chart_holder.setCurrentWidget(self.chart)

    def load_scenario(self, scenario: Scenario) -> None:
        index = self.features.findData(scenario.feature)
        self.features.blockSignals(True)
        self.features.setCurrentIndex(max(0, index))
        self.features.blockSignals(False)
        self.feature = self.features.currentData()
        self.name.setText(scenario.name)
        self._set_levers(scenario.levers)
        self._show_static()
        self.recompute()

    def _suggestion_chosen(self, index: Any) -> None:
        proxy = self.suggestions.model()
        source = proxy.mapToSource(index)  # type: ignore[attr-defined]
        self.load_scenario(self.suggestions_model.record(source.row())["suggestion"].scenario)

    def _saved_chosen(self, index: Any) -> None:
        proxy = self.saved_table.model()
        row = proxy.mapToSource(index).row()  # type: ignore[attr-defined]
        name = self.saved_model.record(row)["name"]
        self.load_scenario(next(s for s in self.saved if s.name == name))

    # -- saving -------------------------------------------------------------------------

    def save_scenario(self) -> None:
        from worthit.store.swap import load_scenarios, save_scenario

        scenario = self.scenario()
        self.write(lambda cache: (save_scenario(cache, scenario), load_scenarios(cache))[1],
                   then=self._saved_now)

    def delete_selected(self) -> None:
        from worthit.store.swap import delete_scenarios, load_scenarios

        proxy = self.saved_table.model()
        rows = {proxy.mapToSource(i).row()  # type: ignore[attr-defined]
                for i in self.saved_table.selectionModel().selectedRows()}
        names = [self.saved_model.record(r)["name"] for r in rows]
        if not names:
            return
        self.write(lambda cache: (delete_scenarios(cache, names), load_scenarios(cache))[1],
                   then=self._saved_now)

    def _saved_now(self, saved: list[Scenario]) -> None:
        """The saved scenarios as the writer read them back."""
        self.saved = saved
        self._show_saved()

    def export_scenarios(self, path: Path) -> None:
        """The saved scenarios and their figures, as JSON."""
        from worthit.analysis.model_swap import simulate

        if self.data is None:
            return
        out = []
        for scenario in self.saved:
            outcome = simulate(self.data, scenario)
            out.append({**scenario.to_json(), "period": {
                "from": self.data.period.start.isoformat(),
                "to": self.data.period.end.isoformat()},
                "before": round(outcome.before, 2), "after": round(outcome.after, 2),
                "monthly_saving": round(outcome.monthly_saving, 2)})
        try:
            path.write_text(json.dumps({"scenarios": out}, indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot write {path}: {error.strerror or error}") from error

    def _export_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export scenarios", "scenarios.json",
                                              "JSON (*.json)")
        if name:
            try:
                self.export_scenarios(Path(name))
            except UserError as error:
                self.warning.setText(str(error))
                self.warning.show()

    def open_catalog(self) -> QWidget | None:
        if self.data is None:
            return None
        from worthit.ui.views.price_catalog import PriceCatalogDialog

        dialog = PriceCatalogDialog(self.workspace, self.data, self)
        return self.show_dialog(dialog, dialog.changed)


"""The Keys & users page: cards for the AI bill of the providers whose usage names API
keys, what the keys take of it and what is not attributed; a table per API key (its
name and project), per project and per user, one at a time under tabs, each with the
Not attributed row, so each table adds up to the bill; and what that bill is and how
finely it was tied."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTabBar,
    QTableView,
)

from worthit.core.money import money, percent
from worthit.core.periods import Period
from worthit.pages.keys import EMPTY, NO_USERS, NONE
from worthit.store.cache import Cache
from worthit.ui import theme
from worthit.ui.models.records import Column, RecordsModel
from worthit.ui.table_export import export_button
from worthit.ui.views.page import Page
from worthit.ui.widgets.card import Card
from worthit.ui.widgets.tables import empty_note, sortable_table

#: The tabs: (column, tab title, section title).
TABS = (("api_key", "Keys", "Cost per API key"),
        ("project", "Projects", "Cost per project or workspace"),
        ("user", "Users", "Cost per user"))
NOT_ATTRIBUTED = "Not attributed"


@dataclass
class KeysResult:
    """What the page draws, as plain records (computed off the UI thread)."""

    currency: str
    providers: tuple[str, ...]
    billed: float
    not_attributed: float
    #: column (api_key, project, user) -> records (:meth:`worthit.pages.keys.Keys.records`)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    has_users: bool = False
    providers_note: str = ""
    attributed_note: str = ""
    warnings: list[str] = field(default_factory=list)


def _percent(value: Any) -> str:
    return percent(value, digits=1)


def _rest_tone(record: dict[str, Any]) -> str | None:
    return theme.colours().muted if record.get("rest") else None


class KeysPage(Page):
    name = "keys"
    title = "Keys & users"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result: KeysResult | None = None
        cards = QGridLayout()
        cards.setSpacing(10)
        self.billed_card = Card("AI bill with keys", "The period's bill of the providers "
                                "whose usage names API keys (OpenAI, Anthropic).")
        self.keys_card = Card("Attributed to keys", "Allocated from the bill: each day and "
                              "model's cost spread over the keys' tokens by list-price "
                              "value, per key or project where the bill names them.")
        self.rest_card = Card(NOT_ATTRIBUTED, "Cost no key's usage carries: charges that "
                              "name no model (storage, tools), models with cost but no "
                              "tokens, and unpriced models.")
        self.top_card = Card("Costliest key", "The API key that cost the most in the period.")
        for at, card in enumerate((self.billed_card, self.keys_card, self.rest_card,
                                   self.top_card)):
            cards.addWidget(card, 0, at)
        self.body.addLayout(cards)
        self.warnings = QLabel(objectName="Bad")
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings.setWordWrap(True)
        self.warnings.hide()
        self.body.addWidget(self.warnings)

        self.models: dict[str, RecordsModel] = {}
        self.tables: dict[str, QTableView] = {}
        self.stack = QStackedWidget()
        self.exports = QStackedWidget()
        for column, _tab, title in TABS:
            model = RecordsModel(self._columns(column), self)
            empty = NO_USERS if column == "user" else EMPTY
            view = sortable_table(model, 1, title=title, empty=empty, pinned=True)
            view.setMinimumHeight(160)
            self.models[column], self.tables[column] = model, view
            self.stack.addWidget(view)
            self.exports.addWidget(export_button(view))
        self.section_title = QLabel(TABS[0][2], objectName="SectionTitle")
        self.tabs = QTabBar()
        self.tabs.setDocumentMode(True)
        self.tabs.setExpanding(False)
        self.tabs.setDrawBase(False)
        for _column, tab, title in TABS:
            self.tabs.addTab(tab)
            self.tabs.setTabToolTip(self.tabs.count() - 1, title)
        self.tabs.currentChanged.connect(self._show_tab)
        heading = QHBoxLayout()
        heading.setContentsMargins(0, 0, 0, 0)
        heading.addWidget(self.section_title, 1)
        heading.addWidget(self.tabs)
        heading.addWidget(self.exports)
        self.body.addLayout(heading)
        self.body.addWidget(self.stack, 1)
        self.note = QLabel(" ", objectName="Readout")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.body.addWidget(self.note)

    def _columns(self, column: str) -> list[Column]:
        label = {"api_key": "API key", "project": "Project", "user": "User"}[column]
        columns = [Column("Provider", "provider"), Column(label, "label", tone=_rest_tone),
                   Column("Name", "name")]
        if column != "project":
            columns.append(Column("Project", "project_label"))
        return [*columns,
                Column("Cost", "cost", self._money_of, numeric=True),
                Column("Share", "share", _percent, numeric=True, missing="–"),
                Column("Estimate", "estimate", self._money_of, numeric=True, missing="–"),
                Column("Requests", "requests", lambda v: f"{v:,.0f}", numeric=True)]

    def _show_tab(self, at: int) -> None:
        self.stack.setCurrentIndex(at)
        self.exports.setCurrentIndex(at)
        self.section_title.setText(TABS[at][2])

    def show_tab(self, column: str) -> None:
        """Show the table of ``column`` (api_key, project or user)."""
        self.tabs.setCurrentIndex([c for c, _t, _s in TABS].index(column))

    def choose(self, key: str) -> None:
        """Show the Keys tab with the API key ``key`` selected (a spike alert's focus); a
        key not in the period leaves the selection as it is."""
        self.show_tab("api_key")
        view, model = self.tables["api_key"], self.models["api_key"]
        proxy = view.model()
        for row in range(model.rowCount()):
            if model.record(row).get("id") == key:
                view.selectRow(proxy.mapFromSource(  # type: ignore[attr-defined]
                    model.index(row, 0)).row())
                return

    @staticmethod
    def compute(cache: Cache, period: Period) -> KeysResult:
        from worthit.pages.figures import Figures
        from worthit.pages.keys import attributed_note, providers_note, result  # pandas

        keys = result(Figures(cache, period))
        found = keys.found
        return KeysResult(
            found.currency, found.providers, found.billed, found.not_attributed,
            {column: keys.records(column) for column, _tab, _title in TABS},
            found.has_users, providers_note(found), attributed_note(found),
            list(found.costs.warnings))

    def _money_of(self, value: Any) -> str:
        return money(value, self.result.currency if self.result else "USD")

    def show_result(self, result: KeysResult) -> None:
        self.result = result
        cur = result.currency
        shown = bool(result.providers)
        attributed = result.billed - result.not_attributed
        self.billed_card.show_figure(money(result.billed, cur) if shown else "–",
                                     ", ".join(result.providers) if shown else " ")
        self.keys_card.show_figure(
            money(attributed, cur) if shown else "–",
            f"{percent(attributed / result.billed, digits=0)} of the bill"
            if shown and result.billed else " ")
        self.rest_card.show_figure(
            money(result.not_attributed, cur) if shown else "–",
            f"{percent(result.not_attributed / result.billed, digits=0)} of the bill"
            if shown and result.billed else " ")
        keys = [r for r in result.records.get("api_key", []) if r["id"]]
        top = keys[0] if keys else None
        self.top_card.show_figure(
            money(top["cost"], cur) if top else "–",
            f"{top['name'] or top['label']} ({top['provider']})" if top else " ")
        for column, _tab, _title in TABS:
            records = [self._record(r, column) for r in result.records.get(column, [])]
            if records and shown:
                records.append(self._rest(result))
            if column == "user" and not result.has_users:
                records = []
            self.models[column].set_records(records)
            note = empty_note(self.tables[column])
            if note is not None:
                note.setText(EMPTY if not shown else NO_USERS if column == "user" else EMPTY)
        self.warnings.setText(" ".join(result.warnings))
        self.warnings.setVisible(bool(result.warnings))
        self.note.setText(" ".join(t for t in (result.providers_note,
                                               result.attributed_note) if t) or " ")

    @staticmethod
    def _record(record: dict[str, Any], column: str) -> dict[str, Any]:
        project = record["project_name"] or record["project"] or NONE["project"]
        tip = [f"{record['provider']} {record['label']}"]
        if record["name"]:
            tip.append(f"Named {record['name']}")
        if column != "project":
            tip.append(f"Project: {record['project'] or NONE['project']}"
                       + (f" ({record['project_name']})" if record["project_name"] else ""))
        tip.append("Cost allocated from the bill; estimate at list price")
        return {**record, "project_label": project, "tooltip": "\n".join(tip)}

    @staticmethod
    def _rest(result: KeysResult) -> dict[str, Any]:
        return {"provider": "", "label": NOT_ATTRIBUTED, "name": "", "project_label": "",
                "cost": result.not_attributed,
                "share": result.not_attributed / result.billed if result.billed else None,
                "estimate": None, "requests": None, "rest": True, "pinned": True,
                "tooltip": result.attributed_note or NOT_ATTRIBUTED}

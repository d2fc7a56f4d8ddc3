"""The rules editor: an ordered list of allocation rules, a form for the selected one, and
a live preview of what the draft moves before anything is saved.

The form writes plain rule mappings and checks them with the same code that reads rule
files (:mod:`worthit.core.rules`), so the editor cannot save a rule a file could not hold.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from worthit.analysis.allocation import Allocation, Preview, allocate, preview
from worthit.analysis.charge_index import charge_index
from worthit.core.errors import UserError
from worthit.core.money import money
from worthit.core.rules import (
    CONDITION_LABELS,
    SPLIT_METHODS,
    UNALLOCATED,
    Rule,
    read_rules_file,
    rules_from_json,
    write_rules_file,
)
from worthit.store.rules import save_rules
from worthit.ui import workers, writes
from worthit.ui.models.records import Column, RecordsModel
from worthit.workspace import Workspace

KIND_LABELS: Final = {
    "assign": "Assign to a team and feature",
    "split": "Split a shared cost across teams",
    "pool": "Mark as a shared pool, not split yet",
}
RuleData = dict[str, Any]


def _values(text: str) -> str | list[str]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    return parts[0] if len(parts) == 1 else parts if parts else ""


def _text(value: object) -> str:
    return ", ".join(value) if isinstance(value, list) else "" if value is None else str(value)


def _signed_money(value: float, currency: str = "USD") -> str:
    return ("+" if value > 0 else "") + money(value, currency)


class _PickEdit(QWidget):
    """A team or feature: a name, or read from a tag."""

    changed = Signal()

    def __init__(self, names: list[str], optional: bool) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.source = QComboBox()
        self.source.addItem("Named", "value")
        self.source.addItem("From tag", "tag")
        if optional:
            self.source.addItem("None", "none")
        self.text = QLineEdit()
        self.names = names
        self.text.setCompleter(QCompleter(names, self))
        layout.addWidget(self.source)
        layout.addWidget(self.text, 1)
        self.source.currentIndexChanged.connect(self._source_changed)
        self.text.textEdited.connect(self.changed)

    def _source_changed(self) -> None:
        mode = self.source.currentData()
        self.text.setEnabled(mode != "none")
        self.text.setPlaceholderText({"value": "name", "tag": "tag key, e.g. team",
                                      "none": ""}[mode])
        self.changed.emit()

    def value(self) -> object:
        mode = self.source.currentData()
        if mode == "none":
            return None
        text = self.text.text().strip()
        return {"tag": text} if mode == "tag" else text

    def set_value(self, value: object) -> None:
        if isinstance(value, dict):
            self.source.setCurrentIndex(self.source.findData("tag"))
            self.text.setText(str(value.get("tag", "")))
        elif value is None and self.source.findData("none") >= 0:
            self.source.setCurrentIndex(self.source.findData("none"))
            self.text.clear()
        else:
            self.source.setCurrentIndex(0)
            self.text.setText("" if value is None else str(value))
        self._source_changed()


class RuleForm(QWidget):
    """Edits one rule mapping; ``changed`` fires on every edit."""

    changed = Signal()

    def __init__(self, teams: list[str], features: list[str]) -> None:
        super().__init__()
        self._filling = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QFormLayout()
        self.name = QLineEdit()
        self.kind = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind)
        top.addRow("Name", self.name)
        top.addRow("Does", self.kind)
        layout.addLayout(top)

        box = QGroupBox("When a charge matches all of")
        box_layout = QVBoxLayout(box)
        self.conditions = QTableWidget(0, 3)
        self.conditions.setHorizontalHeaderLabels(["Condition", "Tag key", "Value(s)"])
        self.conditions.verticalHeader().hide()
        header = self.conditions.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.conditions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        box_layout.addWidget(self.conditions)
        hint = QLabel("No condition matches every charge. Values are comma-separated; "
                      "* and ? are wildcards; case does not matter. Customer and agent "
                      "match request traces (who owns a customer's or a run's cost), "
                      "never a charge.", objectName="Readout")
        hint.setWordWrap(True)
        box_layout.addWidget(hint)
        buttons = QHBoxLayout()
        self.add_condition_button = QPushButton("Add condition")
        self.add_condition_button.clicked.connect(self.add_condition)
        remove = QPushButton("Remove condition")
        remove.clicked.connect(self._remove_condition)
        buttons.addWidget(self.add_condition_button)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        box_layout.addLayout(buttons)
        layout.addWidget(box, 1)

        self.assign_box = QGroupBox("Send it to")
        assign = QFormLayout(self.assign_box)
        self.team = _PickEdit(teams, optional=False)
        self.feature = _PickEdit(features, optional=True)
        assign.addRow("Team", self.team)
        assign.addRow("Feature", self.feature)
        layout.addWidget(self.assign_box)

        self.split_box = QGroupBox("Split it")
        split = QVBoxLayout(self.split_box)
        self.method = QComboBox()
        for method, label in SPLIT_METHODS.items():
            self.method.addItem(label.capitalize(), method)
        split.addWidget(self.method)
        self.targets = QTableWidget(0, 3)
        self.targets.setHorizontalHeaderLabels(["Team", "Feature (optional)", "Percent"])
        self.targets.verticalHeader().hide()
        self.targets.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        split.addWidget(self.targets)
        targets_hint = QLabel("No targets: every team with direct spend, in proportion to "
                              "it.", objectName="Readout")
        split.addWidget(targets_hint)
        target_buttons = QHBoxLayout()
        add_target = QPushButton("Add target")
        add_target.clicked.connect(self.add_target)
        remove_target = QPushButton("Remove target")
        remove_target.clicked.connect(self._remove_target)
        target_buttons.addWidget(add_target)
        target_buttons.addWidget(remove_target)
        target_buttons.addStretch(1)
        split.addLayout(target_buttons)
        layout.addWidget(self.split_box, 1)

        self.name.textEdited.connect(self._edited)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.method.currentIndexChanged.connect(self._edited)
        self.team.changed.connect(self._edited)
        self.feature.changed.connect(self._edited)
        self.conditions.itemChanged.connect(self._edited)
        self.targets.itemChanged.connect(self._edited)
        self._kind_changed()

    def _edited(self) -> None:
        if not self._filling:
            self.changed.emit()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.assign_box.setVisible(kind == "assign")
        self.split_box.setVisible(kind == "split")
        self._edited()

    # -- conditions and targets -----------------------------------------------------------

    def add_condition(self, condition: str = "tag", key: str = "", values: str = "") -> int:
        row = self.conditions.rowCount()
        self.conditions.insertRow(row)
        combo = QComboBox()
        for name, label in CONDITION_LABELS.items():
            combo.addItem(label, name)
        combo.setCurrentIndex(max(0, combo.findData(condition)))
        combo.currentIndexChanged.connect(self._edited)
        self.conditions.setCellWidget(row, 0, combo)
        with self._quietly():
            self.conditions.setItem(row, 1, _cell(key))
            self.conditions.setItem(row, 2, _cell(values))
        self._edited()
        return row

    def _remove_condition(self) -> None:
        self._remove_current(self.conditions)

    def add_target(self, team: str = "", feature: str = "", percent: str = "") -> int:
        row = self.targets.rowCount()
        with self._quietly():
            self.targets.insertRow(row)
            for column, text in enumerate((team, feature, percent)):
                self.targets.setItem(row, column, _cell(text))
        self._edited()
        return row

    def _remove_target(self) -> None:
        self._remove_current(self.targets)

    def _remove_current(self, table: QTableWidget) -> None:
        row = table.currentRow()
        if row >= 0:
            table.removeRow(row)
            self._edited()

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Fill cells without announcing each one as an edit."""
        self._filling, filling = True, self._filling
        try:
            yield
        finally:
            self._filling = filling

    # -- to and from the mapping ----------------------------------------------------------

    def data(self, enabled: bool = True) -> RuleData:
        match: dict[str, Any] = {}
        for row in range(self.conditions.rowCount()):
            combo = self.conditions.cellWidget(row, 0)
            condition = combo.currentData() if isinstance(combo, QComboBox) else "tag"
            key = _item_text(self.conditions, row, 1)
            values = _values(_item_text(self.conditions, row, 2))
            if condition == "tag":
                match.setdefault("tag", {})[key] = values
            elif condition in match:  # a second row of the same condition adds values
                before = match[condition] if isinstance(match[condition], list) else [
                    match[condition]]
                match[condition] = before + (values if isinstance(values, list) else [values])
            else:
                match[condition] = values
        data: RuleData = {"name": self.name.text().strip(), "match": match}
        if not enabled:
            data["enabled"] = False
        kind = self.kind.currentData()
        if kind == "assign":
            data["team"] = self.team.value()
            feature = self.feature.value()
            if feature is not None:
                data["feature"] = feature
        elif kind == "split":
            targets = []
            for row in range(self.targets.rowCount()):
                target: dict[str, Any] = {"team": _item_text(self.targets, row, 0)}
                if _item_text(self.targets, row, 1):
                    target["feature"] = _item_text(self.targets, row, 1)
                percent = _item_text(self.targets, row, 2)
                if percent:
                    try:
                        target["percent"] = float(percent.rstrip("% "))
                    except ValueError:
                        target["percent"] = percent  # the rule check names it
                targets.append(target)
            data["split"] = {"by": self.method.currentData(), "targets": targets}
        else:
            data["pool"] = True
        return data

    def set_data(self, data: RuleData) -> None:
        with self._quietly():
            self.name.setText(str(data.get("name", "")))
            kind = "split" if "split" in data else "pool" if data.get("pool") else "assign"
            self.kind.setCurrentIndex(self.kind.findData(kind))
            self.conditions.setRowCount(0)
            match = data.get("match") or {}
            for condition, value in match.items():
                if condition == "tag" and isinstance(value, dict):
                    for key, values in value.items():
                        self.add_condition("tag", str(key), _text(values))
                else:
                    self.add_condition(condition, "", _text(value))
            self.team.set_value(data.get("team", ""))
            self.feature.set_value(data.get("feature"))
            split = data.get("split") or {}
            self.method.setCurrentIndex(max(0, self.method.findData(split.get("by", "direct"))))
            self.targets.setRowCount(0)
            for target in split.get("targets") or []:
                percent = target.get("percent")
                self.add_target(str(target.get("team", "")), str(target.get("feature") or ""),
                                "" if percent is None else f"{percent:g}")
        self._kind_changed()


def _cell(text: str) -> QTableWidgetItem:
    return QTableWidgetItem(text)


def _item_text(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""


class RulesEditor(QDialog):
    """Signals: ``previewed(object)`` with each fresh :class:`Preview` (None while the
    draft is invalid), ``saved()`` after the rules are written."""

    previewed = Signal(object)
    saved = Signal()

    def __init__(self, workspace: Workspace, base: Allocation,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.base = workspace, base
        self.setWindowTitle("Allocation rules")
        self.resize(1180, 760)
        self.draft: list[Rule] | None = list(base.rules)
        self.last_preview: Preview | None = None
        self._generation = 0
        self._worker: workers.Worker | None = None
        self._loading = False
        teams = sorted({p[0] for p in base.nodes if len(p) == 1} - {UNALLOCATED})
        features = sorted({p[1] for p in base.nodes if len(p) == 2 and p[0] != UNALLOCATED})

        layout = QVBoxLayout(self)
        intro = QLabel("Rules are tried from the top; the first that matches a charge decides "
                       "where it goes. Nothing changes until you save.", objectName="Readout")
        layout.addWidget(intro)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left_layout.addWidget(self.list, 1)
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        self.add_button = QPushButton("Add rule")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            row1.addWidget(button)
        self.import_button = QPushButton("Import…")
        self.export_button = QPushButton("Export…")
        row2.addWidget(self.import_button)
        row2.addWidget(self.export_button)
        row2.addStretch(1)
        left_layout.addLayout(row1)
        left_layout.addLayout(row2)
        split.addWidget(left)
        self.form = RuleForm(teams, features)
        split.addWidget(self.form)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 3)

        self.problem = QLabel(objectName="Bad")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.summary = QLabel(objectName="SectionTitle")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        cur = self.base.currency  # the page's: the preview allocates in it too
        self.moves_model = RecordsModel([
            Column("Team", "team"), Column("Feature", "feature"),
            Column("Before", "before", lambda v: money(v, cur), numeric=True),
            Column("After", "after", lambda v: money(v, cur), numeric=True),
            Column("Change", "change", lambda v: _signed_money(v, cur), numeric=True),
        ], self)
        self.moves = QTableView()
        self.moves.setModel(self.moves_model)
        self.moves.verticalHeader().hide()
        self.moves.setShowGrid(False)
        self.moves.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.moves.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.moves, 2)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.save_button = QPushButton("Save rules")
        self.save_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.refresh_preview)
        self.list.currentRowChanged.connect(self._show_rule)
        self.list.itemChanged.connect(self._changed)
        self.list.model().rowsMoved.connect(self._changed)
        self.form.changed.connect(self._form_changed)
        self.add_button.clicked.connect(self.add_rule)
        self.remove_button.clicked.connect(self.remove_rule)
        self.up_button.clicked.connect(lambda: self.move_rule(-1))
        self.down_button.clicked.connect(lambda: self.move_rule(1))
        self.import_button.clicked.connect(self._import_clicked)
        self.export_button.clicked.connect(self._export_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        self.set_rules([rule.to_json() for rule in base.rules])

    # -- the list -----------------------------------------------------------------------

    def set_rules(self, rules: list[RuleData]) -> None:
        self._loading = True
        try:
            self.list.clear()
            for data in rules:
                self._append(data)
        finally:
            self._loading = False
        self.list.setCurrentRow(0 if rules else -1)
        self._changed()

    def _append(self, data: RuleData) -> QListWidgetItem:
        item = QListWidgetItem(str(data.get("name") or "(unnamed rule)"))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable
                      | Qt.ItemFlag.ItemIsDragEnabled)
        enabled = data.get("enabled", True) is not False
        item.setCheckState(Qt.CheckState.Checked if enabled else Qt.CheckState.Unchecked)
        item.setData(Qt.ItemDataRole.UserRole, {k: v for k, v in data.items() if k != "enabled"})
        self.list.addItem(item)
        return item

    def rules_data(self) -> list[RuleData]:
        out = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            data = dict(item.data(Qt.ItemDataRole.UserRole))
            if item.checkState() != Qt.CheckState.Checked:
                data["enabled"] = False
            out.append(data)
        return out

    def add_rule(self) -> None:
        taken = {str(d.get("name")) for d in self.rules_data()}
        number = next(n for n in range(1, 10_000) if f"New rule {n}" not in taken)
        item = self._append({"name": f"New rule {number}", "match": {}, "team": ""})
        self.list.setCurrentItem(item)
        self.form.name.setFocus()
        self._changed()

    def remove_rule(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._changed()

    def move_rule(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self._changed()

    def _show_rule(self, row: int) -> None:
        self.form.setEnabled(row >= 0)
        if row >= 0:
            self._loading = True
            try:
                self.form.set_data(self.list.item(row).data(Qt.ItemDataRole.UserRole))
            finally:
                self._loading = False

    def _form_changed(self) -> None:
        if self._loading:
            return
        item = self.list.currentItem()
        if item is None:
            return
        data = self.form.data()
        self._loading = True
        try:
            item.setData(Qt.ItemDataRole.UserRole, data)
        finally:
            self._loading = False
        self._changed()

    # -- checking and previewing ---------------------------------------------------------

    def _changed(self, *_: object) -> None:
        if self._loading:
            return
        try:
            self.draft = rules_from_json(self.rules_data(), "Rule list")
        except UserError as error:
            self.draft = None
            self.problem.setText(str(error))
            self.problem.show()
        else:
            self.problem.hide()
            self._loading = True
            try:
                for row, rule in enumerate(self.draft):
                    item = self.list.item(row)
                    item.setText(f"{rule.name}\n    {rule.describe()}")
                    item.setToolTip(rule.describe())
            finally:
                self._loading = False
        self.save_button.setEnabled(False)
        self._generation += 1  # any preview in flight is now stale
        if self.draft is None:
            self.summary.setText("Fix the rule above to see what it would move.")
            self.moves_model.set_records([])
            self.last_preview = None
            self.previewed.emit(None)
            return
        self.summary.setText("Working out what moves…")
        self._debounce.start()

    def refresh_preview(self) -> None:
        """Allocate the period with the draft rules (on a worker) and compare."""
        if self.draft is None:
            return
        self._generation += 1
        if self._worker is not None:
            self._worker.cancel()
        generation, workspace, draft, base = self._generation, self.workspace, self.draft, \
            self.base

        def work() -> Generator[str, None, tuple[int, Preview]]:
            yield "allocating with the draft rules"
            with workspace.open() as cache:
                after = allocate(charge_index(cache, base.currency), draft, base.period)
            return generation, preview(base, after)

        self._worker = workers.start(work, returned=self._previewed, errored=self._failed)

    def _previewed(self, payload: tuple[int, Preview]) -> None:
        generation, result = payload
        if generation != self._generation:
            return
        self.last_preview = result
        cur = self.base.currency
        moved = result.leaves_unallocated
        if not result.moves:
            text = "These rules move nothing in " + self.base.period.label() + "."
        elif abs(moved) < 0.005:
            text = (f"In {self.base.period.label()} these rules move spend between teams; "
                    f"Unallocated stays at {money(result.unallocated_after, cur)}.")
        elif moved > 0:
            text = (f"In {self.base.period.label()}, {money(moved, cur)} leaves Unallocated "
                    f"({money(result.unallocated_before, cur)} → "
                    f"{money(result.unallocated_after, cur)}).")
        else:
            text = (f"In {self.base.period.label()}, {money(-moved, cur)} more becomes "
                    f"Unallocated ({money(result.unallocated_before, cur)} → "
                    f"{money(result.unallocated_after, cur)}).")
        self.summary.setText(text)
        self.moves_model.set_records([
            {"team": m.team, "feature": m.feature, "before": m.before, "after": m.after,
             "change": m.change} for m in result.moves])
        self.save_button.setEnabled(self.draft is not None and
                                    [r.to_json() for r in self.draft]
                                    != [r.to_json() for r in self.base.rules])
        self.previewed.emit(result)

    def _failed(self, error: Exception) -> None:
        self.summary.setText(f"Could not preview: {error}")

    # -- saving, files ------------------------------------------------------------------

    def save(self) -> None:
        if self.draft is None:
            return
        draft = self.draft
        self.save_button.setEnabled(False)
        self.summary.setText("Saving the rules…")
        writes.submit(self.workspace, lambda cache: save_rules(cache, draft), owner=self,
                      done=self._saved, failed=self._refused)

    def _saved(self, _: None) -> None:
        self.saved.emit()
        self.accept()

    def _refused(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()
        self.save_button.setEnabled(True)

    def import_file(self, path: Path) -> bool:
        """Load a rules file into the draft (all or nothing); saving is still explicit."""
        try:
            rules = read_rules_file(path)
        except UserError as error:
            self.problem.setText(str(error))
            self.problem.show()
            return False
        self.set_rules([rule.to_json() for rule in rules])
        return True

    def export_file(self, path: Path) -> bool:
        if self.draft is None:
            return False
        try:
            write_rules_file(path, self.draft)
        except (OSError, UserError) as error:
            self.problem.setText(f"Could not write {path}: {error}")
            self.problem.show()
            return False
        return True

    def _import_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import rules", "",
                                              "Rule files (*.yaml *.yml *.json)")
        if name:
            self.import_file(Path(name))

    def _export_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export rules", "allocation-rules.yaml",
                                              "YAML (*.yaml);;JSON (*.json)")
        if name:
            self.export_file(Path(name))

    def done(self, result: int) -> None:
        self._debounce.stop()
        if self._worker is not None:
            self._worker.cancel()
        super().done(result)

"""**File › Export deck…** (Ctrl+E): pick the slides, the period (the window's by default),
whether to mask ids and where to save, then the deck is built on a worker through the
window's task bar, with its progress and a Cancel button. The status bar says where the
deck went, or in plain words why it could not be written; a cancelled export leaves no
file (and an existing file as it was)."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from worthit.core.errors import Cancelled, UserError
from worthit.core.periods import Period, Preset
from worthit.ui.export_form import ExportForm, documents, run_export
from worthit.ui.widgets.period_bar import PeriodBar
from worthit.workspace import Workspace

#: What each slide of :data:`worthit.export.deck.SLIDES` shows, for the checkboxes.
SLIDE_LABELS: Final = {
    "title": ("Title", "period, workspace, data freshness, headline figures"),
    "overview": ("Overview", "spend per day by provider, against the period before"),
    "allocation": ("Allocation", "spend by team and by feature, Unallocated in grey"),
    "units": ("Unit costs", "cost per unit against target, with verdicts"),
    "leaks": ("Leaks", "monthly savings of open findings, owners and first fixes"),
    "swap": ("Model swap", "what cheaper models, routing, caching or batch would save"),
    "commitments": ("Commitments", "those ending soonest or wasting most, and their owners"),
    "customers": ("Customers", "AI cost per customer, Not traced, those over the threshold"),
}


@dataclass(frozen=True, slots=True)
class DeckRequest:
    """What the dialog asks for: the slides in deck order, the period, masking, the file."""

    slides: tuple[str, ...]
    period: Period
    mask: bool
    out: Path


def _computations() -> dict[str, list[tuple[str, Callable[[Any], Any]]]]:
    """Per slide, the figures it draws on, computed one at a time so a cancel is heard
    between them (each is kept by :class:`~worthit.pages.figures.Figures`)."""
    return {
        "title": [("reading the workspace", lambda f: f.freshness)],
        "overview": [("computing the overview", lambda f: f.overview)],
        "allocation": [("allocating spend", lambda f: f.allocation)],
        "units": [("computing unit costs", lambda f: f.units)],
        "leaks": [("looking for leaks", lambda f: f.leaks),
                  ("reading finding states", lambda f: f.leak_states)],
        "swap": [("simulating model swaps", lambda f: f.suggestions),
                 ("applying saved scenarios", lambda f: f.scenarios)],
    }


def deck_work(workspace: Workspace, request: DeckRequest) -> Callable[..., Path]:
    """The task that writes ``request``'s deck: ``work(cancelled, progress)`` for
    :meth:`worthit.ui.widgets.task_bar.TaskBar.run`. It runs on a pool thread with its own
    cache connection, and writes beside the target, renaming only when not cancelled."""

    def work(cancelled: Callable[[], bool], progress: Callable[[float, str], None]) -> Path:
        from worthit.export.deck import chosen_slides, write_deck
        from worthit.export.files import check_target
        from worthit.export.mask import Mask
        from worthit.pages.figures import Figures

        out = check_target(request.out, (".pptx",))
        names = chosen_slides(request.slides)
        steps = [step for name in names for step in _computations().get(name, [])]
        total = len(steps) + 2 + request.mask

        def stop_if_cancelled() -> None:
            if cancelled():
                raise Cancelled("The deck export was cancelled.")

        with workspace.open() as cache:
            figures = Figures(cache, request.period, workspace_name=workspace.name)
            done = 0
            for text, compute in steps:
                stop_if_cancelled()
                progress(done / total, text)
                compute(figures)
                done += 1
            mask = None
            if request.mask:
                stop_if_cancelled()
                progress(done / total, "masking account, key and resource ids")
                mask = Mask.from_cache(cache)
                done += 1
            stop_if_cancelled()
            progress(done / total, f"writing {len(names)} slides")
            handle, name = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".pptx",
                                            dir=out.parent)
            os.close(handle)
            temporary = Path(name)
            try:
                write_deck(figures, temporary, slides=names, mask=mask)
                stop_if_cancelled()
                os.chmod(temporary, 0o644)  # a document, not a private temporary file
                os.replace(temporary, out)
            except OSError as error:
                raise UserError(f"Could not write {out}: {error.strerror or error}.") from error
            finally:
                temporary.unlink(missing_ok=True)
        progress(1.0, "done")
        return out

    return work


def export_deck(window: Any, request: DeckRequest) -> bool:
    """Build the deck on a worker through ``window.tasks``; False (with a message) when
    another task is running."""
    return run_export(window, "Exporting the deck", deck_work(window.workspace, request),
                      lambda path: f"Deck saved to {path}")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")



class DeckDialog(ExportForm):
    """The deck's options. ``accepted`` means :meth:`request` is ready to export."""

    def __init__(self, workspace: Workspace, period: Period, preset: Preset | None,
                 today: dt.date, parent: QWidget | None = None) -> None:
        from worthit.export.deck import SLIDES

        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Export deck")
        self.setMinimumWidth(680)
        self._path_edited = False
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        intro = QLabel("A PowerPoint deck that tells the period's story, with native charts "
                       "you can restyle and check in PowerPoint. Each slide's footnote names "
                       "the sources and the date of the data.", objectName="Readout")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(10)
        slides = QGridLayout()
        slides.setHorizontalSpacing(14)
        slides.setVerticalSpacing(4)
        self.slides: dict[str, QCheckBox] = {}
        for row, name in enumerate(SLIDES):
            label, about = SLIDE_LABELS[name]
            box = QCheckBox(label)
            box.setChecked(True)
            box.setObjectName(f"slide_{name}")
            box.toggled.connect(self._validate)
            note = QLabel(about, objectName="Readout")
            note.setBuddy(box)
            self.slides[name] = box
            slides.addWidget(box, row, 0)
            slides.addWidget(note, row, 1)
        slides.setColumnStretch(1, 1)
        form.addRow(self._heading("Slides"), slides)

        self.period_bar = PeriodBar(today)
        for label in self.period_bar.findChildren(QLabel):
            if label.text() == "Period":  # the bar's own caption; the form has one
                label.hide()
        if preset is None or preset is Preset.CUSTOM:
            self.period_bar.set_range(period)
        else:
            self.period_bar.set_preset(preset)
        self.period_label = QLabel(objectName="Readout")
        self.period_bar.changed.connect(self._period_changed)
        period_row = QHBoxLayout()
        period_row.setSpacing(12)
        period_row.addWidget(self.period_bar)
        period_row.addWidget(self.period_label)
        period_row.addStretch(1)
        form.addRow(self._heading("Period"), period_row)

        self.mask = QCheckBox("Mask account, API key and resource ids")
        self.mask.setToolTip("Replace them with stable pseudonyms (account-1, key-1, "
                             "resource-1) for a wider audience")
        mask_note = QLabel("For a wider audience: each id becomes a stable pseudonym "
                           "(account-1, key-1, resource-1).", objectName="Readout")
        mask_note.setIndent(self.mask.style().pixelMetric(
            self.mask.style().PixelMetric.PM_IndicatorWidth) + 6)  # under the box's text
        mask_rows = QVBoxLayout()
        mask_rows.setSpacing(2)
        mask_rows.addWidget(self.mask)
        mask_rows.addWidget(mask_note)
        form.addRow(self._heading("Masking"), mask_rows)

        self.path = QLineEdit()
        self.path.setMinimumWidth(420)
        self.path.textEdited.connect(self._path_typed)
        self.path.textChanged.connect(self._validate)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        form.addRow(self._heading("File"), file_row)
        layout.addLayout(form)

        self.problem = QLabel(objectName="Bad")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "Export deck", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._period_changed(self.period_bar.period())

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    # -- state --------------------------------------------------------------------------

    def chosen_slides(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.slides.items() if box.isChecked())

    def set_slides(self, names: list[str] | tuple[str, ...]) -> None:
        for name, box in self.slides.items():
            box.setChecked(name in names)

    def set_path(self, path: Path) -> None:
        self._path_edited = True
        self.path.setText(str(path))

    def out(self) -> Path | None:
        text = self.path.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if path.suffix.lower() == ".pptx" else path.with_name(path.name + ".pptx")

    def request(self) -> DeckRequest:
        out = self.out()
        if out is None:
            raise UserError("Choose where to save the deck.")
        return DeckRequest(self.chosen_slides(), self.period_bar.period(),
                           self.mask.isChecked(), out)

    def default_path(self) -> Path:
        p = self.period_bar.period()
        name = _slug(f"worthit {self.workspace.name}") or "worthit"
        return documents() / f"{name}-{p.start.isoformat()}-to-{p.end.isoformat()}.pptx"

    # -- reacting -----------------------------------------------------------------------

    def _period_changed(self, period: Period) -> None:
        self.period_label.setText(period.label())
        # A custom range shows its dates in the bar itself.
        self.period_label.setVisible(self.period_bar.preset.currentData() is not Preset.CUSTOM)
        if not self._path_edited:
            self.path.setText(str(self.default_path()))

    def _path_typed(self) -> None:
        self._path_edited = True

    def _choose_file(self) -> None:
        out = self.out() or self.default_path()
        chosen, _ = QFileDialog.getSaveFileName(self, "Export deck", str(out),
                                                "PowerPoint (*.pptx)")
        if chosen:
            self.set_path(Path(chosen))

    def problem_text(self) -> str:
        """Why the deck cannot be exported as set, or "" (an existing file is a note)."""
        if not self.chosen_slides():
            return "Choose at least one slide."
        out = self.out()
        if out is None:
            return "Choose where to save the deck."
        if not out.parent.is_dir():
            return f"The folder {out.parent} does not exist."
        return ""


def open_deck_dialog(window: Any) -> DeckDialog:
    """Show the deck dialog for ``window`` (a :class:`~worthit.ui.main_window.MainWindow`)
    or raise the one already open; accepting it starts the export."""
    existing = window.findChild(DeckDialog)
    if existing is not None and existing.isVisible():
        existing.raise_()
        existing.activateWindow()
        return existing  # type: ignore[no-any-return]
    bar = window.period_bar
    today = _data_through(window.workspace) or bar.period().end
    dialog = DeckDialog(window.workspace, bar.period(), bar.preset.currentData(), today,
                        window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: export_deck(window, dialog.request()))
    dialog.open()
    return dialog


def _data_through(workspace: Workspace) -> dt.date | None:
    """The last day with data (the presets count back from it, as the window's do)."""
    with workspace.open() as cache:
        data = cache.data_range()
    return data[1] if data else None

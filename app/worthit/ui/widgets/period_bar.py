"""The global period selector: presets and a custom range, followed by every page."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from worthit.core.periods import Period, Preset, preset_period


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class PeriodBar(QWidget):
    """Signals: ``changed(Period)`` whenever the chosen period changes."""

    changed = Signal(object)

    def __init__(self, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.preset = QComboBox()
        self.preset.setAccessibleName("Period")
        for preset in Preset:
            self.preset.addItem(preset.value, preset)
        self.start = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.end = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.dash = QLabel("–")
        layout.addWidget(QLabel("Period"))
        layout.addWidget(self.preset)
        for widget in (self.start, self.dash, self.end):
            layout.addWidget(widget)
        self.preset.setCurrentIndex(list(Preset).index(Preset.LAST_30))
        self._sync_dates()
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.start.dateChanged.connect(self._dates_changed)
        self.end.dateChanged.connect(self._dates_changed)

    def period(self) -> Period:
        start, end = _date(self.start.date()), _date(self.end.date())
        return Period(min(start, end), max(start, end))

    def set_preset(self, preset: Preset) -> None:
        self.preset.setCurrentIndex(list(Preset).index(preset))

    def set_range(self, period: Period) -> None:
        """Choose a custom range."""
        self.preset.blockSignals(True)
        self.set_preset(Preset.CUSTOM)
        self.preset.blockSignals(False)
        self._show_dates(True)
        for edit, day in ((self.start, period.start), (self.end, period.end)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)
        self.changed.emit(self.period())

    def _show_dates(self, visible: bool) -> None:
        for widget in (self.start, self.dash, self.end):
            widget.setVisible(visible)

    def _sync_dates(self) -> None:
        preset = self.preset.currentData()
        custom = preset is Preset.CUSTOM
        self._show_dates(custom)
        if not custom:
            period = preset_period(preset, self._today)
            for edit, day in ((self.start, period.start), (self.end, period.end)):
                edit.blockSignals(True)
                edit.setDate(_qdate(day))
                edit.blockSignals(False)

    def _preset_changed(self) -> None:
        self._sync_dates()
        self.changed.emit(self.period())

    def _dates_changed(self) -> None:
        if self.preset.currentData() is Preset.CUSTOM:
            self.changed.emit(self.period())

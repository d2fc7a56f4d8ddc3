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
    """Signals: ``changed(Period)`` whenever the chosen period changes.

    The custom range's date fields (:attr:`start`, :attr:`end`) are made the first time
    they are needed: hidden behind a preset, the window's first paint waited 2-4 ms for
    the first QDateEdit."""

    changed = Signal(object)

    def __init__(self, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self._dates: tuple[QDateEdit, QLabel, QDateEdit] | None = None
        self._period = preset_period(Preset.LAST_30, today)  # while there are no fields
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.preset = QComboBox()
        self.preset.setAccessibleName("Period")
        for preset in Preset:
            self.preset.addItem(preset.value, preset)
        layout.addWidget(QLabel("Period"))
        layout.addWidget(self.preset)
        self._layout = layout
        self.preset.setCurrentIndex(list(Preset).index(Preset.LAST_30))
        self._sync_dates()
        self.preset.currentIndexChanged.connect(self._preset_changed)

    @property
    def start(self) -> QDateEdit:
        return self._fields()[0]

    @property
    def end(self) -> QDateEdit:
        return self._fields()[2]

    def _fields(self) -> tuple[QDateEdit, QLabel, QDateEdit]:
        """The start and end fields with the dash between, made (hidden, on the period
        chosen so far) when first asked for."""
        if self._dates is None:
            start = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
            end = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
            self._dates = (start, QLabel("–"), end)
            for widget in self._dates:
                widget.hide()
                self._layout.addWidget(widget)
            self._set_dates(self._period)
            start.dateChanged.connect(self._dates_changed)
            end.dateChanged.connect(self._dates_changed)
        return self._dates

    def period(self) -> Period:
        if self._dates is None:
            start, end = self._period.start, self._period.end
        else:
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
        self._set_dates(period)
        self.changed.emit(self.period())

    def _set_dates(self, period: Period) -> None:
        """The fields on ``period`` without a signal (the period while they are unmade)."""
        self._period = period
        if self._dates is None:
            return
        for edit, day in ((self._dates[0], period.start), (self._dates[2], period.end)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)

    def _show_dates(self, visible: bool) -> None:
        if visible or self._dates is not None:
            for widget in self._fields():
                widget.setVisible(visible)

    def _sync_dates(self) -> None:
        preset = self.preset.currentData()
        custom = preset is Preset.CUSTOM
        self._show_dates(custom)
        if not custom:
            self._set_dates(preset_period(preset, self._today))

    def _preset_changed(self) -> None:
        self._sync_dates()
        self.changed.emit(self.period())

    def _dates_changed(self) -> None:
        if self.preset.currentData() is Preset.CUSTOM:
            self.changed.emit(self.period())

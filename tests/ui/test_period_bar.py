"""The period bar: presets give their periods, and a custom range starts from the period
chosen until then, its date fields shown (and made) only when it is chosen."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit
from pytestqt.qtbot import QtBot

from worthit.core.periods import Period, Preset, preset_period
from worthit.ui.app import application
from worthit.ui.widgets.period_bar import PeriodBar

TODAY = dt.date(2026, 11, 30)


def _bar(qtbot: QtBot) -> PeriodBar:
    application()
    bar = PeriodBar(TODAY)
    qtbot.addWidget(bar)
    bar.show()
    return bar


def test_each_preset_gives_its_period(qtbot: QtBot) -> None:
    bar = _bar(qtbot)
    assert bar.period() == preset_period(Preset.LAST_30, TODAY)
    for preset in (Preset.THIS_MONTH, Preset.LAST_90, Preset.LAST_12_MONTHS):
        with qtbot.waitSignal(bar.changed) as changed:
            bar.set_preset(preset)
        assert changed.args == [preset_period(preset, TODAY)] and bar.period() == changed.args[0]
    # Behind a preset the date fields are hidden: they are not made before they show (the
    # first QDateEdit delayed the window's first paint).
    assert bar.findChildren(QDateEdit) == []


def test_a_custom_range_starts_from_the_period_chosen_until_then(qtbot: QtBot) -> None:
    bar = _bar(qtbot)
    bar.set_preset(Preset.LAST_90)
    ninety = preset_period(Preset.LAST_90, TODAY)
    with qtbot.waitSignal(bar.changed) as changed:
        bar.set_preset(Preset.CUSTOM)
    assert changed.args == [ninety]
    assert bar.start.isVisible() and bar.end.isVisible()
    assert (bar.start.date(), bar.end.date()) == (QDate(2026, 9, 2), QDate(2026, 11, 30))
    with qtbot.waitSignal(bar.changed) as changed:
        bar.start.setDate(QDate(2026, 10, 1))
    assert changed.args == [Period(dt.date(2026, 10, 1), TODAY)]
    with qtbot.waitSignal(bar.changed) as changed:
        bar.set_preset(Preset.THIS_MONTH)
    assert changed.args == [preset_period(Preset.THIS_MONTH, TODAY)]
    assert not bar.start.isVisible()


def test_a_range_set_from_elsewhere_shows_in_the_fields(qtbot: QtBot) -> None:
    bar = _bar(qtbot)
    march = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    with qtbot.waitSignal(bar.changed) as changed:
        bar.set_range(march)
    assert changed.args == [march] and bar.period() == march
    assert bar.preset.currentData() is Preset.CUSTOM
    assert (bar.start.date(), bar.end.date()) == (QDate(2026, 3, 1), QDate(2026, 3, 31))

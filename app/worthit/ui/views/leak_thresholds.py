"""The leak thresholds dialog: the detectors' settings with their defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QWidget,
)

if TYPE_CHECKING:
    from worthit.analysis.leaks import Settings


LABELS = {
    "floor": ("Show findings saving at least ($/month)", 0, 1e6, 0),
    "idle_p95": ("Idle below this p95 utilisation (%)", 0, 100, 1),
    "idle_days": ("… over this many days", 3, 90, 0),
    "quiet_hours": ("Always on: quiet hours a day", 1, 23, 0),
    "quiet_ratio": ("… quiet below this share of the busiest hour", 0.01, 0.9, 2),
    "graveyard_days": ("Graveyard: no writes for (days)", 7, 3650, 0),
    "bloat_growth": ("Prompt bloat: input per request up by (share)", 0.05, 10, 2),
    "bloat_baseline_days": ("… against the first days of data (days)", 7, 365, 0),
    "nat_share_low": ("NAT bytes to S3 and DynamoDB: share, low end (counted)", 0, 1, 2),
    "nat_share_high": ("… high end (both the same: a measured share)", 0, 1, 2),
    "commitment_utilisation": ("Unused commitment: utilisation below (%)", 1, 100, 0),
    "commitment_unused": ("… and unused over 30 days above", 0, 1e6, 0),
    "loop_factor": ("Looping agent run: costs over this many times its agent's p95 run",
                    1.5, 100, 1),
}
#: Runaway agents are the alerts' spikes: their thresholds are the alerts', set there.
RUNAWAY_NOTE = ("Runaway agents use the alerts' spike thresholds, so a finding and its "
                "spike alert show one figure.")


class ThresholdsDialog(QDialog):
    """The leak thresholds, as settings with their defaults."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Leak thresholds")
        form = QFormLayout(self)
        self.boxes: dict[str, QDoubleSpinBox] = {}
        for name, (label, low, high, decimals) in LABELS.items():
            box = QDoubleSpinBox()
            box.setRange(low, high)
            box.setDecimals(decimals)
            box.setValue(float(getattr(settings, name)))
            form.addRow(label, box)
            self.boxes[name] = box
        note = QLabel(RUNAWAY_NOTE)
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self.restore_defaults)
        form.addRow(buttons)

    def restore_defaults(self) -> None:
        from worthit.analysis.leaks import Settings

        defaults = Settings()
        for name, box in self.boxes.items():
            box.setValue(float(getattr(defaults, name)))

    def settings(self) -> Settings:
        from worthit.analysis.leaks import Settings

        return Settings.from_json({name: box.value() for name, box in self.boxes.items()})

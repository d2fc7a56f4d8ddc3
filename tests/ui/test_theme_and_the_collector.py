"""A change of theme while Python's collector frees closed windows does not crash.

Setting the style, the palette or the style sheet, Qt repolishes every widget of a list it
took first; widgets run Python when their style changes (changeEvent, models, delegates),
and a collection there frees the widgets of a closed window that only a reference cycle
kept: Qt then reached a freed widget (QWidget::style() on it: a segmentation fault, one
run in about ten of the Allocation page's colour-scheme test, about half of the
appearance tests run together). The theme is applied with the collector paused.

Run in a process of its own: without the pause it dies, and must not take the suite."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import gc
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
    from worthit.ui import theme
    from worthit.ui.app import application

    app = application()

    class Listening(QLabel):
        def changeEvent(self, event):
            if gc.isenabled():  # as the collector does, on an allocation here
                gc.collect()
            super().changeEvent(event)

    gc.disable()
    shown = []
    for _ in range(20):
        holder = QWidget()
        layout = QVBoxLayout(holder)
        for _ in range(10):
            layout.addWidget(Listening("shown"))
        holder.show()
        shown.append(holder)
    for _ in range(200):  # closed windows that only a reference cycle keeps
        closed = QWidget()
        QVBoxLayout(closed).addWidget(Listening("closed"))
        closed.cycle = closed
        closed.show()
        closed.close()
    del closed
    gc.enable()
    gc.set_threshold(100_000, 10, 10)  # no collection but in changeEvent
    for scheme in (Qt.ColorScheme.Dark, Qt.ColorScheme.Light) * 2:
        theme.apply(app, scheme)
    print("survived")
""")


def test_a_theme_change_survives_the_collector_freeing_closed_windows() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], check=False, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip().endswith("survived")

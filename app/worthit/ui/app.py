"""Start the Qt application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from worthit import APP_NAME, __version__, logs
from worthit.ui import theme, workers
from worthit.ui.about import app_icon
from worthit.workspace import Workspace


def application() -> QApplication:
    """The QApplication, created once, themed for the OS's colour scheme."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if not app.property("worthit.configured"):  # also an instance made elsewhere (tests)
        app.setProperty("worthit.configured", True)
        app.setApplicationName(APP_NAME)
        app.setApplicationVersion(__version__)
        app.setOrganizationName(APP_NAME)
        app.setWindowIcon(app_icon())
        app.setDesktopFileName("worthit")  # Wayland: the taskbar finds worthit.desktop
        theme.apply(app)
        app.styleHints().colorSchemeChanged.connect(lambda scheme: theme.apply(app, scheme))
    return app  # type: ignore[return-value]


def run(workspace: Workspace) -> int:
    from worthit.ui.main_window import MainWindow

    logs.setup()
    logs.log_uncaught()
    app = application()
    window = MainWindow(workspace)
    window.show()
    code = app.exec()
    workers.shutdown()  # before Python tears down the Qt objects the work would emit into
    return code

"""Start the Qt application."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Generator
from typing import Final

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QVBoxLayout, QWidget

from worthit import APP_NAME, __version__, logs
from worthit.core.errors import UserError
from worthit.ui import theme, workers, writes
from worthit.ui.icon import app_icon
from worthit.workspace import Workspace, ensure, is_default_demo, remember, resolve


def application() -> QApplication:
    """The QApplication, created once, themed for the OS's colour scheme."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([*sys.argv[:1], *theme.FUSION_ARGUMENTS])
        app.setProperty(theme.STYLE_PROPERTY, "fusion")  # as those arguments made it
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


def build_demo(workspace: Workspace) -> None:
    """Make the demo in its own folder on a worker, showing a busy splash meanwhile (it
    takes a few seconds, before any window). Its error is raised here, on the UI thread."""
    splash = QWidget(None, Qt.WindowType.SplashScreen | Qt.WindowType.WindowStaysOnTopHint)
    splash.setWindowTitle(APP_NAME)
    layout = QVBoxLayout(splash)
    layout.setContentsMargins(24, 20, 24, 20)
    layout.addWidget(QLabel("Building the demo workspace…", objectName="SectionTitle"))
    layout.addWidget(QLabel("Invented charges, to look around before importing your own "
                            "bills. Only the first start takes this long.",
                            objectName="Readout", wordWrap=True))
    busy = QProgressBar()
    busy.setRange(0, 0)  # busy: the generator reports no steps
    layout.addWidget(busy)
    splash.setFixedWidth(420)
    splash.show()
    QCoreApplication.processEvents()
    # Imported here first: a first import of pandas on a pool thread is unsafe (workers).
    workers.preload("worthit.demo.generator")
    outcome: dict[str, BaseException] = {}
    loop = QEventLoop()

    def work() -> Generator[None, None, None]:
        yield  # a generator, as workers run them
        ensure(workspace)

    workers.start(work, errored=lambda error: outcome.setdefault("error", error),
                  finished=loop.quit)
    loop.exec()
    splash.close()
    splash.deleteLater()
    if "error" in outcome:
        raise outcome["error"]


def first_imports(workspace: Workspace) -> Callable[[], Generator[str, None, None]]:
    """Work importing pandas (with numpy and pyarrow: 0.25 s) once the frame is painted,
    while the UI thread builds the Overview, so its worker finds it imported when it
    computes the first figures (at 10 M charges they came 60 ms sooner). Not when the
    figures are remembered (:mod:`worthit.analysis.remembered_figures`): drawing them needs
    no pandas, and the import would take the GIL from their drawing (they came 0.2 s
    later). A failure is logged by the worker; the code that needs pandas then imports
    it, and fails, as it would have."""

    def work() -> Generator[str, None, None]:
        yield "looking for the Overview's remembered figures"
        from worthit.analysis.remembered_figures import holds_figures

        with workspace.open() as cache:
            if holds_figures(cache):
                return
        yield "pandas"
        importlib.import_module("pandas")

    return work


def start(folder: str | None) -> int:
    """``worthit`` with no command: the window on the workspace in ``folder`` (default:
    $WORTHIT_HOME, else the demo's, made behind a splash on first use). Its exit status:
    an error the user can fix is said on stderr, as the command line says it."""
    try:
        return run(resolve(folder))
    except UserError as error:
        print(f"worthit: {error}", file=sys.stderr)
        return error.EXIT


def run(workspace: Workspace) -> int:
    from worthit.ui.workspace_menu import open_window

    logs.begin()  # the file is opened a moment after the start (an error opens it first)
    logs.log_uncaught()
    try:
        app = application()
        if is_default_demo(workspace) and not workspace.exists():
            build_demo(workspace)
        ensure(workspace, create=True)  # a new folder opens as an empty workspace
        window = open_window(workspace)
        # Not before the frame is painted: Fusion's drawing calls back into Python (our
        # style), and a worker importing then held the GIL it waited for (the frame took
        # 30 ms more).
        window.painted.connect(lambda: workers.start(first_imports(workspace)),
                               Qt.ConnectionType.SingleShotConnection)
        QTimer.singleShot(SETTLE_MS, _settling(workspace))
        code = app.exec()
        workers.shutdown()  # before Python tears down the Qt objects the work would emit into
        writes.close()  # the changes saved last are written before the process ends
        return code
    finally:
        logs.setup()  # what was held, written even when no frame was painted


#: How long after the start the log file is opened and the workspace put first in the
#: recent list: after the first paint and, mostly, the Overview's first figures, which
#: would otherwise wait for it (about 12 ms of imports, the file and ``uname -p``);
#: whether the window painted or not (minimised at start). An error opens the file at once.
SETTLE_MS: Final = 2000


def _settling(workspace: Workspace) -> Callable[[], None]:
    """What neither the first paint nor the first figures wait for: the log file (what
    was logged before is written first) and the recent workspaces' list (platformdirs)."""

    def settle() -> None:
        logs.setup()
        remember(workspace)

    return settle

"""The window's modules must not pull in the heavy ones: pandas, numpy and pyqtgraph load
when a page first computes or draws a chart, after the first paint (bench/startup.py
measures the time; this guards the cause)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from worthit.core.periods import Period
from worthit.store.cache import Cache
from worthit.workspace import Workspace

HEAVY = ("pandas", "numpy", "pyqtgraph", "boto3")
#: Ours, wanted only after the first paint (or when their entry is first used): the menus'
#: dialogs, the About box with the log's and platform's details, the alert schedule, the
#: empty workspace's overlay, the pages' base (with the store's writer) and the figures
#: behind the pages' titles (the window lists the titles only). The log file is set up
#: before (what goes wrong at start-up is in it).
AFTER_PAINT = ("worthit.ui.about", "worthit.ui.deck_dialog", "worthit.ui.focus_dialog",
               "worthit.ui.currency_dialog", "worthit.ui.alert_schedule",
               "worthit.ui.widgets.empty_state", "worthit.ui.views.page",
               "worthit.pages.figures")


def test_building_the_window_imports_no_heavy_module(tmp_path: Path) -> None:
    """Checked on the UI thread: a page's first computation starts on a worker as the
    window is built, and may import them there at once (that is the point)."""
    code = (
        "import sys, threading\n"
        "class Watch:\n"
        "    seen = set()\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if threading.current_thread() is threading.main_thread():\n"
        "            self.seen.add(name.partition('.')[0])\n"
        "        return None\n"
        "watch = Watch()\n"
        "sys.meta_path.insert(0, watch)\n"
        "from worthit.ui.app import application\n"
        "from worthit.ui.main_window import MainWindow\n"
        "from worthit.ui.pages import NAMES\n"
        "from worthit.workspace import Workspace\n"
        "application()\n"
        f"window = MainWindow(Workspace(__import__('pathlib').Path({str(tmp_path)!r})))\n"
        f"print(','.join(m for m in {HEAVY!r} if m in watch.seen))\n"
        "print(','.join(m for m in sys.modules if m.startswith('worthit.ui.views.')))\n"
        f"print(','.join(m for m in {AFTER_PAINT!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # An empty workspace: the window is built, no page has computed yet.
    Cache.open(tmp_path / "worthit.sqlite").close()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    heavy, views, ours = done.stdout.splitlines()
    assert heavy == "", f"imported on the UI thread: {heavy}"
    # No page's view either: each is imported when its page is first shown.
    assert views == "", views
    assert ours == "", f"imported before the first paint: {ours}"


def test_worthit_alone_builds_no_verb_parser() -> None:
    """``worthit`` with no command goes straight to the window: the command line's verbs
    (their modules import exports, alerts, the deck) are not imported first."""
    code = (
        "import sys\n"
        "import worthit.ui.app as app\n"
        "app.run = lambda workspace: print(workspace.folder.name) or 0\n"
        "from worthit.__main__ import main\n"
        "status = main([])\n"
        "print(status, 'worthit.cli' in sys.modules)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "WORTHIT_HOME": "/nowhere/ws"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["ws", "0 False"]


def test_a_start_on_an_unchanged_workspace_draws_the_overview_without_pandas(
        writable: Workspace, tmp_path: Path) -> None:
    """The first start computes the Overview's first figures (pandas and the analysis);
    the next, nothing having changed, draws the figures it remembered, with pandas not
    yet imported, and shows the same total."""
    code = (
        "import sys\n"
        "import worthit.ui.main_window as main_window\n"
        "from PySide6.QtWidgets import QApplication\n"
        "class Watched(main_window.MainWindow):\n"
        "    def __init__(self, workspace):\n"
        "        super().__init__(workspace)\n"
        "        self.page_built.connect(self.watch)\n"
        "    def watch(self, name):\n"
        "        if name == 'overview':\n"
        "            self.pages[name].first_shown.connect(self.shown)\n"
        "    def shown(self):\n"
        "        print(self.pages['overview'].total.value.text(), 'pandas' in sys.modules)\n"
        "        QApplication.instance().quit()\n"
        "main_window.MainWindow = Watched\n"
        "from worthit.__main__ import main\n"
        "sys.exit(main([]))\n"
    )
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("XDG_")},
           "QT_QPA_PLATFORM": "offscreen", "WORTHIT_HOME": str(writable.folder),
           "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    starts = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        starts.append(done.stdout.split())
    (first_total, first_pandas), (total, pandas) = starts
    assert (first_pandas, pandas) == ("True", "False")
    assert total == first_total and total.startswith("$")


def test_pandas_is_imported_after_the_paint_unless_the_figures_are_remembered(
        writable: Workspace) -> None:
    """Once the frame is painted a worker imports pandas for the Overview's figures,
    unless they are remembered: then drawing them needs none, and it waits."""
    from worthit.analysis.remembered_figures import first_figures_of
    from worthit.ui.app import first_imports

    looking = "looking for the Overview's remembered figures"
    assert list(first_imports(writable)()) == [looking, "pandas"]
    with writable.open() as cache:
        assert cache.data_range() is not None
        first_figures_of(cache, Period(*cache.data_range()))
    assert list(first_imports(writable)()) == [looking]


#: Modules ``worthit`` needs only once its window is painted: the log file's handler and
#: the platform's description (``uname -p``, run by ``platform``) for the log's first line.
AFTER_PAINT_STDLIB = ("logging.handlers", "platform")


def test_worthit_paints_before_opening_its_log_file(tmp_path: Path) -> None:
    """``worthit`` paints its window before the log file's modules are imported or the
    file opened; once painted, the file holds the start line and what was held. In light,
    the window is drawn by Qt's own Fusion, with no style written in Python to call."""
    code = (
        "import sys\n"
        "import worthit.ui.main_window as main_window\n"
        "from PySide6.QtCore import QEvent, QObject, QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "seen = {}\n"
        "class FirstPaint(QObject):\n"
        "    def eventFilter(self, watched, event):\n"
        "        if event.type() == QEvent.Type.Paint and not seen:\n"
        f"            seen.update((m, m in sys.modules) for m in {AFTER_PAINT_STDLIB!r})\n"
        "            from PySide6.QtWidgets import QStyle, QStyleFactory\n"
        "            from worthit.ui import theme\n"
        "            extent = QStyle.PixelMetric.PM_ScrollBarExtent\n"
        "            fusion = QStyleFactory.create('Fusion').pixelMetric(extent)\n"
        "            seen['style'] = (QApplication.style().pixelMetric(extent) == fusion,\n"
        "                             theme._style)\n"
        "            QTimer.singleShot(200, QApplication.instance().quit)\n"
        "        return False\n"
        "class Watched(main_window.MainWindow):\n"
        "    def __init__(self, workspace):\n"
        "        super().__init__(workspace)\n"
        "        self.spy = FirstPaint()\n"
        "        self.installEventFilter(self.spy)\n"
        "main_window.MainWindow = Watched\n"
        "from worthit.__main__ import main\n"
        "status = main([])\n"
        f"print(status, ','.join(m for m in {AFTER_PAINT_STDLIB!r} if seen[m]))\n"
        "print(*seen['style'])\n"
    )
    # A default other than Fusion, which would fail:
    done = worthit_on_an_empty_workspace(tmp_path, code, QT_STYLE_OVERRIDE="Windows")
    status, style = done.stdout.splitlines()
    assert status == "0 ", f"imported before the first paint: {status}"
    assert style == "True None"  # Fusion (drawn by Qt alone), not the Windows style asked
    log = (tmp_path / "state" / "Worthit" / "log" / "worthit.log").read_text(encoding="utf-8")
    assert " started: Python " in log.splitlines()[0]


def test_a_window_that_never_paints_still_opens_its_log_file(tmp_path: Path) -> None:
    """Minimised at start, the window may not paint for a long time: the log file is
    opened (and the workspace put first in the recent list) all the same, soon after the
    start, while the app runs."""
    code = (
        "import worthit.ui.main_window as main_window\n"
        "import worthit.ui.app as app_module\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from worthit import logs\n"
        "from worthit.workspace import recent\n"
        "class Hidden(main_window.MainWindow):\n"
        "    def show(self):\n"
        "        QTimer.singleShot(app_module.SETTLE_MS + 500, self.check)\n"
        "    def check(self):\n"
        "        print(logs.active_file() is not None, [w.name for w in recent()])\n"
        "        QApplication.instance().quit()\n"
        "main_window.MainWindow = Hidden\n"
        "from worthit.__main__ import main\n"
        "print(main([]))\n"
    )
    done = worthit_on_an_empty_workspace(tmp_path, code)
    assert done.stdout.splitlines() == ["True ['ws']", "0"]


def worthit_on_an_empty_workspace(tmp_path: Path, code: str, **env: str
                                  ) -> subprocess.CompletedProcess[str]:
    """``code`` run by a fresh Python on an empty workspace ``ws``, with its home, log and
    config folders under ``tmp_path`` (the log in ``state/Worthit/log``); it must succeed."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    Cache.open(workspace / "worthit.sqlite").close()
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith("XDG_")},
                   "QT_QPA_PLATFORM": "offscreen", "WORTHIT_HOME": str(workspace),
                   "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state"),
                   "XDG_CONFIG_HOME": str(tmp_path / "config"), **env}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environment, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done


def test_the_outlined_style_comes_with_dark_and_stays(tmp_path: Path) -> None:
    """``worthit`` starts light on Qt's own Fusion; the first time dark is chosen, the
    style that outlines controls on a dark window is set, and kept when light comes back
    (it draws light as Fusion does): the style changes once at most while windows are
    open."""
    code = (
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "import worthit.ui.main_window as main_window\n"
        "from worthit.ui import theme\n"
        "seen = []\n"
        "def note():\n"
        "    app = QApplication.instance()\n"
        "    seen.append(f'{app.property(theme.STYLE_PROPERTY)}:{theme.colours().dark}')\n"
        "class Switching(main_window.MainWindow):\n"
        "    def __init__(self, workspace):\n"
        "        super().__init__(workspace)\n"
        "        self.painted.connect(self.switch)\n"
        "    def switch(self):\n"
        "        note()\n"
        "        for appearance in ('DARK', 'LIGHT', 'DARK', 'SYSTEM'):\n"
        "            self.choose_appearance(theme.Appearance[appearance])\n"
        "            QApplication.processEvents()\n"
        "            note()\n"
        "        QTimer.singleShot(0, QApplication.instance().quit)\n"
        "main_window.MainWindow = Switching\n"
        "from worthit.__main__ import main\n"
        "print(main([]), *seen)\n"
    )
    done = worthit_on_an_empty_workspace(tmp_path, code)
    assert done.stdout.split() == ["0", "fusion:False", "outlined:True", "outlined:False",
                                   "outlined:True", "outlined:False"]

"""Cold start: from spawning ``worthit`` to the first painted main window, and on to the
Overview page's first figures, against floors measured in the same run (this machine's
speed varies 2x from day to day). Issue 20's goals: first paint <= 1.5x a bare PySide6
window's first paint (a QMainWindow shown by a fresh ``python -c``), and the Overview's
figures <= 1.2x the bare window plus importing pandas and pyqtgraph. Each on the demo
workspace and, with ``--large DIR``, on a large one (``bench/views_workspace.py``'s).

Each run spawns a fresh ``python -c`` (QT_QPA_PLATFORM=offscreen, WORTHIT_HOME on a demo
workspace generated once beforehand, HOME a throwaway folder) that runs what ``worthit``
with no verb runs (``worthit.__main__.main([])``), its main window class replaced by a
subclass that notes when it is asked for and built, the window's first Paint event (the
goal's figure) and when that paint is done (a 0-ms timer posted then: the whole frame,
children included, is drawn; Python drawing code waiting for the GIL shows only there),
and the Overview page's ``first_shown`` (its figures: totals, forecast, charts, movers, unit
costs) and ``loaded`` (then the leak summary) signals. The child prints its ``time.time()``
at each moment, so the parent reports spawn→paint (the whole process, interpreter start-up
included) next to the child's own ``perf_counter`` from the top of its code (imports
onward). A meta-path hook in
the child records who first imports each heavy module, on which thread, and when.

A start finds the Overview's first figures remembered beside the cache when nothing they
read changed since the last start (:mod:`worthit.analysis.remembered_figures`); the first
start after a change (a sync, an import, a rule) computes them. Both are measured, in
alternation: the runs, then the same with the remembered figures deleted first.

Worthit's own modules are byte-compiled first, as an installed wheel or the frozen app has
them (the floors' pandas and pyqtgraph are): with PYTHONDONTWRITEBYTECODE set (as in CI
shells) an editable install would otherwise compile every module from source at each
start, about 50 ms before the first paint that no user pays.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import compile_worthit, generate_demo, parser, run_python, summary, table

HEAVY = ("pandas", "pyqtgraph", "boto3", "numpy")
#: The file beside a workspace's cache holding the Overview's first figures of the last start.
REMEMBERED = ".first-figures.json"
TIMEOUT_S = 60

CHILD = r"""
import time
T0, W0 = time.perf_counter(), time.time()
import sys, threading, json

HEAVY = {heavy!r}
first_import = {{}}

class Spy:
    # Notes the first import of each heavy module: when, on which thread, the module
    # whose import statement asked for it and the innermost worthit module on the stack.
    def find_spec(self, name, path=None, target=None):
        if name in HEAVY and name not in first_import:
            frame, via, by = sys._getframe(1), None, "-"
            while frame is not None:
                module = frame.f_globals.get("__name__", "")
                if via is None and not module.startswith(("importlib", "_frozen_importlib")):
                    via = module
                if module.startswith("worthit"):
                    by = f"{{module}}:{{frame.f_lineno}}"
                    break
                frame = frame.f_back
            first_import[name] = {{"at": time.perf_counter() - T0, "by": by, "via": via,
                                  "thread": threading.current_thread().name}}
        return None

sys.meta_path.insert(0, Spy())

import worthit.ui.main_window as main_window
T_IMPORTS = time.perf_counter()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

marks = {{}}

def done():
    if "painted" in marks and "loaded" in marks:
        QApplication.instance().quit()


def painted():
    marks["painted"] = time.time()  # the frame's whole first paint is done
    done()

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "paint" not in marks:
            marks["paint"] = (time.perf_counter() - T0, time.time())
            marks["heavy_at_paint"] = [m for m in HEAVY if m in sys.modules]
            QTimer.singleShot(0, painted)  # runs once this paint (children too) is done
        return False

def figures():
    marks.setdefault("figures", (time.perf_counter() - T0, time.time()))

def loaded():
    marks.setdefault("loaded", (time.perf_counter() - T0, time.time()))
    done()

class Watched(main_window.MainWindow):
    # The window `worthit` opens, watched: built, first painted, the Overview's figures.
    def __init__(self, workspace):
        marks["asked"] = time.perf_counter() - T0
        super().__init__(workspace)
        marks["window"] = time.perf_counter() - T0
        self.spy = FirstPaint()
        self.installEventFilter(self.spy)
        self.page_built.connect(self.watch)
        if self.pages.get_built("overview") is not None:
            self.watch("overview")
        QTimer.singleShot({timeout} * 1000, lambda: QApplication.instance().exit(4))

    def watch(self, name):
        if name == "overview":
            self.pages["overview"].first_shown.connect(figures)
            self.pages["overview"].loaded.connect(loaded)
            self.pages["overview"].failed.connect(
                lambda message: (print(message, file=sys.stderr), QApplication.instance().exit(3)))

    def show(self):
        super().show()
        marks["shown"] = time.perf_counter() - T0

main_window.MainWindow = Watched  # what worthit.ui.workspace_menu.open_window builds
from worthit.__main__ import main

code = main([])  # what `worthit` does: the window on $WORTHIT_HOME
if code:
    sys.exit(code)
print(json.dumps({{"w0": W0, "imports": T_IMPORTS - T0, "asked": marks["asked"],
                   "window": marks["window"], "shown": marks["shown"], "paint": marks["paint"],
                   "painted": marks["painted"], "figures": marks["figures"],
                   "loaded": marks["loaded"],
                   "heavy_at_paint": marks["heavy_at_paint"], "first_import": first_import}}))
"""


FLOOR = r"""
import time
W0 = time.time()
import sys
{imports}
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication([])
painted = {{}}

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "paint" not in painted:
            painted["paint"] = time.time()
            QTimer.singleShot(0, app.quit)
        return False

window = QMainWindow()
window.resize(1440, 900)
spy = FirstPaint()
window.installEventFilter(spy)
window.show()
app.exec()
print(painted["paint"])
"""
#: The floors: a bare window, and a bare window after importing what the figures need.
FLOORS: dict[str, str] = {"bare window": "",
                          "bare window + pandas, pyqtgraph": "import pandas, pyqtgraph"}


def floor_run(imports: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = run_python(["-c", FLOOR.format(imports=imports)], env=env)
    return float(child.stdout.strip().splitlines()[-1]) - child.spawned_at


def one_run(workspace: Path, *, forget: bool = False) -> dict[str, Any]:
    """``forget``: with nothing remembered of the last start (as after a sync): the
    Overview's first figures are computed, not read (:mod:`worthit.analysis.remembered_figures`)."""
    if forget:
        (workspace / f"worthit.sqlite{REMEMBERED}").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="worthit-bench-home-") as home:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("XDG_")},
               "QT_QPA_PLATFORM": "offscreen", "WORTHIT_HOME": str(workspace), "HOME": home}
        child = run_python(["-c", CHILD.format(heavy=HEAVY, timeout=TIMEOUT_S)], env=env)
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    result["spawn_to_code"] = result["w0"] - child.spawned_at
    result["spawn_to_paint"] = result["paint"][1] - child.spawned_at
    result["spawn_to_painted"] = result["painted"] - child.spawned_at
    result["spawn_to_figures"] = result["figures"][1] - child.spawned_at
    result["spawn_to_loaded"] = result["loaded"][1] - child.spawned_at
    result["process"] = child.seconds
    return result


def main() -> int:
    root = parser(__doc__)
    root.add_argument("--large", type=Path, metavar="DIR",
                      help="also start on this workspace (a folder holding worthit.sqlite)")
    args = root.parse_args()
    compile_worthit()
    with tempfile.TemporaryDirectory(prefix="worthit-bench-") as folder:
        workspace = Path(folder)
        generate_demo(workspace)
        spaces = {"demo": workspace, **({"large": args.large} if args.large else {})}
        verdicts = []
        for name, space in spaces.items():
            one_run(space)  # not counted: warms the page cache, as a second launch would
            floor_run("")
            runs, fresh, floors = [], [], {label: [] for label in FLOORS}
            for _ in range(args.repeat):  # alternating, so all see the same load
                runs.append(one_run(space))
                fresh.append(one_run(space, forget=True))
                for label, imports in FLOORS.items():
                    floors[label].append(floor_run(imports))
            one_run(space)  # leaves the figures remembered, as a start would
            verdicts += report(name, space, runs, floors, args.repeat)
            verdicts += computed(name, fresh, floors)
    print("\nGoals (ratios of medians, each to its floor in the same run):")
    print(table(("workspace", "goal", "figure", "target", "verdict"), verdicts))
    return 0


def report(name: str, space: Path, runs: list[dict[str, Any]],
           floors: dict[str, list[float]], repeat: int) -> list[tuple[str, ...]]:
    print(f"\nCold start on the {name} workspace ({space}), {repeat} run(s)\n")
    rows = []
    for number, run in enumerate(runs, start=1):
        heavy = ", ".join(run["heavy_at_paint"]) or "none"
        rows.append((number, f"{run['spawn_to_paint']:.3f}", f"{run['spawn_to_figures']:.3f}",
                     f"{run['spawn_to_loaded']:.3f}", heavy))
    print(table(("run", "spawn→first paint s", "spawn→overview figures s",
                 "spawn→leak summary s", "heavy modules at first paint"), rows))
    print()
    for label, key in (("spawn → code starts (interpreter, site)", "spawn_to_code"),
                       ("code → window's module imported", "imports"),
                       ("code → window asked for (app, workspace)", "asked"),
                       ("code → MainWindow built", "window"),
                       ("code → show() returned", "shown")):
        print(f"{label:<42} {summary([run[key] for run in runs])}")
    print(f"{'code → first paint (interpreter+imports)':<42} "
          f"{summary([run['paint'][0] for run in runs])}")
    print(f"{'spawn → first paint':<42} {summary([run['spawn_to_paint'] for run in runs])}")
    print(f"{'spawn → first paint done (frame drawn)':<42} "
          f"{summary([run['spawn_to_painted'] for run in runs])}")
    print(f"{'spawn → overview figures (remembered)':<42} "
          f"{summary([run['spawn_to_figures'] for run in runs])}")
    print(f"{'spawn → leak summary (page loaded)':<42} "
          f"{summary([run['spawn_to_loaded'] for run in runs])}")
    print(f"{'spawn → process exit':<42} {summary([run['process'] for run in runs])}")
    for label, values in floors.items():
        print(f"{'floor: ' + label + ', first paint':<42} {summary(values)}")
    print("\nFirst import of each heavy module (last run; seconds after the code starts):")
    last = runs[-1]["first_import"]
    print(table(("module", "at s", "thread", "imported by", "worthit code that led there"),
                [(name, f"{last[name]['at']:.3f}", last[name]["thread"], last[name]["via"],
                  last[name]["by"])
                 if name in last else (name, "-", "-", "-", "never imported")
                 for name in HEAVY]))
    paint = statistics.median(run["spawn_to_paint"] for run in runs)
    figures = statistics.median(run["spawn_to_figures"] for run in runs)
    bare = statistics.median(floors["bare window"])
    full = statistics.median(floors["bare window + pandas, pyqtgraph"])
    out = []
    for goal, figure, floor, target in (
            ("first paint / bare window's", paint, bare, 1.5),
            ("Overview figures / bare window + pandas, pyqtgraph", figures, full, 1.2)):
        ratio = figure / floor
        out.append((name, goal, f"{ratio:.2f} ({figure:.2f} s / {floor:.2f} s)",
                    f"<= {target}", "meets" if ratio <= target else "misses"))
    return out


def computed(name: str, fresh: list[dict[str, Any]],
             floors: dict[str, list[float]]) -> list[tuple[str, ...]]:
    """The Overview's figures at the first start after the cache changed (a sync, an
    import, a rule): computed, nothing remembered."""
    figures = statistics.median(run["spawn_to_figures"] for run in fresh)
    print(f"{'spawn → overview figures, computed':<42} "
          f"{summary([run['spawn_to_figures'] for run in fresh])}")
    full = statistics.median(floors["bare window + pandas, pyqtgraph"])
    ratio = figures / full
    return [(name, "  the same, first start after a change (computed)",
             f"{ratio:.2f} ({figures:.2f} s / {full:.2f} s)", "<= 1.2",
             "meets" if ratio <= 1.2 else "misses")]


if __name__ == "__main__":
    sys.exit(main())

"""Adding a page is one module in ``worthit.pages`` and one view in ``worthit.ui.views``:
nothing is listed anywhere else. A copy of the package gets a *Providers* page (the two
files below, nothing more), and the report command, the table export and the window all
find it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from worthit.workspace import Workspace

PAGE_MODULE = '''\
"""Providers: the period's spend per provider."""

from __future__ import annotations

from typing import Any

from worthit.core.money import money
from worthit.pages.figures import Figures
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table


def _rows(figures: Figures) -> list[tuple[str, float]]:
    return [(row["provider"], row["cost"])
            for row in figures.overview.to_json()["by_provider"]]


def table(figures: Figures) -> Table:
    return Table.of("Providers", ["Provider", "Cost"], _rows(figures),
                    period=figures.period, filters=filters(figures),
                    formats={"Cost": "money"})


def text(figures: Figures, _options: Options) -> str:
    return "\\n".join(aligned([(p, money(c)) for p, c in _rows(figures)]))


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    return {"providers": [{"provider": p, "cost": round(c, 2)} for p, c in _rows(figures)]}


PAGE = Page("providers", "Providers", 45, table, text, json)
'''

VIEW_MODULE = '''\
"""The Providers page: its table, as text."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel

from worthit.core.periods import Period
from worthit.pages import PAGES
from worthit.pages.figures import Figures
from worthit.pages.page import Options
from worthit.store.cache import Cache
from worthit.ui.views.page import Page


class ProvidersPage(Page):
    name = "providers"
    title = "Providers"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.figures = QLabel()
        self.body.addWidget(self.figures, 1)

    @staticmethod
    def compute(cache: Cache, period: Period) -> str:
        return PAGES["providers"].text(Figures(cache, period), Options())

    def show_result(self, result: str) -> None:
        self.figures.setText(result)
'''

CHECK = '''\
import sys
from worthit.cli import main
from worthit.ui.app import application
from worthit.ui.main_window import MainWindow
from worthit.workspace import Workspace
import pathlib
application()
window = MainWindow(Workspace(pathlib.Path(sys.argv[1])))
print(",".join(window.pages))
'''


def test_a_page_is_one_page_module_and_one_view(demo_workspace: Workspace,
                                                  tmp_path: Path) -> None:
    import worthit

    copy = tmp_path / "app" / "worthit"
    shutil.copytree(Path(worthit.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for data in ("icons", "resources"):  # where a checkout keeps them: beside app/
        (tmp_path / data).symlink_to(Path(worthit.__file__).parents[2] / data)
    (copy / "pages" / "providers.py").write_text(PAGE_MODULE, encoding="utf-8")
    (copy / "ui" / "views" / "providers.py").write_text(VIEW_MODULE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy.parent), "QT_QPA_PLATFORM": "offscreen"}
    folder = str(demo_workspace.folder)

    def worthit_copy(*args: str) -> str:
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                              env=env, timeout=300, check=False, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert worthit_copy("-c", "import worthit; print(worthit.__file__)").startswith(str(copy))
    report = json.loads(worthit_copy("-m", "worthit", "--workspace", folder, "report",
                                     "providers", "--format", "json"))
    overview = json.loads(worthit_copy("-m", "worthit", "--workspace", folder, "report",
                                       "overview", "--format", "json"))
    assert report["providers"] == [{"provider": p["provider"], "cost": p["cost"]}
                                   for p in overview["by_provider"]]
    assert len(report["providers"]) >= 2
    worthit_copy("-m", "worthit", "--workspace", folder, "export", "table", "providers",
                 "--out", str(tmp_path / "providers.csv"))
    assert "Provider,Cost" in (tmp_path / "providers.csv").read_text(encoding="utf-8")
    pages = worthit_copy("-c", CHECK, folder).strip().splitlines()[-1].split(",")
    assert pages == ["overview", "allocation", "units", "swap", "providers", "leaks",
                     "commitments", "customers", "runs", "keys", "sources", "alerts"]

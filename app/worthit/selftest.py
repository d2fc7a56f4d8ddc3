"""``worthit --self-test``: prove that this installation works, on a throwaway demo.

It never opens the user's workspace: it makes a small demo workspace in a temporary
folder, then checks what an installer can break, printing one line per check:

- the app: version, Python and Qt, and which Qt platform is in use (offscreen unless
  ``QT_QPA_PLATFORM`` says otherwise, so no window flashes on the screen);
- the log file (``worthit.logs``) is written;
- resources: the price catalog (Worthit's layer and genai-prices'), the demo rules;
- icons: every PNG size and the SVG master;
- every page, loaded and drawn offscreen (``worthit.ui.screenshot``), and the About box;
- importing a FOCUS Parquet file (DuckDB, the cache), making AWS clients
  (botocore's service models) and exporting a deck and an Excel table (python-pptx's
  template, openpyxl);
- the system keyring: a throwaway key stored, read back and deleted (skipped, saying why,
  where no keyring backend works or only one that does not protect keys);
- that the log file holds no secret.

It exits 1 when a check fails, and also when Qt printed a warning or a critical message,
when Python raised a warning, or when an exception escaped into Qt's event loop: an
installed app should do none of these. The report goes to the log file as well.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import platform
import secrets as random_tokens
import sys
import tempfile
import threading
import time
import traceback
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from worthit import APP_NAME, __version__, logs

#: Qt messages that are expected and harmless: the offscreen platform cannot size native
#: windows, and says so for every top-level window (also ignored by the test suite).
EXPECTED_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)
#: The keyring entry the self-test writes and deletes (never a real source's name).
KEYRING_ENTRY = "worthit-self-test"
#: The workspace id the entry is kept under (no workspace's: those are hex).
KEYRING_WORKSPACE = "self-test"
SECRET_PREFIX = "worthit-self-test-secret-"
SHOT_SIZE = (1200, 800)

log = logging.getLogger(__name__)


class Skipped(Exception):
    """A check that cannot run here; the message says why."""


@dataclass
class Result:
    name: str
    status: str  # "ok", "skip" or "FAIL"
    detail: str
    seconds: float


@dataclass
class Problems:
    """What went wrong outside the checks: Qt messages, Python warnings, exceptions that
    escaped into Qt's event loop or a thread."""

    qt: list[str] = field(default_factory=list)
    ignored_qt: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Called with the text of an escaped exception (ends a page's wait at once).
    on_exception: Callable[[str], None] | None = None

    def qt_message(self, mode: Any, context: Any, message: str) -> None:
        from PySide6.QtCore import QtMsgType

        if mode in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg):
            return
        text = f"{mode.name}: {message}"
        expected = any(known in message for known in EXPECTED_QT_MESSAGES)
        with self.lock:
            (self.ignored_qt if expected else self.qt).append(text)
        log.log(logging.DEBUG if expected else logging.WARNING, "Qt %s", text)

    def exception(self, kind: type[BaseException], value: BaseException, tb: Any) -> None:
        text = "".join(traceback.format_exception(kind, value, tb)).rstrip()
        with self.lock:
            self.exceptions.append(text)
        log.error("Uncaught exception: %s", text)
        if self.on_exception is not None:
            self.on_exception(f"{kind.__name__}: {value}")

    def thread_exception(self, args: threading.ExceptHookArgs) -> None:
        self.exception(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)


class SelfTest:
    def __init__(self, out: TextIO, folder: Path) -> None:
        self.out = out
        self.folder = folder
        self.results: list[Result] = []
        self.problems = Problems(on_exception=self._end_page_wait)
        self.page: str | None = None  # the page being drawn, if any
        self.workspace: Any = None

    # -- running ------------------------------------------------------------------------

    def report(self, result: Result) -> None:
        self.results.append(result)
        line = f"  {result.status:<5} {result.name:<18} {result.seconds:5.2f} s  {result.detail}"
        print(line.rstrip(), file=self.out, flush=True)
        log.log(logging.ERROR if result.status == "FAIL" else logging.INFO, "self-test %s",
                line.strip())

    def check(self, name: str, body: Callable[[], str]) -> None:
        began = time.perf_counter()
        try:
            detail, status = body(), "ok"
        except Skipped as skipped:
            detail, status = str(skipped), "skip"
        except Exception as error:
            log.exception("Self-test check %r failed", name)
            detail, status = f"{type(error).__name__}: {error}", "FAIL"
        self.report(Result(name, status, detail, time.perf_counter() - began))

    def run(self, caught: list[warnings.WarningMessage]) -> int:
        began = time.perf_counter()
        print(f"{APP_NAME} {__version__} self-test", file=self.out, flush=True)
        self.check("app", self.app)
        self.check("log file", self.log_file)
        self.check("resources", self.resources)
        self.check("icons", self.icons)
        self.check("demo workspace", self.demo)
        from worthit.ui.pages import NAMES

        for name in NAMES:
            self.check(f"page {name}", lambda name=name: self.draw_page(name))
        self.check("about box", self.about)
        self.check("import parquet", self.import_parquet)
        self.check("aws clients", self.aws_clients)
        self.check("export", self.export)
        secret = SECRET_PREFIX + random_tokens.token_hex(12)
        self.check("keyring", lambda: self.keyring(secret))
        self.check("log contents", lambda: self.log_contents(secret))
        self._settle()
        self.report(self._summary("qt messages", self.problems.qt))
        self.report(self._summary("errors", self.problems.exceptions))
        for found in caught:
            log.warning("Python warning: %s", _warning(found))
        self.report(self._summary("python warnings", [_warning(w) for w in caught]))
        failed = [r for r in self.results if r.status == "FAIL"]
        skipped = sum(r.status == "skip" for r in self.results)
        verdict = "FAILED" if failed else "passed"
        print(f"Self-test {verdict}: {len(self.results) - len(failed) - skipped} ok, "
              f"{skipped} skipped, {len(failed)} failed in {time.perf_counter() - began:.1f} s",
              file=self.out, flush=True)
        return 1 if failed else 0

    def _summary(self, name: str, found: list[str]) -> Result:
        if not found:
            return Result(name, "ok", "none", 0.0)
        first = found[0].splitlines()
        more = f" (and {len(found) - 1} more; the log has them all)" if len(found) > 1 else ""
        return Result(name, "FAIL", f"{first[-1] if first else ''}{more}", 0.0)

    def _settle(self) -> None:
        """Let queued events and pool threads finish, so their messages are counted."""
        from PySide6.QtCore import QCoreApplication, QThreadPool

        QThreadPool.globalInstance().waitForDone(10_000)
        QCoreApplication.processEvents()

    def _end_page_wait(self, message: str) -> None:
        """An exception escaped while a page was drawing: fail the page now, not after
        the screenshot's two-minute timeout."""
        from PySide6.QtWidgets import QApplication

        if self.page is None:
            return
        for widget in QApplication.topLevelWidgets():
            page = getattr(widget, "pages", {}).get(self.page)
            if page is not None:
                page.failed.emit(message)

    # -- the checks ---------------------------------------------------------------------

    def app(self) -> str:
        from PySide6 import __version__ as pyside
        from PySide6.QtCore import qVersion

        from worthit.ui.app import application

        qt_app = application()
        how = "frozen" if getattr(sys, "frozen", False) else "from source"
        return (f"{how}, Python {platform.python_version()}, Qt {qVersion()} (PySide6 "
                f"{pyside}), platform {qt_app.platformName()}, {platform.system()} "
                f"{platform.machine()}")

    def log_file(self) -> str:
        path = logs.active_file()
        if path is None:
            raise RuntimeError(f"no log file could be opened at {logs.log_file()}")
        return str(path)

    def resources(self) -> str:
        from worthit.core.rules import read_rules_file
        from worthit.demo.generator import DEMO_RULES
        from worthit.paths import resources_dir
        from worthit.pricing.catalog import Catalog

        catalog = Catalog()
        day = dt.date(2026, 1, 1)
        found = {model: catalog.price(provider, model, day) for provider, model in
                 (("OpenAI", "gpt-4o-mini"), ("Anthropic", "claude-sonnet-4-5"))}
        missing = [model for model, price in found.items() if price is None]
        if missing:
            raise RuntimeError(f"the price catalog has no price for {', '.join(missing)}")
        rules = read_rules_file(DEMO_RULES)
        sources = sorted({p.source.split(" (")[0] for p in found.values() if p is not None})
        return f"{resources_dir()}: prices ({'; '.join(sources)}), {len(rules)} demo rules"

    def icons(self) -> str:
        from PySide6.QtCore import QRectF, QSize
        from PySide6.QtGui import QImage, QPainter
        from PySide6.QtSvg import QSvgRenderer

        from worthit.paths import icons_dir
        from worthit.ui.icon import ICON_SIZES, app_icon

        folder = icons_dir()
        for size in ICON_SIZES:
            image = QImage(str(folder / f"worthit-{size}.png"))
            if image.isNull() or image.size() != QSize(size, size):
                raise RuntimeError(f"worthit-{size}.png is missing or not {size}x{size}")
        renderer = QSvgRenderer(str(folder / "worthit.svg"))
        if not renderer.isValid():
            raise RuntimeError("worthit.svg cannot be drawn")
        image = QImage(64, 64, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        renderer.render(painter, QRectF(0, 0, 64, 64))
        painter.end()
        sizes = app_icon().availableSizes()
        if len(sizes) < len(ICON_SIZES):
            raise RuntimeError(f"the window icon has {len(sizes)} sizes, not {len(ICON_SIZES)}")
        return f"{folder}: {len(ICON_SIZES)} PNG sizes and the SVG"

    def demo(self) -> str:
        from worthit.demo.generator import generate_demo
        from worthit.workspace import Workspace

        self.workspace = Workspace(self.folder / "demo")
        made = generate_demo(self.workspace, scale="small")
        return f"{made.rows:,} charge rows, {made.start} to {made.end}"

    def draw_page(self, name: str) -> str:
        from PySide6.QtGui import QImage

        from worthit.ui.screenshot import render

        if self.workspace is None:
            raise Skipped("no demo workspace")
        out = self.folder / "pages" / f"{name}.png"
        self.page = name
        try:
            render(self.workspace, name, out, size=SHOT_SIZE)
        finally:
            self.page = None
        return _describe_image(QImage(str(out)))

    def about(self) -> str:
        from worthit.ui.about import AboutDialog

        dialog = AboutDialog(self.workspace)
        try:
            dialog.show()
            image = dialog.grab().toImage()
            if __version__ not in dialog.version.text():
                raise RuntimeError("the About box does not show the version")
            return _describe_image(image)
        finally:
            dialog.close()
            dialog.deleteLater()

    def import_parquet(self) -> str:
        import duckdb

        from worthit.store.charges import count_charges
        from worthit.sync.importer import import_files
        from worthit.workspace import Workspace

        days = [f"2026-01-{day:02d}" for day in range(1, 11)]
        columns = {
            "ChargePeriodStart": [f"{d} 00:00:00" for d in days],
            "ChargePeriodEnd": [f"{d} 01:00:00" for d in days],
            "BilledCost": ["1.5"] * len(days), "EffectiveCost": ["1.25"] * len(days),
            "ListCost": ["1.5"] * len(days), "BillingCurrency": ["USD"] * len(days),
            "ProviderName": ["AWS"] * len(days), "ServiceName": ["Amazon EC2"] * len(days),
            "ServiceCategory": ["Compute"] * len(days), "ResourceId": ["i-1"] * len(days),
            "Tags": [""] * len(days),
        }
        bill = self.folder / "import" / "bill.parquet"
        bill.parent.mkdir(parents=True, exist_ok=True)
        # Written by DuckDB: the bundle carries no pyarrow.
        con = duckdb.connect()
        try:
            con.execute("CREATE TABLE bill (" + ", ".join(f'"{name}" VARCHAR'
                                                          for name in columns) + ")")
            con.executemany(f"INSERT INTO bill VALUES ({', '.join('?' * len(columns))})",
                            list(zip(*columns.values(), strict=True)))
            con.table("bill").write_parquet(str(bill))
        finally:
            con.close()
        with Workspace(self.folder / "import").open() as cache:
            (done,) = import_files(cache, [bill])
            charges = count_charges(cache)
        if (done.kind, done.rows_read, charges) != ("focus", len(days), len(days)):
            raise RuntimeError(f"read {done.rows_read} lines as {done.kind}, cached {charges}")
        if abs(done.file_billed - 15.0) > 1e-9:
            raise RuntimeError(f"billed {done.file_billed}, not 15.00")
        return f"{charges} charges, billed {done.file_billed:.2f} {done.currency}"

    def aws_clients(self) -> str:
        """botocore's service models load (they are data files a bundle must carry)."""
        import boto3

        session = boto3.Session(region_name="us-east-1", aws_access_key_id="self-test",
                                aws_secret_access_key="self-test")  # nothing is sent
        made = [session.client(name).meta.service_model.service_name for name in ("ce", "s3")]
        return f"boto3 {boto3.__version__}: {' and '.join(made)} clients made"

    def export(self) -> str:
        from worthit.core.periods import Preset, preset_period
        from worthit.export.deck import build_deck
        from worthit.export.tables import write_table
        from worthit.pages import PAGES
        from worthit.pages.figures import Figures

        if self.workspace is None:
            raise Skipped("no demo workspace")
        folder = self.folder / "export"
        folder.mkdir(exist_ok=True)
        deck = build_deck(self.workspace, slides=["title", "overview"],
                          out=folder / "deck.pptx")
        with self.workspace.open() as cache:
            data = cache.data_range()
            period = preset_period(Preset.LAST_30, data[1] if data else dt.date.today())
            table = PAGES["overview"].table(Figures(cache, period, workspace_name="self-test"))
        sheet = folder / "overview.xlsx"
        write_table(sheet, table)
        for path, part in ((deck, "ppt/slides/slide2.xml"), (sheet, "xl/workbook.xml")):
            with zipfile.ZipFile(path) as archive:
                if part not in archive.namelist():
                    raise RuntimeError(f"{path.name} has no {part}")
        return f"a 2-slide deck ({deck.stat().st_size:,} bytes), a {len(table.rows)}-row sheet"

    def keyring(self, secret: str) -> str:
        from worthit import secrets

        logs.scrub(secret)  # should anything log it, the file gets "••••"
        usable, backend = secrets.available()
        if not usable:  # none, or one that does not protect keys: Worthit will not use it
            raise Skipped(backend)
        secrets.store(KEYRING_ENTRY, secret, workspace=KEYRING_WORKSPACE)
        try:
            if secrets.load(KEYRING_ENTRY, workspace=KEYRING_WORKSPACE) != secret:
                raise RuntimeError(f"{backend} gave back a different value")
        finally:
            secrets.delete(KEYRING_ENTRY, workspace=KEYRING_WORKSPACE)
        if secrets.load(KEYRING_ENTRY, workspace=KEYRING_WORKSPACE) is not None:
            raise RuntimeError(f"{backend} kept the entry after it was deleted")
        return f"{backend}: stored, read back and deleted a throwaway key"

    def log_contents(self, secret: str) -> str:
        logs.flush()
        path = logs.log_file()
        if not path.is_file():
            raise RuntimeError(f"{path} was not written")
        text = path.read_text(encoding="utf-8", errors="replace")
        if secret in text or SECRET_PREFIX in text:
            raise RuntimeError(f"{path} holds the throwaway key")
        if "self-test" not in text:
            raise RuntimeError(f"{path} does not have this run's lines")
        return f"{path.stat().st_size:,} bytes, no key in it"


def _warning(found: warnings.WarningMessage) -> str:
    return (f"{found.category.__name__}: {found.message} "
            f"({Path(found.filename).name}:{found.lineno})")


def _describe_image(image: Any) -> str:
    """The image's size and how varied it is: a blank window has a handful of colours."""
    if image.isNull():
        raise RuntimeError("nothing was drawn")
    colours = {image.pixel(x, y) for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}
    if len(colours) < 20:
        raise RuntimeError(f"the drawing is nearly blank ({len(colours)} colours)")
    return f"{image.width()}x{image.height()}, {len(colours):,} colours"


@contextlib.contextmanager
def _watching(problems: Problems) -> Iterator[list[warnings.WarningMessage]]:
    """Route Qt's messages, Python's warnings and escaped exceptions to ``problems``."""
    from PySide6.QtCore import qInstallMessageHandler

    hooks = (sys.excepthook, threading.excepthook)
    previous = qInstallMessageHandler(problems.qt_message)
    sys.excepthook, threading.excepthook = problems.exception, problems.thread_exception
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            yield caught
    finally:
        qInstallMessageHandler(previous)
        sys.excepthook, threading.excepthook = hooks


def run(out: TextIO | None = None) -> int:
    """Run the self-test; 0 when it passed."""
    out = out or sys.stdout
    # Offscreen unless asked otherwise: pages are drawn without showing a window.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logs.setup()
    log.info("Self-test started")
    with tempfile.TemporaryDirectory(prefix="worthit-self-test-",
                                     ignore_cleanup_errors=True) as folder:
        test = SelfTest(out, Path(folder))
        with _watching(test.problems) as caught:
            code = test.run(caught)
    log.info("Self-test finished with exit status %d", code)
    logs.flush()
    return code

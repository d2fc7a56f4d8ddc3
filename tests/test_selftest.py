"""``worthit --self-test``: it passes on a sound installation, reporting each check, and it
fails (exit 1) when something an installer can break is broken: a missing resource, an
exception while a page draws, a Qt warning, a Python warning.

The self-test runs in a subprocess whose HOME and XDG folders are in tmp_path, without a
D-Bus session, so neither the user's folders nor their keyring are touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from worthit import selftest
from worthit.paths import resources_dir
from worthit.ui.pages import NAMES

PLAINTEXT = "keyrings.alt.file.PlaintextKeyring"
FAIL_BACKEND = "keyring.backends.fail.Keyring"


def isolated(tmp_path: Path, backend: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DBUS_SESSION_BUS_ADDRESS", "WORTHIT_HOME", "XDG_RUNTIME_DIR"}}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), QT_QPA_PLATFORM="offscreen",
               PYTHON_KEYRING_BACKEND=backend)
    env.pop("WORTHIT_ALLOW_INSECURE_KEYRING", None)
    if backend == PLAINTEXT:  # Worthit refuses a plaintext keyring unless told to use it
        env["WORTHIT_ALLOW_INSECURE_KEYRING"] = "1"
    return env


def self_test(tmp_path: Path, *, backend: str = PLAINTEXT,
              prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``python -m worthit --self-test``, after ``prelude`` (which may break something)."""
    # A script file, not ``python -c``: under -c, __main__ has no file, and PySide6's import
    # hook (shibokensupport feature_imported) then warns on Python 3.11 when an extension
    # module such as DuckDB's is first imported after Qt
    # ("BuiltinImporter.module_repr() is deprecated"), which an installed app never sees.
    script = tmp_path / "self_test.py"
    script.write_text(textwrap.dedent(prelude) + textwrap.dedent("""
        import sys
        from worthit.__main__ import main
        sys.exit(main(["--self-test"]))
    """), encoding="utf-8")
    return subprocess.run([sys.executable, str(script)], env=isolated(tmp_path, backend),
                          cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          check=False)


def lines(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Each check's report line by its name: {"page overview": "ok    page overview ..."}
    (the line is "  STATUS NAME SECONDS s  DETAIL", in fixed columns)."""
    found = {}
    for line in done.stdout.splitlines():
        status, name = line[2:7].strip(), line[8:26].strip()
        if line.startswith("  ") and status in {"ok", "skip", "FAIL"}:
            found[name] = line.strip()
    return found


@pytest.mark.slow
def test_the_self_test_passes_and_reports_each_check(tmp_path: Path) -> None:
    done = self_test(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    report = lines(done)
    assert all(line.startswith("ok") for line in report.values()), done.stdout
    for name in (*(f"page {page}" for page in NAMES), "app", "resources", "icons",
                 "demo workspace", "about box", "import parquet", "aws clients", "export",
                 "keyring", "log contents", "qt messages", "errors", "python warnings"):
        assert name in report, f"no {name!r} line in:\n{done.stdout}"
    assert "platform offscreen" in report["app"]
    assert "PlaintextKeyring" in report["keyring"]
    assert done.stdout.splitlines()[-1].startswith("Self-test passed: ")
    # The log file is where platformdirs puts it, and the throwaway key is not in it.
    log = tmp_path / "state" / "Worthit" / "log" / "worthit.log"
    text = log.read_text(encoding="utf-8")
    assert "Self-test started" in text and "Self-test finished with exit status 0" in text
    assert selftest.SECRET_PREFIX not in text
    # It made its demo in a temporary folder, never the default workspace, and the
    # keyring entry it wrote is gone.
    assert not (tmp_path / "data" / "Worthit").exists()
    stored = (tmp_path / "data" / "python_keyring" / "keyring_pass.cfg").read_text()
    assert selftest.KEYRING_ENTRY not in stored


@pytest.mark.slow
def test_a_missing_resource_fails_it_and_no_keyring_is_a_skip(tmp_path: Path) -> None:
    broken = tmp_path / "resources"
    shutil.copytree(resources_dir(), broken)
    (broken / "prices" / "models.json").unlink()
    done = self_test(tmp_path, backend=FAIL_BACKEND, prelude=f"""
        import functools, pathlib, worthit.paths
        real = worthit.paths._data_dir
        worthit.paths._data_dir = functools.cache(
            lambda name: pathlib.Path({str(broken)!r}) if name == "resources" else real(name))
    """)
    assert done.returncode == 1, done.stdout + done.stderr
    report = lines(done)
    assert report["resources"].startswith("FAIL")
    assert "models.json" in report["resources"]
    assert report["keyring"].startswith("skip")
    assert "No system keyring was found" in report["keyring"]
    assert done.stdout.splitlines()[-1].startswith("Self-test FAILED: ")


@pytest.mark.slow
def test_an_exception_a_qt_warning_or_a_python_warning_fails_it(tmp_path: Path) -> None:
    done = self_test(tmp_path, prelude="""
        import warnings
        from PySide6.QtCore import qWarning
        from worthit.ui import about
        from worthit.ui.views.overview import OverviewPage

        def broken(self, result):
            raise RuntimeError("provoked while drawing")

        OverviewPage.show_result = broken
        real_init = about.AboutDialog.__init__

        def noisy(self, *args, **kwargs):
            real_init(self, *args, **kwargs)
            qWarning("provoked Qt warning")
            warnings.warn("provoked Python warning", UserWarning, stacklevel=1)

        about.AboutDialog.__init__ = noisy
    """)
    assert done.returncode == 1, done.stdout + done.stderr
    report = lines(done)
    # The exception ends the page's wait at once (not the screenshot's two-minute timeout).
    assert report["page overview"].startswith("FAIL")
    assert "RuntimeError: provoked while drawing" in report["page overview"]
    assert report["page allocation"].startswith("ok")
    # The page catches a drawing bug and says so (above): it is no uncaught exception.
    assert report["errors"].startswith("ok")
    assert report["qt messages"].startswith("FAIL")
    assert "provoked Qt warning" in report["qt messages"]
    assert report["python warnings"].startswith("FAIL")
    assert "UserWarning: provoked Python warning" in report["python warnings"]


def test_expected_qt_messages_are_ignored_and_others_counted() -> None:
    from PySide6.QtCore import QtMsgType

    problems = selftest.Problems()
    problems.qt_message(QtMsgType.QtWarningMsg, None,
                        "This plugin does not support propagateSizeHints()")
    problems.qt_message(QtMsgType.QtDebugMsg, None, "chatter")
    problems.qt_message(QtMsgType.QtCriticalMsg, None, "QPainter::begin: not active")
    assert problems.qt == ["QtCriticalMsg: QPainter::begin: not active"]
    assert len(problems.ignored_qt) == 1


def test_python_warnings_inside_the_watch_are_caught_and_hooks_restored() -> None:
    hooks = (sys.excepthook,)
    problems = selftest.Problems()
    with selftest._watching(problems) as caught:
        warnings.warn("inside", DeprecationWarning, stacklevel=1)
        assert sys.excepthook == problems.exception
    assert [str(w.message) for w in caught] == ["inside"]
    assert (sys.excepthook,) == hooks


# -- the log file ----------------------------------------------------------------------


def test_the_log_file_never_holds_a_secret(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import logging

    from platformdirs import user_log_path

    from worthit import logs

    assert logs.log_dir() == user_log_path("Worthit", appauthor=False)
    monkeypatch.setattr(logs, "log_dir", lambda: tmp_path / "logs")
    console = logging.StreamHandler(io.StringIO())  # as logging.basicConfig makes it
    root, worthit_logger = logging.getLogger(), logging.getLogger("worthit")
    monkeypatch.setattr(root, "level", logging.WARNING)
    monkeypatch.setattr(worthit_logger, "level", worthit_logger.level)
    root.addHandler(console)
    try:
        path = logs.setup()
        logs.scrub("typed-by-the-user-0123456789")
        log = logging.getLogger("worthit.test")
        log.info("Saved key %s for source %r", "typed-by-the-user-0123456789", "prod")
        log.info("OpenAI answered for sk-admin-AbCdEf0123456789xyz and AKIAABCDEFGHIJKLMNOP")
        log.info("headers: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload")
        try:
            raise ValueError("refused typed-by-the-user-0123456789")
        except ValueError:
            log.exception("A sync failed")
        logs.flush()
    finally:
        logs.shutdown()
        root.removeHandler(console)
    assert path == tmp_path / "logs" / "worthit.log"
    text = path.read_text(encoding="utf-8")
    for secret in ("typed-by-the-user", "sk-admin-AbCdEf", "AKIAABCDEFGHIJKLMNOP", "eyJhbGci"):
        assert secret not in text
    assert "Saved key •••• for source 'prod'" in text
    assert "Bearer ••••" in text
    assert "ValueError: refused ••••" in text  # the traceback is scrubbed too
    # Worthit's INFO lines go to the file only: the console stays at WARNING, scrubbed too.
    shown = console.stream.getvalue()
    assert "Saved key" not in shown
    assert "ValueError: refused ••••" in shown and "typed-by-the-user" not in shown

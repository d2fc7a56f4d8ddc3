"""Real keyring backends for the secrets tests: never a mock.

A test that takes ``backend`` runs twice:

* ``secret-service``: GNOME Keyring's Secret Service on a private D-Bus session bus, both
  started here in a temporary HOME and torn down at the end, so the user's own keyring is
  never touched. Skipped, saying what is missing, where ``dbus-daemon`` or
  ``gnome-keyring-daemon`` is not installed (``apt-get install gnome-keyring dbus``).
* ``file``: keyrings.alt's PlaintextKeyring, writing a real file under the test's tmp_path.
  Worthit refuses it unless ``WORTHIT_ALLOW_INSECURE_KEYRING=1``: set for those tests.

The daemons run in the foreground as children of pytest (not forked off), so stopping them
also reaps them: nothing is left behind, not even a zombie.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend

from worthit.secrets import ALLOW_INSECURE, SERVICE

#: The login keyring's password; the daemon is unlocked with it at start.
PASSWORD = b"pw"

# The bus's own configuration, without the standard service directories: D-Bus cannot
# activate a second, unmanaged gnome-keyring-daemon (which would prompt and fail).
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass(frozen=True)
class SecretService:
    """A running private Secret Service: the variables that reach it, and its HOME."""

    home: Path
    env: dict[str, str]

    @property
    def keyring_file(self) -> Path:
        """Where GNOME Keyring keeps the (encrypted) login keyring."""
        return self.home / "data" / "keyrings" / "login.keyring"


def secret_service_missing() -> str | None:
    """Why no Secret Service can run here, or None when one can."""
    missing = [name for name in ("dbus-daemon", "gnome-keyring-daemon")
               if shutil.which(name) is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        return (f"{' and '.join(missing)} {verb} not installed, so no Secret Service can run here "
                "(apt-get install gnome-keyring dbus)")
    try:
        import jeepney  # noqa: F401
        import secretstorage  # noqa: F401
    except ImportError as exc:
        return f"keyring's Secret Service backend needs {exc.name}, which is not installed"
    return None


@contextmanager
def running_secret_service(home: Path) -> Iterator[SecretService]:
    """Start a private session bus and an unlocked gnome-keyring-daemon on it, in ``home``."""
    reason = secret_service_missing()
    if reason:
        pytest.skip(reason)
    runtime = home / "run"
    runtime.mkdir(mode=0o700, parents=True)
    config = home / "bus.conf"
    config.write_text(BUS_CONFIG.format(folder=home), encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(runtime),
    }
    printed = home / "gnome-keyring.env"
    with (home / "daemons.log").open("w+b") as daemon_log, printed.open("wb") as daemon_out:
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=daemon_log, env=env,
        )
        daemon: subprocess.Popen[bytes] | None = None
        try:
            assert bus.stdout is not None
            address = bus.stdout.readline().decode().strip()
            if not address:
                raise RuntimeError(f"dbus-daemon gave no address: {_tail(daemon_log)}")
            env["DBUS_SESSION_BUS_ADDRESS"] = address
            control = runtime / "keyring"
            daemon = subprocess.Popen(
                ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets",
                 f"--control-directory={control}"],
                stdin=subprocess.PIPE, stdout=daemon_out, stderr=daemon_log, env=env,
            )
            assert daemon.stdin is not None
            daemon.stdin.write(PASSWORD)  # --unlock reads the password up to end of file
            daemon.stdin.close()
            _wait_until_ready(address, daemon, daemon_log)
            # It prints the variables that reach it: GNOME_KEYRING_CONTROL=... at least.
            env["GNOME_KEYRING_CONTROL"] = str(control)
            for line in printed.read_text(encoding="utf-8").splitlines():
                name, equals, value = line.partition("=")
                if equals and name.isidentifier():
                    env[name] = value
            yield SecretService(home, env)
        finally:
            for process in (daemon, bus):
                if process is not None:
                    _stop(process)


def _wait_until_ready(address: str, daemon: subprocess.Popen[bytes], log_file: IO[bytes]) -> None:
    """Wait for org.freedesktop.secrets on the bus, with its login collection unlocked."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise RuntimeError(f"gnome-keyring-daemon exited with {daemon.returncode}: "
                               f"{_tail(log_file)}")
        with closing(open_dbus_connection(address)) as connection:
            if secretstorage.check_service_availability(connection):
                if secretstorage.get_default_collection(connection).is_locked():
                    raise RuntimeError("gnome-keyring-daemon started with its keyring locked")
                return
        time.sleep(0.02)
    raise RuntimeError(f"gnome-keyring-daemon did not come up in 10 s: {_tail(log_file)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


def _tail(log_file: IO[bytes]) -> str:
    log_file.seek(0)
    return log_file.read().decode(errors="replace")[-2000:]


@pytest.fixture(scope="package")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    """One private Secret Service for the whole tests/secrets package (skips where none can
    run). The process environment is only pointed at it inside each test (``backend``)."""
    with running_secret_service(tmp_path_factory.mktemp("secret-service")) as service:
        yield service


def use_backend(monkeypatch: pytest.MonkeyPatch, chosen: KeyringBackend) -> None:
    """Make ``chosen`` keyring's backend for this test; the previous one comes back after."""
    # keyring keeps its backend in a module global: monkeypatch records it to restore it.
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    keyring.set_keyring(chosen)


def point_at(monkeypatch: pytest.MonkeyPatch, service: SecretService) -> None:
    """Point this process's D-Bus and XDG variables at ``service`` for this test."""
    for name, value in service.env.items():
        if name != "PATH":
            monkeypatch.setenv(name, value)


@dataclass(frozen=True)
class Backend:
    """A real keyring backend in use for one test, and the folder its store lives in."""

    name: str
    keyring: KeyringBackend
    store: Path
    service: SecretService | None = None


@pytest.fixture(params=["secret-service", "file"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
            tmp_path: Path) -> Iterator[Backend]:
    """Each real backend in turn, selected with keyring.set_keyring and emptied afterwards."""
    if request.param == "secret-service":
        from keyring.backends import SecretService as SecretServiceBackend

        service: SecretService = request.getfixturevalue("secret_service")
        point_at(monkeypatch, service)
        chosen: KeyringBackend = SecretServiceBackend.Keyring()
        use_backend(monkeypatch, chosen)
        yield Backend(request.param, chosen, service.home, service)
        _empty_worthit_items(service)
    else:
        from keyrings.alt.file import PlaintextKeyring

        monkeypatch.setenv(ALLOW_INSECURE, "1")  # the opt-in Worthit needs for this backend
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        plain = PlaintextKeyring()
        plain.file_path = str(tmp_path / "keyring" / "worthit_pass.cfg")  # type: ignore[misc]
        use_backend(monkeypatch, plain)
        yield Backend(request.param, plain, tmp_path / "keyring")


def _empty_worthit_items(service: SecretService) -> None:
    """Remove what a test stored, so the shared Secret Service starts each test empty."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    with closing(open_dbus_connection(service.env["DBUS_SESSION_BUS_ADDRESS"])) as connection:
        collection = secretstorage.get_default_collection(connection)
        for item in collection.search_items({"service": SERVICE}):
            item.delete()


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch) -> KeyringBackend:
    """keyring's own 'fail' backend, which raises NoKeyringError on every call."""
    from keyring.backends import fail

    chosen = fail.Keyring()
    use_backend(monkeypatch, chosen)
    return chosen

"""Worthit keeps keys only in a keyring that protects them (issue 25): keyrings.alt's
plaintext file and keyring's null backend are refused, saying why and what to do, unless
the user opts in (WORTHIT_ALLOW_INSECURE_KEYRING=1; never for the null backend, which
loses keys); the self-test and `sources add` say which backend holds the keys."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from tests.conftest import run_cli
from tests.secrets.conftest import SecretService, point_at, use_backend
from worthit import secrets
from worthit.secrets import ALLOW_INSECURE, SecretError
from worthit.selftest import SelfTest, Skipped
from worthit.store.cache import Cache
from worthit.workspace import Workspace

KEY = "sk-admin-plain-7f3a9c1e2b4d6f80a1c3"
WS = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.fixture
def plaintext(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """keyrings.alt's plaintext file as keyring's backend, the opt-in unset; its file."""
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.delenv(ALLOW_INSECURE, raising=False)
    plain = PlaintextKeyring()
    plain.file_path = str(tmp_path / "keyring" / "worthit_pass.cfg")  # type: ignore[misc]
    use_backend(monkeypatch, plain)
    return Path(plain.file_path)


@pytest.fixture
def null(monkeypatch: pytest.MonkeyPatch) -> KeyringBackend:
    from keyring.backends import null

    chosen = null.Keyring()
    use_backend(monkeypatch, chosen)
    return chosen


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    made = Workspace(tmp_path / "ws")
    Cache.open(made.cache_path).close()
    yield made


def sources_add(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                workspace: Workspace) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{KEY}\n"))
    return run_cli(capsys, workspace, "sources", "add", "openai", "--name", "prod")


def sources_count(workspace: Workspace) -> int:
    with workspace.open() as cache:
        return int(cache._scalar("SELECT COUNT(*) FROM sources"))


# -- the plaintext file -------------------------------------------------------------------


def test_a_plaintext_keyring_is_refused_and_nothing_is_written(plaintext: Path) -> None:
    with pytest.raises(SecretError) as raised:
        secrets.store("prod", KEY, workspace=WS)
    message = str(raised.value)
    assert "'prod'" in message and "PlaintextKeyring" in message
    assert "unencrypted" in message and f"{ALLOW_INSECURE}=1" in message
    assert KEY not in message
    assert not plaintext.exists()
    with pytest.raises(SecretError, match="does not protect keys"):
        secrets.load("prod", workspace=WS)


def test_sources_add_refuses_a_plaintext_keyring_and_adds_nothing(
        plaintext: Path, workspace: Workspace, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = sources_add(capsys, monkeypatch, workspace)
    assert code == 2 and "does not protect keys" in err, out + err
    assert sources_count(workspace) == 0
    assert not plaintext.exists()


def test_the_self_test_skips_a_plaintext_keyring_saying_why(
        plaintext: Path, tmp_path: Path) -> None:
    usable, description = secrets.available()
    assert not usable and "does not protect keys" in description
    with pytest.raises(Skipped, match=r"PlaintextKeyring.*does not protect keys"):
        SelfTest(io.StringIO(), tmp_path).keyring("worthit-self-test-secret-x")
    assert not plaintext.exists()


def test_the_opt_in_allows_it_and_every_report_says_it_is_unprotected(
        plaintext: Path, workspace: Workspace, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_INSECURE, "1")

    code, out, err = sources_add(capsys, monkeypatch, workspace)

    assert code == 0, err
    assert "its key kept by file PlaintextKeyring (NOT protected" in out
    assert plaintext.is_file()
    usable, description = secrets.available()
    assert usable and "NOT protected" in description and ALLOW_INSECURE in description
    checked = SelfTest(io.StringIO(), tmp_path).keyring("worthit-self-test-secret-x")
    assert "PlaintextKeyring (NOT protected" in checked


# -- the null backend ---------------------------------------------------------------------


@pytest.mark.parametrize("opted_in", [False, True])
def test_the_null_backend_is_refused_even_with_the_opt_in(
        null: KeyringBackend, workspace: Workspace, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, opted_in: bool) -> None:
    if opted_in:
        monkeypatch.setenv(ALLOW_INSECURE, "1")

    code, out, err = sources_add(capsys, monkeypatch, workspace)

    assert code == 2, out
    assert "no system keyring was found" in err and "throws every key away" in err
    assert sources_count(workspace) == 0
    assert not secrets.available()[0]
    for call in (lambda: secrets.store("prod", KEY, workspace=WS),
                 lambda: secrets.load("prod", workspace=WS)):
        with pytest.raises(SecretError, match="throws every key away"):
            call()


# -- keyring's chainer: the real keyring, and a plaintext file next to it -----------------


def test_a_chain_with_a_plaintext_file_keeps_to_the_real_keyring(
        secret_service: SecretService, plaintext: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where keyrings.alt is installed beside GNOME Keyring, keyring chains both: Worthit
    works without the opt-in, and neither writes to the file nor reads a key from it."""
    import keyring
    from keyring.backends import SecretService as SecretServiceBackend
    from keyring.backends.chainer import ChainerBackend

    from tests.secrets.conftest import _empty_worthit_items

    point_at(monkeypatch, secret_service)
    plain = keyring.get_keyring()
    real = SecretServiceBackend.Keyring()
    monkeypatch.setattr(ChainerBackend, "backends", [real, plain])
    use_backend(monkeypatch, ChainerBackend())
    plain.set_password(secrets.SERVICE, f"{WS}/planted", KEY)  # left by some other program
    try:
        assert secrets.available() == (True, real.name)
        secrets.store("prod", KEY, workspace=WS)
        assert real.get_password(secrets.SERVICE, f"{WS}/prod") == KEY
        assert plain.get_password(secrets.SERVICE, f"{WS}/prod") is None
        assert secrets.load("planted", workspace=WS) is None
    finally:
        _empty_worthit_items(secret_service)

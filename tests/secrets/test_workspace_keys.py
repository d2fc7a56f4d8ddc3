"""Keys belong to a source in one workspace (issue 25): `worthit sources add/remove` and
`worthit webhook` in one workspace never touch another's key, a refused command never
costs a key, and the keys Worthit kept before workspaces had ids still work. Against real
keyring backends (see conftest.py)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import keyring
import pytest

from tests.conftest import run_cli
from tests.secrets.conftest import Backend
from worthit import secrets
from worthit.alerts import webhook
from worthit.secrets import SecretError
from worthit.store.alerts import WEBHOOK_KEY
from worthit.store.cache import Cache
from worthit.store.sources import add_source
from worthit.workspace import IDENTITY_KEY, Workspace, identity

KEY = "sk-admin-first-7f3a9c1e2b4d6f80a1c3"
OTHER_KEY = "sk-admin-other-0b1d3f5a7c9e2468ace0"
Capsys = pytest.CaptureFixture[str]


def empty_workspace(folder: Path) -> Workspace:
    workspace = Workspace(folder)
    Cache.open(workspace.cache_path).close()
    return workspace


def add(capsys: Capsys, monkeypatch: pytest.MonkeyPatch, workspace: Workspace, name: str,
        key: str) -> tuple[int, str, str]:
    """``worthit sources add openai --name NAME`` with ``key`` piped in."""
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{key}\n"))
    return run_cli(capsys, workspace, "sources", "add", "openai", "--name", name,
                   "--set", "endpoint=http://127.0.0.1:9")


def key_of(workspace: Workspace, name: str) -> str | None:
    with workspace.open() as cache:
        return secrets.load(name, workspace=identity(cache))


# -- a refused command costs no key -------------------------------------------------------


def test_a_refused_duplicate_keeps_the_first_key(
        backend: Backend, tmp_path: Path, capsys: Capsys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    assert add(capsys, monkeypatch, workspace, "prod", KEY)[0] == 0

    code, out, err = add(capsys, monkeypatch, workspace, "prod", OTHER_KEY)

    assert code == 2 and "There is already a source 'prod'" in err, out + err
    assert key_of(workspace, "prod") == KEY
    assert OTHER_KEY not in out + err


def test_the_duplicate_is_refused_before_the_key_is_read(
        backend: Backend, tmp_path: Path, capsys: Capsys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    add(capsys, monkeypatch, workspace, "prod", KEY)
    piped = io.StringIO(f"{OTHER_KEY}\n")
    monkeypatch.setattr("sys.stdin", piped)

    code, _, err = run_cli(capsys, workspace, "sources", "add", "openai", "--name", "prod")

    assert code == 2 and "already a source" in err
    assert piped.tell() == 0, "the key was read for a source that was refused"


def test_a_failed_change_puts_back_the_key_that_was_there(backend: Backend) -> None:
    secrets.store("prod", KEY, workspace="ws1")
    with pytest.raises(RuntimeError), secrets.replacing("prod", OTHER_KEY, workspace="ws1"):
        assert secrets.load("prod", workspace="ws1") == OTHER_KEY  # in place for the block
        raise RuntimeError("the source was refused")
    assert secrets.load("prod", workspace="ws1") == KEY


def test_a_failed_change_deletes_only_the_key_it_created(backend: Backend) -> None:
    secrets.store("prod", KEY, workspace="ws2")
    with pytest.raises(RuntimeError), secrets.replacing("prod", OTHER_KEY, workspace="ws1"):
        raise RuntimeError("the source was refused")
    assert secrets.load("prod", workspace="ws1") is None
    assert secrets.load("prod", workspace="ws2") == KEY


def test_a_change_that_works_keeps_the_new_key(backend: Backend) -> None:
    secrets.store("prod", KEY, workspace="ws1")
    with secrets.replacing("prod", OTHER_KEY, workspace="ws1"):
        pass
    assert secrets.load("prod", workspace="ws1") == OTHER_KEY


# -- each workspace its own keys ----------------------------------------------------------


def test_workspaces_keep_their_own_keys_for_a_source_of_the_same_name(
        backend: Backend, tmp_path: Path, capsys: Capsys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = empty_workspace(tmp_path / "a"), empty_workspace(tmp_path / "b")
    assert add(capsys, monkeypatch, first, "prod", KEY)[0] == 0
    assert add(capsys, monkeypatch, second, "prod", OTHER_KEY)[0] == 0

    assert (key_of(first, "prod"), key_of(second, "prod")) == (KEY, OTHER_KEY)

    code, _, err = run_cli(capsys, second, "sources", "remove", "prod")

    assert code == 0, err
    assert (key_of(first, "prod"), key_of(second, "prod")) == (KEY, None)


def test_the_webhook_belongs_to_its_workspace(
        backend: Backend, tmp_path: Path, capsys: Capsys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = empty_workspace(tmp_path / "a"), empty_workspace(tmp_path / "b")
    for workspace, url in ((first, "https://hooks.example/a"),
                           (second, "https://hooks.example/b")):
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{url}\n"))
        assert run_cli(capsys, workspace, "webhook", "set")[0] == 0

    with first.open() as a, second.open() as b:
        assert (webhook.load_url(a), webhook.load_url(b)) == \
            ("https://hooks.example/a", "https://hooks.example/b")
        webhook.remove_url(b)
        assert (webhook.load_url(a), webhook.load_url(b)) == ("https://hooks.example/a", None)


def test_the_identity_is_made_once_and_moves_with_the_folder(
        backend: Backend, tmp_path: Path, capsys: Capsys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    add(capsys, monkeypatch, workspace, "prod", KEY)
    with workspace.open() as cache:
        made = identity(cache)
        assert identity(cache) == made == cache.get_meta(IDENTITY_KEY)
    moved = Workspace(Path(shutil.move(workspace.folder, tmp_path / "elsewhere")))

    assert key_of(moved, "prod") == KEY
    with moved.open() as cache:
        assert identity(cache) == made


# -- the keys of Worthit before workspace ids ---------------------------------------------


def test_keys_kept_under_the_bare_name_are_copied_for_the_sources_held_then(
        backend: Backend, tmp_path: Path) -> None:
    """Two workspaces from before ids, sharing the one bare entry as they did: each gets
    its copy, the bare entry stays for the other, and a source added later gets none."""
    keyring.set_password(secrets.SERVICE, "prod", KEY)
    keyring.set_password(secrets.SERVICE, webhook.KEYRING_NAME, "https://hooks.example/old")
    workspaces = [empty_workspace(tmp_path / name) for name in ("a", "b")]
    for workspace in workspaces:
        with workspace.open() as cache:
            add_source(cache, "prod", "openai", {})
            cache.set_meta({WEBHOOK_KEY: "1"})

    for workspace in workspaces:
        assert key_of(workspace, "prod") == KEY
        with workspace.open() as cache:
            assert webhook.load_url(cache) == "https://hooks.example/old"
    assert keyring.get_password(secrets.SERVICE, "prod") == KEY  # left for other workspaces

    keyring.set_password(secrets.SERVICE, "later", OTHER_KEY)
    with workspaces[0].open() as cache:
        add_source(cache, "later", "openai", {})
    assert key_of(workspaces[0], "later") is None


def test_a_keyring_failure_while_copying_old_keys_leaves_no_identity(
        tmp_path: Path, failing: object) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    with workspace.open() as cache:
        add_source(cache, "prod", "openai", {})
        with pytest.raises(SecretError, match="no system keyring was found"):
            identity(cache)
        assert cache.get_meta(IDENTITY_KEY) is None  # the next attempt copies them


# -- a key given as a setting by mistake ---------------------------------------------------


@pytest.mark.parametrize(("item", "secret"), [
    (f"api_key={KEY}", KEY), (KEY, KEY), (f"{KEY}=", KEY), ("key=x%2Fy0", "x%2Fy0"),
    (f"Zm9vYmFyYmF6cXV4=={KEY}", "Zm9vYmFyYmF6cXV4")])
def test_a_key_given_as_a_setting_is_not_printed_back(
        tmp_path: Path, capsys: Capsys, item: str, secret: str) -> None:
    workspace = empty_workspace(tmp_path / "ws")
    code, out, err = run_cli(capsys, workspace, "sources", "add", "openai", "--name", "prod",
                             "--set", item)
    assert code == 2
    assert "openai sources take endpoint=VALUE, project=VALUE" in err
    assert "not a setting: it is read from stdin" in err
    assert secret not in out + err
    if item.startswith("api_key="):
        assert f"--set api_key={secrets.MASK}:" in err

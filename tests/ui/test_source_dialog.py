"""Adding a live source from the Sources page: the form follows the kind, the key goes to
the keyring and nowhere in the workspace, and Test connection runs on a worker and
answers in plain words without the key."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot
from tests.sources.loopback import keyring_file
from tests.ui.support import open_page

from worthit import secrets
from worthit.store.cache import Cache
from worthit.ui.views.sources import SourcesPage
from worthit.workspace import Workspace, identity

__all__ = ["keyring_file"]  # the fixture, bound by name
KEY = "sk-admin-dialog-0123456789abcdef"


def window_on_sources(qtbot: QtBot, tmp_path: Path) -> tuple[Workspace, SourcesPage]:
    workspace = Workspace(tmp_path / "ws")
    Cache.open(workspace.cache_path).close()
    _, page = open_page(qtbot, workspace, "sources", SourcesPage)
    return workspace, page


def test_a_live_source_is_saved_with_its_key_in_the_keyring_only(
        qtbot: QtBot, tmp_path: Path, keyring_file: Path) -> None:
    workspace, page = window_on_sources(qtbot, tmp_path)
    dialog = page.edit_source(None)
    dialog.kind.setCurrentIndex(dialog.kind.findData("openai"))
    assert set(dialog.fields) == {"endpoint", "project"}  # the form follows the kind
    dialog.name.setText("openai-prod")
    dialog.fields["endpoint"].setText("https://gateway.example/openai")
    dialog.secret.setText(f"  {KEY}\n")
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        dialog.save()
    with workspace.open() as cache:
        assert secrets.load("openai-prod", workspace=identity(cache)) == KEY
    with workspace.open() as cache:
        kind, settings = cache._rows("SELECT kind, settings FROM sources")[0]
    assert kind == "openai"
    assert json.loads(settings) == {"endpoint": "https://gateway.example/openai",
                                    "project": ""} or json.loads(settings)["endpoint"] == \
        "https://gateway.example/openai"
    for file in workspace.folder.iterdir():
        assert KEY.encode() not in file.read_bytes(), file
    assert [s["name"] for s in page.result["sources"]] == ["openai-prod"]


def test_test_connection_answers_in_plain_words_without_the_key(
        qtbot: QtBot, tmp_path: Path, keyring_file: Path) -> None:
    workspace, page = window_on_sources(qtbot, tmp_path)
    dialog = page.edit_source(None)
    dialog.kind.setCurrentIndex(dialog.kind.findData("openai"))
    dialog.name.setText("openai-test")
    dialog.fields["endpoint"].setText("http://127.0.0.1:9")  # nothing listens there
    dialog.secret.setText(KEY)
    dialog.test()
    qtbot.waitUntil(lambda: dialog.status.text() not in ("", "Testing…"), timeout=30_000)
    message = dialog.status.text()
    assert "OpenAI" in message or "127.0.0.1" in message, message
    assert KEY not in message
    with workspace.open() as cache:  # a test saves nothing
        assert secrets.load("openai-test", workspace=identity(cache)) is None


def test_a_source_without_a_name_or_key_is_refused_and_nothing_is_stored(
        qtbot: QtBot, tmp_path: Path, keyring_file: Path) -> None:
    workspace, page = window_on_sources(qtbot, tmp_path)
    dialog = page.edit_source(None)
    dialog.kind.setCurrentIndex(dialog.kind.findData("openai"))
    dialog.secret.setText(KEY)
    dialog.save()  # saved by the workspace's writer: the refusal comes back to the dialog
    qtbot.waitUntil(lambda: "needs a name" in dialog.status.text(), timeout=30_000)
    assert dialog.save_button.isEnabled()
    dialog.name.setText("openai-prod")
    dialog.secret.setText("")
    dialog.save()
    qtbot.waitUntil(lambda: "Enter the admin API key" in dialog.status.text(), timeout=30_000)
    with workspace.open() as cache:
        assert cache._scalar("SELECT COUNT(*) FROM sources") == 0

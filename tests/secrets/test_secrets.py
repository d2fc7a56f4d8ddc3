"""worthit.secrets against real keyring backends (see conftest.py): never a mock."""

from __future__ import annotations

import hashlib
import io
import logging
from contextlib import closing
from pathlib import Path

import pytest

from tests.secrets.conftest import (
    Backend,
    point_at,
    running_secret_service,
    secret_service_missing,
    use_backend,
)
from worthit import secrets
from worthit.core.errors import UserError
from worthit.secrets import MASK, Redacted, SecretError, redact

KEY = "sk-test-7f3a9c1e2b4d6f80a1c3e5"
OTHER_KEY = "sk-ant-api03-0b1d3f5a7c9e"
#: A workspace id, as worthit.workspace.identity makes them.
WS = "5f0c1e2d3b4a49688776655443322110"


def test_round_trip(backend: Backend) -> None:
    assert secrets.load("openai-prod", workspace=WS) is None
    secrets.store("openai-prod", KEY, workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) == KEY
    secrets.delete("openai-prod", workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) is None


def test_sources_do_not_clobber_each_other(backend: Backend) -> None:
    secrets.store("openai-prod", KEY, workspace=WS)
    secrets.store("anthropic-prod", OTHER_KEY, workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) == KEY
    assert secrets.load("anthropic-prod", workspace=WS) == OTHER_KEY
    secrets.delete("openai-prod", workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) is None
    assert secrets.load("anthropic-prod", workspace=WS) == OTHER_KEY


def test_entries_live_under_the_worthit_service(backend: Backend) -> None:
    import keyring

    secrets.store("openai-prod", KEY, workspace=WS)
    assert keyring.get_password("worthit", f"{WS}/openai-prod") == KEY
    assert keyring.get_password("worthit", "openai-prod") is None
    assert keyring.get_password("other-app", f"{WS}/openai-prod") is None


def test_store_overwrites(backend: Backend) -> None:
    secrets.store("openai-prod", KEY, workspace=WS)
    secrets.store("openai-prod", OTHER_KEY, workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) == OTHER_KEY
    secrets.delete("openai-prod", workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) is None, \
        "an overwrite left a second entry behind"


def test_delete_of_a_missing_entry_is_quiet(backend: Backend) -> None:
    secrets.delete("never-stored", workspace=WS)
    secrets.store("openai-prod", KEY, workspace=WS)
    secrets.delete("openai-prod", workspace=WS)
    secrets.delete("openai-prod", workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) is None


def test_unicode_secret(backend: Backend) -> None:
    secret = "clé-秘密-ключ-🔑-ﬁ"
    secrets.store("ünïcode-source", secret, workspace=WS)
    assert secrets.load("ünïcode-source", workspace=WS) == secret


def test_whitespace_and_newline_around_a_pasted_key_are_stripped(backend: Backend) -> None:
    secrets.store("openai-prod", f"  {KEY}\r\n", workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) == KEY


@pytest.mark.parametrize("empty", ["", "   ", "\n", " \t\r\n "])
def test_empty_secret_is_refused(backend: Backend, empty: str) -> None:
    with pytest.raises(SecretError, match=r"API key for source 'openai-prod' is empty"):
        secrets.store("openai-prod", empty, workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) is None


def test_empty_secret_does_not_replace_a_stored_one(backend: Backend) -> None:
    secrets.store("openai-prod", KEY, workspace=WS)
    with pytest.raises(SecretError):
        secrets.store("openai-prod", "\n", workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) == KEY


def test_a_source_needs_a_name(backend: Backend) -> None:
    with pytest.raises(SecretError, match="needs a name"):
        secrets.store(" ", KEY, workspace=WS)


def test_available_names_the_real_backend(backend: Backend) -> None:
    usable, description = secrets.available()
    assert usable, description
    expected = "SecretService" if backend.name == "secret-service" else "PlaintextKeyring"
    assert expected in description


def test_values_are_never_logged_only_source_names(
        backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets.store("openai-prod", KEY, workspace=WS)
    assert secrets.load("openai-prod", workspace=WS) == KEY
    secrets.delete("openai-prod", workspace=WS)
    secrets.delete("openai-prod", workspace=WS)
    assert "openai-prod" in caplog.text
    assert KEY not in caplog.text
    assert all(KEY not in str(record.args) for record in caplog.records)


def test_secret_is_only_in_the_keyring_store(backend: Backend) -> None:
    if backend.service is None:
        # keyrings.alt's plaintext file is a store of its own by nature: it must be real.
        secrets.store("openai-prod", KEY, workspace=WS)
        assert secrets.load("openai-prod", workspace=WS) == KEY
        assert any(backend.store.iterdir()), "the file backend wrote no file"
        return
    keyring_file = backend.service.keyring_file
    before = hashlib.sha256(keyring_file.read_bytes()).digest()
    secrets.store("openai-prod", KEY, workspace=WS)
    assert hashlib.sha256(keyring_file.read_bytes()).digest() != before, (
        "gnome-keyring did not write the entry to its keyring file")
    files = [path for path in backend.store.rglob("*") if path.is_file()]
    assert keyring_file in files
    for path in files:
        data = path.read_bytes()
        for encoded in (KEY.encode(), KEY.encode("utf-16-le")):
            assert encoded not in data, f"the secret is in plain text in {path}"
    assert secrets.load("openai-prod", workspace=WS) == KEY


# The failing backend: keyring's own `fail` backend, which raises NoKeyringError.


@pytest.mark.parametrize("call", ["store", "load", "delete"])
def test_no_keyring_raises_secret_error_without_the_secret(failing: object, call: str) -> None:
    with pytest.raises(SecretError) as raised:
        if call == "store":
            secrets.store("openai-prod", KEY, workspace=WS)
        elif call == "load":
            secrets.load("openai-prod", workspace=WS)
        else:
            secrets.delete("openai-prod", workspace=WS)
    message = str(raised.value)
    assert isinstance(raised.value, UserError)
    assert "no system keyring was found" in message
    assert "'openai-prod'" in message
    assert KEY not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_available_reports_the_fail_backend(failing: object) -> None:
    usable, description = secrets.available()
    assert not usable
    assert "fail" in description and "No system keyring" in description


def test_unreachable_session_bus_raises_secret_error(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """keyring lets OSError through when the D-Bus address leads nowhere."""
    pytest.importorskip("secretstorage")
    from keyring.backends import SecretService

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    use_backend(monkeypatch, SecretService.Keyring())
    with pytest.raises(SecretError, match="the system keyring failed") as raised:
        secrets.store("openai-prod", KEY, workspace=WS)
    assert KEY not in str(raised.value)
    with pytest.raises(SecretError):
        secrets.load("openai-prod", workspace=WS)
    usable, description = secrets.available()
    assert not usable
    assert "SecretService" in description


def test_locked_keyring_raises_secret_error(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A Secret Service of its own, locked; with no one to answer the unlock prompt."""
    reason = secret_service_missing()
    if reason:
        pytest.skip(reason)
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection
    from keyring.backends import SecretService

    with running_secret_service(tmp_path / "locked") as service:
        point_at(monkeypatch, service)
        use_backend(monkeypatch, SecretService.Keyring())
        secrets.store("openai-prod", KEY, workspace=WS)
        address = service.env["DBUS_SESSION_BUS_ADDRESS"]
        with closing(open_dbus_connection(address)) as connection:
            collection = secretstorage.get_default_collection(connection)
            collection.lock()
            assert collection.is_locked()
        for attempt in (lambda: secrets.load("openai-prod", workspace=WS),
                        lambda: secrets.store("openai-prod", OTHER_KEY, workspace=WS)):
            with pytest.raises(SecretError, match="locked") as raised:
                attempt()
            assert KEY not in str(raised.value) and OTHER_KEY not in str(raised.value)


# Redaction.


def test_redact_replaces_every_occurrence_and_leaves_the_rest() -> None:
    text = f"key={KEY}; again {KEY}, other {OTHER_KEY}."
    assert redact(text, [KEY, OTHER_KEY]) == f"key={MASK}; again {MASK}, other {MASK}."
    assert redact(text, [KEY]) == f"key={MASK}; again {MASK}, other {OTHER_KEY}."
    assert redact("nothing secret here", [KEY]) == "nothing secret here"


def test_redact_masks_a_key_that_contains_another_whole() -> None:
    assert redact(f"{KEY}!", [KEY[:6], KEY]) == f"{MASK}!"


def test_redact_ignores_blank_secrets_and_strips_like_store() -> None:
    assert redact("a b", ["", "  "]) == "a b"
    assert redact(f"token {KEY}", [f" {KEY}\n"]) == f"token {MASK}"


def test_redacted_filter_scrubs_messages_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redacted([KEY]))
    logger = logging.getLogger("worthit.tests.redacted")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling the API with %s", KEY)
        try:
            raise ValueError(f"bad key {KEY}")
        except ValueError:
            logger.exception("request failed for source %s", "openai-prod")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert KEY not in output
    assert f"calling the API with {MASK}" in output
    assert f"ValueError: bad key {MASK}" in output
    assert "request failed for source openai-prod" in output


def test_redact_masks_the_key_as_urls_forms_json_and_base64_carry_it() -> None:
    import base64
    import json
    from urllib.parse import quote, quote_plus

    key = "gw/7f3a9c1e+2b4d 6f80=a1c3é"
    raw = key.encode()
    echoes = [quote(key), quote(key, safe=""), quote_plus(key), quote(key).lower(),
              json.dumps(key), base64.b64encode(raw).decode(),
              base64.urlsafe_b64encode(raw).decode(), base64.b64encode(raw).decode().rstrip("=")]
    for echo in echoes:
        assert echo != key
        text = f"401 Unauthorized: the gateway got {echo} and refused it"
        assert redact(text, [key]) == f"401 Unauthorized: the gateway got {MASK} and refused it" \
            or redact(text, [key]) == f'401 Unauthorized: the gateway got "{MASK}" and refused it'


def test_redact_leaves_text_that_only_looks_encoded() -> None:
    assert redact("page 2 of 10, 100%25 done", ["abc"]) == "page 2 of 10, 100%25 done"
    assert redact("code YWJj", ["ab"]) == "code YWJj"  # too short to mask its base64

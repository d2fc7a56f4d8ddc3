"""The webhook against a real HTTP server on 127.0.0.1: each new alert is posted once as
JSON with a Slack-compatible text; a failing server is retried with back-off, then the
failure is recorded on the alert, shown, and retried on the next pass; the URL (a secret)
stays in the keyring and out of every error."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest
from tests.alerts.conftest import Hook

from worthit import secrets
from worthit.alerts import EXIT_BREACHED, EXIT_NEW_ALERTS, EXIT_WEBHOOK_FAILED, run_check, webhook
from worthit.core.errors import UserError
from worthit.store.alerts import WEBHOOK_KEY, Alert, Budget, load_alerts, save_budget
from worthit.workspace import Workspace, identity

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


class Sleeps(list[float]):
    """A fake ``time.sleep`` that remembers the back-off it was asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_each_new_alert_is_posted_once_as_json_with_slack_text(
        writable: Workspace, hook: Hook, keyring_file: Path) -> None:
    with writable.open() as cache:
        webhook.set_url(cache, hook.url)
        assert cache.get_meta(WEBHOOK_KEY) == "1"
        assert hook.url not in str(cache._rows("SELECT * FROM meta"))  # the URL is not here
        first = run_check(cache, now=NOW, workspace="Demo")
        assert first.exit_code == EXIT_BREACHED  # the demo's unit costs miss their targets
        # The unit cost, spike and budget alerts, and the planted commitments' four.
        assert len(first.new) == 7 and all(d.sent for d in first.deliveries)
        again = run_check(cache, now=NOW + dt.timedelta(hours=1), workspace="Demo")
        stored = load_alerts(cache)
    assert again.new == [] and again.deliveries == []
    import keyring

    with writable.open() as cache:
        entry = secrets.entry(webhook.KEYRING_NAME, workspace=identity(cache))
    assert keyring.get_password("worthit", entry) == hook.url
    assert keyring_file.is_file()
    bodies = hook.bodies()
    assert sorted(b["alert"]["key"] for b in bodies) == sorted(a.key for a in first.new)
    assert [b["alert"]["severity"] for b in bodies] == ["breach", "breach", *["warning"] * 5]
    assert all(r["type"] == "application/json" for r in hook.requests)
    spike = next(b for b in bodies if b["alert"]["kind"] == "spike")
    assert spike["workspace"] == "Demo"
    assert spike["text"].startswith("Warning · Demo: code-review-agent: cost +")
    assert "Owner: devex / code-review-agent" in spike["text"]
    assert "Explained on the Leaks page" in spike["text"]
    assert spike["alert"]["owner"] == "devex / code-review-agent"
    assert {a.delivery for a in stored} == {"sent"}


def test_a_failing_server_is_retried_with_backoff_then_the_failure_is_recorded_and_shown(
        control_copy: Workspace, hook: Hook, keyring_file: Path) -> None:
    hook.statuses = [500]
    sleeps = Sleeps()
    with control_copy.open() as cache:
        save_budget(cache, Budget("total", "", 150_000.0))  # 53 %: a warning, no breach
        webhook.set_url(cache, hook.url)
        done = run_check(cache, now=NOW, sleep=sleeps)
        [alert] = load_alerts(cache)
    assert [a.key for a in done.new] == ["budget:total::2026-11:50"]
    assert len(hook.requests) == webhook.TRIES == 3
    assert sleeps == [1.0, 2.0]  # exponential back-off between the tries
    [failed] = done.failed_deliveries
    assert (failed.sent, failed.attempts) == (False, 3)
    assert done.exit_code == EXIT_WEBHOOK_FAILED
    # Recorded on the alert, with the server's answer and without the secret URL.
    assert (alert.delivery, alert.delivery_attempts) == ("failed", 3)
    assert alert.delivery_error is not None
    assert alert.delivery_error.startswith("HTTP 500 Internal Server Error: upstream is down")
    assert "SECRET" not in alert.delivery_error

    # The next pass retries it; the server is back.
    hook.statuses = [200]
    with control_copy.open() as cache:
        later = run_check(cache, now=NOW + dt.timedelta(hours=1), sleep=sleeps)
        [alert] = load_alerts(cache)
    assert later.new == [] and [d.sent for d in later.deliveries] == [True]
    assert later.exit_code == 0
    assert (alert.delivery, alert.delivery_attempts, alert.delivery_error) == ("sent", 4, None)
    assert len(hook.requests) == 4


def test_a_refusal_is_not_retried(hook: Hook) -> None:
    hook.statuses = [404]
    sleeps = Sleeps()
    result = webhook.post(hook.url, {"text": "hi"}, sleep=sleeps)
    assert (result.sent, result.attempts, sleeps) == (False, 1, [])
    assert result.error is not None and result.error.startswith("HTTP 404")
    hook.statuses = [429, 503, 200]  # too many requests, unavailable, then fine
    assert webhook.post(hook.url, {"text": "hi"}, sleep=sleeps).sent
    assert sleeps == [1.0, 2.0]


def test_an_unreachable_url_fails_without_showing_it(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/services/T0SECRET/B0SECRET/xyz"
    result = webhook.post(url, {"text": "hi"}, sleep=Sleeps(), tries=2)
    assert (result.sent, result.attempts) == (False, 2)
    assert result.error is not None and result.error.startswith("ConnectError")
    assert "SECRET" not in result.error


def test_a_webhook_lost_from_the_keyring_is_a_visible_failure(
        control_copy: Workspace, hook: Hook, keyring_file: Path) -> None:
    with control_copy.open() as cache:
        save_budget(cache, Budget("total", "", 150_000.0))
        webhook.set_url(cache, hook.url)
        import keyring

        keyring.delete_password(
            "worthit", secrets.entry(webhook.KEYRING_NAME, workspace=identity(cache)))
        done = run_check(cache, now=NOW)
        [alert] = load_alerts(cache)
    assert done.exit_code == EXIT_WEBHOOK_FAILED
    assert alert.delivery == "failed"
    assert "not in the system keyring any more" in (alert.delivery_error or "")
    assert hook.requests == []


def test_a_muted_subject_posts_nothing(control_copy: Workspace, hook: Hook,
                                       keyring_file: Path) -> None:
    from worthit.store.alerts import mute

    with control_copy.open() as cache:
        save_budget(cache, Budget("total", "", 150_000.0))
        run_check(cache, now=NOW)  # before the webhook: recorded, not posted
        mute(cache, "budget:total::2026-11:50", NOW.date() + dt.timedelta(days=30))
        webhook.set_url(cache, hook.url)
        save_budget(cache, Budget("total", "", 95_000.0))  # now past 80 %: a new key
        done = run_check(cache, now=NOW)
    assert [a.key for a in done.new] == ["budget:total::2026-11:80"]
    assert done.announced == [] and hook.requests == []
    assert done.exit_code == 0


def test_slack_text_cannot_be_turned_into_links_or_mentions() -> None:
    alert = Alert("k", "s", "spike", "warning", "key <!channel> & <https://evil|click>",
                  team="a&b")
    text = webhook.slack_text(alert, "WS")
    assert "<" not in text and ">" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;" in text
    assert "Owner: a&amp;b" in text


@pytest.mark.parametrize("url", ["", "ftp://example.com/x", "hooks.slack.com/services/x",
                                 "https://"])
def test_a_bad_url_is_refused_before_the_keyring(url: str) -> None:
    with pytest.raises(UserError, match="starts with https://"):
        webhook.check_url(url)


def test_new_alerts_without_a_breach_exit_3(control_copy: Workspace) -> None:
    with control_copy.open() as cache:
        save_budget(cache, Budget("total", "", 150_000.0))
        assert run_check(cache, now=NOW).exit_code == EXIT_NEW_ALERTS
        assert run_check(cache, now=NOW).exit_code == 0

"""A server that quotes a refused key back encoded (issue 25): what a sync records and says
holds no form of the key, percent-encoded or in base64. The key has no vendor shape (a
gateway's), so nothing but the key itself can find it."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote, quote_plus

from tests.sources import loopback
from tests.sources.loopback import Reply, last_run, sync_one
from tests.sources.test_openai import FakeOpenAI

from worthit.store.cache import Cache

KEY = "gw_live/7f3c9a1e+5b2d8c4f=6a0e9b1d"


def echoes(key: str) -> tuple[str, ...]:
    """``key`` as a query string, a form and a Basic header would carry it."""
    return (quote(key, safe=""), quote_plus(key), quote(key, safe="").lower(),
            base64.b64encode(key.encode()).decode(),
            base64.urlsafe_b64encode(key.encode()).decode())


keyring_file, workspace, cache = loopback.keyring_file, loopback.workspace, loopback.cache
quick_retries = loopback.quick_retries


class EchoingGateway(FakeOpenAI):
    """A gateway in front of OpenAI that refuses every key, quoting it back as it was
    carried in a query string and in a Basic header."""

    def answer(self, path: str, query: dict[str, list[str]], headers: dict[str, str]
               ) -> Reply:
        self.seen.append(loopback.Seen(path, query, headers))
        presented = self.presented(headers) or ""
        said = ", ".join(echoes(presented))
        return self.refusal(401, f"Invalid API key provided, seen as {said}.")


api = loopback.server(lambda: EchoingGateway(keys={KEY}))


def test_a_key_echoed_encoded_is_in_no_message_or_run(
        cache: Cache, api: EchoingGateway, keyring_file: Path) -> None:
    loopback.Source("openai", "gateway", KEY, {}).add(cache, api)

    outcome = sync_one(cache)

    assert outcome.result == "failed" and "401" in outcome.message, outcome
    recorded = last_run(cache)["error"]
    assert recorded == outcome.message
    for echo in (KEY, *echoes(KEY)):
        assert echo not in recorded, f"{echo!r} is in {recorded!r}"

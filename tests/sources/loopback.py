"""What the live connectors' tests share: a vendor's API served by a real HTTP server on
loopback, and a workspace whose keys sit in a real keyring backend.

:class:`FakeApi` replays chains of pages per endpoint (or per kind of query of one, as a
subclass says) and queued replies (failures, garbage), records every request it saw with
its query and headers, and records as a problem any request a real server would refuse; a
subclass says how its vendor takes the key, words a refusal, checks a query and dates a
bucket. Lists of objects (projects, API keys, users, workspaces) are paged as the admin
APIs page them: ``limit`` objects at a time, the next page after the id the cursor
parameter names, with ``first_id``, ``last_id`` and ``has_more``. The fixtures are bound into a test
module by name (``cache = loopback.cache``), so that pytest finds them there and a test's
parameter does not shadow an import."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qs, urlsplit

import keyring
import keyring.core
import pytest

from worthit import secrets
from worthit.sources import http
from worthit.store.cache import Cache
from worthit.sync import Outcome, sync
from worthit.workspace import Workspace, identity

# -- the server -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, list[str]]
    #: Header names in lower case.
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeApi:
    """What the server serves: a chain of pages per endpoint (keyed by the cursor that
    reaches each), and replies queued to come first."""

    #: The endpoints the vendor has; any other path is a 404.
    paths: ClassVar[tuple[str, ...]] = ()

    keys: set[str]
    url: str = ""
    chains: dict[str, dict[str | None, dict[str, Any]]] = field(default_factory=dict)
    queued: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    seen: list[Seen] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: Whether buckets outside the asked-for days are left out (a real server's are).
    window: bool = True
    #: Whether a refused key is quoted whole in the 401 (a hostile proxy's would be).
    echo_key: bool = False
    #: The objects of each list the vendor has, by path (a list not given is empty).
    listed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: The query parameter naming the last id of the page before (``after``, ``after_id``).
    cursor: ClassVar[str] = "after"

    def serve(self, path: str, *pages: dict[str, Any]) -> None:
        """Serve ``pages`` in turn, each pointing at the next; a page's own ``next_page``
        (a documented example's) is kept."""
        chain: dict[str | None, dict[str, Any]] = {}
        cursor: str | None = None
        for n, served in enumerate(pages, 1):
            page = copy.deepcopy(served)
            if n == len(pages):
                page["has_more"], page["next_page"] = False, None
            else:
                page["has_more"] = True
                tag = path.rsplit("/", maxsplit=1)[-1]
                page["next_page"] = page.get("next_page") or f"page_{n}_{tag}"
            chain[cursor] = page
            cursor = page["next_page"]
        self.chains[path] = chain

    def queue(self, path: str, *replies: Reply) -> None:
        self.queued[path].extend(replies)

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def answer(self, path: str, query: dict[str, list[str]], headers: dict[str, str]
               ) -> Reply:
        self.seen.append(Seen(path, query, headers))
        presented = self.presented(headers) or ""
        if presented not in self.keys:
            shown = presented if self.echo_key else f"{presented[:9]}****{presented[-4:]}"
            return self.refusal(401, f"Invalid API key provided: {shown}.")
        if self.queued[path]:
            return self.queued[path].pop(0)
        if self.lists(path):
            return self.listing(path, query)
        if path not in self.paths:
            return self.refusal(404, f"Invalid URL (GET {path})")
        problem = self.check(path, query, headers)
        chain = self.chain(path, query)
        page = query.get("page", [None])
        if not problem and (len(page) != 1 or
                            page[0] not in self.chains.get(chain, {None: None})):
            problem = f"unknown page cursor {page}"
        if problem:
            self.problems.append(f"{path}: {problem}")
            return self.refusal(400, problem)
        empty = {"data": [], "has_more": False, "next_page": None}
        served = copy.deepcopy(self.chains.get(chain, {None: empty})[page[0]])
        if self.window and isinstance(served.get("data"), list):
            served["data"] = [b for b in served["data"] if not isinstance(b, dict)
                              or self.inside(b, query)]
        self.narrow(served, query)
        return Reply(200, json.dumps(served).encode())

    def listing(self, path: str, query: dict[str, list[str]]) -> Reply:
        """A page of the list at ``path``: at most ``limit`` objects after the cursor."""
        problem = self.check_list(path, query)
        items = self.listed.get(path, [])
        ids = [item["id"] for item in items]
        after = query.get(self.cursor)
        if not problem and after is not None and (len(after) != 1 or after[0] not in ids):
            problem = f"unknown {self.cursor} {after}"
        if problem:
            self.problems.append(f"{path}: {problem}")
            return self.refusal(400, problem)
        start = 0 if after is None else ids.index(after[0]) + 1
        limit = int(query.get("limit", ["20"])[0])
        chunk = copy.deepcopy(items[start:start + limit])
        page = {"data": chunk, "has_more": start + limit < len(items),
                "first_id": chunk[0]["id"] if chunk else None,
                "last_id": chunk[-1]["id"] if chunk else None}
        return Reply(200, json.dumps(page).encode())

    @staticmethod
    def differs(query: dict[str, list[str]], expected: dict[str, list[str]]) -> str | None:
        """The first parameter whose values are not those expected, in words, or None."""
        for name, values in expected.items():
            if query.get(name) != values:
                return f"{name} {query.get(name)}"
        return None

    # What a vendor's server does its own way.

    def presented(self, headers: dict[str, str]) -> str | None:
        """The key the request carries, or None."""
        raise NotImplementedError

    def refusal(self, status: int, message: str, *headers: tuple[str, str]) -> Reply:
        """An error answer in the vendor's shape."""
        raise NotImplementedError

    def check(self, path: str, query: dict[str, list[str]], headers: dict[str, str]
              ) -> str | None:
        """What a real server would refuse in the request (the key and the page cursor
        aside), or None."""
        raise NotImplementedError

    def inside(self, bucket: dict[str, Any], query: dict[str, list[str]]) -> bool:
        """Whether a bucket lies in the days the query asks for (one whose date is not of
        the documented form is served as it is)."""
        raise NotImplementedError

    def narrow(self, page: dict[str, Any], query: dict[str, list[str]]) -> None:
        """Leave out what the query filters out."""

    def lists(self, path: str) -> bool:
        """Whether ``path`` is one of the vendor's lists of objects (none by default)."""
        del path
        return False

    def check_list(self, path: str, query: dict[str, list[str]]) -> str | None:
        """What a real server would refuse in a query of a list (the cursor's id aside)."""
        raise NotImplementedError

    def chain(self, path: str, query: dict[str, list[str]]) -> str:
        """Which chain of pages (as :meth:`serve` keys them) answers a query of ``path``:
        the path's own, unless one path serves several kinds of query."""
        del query
        return path


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    #: Headers and body leave in one write: apart, Nagle's algorithm and delayed ACKs
    #: hold each answer back by 40 ms.
    wbufsize = -1
    server: Any

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        reply = self.server.api.answer(url.path, parse_qs(url.query),
                                       {k.lower(): v for k, v in self.headers.items()})
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


Fake = TypeVar("Fake", bound=FakeApi)


def server(make: Callable[[], Fake]) -> Any:
    """A fixture serving what ``make`` makes for one test (bind it as ``api``)."""
    @pytest.fixture
    def api() -> Iterator[Fake]:
        with serving(make()) as fake:
            yield fake
    return api


@contextmanager
def serving(fake: Fake) -> Iterator[Fake]:
    """``fake`` served on a free port of 127.0.0.1 (its ``url``) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    server.api = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# -- the workspace ------------------------------------------------------------------------


@pytest.fixture
def keyring_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real keyring backend (keyrings.alt's plain file) for this test; the previous
    backend comes back afterwards."""
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.setenv(secrets.ALLOW_INSECURE, "1")  # Worthit refuses a plaintext keyring else
    plain = PlaintextKeyring()
    plain.file_path = str(tmp_path / "keyring" / "worthit_pass.cfg")  # type: ignore[misc]
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    keyring.set_keyring(plain)
    return Path(plain.file_path)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


@pytest.fixture
def cache(workspace: Workspace, keyring_file: Path) -> Iterator[Cache]:
    del keyring_file  # in place before any key is stored
    with workspace.open() as opened:
        yield opened


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries a hundred times sooner (autouse wherever it is bound)."""
    monkeypatch.setattr(http, "BACKOFF", 0.01)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between tries, recorded instead of slept."""
    told: list[float] = []
    monkeypatch.setattr(http, "pause", lambda seconds, cancelled: told.append(seconds))
    return told


@pytest.fixture
def log_file(workspace: Workspace) -> Iterator[Path]:
    """Everything logged, at every level, to a file in the workspace."""
    workspace.folder.mkdir(parents=True, exist_ok=True)
    path = workspace.folder / "worthit.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def sync_one(cache: Cache, **kwargs: Any) -> Outcome:
    (outcome,) = sync(cache, **kwargs)
    return outcome


def snapshot(cache: Cache) -> tuple[list[tuple[Any, ...]], int]:
    """Every charge, and the cache's revision: what a failed sync must leave as is."""
    return [tuple(r) for r in cache._rows(
        "SELECT * FROM charges ORDER BY charge_period_start, x_usage_type, "
        "sub_account_id, resource_id, billed_cost")], cache.revision


def last_run(cache: Cache) -> dict[str, Any]:
    return dict(cache._rows("SELECT * FROM sync_runs ORDER BY run_id DESC LIMIT 1")[0])


def cached_costs(cache: Cache, source: str) -> dict[tuple[str, str | None], float]:
    """The money per (day, sub-account) of ``source``."""
    return {(r[0], r[1]): r[2] for r in cache._rows(
        "SELECT charge_period_start, sub_account_id, TOTAL(billed_cost) FROM charges "
        "WHERE source_id = ? AND billed_cost != 0 GROUP BY 1, 2", (source,))}


def cached_tokens(cache: Cache, source: str, *usage_types: str
                  ) -> dict[str | None, tuple[int | None, ...]]:
    """(uncached input, cache reads, cache writes, output, requests) per model, from the
    charges of ``source`` of these usage types."""
    marks = ", ".join("?" * len(usage_types))
    return {r[0]: tuple(r[1:]) for r in cache._rows(
        "SELECT x_model, SUM(x_input_tokens), SUM(COALESCE(x_cached_input_tokens, 0)), "
        "SUM(COALESCE(x_cache_write_tokens, 0)), SUM(COALESCE(x_output_tokens, 0)), "
        f"SUM(x_requests) FROM charges WHERE source_id = ? AND x_usage_type IN ({marks}) "
        "GROUP BY 1", (source, *usage_types))}


def results(pages: Iterable[dict[str, Any]], day: Callable[[dict[str, Any]], dt.date]
            ) -> Iterator[tuple[dt.date, dict[str, Any]]]:
    """Each result served in ``pages``, with its bucket's ``day``."""
    for p in pages:
        for b in p["data"]:
            for r in b["results"]:
                yield day(b), r


@dataclass(frozen=True)
class Source:
    """A vendor's live source as its tests set it up: its kind, name and key, and the
    pages its server serves for the organisation, by endpoint."""

    kind: str
    name: str
    key: str
    served: dict[str, tuple[dict[str, Any], ...]]

    def organisation(self, api: FakeApi) -> None:
        for path, pages in self.served.items():
            api.serve(path, *pages)

    def add(self, cache: Cache, api: FakeApi, **settings: str) -> None:
        """The source as `worthit sources add KIND` leaves it, on ``api``: settings in the
        cache, the key in the keyring."""
        with cache.transaction() as conn:
            conn.execute(
                "INSERT INTO sources (source_id, kind, name, settings, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (self.name, self.kind, self.name,
                 json.dumps({"endpoint": api.url, **settings}),
                 dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
        secrets.store(self.name, self.key, workspace=identity(cache))

    def synced(self, cache: Cache, api: FakeApi, **kwargs: Any) -> Outcome:
        """A sync that succeeds, asking nothing the server would refuse."""
        outcome = sync_one(cache, **kwargs)
        assert outcome.result == "ok", outcome
        assert api.problems == []
        return outcome

    def synced_then(self, cache: Cache, api: FakeApi) -> tuple[list[tuple[Any, ...]], int]:
        """A good first sync of the organisation, and the cache it left: what a failed
        sync must leave as is."""
        self.organisation(api)
        self.add(cache, api)
        self.synced(cache, api)
        api.seen.clear()
        return snapshot(cache)

    def assert_failed(self, cache: Cache, outcome: Outcome, before: tuple[Any, ...],
                      *words: str) -> None:
        """The sync failed saying ``words`` and not the key, and recorded so, changing
        nothing."""
        assert outcome.result == "failed", outcome
        for word in words:
            assert word in outcome.message
        assert self.key not in outcome.message
        assert snapshot(cache) == before
        run = last_run(cache)
        assert (run["result"], run["error"]) == ("failed", outcome.message)


def holding_key(folder: Path, key: str) -> tuple[list[str], list[str]]:
    """The files under ``folder`` (all read), and those whose bytes hold the key, plain or
    base64-encoded (as keyrings.alt keeps it), even when broken across lines."""
    forms = (key.encode(), base64.b64encode(key.encode()))
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    leaked = []
    for file in files:
        data = file.read_bytes()
        squeezed = re.sub(rb"\s", b"", data)
        if any(form in data or form in squeezed for form in forms):
            leaked.append(file.name)
    return [p.name for p in files], leaked

"""moto's server on loopback for the AWS connectors' tests: real HTTP, real SigV4-signed
requests from boto3, and moto's own S3, Cost Explorer and IAM behind them.

One :class:`ThreadedMotoServer` serves the session (moto keeps its state in the process);
each test starts from a reset, with dummy credentials in the environment and no AWS
configuration of the user's in reach. Every request the server answers is recorded (a
Cost Explorer request with its JSON body), so a test can assert what was asked, not only
what came back. Cost Explorer answers are queued with moto's own API
(``/moto-api/static/ce/cost-and-usage-results``): moto hands them out in order, one per
distinct request body, and repeats an answer for a request it has seen. The fixtures are
bound into a test module by name (``moto = aws_server.moto``)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.sources import loopback

from worthit import secrets
from worthit.sources import aws
from worthit.store.cache import Cache
from worthit.sync import Outcome, sync
from worthit.workspace import identity

ACCOUNT = "123456789012"  # moto's default account
CE_TARGET = "AWSInsightsIndexService.GetCostAndUsage"
#: The access keys a source keeps in the keyring in these tests (moto accepts any).
KEYS = "AKIAWORTHITTEST0001:wJalrXUtnFEMIworthitSecretKeyEXAMPLE01"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    #: The JSON body of a JSON-protocol call (Cost Explorer), else None.
    body: dict[str, Any] | None = None
    target: str | None = None


class _Recorder:
    """WSGI middleware: notes each request, then hands it to moto."""

    def __init__(self, app: Any, seen: list[Seen]) -> None:
        self.app, self.seen = app, seen

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET")
        body = None
        if target:  # JSON protocol: small bodies, read and put back
            data = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(data)
            body = json.loads(data or b"{}")
        if not environ.get("PATH_INFO", "").startswith("/moto-api"):
            self.seen.append(Seen(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""),
                                  environ.get("QUERY_STRING", ""), body, target))
        return self.app(environ, start_response)


def _server(seen: list[Seen]) -> Any:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class Recording(ThreadedMotoServer):
        # ThreadedMotoServer builds its WSGI app inside _server_entry (moto 5); this is that
        # method with the recorder around the app.
        def _server_entry(self) -> None:
            app = _Recorder(DomainDispatcherApplication(create_backend_app), seen)
            self._server = make_server(self._ip_address, self._port, app, True,
                                       request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    return Recording(ip_address="127.0.0.1", port=0, verbose=False)


@dataclass
class Moto:
    url: str
    seen: list[Seen] = field(default_factory=list)
    clients: dict[str, Any] = field(default_factory=dict)

    def reset(self) -> None:
        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()
        self.seen.clear()

    def client(self, service: str) -> Any:
        """A client of the test's own, to set the server up (made once per service)."""
        if service not in self.clients:
            import boto3

            self.clients[service] = boto3.client(
                service, region_name="us-east-1", endpoint_url=self.url,
                aws_access_key_id="testing", aws_secret_access_key="testing")
        return self.clients[service]

    def queue_ce(self, *answers: dict[str, Any]) -> None:
        """Answers for the next Cost Explorer requests, in the order they will be asked."""
        response = requests.post(f"{self.url}/moto-api/static/ce/cost-and-usage-results",
                                 json={"results": list(answers)}, timeout=10)
        assert response.status_code == 201, response.text

    def ce_calls(self) -> list[dict[str, Any]]:
        """The body of each GetCostAndUsage request, in order (retries included)."""
        return [s.body for s in self.seen if s.target == CE_TARGET and s.body is not None]

    def s3_calls(self, method: str | None = None) -> list[Seen]:
        return [s for s in self.seen if s.target is None and (method is None or
                                                             s.method == method)]

    @contextmanager
    def iam_enforced(self) -> Iterator[None]:
        """moto checks each request's IAM permissions (from now until the block ends)."""
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"0", timeout=10)
        try:
            yield
        finally:
            requests.post(f"{self.url}/moto-api/reset-auth", data=b"inf", timeout=10)

    def user(self, name: str, *allowed: str) -> str:
        """An IAM user allowed only ``allowed`` actions: its keys as a source's secret."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(allowed) or ["sts:GetCallerIdentity"],
                           "Resource": "*"}]}))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return f"{key['AccessKeyId']}:{key['SecretAccessKey']}"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    seen: list[Seen] = []
    server = _server(seen)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield Moto(f"http://{host}:{port}", seen)
    finally:
        server.stop()


@pytest.fixture
def moto(moto_server: Moto, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Moto:
    """The server, reset, with dummy credentials in the environment and none of the user's
    AWS configuration in reach."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                 "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                 "AWS_ENDPOINT_URL_COST_EXPLORER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(aws, "BACKOFF", 0.01)
    moto_server.reset()
    return moto_server


# The shared fixtures (a real keyring file backend, the workspace and its cache), bound
# here by name so that the test modules importing them from here find them.
keyring_file, workspace, cache = loopback.keyring_file, loopback.workspace, loopback.cache


def add_source(cache: Cache, name: str, kind: str, secret: str | None = KEYS,
               **settings: Any) -> None:
    """The source as `worthit sources add` leaves it: settings in the cache, keys in the
    keyring."""
    with cache.transaction() as conn:
        conn.execute(
            "INSERT INTO sources (source_id, kind, name, settings, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (name, kind, name, json.dumps(settings),
             dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
    if secret:
        secrets.store(name, secret, workspace=identity(cache))


def set_secret(cache: Cache, name: str, secret: str) -> None:
    secrets.store(name, secret, workspace=identity(cache))


def sync_one(cache: Cache, **kwargs: Any) -> Outcome:
    (outcome,) = sync(cache, **kwargs)
    return outcome


def snapshot(cache: Cache) -> tuple[list[tuple[Any, ...]], int]:
    return [tuple(r) for r in cache._rows(
        "SELECT * FROM charges ORDER BY charge_period_start, sub_account_id, service_name, "
        "x_usage_type, tags, billed_cost")], cache.revision


def last_run(cache: Cache) -> dict[str, Any]:
    return dict(cache._rows("SELECT * FROM sync_runs ORDER BY run_id DESC LIMIT 1")[0])


def settings_of(cache: Cache, name: str) -> dict[str, Any]:
    return json.loads(cache._scalar("SELECT settings FROM sources WHERE name = ?", (name,)))

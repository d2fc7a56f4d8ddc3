"""Issue 19's acceptance check, as a user runs it: a new workspace folder with only two live
vendor sources reports the vendors' own money, $191.34 for 2026-11-01..03 (OpenAI $123.45,
Anthropic $67.89), and a file imported into another new folder reports exactly the file's
total. The bug was that a new folder silently became the demo ($12,448.15 there).

Everything goes through ``worthit`` in this process; each vendor's API is a real HTTP
server on loopback replaying its documented payloads (tests/sources/test_openai.py and
test_anthropic.py), and the keys sit in a keyrings.alt file under the test's folder."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.sources import loopback
from tests.sources import test_anthropic as an
from tests.sources import test_openai as oa
from tests.sources.test_anthropic import FakeAnthropic
from tests.sources.test_openai import FakeOpenAI
from worthit.cli import main
from worthit.workspace import Workspace

Capsys = pytest.CaptureFixture[str]

# The shared fixtures, bound here by name so that pytest finds them.
keyring_file, quick_retries = loopback.keyring_file, loopback.quick_retries

OPENAI_KEY = "sk-admin-acme-3f9c1a7e5b2d8c4f6a0e9b1d3c5a7e9f"
ANTHROPIC_KEY = "sk-ant-admin01-acme-4b8d2f6a0c3e5g7i9k1m3o5q7s9uAA"
FROM, TO = "2026-11-01", "2026-11-03"
NOV1, NOV2, NOV3 = (dt.date(2026, 11, d) for d in (1, 2, 3))
GPT4O, MINI = "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"

#: OpenAI's costs (dollars, as floats the way OpenAI sends them) over two pages, several
#: projects and line items: $123.45 in all.
OPENAI_COSTS = (
    oa.page(oa.bucket(NOV1, oa.cost("proj_a", f"{GPT4O}, input", 20.1234567),
                      oa.cost("proj_a", f"{GPT4O}, output", 31.0065433),
                      oa.cost("proj_b", f"{MINI}, cached input", 0.105)),
            oa.bucket(NOV2, oa.cost("proj_b", f"{MINI}, input", 2.335),
                      oa.cost("proj_a", "text-embedding-3-small, input", 0.0042),
                      oa.cost("proj_b", "File search storage", 9.9958))),
    oa.page(oa.bucket(NOV3, oa.cost("proj_b", "gpt-image-1, image generation", 0.12),
                      oa.cost("proj_a", f"{GPT4O}, output", 59.76))),
)
#: Anthropic's costs (cents, as decimal strings the way Anthropic sends them) over two
#: pages, workspaces, models and a web search line: $67.89 in all.
ANTHROPIC_COSTS = (
    an.page(an.bucket(NOV1,
                      an.cost(an.PROD, "Claude Sonnet 4 Usage - Input Tokens", "1234.5678",
                              model=an.SONNET, tier="standard",
                              token_type="uncached_input_tokens"),
                      an.cost(an.PROD, "Claude Sonnet 4 Usage - Output Tokens", "2000.4322",
                              model=an.SONNET, tier="standard", token_type="output_tokens"),
                      an.cost(None, "Claude Haiku 3.5 Usage - Cache Read", "0.5",
                              model=an.HAIKU, tier="standard",
                              token_type="cache_read_input_tokens")),
            an.bucket(NOV2, an.cost(an.LAB, "Web Search Usage", "1000"),
                      an.cost(an.LAB, f"{an.OPUS} Batch Usage - Output Tokens", "2000.25",
                              tier="batch"))),
    an.page(an.bucket(NOV3,
                      an.cost(an.PROD, "Claude Sonnet 4 Usage - Cache Write 1h", "553.25",
                              model=an.SONNET, tier="standard",
                              token_type="cache_creation.ephemeral_1h_input_tokens"))),
)

FOCUS_HEADER = ("ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,"
                "BillingCurrency,ProviderName,ServiceName,ServiceCategory,ResourceId,Tags")
#: A small bill whose cents need care: 0.105 and 2.335 round half-way, in floats downwards.
FOCUS_ROWS = (("2026-10-05", "Amazon EC2", "i-0a1", "0.105"),
              ("2026-10-05", "Amazon S3", "bucket-logs", "2.335"),
              ("2026-10-07", "Amazon EC2", "i-0b2", "1000.01"))


@pytest.fixture
def openai_api() -> Iterator[FakeOpenAI]:
    with loopback.serving(FakeOpenAI(keys={OPENAI_KEY})) as fake:
        fake.serve(oa.COSTS, *OPENAI_COSTS)
        yield fake


@pytest.fixture
def anthropic_api() -> Iterator[FakeAnthropic]:
    with loopback.serving(FakeAnthropic(keys={ANTHROPIC_KEY})) as fake:
        fake.serve(an.COSTS, *ANTHROPIC_COSTS)
        yield fake


def served_openai() -> Decimal:
    """The dollars OpenAI's pages serve, summed exactly."""
    return sum((Decimal(str(r["amount"]["value"])) for _day, r in oa.results(*OPENAI_COSTS)),
               Decimal(0))


def worthit(capsys: Capsys, *args: str) -> tuple[int, str, str]:
    """``worthit ARGS`` in this process, the options where the user types them: exit code,
    stdout, stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def add_source(capsys: Capsys, monkeypatch: pytest.MonkeyPatch, workspace: Workspace,
               kind: str, name: str, key: str, url: str) -> None:
    """``worthit sources add KIND --name NAME --set endpoint=URL --workspace DIR`` with the
    key piped in, as the README says."""
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{key}\n"))
    code, out, err = worthit(capsys, "sources", "add", kind, "--name", name,
                             "--set", f"endpoint={url}", "--workspace", str(workspace.folder))
    assert code == 0, out + err
    assert f"Added source {name!r}" in out


def overview(capsys: Capsys, workspace: Workspace, start: str, end: str) -> dict[str, Any]:
    """``worthit report overview --from START --to END --format json``, read."""
    code, out, err = run_cli(capsys, workspace, "report", "overview", "--from", start,
                             "--to", end, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def source_names(capsys: Capsys, workspace: Workspace) -> dict[str, str]:
    """Each source's name and kind, from ``worthit sources list --output json``."""
    code, out, err = run_cli(capsys, workspace, "sources", "list", "--output", "json")
    assert code == 0, err
    return {s["name"]: s["kind"] for s in json.loads(out)["sources"]}


def test_a_new_workspace_with_two_vendor_sources_reports_their_money_only(
        tmp_path: Path, keyring_file: Path, openai_api: FakeOpenAI,
        anthropic_api: FakeAnthropic, capsys: Capsys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The payloads are what the issue saw: non-trivial sums, to the cent.
    assert served_openai() == Decimal("123.45")
    assert an.total(ANTHROPIC_COSTS) == Decimal("67.89")
    acme = Workspace(tmp_path / "acme")
    assert not acme.folder.exists()

    add_source(capsys, monkeypatch, acme, "openai", "oa", OPENAI_KEY, openai_api.url)
    add_source(capsys, monkeypatch, acme, "anthropic", "an", ANTHROPIC_KEY, anthropic_api.url)
    assert source_names(capsys, acme) == {"oa": "openai", "an": "anthropic"}
    with acme.open() as cache:  # nothing of the demo was generated into the new folder
        assert cache.data_range() is None

    code, out, err = run_cli(capsys, acme, "sync", "--from", FROM, "--to", TO,
                             "--output", "json")

    assert code == 0, out + err
    assert {o["source"]: o["result"] for o in json.loads(out)["sources"]} == \
        {"oa": "ok", "an": "ok"}
    # Both servers were asked, with the keys from the keyring, for those days only, and
    # saw nothing a real server would refuse.
    assert openai_api.problems == [] and anthropic_api.problems == []
    oa_costs = openai_api.calls(oa.COSTS)
    an_costs = anthropic_api.calls(an.COSTS)
    assert len(oa_costs) == 2 and len(an_costs) == 2  # both pages of each
    assert {s.headers["authorization"] for s in openai_api.seen} == {f"Bearer {OPENAI_KEY}"}
    assert {s.headers["x-api-key"] for s in anthropic_api.seen} == {ANTHROPIC_KEY}
    assert oa_costs[0].query["start_time"] == [str(oa.unix(NOV1))]
    assert oa_costs[0].query["end_time"] == [str(oa.unix(NOV3 + dt.timedelta(days=1)))]
    assert an_costs[0].query["starting_at"] == [f"{FROM}T00:00:00Z"]
    assert an_costs[0].query["ending_at"] == ["2026-11-04T00:00:00Z"]

    data = overview(capsys, acme, FROM, TO)

    assert data["total_effective_cost"] == 191.34
    assert {p["provider"]: p["cost"] for p in data["by_provider"]} == \
        {"OpenAI": 123.45, "Anthropic": 67.89}
    assert data["ai"]["cost"] == 191.34  # every dollar of it is AI spend
    assert source_names(capsys, acme) == {"oa": "openai", "an": "anthropic"}
    code, text, err = run_cli(capsys, acme, "report", "overview", "--from", FROM, "--to", TO)
    assert code == 0, err
    assert "$191.34" in text and "$12,448.15" not in text


def test_a_file_imported_into_a_new_folder_reports_exactly_its_total(
        tmp_path: Path, capsys: Capsys) -> None:
    bill = tmp_path / "october.csv"
    lines = [f"{day} 00:00:00,{day} 01:00:00,{cost},{cost},{cost},USD,AWS,{service},"
             f"Compute,{resource}," for day, service, resource, cost in FOCUS_ROWS]
    bill.write_text("\n".join([FOCUS_HEADER, *lines]) + "\n", encoding="utf-8")
    total = sum((Decimal(row[3]) for row in FOCUS_ROWS), Decimal(0))
    assert total == Decimal("1002.45")
    books = Workspace(tmp_path / "books")
    assert not books.folder.exists()

    code, out, err = worthit(capsys, "import", str(bill), "--workspace", str(books.folder))

    assert code == 0, out + err
    assert source_names(capsys, books) == {"file:october.csv": "focus-file"}
    data = overview(capsys, books, "2026-10-05", "2026-10-07")
    assert data["total_effective_cost"] == float(total)
    assert {p["provider"]: p["cost"] for p in data["by_provider"]} == {"AWS": float(total)}
    with books.open() as cache:  # the file's days only: no demo money anywhere
        assert cache.data_range() == (dt.date(2026, 10, 5), dt.date(2026, 10, 7))

"""The Cost Explorer connector, synced by the sync engine from moto's server on loopback.

A test describes a bill as line items (day, account, service, usage type, tags, costs);
:class:`Bill` answers each call the connector plans the way Cost Explorer would, grouping
the items by the call's two keys, one result per day of the window asked, in pages joined by
``NextPageToken``. moto hands the answers out in order, one per distinct request, and the
server records each request, so the tests assert what was asked as well as what landed:
the money once, to the cent, at every grain the connector can know exactly."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.shared_data import sample
from tests.sources import aws_server
from tests.sources.aws_server import KEYS, Moto, add_source, last_run, snapshot, sync_one

from worthit.cli import CONNECTOR_KINDS
from worthit.core.errors import UserError
from worthit.core.focus import AI_CATEGORY
from worthit.sources import aws_ce
from worthit.sources.connectors import connectors
from worthit.store.cache import Cache
from worthit.sync import test_source as probe

moto = aws_server.moto
moto_server = aws_server.moto_server
keyring_file = aws_server.keyring_file
workspace = aws_server.workspace
cache = aws_server.cache

NAME = "aws-costs"
#: AWS's documented answer in ../shared/data (tests.shared_data), relative to that folder.
EXAMPLE = ("aws-ce", "get-cost-and-usage-example.json")
TODAY = dt.datetime.now(dt.UTC).date()
FIRST = TODAY - dt.timedelta(days=89)  # a first sync's first day
D1, D2, D3 = (TODAY - dt.timedelta(days=n) for n in (5, 2, 1))
EC2, S3, BEDROCK, TRANSFER = ("Amazon Elastic Compute Cloud - Compute",
                              "Amazon Simple Storage Service", "Amazon Bedrock",
                              "AWS Data Transfer")
PROD, DEV = "111111111111", "222222222222"
NAMES = {PROD: "Production", DEV: "Development"}


@dataclass(frozen=True)
class Item:
    day: dt.date
    account: str
    service: str
    usage_type: str
    unblended: float
    amortized: float | None = None
    quantity: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Bill:
    """What Cost Explorer holds: line items, and the days it still estimates."""

    items: list[Item]
    estimated: set[dt.date] = field(default_factory=set)
    #: Groups per page (Cost Explorer pages long answers).
    page_size: int = 1000

    def answers(self, tags: list[str], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """The pages of every call the connector plans, in the order it asks."""
        out = []
        for n, group_by in enumerate(aws_ce.calls(tags)):
            out += self.pages(group_by, start, end, f"call{n}")
        return out

    def pages(self, group_by: Any, start: dt.date, end: dt.date,
              tag: str) -> list[dict[str, Any]]:
        flat: list[tuple[dt.date, dict[str, Any] | None]] = []
        day = start
        while day <= end:
            groups = self.groups(group_by, day)
            flat += [(day, g) for g in groups] or [(day, None)]
            day += dt.timedelta(days=1)
        chunks = [flat[i:i + self.page_size] for i in range(0, len(flat), self.page_size)]
        pages = []
        for n, chunk in enumerate(chunks, 1):
            results: dict[dt.date, dict[str, Any]] = {}
            for day, group in chunk:
                result = results.setdefault(day, {
                    "TimePeriod": {"Start": day.isoformat(),
                                   "End": (day + dt.timedelta(days=1)).isoformat()},
                    "Total": {}, "Groups": [], "Estimated": day in self.estimated})
                if group is not None:
                    result["Groups"].append(group)
            page: dict[str, Any] = {
                "GroupDefinitions": [{"Type": t, "Key": k} for t, k in group_by],
                "ResultsByTime": list(results.values()), "DimensionValueAttributes": []}
            if n == 1 and any(k == "LINKED_ACCOUNT" for _, k in group_by):
                page["DimensionValueAttributes"] = [
                    {"Value": a, "Attributes": {"description": NAMES.get(a, a)}}
                    for a in sorted({i.account for i in self.items})]
            if n < len(chunks):
                page["NextPageToken"] = f"{tag}-page{n + 1}"
            pages.append(page)
        return pages

    def groups(self, group_by: Any, day: dt.date) -> list[dict[str, Any]]:
        sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for item in self.items:
            if item.day == day:
                keys = tuple(_key(item, kind, key) for kind, key in group_by)
                for i, value in enumerate((item.unblended, _amortized(item), item.quantity)):
                    sums[keys][i] += value  # type: ignore[index]
        return [{"Keys": list(keys), "Metrics": {
            "UnblendedCost": {"Amount": f"{u:.10f}", "Unit": "USD"},
            "AmortizedCost": {"Amount": f"{a:.10f}", "Unit": "USD"},
            "UsageQuantity": {"Amount": f"{q:.10f}", "Unit": "N/A"}}}
            for keys, (u, a, q) in sorted(sums.items())]


def _key(item: Item, kind: str, key: str) -> str:
    if kind == "TAG":
        return f"{key}${item.tags.get(key, '')}"
    return {"LINKED_ACCOUNT": item.account, "SERVICE": item.service,
            "USAGE_TYPE": item.usage_type}[key]


def _amortized(item: Item) -> float:
    return item.unblended if item.amortized is None else item.amortized


#: A small organisation: two accounts; EC2 in both; a data transfer type two services share;
#: Bedrock tokens; a savings plan's amortisation; team tags on some of it.
ORG = [
    Item(D1, PROD, EC2, "BoxUsage:g5.xlarge", 24.144, 15.5, 24, {"team": "search"}),
    Item(D1, PROD, EC2, "BoxUsage:g5.xlarge", 12.072, 7.75, 12, {"team": "ads"}),
    Item(D1, DEV, EC2, "BoxUsage:t3.micro", 0.2496, None, 24),
    Item(D1, PROD, S3, "TimedStorage-ByteHrs", 3.3333333333, None, 144.9,
         {"team": "search"}),
    Item(D1, PROD, S3, "DataTransfer-Out-Bytes", 0.45, None, 5.0),
    Item(D1, PROD, TRANSFER, "DataTransfer-Out-Bytes", 0.9, None, 10.0),
    Item(D1, DEV, S3, "DataTransfer-Out-Bytes", 0.09, None, 1.0),
    Item(D1, DEV, S3, "TimedStorage-ByteHrs", 0.7, None, 30, {"team": "ads"}),
    Item(D1, PROD, BEDROCK, "USE1-NovaMicro-input-tokens", 0.0875, None, 2.5,
         {"team": "search"}),
    Item(D2, PROD, EC2, "BoxUsage:g5.xlarge", 24.144, 15.5, 24, {"team": "search"}),
    Item(D2, PROD, BEDROCK, "USE1-NovaMicro-output-tokens", 0.14, None, 1.0,
         {"team": "ads"}),
    Item(D2, PROD, "Tax", "Tax", 1.23),
    Item(D3, PROD, EC2, "BoxUsage:g5.xlarge", 24.144, 15.5, 24, {"team": "search"}),
    Item(D3, DEV, S3, "TimedStorage-ByteHrs", 0.01, None, 0.4),
]


def serve(moto: Moto, bill: Bill, tags: list[str], start: dt.date = FIRST,
          end: dt.date = TODAY) -> None:
    moto.queue_ce(*bill.answers(tags, start, end))


def add(cache: Cache, moto: Moto, **settings: Any) -> None:
    add_source(cache, NAME, "aws-ce", endpoint=moto.url, **settings)


def cached(cache: Cache, *columns: str) -> dict[tuple[Any, ...], float]:
    """Billed cost by the given columns, as the cache holds it."""
    cols = ", ".join(columns)
    return {tuple(r[:-1]): r[-1] for r in cache._rows(
        f"SELECT {cols}, TOTAL(billed_cost) FROM charges GROUP BY {cols}")}


def served(items: list[Item], *fields: str) -> dict[tuple[Any, ...], float]:
    out: dict[tuple[Any, ...], float] = defaultdict(float)
    for item in items:
        out[tuple(getattr(item, f) if f != "day" else item.day.isoformat()
                  for f in fields)] += item.unblended
    return dict(out)


def total(items: list[Item]) -> float:
    return sum(i.unblended for i in items)


# -- the registry --------------------------------------------------------------------


def test_cost_explorer_is_registered_with_its_settings() -> None:
    connector = connectors()["aws-ce"]
    assert dict(CONNECTOR_KINDS)["aws-ce"] == connector.title  # `sources add --help`
    assert connector.title == "AWS Cost Explorer"
    assert connector.request_price == 0.01
    assert "ACCESS_KEY_ID:SECRET_ACCESS_KEY" in (connector.secret or "")
    assert {s.name: s.default for s in connector.settings} == {
        "profile": None, "region": "us-east-1", "endpoint": None, "tags": None}


def test_the_calls_are_planned_two_groupings_each_money_first() -> None:
    assert aws_ce.calls(["team", "env"]) == [
        (("DIMENSION", "LINKED_ACCOUNT"), ("DIMENSION", "SERVICE")),
        (("DIMENSION", "SERVICE"), ("DIMENSION", "USAGE_TYPE")),
        (("DIMENSION", "LINKED_ACCOUNT"), ("DIMENSION", "USAGE_TYPE")),
        (("TAG", "team"), ("DIMENSION", "USAGE_TYPE")),
        (("TAG", "env"), ("DIMENSION", "USAGE_TYPE"))]


# -- what a sync brings in ---------------------------------------------------------------


def test_an_organisation_syncs_to_the_cent_at_every_grain_known_exactly(
        cache: Cache, moto: Moto) -> None:
    serve(moto, Bill(ORG, page_size=4), ["team"])
    add(cache, moto, tags="team")

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    calls = moto.ce_calls()
    # Five groupings, each over several pages of four groups, each page asked for once.
    assert outcome.requests == len(calls) == last_run(cache)["requests"] > 5
    assert f"{len(calls)} API requests (${len(calls) * 0.01:.2f})" in outcome.message
    assert {json.dumps(c["TimePeriod"]) for c in calls} == {json.dumps(
        {"Start": FIRST.isoformat(), "End": (TODAY + dt.timedelta(days=1)).isoformat()})}
    assert all(c["Granularity"] == "DAILY" and c["Metrics"] == [
        "UnblendedCost", "AmortizedCost", "UsageQuantity"] for c in calls)
    assert [c.get("NextPageToken") for c in calls[:3]] == [None, "call0-page2",
                                                          "call0-page3"]
    # The money: the bill's, once, per day, account and service, to the cent.
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == pytest.approx(
        total(ORG), abs=1e-9)
    assert cached(cache, "charge_period_start", "sub_account_id", "service_name") == \
        pytest.approx(served(ORG, "day", "account", "service"), abs=1e-9)
    assert cache._scalar("SELECT TOTAL(effective_cost) FROM charges") == pytest.approx(
        sum(_amortized(i) for i in ORG), abs=1e-9)
    run = last_run(cache)
    assert run["source_billed_total"] == pytest.approx(total(ORG))
    assert abs(run["billed_total"] - run["source_billed_total"]) <= 0.01
    # Usage types: exact wherever a type is one service's, or one account's. D1's data
    # transfer is two services' in two accounts: whose is which is unknown, so it stays
    # each account-and-service's remainder, with no usage type.
    exact = served(ORG, "day", "account", "service", "usage_type")
    for key in [k for k in exact if k[0] == D1.isoformat() and k[3].startswith("DataT")]:
        exact[(*key[:3], None)] = exact.pop(key)
    by_type = cached(cache, "charge_period_start", "sub_account_id", "service_name",
                     "x_usage_type")
    assert by_type == pytest.approx(exact, abs=1e-9)
    # Tags: a usage type one row holds is split by team; one held by several rows (D1's
    # storage, in two accounts) could be either's, and stays untagged.
    teams = {(r[0], r[1], r[2]): r[3] for r in cache._rows(
        "SELECT charge_period_start, x_usage_type, json_extract(tags, '$.team'), "
        "TOTAL(billed_cost) FROM charges GROUP BY 1, 2, 3")}
    assert teams[D1.isoformat(), "BoxUsage:g5.xlarge", "search"] == pytest.approx(24.144)
    assert teams[D1.isoformat(), "BoxUsage:g5.xlarge", "ads"] == pytest.approx(12.072)
    assert teams[D2.isoformat(), "USE1-NovaMicro-output-tokens", "ads"] == \
        pytest.approx(0.14)
    assert teams[D1.isoformat(), "TimedStorage-ByteHrs", None] == pytest.approx(
        3.3333333333 + 0.7)
    assert (D1.isoformat(), "TimedStorage-ByteHrs", "search") not in teams
    # Names, categories, quantities and Bedrock models come along.
    rows = {(r["sub_account_id"], r["x_usage_type"], r["charge_period_start"]): dict(r)
            for r in cache._rows("SELECT * FROM charges WHERE tags IS NULL OR "
                                "json_extract(tags, '$.team') != 'ads'")}
    box = rows[PROD, "BoxUsage:g5.xlarge", D3.isoformat()]
    assert (box["sub_account_name"], box["service_category"], box["consumed_quantity"],
            box["effective_cost"]) == ("Production", "Compute", 24, pytest.approx(15.5))
    tokens = rows[PROD, "USE1-NovaMicro-input-tokens", D1.isoformat()]
    assert (tokens["service_category"], tokens["x_model"]) == (AI_CATEGORY, "NovaMicro")
    assert tokens["x_input_tokens"] is None  # Cost Explorer gave no unit: no guess
    assert dict(cache._rows("SELECT service_name, charge_category FROM charges "
                           "WHERE service_name = 'Tax'")) == {"Tax": "Tax"}
    assert cache._scalar("SELECT COUNT(DISTINCT billing_currency) FROM charges") == 1


def test_what_cannot_be_split_exactly_stays_whole(cache: Cache, moto: Moto) -> None:
    """A usage type two services share, in two accounts: which account's share is whose
    service's is unknown, so each account-and-service keeps it as one row."""
    items = [Item(D1, PROD, S3, "DataTransfer-Out-Bytes", 1.0, None, 10),
             Item(D1, PROD, TRANSFER, "DataTransfer-Out-Bytes", 2.0, None, 20),
             Item(D1, DEV, S3, "DataTransfer-Out-Bytes", 4.0, None, 40),
             Item(D1, DEV, TRANSFER, "DataTransfer-Out-Bytes", 8.0, None, 80),
             Item(D1, DEV, S3, "TimedStorage-ByteHrs", 0.5, None, 5)]
    serve(moto, Bill(items), [])
    add(cache, moto)

    assert sync_one(cache).result == "ok"

    assert cached(cache, "sub_account_id", "service_name", "x_usage_type") == pytest.approx({
        (PROD, S3, None): 1.0, (PROD, TRANSFER, None): 2.0, (DEV, S3, None): 4.0,
        (DEV, S3, "TimedStorage-ByteHrs"): 0.5, (DEV, TRANSFER, None): 8.0})
    assert cache._scalar("SELECT consumed_quantity FROM charges WHERE x_usage_type IS NULL "
                        "LIMIT 1") is None  # a mix of usage types has no one unit


def test_the_documented_example_syncs_to_its_total(cache: Cache, moto: Moto) -> None:
    """AWS's own example answer (SERVICE × TAG Environment), re-dated to a day of the
    window and keyed as the connector's tag call asks (TAG × USAGE_TYPE)."""
    example = json.loads(sample(*EXAMPLE).read_text(encoding="utf-8"))
    (result,) = example["ResultsByTime"]
    groups = result["Groups"]
    assert [g["Keys"][1] for g in groups] == ["Environment$", "Environment$Dev"]
    amounts = [float(g["Metrics"]["UnblendedCost"]["Amount"]) for g in groups]
    items = [Item(D1, PROD, S3, "TimedStorage-ByteHrs", amounts[0], None, 1.0),
             Item(D1, PROD, S3, "TimedStorage-ByteHrs", amounts[1], None, 1.0,
                  {"Environment": "Dev"})]
    bill = Bill(items)
    answers = bill.answers(["Environment"], FIRST, TODAY)
    tagged = copy.deepcopy(example)  # the documented answer, moved to the day and keys
    tagged["GroupDefinitions"] = [{"Type": "TAG", "Key": "Environment"},
                                  {"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
    tagged["ResultsByTime"][0]["TimePeriod"] = {
        "Start": D1.isoformat(), "End": (D1 + dt.timedelta(days=1)).isoformat()}
    for group in tagged["ResultsByTime"][0]["Groups"]:
        group["Keys"] = [group["Keys"][1], "TimedStorage-ByteHrs"]
        group["Metrics"]["AmortizedCost"] = group["Metrics"]["UnblendedCost"]
    moto.queue_ce(*answers[:3], tagged)
    add(cache, moto, tags="Environment")

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == pytest.approx(
        40.3543773134 + 0.2682364644, abs=1e-9)
    assert cached(cache, "json_extract(tags, '$.Environment')") == pytest.approx(
        {(None,): 40.3543773134, ("Dev",): 0.2682364644})
    # Cost Explorer states no invoice issuer, frequency, pricing or commitment: none is made up.
    assert [tuple(r) for r in cache._rows(
        "SELECT DISTINCT billing_account_name, charge_frequency, invoice_issuer_name, "
        "pricing_category, pricing_unit, commitment_discount_id FROM charges")] == [
        (None,) * 6]


# -- later syncs -----------------------------------------------------------------------


def synced(cache: Cache, moto: Moto, bill: Bill) -> list[tuple[Any, ...]]:
    serve(moto, bill, [])
    add(cache, moto)
    assert sync_one(cache).result == "ok"
    return snapshot(cache)[0]


def test_a_second_sync_fetches_only_the_estimated_days_and_changes_no_total(
        cache: Cache, moto: Moto) -> None:
    bill = Bill(ORG, estimated={D3, TODAY})
    before = synced(cache, moto, bill)
    state = aws_server.settings_of(cache, NAME)["state"]
    assert state == {"through": TODAY.isoformat(),
                     "estimated": [D3.isoformat(), TODAY.isoformat()]}
    first = len(moto.ce_calls())
    final = Bill(ORG)  # the same figures, no longer estimated
    serve(moto, final, [], D3, TODAY)

    again = sync_one(cache)

    assert again.result == "ok", again
    calls = moto.ce_calls()[first:]
    assert len(calls) == 3 == again.requests == last_run(cache)["requests"]
    assert {(c["TimePeriod"]["Start"], c["TimePeriod"]["End"]) for c in calls} == {
        (D3.isoformat(), (TODAY + dt.timedelta(days=1)).isoformat())}
    assert snapshot(cache)[0] == before
    assert aws_server.settings_of(cache, NAME)["state"] == {"through": TODAY.isoformat(),
                                                            "estimated": []}
    # Nothing estimated and today fetched: a third sync asks nothing, and costs nothing.
    third = sync_one(cache)
    assert (third.result, third.requests) == ("unchanged", 0)
    assert len(moto.ce_calls()) == first + 3
    assert snapshot(cache)[0] == before


def test_a_restated_estimated_day_replaces_its_figures_and_no_other_day(
        cache: Cache, moto: Moto) -> None:
    before = synced(cache, moto, Bill(ORG, estimated={D3}))
    restated = [i for i in ORG if i.day != D3] + [
        Item(D3, PROD, EC2, "BoxUsage:g5.xlarge", 30.0, 20.0, 24, {"team": "search"})]
    serve(moto, Bill(restated), [], D3, TODAY)

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    after = snapshot(cache)[0]
    assert [r for r in after if r[1] != D3.isoformat()] == \
        [r for r in before if r[1] != D3.isoformat()]
    assert cached(cache, "charge_period_start")[(D3.isoformat(),)] == pytest.approx(30.0)
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == pytest.approx(
        total(restated))


def test_days_the_user_gives_are_fetched_and_the_state_kept(cache: Cache,
                                                            moto: Moto) -> None:
    synced(cache, moto, Bill(ORG, estimated={D3}))
    serve(moto, Bill(ORG), [], D1, D1)

    outcome = sync_one(cache, window=(D1, D1))

    assert outcome.result == "ok", outcome
    assert {c["TimePeriod"]["Start"] for c in moto.ce_calls()[-3:]} == {D1.isoformat()}
    assert aws_server.settings_of(cache, NAME)["state"]["estimated"] == [D3.isoformat()]


# -- refusals and failures ---------------------------------------------------------------


def test_a_denied_permission_names_the_iam_action(cache: Cache, moto: Moto) -> None:
    keys = moto.user("no-billing", "s3:ListBucket")
    add_source(cache, NAME, "aws-ce", secret=keys, endpoint=moto.url)
    serve(moto, Bill(ORG), [])

    with moto.iam_enforced():
        with pytest.raises(UserError) as refused:
            probe(cache, NAME)
        outcome = sync_one(cache)

    for message in (str(refused.value), outcome.message):
        assert "Cost Explorer denied access (AccessDenied" in message
        assert "needs the IAM permission ce:GetCostAndUsage" in message
        assert keys.split(":")[1] not in message and keys.split(":")[0] not in message
    assert outcome.result == "failed"
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0
    assert last_run(cache)["requests"] == 1


def test_the_connection_test_makes_one_cheap_call(cache: Cache, moto: Moto) -> None:
    add(cache, moto)
    yesterday = TODAY - dt.timedelta(days=1)
    moto.queue_ce({"ResultsByTime": [{
        "TimePeriod": {"Start": yesterday.isoformat(), "End": TODAY.isoformat()},
        "Total": {"UnblendedCost": {"Amount": "12.3456", "Unit": "USD"}},
        "Groups": [], "Estimated": True}]})

    said = probe(cache, NAME)

    assert said == f"Connected to AWS Cost Explorer: 12.35 USD on {yesterday} (this test " \
        "cost $0.01)."
    (call,) = moto.ce_calls()
    assert call["TimePeriod"] == {"Start": yesterday.isoformat(), "End": TODAY.isoformat()}
    assert "GroupBy" not in call


def test_a_named_profile_needs_no_keys(moto: Moto, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile from the AWS configuration (here with static keys; SSO and role profiles
    resolve the same way, inside boto3)."""
    config = tmp_path / "aws" / "config"
    config.parent.mkdir(exist_ok=True)
    config.write_text("[profile finance]\nregion = us-east-1\n"
                      "aws_access_key_id = AKIAPROFILE000000001\n"
                      "aws_secret_access_key = profileSecret0000000000000000000000000\n")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    moto.queue_ce({"ResultsByTime": []})

    said = aws_ce.test({"profile": "finance", "endpoint": moto.url}, None)

    assert said.startswith("Connected to AWS Cost Explorer")
    with pytest.raises(UserError, match="the profile 'nowhere' is not in the AWS "
                                        "configuration"):
        aws_ce.test({"profile": "nowhere", "endpoint": moto.url}, None)


def test_keys_that_are_not_two_parts_are_refused_without_a_call(moto: Moto) -> None:
    with pytest.raises(UserError, match="not ACCESS_KEY_ID:SECRET_ACCESS_KEY") as refused:
        aws_ce.test({"endpoint": moto.url}, "just-one-part")
    assert "just-one-part" not in str(refused.value)
    assert moto.ce_calls() == []


def test_plain_http_to_another_machine_is_refused(moto: Moto) -> None:
    with pytest.raises(UserError, match="plain http"):
        aws_ce.test({"endpoint": "http://proxy.example.com"}, KEYS)


@pytest.mark.parametrize(("spoil", "words"), [
    (lambda p: p["ResultsByTime"][0].pop("TimePeriod"), "has no 'TimePeriod'"),
    (lambda p: p["ResultsByTime"][0]["TimePeriod"].update(Start="2001-01-01",
                                                          End="2001-01-02"),
     "is for 2001-01-01, outside the days asked for"),
    (lambda p: _first_group(p)["Metrics"]["UnblendedCost"].update(Amount="lots"),
     "'UnblendedCost.Amount' is 'lots', not a number"),
    (lambda p: _first_group(p)["Metrics"]["AmortizedCost"].update(Unit="EUR"),
     "mixed currencies"),
    (lambda p: _first_group(p).update(Keys=["only-one"]), "'Keys' is ['only-one']"),
    (lambda p: p.pop("ResultsByTime"), "no 'ResultsByTime' list"),
], ids=["no-period", "outside", "text-amount", "mixed-currency", "one-key", "no-results"])
def test_a_malformed_answer_fails_naming_the_call_and_changes_nothing(
        cache: Cache, moto: Moto, spoil: Any, words: str) -> None:
    before = synced(cache, moto, Bill(ORG, estimated={D2}))
    answers = Bill(ORG).answers([], D2, TODAY)
    spoil(answers[0])
    moto.queue_ce(*answers)

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert "AWS Cost Explorer GetCostAndUsage by LINKED_ACCOUNT and SERVICE" in \
        outcome.message
    assert words in outcome.message
    assert snapshot(cache)[0] == before
    assert aws_server.settings_of(cache, NAME)["state"]["estimated"] == [D2.isoformat()]


def _first_group(page: dict[str, Any]) -> dict[str, Any]:
    return next(r["Groups"][0] for r in page["ResultsByTime"] if r["Groups"])


def test_pages_that_go_round_in_a_circle_are_refused(cache: Cache, moto: Moto) -> None:
    looping = Bill(ORG).answers([], FIRST, TODAY)[0]
    looping["NextPageToken"] = "again"
    moto.queue_ce(looping, looping)
    add(cache, moto)

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert "the same 'NextPageToken' came twice" in outcome.message
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0


def test_a_cancel_between_calls_stops_them_and_changes_nothing(cache: Cache,
                                                               moto: Moto) -> None:
    before = synced(cache, moto, Bill(ORG, estimated={D1}))
    asked = len(moto.ce_calls())
    serve(moto, Bill(ORG[:2]), [], D1, TODAY)

    outcome = sync_one(cache, cancelled=lambda: len(moto.ce_calls()) > asked)

    assert outcome.result == "cancelled"
    assert len(moto.ce_calls()) == asked + 1
    assert snapshot(cache) == (before, snapshot(cache)[1])
    assert snapshot(cache)[0] == before
    run = last_run(cache)
    assert (run["result"], run["requests"]) == ("cancelled", 1)
    assert aws_server.settings_of(cache, NAME)["state"]["estimated"] == [D1.isoformat()]


def test_tag_keys_are_checked(moto: Moto) -> None:
    with pytest.raises(UserError, match="not a tag key"):
        aws_ce.test({"endpoint": moto.url, "tags": "team,cost$centre"}, KEYS)
    assert aws_ce.tag_keys({"tags": " team , env,team"}) == ["team", "env"]


# -- answers moto does not give: throttling, faults, Cost Explorer's own JSON refusal -------


@dataclass
class Canned:
    """A local server answering Cost Explorer's JSON protocol with queued replies."""

    replies: list[tuple[int, dict[str, Any]]]
    asked: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def canned() -> Any:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = Canned([])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.asked.append(json.loads(self.rfile.read(length) or b"{}"))
            status, body = state.replies.pop(0) if state.replies else (200, {
                "ResultsByTime": []})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_throttling_and_faults_are_retried_and_each_try_counted(
        cache: Cache, moto: Moto, canned: Any) -> None:
    state, url = canned
    throttled = {"__type": "ThrottlingException", "message": "Rate exceeded"}
    fault = {"__type": "InternalServerException", "message": "Internal error"}
    state.replies = [(400, throttled), (500, fault),
                     *((200, page) for page in Bill(ORG).answers([], FIRST, TODAY))]
    add_source(cache, NAME, "aws-ce", endpoint=url)

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert outcome.requests == len(state.asked) == 5 == last_run(cache)["requests"]
    assert state.asked[0] == state.asked[1] == state.asked[2]  # the same call, tried again
    assert cache._scalar("SELECT TOTAL(billed_cost) FROM charges") == pytest.approx(total(ORG))


def test_throttling_that_lasts_fails_in_plain_words(cache: Cache, moto: Moto,
                                                    canned: Any) -> None:
    state, url = canned
    state.replies = [(400, {"__type": "LimitExceededException", "Message": "slow down"})] * 9
    add_source(cache, NAME, "aws-ce", endpoint=url)

    outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert "Cost Explorer is throttling these requests (LimitExceededException: slow down), " \
        "4 times in a row; sync again later" in outcome.message
    assert last_run(cache)["requests"] == 4


def test_cost_explorers_own_access_denied_names_the_iam_action(cache: Cache, moto: Moto,
                                                               canned: Any) -> None:
    state, url = canned
    state.replies = [(400, {"__type": "AccessDeniedException", "Message": (
        "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: "
        "ce:GetCostAndUsage on resource: arn:aws:ce:us-east-1:123456789012:/"
        "GetCostAndUsage")})]
    add_source(cache, NAME, "aws-ce", endpoint=url)

    with pytest.raises(UserError) as refused:
        probe(cache, NAME)

    assert str(refused.value).startswith(
        "AWS Cost Explorer GetCostAndUsage: Cost Explorer denied access "
        "(AccessDeniedException: User: arn:aws:iam::123456789012:user/ops is not authorized")
    assert "the identity of the access keys needs the IAM permission ce:GetCostAndUsage" in \
        str(refused.value)



def test_a_profile_source_syncs_without_a_key_in_the_keyring(
        moto: Moto, cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a named profile the keys come from boto3's own configuration: the engine asks
    the keyring for none, and the sync runs."""
    config = tmp_path / "aws" / "config"
    config.parent.mkdir(exist_ok=True)
    config.write_text("[profile finance]\nregion = us-east-1\n"
                      "aws_access_key_id = AKIAPROFILE000000001\n"
                      "aws_secret_access_key = profileSecret0000000000000000000000000\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    for _ in range(3):  # one answer per grouping (no tag keys asked for)
        moto.queue_ce({"ResultsByTime": []})
    add_source(cache, "aws", "aws-ce", secret=None, profile="finance", endpoint=moto.url)

    outcome = sync_one(cache)

    assert outcome.result in ("ok", "unchanged"), outcome.message
    assert "keyring" not in outcome.message
    assert moto.ce_calls()

"""AWS Cost Explorer (``ce:GetCostAndUsage``): daily unblended and amortised cost, and usage,
by linked account, service, usage type and the cost allocation tags the user picks.

Cost Explorer groups by at most two dimensions a call, so no call gives account × service ×
usage type × tag, and adding up several groupings would count each dollar several times.
The money is counted once, at the grain of LINKED_ACCOUNT × SERVICE, the first call: its
rows partition each day's bill, and the cache reconciles to them. The other calls only split
those rows further where the split is exact, never by guessing:

- SERVICE × USAGE_TYPE and LINKED_ACCOUNT × USAGE_TYPE. Most usage types belong to one
  service (``USE1-NatGateway-Bytes``, ``BoxUsage:g5.xlarge``, Bedrock's token types), so an
  account's cost for such a type is exactly that account-and-service's share; a type that
  several services share (data transfer) splits exactly too when one account has it. What an
  account-and-service has left after its exact usage types stays one row with no usage type.
- TAG key × USAGE_TYPE, one call per tag key picked. A usage type held by a single row that
  day (one account, one service) is split by the tag's values; a usage type whose cost all
  has one value gives it to every row holding it. Where several rows hold a usage type with
  several values, which row carries which value is unknown, and the rows stay untagged.

Each split keeps its parent's total to the cent (what a split leaves over stays a row of its
own, and rounding dust goes to the last piece). UsageQuantity is kept only where it has one
unit: on a usage type's row. An ``Amount`` that is not a finite number, or past a billing
file's bounds either way (:mod:`worthit.sources.cells`: a trillion for money), fails the sync
naming the call and the metric.

The days: the first sync fetches the last ``first_days``; later ones fetch from the earliest
day Cost Explorer still marked ``Estimated`` (kept in the source's state), else from the day
after the last day fetched, to today; nothing at all when that is still today and nothing is
estimated. Every request is billed ($0.01): each is counted, and the sync's outcome says how
many and what they cost."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any, Final

from worthit.core.errors import BadInput, UserError
from worthit.core.focus import AI_CATEGORY, CHARGE_COLUMN_NAMES
from worthit.sources.aws import SECRET, SETTINGS, Api, needs_keys
from worthit.sources.aws_cur import TOKEN_COLUMNS, TOKEN_USAGE
from worthit.sources.bill import TOLERANCE, BillFile, Progress, never
from worthit.sources.cells import LARGEST_QUANTITY
from worthit.sources.connectors import Connector, Setting, register
from worthit.sources.http import Where, checked_amount

ACTION: Final = "ce:GetCostAndUsage"
TITLE: Final = "Cost Explorer"
METRICS: Final = ("UnblendedCost", "AmortizedCost", "UsageQuantity")
PRICE: Final = 0.01  # dollars per request
#: What a split may leave over and still count as rounding (CE gives ten decimals).
DUST: Final = 1e-6
#: Service names (as Cost Explorer spells them) by the words in them, first match wins.
CATEGORIES: Final = (
    (("Bedrock", "SageMaker", "Comprehend", "Rekognition", "Textract", "Transcribe", "Polly",
      "Translate", "Kendra", "Lex"), AI_CATEGORY),
    (("Data Transfer", "Virtual Private Cloud", "CloudFront", "Route 53", "Load Balancing",
      "API Gateway", "Direct Connect"), "Networking"),
    (("Elastic Compute Cloud", "EC2", "Lambda", "Fargate", "Elastic Container", "Lightsail",
      "Batch", "Elastic Kubernetes"), "Compute"),
    (("Simple Storage Service", "Elastic Block Store", "Elastic File System", "Glacier",
      "Backup", "S3"), "Storage"),
    (("Relational Database", "DynamoDB", "ElastiCache", "Redshift", "DocumentDB", "Neptune",
      "OpenSearch", "Aurora"), "Databases"),
    (("CloudWatch", "CloudTrail", "Config", "Systems Manager"), "Management and Governance"),
)


@dataclasses.dataclass
class Money:
    billed: float = 0.0
    effective: float = 0.0
    quantity: float | None = None
    unit: str | None = None


#: One call's answer: (day, first key, second key) → its money.
Cells = dict[tuple[str, str, str], Money]


@dataclasses.dataclass
class Charge:
    """One day's cost of an account and service, split as far as it is known."""

    account: str
    service: str
    money: Money
    usage_type: str | None = None
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def calls(tags: list[str]) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """The GroupBy of each call, in order: (type, key) pairs; the first call's is the money."""
    account, service, usage = (("DIMENSION", k) for k in
                               ("LINKED_ACCOUNT", "SERVICE", "USAGE_TYPE"))
    return [(account, service), (service, usage), (account, usage),
            *((("TAG", tag), usage) for tag in tags)]


def pull(settings: dict[str, Any], secret: str | None, start: dt.date, end: dt.date,
         found: BillFile, *, cancelled: Callable[[], bool] = never,
         progress: Progress | None = None) -> Iterator[list[Any]]:
    """The charges of the days ``start``..``end`` (UTC), each grouping fetched in turn."""
    tags = tag_keys(settings)
    api = Api("ce", TITLE, settings, secret, found, cancelled)
    estimated: set[str] = set()
    names: dict[str, str] = {}
    plan = calls(tags)
    answers: list[Cells] = []
    for n, group_by in enumerate(plan, 1):
        answers.append(_fetch(api, group_by, start, end, found, names, estimated))
        if progress is not None:
            progress(n / len(plan))
    for (day, _account, _service), cell in answers[0].items():
        found.count(dt.date.fromisoformat(day), cell.billed, cell.effective)
    found.state = _state(settings.get("state"), start, end, estimated)
    money, by_service, by_account, *by_tag = map(_by_day, answers)
    for day in sorted(money):
        charges = [Charge(a, s, dataclasses.replace(m, quantity=None, unit=None))
                   for (a, s), m in money[day].items()]
        charges = _by_usage_type(charges, by_service.get(day, {}), by_account.get(day, {}))
        for tag, cells in zip(tags, by_tag, strict=True):
            charges = _by_tag(charges, tag, cells.get(day, {}))
        for charge in charges:
            if charge.money.billed or charge.money.effective or charge.money.quantity:
                yield _row(day, charge, names, found.currency or "USD")


def scan(settings: dict[str, Any], secret: str | None, found: BillFile,
         held: dt.date | None, today: dt.date, *,
         cancelled: Callable[[], bool] = never) -> tuple[dt.date, dt.date] | None:
    """From the earliest day still estimated, else the day after the last one fetched, to
    today; None when that leaves nothing. No call is made to decide it."""
    del secret, found, cancelled
    state = settings.get("state") or {}
    through = _day(state.get("through"))
    if through is None:
        return CONNECTOR.window(held, today)
    estimated = [d for d in map(_day, state.get("estimated") or []) if d is not None]
    start = min([*estimated, through + dt.timedelta(days=1)])
    return (start, today) if start <= today else None


def test(settings: dict[str, Any], secret: str | None) -> str:
    """One cheap call, yesterday's total ($0.01): proves the credentials and the permission."""
    tag_keys(settings)
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    api = Api("ce", TITLE, settings, secret)
    page = api.call("get_cost_and_usage", ACTION, Granularity="DAILY", Metrics=[METRICS[0]],
                    TimePeriod={"Start": yesterday.isoformat(),
                                "End": (yesterday + dt.timedelta(days=1)).isoformat()})
    results = page.get("ResultsByTime")
    first = results[0] if isinstance(results, list) and results else None
    amount = ((first.get("Total") or {}).get(METRICS[0]) if isinstance(first, dict) else None)
    total = _number(amount.get("Amount")) if isinstance(amount, dict) else None
    said = f": {total:,.2f} {amount.get('Unit') or ''}".rstrip() + f" on {yesterday}" \
        if isinstance(amount, dict) and total is not None else ""
    return f"Connected to AWS Cost Explorer{said} (this test cost $0.01)."


def tag_keys(settings: dict[str, Any]) -> list[str]:
    """The cost allocation tag keys picked (``tags``, comma-separated)."""
    keys = [k.strip() for k in str(settings.get("tags") or "").split(",") if k.strip()]
    for key in keys:
        if "$" in key or len(key) > 128 or not key.isprintable():
            raise UserError(f"the tags setting holds {key[:40]!r}, which is not a tag key "
                            "(keys are up to 128 characters, without '$')")
    return list(dict.fromkeys(keys))


def _fetch(api: Api, group_by: tuple[tuple[str, str], tuple[str, str]], start: dt.date,
           end: dt.date, found: BillFile, names: dict[str, str],
           estimated: set[str]) -> Cells:
    """One grouping's cells over every page, checked."""
    params = {"TimePeriod": {"Start": start.isoformat(),
                             "End": (end + dt.timedelta(days=1)).isoformat()},
              "Granularity": "DAILY", "Metrics": list(METRICS),
              "GroupBy": [{"Type": kind, "Key": key} for kind, key in group_by]}
    file = f"AWS {TITLE} GetCostAndUsage by {' and '.join(k for _, k in group_by)}"
    cells: Cells = {}
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = api.call("get_cost_and_usage", ACTION,
                        **params, **({"NextPageToken": token} if token else {}))
        token = page.get("NextPageToken") or None
        if token is not None and (not isinstance(token, str) or token in seen):
            raise BadInput("the same 'NextPageToken' came twice: the pages go round in a "
                           "circle", file=file)
        results = page.get("ResultsByTime")
        if not isinstance(results, list):
            raise BadInput("the answer has no 'ResultsByTime' list", file=file)
        for n, result in enumerate(results, 1):
            day = _result_day(result, start, end, file, n)
            if result.get("Estimated") is True:
                estimated.add(day)
            groups = result.get("Groups") or []
            if not isinstance(groups, list):
                raise BadInput(f"{day}: 'Groups' is not a list", file=file)
            for g, group in enumerate(groups, 1):
                where = f"{day} group {g}"
                keys = group.get("Keys") if isinstance(group, dict) else None
                if not isinstance(keys, list) or len(keys) != 2 or \
                        not all(isinstance(k, str) for k in keys):
                    raise BadInput(f"{where}: 'Keys' is {keys!r}, not two names", file=file)
                if (day, *keys) in cells:
                    raise BadInput(f"{where}: {keys} came twice", file=file)
                found.rows_read += 1
                cells[day, keys[0], keys[1]] = _money(group.get("Metrics"), found, file, where)
        for value in page.get("DimensionValueAttributes") or []:
            if isinstance(value, dict) and isinstance(value.get("Attributes"), dict):
                name = value["Attributes"].get("description")
                if isinstance(value.get("Value"), str) and isinstance(name, str) and name:
                    names[value["Value"]] = name
        if token is None:
            return cells
        seen.add(token)


def _result_day(result: Any, start: dt.date, end: dt.date, file: str, n: int) -> str:
    period = result.get("TimePeriod") if isinstance(result, dict) else None
    if not isinstance(period, dict):
        raise BadInput(f"result {n} has no 'TimePeriod'", file=file)
    first, after = _day(period.get("Start")), _day(period.get("End"))
    if first is None or after is None or after != first + dt.timedelta(days=1):
        raise BadInput(f"result {n}: 'TimePeriod' is {period.get('Start')!r} to "
                       f"{period.get('End')!r}, not one day", file=file)
    if not start <= first <= end:
        raise BadInput(f"result {n} is for {first}, outside the days asked for ({start} to "
                       f"{end})", file=file)
    return first.isoformat()


def _money(metrics: Any, found: BillFile, file: str, where: str) -> Money:
    if not isinstance(metrics, dict):
        raise BadInput(f"{where}: 'Metrics' is missing", file=file)
    values: list[float] = []
    for metric in METRICS:
        amount = metrics.get(metric)
        shown = amount.get("Amount") if isinstance(amount, dict) else None
        # A quantity comes in small units (bytes, requests): it has a billing file's bound
        # on quantities, far past the one on money.
        value = checked_amount(_number(shown), shown, Where(file, where), f"{metric}.Amount",
                               "a number",
                               limit=LARGEST_QUANTITY if metric == "UsageQuantity" else None)
        if metric != "UsageQuantity":
            unit = amount.get("Unit")
            found.check_currency(unit if isinstance(unit, str) else None, file, None,
                                 f"{where} {metric}.Unit")
        values.append(value)
    unit = metrics["UsageQuantity"].get("Unit")
    return Money(values[0], values[1], values[2],
                 unit if isinstance(unit, str) and unit not in ("", "N/A") else None)


def _by_day(cells: Cells) -> dict[str, dict[tuple[str, str], Money]]:
    days: dict[str, dict[tuple[str, str], Money]] = defaultdict(dict)
    for (day, first, second), money in cells.items():
        days[day][first, second] = money
    return days


def _by_usage_type(charges: list[Charge], by_service: dict[tuple[str, str], Money],
                   by_account: dict[tuple[str, str], Money]) -> list[Charge]:
    """Each account-and-service split by the usage types known exactly to be its own."""
    services: dict[str, set[str]] = defaultdict(set)
    accounts: dict[str, set[str]] = defaultdict(set)
    for service, usage_type in by_service:
        services[usage_type].add(service)
    for account, usage_type in by_account:
        accounts[usage_type].add(account)
    pieces: dict[tuple[str, str], list[tuple[str, Money]]] = defaultdict(list)
    for (account, usage_type), money in by_account.items():
        held_by = services.get(usage_type, set())
        if len(held_by) == 1:  # the account's cost of it is its service's
            pieces[account, next(iter(held_by))].append((usage_type, money))
        elif accounts[usage_type] == {account}:  # one account: the services' split is its
            for service in held_by:
                pieces[account, service].append((usage_type, by_service[service, usage_type]))
    out: list[Charge] = []
    for charge in charges:
        out += _split(charge, [dataclasses.replace(charge, usage_type=u or None,
                                                   money=dataclasses.replace(m))
                               for u, m in pieces.get((charge.account, charge.service), [])])
    return out


def _by_tag(charges: list[Charge], tag: str, cells: dict[tuple[str, str], Money]
            ) -> list[Charge]:
    """Each charge given the tag's value where that is known exactly (see the module)."""
    values: dict[str, list[tuple[str, Money]]] = defaultdict(list)
    for (key, usage_type), money in cells.items():
        values[usage_type].append((key.partition("$")[2], money))
    holders: dict[str | None, int] = defaultdict(int)
    for charge in charges:
        holders[charge.usage_type] += 1
    out: list[Charge] = []
    for charge in charges:
        split = values.get(charge.usage_type or "", [])
        distinct = {value for value, _ in split}
        if charge.usage_type is None or not split:
            out.append(charge)
        elif len(distinct) == 1:
            value = next(iter(distinct))
            out.append(dataclasses.replace(charge, tags={**charge.tags, tag: value})
                       if value else charge)
        elif holders[charge.usage_type] == 1 and \
                abs(sum(m.billed for _, m in split) - charge.money.billed) <= TOLERANCE:
            out += _split(charge, [dataclasses.replace(
                charge, money=dataclasses.replace(m, unit=charge.money.unit),
                tags={**charge.tags, tag: value} if value else dict(charge.tags))
                for value, m in split])
        else:
            out.append(charge)
    return out


def _split(parent: Charge, pieces: list[Charge]) -> list[Charge]:
    """``pieces`` of ``parent``, keeping its total: what they leave over stays a piece with
    what the parent knew (no more), or, when it is rounding dust, goes to the last one."""
    if not pieces:
        return [parent]
    billed = parent.money.billed - sum(p.money.billed for p in pieces)
    effective = parent.money.effective - sum(p.money.effective for p in pieces)
    quantity = None if parent.money.quantity is None else \
        parent.money.quantity - sum(p.money.quantity or 0.0 for p in pieces)
    if abs(billed) < DUST and abs(effective) < DUST:
        last = pieces[-1].money
        last.billed, last.effective = last.billed + billed, last.effective + effective
        return pieces
    rest = Money(billed, effective, quantity if quantity and abs(quantity) >= DUST else None,
                 parent.money.unit)
    return [*pieces, dataclasses.replace(parent, money=rest)]


def _row(day: str, charge: Charge, names: dict[str, str], currency: str) -> list[Any]:
    money, service, usage_type = charge.money, charge.service, charge.usage_type
    values: dict[str, Any] = {
        "charge_period_start": day, "provider_name": "AWS", "publisher_name": "AWS",
        "sub_account_id": charge.account or None,
        "sub_account_name": names.get(charge.account),
        "service_category": _category(service), "service_name": service or None,
        "x_usage_type": usage_type, "charge_category": "Tax" if service == "Tax" else "Usage",
        "billed_cost": money.billed, "effective_cost": money.effective,
        "billing_currency": currency, "consumed_quantity": money.quantity,
        "consumed_unit": money.unit if money.quantity is not None else None,
        "tags": json.dumps(charge.tags, sort_keys=True) if charge.tags else None,
    }
    match = TOKEN_USAGE.match(usage_type or "") if "Bedrock" in service else None
    if match:
        values["x_model"] = match["model"]
        values["x_batch"] = int(bool(match["batch"]))
        unit = (money.unit or "").lower()
        scale = 1_000.0 if "1k" in unit or "thousand" in unit else \
            1_000_000.0 if "1m" in unit or "million" in unit else 1.0 if "token" in unit \
            else None
        if scale is not None and money.quantity is not None:  # else the unit is unknown
            values[TOKEN_COLUMNS[match["kind"].lower()]] = round(money.quantity * scale)
    return [values.get(name) for name in CHARGE_COLUMN_NAMES]


def _category(service: str) -> str:
    for words, category in CATEGORIES:
        if any(word in service for word in words):
            return category
    return "Other"


def _state(old: Any, start: dt.date, end: dt.date, estimated: set[str]) -> dict[str, Any]:
    """What the next sync needs: the last day fetched, and the days still estimated (those
    fetched now as Cost Explorer said, the others as they were)."""
    old = old if isinstance(old, dict) else {}
    through = _day(old.get("through"))
    kept = {d for d in old.get("estimated") or [] if (day := _day(d)) is not None
            and not start <= day <= end}
    return {"through": max(end, through or end).isoformat(),
            "estimated": sorted(kept | estimated)}


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    try:
        number = float(value) if isinstance(value, str | int | float) and \
            not isinstance(value, bool) else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


CONNECTOR: Final = register(Connector(
    kind="aws-ce",
    title="AWS Cost Explorer",
    pull=pull,
    test=test,
    scan=scan,
    secret=SECRET,
    needs_secret=needs_keys,
    request_price=PRICE,
    settings=(
        *SETTINGS,
        Setting("tags", "cost allocation tag keys to split costs by (comma-separated), e.g. "
                        "team,feature; each adds one request per sync"),
    ),
))

__all__ = ["CONNECTOR", "calls", "pull", "scan", "tag_keys", "test"]

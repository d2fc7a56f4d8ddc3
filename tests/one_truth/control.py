"""The control workspace: a small bill written here as a FOCUS file, imported with
``worthit import``, with one allocation rule and four budgets set through the CLI, whose
figures this module computes on its own, from the same lines, with plain arithmetic.

Six resources, each costing a little more every day (so the movers move), and one spike:
``i-0etl``, flat, costs :data:`SPIKE` more on :data:`SPIKE_DAY`; its baseline has no
spread, so its excess is exactly :data:`SPIKE`. Two lines stay unallocated on purpose: one
with no tags at all (Allocation's *Untagged*) and one tagged with a cost centre only (*No
rule matched*); both lack a ``feature`` tag (Overview's *(no feature tag)*: another name,
and another figure)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from tests.one_truth import ledger as n
from tests.one_truth.ledger import Ledger, Name
from tests.one_truth.reading import cli
from worthit.core.periods import Period
from worthit.workspace import Workspace

START = dt.date(2026, 6, 1)
SPIKE_DAY = dt.date(2026, 11, 20)
SPIKE = 360.0
SURFACE = "hand-computed from the control's bill"
RULES = """\
version: 1
rules:
  - name: Team and feature tags
    match:
      tag_present: team
    team: {tag: team}
    feature: {tag: feature}
"""
#: (scope option, name, amount): over, near and under, so each kind of alert is raised.
BUDGETS = (("--team", "data", 2000.0), ("--total", "", 6000.0),
           ("--provider", "Microsoft", 500.0), ("--feature", "etl", 1000.0))


@dataclass(frozen=True)
class Line:
    """A resource billed every day: what the bill says, and where Allocation must put
    it (a team and feature, or Unallocated and the reason)."""

    resource: str
    provider: str
    service: str
    category: str
    daily: float  # on START
    growth: float  # a day, so the movers move
    team: str
    feature: str
    tags: dict[str, str] = field(default_factory=dict)

    def cost(self, day: dt.date) -> float:
        """The day's cost, to the cent as the bill writes it."""
        spike = SPIKE if self.resource == "i-0etl" and day == SPIKE_DAY else 0.0
        return round(self.daily + self.growth * (day - START).days + spike, 2)


LINES = (
    Line("i-0web", "AWS", "Amazon Elastic Compute Cloud", "Compute", 100.25, 0.05, "web",
         "storefront", {"team": "web", "feature": "storefront"}),
    # Flat: its spike's baseline has no spread, so the excess is exactly SPIKE.
    Line("i-0etl", "AWS", "Amazon Elastic Compute Cloud", "Compute", 40.10, 0.0, "data",
         "etl", {"team": "data", "feature": "etl"}),
    Line("reports-db", "Microsoft", "Azure SQL Database", "Databases", 25.55, 0.0, "data",
         "reports", {"team": "data", "feature": "reports"}),
    Line("endpoint/reco", "AWS", "Amazon SageMaker", "AI and Machine Learning", 30.30, 0.03,
         "ml", "recommendations", {"team": "ml", "feature": "recommendations"}),
    Line("logs-bucket", "AWS", "Amazon Simple Storage Service", "Storage", 12.34, 0.02,
         "Unallocated", "Untagged"),
    Line("sandbox", "AWS", "Amazon Elastic Compute Cloud", "Compute", 7.07, 0.01,
         "Unallocated", "No rule matched", {"cost-center": "r-and-d"}),
)
NO_FEATURE_TAG = "(no feature tag)"  # Overview's label (worthit.analysis.overview.UNTAGGED)


def write_bill(path: Path, end: dt.date) -> Path:
    """The bill as a FOCUS 1.0 CSV: a line per resource and day, ``START`` to ``end``."""
    with path.open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file)
        out.writerow(["BillingAccountId", "ChargePeriodStart", "ChargePeriodEnd",
                      "BilledCost", "EffectiveCost", "ListCost", "BillingCurrency",
                      "ProviderName", "ServiceName", "ServiceCategory", "ResourceId",
                      "ChargeCategory", "Tags"])
        day = START
        while day <= end:
            for line in LINES:
                cost = f"{line.cost(day):.2f}"
                out.writerow(["123456789012", f"{day}T00:00:00Z",
                              f"{day + dt.timedelta(days=1)}T00:00:00Z", cost, cost, cost,
                              "USD", line.provider, line.service, line.category,
                              line.resource, "Usage",
                              json.dumps(line.tags) if line.tags else ""])
            day += dt.timedelta(days=1)
    return path


def build(folder: Path, files: Path, end: dt.date) -> Workspace:
    """Import the bill into a new workspace in ``folder``, then set its rule and budgets,
    all through the CLI."""
    workspace = Workspace(folder)
    bill = write_bill(files / "control-bill.csv", end)
    cli(workspace, "import", str(bill), "--source", "bill")
    rules = files / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    cli(workspace, "rules", "import", str(rules))
    for option, name, amount in BUDGETS:
        cli(workspace, "budgets", "set", option, *([name] if name else []), "--amount",
            str(amount))
    return workspace


def figures(period: Period) -> dict[Name, float]:
    """Every figure of ``period`` this module can tell: spend in all, by provider, AI,
    by team, feature (across teams, too) and Unallocated's reasons, and by feature tag."""
    days = [period.start + dt.timedelta(days=i) for i in range(period.days)]
    days = [d for d in days if d >= START]

    def spend(lines: list[Line]) -> float:
        return math.fsum(line.cost(d) for line in lines for d in days)

    out = {n.total(period): spend(list(LINES)),
           n.ai(period): spend([x for x in LINES if x.category == "AI and Machine Learning"])}
    for name in {x.provider for x in LINES}:
        out[n.provider(name, period)] = spend([x for x in LINES if x.provider == name])
    for team in {x.team for x in LINES}:
        mine = [x for x in LINES if x.team == team]
        out[n.team(team, period)] = spend(mine)
        for feature in {x.feature for x in mine}:
            out[n.feature(team, feature, period)] = spend([x for x in mine
                                                           if x.feature == feature])
    for feature in {x.tags.get("feature", NO_FEATURE_TAG) for x in LINES}:
        out[n.feature_total(feature, period)] = spend(
            [x for x in LINES if x.tags.get("feature", NO_FEATURE_TAG) == feature])
    return out


def record(book: Ledger, periods: list[Period], end: dt.date) -> None:
    """The control's own figures for ``periods``, and its spike: one incident, on
    ``SPIKE_DAY``, in the 30 days to ``end``."""
    for period in periods:
        for name, value in figures(period).items():
            book.record(name, SURFACE, value, n.MILLIONTH)
    window = Period(end - dt.timedelta(days=29), end)
    assert SPIKE_DAY in window
    book.record(n.spike("i-0etl", window), SURFACE, SPIKE, n.MILLIONTH)
    book.record(n.incident(f"spike:i-0etl:{SPIKE_DAY}"), SURFACE, SPIKE, n.MILLIONTH)

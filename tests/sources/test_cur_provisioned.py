"""Bedrock provisioned throughput from a plain CUR: its hourly model-unit charges (usage type
``USE1-<Model>-ProvisionedThroughput-<commitment>-ModelUnits``, as AWS's price list names it)
become a commitment of kind "Bedrock provisioned throughput" with its term, region and
hourly commitment, by both reading paths and in every spelling. The CUR says nothing of its
use, so its utilisation is "not stated by the bill", never invented; where CloudWatch's
hourly invocations of the provisioned model are in the cache, each day's use is the hours
with an invocation (and said to be derived). The lines themselves stay plain usage."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
from tests.sources.test_cur_commitments import write_cur
from tests.sources.test_fast_path import FAST, LINE, spy_on_daily

from worthit.analysis.commitments import FROM_INVOCATIONS, UNSTATED, Commitment, commitments
from worthit.core.commitments import PROVISIONED_THROUGHPUT
from worthit.core.periods import Period
from worthit.pages import commitments as page
from worthit.pages.figures import Figures
from worthit.pages.page import Options
from worthit.store.cache import Cache
from worthit.store.metrics import add_metrics
from worthit.sync.importer import import_file

PT = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/judge0pt1"
NO_COMMIT = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/trial0pt2"
DAYS = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(3)]
PERIOD = Period(DAYS[0], DAYS[-1])
HOURLY, NO_COMMIT_HOURLY = 12.0, 14.4  # one model unit an hour


def lines() -> list[dict[str, Any]]:
    """Three days of hourly lines: the 1-month provisioned throughput all day, a
    no-commitment one for 6 hours of the first day, and on-demand tokens beside them."""
    out = []
    for day in DAYS:
        for hour in range(24):
            start = dt.datetime.combine(day, dt.time(hour))
            common = {"type": "Usage", "start": start, "product": "AmazonBedrock",
                      "currency": "USD", "region": "us-east-1", "amount": 1}
            out.append({**common, "usage_type":
                        "USE1-NovaLite-ProvisionedThroughput-1Month-ModelUnits",
                        "resource": PT, "unblended": HOURLY})
            if day == DAYS[0] and hour < 6:
                out.append({**common, "usage_type":
                            "USE1-NovaLite-ProvisionedThroughput-NoCommit-ModelUnits",
                            "resource": NO_COMMIT, "unblended": NO_COMMIT_HOURLY})
            out.append({**common, "usage_type": "USE1-NovaLite-input-tokens",
                        "amount": 2.5, "unblended": 0.00015})
    return out


def imported(folder: Path, spelling: str, path_kind: str) -> Cache:
    path = write_cur(folder / "bill", spelling, lines())
    with pytest.MonkeyPatch.context() as patch:
        answers = spy_on_daily(patch, small=0 if path_kind == FAST else 10**18)
        cache = Cache.open(folder / path_kind / "worthit.sqlite")
        import_file(cache, path, source="cur")
    assert answers == [path_kind == FAST]
    return cache


def _by_id(cache: Cache) -> dict[str, Commitment]:
    found = commitments(cache, PERIOD, as_of=DAYS[-1])
    return {c.commitment_id: c for c in found.commitments}


@pytest.mark.parametrize("path_kind", (LINE, FAST))
@pytest.mark.parametrize("spelling", ("legacy", "athena", "cur2"))
def test_provisioned_throughput_is_a_commitment_whose_use_is_not_stated(
        tmp_path: Path, spelling: str, path_kind: str) -> None:
    cache = imported(tmp_path, spelling, path_kind)
    with cache:
        held = {r["commitment_id"]: dict(r) for r in cache._rows("SELECT * FROM commitments")}
        named = cache._scalar("SELECT COUNT(*) FROM charges WHERE commitment_discount_id "
                              "IS NOT NULL")
        by_id = _by_id(cache)
    assert named == 0  # the lines stay plain usage, as the bill has them
    terms = held[PT]
    assert (terms["kind"], terms["category"], terms["term"], terms["region"],
            terms["billed_every"], terms["currency"]) == (
        PROVISIONED_THROUGHPUT, "Usage", "1 month", "us-east-1", "hour", "USD")
    assert terms["offering"] == "Bedrock provisioned throughput (NovaLite)"
    assert terms["hourly_commitment"] == pytest.approx(HOURLY)
    assert held[NO_COMMIT]["term"] == "no commitment"
    # The no-commitment one ran 6 hours: its hourly rate is not a day's cost over 24.
    assert held[NO_COMMIT]["hourly_commitment"] == pytest.approx(NO_COMMIT_HOURLY * 6 / 24)
    pt = by_id[PT]
    billed = math.fsum(r["unblended"] for r in lines() if r.get("resource") == PT)
    assert pt.kind == PROVISIONED_THROUGHPUT and pt.term == "1 month"
    assert round(pt.committed, 2) == round(billed, 2) == round(pt.unstated, 2)
    assert (pt.used, pt.unused, pt.utilisation, pt.saving) == (0.0, 0.0, None, None)
    assert all(d.utilisation is None and d.unstated == pytest.approx(24 * HOURLY)
               for d in pt.days)
    assert UNSTATED in pt.notes
    assert pt.covers == "Bedrock provisioned throughput (NovaLite), us-east-1"


def test_the_page_says_utilisation_is_not_stated(tmp_path: Path) -> None:
    with imported(tmp_path, "legacy", LINE) as cache:
        text = page.text(Figures(cache, PERIOD), Options())
    row = next(line for line in text.splitlines() if line.startswith("judge0pt1"))
    assert "not stated" in row and PROVISIONED_THROUGHPUT in row
    assert " ".join(UNSTATED.split()[:6]) in " ".join(text.split())


def test_cloudwatch_hourly_invocations_give_the_days_use(tmp_path: Path) -> None:
    """15 hours with invocations on the first day (07:00-21:59) of the 24 billed: 62.5 %
    used; the other days, with no hourly counts held, stay not stated."""
    with imported(tmp_path, "legacy", LINE) as cache:
        with cache.transaction() as conn:
            add_metrics(conn, [("cur", f"{DAYS[0]}T{hour:02d}:00:00Z", "hour", PT,
                                "Invocations", "Sum", 40.0 if 7 <= hour < 22 else 0.0,
                                "Count") for hour in range(24)])
        pt = _by_id(cache)[PT]
    first, *rest = pt.days
    assert first.used == pytest.approx(24 * HOURLY * 15 / 24)
    assert first.unused == pytest.approx(24 * HOURLY * 9 / 24)
    assert (first.unstated, first.utilisation, first.derived) == (0.0, 0.625, True)
    assert all(d.unstated == pytest.approx(24 * HOURLY) for d in rest)
    # Used + unused + not stated is what it committed, every day and in all.
    assert pt.committed == pytest.approx(3 * 24 * HOURLY)
    assert pt.utilisation is None and FROM_INVOCATIONS in pt.notes and UNSTATED in pt.notes

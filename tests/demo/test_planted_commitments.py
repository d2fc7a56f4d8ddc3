"""The demo's planted commitments: the Commitments analysis finds all four with their
planted kinds, utilisation and owners, the one ending in 20 days first; the rows say the
same in plain SQL (used + unused = committed every day; billed = effective over a term);
and the control has none."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from pathlib import Path

import pytest

from worthit.analysis.commitments import Commitments, commitments
from worthit.core.commitments import (
    PROVISIONED_THROUGHPUT,
    PTU_RESERVATION,
    RESERVED_INSTANCES,
    SAVINGS_PLAN,
)
from worthit.core.periods import Period
from worthit.demo import commitments as planted_commitments
from worthit.demo.generator import DemoResult, read_planted_commitments
from worthit.demo.planted import MONTH_DAYS
from worthit.store.cache import CACHE_FILE, Cache


@pytest.fixture(scope="module")
def found(demo: DemoResult, demo_folder: Path, demo_end: dt.date) -> Commitments:
    """The last 30 days' commitments, as of the demo's last day."""
    period = Period(demo_end - dt.timedelta(days=MONTH_DAYS - 1), demo_end)
    with Cache.open(demo_folder / CACHE_FILE) as cache:
        return commitments(cache, period, as_of=demo_end)


def test_all_four_are_found_with_their_planted_kinds(
    demo: DemoResult, found: Commitments
) -> None:
    kinds = {c.commitment_id: c.kind for c in found.commitments}
    assert kinds == {p.commitment_id: p.kind for p in demo.commitments}
    assert sorted(kinds.values()) == sorted(
        [SAVINGS_PLAN, PROVISIONED_THROUGHPUT, PTU_RESERVATION, RESERVED_INSTANCES])


def test_the_planted_truth_is_stored_in_the_cache(demo: DemoResult, demo_folder: Path) -> None:
    with Cache.open(demo_folder / CACHE_FILE) as cache:
        assert read_planted_commitments(cache) == demo.commitments
    assert len(demo.commitments) == 4


def test_utilisation_is_as_planted(demo: DemoResult, found: Commitments) -> None:
    by_id = {c.commitment_id: c for c in found.commitments}
    for planted in demo.commitments:
        made = by_id[planted.commitment_id]
        assert made.utilisation == pytest.approx(planted.utilisation, abs=0.005), planted.title
    sp = by_id[planted_commitments.SP_ID]
    assert sp.utilisation == pytest.approx(0.70, abs=0.005)
    assert sp.unused == pytest.approx(MONTH_DAYS * 24 * 5.00 * 0.30, abs=0.01)
    bedrock = by_id[planted_commitments.PT_ID]
    assert bedrock.utilisation == pytest.approx(15 / 24, abs=1e-9)  # idle 9 h a night
    assert by_id[planted_commitments.PTU_ID].utilisation == pytest.approx(0.85, abs=1e-6)
    assert by_id[planted_commitments.RI_ID].unused == 0


def test_the_one_ending_in_20_days_comes_first(found: Commitments) -> None:
    first = found.commitments[0]
    assert first.commitment_id == planted_commitments.RI_ID
    assert first.days_to_end == 20
    assert first.ending_within == 30
    later = [c.days_to_end for c in found.commitments[1:]]
    assert all(d is not None and d > 20 for d in later)


def test_each_is_owned_by_its_planted_team(demo: DemoResult, found: Commitments) -> None:
    owners = {c.commitment_id: c.owner for c in found.commitments}
    assert owners == {p.commitment_id: p.team for p in demo.commitments}
    assert all(c.owner_share == 1.0 for c in found.commitments)


def test_used_and_unused_rows_add_up_every_day(demo_db: sqlite3.Connection) -> None:
    """In plain SQL: per commitment and day, Used + Unused effective cost is the day's
    commitment; the Bedrock night share is exactly 9/24."""
    rows = demo_db.execute(
        "SELECT commitment_discount_id, charge_period_start, commitment_discount_status, "
        "effective_cost FROM charges WHERE commitment_discount_status IS NOT NULL")
    days: dict[tuple[str, str], dict[str, float]] = {}
    for cid, day, status, cost in rows:
        held = days.setdefault((cid, day), {"Used": 0.0, "Unused": 0.0})
        held[status] += cost
    assert days
    for (cid, day), held in days.items():
        total = held["Used"] + held["Unused"]
        if cid == planted_commitments.SP_ID:
            assert total == pytest.approx(120.0, abs=1e-5), day
            assert held["Used"] / total == pytest.approx(0.70, abs=1e-6), day
        if cid == planted_commitments.PT_ID:
            assert held["Unused"] / total == pytest.approx(
                planted_commitments.PT_IDLE_SHARE, abs=1e-9), day


@pytest.mark.parametrize("cid", [planted_commitments.PTU_ID, planted_commitments.RI_ID])
def test_amortised_fees_reconcile_to_what_was_billed(
    demo_db: sqlite3.Connection, cid: str
) -> None:
    """Over the terms the demo holds whole (every PTU term ending by the last day; the
    reservation's year, to the cent of its rounding), the effective cost of the rows
    equals the billed fees."""
    rows = demo_db.execute(
        "SELECT charge_period_start, billed_cost, effective_cost FROM charges "
        "WHERE commitment_discount_id = ?", (cid,)).fetchall()
    billed = math.fsum(r[1] for r in rows)
    effective = math.fsum(r[2] for r in rows)
    assert billed > 0
    if cid == planted_commitments.PTU_ID:
        # The current term is billed, but only its days to the last day amortised.
        fee = planted_commitments.PTU_UNITS * planted_commitments.PTU_MONTHLY_PER_UNIT
        terms = planted_commitments.PTU_TERMS_HELD
        assert billed == pytest.approx(fee * terms, abs=1e-6)
        assert fee * (terms - 1) < effective < billed
    else:
        # It ends at 00:00 UTC 20 days after the last day: 19 whole days are still to come.
        days_held = len({r[0] for r in rows if r[2] > 0})
        per_day = effective / days_held
        to_come = planted_commitments.RI_DAYS_TO_END - 1
        assert per_day * (days_held + to_come) == pytest.approx(billed, abs=0.01)


def test_the_control_has_no_commitments(control_db: sqlite3.Connection,
                                        control: DemoResult) -> None:
    assert control.commitments == []
    assert control_db.execute(
        "SELECT COUNT(*) FROM charges WHERE commitment_discount_id IS NOT NULL"
    ).fetchone()[0] == 0
    assert control_db.execute("SELECT COUNT(*) FROM commitments").fetchone()[0] == 0

"""The usage a commitment could cover, summed from the charge index (eligible usage for
coverage; each instance family's on-demand cost per day for "If you committed"), against
the same sums written here in plain SQL over the demo's cache and a hand-made one with
unstated list costs, other currencies and spot usage: every group, every day."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from worthit.analysis.charge_index import loaded_index
from worthit.analysis.commitments import eligible_usage, on_demand_families
from worthit.core.commitments import instance_family
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import CACHE_FILE, Cache

#: A figure of a charge as SQL: '' means "the same as billed" (worthit.store.figures).
EFFECTIVE = "IIF(f.effective = '', f.billed, f.effective)"
LIST = "IIF(f.list = '', f.billed, f.list)"


def sql_eligible(conn: sqlite3.Connection, start: dt.date, end: dt.date
                 ) -> dict[tuple[Any, ...], tuple[float, float, float | None, int]]:
    """(provider, service, usage type, currency, pricing, covered) -> (billed, effective,
    listed or None, charges): usage of the services a commitment covered in the days."""
    first, last = (day - dt.date(1970, 1, 1) for day in (start, end))
    services = {s for (s,) in conn.execute(
        "SELECT DISTINCT k.service_name FROM charge_keys AS k JOIN charge_facts AS f "
        "ON f.key_id = k.key_id WHERE k.commitment_discount_status = 'Used' "
        "AND f.day BETWEEN ? AND ? AND k.service_name IS NOT NULL",
        (first.days, last.days))}
    out: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0, 0])
    for row in conn.execute(
            "SELECT k.provider_name, k.service_name, k.x_usage_type, k.billing_currency, "
            "k.pricing_category, k.commitment_discount_status IS 'Used', "
            f"f.billed, {EFFECTIVE}, {LIST} FROM charge_facts AS f "
            "JOIN charge_keys AS k ON k.key_id = f.key_id "
            "WHERE k.charge_category = 'Usage' AND f.day BETWEEN ? AND ?",
            (first.days, last.days)):
        if row[1] not in services:
            continue
        held = out[(*row[:5], bool(row[5]))]
        held[0] += row[6] or 0.0
        held[1] += row[7] or 0.0
        if row[8] is not None:
            held[2] += row[8]
            held[3] += 1
        held[4] += 1
    return {group: (b, e, lst if stated == n else None, n)
            for group, (b, e, lst, stated, n) in out.items()}


def index_eligible(cache: Cache, start: dt.date, end: dt.date
                   ) -> dict[tuple[Any, ...], tuple[float, float, float | None, int]]:
    return {(r["provider"], r["service"], r["usage_type"], r["currency"], r["pricing"],
             bool(r["covered"])): (r["billed"], r["effective"], r["listed"], r["charges"])
            for r in eligible_usage(loaded_index(cache), start, end)}


def assert_same_sums(found: dict[Any, Any], expected: dict[Any, Any]) -> None:
    assert found.keys() == expected.keys()
    for group, (billed, effective, listed, charges) in expected.items():
        got = found[group]
        assert got[0] == pytest.approx(billed, rel=1e-12, abs=1e-9), group
        assert got[1] == pytest.approx(effective, rel=1e-12, abs=1e-9), group
        assert (got[2] is None) == (listed is None), group
        if listed is not None:
            assert got[2] == pytest.approx(listed, rel=1e-12, abs=1e-9), group
        assert got[3] == charges, group


def sql_families(conn: sqlite3.Connection, start: dt.date, end: dt.date
                 ) -> dict[tuple[str | None, str], np.ndarray]:
    """(provider, family) -> its on-demand compute cost on each day (as billed)."""
    first = (start - dt.date(1970, 1, 1)).days
    width = (end - start).days + 1
    out: dict[tuple[str | None, str], np.ndarray] = {}
    for day, provider, usage, cost in conn.execute(
            f"SELECT f.day, k.provider_name, k.x_usage_type, {EFFECTIVE} "
            "FROM charge_facts AS f JOIN charge_keys AS k ON k.key_id = f.key_id "
            "WHERE k.charge_category = 'Usage' AND k.x_usage_type IS NOT NULL "
            "AND (k.pricing_category = 'Standard' OR (k.pricing_category IS NULL "
            "AND k.commitment_discount_id IS NULL)) AND f.day BETWEEN ? AND ?",
            (first, first + width - 1)):
        family = instance_family(usage)
        if family is None or not any(m in usage for m in ("BoxUsage", "DedicatedUsage",
                                                          "HostUsage", "InstanceUsage")):
            continue
        out.setdefault((provider, family), np.zeros(width))[day - first] += cost or 0.0
    return out


def assert_same_families(cache: Cache, conn: sqlite3.Connection, start: dt.date,
                         end: dt.date) -> None:
    index = loaded_index(cache)  # as billed, like the SQL: the app's is converted
    group, names = on_demand_families(index)
    daily, _ = index.per_group_days(start, end, group, len(names))
    found = {name: days for name, days in zip(names, daily, strict=True) if days.any()}
    expected = {name: days for name, days in sql_families(conn, start, end).items()
                if days.any()}
    assert found.keys() == expected.keys()
    for name, days in expected.items():
        np.testing.assert_allclose(found[name], days, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("days", [1, 30, 90, 400])
def test_the_demo_s_sums_match_sql(demo_folder: Path, demo_cache: Cache, demo_end: dt.date,
                                   days: int) -> None:
    start = demo_end - dt.timedelta(days=days - 1)
    conn = sqlite3.connect(f"file:{demo_folder / CACHE_FILE}?mode=ro", uri=True)
    try:
        expected = sql_eligible(conn, start, demo_end)
        assert expected, "the demo has usage a commitment covers"
        assert_same_sums(index_eligible(demo_cache, start, demo_end), expected)
        assert_same_families(demo_cache, conn, start, demo_end)
    finally:
        conn.close()


def charge(day: int, usage: str, billed: float, **extra: Any) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "source_id": "bill", "charge_period_start": f"2025-03-{day + 1:02d}",
        "provider_name": "AWS", "service_name": "Amazon EC2", "charge_category": "Usage",
        "x_usage_type": usage, "resource_id": f"i-{usage}-{extra.get('billing_currency')}",
        "billed_cost": billed, "effective_cost": billed, "list_cost": billed * 1.5,
        "billing_currency": "USD", "pricing_category": "Standard"}
    values.update(extra)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def test_unstated_list_costs_currencies_and_spot_are_summed_as_sql_does(cache: Cache
                                                                      ) -> None:
    rows = []
    for day in range(10):
        rows += [
            charge(day, "BoxUsage:g5.xlarge", 10.0 + day),
            charge(day, "BoxUsage:g5.xlarge", 7.0, billing_currency="EUR"),
            charge(day, "BoxUsage:m6i.large", 3.0, list_cost=None if day == 4 else 4.5),
            charge(day, "SpotUsage:g5.xlarge", 2.0, pricing_category="Dynamic"),
            charge(day, "BoxUsage:p4d.24xlarge", 30.0, pricing_category="Committed",
                   commitment_discount_id="sp-1", commitment_discount_status="Used"),
            charge(day, "EBS:VolumeUsage.gp3", 1.0, pricing_category=None),
            charge(day, "BoxUsage:c5.large", 5.0, service_name="Amazon RDS"),
        ]
    cache.replace_charges("bill", dt.date(2025, 3, 1), dt.date(2025, 3, 10), rows)
    conn = sqlite3.connect(f"file:{cache.path}?mode=ro", uri=True)
    try:
        for start, end in ((dt.date(2025, 3, 1), dt.date(2025, 3, 10)),
                           (dt.date(2025, 3, 3), dt.date(2025, 3, 4)),
                           (dt.date(2025, 3, 5), dt.date(2025, 3, 5))):
            expected = sql_eligible(conn, start, end)
            assert_same_sums(index_eligible(cache, start, end), expected)
            assert_same_families(cache, conn, start, end)
        whole = index_eligible(cache, dt.date(2025, 3, 1), dt.date(2025, 3, 10))
        m6i = next(v for k, v in whole.items() if k[2] == "BoxUsage:m6i.large")
        assert m6i[2] is None  # one day states no list cost: the sum is not known
        assert not any(k[1] == "Amazon RDS" for k in whole)  # no commitment covers it
    finally:
        conn.close()

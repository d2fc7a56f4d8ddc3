"""Generates the demo workspace: 13 months of a believable AI product company.

Deterministic: the same seed and end date give the same cache, row for row. The cache is
written to a temporary file and moved into place, so a workspace never holds half a demo.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from worthit.core.periods import add_months
from worthit.core.rules import read_rules_file
from worthit.demo import commitments, company, customers, truth
from worthit.demo.ai_usage import hourly_profile, vendor_names
from worthit.demo.catalog import PRICES_AS_OF, SOURCE_ID
from worthit.demo.company import Bill
from worthit.demo.ledger import Calendar, Ledger
from worthit.demo.planted import PlantedCommitment, PlantedCustomers, PlantedLeak
from worthit.paths import resource
from worthit.store.cache import CACHE_FILE, Cache
from worthit.store.demo import UnitRows, bulk_writing, fold_wal, write_demo
from worthit.store.names import save_names
from worthit.store.revenue import replace_revenue
from worthit.store.rules import save_rules
from worthit.store.traces import replace_trace_usage
from worthit.workspace import Workspace

DEFAULT_SEED = 7
SCALES = {"small": 24, "large": 5_000}  # long-tail resources; large ≈ 2 million rows
HOURLY_DAYS = 35
DEMO_RULES = resource("demo", "allocation-rules.yaml")


@dataclass(frozen=True, slots=True)
class DemoResult:
    start: dt.date
    end: dt.date
    rows: int
    seconds: float
    planted: list[PlantedLeak]
    commitments: list[PlantedCommitment]
    customers: PlantedCustomers


def default_end() -> dt.date:
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


def generate_demo(
    workspace: Workspace | Path,
    *,
    seed: int = DEFAULT_SEED,
    end: dt.date | None = None,
    scale: str = "small",
    leaks: bool = True,
) -> DemoResult:
    """(Re)write the demo cache in ``workspace``. ``leaks=False`` gives the clean control
    workspace against which false positives are tested."""
    began = time.perf_counter()
    folder = workspace.folder if isinstance(workspace, Workspace) else Path(workspace)
    end = end or default_end()
    start = add_months(end, -13) + dt.timedelta(days=1)
    cal = Calendar(pd.date_range(start, end, freq="D"))
    rng = np.random.default_rng(seed)
    ledger, bill = Ledger(cal, SOURCE_ID), Bill()
    company.ai(cal, rng, ledger, bill, leaks)
    company.cloud(cal, rng, ledger, bill, leaks)
    company.fleet(cal, rng, ledger, bill, SCALES[scale], leaks)
    planted = truth.planted_leaks(bill) if leaks else []
    # The control has no commitments: an unused one is a leak of its own.
    stated, committed = commitments.plant(cal, ledger) if leaks else ([], [])
    traced = customers.plant(cal, bill, seed, leaks)

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CACHE_FILE
    temporary = folder / f".{CACHE_FILE}.{os.getpid()}.tmp"
    for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
        leftover.unlink(missing_ok=True)
    cache = Cache.open(temporary)
    try:
        # A temporary file, moved into place only when whole: no need for a journal, and
        # a bigger page cache keeps the index inserts of 2M rows in memory.
        bulk_writing(cache)
        rows = cache.replace_charges(SOURCE_ID, start, end, ledger.rows())
        write_demo(cache, {
            "source_id": SOURCE_ID, "kind": "demo", "name": "Demo workspace",
            "settings": json.dumps({"seed": seed, "scale": scale, "leaks": leaks}),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
            _metrics(cal, bill, rng), _resources(bill, end), _units(cal, bill, rng),
            stated)
        save_rules(cache, read_rules_file(DEMO_RULES))
        for provider, names in vendor_names(company.streams(leaks)).items():
            save_names(cache, provider, names)
        replace_trace_usage(cache, customers.SOURCE_ID, customers.SOURCE_NAME, "demo",
                            {"seed": seed, "format": "otlp-traces"}, traced.rows, traced.days)
        replace_revenue(cache, traced.revenue)
        cache.set_meta({
            "workspace.name": "Demo workspace" if leaks else "Demo workspace (control)",
            "demo.seed": str(seed),
            "demo.end": end.isoformat(),
            "demo.scale": scale,
            "demo.leaks": str(int(leaks)),
            "demo.prices_as_of": PRICES_AS_OF,
            "demo.planted": json.dumps([leak.to_json() for leak in planted]),
            "demo.commitments": json.dumps([c.to_json() for c in committed]),
            "demo.customers": json.dumps(traced.truth.to_json()),
            "data.synced_at": dt.datetime.combine(
                end + dt.timedelta(days=1), dt.time(6, 0), dt.UTC).isoformat(),
        })
        fold_wal(cache)
    finally:
        cache.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(temporary, target)
    return DemoResult(start, end, rows, time.perf_counter() - began, planted, committed,
                      traced.truth)


def read_planted(cache: Cache) -> list[PlantedLeak]:
    """The planted leaks recorded in a demo cache (empty for any other workspace)."""
    raw = cache.get_meta("demo.planted")
    return [PlantedLeak.from_json(item) for item in json.loads(raw)] if raw else []


def read_planted_commitments(cache: Cache) -> list[PlantedCommitment]:
    """The planted commitments recorded in a demo cache (empty for any other workspace)."""
    raw = cache.get_meta("demo.commitments")
    return [PlantedCommitment.from_json(item) for item in json.loads(raw)] if raw else []


def read_planted_customers(cache: Cache) -> PlantedCustomers | None:
    """The planted customers recorded in a demo cache (None for any other workspace)."""
    raw = cache.get_meta("demo.customers")
    return PlantedCustomers.from_json(json.loads(raw)) if raw else None


def _metrics(cal: Calendar, bill: Bill, rng: np.random.Generator) -> list[tuple[object, ...]]:
    """The machines' daily utilisation and the AI streams' hourly requests (last days)."""
    rows: list[tuple[object, ...]] = []
    for machine, hours, _cost in bill.machines.values():
        if machine.instance_type.startswith(("m6i", "ml.m")):
            metric = "CPUUtilization"
        else:
            metric = "GPUUtilization"
        mean = company.utilisation(machine, hours, rng)
        p95 = np.minimum(100.0, mean * rng.uniform(1.2, 1.5, len(cal)))
        for day, avg, high, on in zip(cal.iso, mean, p95, hours > 0, strict=True):
            if on:
                rows.append((SOURCE_ID, day, "day", machine.resource_id, metric, "Average",
                             round(float(avg), 2), "Percent"))
                rows.append((SOURCE_ID, day, "day", machine.resource_id, metric, "p95",
                             round(float(high), 2), "Percent"))
    for days in bill.streams.values():
        profile = hourly_profile(days.stream)
        for index in range(len(cal) - HOURLY_DAYS, len(cal)):
            counts = np.round(days.requests[index] * profile)
            for hour, count in enumerate(counts):
                rows.append((SOURCE_ID, f"{cal.iso[index]}T{hour:02d}:00:00Z", "hour",
                             days.stream.api_key, "Requests", "Sum", float(count), "Count"))
    return rows


def _resources(bill: Bill, end: dt.date) -> list[dict[str, object]]:
    """The inventory: the machines and the buckets, with their facts."""
    observed = end.isoformat()
    rows: list[dict[str, object]] = []
    for machine, _hours, _cost in bill.machines.values():
        facts = {"instance_type": machine.instance_type, "instance_count": 1,
                 "availability_zone": machine.zone, "env": machine.env}
        kind = "Endpoint" if machine.sagemaker else "Instance"
        rows.append({"source_id": SOURCE_ID, "resource_id": machine.resource_id,
                     "resource_type": kind, "provider_name": "AWS", "region_id": "us-east-1",
                     "name": machine.resource_id.rsplit("/", 1)[-1],
                     "facts": json.dumps(facts), "observed_at": observed})
    for bucket, _cost in bill.buckets.values():
        facts = {"size_bytes": int(bucket.tib_end * 1024**4), "storage_class": "STANDARD",
                 "lifecycle_policy": bucket.lifecycle,
                 "last_write": (end - dt.timedelta(days=bucket.days_since_write)).isoformat()}
        rows.append({"source_id": SOURCE_ID, "resource_id": bucket.name, "resource_type":
                     "Bucket", "provider_name": "AWS", "region_id": "us-east-1",
                     "name": bucket.name, "facts": json.dumps(facts), "observed_at": observed})
    return rows


#: unit id -> (name, what it counts, features, target $/unit, revenue $/unit)
#: unit id -> (name, what it counts, features, shared pools, target, revenue per unit).
#: Support is on target; the recommender (on oversized GPUs) and search (bloated prompts)
#: miss theirs, for reasons the leak findings name.
UNITS = {
    "resolved-ticket": ("Resolved ticket", "tickets resolved by the support assistant",
                        ["support-assistant", "ticket-triage"],
                        {"Shared observability": 0.25}, 0.075, 0.60),
    "1k-inferences": ("1,000 inferences", "recommendation inferences, in thousands",
                      ["recommendations"], {}, 0.055, None),
    "active-user": ("Active user", "daily active users of search and the copilot",
                    ["document-search", "analytics-copilot"], {}, 0.020, 0.05),
}
#: Days (before the end date) on which the analytics pipeline lost the active-user count.
ACTIVE_USER_GAP_DAYS_AGO = (48, 47)


def _units(cal: Calendar, bill: Bill, rng: np.random.Generator) -> UnitRows:
    """The units, each with its daily counts (the active users miss a few days)."""
    noise = rng.lognormal(0.0, 0.03, (3, len(cal)))
    counts = {
        "resolved-ticket": bill.streams["support-sonnet"].requests / 3.2 * noise[0],
        "1k-inferences": 2_600.0 * cal.growth(0.03) * cal.week_shape(0.8) * noise[1],
        "active-user": bill.streams["docsearch-chat"].requests / 4.2 * noise[2],
    }
    gap = {len(cal) - 1 - ago for ago in ACTIVE_USER_GAP_DAYS_AGO}
    return [({"unit_id": unit_id, "name": name, "counts_what": what,
              "features": json.dumps(features), "shared_pools": json.dumps(pools),
              "target_cost": target, "revenue_per_unit": revenue, "currency": "USD"},
             [{"unit_id": unit_id, "day": day, "count": round(float(count))}
              for index, (day, count) in enumerate(zip(cal.iso, counts[unit_id], strict=True))
              if not (unit_id == "active-user" and index in gap)])
            for unit_id, (name, what, features, pools, target, revenue) in UNITS.items()]

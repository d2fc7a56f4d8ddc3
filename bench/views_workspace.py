"""A workspace of ``--charges`` daily charges (default 10 million) for timing the pages:
the large demo (``worthit demo --scale large``: 2 million charges over 13 months, with the
units, metrics, allocation rules and planted leaks the pages read; the small demo for
fewer than 3 million charges) plus a lean legacy CUR Parquet of the remaining charges over
the same 13 months, imported with ``worthit import``.

Each line of that file is one key's day (``line_item_usage_start_date`` at midnight, the
end a day later), every key distinct (a resource id, or for Bedrock tokens a model, kind,
account and tags), so lines and daily charges are the same count: the importer's grouping
has nothing to merge, which is the fastest correct way through the public entry points to
a given number of charges. Keys are EC2 instances, EBS volumes, S3 buckets, Lambda
functions, RDS databases and Bedrock token streams, tagged with the demo's team and
feature tags (so its allocation rules apply), most living a part of the 13 months; a
payer of their own, so no demo bill is superseded. About 25,000 keys a day: the harder
case for a 30-day period than the same count spread over more years.

Deterministic (numpy, ``--seed``); written a day's lines at a time, a row group per
``BATCH`` lines. ``python bench/views_workspace.py DIR [--charges N]`` builds the
workspace in DIR, or reuses it when ``bench-views.json`` there says it holds N (delete DIR
to build it again). 10 M charges took 279 s on 2026-12-05 (the import 245 s of it) and
4.8 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHARGES = 10_000_000
END = dt.date(2026, 11, 30)  # the demo's last day (yesterday, if that is earlier)
BATCH = 500_000
MARKER = "bench-views.json"
LARGE_FROM = 3_000_000  # charges asked from which the large demo is the base, else the small
PAYER = "999900001111"
ACCOUNTS = ("999900001111", "999900002222", "999900003333")
TEAMS = ("ml-platform", "search", "growth", "payments", "data", "support", "devex")
FEATURES = ("chat", "search-ranking", "summaries", "recommendations", "checkout",
            "onboarding", "reports", "fraud", "ingest", "notifications")
REGIONS = {"us-east-1": "", "us-west-2": "USW2-", "eu-west-1": "EU-"}
# kind: weight, product code, product name, usage types, unit, daily amount, rate, prefix
KINDS = {
    "instance": (30, "AmazonEC2", "Amazon Elastic Compute Cloud",
                 ("BoxUsage:m5.large", "BoxUsage:c6i.xlarge", "BoxUsage:t3.medium",
                  "BoxUsage:g5.xlarge", "BoxUsage:r6g.large"), "Hrs", 24, 0.1, "i-0"),
    "volume": (25, "AmazonEC2", "Amazon Elastic Compute Cloud",
               ("EBS:VolumeUsage.gp3", "EBS:VolumeUsage.gp2"), "GB-Mo", 3.0, 0.08, "vol-0"),
    "bucket": (15, "AmazonS3", "Amazon Simple Storage Service",
               ("TimedStorage-ByteHrs", "Requests-Tier1", "Requests-Tier2"), "GB-Mo", 40.0,
               0.023, "bucket-"),
    "function": (15, "AWSLambda", "AWS Lambda", ("Lambda-GB-Second", "Request"),
                 "Lambda-GB-Second", 20_000.0, 1.67e-5, "arn:aws:lambda:fn-"),
    "database": (5, "AmazonRDS", "Amazon Relational Database Service",
                 ("InstanceUsage:db.r6g.large", "InstanceUsage:db.t3.medium"), "Hrs", 24,
                 0.2, "arn:aws:rds:db-"),
    "tokens": (10, "AmazonBedrock", "Amazon Bedrock",
               ("NovaMicro-input-tokens", "NovaMicro-output-tokens", "NovaLite-input-tokens",
                "NovaLite-output-tokens", "Claude3Haiku-input-tokens",
                "Claude3Haiku-output-tokens", "Claude3.5Sonnet-input-tokens",
                "Claude3.5Sonnet-output-tokens"), "1K tokens", 5_000.0, 4e-4, ""),
}


def last_day() -> dt.date:
    return min(END, dt.date.today() - dt.timedelta(days=1))


class _Keys:
    """The keys: their text cells, and the days each is billed (start, end)."""

    def __init__(self, charges: int, days: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        names = list(KINDS)
        weights = np.array([KINDS[k][0] for k in names], float)
        starts, ends, total = [], [], 0
        cells: dict[str, list[object]] = {c: [] for c in (
            "kind", "usage", "resource", "account", "region", "team", "feature", "env",
            "amount", "rate")}
        while total < charges:
            kind = names[rng.choice(len(names), p=weights / weights.sum())]
            _, _, _, usages, _, amount, rate, prefix = KINDS[kind]
            if rng.random() < 0.4:
                start, end = 0, days
            else:
                length = int(rng.integers(30, min(300, days) + 1))
                start = int(rng.integers(0, days - length + 1))
                end = start + length
            region = str(rng.choice(list(REGIONS), p=(0.7, 0.2, 0.1)))
            usage = str(rng.choice(usages))
            number = len(starts)
            tagged = rng.random() < 0.85
            for column, value in (
                    ("kind", kind),
                    ("usage", ("USE1-" if region == "us-east-1" else REGIONS[region]) + usage
                     if kind == "tokens" else REGIONS[region] + usage),
                    ("resource", f"arn:aws:bedrock:{region}:{PAYER}:application-inference-"
                                 f"profile/{number:012x}" if kind == "tokens" else
                     f"{prefix}{number:012x}"),
                    ("account", str(rng.choice(ACCOUNTS))), ("region", region),
                    ("team", str(rng.choice(TEAMS)) if tagged else None),
                    ("feature", f"{rng.choice(FEATURES)}" if tagged else None),
                    ("env", str(rng.choice(("prod", "staging")))),
                    ("amount", amount * float(rng.lognormal(0, 0.5))), ("rate", rate)):
                cells[column].append(value)
            starts.append(start)
            ends.append(end)
            total += end - start
        # The last key is cut so that the lines are exactly ``charges``.
        ends[-1] -= total - charges
        self.start, self.end = np.array(starts), np.array(ends)
        self.cells = cells
        self.rng = rng

    def coded(self, column: str) -> tuple[np.ndarray, pa.Array]:
        values = self.cells[column]
        uniques = sorted({str(v) for v in values if v is not None})
        at = {v: i for i, v in enumerate(uniques)}
        return (np.array([-1 if v is None else at[str(v)] for v in values], np.int32),
                pa.array(uniques, pa.string()))


def _lines(keys: _Keys, first: dt.date, days: int) -> Iterator[pa.Table]:
    """The file's lines, day after day, ``BATCH`` at a time."""
    text = {c: keys.coded(c) for c in ("usage", "resource", "account", "region", "team",
                                       "feature", "env")}
    kinds = list(KINDS)
    kind_codes = np.array([kinds.index(k) for k in keys.cells["kind"]])  # type: ignore
    product = {name: np.array([KINDS[k][i] for k in kinds], dtype=object)
               for name, i in (("code", 1), ("name", 2), ("unit", 4))}
    amount = np.array(keys.cells["amount"], float)
    rate = np.array(keys.cells["rate"], float)
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    held = 0
    for day in range(days):
        active = np.nonzero((keys.start <= day) & (day < keys.end))[0]
        pending.append((active, np.full(len(active), day)))
        held += len(active)
        if held >= BATCH or day == days - 1:
            rows = np.concatenate([a for a, _ in pending])
            on = np.concatenate([d for _, d in pending])
            pending, held = [], 0
            yield _table(keys, rows, on, first, text, kind_codes, product, amount, rate)


def _table(keys: _Keys, rows: np.ndarray, on: np.ndarray, first: dt.date,
           text: dict[str, tuple[np.ndarray, pa.Array]], kind_codes: np.ndarray,
           product: dict[str, np.ndarray], amount: np.ndarray, rate: np.ndarray) -> pa.Table:
    def cells(column: str) -> pa.Array:
        codes, dictionary = text[column]
        taken = codes[rows]
        return pa.DictionaryArray.from_arrays(pa.array(taken, mask=taken < 0), dictionary)

    n = len(rows)
    start = np.datetime64(first, "ms") + on.astype("timedelta64[D]")
    month = start.astype("datetime64[M]")
    quantity = np.round(amount[rows] * keys.rng.lognormal(0, 0.2, n), 6)
    cost = np.round(quantity * rate[rows], 10)
    kind = kind_codes[rows]
    return pa.table({
        "bill_payer_account_id": pa.array(np.full(n, PAYER)),
        "bill_billing_period_start_date": pa.array(month.astype("datetime64[ms]")),
        "bill_billing_period_end_date": pa.array((month + 1).astype("datetime64[ms]")),
        "line_item_usage_account_id": cells("account"),
        "line_item_line_item_type": pa.array(np.full(n, "Usage")),
        "line_item_usage_start_date": pa.array(start.astype("datetime64[ms]")),
        "line_item_usage_end_date": pa.array((start + np.timedelta64(1, "D")).astype(
            "datetime64[ms]")),
        "line_item_product_code": pa.array(product["code"][kind], pa.string()),
        "line_item_usage_type": cells("usage"),
        "line_item_resource_id": cells("resource"),
        "line_item_usage_amount": quantity,
        "line_item_currency_code": pa.array(np.full(n, "USD")),
        "line_item_unblended_cost": cost,
        "pricing_public_on_demand_cost": cost,
        "pricing_unit": pa.array(product["unit"][kind], pa.string()),
        "product_product_name": pa.array(product["name"][kind], pa.string()),
        "product_region_code": cells("region"),
        "resource_tags_user_team": cells("team"),
        "resource_tags_user_feature": cells("feature"),
        "resource_tags_user_env": cells("env"),
    })


def write_daily_cur(path: Path, charges: int, first: dt.date, last: dt.date,
                    seed: int = 10) -> None:
    """Write ``charges`` lines, one per key and day, from ``first`` to ``last``."""
    days = (last - first).days + 1
    keys = _Keys(charges, days, seed)
    part = path.with_name(path.name + ".part")
    writer = None
    for table in _lines(keys, first, days):
        writer = writer or pq.ParquetWriter(part, table.schema, compression="snappy",
                                            store_schema=False)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    part.rename(path)


def build(folder: Path, charges: int = CHARGES) -> dict[str, object]:
    """The workspace in ``folder``, built unless its marker says it holds ``charges``:
    what it holds and how long each step took."""
    marker = folder / MARKER
    if marker.is_file():
        held = json.loads(marker.read_text())
        if held.get("charges_asked") == charges:
            return dict(held, reused=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "worthit.sqlite").unlink(missing_ok=True)
    end = last_day()
    began = time.perf_counter()
    scale = "large" if charges >= LARGE_FROM else "small"
    demo = _worthit(folder, "demo", "--scale", scale, "--end", end.isoformat())
    demo_seconds = time.perf_counter() - began
    # "Demo workspace in DIR: 2,002,406 charge rows, 2025-10-31 to 2026-11-30, ..."
    found = re.search(r"([\d,]+) charge rows, (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)", demo)
    assert found, f"no charge count and days in the demo's output: {demo!r}"
    demo_charges = int(found[1].replace(",", ""))
    first, last = dt.date.fromisoformat(found[2]), dt.date.fromisoformat(found[3])
    extra = max(0, charges - demo_charges)
    bill = folder.parent / f"{folder.name}-daily-cur-{extra}-{last}.parquet"
    began = time.perf_counter()
    if not bill.is_file():
        write_daily_cur(bill, extra, first, last)
    file_seconds = time.perf_counter() - began
    began = time.perf_counter()
    _worthit(folder, "import", "--into-demo", str(bill))  # the demo workspace is the base
    held = {"charges_asked": charges, "demo": scale, "demo_charges": demo_charges,
            "imported_charges": extra,
            "first": first.isoformat(), "last": last.isoformat(),
            "demo_seconds": round(demo_seconds, 1), "file_seconds": round(file_seconds, 1),
            "import_seconds": round(time.perf_counter() - began, 1)}
    marker.write_text(json.dumps(held, indent=1))
    return dict(held, reused=False)


def _worthit(folder: Path, *command: str) -> str:
    done = subprocess.run([sys.executable, "-m", "worthit", "--workspace", str(folder),
                           *command], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"worthit {' '.join(command)} failed:\n{done.stderr}")
    return done.stdout


def main() -> int:
    root = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("folder", type=Path, help="the workspace folder")
    root.add_argument("--charges", type=int, default=CHARGES, metavar="N")
    args = root.parse_args()
    print(json.dumps(build(args.folder, args.charges)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Importing large AWS cost and usage reports, ``worthit.sync.importer.import_file``.
Goals, on this machine: at least 1 million line items a second from Parquet, and a peak
resident set of at most 600 MB, whatever the file's size.

Two files are generated once into ``--data-dir`` (kept while their line counts match): a
CUR 2.0 Parquet file (``--lines-parquet``, default 5 million) and a legacy CUR CSV.gz with
slash headers (``--lines-csv``, default 1 million), both hourly line items over 30 days for
several thousand resources (EC2, some covered by a savings plan, EBS, S3, Bedrock tokens,
NAT, data transfer, Lambda, RDS, CloudWatch), some tax, credit and savings-plan fee lines,
tags, product and cost-category maps and the many other columns of a real report.

Each import runs ``--repeat`` times in a fresh child process (``--child``) into a new
workspace cache; the median time is reported with the largest peak resident set of the
child (``ru_maxrss``, all threads), and "base", that peak before ``import_file``. Linux
carries a parent's resident set into a spawned child's ``ru_maxrss``, so the files are
generated in a child too and this process stays small. ``--profile`` then imports the
Parquet file once more here under cProfile and prints the top 25 cumulative entries.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from _common import parser, run_python, table

GOAL_LINES_PER_S = 1_000_000  # from Parquet
GOAL_PEAK_MB = 600.0
HOURS, HOUR_MS = 30 * 24, 3_600_000
START = np.datetime64("2025-06-01T00:00", "ms")
BATCH = 250_000  # rows generated and written at a time (a Parquet row group)
# weight, product code, usage type, operation, pricing unit, rate, amount, resource prefix
KINDS = [line.split() for line in """\
12 AmazonEC2 BoxUsage:m5.large RunInstances Hrs 0.096 1 i-
8 AmazonEC2 BoxUsage:c6i.xlarge RunInstances Hrs 0.17 1 i-
3 AmazonEC2 BoxUsage:g5.xlarge RunInstances Hrs 1.006 1 i-
10 AmazonEC2 EBS:VolumeUsage.gp3 CreateVolume-Gp3 GB-Mo 0.08 0.14 vol-
7 AmazonS3 TimedStorage-ByteHrs StandardStorage GB-Mo 0.023 2.5 bucket-
4 AmazonS3 Requests-Tier1 PutObject Requests 5e-6 4000 bucket-
4 AmazonBedrock NovaMicro-input-tokens InvokeModel 1K_tokens 3.5e-5 900 arn:bedrock:ip/
4 AmazonBedrock NovaMicro-output-tokens InvokeModel 1K_tokens 1.4e-4 300 arn:bedrock:ip/
2 AmazonBedrock Claude3Haiku-input-tokens InvokeModel 1K_tokens 2.5e-4 400 arn:bedrock:ip/
2 AmazonBedrock Claude3Haiku-output-tokens InvokeModel 1K_tokens 1.25e-3 120 arn:bedrock:ip/
3 AmazonEC2 NatGateway-Hours NatGateway Hrs 0.045 1 nat-
3 AmazonEC2 NatGateway-Bytes NatGateway GB 0.045 12 nat-
4 AWSDataTransfer DataTransfer-Out-Bytes - GB 0.09 6 i-
5 AWSLambda Lambda-GB-Second Invoke Lambda-GB-Second 1.67e-5 30000 arn:lambda:fn-
4 AmazonRDS InstanceUsage:db.r6g.large CreateDBInstance:0016 Hrs 0.26 1 db-
2 AmazonCloudWatch CW:MetricMonitorUsage MetricStorage Metrics 4e-4 10 metric-
""".splitlines()]
NAMES = {"AmazonEC2": "Amazon Elastic Compute Cloud", "AmazonS3": "Amazon Simple Storage "
         "Service", "AmazonBedrock": "Amazon Bedrock", "AWSDataTransfer": "AWS Data Transfer",
         "AWSLambda": "AWS Lambda", "AmazonRDS": "Amazon Relational Database Service",
         "AmazonCloudWatch": "AmazonCloudWatch", "ComputeSavingsPlans": "Savings Plans"}
REGIONS = {"us-east-1": "USE1-", "us-west-2": "USW2-", "eu-west-1": "EU-"}
TEAMS = ("payments", "search", "ml-platform", "growth", "data", "core-api", "mobile", "ops")
ACCOUNTS = tuple(str(111111111111 * k)[:12] for k in range(1, 7))
SAME = {"bill_invoicing_entity": "Amazon Web Services, Inc.", "bill_billing_entity": "AWS",
        "bill_bill_type": "Anniversary", "bill_payer_account_id": ACCOUNTS[0],
        "line_item_currency_code": "USD", "line_item_legal_entity": "Amazon Web Services, Inc.",
        "product_from_location": "US East (N. Virginia)", "pricing_currency": "USD"}
LEGACY = {"identity": "identity", "bill": "bill", "line_item": "lineItem", "product": "product",
          "pricing": "pricing", "savings_plan": "savingsPlan", "reservation": "reservation"}
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
ISO = "%Y-%m-%dT%H:%M:%SZ"


def templates(slots: int) -> dict[str, pa.Array]:
    """What the lines of each slot (one line an hour) share; a loop over slots, not rows."""
    rng, t = np.random.default_rng(7), dict[str, list[Any]]()
    weights = np.array([float(k[0]) for k in KINDS])
    for slot, kind in enumerate(rng.choice(len(KINDS), slots, p=weights / weights.sum())):
        _, code, usage, op, unit, rate, amount, prefix = KINDS[kind]
        rate, amount, unit = float(rate), float(amount), unit.replace("_", " ")
        region = rng.choice(list(REGIONS)) if rng.random() < 0.3 else "us-east-1"
        covered = "BoxUsage" in usage and rng.random() < 0.3
        line_type = "SavingsPlanCoveredUsage" if covered else "Usage"
        resource_id = f"{prefix}{rng.integers(2**48):012x}"
        special = rng.choice(["Tax", "Credit", "SavingsPlanRecurringFee", ""],
                             p=[0.004, 0.002, 0.001, 0.993])
        if special:
            line_type, usage, op, unit, resource_id, amount = special, "", "", None, None, 1
            code = "ComputeSavingsPlans" if special.startswith("Savings") else code
            rate *= -20 if special == "Credit" else 20
        for key, value in (
            ("code", code), ("op", op.strip("-")), ("unit", unit), ("region", region),
            ("usage", f"{REGIONS[region]}{usage}" if usage else None), ("type", line_type),
            ("resource", resource_id), ("rate", rate), ("amount", amount),
            ("account", ACCOUNTS[slot % len(ACCOUNTS)]), ("sku", f"{rng.integers(2**62):X}"),
            ("az", f"{region}{'abc'[slot % 3]}" if prefix in ("i-", "vol-") else None),
            ("description", f"${rate:.6g} per {unit or 'line'} for {usage or special}"),
            ("tags", [("user_team", TEAMS[slot % 8]), ("user_feature", f"feature-{slot % 23}")]
             if rng.random() < 0.85 else []),
            ("product", [("product_name", NAMES[code]), ("servicecode", code)]),
            ("cost_category", [("environment", "prod" if slot % 5 else "staging")]),
        ):
            t.setdefault(key, []).append(value)
    maps = pa.map_(pa.string(), pa.string())
    return {k: pa.array(v, type=maps if k in ("tags", "product", "cost_category") else None)
            for k, v in t.items()}


def batch(t: dict[str, pa.Array], first: int, n: int, rng: np.random.Generator) -> pa.Table:
    """Rows ``first`` .. ``first + n`` of the CUR 2.0 file, vectorised."""
    row = np.arange(first, first + n)
    take = {k: pc.take(v, pa.array(row % len(t["code"]))) for k, v in t.items()}
    rate, amount = take["rate"].to_numpy(), take["amount"].to_numpy()
    amount = np.where(amount == 1, 1.0, amount * rng.lognormal(0, 0.3, n))
    cost, line_type = np.round(amount * rate, 10), take["type"]
    usage = pc.is_in(line_type, pa.array(["Usage", "SavingsPlanCoveredUsage"])).to_numpy(False)
    covered = pc.equal(line_type, "SavingsPlanCoveredUsage").to_numpy(False)
    begin = START + row // len(t["code"]) * HOUR_MS
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)  # line item ids, 32 hex digits
    ids = np.stack([HEX[raw >> 4], HEX[raw & 15]], axis=2).reshape(n, 32).view("S32").ravel()
    rates, month = pc.cast(take["rate"], pa.string()), np.full(n, START)
    return pa.table({
        "identity_line_item_id": pa.array(ids).cast(pa.string()),
        "identity_time_interval": pc.binary_join_element_wise(
            *(pc.strftime(pa.array(at, pa.timestamp("s")), format=ISO)
              for at in (begin, begin + HOUR_MS)), "/"),
        "bill_invoice_id": pc.binary_join_element_wise("EUINUS25-", take["account"], ""),
        **{name: pa.repeat(value, n) for name, value in SAME.items()},
        "bill_billing_period_start_date": pa.array(month),
        "bill_billing_period_end_date": pa.array(month + HOURS * HOUR_MS),
        "line_item_usage_account_id": take["account"], "line_item_line_item_type": line_type,
        "line_item_usage_start_date": pa.array(begin),
        "line_item_usage_end_date": pa.array(begin + HOUR_MS),
        "line_item_product_code": take["code"], "line_item_usage_type": take["usage"],
        "line_item_operation": take["op"], "line_item_availability_zone": take["az"],
        "line_item_resource_id": take["resource"], "line_item_usage_amount": amount,
        "line_item_normalization_factor": np.where(covered, 4.0, 0.0),
        "line_item_normalized_usage_amount": np.where(covered, amount * 4, 0.0),
        "line_item_unblended_rate": rates, "line_item_unblended_cost": cost,
        "line_item_blended_rate": rates, "line_item_blended_cost": cost,
        "line_item_net_unblended_rate": rates, "line_item_net_unblended_cost": np.where(
            usage, cost * 0.97, cost),
        "line_item_line_item_description": take["description"],
        "line_item_tax_type": pc.if_else(pc.equal(line_type, "Tax"), "USSalesTax", None),
        "product": take["product"], "product_region_code": take["region"],
        "product_sku": take["sku"], "product_servicecode": take["code"],
        "pricing_unit": take["unit"], "pricing_term": pc.if_else(usage, "OnDemand", None),
        "pricing_public_on_demand_rate": rates, "pricing_public_on_demand_cost": np.where(
            usage, cost, 0.0),
        "savings_plan_savings_plan_arn": pc.if_else(
            covered, "arn:aws:savingsplans::111111111111:savingsplan/sp-1", None),
        "savings_plan_savings_plan_rate": np.where(covered, rate * 0.72, 0.0),
        "savings_plan_savings_plan_effective_cost": np.where(covered, cost * 0.72, 0.0),
        "savings_plan_used_commitment": np.where(covered, cost * 0.72, 0.0),
        "reservation_effective_cost": np.zeros(n),
        "resource_tags": take["tags"], "cost_category": take["cost_category"],
    })


def legacy(snake: pa.Table) -> pa.Table:
    """A batch as a legacy CUR CSV's columns: slash headers, tag columns, times as text."""
    columns: dict[str, Any] = {}
    for name, column in zip(snake.column_names, snake.columns, strict=True):
        head = next((h for h in LEGACY if name.startswith(h + "_")), None)
        if head is None or "_net_" in name:
            continue  # a CUR 2.0 map, or the net costs (absent from a report without discounts)
        title = "".join(w.title() for w in name[len(head) + 1:].split("_"))
        if head in ("product", "pricing"):
            title = title[0].lower() + title[1:]
        columns[f"{LEGACY[head]}/{title}"] = pc.strftime(column.cast(pa.timestamp("s")),
                                                         format=ISO) \
            if pa.types.is_timestamp(column.type) else column
    columns["product/ProductName"] = pc.map_lookup(snake["product"], "product_name", "first")
    for key in ("team", "feature"):
        columns[f"resourceTags/user:{key}"] = pc.map_lookup(snake["resource_tags"],
                                                            f"user_{key}", "first")
    return pa.table(columns)


def generate(path: Path, lines: int) -> None:
    """Write ``lines`` line items to ``path`` (Parquet or CSV.gz), a batch at a time."""
    import pyarrow.csv
    import pyarrow.parquet as pq

    rng, t = np.random.default_rng(11), templates(-(-lines // HOURS))
    part, writer, csv = path.with_name(path.name + ".part"), None, path.suffix == ".gz"
    with pa.CompressedOutputStream(str(part), "gzip") if csv else open(part, "wb") as sink:
        for first in range(0, lines, BATCH):
            rows = batch(t, first, min(BATCH, lines - first), rng)
            rows = legacy(rows) if csv else rows
            writer = writer or (pyarrow.csv.CSVWriter(sink, rows.schema) if csv else
                                pq.ParquetWriter(sink, rows.schema, compression="snappy"))
            writer.write_table(rows)
        if writer is not None:
            writer.close()
    part.rename(path)


def child(path: Path) -> None:
    """Import ``path`` into a new workspace cache; print the time, counts and peaks (MB)."""
    from worthit.store.cache import CACHE_FILE, Cache
    from worthit.sync.importer import import_file

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    with tempfile.TemporaryDirectory(prefix="worthit-bench-") as folder, \
            Cache.open(Path(folder) / CACHE_FILE) as cache:
        began = time.perf_counter()
        result = import_file(cache, path)
        seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "rows_read": result.rows_read,
                      "rows_written": result.rows_written, "base_mb": base,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measure(label: str, path: Path, repeat: int) -> tuple[tuple[str, ...], list[str]]:
    """A table row for ``repeat`` imports of ``path``, each in a child, and the verdicts."""
    runs = [json.loads(run_python([__file__, "--child", str(path)]).stdout.splitlines()[-1])
            for _ in range(repeat)]
    seconds = statistics.median(r["seconds"] for r in runs)
    peak, lines = max(r["peak_mb"] for r in runs), runs[0]["rows_read"]
    verdicts = [f"goal ≥ {GOAL_LINES_PER_S:,} lines/s from Parquet: "
                f"{'meets' if lines / seconds >= GOAL_LINES_PER_S else 'misses'} "
                f"({lines / seconds:,.0f} lines/s)"] if label == "parquet" else []
    verdicts.append(f"goal ≤ {GOAL_PEAK_MB:.0f} MB peak, {label}: "
                    f"{'meets' if peak <= GOAL_PEAK_MB else 'misses'} ({peak:.0f} MB)")
    return (f"{label} ({path.name})", f"{path.stat().st_size / 1e6:.0f}", f"{lines:,}",
            f"{runs[0]['rows_written']:,}", f"{seconds:.2f}", f"{lines / seconds:,.0f}",
            f"{peak:.0f}", f"{max(r['base_mb'] for r in runs):.0f}"), verdicts


def main() -> int:
    root = parser(__doc__)
    root.add_argument("--data-dir", type=Path, metavar="DIR",
                      default=Path(tempfile.gettempdir()) / "worthit-bench-imports",
                      help="where the generated files are kept (default: %(default)s)")
    root.add_argument("--lines-parquet", type=int, default=5_000_000, metavar="N")
    root.add_argument("--lines-csv", type=int, default=1_000_000, metavar="N")
    root.add_argument("--profile", action="store_true",
                      help="then profile the Parquet import in this process (cProfile)")
    root.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    root.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = root.parse_args()
    if args.child:  # the hidden modes, run in a child process
        child(args.child)
        return 0
    if args.generate:
        generate(Path(args.generate[0]), int(args.generate[1]))
        return 0
    args.data_dir.mkdir(parents=True, exist_ok=True)
    files = {"parquet": (args.data_dir / f"cur2-{args.lines_parquet}.parquet",
                         args.lines_parquet),
             "csv.gz": (args.data_dir / f"cur-legacy-{args.lines_csv}.csv.gz", args.lines_csv)}
    for path, lines in files.values():
        if not path.is_file():
            print(f"Generating {lines:,} line items into {path} …", flush=True)
            took = run_python([__file__, "--generate", str(path), str(lines)]).seconds
            print(f"(took {took:.1f} s)", flush=True)
    print(f"\nimport_file into a fresh cache, {args.repeat} child process(es) per file; median "
          f"seconds, largest peak (load average now {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs)")
    measured = [measure(label, path, args.repeat) for label, (path, _) in files.items()]
    print(table(("file", "size MB", "lines", "charges written", "seconds", "lines/s",
                 "peak MB", "base MB"), [row for row, _ in measured]))
    print("\n" + "\n".join(v for _, verdicts in measured for v in verdicts))
    if args.profile:
        path = files["parquet"][0]
        print(f"\nProfile of import_file({path.name}) in this process, top 25 cumulative:")
        profile = cProfile.Profile()
        profile.runcall(child, path)
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The CloudWatch connector against moto's CloudWatch, SageMaker, EC2 and STS on loopback:
metrics put into moto come back as ``metrics`` rows (Bedrock daily sums per model;
utilisation per day as Average, Maximum and p95 of the hourly peaks), and, with the
inventory source beside it, the idle detector finds an idle SageMaker endpoint from what
was synced: the data lands where the detectors read it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.sources import aws_server
from tests.sources.aws_server import Moto, add_source, last_run, sync_one
from tests.sources.test_aws_inventory import endpoint, put_metrics

from worthit.analysis.leaks import find_leaks
from worthit.cli import CONNECTOR_KINDS
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.sources import aws_cloudwatch
from worthit.sources.connectors import connectors
from worthit.store.cache import Cache
from worthit.sync import sync
from worthit.sync import test_source as probe

moto = aws_server.moto
moto_server = aws_server.moto_server
keyring_file = aws_server.keyring_file
workspace = aws_server.workspace
cache = aws_server.cache

NAME = "aws-metrics"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
START, END = dt.date(2025, 3, 1), dt.date(2025, 3, 8)
DAYS = [START + dt.timedelta(days=n) for n in range((END - START).days + 1)]


def at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC)


def datum(name: str, dims: dict[str, str], when: dt.datetime, value: float,
          unit: str = "Percent") -> dict[str, Any]:
    return {"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            "Timestamp": when, "Value": value, "Unit": unit}


def hourly(name: str, dims: dict[str, str], level: float, swing: float
           ) -> tuple[list[dict[str, Any]], dict[str, list[float]]]:
    """One point an hour over the days (level + up to swing), and the values by day."""
    data, by_day = [], {}
    for day in DAYS:
        values = [level + swing * ((h * 7 + day.day) % 24) / 23 for h in range(24)]
        by_day[day.isoformat()] = values
        data += [datum(name, dims, at(day, h, 30), v) for h, v in enumerate(values)]
    return data, by_day


def metrics(cache: Cache, resource: str, metric: str, stat: str) -> dict[str, float]:
    return dict(cache._rows("SELECT period_start, value FROM metrics WHERE resource_id = ? "
                           "AND metric = ? AND stat = ? AND granularity = 'day' "
                           "ORDER BY period_start", (resource, metric, stat)))


def test_the_cloudwatch_source_is_registered() -> None:
    connector = connectors()["aws-cloudwatch"]
    assert dict(CONNECTOR_KINDS)["aws-cloudwatch"] == connector.title == \
        "AWS CloudWatch metrics"
    assert connector.wants_secret({}) and not connector.wants_secret({"profile": "sso"})


def test_percentile_interpolates_between_ranks() -> None:
    assert aws_cloudwatch.percentile([float(v) for v in range(1, 21)], 0.95) == \
        pytest.approx(19.05)
    assert aws_cloudwatch.percentile([3.0], 0.95) == 3.0


def test_bedrock_token_counts_per_model_are_daily_sums(cache: Cache, moto: Moto) -> None:
    put = {("InputTokenCount", 0): 1200.0, ("InputTokenCount", 1): 800.0,
           ("OutputTokenCount", 0): 300.0, ("Invocations", 0): 7.0,
           ("CacheReadInputTokenCount", 2): 5000.0, ("CacheWriteInputTokenCount", 2): 640.0}
    data = []
    for (name, back), value in put.items():
        day = END - dt.timedelta(days=back)
        # Two points in the day: the daily Sum adds them.
        data += [datum(name, {"ModelId": HAIKU}, at(day, 3), value / 4, "Count"),
                 datum(name, {"ModelId": HAIKU}, at(day, 15), value * 3 / 4, "Count")]
    data.append(datum("InputTokenCount", {}, at(END, 3), 1e9, "Count"))  # all models: skipped
    data.append(datum("InputTokenCount", {"ModelId": "amazon.nova-micro-v1:0"},
                      at(END + dt.timedelta(days=1), 1), 99.0, "Count"))  # after the window
    put_metrics(moto, "AWS/Bedrock", data)
    add_source(cache, NAME, "aws-cloudwatch", endpoint=moto.url)

    outcome = sync_one(cache, window=(START, END))

    assert outcome.result == "ok", outcome
    rows = {(r["period_start"], r["resource_id"], r["metric"]): (r["stat"], r["value"], r["unit"])
            for r in cache._rows("SELECT * FROM metrics")}
    assert rows == {((END - dt.timedelta(days=back)).isoformat(), HAIKU, name):
                    ("Sum", value, "Count") for (name, back), value in put.items()}
    run = last_run(cache)
    assert (run["result"], run["billed_total"], run["source_billed_total"]) == ("ok", 0.0, 0.0)
    assert run["rows_written"] == len(put)
    assert aws_server.settings_of(cache, NAME)["state"] == {"through": END.isoformat()}


def test_a_resync_replaces_the_window_s_metrics_only(cache: Cache, moto: Moto) -> None:
    put_metrics(moto, "AWS/Bedrock", [
        datum("Invocations", {"ModelId": HAIKU}, at(day), 10.0, "Count") for day in DAYS])
    add_source(cache, NAME, "aws-cloudwatch", endpoint=moto.url)
    assert sync_one(cache, window=(START, END)).result == "ok"
    put_metrics(moto, "AWS/Bedrock", [
        datum("Invocations", {"ModelId": HAIKU}, at(END, 5), 5.0, "Count")])

    assert sync_one(cache, window=(END - dt.timedelta(days=1), END)).result == "ok"

    sums = metrics(cache, HAIKU, "Invocations", "Sum")
    assert sums == {**{d.isoformat(): 10.0 for d in DAYS}, END.isoformat(): 15.0}


def test_the_next_sync_starts_from_the_last_day_synced() -> None:
    today = dt.date(2025, 6, 10)
    connector = connectors()["aws-cloudwatch"]
    assert aws_cloudwatch.scan({}, None, None, None, today) == \
        (today - dt.timedelta(days=connector.first_days - 1), today)
    assert aws_cloudwatch.scan({"state": {"through": "2025-06-01"}}, None, None, None,
                               today) == (dt.date(2025, 5, 30), today)


def bill(cache: Cache, per_day: dict[str, float]) -> None:
    """The endpoints' hours in the cache, as a bill source would have them."""
    rows = []
    for day in DAYS:
        for resource, cost in per_day.items():
            charge = dict.fromkeys(CHARGE_COLUMN_NAMES)
            charge.update(source_id="bill", charge_period_start=day.isoformat(),
                          provider_name="AWS", service_name="Amazon SageMaker",
                          resource_id=resource, x_usage_type="USE1-Host:ml.g4dn.xlarge",
                          billed_cost=cost, effective_cost=cost, billing_currency="USD",
                          charge_category="Usage")
            rows.append([charge[c] for c in CHARGE_COLUMN_NAMES])
    cache.replace_charges("bill", START, END, rows)


def test_the_idle_detector_finds_the_idle_endpoint_from_synced_metrics(
        cache: Cache, moto: Moto) -> None:
    idle = endpoint(moto, "reco-idle", ("AllTraffic", "ml.g4dn.xlarge", 1))
    busy = endpoint(moto, "reco-busy", ("AllTraffic", "ml.g4dn.xlarge", 1))
    idle_gpu, idle_days = hourly("GPUUtilization",
                                 {"EndpointName": "reco-idle", "VariantName": "AllTraffic"},
                                 1.0, 3.0)
    busy_gpu, _ = hourly("GPUUtilization",
                         {"EndpointName": "reco-busy", "VariantName": "AllTraffic"}, 5.0, 60.0)
    idle_cpu, _ = hourly("CPUUtilization",
                         {"EndpointName": "reco-idle", "VariantName": "AllTraffic"}, 2.0, 2.0)
    put_metrics(moto, "/aws/sagemaker/Endpoints", idle_gpu + busy_gpu + idle_cpu)
    ec2 = moto.client("ec2")
    gpu_box = ec2.run_instances(ImageId="ami-12c6146b", InstanceType="g4dn.xlarge",
                                MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    small = ec2.run_instances(ImageId="ami-12c6146b", InstanceType="t3.micro",
                              MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    box_cpu, box_days = hourly("CPUUtilization", {"InstanceId": gpu_box}, 20.0, 10.0)
    small_cpu, _ = hourly("CPUUtilization", {"InstanceId": small}, 1.0, 0.0)
    put_metrics(moto, "AWS/EC2", box_cpu + small_cpu)
    agent, agent_days = hourly(aws_cloudwatch.AGENT_GPU,
                               {"InstanceId": gpu_box, "index": "0", "name": "Tesla T4"},
                               0.0, 2.0)
    put_metrics(moto, "CWAgent", agent)
    bill(cache, {idle: 40.0, busy: 40.0})
    add_source(cache, NAME, "aws-cloudwatch", endpoint=moto.url)
    add_source(cache, "aws-facts", "aws-inventory", endpoint=moto.url)

    outcomes = sync(cache, window=(START, END))

    assert [o.result for o in outcomes] == ["ok", "ok"], outcomes
    # What was put, per day: the average of the hours, their peak and the p95 of the peaks.
    for resource, metric, by_day in ((idle, "GPUUtilization", idle_days),
                                     (gpu_box, "CPUUtilization", box_days),
                                     (gpu_box, "GPUUtilization", agent_days)):
        assert metrics(cache, resource, metric, "Average") == pytest.approx(
            {d: sum(v) / 24 for d, v in by_day.items()}, abs=1e-4)
        assert metrics(cache, resource, metric, "Maximum") == pytest.approx(
            {d: max(v) for d, v in by_day.items()}, abs=1e-4)
        assert metrics(cache, resource, metric, "p95") == pytest.approx(
            {d: aws_cloudwatch.percentile(v, 0.95) for d, v in by_day.items()}, abs=1e-4)
    assert cache._scalar("SELECT COUNT(*) FROM metrics WHERE resource_id = ?", (small,)) == 0
    assert idle == f"arn:aws:sagemaker:us-east-1:{aws_server.ACCOUNT}:endpoint/reco-idle"

    found = [f for f in find_leaks(cache, END) if f.kind == "idle_capacity"]

    assert [f.resource for f in found] == [idle]  # the GPU box averages 20 % CPU: busy
    assert found[0].monthly_cost == pytest.approx(40.0 * len(DAYS))
    assert cache._scalar("SELECT facts FROM resources WHERE resource_id = ?", (idle,)) \
        is not None


def test_a_denied_permission_names_the_iam_action(cache: Cache, moto: Moto) -> None:
    keys = moto.user("no-metrics", "s3:ListBucket")
    add_source(cache, NAME, "aws-cloudwatch", secret=keys, endpoint=moto.url)

    with moto.iam_enforced():
        outcome = sync_one(cache, window=(START, END))

    assert outcome.result == "failed"
    assert "needs the IAM permission cloudwatch:ListMetrics" in outcome.message
    assert cache._scalar("SELECT COUNT(*) FROM metrics") == 0


def test_the_connection_test_lists_what_has_metrics(cache: Cache, moto: Moto) -> None:
    put_metrics(moto, "AWS/Bedrock", [datum("Invocations", {"ModelId": HAIKU}, at(END), 1.0,
                                            "Count")])
    add_source(cache, NAME, "aws-cloudwatch", endpoint=moto.url)
    assert probe(cache, NAME) == ("Connected to CloudWatch in us-east-1: 1 Bedrock model "
                                  "and 0 SageMaker endpoints with metrics.")


def daytime(name: str, variants: dict[str, float], night: float = 1.0
            ) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Invocations of an endpoint's variants, each hour as two points: busy 08–19 UTC (the
    variant's level), nearly nothing at night. The expected hourly Sums, by hour."""
    data, by_hour = [], {}
    for day in DAYS:
        for hour in range(24):
            total = 0.0
            for variant, level in variants.items():
                value = level + day.day + hour if 8 <= hour < 20 else night
                dims = {"EndpointName": name, "VariantName": variant}
                data += [datum("Invocations", dims, at(day, hour, 10), value / 4, "Count"),
                         datum("Invocations", dims, at(day, hour, 40), value * 3 / 4, "Count")]
                total += value
            by_hour[f"{day.isoformat()}T{hour:02d}:00:00Z"] = total
    return data, by_hour


def requests(cache: Cache, resource: str) -> dict[str, float]:
    return dict(cache._rows("SELECT period_start, value FROM metrics WHERE resource_id = ? "
                           "AND metric = 'Requests' AND stat = 'Sum' AND granularity = 'hour' "
                           "AND unit = 'Count' ORDER BY period_start", (resource,)))


def test_endpoint_invocations_are_hourly_requests_summed_over_variants(
        cache: Cache, moto: Moto) -> None:
    endpoint(moto, "Chat-Day", ("blue", "ml.g4dn.xlarge", 1), ("green", "ml.g4dn.xlarge", 1))
    chat = f"arn:aws:sagemaker:us-east-1:{aws_server.ACCOUNT}:endpoint/chat-day"  # as the CUR
    data, by_hour = daytime("Chat-Day", {"blue": 100.0, "green": 40.0})
    data.append(datum("Invocations", {"EndpointName": "Chat-Day"}, at(END, 12), 1e6,
                      "Count"))  # not per variant: skipped
    data.append(datum("Invocations", {"EndpointName": "Chat-Day", "VariantName": "blue"},
                      at(END + dt.timedelta(days=1), 1), 99.0, "Count"))  # after the window
    put_metrics(moto, "AWS/SageMaker", data)
    add_source(cache, NAME, "aws-cloudwatch", endpoint=moto.url)

    outcome = sync_one(cache, window=(START, END))

    assert outcome.result == "ok", outcome
    assert requests(cache, chat) == pytest.approx(by_hour)
    assert len(by_hour) == 24 * len(DAYS)
    assert cache._scalar("SELECT COUNT(*) FROM metrics") == len(by_hour)
    assert last_run(cache)["rows_written"] == len(by_hour)


def test_the_always_on_detector_finds_the_endpoint_quiet_at_night_from_synced_requests(
        cache: Cache, moto: Moto) -> None:
    day_only = endpoint(moto, "chat-day", ("AllTraffic", "ml.g4dn.xlarge", 1))
    steady = endpoint(moto, "chat-steady", ("AllTraffic", "ml.g4dn.xlarge", 1))
    day_data, _ = daytime("chat-day", {"AllTraffic": 500.0})
    steady_data, _ = daytime("chat-steady", {"AllTraffic": 500.0}, night=300.0)
    put_metrics(moto, "AWS/SageMaker", day_data + steady_data)
    bill(cache, {day_only: 40.0, steady: 40.0})
    add_source(cache, NAME, "aws-cloudwatch", endpoint=moto.url)
    add_source(cache, "aws-facts", "aws-inventory", endpoint=moto.url)

    outcomes = sync(cache, window=(START, END))

    assert [o.result for o in outcomes] == ["ok", "ok"], outcomes
    found = [f for f in find_leaks(cache, END)
             if f.key.startswith("idle_capacity:always_on:")]

    assert [f.resource for f in found] == [day_only]  # the steady one serves all night
    quiet = [*range(8), *range(20, 24)]
    assert found[0].monthly_cost == pytest.approx(40.0 * len(DAYS))
    assert found[0].monthly_saving == pytest.approx(40.0 * len(DAYS) * len(quiet) / 24)
    assert found[0].evidence.numbers["quiet hours (UTC)"] == \
        ", ".join(f"{h:02d}" for h in quiet)

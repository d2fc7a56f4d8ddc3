"""AWS CloudWatch metrics for the leak detectors and the token counts behind AI spend: not
charges, but series written to the ``metrics`` table with the source's run.

- ``AWS/Bedrock`` InputTokenCount, OutputTokenCount, Invocations, CacheReadInputTokenCount
  and CacheWriteInputTokenCount per ``ModelId`` (the models found with ListMetrics): the
  daily Sum, resource id the model id.
- Utilisation of SageMaker endpoints (``/aws/sagemaker/Endpoints`` CPUUtilization and
  GPUUtilization per EndpointName and VariantName; resource id the endpoint's ARN, as the
  CUR names it) and of EC2 GPU instances (``AWS/EC2`` CPUUtilization per InstanceId, and
  the CloudWatch agent's ``CWAgent`` ``nvidia_smi_utilization_gpu`` where it publishes it,
  as GPUUtilization; resource id the instance id).
- Requests to SageMaker endpoints (``AWS/SageMaker`` Invocations per EndpointName and
  VariantName): the hourly Sum, written per hour as ``Requests`` (the always-on detector's
  traffic by hour of day), resource id the endpoint's ARN.

Utilisation is fetched hourly (Average and Maximum) and written per day as the Average of
the hourly averages, the Maximum, and the ``p95`` of the hourly maxima, which is what the
idle detector reads: CloudWatch's own percentiles need the raw samples, which it keeps for
15 days, and a conservative p95 (of peaks) keeps a busy-in-bursts machine off the idle list.
An endpoint's variants (and an instance's GPUs) count together: idle only if all are.
SageMaker reports utilisation summed over cores and GPUs, so it can exceed 100. An
endpoint's requests likewise count over its variants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from worthit.core.errors import BadInput
from worthit.core.plural import plural
from worthit.sources.aws import SECRET, SETTINGS, Api, needs_keys
from worthit.sources.bill import BillFile, Progress, never
from worthit.sources.connectors import Connector, register

TITLE: Final = "CloudWatch"
BEDROCK: Final = "AWS/Bedrock"
BEDROCK_METRICS: Final = ("InputTokenCount", "OutputTokenCount", "Invocations",
                          "CacheReadInputTokenCount", "CacheWriteInputTokenCount")
SAGEMAKER: Final = "/aws/sagemaker/Endpoints"
SAGEMAKER_REQUESTS: Final = "AWS/SageMaker"
AGENT_GPU: Final = "nvidia_smi_utilization_gpu"
#: EC2 instance families with accelerators (GPU, Inferentia, Trainium, Gaudi).
GPU_FAMILIES: Final = ("g", "p", "inf", "trn", "dl")
DAY_SECONDS: Final = 86_400
HOUR_SECONDS: Final = 3_600
#: GetMetricData takes up to 500 queries; fewer keeps each answer's pages few.
BATCH: Final = 100
#: How a series is fetched and written: utilisation (hourly Average and Maximum, written
#: per day), a daily Sum, or an hourly Sum (written per hour).
UTILISATION: Final = "utilisation"
DAILY_SUM: Final = "daily sum"
HOURLY_SUM: Final = "hourly sum"
LIST: Final = "cloudwatch:ListMetrics"
GET: Final = "cloudwatch:GetMetricData"


@dataclass(frozen=True)
class Series:
    """One CloudWatch series to fetch, and where its points go."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    resource_id: str
    metric: str  # the name written to the cache
    kind: str  # UTILISATION, DAILY_SUM or HOURLY_SUM

    @property
    def period(self) -> int:
        return DAY_SECONDS if self.kind == DAILY_SUM else HOUR_SECONDS

    @property
    def stats(self) -> tuple[str, ...]:
        return ("Average", "Maximum") if self.kind == UTILISATION else ("Sum",)


class Metrics:
    """One source's CloudWatch (and the lookups that name its resources)."""

    def __init__(self, settings: dict[str, Any], secret: str | None, found: BillFile | None,
                 cancelled: Callable[[], bool]) -> None:
        self.settings, self.secret, self.found, self.cancelled = \
            settings, secret, found, cancelled
        self.region = str(settings.get("region") or "").strip() or "us-east-1"
        self.cloudwatch = self.api("cloudwatch", TITLE)

    def api(self, service: str, title: str) -> Api:
        return Api(service, title, self.settings, self.secret, self.found, self.cancelled)

    def listed(self, namespace: str, name: str) -> list[tuple[tuple[str, str], ...]]:
        """The distinct dimension sets of a metric (ListMetrics, page by page; moto's
        answer repeats a set once per point, and a repeat would count twice)."""
        found: dict[tuple[tuple[str, str], ...], None] = {}
        params: dict[str, Any] = {"Namespace": namespace, "MetricName": name}
        seen: set[str] = set()
        while True:
            page = self.cloudwatch.call("list_metrics", LIST, **params)
            for metric in page.get("Metrics") or []:
                found[tuple(sorted((str(d["Name"]), str(d["Value"]))
                                   for d in metric.get("Dimensions") or []))] = None
            token = page.get("NextToken")
            if not token:
                return list(found)
            if token in seen:
                raise BadInput("the same page token came twice", file="AWS CloudWatch "
                               "ListMetrics")
            seen.add(token)
            params["NextToken"] = token

    def series(self) -> list[Series]:
        """Everything to fetch: Bedrock per model, endpoints (utilisation and requests),
        GPU instances."""
        found: list[Series] = []
        for name in BEDROCK_METRICS:
            for dims in self.listed(BEDROCK, name):
                if [k for k, _ in dims] == ["ModelId"]:
                    found.append(Series(BEDROCK, name, dims, dims[0][1], name, DAILY_SUM))
        arn = None
        for namespace, name, metric, kind in (
                (SAGEMAKER, "CPUUtilization", "CPUUtilization", UTILISATION),
                (SAGEMAKER, "GPUUtilization", "GPUUtilization", UTILISATION),
                (SAGEMAKER_REQUESTS, "Invocations", "Requests", HOURLY_SUM)):
            for dims in self.listed(namespace, name):
                named = dict(dims)
                if set(named) != {"EndpointName", "VariantName"}:
                    continue
                arn = arn or self.arn_prefix()
                found.append(Series(namespace, name, dims,
                                    f"{arn}endpoint/{named['EndpointName'].lower()}", metric,
                                    kind))
        instances = self.gpu_instances()
        if instances:
            for instance in sorted(instances):
                found.append(Series("AWS/EC2", "CPUUtilization", (("InstanceId", instance),),
                                    instance, "CPUUtilization", UTILISATION))
            for dims in self.listed("CWAgent", AGENT_GPU):
                instance = dict(dims).get("InstanceId")
                if instance in instances:
                    found.append(Series("CWAgent", AGENT_GPU, dims, instance,
                                        "GPUUtilization", UTILISATION))
        return found

    def arn_prefix(self) -> str:
        """``arn:PARTITION:sagemaker:REGION:ACCOUNT:``, the account from STS (which needs no
        permission)."""
        who = self.api("sts", "STS").call("get_caller_identity", "sts:GetCallerIdentity")
        partition = str(who.get("Arn") or "arn:aws:").split(":")[1] or "aws"
        return f"arn:{partition}:sagemaker:{self.region}:{who['Account']}:"

    def gpu_instances(self) -> set[str]:
        """The ids of the region's EC2 instances with accelerators (chosen here rather than
        by a wildcard filter, which moto does not support)."""
        ec2 = self.api("ec2", "EC2")
        found: set[str] = set()
        params: dict[str, Any] = {"MaxResults": 1000}
        while True:
            page = ec2.call("describe_instances", "ec2:DescribeInstances", **params)
            for reservation in page.get("Reservations") or []:
                found.update(str(i["InstanceId"]) for i in reservation.get("Instances") or []
                             if str(i.get("InstanceType", "")).startswith(GPU_FAMILIES))
            token = page.get("NextToken")
            if not token:
                return found
            params["NextToken"] = token

    def points(self, series: list[Series], start: dt.date, end: dt.date
               ) -> Iterator[tuple[Series, str, list[dt.datetime], list[float]]]:
        """(series, stat, timestamps, values) for each series and statistic."""
        begin = dt.datetime.combine(start, dt.time(), dt.UTC)
        until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
        queries: list[tuple[Series, str]] = []
        for one in series:
            queries += [(one, stat) for stat in one.stats]
        for first in range(0, len(queries), BATCH):
            batch = queries[first:first + BATCH]
            asked = [{"Id": f"q{i}", "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": s.namespace, "MetricName": s.name,
                           "Dimensions": [{"Name": k, "Value": v} for k, v in s.dimensions]},
                "Period": s.period, "Stat": stat}}
                for i, (s, stat) in enumerate(batch)]
            got: dict[int, tuple[list[dt.datetime], list[float]]] = {}
            params: dict[str, Any] = {"MetricDataQueries": asked, "StartTime": begin,
                                      "EndTime": until, "ScanBy": "TimestampAscending"}
            seen: set[str] = set()
            while True:
                page = self.cloudwatch.call("get_metric_data", GET, **params)
                for result in page.get("MetricDataResults") or []:
                    index = int(str(result["Id"])[1:])
                    stamps, values = got.setdefault(index, ([], []))
                    stamps += [t.astimezone(dt.UTC) for t in result.get("Timestamps") or []]
                    values += [float(v) for v in result.get("Values") or []]
                token = page.get("NextToken")
                if not token:
                    break
                if token in seen:
                    raise BadInput("the same page token came twice",
                                   file="AWS CloudWatch GetMetricData")
                seen.add(token)
                params["NextToken"] = token
            for index, (one, stat) in enumerate(batch):
                stamps, values = got.get(index, ([], []))
                kept = [(t, v) for t, v in zip(stamps, values, strict=True)
                        if begin <= t < until]
                yield one, stat, [t for t, _ in kept], [v for _, v in kept]


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile, interpolated between the nearest ranks."""
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def daily(points: Iterator[tuple[Series, str, list[dt.datetime], list[float]]]
          ) -> tuple[list[tuple[Any, ...]], int]:
    """Metric rows (as :mod:`worthit.store.metrics` takes them) and the points read: daily
    rows, but hourly ones for an hourly Sum (``YYYY-MM-DDTHH:00:00Z``)."""
    sums: dict[tuple[str, str, str], float] = {}
    per_hour: dict[tuple[str, str, str], float] = {}
    hours: dict[tuple[str, str, str, str], list[float]] = {}
    read = 0
    for one, stat, stamps, values in points:
        read += len(values)
        for stamp, value in zip(stamps, values, strict=True):
            day = stamp.date().isoformat()
            if one.kind == HOURLY_SUM:
                key = (f"{day}T{stamp.hour:02d}:00:00Z", one.resource_id, one.metric)
                per_hour[key] = per_hour.get(key, 0.0) + value
            elif stat == "Sum":
                key = (day, one.resource_id, one.metric)
                sums[key] = sums.get(key, 0.0) + value
            else:
                hours.setdefault((day, one.resource_id, one.metric, stat), []).append(value)
    rows: list[tuple[Any, ...]] = [(day, "day", resource, metric, "Sum", value, "Count")
                                   for (day, resource, metric), value in sorted(sums.items())]
    rows += [(hour, "hour", resource, metric, "Sum", value, "Count")
             for (hour, resource, metric), value in sorted(per_hour.items())]
    for (day, resource, metric, stat), values in sorted(hours.items()):
        if stat == "Average":
            rows.append((day, "day", resource, metric, "Average",
                         round(sum(values) / len(values), 4), "Percent"))
        else:
            rows.append((day, "day", resource, metric, "Maximum", round(max(values), 4),
                         "Percent"))
            rows.append((day, "day", resource, metric, "p95",
                         round(percentile(values, 0.95), 4), "Percent"))
    return rows, read


def scan(settings: dict[str, Any], secret: str | None, found: BillFile,
         held: dt.date | None, today: dt.date, *,
         cancelled: Callable[[], bool] = never) -> tuple[dt.date, dt.date] | None:
    """The days to fetch: from the last day synced (its state, since a metrics source holds
    no charges) less the days CloudWatch may still be filling in, else the first sync's."""
    del secret, found, held, cancelled
    through = (settings.get("state") or {}).get("through")
    try:
        last = dt.date.fromisoformat(through) if isinstance(through, str) else None
    except ValueError:
        last = None
    return CONNECTOR.window(last, today)


def pull(settings: dict[str, Any], secret: str | None, start: dt.date, end: dt.date,
         found: BillFile, *, cancelled: Callable[[], bool] = never,
         progress: Progress | None = None) -> Iterator[list[Any]]:
    """No charges: the window's metrics go in ``found.metrics``."""
    metrics = Metrics(settings, secret, found, cancelled)
    series = metrics.series()
    if progress is not None:
        progress(0.2)
    found.metrics, found.rows_read = daily(metrics.points(series, start, end))
    done = (settings.get("state") or {}).get("through")
    found.state = {"through": max(str(done or ""), end.isoformat())}
    return iter(())


def test(settings: dict[str, Any], secret: str | None) -> str:
    """List the Bedrock and SageMaker metrics: proves cloudwatch:ListMetrics."""
    metrics = Metrics(settings, secret, None, never)
    models = {dict(d).get("ModelId") for d in metrics.listed(BEDROCK, "Invocations")}
    endpoints = {dict(d).get("EndpointName")
                 for d in metrics.listed(SAGEMAKER, "CPUUtilization")}
    models.discard(None)
    endpoints.discard(None)
    return (f"Connected to CloudWatch in {metrics.region}: {plural(len(models), 'Bedrock model')} "
            f"and {plural(len(endpoints), 'SageMaker endpoint')} with metrics.")


CONNECTOR: Final = register(Connector(
    kind="aws-cloudwatch",
    title="AWS CloudWatch metrics",
    pull=pull,
    test=test,
    scan=scan,
    secret=SECRET,
    needs_secret=needs_keys,
    first_days=30,
    settings=SETTINGS,
))

__all__ = ["CONNECTOR", "daily", "percentile", "pull", "scan", "test"]

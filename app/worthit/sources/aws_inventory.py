"""AWS inventory facts for the leak detectors, written to the ``resources`` table with the
source's run (a snapshot: each sync replaces the last). Not charges.

- S3 buckets (the storage graveyard detector): whether a lifecycle rule is enabled, the
  size, the main storage class and the day of the last write. A bucket that lists in at
  most ``LIST_PAGES`` pages of ListObjectsV2 is measured exactly from its listing (sizes
  summed, the newest LastModified). A larger one is measured from CloudWatch's daily
  ``BucketSizeBytes`` (free, in the bucket's region): the size is the latest day's, and the
  "last write" is the last day the size changed (``last_write_basis`` says which; a write
  that leaves the size unchanged goes unseen, so it is a bound, not a fact).
- SageMaker endpoints (the capacity detectors): instance type and count of each variant,
  resource id the endpoint's ARN in lower case, as the CUR and CloudWatch name it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any, Final

from worthit.core.errors import BadInput
from worthit.core.plural import plural
from worthit.sources.aws import SECRET, SETTINGS, Api, needs_keys
from worthit.sources.bill import BillFile, Progress, never
from worthit.sources.connectors import Connector, register

#: Pages of ListObjectsV2 (1,000 keys each) read before a bucket is measured by CloudWatch.
LIST_PAGES = 10
PAGE_KEYS = 1_000
#: Days of BucketSizeBytes read for a large bucket (CloudWatch keeps daily points 455 days).
LOOKBACK = 455
STORAGE_CLASSES: Final = {
    "StandardStorage": "STANDARD", "StandardIAStorage": "STANDARD_IA",
    "OneZoneIAStorage": "ONEZONE_IA", "ReducedRedundancyStorage": "REDUCED_REDUNDANCY",
    "GlacierInstantRetrievalStorage": "GLACIER_IR", "GlacierStorage": "GLACIER",
    "DeepArchiveStorage": "DEEP_ARCHIVE", "ExpressOneZone": "EXPRESS_ONEZONE",
}


class Inventory:
    """One source's S3 and SageMaker, through :class:`Api` clients."""

    def __init__(self, settings: dict[str, Any], secret: str | None, found: BillFile | None,
                 cancelled: Callable[[], bool]) -> None:
        self.settings, self.secret, self.found, self.cancelled = \
            settings, secret, found, cancelled
        self.region = str(settings.get("region") or "").strip() or "us-east-1"
        self.s3 = self.api("s3", "S3")
        self._cloudwatch: dict[str, Api] = {}

    def api(self, service: str, title: str, region: str | None = None) -> Api:
        settings = {**self.settings, "region": region} if region else self.settings
        return Api(service, title, settings, self.secret, self.found, self.cancelled)

    def call(self, api: Api, where: str, operation: str, action: str,
             **params: Any) -> dict[str, Any]:
        """A call whose refusal names what it was about."""
        try:
            return api.call(operation, action, **params)
        except BadInput as error:
            raise BadInput(str(error), file=where) from None

    # -- S3 --------------------------------------------------------------------------------

    def buckets(self, today: dt.date) -> Iterator[tuple[Any, ...]]:
        answer = self.call(self.s3, "AWS S3", "list_buckets", "s3:ListAllMyBuckets")
        for bucket in answer.get("Buckets") or []:
            yield self.bucket(str(bucket["Name"]), today)

    def bucket(self, name: str, today: dt.date) -> tuple[Any, ...]:
        where = f"s3://{name}"
        located = self.call(self.s3, where, "get_bucket_location", "s3:GetBucketLocation",
                            Bucket=name)
        region = str(located.get("LocationConstraint") or "us-east-1")
        region = "eu-west-1" if region == "EU" else region
        rules = self.lifecycle(name, where)
        facts: dict[str, Any] = {
            "lifecycle_policy": any(r.get("Status") == "Enabled" for r in rules),
            "lifecycle_rules": len(rules)}
        facts.update(self.listed(name, where) or self.measured(name, region, today))
        return (name, "Bucket", "AWS", region, name, facts, today.isoformat())

    def lifecycle(self, name: str, where: str) -> list[dict[str, Any]]:
        try:
            answer = self.call(self.s3, where, "get_bucket_lifecycle_configuration",
                               "s3:GetLifecycleConfiguration", Bucket=name)
        except BadInput as error:
            if "(NoSuchLifecycleConfiguration" in str(error):
                return []
            raise
        return list(answer.get("Rules") or [])

    def listed(self, name: str, where: str) -> dict[str, Any] | None:
        """Size, class and last write from the whole listing; None when it is too long."""
        size, count, last = 0, 0, None
        by_class: dict[str, int] = {}
        params: dict[str, Any] = {"Bucket": name, "MaxKeys": PAGE_KEYS}
        for _page in range(LIST_PAGES):
            page = self.call(self.s3, where, "list_objects_v2", "s3:ListBucket", **params)
            for item in page.get("Contents") or []:
                bytes_ = int(item.get("Size") or 0)
                size, count = size + bytes_, count + 1
                kind = str(item.get("StorageClass") or "STANDARD")
                by_class[kind] = by_class.get(kind, 0) + bytes_
                stamp = item.get("LastModified")
                if isinstance(stamp, dt.datetime):
                    day = stamp.astimezone(dt.UTC).date()
                    last = day if last is None else max(last, day)
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                facts: dict[str, Any] = {"size_bytes": size, "objects": count,
                                         "size_basis": "ListObjectsV2"}
                if by_class:
                    facts["storage_class"] = max(by_class, key=lambda k: by_class[k])
                if last is not None:
                    facts.update(last_write=last.isoformat(),
                                 last_write_basis="newest object")
                return facts
            params["ContinuationToken"] = token
        return None

    def measured(self, name: str, region: str, today: dt.date) -> dict[str, Any]:
        """Size, class and last change from CloudWatch's daily BucketSizeBytes."""
        if region not in self._cloudwatch:
            self._cloudwatch[region] = self.api("cloudwatch", "CloudWatch", region)
        cloudwatch = self._cloudwatch[region]
        where = f"AWS CloudWatch BucketSizeBytes of s3://{name}"
        listed = self.call(cloudwatch, where, "list_metrics", "cloudwatch:ListMetrics",
                           Namespace="AWS/S3", MetricName="BucketSizeBytes",
                           Dimensions=[{"Name": "BucketName", "Value": name}])
        kinds = sorted({d["Value"] for m in listed.get("Metrics") or []
                        for d in m.get("Dimensions") or [] if d["Name"] == "StorageType"})
        facts: dict[str, Any] = {"size_basis": "CloudWatch BucketSizeBytes"}
        if not kinds:
            return facts
        begin = dt.datetime.combine(today - dt.timedelta(days=LOOKBACK), dt.time(), dt.UTC)
        until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
        queries = [{"Id": f"q{i}", "MetricStat": {"Metric": {
            "Namespace": "AWS/S3", "MetricName": "BucketSizeBytes",
            "Dimensions": [{"Name": "BucketName", "Value": name},
                           {"Name": "StorageType", "Value": kind}]},
            "Period": 86_400, "Stat": "Average"}} for i, kind in enumerate(kinds)]
        by_day: dict[dt.date, dict[str, float]] = {}
        params: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": begin,
                                  "EndTime": until}
        while True:
            page = self.call(cloudwatch, where, "get_metric_data", "cloudwatch:GetMetricData",
                             **params)
            for result in page.get("MetricDataResults") or []:
                kind = kinds[int(str(result["Id"])[1:])]
                for stamp, value in zip(result.get("Timestamps") or [],
                                        result.get("Values") or [], strict=False):
                    day = stamp.astimezone(dt.UTC).date()
                    by_day.setdefault(day, {})[kind] = float(value)
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token
        if not by_day:
            return facts
        days = sorted(by_day)
        latest = by_day[days[-1]]
        totals = [round(sum(by_day[d].values())) for d in days]
        changed = next((days[i] for i in range(len(days) - 1, 0, -1)
                        if totals[i] != totals[i - 1]), days[0])
        main = max(latest, key=lambda k: latest[k])
        facts.update(size_bytes=int(sum(latest.values())),
                     storage_class=STORAGE_CLASSES.get(main, main.upper()),
                     last_write=changed.isoformat(),
                     last_write_basis="last change of BucketSizeBytes")
        return facts

    # -- SageMaker -------------------------------------------------------------------------

    def endpoints(self, today: dt.date) -> Iterator[tuple[Any, ...]]:
        sagemaker = self.api("sagemaker", "SageMaker")
        params: dict[str, Any] = {"MaxResults": 100}
        while True:
            page = self.call(sagemaker, "AWS SageMaker", "list_endpoints",
                             "sagemaker:ListEndpoints", **params)
            for endpoint in page.get("Endpoints") or []:
                yield self.endpoint(sagemaker, str(endpoint["EndpointName"]), today)
            token = page.get("NextToken")
            if not token:
                return
            params["NextToken"] = token

    def endpoint(self, sagemaker: Api, name: str, today: dt.date) -> tuple[Any, ...]:
        where = f"SageMaker endpoint {name}"
        described = self.call(sagemaker, where, "describe_endpoint",
                              "sagemaker:DescribeEndpoint", EndpointName=name)
        config = self.call(sagemaker, where, "describe_endpoint_config",
                           "sagemaker:DescribeEndpointConfig",
                           EndpointConfigName=described["EndpointConfigName"])
        types = {str(v.get("VariantName")): v for v in config.get("ProductionVariants") or []}
        variants = []
        for variant in described.get("ProductionVariants") or []:
            planned = types.get(str(variant.get("VariantName")), {})
            count = variant.get("CurrentInstanceCount",
                                planned.get("InitialInstanceCount", 0))
            variants.append({"name": variant.get("VariantName"),
                             "instance_type": planned.get("InstanceType") or "serverless",
                             "instance_count": int(count or 0)})
        main = max(variants, key=lambda v: v["instance_count"], default=None)
        facts = {"instance_type": main["instance_type"] if main else None,
                 "instance_count": sum(v["instance_count"] for v in variants),
                 "variants": variants, "status": described.get("EndpointStatus")}
        arn = str(described["EndpointArn"]).lower()
        region = arn.split(":")[3] if arn.count(":") >= 5 else self.region
        return (arn, "Endpoint", "AWS", region, name, facts, today.isoformat())


def pull(settings: dict[str, Any], secret: str | None, start: dt.date, end: dt.date,
         found: BillFile, *, cancelled: Callable[[], bool] = never,
         progress: Progress | None = None) -> Iterator[list[Any]]:
    """No charges: the buckets and endpoints as they are now go in ``found.resources``."""
    del start
    inventory = Inventory(settings, secret, found, cancelled)
    rows = list(inventory.buckets(end))
    if progress is not None:
        progress(0.5)
    rows += inventory.endpoints(end)
    found.resources, found.rows_read = rows, len(rows)
    return iter(())


def test(settings: dict[str, Any], secret: str | None) -> str:
    """List the buckets and endpoints: proves s3:ListAllMyBuckets and
    sagemaker:ListEndpoints."""
    inventory = Inventory(settings, secret, None, never)
    buckets = inventory.call(inventory.s3, "AWS S3", "list_buckets",
                             "s3:ListAllMyBuckets").get("Buckets") or []
    endpoints = inventory.call(inventory.api("sagemaker", "SageMaker"), "AWS SageMaker",
                               "list_endpoints", "sagemaker:ListEndpoints",
                               MaxResults=100).get("Endpoints") or []
    return (f"Connected: {plural(len(buckets), 'S3 bucket')} and "
            f"{plural(len(endpoints), 'SageMaker endpoint')} in {inventory.region}.")


CONNECTOR: Final = register(Connector(
    kind="aws-inventory",
    title="AWS inventory (S3 buckets, SageMaker endpoints)",
    pull=pull,
    test=test,
    secret=SECRET,
    needs_secret=needs_keys,
    first_days=1,
    open_days=0,
    settings=SETTINGS,
))

__all__ = ["CONNECTOR", "pull", "test"]

"""The inventory connector against moto's S3, SageMaker and CloudWatch on loopback: buckets
with and without lifecycle rules, measured from their listing or (too many objects) from
CloudWatch's BucketSizeBytes, and endpoints with their instance types and counts, land in
the ``resources`` table as the storage and capacity detectors read them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from tests.sources import aws_server
from tests.sources.aws_server import Moto, add_source, last_run, sync_one

from worthit.cli import CONNECTOR_KINDS
from worthit.sources import aws_inventory
from worthit.sources.connectors import connectors
from worthit.store.cache import Cache
from worthit.sync import test_source as probe

moto = aws_server.moto
moto_server = aws_server.moto_server
keyring_file = aws_server.keyring_file
workspace = aws_server.workspace
cache = aws_server.cache

NAME = "aws-facts"
TODAY = dt.datetime.now(dt.UTC).date()
ARN = f"arn:aws:sagemaker:us-east-1:{aws_server.ACCOUNT}:endpoint/"


def endpoint(moto: Moto, name: str, *variants: tuple[str, str, int]) -> str:
    """A SageMaker endpoint with (variant, instance type, count) variants; its ARN."""
    sagemaker = moto.client("sagemaker")
    sagemaker.create_model(ModelName=f"{name}-model", ExecutionRoleArn=(
        f"arn:aws:iam::{aws_server.ACCOUNT}:role/sagemaker"),
        PrimaryContainer={"Image": "123.dkr.ecr.us-east-1.amazonaws.com/m:1"})
    sagemaker.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=[
        {"VariantName": v, "ModelName": f"{name}-model", "InstanceType": kind,
         "InitialInstanceCount": count, "InitialVariantWeight": 1.0}
        for v, kind, count in variants])
    return str(sagemaker.create_endpoint(EndpointName=name,
                                         EndpointConfigName=f"{name}-config")["EndpointArn"])


def put_metrics(moto: Moto, namespace: str, data: list[dict[str, Any]]) -> None:
    """PutMetricData, uncompressed: boto3 gzips large request bodies, which moto's server
    cannot read (werkzeug decodes the body as text)."""
    import boto3
    import botocore.config

    client = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=moto.url,
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=botocore.config.Config(disable_request_compression=True))
    for first in range(0, len(data), 1000):
        client.put_metric_data(Namespace=namespace, MetricData=data[first:first + 1000])


def add(cache: Cache, moto: Moto) -> None:
    add_source(cache, NAME, "aws-inventory", endpoint=moto.url)


def resources(cache: Cache) -> dict[str, dict[str, Any]]:
    return {r["resource_id"]: {**dict(r), "facts": json.loads(r["facts"])}
            for r in cache._rows("SELECT * FROM resources ORDER BY resource_id")}


def test_the_inventory_source_is_registered() -> None:
    connector = connectors()["aws-inventory"]
    assert dict(CONNECTOR_KINDS)["aws-inventory"] == connector.title == \
        "AWS inventory (S3 buckets, SageMaker endpoints)"
    assert connector.wants_secret({}) and not connector.wants_secret({"profile": "sso"})


def test_buckets_and_endpoints_become_resources(cache: Cache, moto: Moto,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="old-experiments")
    s3.put_object(Bucket="old-experiments", Key="run-1/weights.bin", Body=b"x" * 3000)
    s3.put_object(Bucket="old-experiments", Key="run-2/weights.bin", Body=b"y" * 500,
                  StorageClass="STANDARD_IA")
    s3.create_bucket(Bucket="kept-tidy")
    s3.put_object(Bucket="kept-tidy", Key="a.txt", Body=b"hello")
    s3.put_bucket_lifecycle_configuration(Bucket="kept-tidy", LifecycleConfiguration={
        "Rules": [{"ID": "archive", "Status": "Enabled", "Filter": {"Prefix": ""},
                   "Transitions": [{"Days": 90, "StorageClass": "DEEP_ARCHIVE"}]}]})
    s3.create_bucket(Bucket="paused-rules")
    s3.put_bucket_lifecycle_configuration(Bucket="paused-rules", LifecycleConfiguration={
        "Rules": [{"ID": "off", "Status": "Disabled", "Filter": {"Prefix": ""},
                   "Expiration": {"Days": 30}}]})
    # Too many objects to list (here, more than 2): measured by CloudWatch instead.
    monkeypatch.setattr(aws_inventory, "LIST_PAGES", 1)
    monkeypatch.setattr(aws_inventory, "PAGE_KEYS", 2)
    s3.create_bucket(Bucket="huge-datasets")
    for n in range(3):
        s3.put_object(Bucket="huge-datasets", Key=f"part-{n}", Body=b"z")
    changed = TODAY - dt.timedelta(days=40)
    size = [{"MetricName": "BucketSizeBytes", "Unit": "Bytes",
             "Dimensions": [{"Name": "BucketName", "Value": "huge-datasets"},
                            {"Name": "StorageType", "Value": kind}],
             "Timestamp": dt.datetime.combine(day, dt.time(), dt.UTC), "Value": value}
            for back in range(60, 0, -1)
            for day in [TODAY - dt.timedelta(days=back)]
            for kind, value in (("StandardStorage", 7e12 if day < changed else 8e12),
                                ("GlacierStorage", 1e12))]
    put_metrics(moto, "AWS/S3", size)
    single = endpoint(moto, "support-embedder", ("AllTraffic", "ml.g4dn.xlarge", 2))
    split = endpoint(moto, "reco-ab", ("a", "ml.g4dn.xlarge", 1), ("b", "ml.g4dn.2xlarge", 3))
    add(cache, moto)

    outcome = sync_one(cache)

    assert outcome.result == "ok", outcome
    assert outcome.rows_written == 6
    found = resources(cache)
    today = TODAY.isoformat()
    assert found["old-experiments"] == {
        "source_id": NAME, "resource_id": "old-experiments", "resource_type": "Bucket",
        "provider_name": "AWS", "region_id": "us-east-1", "name": "old-experiments",
        "observed_at": today, "facts": {
            "lifecycle_policy": False, "lifecycle_rules": 0, "size_bytes": 3500,
            "objects": 2, "storage_class": "STANDARD", "size_basis": "ListObjectsV2",
            "last_write": today, "last_write_basis": "newest object"}}
    assert found["kept-tidy"]["facts"]["lifecycle_policy"] is True
    assert found["kept-tidy"]["facts"]["size_bytes"] == 5
    assert found["paused-rules"]["facts"] == {  # a disabled rule is no policy; empty bucket
        "lifecycle_policy": False, "lifecycle_rules": 1, "size_bytes": 0, "objects": 0,
        "size_basis": "ListObjectsV2"}
    assert found["huge-datasets"]["facts"] == {
        "lifecycle_policy": False, "lifecycle_rules": 0, "size_bytes": int(9e12),
        "storage_class": "STANDARD", "size_basis": "CloudWatch BucketSizeBytes",
        "last_write": changed.isoformat(),
        "last_write_basis": "last change of BucketSizeBytes"}
    assert single == f"{ARN}support-embedder"
    assert found[single]["resource_type"] == "Endpoint"
    assert found[single]["name"] == "support-embedder"
    assert found[single]["facts"] == {
        "instance_type": "ml.g4dn.xlarge", "instance_count": 2, "status": "InService",
        "variants": [{"name": "AllTraffic", "instance_type": "ml.g4dn.xlarge",
                      "instance_count": 2}]}
    assert found[split]["facts"]["instance_type"] == "ml.g4dn.2xlarge"  # the most instances
    assert found[split]["facts"]["instance_count"] == 4
    run = last_run(cache)
    assert (run["billed_total"], run["source_billed_total"]) == (0.0, 0.0)  # no money
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0


def test_a_second_sync_replaces_the_snapshot(cache: Cache, moto: Moto) -> None:
    s3 = moto.client("s3")
    for name in ("one", "two"):
        s3.create_bucket(Bucket=name)
    add(cache, moto)
    assert sync_one(cache).result == "ok"
    s3.delete_bucket(Bucket="two")
    endpoint(moto, "late-endpoint", ("AllTraffic", "ml.g4dn.xlarge", 1))

    assert sync_one(cache).result == "ok"

    assert sorted(resources(cache)) == [f"{ARN}late-endpoint", "one"]


def test_a_denied_permission_names_the_iam_action(cache: Cache, moto: Moto) -> None:
    moto.client("s3").create_bucket(Bucket="one")
    keys = moto.user("s3-only", "s3:ListAllMyBuckets", "s3:GetBucketLocation",
                     "s3:GetLifecycleConfiguration", "s3:ListBucket")
    add_source(cache, NAME, "aws-inventory", secret=keys, endpoint=moto.url)

    with moto.iam_enforced():
        outcome = sync_one(cache)

    assert outcome.result == "failed"
    assert "needs the IAM permission sagemaker:ListEndpoints" in outcome.message
    assert cache._scalar("SELECT COUNT(*) FROM resources") == 0


def test_the_connection_test_lists_buckets_and_endpoints(cache: Cache, moto: Moto) -> None:
    moto.client("s3").create_bucket(Bucket="one")
    endpoint(moto, "e1", ("AllTraffic", "ml.g4dn.xlarge", 1))
    add(cache, moto)
    assert probe(cache, NAME) == \
        "Connected: 1 S3 bucket and 1 SageMaker endpoint in us-east-1."

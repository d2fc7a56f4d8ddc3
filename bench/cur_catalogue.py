"""What a synthetic legacy AWS CUR is drawn from (``bench/real_shaped.py``): the payer and
accounts, regions, product codes, what each kind of resource is billed for, the 126
Athena-style columns, and how a resource's tags and id look."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

PAYER = "111122223333"
ACCOUNTS = (PAYER, "444455556666", "777788889999", "222233334444")
# region, its name, usage type prefix (us-east-1 has none, but for newer services), weight,
# price factor
REGIONS = (("us-east-1", "US East (N. Virginia)", "", 60, 1.0),
           ("us-west-2", "US West (Oregon)", "USW2-", 20, 1.0),
           ("eu-west-1", "EU (Ireland)", "EU-", 8, 1.1),
           ("eu-central-1", "EU (Frankfurt)", "EUC1-", 5, 1.15),
           ("ap-northeast-1", "Asia Pacific (Tokyo)", "APN1-", 4, 1.25))
PRODUCTS = {  # product code: product name, family
    "AmazonEC2": ("Amazon Elastic Compute Cloud", "Compute Instance"),
    "AWSDataTransfer": ("AWS Data Transfer", "Data Transfer"),
    "AmazonS3": ("Amazon Simple Storage Service", "Storage"),
    "AWSLambda": ("AWS Lambda", "Serverless"),
    "AmazonRDS": ("Amazon Relational Database Service", "Database Instance"),
    "AmazonDynamoDB": ("Amazon DynamoDB", "Amazon DynamoDB PayPerRequest Throughput"),
    "AmazonSQS": ("Amazon Simple Queue Service", "API Request"),
    "AmazonSNS": ("Amazon Simple Notification Service", "API Request"),
    "AWSSecretsManager": ("AWS Secrets Manager", "Secret"),
    "awskms": ("AWS Key Management Service", "Encryption Key"),
    "AWSGlue": ("AWS Glue", "AWS Glue"),
    "AmazonAthena": ("Amazon Athena", "Athena Queries"),
    "AmazonCloudWatch": ("AmazonCloudWatch", "Metric"),
    "AWSCloudTrail": ("AWS CloudTrail", "Management Tools - AWS CloudTrail Paid Events"),
    "AmazonBedrock": ("Amazon Bedrock", "Amazon Bedrock"),
    "AmazonVPC": ("Amazon Virtual Private Cloud", "VpcEndpoint"),
    "ComputeSavingsPlans": ("Savings Plans for AWS Compute usage", "Savings Plan"),
}
INSTANCES = {"t3.micro": 0.0104, "t3.small": 0.0208, "t3.medium": 0.0416, "t3.large": 0.0832,
             "t2.micro": 0.0116, "m5.large": 0.096, "m5.xlarge": 0.192, "m6i.large": 0.096,
             "c5.large": 0.085, "c5.2xlarge": 0.34, "r5.large": 0.126, "g4dn.xlarge": 0.526}
DATABASES = {"db.t3.micro": 0.017, "db.t3.medium": 0.068, "db.r5.large": 0.25,
             "db.m5.large": 0.171}
MODELS = ("NovaMicro", "NovaLite", "Claude3Haiku", "Claude3.5Sonnet", "Llama3-8B")
TEAMS = ("payments", "search", "ml-platform", "growth", "data", "core-api", "mobile", "ops")
APPS = tuple(f"{a}-{b}" for a in ("orders", "catalog", "auth", "billing", "media", "chat")
             for b in ("api", "worker", "etl", "web", "batch"))
OWNERS = tuple(f"{n}@example.com" for n in (
    "ana", "ben", "chen", "dara", "eli", "fay", "gus", "hana", "ivan", "jo", "kai", "lea",
    "mo", "nia", "omar", "pia", "quinn", "raj", "sara", "tom", "uma", "vic", "wen", "xia",
    "yan", "zoe", "abe", "bea", "cal", "dee", "ed", "flo", "gil", "hal", "ida", "jay", "kim",
    "lou", "max", "ned"))
CREATORS = tuple(f"{k}:AIDA{i:012d}:{n}" for i, (k, n) in enumerate(
    (("IAMUser", "ana"), ("IAMUser", "ben"), ("AssumedRole", "workshop"),
     ("AssumedRole", "terraform"), ("AssumedRole", "ci-deploy"), ("IAMUser", "chen"),
     ("AssumedRole", "sagemaker"), ("IAMUser", "dara"), ("Root", "root"),
     ("AssumedRole", "cloudformation"))))
TAG_COLUMNS = ("resource_tags_aws_created_by", "resource_tags_aws_cloudformation_stack_name",
               "resource_tags_user_name", "resource_tags_user_team",
               "resource_tags_user_environment", "resource_tags_user_application",
               "resource_tags_user_cost_center", "resource_tags_user_owner",
               "resource_tags_user_project", "resource_tags_user_feature")

# The columns, in the order of the Athena-style CUR in ../shared/data (koku's 154, less its
# year and month partitions, 33 rarer product columns and its 3 tag columns) and then ours.
COLUMNS = [
    "identity_line_item_id", "identity_time_interval", "bill_invoice_id",
    "bill_billing_entity", "bill_bill_type", "bill_payer_account_id",
    "bill_billing_period_start_date", "bill_billing_period_end_date",
    "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date",
    "line_item_usage_end_date", "line_item_product_code", "line_item_usage_type",
    "line_item_operation", "line_item_availability_zone", "line_item_resource_id",
    "line_item_usage_amount", "line_item_normalization_factor",
    "line_item_normalized_usage_amount", "line_item_currency_code",
    "line_item_unblended_rate", "line_item_unblended_cost", "line_item_blended_rate",
    "line_item_blended_cost", "line_item_line_item_description", "line_item_tax_type",
    "line_item_legal_entity", "product_product_name", "product_availability",
    "product_capacitystatus", "product_clock_speed", "product_current_generation",
    "product_dedicated_ebs_throughput", "product_description", "product_durability",
    "product_ecu", "product_edition", "product_endpoint_type",
    "product_enhanced_networking_supported", "product_from_location",
    "product_from_location_type", "product_group", "product_group_description",
    "product_instance_family", "product_instance_type", "product_instance_type_family",
    "product_license_model", "product_location", "product_location_type",
    "product_max_iops_burst_performance", "product_max_iopsvolume",
    "product_max_throughputvolume", "product_max_volume_size", "product_memory",
    "product_network_performance", "product_normalization_size_factor",
    "product_operating_system", "product_operation", "product_physical_processor",
    "product_pre_installed_sw", "product_processor_architecture",
    "product_processor_features", "product_product_family", "product_region",
    "product_servicecode", "product_servicename", "product_sku", "product_storage",
    "product_storage_class", "product_storage_media", "product_subscription_type",
    "product_tenancy", "product_to_location", "product_to_location_type",
    "product_transfer_type", "product_usagetype", "product_vcpu", "product_version",
    "product_volume_type", "pricing_rate_id", "pricing_public_on_demand_cost",
    "pricing_public_on_demand_rate", "pricing_term", "pricing_unit",
    "reservation_amortized_upfront_cost_for_usage",
    "reservation_amortized_upfront_fee_for_billing_period", "reservation_effective_cost",
    "reservation_end_time", "reservation_modification_status",
    "reservation_normalized_units_per_reservation", "reservation_recurring_fee_for_usage",
    "reservation_start_time", "reservation_subscription_id",
    "reservation_total_reserved_normalized_units", "reservation_total_reserved_units",
    "reservation_units_per_reservation",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_normalized_unit_quantity", "reservation_unused_quantity",
    "reservation_unused_recurring_fee", "reservation_upfront_value",
    "savings_plan_total_commitment_to_date", "savings_plan_savings_plan_a_r_n",
    "savings_plan_savings_plan_rate", "savings_plan_used_commitment",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_amortized_upfront_commitment_for_billing_period",
    "savings_plan_recurring_commitment_for_billing_period", "product_fee_code",
    "product_fee_description", "pricing_currency", "reservation_number_of_reservations",
    "product_region_code", "pricing_rate_code", "bill_invoicing_entity",
    *TAG_COLUMNS]
NUMBERS = {c for c in COLUMNS if c.startswith(("reservation_", "savings_plan_"))
           and not c.endswith(("_a_r_n", "_time", "_status", "_id"))} | {
    "line_item_usage_amount", "line_item_normalization_factor",
    "line_item_normalized_usage_amount", "line_item_unblended_cost", "line_item_blended_cost",
    "pricing_public_on_demand_cost"}
#: Costs a CUR writes as 0 on every line of this bill (the rest it leaves empty).
ZEROS = {c for c in NUMBERS if c.startswith((
    "reservation_amortized", "reservation_unused", "reservation_upfront",
    "savings_plan_amortized", "savings_plan_recurring", "savings_plan_total"))}
assert len(COLUMNS) == len(set(COLUMNS)) == 126, len(COLUMNS)

# What a resource of each kind is billed for. Per kind: weight, lifetimes (short, mid, long
# shares), and members: product code, usage type (a {type} is the resource's instance or
# database type), operations, pricing unit, rate, amount per line, cadence (h hourly,
# d daily, s some hours of some days, m monthly), share of resources having it.
KINDS: dict[str, tuple[float, tuple[float, float, float], list[tuple[Any, ...]]]] = {
    "instance": (30, (0.76, 0.17, 0.07), [
        ("AmazonEC2", "BoxUsage:{type}", "RunInstances RunInstances RunInstances "
         "RunInstances:0002 RunInstances:0010 RunInstances:0006 RunInstances:0004 "
         "RunInstances:000g RunInstances:0800", "Hrs", None, 1, "h", 1.0),
        ("AWSDataTransfer", "DataTransfer-Regional-Bytes", "InterZone-In InterZone-Out", "GB",
         0.01, 0.05, "s", 0.35),
        ("AWSDataTransfer", "DataTransfer-Out-Bytes", "RunInstances PublicIP-Out "
         "LoadBalancing-PublicIP-Out", "GB", 0.09, 0.02, "s", 0.2),
        ("AmazonEC2", "CPUCredits:t3", "RunInstances", "vCPU-Hours", 0.05, 0.1, "s", 0.05)]),
    "spot": (4, (0.8, 0.2, 0.0), [
        ("AmazonEC2", "SpotUsage:{type}", "RunInstances:SV001 RunInstances:SV002", "Hrs",
         None, 1, "h", 1.0)]),
    "volume": (28, (0.76, 0.17, 0.07), [
        ("AmazonEC2", "EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 0.08, 0.0417, "h",
         0.55),
        ("AmazonEC2", "EBS:VolumeUsage.gp2", "CreateVolume-Gp2", "GB-Mo", 0.1, 0.0417, "h",
         0.4),
        ("AmazonEC2", "EBS:VolumeUsage.st1", "CreateVolume-St1", "GB-Mo", 0.045, 0.69, "h",
         0.05),
        ("AmazonEC2", "EBS:VolumeP-IOPS.gp3", "CreateVolume-Gp3", "IOPS-Mo", 0.005, 1.4, "h",
         0.1)]),
    "snapshot": (7, (0.3, 0.3, 0.4), [
        ("AmazonEC2", "EBS:SnapshotUsage", "CreateSnapshot", "GB-Mo", 0.05, 0.3, "d", 1.0)]),
    "bucket": (6, (0.4, 0.3, 0.3), [
        ("AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.023, 2.0, "d", 1.0),
        ("AmazonS3", "Requests-Tier1", "PutObject CopyObject ListBucket PostObject UploadPart "
         "CreateMultipartUpload PutObjectTagging",
         "Requests", 5e-6, 300, "s", 0.8),
        ("AmazonS3", "Requests-Tier2", "GetObject HeadObject GetObjectTagging", "Requests",
         4e-7, 2000, "s", 0.8),
        ("AmazonS3", "TimedStorage-INT-FA-ByteHrs", "IntelligentTieringFAStorage", "GB-Mo",
         0.023, 1.0, "d", 0.15),
        ("AmazonS3", "DataTransfer-Out-Bytes", "GetObject", "GB", 0.09, 0.05, "s", 0.25)]),
    "function": (8, (0.35, 0.35, 0.3), [
        ("AWSLambda", "Request", "Invoke", "Requests", 2e-7, 500, "s", 1.0),
        ("AWSLambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second", 1.67e-5, 200, "s",
         0.6),
        ("AWSLambda", "Lambda-GB-Second-ARM", "Invoke", "Lambda-GB-Second", 1.33e-5, 200, "s",
         0.2)]),
    "nat": (1.5, (0.3, 0.3, 0.4), [
        ("AmazonEC2", "NatGateway-Hours", "NatGateway", "Hrs", 0.045, 1, "h", 1.0),
        ("AmazonEC2", "NatGateway-Bytes", "NatGateway", "GB", 0.045, 0.5, "s", 1.0)]),
    "balancer": (2, (0.3, 0.3, 0.4), [
        ("AmazonEC2", "LoadBalancerUsage", "LoadBalancing:Application LoadBalancing:Network "
         "LoadBalancing", "Hrs", 0.0225, 1, "h", 1.0),
        ("AmazonEC2", "LCUUsage", "LoadBalancing:Application", "LCU-Hrs", 0.008, 0.4, "s",
         0.9)]),
    "address": (2, (0.5, 0.3, 0.2), [
        ("AmazonVPC", "PublicIPv4:InUseAddress", "AssociateAddressVPC", "Hrs", 0.005, 1, "h",
         0.7),
        ("AmazonVPC", "PublicIPv4:IdleAddress", "AssociateAddressVPC", "Hrs", 0.005, 1, "h",
         0.3)]),
    "endpoint": (1, (0.2, 0.3, 0.5), [
        ("AmazonVPC", "VpcEndpoint-Hours", "VpcEndpoint", "Hrs", 0.01, 1, "h", 1.0),
        ("AmazonVPC", "VpcEndpoint-Bytes", "VpcEndpoint", "GB", 0.01, 0.3, "s", 0.8)]),
    "database": (1.5, (0.3, 0.3, 0.4), [
        ("AmazonRDS", "InstanceUsage:{type}", "CreateDBInstance:0002 CreateDBInstance:0014 "
         "CreateDBInstance:0016 CreateDBInstance:0021",
         "Hrs", None, 1, "h", 1.0),
        ("AmazonRDS", "RDS:GP2-Storage", "CreateDBInstance:0002 CreateDBInstance:0014",
         "GB-Mo", 0.115, 0.028, "h", 1.0),
        ("AmazonRDS", "RDS:ChargedBackupUsage", "CreateDBInstance:0002", "GB-Mo", 0.095, 0.5,
         "d", 0.4)]),
    "table": (3, (0.35, 0.35, 0.3), [
        ("AmazonDynamoDB", "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.25, 0.05,
         "d", 1.0),
        ("AmazonDynamoDB", "ReadRequestUnits",
         "PayPerRequestThroughput GetItem Query Scan BatchGetItem", "ReadRequestUnits", 2.5e-7,
         3000, "s", 0.7),
        ("AmazonDynamoDB", "WriteRequestUnits",
         "PayPerRequestThroughput PutItem UpdateItem BatchWriteItem DeleteItem",
         "WriteRequestUnits", 1.25e-6, 800, "s", 0.8)]),
    "queue": (2.5, (0.35, 0.35, 0.3), [
        ("AmazonSQS", "Requests-RBP",
         "SendMessage ReceiveMessage DeleteMessage GetQueueAttributes ChangeMessageVisibility "
         "SendMessageBatch DeleteMessageBatch ChangeMessageVisibilityBatch ListQueues",
         "Requests", 4e-7, 4000, "s", 1.0)]),
    "topic": (1.5, (0.35, 0.35, 0.3), [
        ("AmazonSNS", "Requests-Tier1", "Publish Subscribe ListTopics GetTopicAttributes",
         "Requests", 5e-7, 500, "s", 1.0),
        ("AmazonSNS", "DeliveryAttempts-HTTP", "Notification", "Notifications", 6e-7, 400,
         "s", 0.6)]),
    "secret": (1.5, (0.3, 0.3, 0.4), [
        ("AWSSecretsManager", "AWSSecretsManager-Secrets", "CreateSecret", "Secrets", 0.4 / 30,
         1, "d", 1.0),
        ("AWSSecretsManager", "AWSSecretsManager-APIRequest",
         "GetSecretValue DescribeSecret ListSecrets PutSecretValue", "API Requests",
         5e-6, 200, "s", 0.7)]),
    "key": (1.5, (0.3, 0.3, 0.4), [
        ("awskms", "KMS-Keys", "CreateKey", "Keys", 1 / 30, 1, "d", 1.0),
        ("awskms", "KMS-Requests", "Decrypt Encrypt GenerateDataKey ReEncrypt "
         "GenerateDataKeyWithoutPlaintext GenerateRandom", "Requests", 3e-6, 900,
         "s", 0.8)]),
    "crawler": (1, (0.3, 0.3, 0.4), [
        ("AWSGlue", "Crawler-DPU-Hour", "CrawlerRun", "DPU-Hour", 0.44, 0.3, "s", 1.0),
        ("AWSGlue", "ETL-DPU-Hour", "Jobrun GlueInteractiveSession", "DPU-Hour", 0.44, 1.5,
         "s", 0.6)]),
    "workgroup": (0.6, (0.3, 0.3, 0.4), [
        ("AmazonAthena", "DataScannedInTB", "RunQuery", "Terabytes", 5.0, 0.002, "s", 1.0)]),
    "log-group": (4, (0.35, 0.35, 0.3), [
        ("AmazonCloudWatch", "DataProcessing-Bytes", "PutLogEvents", "GB", 0.5, 0.02, "s",
         1.0),
        ("AmazonCloudWatch", "TimedStorage-ByteHrs", "HourlyStorageMetering", "GB-Mo", 0.03,
         0.1, "d", 0.9)]),
}
ALTERNATIVES = {"volume": 3, "address": 2}  # a volume is gp3, gp2 or st1

REGION_P = np.array([r[3] for r in REGIONS], float) / sum(r[3] for r in REGIONS)


def draw_tags(rng: np.random.Generator, kind: str, number: int) -> dict[str, str]:
    """A resource's tag columns: most resources carry some user tags, fewer aws ones."""
    tags: dict[str, str] = {}
    if rng.random() < 0.6:
        tags["resource_tags_aws_created_by"] = str(rng.choice(CREATORS))
    if rng.random() < 0.25:
        tags["resource_tags_aws_cloudformation_stack_name"] = \
            f"{rng.choice(APPS)}-stack-{int(rng.integers(3))}"
    if rng.random() < 0.75:
        app = str(rng.choice(APPS))
        for column, share, value in (
                ("user_name", 0.9, f"{app}-{kind}-{number}"),
                ("user_team", 0.9, str(rng.choice(TEAMS))),
                ("user_environment", 0.95, str(rng.choice(("prod", "staging", "dev"),
                                                          p=(0.5, 0.2, 0.3)))),
                ("user_application", 0.8, app),
                ("user_cost_center", 0.5, f"CC-{1000 + int(rng.integers(12))}"),
                ("user_owner", 0.6, str(rng.choice(OWNERS))),
                ("user_project", 0.5, f"project-{int(rng.integers(25)):02d}"),
                ("user_feature", 0.6, f"feature-{int(rng.integers(23))}")):
            if rng.random() < share:
                tags[f"resource_tags_{column}"] = value
    return tags


def resource_id(rng: np.random.Generator, kind: str, region: str, account: str,
                 tags: dict[str, str]) -> str:
    """A resource's id as its kind writes it: an EC2 id, a bucket name or an ARN."""
    hexa = "".join(f"{b:02x}" for b in rng.integers(0, 256, 9))
    name = tags.get("resource_tags_user_name") or f"{kind}-{hexa[:6]}"
    arn = f"arn:aws:{{}}:{region}:{account}:"
    return {
        "instance": f"i-0{hexa[:16]}", "spot": f"i-0{hexa[:16]}",
        "volume": f"vol-0{hexa[:16]}", "snapshot": f"snap-0{hexa[:16]}",
        "bucket": f"{name}-{hexa[:6]}", "nat": f"nat-0{hexa[:16]}",
        "function": arn.format("lambda") + f"function:{name}",
        "balancer": arn.format("elasticloadbalancing") + f"loadbalancer/app/{name[:32]}/"
                                                         f"{hexa[:16]}",
        "address": f"eipalloc-0{hexa[:16]}", "endpoint": f"vpce-0{hexa[:16]}",
        "database": arn.format("rds") + f"db:{name}",
        "table": arn.format("dynamodb") + f"table/{name}",
        "queue": arn.format("sqs") + name, "topic": arn.format("sns") + name,
        "secret": arn.format("secretsmanager") + f"secret:{name}-{hexa[:6]}",
        "key": arn.format("kms") + f"key/{hexa[:8]}-{hexa[8:12]}-4{hexa[12:15]}-"
                                   f"a{hexa[15:18]}-{hexa[:12]}",
        "crawler": arn.format("glue") + f"crawler/{name}",
        "workgroup": arn.format("athena") + f"workgroup/{name}",
        "log-group": arn.format("logs") + f"log-group:/aws/lambda/{name}",
    }[kind]


def digest(text: str, size: int, alphabet: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") -> str:
    """A stable code of ``size`` characters for ``text`` (SKUs, rate ids)."""
    raw = hashlib.sha1(text.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in raw[:size])

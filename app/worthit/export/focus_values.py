"""The FOCUS values a cached charge does not hold as such, derived from what it does hold:
ServiceSubcategory, ChargeDescription, ChargeFrequency, units in FOCUS's UnitFormat and
tags as a FOCUS key-value object. Each rule is stated in :mod:`worthit.export.focus`'s
docstring; here they are carried out. Pure functions: no I/O."""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Final

from worthit.export.focus_spec import SERVICE_CATEGORIES, SERVICE_SUBCATEGORIES

#: ServiceSubcategory from ServiceCategory and ServiceName: per category, the subcategory
#: whose words name the service (first match wins); a service none names is
#: "Other (category)". Words match whole, case-insensitively.
_SUBCATEGORY_WORDS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "AI and Machine Learning": (
        ("Generative AI", r"bedrock|openai|claude|anthropic|gemini|gpt|mistral|cohere|"
                          r"generative|llm|foundry"),
        ("AI Platforms", r"sagemaker|vertex ai|machine learning studio|azure machine learning|"
                         r"ai platform"),
        ("Natural Language Processing", r"comprehend|translat\w*|language|speech|transcribe"),
        ("Bots", r"lex|bot service|bots?"),
        ("Machine Learning", r"machine learning|rekognition|personalize|forecast"),
    ),
    "Analytics": (
        ("Search", r"opensearch|elasticsearch|search|kendra"),
        ("Streaming Analytics", r"kinesis|stream analytics|kafka|msk|event hubs"),
        ("Data Processing", r"emr|glue|dataflow|dataproc|data factory|databricks"),
        ("Business Intelligence", r"quicksight|power bi|looker"),
        ("Analytics Platforms", r"athena|synapse|fabric|analytics"),
    ),
    "Compute": (
        ("Containers", r"kubernetes|eks|ecs|aks|gke|containers?|fargate"),
        ("Serverless Compute", r"lambda|functions?|cloud run"),
        ("End User Computing", r"workspaces|virtual desktop|appstream"),
        ("Virtual Machines", r"ec2|elastic compute cloud|virtual machines?|compute engine|"
                             r"lightsail|instances?"),
    ),
    "Databases": (
        ("Caching", r"elasticache|redis|memcached|memorystore|cache"),
        ("Data Warehouses", r"redshift|bigquery|snowflake|data warehouse"),
        ("NoSQL Databases", r"dynamodb|cosmos db|firestore|bigtable|documentdb|nosql|keyspaces"),
        ("Time Series Databases", r"timestream|time series"),
        ("Ledger Databases", r"qldb|ledger"),
        ("Relational Databases", r"rds|aurora|relational database service|sql database|"
                                 r"cloud sql|postgre\w*|mysql|mariadb|spanner|sql server"),
    ),
    "Identity": (("Identity and Access Management",
                  r"iam|cognito|active directory|entra|identity"),),
    "Integration": (
        ("API Management", r"api gateway|api management|apigee"),
        ("Messaging", r"sqs|sns|simple queue service|simple notification service|"
                      r"service bus|pub/sub|eventbridge|event grid|mq"),
        ("Workflow Orchestration", r"step functions|logic apps|workflows|composer"),
    ),
    "Management and Governance": (
        ("Observability", r"cloudwatch|monitor\w*|logging|x-ray|log analytics|"
                          r"application insights"),
        ("Support", r"support"),
        ("Cost Management", r"cost explorer|cost management|billing|budgets"),
        ("Compliance", r"config|cloudtrail|audit"),
    ),
    "Networking": (
        ("Content Delivery", r"cloudfront|cdn|front door"),
        ("Network Routing", r"route 53|dns|traffic manager"),
        ("Network Security", r"firewall|waf|shield|ddos"),
        ("Application Networking", r"load balanc\w*|elb|application gateway"),
        ("Network Connectivity", r"virtual private cloud|vpc|direct connect|vpn|"
                                 r"virtual network|data transfer|bandwidth|nat"),
    ),
    "Security": (
        ("Secret Management", r"kms|key management service|secrets manager|key vault"),
        ("Threat Detection and Response", r"guardduty|security hub|sentinel|defender"),
        ("Security Posture Management", r"inspector|security center|security command center"),
    ),
    "Storage": (
        ("Backup Storage", r"backup"),
        ("File Storage", r"efs|elastic file system|fsx|files|filestore"),
        ("Block Storage", r"ebs|elastic block store|disks?|block storage"),
        ("Object Storage", r"s3|simple storage service|blob|cloud storage|object storage|"
                           r"glacier"),
    ),
    "Web": (("Application Platforms", r"app service|elastic beanstalk|amplify|app engine"),),
}
_WORDS: Final = {category: tuple((sub, re.compile(rf"(?<![a-z0-9])(?:{words})(?![a-z0-9])"))
                                 for sub, words in table)
                 for category, table in _SUBCATEGORY_WORDS.items()}
assert all((category, sub) in SERVICE_SUBCATEGORIES
           for category, table in _SUBCATEGORY_WORDS.items() for sub, _ in table)

#: ChargeFrequency from ChargeCategory, where the bill did not state it.
FREQUENCY_OF_CATEGORY: Final = {"Usage": "Usage-Based", "Purchase": "One-Time",
                                "Tax": "Recurring", "Credit": "One-Time",
                                "Adjustment": "One-Time"}


def service_category(category: str | None) -> str:
    """The stored ServiceCategory when FOCUS allows it, else "Other"."""
    return category if category in SERVICE_CATEGORIES else "Other"


@functools.cache
def service_subcategory(category: str, service: str) -> str:
    """The 1.2 ServiceSubcategory of a service in ``category`` (an allowed one): the one
    its name names, else "Other (category)". A function of the service's name alone, so
    each service has one subcategory throughout a file."""
    name = service.casefold()
    for subcategory, words in _WORDS.get(category, ()):
        if words.search(name):
            return subcategory
    return f"Other ({category})"


def description(key: dict[str, Any]) -> str:
    """ChargeDescription: the usage type (or SKU) of the charge, with its model when the
    usage type does not name it, else its service and category ("Amazon EC2 (Tax)")."""
    usage = key.get("x_usage_type") or key.get("sku_id")
    model = key.get("x_model")
    if usage and model and str(model) not in str(usage):
        return f"{usage} ({model})"
    if usage or model:
        return str(usage or model)
    return f"{key.get('service_name') or key.get('provider_name') or 'Charge'} " \
           f"({key.get('charge_category') or 'Usage'})"


def frequency(stored: str | None, category: str) -> str:
    """ChargeFrequency: as the bill stated it, else by its ChargeCategory."""
    if stored in ("One-Time", "Recurring", "Usage-Based"):
        return str(stored)
    return FREQUENCY_OF_CATEGORY.get(category, "Usage-Based")


#: Vendors' spellings of units -> FOCUS UnitFormat (whole-unit matches, any case).
_UNIT_SPELLINGS: Final = {
    "hrs": "Hours", "hr": "Hours", "gb-mo": "GB-Months", "gb-month": "GB-Months",
    "gb month": "GB-Months", "gb months": "GB-Months", "gb-hrs": "GB-Hours",
    "gb hours": "GB-Hours", "gigabyte per hour": "GB/Hour",
}
_TIME: Final = "Years|Months|Days|Hours|Minutes|Seconds"
_TIME_ONE: Final = "Year|Month|Day|Hour|Minute|Second"
_WORD: Final = r"[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z][A-Za-z0-9]*)*"
#: FOCUS 1.2 UnitFormat: a unit, <unit>-<plural time>, <unit>/<time>, <count> <unit>,
#: <unit>/<count> <plural time> (data sizes and time names are words of this shape too).
_UNIT_FORMAT: Final = re.compile(
    rf"{_WORD}|{_WORD}-(?:{_TIME})|{_WORD}/(?:{_TIME_ONE})|[0-9]+ {_WORD}|"
    rf"{_WORD}/[0-9]+ (?:{_TIME})")
_PER: Final = re.compile(rf"^(.+?)\s+per\s+({_TIME_ONE})$", re.I)
_ONE_PER: Final = re.compile(rf"^1\s*/\s*({_TIME_ONE})$", re.I)
_COUNT: Final = re.compile(r"^([0-9]+)\s*([KM]?)(?:\s+(.+))?$", re.I)
_SINGULAR_SPAN: Final = re.compile(rf"^(.+)-({_TIME_ONE})$")


@functools.cache
def unit(text: str | None) -> str | None:
    """A unit in FOCUS's UnitFormat: as written when it conforms; a known vendor spelling
    mapped ("GB-Mo" → "GB-Months", "Hrs" → "Hours", "X Per Hour" → "X/Hour", "1/Day" →
    "Units/Day", "1 GB/Month" → "GB/Month", "10K" → "10000 Units", "1K tokens" → "1000
    tokens", "Obj-Month" → "Obj-Months"); else its words (punctuation made spaces, words
    not starting with a letter left out: "Lambda-GB-Seconds" → "Lambda GB Seconds")."""
    if text is None or not text.strip():
        return None
    text = " ".join(text.split())
    text = _UNIT_SPELLINGS.get(text.casefold(), text)
    if _UNIT_FORMAT.fullmatch(text):
        return text
    mapped = None
    if per := _PER.match(text):
        mapped = f"{unit(per[1])}/{per[2].capitalize()}"
    elif one := _ONE_PER.match(text):
        mapped = f"Units/{one[1].capitalize()}"
    elif count := _COUNT.match(text):
        number = int(count[1]) * {"": 1, "K": 1000, "M": 1_000_000}[count[2].upper()]
        rest = unit(count[3]) if count[3] else "Units"
        mapped = rest if number == 1 and count[3] else f"{number} {rest}"
    elif span := _SINGULAR_SPAN.match(text):
        mapped = f"{span[1]}-{span[2]}s"
    if mapped is not None and _UNIT_FORMAT.fullmatch(mapped):
        return mapped
    words = [w for w in re.sub(r"[^A-Za-z0-9]+", " ", text).split() if w[0].isalpha()]
    return " ".join(words) or "Units"


def tags(text: str | None) -> dict[str, Any] | None:
    """The stored tags as a FOCUS key-value object: None when there are none or they are
    not a JSON object; a value that is an object or a list becomes its JSON text."""
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or not parsed:
        return None
    return {str(k): json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v
            for k, v in parsed.items()}

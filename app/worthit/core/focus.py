"""The FOCUS-shaped columns of the ``charges`` table and the vocabulary around them.

Names are the FinOps Open Cost and Usage Specification (FOCUS) columns in snake_case;
Worthit's own extensions carry the ``x_`` prefix, as FOCUS asks.

Token columns are disjoint counts, so that each is priced at exactly one rate:
``x_input_tokens`` is *uncached* input only; ``x_cached_input_tokens`` are input tokens
read from a prompt cache; ``x_cache_write_tokens`` are input tokens written to it. (Vendors
differ: OpenAI's ``input_tokens`` and genai-prices both count cached tokens inside input.
Importers convert to this meaning.)
"""

from __future__ import annotations

from typing import Final

#: (column, SQLite type) in table order.
CHARGE_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("source_id", "TEXT"),
    ("charge_period_start", "TEXT"),  # ISO date, UTC day
    ("provider_name", "TEXT"),
    ("publisher_name", "TEXT"),
    ("billing_account_id", "TEXT"),
    ("sub_account_id", "TEXT"),
    ("sub_account_name", "TEXT"),
    ("service_category", "TEXT"),
    ("service_name", "TEXT"),
    ("region_id", "TEXT"),
    ("availability_zone", "TEXT"),
    ("resource_id", "TEXT"),
    ("resource_type", "TEXT"),
    ("sku_id", "TEXT"),
    ("x_usage_type", "TEXT"),
    ("charge_category", "TEXT"),
    ("charge_class", "TEXT"),
    ("billed_cost", "REAL"),
    ("effective_cost", "REAL"),
    ("list_cost", "REAL"),
    ("billing_currency", "TEXT"),
    ("consumed_quantity", "REAL"),
    ("consumed_unit", "TEXT"),
    ("tags", "TEXT"),  # JSON object
    ("x_model", "TEXT"),
    ("x_input_tokens", "INTEGER"),
    ("x_cached_input_tokens", "INTEGER"),
    ("x_cache_write_tokens", "INTEGER"),
    ("x_output_tokens", "INTEGER"),
    ("x_requests", "INTEGER"),
    ("x_batch", "INTEGER"),
    # FOCUS columns a bill states and a FOCUS export needs (cache migration 7).
    ("billing_account_name", "TEXT"),
    ("charge_frequency", "TEXT"),  # One-Time | Recurring | Usage-Based
    ("invoice_issuer_name", "TEXT"),
    ("pricing_category", "TEXT"),  # Standard | Dynamic | Committed | Other (1.2)
    ("pricing_unit", "TEXT"),
    ("commitment_discount_id", "TEXT"),
    ("commitment_discount_name", "TEXT"),
    ("commitment_discount_type", "TEXT"),
    ("commitment_discount_category", "TEXT"),  # Spend | Usage
    ("commitment_discount_status", "TEXT"),  # Used | Unused
    ("commitment_discount_unit", "TEXT"),
    ("contracted_cost", "REAL"),
    ("pricing_quantity", "REAL"),
    ("commitment_discount_quantity", "REAL"),
)

CHARGE_COLUMN_NAMES: Final[tuple[str, ...]] = tuple(name for name, _ in CHARGE_COLUMNS)

#: A charge's dimensions: every column but the day and the figures. Each distinct
#: combination is one row of ``charge_keys`` and a charge is (day, key id, figures) in the
#: narrow ``charge_facts`` table, so the text of a bill is stored once per combination,
#: not once per day (a bill repeats the same combinations day after day), and allocation
#: rules are evaluated once per key rather than once per charge. Vendor usage carries the
#: API key id as its ``resource_id``. The currency rides along so a period's currencies
#: come from its keys.
KEY_COLUMNS: Final[tuple[str, ...]] = (
    "source_id",
    "provider_name",
    "publisher_name",
    "billing_account_id",
    "sub_account_id",
    "sub_account_name",
    "service_category",
    "service_name",
    "region_id",
    "availability_zone",
    "resource_id",
    "resource_type",
    "sku_id",
    "x_usage_type",
    "charge_category",
    "charge_class",
    "x_model",
    "tags",
    "billing_currency",
    "consumed_unit",
    "x_batch",
    "billing_account_name",
    "charge_frequency",
    "invoice_issuer_name",
    "pricing_category",
    "pricing_unit",
    "commitment_discount_id",
    "commitment_discount_name",
    "commitment_discount_type",
    "commitment_discount_category",
    "commitment_discount_status",
    "commitment_discount_unit",
)

#: A charge's figures, summed when charges of one key and day meet: (column of the import
#: rows, column of ``charge_facts``).
FACT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("billed_cost", "billed"),
    ("effective_cost", "effective"),
    ("list_cost", "list"),
    ("consumed_quantity", "quantity"),
    ("x_input_tokens", "input"),
    ("x_cached_input_tokens", "cached_input"),
    ("x_cache_write_tokens", "cache_write"),
    ("x_output_tokens", "output"),
    ("x_requests", "requests"),
    ("contracted_cost", "contracted"),
    ("pricing_quantity", "pricing_quantity"),
    ("commitment_discount_quantity", "commitment_quantity"),
)

TOKEN_COLUMNS: Final[tuple[str, ...]] = (
    "x_input_tokens",
    "x_cached_input_tokens",
    "x_cache_write_tokens",
    "x_output_tokens",
)

#: FOCUS ServiceCategory values (1.0+). AI spend is the first one.
AI_CATEGORY: Final = "AI and Machine Learning"
SERVICE_CATEGORIES: Final[tuple[str, ...]] = (
    AI_CATEGORY,
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Multicloud",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
)

#: FOCUS ChargeCategory values.
CHARGE_CATEGORIES: Final[tuple[str, ...]] = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")

"""The FOCUS Cost and Usage (and Contract Commitment) column tables, transcribed from the spec.

Per FOCUS version, every column in spec order: feature level, data type, whether it allows
nulls and, where the spec closes the list, its allowed values. No I/O; tests/focus checks
the 1.2 table against focus-validator's bundled rules.

Sources (the FOCUS_Spec mirror here has tags up to v1.2 only, newest ref 2025-06-17; 1.3
and 1.4 come from the FinOps Foundation's FinOps-Open-Cost-and-Usage-Spec/focus_extraction_test):

- 1.2: FOCUS_Spec tag v1.2 (7296e3146fb931ee32b6496fa6e4200e7f4384f7), specification/columns,
  each column's Content Constraints table, in columns.mdpp order. PricingCurrency and
  PricingCurrencyEffectiveCost: the tables say nulls allowed, the requirements "MUST NOT be
  null"; the requirement wins (the validator checks it).
- 1.3: the 1.3 Requirements Model imported into focus_extraction_test at b89b790
  (specification/requirements_model/releases/1.3/model_rules), checked column by column
  against the column pages copied from the spec's working draft at 0f48a61 (2026-02-12),
  whose columns.mdpp order is used. Where they differ: the model's CommitmentDiscountStatus
  list (Active/Expired/Pending) is an error, the pages say Used/Unused; ChargeClass's one
  value "Correction" is in the text only; AllocatedMethodDetails is "of type String"
  (JSON-formatted) in the 1.3 requirement; BillingAccountType is null only where
  BillingAccountId is (never), so NOT_NULL as in the tables.
- 1.4: NOT the ratified text, which is not available here, but the newest available: the
  1.4 working draft as extracted for the 1.4 Requirements Model (focus_extraction_test
  releases/1.4/extraction_artifacts/rm-output: CostandUsage-working_draft.txt of b2793a2,
  2026-05-15; contractCommitment-working_draft.txt of 9478a29). Column set and levels come
  from its dataset presence requirements, types and nullability from each column's
  requirements; allowed values are 1.3's (the text names no change); the closed lists in
  UNTRANSCRIBED_VALUE_LISTS are not in that text.

Renames: 1.3 deprecates ProviderName (for ServiceProviderName) and PublisherName (no named
successor; HostProviderName is new); the 1.4 draft drops both. Contract Commitment is new in 1.3.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

FeatureLevel = Literal["Mandatory", "Conditional", "Recommended", "Optional"]
DataType = Literal["String", "Decimal", "Date/Time", "JSON"]
Dataset = Literal["CostAndUsage", "ContractCommitment"]

FOCUS_VERSIONS: tuple[str, ...] = ("1.2", "1.3", "1.4")

SOURCES: Mapping[str, str] = {
    "1.2": "FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec@7296e3146fb931ee32b6496fa6e4200e7f4384f7"
    " (tag v1.2) specification/columns",
    "1.3": "FinOps-Open-Cost-and-Usage-Spec/focus_extraction_test@b89b790"
    " specification/requirements_model/releases/1.3 (Requirements Model 1.3)",
    "1.4": "FinOps-Open-Cost-and-Usage-Spec/focus_extraction_test@b2793a2 (9478a29)"
    " releases/1.4/extraction_artifacts/rm-output (1.4 working draft, not the ratified text)",
}


@dataclass(frozen=True, slots=True)
class FocusColumn:
    """One FOCUS column as the spec defines it; allowed_values is empty unless closed."""

    name: str
    feature_level: FeatureLevel
    data_type: DataType
    allows_nulls: bool
    allowed_values: tuple[str, ...] = ()
    deprecated: bool = False


_M: FeatureLevel = "Mandatory"
_C: FeatureLevel = "Conditional"
_R: FeatureLevel = "Recommended"
_STR: DataType = "String"
_DEC: DataType = "Decimal"
_DT: DataType = "Date/Time"
_JSON: DataType = "JSON"
NULLABLE = True
NOT_NULL = False


def _col(
    name: str,
    level: FeatureLevel,
    data_type: DataType,
    allows_nulls: bool,
    allowed_values: tuple[str, ...] = (),
    *,
    deprecated: bool = False,
) -> FocusColumn:
    return FocusColumn(name, level, data_type, allows_nulls, allowed_values, deprecated)


_CHARGE_CATEGORY: tuple[str, ...] = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
_CHARGE_CLASS: tuple[str, ...] = ("Correction",)
_CHARGE_FREQUENCY: tuple[str, ...] = ("One-Time", "Recurring", "Usage-Based")
_PRICING_CATEGORY: tuple[str, ...] = ("Standard", "Dynamic", "Committed", "Other")
_USED_UNUSED: tuple[str, ...] = ("Used", "Unused")
_SPEND_USAGE: tuple[str, ...] = ("Spend", "Usage")

# ServiceCategory's values in the spec's table order (Multicloud sits after Developer Tools).
SERVICE_CATEGORIES: tuple[str, ...] = (
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
)

# ServiceSubcategory's allowed values, each with the ServiceCategory it belongs to (1.2 table;
# unchanged in 1.3 and in the 1.4 draft).
SERVICE_SUBCATEGORIES: tuple[tuple[str, str], ...] = (
    ("AI and Machine Learning", "AI Platforms"),
    ("AI and Machine Learning", "Bots"),
    ("AI and Machine Learning", "Generative AI"),
    ("AI and Machine Learning", "Machine Learning"),
    ("AI and Machine Learning", "Natural Language Processing"),
    ("AI and Machine Learning", "Other (AI and Machine Learning)"),
    ("Analytics", "Analytics Platforms"),
    ("Analytics", "Business Intelligence"),
    ("Analytics", "Data Processing"),
    ("Analytics", "Search"),
    ("Analytics", "Streaming Analytics"),
    ("Analytics", "Other (Analytics)"),
    ("Business Applications", "Productivity and Collaboration"),
    ("Business Applications", "Other (Business Applications)"),
    ("Compute", "Containers"),
    ("Compute", "End User Computing"),
    ("Compute", "Quantum Compute"),
    ("Compute", "Serverless Compute"),
    ("Compute", "Virtual Machines"),
    ("Compute", "Other (Compute)"),
    ("Databases", "Caching"),
    ("Databases", "Data Warehouses"),
    ("Databases", "Ledger Databases"),
    ("Databases", "NoSQL Databases"),
    ("Databases", "Relational Databases"),
    ("Databases", "Time Series Databases"),
    ("Databases", "Other (Databases)"),
    ("Developer Tools", "Developer Platforms"),
    ("Developer Tools", "Continuous Integration and Deployment"),
    ("Developer Tools", "Development Environments"),
    ("Developer Tools", "Source Code Management"),
    ("Developer Tools", "Quality Assurance"),
    ("Developer Tools", "Other (Developer Tools)"),
    ("Identity", "Identity and Access Management"),
    ("Identity", "Other (Identity)"),
    ("Integration", "API Management"),
    ("Integration", "Messaging"),
    ("Integration", "Workflow Orchestration"),
    ("Integration", "Other (Integration)"),
    ("Internet of Things", "IoT Analytics"),
    ("Internet of Things", "IoT Platforms"),
    ("Internet of Things", "Other (Internet of Things)"),
    ("Management and Governance", "Architecture"),
    ("Management and Governance", "Compliance"),
    ("Management and Governance", "Cost Management"),
    ("Management and Governance", "Data Governance"),
    ("Management and Governance", "Disaster Recovery"),
    ("Management and Governance", "Endpoint Management"),
    ("Management and Governance", "Observability"),
    ("Management and Governance", "Support"),
    ("Management and Governance", "Other (Management and Governance)"),
    ("Media", "Content Creation"),
    ("Media", "Gaming"),
    ("Media", "Media Streaming"),
    ("Media", "Mixed Reality"),
    ("Media", "Other (Media)"),
    ("Migration", "Data Migration"),
    ("Migration", "Resource Migration"),
    ("Migration", "Other (Migration)"),
    ("Mobile", "Other (Mobile)"),
    ("Multicloud", "Multicloud Integration"),
    ("Multicloud", "Other (Multicloud)"),
    ("Networking", "Application Networking"),
    ("Networking", "Content Delivery"),
    ("Networking", "Network Connectivity"),
    ("Networking", "Network Infrastructure"),
    ("Networking", "Network Routing"),
    ("Networking", "Network Security"),
    ("Networking", "Other (Networking)"),
    ("Security", "Secret Management"),
    ("Security", "Security Posture Management"),
    ("Security", "Threat Detection and Response"),
    ("Security", "Other (Security)"),
    ("Storage", "Backup Storage"),
    ("Storage", "Block Storage"),
    ("Storage", "File Storage"),
    ("Storage", "Object Storage"),
    ("Storage", "Storage Platforms"),
    ("Storage", "Other (Storage)"),
    ("Web", "Application Platforms"),
    ("Web", "Other (Web)"),
    ("Other", "Other (Other)"),
)
_SERVICE_SUBCATEGORY_NAMES: tuple[str, ...] = tuple(sub for _, sub in SERVICE_SUBCATEGORIES)

_COST_AND_USAGE_1_2 = (
    _col("AvailabilityZone", _R, _STR, NULLABLE),
    _col("BilledCost", _M, _DEC, NOT_NULL),
    _col("BillingAccountId", _M, _STR, NOT_NULL),
    _col("BillingAccountName", _M, _STR, NULLABLE),
    _col("BillingAccountType", _C, _STR, NOT_NULL),
    _col("BillingCurrency", _M, _STR, NOT_NULL),
    _col("BillingPeriodEnd", _M, _DT, NOT_NULL),
    _col("BillingPeriodStart", _M, _DT, NOT_NULL),
    _col("CapacityReservationId", _C, _STR, NULLABLE),
    _col("CapacityReservationStatus", _C, _STR, NULLABLE, _USED_UNUSED),
    _col("ChargeCategory", _M, _STR, NOT_NULL, _CHARGE_CATEGORY),
    _col("ChargeClass", _M, _STR, NULLABLE, _CHARGE_CLASS),
    _col("ChargeDescription", _M, _STR, NULLABLE),
    _col("ChargeFrequency", _R, _STR, NOT_NULL, _CHARGE_FREQUENCY),
    _col("ChargePeriodEnd", _M, _DT, NOT_NULL),
    _col("ChargePeriodStart", _M, _DT, NOT_NULL),
    _col("CommitmentDiscountCategory", _C, _STR, NULLABLE, _SPEND_USAGE),
    _col("CommitmentDiscountId", _C, _STR, NULLABLE),
    _col("CommitmentDiscountName", _C, _STR, NULLABLE),
    _col("CommitmentDiscountQuantity", _C, _DEC, NULLABLE),
    _col("CommitmentDiscountStatus", _C, _STR, NULLABLE, _USED_UNUSED),
    _col("CommitmentDiscountType", _C, _STR, NULLABLE),
    _col("CommitmentDiscountUnit", _C, _STR, NULLABLE),
    _col("ConsumedQuantity", _C, _DEC, NULLABLE),
    _col("ConsumedUnit", _C, _STR, NULLABLE),
    _col("ContractedCost", _M, _DEC, NOT_NULL),
    _col("ContractedUnitPrice", _C, _DEC, NULLABLE),
    _col("EffectiveCost", _M, _DEC, NOT_NULL),
    _col("InvoiceId", _R, _STR, NULLABLE),
    _col("InvoiceIssuerName", _M, _STR, NOT_NULL),
    _col("ListCost", _M, _DEC, NOT_NULL),
    _col("ListUnitPrice", _C, _DEC, NULLABLE),
    _col("PricingCategory", _C, _STR, NULLABLE, _PRICING_CATEGORY),
    _col("PricingCurrency", _C, _STR, NOT_NULL),
    _col("PricingCurrencyContractedUnitPrice", _C, _DEC, NULLABLE),
    _col("PricingCurrencyEffectiveCost", _C, _DEC, NOT_NULL),
    _col("PricingCurrencyListUnitPrice", _C, _DEC, NULLABLE),
    _col("PricingQuantity", _M, _DEC, NULLABLE),
    _col("PricingUnit", _M, _STR, NULLABLE),
    _col("ProviderName", _M, _STR, NOT_NULL),
    _col("PublisherName", _M, _STR, NOT_NULL),
    _col("RegionId", _C, _STR, NULLABLE),
    _col("RegionName", _C, _STR, NULLABLE),
    _col("ResourceId", _C, _STR, NULLABLE),
    _col("ResourceName", _C, _STR, NULLABLE),
    _col("ResourceType", _C, _STR, NULLABLE),
    _col("ServiceCategory", _M, _STR, NOT_NULL, SERVICE_CATEGORIES),
    _col("ServiceName", _M, _STR, NOT_NULL),
    _col("ServiceSubcategory", _R, _STR, NOT_NULL, _SERVICE_SUBCATEGORY_NAMES),
    _col("SkuId", _C, _STR, NULLABLE),
    _col("SkuMeter", _C, _STR, NULLABLE),
    _col("SkuPriceDetails", _C, _JSON, NULLABLE),
    _col("SkuPriceId", _C, _STR, NULLABLE),
    _col("SubAccountId", _C, _STR, NULLABLE),
    _col("SubAccountName", _C, _STR, NULLABLE),
    _col("SubAccountType", _C, _STR, NULLABLE),
    _col("Tags", _C, _JSON, NULLABLE),
)

_COST_AND_USAGE_1_3 = (
    _col("AllocatedMethodId", _C, _STR, NULLABLE),
    _col("AllocatedMethodDetails", _R, _STR, NULLABLE),
    _col("AllocatedResourceId", _C, _STR, NULLABLE),
    _col("AllocatedResourceName", _C, _STR, NULLABLE),
    _col("AllocatedTags", _C, _JSON, NULLABLE),
    _col("AvailabilityZone", _R, _STR, NULLABLE),
    _col("BilledCost", _M, _DEC, NOT_NULL),
    _col("BillingAccountId", _M, _STR, NOT_NULL),
    _col("BillingAccountName", _M, _STR, NULLABLE),
    _col("BillingAccountType", _C, _STR, NOT_NULL),
    _col("BillingCurrency", _M, _STR, NOT_NULL),
    _col("BillingPeriodEnd", _M, _DT, NOT_NULL),
    _col("BillingPeriodStart", _M, _DT, NOT_NULL),
    _col("CapacityReservationId", _C, _STR, NULLABLE),
    _col("CapacityReservationStatus", _C, _STR, NULLABLE, _USED_UNUSED),
    _col("ChargeCategory", _M, _STR, NOT_NULL, _CHARGE_CATEGORY),
    _col("ChargeClass", _M, _STR, NULLABLE, _CHARGE_CLASS),
    _col("ChargeDescription", _M, _STR, NULLABLE),
    _col("ChargeFrequency", _R, _STR, NOT_NULL, _CHARGE_FREQUENCY),
    _col("ChargePeriodEnd", _M, _DT, NOT_NULL),
    _col("ChargePeriodStart", _M, _DT, NOT_NULL),
    _col("CommitmentDiscountCategory", _C, _STR, NULLABLE, _SPEND_USAGE),
    _col("CommitmentDiscountId", _C, _STR, NULLABLE),
    _col("CommitmentDiscountName", _C, _STR, NULLABLE),
    _col("CommitmentDiscountQuantity", _C, _DEC, NULLABLE),
    _col("CommitmentDiscountStatus", _C, _STR, NULLABLE, _USED_UNUSED),
    _col("CommitmentDiscountType", _C, _STR, NULLABLE),
    _col("CommitmentDiscountUnit", _C, _STR, NULLABLE),
    _col("ConsumedQuantity", _C, _DEC, NULLABLE),
    _col("ConsumedUnit", _C, _STR, NULLABLE),
    _col("ContractApplied", _C, _JSON, NULLABLE),
    _col("ContractedCost", _M, _DEC, NOT_NULL),
    _col("ContractedUnitPrice", _C, _DEC, NULLABLE),
    _col("EffectiveCost", _M, _DEC, NOT_NULL),
    _col("HostProviderName", _M, _STR, NULLABLE),
    _col("InvoiceId", _R, _STR, NULLABLE),
    _col("InvoiceIssuerName", _M, _STR, NOT_NULL),
    _col("ListCost", _M, _DEC, NOT_NULL),
    _col("ListUnitPrice", _C, _DEC, NULLABLE),
    _col("PricingCategory", _C, _STR, NULLABLE, _PRICING_CATEGORY),
    _col("PricingCurrency", _C, _STR, NOT_NULL),
    _col("PricingCurrencyContractedUnitPrice", _C, _DEC, NULLABLE),
    _col("PricingCurrencyEffectiveCost", _C, _DEC, NOT_NULL),
    _col("PricingCurrencyListUnitPrice", _C, _DEC, NULLABLE),
    _col("PricingQuantity", _M, _DEC, NULLABLE),
    _col("PricingUnit", _M, _STR, NULLABLE),
    _col("ProviderName", _M, _STR, NOT_NULL, deprecated=True),
    _col("PublisherName", _M, _STR, NOT_NULL, deprecated=True),
    _col("RegionId", _C, _STR, NULLABLE),
    _col("RegionName", _C, _STR, NULLABLE),
    _col("ResourceId", _C, _STR, NULLABLE),
    _col("ResourceName", _C, _STR, NULLABLE),
    _col("ResourceType", _C, _STR, NULLABLE),
    _col("ServiceProviderName", _M, _STR, NOT_NULL),
    _col("ServiceCategory", _M, _STR, NOT_NULL, SERVICE_CATEGORIES),
    _col("ServiceName", _M, _STR, NOT_NULL),
    _col("ServiceSubcategory", _R, _STR, NOT_NULL, _SERVICE_SUBCATEGORY_NAMES),
    _col("SkuId", _C, _STR, NULLABLE),
    _col("SkuMeter", _C, _STR, NULLABLE),
    _col("SkuPriceDetails", _C, _JSON, NULLABLE),
    _col("SkuPriceId", _C, _STR, NULLABLE),
    _col("SubAccountId", _C, _STR, NULLABLE),
    _col("SubAccountName", _C, _STR, NULLABLE),
    _col("SubAccountType", _C, _STR, NULLABLE),
    _col("Tags", _C, _JSON, NULLABLE),
)

_COST_AND_USAGE_1_4 = (
    _col("AllocatedMethodDetails", _R, _JSON, NULLABLE),
    _col("AllocatedMethodId", _C, _STR, NULLABLE),
    _col("AllocatedResourceId", _C, _STR, NULLABLE),
    _col("AllocatedResourceName", _C, _STR, NULLABLE),
    _col("AllocatedTags", _C, _JSON, NULLABLE),
    _col("AvailabilityZone", _R, _STR, NULLABLE),
    _col("BilledCost", _M, _DEC, NOT_NULL),
    _col("BillingAccountId", _M, _STR, NOT_NULL),
    _col("BillingAccountName", _M, _STR, NULLABLE),
    _col("BillingAccountType", _C, _STR, NOT_NULL),
    _col("BillingCurrency", _M, _STR, NOT_NULL),
    _col("BillingPeriodEnd", _M, _DT, NOT_NULL),
    _col("BillingPeriodStart", _M, _DT, NOT_NULL),
    _col("CapacityReservationId", _C, _STR, NULLABLE),
    _col("CapacityReservationStatus", _C, _STR, NULLABLE, _USED_UNUSED),
    _col("ChargeCategory", _M, _STR, NOT_NULL, _CHARGE_CATEGORY),
    _col("ChargeClass", _M, _STR, NULLABLE, _CHARGE_CLASS),
    _col("ChargeDescription", _M, _STR, NULLABLE),
    _col("ChargeFrequency", _R, _STR, NOT_NULL, _CHARGE_FREQUENCY),
    _col("ChargePeriodEnd", _M, _DT, NOT_NULL),
    _col("ChargePeriodStart", _M, _DT, NOT_NULL),
    _col("CommitmentDiscountCategory", _C, _STR, NULLABLE, _SPEND_USAGE),
    _col("CommitmentDiscountId", _C, _STR, NULLABLE),
    _col("CommitmentDiscountName", _C, _STR, NULLABLE),
    _col("CommitmentDiscountQuantity", _C, _DEC, NULLABLE),
    _col("CommitmentDiscountStatus", _C, _STR, NULLABLE, _USED_UNUSED),
    _col("CommitmentDiscountType", _C, _STR, NULLABLE),
    _col("CommitmentDiscountUnit", _C, _STR, NULLABLE),
    _col("CommitmentProgramEligibilityDetails", _C, _JSON, NULLABLE),
    _col("ConsumedQuantity", _C, _DEC, NULLABLE),
    _col("ConsumedUnit", _C, _STR, NULLABLE),
    _col("ContractApplied", _C, _JSON, NULLABLE),
    _col("ContractedCost", _M, _DEC, NOT_NULL),
    _col("ContractedUnitPrice", _C, _DEC, NULLABLE),
    _col("EffectiveCost", _M, _DEC, NOT_NULL),
    _col("HostProviderName", _M, _STR, NULLABLE),
    _col("InvoiceDetailId", _C, _STR, NULLABLE),
    _col("InvoiceId", _C, _STR, NULLABLE),
    _col("InvoiceIssuerName", _M, _STR, NOT_NULL),
    _col("ListCost", _M, _DEC, NOT_NULL),
    _col("ListUnitPrice", _C, _DEC, NULLABLE),
    _col("PricingCategory", _C, _STR, NULLABLE, _PRICING_CATEGORY),
    _col("PricingCurrency", _C, _STR, NOT_NULL),
    _col("PricingCurrencyContractedUnitPrice", _C, _DEC, NULLABLE),
    _col("PricingCurrencyEffectiveCost", _C, _DEC, NOT_NULL),
    _col("PricingCurrencyListUnitPrice", _C, _DEC, NULLABLE),
    _col("PricingQuantity", _M, _DEC, NULLABLE),
    _col("PricingUnit", _M, _STR, NULLABLE),
    _col("RegionId", _C, _STR, NULLABLE),
    _col("RegionName", _C, _STR, NULLABLE),
    _col("ResourceId", _C, _STR, NULLABLE),
    _col("ResourceName", _C, _STR, NULLABLE),
    _col("ResourceType", _C, _STR, NULLABLE),
    _col("ServiceCategory", _M, _STR, NOT_NULL, SERVICE_CATEGORIES),
    _col("ServiceName", _M, _STR, NOT_NULL),
    _col("ServiceProviderName", _M, _STR, NOT_NULL),
    _col("ServiceSubcategory", _R, _STR, NOT_NULL, _SERVICE_SUBCATEGORY_NAMES),
    _col("SkuId", _C, _STR, NULLABLE),
    _col("SkuMeter", _C, _STR, NULLABLE),
    _col("SkuPriceDetails", _C, _JSON, NULLABLE),
    _col("SkuPriceId", _C, _STR, NULLABLE),
    _col("SubAccountId", _C, _STR, NULLABLE),
    _col("SubAccountName", _C, _STR, NULLABLE),
    _col("SubAccountType", _C, _STR, NULLABLE),
    _col("Tags", _C, _JSON, NULLABLE),
)

_CONTRACT_COMMITMENT_1_3 = (
    _col("BillingCurrency", _M, _STR, NULLABLE),
    _col("ContractCommitmentCost", _M, _DEC, NULLABLE),
    _col("ContractCommitmentId", _M, _STR, NOT_NULL),
    _col("ContractCommitmentCategory", _M, _STR, NOT_NULL, _SPEND_USAGE),
    _col("ContractCommitmentDescription", _M, _STR, NULLABLE),
    _col("ContractCommitmentPeriodEnd", _M, _DT, NOT_NULL),
    _col("ContractCommitmentPeriodStart", _M, _DT, NOT_NULL),
    _col("ContractCommitmentQuantity", _M, _DEC, NULLABLE),
    _col("ContractCommitmentType", _M, _STR, NOT_NULL),
    _col("ContractCommitmentUnit", _M, _STR, NULLABLE),
    _col("ContractId", _M, _STR, NOT_NULL),
    _col("ContractPeriodEnd", _M, _DT, NOT_NULL),
    _col("ContractPeriodStart", _M, _DT, NOT_NULL),
)

_CONTRACT_COMMITMENT_1_4 = (
    _col("BillingCurrency", _M, _STR, NULLABLE),
    _col("ContractCommitmentApplicability", _M, _JSON, NOT_NULL),
    _col("ContractCommitmentBenefitCategory", _M, _STR, NOT_NULL),
    _col("ContractCommitmentCategory", _M, _STR, NOT_NULL, _SPEND_USAGE),
    _col("ContractCommitmentCost", _M, _DEC, NULLABLE),
    _col("ContractCommitmentCreated", _M, _DT, NOT_NULL),
    _col("ContractCommitmentDescription", _M, _STR, NULLABLE),
    _col("ContractCommitmentDiscountPercentage", _M, _DEC, NULLABLE),
    _col("ContractCommitmentDurationType", _M, _STR, NOT_NULL),
    _col("ContractCommitmentFulfillmentInterval", _M, _STR, NOT_NULL),
    _col("ContractCommitmentId", _M, _STR, NOT_NULL),
    _col("ContractCommitmentLastUpdated", _M, _DT, NOT_NULL),
    _col("ContractCommitmentLifecycleStatus", _M, _STR, NOT_NULL),
    _col("ContractCommitmentModel", _M, _STR, NOT_NULL),
    _col("ContractCommitmentOfferCategory", _M, _STR, NOT_NULL),
    _col("ContractCommitmentPaymentInterval", _M, _STR, NOT_NULL),
    _col("ContractCommitmentPaymentModel", _M, _STR, NOT_NULL),
    _col("ContractCommitmentPaymentUpfrontPercentage", _C, _DEC, NOT_NULL),
    _col("ContractCommitmentPeriodEnd", _M, _DT, NOT_NULL),
    _col("ContractCommitmentPeriodStart", _M, _DT, NOT_NULL),
    _col("ContractCommitmentQuantity", _M, _DEC, NULLABLE),
    _col("ContractCommitmentType", _M, _STR, NOT_NULL),
    _col("ContractCommitmentUnit", _M, _STR, NULLABLE),
    _col("ContractId", _M, _STR, NOT_NULL),
    _col("ContractPeriodEnd", _M, _DT, NOT_NULL),
    _col("ContractPeriodStart", _M, _DT, NOT_NULL),
    _col("InvoiceIssuerName", _M, _STR, NOT_NULL),
    _col("PricingCurrency", _C, _STR, NOT_NULL),
    _col("PricingCurrencyContractCommitmentCost", _C, _DEC, NULLABLE),
    _col("ServiceProviderName", _M, _STR, NOT_NULL),
)

COST_AND_USAGE: Mapping[str, tuple[FocusColumn, ...]] = {
    "1.2": _COST_AND_USAGE_1_2,
    "1.3": _COST_AND_USAGE_1_3,
    "1.4": _COST_AND_USAGE_1_4,
}
CONTRACT_COMMITMENT: Mapping[str, tuple[FocusColumn, ...]] = {
    "1.3": _CONTRACT_COMMITMENT_1_3,
    "1.4": _CONTRACT_COMMITMENT_1_4,
}

# Columns renamed by a version: old name -> new name, keyed by the version that renamed it.
RENAMED: Mapping[str, Mapping[str, str]] = {"1.3": {"ProviderName": "ServiceProviderName"}}
# Columns a version no longer defines (deprecated in 1.3, gone from the 1.4 draft).
REMOVED: Mapping[str, tuple[str, ...]] = {"1.4": ("ProviderName", "PublisherName")}
# Closed lists in the 1.4 draft whose values the available source does not give.
UNTRANSCRIBED_VALUE_LISTS: Mapping[str, tuple[str, ...]] = {
    "1.4": (
        "ContractCommitmentBenefitCategory",
        "ContractCommitmentDurationType",
        "ContractCommitmentFulfillmentInterval",
        "ContractCommitmentLifecycleStatus",
        "ContractCommitmentModel",
        "ContractCommitmentOfferCategory",
        "ContractCommitmentPaymentInterval",
        "ContractCommitmentPaymentModel",
    ),
}


def columns(version: str, dataset: Dataset = "CostAndUsage") -> tuple[FocusColumn, ...]:
    """The dataset's columns in spec order; KeyError names a version without that dataset."""
    tables = COST_AND_USAGE if dataset == "CostAndUsage" else CONTRACT_COMMITMENT
    try:
        return tables[version]
    except KeyError:
        raise KeyError(f"FOCUS {version} defines no {dataset} dataset here") from None


def column(version: str, name: str, dataset: Dataset = "CostAndUsage") -> FocusColumn:
    """One column by name; KeyError when that version does not define it."""
    for col in columns(version, dataset):
        if col.name == name:
            return col
    raise KeyError(f"FOCUS {version} {dataset} has no column {name}")


def mandatory_columns(version: str, dataset: Dataset = "CostAndUsage") -> tuple[str, ...]:
    """Names of the columns every dataset of that version must carry, in spec order."""
    return tuple(c.name for c in columns(version, dataset) if c.feature_level == "Mandatory")

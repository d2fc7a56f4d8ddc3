"""focus-validator on hand-made FOCUS 1.2 files: a minimal valid one passes, broken ones fail.

Each run starts a Python 3.12 process over DuckDB, a second or two; the first run of a
machine makes the validator's venv (.ci/focus-validator --setup), about a minute.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.focus.validator import ValidationResult, ValidatorUnavailable, ensure_validator, validate
from worthit.export import focus_spec as spec

pytestmark = pytest.mark.slow

# Two charges of one billing period: a priced usage row and a tax row. Decimal columns are
# written with a point: the validator types a column from its values, and a column of whole
# numbers ("25") fails "MUST be of type Decimal".
_USAGE = {
    "BilledCost": "12.50", "BillingAccountId": "acct-1", "BillingAccountName": "Main account",
    "BillingCurrency": "USD", "BillingPeriodStart": "2025-01-01T00:00:00Z",
    "BillingPeriodEnd": "2025-02-01T00:00:00Z", "ChargeCategory": "Usage", "ChargeClass": "",
    "ChargeDescription": "Compute hours", "ChargeFrequency": "Usage-Based",
    "ChargePeriodStart": "2025-01-01T00:00:00Z", "ChargePeriodEnd": "2025-01-02T00:00:00Z",
    "ContractedCost": "12.50", "EffectiveCost": "12.50", "InvoiceId": "inv-1",
    "InvoiceIssuerName": "Example Cloud", "ListCost": "12.50", "PricingQuantity": "25.0",
    "PricingUnit": "Hours", "ProviderName": "Example Cloud", "PublisherName": "Example Cloud",
    "ServiceCategory": "Compute", "ServiceName": "Virtual Machines",
    "ServiceSubcategory": "Virtual Machines",
}
_TAX = _USAGE | {
    "BilledCost": "3.00", "ChargeCategory": "Tax", "ChargeDescription": "Sales tax",
    "ChargeFrequency": "Recurring", "ChargePeriodEnd": "2025-02-01T00:00:00Z",
    "ContractedCost": "3.00", "EffectiveCost": "3.00", "ListCost": "3.00",
    "PricingQuantity": "", "PricingUnit": "", "ServiceCategory": "Other", "ServiceName": "Tax",
    "ServiceSubcategory": "Other (Other)",
}


@pytest.fixture(scope="module", autouse=True)
def _validator() -> None:
    try:
        ensure_validator()
    except ValidatorUnavailable as missing:
        pytest.skip(f"focus-validator cannot be installed here: {missing}")


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _run(tmp_path: Path, rows: list[dict[str, str]]) -> ValidationResult:
    return validate(_write(tmp_path / "focus.csv", rows))


def test_the_sample_carries_every_1_2_mandatory_column() -> None:
    assert set(spec.mandatory_columns("1.2")) <= set(_USAGE)
    assert set(_USAGE) <= {c.name for c in spec.columns("1.2")}


def test_a_minimal_valid_file_passes(tmp_path: Path) -> None:
    result = _run(tmp_path, [_USAGE, _TAX])
    assert result.failed == {}
    assert result.passed
    assert "=== Validation Results ===" in result.report


def test_a_missing_mandatory_column_fails_its_presence_rule(tmp_path: Path) -> None:
    rows = [{k: v for k, v in row.items() if k != "ServiceName"} for row in (_USAGE, _TAX)]
    result = _run(tmp_path, rows)
    assert not result.passed
    presence = {r: m for r, m in result.failed.items() if r.startswith("CostAndUsage-D-")}
    assert presence == {
        "CostAndUsage-D-041-M": "Column 'ServiceName' MUST be present in the table.",
    }


def test_a_charge_category_outside_the_list_fails_its_allowed_values_rule(
    tmp_path: Path,
) -> None:
    # Every row is bad: focus-validator 2.2.1 passes an allowed-values rule as soon as one
    # row holds an allowed value, so one "Fee" beside a "Usage" row goes through.
    rows = [row | {"ChargeCategory": "Fee"} for row in (_USAGE, _TAX)]
    result = _run(tmp_path, rows)
    assert not result.passed
    assert "ChargeCategory-C-003-M" in result.failed
    assert "OR failed" in result.failed["ChargeCategory-C-003-M"]


def test_a_decimal_column_of_whole_numbers_fails_its_type_rule(tmp_path: Path) -> None:
    result = _run(tmp_path, [_USAGE | {"PricingQuantity": "25"}, _TAX])
    assert not result.passed
    assert result.failed["PricingQuantity-C-001-M"] == (
        "PricingQuantity MUST be of type DECIMAL, DOUBLE, or FLOAT.")

"""Importing AWS CUR files: the real legacy samples reconcile, both header spellings map
to the same charges, line item types become FOCUS categories, savings plans and
reservations give the effective cost, and Bedrock usage types give model and tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.shared_data import sample

from worthit.core.errors import UserError
from worthit.core.focus import AI_CATEGORY
from worthit.store.cache import Cache
from worthit.sync.importer import import_file

SLASH = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
         "lineItem/UsageType", "lineItem/UsageAmount", "lineItem/CurrencyCode",
         "lineItem/UnblendedCost", "savingsPlan/SavingsPlanEffectiveCost",
         "reservation/EffectiveCost", "pricing/unit", "lineItem/ResourceId",
         "resourceTags/user:team"]
SNAKE = ["line_item_usage_start_date", "line_item_line_item_type", "line_item_product_code",
         "line_item_usage_type", "line_item_usage_amount", "line_item_currency_code",
         "line_item_unblended_cost", "savings_plan_savings_plan_effective_cost",
         "reservation_effective_cost", "pricing_unit", "line_item_resource_id",
         "resource_tags_user_team"]
ROWS = [
    ["2025-03-01T00:00:00Z", "Usage", "AmazonBedrock", "USE1-NovaMicro-input-tokens", "2.5",
     "USD", "0.0875", "", "", "1K tokens", "", "search"],
    ["2025-03-01T00:00:00Z", "Usage", "AmazonBedrock", "USE1-NovaMicro-output-tokens-batch",
     "1", "USD", "0.07", "", "", "1K tokens", "", "search"],
    ["2025-03-02T00:00:00Z", "SavingsPlanCoveredUsage", "AmazonEC2", "BoxUsage:g5.xlarge",
     "24", "USD", "24.144", "15.5", "", "Hrs", "i-1", ""],
    ["2025-03-02T00:00:00Z", "SavingsPlanNegation", "AmazonEC2", "BoxUsage:g5.xlarge", "24",
     "USD", "-24.144", "", "", "Hrs", "i-1", ""],
    ["2025-03-02T00:00:00Z", "DiscountedUsage", "AmazonEC2", "BoxUsage:m6i.large", "24",
     "USD", "0", "", "1.2", "Hrs", "i-2", ""],
    ["2025-03-03T00:00:00Z", "Tax", "AmazonEC2", "", "", "USD", "3.1", "", "", "", "", ""],
    ["2025-03-03T00:00:00Z", "Credit", "AmazonEC2", "", "", "USD", "-2", "", "", "", "", ""],
]


def write(tmp_path: Path, header: list[str], rows: list[list[str]],
          name: str = "cur.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_real_legacy_cur_samples_reconcile(cache: Cache) -> None:
    done = import_file(cache, sample("aws-cur", "legacy-cur-anonymous.csv"))
    assert (done.kind, done.rows_read) == ("aws-cur", 1281)
    assert done.rows_written == cache._scalar("SELECT COUNT(*) FROM charges") < 1281
    assert done.file_billed == pytest.approx(1.682309, abs=1e-6)  # the data README's sum
    assert abs(done.cache_billed - done.file_billed) <= 0.01
    categories = {r[0] for r in cache._rows("SELECT DISTINCT charge_category FROM charges")}
    assert categories == {"Usage", "Tax"}
    athena = import_file(cache, sample("aws-cur", "legacy-cur-athena-columns.csv"))
    assert (athena.kind, athena.rows_read) == ("aws-cur", 2)


@pytest.mark.parametrize("header", [SLASH, SNAKE], ids=["slash", "snake"])
def test_both_spellings_give_the_same_charges(cache: Cache, tmp_path: Path,
                                              header: list[str]) -> None:
    done = import_file(cache, write(tmp_path, header, ROWS))
    assert done.kind == "aws-cur"
    assert done.file_billed == pytest.approx(0.0875 + 0.07 + 24.144 - 24.144 + 0 + 3.1 - 2)
    # Effective: savings-plan and reservation effective costs, zero on the negation.
    assert done.file_effective == pytest.approx(0.0875 + 0.07 + 15.5 + 0 + 1.2 + 3.1 - 2)
    rows = {r["x_usage_type"] or r["charge_category"]: dict(r) for r in cache._rows(
        "SELECT * FROM charges")}
    micro_in = rows["USE1-NovaMicro-input-tokens"]
    assert (micro_in["x_model"], micro_in["x_input_tokens"], micro_in["x_batch"]) == (
        "NovaMicro", 2500, 0)
    assert micro_in["service_category"] == AI_CATEGORY
    assert json.loads(micro_in["tags"]) == {"team": "search"}
    micro_out = rows["USE1-NovaMicro-output-tokens-batch"]
    assert (micro_out["x_output_tokens"], micro_out["x_batch"]) == (1000, 1)
    assert rows["Tax"]["charge_category"] == "Tax"
    assert rows["Credit"]["charge_category"] == "Credit"
    negation = list(cache._rows("SELECT charge_category, effective_cost FROM charges "
                                      "WHERE billed_cost < 0 AND x_usage_type != ''"))
    assert [tuple(r) for r in negation] == [("Adjustment", 0.0)]


def test_a_bad_cost_is_refused_with_its_line_and_column(cache: Cache,
                                                        tmp_path: Path) -> None:
    rows = [*ROWS[:2], [*ROWS[2][:6], "twelve", *ROWS[2][7:]]]
    with pytest.raises(UserError, match=r"line 4, column 'lineItem/UnblendedCost': 'twelve'"):
        import_file(cache, write(tmp_path, SLASH, rows))
    assert cache._scalar("SELECT COUNT(*) FROM charges") == 0

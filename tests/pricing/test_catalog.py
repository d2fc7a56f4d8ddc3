"""The price catalog: the list prices the issue pins (genai-prices and Worthit's own layer),
the rate of each token kind, and the user's overrides on top."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import worthit.pricing.catalog
from worthit.pricing.catalog import Catalog, Override, Price

DAY = dt.date(2026, 11, 1)
NOVA_MICRO = ("AWS", "amazon.nova-micro-v1:0")
NOVA_PRO = ("AWS", "amazon.nova-pro-v1:0")
SONNET = ("Anthropic", "claude-sonnet-4-5")


def price(*model: str, catalog: Catalog | None = None, day: dt.date = DAY) -> Price:
    found = (catalog or Catalog()).price(model[0], model[1], day)
    assert found is not None, f"{model} has no price"
    return found


# -- list prices ------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "input_rate", "output_rate"), [
    (NOVA_MICRO, 0.035, 0.14),
    (NOVA_PRO, 0.80, 3.20),
])
def test_nova_prices_per_million_tokens(model: tuple[str, str], input_rate: float,
                                        output_rate: float) -> None:
    found = price(*model)
    assert (found.input, found.output) == (input_rate, output_rate)
    assert (found.rate("input"), found.rate("output")) == (input_rate, output_rate)
    # Nova bills no cache writes.
    assert found.rate("cache_write") == 0.0


def test_anthropic_cache_reads_and_writes_are_multiples_of_input() -> None:
    found = price(*SONNET)
    assert found.input == 3.0
    assert found.rate("cached_input") == pytest.approx(0.1 * found.input, rel=1e-12)
    assert found.rate("cache_write") == pytest.approx(1.25 * found.input, rel=1e-12)
    assert found.rate("cache_write", ttl="5m") == pytest.approx(1.25 * found.input, rel=1e-12)
    assert found.rate("cache_write", ttl="1h") == pytest.approx(2.0 * found.input, rel=1e-12)


@pytest.mark.parametrize(("model", "share"), [
    (("OpenAI", "gpt-4o"), 0.5),
    (("Microsoft", "gpt-4o"), 0.5),  # Azure OpenAI
    (("OpenAI", "gpt-4.1"), 0.25),
    (("OpenAI", "gpt-5"), 0.1),
], ids=["gpt-4o", "azure-gpt-4o", "gpt-4.1", "gpt-5"])
def test_openai_cached_input_is_a_share_of_input_and_writes_are_free(
    model: tuple[str, str], share: float
) -> None:
    found = price(*model)
    assert found.rate("cached_input") == pytest.approx(share * found.input, rel=1e-12)
    assert found.rate("cache_write") == 0.0
    assert found.rate("cache_write", ttl="1h") == 0.0


@pytest.mark.parametrize("model", [NOVA_PRO, SONNET, ("OpenAI", "gpt-4.1"),
                                   ("Microsoft", "gpt-4o")], ids=lambda m: m[0])
def test_batch_is_half_price_at_the_four_vendors(model: tuple[str, str]) -> None:
    found = price(*model)
    assert found.batch == 0.5
    assert Catalog().batch_source(model[0]).startswith("https://")


def test_the_same_model_is_priced_per_provider_that_bills_it() -> None:
    """gpt-4o through Azure is looked up under azure, not openai."""
    assert "(azure/" in price("Microsoft", "gpt-4o").source
    assert "(openai/" in price("OpenAI", "gpt-4o").source


@pytest.mark.parametrize("model", [("OpenAI", "acme-llm-1"), ("AWS", "acme-llm-1"),
                                   ("Acme Cloud", "gpt-4o")],
                         ids=["unknown-model", "unknown-on-aws", "unknown-provider"])
def test_an_unknown_model_has_no_price(model: tuple[str, str]) -> None:
    assert Catalog().price(*model, DAY) is None


def test_prices_are_as_of_the_usage_day() -> None:
    catalog = Catalog()
    for day in (dt.date(2025, 12, 1), dt.date(2026, 11, 26)):
        assert price(*NOVA_PRO, catalog=catalog, day=day).as_of == day


def test_a_model_without_prompt_caching_bills_cached_tokens_as_input() -> None:
    found = price("OpenAI", "text-embedding-3-small")
    assert found.cached_input is None
    assert found.rate("cached_input") == found.input
    assert found.output == 0.0  # embeddings bill input only


def test_a_one_hour_write_falls_back_to_the_only_write_price() -> None:
    only_one = Price("X", "m", 1.0, 2.0, cached_input=0.1, cache_write=1.5)
    assert only_one.rate("cache_write", ttl="1h") == 1.5
    with pytest.raises(ValueError, match="reasoning"):
        only_one.rate("reasoning")


def test_smaller_tiers_of_a_family() -> None:
    catalog = Catalog()
    assert catalog.smaller("amazon.nova-pro-v1:0") == ["amazon.nova-lite-v1:0",
                                                       "amazon.nova-micro-v1:0"]
    assert catalog.smaller("acme-llm-1") == []


def test_worthit_own_layer_wins_over_genai_prices(monkeypatch: pytest.MonkeyPatch) -> None:
    layer: dict[str, Any] = dict(worthit.pricing.catalog._layer())
    layer["models"] = [{"provider": "AWS", "model": "amazon.nova-pro-v1:0", "input": 0.7,
                        "output": 2.8, "cached_input": 0.175}]
    monkeypatch.setattr(worthit.pricing.catalog, "_layer", lambda: layer)
    found = price(*NOVA_PRO)
    assert (found.input, found.output, found.cached_input, found.batch) == (0.7, 2.8, 0.175, 0.5)
    assert found.as_of == dt.date.fromisoformat(layer["as_of"])
    assert found.source.startswith("Worthit price list")


# -- overrides --------------------------------------------------------------------------------


def test_an_override_replaces_only_the_rates_it_sets() -> None:
    listed = price(*NOVA_PRO)
    catalog = Catalog({NOVA_PRO: Override(*NOVA_PRO, input=0.5, batch=0.4,
                                          note="2026 commit")})
    found = price(*NOVA_PRO, catalog=catalog)
    assert (found.input, found.batch) == (0.5, 0.4)
    assert (found.output, found.cached_input, found.cache_write, found.as_of) == (
        listed.output, listed.cached_input, listed.cache_write, listed.as_of)
    assert found.source == "your rate: 2026 commit"
    # Other models keep their list price and source.
    assert price(*NOVA_MICRO, catalog=catalog) == price(*NOVA_MICRO)


def test_an_override_without_a_note_still_marks_the_source() -> None:
    catalog = Catalog({SONNET: Override(*SONNET, cache_write_1h=5.0)})
    found = price(*SONNET, catalog=catalog)
    assert found.source == "your rate"
    assert found.rate("cache_write", ttl="1h") == 5.0
    assert found.rate("cache_write") == 3.75


def test_an_override_with_input_and_output_prices_an_unknown_model() -> None:
    acme = ("OpenAI", "acme-llm-1")
    catalog = Catalog({acme: Override(*acme, input=1.0, output=4.0, cached_input=0.25)})
    found = price(*acme, catalog=catalog)
    assert (found.input, found.output, found.cached_input) == (1.0, 4.0, 0.25)
    assert found.rate("cache_write") == 0.0
    assert found.source == "your rate"


@pytest.mark.parametrize("override", [
    Override("OpenAI", "acme-llm-1", input=1.0),
    Override("OpenAI", "acme-llm-1", output=4.0),
    Override("OpenAI", "acme-llm-1", cached_input=0.1, batch=0.5),
], ids=["input-only", "output-only", "neither"])
def test_an_override_without_input_and_output_leaves_an_unknown_model_unpriced(
    override: Override
) -> None:
    catalog = Catalog({("OpenAI", "acme-llm-1"): override})
    assert catalog.price("OpenAI", "acme-llm-1", DAY) is None

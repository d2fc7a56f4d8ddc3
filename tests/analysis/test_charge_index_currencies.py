"""The currencies a charge index's keys are billed in: a code padded with spaces is the
same currency, and a blank one names none (a bill that pads its codes needs no rates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from worthit.analysis.charge_index import _key_currencies, charge_index, loaded_index
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache

DAY = dt.date(2026, 1, 1)


def _charge(resource: str, currency: str | None) -> tuple[Any, ...]:
    values = {"source_id": "bill", "charge_period_start": DAY.isoformat(),
              "provider_name": "AWS", "service_name": "EC2", "resource_id": resource,
              "charge_category": "Usage", "billed_cost": 1.0, "effective_cost": 1.0,
              "billing_currency": currency}
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def test_padded_codes_are_one_currency_and_blank_ones_none(tmp_path: Path) -> None:
    billed = {"a": " USD", "b": "USD ", "c": "", "d": None, "e": "EUR", "f": "USD"}
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        cache.replace_charges("bill", DAY, DAY, [_charge(r, c) for r, c in billed.items()])
        raw = loaded_index(cache)
        names, codes = _key_currencies(raw)
        assert names == ("USD", "EUR")
        by_resource = dict(zip(raw.keys["resource_id"], codes.tolist(), strict=True))
        assert by_resource == {"a": 0, "b": 0, "c": -1, "d": -1, "e": 1, "f": 0}
        assert codes.dtype == np.int64


def test_a_bill_in_one_padded_currency_needs_no_rates(tmp_path: Path) -> None:
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        cache.replace_charges("bill", DAY, DAY, [_charge("a", " USD"), _charge("b", "USD")])
        index = charge_index(cache, "USD")
        assert index.money is not None and index.money.rates is None
        assert float(index.cost.sum()) == 2.0

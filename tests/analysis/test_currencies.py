"""Money in several currencies: every page shows one, and its figures are the charges each
converted at the rate of its day (or the latest before it), to the cent; without the rates
a period needs, every page refuses naming the missing pairs and days, and nothing is
summed. The workspace is billed in USD, EUR and NOK (:mod:`tests.currency_workspace`);
what each page should say is computed there from the rows and rates as written."""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import run_cli
from tests.currency_workspace import (
    CHAT,
    JANUARY,
    TICKET,
    build,
    ecb_rates,
    expected,
    rate,
)

from worthit.analysis.charge_index import charge_index
from worthit.analysis.overview import overview
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.periods import Period
from worthit.core.rate_files import Rate
from worthit.core.rates import MissingRates
from worthit.pages import PAGES, Options
from worthit.pages.figures import Figures
from worthit.store import reads
from worthit.store.cache import Cache
from worthit.store.display import choose_currency, display_currency
from worthit.store.rates import import_rates
from worthit.workspace import Workspace

D = dt.date
PERIOD = Period(*JANUARY)
RATES = ecb_rates()
#: The pages whose money this covers (Commitments shows each commitment's own currency).
NAMES = ("overview", "allocation", "units", "leaks", "swap")
CENT = 0.005 + 1e-9


def _near(value: float, wanted: float) -> bool:
    """Equal to the cent (a JSON figure is rounded to it)."""
    return abs(value - wanted) <= CENT


@pytest.fixture(scope="module")
def rated(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return build(tmp_path_factory.mktemp("rated"), rates=RATES)


@pytest.fixture(scope="module")
def unrated(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return build(tmp_path_factory.mktemp("unrated"), rates=None)


@pytest.fixture
def cache(rated: Workspace) -> Iterator[Cache]:
    with rated.open() as opened:
        yield opened


def pages(cache: Cache, period: Period = PERIOD, currency: str | None = None
          ) -> dict[str, dict[str, Any]]:
    """Every page's JSON from one :class:`Figures`, as ``worthit report`` gives it."""
    figures = Figures(cache, period, currency=currency)
    return {name: json.loads(json.dumps(PAGES[name].json(figures, Options())))
            for name in NAMES}


def chat(row: Any) -> bool:
    return row.tags == CHAT


def ai(row: Any) -> bool:
    return row.model is not None


def untagged(row: Any) -> bool:
    return not row.tags


# -- with rates: one currency, every figure reconciled -----------------------------------------


def test_the_default_display_currency_is_usd_for_a_workspace_billed_in_three(
        cache: Cache) -> None:
    assert display_currency(cache) == "USD"


@pytest.mark.parametrize("currency", ["USD", "EUR", "NOK"])
def test_every_page_shows_one_currency_and_reconciles_to_the_converted_charges(
        cache: Cache, currency: str) -> None:
    """Overview, Allocation, Unit costs, Leaks and Model swap, in the currency asked: each
    page's totals equal each charge times the rate of its day, summed, to the cent."""
    found = pages(cache, currency=currency)
    total = expected(RATES, currency, *JANUARY)
    assert {p.get("currency") for p in found.values() if "currency" in p} == {currency}
    assert _near(found["overview"]["total_effective_cost"], total)
    assert _near(found["allocation"]["total"], total)
    by_provider = {p["provider"]: p["cost"] for p in found["overview"]["by_provider"]}
    assert _near(by_provider["OpenAI"], expected(RATES, currency, *JANUARY, ai))
    # The unit carries chat: the Azure VM (EUR) and the OpenAI key (NOK), every day counted.
    unit = found["units"]["units"][0]
    assert unit["currency"] == currency
    assert _near(unit["cost"], expected(RATES, currency, *JANUARY, chat))
    # Its target and revenue are set in EUR: converted at the rate of the period's last day.
    to_display = rate(RATES, "EUR", currency, JANUARY[1])
    assert to_display is not None
    assert unit["target_cost"] == pytest.approx(TICKET.target_cost * to_display)  # type: ignore[operator]
    assert unit["revenue_per_unit"] == pytest.approx(TICKET.revenue_per_unit * to_display)  # type: ignore[operator]
    assert (unit["given"] is None) == (currency == "EUR")
    # Leaks: nobody owns the bucket, so the 30 days' unallocated cost is its own.
    window = (JANUARY[1] - dt.timedelta(days=29), JANUARY[1])
    weak = next(f for f in found["leaks"]["findings"] if f["kind"] == "weak_attribution")
    assert _near(weak["monthly_cost"], expected(RATES, currency, *window, untagged))
    assert {f["currency"] for f in found["leaks"]["findings"]} == {currency}
    # Model swap: what the bill says for the AI usage, converted.
    billed = sum(row["billed"] for row in found["swap"]["usage"])
    assert abs(billed - expected(RATES, currency, *JANUARY, ai)) <= CENT * len(
        found["swap"]["usage"])
    if currency == "USD":
        assert found["swap"]["conversion"] is None
    else:  # the list prices are in USD: converted, and every assumption says so
        assert "converted to " + currency in found["swap"]["conversion"]
        assert all("converted to " + currency in s["assumption"]
                   for s in found["swap"]["suggestions"])


def test_list_prices_are_converted_from_usd_at_the_rate_of_each_usage_day(
        cache: Cache) -> None:
    """The same usage priced in USD and in NOK: each day's list cost times that day's
    USD→NOK rate."""
    from worthit.analysis.model_swap import simulate, swap_data
    from worthit.core.scenarios import Scenario

    usd = simulate(swap_data(cache, PERIOD, currency="USD"), Scenario("now", None)).daily
    nok = simulate(swap_data(cache, PERIOD, currency="NOK"), Scenario("now", None)).daily
    assert len(usd) == 22  # the 10th to the 31st
    for day, before_usd, before_nok in zip(usd["day"], usd["before"], nok["before"],
                                           strict=True):
        factor = rate(RATES, "USD", "NOK", day)
        assert factor is not None
        assert before_nok == pytest.approx(before_usd * factor, rel=1e-12)


def test_pages_say_what_was_converted_and_from_which_currencies(cache: Cache) -> None:
    found = pages(cache)
    for name in ("overview", "allocation"):
        assert sorted(found[name]["currencies"]) == ["EUR", "NOK", "USD"]
        assert found[name]["conversion"] == (
            "Converted from EUR, NOK to USD at the rate of each charge's day, or the latest "
            "before it (ECB).")
    text = PAGES["overview"].text(Figures(cache, PERIOD), Options())
    assert "Converted from EUR, NOK to USD" in text
    assert "mixes" not in json.dumps(found)


def test_switching_the_display_currency_changes_every_page_at_once(
        tmp_path: Path) -> None:
    """One setting, one truth: after choosing EUR every page is in EUR, and equals what
    ``--currency EUR`` gave before."""
    workspace = build(tmp_path / "ws", rates=RATES)
    with workspace.open() as cache:
        asked = pages(cache, currency="EUR")
        assert choose_currency(cache, "eur") == "EUR"
        shown = pages(cache)
        assert shown == asked
        assert _near(shown["overview"]["total_effective_cost"],
                     expected(RATES, "EUR", *JANUARY))
        assert choose_currency(cache, None) == "USD"  # back to the default
        assert pages(cache)["overview"]["currency"] == "USD"


def test_the_drill_shows_each_charge_as_billed_and_converted_as_the_page_did(
        cache: Cache) -> None:
    """The charges behind the root: each in its own currency, and converted at the rate
    the page used, so the rows add up to the page's total."""
    from worthit.analysis.allocation import allocation

    result = allocation(cache, PERIOD)
    shares = result.key_shares(())
    rates, blank = charge_index(cache).rates_by_day(PERIOD.start, PERIOD.end)
    frame, count = reads.charges_of_keys(cache, shares, PERIOD.start, PERIOD.end,
                                         rates=rates, blank=blank, limit=10_000)
    assert count == len(frame) == 31 * 2 + 27 + 22
    assert set(frame["currency"]) == {"USD", "EUR", "NOK"}
    assert frame["allocated"].sum() == pytest.approx(result.total, abs=1e-6)
    nok = frame[frame["currency"] == "NOK"].iloc[0]
    factor = rate(RATES, "NOK", "USD", dt.date.fromisoformat(nok["day"]))
    assert nok["converted"] == pytest.approx(nok["cost"] * factor)
    # Sorted by the converted amount, not by the number as billed (NOK's are the largest).
    top, _ = reads.charges_of_keys(cache, shares, PERIOD.start, PERIOD.end, rates=rates,
                                   blank=blank, order_by="converted", limit=1)
    assert top["currency"].iloc[0] == "USD"


def test_a_budget_is_measured_in_its_own_currency(cache: Cache) -> None:
    from worthit.analysis.alerts import budget_statuses
    from worthit.store.alerts import Budget

    budgets = [Budget("feature", "chat", 5000.0, currency="NOK"),
               Budget("total", "", 9000.0, currency="EUR")]
    chat_nok, total_eur = budget_statuses(cache, budgets, JANUARY[1])
    assert chat_nok.budget.currency == "NOK"
    assert math.isclose(chat_nok.spent, expected(RATES, "NOK", *JANUARY, chat), abs_tol=1e-6)
    assert math.isclose(total_eur.spent, expected(RATES, "EUR", *JANUARY), abs_tol=1e-6)


def test_report_prints_the_page_in_the_currency_asked(
        capsys: pytest.CaptureFixture[str], rated: Workspace) -> None:
    first, last = (d.isoformat() for d in JANUARY)
    for currency in (None, "NOK"):
        code, out, err = run_cli(capsys, rated, "report", "allocation", "--format", "json",
                                 "--from", first, "--to", last,
                                 *(("--currency", currency.lower()) if currency else ()))
        assert code == 0, err
        data = json.loads(out)
        assert data["currency"] == (currency or "USD")
        assert _near(data["total"], expected(RATES, currency or "USD", *JANUARY))
    with pytest.raises(SystemExit) as usage:  # argparse refuses it as a usage error
        run_cli(capsys, rated, "report", "overview", "--currency", "XYZ")
    assert usage.value.code == 2
    assert "not an ISO 4217 currency code" in capsys.readouterr().err


# -- without rates: refused, naming the pairs and days -------------------------------------------


def missing_of(error: MissingRates) -> set[tuple[str | None, str, str, str, int]]:
    return {(m.from_currency, m.to_currency, dt.date.fromordinal(
        m.first_day + D(1970, 1, 1).toordinal()).isoformat(), dt.date.fromordinal(
        m.last_day + D(1970, 1, 1).toordinal()).isoformat(), m.days) for m in error.missing}


@pytest.mark.parametrize("name", NAMES)
def test_without_rates_every_page_refuses_naming_the_missing_pairs_and_days(
        unrated: Workspace, name: str) -> None:
    with unrated.open() as cache, pytest.raises(MissingRates) as refused:
        PAGES[name].json(Figures(cache, PERIOD), Options())
    missing = missing_of(refused.value)
    assert ("EUR", "USD", "2026-01-05", "2026-01-31", 27) in missing
    assert {m[:2] for m in missing} <= {("EUR", "USD"), ("NOK", "USD")}
    assert "no EUR→USD rate on or before 2026-01-05 … 2026-01-31" in str(refused.value)
    assert "worthit rates import" in str(refused.value)


def test_without_rates_the_report_exits_2_naming_what_is_missing(
        capsys: pytest.CaptureFixture[str], unrated: Workspace) -> None:
    code, out, err = run_cli(capsys, unrated, "report", "overview", "--format", "json",
                             "--from", "2026-01-01", "--to", "2026-01-31")
    assert code == 2 and out == ""
    assert "no EUR→USD rate on or before 2026-01-05 … 2026-01-31" in err
    assert "no NOK→USD rate on or before 2026-01-10 … 2026-01-31" in err


def test_a_period_in_the_display_currency_only_needs_no_rate(unrated: Workspace) -> None:
    """The 1st to the 4th are billed in USD only: every page shows them, rate or not, but
    the unit's target, set in EUR, which the Unit costs page compares with."""
    early = Period(D(2026, 1, 1), D(2026, 1, 4))
    with unrated.open() as cache:
        figures = Figures(cache, early)
        for name in ("overview", "allocation", "leaks", "swap"):
            PAGES[name].json(figures, Options())
        assert _near(figures.overview.total, expected(RATES, "USD", early.start, early.end))
        with pytest.raises(MissingRates) as refused:
            PAGES["units"].json(figures, Options())
        assert missing_of(refused.value) == {("EUR", "USD", "2026-01-04", "2026-01-04", 1)}


def test_a_gap_in_the_rates_is_named_to_the_day(tmp_path: Path) -> None:
    """Rates only from the 12th: the days before it that hold EUR or NOK charges are named;
    later days use the latest rate before them (weekends included)."""
    workspace = build(tmp_path / "ws", rates={d: r for d, r in RATES.items()
                                              if d >= D(2026, 1, 12)})
    with workspace.open() as cache:
        with pytest.raises(MissingRates) as refused:
            overview(cache, PERIOD)
        assert missing_of(refused.value) == {("EUR", "USD", "2026-01-05", "2026-01-11", 7),
                                             ("NOK", "USD", "2026-01-10", "2026-01-11", 2)}
        # From the 12th every charge has a rate; the previous period (to the 11th) has not.
        index = charge_index(cache)
        assert index.per_key(D(2026, 1, 12), D(2026, 1, 31)).sum() == pytest.approx(
            expected(RATES, "USD", D(2026, 1, 12), D(2026, 1, 31)))


# -- the property: converted or refused, never summed as billed ----------------------------------


CURRENCIES = ("USD", "EUR", "NOK")
FIRST = D(2025, 6, 1)


def _charge(day: dt.date, currency: str, amount: float, number: int) -> tuple[Any, ...]:
    values = {"source_id": "test", "charge_period_start": day.isoformat(),
              "provider_name": "P", "service_name": "S", "resource_id": f"r{number}",
              "billed_cost": amount, "effective_cost": amount, "billing_currency": currency}
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


charges_strategy = st.lists(st.tuples(
    st.integers(0, 19), st.sampled_from(CURRENCIES),
    st.one_of(st.just(0.0), st.floats(-500, 5000, allow_nan=False).map(lambda v: round(v, 2)))),
    min_size=1, max_size=30)
rates_strategy = st.dictionaries(
    st.integers(0, 19), st.tuples(st.floats(0.5, 2.0), st.floats(5.0, 15.0)), max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(charges=charges_strategy, quoted=rates_strategy, to=st.sampled_from(CURRENCIES))
def test_a_total_is_the_converted_charges_or_a_refusal_naming_exactly_what_lacks(
        charges: list[tuple[int, str, float]], quoted: dict[int, tuple[float, float]],
        to: str) -> None:
    rates = {FIRST + dt.timedelta(days=n): {"USD": usd, "NOK": nok}
             for n, (usd, nok) in quoted.items()}
    lacking: dict[str, set[dt.date]] = {}
    total = 0.0
    for offset, currency, amount in charges:
        day = FIRST + dt.timedelta(days=offset)
        factor = rate(rates, currency, to, day)
        if factor is None:
            if amount != 0:
                lacking.setdefault(currency, set()).add(day)
        else:
            total += amount * factor
    with tempfile.TemporaryDirectory() as folder, Cache.open(Path(folder) / "c.sqlite") as c:
        c.replace_charges("test", FIRST, FIRST + dt.timedelta(days=19),
                          [_charge(FIRST + dt.timedelta(days=o), cur, a, n)
                           for n, (o, cur, a) in enumerate(charges)])
        import_rates(c, [Rate(day, "EUR", code, value, "test") for day, r in rates.items()
                         for code, value in r.items()])
        whole = Period(FIRST, FIRST + dt.timedelta(days=19))
        if lacking:
            with pytest.raises(MissingRates) as refused:
                overview(c, whole, currency=to)
            found = {m.from_currency: m for m in refused.value.missing}
            assert set(found) == set(lacking)
            for currency, days in lacking.items():
                m = found[currency]
                assert m.to_currency == to
                assert (m.first_day, m.last_day, m.days) == (
                    (min(days) - D(1970, 1, 1)).days, (max(days) - D(1970, 1, 1)).days,
                    len(days))
        else:
            assert overview(c, whole, currency=to).total == pytest.approx(total, abs=1e-6)

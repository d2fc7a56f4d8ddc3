"""Exchange rates in the cache: an import replaces the rates of its days and pairs in one
transaction, a source's rates go together, every change bumps ``rates.revision`` (and never
the charges' revision), and a cache of version 7 gains the table without losing a row."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from tests.store.test_migrations import _make_v1_cache, _snapshot

from worthit.core.days import day_number
from worthit.core.errors import UserError
from worthit.core.rate_files import Rate
from worthit.store import rates as stored
from worthit.store.cache import Cache
from worthit.store.schema import SCHEMA_VERSION

D = dt.date
NOW = dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.UTC)


def ecb(day: dt.date, usd: float, nok: float) -> list[Rate]:
    return [Rate(day, "EUR", "USD", usd, "ECB"), Rate(day, "EUR", "NOK", nok, "ECB")]


def rows(cache: Cache) -> list[tuple[str, str, str, float, str]]:
    return [(r.day.isoformat(), r.from_currency, r.to_currency, r.rate, r.source)
            for r in stored.list_rates(cache)]


def test_an_import_adds_and_replaces_the_rates_of_its_days_and_pairs(cache: Cache) -> None:
    charges_revision = cache.revision
    assert stored.revision(cache) == 0
    done = stored.import_rates(cache, [*ecb(D(2026, 1, 2), 1.17, 11.79),
                                       *ecb(D(2026, 1, 5), 1.1712, 11.8115)], now=NOW)
    assert (done.added, done.replaced) == (4, 0)
    assert stored.revision(cache) == 1
    # A corrected day from another file: that day's pair is replaced, the rest kept.
    done = stored.import_rates(cache, [Rate(D(2026, 1, 2), "EUR", "USD", 1.1708, "fix.csv"),
                                       Rate(D(2026, 1, 2), "USD", "EUR", 0.85, "fix.csv")])
    assert (done.added, done.replaced) == (1, 1)
    assert stored.revision(cache) == 2
    assert rows(cache) == [
        ("2026-01-02", "EUR", "NOK", 11.79, "ECB"),
        ("2026-01-05", "EUR", "NOK", 11.8115, "ECB"),
        ("2026-01-02", "EUR", "USD", 1.1708, "fix.csv"),
        ("2026-01-05", "EUR", "USD", 1.1712, "ECB"),
        ("2026-01-02", "USD", "EUR", 0.85, "fix.csv"),
    ]
    assert stored.list_rates(cache)[1].imported_at == "2026-02-01T09:30:00+00:00"
    assert [r.source for r in stored.list_rates(cache, source="fix.csv")] == ["fix.csv"] * 2
    assert cache.revision == charges_revision  # no charge changed


def test_the_loaded_table_converts_at_the_stored_rates(cache: Cache) -> None:
    stored.import_rates(cache, [*ecb(D(2026, 1, 2), 1.1708, 11.791),
                                *ecb(D(2026, 1, 5), 1.1712, 11.8115)])
    table = stored.load(cache)
    assert len(table) == 4 and table.currencies == ("EUR", "NOK", "USD")
    assert table.rate("EUR", "USD", day_number(D(2026, 1, 4))) == 1.1708  # the day numbers agree
    assert table.rate("USD", "NOK", D(2026, 1, 5)) == 11.8115 / 1.1712
    quote = table.quote("NOK", "USD", D(2026, 1, 3))
    assert quote is not None and str(quote) == "the rate of 2026-01-02 (ECB, through EUR)"
    assert stored.load(Cache.open(cache.path)).rate("EUR", "NOK", D(2026, 1, 2)) == 11.791


def test_a_failing_import_stores_nothing(cache: Cache) -> None:
    stored.import_rates(cache, ecb(D(2026, 1, 2), 1.17, 11.79))
    before = rows(cache)
    bad = [*ecb(D(2026, 1, 5), 1.1712, 11.8115), Rate(D(2026, 1, 6), "EUR", "USD", -1.0, "x")]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        stored.import_rates(cache, bad)
    assert rows(cache) == before
    assert stored.revision(cache) == 1


def test_a_sources_rates_are_removed_together(cache: Cache) -> None:
    stored.import_rates(cache, [*ecb(D(2026, 1, 2), 1.17, 11.79),
                                Rate(D(2026, 1, 2), "USD", "NOK", 10.0, "bank")])
    assert stored.sources(cache) == ["ECB", "bank"]
    assert stored.remove_rates(cache, "ECB") == 2
    assert rows(cache) == [("2026-01-02", "USD", "NOK", 10.0, "bank")]
    assert stored.revision(cache) == 2
    with pytest.raises(UserError, match=r"no rates from the source 'ECB' \(sources: 'bank'\)"):
        stored.remove_rates(cache, "ECB")
    assert stored.revision(cache) == 2  # nothing changed, nothing stale
    stored.remove_rates(cache, "bank")
    with pytest.raises(UserError, match="no rates imported yet"):
        stored.remove_rates(cache, "bank")


def test_a_version_7_cache_gains_the_rates_and_keeps_every_other_table(tmp_path: Path) -> None:
    assert SCHEMA_VERSION >= 8
    path = tmp_path / "worthit.sqlite"
    _make_v1_cache(path)  # a row in every table migration 1 made
    with Cache.open(path, upgrade=False) as cache:
        cache.migrate(to=7)
        with cache.transaction() as conn:  # and in those migrations 2 to 5 made
            conn.execute("INSERT INTO meta VALUES ('charges.revision', '3'), ('name', 'Acme'), "
                         "('cache.id', 'v7')")
            conn.execute("INSERT INTO price_overrides (provider_name, model, input, "
                         "updated_at) VALUES ('OpenAI', 'gpt-4.1', 1.5, '2026-01-01')")
            conn.execute("INSERT INTO scenarios (name, levers, created_at, updated_at) "
                         "VALUES ('cheaper', '[]', '2026-01-01', '2026-01-01')")
            conn.execute("INSERT INTO budgets (scope, name, amount, currency, created_at, "
                         "updated_at) VALUES ('total', '', 5000, 'EUR', 'now', 'now')")
            conn.execute("INSERT INTO alerts (alert_key, subject, kind, severity, title, "
                         "page, first_seen, last_seen) VALUES ('budget:total', 'total', "
                         "'budget', 'breach', 'Over budget', 'overview', 'now', 'now')")
    before = _snapshot(path)
    assert all(table_rows for _, table_rows in before.values())

    with Cache.open(path, upgrade=False) as cache:
        cache.migrate(to=8)  # exactly this migration, whatever later ones do
        assert cache.version == 8
        assert cache.revision == 3
        stored.import_rates(cache, ecb(D(2026, 1, 2), 1.17, 11.79))
    after = _snapshot(path)
    assert after.pop("exchange_rates")[0] == ["day", "from_currency", "to_currency", "rate",
                                              "source", "imported_at"]
    before_meta, after_meta = before.pop("meta")[1], after.pop("meta")[1]
    assert sorted(set(after_meta) - set(before_meta)) == [("rates.revision", "1")]
    assert after == before

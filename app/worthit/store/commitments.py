"""The commitments the cache holds: what the bills state about each (``commitments``,
written with the charges of the import that read them) and the reads the Commitments page
needs over the charges run under them: each commitment's used and unused amount by day
(CommitmentDiscountStatus Used / Unused), the charges its covered usage is made of, and the
usage a commitment could cover, by service and usage type.

Amounts stay in each charge's billing currency (a commitment is billed in one)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from typing import Any, Final

from worthit.core.errors import UserError
from worthit.store.cache import Cache
from worthit.store.days import day_number
from worthit.store.figures import figure

#: The stated columns of ``commitments``, after the source and the id.
FIELDS: Final = ("provider", "kind", "category", "name", "offering", "instance_family",
                 "region", "term", "start_time", "end_time", "payment_option",
                 "hourly_commitment", "monthly_commitment", "billed_every", "currency")

#: The ``meta`` key of the discount off on-demand prices the user says a 1-year no-upfront
#: commitment gets them (a fraction: 0.3 is 30 %); unset, no saving is estimated.
DISCOUNT_KEY: Final = "commitments.discount"
#: Where that rate comes from, as the user gave it (a URL, or words such as "our EDP"):
#: said beside every saving computed at it.
DISCOUNT_SOURCE_KEY: Final = "commitments.discount_source"

_EFFECTIVE: Final = figure("effective", "f")
_LIST: Final = figure("list", "f")


def write_commitments(conn: sqlite3.Connection, source_id: str,
                      rows: Sequence[dict[str, Any]]) -> int:
    """Keep what an import's files state about their commitments (dicts with
    ``commitment_id`` and any of :data:`FIELDS`), on the import's connection so they land
    with its charges or not at all. A fact the files do not state keeps what an earlier
    import stated; ``first_seen`` stays the first import's. Returns the rows written."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    columns = ", ".join(FIELDS)
    keep = ", ".join(f"{f} = COALESCE(excluded.{f}, commitments.{f})" for f in FIELDS)
    conn.executemany(
        f"INSERT INTO commitments (source_id, commitment_id, {columns}, first_seen) "
        f"VALUES (?, ?, {', '.join('?' for _ in FIELDS)}, ?) "
        f"ON CONFLICT (source_id, commitment_id) DO UPDATE SET {keep}",
        [(source_id, row["commitment_id"], *(row.get(f) for f in FIELDS), now)
         for row in rows])
    return len(rows)


def stated_commitments(cache: Cache) -> list[dict[str, Any]]:
    """Every commitment stated by a source the cache still has (one row per source that
    states it), by id: ``source_id``, ``commitment_id``, :data:`FIELDS`, ``first_seen``."""
    return [dict(row) for row in cache._rows(
        f"SELECT source_id, commitment_id, {', '.join(FIELDS)}, first_seen FROM commitments "
        "WHERE source_id IN (SELECT source_id FROM sources) ORDER BY commitment_id, source_id")]


# The reads below go from the few keys a commitment names to their charges (CROSS JOIN
# fixes that order; charge_facts_key finds a key's days): joining every charge of the
# period to its key first read all 442,547 charges of three years to find 3,976.
# Each group still sums its charges in the same order (by key), so to the same bits.


_COMMITTED: Final = "k.commitment_discount_id IS NOT NULL"
_PROVISIONED: Final = ("k.charge_category = 'Usage' AND k.commitment_discount_id IS NULL "
                       "AND k.x_usage_type LIKE ? AND k.x_usage_type LIKE ?")


def commitment_keys(cache: Cache) -> tuple[list[int], list[int]]:
    """The ids of the keys a commitment names, and of Bedrock provisioned throughput's
    keys (:func:`provisioned_days`), ascending: the reads below take them, where each read
    tested every key of the cache (36,000: 3-9 ms a read). They change with the charges."""
    named = [int(r[0]) for r in cache._rows(
        f"SELECT key_id FROM charge_keys AS k WHERE {_COMMITTED} ORDER BY key_id")]
    provisioned = [int(r[0]) for r in cache._rows(
        f"SELECT key_id FROM charge_keys AS k WHERE {_PROVISIONED} ORDER BY key_id",
        PROVISIONED_LIKE)]
    return named, provisioned


def _among(keys: Sequence[int] | None) -> tuple[str, tuple[str, ...]]:
    """A condition on ``k.key_id`` being one of ``keys`` (none: any key) and its value."""
    if keys is None:
        return "", ()
    return " AND k.key_id IN (SELECT value FROM json_each(?))", (json.dumps(list(keys)),)


def commitment_days(cache: Cache, start: dt.date, end: dt.date,
                    keys: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """The charges run under a commitment from ``start`` to ``end``, summed by commitment,
    day, status (Used, Unused or None), charge category and frequency, provider, type and
    currency: ``effective``, ``billed``, ``listed`` (the list cost where every charge
    summed states one, else None) and ``charges``. ``keys``: the keys a commitment names
    (:func:`commitment_keys`), when known."""
    if keys is not None and not keys:
        return []
    among, value = _among(keys)
    rows = cache._rows(
        "SELECT k.commitment_discount_id AS commitment_id, f.day AS day, "
        "k.commitment_discount_status AS status, k.charge_category AS category, "
        "k.charge_frequency AS frequency, k.provider_name AS provider, "
        "k.commitment_discount_type AS type, k.commitment_discount_category AS "
        "commitment_category, k.commitment_discount_name AS name, "
        "k.billing_currency AS currency, "
        f"TOTAL({_EFFECTIVE}) AS effective, TOTAL(f.billed) AS billed, "
        f"IIF(COUNT({_LIST}) = COUNT(*), TOTAL({_LIST}), NULL) AS listed, "
        "COUNT(*) AS charges "
        "FROM charge_keys AS k CROSS JOIN charge_facts AS f ON f.key_id = k.key_id "
        f"WHERE {_COMMITTED}{among} AND f.day BETWEEN ? AND ? "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ORDER BY 1, 2",
        (*value, day_number(start), day_number(end)))
    return [dict(row) for row in rows]


#: What a Bedrock provisioned throughput's usage type says (core.commitments._PROVISIONED),
#: for SQL: its lines are plain usage, named by no commitment discount.
PROVISIONED_LIKE: Final = ("%ProvisionedThroughput%", "%ModelUnit%")


def provisioned_days(cache: Cache, start: dt.date, end: dt.date,
                     keys: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """The charges of Bedrock provisioned throughput (hourly model-unit usage no commitment
    discount names) from ``start`` to ``end``, summed by key and day: ``key_id``,
    ``resource_id``, ``account``, ``usage_type``, ``provider``, ``service``, ``currency``,
    ``day``, ``effective``, ``billed``, ``listed`` (or None) and ``charges``. ``keys``:
    the provisioned keys (:func:`commitment_keys`), when known."""
    if keys is not None and not keys:
        return []
    among, value = _among(keys)
    rows = cache._rows(
        "SELECT k.key_id, k.resource_id, k.sub_account_id AS account, "
        "k.x_usage_type AS usage_type, k.provider_name AS provider, "
        "k.service_name AS service, k.billing_currency AS currency, f.day AS day, "
        f"TOTAL({_EFFECTIVE}) AS effective, TOTAL(f.billed) AS billed, "
        f"IIF(COUNT({_LIST}) = COUNT(*), TOTAL({_LIST}), NULL) AS listed, "
        "COUNT(*) AS charges "
        "FROM charge_keys AS k CROSS JOIN charge_facts AS f ON f.key_id = k.key_id "
        f"WHERE {_PROVISIONED}{among} AND f.day BETWEEN ? AND ? "
        "GROUP BY 1, 8 ORDER BY 1, 8",
        (*PROVISIONED_LIKE, *value, day_number(start), day_number(end)))
    return [dict(row) for row in rows]


def hourly_invocations(cache: Cache, resource_ids: Sequence[str], start: dt.date,
                       end: dt.date) -> list[tuple[str, str, float]]:
    """(resource id, hour's start, invocations) of the hourly invocation counts the cache
    holds for ``resource_ids`` (a provisioned model's ARN, as CloudWatch's ModelId names
    it) from ``start`` to ``end``: CloudWatch ``Invocations`` (or ``Requests``) sums."""
    if not resource_ids:
        return []
    marks = ", ".join("?" for _ in resource_ids)
    return [(str(r[0]), str(r[1]), float(r[2])) for r in cache._rows(
        "SELECT resource_id, period_start, TOTAL(value) FROM metrics "
        "WHERE granularity = 'hour' AND stat = 'Sum' AND metric IN ('Invocations', "
        f"'Requests') AND resource_id IN ({marks}) AND period_start >= ? AND period_start < ? "
        "GROUP BY 1, 2",
        (*resource_ids, start.isoformat(), (end + dt.timedelta(days=1)).isoformat()))]


def covered_keys(cache: Cache, start: dt.date, end: dt.date,
                 keys: Sequence[int] | None = None,
                 ) -> list[tuple[str, int, str | None, float]]:
    """(commitment id, key id, service, effective cost) of the usage each commitment
    covered from ``start`` to ``end``: whose team owns it, and what it covers. ``keys``:
    the keys a commitment names (:func:`commitment_keys`), when known."""
    if keys is not None and not keys:
        return []
    among, value = _among(keys)
    rows = cache._rows(
        f"SELECT k.commitment_discount_id, k.key_id, k.service_name, TOTAL({_EFFECTIVE}) "
        "FROM charge_keys AS k CROSS JOIN charge_facts AS f ON f.key_id = k.key_id "
        f"WHERE {_COMMITTED}{among} AND k.commitment_discount_status = 'Used' "
        "AND f.day BETWEEN ? AND ? GROUP BY 1, 2, 3", (*value, day_number(start),
                                                       day_number(end)))
    return [(str(r[0]), int(r[1]), r[2], float(r[3])) for r in rows]


def commitment_discount(cache: Cache) -> float | None:
    """The discount the user entered (:data:`DISCOUNT_KEY`), None when they entered none
    (or it is not a fraction between 0 and 1)."""
    value = cache.get_meta(DISCOUNT_KEY)
    try:
        rate = float(value) if value else None
    except ValueError:
        return None
    return rate if rate is not None and 0 < rate < 1 else None


def commitment_discount_source(cache: Cache) -> str | None:
    """Where the user said their discount rate comes from (None: they did not say)."""
    return cache.get_meta(DISCOUNT_SOURCE_KEY) or None


def set_commitment_discount(cache: Cache, rate: float | None,
                            source: str | None = None) -> None:
    """Keep ``rate`` (a fraction of on-demand prices, 0 < rate < 1) as the discount a
    1-year no-upfront commitment gets, and ``source``, where it comes from (a rate given
    without one forgets the last one's); None forgets both."""
    from worthit.store.meta import delete_meta

    if rate is None:
        delete_meta(cache, DISCOUNT_KEY)
        delete_meta(cache, DISCOUNT_SOURCE_KEY)
        return
    if not 0 < rate < 1:
        raise UserError(f"A discount of {rate:.0%} is not one a commitment gets: enter a "
                        "rate between 0 and 100 %, such as 28 % for 0.28.")
    cache.set_meta({DISCOUNT_KEY: repr(float(rate))})
    named = (source or "").strip()
    if named:
        cache.set_meta({DISCOUNT_SOURCE_KEY: named})
    else:
        delete_meta(cache, DISCOUNT_SOURCE_KEY)

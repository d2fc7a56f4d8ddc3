"""Numbered migrations of the cache schema.

``PRAGMA user_version`` holds the number of migrations applied. Each migration runs in
the same transaction as the version bump, so a cache is always at a whole version. Never
edit a released migration: add the next one.
"""

from __future__ import annotations

# Migration 1's charge columns, frozen: later columns arrive by later migrations.
_M1_CHARGE_COLUMNS = (
    ("source_id", "TEXT"), ("charge_period_start", "TEXT"), ("provider_name", "TEXT"),
    ("publisher_name", "TEXT"), ("billing_account_id", "TEXT"), ("sub_account_id", "TEXT"),
    ("sub_account_name", "TEXT"), ("service_category", "TEXT"), ("service_name", "TEXT"),
    ("region_id", "TEXT"), ("availability_zone", "TEXT"), ("resource_id", "TEXT"),
    ("resource_type", "TEXT"), ("sku_id", "TEXT"), ("x_usage_type", "TEXT"),
    ("charge_category", "TEXT"), ("charge_class", "TEXT"), ("billed_cost", "REAL"),
    ("effective_cost", "REAL"), ("list_cost", "REAL"), ("billing_currency", "TEXT"),
    ("consumed_quantity", "REAL"), ("consumed_unit", "TEXT"), ("tags", "TEXT"),
    ("x_model", "TEXT"), ("x_input_tokens", "INTEGER"), ("x_cached_input_tokens", "INTEGER"),
    ("x_cache_write_tokens", "INTEGER"), ("x_output_tokens", "INTEGER"),
    ("x_requests", "INTEGER"), ("x_batch", "INTEGER"),
)
_CHARGE_COLS = ",\n    ".join(f"{name} {kind}" for name, kind in _M1_CHARGE_COLUMNS)

# 1: the tables of DESIGN.md.
_M1_TABLES = f"""
CREATE TABLE charges (
    {_CHARGE_COLS}
);
CREATE TABLE metrics (
    source_id TEXT NOT NULL,
    period_start TEXT NOT NULL,      -- ISO date (granularity 'day') or datetime ('hour')
    granularity TEXT NOT NULL,       -- 'day' | 'hour'
    resource_id TEXT NOT NULL,
    metric TEXT NOT NULL,            -- e.g. GPUUtilization, CPUUtilization, Invocations
    stat TEXT NOT NULL,              -- Average | p95 | Maximum | Sum
    value REAL NOT NULL,
    unit TEXT
);
CREATE TABLE resources (
    source_id TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    resource_type TEXT,
    provider_name TEXT,
    region_id TEXT,
    name TEXT,
    facts TEXT NOT NULL DEFAULT '{{}}', -- JSON: instance type, size, lifecycle policy, ...
    observed_at TEXT,
    PRIMARY KEY (source_id, resource_id)
);
CREATE TABLE units (
    unit_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    counts_what TEXT NOT NULL,
    features TEXT NOT NULL DEFAULT '[]',      -- JSON list of features whose cost it carries
    shared_pools TEXT NOT NULL DEFAULT '{{}}', -- JSON: pool -> share
    target_cost REAL,
    revenue_per_unit REAL,
    currency TEXT NOT NULL DEFAULT 'USD'
);
CREATE TABLE unit_counts (
    unit_id TEXT NOT NULL REFERENCES units(unit_id),
    day TEXT NOT NULL,
    count REAL NOT NULL,
    PRIMARY KEY (unit_id, day)
);
CREATE TABLE allocation_rules (
    rule_id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,              -- 'assign' | 'split'
    match TEXT NOT NULL,             -- JSON
    team TEXT,
    feature TEXT,
    split TEXT,                      -- JSON, for 'split' rules
    enabled INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE finding_state (
    finding_key TEXT PRIMARY KEY,
    state TEXT NOT NULL,             -- 'dismissed' | 'snoozed' | 'open'
    reason TEXT,
    snooze_until TEXT,
    note TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE sources (
    source_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    settings TEXT NOT NULL DEFAULT '{{}}',   -- JSON, never a secret
    created_at TEXT NOT NULL
);
CREATE TABLE sync_runs (
    run_id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    period_start TEXT,
    period_end TEXT,
    rows_read INTEGER,
    rows_written INTEGER,
    billed_total REAL,
    effective_total REAL,
    source_billed_total REAL,
    source_effective_total REAL,
    requests INTEGER,
    result TEXT NOT NULL,            -- 'ok' | 'failed' | 'cancelled'
    error TEXT
);
"""


# 2: workspace facts (name, data freshness) and the indexes the page queries use.
_M2_META_AND_INDEXES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE INDEX charges_day ON charges (charge_period_start);
CREATE INDEX charges_source_day ON charges (source_id, charge_period_start);
CREATE INDEX metrics_resource ON metrics (resource_id, metric, period_start);
CREATE INDEX sync_runs_source ON sync_runs (source_id, started_at);
"""


# 3: allocation keys. Rules look at a dozen attributes of a charge, but a bill repeats the
# same combination every day: 2 million demo charges have 5 thousand. Each combination is a
# row of charge_keys, and each charge points at its key, so rules run once per key and a
# period's cost per key is one pass over a covering index. Existing charges are keyed here.
_M3_KEY_COLS = (
    "provider_name, billing_account_id, sub_account_id, sub_account_name, service_category, "
    "service_name, region_id, resource_id, resource_type, x_usage_type, charge_category, "
    "x_model, tags, billing_currency"
)
_M3_CHARGE_KEYS = f"""
CREATE TABLE charge_keys (
    key_id INTEGER PRIMARY KEY,
    provider_name TEXT, billing_account_id TEXT, sub_account_id TEXT, sub_account_name TEXT,
    service_category TEXT, service_name TEXT, region_id TEXT, resource_id TEXT,
    resource_type TEXT, x_usage_type TEXT, charge_category TEXT, x_model TEXT, tags TEXT,
    billing_currency TEXT
);
CREATE INDEX charge_keys_all ON charge_keys ({_M3_KEY_COLS});
ALTER TABLE charges ADD COLUMN x_key_id INTEGER REFERENCES charge_keys (key_id);
INSERT INTO charge_keys ({_M3_KEY_COLS}) SELECT DISTINCT {_M3_KEY_COLS} FROM charges;
UPDATE charges SET x_key_id = (
    SELECT k.key_id FROM charge_keys AS k WHERE
    {" AND ".join(f"k.{c} IS charges.{c}" for c in _M3_KEY_COLS.split(", "))}
);
DROP INDEX charges_day;
CREATE INDEX charges_day_key ON charges (charge_period_start, x_key_id, effective_cost);
CREATE INDEX charges_key ON charges (x_key_id, charge_period_start);
"""

# 4: model swap: the user's negotiated rates, and saved what-if scenarios.
_M4_PRICES_AND_SCENARIOS = """
CREATE TABLE price_overrides (
    provider_name TEXT NOT NULL,
    model TEXT NOT NULL,
    input REAL, cached_input REAL, cache_write REAL, cache_write_1h REAL, output REAL,
    batch REAL,                      -- multiplier for batch traffic
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (provider_name, model)
);
CREATE TABLE scenarios (
    scenario_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    feature TEXT,                    -- NULL: all AI spend
    levers TEXT NOT NULL,            -- JSON list
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

# 5: watch: monthly budgets, and the history of alerts (keyed by what they are about, so a
# re-check updates an alert instead of raising it twice) with what the user and the webhook
# did with each.
_M5_BUDGETS_AND_ALERTS = """
CREATE TABLE budgets (
    budget_id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,             -- 'team' | 'feature' | 'provider' | 'total'
    name TEXT NOT NULL,              -- the team, feature or provider; '' for the total
    amount REAL NOT NULL,            -- per calendar month
    currency TEXT NOT NULL DEFAULT 'USD',
    thresholds TEXT NOT NULL DEFAULT '[50, 80, 100]',  -- JSON: per cent of the amount
    forecast INTEGER NOT NULL DEFAULT 1,                -- alert when forecast to exceed
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (scope, name)
);
CREATE TABLE alerts (
    alert_key TEXT PRIMARY KEY,      -- kind and what it is about, never a figure
    subject TEXT NOT NULL,           -- what it is about; a mute covers the subject
    kind TEXT NOT NULL,              -- 'budget' | 'forecast' | 'unit_cost' | 'spike' | 'sync'
    severity TEXT NOT NULL,          -- 'breach' | 'warning'
    title TEXT NOT NULL,             -- in a sentence
    headline TEXT NOT NULL DEFAULT '',  -- in a few words, for lists
    team TEXT,
    feature TEXT,
    amount REAL,                     -- the size in money
    percent REAL,                    -- the size as a fraction (0.25 = 25 %)
    series TEXT NOT NULL DEFAULT '', -- the series that triggered it
    page TEXT NOT NULL,              -- the page that explains it
    focus TEXT,                      -- what to select there
    detail TEXT NOT NULL DEFAULT '{}',  -- JSON: the numbers behind it
    active INTEGER NOT NULL DEFAULT 1,  -- raised again by the latest check
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    acknowledged_at TEXT,
    muted_until TEXT,
    delivery TEXT,                   -- webhook: NULL (none) | 'pending' | 'sent' | 'failed'
    delivery_attempts INTEGER NOT NULL DEFAULT 0,
    delivery_error TEXT,
    delivered_at TEXT
);
CREATE INDEX alerts_first_seen ON alerts (first_seen);
CREATE INDEX alerts_subject ON alerts (subject);
"""

# 6: narrow charges. A charge was a wide row repeating its key's text every day (about
# 340 bytes on disk per daily charge of a real CUR, 566 with its indexes). Now the key holds
# every text column of a charge (migration 1's, frozen here) and a charge is only its day (days
# since 1970-01-01), key, the import that wrote it (``load``, the charges revision it made:
# a command importing several files keeps what the earlier ones wrote) and its figures,
# clustered by (day, key) without a rowid. Charges of one key and day are summed (they were
# one charge in every sum already). ``charges`` stays, as a view with the old columns, for
# reading by hand and by tests; the app reads the tables.
_M6_KEY_COLS = (
    "source_id", "provider_name", "publisher_name", "billing_account_id", "sub_account_id",
    "sub_account_name", "service_category", "service_name", "region_id",
    "availability_zone", "resource_id", "resource_type", "sku_id", "x_usage_type",
    "charge_category", "charge_class", "x_model", "tags", "billing_currency",
    "consumed_unit", "x_batch",
)
_M6_FACTS = (
    ("billed_cost", "billed"), ("effective_cost", "effective"), ("list_cost", "list"),
    ("consumed_quantity", "quantity"), ("x_input_tokens", "input"),
    ("x_cached_input_tokens", "cached_input"), ("x_cache_write_tokens", "cache_write"),
    ("x_output_tokens", "output"), ("x_requests", "requests"),
)
_M6_KEYS = ", ".join(_M6_KEY_COLS)
_M6_NARROW_CHARGES = f"""
CREATE TABLE keys_6 (
    key_id INTEGER PRIMARY KEY,
    {", ".join(f"{c} {'INTEGER' if c == 'x_batch' else 'TEXT'}" for c in _M6_KEY_COLS)}
);
INSERT INTO keys_6 ({_M6_KEYS}) SELECT DISTINCT {_M6_KEYS} FROM charges;
CREATE INDEX temp_keys_6_all ON keys_6 ({_M6_KEYS});
CREATE TABLE charge_facts (
    day INTEGER NOT NULL,            -- days since 1970-01-01 (the UTC day of the charge)
    key_id INTEGER NOT NULL,         -- charge_keys.key_id
    load INTEGER NOT NULL,           -- the charges revision that wrote it
    billed REAL, effective REAL, list REAL, quantity REAL,
    input INTEGER, cached_input INTEGER, cache_write INTEGER, output INTEGER, requests INTEGER,
    PRIMARY KEY (day, key_id)
) WITHOUT ROWID;
INSERT INTO charge_facts
SELECT CAST(julianday(c.charge_period_start) - 2440587.5 AS INTEGER), k.key_id, 0,
       {", ".join(f"SUM(c.{old})" for old, _ in _M6_FACTS)}
FROM charges AS c JOIN keys_6 AS k ON {" AND ".join(f"k.{col} IS c.{col}" for col in _M6_KEY_COLS)}
GROUP BY 1, 2 ORDER BY 1, 2;
DROP TABLE charges;
DROP TABLE charge_keys;
DROP INDEX temp_keys_6_all;
ALTER TABLE keys_6 RENAME TO charge_keys;
CREATE INDEX charge_facts_key ON charge_facts (key_id, day);
CREATE INDEX charge_keys_source ON charge_keys (source_id);
CREATE VIEW charges AS SELECT
    k.source_id, date(f.day * 86400, 'unixepoch') AS charge_period_start,
    k.provider_name, k.publisher_name, k.billing_account_id, k.sub_account_id,
    k.sub_account_name, k.service_category, k.service_name, k.region_id,
    k.availability_zone, k.resource_id, k.resource_type, k.sku_id, k.x_usage_type,
    k.charge_category, k.charge_class, f.billed AS billed_cost,
    f.effective AS effective_cost, f.list AS list_cost, k.billing_currency,
    f.quantity AS consumed_quantity, k.consumed_unit, k.tags, k.x_model,
    f.input AS x_input_tokens, f.cached_input AS x_cached_input_tokens,
    f.cache_write AS x_cache_write_tokens, f.output AS x_output_tokens,
    f.requests AS x_requests, k.x_batch, f.key_id AS x_key_id
FROM charge_facts AS f JOIN charge_keys AS k ON k.key_id = f.key_id;
"""

# 7: what a FOCUS export needs and a bill states (account name, frequency, invoice issuer,
# pricing category and unit, commitment discounts: key columns; contracted cost, pricing and
# commitment quantity: figures), and figures equal to their usual twin stored as '' (no
# bytes; worthit.store.figures): effective and list cost equal billed on most lines. The
# key index by source goes: reads by source scan the small key table.
_M7_KEY_COLS = (
    "billing_account_name", "charge_frequency", "invoice_issuer_name", "pricing_category",
    "pricing_unit", "commitment_discount_id", "commitment_discount_name",
    "commitment_discount_type", "commitment_discount_category",
    "commitment_discount_status", "commitment_discount_unit",
)
_M7_FOCUS_COLUMNS = f"""
{"".join(f"ALTER TABLE charge_keys ADD COLUMN {c} TEXT;{chr(10)}" for c in _M7_KEY_COLS)}
ALTER TABLE charge_facts ADD COLUMN contracted REAL;
ALTER TABLE charge_facts ADD COLUMN pricing_quantity REAL;
ALTER TABLE charge_facts ADD COLUMN commitment_quantity REAL;
UPDATE charge_facts SET effective = '' WHERE effective = billed;
UPDATE charge_facts SET list = '' WHERE list = billed;
DROP INDEX charge_keys_source;
DROP VIEW charges;
CREATE VIEW charges AS SELECT
    k.source_id, date(f.day * 86400, 'unixepoch') AS charge_period_start,
    k.provider_name, k.publisher_name, k.billing_account_id, k.sub_account_id,
    k.sub_account_name, k.service_category, k.service_name, k.region_id,
    k.availability_zone, k.resource_id, k.resource_type, k.sku_id, k.x_usage_type,
    k.charge_category, k.charge_class, f.billed AS billed_cost,
    IIF(f.effective = '', f.billed, f.effective) AS effective_cost,
    IIF(f.list = '', f.billed, f.list) AS list_cost, k.billing_currency,
    f.quantity AS consumed_quantity, k.consumed_unit, k.tags, k.x_model,
    f.input AS x_input_tokens, f.cached_input AS x_cached_input_tokens,
    f.cache_write AS x_cache_write_tokens, f.output AS x_output_tokens,
    f.requests AS x_requests, k.x_batch,
    {", ".join(f"k.{c}" for c in _M7_KEY_COLS)},
    IIF(f.contracted = '', f.billed, f.contracted) AS contracted_cost,
    IIF(f.pricing_quantity = '', f.quantity, f.pricing_quantity) AS pricing_quantity,
    f.commitment_quantity AS commitment_discount_quantity, f.key_id AS x_key_id
FROM charge_facts AS f JOIN charge_keys AS k ON k.key_id = f.key_id;
"""

# 8: dated exchange rates from the user (worthit rates import): one rate a pair and day, with
# the file (or name) it came from. ``meta`` key ``rates.revision`` counts their changes.
_M8_EXCHANGE_RATES = """
CREATE TABLE exchange_rates (
    day TEXT NOT NULL,               -- ISO date the rate is of
    from_currency TEXT NOT NULL,     -- ISO 4217: one unit of it is ...
    to_currency TEXT NOT NULL,       -- ... ``rate`` units of this
    rate REAL NOT NULL CHECK (rate > 0),
    source TEXT NOT NULL,            -- the file's name, or the name given at import
    imported_at TEXT NOT NULL,       -- UTC, ISO
    PRIMARY KEY (day, from_currency, to_currency)
);
"""

# 9: the commitments bills state (savings plans, reservations, ...): what each is, covers,
# runs for and commits, as a source's files state it (worthit.store.commitments). Each
# day's use is in the charges (commitment_discount_status Used / Unused).
_M9_COMMITMENTS = """
CREATE TABLE commitments (
    source_id TEXT NOT NULL,
    commitment_id TEXT NOT NULL,     -- CommitmentDiscountId: an ARN, a reservation's id
    provider TEXT,
    kind TEXT,                       -- Savings Plan | Reserved Instances (RI) | Reservation
                                     -- | Savings Plan (Azure) | Provisioned Throughput | ...
    category TEXT,                   -- Spend | Usage
    name TEXT,
    offering TEXT,                   -- what it covers: ComputeSavingsPlans, standard, ...
    instance_family TEXT,
    region TEXT,
    term TEXT,                       -- as the bill says it: 1yr, 3yr, P1Y
    start_time TEXT,                 -- as the bill says it (ISO, UTC)
    end_time TEXT,
    payment_option TEXT,             -- No Upfront | Partial Upfront | All Upfront
    hourly_commitment REAL,          -- in currency per hour (a savings plan)
    monthly_commitment REAL,         -- in currency per month (a reservation's fee)
    billed_every TEXT,               -- hour | month: how often its fee line comes
    currency TEXT,
    first_seen TEXT NOT NULL,        -- UTC, ISO: the import that first named it
    PRIMARY KEY (source_id, commitment_id)
);
"""

# 10: request traces summed by day and what they are about (worthit.store.traces): the
# finer grain tied back to the bill by worthit.analysis.customers. '' where a trace names
# nothing (a key column in the primary key is never NULL). Token counts are disjoint, as in
# charge_facts: ``input`` is uncached input.
_M10_TRACE_USAGE = """
CREATE TABLE trace_usage (
    source_id TEXT NOT NULL,
    day INTEGER NOT NULL,            -- days since 1970-01-01 (UTC)
    provider TEXT NOT NULL,          -- the bill's ProviderName: OpenAI, Anthropic, AWS, ...
    model TEXT NOT NULL,
    customer TEXT NOT NULL DEFAULT '',
    run_id TEXT NOT NULL DEFAULT '', -- an agent run (OTLP: TRACE/SPAN of invoke_agent)
    agent TEXT NOT NULL DEFAULT '',
    api_key TEXT NOT NULL DEFAULT '',
    feature TEXT NOT NULL DEFAULT '',
    input INTEGER NOT NULL DEFAULT 0,
    cached_input INTEGER NOT NULL DEFAULT 0,
    cache_write INTEGER NOT NULL DEFAULT 0,
    output INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, source_id, provider, model, customer, run_id, agent, api_key, feature)
) WITHOUT ROWID;
CREATE INDEX trace_usage_source ON trace_usage (source_id, day);
"""

# Revenue per customer and month (``worthit customers import``), in its own currency, and
# the names vendors give their ids (API keys, projects, workspaces, users): what the
# Customers and Keys pages show beside the cost.
_M11_REVENUE_AND_NAMES = """
CREATE TABLE customer_revenue (
    month TEXT NOT NULL,             -- YYYY-MM
    customer TEXT NOT NULL,
    revenue REAL NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (month, customer)
) WITHOUT ROWID;
CREATE TABLE vendor_names (
    provider TEXT NOT NULL,          -- the bill's ProviderName: OpenAI, Anthropic, ...
    kind TEXT NOT NULL,              -- 'api_key' | 'project' | 'workspace' | 'user'
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (provider, kind, id)
) WITHOUT ROWID;
"""

# 12: a write stamp (worthit.store.meta.write_stamp): every row any connection inserts,
# updates or deletes, in any table but the charges' own, leaves a new random stamp in meta,
# so a result computed from the whole cache (the leak findings) is reused exactly while
# nothing it could have read changed, whoever wrote. Writes to the charges end with a new
# charges revision and stamp (worthit.store.cache.bump_revision), which are writes to meta.
# A trigger per row, not per statement (SQLite has none): about a microsecond each.
WRITE_STAMP_KEY = "cache.write_stamp"
#: The tables whose writes leave a new write stamp: all but ``charge_keys`` and
#: ``charge_facts`` (a test holds this to the schema).
STAMPED_TABLES = ("alerts", "allocation_rules", "budgets", "commitments", "customer_revenue",
                  "exchange_rates", "finding_state", "meta", "metrics", "price_overrides",
                  "resources", "scenarios", "sources", "sync_runs", "trace_usage",
                  "unit_counts", "units", "vendor_names")


def _stamp_triggers(tables: tuple[str, ...]) -> str:
    stamp = (f"UPDATE meta SET value = lower(hex(randomblob(8))) "
             f"WHERE key = '{WRITE_STAMP_KEY}'")
    script = [f"INSERT INTO meta (key, value) VALUES ('{WRITE_STAMP_KEY}', "
              "lower(hex(randomblob(8)))) ON CONFLICT (key) DO NOTHING;"]
    for table in tables:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            # meta's own stamp is left out, or the stamp would stamp itself.
            when = f" WHEN {row}.key <> '{WRITE_STAMP_KEY}'" if table == "meta" else ""
            script.append(f"CREATE TRIGGER stamp_{table}_{event.lower()} AFTER {event} ON "
                          f"{table}{when} BEGIN {stamp}; END;")
    return "\n".join(script)


_M12_WRITE_STAMP = _stamp_triggers(STAMPED_TABLES)

#: SQL scripts in order; migration N is ``MIGRATIONS[N - 1]``.
MIGRATIONS: tuple[str, ...] = (_M1_TABLES, _M2_META_AND_INDEXES, _M3_CHARGE_KEYS,
                               _M4_PRICES_AND_SCENARIOS, _M5_BUDGETS_AND_ALERTS,
                               _M6_NARROW_CHARGES, _M7_FOCUS_COLUMNS, _M8_EXCHANGE_RATES,
                               _M9_COMMITMENTS, _M10_TRACE_USAGE,
                               _M11_REVENUE_AND_NAMES, _M12_WRITE_STAMP)
SCHEMA_VERSION = len(MIGRATIONS)

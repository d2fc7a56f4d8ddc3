"""Each leak detector on a small hand-made cache whose expected figures are worked out by
hand: idle capacity, the storage graveyard, runaway agents (and their weekday-aware
baseline), prompt bloat, and the thresholds saved in the cache."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest

from worthit.analysis.leaks import Finding, Settings, find_leaks, load_settings, save_settings
from worthit.analysis.leaks.base import SETTINGS_KEY, Context
from worthit.analysis.leaks.capacity import idle_capacity
from worthit.analysis.leaks.models import prompt_bloat
from worthit.analysis.leaks.runaway import runaway_agent
from worthit.analysis.leaks.storage import storage_graveyard
from worthit.analysis.spikes import seasonal_baseline
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.rules import rules_from_json
from worthit.store.alerts import AlertSettings
from worthit.store.alerts import save_settings as save_watch_settings
from worthit.store.cache import Cache
from worthit.store.rules import save_rules
from worthit.store.swap import set_override

D = dt.date
Row = tuple[Any, ...]
END = D(2024, 6, 30)  # a Sunday
DATA_START = END - dt.timedelta(days=199)
WINDOW = [END - dt.timedelta(days=i) for i in range(29, -1, -1)]  # the last 30 days
TAGS_RULE = {"name": "Tags", "match": {"tag_present": "team"}, "team": {"tag": "team"},
             "feature": {"tag": "feature"}}
GPU = "arn:aws:sagemaker:us-east-1:111111111111:endpoint/gpu-staging"


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def charge(day: dt.date, cost: float, resource: str, *, team: str = "ml",
           feature: str = "training", service: str = "Amazon SageMaker",
           **attrs: Any) -> Row:
    values: dict[str, Any] = {
        "source_id": "test", "charge_period_start": day.isoformat(), "provider_name": "AWS",
        "billing_account_id": "111111111111", "service_name": service,
        "resource_id": resource, "charge_category": "Usage", "billed_cost": cost,
        "effective_cost": cost, "billing_currency": "USD",
        "tags": json.dumps({"team": team, "feature": feature}),
    }
    values.update(attrs)
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def fill(cache: Cache, rows: Iterable[Row]) -> None:
    """Charges for DATA_START..END, owned by their team and feature tags. A small steady
    charge on DATA_START makes the data start there whatever else a test adds."""
    anchor = charge(DATA_START, 1.0, "anchor", team="ops", feature="misc")
    cache.replace_charges("test", DATA_START, END, [anchor, *rows])
    save_rules(cache, rules_from_json([TAGS_RULE], "test rules"))


def add_resource(cache: Cache, resource_id: str, kind: str, **facts: Any) -> None:
    cache._db["resources"].insert({
        "source_id": "test", "resource_id": resource_id, "resource_type": kind,
        "provider_name": "AWS", "region_id": "us-east-1", "name": resource_id,
        "facts": json.dumps(facts), "observed_at": END.isoformat()})


def add_p95(cache: Cache, resource_id: str, values: dict[dt.date, float],
            metric: str = "GPUUtilization") -> None:
    with cache.transaction() as conn:
        conn.executemany(
            "INSERT INTO metrics (source_id, period_start, granularity, resource_id, metric, "
            "stat, value, unit) VALUES ('test', ?, 'day', ?, ?, 'p95', ?, 'Percent')",
            [(day.isoformat(), resource_id, metric, value) for day, value in values.items()])


def context(cache: Cache, **settings: Any) -> Context:
    return Context(cache, END, Settings(**settings))


def only(found: list[Finding]) -> Finding:
    assert len(found) == 1, [f.key for f in found]
    return found[0]


# -- idle capacity ------------------------------------------------------------------------------

#: The endpoint's cost per day: 20 to 24 dollars, every day of the data.
GPU_COST = {day: 20.0 + day.toordinal() % 5 for day in days(DATA_START, END)}
GPU_WINDOW_COST = sum(GPU_COST[day] for day in WINDOW)
LAST_14 = days(END - dt.timedelta(days=13), END)


def idle_cache(cache: Cache, utilisation: dict[dt.date, float]) -> Cache:
    fill(cache, [charge(day, cost, GPU) for day, cost in GPU_COST.items()])
    add_resource(cache, GPU, "Endpoint", instance_type="ml.g5.2xlarge", env="staging")
    add_p95(cache, GPU, utilisation)
    return cache


def test_an_endpoint_idle_for_two_weeks_saves_its_whole_30_day_cost(cache: Cache) -> None:
    quiet = {day: 2.0 + i % 7 for i, day in enumerate(LAST_14)}  # 2 to 8 %
    f = only(idle_capacity(context(idle_cache(cache, quiet))))
    assert 600 < GPU_WINDOW_COST < 700
    assert f.key == f"idle_capacity:{GPU}"
    assert f.monthly_saving == pytest.approx(GPU_WINDOW_COST)
    assert f.monthly_cost == pytest.approx(GPU_WINDOW_COST)
    assert (f.team, f.feature, f.resource) == ("ml", "training", GPU)
    assert f.evidence.days == LAST_14
    assert f.evidence.values == list(quiet.values())
    assert f.evidence.threshold == 10.0


@pytest.mark.parametrize(("case", "utilisation", "found"), [
    ("one busy day", {day: 40.0 if i == 6 else 3.0 for i, day in enumerate(LAST_14)}, False),
    ("just at the threshold", {day: 10.0 if i == 0 else 3.0 for i, day in enumerate(LAST_14)},
     False),
    ("all zero", dict.fromkeys(LAST_14, 0.0), True),
    ("six days of metrics", dict.fromkeys(LAST_14[-6:], 3.0), False),
    ("seven days of metrics", dict.fromkeys(LAST_14[-7:], 3.0), True),
    # A busy day before the last 14 is not looked at.
    ("busy 14 days ago", {**dict.fromkeys(LAST_14, 3.0),
                          END - dt.timedelta(days=14): 90.0}, True),
    ("busy 13 days ago", {**dict.fromkeys(LAST_14, 3.0),
                          END - dt.timedelta(days=13): 90.0}, False),
])
def test_idle_needs_every_day_quiet_and_enough_days_of_metrics(
    cache: Cache, case: str, utilisation: dict[dt.date, float], found: bool
) -> None:
    keys = [f.key for f in idle_capacity(context(idle_cache(cache, utilisation)))]
    assert keys == ([f"idle_capacity:{GPU}"] if found else []), case


# -- storage graveyard --------------------------------------------------------------------------

BUCKET = "old-experiments"
STORAGE_PER_DAY = 40.0
DEEP_ARCHIVE_SHARE = 1 - 0.00099 / 0.023  # list prices per GB-month, us-east-1


def graveyard_cache(cache: Cache, **facts: Any) -> Cache:
    """A bucket paying 40 $/day for storage and 5 $/day for requests (which archiving does
    not save)."""
    fill(cache, [row for day in days(DATA_START, END) for row in (
        charge(day, STORAGE_PER_DAY, BUCKET, service="Amazon S3",
               x_usage_type="TimedStorage-ByteHrs"),
        charge(day, 5.0, BUCKET, service="Amazon S3", x_usage_type="Requests-Tier1"))])
    add_resource(cache, BUCKET, "Bucket", **{
        "size_bytes": 50 * 1024**4, "storage_class": "STANDARD", **facts})
    return cache


def test_a_bucket_untouched_for_200_days_without_lifecycle_saves_the_deep_archive_share(
    cache: Cache
) -> None:
    last_write = (END - dt.timedelta(days=200)).isoformat()
    f = only(storage_graveyard(context(graveyard_cache(
        cache, lifecycle_policy=False, last_write=last_write))))
    storage = 30 * STORAGE_PER_DAY
    assert f.key == f"storage_graveyard:{BUCKET}"
    assert f.monthly_cost == pytest.approx(storage)
    assert f.monthly_saving == pytest.approx(storage * DEEP_ARCHIVE_SHARE)
    assert (f.team, f.feature, f.resource) == ("ml", "training", BUCKET)
    assert f.evidence.days == WINDOW
    assert f.evidence.numbers["last write"] == last_write


@pytest.mark.parametrize(("lifecycle", "idle_days", "found"), [
    (True, 200, False),  # a lifecycle policy already archives or expires it
    (False, 10, False),  # written recently: in use
    (False, 89, False),
    (False, 90, True),  # graveyard_days
])
def test_graveyard_needs_no_lifecycle_policy_and_no_recent_write(
    cache: Cache, lifecycle: bool, idle_days: int, found: bool
) -> None:
    last_write = (END - dt.timedelta(days=idle_days)).isoformat()
    keys = [f.key for f in storage_graveyard(context(graveyard_cache(
        cache, lifecycle_policy=lifecycle, last_write=last_write)))]
    assert keys == ([f"storage_graveyard:{BUCKET}"] if found else [])


# -- runaway agents -----------------------------------------------------------------------------

AGENT = "key-agent"


def ai(day: dt.date, cost: float, key: str = AGENT, **attrs: Any) -> Row:
    return charge(day, cost, key, team="devex", feature="review-agent", service="Claude API",
                  provider_name="Anthropic", x_model="claude-sonnet-4",
                  x_requests=max(1, round(cost * 10)), **attrs)


def wobble(day: dt.date) -> float:
    """A deterministic ±2 % wobble, so the spread is not zero."""
    return 1.0 + ((day.toordinal() * 7) % 5 - 2) / 100


def test_the_baseline_divides_out_the_weekday_pattern() -> None:
    span = days(END - dt.timedelta(days=90), END)
    level = {5: 20.0, 6: 30.0}  # Saturday, Sunday; 100 on weekdays
    cost = np.array([level.get(d.weekday(), 100.0) * wobble(d) for d in span])
    expected, spread = seasonal_baseline(cost, [np.array([d.weekday() for d in span])], 28)
    assert np.isnan(expected[:28]).all()
    for i in range(28, len(span)):
        # Each day is expected at its own weekday's level, within the wobble ...
        assert expected[i] == pytest.approx(level.get(span[i].weekday(), 100.0), rel=0.03)
        # ... so no day, Saturday low or Monday high, is far from it.
        assert abs(cost[i] - expected[i]) <= 6 * spread[i]


def test_a_weekday_pattern_is_not_a_runaway(cache: Cache) -> None:
    # Monday jumps 800 % over Sunday every week: far above a naive rolling median.
    fill(cache, [ai(d, (400.0 if d.weekday() < 5 else 50.0) * wobble(d))
                 for d in days(DATA_START, END)])
    assert runaway_agent(context(cache)) == []


def steady_with_spike(spike_day: dt.date, level: float, first: dt.date = DATA_START
                      ) -> tuple[list[Row], float]:
    """An agent costing about ``level`` a day, six times that on ``spike_day``."""
    rows, spike = [], 0.0
    for d in days(first, END):
        cost = level * wobble(d)
        if d == spike_day:
            cost = spike = 6 * level
        rows.append(ai(d, cost))
    return rows, spike


def test_a_sixfold_day_is_a_runaway_whose_excess_is_a_one_off_not_a_monthly_saving(
    cache: Cache
) -> None:
    spike_day = END - dt.timedelta(days=5)
    rows, spike = steady_with_spike(spike_day, 100.0)
    fill(cache, rows)
    f = only(runaway_agent(context(cache)))
    assert f.key == f"runaway_agent:{AGENT}"
    assert (f.team, f.feature, f.resource) == ("devex", "review-agent", AGENT)
    assert spike_day.isoformat() in f.title
    assert f.monthly_cost == pytest.approx(spike)
    # The excess is paid once: stated as such, never as a saving per month.
    assert f.one_off == pytest.approx(spike - 100.0, rel=0.03)
    assert f.monthly_saving == 0.0
    assert f.to_json()["one_off"] == round(f.one_off, 2)
    assert f.evidence.days == WINDOW
    assert f.evidence.values[WINDOW.index(spike_day)] == pytest.approx(spike)


def test_the_runaway_evidence_carries_its_baseline_and_the_days_its_one_off_comes_from(
    cache: Cache
) -> None:
    """What the chart draws: per window day, the baseline the spike was measured against
    (the agent's steady level, about 100 a day), and the spike day highlighted; the cost
    over that baseline on that day is the one-off, to the cent."""
    spike_day = END - dt.timedelta(days=5)
    rows, _ = steady_with_spike(spike_day, 100.0)
    fill(cache, rows)
    f = only(runaway_agent(context(cache)))
    evidence = f.evidence
    assert evidence.highlighted == [spike_day]
    assert len(evidence.baseline) == len(evidence.days) == 30
    # The wobble is ±2 % around 100: the median of the 28 days before is within it.
    assert evidence.baseline == pytest.approx([100.0] * 30, rel=0.03)
    at = evidence.days.index(spike_day)
    assert evidence.values[at] - evidence.baseline[at] == pytest.approx(f.one_off, abs=0.005)
    assert evidence.baseline_label == "Baseline (28-day median)"
    points = f.to_json()["evidence"]["points"]
    assert [p["baseline"] for p in points] == [round(b, 6) for b in evidence.baseline]
    assert f.to_json()["evidence"]["highlighted"] == [spike_day.isoformat()]


def test_a_new_key_is_not_a_runaway(cache: Cache) -> None:
    """Twenty days old (less than the 28-day history), with a spike on its last day: the
    days before it existed are not a baseline of zero."""
    rows, _ = steady_with_spike(END, 100.0, first=END - dt.timedelta(days=19))
    fill(cache, rows)
    assert cache.data_range() == (DATA_START, END)
    assert runaway_agent(context(cache)) == []


def test_a_spike_below_the_dollar_floor_is_ignored(cache: Cache) -> None:
    rows, spike = steady_with_spike(END - dt.timedelta(days=3), 5.0)  # 25 $ above
    fill(cache, rows)
    assert runaway_agent(context(cache)) == []
    # The alerts' spike settings drive the finding: one setting, one figure.
    save_watch_settings(cache, AlertSettings(spike_min_dollars=20.0))
    f = only(runaway_agent(context(cache)))
    assert f.one_off == pytest.approx(spike - 5.0, rel=0.03)


# -- prompt bloat -------------------------------------------------------------------------------

INPUT_PRICE = 2.0  # $ per million uncached input tokens (the user's rate)
REQUESTS = 10_000  # a day


def chat(day: dt.date, feature: str, per_request: float) -> Row:
    tokens = round(per_request * REQUESTS)
    return charge(day, tokens * INPUT_PRICE / 1e6, f"key-{feature}", team="search",
                  feature=feature, service="OpenAI API", provider_name="OpenAI",
                  x_model="gpt-4.1-mini", x_input_tokens=tokens, x_output_tokens=0,
                  x_requests=REQUESTS)


def test_prompts_that_doubled_are_priced_at_the_excess_input(cache: Cache) -> None:
    early_days = days(DATA_START, DATA_START + dt.timedelta(days=59))  # bloat_baseline_days
    rows = []
    for d in days(DATA_START, END):
        # 1,000 tokens a request at first, 1,500 between, 2,000 in the window.
        rows.append(chat(d, "chat", 1000.0 if d in early_days else
                         2000.0 if d in WINDOW else 1500.0))
        # Up by a fifth only: under the 30 % growth threshold.
        rows.append(chat(d, "steady", 1200.0 if d in WINDOW else 1000.0))
        if d in WINDOW:  # new this month: no early level to compare with
            rows.append(chat(d, "new", 9000.0))
    fill(cache, rows)
    set_override(cache, "OpenAI", "gpt-4.1-mini", {"input": INPUT_PRICE})
    f = only(prompt_bloat(context(cache)))
    assert f.key == "prompt_bloat:chat:OpenAI/gpt-4.1-mini"
    assert (f.team, f.feature) == ("search", "chat")
    assert f.monthly_saving == pytest.approx((2000 - 1000) * 30 * REQUESTS * INPUT_PRICE / 1e6)
    assert f.monthly_cost == pytest.approx(2000 * 30 * REQUESTS * INPUT_PRICE / 1e6)
    assert f.evidence.days == WINDOW
    assert f.evidence.values == pytest.approx([2000.0] * 30)
    assert f.evidence.threshold == pytest.approx(1000.0)


# -- settings and the floor ---------------------------------------------------------------------


def test_settings_round_trip_and_unknown_keys_are_ignored(cache: Cache) -> None:
    assert load_settings(cache) == Settings()
    chosen = Settings(floor=250.0, idle_days=21, bloat_growth=0.5, bloat_baseline_days=42)
    save_settings(cache, chosen)
    assert load_settings(cache) == chosen

    # An older or newer app may have written keys this one does not know (an older one
    # its runaway_* thresholds, now the alerts' spike settings).
    cache.set_meta({SETTINGS_KEY: json.dumps(
        {"floor": 5, "idle_days": 7.0, "retired_threshold": 3, "graveyard_days": "soon",
         "runaway_mads": 2.0, "runaway_min_dollars": 1.0, "runaway_history_days": 42})})
    loaded = load_settings(cache)
    assert loaded == Settings(floor=5.0, idle_days=7)
    assert isinstance(loaded.idle_days, int)


def test_find_leaks_drops_findings_under_the_saved_floor(cache: Cache) -> None:
    """An idle endpoint saving about 65 $ a month: under the default floor of 100."""
    fill(cache, [charge(d, 2.0 + d.toordinal() % 3 * 0.1, GPU) for d in days(DATA_START, END)])
    add_resource(cache, GPU, "Endpoint", instance_type="ml.g5.2xlarge", env="staging")
    add_p95(cache, GPU, dict.fromkeys(LAST_14, 3.0))
    assert [f.kind for f in find_leaks(cache, END)] == []
    save_settings(cache, Settings(floor=50.0))
    (f,) = find_leaks(cache, END)
    assert (f.kind, f.resource) == ("idle_capacity", GPU)
    assert 50.0 <= f.monthly_saving < 100.0


def test_findings_are_remembered_until_anything_is_written_or_the_day_changes(
        cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """find_leaks remembers its findings per window, settings, day and write stamp: asked
    again it returns the same findings; a write that is no charge (the endpoint's
    utilisation arriving) or a new day computes them again."""
    fill(cache, [charge(day, cost, GPU) for day, cost in GPU_COST.items()])
    add_resource(cache, GPU, "Endpoint", instance_type="ml.g5.2xlarge", env="staging")
    first = find_leaks(cache, END)
    assert [f.kind for f in first] == []  # no utilisation yet: nothing says it is idle
    assert find_leaks(cache, END) == first
    add_p95(cache, GPU, dict.fromkeys(LAST_14, 3.0))  # another table than the charges
    idle = find_leaks(cache, END)
    assert [(f.kind, f.resource) for f in idle] == [("idle_capacity", GPU)]
    again = find_leaks(cache, END)
    assert again == idle and again[0] is idle[0]  # remembered: the same finding
    import worthit.core.commitments as terms

    monkeypatch.setattr(terms, "today", lambda: dt.date(2031, 1, 1))
    tomorrow = find_leaks(cache, END)
    assert tomorrow == idle and tomorrow[0] is not idle[0]  # computed again, the same


# -- always-on capacity -----------------------------------------------------------------------

WEB = "i-0web000000000001"


def hourly_requests(cache: Cache, resource_id: str, per_hour: list[float]) -> None:
    """The same requests-per-hour profile on each of the last 14 days."""
    rows = [(f"{day.isoformat()}T{hour:02d}:00:00Z", resource_id, value)
            for day in WINDOW[-14:] for hour, value in enumerate(per_hour)]
    with cache.transaction() as conn:
        conn.executemany(
            "INSERT INTO metrics (source_id, period_start, granularity, resource_id, metric, "
            "stat, value, unit) VALUES ('test', ?, 'hour', ?, 'Requests', 'Sum', ?, 'Count')",
            rows)


def always_on_cache(cache: Cache, per_hour: list[float]) -> Cache:
    fill(cache, [charge(day, 24.0, WEB, service="Amazon Elastic Compute Cloud",
                        x_usage_type="USE1-BoxUsage:m6i.2xlarge") for day in WINDOW]
         + [charge(day, 5.0, WEB, service="Amazon Elastic Compute Cloud",
                   x_usage_type="USE1-DataTransfer-Regional-Bytes") for day in WINDOW])
    add_resource(cache, WEB, "Instance", instance_type="m6i.2xlarge", env="prod")
    hourly_requests(cache, WEB, per_hour)
    return cache


def test_capacity_on_all_night_for_daytime_traffic_saves_its_quiet_hours(
        cache: Cache) -> None:
    from worthit.analysis.leaks.capacity import always_on

    daytime = [0.0] * 7 + [500.0] * 12 + [20.0] * 5  # 07:00-18:59 busy, 12 quiet hours
    finding = only(always_on(context(always_on_cache(cache, daytime))))
    assert finding.kind == "idle_capacity"
    assert finding.key == f"idle_capacity:always_on:{WEB}"
    # Only the capacity charges (24 $/day), not the transfer: 30 days × 24 × 12/24.
    assert finding.monthly_cost == pytest.approx(30 * 24.0)
    assert finding.monthly_saving == pytest.approx(30 * 24.0 * 12 / 24)
    assert (finding.team, finding.feature) == ("ml", "training")


def test_capacity_busy_around_the_clock_is_not_always_on_waste(cache: Cache) -> None:
    from worthit.analysis.leaks.capacity import always_on

    steady = [300.0 + 10 * (h % 5) for h in range(24)]
    assert always_on(context(always_on_cache(cache, steady))) == []


def test_fewer_quiet_hours_than_the_threshold_is_not_a_finding(cache: Cache) -> None:
    from worthit.analysis.leaks.capacity import always_on

    seven_quiet = [0.0] * 7 + [500.0] * 17
    assert always_on(context(always_on_cache(cache, seven_quiet))) == []
    assert len(always_on(context(cache, quiet_hours=7))) == 1


# -- network ----------------------------------------------------------------------------------

def test_a_measured_nat_share_is_one_figure_and_a_reversed_range_is_read_right(
        cache: Cache) -> None:
    from worthit.analysis.leaks.network import hidden_network

    fill(cache, [charge(day, 10.0, "nat-1", team="web", feature="api",
                        x_usage_type="USE1-NatGateway-Bytes") for day in WINDOW])
    measured = only(hidden_network(context(cache, nat_share_low=0.4, nat_share_high=0.4)))
    assert measured.monthly_saving == pytest.approx(120.0)  # 40 % of 300
    assert measured.saving_range is None
    assert measured.assumption.startswith("Saving: $120.00 per month, recurring.")
    assert "Taken: 40.0 % of the gateway's bytes" in measured.assumption
    reversed_ = only(hidden_network(context(cache, nat_share_low=0.6, nat_share_high=0.2)))
    assert reversed_.saving_range == (pytest.approx(60.0), pytest.approx(180.0))
    assert reversed_.monthly_saving == pytest.approx(60.0)
    # Saved settings round-trip the shares.
    save_settings(cache, Settings(nat_share_low=0.1, nat_share_high=0.3))
    assert load_settings(cache) == Settings(nat_share_low=0.1, nat_share_high=0.3)


def test_network_costs_under_the_floor_are_no_finding_and_a_lower_floor_shows_them(
        cache: Cache) -> None:
    """A finding's saving is at most its cost, so network costs under the floor are left
    out by the detector itself (find_leaks dropped them before); lowering the floor in the
    settings shows them."""
    from worthit.analysis.leaks.network import hidden_network

    fill(cache, [charge(day, 2.0, "cdn-1", team="web", feature="api",
                        x_usage_type="USE1-DataTransfer-Out-Bytes") for day in WINDOW])
    assert hidden_network(context(cache)) == []  # $60 in the window, under $100
    assert find_leaks(cache, END) == []
    (found,) = hidden_network(context(cache, floor=50.0))
    assert (found.key, found.monthly_cost) == ("hidden_network:egress:cdn-1",
                                               pytest.approx(60.0))
    save_settings(cache, Settings(floor=50.0))
    assert [f.key for f in find_leaks(cache, END)] == ["hidden_network:egress:cdn-1"]


def test_nat_and_cross_az_are_savings_egress_and_inter_region_only_shares(
        cache: Cache) -> None:
    from worthit.analysis.leaks.network import hidden_network

    fill(cache, [row for day in WINDOW for row in (
        charge(day, 10.0, "nat-1", team="web", feature="api",
               x_usage_type="USE1-NatGateway-Bytes"),
        charge(day, 4.0, "i-web", team="web", feature="api",
               x_usage_type="USE1-DataTransfer-Regional-Bytes"),
        charge(day, 6.0, "cdn-1", team="web", feature="api",
               x_usage_type="USE1-DataTransfer-Out-Bytes"),
        charge(day, 80.0, "i-web", team="web", feature="api",
               x_usage_type="USE1-BoxUsage:m6i.2xlarge"))])
    found = {f.key: f for f in hidden_network(context(cache))}
    assert set(found) == {"hidden_network:nat:nat-1", "hidden_network:cross_az:i-web",
                          "hidden_network:egress:cdn-1"}
    nat = found["hidden_network:nat:nat-1"]
    # NAT processing of 10 a day, 300 in the 30 days: only the share bound for S3 and
    # DynamoDB (free gateway endpoints) goes, unknown, so 25 % to 75 % of it is assumed
    # and the low end, 75, is the finding's one figure.
    assert nat.monthly_cost == pytest.approx(300.0)
    assert nat.monthly_saving == pytest.approx(75.0)
    assert nat.saving_range == (pytest.approx(75.0), pytest.approx(225.0))
    assert nat.to_json()["saving_range"] == {"low": 75.0, "high": 225.0}
    assert nat.to_json()["monthly_saving"] == 75.0
    assert nat.assumption.startswith("Saving: $75.00 per month, recurring, the low end of "
                                     "$75.00 to $225.00.")
    assert "Assumed: 25.0 % to 75.0 % of the gateway's bytes go to S3 and DynamoDB" in \
        nat.assumption
    assert nat.evidence.numbers["bound for S3 and DynamoDB"] == "25.0 % to 75.0 % (assumed)"
    assert found["hidden_network:cross_az:i-web"].monthly_saving == pytest.approx(120.0)
    assert found["hidden_network:cross_az:i-web"].saving_range is None
    egress = found["hidden_network:egress:cdn-1"]
    assert (egress.monthly_cost, egress.monthly_saving) == (pytest.approx(180.0), 0.0)
    assert egress.informational
    # The api feature costs 100 a day: egress is 6 % of it.
    assert egress.evidence.numbers["share of the cost of api"] == "6.0 %"
    kept = {f.key for f in find_leaks(cache, END, Settings(floor=150.0))}
    assert "hidden_network:egress:cdn-1" in kept  # informational: kept by its cost
    assert "hidden_network:cross_az:i-web" not in kept  # saves 120 < 150

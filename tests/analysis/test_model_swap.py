"""Model swap: scenarios on small hand-made caches, whose every figure is worked out from
the list prices by hand; unpriced models (left out, never $0); properties over random usage
(hypothesis); and the demo workspace, whose planted leaks the suggestions must find."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tempfile
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import DEMO_END

from worthit.analysis.model_swap import (
    Outcome,
    Suggestion,
    SwapData,
    simulate,
    suggestions,
    swap_data,
    unit_effects,
)
from worthit.cli import main
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.core.periods import Period, Preset, preset_period
from worthit.core.rules import rules_from_json
from worthit.core.scenarios import Lever, ModelRef, Scenario
from worthit.demo.generator import read_planted
from worthit.export.tables import csv_text
from worthit.pages import Options
from worthit.pages import swap as swap_page
from worthit.pages.figures import Figures
from worthit.store.cache import Cache
from worthit.store.rules import save_rules
from worthit.store.swap import set_override
from worthit.workspace import Workspace

D = dt.date
Row = tuple[Any, ...]
M = 1_000_000.0
DAY = D(2026, 10, 5)
PERIOD = Period(D(2026, 10, 1), D(2026, 10, 31))
TAGS_RULE = {"name": "Tags", "match": {"tag_present": "team"}, "team": {"tag": "team"},
             "feature": {"tag": "feature"}}

PRO, MICRO = ("AWS", "amazon.nova-pro-v1:0"), ("AWS", "amazon.nova-micro-v1:0")
SONNET, HAIKU = ("Anthropic", "claude-sonnet-4-5"), ("Anthropic", "claude-haiku-4-5")
GPT41, GPT41_MINI = ("OpenAI", "gpt-4.1"), ("OpenAI", "gpt-4.1-mini")
ACME = ("OpenAI", "acme-llm-1")
#: List prices per million tokens (input, cache read, 5-minute write, output), as published.
LIST: dict[ModelRef, tuple[float, float, float, float]] = {
    PRO: (0.80, 0.20, 0.0, 3.20),
    MICRO: (0.035, 0.00875, 0.0, 0.14),
    SONNET: (3.00, 0.30, 3.75, 15.00),
    HAIKU: (1.00, 0.10, 1.25, 5.00),
    GPT41: (2.00, 0.50, 0.0, 8.00),
    GPT41_MINI: (0.40, 0.10, 0.0, 1.60),
}
SERVICES = {"AWS": "Amazon Bedrock", "Anthropic": "Claude API", "OpenAI": "OpenAI API"}


def list_cost(model: ModelRef, input: float = 0, cached: float = 0, write: float = 0,
              output: float = 0, *, batch: bool = False) -> float:
    p = LIST[model]
    cost = (input * p[0] + cached * p[1] + write * p[2] + output * p[3]) / M
    return cost * 0.5 if batch else cost


def ai(day: dt.date, feature: str, model: ModelRef, *, input: int = 0, cached: int = 0,
       write: int = 0, output: int = 0, requests: int | None = None, batch: bool = False,
       cost: float | None = None) -> Row:
    """One day of a feature's usage of a model (tagged team/feature), billed at list price
    unless ``cost`` says otherwise."""
    if cost is None:
        cost = list_cost(model, input, cached, write, output, batch=batch)
    values: dict[str, Any] = {
        "source_id": "test", "charge_period_start": day.isoformat(),
        "provider_name": model[0], "billing_account_id": "acct-1",
        "service_category": "AI and Machine Learning", "service_name": SERVICES[model[0]],
        "resource_id": f"key-{feature}", "charge_category": "Usage",
        "billed_cost": cost, "effective_cost": cost, "billing_currency": "USD",
        "tags": json.dumps({"team": "t", "feature": feature}), "x_model": model[1],
        "x_input_tokens": input, "x_cached_input_tokens": cached,
        "x_cache_write_tokens": write, "x_output_tokens": output, "x_requests": requests,
        "x_batch": int(batch),
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def fill(cache: Cache, rows: Iterable[Row]) -> SwapData:
    cache.replace_charges("test", D(2026, 9, 1), D(2026, 11, 30), list(rows))
    save_rules(cache, rules_from_json([TAGS_RULE], "test rules"))
    return swap_data(cache, PERIOD)


def run(data: SwapData, feature: str | None, *levers: Lever) -> Outcome:
    return simulate(data, Scenario("test", feature, tuple(levers)))


def route(model: ModelRef, to: ModelRef, share: float) -> Lever:
    return Lever("route", model, share, to=to)


def by_model(outcome: Outcome) -> dict[ModelRef, tuple[float, float]]:
    return {(r.provider, r.model): (r.before, r.after) for r in outcome.by_model.itertuples()}


# -- routes -----------------------------------------------------------------------------------


def test_moving_a_feature_to_nova_micro_cuts_each_token_type_by_the_price_ratio(
    cache: Cache
) -> None:
    """Input-only and output-only traffic in separate features, so each ratio stands alone."""
    data = fill(cache, [
        ai(DAY, "reads", PRO, input=3_000_000, requests=2_000),
        ai(DAY, "writes", PRO, output=700_000, requests=2_000),
    ])
    reads = run(data, "reads", route(PRO, MICRO, 1.0))
    assert reads.before == pytest.approx(3 * 0.80, rel=1e-12)
    assert reads.after == pytest.approx(3 * 0.035, rel=1e-12)
    assert reads.saving_pct == pytest.approx(1 - 0.035 / 0.80, rel=1e-12)
    writes = run(data, "writes", route(PRO, MICRO, 1.0))
    assert writes.before == pytest.approx(0.7 * 3.20, rel=1e-12)
    assert writes.saving_pct == pytest.approx(1 - 0.14 / 3.20, rel=1e-12)
    # All of it is now on Nova Micro.
    assert by_model(writes)[PRO] == (pytest.approx(0.7 * 3.20, rel=1e-12), 0.0)
    assert by_model(writes)[MICRO] == (0.0, pytest.approx(0.7 * 0.14, rel=1e-12))
    assert reads.by_feature == {"reads": pytest.approx(reads.saving, rel=1e-12)}
    assert reads.warnings == []


@pytest.mark.parametrize("feature", ["reads", "writes"])
def test_a_40_percent_route_saves_40_percent_of_the_full_swap(cache: Cache,
                                                             feature: str) -> None:
    data = fill(cache, [
        ai(DAY, "reads", PRO, input=3_000_000, requests=2_000),
        ai(DAY, "writes", PRO, output=700_000, requests=2_000),
    ])
    full = run(data, feature, route(PRO, MICRO, 1.0))
    part = run(data, feature, route(PRO, MICRO, 0.4))
    assert part.before == full.before
    assert part.saving == pytest.approx(0.4 * full.saving, rel=1e-12)
    before_pro, after_pro = by_model(part)[PRO]
    assert after_pro == pytest.approx(0.6 * before_pro, rel=1e-12)


def test_a_route_carries_every_token_type_and_the_days(cache: Cache) -> None:
    """Cached reads, cache writes and output move with the input, each at the new rate."""
    second = DAY + dt.timedelta(days=1)
    data = fill(cache, [
        ai(DAY, "chat", SONNET, input=1_000_000, cached=4_000_000, write=200_000,
           output=300_000, requests=500),
        ai(second, "chat", SONNET, input=2_000_000, output=100_000, requests=400),
    ])
    outcome = run(data, "chat", route(SONNET, HAIKU, 0.5))
    tokens = [(1_000_000, 4_000_000, 200_000, 300_000), (2_000_000, 0, 0, 100_000)]
    before = [list_cost(SONNET, *t) for t in tokens]
    after = [0.5 * list_cost(SONNET, *t) + 0.5 * list_cost(HAIKU, *t) for t in tokens]
    assert outcome.before == pytest.approx(sum(before), rel=1e-12)
    assert outcome.after == pytest.approx(sum(after), rel=1e-12)
    assert list(outcome.daily["day"]) == [DAY, second]
    assert list(outcome.daily["before"]) == pytest.approx(before, rel=1e-12)
    assert list(outcome.daily["after"]) == pytest.approx(after, rel=1e-12)
    assert outcome.days == 2
    assert outcome.monthly_saving == pytest.approx(outcome.saving / 2 * 30, rel=1e-12)


def test_a_scenario_changes_only_its_feature(cache: Cache) -> None:
    data = fill(cache, [
        ai(DAY, "triage", PRO, input=1_000_000, requests=100),
        ai(DAY, "other", PRO, input=5_000_000, requests=100),
    ])
    outcome = run(data, "triage", route(PRO, MICRO, 1.0))
    assert outcome.before == pytest.approx(0.80, rel=1e-12)
    everything = run(data, None, route(PRO, MICRO, 1.0))
    assert everything.before == pytest.approx(6 * 0.80, rel=1e-12)
    assert everything.by_feature == {"triage": pytest.approx(outcome.saving, rel=1e-12),
                                     "other": pytest.approx(5 * outcome.saving, rel=1e-12)}


def test_a_route_to_a_priced_model_outside_the_period_is_priced(cache: Cache) -> None:
    """A saved scenario may name a model this period does not use (nor a smaller tier of
    the one it replaces): it has a list price, so the route is priced, not dropped."""
    data = fill(cache, [ai(DAY, "chat", SONNET, input=2_000_000, output=100_000,
                           requests=100)])
    outcome = run(data, "chat", route(SONNET, GPT41_MINI, 1.0))
    assert outcome.warnings == []
    assert outcome.after == pytest.approx(list_cost(GPT41_MINI, 2_000_000, 0, 0, 100_000),
                                          rel=1e-12)


def test_the_users_rates_price_before_and_after(cache: Cache) -> None:
    set_override(cache, *PRO, {"input": 0.40}, note="committed use")
    data = fill(cache, [ai(DAY, "reads", PRO, input=3_000_000, output=1_000_000,
                           requests=100)])
    outcome = run(data, "reads", route(PRO, MICRO, 1.0))
    assert outcome.before == pytest.approx(3 * 0.40 + 1 * 3.20, rel=1e-12)
    assert outcome.after == pytest.approx(3 * 0.035 + 1 * 0.14, rel=1e-12)
    assert outcome.billed == pytest.approx(3 * 0.80 + 1 * 3.20, rel=1e-12)  # the bill's own


# -- caching ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("ttl", "write_rate"), [("5m", 3.75), ("1h", 6.0)])
@pytest.mark.parametrize(("share", "reads"), [(0.7, 8.0), (0.25, 2.0), (1.0, 50.0)])
def test_caching_on_claude_sonnet_reads_at_a_tenth_and_writes_at_the_ttl_price(
    cache: Cache, ttl: str, write_rate: float, share: float, reads: float
) -> None:
    uncached, cached, output = 5_000_000, 1_000_000, 200_000
    data = fill(cache, [ai(DAY, "chat", SONNET, input=uncached, cached=cached,
                           output=output, requests=1_000)])
    outcome = run(data, "chat", Lever("cache", SONNET, share, ttl=ttl, reads_per_write=reads))
    untouched = (cached * 0.30 + output * 15.0) / M  # tokens the lever leaves alone
    expected = (uncached * (1 - share) * 3.0 + uncached * share * 0.30
                + uncached * share / reads * write_rate) / M + untouched
    assert outcome.before == pytest.approx(uncached * 3.0 / M + untouched, rel=1e-12)
    assert outcome.after == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("reads", [1.0, 10.0])
def test_caching_on_gpt_4_1_reads_at_a_quarter_and_writes_nothing(cache: Cache,
                                                                  reads: float) -> None:
    uncached = 4_000_000
    data = fill(cache, [ai(DAY, "chat", GPT41, input=uncached, requests=1_000)])
    outcome = run(data, "chat", Lever("cache", GPT41, 0.6, ttl="1h", reads_per_write=reads))
    assert outcome.after == pytest.approx(
        (uncached * 0.4 * 2.0 + uncached * 0.6 * 0.50) / M, rel=1e-12)
    assert outcome.warnings == []


# -- batch ------------------------------------------------------------------------------------


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_batch_halves_the_share_sent_to_it(cache: Cache, share: float) -> None:
    data = fill(cache, [ai(DAY, "evals", GPT41, input=2_000_000, cached=500_000,
                           output=400_000, requests=300)])
    outcome = run(data, "evals", Lever("batch", GPT41, share))
    assert outcome.before == pytest.approx(list_cost(GPT41, 2_000_000, 500_000, 0, 400_000),
                                           rel=1e-12)
    assert outcome.after == pytest.approx(outcome.before * (1 - share / 2), rel=1e-12)


def test_traffic_already_batched_is_not_batched_twice(cache: Cache) -> None:
    sync = list_cost(GPT41, 1_000_000, 0, 0, 100_000)
    batched = list_cost(GPT41, 3_000_000, 0, 0, 300_000, batch=True)
    data = fill(cache, [
        ai(DAY, "evals", GPT41, input=1_000_000, output=100_000, requests=100),
        ai(DAY, "evals", GPT41, input=3_000_000, output=300_000, requests=300, batch=True),
    ])
    outcome = run(data, "evals", Lever("batch", GPT41, 1.0))
    assert outcome.before == pytest.approx(sync + batched, rel=1e-12)
    assert outcome.after == pytest.approx(sync / 2 + batched, rel=1e-12)
    only_batched = fill(cache, [ai(DAY, "evals", GPT41, input=3_000_000, requests=300,
                                   batch=True)])
    outcome = run(only_batched, "evals", Lever("batch", GPT41, 1.0))
    assert outcome.after == outcome.before


# -- lever order ------------------------------------------------------------------------------

# Route 40 % of Nova Pro to Nova Micro, then batch half of what stays on Nova Pro:
# 0.3 on Pro synchronously, 0.3 on Pro in batch, 0.4 on Micro synchronously.
ROUTE_THEN_BATCH = 0.3 * 0.80 + 0.3 * 0.80 * 0.5 + 0.4 * 0.035  # per million input tokens


def test_levers_apply_route_then_batch(cache: Cache) -> None:
    data = fill(cache, [ai(DAY, "triage", PRO, input=10_000_000, requests=1_000)])
    outcome = run(data, "triage", route(PRO, MICRO, 0.4), Lever("batch", PRO, 0.5))
    assert outcome.after == pytest.approx(10 * ROUTE_THEN_BATCH, rel=1e-12)


def test_the_documented_lever_order_holds_whatever_order_they_are_listed_in(
    cache: Cache
) -> None:
    """worthit.core.scenarios: "A scenario is applied in order: routes first, then caching,
    then batch". The page lets a user add a batch lever before a route."""
    data = fill(cache, [ai(DAY, "triage", PRO, input=10_000_000, requests=1_000)])
    listed_batch_first = run(data, "triage", Lever("batch", PRO, 0.5), route(PRO, MICRO, 0.4))
    assert listed_batch_first.after == pytest.approx(10 * ROUTE_THEN_BATCH, rel=1e-12)


# -- unpriced models --------------------------------------------------------------------------

ACME_BILLED = 12.34


def unpriced_rows() -> list[Row]:
    return [
        ai(DAY, "triage", PRO, input=1_000_000, output=100_000, requests=1_000),
        ai(DAY, "labs", ACME, input=2_000_000, output=500_000, requests=50, cost=ACME_BILLED),
    ]


PRO_COST = list_cost(PRO, 1_000_000, 0, 0, 100_000)


def test_an_unpriced_model_is_left_out_of_every_figure_with_a_warning(cache: Cache) -> None:
    data = fill(cache, unpriced_rows())
    outcome = run(data, None)
    assert outcome.unpriced == [ACME]
    (warning,) = outcome.warnings
    assert "OpenAI acme-llm-1" in warning
    assert "never counted as $0" in warning
    # Before is the priced model alone, and so is the bill beside it.
    assert outcome.before == pytest.approx(PRO_COST, rel=1e-12)
    assert outcome.after == pytest.approx(PRO_COST, rel=1e-12)
    assert outcome.billed == pytest.approx(PRO_COST, rel=1e-12)
    assert set(by_model(outcome)) == {PRO}
    assert outcome.daily["before"].sum() == pytest.approx(PRO_COST, rel=1e-12)
    # Nothing is suggested for a model whose cost is unknown.
    assert all(s.scenario.feature != "labs" for s in suggestions(data))


def test_a_feature_whose_only_model_is_unpriced_has_nothing_to_price(cache: Cache) -> None:
    """Not an error: the page shows the feature and the warning, with no saving."""
    data = fill(cache, unpriced_rows())
    alone = run(data, "labs", route(ACME, PRO, 1.0))
    assert (alone.unpriced, alone.before, alone.after, alone.saving_pct) == (
        [ACME], 0.0, 0.0, None)
    assert "OpenAI acme-llm-1" in alone.warnings[0]
    assert len(alone.daily) == 0


def test_a_period_without_ai_usage_has_nothing_to_price(cache: Cache) -> None:
    fill(cache, unpriced_rows())
    data = swap_data(cache, Period(D(2026, 9, 1), D(2026, 9, 30)))  # no usage in September
    assert (len(data.usage), data.features, data.days) == (0, [], 0)
    assert suggestions(data) == []
    outcome = run(data, None)
    assert (outcome.before, outcome.after, outcome.unpriced, outcome.monthly_saving) == (
        0.0, 0.0, [], 0.0)


def test_a_route_to_an_unpriced_model_is_ignored_with_a_warning(cache: Cache) -> None:
    data = fill(cache, unpriced_rows())
    outcome = run(data, "triage", route(PRO, ACME, 1.0))
    assert outcome.after == outcome.before == pytest.approx(PRO_COST, rel=1e-12)
    assert outcome.warnings == ["acme-llm-1 has no price: the route to it is left out."]


def test_the_report_marks_an_unpriced_model(cache: Cache) -> None:
    fill(cache, unpriced_rows())
    figures = Figures(cache, PERIOD)
    shown = swap_page.json(figures, Options())
    assert shown["unpriced"] == ["OpenAI/acme-llm-1"]
    rows = {(r["provider"], r["model"]): r for r in cast(list[dict[str, Any]], shown["usage"])}
    assert rows[ACME] == {"provider": "OpenAI", "model": "acme-llm-1", "requests": 50,
                          "input": 2_000_000, "cached_input": 0, "cache_write": 0,
                          "output": 500_000, "billed": ACME_BILLED, "list_cost": None,
                          "unpriced": True}
    assert rows[PRO]["list_cost"] == round(PRO_COST, 2)
    assert rows[PRO]["unpriced"] is False
    json.dumps(shown, allow_nan=False)
    csv_lines = csv_text(swap_page.table(figures)).splitlines()
    assert "# unpriced: acme-llm-1 (OpenAI): no price, left out of every saving" in csv_lines


def test_the_cli_table_says_unpriced(cache: Cache, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    workspace = Workspace(tmp_path / "ws")
    workspace.folder.mkdir()
    with Cache.open(workspace.cache_path) as own:
        fill(own, unpriced_rows())
    code = main(["--workspace", str(workspace.folder), "report", "swap",
                 "--from", PERIOD.start.isoformat(), "--to", PERIOD.end.isoformat()])
    out, err = capsys.readouterr()
    assert code == 0, err
    (line,) = [text for text in out.splitlines() if text.startswith("acme-llm-1 (OpenAI)")]
    assert line.split()[-1] == "UNPRICED"
    assert "$12.34" in line
    assert "Unpriced, left out of every saving: acme-llm-1 (OpenAI)" in out


def test_the_cli_reports_a_workspace_whose_every_model_is_unpriced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A team on a model the catalog lacks sees it marked, not a traceback."""
    workspace = Workspace(tmp_path / "ws")
    workspace.folder.mkdir()
    with Cache.open(workspace.cache_path) as own:
        fill(own, unpriced_rows()[1:])
    code = main(["--workspace", str(workspace.folder), "report", "swap", "--format", "json",
                 "--from", PERIOD.start.isoformat(), "--to", PERIOD.end.isoformat()])
    out, err = capsys.readouterr()
    assert code == 0, err
    shown = json.loads(out)
    assert shown["unpriced"] == ["OpenAI/acme-llm-1"]
    assert [r["list_cost"] for r in shown["usage"]] == [None]


# -- properties -------------------------------------------------------------------------------

CHEAPER = {PRO: MICRO, SONNET: HAIKU, GPT41: GPT41_MINI}  # cheaper in every token type
tokens = st.integers(0, 2_000_000_000)
usage = st.lists(st.tuples(
    st.integers(0, 3),  # day
    st.sampled_from(["a", "b"]),  # feature
    st.sampled_from(list(CHEAPER)),
    tokens, tokens, st.integers(0, 200_000_000), tokens,  # input, cached, write, output
    st.booleans(),  # batched
), min_size=1, max_size=8)
shares = st.floats(0.0, 1.0)
lever_sets = st.tuples(
    st.sampled_from(list(CHEAPER)), shares,  # route
    st.sampled_from([SONNET, GPT41]), shares, st.sampled_from(["5m", "1h"]),
    st.floats(2.5, 100.0),  # cache: reads per write keeps the write overhead below input
    st.sampled_from(list(CHEAPER)), shares,  # batch
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(usage, lever_sets)
def test_cheaper_levers_never_cost_more_and_every_figure_adds_up(
    rows: list[tuple[Any, ...]], levers: tuple[Any, ...]
) -> None:
    routed, route_share, cached, cache_share, ttl, reads, batched, batch_share = levers
    charges = [ai(DAY + dt.timedelta(days=day), feature, model, input=inp, cached=cache,
                  write=write, output=out, requests=1_000, batch=batch)
               for day, feature, model, inp, cache, write, out, batch in rows]
    with tempfile.TemporaryDirectory() as folder, Cache.open(Path(folder) / "c.sqlite") as c:
        data = fill(c, charges)
    expected = sum(list_cost(model, inp, cache, write, out, batch=batch)
                   for _day, _f, model, inp, cache, write, out, batch in rows)
    chosen = [route(routed, CHEAPER[routed], route_share),
              Lever("cache", cached, cache_share, ttl=ttl, reads_per_write=reads),
              Lever("batch", batched, batch_share)]
    # Each lever alone and all together on all AI spend; all together on one feature.
    cases = [*((None, group) for group in ([], *([lever] for lever in chosen), chosen)),
             (rows[0][1], chosen)]
    for feature, scenario_levers in cases:
        outcome = run(data, feature, *scenario_levers)
        if feature is None:
            assert outcome.before == pytest.approx(expected, rel=1e-9, abs=1e-9)
        slack = 1e-9 * outcome.before + 1e-9
        assert outcome.after <= outcome.before + slack, scenario_levers
        if not scenario_levers:
            assert outcome.after == outcome.before
        assert outcome.by_model["before"].sum() == pytest.approx(outcome.before,
                                                                 rel=1e-9, abs=1e-9)
        assert outcome.by_model["after"].sum() == pytest.approx(outcome.after,
                                                                rel=1e-9, abs=1e-9)
        assert outcome.daily["before"].sum() == pytest.approx(outcome.before,
                                                              rel=1e-9, abs=1e-9)
        assert outcome.daily["after"].sum() == pytest.approx(outcome.after,
                                                             rel=1e-9, abs=1e-9)
        assert sum(outcome.by_feature.values()) == pytest.approx(outcome.saving,
                                                                 rel=1e-9, abs=1e-6)
        assert outcome.unpriced == []


# -- the demo workspace -----------------------------------------------------------------------

LAST_30 = preset_period(Preset.LAST_30, DEMO_END)


@pytest.fixture(scope="module")
def demo(demo_workspace: Workspace) -> tuple[SwapData, list[Suggestion], dict[str, float]]:
    """Swap data for the last 30 days, its suggestions, and the planted savings by kind."""
    with demo_workspace.open() as cache:
        data = swap_data(cache, LAST_30)
        planted = {leak.kind: leak.monthly_saving for leak in read_planted(cache)}
    return data, suggestions(data), planted


def find(found: list[Suggestion], kind: str, feature: str) -> tuple[int, Suggestion]:
    (match,) = [(n, s) for n, s in enumerate(found)
                if s.kind == kind and s.scenario.feature == feature]
    return match


def test_the_ticket_triage_swap_is_suggested_and_saves_what_was_planted(
    demo: tuple[SwapData, list[Suggestion], dict[str, float]]
) -> None:
    _data, found, planted = demo
    _rank, triage = find(found, "smaller", "ticket-triage")
    assert [s for s in found if s.evidence].index(triage) < 3  # among the top backed ones
    assert triage.scenario.levers == (route(PRO, MICRO, 1.0),)
    assert triage.evidence
    assert triage.monthly_saving == pytest.approx(planted["overpowered_model"], rel=0.10)


def test_the_eval_nightly_batch_suggestion_saves_what_was_planted(
    demo: tuple[SwapData, list[Suggestion], dict[str, float]]
) -> None:
    _data, found, planted = demo
    _rank, batch = find(found, "batch", "eval-nightly")
    assert batch.scenario.levers == (Lever("batch", GPT41, 1.0),)
    assert batch.monthly_saving == pytest.approx(planted["batch_eligible"], rel=0.10)


def test_suggestions_are_listed_by_the_saving_they_show(
    demo: tuple[SwapData, list[Suggestion], dict[str, float]]
) -> None:
    """One order for every list (the window's table, the report, the deck): the largest
    monthly saving first, whether the usage backs it or it is worth testing; each says
    which it is. In the demo a routing guess saves more than a saving the usage backs,
    so the two kinds interleave."""
    _data, found, _planted = demo
    savings = [s.monthly_saving for s in found]
    assert savings == sorted(savings, reverse=True)
    flags = [s.evidence for s in found]
    assert True in flags and False in flags
    assert flags != sorted(flags, reverse=True)  # not all the backed ones first


def test_the_first_suggestions_are_the_largest_whatever_the_limit(
    demo: tuple[SwapData, list[Suggestion], dict[str, float]]
) -> None:
    """The report takes the first 12 of the leak detectors' longer list: the same 12."""
    data, found, _planted = demo
    longer = suggestions(data, limit=1000)
    assert [s.title for s in longer[:len(found)]] == [s.title for s in found]
    assert [s.title for s in suggestions(data, limit=3)] == [s.title for s in found[:3]]


def test_every_demo_model_is_priced_at_what_the_demo_billed(
    demo: tuple[SwapData, list[Suggestion], dict[str, float]], demo_workspace: Workspace
) -> None:
    """The demo bills at list prices, so the catalog must agree with the bill, per model,
    to the cent (the bill read with plain sqlite3)."""
    data, _found, _planted = demo
    with closing(sqlite3.connect(f"file:{demo_workspace.cache_path}?mode=ro", uri=True)) as conn:
        billed = {(p, m): cost for p, m, cost in conn.execute(
            "SELECT provider_name, x_model, SUM(effective_cost) FROM charges "
            "WHERE x_model IS NOT NULL AND charge_period_start BETWEEN ? AND ? "
            "GROUP BY provider_name, x_model",
            (LAST_30.start.isoformat(), LAST_30.end.isoformat()))}
    now = run(data, None)
    assert now.unpriced == []
    assert now.warnings == []
    priced = by_model(now)
    assert set(priced) == set(billed)
    assert len(billed) >= 8
    for model, cost in billed.items():
        assert abs(priced[model][0] - cost) < 0.005, model


def test_swapping_ticket_triage_lowers_the_resolved_ticket_cost_by_saving_per_ticket(
    demo: tuple[SwapData, list[Suggestion], dict[str, float]]
) -> None:
    data, _found, _planted = demo
    outcome = run(data, "ticket-triage", route(PRO, MICRO, 1.0))
    assert outcome.saving > 1_000
    (effect,) = unit_effects(data, outcome)
    unit, new_cost = effect
    assert unit.unit.unit_id == "resolved-ticket"
    assert unit.gaps == []
    assert unit.unit_cost is not None
    assert unit.unit_cost - new_cost == pytest.approx(outcome.saving / unit.count, rel=1e-9)

"""``worthit mcp`` as an assistant uses it: a real subprocess, the SDK's stdio client, every
tool called on the demo workspace, and every figure equal to the cent to ``worthit report
... --format json`` (or the command that shows it) for the same period."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession

from tests.assistant.client import refusal, result, talk
from tests.conftest import run_cli
from worthit.workspace import Workspace

TOOLS = {"overview", "allocation", "unit_costs", "leaks", "model_swap", "alerts", "budgets",
         "sources", "charges", "customers"}
START, END = "2026-10-01", "2026-10-31"


def report(capsys: pytest.CaptureFixture[str], workspace: Workspace,
           *args: str) -> dict[str, Any]:
    code, out, err = run_cli(capsys, workspace, *args)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def same(answer: dict[str, Any], reported: dict[str, Any]) -> None:
    """Every key of the report's JSON is in the answer with the same value."""
    assert {key: answer.get(key) for key in reported} == reported


def test_every_tool_answers_with_the_reports_figures(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace,
        tmp_path: Path) -> None:
    suggestions = report(capsys, demo_workspace, "report", "swap", "--format",
                         "json")["suggestions"][:3]

    async def conversation(session: ClientSession) -> dict[str, Any]:
        listed = await session.list_tools()
        answers: dict[str, Any] = {"tools": {t.name: t for t in listed.tools}}
        resource = await session.read_resource("worthit://workspace")
        answers["workspace"] = json.loads(getattr(resource.contents[0], "text", ""))
        answers["prompts"] = [p.name for p in (await session.list_prompts()).prompts]
        period = {"start": START, "end": END}
        answers["overview"] = await result(session, "overview", **period)
        answers["default_overview"] = await result(session, "overview")
        answers["allocation"] = await result(session, "allocation", depth=4, **period)
        answers["support"] = await result(session, "allocation", depth=2, team="support",
                                          **period)
        answers["units"] = await result(session, "unit_costs", granularity="month",
                                        **period)
        answers["ticket"] = await result(session, "unit_costs", unit="resolved-ticket",
                                         **period)
        answers["leaks"] = await result(session, "leaks", end=END)
        answers["runaway"] = await result(session, "leaks", kind="runaway_agent")
        answers["by_provider"] = await result(session, "charges", group_by=["provider"],
                                              **period)
        answers["alerts"] = await result(session, "alerts")
        answers["budgets"] = await result(session, "budgets")
        answers["sources"] = await result(session, "sources")
        for view in ("customers", "runs", "keys"):
            answers[view] = await result(session, "customers", view=view, **period)
        answers["swaps"] = [await result(session, "model_swap", feature=s["feature"],
                                         levers=s["levers"]) for s in suggestions]
        return answers

    answers = talk(demo_workspace, tmp_path / "server.log", conversation)
    assert "Traceback" not in (tmp_path / "server.log").read_text(encoding="utf-8")

    assert set(answers["tools"]) == TOOLS
    for tool in answers["tools"].values():
        assert tool.annotations.read_only_hint is True
        assert len(tool.description) > 150  # said for a model that never heard of Worthit
    assert answers["prompts"] == ["explain_change", "save_20_percent"]
    assert set(answers["workspace"]["providers"]) == {"AWS", "Anthropic", "Microsoft",
                                                      "OpenAI"}
    assert answers["workspace"]["units"][0]["unit"] == "resolved-ticket"

    period = ("--from", START, "--to", END)
    overview = report(capsys, demo_workspace, "report", "overview", "--format", "json",
                      *period)
    same(answers["overview"], overview)
    assert answers["overview"]["data_freshness"]["data_through"] == "2026-11-26"
    assert answers["overview"]["period"] == {"from": START, "to": END}
    same(answers["default_overview"],
         report(capsys, demo_workspace, "report", "overview", "--format", "json"))

    allocation = report(capsys, demo_workspace, "report", "allocation", "--format", "json",
                        "--depth", "4", *period)
    same(answers["allocation"], allocation)
    shallow = report(capsys, demo_workspace, "report", "allocation", "--format", "json",
                     "--depth", "2", *period)
    assert answers["support"]["tree"] == [n for n in shallow["tree"] if n["name"] == "support"]
    assert answers["support"]["total"] == allocation["total"]

    same(answers["units"], report(capsys, demo_workspace, "report", "units", "--format",
                                  "json", "--granularity", "month", *period))
    weekly = report(capsys, demo_workspace, "report", "units", "--format", "json", *period)
    assert answers["ticket"]["units"] == [u for u in weekly["units"]
                                          if u["unit"] == "resolved-ticket"]

    leaks = report(capsys, demo_workspace, "report", "leaks", "--format", "json", "--to", END)
    same(answers["leaks"], leaks)
    latest = report(capsys, demo_workspace, "report", "leaks", "--format", "json")
    runaway = [f for f in latest["findings"] if f["kind"] == "runaway_agent"]
    assert runaway and answers["runaway"]["findings"] == runaway
    assert answers["runaway"]["monthly_saving"] == latest["monthly_saving"]  # the page's
    assert answers["runaway"]["shown_one_off"] == round(sum(
        f["one_off"] for f in runaway if f["state"] == "open"), 2)

    # The charge search sums the same charges the Overview does.
    assert {r["provider"]: r["effective_cost"] for r in answers["by_provider"]["rows"]} == {
        p["provider"]: p["cost"] for p in overview["by_provider"]}
    assert answers["by_provider"]["totals"][0]["effective_cost"] == \
        overview["total_effective_cost"]

    # A what-if with a suggestion's levers saves what the Model swap page says it does.
    assert suggestions
    for suggestion, swap in zip(suggestions, answers["swaps"], strict=True):
        assert swap["monthly_saving"] == suggestion["monthly_saving"] > 0

    same(answers["sources"], report(capsys, demo_workspace, "sources", "list", "--output",
                                    "json"))
    same(answers["budgets"], report(capsys, demo_workspace, "budgets", "list", "--output",
                                    "json"))
    assert answers["alerts"]["alerts"] == []  # the demo records none; see test_read_only
    for view in ("customers", "runs", "keys"):
        same(answers[view], report(capsys, demo_workspace, "report", view, "--format",
                                   "json", *period))
    assert answers["customers"]["customers"]  # the demo's traces reach October


def test_bad_input_is_refused_in_words_that_say_what_to_change(
        demo_workspace: Workspace, tmp_path: Path) -> None:
    async def conversation(session: ClientSession) -> list[str]:
        return [
            await refusal(session, "overview", start="2026-11-10", end="2026-11-01"),
            await refusal(session, "overview", start="2020-01-01", end="2020-01-31"),
            await refusal(session, "overview", start="last week"),
            await refusal(session, "allocation", team="marketing"),
            await refusal(session, "allocation", team="support", feature="payroll"),
            await refusal(session, "unit_costs", unit="widgets"),
            await refusal(session, "unit_costs", granularity="year"),
            await refusal(session, "leaks", kind="crypto_mining"),
            await refusal(session, "alerts", state="urgent"),
            await refusal(session, "model_swap", feature="support-assistant", levers=[
                {"kind": "route", "model": ["OpenAI", "gpt-9"], "share": 0.5,
                 "to": ["OpenAI", "gpt-4.1-mini"]}]),
            await refusal(session, "model_swap", feature=None, levers=[
                {"kind": "batch", "model": ["OpenAI", "gpt-4.1"], "share": 2}]),
        ]

    words = talk(demo_workspace, tmp_path / "server.log", conversation)
    expected = [
        "`end` (2026-11-01) is before `start` (2026-11-10)",
        "no data from 2020-01-01 to 2020-01-31: this workspace holds charges from 2025-10-27 "
        "to 2026-11-26",
        "'last week' is not a date of the form YYYY-MM-DD",
        "no team 'marketing' here: use one of Unallocated, devex, ml-platform, search, "
        "support",
        "no feature under team 'support' 'payroll' here: use one of",
        "no unit 'widgets' here: use one of",
        "granularity 'year': use day, week or month",
        "no leak kind 'crypto_mining' here: use one of",
        "state 'urgent': use one of all, active",
        "OpenAI gpt-9 has no usage in 'support-assistant'; use one of [",
        "field 'share': expected a number from 0 to 1",
    ]
    for said, part in zip(words, expected, strict=True):
        assert part in said
    assert "Traceback" not in (tmp_path / "server.log").read_text(encoding="utf-8")


def test_a_folder_without_a_cache_is_refused_not_made(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = Workspace(tmp_path / "nothing")
    code, _out, err = run_cli(capsys, empty, "mcp")
    assert code == 2
    assert "no workspace at" in err and "--workspace" in err
    assert not empty.folder.exists()

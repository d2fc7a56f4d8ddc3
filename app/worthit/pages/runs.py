"""The Agent runs page: what one run of each agent costs (allocated from the bill through
the request traces), its spread per agent (runs, p50, p95, max), the costliest runs with
their trace ids, and the runs costing over the loop factor × their agent's p95 flagged as
loops."""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING, Any, Final

from worthit.core.money import money
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table

if TYPE_CHECKING:
    import pandas as pd

    from worthit.analysis.customers import RunCosts
    from worthit.pages.figures import Figures

#: What the page says when no trace row names a run: where runs come from.
EMPTY: Final = ("No agent runs in this period. Runs come from request traces that name "
                "one: OpenTelemetry GenAI spans (a run is a trace, its agent the "
                "gen_ai.agent name), a LiteLLM spend log, or a usage CSV with a run_id "
                "column. Import them with File > Import or `worthit import`.")
#: How many of the costliest runs the text and JSON list (the table has them all).
TOP: Final = 20
COLUMNS: Final = ("Run", "Agent", "First day", "Last day", "Requests", "Cost", "Estimate",
                  "Loop")

_computed: weakref.WeakKeyDictionary[Figures, RunCosts] = weakref.WeakKeyDictionary()


def result(figures: Figures) -> RunCosts:
    """The period's runs and their spread per agent (computed once per :class:`Figures`),
    loops flagged at the leak settings' factor, so this page and the Looping agent run leak
    flag the same runs."""
    held = _computed.get(figures)
    if held is None:
        from worthit.analysis.customers import run_costs
        from worthit.analysis.leaks import load_settings

        held = _computed[figures] = run_costs(figures.customers,
                                              load_settings(figures.cache).loop_factor)
    return held


def agent_of(agent: Any) -> str:
    return str(agent) if agent else "(no agent)"


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def estimate_of(run: dict[str, Any]) -> float | None:
    """A run's list-price estimate, None where a model of it has no price (NaN)."""
    value = run["estimate"]
    return None if value is None or math.isnan(float(value)) else float(value)


def loop_note(runs: RunCosts) -> str:
    """How many runs are flagged, and what flags them."""
    loops = int(runs.runs["loop"].sum()) if len(runs.runs) else 0
    rule = f"a run costing over {runs.factor:g}× its agent's p95 is flagged as a loop"
    return f"{loops} loop{'s' if loops != 1 else ''} ({rule})."


def table(figures: Figures) -> Table:
    """Every run, costliest first."""
    found = result(figures)
    rows = [(r["run_id"], agent_of(r["agent"]), r["first_day"], r["last_day"], r["requests"],
             r["cost"], estimate_of(r), bool(r["loop"])) for r in records(found.runs)]
    return Table.of("Agent runs: cost per run, allocated from the bill", COLUMNS, rows,
                    period=figures.period, currency=figures.customers.currency, name="Runs",
                    filters=filters(figures, loops=loop_note(found)),
                    formats={"First day": "date", "Last day": "date", "Requests": "integer",
                             "Cost": "money", "Estimate": "money", "Loop": "bool"})


def text(figures: Figures, _options: Options) -> str:
    found = result(figures)
    cur = figures.customers.currency
    lines = [f"Agent runs {figures.period.label()}"]
    if found.runs.empty:
        return "\n".join([*lines, "", EMPTY])
    lines += [f"{len(found.runs):,} runs; {loop_note(found)}", "",
              "Cost per run, per agent (allocated from the bill)"]
    spread = [("Agent", "Runs", "p50", "p95", "Max")] + [
        (agent_of(a["agent"]), f"{a['runs']:,}", money(a["p50"], cur), money(a["p95"], cur),
         money(a["max"], cur)) for a in records(found.agents)]
    lines += ["  " + line for line in aligned(spread)]
    lines += ["", f"Costliest runs (top {min(TOP, len(found.runs))})"]
    rows = [("Run", "Agent", "Days", "Requests", "Cost", "Estimate", "")] + [
        (r["run_id"], agent_of(r["agent"]), days(r["first_day"], r["last_day"]),
         f"{r['requests']:,.0f}", money(r["cost"], cur),
         "–" if (e := estimate_of(r)) is None else money(e, cur), "LOOP" if r["loop"] else "")
        for r in records(found.runs.head(TOP))]
    lines += ["  " + line for line in aligned(rows, numeric_from=3)]
    lines += [f"Warning: {w}" for w in figures.customers.warnings]
    return "\n".join(lines)


def days(first: Any, last: Any) -> str:
    """``2026-09-01`` or ``2026-09-01 – 2026-09-03``."""
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    found = result(figures)
    return {
        "currency": figures.customers.currency, "loop_factor": found.factor,
        "basis": {"cost": "allocated from the bill", "estimate": "estimated (list price)"},
        "agents": [{"agent": agent_of(a["agent"]), "runs": int(a["runs"]),
                    "p50": round(float(a["p50"]), 2), "p95": round(float(a["p95"]), 2),
                    "max": round(float(a["max"]), 2)} for a in records(found.agents)],
        "runs": [{"run_id": str(r["run_id"]), "agent": agent_of(r["agent"]),
                  "first_day": r["first_day"].isoformat(),
                  "last_day": r["last_day"].isoformat(),
                  "requests": float(r["requests"]), "cost": round(float(r["cost"]), 2),
                  "estimate": None if (e := estimate_of(r)) is None else round(e, 2),
                  "loop": bool(r["loop"])} for r in records(found.runs.head(TOP))],
        # The flagged runs' ids alone: every run as a dict first took 0.1 s at 20,000 runs.
        "loops": [str(run) for run in found.runs.loc[found.runs["loop"].astype(bool),
                                                     "run_id"].tolist()]
        if len(found.runs) else [],
        "warnings": list(figures.customers.warnings)}


PAGE = Page("runs", "Agent runs", 58, table, text, json)

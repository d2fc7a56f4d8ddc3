"""Plain-text and CSV renderings of page results, for ``worthit report``."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from worthit.core.money import count_short, money, percent, unit_money

if TYPE_CHECKING:
    from worthit.analysis.allocation import Allocation
    from worthit.analysis.leaks import Finding
    from worthit.analysis.model_swap import Suggestion, SwapData
    from worthit.analysis.overview import Overview
    from worthit.analysis.unit_economics import UnitEconomics
    from worthit.core.periods import Period
    from worthit.core.scenarios import Scenario
    from worthit.store.findings import FindingState


def _rows_text(rows: list[tuple[str, ...]], numeric_from: int = 1) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i >= numeric_from else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]


def overview_table(result: Overview) -> str:
    cur = result.currency
    mtd = result.month_to_date
    lines = [
        f"Overview {result.period.label()} (compared with {result.previous.label()})",
        "",
        f"Total spend        {money(result.total, cur)}  "
        f"({percent(result.change_pct, signed=True)}, was {money(result.previous_total, cur)})",
    ]
    if mtd is not None:
        lines += [
            f"Month to date      {money(mtd.cost, cur)}  ({mtd.month}, through {mtd.through})",
            f"Forecast, {mtd.month}  {money(mtd.forecast, cur)}",
        ]
    totals = result.token_totals()
    lines += [
        f"AI share           {percent(result.ai_share)}  ({money(result.ai_total, cur)})",
        f"Tokens             {count_short(totals['input'] + totals['cached_input'])} input, "
        f"{count_short(totals['output'])} output, {count_short(totals['requests'])} requests",
        "",
        "By provider",
    ]
    providers = [(name, money(cost, cur)) for name, cost in result.provider_totals().items()]
    lines += ["  " + line for line in _rows_text(providers)] if providers else ["  (none)"]
    lines += ["", "Top movers"]
    movers = [("kind", "name", "before", "now", "change")] + [
        (row.dimension, row.name, money(row.previous, cur), money(row.current, cur),
         ("+" if row.change > 0 else "") + money(row.change, cur))
        for row in result.movers.itertuples(index=False)
    ]
    lines += ["  " + line for line in _rows_text(movers, numeric_from=2)]
    return "\n".join(lines)


def overview_csv(result: Overview) -> str:
    """Daily effective cost by provider: day, provider, effective_cost, currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "provider", "effective_cost", "currency"])
    for row in result.by_provider_daily.itertuples(index=False):
        writer.writerow([row.day, row.key, f"{row.cost:.6f}", result.currency])
    return out.getvalue()


def allocation_table(result: Allocation, depth: int = 2) -> str:
    """The tree, indented, down to ``depth`` levels, with each node's share and change."""
    cur = result.currency
    lines = [
        f"Allocation {result.period.label()} (compared with {result.previous.label()})",
        "",
        f"Total spend   {money(result.total, cur)}",
        f"Unallocated   {money(result.unallocated.cost, cur)} "
        f"({percent(result.share(result.unallocated))})",
        "",
    ]
    rows = [("", "cost", "share", "change")] + [
        ("  " * (node.level - 1) + node.name, money(node.cost, cur),
         percent(result.share(node)), percent(result.change_pct(node), signed=True))
        for node in result.walk(depth)
    ]
    lines += _rows_text(rows)
    reasons = list(result.children(result.unallocated.path))
    if reasons:
        lines += ["", "Why spend is unallocated"]
        lines += [f"  {node.name}: {node.reason}" for node in reasons]
    return "\n".join(lines)


def allocation_csv(result: Allocation, depth: int = 4) -> str:
    """One row per node down to ``depth``: team, feature, service, resource, level, cost,
    share, previous, change_pct, currency (a node's deeper columns are empty)."""
    from worthit.analysis.allocation import LEVELS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*LEVELS, "level", "effective_cost", "share", "previous_effective_cost",
                     "change_pct", "currency"])
    for node in result.walk(depth):
        share, change = result.share(node), result.change_pct(node)
        path = [*node.path, *[""] * (len(LEVELS) - node.level)]
        writer.writerow([*path, LEVELS[node.level - 1], f"{node.cost:.6f}",
                         "" if share is None else f"{share:.6f}", f"{node.previous:.6f}",
                         "" if change is None else f"{change:.6f}", result.currency])
    return out.getvalue()


def units_json(found: list[UnitEconomics], period: Period) -> dict[str, object]:
    previous = period.previous()
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "previous_period": {"from": previous.start.isoformat(),
                            "to": previous.end.isoformat()},
        "units": [e.to_json() for e in found],
    }


def units_table(found: list[UnitEconomics], period: Period) -> str:
    lines = [f"Unit costs {period.label()} (compared with {period.previous().label()})"]
    if not found:
        lines += ["", "No units are defined in this workspace."]
    for e in found:
        cur = e.unit.currency
        cost = "–" if e.unit_cost is None else unit_money(e.unit_cost, cur)
        target = "none" if e.unit.target_cost is None else unit_money(e.unit.target_cost, cur)
        lines += ["", f"{e.unit.name}: {cost} per unit (target {target}; "
                      f"{count_short(e.count)} {e.unit.counts_what})", f"  {e.verdict}"]
        if e.change is not None:
            rows = [("", "now", "before", "cost effect")] + [
                (d.component, _unit(d.per_unit, cur), _unit(d.previous_per_unit, cur),
                 _unit(d.cost_effect, cur, signed=True)) for d in e.drivers[:6]]
            volume = e.volume_effect
            lines += [f"  Change {unit_money(e.change, cur, signed=True)} per unit; volume "
                      f"effect {_unit(volume, cur, signed=True)}"]
            lines += ["    " + line for line in _rows_text(rows)]
        if e.gaps:
            lines.append(f"  Days without counts (left out): "
                         f"{', '.join(d.isoformat() for d in e.gaps)}")
    return "\n".join(lines)


def _unit(value: float | None, currency: str, *, signed: bool = False) -> str:
    return "–" if value is None else unit_money(value, currency, signed=signed)


def units_csv(found: list[UnitEconomics]) -> str:
    """The series behind the chart: one row per unit and point."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["unit", "from", "to", "cost", "count", "unit_cost", "target_cost",
                     "misses_target", "gap_days", "currency"])
    for e in found:
        target = e.unit.target_cost
        for b in e.buckets:
            cost = b.unit_cost
            writer.writerow([
                e.unit.unit_id, b.start.isoformat(), b.end.isoformat(), f"{b.cost:.6f}",
                f"{b.count:g}", "" if cost is None else f"{cost:.6f}",
                "" if target is None else f"{target:g}",
                "" if cost is None or target is None else str(cost > target).lower(),
                b.gap_days, e.unit.currency])
    return out.getvalue()


def _swap_usage(data: SwapData) -> list[dict[str, object]]:
    """Per model over the period: tokens, requests, billed and list-priced cost."""
    from worthit.analysis.model_swap import simulate
    from worthit.core.scenarios import Scenario as Plain

    base = simulate(data, Plain("now", None))
    priced = {(r.provider, r.model): r.before for r in base.by_model.itertuples()}
    out = []
    for (provider, model), group in data.usage.groupby(["provider", "model"]):
        cost = None if (provider, model) in base.unpriced else priced.get((provider, model))
        out.append({
            "provider": provider, "model": model,
            "requests": round(float(group["requests"].sum())),
            **{k: round(float(group[k].sum()))
               for k in ("input", "cached_input", "cache_write", "output")},
            "billed": round(float(group["billed"].sum()), 2),
            "list_cost": None if cost is None else round(cost, 2),
            "unpriced": cost is None,
        })
    out.sort(key=lambda r: -float(r["billed"]))  # type: ignore[arg-type]
    return out


def swap_json(data: SwapData, found: list[Suggestion], saved: list[Scenario]
              ) -> dict[str, object]:
    from worthit.analysis.model_swap import simulate

    usage = _swap_usage(data)
    return {
        "period": {"from": data.period.start.isoformat(), "to": data.period.end.isoformat()},
        "unpriced": [f"{r['provider']}/{r['model']}" for r in usage if r["unpriced"]],
        "usage": usage,
        "suggestions": [s.to_json() for s in found],
        "scenarios": [{**s.to_json(), "monthly_saving":
                       round(simulate(data, s).monthly_saving, 2)} for s in saved],
    }


def swap_csv(data: SwapData) -> str:
    """Usage per model: provider, model, requests, token counts, billed, list_cost."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = ["provider", "model", "requests", "input", "cached_input", "cache_write",
               "output", "billed", "list_cost"]
    writer.writerow(columns)
    for row in _swap_usage(data):
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return out.getvalue()


def swap_table(data: SwapData, found: list[Suggestion], saved: list[Scenario]) -> str:
    from worthit.analysis.model_swap import simulate

    usage = _swap_usage(data)
    lines = [f"Model swap {data.period.label()} (list prices or your rates; quality is not "
             "measured here)", ""]
    rows = [("model", "requests", "input", "output", "billed", "at list")] + [
        (f"{r['model']} ({r['provider']})", count_short(float(r["requests"])),  # type: ignore[arg-type]
         count_short(float(r["input"])), count_short(float(r["output"])),  # type: ignore[arg-type]
         money(float(r["billed"])),  # type: ignore[arg-type]
         "UNPRICED" if r["unpriced"] else money(float(r["list_cost"])))  # type: ignore[arg-type]
        for r in usage]
    lines += _rows_text(rows)
    unpriced = [f"{r['model']} ({r['provider']})" for r in usage if r["unpriced"]]
    if unpriced:
        lines += ["", f"Unpriced, left out of every saving: {', '.join(unpriced)}"]
    lines += ["", "Suggestions, by monthly saving"]
    for s in found:
        tag = "" if s.evidence else "  [worth testing]"
        lines += [f"  {money(s.monthly_saving)}/month  {s.title}{tag}", f"      {s.assumption}"]
    if saved:
        lines += ["", "Saved scenarios"]
        for scenario in saved:
            outcome = simulate(data, scenario)
            lines.append(f"  {money(outcome.monthly_saving)}/month  {scenario.name}")
    return "\n".join(lines)


def _leak_state(finding: Finding, states: dict[str, FindingState]) -> dict[str, object]:
    state = states.get(finding.key)
    if state is None:
        return {"state": "open"}
    return {"state": state.state, "reason": state.reason, "note": state.note,
            "snooze_until": state.snooze_until.isoformat() if state.snooze_until else None}


def leaks_json(found: list[Finding], states: dict[str, FindingState], period: Period
               ) -> dict[str, object]:
    """Every finding with its state; totals count open findings only."""
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date()
    open_ = [f for f in found if not (f.key in states and states[f.key].hidden(today))]
    return {
        "window": {"from": (period.end - dt.timedelta(days=29)).isoformat(),
                   "to": period.end.isoformat()},
        "monthly_saving": round(sum(f.monthly_saving for f in open_), 2),
        "findings": [{**f.to_json(), **_leak_state(f, states)} for f in found],
    }


def leaks_csv(found: list[Finding], states: dict[str, FindingState]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "kind", "title", "team", "feature", "resource", "monthly_cost",
                     "monthly_saving", "state"])
    for f in found:
        writer.writerow([f.key, f.kind, f.title, f.team or "", f.feature or "",
                         f.resource or "", f"{f.monthly_cost:.2f}", f"{f.monthly_saving:.2f}",
                         _leak_state(f, states)["state"]])
    return out.getvalue()


def leaks_table(found: list[Finding], states: dict[str, FindingState], period: Period) -> str:
    import datetime as dt

    from worthit.analysis.leaks import KIND_TITLES

    today = dt.datetime.now(dt.UTC).date()
    open_ = [f for f in found if not (f.key in states and states[f.key].hidden(today))]
    lines = [f"Leaks in the 30 days to {period.end} (open findings save "
             f"{money(sum(f.monthly_saving for f in open_))} per month)", ""]
    for f in found:
        state = _leak_state(f, states)["state"]
        owner = f"{f.team}/{f.feature}" if f.team else "no owner"
        tag = "" if state == "open" else f"  [{state}]"
        lines += [f"{money(f.monthly_saving):>10}/month  {KIND_TITLES[f.kind]}: {f.title}{tag}",
                  f"{'':>18}owner {owner}; fix: {f.fix[0]}"]
    return "\n".join(lines)

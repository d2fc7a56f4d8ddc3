"""The Customers page: each customer's AI cost for the period (allocated from the bill by
its request traces), requests, tokens, the list-price estimate, revenue, AI cost as a share
of revenue and margin; those over the workspace's threshold first, Not traced last so the
cost column adds up to the AI bill; the estimate-against-bill gap per model, and what the
tie warns of."""

from __future__ import annotations

import math
import textwrap
import weakref
from typing import TYPE_CHECKING, Any, Final

from worthit.core.money import money, percent
from worthit.pages.page import Options, Page, aligned, filters
from worthit.pages.table import Table

if TYPE_CHECKING:
    from worthit.analysis.customer_margin import CustomerMargin, CustomerMargins
    from worthit.pages.figures import Figures

#: What the page says when the period has no request traces: where traces come from.
EMPTY: Final = ("No request traces in this period, so the whole AI bill is Not traced. "
                "Worthit ties request traces to the bill: import OpenTelemetry GenAI spans "
                "(OTLP/JSON, as the collector's file exporter writes them), a LiteLLM spend "
                "log (CSV or JSON) or a usage CSV (date,customer,model,input_tokens,"
                "cached_input_tokens,cache_write_tokens,output_tokens,requests) with "
                "`worthit import FILE` or on the Sources page. Add revenue with `worthit "
                "customers import FILE` (month,customer,revenue[,currency]).")
COST: Final = "AI cost (allocated from the bill)"
ESTIMATE: Final = "Estimate (list price)"
REVENUE: Final = "Revenue (prorated)"
SHARE: Final = "AI cost / revenue"
MARGIN: Final = "Margin"
COLUMNS: Final = ("Customer", COST, ESTIMATE, "Requests", "Tokens", REVENUE, SHARE, MARGIN,
                  "Over threshold", "Note")
GAP_COLUMNS: Final = ("Provider", "Model", "Billed", "Bill at list price",
                      "Traces at list price", "Gap (estimate − billed)")

_computed: weakref.WeakKeyDictionary[Figures, CustomerMargins] = weakref.WeakKeyDictionary()


def result(figures: Figures) -> CustomerMargins:
    """The period's customers against their revenue, from :attr:`Figures.customers`
    (computed once per :class:`Figures`)."""
    held = _computed.get(figures)
    if held is None:
        from worthit.analysis.customer_margin import customer_margins

        held = _computed[figures] = customer_margins(figures.cache, figures.period,
                                                     costs=figures.customers)
    return held


def has_traces(found: CustomerMargins) -> bool:
    return len(found.costs.rows) > 0


def share_text(row: CustomerMargin) -> str:
    """``37.5 %``; ``no revenue`` where revenue is 0 and AI cost is not; ``–`` without."""
    if row.share is not None:
        return percent(row.share)
    if row.revenue is not None and row.compared_cost > 0:
        return "no revenue"
    return "–"


def headline(found: CustomerMargins) -> list[str]:
    """The AI bill, the share traced, Not traced and the customers over the threshold."""
    cur = found.currency
    traced = found.traced_share
    over = found.over
    lines = [f"AI bill {money(found.billed, cur)} (billed): "
             f"{money(found.billed - found.not_traced, cur)} allocated to traces "
             f"({percent(traced)} traced), Not traced {money(found.not_traced, cur)}."]
    if found.has_revenue:
        lines.append(f"Customers whose AI cost is over {percent(found.threshold, digits=0)} "
                     f"of their revenue: {len(over)}"
                     + (f" ({', '.join(r.customer for r in over[:5])}"
                        + (", …" if len(over) > 5 else "") + ")" if over else "") + ".")
    return lines


def table(figures: Figures) -> Table:
    """One row per customer, those over the threshold first, then Not traced."""
    found = result(figures)
    rows = [(r.customer, r.cost, r.estimate, None if r.not_traced else r.requests,
             None if r.not_traced else r.tokens, r.revenue, r.share, r.margin,
             None if r.not_traced or r.revenue is None else r.over, r.note)
            for r in found.rows]
    return Table.of(
        "Customers: AI cost, revenue and margin", COLUMNS, rows, period=figures.period,
        currency=found.currency, name="Customers",
        filters=filters(figures, basis=f"AI cost allocated from the bill; estimate at list "
                                       f"price; threshold {percent(found.threshold, digits=0)}"),
        formats={COST: "money", ESTIMATE: "money", "Requests": "integer",
                 "Tokens": "integer", REVENUE: "money", SHARE: "percent", MARGIN: "money",
                 "Over threshold": "bool"})


def gap_rows(found: CustomerMargins) -> list[tuple[str, ...]]:
    """The estimate-against-bill gap per model, as text."""
    cur = found.currency

    def shown(value: Any) -> str:
        return "–" if math.isnan(float(value)) else money(float(value), cur)  # not estimated
    return [(str(g["provider"]), str(g["model"]), money(float(g["billed"]), cur),
             shown(g["bill_estimate"]), shown(g["traced_estimate"]), shown(g["gap"]))
            for _, g in found.costs.gaps().iterrows()]


def text(figures: Figures, _options: Options) -> str:
    found = result(figures)
    cur = found.currency
    lines = [f"Customers {figures.period.label()}", *headline(found)]
    for warning in found.warnings():
        lines += textwrap.wrap(f"Warning: {warning}", 96, subsequent_indent="  ")
    gaps = gap_rows(found)
    if gaps:
        lines += ["", "Estimate against the bill, per model (list price − billed):",
                  *("  " + line for line in aligned([GAP_COLUMNS, *gaps], numeric_from=2))]
    if not has_traces(found):
        return "\n".join([*lines, "", *textwrap.wrap(EMPTY, 96)])
    rows = [("Customer", "AI cost", "Estimate", "Requests", "Revenue", "Share", "Margin")] + [
        (("! " if r.over else "  ") + r.customer, money(r.cost, cur),
         "–" if r.estimate is None else money(r.estimate, cur),
         "" if r.not_traced else f"{r.requests:,.0f}",
         "–" if r.revenue is None else money(r.revenue, cur), share_text(r),
         "–" if r.margin is None else money(r.margin, cur))
        for r in found.rows]
    lines += ["", "AI cost: allocated from the bill; estimate: list price; ! over the "
                  "threshold.", *aligned(rows, numeric_from=1)]
    lines += ["", *(w for note in found.revenue_notes() for w in textwrap.wrap(note, 96))]
    return "\n".join(lines)


def json(figures: Figures, _options: Options) -> dict[str, Any]:
    found = result(figures)
    return {**found.to_json(), "traced": has_traces(found),
            **({} if has_traces(found) else {"empty": EMPTY})}


PAGE = Page("customers", "Customers", 57, table, text, json)

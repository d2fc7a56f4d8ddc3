"""``worthit mcp``'s server: the tools of :mod:`worthit.assistant.tools` behind the
official SDK's ``MCPServer`` (mcp 2's name for FastMCP), with the workspace's description
as a resource and prompts a manager would use. Descriptions are written for a model that
has never heard of Worthit. A :class:`UserError` becomes a tool error whose text says what
to change; anything else stays a bug (the SDK logs it and answers a generic error)."""

import functools
import json
from collections.abc import Callable
from typing import Annotated, Any, Final, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from worthit import __version__
from worthit.assistant import tools
from worthit.core.errors import UserError
from worthit.workspace import Workspace

_T = TypeVar("_T")

INSTRUCTIONS: Final = (
    "Worthit is a desktop cost explorer: this server reads one workspace's cache of cloud "
    "and AI bills (AWS, OpenAI, Anthropic, Azure, ...) on the user's machine, read-only. "
    "Costs are effective costs (after discounts, credits and amortised commitments) in the "
    "workspace's currency, rounded to the cent; a negative cost is a credit or refund; a "
    "change is now minus before (positive: spend rose), change_pct a fraction (0.095 = "
    "9.5 %). Periods are inclusive UTC days (YYYY-MM-DD); without them a tool reports the "
    "30 days ending on the last day with data. Every answer says its period, currency and "
    "how fresh the data is (data_through: the last day with charges). Read the resource "
    "worthit://workspace first to learn the teams' providers, days covered and units.")

START = Annotated[str | None, Field(
    description="First day, YYYY-MM-DD, inclusive. Default: 29 days before `end`.")]
END = Annotated[str | None, Field(
    description="Last day, YYYY-MM-DD, inclusive. Default: the last day with data.")]

READ_ONLY: Final = ToolAnnotations(read_only_hint=True, destructive_hint=False,
                                   idempotent_hint=True, open_world_hint=False)


def _refusing(function: Callable[..., _T]) -> Callable[..., _T]:
    """``function`` with a :class:`UserError` turned into the SDK's ToolError, so the
    model reads what to change (``isError`` with the message) instead of a crash."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> _T:
        try:
            return function(*args, **kwargs)
        except UserError as error:
            raise ToolError(str(error)) from None

    return call


def build(workspace: Workspace) -> MCPServer:
    """The server over ``workspace`` (its cache must exist; it is only ever read)."""
    from worthit.analysis.leaks import KIND_TITLES

    reader = tools.Reader(workspace)
    kinds = ", ".join(KIND_TITLES)
    server: MCPServer = MCPServer("worthit", title="Worthit (read-only)",
                                  instructions=INSTRUCTIONS, version=__version__,
                                  log_level="WARNING")

    def tool(description: str) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
        def register(function: Callable[..., _T]) -> Callable[..., _T]:
            server.add_tool(_refusing(function), description=description,
                            annotations=READ_ONLY, structured_output=True)
            return function

        return register

    @tool("Total spend for a period against the period just before it (same length): "
          "total_effective_cost, previous_total_effective_cost, change and change_pct; the "
          "current month to date with its month-end forecast (P10-P90 range and method); "
          "the AI share of spend (ai.cost, ai.share); tokens and requests; spend by "
          "provider; and the biggest movers by provider, service and team (each mover: "
          "previous, current, change, change_pct).")
    def overview(start: START = None, end: END = None) -> dict[str, Any]:
        return tools.overview(reader, start, end)

    @tool("Who spent what: 100 % of the period's spend as a tree team > feature > service > "
          "resource, from the workspace's allocation rules. Each node: cost, share of the "
          "total (fraction), previous (the period before), change_pct; 'Unallocated' is "
          "spend no rule assigns, with the reason. total and unallocated are the whole "
          "period's even when a team or feature is asked for.")
    def allocation(start: START = None, end: END = None,
                   depth: Annotated[int, Field(
                       ge=1, le=4, description="Tree levels: 1 team, 2 feature, 3 service, "
                                               "4 resource.")] = 2,
                   team: Annotated[str | None, Field(
                       description="Only this team's subtree (exact name).")] = None,
                   feature: Annotated[str | None, Field(
                       description="Only this feature's subtree (exact name); each node "
                                   "carries its team.")] = None) -> dict[str, Any]:
        return tools.allocation(reader, start, end, depth, team, feature)

    @tool("Unit economics: the cost per business unit (a resolved ticket, 1,000 inferences, "
          "an active user) against its target, with count, cost, margin per unit where "
          "revenue per unit is known, the change against the period before split into "
          "drivers (cost_effect per component; volume_effect), and a series by the "
          "granularity asked. unit_cost is in the unit's currency per one unit.")
    def unit_costs(start: START = None, end: END = None,
                   unit: Annotated[str | None, Field(
                       description="One unit, by id or name (see worthit://workspace).")
                   ] = None,
                   granularity: Annotated[str, Field(
                       description="The series' points: day, week or month.")] = "week",
                   ) -> dict[str, Any]:
        return tools.unit_costs(reader, start, end, unit, granularity)

    @tool("Waste found in the 30 days ending on `end`: idle capacity, overpowered models, "
          "runaway agents, prompt bloat, batch-eligible traffic, storage graveyards, hidden "
          "network cost, weak attribution, hardware that does not fit. Each finding: kind, "
          "title, owner (team, feature), monthly_cost, monthly_saving (recurring, per "
          "30-day month), one_off (excess already paid), the fix steps, evidence and "
          "state (open, dismissed, snoozed). monthly_saving and one_off at the top count "
          "open findings only.")
    def leaks(end: END = None,
              kind: Annotated[str | None, Field(
                  description=f"One kind: {kinds}.")] = None,
              owner: Annotated[str | None, Field(
                  description="Only findings owned by this team or feature.")] = None,
              ) -> dict[str, Any]:
        return tools.leaks(reader, end, kind, owner)

    @tool("What-if on AI spend: price the period's usage again with levers applied and "
          "return before, after, saving (before minus after, over the period) and "
          "monthly_saving (per 30-day month), at list prices or the user's rates; quality "
          "is not measured. A lever is {kind: route, model: [provider, model], share: 0-1, "
          "to: [provider, model]} (send that share of the model's traffic to another "
          "model), {kind: cache, model, share, ttl: 5m|1h, reads_per_write} (read that share "
          "of uncached input from a prompt cache) or {kind: batch, model, share} (the "
          "vendor's batch price). Models are named as in the overview's usage, e.g. "
          "[\"OpenAI\", \"gpt-4.1\"].")
    def model_swap(feature: Annotated[str | None, Field(
                       description="The feature whose traffic changes; null: all AI "
                                   "spend.")],
                   levers: Annotated[list[dict[str, Any]], Field(
                       description="The changes, applied routes first, then caching, then "
                                   "batch.")],
                   start: START = None, end: END = None) -> dict[str, Any]:
        return tools.model_swap(reader, feature, levers, start, end)

    @tool("Alerts the workspace's checks raised (budgets crossed or forecast to be, unit "
          "costs over target, spend spikes, failing syncs), newest first: severity "
          "(breach or warning), title, owner, amount (money) and percent (fraction), the "
          "numbers behind it and its state.")
    def alerts(state: Annotated[str, Field(
                   description="all, active (raised by the latest check), resolved, new "
                               "(not acknowledged or muted), acknowledged or muted.")] = "all",
               ) -> dict[str, Any]:
        return tools.alerts(reader, state)

    @tool("Monthly budgets (per team, feature, provider or the total) with this month's "
          "spend to date, the share of the budget spent (fraction) and the month-end "
          "forecast, as of the last day with data.")
    def budgets() -> dict[str, Any]:
        return tools.budgets(reader)

    @tool("AI cost per customer, agent run or API key, allocated from the bill: each day "
          "and model's billed AI cost is shared by the list-price value of the traced (or, "
          "for keys, the vendor-reported) tokens; what no trace covers is Not traced. "
          "view=customers: cost, revenue, share of revenue and margin per customer, those "
          "over the threshold first; view=runs: cost per agent run, p50/p95/max per agent, "
          "loops flagged; view=keys: cost per API key, project and user.")
    def customers(view: Annotated[str, Field(
                      description="customers, runs or keys")] = "customers",
                  start: START = None, end: END = None) -> dict[str, Any]:
        return tools.customers(reader, view, start, end)

    @tool("Where the data comes from: each source's name, kind (a bill file, a vendor "
          "API), days covered, number of charges, billed and effective totals and its last "
          "sync or import (when, result). Settings and keys are never shown.")
    def sources() -> dict[str, Any]:
        return tools.sources(reader)

    @tool("Search the raw charges (one line of a bill per day) of a period: filter by "
          "exact values of named columns and sum by columns, largest effective cost first. "
          "Columns: provider, service, service_category, billing_account, account, region, "
          "resource, resource_type, usage_type, charge_category, model, day, month. Rows "
          "carry effective_cost, billed_cost (before discounts), charges (lines) and "
          "currency; matched is how many rows matched in all, totals the sums of every "
          "match (not only those returned). Without group_by, one row per charge.")
    def charges(start: START = None, end: END = None,
                filters: Annotated[dict[str, str | list[str]] | None, Field(
                    description="Column -> a value or a list of values (exact match; "
                                "all filters must hold).")] = None,
                group_by: Annotated[list[str] | None, Field(
                    description="Columns to sum by, e.g. [\"provider\", \"service\"].")
                ] = None,
                limit: Annotated[int, Field(
                    description="Most rows returned, 1 to 500.")] = 50) -> dict[str, Any]:
        return tools.charges(reader, start, end, filters, group_by or [], limit)

    @server.resource("worthit://workspace", name="workspace", mime_type="application/json",
                     description="What this workspace holds: its providers, the days "
                                 "covered, currencies, and the business units with their "
                                 "target cost per unit.")
    def workspace_description() -> str:
        return json.dumps(tools.workspace(reader), indent=1)

    @server.prompt(name="explain_change", title="Explain this month's change",
                   description="Why did spend change this month, and who owns the change?")
    def explain_change() -> str:
        return ("Explain how our cloud and AI spend changed this month against last month. "
                "Use the overview tool for the month to date (and the same days of last "
                "month), then allocation and charges to find which teams, features, "
                "services and models drove the change, and leaks or alerts for anything "
                "abnormal. Give figures to the cent with their period, and name the owner "
                "of each change.")

    @server.prompt(name="save_20_percent", title="Where can we save 20 %?",
                   description="Find savings worth 20 % of the spend, with owners and "
                               "evidence.")
    def save_20_percent() -> str:
        return ("Where can we save 20 % of our spend? Start from the overview (the total to "
                "aim at), then the leaks (recurring monthly savings of open findings), the "
                "suggestions and what-ifs of model_swap, and the unit costs against their "
                "targets. List the savings largest first with their monthly amount, owner "
                "and evidence, add them up against the 20 % goal, and say which are "
                "measured and which are guesses to test.")

    return server


def serve(workspace: Workspace) -> None:
    """Serve ``workspace`` over stdio until the client closes the connection."""
    build(workspace).run("stdio")

"""The alerts' verbs on the command line: ``worthit alerts`` (one check, for cron or CI;
``worthit watch`` is its older name and still works), ``worthit budgets`` and ``worthit
webhook``. Heavy modules are imported inside, as for every verb."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Final

from worthit.cli.common import print_json
from worthit.core.errors import UserError
from worthit.core.plural import plural
from worthit.workspace import Workspace

VERBS: Final = ("alerts", "watch", "budgets", "webhook")
SCOPE_OPTIONS: Final = ("team", "feature", "provider", "customer")

def _exit_help() -> str:
    """The exit codes, from :data:`worthit.alerts.EXIT_CODES` (one source for both)."""
    import textwrap

    from worthit.alerts import EXIT_CODES

    lines = ["exit codes:"]
    for code, meaning in EXIT_CODES:
        lines += textwrap.wrap(meaning, 76, initial_indent=f"  {code}  ",
                               subsequent_indent="     ")
    return "\n".join(lines)


def add_parsers(verbs: Any, common: argparse.ArgumentParser) -> None:
    """Add ``alerts`` (alias ``watch``), ``budgets`` and ``webhook`` to the subparsers."""
    watch = verbs.add_parser(
        "alerts", aliases=["watch"], parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="one headless check for budgets, unit-cost guardrails, spikes, commitments "
             "(unused or ending) and failing syncs; prints new alerts (for cron or CI; "
             "'watch' is its older name)",
        description="One alerts check: optionally sync, then check the workspace, record the "
                    "alerts (a re-check never raises one twice), post new ones to the "
                    "webhook, and print them.",
        epilog=_exit_help())
    watch.add_argument("--sync", action="store_true", help="sync every source first")
    watch.add_argument("--output", choices=("table", "json"), default="table")

    budgets = verbs.add_parser("budgets", parents=[common],
                               help="set, list or remove monthly budgets")
    actions = budgets.add_subparsers(dest="budgets_verb", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common],
                                 help="each budget and where it stands this month")
    listing.add_argument("--output", choices=("table", "json"), default="table")
    setting = actions.add_parser(
        "set", parents=[common], help="add a monthly budget, or change one",
        description="A budget for a team, a feature, a provider, a customer (its AI cost, "
                    "allocated from the bill by its traces) or the whole workspace, per "
                    "calendar month. Alerts at each threshold (per cent of the budget; from "
                    "100 a breach) and when the month-end forecast exceeds it.")
    _scope_options(setting)
    setting.add_argument("--amount", type=float, required=True, help="per month, in dollars")
    setting.add_argument("--thresholds", default="50,80,100", metavar="P,P,...",
                         help="per cent of the budget (default 50,80,100)")
    setting.add_argument("--no-forecast", dest="forecast", action="store_false",
                         help="no alert when the forecast exceeds the budget")
    removing = actions.add_parser("remove", parents=[common], help="remove a budget")
    _scope_options(removing)

    hook = verbs.add_parser("webhook", parents=[common],
                            help="set, test or remove the URL new alerts are posted to")
    hook_actions = hook.add_subparsers(dest="webhook_verb", metavar="ACTION", required=True)
    hook_actions.add_parser("set", parents=[common],
                            help="read the URL from stdin and keep it in the system keyring")
    hook_actions.add_parser("test", parents=[common], help="post a test message")
    hook_actions.add_parser("remove", parents=[common], help="forget the URL")


def _scope_options(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_mutually_exclusive_group(required=True)
    for name in SCOPE_OPTIONS:
        scope.add_argument(f"--{name}", metavar="NAME", help=f"a {name}'s budget" + (
            " (as the traces name it)" if name == "customer" else ""))
    scope.add_argument("--total", action="store_true", help="the whole workspace's budget")


def _scope(args: argparse.Namespace) -> tuple[str, str]:
    if args.total:
        return "total", ""
    return next((name, getattr(args, name)) for name in SCOPE_OPTIONS
                if getattr(args, name) is not None)


def run(workspace: Workspace, args: argparse.Namespace) -> int:
    if args.verb in ("alerts", "watch"):
        return _check(workspace, args)
    if args.verb == "budgets":
        return _budgets(workspace, args)
    return _webhook(workspace, args)


# -- worthit alerts ----------------------------------------------------------------------------


def _check(workspace: Workspace, args: argparse.Namespace) -> int:
    from worthit.alerts import run_check

    with workspace.open() as cache:
        done = run_check(cache, sync_first=args.sync)
        name = cache.get_meta("workspace.name") or workspace.name
    if args.output == "json":
        print_json({
            "workspace": name, "checked_at": done.checked_at.isoformat(timespec="seconds"),
            "data_through": done.as_of.isoformat() if done.as_of else None,
            "sync": [o.to_json() for o in done.outcomes],
            "new": [a.to_json() for a in done.new],
            "alerts": [a.to_json() for a in done.alerts],
            "breached": [a.key for a in done.breached],
            "budgets": [b.to_json() for b in done.budgets],
            "webhook": [{"key": d.key, "sent": d.sent, "attempts": d.attempts,
                         "error": d.error} for d in done.deliveries],
            "exit_code": done.exit_code,
        })
    else:
        _print_pass(done, name)
    for failed in done.failed_deliveries:
        print(f"worthit: webhook: alert {failed.key} not delivered after "
              f"{plural(failed.attempts, 'attempt')}: {failed.error} (retried on the next "
              "pass)", file=sys.stderr)
    return done.exit_code


def _print_pass(done: Any, name: str) -> None:
    from worthit.core.money import money, percent

    through = done.as_of.isoformat() if done.as_of else "no data yet"
    print(f"Watch of {name}: data through {through}, checked "
          f"{done.checked_at.strftime('%Y-%m-%d %H:%M')} UTC")
    for o in done.outcomes:
        print(f"  sync {o.source}: {o.result}: {o.message}")
    shown = done.announced
    muted = len(done.new) - len(shown)
    print(f"{plural(len(shown), 'new alert')}" + (f" ({muted} more muted)" if muted else "")
          + (":" if shown else "."))
    for alert in shown:
        _print_alert(alert)
    for b in done.budgets:
        print(f"Budget {b.budget.label}: {money(b.spent)} of {money(b.budget.amount)} "
              f"({percent(b.share, digits=0)}) in {b.month_name}, forecast "
              f"{money(b.forecast)} ({percent(b.forecast_share, digits=0)})")
    old = [a for a in done.breached if a not in done.new]
    if old:
        print(f"Still breached ({len(old)}):")
        for alert in old:
            _print_alert(alert)
    print(f"Exit {done.exit_code}: " + {
        0: "all clear.", 1: f"{plural(len(done.breached), 'breach', 'breaches')}.",
        3: "new alerts, no breach.",
        4: "the webhook failed, no breach."}[done.exit_code])


def _print_alert(alert: Any) -> None:
    from worthit.pages import TITLES

    print(f"  {'BREACH' if alert.breach else 'warning':8}{alert.title}")
    print(f"          owner: {alert.owner}" + (f" · {alert.size}" if alert.size else "")
          + f" · series: {alert.series} · see the {TITLES.get(alert.page, alert.page)}"
            " page")


# -- worthit budgets --------------------------------------------------------------------------


def _budgets(workspace: Workspace, args: argparse.Namespace) -> int:
    from worthit.store.alerts import Budget, parse_thresholds, remove_budget, save_budget

    with workspace.open() as cache:
        if args.budgets_verb == "set":
            scope, name = _scope(args)
            budget = save_budget(cache, Budget(scope, name, args.amount,
                                               parse_thresholds(args.thresholds),
                                               args.forecast))
            print(f"Budget for {budget.label}: ${budget.amount:,.2f} a month, alerts at "
                  + ", ".join(f"{t:g} %" for t in budget.thresholds)
                  + (" and when forecast to exceed" if budget.forecast else ""))
            return 0
        if args.budgets_verb == "remove":
            scope, name = _scope(args)
            remove_budget(cache, scope, name)
            print(f"Removed the {scope} budget" + (f" for {name!r}" if name else ""))
            return 0
        return _list_budgets(cache, args.output)


def _list_budgets(cache: Any, output: str) -> int:
    from worthit.analysis.alerts import budget_statuses
    from worthit.core.money import money, percent
    from worthit.store.alerts import load_budgets

    budgets = load_budgets(cache)
    data = cache.data_range()
    statuses = budget_statuses(cache, budgets, data[1]) if data else []
    if output == "json":
        print_json({"budgets": [s.to_json() for s in statuses] if statuses else [
            {"scope": b.scope, "name": b.name, "amount": b.amount} for b in budgets]})
        return 0
    if not budgets:
        print("No budgets. Add one: worthit budgets set --team NAME --amount 10000")
    for s in statuses:
        print(f"{s.budget.label}: {money(s.budget.amount)} a month; {s.month_name}: "
              f"{money(s.spent)} spent ({percent(s.share, digits=0)}), forecast "
              f"{money(s.forecast)} ({percent(s.forecast_share, digits=0)})")
    return 0


# -- worthit webhook --------------------------------------------------------------------------


def _webhook(workspace: Workspace, args: argparse.Namespace) -> int:
    from worthit.alerts import webhook

    with workspace.open() as cache:
        if args.webhook_verb == "set":
            url = _read_url()
            webhook.set_url(cache, url)
            print("Webhook set (the URL is kept in the system keyring); new alerts will be "
                  "posted to it. Try it: worthit webhook test")
            return 0
        if args.webhook_verb == "remove":
            webhook.remove_url(cache)
            print("Webhook removed.")
            return 0
        result = webhook.send_test(cache, cache.get_meta("workspace.name") or workspace.name)
    if not result.sent:
        raise UserError(f"The webhook did not take the test message after "
                        f"{plural(result.attempts, 'attempt')}: {result.error}")
    print("The webhook took the test message.")
    return 0


def _read_url() -> str:
    """The URL from stdin: typed without echo on a terminal (it is a secret), else the
    first line piped in."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Webhook URL: ")
    return sys.stdin.readline()

"""Every surface of one workspace and period, read into one :class:`Ledger`: the pages
(``worthit.pages``: JSON, text, and table as CSV), ``worthit report PAGE --format
json|table|csv``, ``worthit export table PAGE`` and ``worthit export deck``, all run in
this process; and the alerts as of the last day with data, with their webhook
messages and ``worthit budgets list``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.one_truth import alerts, savings, spend
from tests.one_truth.deck import read_deck, record_deck
from tests.one_truth.ledger import Ledger, Name
from tests.one_truth.reading import Csv, cli, read_csv
from worthit.analysis.alerts import check
from worthit.core.periods import Period
from worthit.export.tables import csv_text
from worthit.pages import PAGES, Options
from worthit.pages.figures import Figures
from worthit.workspace import Workspace


@dataclass
class Shown:
    """One surface's forms of every page: JSON, text, CSV."""

    json: dict[str, dict[str, Any]]
    text: dict[str, str]
    csv: dict[str, Csv]


@dataclass
class Surfaces:
    """What was read, beside the ledger: each surface's forms, the Leaks page's findings
    and the name behind each Model swap title."""

    book: Ledger
    shown: dict[str, Shown]
    findings: list[dict[str, Any]]
    titles: dict[str, Name]


def leak_window(period: Period) -> Period:
    """The 30 days to the period's end, which the Leaks page looks at."""
    return Period(period.end - dt.timedelta(days=29), period.end)


def pages(workspace: Workspace, period: Period) -> Shown:
    """The pages' own forms (``worthit.pages``), from one :class:`Figures`."""
    with workspace.open() as cache:
        figures = Figures(cache, period, workspace_name=workspace.name)
        return Shown({k: p.json(figures, Options()) for k, p in PAGES.items()},
                     {k: p.text(figures, Options()) for k, p in PAGES.items()},
                     {k: read_csv(csv_text(p.table(figures))) for k, p in PAGES.items()})


def report(workspace: Workspace, period: Period, pages: Sequence[str]) -> Shown:
    """``worthit report PAGE`` in each format, for each of ``pages``."""
    days = ("--from", period.start.isoformat(), "--to", period.end.isoformat())

    def run(page: str, form: str) -> str:
        return cli(workspace, "report", page, "--format", form, *days)

    return Shown({k: json.loads(run(k, "json")) for k in pages},
                 {k: run(k, "table") for k in pages},
                 {k: read_csv(run(k, "csv")) for k in pages})


def exported(workspace: Workspace, period: Period, out: Path, pages: Sequence[str]
             ) -> tuple[dict[str, Csv], Path]:
    """``worthit export table PAGE --out PAGE.csv`` for each of ``pages``, and ``worthit
    export deck``: the tables read back, and the deck's path."""
    days = ("--from", period.start.isoformat(), "--to", period.end.isoformat())
    tables = {}
    for page in pages:
        path = out / f"{page}.csv"
        cli(workspace, "export", "table", page, "--out", str(path), *days)
        tables[page] = read_csv(path.read_text(encoding="utf-8"))
    deck = out / "deck.pptx"
    cli(workspace, "export", "deck", "--out", str(deck), *days)
    return tables, deck


def record_forms(book: Ledger, where: str, shown: Shown, period: Period,
                 found: list[dict[str, Any]] | None = None,
                 titles: dict[str, Name] | None = None
                 ) -> tuple[list[dict[str, Any]], dict[str, Name]]:
    """Record one surface's JSON, text and CSV of the pages it has; returns the Leaks
    findings and Model swap titles its JSON gives (those given are used for the text
    and CSV, else its own)."""
    window = leak_window(period)
    j, t, c = shown.json, shown.text, shown.csv
    spend.overview_json(book, f"{where} overview JSON", j["overview"], period)
    spend.overview_text(book, f"{where} overview text", t["overview"], period)
    spend.overview_csv(book, f"{where} overview CSV", c["overview"], period)
    spend.allocation_json(book, f"{where} allocation JSON", j["allocation"], period)
    spend.feature_spend(book, f"{where} allocation JSON, features across teams",
                        j["allocation"], period)
    spend.allocation_text(book, f"{where} allocation text", t["allocation"], period)
    spend.allocation_csv(book, f"{where} allocation CSV", c["allocation"], period)
    spend.units_json(book, f"{where} units JSON", j["units"], period)
    spend.units_text(book, f"{where} units text", t["units"], period)
    spend.units_csv(book, f"{where} units CSV", c["units"], period)
    if "leaks" in j:
        own = savings.leaks_json(book, f"{where} leaks JSON", j["leaks"], window)
        found = found or own
        savings.leaks_text(book, f"{where} leaks text", t["leaks"], window, found)
        savings.leaks_csv(book, f"{where} leaks CSV", c["leaks"], window)
    own_titles = savings.swap_json(book, f"{where} swap JSON", j["swap"], period)
    titles = titles or own_titles
    savings.swap_text(book, f"{where} swap text", t["swap"], titles)
    savings.swap_csv(book, f"{where} swap CSV", c["swap"], titles)
    return found or [], titles


def collect(workspace: Workspace, period: Period, out: Path, *,
            leaks_by_cli: bool = True) -> Surfaces:
    """Every page surface of ``period`` (the alerts are :func:`watched`'s). Without
    ``leaks_by_cli``, ``worthit report leaks`` and ``worthit export table leaks`` are not
    run: the Leaks page depends only on the period's last day, and a caller has read it
    through the CLI for another period ending that day (it takes seconds)."""
    book = Ledger()
    by_cli = [page for page in PAGES if leaks_by_cli or page != "leaks"]
    shown = {"page": pages(workspace, period), "report": report(workspace, period, by_cli)}
    found, titles = record_forms(book, "page", shown["page"], period)
    record_forms(book, "worthit report", shown["report"], period, found, titles)
    tables, deck = exported(workspace, period, out, by_cli)
    spend.overview_csv(book, "export table overview", tables["overview"], period)
    spend.allocation_csv(book, "export table allocation", tables["allocation"], period)
    spend.units_csv(book, "export table units", tables["units"], period)
    if "leaks" in tables:
        savings.leaks_csv(book, "export table leaks", tables["leaks"], leak_window(period))
    savings.swap_csv(book, "export table swap", tables["swap"], titles)
    mtd = shown["page"].json["overview"]["month_to_date"]
    through = dt.date.fromisoformat(mtd["through"]) if mtd else None
    record_deck(book, read_deck(deck), period, leak_window(period), through, found, titles)
    return Surfaces(book, shown, found, titles)


def watched(workspace: Workspace) -> tuple[Ledger, list[Any]]:
    """The alerts check as of the last day with data: its alerts and their webhook
    messages, and ``worthit budgets list``, in a ledger; and the alerts."""
    book = Ledger()
    with workspace.open() as cache:
        done = check(cache)
    assert done.as_of is not None
    alerts.record_alerts(book, done.alerts, done.as_of, workspace.name)
    alerts.record_budgets(book, json.loads(cli(workspace, "budgets", "list", "--output",
                                               "json")))
    return book, done.alerts

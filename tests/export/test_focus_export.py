"""``worthit export focus`` and File › Export FOCUS…: every daily charge in a FOCUS file
(1.2, 1.3, the 1.4 draft; CSV, gzipped CSV, Parquet) that re-imports to the same totals,
allocates spend exactly as the Allocation page does, divides a split charge into rows that
add up to it, masks ids and account names on request, and leaves no file when cancelled.
Conformance to the spec and to focus-validator: tests/focus/test_export_validated.py."""

from __future__ import annotations

import gzip
import json
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from tests.conftest import run_cli
from tests.export.support import report_json
from tests.focus.test_export_validated import SAMPLES, export, import_samples, read_rows

from worthit.core.errors import Cancelled
from worthit.core.periods import Period
from worthit.export import focus_values as derive
from worthit.export.focus import FocusExport, columns, export_period
from worthit.sync.importer import import_file
from worthit.workspace import Workspace

DAYS = ("--from", "2026-10-28", "--to", "2026-11-26")
CENT = 0.005
TIMEOUT = 120_000


def charges_in(workspace: Workspace, first: str = "0000", last: str = "9999") -> int:
    with workspace.open() as cache:
        return int(cache._scalar("SELECT COUNT(*) FROM charges WHERE charge_period_start "
                                 "BETWEEN ? AND ?", (first, last)))


# -- the command ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
def test_export_focus_writes_every_charge_of_the_days(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace, tmp_path: Path,
        version: str, suffix: str) -> None:
    out = tmp_path / f"focus{suffix}"
    code, stdout, err = run_cli(capsys, demo_workspace, "export", "focus", "--version",
                                version, "--out", str(out), *DAYS)
    assert code == 0, err
    header, rows = read_rows(out)
    charges = charges_in(demo_workspace, "2026-10-28", "2026-11-26")
    assert stdout == (f"Wrote {out}: FOCUS {version}, {len(rows):,} rows for {charges:,} "
                      "charges (2026-10-28 – 2026-11-26)\n")
    assert header == list(columns(version))
    # One row per charge in 1.2; one per share of a split charge from 1.3.
    assert (len(rows) == charges) if version == "1.2" else (len(rows) > charges)
    starts = {str(r["ChargePeriodStart"])[:10] for r in rows}
    assert min(starts) == "2026-10-28" and max(starts) == "2026-11-26"
    if suffix == ".csv.gz":
        with gzip.open(out, "rt", encoding="utf-8") as text:
            assert text.readline().startswith(header[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary left


def test_by_default_every_day_with_data_is_exported(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    code, stdout, err = run_cli(capsys, demo_workspace, "export", "focus", "--version",
                                "1.2", "--out", str(out))
    assert code == 0, err
    with demo_workspace.open() as cache:
        first, last = cache.data_range()  # type: ignore[misc]
    assert stdout.endswith(f"charges ({Period(first, last).label()})\n")
    assert len(read_rows(out)[1]) == charges_in(demo_workspace)


def test_export_focus_refuses_in_words(capsys: pytest.CaptureFixture[str],
                                      demo_workspace: Workspace, tmp_path: Path) -> None:
    def refusal(*args: str) -> str:
        code, stdout, err = run_cli(capsys, demo_workspace, "export", "focus", *args)
        assert (code, stdout) == (2, "")
        return err

    assert refusal("--version", "1.2", "--out", str(tmp_path / "focus.xlsx")) == (
        f"worthit: {tmp_path / 'focus.xlsx'}: a FOCUS file's name must end in .csv, "
        ".csv.gz or .parquet.\n")
    assert "does not exist" in refusal("--version", "1.2", "--out",
                                       str(tmp_path / "no" / "focus.csv"))
    assert refusal("--version", "1.2", "--out", str(tmp_path / "focus.csv"), "--from",
                   "2030-01-01").startswith("worthit: no data from 2030-01-01")
    with pytest.raises(SystemExit) as stopped:
        run_cli(capsys, demo_workspace, "export", "focus", "--version", "2.0", "--out",
                str(tmp_path / "focus.csv"))
    assert stopped.value.code == 2
    assert "invalid choice: '2.0'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_empty_workspace_is_refused(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    empty = Workspace(tmp_path / "empty")
    empty.folder.mkdir()
    empty.open().close()
    code, _, err = run_cli(capsys, empty, "export", "focus", "--version", "1.3", "--out",
                           str(tmp_path / "focus.csv"))
    assert code == 2
    assert "holds no charges yet" in err


# -- one truth: the Allocation page's figures -----------------------------------------------


def allocated(rows: list[dict[str, Any]], version: str) -> dict[tuple[str, str], float]:
    """Effective cost by (team, feature) as the file states it."""
    out: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        cost = float(row["EffectiveCost"])
        if version == "1.2":
            if row["x_AllocationSplit"]:
                for share in json.loads(row["x_AllocationSplit"]):
                    out[share["Team"], share["Feature"]] += cost * share["Ratio"]
            else:
                out[row["x_Team"], row["x_Feature"]] += cost
        elif row["AllocatedTags"]:
            tags = json.loads(row["AllocatedTags"])
            out[tags["worthit/team"], tags["worthit/feature"]] += cost
        else:
            out["Unallocated", row["x_UnallocatedReason"]] += cost
    return dict(out)


@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
def test_the_allocation_is_the_allocation_pages(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace, tmp_path: Path,
        version: str) -> None:
    out = tmp_path / "focus.csv"
    assert run_cli(capsys, demo_workspace, "export", "focus", "--version", version, "--out",
                   str(out), *DAYS)[0] == 0
    page = report_json(demo_workspace, "allocation", *DAYS)
    shown = {(team["name"], feature["name"]): feature["cost"]
             for team in page["tree"] for feature in team.get("children", [])}
    found = allocated(read_rows(out)[1], version)
    assert set(found) == set(shown)
    assert {k: round(v, 2) for k, v in found.items()} == pytest.approx(shown, abs=0.01)
    # The demo's split rules are in there: a shared NAT gateway, a support plan by percent.
    assert any(feature.startswith("Shared: ") for _, feature in found)


def test_a_split_charges_rows_add_up_to_it(demo_workspace: Workspace, tmp_path: Path) -> None:
    whole = read_rows(export(demo_workspace, "1.2", tmp_path / "whole.csv"))[1]
    shared = read_rows(export(demo_workspace, "1.3", tmp_path / "shared.csv"))[1]
    figures = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
               "ConsumedQuantity", "PricingQuantity", "x_InputTokens", "x_OutputTokens")
    # The columns a charge's rows share: all but its figures and its allocation.
    same = [c for c in columns("1.3") if c in columns("1.2") and c not in figures
            and not c.startswith("x_")]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in shared:
        groups[tuple(row[c] for c in same)].append(row)
    assert len(groups) == len(whole)  # the rows of each charge, and no other charge's
    splits = 0
    for charge in whole:
        rows = groups[tuple(charge[c] for c in same)]
        ratios = [json.loads(r["AllocatedMethodDetails"])["Elements"][0]["AllocatedRatio"]
                  for r in rows if r["AllocatedMethodDetails"]]
        if len(rows) > 1:
            splits += 1
            assert sum(ratios) == pytest.approx(1.0)
            assert len({r["AllocatedMethodId"] for r in rows}) == 1
        for name in figures:
            if charge[name] is None:
                assert all(r[name] is None for r in rows)
            elif name.startswith("x_"):  # counts stay whole numbers
                assert sum(int(r[name]) for r in rows) == int(charge[name])
            else:
                assert sum(float(r[name]) for r in rows) == pytest.approx(float(charge[name]),
                                                                         abs=1e-9)
    assert splits > 100


# -- the round trip -------------------------------------------------------------------------


def totals(workspace: Workspace) -> dict[tuple[str, str], tuple[float, float]]:
    """Billed and effective cost per provider and day."""
    with workspace.open() as cache:
        rows = cache._rows("SELECT provider_name, charge_period_start, TOTAL(billed_cost), "
                           "TOTAL(effective_cost) FROM charges GROUP BY 1, 2")
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def usage(workspace: Workspace) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Tokens and requests per model, batch flag and day: what Worthit's x_ columns carry."""
    with workspace.open() as cache:
        rows = cache._rows(
            "SELECT x_model, COALESCE(x_batch, 0), charge_period_start, TOTAL(x_input_tokens), "
            "TOTAL(x_cached_input_tokens), TOTAL(x_cache_write_tokens), "
            "TOTAL(x_output_tokens), TOTAL(x_requests) FROM charges WHERE x_model IS NOT NULL "
            "GROUP BY 1, 2, 3")
    return {tuple(r[:3]): tuple(r[3:]) for r in rows}


def assert_same_totals(before: Workspace, after: Workspace) -> None:
    was, now = totals(before), totals(after)
    assert set(now) == set(was)
    off = {k: (was[k], now[k]) for k in was
           if abs(was[k][0] - now[k][0]) >= CENT or abs(was[k][1] - now[k][1]) >= CENT}
    assert off == {}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workspace]:
    """A workspace per sample bill."""
    root = tmp_path_factory.mktemp("samples")
    return {name: import_samples(root / name.replace("/", "-"), (name,)) for name in SAMPLES}


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
@pytest.mark.parametrize("source", ["demo", *SAMPLES])
def test_a_reimported_export_gives_the_same_totals(
        source: str, version: str, suffix: str, request: pytest.FixtureRequest,
        tmp_path: Path) -> None:
    before: Workspace = request.getfixturevalue("demo_workspace") if source == "demo" else \
        request.getfixturevalue("samples")[source]
    out = export(before, version, tmp_path / f"focus-{version}{suffix}")
    after = Workspace(tmp_path / "again")
    after.folder.mkdir()
    with after.open() as cache:
        done = import_file(cache, out)
    assert done.kind == "focus"
    assert done.rows_read == len(read_rows(out)[1])
    assert_same_totals(before, after)
    assert usage(after) == usage(before)  # models, batch flags, tokens and requests kept


# -- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_masked_file_holds_no_account_id_or_name(
        capsys: pytest.CaptureFixture[str], demo_workspace: Workspace, demo_ids: set[str],
        tmp_path: Path, suffix: str) -> None:
    with demo_workspace.open() as cache:
        names = {str(v) for (v,) in cache._conn.execute(
            "SELECT sub_account_name FROM charge_keys UNION "
            "SELECT billing_account_name FROM charge_keys") if v}
    assert "prod-ml" in names
    plain, masked = tmp_path / f"plain{suffix}", tmp_path / f"masked{suffix}"
    for out, flag in ((plain, ()), (masked, ("--mask",))):
        code, stdout, err = run_cli(capsys, demo_workspace, "export", "focus", "--version",
                                    "1.3", "--out", str(out), *DAYS, *flag)
        assert code == 0, err
    assert stdout.endswith(", masked)\n")

    def texts(path: Path) -> str:
        return "\n".join(str(v) for row in read_rows(path)[1] for v in row.values())

    shown, hidden = texts(plain), texts(masked)
    secrets = demo_ids | names
    assert {s for s in secrets if s in shown}  # the plain file names them...
    assert {s for s in secrets if s in hidden} == set()  # ...the masked one none
    if suffix == ".csv":
        data = masked.read_bytes()
        assert [s for s in secrets if s.encode() in data] == []
    rows = read_rows(masked)[1]
    named = [r for r in rows if r["SubAccountName"]]
    assert named and all(r["SubAccountName"] == r["SubAccountId"] for r in named)
    assert {r["SubAccountId"] for r in rows} <= {f"account-{n}" for n in range(1, 50)} | {None}
    # Figures and enumerations are as they were.
    assert [r["EffectiveCost"] for r in rows] == [r["EffectiveCost"]
                                                  for r in read_rows(plain)[1]]


# -- cancelling -----------------------------------------------------------------------------


def test_a_cancelled_export_leaves_no_file_and_an_existing_one_as_it_was(
        demo_workspace: Workspace, tmp_path: Path) -> None:
    existing = tmp_path / "existing.parquet"
    existing.write_bytes(b"last month's file")
    for out in (tmp_path / "fresh.csv", existing):
        steps: list[str] = []

        def step(_share: float, text: str, steps: list[str] = steps) -> None:
            steps.append(text)

        with demo_workspace.open() as cache, pytest.raises(Cancelled):
            FocusExport(cache, "1.3", export_period(cache.data_range(), None, None),
                        cancelled=lambda steps=steps: len(steps) > 2,  # after a batch
                        progress=step).export(out)
        assert "done" not in steps and len(steps) <= 4  # it stopped soon after the cancel
    assert existing.read_bytes() == b"last month's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.parquet"]


# -- the window -----------------------------------------------------------------------------


def test_file_export_focus_writes_the_file_on_a_worker(
        qtbot: QtBot, demo_workspace: Workspace, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtGui import QAction
    from tests.ui.support import open_page

    from worthit.ui.focus_dialog import FocusDialog
    from worthit.ui.views.overview import OverviewPage

    window, _ = open_page(qtbot, demo_workspace, "overview", OverviewPage)
    action = window.findChild(QAction, "export_focus")
    assert action in window.file_menu.actions() and action.text() == "Export FOCUS…"
    threads: list[threading.Thread] = []
    real_export = FocusExport.export

    def recorded(self: FocusExport, path: Path) -> Any:
        threads.append(threading.current_thread())
        return real_export(self, path)

    monkeypatch.setattr(FocusExport, "export", recorded)
    action.trigger()
    (dialog,) = [d for d in window.findChildren(FocusDialog) if d.isVisible()]
    assert dialog.chosen_version() == "1.2" and dialog.days() is None
    out = dialog.out()
    assert out is not None and out.suffix == ".csv" and "focus-1.2" in out.name
    dialog.set_version("1.3")
    dialog.set_path(tmp_path / "focus.parquet")
    dialog.masked.setChecked(True)
    with qtbot.waitSignal(window.tasks.finished, timeout=TIMEOUT) as ended:
        dialog.export_button.click()
    assert ended.args[0] == "Exporting FOCUS: done"
    assert threads and threading.main_thread() not in threads, "not written on a worker"
    message = window.statusBar().currentMessage()
    assert message.startswith(f"FOCUS file saved to {tmp_path / 'focus.parquet'}: FOCUS 1.3")
    assert message.endswith(", masked)")
    header, rows = read_rows(tmp_path / "focus.parquet")
    assert header == list(columns("1.3"))
    assert len(rows) > charges_in(demo_workspace)


# -- derivations ----------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "focus"), [
    ("Hours", "Hours"), ("GB-Mo", "GB-Months"), ("Hrs", "Hours"), ("1/Day", "Units/Day"),
    ("1 GB/Month", "GB/Month"), ("10K", "10000 Units"), ("1K tokens", "1000 tokens"),
    ("Obj-Month", "Obj-Months"), ("Gigabyte Per Hour", "GB/Hour"),
    ("Lambda-GB-Seconds", "Lambda GB Seconds"), ("GB Months", "GB-Months"), (None, None),
])
def test_units_are_written_in_focus_unit_format(written: str | None, focus: str | None) -> None:
    assert derive.unit(written) == focus


def test_service_subcategory_charge_frequency_and_description() -> None:
    assert derive.service_subcategory("AI and Machine Learning", "Amazon Bedrock") == \
        "Generative AI"
    assert derive.service_subcategory("Storage", "Amazon Elastic Block Store") == \
        "Block Storage"
    assert derive.service_subcategory("Compute", "Amazon Elastic Compute Cloud") == \
        "Virtual Machines"
    assert derive.service_subcategory("Networking", "Something new") == "Other (Networking)"
    assert derive.service_category("Fees") == "Other"
    assert [derive.frequency(None, c) for c in ("Usage", "Purchase", "Tax", "Credit")] == [
        "Usage-Based", "One-Time", "Recurring", "One-Time"]
    assert derive.frequency("Recurring", "Usage") == "Recurring"
    assert derive.description({"x_usage_type": "USE1-NovaLite-input-tokens",
                               "x_model": "amazon.nova-lite-v1:0"}) == \
        "USE1-NovaLite-input-tokens (amazon.nova-lite-v1:0)"
    assert derive.description({"x_usage_type": "gpt-4.1-input-tokens",
                               "x_model": "gpt-4.1"}) == "gpt-4.1-input-tokens"
    assert derive.description({"service_name": "Amazon EC2", "charge_category": "Tax"}) == \
        "Amazon EC2 (Tax)"
    assert derive.tags('{"team": "a", "n": {"x": 1}}') == {"team": "a", "n": '{"x": 1}'}
    assert derive.tags("{}") is None and derive.tags("team=a") is None


def test_the_billing_period_is_the_calendar_month_of_the_day(
        demo_workspace: Workspace, tmp_path: Path) -> None:
    rows = read_rows(export(demo_workspace, "1.2", tmp_path / "focus.csv"))[1]
    for row in rows[:: max(1, len(rows) // 500)]:
        day = row["ChargePeriodStart"][:10]
        assert row["ChargePeriodStart"] == f"{day}T00:00:00Z"
        assert row["BillingPeriodStart"] == f"{day[:7]}-01T00:00:00Z"
        assert row["BillingPeriodEnd"] > row["ChargePeriodStart"] >= row["BillingPeriodStart"]
        assert row["BillingPeriodEnd"][8:] == "01T00:00:00Z"

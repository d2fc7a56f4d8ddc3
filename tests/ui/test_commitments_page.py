"""The Commitments page in a real offscreen window: on a workspace holding a CUR with a
savings plan and a reservation it lists both, the one ending first on top, with the
utilisation, unused cost, saving and owner the analysis computes for the period on show;
choosing one shows its days (a reservation's said to be derived); a workspace whose bills
name no commitment says where commitments come from."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.sources.test_cur_commitments import RI, SP, lines, write_cur
from tests.ui.support import open_page

from worthit.analysis.commitments import DERIVED, Commitment, commitments
from worthit.core.money import money, percent
from worthit.pages.commitments import EMPTY, ends, label
from worthit.sync.importer import import_file
from worthit.ui.views.commitments import CommitmentsPage
from worthit.ui.widgets.tables import empty_note
from worthit.workspace import Workspace


@pytest.fixture
def cur_workspace(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    path = write_cur(tmp_path / "bill", "legacy", lines())
    with workspace.open() as cache:
        import_file(cache, path)
    return workspace


def _cells(page: CommitmentsPage, view_name: str = "table") -> list[list[str]]:
    model = getattr(page, view_name).model()
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def days_title(c: Commitment) -> str:
    """The per-day panel's heading: the commitment and what it covers."""
    return f"Per day: {label(c)} ({c.covers})" if c.covers else f"Per day: {label(c)}"


def test_the_page_shows_each_commitment_as_the_analysis_computes_it(
        qtbot: QtBot, cur_workspace: Workspace) -> None:
    _, page = open_page(qtbot, cur_workspace, "commitments", CommitmentsPage)
    assert page.period is not None
    with cur_workspace.open() as cache:
        expected = commitments(cache, page.period)
    rows = _cells(page)
    assert len(rows) == 2
    for row, c in zip(rows, expected.commitments, strict=True):
        assert row == [label(c), c.kind, c.term, ends(c),
                       percent(c.utilisation, digits=0), money(c.unused, "USD"),
                       money(c.saving, "USD") if c.saving is not None else "not known",
                       c.owner]
    assert [c.commitment_id for c in expected.commitments] == [SP, RI]  # by unused cost
    assert page.unused_card.value.text() == money(
        expected.total("unused", "USD") or 0, "USD")
    assert page.committed_card.value.text() == money(
        expected.total("committed", "USD") or 0, "USD")
    note = empty_note(page.table)
    assert note is not None and not note.isVisible()
    # The first commitment is chosen: its days, each used + unused = committed.
    plan = expected.commitments[0]
    days = _cells(page, "days")
    assert len(days) == len(plan.days)
    assert days[0][1:4] == [money(plan.days[0].committed, "USD"),
                            money(plan.days[0].used, "USD"), money(plan.days[0].unused, "USD")]
    # The reservation's days are derived from its monthly fee, and the page says so.
    page.table.selectRow(1)
    assert page.days_title.text() == days_title(expected.commitments[1])
    assert DERIVED in page.days_note.text()
    tip = page.table.model().index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert RI in tip
    coverage = {(r[0], r[1]): r[4] for r in _cells(page, "coverage")}
    assert coverage[("AmazonEC2", "g5")] == "100 %" and coverage[("AmazonEC2", "c6i")] == "0 %"


def test_without_commitments_the_page_says_where_they_come_from(
        qtbot: QtBot, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    bill = tmp_path / "focus.csv"
    bill.write_text("ChargePeriodStart,BilledCost,EffectiveCost,BillingCurrency,ServiceName\n"
                    "2025-03-01T00:00:00Z,12.5,12.5,USD,Amazon EC2\n", encoding="utf-8")
    with workspace.open() as cache:
        import_file(cache, bill)
    _, page = open_page(qtbot, workspace, "commitments", CommitmentsPage)
    assert page.model.rowCount() == 0
    note = empty_note(page.table)
    assert note is not None and note.isVisible() and note.text() == EMPTY
    assert "Cost and Usage Report" in EMPTY and "FOCUS" in EMPTY
    assert page.committed_card.value.text() == "–"


def test_an_alerts_focus_chooses_its_commitment_and_a_reload_keeps_it(
        qtbot: QtBot, cur_workspace: Workspace) -> None:
    from tests.ui.support import TIMEOUT

    from worthit.ui.alert_schedule import _focus

    _, page = open_page(qtbot, cur_workspace, "commitments", CommitmentsPage)
    assert page.result is not None
    first, reservation = page.result.commitments
    assert page.days_title.text() == days_title(first)  # the first, until one is chosen
    _focus(page, RI)  # as an alert's "Open" does, with the alert's focus
    assert page.selected == RI
    assert page.days_title.text() == days_title(reservation)
    chosen = page.table.model().mapToSource(page.table.currentIndex())
    assert page.model.record(chosen.row())["commitment"].commitment_id == RI
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.reload()
    assert page.days_title.text() == days_title(reservation)
    # An id the period does not hold leaves the selection be.
    page.choose("arn:aws:savingsplans::000000000000:savingsplan/gone")
    assert page.days_title.text() == days_title(reservation)


@pytest.mark.parametrize("size", [(1280, 800), (1440, 900)])
def test_the_days_and_the_coverage_end_on_one_line(
        qtbot: QtBot, cur_workspace: Workspace, size: tuple[int, int]) -> None:
    from PySide6.QtCore import QPoint

    win, page = open_page(qtbot, cur_workspace, "commitments", CommitmentsPage)
    win.resize(*size)
    qtbot.waitUntil(lambda: win.width() == size[0], timeout=5_000)

    def bottom(widget: object) -> int:
        assert hasattr(widget, "mapTo") and hasattr(widget, "height")
        return widget.mapTo(page, QPoint(0, widget.height())).y()  # type: ignore[no-any-return]

    def aligned() -> bool:
        return page.days.isVisible() and bottom(page.days) == bottom(page.right_stack)

    qtbot.waitUntil(aligned, timeout=5_000)
    # The reservation's derived-days note (two lines, wrapped) keeps them aligned too.
    page.table.selectRow(1)
    qtbot.waitUntil(aligned, timeout=5_000)
    assert page.coverage_note.isVisible() and page.days_note.isVisible()

"""The Commitments page's "If you committed" tab: each family's steady on-demand spend,
no saving until the user enters a rate, and at the rate entered the saving the analysis
computes, with the assumption in words."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from tests.analysis.test_commitment_would_save import HEADER, rows
from tests.ui.support import open_page

from worthit.analysis.commitments import commitments
from worthit.core.money import money
from worthit.store.commitments import commitment_discount
from worthit.sync.importer import import_file
from worthit.ui.views.commitments import WOULD_TITLE, CommitmentsPage
from worthit.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path / "ws")
    path = tmp_path / "focus.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())
    with workspace.open() as cache:
        import_file(cache, path)
    return workspace


def _cells(page: CommitmentsPage) -> list[list[str]]:
    model = page.would.model()
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_no_saving_until_a_rate_is_entered_then_the_analysis_saving(
        qtbot: QtBot, workspace: Workspace) -> None:
    _, page = open_page(qtbot, workspace, "commitments", CommitmentsPage)
    page.right_tabs.setCurrentIndex(1)
    assert page.right_title.text() == WOULD_TITLE and page.would.isVisible()
    with workspace.open() as cache:
        found = commitments(cache, page.period).would_save
    assert found is not None
    (g5,) = found.families
    assert _cells(page) == [["AWS g5", money(g5.steady_hourly, "USD"), "enter a rate"]]
    assert "enter your negotiated or published rate" in page.would_note.text()
    page.discount.setText("28 %")
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.discount.returnPressed.emit()
    with workspace.open() as cache:
        assert commitment_discount(cache) == 0.28
    saving = g5.steady_hourly * 0.28 * 730
    assert _cells(page) == [["AWS g5", money(g5.steady_hourly, "USD"), money(saving, "USD")]]
    assert "28 % off on-demand prices (the rate you entered)" in page.would_note.text()

"""``worthit export deck`` and ``worthit export table`` on the demo workspace, through
the CLI's entry point; and the export palette kept equal to the app's theme."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pptx import Presentation
from tests.conftest import run_cli
from tests.export.support import ids_found, read_csv, report_json

from worthit.workspace import Workspace

DAYS = ("--from", "2026-11-01", "--to", "2026-11-26")


def test_export_deck_writes_the_chosen_slides(capsys: pytest.CaptureFixture[str],
                                              demo_workspace: Workspace,
                                              tmp_path: Path) -> None:
    out = tmp_path / "review.pptx"
    code, stdout, err = run_cli(capsys, demo_workspace, "export", "deck", "--out", str(out),
                                *DAYS, "--slides", "title,overview")
    assert code == 0, err
    assert stdout == f"Wrote {out} (2026-11-01 – 2026-11-26)\n"
    slides = list(Presentation(str(out)).slides)
    assert len(slides) == 2
    texts = [s.text_frame.text for s in slides[0].shapes if s.has_text_frame]
    assert "1 – 26 November 2026" in texts


def test_export_deck_masked(capsys: pytest.CaptureFixture[str], demo_workspace: Workspace,
                            demo_ids: set[str], tmp_path: Path) -> None:
    out = tmp_path / "wide.pptx"
    code, stdout, err = run_cli(capsys, demo_workspace, "export", "deck", "--out", str(out),
                                "--mask", "--slides", "allocation,leaks")
    assert code == 0, err
    assert stdout.endswith(", masked)\n")
    assert ids_found(out, demo_ids) == {}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_table_writes_the_page_for_the_period(capsys: pytest.CaptureFixture[str],
                                                     demo_workspace: Workspace,
                                                     tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"allocation{suffix}"
    code, stdout, err = run_cli(capsys, demo_workspace, "export", "table", "allocation",
                                "--out", str(out), *DAYS)
    assert code == 0, err
    assert stdout.startswith(f"Wrote {out}: Allocation: ")
    shown = report_json(demo_workspace, "allocation", *DAYS)
    if suffix == ".csv":
        header, _, rows = read_csv(out)
        assert "period: 2026-11-01 to 2026-11-26" in header
        costs = [float(r["Effective cost"]) for r in rows]
    else:
        sheet = load_workbook(out).active
        assert sheet["A2"].value == "Period: 2026-11-01 to 2026-11-26"
        # The header block's lines come first (as many as the table states), then the header.
        head = next(c for row in sheet.iter_rows() for c in row if c.value == "Effective cost")
        costs = [sheet.cell(r, head.column).value
                 for r in range(head.row + 1, sheet.max_row + 1)]
    assert round(sum(costs), 2) == shown["total"]


def test_export_table_masked_holds_no_id(capsys: pytest.CaptureFixture[str],
                                         demo_workspace: Workspace, demo_ids: set[str],
                                         tmp_path: Path) -> None:
    out = tmp_path / "leaks.xlsx"
    code, _, err = run_cli(capsys, demo_workspace, "export", "table", "leaks", "--out",
                           str(out), "--mask")
    assert code == 0, err
    assert ids_found(out, demo_ids) == {}


@pytest.mark.parametrize(("args", "message"), [
    (("table", "units", "--out", "units.json"), "must end in .csv or .xlsx"),
    (("deck", "--out", "deck.pdf"), "must end in .pptx"),
    (("deck", "--out", "deck.pptx", "--slides", "title,finale"),
     "There is no slide 'finale'. Slides: title, overview, allocation, units, leaks, swap, "
     "commitments, customers."),
])
def test_export_refuses_what_it_cannot_write(capsys: pytest.CaptureFixture[str],
                                             demo_workspace: Workspace, tmp_path: Path,
                                             args: tuple[str, ...], message: str) -> None:
    args = tuple(str(tmp_path / a) if a.startswith(("units.", "deck.")) else a for a in args)
    code, stdout, err = run_cli(capsys, demo_workspace, "export", *args)
    assert code == 2
    assert message in err and stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_the_export_palette_is_the_apps() -> None:
    from worthit.export import palette
    from worthit.ui import theme

    assert palette.PROVIDER_COLOURS == theme.PROVIDER_COLOURS
    assert palette.SERIES_COLOURS == theme.SERIES_COLOURS
    assert palette.UNALLOCATED_COLOUR == theme.UNALLOCATED_COLOUR
    light = theme.LIGHT
    ours = (palette.BACKGROUND, palette.SURFACE, palette.TEXT, palette.MUTED, palette.GRID,
            palette.GOOD, palette.BAD, palette.ACCENT)
    assert ours == (light.background, light.surface, light.text, light.muted, light.grid,
                    light.good, light.bad, light.accent)
    for name in ("AWS", "Some new vendor"):
        assert palette.provider_colour(name) == theme.provider_colour(name)

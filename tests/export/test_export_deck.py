"""The deck, read back with python-pptx: each chart slide holds native charts of the
expected type whose series are the page's figures to the cent, every slide names its
sources and the date of the data, and a masked deck holds no workspace id anywhere (the
charts' embedded workbooks included)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches
from tests.conftest import DEMO_END
from tests.export.support import ids_found, report_json

from worthit.analysis.overview import overview
from worthit.core.errors import UserError
from worthit.core.money import money
from worthit.core.periods import Period, Preset, preset_period
from worthit.export.deck import SLIDES, build_deck
from worthit.pages.figures import Figures
from worthit.workspace import Workspace

PERIOD = preset_period(Preset.LAST_30, DEMO_END)
CENT = 0.005 + 1e-9  # "to the cent": within half a cent


@pytest.fixture(scope="module")
def deck_path(demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deck") / "deck.pptx"
    assert build_deck(demo_workspace, PERIOD, out=out) == out
    return out


@pytest.fixture(scope="module")
def slides(deck_path: Path) -> list[Any]:
    return list(Presentation(str(deck_path)).slides)


def charts(slide: Any) -> list[Any]:
    return [shape.chart for shape in slide.shapes if shape.has_chart]


def texts(slide: Any) -> list[str]:
    """Every piece of text on a slide: text boxes and table cells."""
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [cell.text for row in shape.table.rows for cell in row.cells]
    return out


def title(slide: Any) -> str:
    """The slide's title: its largest bold text."""
    boxes = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text]
    return max(boxes, key=lambda s: (s.text_frame.paragraphs[0].runs[0].font.size or 0)
               ).text_frame.text


def series(chart: Any) -> dict[str, list[float | None]]:
    return {s.name: list(s.values) for s in chart.plots[0].series}


def by_category(chart: Any) -> dict[str, float]:
    """Category -> its value (each category has one value among the series)."""
    out: dict[str, float] = {}
    for s in chart.plots[0].series:
        for category, value in zip(chart.plots[0].categories, s.values, strict=True):
            if value is not None:
                out[category] = value
    return out


def test_the_deck_has_every_slide_in_16_to_9(deck_path: Path, slides: list[Any]) -> None:
    presentation = Presentation(str(deck_path))
    assert (presentation.slide_width, presentation.slide_height) == (Inches(13.333),
                                                                     Inches(7.5))
    assert len(slides) == len(SLIDES)


def test_charts_are_native_charts_never_pictures(deck_path: Path, slides: list[Any]) -> None:
    kinds = [[c.chart_type for c in charts(slide)] for slide in slides]
    assert kinds == [[], [XL_CHART_TYPE.COLUMN_STACKED],
                     [XL_CHART_TYPE.BAR_CLUSTERED] * 2, [XL_CHART_TYPE.BAR_CLUSTERED],
                     [XL_CHART_TYPE.BAR_CLUSTERED], [XL_CHART_TYPE.BAR_CLUSTERED], [],
                     [XL_CHART_TYPE.BAR_CLUSTERED]]
    assert not [s for slide in slides for s in slide.shapes
                if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    names = zipfile.ZipFile(deck_path).namelist()
    assert not [n for n in names if n.startswith("ppt/media/")]
    assert len([n for n in names if n.startswith("ppt/embeddings/")]) == 7  # chart data


def test_every_slide_names_its_sources_and_the_date_of_the_data(slides: list[Any]) -> None:
    for number, slide in enumerate(slides, 1):
        footnote = [t for t in texts(slide) if "Source: Worthit workspace" in t]
        assert len(footnote) == 1, number
        assert "Data through 2026-11-26" in footnote[0]
        assert "last synced 2026-11-27 06:00 UTC" in footnote[0]


def test_the_title_slide_says_period_workspace_and_freshness(
        slides: list[Any], demo_workspace: Workspace) -> None:
    text = "\n".join(texts(slides[0]))
    assert "Was our AI spend worth it?" in text
    assert "28 October – 26 November 2026" in text
    assert "Workspace: Demo workspace" in text
    assert "Data from 2025-10-27 through 2026-11-26 · last synced 2026-11-27 06:00 UTC" in text
    shown = report_json(demo_workspace, "overview")
    assert money(shown["total_effective_cost"]) in text


def test_titles_state_the_finding(slides: list[Any], demo_workspace: Workspace) -> None:
    shown = report_json(demo_workspace, "overview")
    assert title(slides[1]) == (f"Spend rose {shown['change_pct'] * 100:.1f} % to "
                                f"{money(shown['total_effective_cost'])}; AI is "
                                f"{shown['ai']['share'] * 100:.1f} % of it")
    # The planted commitments (a GPU Savings Plan, provisioned throughput, a PTU reservation
    # and reserved instances, all ml-platform's) make it the largest team.
    assert title(slides[2]).startswith("ml-platform carries 30.1 % of spend")
    assert title(slides[3]) == "2 of 3 units miss their target; Active user is 24.3 % over"
    leaks = report_json(demo_workspace, "leaks")
    assert title(slides[4]).startswith(
        f"Open leaks could save {money(leaks['monthly_saving'])} a month")
    for slide in slides[1:]:
        assert len(title(slide)) <= 110  # two lines at most


def test_overview_chart_is_spend_per_day_and_provider(slides: list[Any],
                                                      demo_workspace: Workspace) -> None:
    (chart,) = charts(slides[1])
    with demo_workspace.open() as cache:
        daily = overview(cache, PERIOD).by_provider_daily
    expected = daily.groupby(["key", "day"])["cost"].sum()
    categories = [dt.date(1899, 12, 30) + dt.timedelta(days=int(float(c)))
                  for c in chart.plots[0].categories]
    assert categories == [PERIOD.start + dt.timedelta(days=n) for n in range(PERIOD.days)]
    shown = {p["provider"]: p["cost"] for p in report_json(demo_workspace,
                                                           "overview")["by_provider"]}
    values = series(chart)
    assert set(values) == set(shown)
    for provider, points in values.items():
        for day, value in zip(categories, points, strict=True):
            assert value == pytest.approx(expected.get((provider, day.isoformat()), 0.0),
                                          abs=CENT)
        assert sum(points) == pytest.approx(shown[provider], abs=CENT * len(points))


def test_allocation_charts_are_teams_and_features_with_unallocated(
        slides: list[Any], demo_workspace: Workspace) -> None:
    tree = report_json(demo_workspace, "allocation")["tree"]
    teams, features = charts(slides[2])
    team_costs = by_category(teams)
    assert list(team_costs) == [*sorted((t["name"] for t in tree if t["name"] !=
                                         "Unallocated"),
                                        key=lambda n: -next(t["cost"] for t in tree
                                                            if t["name"] == n)),
                                "Unallocated"]
    for team in tree:
        assert team_costs[team["name"]] == pytest.approx(team["cost"], abs=CENT)
    children = {f"{c['name']} ({t['name']})": c["cost"] for t in tree
                if t["name"] != "Unallocated" for c in t["children"]}
    feature_costs = by_category(features)
    assert len(feature_costs) == 11 and list(feature_costs)[-1] == "Unallocated"
    largest = sorted(children.values(), reverse=True)[:10]
    assert [feature_costs[k] for k in list(feature_costs)[:10]] == pytest.approx(largest,
                                                                                  abs=CENT)
    for name, cost in list(feature_costs.items())[:10]:
        assert cost == pytest.approx(children[name], abs=CENT)


def test_units_chart_is_cost_per_unit_against_target(slides: list[Any],
                                                     demo_workspace: Workspace) -> None:
    shown = report_json(demo_workspace, "units")["units"]
    (chart,) = charts(slides[3])
    assert list(chart.plots[0].categories) == [u["name"] for u in shown]
    values = series(chart)
    assert values["Cost per unit"] == pytest.approx([u["unit_cost"] for u in shown],
                                                    abs=1e-6)
    assert values["Target"] == [u["target_cost"] for u in shown]
    verdicts = " ".join(texts(slides[3]))
    for unit in shown:
        assert unit["verdict"][:60] in verdicts


def test_leaks_chart_and_table_are_the_open_savings(slides: list[Any],
                                                    demo_workspace: Workspace) -> None:
    found = [f for f in report_json(demo_workspace, "leaks")["findings"]
             if f["state"] == "open" and f["monthly_saving"] > 0]
    (chart,) = charts(slides[4])
    rest = found[8:]  # the bars add up to the headline: the ninth on are one bar
    assert series(chart)["Monthly saving"] == pytest.approx(
        [f["monthly_saving"] for f in found[:8]]
        + ([sum(f["monthly_saving"] for f in rest)] if rest else []), abs=CENT)
    assert sum(series(chart)["Monthly saving"]) == pytest.approx(
        report_json(demo_workspace, "leaks")["monthly_saving"], abs=CENT * len(found))
    if rest:
        more = f"{len(rest)} more finding{'s' if len(rest) > 1 else ''}"
        assert chart.plots[0].categories[-1] == more
    # The NAT gateway's bar is the low end of its estimate, as on the Leaks page.
    nat = next(f for f in found if f["key"].startswith("hidden_network:nat:"))
    assert nat["monthly_saving"] == nat["saving_range"]["low"] < nat["saving_range"]["high"]
    assert by_category(chart)["Network cost: nat-0a1b2c3d4e5f60718"] == pytest.approx(
        nat["monthly_saving"], abs=CENT)
    assert "the low end of its range" in " ".join(texts(slides[4]))  # the footnote says so
    # The runaway agent's excess is a one-off, paid already: no bar, no monthly row.
    assert not any(c.startswith("Runaway agent") for c in chart.plots[0].categories)
    (table,) = [s.table for s in slides[4].shapes if s.has_table]
    rows = [[cell.text for cell in row.cells] for row in table.rows][1:]
    assert [r[2] for r in rows] == [money(f["monthly_saving"]) for f in found[:4]]
    assert [r[0].split("\n")[0] for r in rows] == [f["title"] for f in found[:4]]
    assert [r[0].split("\n")[1].startswith("Fix: ") for r in rows] == [True] * len(rows)
    assert not any("code-review-agent" in r[0] for r in rows)


def _height_in_a_wide_font(cell: Any, width_pt: float) -> float:
    """The cell's text height, in points, wrapped at its width in DejaVu Sans (wider than
    Calibri and its LibreOffice twin): paragraph by paragraph, each run's size."""
    from PySide6.QtGui import QFont, QFontMetricsF, QImage

    from worthit.ui.app import application

    application()
    device = QImage(1, 1, QImage.Format.Format_RGB32)
    device.setDotsPerMeterX(round(72 / 0.0254))  # one point, one pixel
    device.setDotsPerMeterY(round(72 / 0.0254))
    height = 0.0
    for paragraph in cell.text_frame.paragraphs:
        (run,) = paragraph.runs
        font = QFont("DejaVu Sans")
        font.setPointSizeF(run.font.size.pt)
        font.setBold(bool(run.font.bold))
        metrics = QFontMetricsF(font, device)
        lines, line = 1, ""
        for word in run.text.split():
            wider = f"{line} {word}".strip()
            if line and metrics.horizontalAdvance(wider) > width_pt:
                lines, line = lines + 1, word
            else:
                line = wider
        height += lines * metrics.lineSpacing()
    return height


def test_leak_titles_are_whole_and_fit_their_rows(slides: list[Any],
                                                  demo_workspace: Workspace) -> None:
    """No finding's title is cut with "…": each is in its row whole, in a size that fits
    the row even in a font wider than the deck's; the bars and the slide title too."""
    from worthit.export.deck import LEAK_ROW_IN

    found = [f for f in report_json(demo_workspace, "leaks")["findings"]
             if f["state"] == "open" and f["monthly_saving"] > 0]
    (table,) = [s.table for s in slides[4].shapes if s.has_table]
    width = table.columns[0].width.pt - 2 * 0.08 * 72  # the cell's margins
    for row, f in zip(list(table.rows)[1:], found, strict=False):
        cell = row.cells[0]
        assert cell.text_frame.paragraphs[0].runs[0].text == f["title"]
        assert row.height == Inches(LEAK_ROW_IN)
        assert _height_in_a_wide_font(cell, width) <= LEAK_ROW_IN * 72 - 0.08 * 72
    (chart,) = charts(slides[4])
    assert not [c for c in chart.plots[0].categories if "…" in c]
    assert "ml-experiments-checkpoints-2024" in " ".join(chart.plots[0].categories)
    assert "…" not in title(slides[4])


def test_a_long_leak_title_takes_a_smaller_size_and_a_long_name_a_shorter_one() -> None:
    """A title of 170 characters stays whole, smaller, and still fits its row; a bucket
    name too long for the slide title gives way to a shorter name of the same thing."""
    from pptx import Presentation

    from worthit.analysis.leaks.base import Evidence, Finding
    from worthit.export.deck import LEAK_ROW_IN, Deck, _leak_cell, _leak_headline
    from worthit.export.layout import add_table
    from worthit.export.mask import Mask

    bucket = "ml-experiments-checkpoints-2024-archive-of-the-old-training-runs"
    long = Finding(
        "storage_graveyard", "k", f"{bucket}: 612 TiB untouched for 430 days, no lifecycle "
        "policy, carried by ml-platform/model-training and nobody else", 9000.0, 8000.0,
        "ml-platform", "model-training", f"arn:aws:s3:::{bucket}", Evidence("x"),
        ["Ask the owner what must be kept; delete the rest, or move it to Deep Archive "
         "with a lifecycle rule so it costs a twentieth."])
    assert len(long.title) > 150
    deck = Deck(Presentation(), None, Mask.none())  # type: ignore[arg-type]
    width = Inches(4.13)
    cell = _leak_cell(deck, long, width)
    assert cell[0][0][0] == long.title  # whole
    assert cell[0][0][1]["size"] < 11
    slide = deck.presentation.slides.add_slide(deck.presentation.slide_layouts[6])
    table = add_table(slide, 0, 0, [width], ["Finding"], [(cell,)], numeric=[False],
                      row_height=Inches(LEAK_ROW_IN))
    assert _height_in_a_wide_font(table.cell(1, 0), width.pt - 11.52) <= \
        LEAK_ROW_IN * 72 - 5.76
    headline = _leak_headline(deck, [long], "USD")
    assert len(headline) <= 110 and "…" not in headline
    assert headline.endswith("in model-training ($8,000)")  # the feature names it


def test_swap_chart_is_each_suggestions_monthly_saving(slides: list[Any],
                                                       demo_workspace: Workspace) -> None:
    shown = report_json(demo_workspace, "swap")["suggestions"][:10]
    (chart,) = charts(slides[5])
    saving = by_category(chart)
    in_order = [saving[c] for c in chart.plots[0].categories]  # the bars, left to right
    assert in_order == pytest.approx([s["monthly_saving"] for s in shown], abs=CENT)
    groups = series(chart)
    assert set(groups) == {"Backed by the usage", "Worth testing"}
    backed = [v is not None for v in groups["Backed by the usage"]]
    assert backed == [s["evidence"] for s in shown]


def test_slides_are_picked_by_name_in_the_given_order(demo_workspace: Workspace,
                                                      tmp_path: Path) -> None:
    out = build_deck(demo_workspace, PERIOD, slides=["allocation", "title", "allocation"],
                     out=tmp_path / "two.pptx")
    chosen = list(Presentation(str(out)).slides)
    assert len(chosen) == 2
    assert len(charts(chosen[0])) == 2 and not charts(chosen[1])
    with pytest.raises(UserError, match=r"no slide 'story'.*title, overview"):
        build_deck(demo_workspace, PERIOD, slides=["story"], out=tmp_path / "x.pptx")
    with pytest.raises(UserError, match=r"\.pptx"):
        build_deck(demo_workspace, PERIOD, out=tmp_path / "deck.ppt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.pptx"]


def test_a_long_period_charts_months_that_add_up_to_the_total(demo_workspace: Workspace,
                                                             tmp_path: Path) -> None:
    period = Period(dt.date(2026, 6, 1), DEMO_END)
    out = build_deck(demo_workspace, period, slides=["overview"], out=tmp_path / "w.pptx")
    (chart,) = charts(next(iter(Presentation(str(out)).slides)))
    points = [v for values in series(chart).values() for v in values]
    total = report_json(demo_workspace, "overview", "--from", "2026-06-01", "--to",
                        DEMO_END.isoformat())["total_effective_cost"]
    months = [dt.date(1899, 12, 30) + dt.timedelta(days=int(float(c)))
              for c in chart.plots[0].categories]
    assert months == [dt.date(2026, m, 1) for m in range(6, 12)]
    assert sum(points) == pytest.approx(total, abs=CENT * len(points))


def test_a_masked_deck_holds_no_account_key_or_resource_id(
        demo_workspace: Workspace, demo_ids: set[str], deck_path: Path,
        tmp_path: Path) -> None:
    assert ids_found(deck_path, demo_ids), "the plain deck shows ids: the scan must see them"
    out = build_deck(demo_workspace, PERIOD, mask=True, out=tmp_path / "masked.pptx")
    assert ids_found(out, demo_ids) == {}
    masked = list(Presentation(str(out)).slides)
    (chart,) = charts(masked[4])
    assert "Network cost: resource-" in " ".join(chart.plots[0].categories)
    # The figures stay the same.
    assert series(chart) == series(charts(Presentation(str(deck_path)).slides[4])[0])


def test_an_empty_workspace_gives_a_deck_that_says_so(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "empty")
    workspace.folder.mkdir()
    workspace.open().close()
    out = build_deck(workspace, out=tmp_path / "empty.pptx")
    chosen = list(Presentation(str(out)).slides)
    assert len(chosen) == len(SLIDES)
    assert "No spend in this period." in texts(chosen[1])
    assert not [c for slide in chosen for c in charts(slide)]  # no empty charts


def test_the_commitments_slide_tables_those_ending_soonest_with_unused_cost_and_owner(
        cache: Any, tmp_path: Path) -> None:
    from tests.analysis.test_commitments import BY_TEAM, scenario_rows, write_focus

    from worthit.analysis.commitments import commitments
    from worthit.export.deck import write_deck
    from worthit.pages.figures import Figures
    from worthit.store.rules import save_rules
    from worthit.sync.importer import import_file

    import_file(cache, write_focus(tmp_path / "focus.csv", scenario_rows()))
    save_rules(cache, [BY_TEAM])
    period = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 3))
    figures = Figures(cache, period)
    out = write_deck(figures, tmp_path / "c.pptx", slides=["commitments"])
    (slide,) = Presentation(str(out)).slides
    found = commitments(cache, period, allocation=figures.allocation)
    committed, unused = found.total("committed", "USD"), found.total("unused", "USD")
    assert committed is not None and unused is not None
    assert title(slide).startswith(
        f"Commitments ran at {(committed - unused) / committed * 100:.1f} % utilisation: "
        f"{money(unused, 'USD')} of {money(committed, 'USD')} went unused")
    (table,) = [s.table for s in slide.shapes if s.has_table]
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0] == ["Commitment", "Kind", "Ends", "Utilisation", "Unused cost", "Owner"]
    assert [(r[0], r[4], r[5]) for r in cells[1:]] == [
        (c.commitment_id, money(c.unused, "USD"), c.owner) for c in found.commitments]
    # Most unused first (none ends soon): the idle one, then the 75 % one.
    assert cells[1][0] == "cd-idle" and cells[1][3] == "0.0 %"
    assert "utilisation is used ÷ committed" in " ".join(texts(slide))


def test_the_customers_slide_shows_the_customers_page_figures(slides: list[Any],
                                                              demo_workspace: Workspace) -> None:
    """The costliest customers and Not traced, as the Customers page has them (one
    truth), and the planted unprofitable customer in the table of those over the
    threshold."""
    from worthit.pages.customers import result

    slide = slides[SLIDES.index("customers")]
    (chart,) = charts(slide)
    categories = list(chart.plots[0].categories)
    values = list(chart.plots[0].series[0].values)
    with demo_workspace.open() as cache:
        found = result(Figures(cache, PERIOD))
    ranked = sorted(found.customers, key=lambda r: -r.cost)[:len(categories) - 1]
    assert categories == [r.customer for r in ranked] + ["Not traced"]
    assert values == [round(r.cost, 2) for r in ranked] + [round(found.not_traced, 2)]
    assert "woodgrove-bank" in "\n".join(texts(slide))

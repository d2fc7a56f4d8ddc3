"""The deck's house style: a 16:9 slide with a title that states the finding, a muted
subtitle, a footnote naming the sources and the date of the data, and helpers for text,
native charts and tables in the app's palette. python-pptx is imported by callers of
this module only, never on the app's start-up path."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any, Final

from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from worthit.export import palette

WIDTH: Final = Inches(13.333)
HEIGHT: Final = Inches(7.5)
MARGIN: Final = Inches(0.55)
CONTENT_TOP: Final = Inches(1.75)  # below the title and subtitle
CONTENT_BOTTOM: Final = Inches(6.75)  # above the footnote
CONTENT_WIDTH: Final = WIDTH - 2 * MARGIN
#: One font family throughout; PowerPoint has it, LibreOffice substitutes a metric twin.
FONT: Final = "Calibri"
TITLE_PT: Final = 26
BODY_PT: Final = 14
CHART_PT: Final = 12
SMALL_PT: Final = 11
FOOTNOTE_PT: Final = 9
#: "No Style, No Grid": tables get their look from the cells, not from a theme style.
PLAIN_TABLE_STYLE: Final = "{2D5ABB26-0587-4C30-8999-92F81FD0307C}"


def rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else \
        text[: limit - 1]
    return cut.rstrip(",;:") + "…"


def text_box(slide: Any, x: int, y: int, w: int, h: int, text: str | Sequence[Any], *,
             size: float = BODY_PT, bold: bool = False, colour: str = palette.TEXT,
             align: Any = PP_ALIGN.LEFT, anchor: Any = MSO_ANCHOR.TOP) -> Any:
    """A word-wrapped text box. ``text`` is a string or paragraphs, each a string or a
    list of runs ``(text, {size, bold, colour})``."""
    shape = slide.shapes.add_textbox(x, y, w, h)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.04)
    frame.margin_top = frame.margin_bottom = Inches(0.02)
    paragraphs = [text] if isinstance(text, str) else list(text)
    for number, paragraph in enumerate(paragraphs):
        p = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
        p.alignment = align
        runs = [(paragraph, {})] if isinstance(paragraph, str) else paragraph
        for run_text, style in runs:
            run = p.add_run()
            run.text = run_text
            font = run.font
            font.name = FONT
            font.size = Pt(style.get("size", size))
            font.bold = style.get("bold", bold)
            font.color.rgb = rgb(style.get("colour", colour))
    return shape


def rectangle(slide: Any, x: int, y: int, w: int, h: int, fill: str,
              line: str | None = None) -> Any:
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, y, w, h)
    shape.fill.solid()
    shape.fill.fore_color.rgb = rgb(fill)
    if line is None:
        shape.line.fill.background()
    else:
        shape.line.color.rgb = rgb(line)
        shape.line.width = Pt(0.75)
    _no_theme_style(shape)
    return shape


def _no_theme_style(shape: Any) -> None:
    """Drop the theme's style reference (its shadow and outline): LibreOffice draws the
    theme's shadow even under an empty effect list."""
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)


def headed(slide: Any, title: str, subtitle: str) -> None:
    """The finding as the title (up to two lines) and what the slide shows below it."""
    rectangle(slide, 0, 0, WIDTH, Inches(0.09), palette.ACCENT)
    # Two lines of title and one of subtitle, even in a wider font than Calibri.
    text_box(slide, MARGIN, Inches(0.3), CONTENT_WIDTH, Inches(1.0), shorten(title, 110),
             size=TITLE_PT, bold=True, anchor=MSO_ANCHOR.BOTTOM)
    text_box(slide, MARGIN, Inches(1.3), CONTENT_WIDTH, Inches(0.36), shorten(subtitle, 115),
             size=BODY_PT, colour=palette.MUTED)


def footnote(slide: Any, text: str, number: int) -> None:
    """Sources and the date of the data, and the slide's number."""
    y = Inches(6.88)
    line = slide.shapes.add_connector(1, MARGIN, y - Inches(0.06), WIDTH - MARGIN,
                                      y - Inches(0.06))
    line.line.color.rgb = rgb(palette.GRID)
    line.line.width = Pt(0.75)
    _no_theme_style(line)
    text_box(slide, MARGIN, y, CONTENT_WIDTH - Inches(0.6), Inches(0.5), text,
             size=FOOTNOTE_PT, colour=palette.MUTED)
    text_box(slide, WIDTH - MARGIN - Inches(0.5), y, Inches(0.5), Inches(0.3), str(number),
             size=FOOTNOTE_PT, colour=palette.MUTED, align=PP_ALIGN.RIGHT)


def tile(slide: Any, x: int, y: int, w: int, h: int, label: str, value: str, note: str,
         tone: str | None = None) -> None:
    """A figure card like the app's: label, large value, a note coloured by tone."""
    rectangle(slide, x, y, w, h, palette.SURFACE, palette.GRID)
    rectangle(slide, x, y, Inches(0.06), h, {"good": palette.GOOD, "bad": palette.BAD}.get(
        tone or "", palette.ACCENT))
    inner = x + Inches(0.2)
    text_box(slide, inner, y + Inches(0.08), w - Inches(0.3), Inches(0.3), label,
             size=SMALL_PT, colour=palette.MUTED)
    text_box(slide, inner, y + Inches(0.34), w - Inches(0.3), Inches(0.5), value,
             size=22, bold=True)
    colour = {"good": palette.GOOD, "bad": palette.BAD}.get(tone or "", palette.MUTED)
    text_box(slide, inner, y + Inches(0.82), w - Inches(0.3), h - Inches(0.88), note,
             size=SMALL_PT, colour=colour)


# -- charts -----------------------------------------------------------------------------------


def chart_data(categories: Sequence[str] | Sequence[dt.date],
               series: dict[str, Sequence[float | None]], number_format: str, *,
               date_format: str = "mmm d") -> CategoryChartData:
    """Categories and series; dates as categories make a date axis."""
    data = CategoryChartData(number_format=number_format)
    data.categories = list(categories)
    if data.categories.are_dates:
        data.categories.number_format = date_format
    for name, values in series.items():
        data.add_series(name, list(values))
    return data


def add_chart(slide: Any, kind: Any, x: int, y: int, w: int, h: int,
              data: CategoryChartData, *, colours: Sequence[str],
              axis_format: str, legend: bool = True, labels: str | None = None,
              label_skip: int = 1, date_unit: str = "days", top_down: bool = False,
              label_series: Sequence[int] | None = None) -> Any:
    """A native chart in the house style: no title (the slide has one), a light grid,
    the value axis in ``axis_format``, series in ``colours``, the legend below (when
    there are several series) and, with ``labels``, data labels in that number format.
    ``top_down`` lists a bar chart's categories from the top; ``label_series`` limits the
    labels to those series. ``label_skip`` labels every so many categories (on a date
    axis: so many ``date_unit``, days or months, which is also the bars' unit)."""
    chart = slide.shapes.add_chart(kind, x, y, w, h, data).chart
    chart.has_title = False
    chart.font.name = FONT
    chart.font.size = Pt(CHART_PT)
    chart.font.color.rgb = rgb(palette.MUTED)
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(CHART_PT)
        chart.legend.font.color.rgb = rgb(palette.TEXT)
    value, category = chart.value_axis, chart.category_axis
    value.has_major_gridlines = True
    value.major_gridlines.format.line.color.rgb = rgb(palette.GRID)
    value.major_gridlines.format.line.width = Pt(0.75)
    value.format.line.fill.background()
    value.tick_labels.number_format = axis_format
    value.tick_labels.number_format_is_linked = False
    value.tick_labels.font.size = Pt(SMALL_PT)
    value.minimum_scale = 0
    category.format.line.color.rgb = rgb(palette.GRID)
    category.tick_labels.font.size = Pt(SMALL_PT)
    category.tick_labels.font.color.rgb = rgb(palette.TEXT)
    category.has_major_gridlines = False
    _horizontal_labels(category)
    if labels is not None and kind == BAR:
        # Labelled bars read without a value axis; its grid would only add noise.
        value.visible = False
        value.has_major_gridlines = False
    if top_down:
        category.reverse_order = True
    if category._element.tag == qn("c:dateAx"):
        _date_unit(category, label_skip, date_unit)
    elif label_skip > 1:
        _tick_label_skip(category, label_skip)
    plot = chart.plots[0]
    if hasattr(plot, "gap_width"):
        plot.gap_width = 45 if len(data.categories) > 12 else 70
    for number, series in enumerate(plot.series):
        colour = colours[number % len(colours)]
        fill = series.format.fill
        fill.solid()
        fill.fore_color.rgb = rgb(colour)
        series.format.line.fill.background()
        if hasattr(series, "invert_if_negative"):
            series.invert_if_negative = False
    if labels is not None:
        for number, series in enumerate(plot.series):
            if label_series is not None and number not in label_series:
                continue
            data_labels = series.data_labels
            data_labels.number_format = labels
            data_labels.number_format_is_linked = False
            data_labels.font.size = Pt(SMALL_PT)
            data_labels.font.color.rgb = rgb(palette.TEXT)
            data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
            data_labels.show_value = True
    return chart


def colour_points(chart: Any, colours: Sequence[str], series: int = 0) -> None:
    """One colour per point of a series (Unallocated grey, misses red)."""
    points = chart.plots[0].series[series].points
    for number, colour in enumerate(colours):
        fill = points[number].format.fill
        fill.solid()
        fill.fore_color.rgb = rgb(colour)


def _horizontal_labels(axis: Any) -> None:
    """Category labels stay level (LibreOffice tilts crowded ones by default)."""
    body = axis._element.find(qn("c:txPr")).find(qn("a:bodyPr"))
    body.set("rot", "0")
    body.set("vert", "horz")


def _date_unit(axis: Any, every: int, unit: str) -> None:
    """Bars a ``unit`` (days or months) wide, a label every ``every`` of them; the schema
    wants ``c:majorUnit`` and ``c:majorTimeUnit`` right after ``c:baseTimeUnit``."""
    base = axis._element.find(qn("c:baseTimeUnit"))
    base.set("val", unit)
    major = etree.Element(qn("c:majorUnit"))
    major.set("val", str(every))
    time_unit = etree.Element(qn("c:majorTimeUnit"))
    time_unit.set("val", unit)
    base.addnext(major)
    major.addnext(time_unit)
    axis.tick_labels.number_format_is_linked = True


def _tick_label_skip(axis: Any, skip: int) -> None:
    """Label every ``skip``-th category (python-pptx has no API for ``c:tickLblSkip``;
    the schema wants it after ``c:lblOffset``, before ``c:noMultiLvlLbl``)."""
    element = axis._element
    node = etree.SubElement(element, qn("c:tickLblSkip"))
    node.set("val", str(skip))
    following = element.find(qn("c:noMultiLvlLbl"))
    if following is not None:
        following.addprevious(node)


def label_skip(count: int, room: int) -> int:
    """Every how many categories to label so that about ``room`` labels show."""
    return max(1, math.ceil(count / room))


BAR: Final = XL_CHART_TYPE.BAR_CLUSTERED
COLUMN: Final = XL_CHART_TYPE.COLUMN_CLUSTERED
STACKED: Final = XL_CHART_TYPE.COLUMN_STACKED


# -- tables -----------------------------------------------------------------------------------


def add_table(slide: Any, x: int, y: int, widths: Sequence[int],
              header: Sequence[str], rows: Sequence[Sequence[Any]], *,
              numeric: Sequence[bool], row_height: int = Inches(0.4),
              size: float = SMALL_PT, header_height: int = Inches(0.4)) -> Any:
    """A plain table: a muted header, hairlines between rows, numbers right-aligned.
    A cell is a string or paragraphs (see :func:`fill_cell`)."""
    shape = slide.shapes.add_table(len(rows) + 1, len(header), x, y, sum(widths),
                                   header_height + row_height * len(rows))
    table = shape.table
    style = table._tbl.tblPr.find(qn("a:tableStyleId"))
    if style is None:
        style = etree.SubElement(table._tbl.tblPr, qn("a:tableStyleId"))
    style.text = PLAIN_TABLE_STYLE
    table.first_row = True
    table.horz_banding = False
    for at, width in enumerate(widths):
        table.columns[at].width = Emu(width)
    for r in range(len(rows) + 1):
        table.rows[r].height = row_height if r else header_height
    for c, name in enumerate(header):
        fill_cell(table.cell(0, c), [[(name, {"bold": True, "colour": palette.MUTED})]],
                  size=size, right=numeric[c], fill=palette.BACKGROUND)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            fill_cell(table.cell(r, c), value, size=size, right=numeric[c])
    return table


def fill_cell(cell: Any, value: str | Sequence[Any], *, size: float, right: bool,
              fill: str = palette.SURFACE) -> None:
    """Write a cell: a string, or paragraphs as for :func:`text_box`; a hairline below."""
    frame = cell.text_frame
    frame.word_wrap = True
    cell.margin_left = cell.margin_right = Inches(0.08)
    cell.margin_top = cell.margin_bottom = Inches(0.04)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    paragraphs = [value] if isinstance(value, str) else list(value)
    for number, paragraph in enumerate(paragraphs):
        p = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
        p.alignment = PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT
        runs = [(paragraph, {})] if isinstance(paragraph, str) else paragraph
        for text, style in runs:
            run = p.add_run()
            run.text = text
            run.font.name = FONT
            run.font.size = Pt(style.get("size", size))
            run.font.bold = style.get("bold", False)
            run.font.color.rgb = rgb(style.get("colour", palette.TEXT))
    _cell_look(cell, fill)


def _cell_look(cell: Any, fill: str) -> None:
    """Fill and a bottom hairline, written as the schema orders them (lines, then fill):
    python-pptx has no API for cell borders."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for child in list(tc_pr):
        tc_pr.remove(child)
    for side in ("a:lnL", "a:lnR", "a:lnT", "a:lnB"):
        line = etree.SubElement(tc_pr, qn(side))
        if side == "a:lnB":
            line.set("w", str(Pt(0.75)))
            solid = etree.SubElement(line, qn("a:solidFill"))
            etree.SubElement(solid, qn("a:srgbClr")).set("val", palette.GRID.lstrip("#"))
        else:
            line.set("w", "0")
            etree.SubElement(line, qn("a:noFill"))
    solid = etree.SubElement(tc_pr, qn("a:solidFill"))
    etree.SubElement(solid, qn("a:srgbClr")).set("val", fill.lstrip("#"))

"""The shared charts: SVG with its title as text, nothing a strict Content-Security-Policy
would block, byte-identical for the same data, and its data as the table's rows."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template import Context, Template

from pcc_commissioning.charts import Chart, bar_chart, format_number, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _bar(**changes) -> Chart:
    arguments = {
        "title": "Domestic abuse crimes per 1,000 people, 2019/20",
        "categories": ["County Durham", "Darlington", "Hartlepool"],
        "series": {"2019/20": [Decimal("21.4"), None, Decimal("18.05")]},
        "unit": "per 1,000",
        "horizontal": True,
        "category_label": "Area",
    }
    return bar_chart(**{**arguments, **changes})


def _line(**changes) -> Chart:
    arguments = {
        "title": "Trend: repeat victims",
        "x_labels": ["2017/18", "2018/19", "2019/20"],
        "series": {"County Durham": [Decimal("30"), Decimal("31.5"), None], "Darlington": [12, 14, 15]},
        "unit": "%",
    }
    return line_chart(**{**arguments, **changes})


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode())
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("make", [_bar, _line, lambda: _bar(horizontal=False)])
def test_a_chart_is_well_formed_svg_with_its_title_as_text(make):
    chart = make()
    root = ET.fromstring(chart.svg.encode())
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == chart.title
    assert root.find(f"{SVG}desc").text == chart.description
    assert chart.title in " ".join(_texts(chart.svg))  # drawn as text, not as glyph outlines


@pytest.mark.parametrize("make", [_bar, _line])
def test_a_chart_has_nothing_a_strict_content_security_policy_blocks(make):
    svg = make().svg
    assert "<script" not in svg.lower()
    assert "<style" not in svg.lower()
    assert not re.search(r"\sstyle=", svg)
    assert not re.search(r"\son[a-z]+=", svg)  # no event handlers


def test_styles_become_presentation_attributes():
    svg = _bar().svg
    assert 'fill="#1d70b8"' in svg  # the first series' colour survives without a style attribute
    assert "font-family=\"'Arial', 'Liberation Sans'" in svg


@pytest.mark.parametrize("make", [_bar, _line])
def test_the_same_data_gives_byte_identical_svg(make):
    assert make().svg == make().svg


def test_different_data_gives_a_different_chart():
    assert _bar().svg != _bar(series={"2019/20": [Decimal("21.4"), Decimal("3"), Decimal("18.05")]}).svg


def test_no_date_or_creator_metadata():
    svg = _bar().svg
    assert "<metadata" not in svg
    assert "Matplotlib v" not in svg
    assert not re.search(r"20\d\d-\d\d-\d\dT", svg)


def test_bar_chart_rows_are_the_input():
    chart = _bar()
    assert chart.columns == ("Area", "2019/20")
    assert chart.rows == (
        ("County Durham", Decimal("21.4")),
        ("Darlington", None),
        ("Hartlepool", Decimal("18.05")),
    )


def test_line_chart_rows_are_the_input_one_column_per_series():
    chart = _line()
    assert chart.columns == ("Period", "County Durham", "Darlington")
    assert chart.rows == (
        ("2017/18", Decimal("30"), 12),
        ("2018/19", Decimal("31.5"), 14),
        ("2019/20", None, 15),
    )


def test_every_bar_is_labelled_with_its_value_and_a_missing_one_says_so():
    texts = _texts(_bar().svg)
    assert "21.4" in texts and "18.1" in texts  # one decimal place, half up
    assert "No data" in texts


def test_a_bar_of_zero_has_no_label():
    texts = _texts(_bar(series={"2019/20": [Decimal("21.4"), Decimal("0"), 0]}).svg)
    assert "21.4" in texts
    assert "0.0" not in texts  # the label it would have (the axis's own "0" is a tick)
    assert _bar(series={"2019/20": [Decimal("21.4"), Decimal("0"), 0]}).display_rows[1] == ["Darlington", "0.0"]


def test_a_chart_under_a_heading_can_leave_its_title_out_of_the_picture():
    chart = _bar(draw_title=False)
    assert chart.title not in " ".join(_texts(chart.svg))
    assert ET.fromstring(chart.svg.encode()).find(f"{SVG}title").text == chart.title  # still its name
    assert chart.svg != _bar().svg


def test_series_are_told_apart_without_colour():
    line = _line().svg
    # two markers (circle and square) drawn as distinct shapes, and dashes on the second line
    assert len(set(re.findall(r'<path id="(m[0-9a-f]+)"', line))) >= 2
    assert "stroke-dasharray" in line
    bars = bar_chart(title="Two", categories=["A", "B"], series={"x": [1, 2], "y": [2, 1]}).svg
    assert "<pattern" in bars  # the second series is hatched


def test_title_text_is_escaped():
    chart = _bar(title="Crime & disorder <2019>")
    assert "Crime &amp; disorder &lt;2019&gt;" in chart.svg
    ET.fromstring(chart.svg.encode())  # still well-formed


def test_dollar_signs_are_text_not_mathematics():
    chart = _bar(categories=["$A$", "B", "C"])
    assert "$A$" in _texts(chart.svg)


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="'2019/20' has 2 values for 3 categories"):
        _bar(series={"2019/20": [1, 2]})
    with pytest.raises(ValueError, match="at least one series"):
        _line(series={})


def test_description_names_the_highest_and_lowest():
    assert "Highest: County Durham, 21.4. Lowest: Hartlepool, 18.1. 1 without data." in _bar().description


def test_format_number():
    assert format_number(Decimal("1234.5"), 1) == "1,234.5"
    assert format_number(Decimal("0.05"), 1) == "0.1"
    assert format_number(12, 0) == "12"
    assert format_number(None) == "–"
    assert format_number(None, empty="No data") == "No data"


def test_chart_img_tag_renders_the_image_and_its_data_table():
    chart = _bar()
    html = Template("{% load pcc_charts %}{% chart_img chart %}").render(Context({"chart": chart}))
    src = re.search(r'<img class="app-chart__image" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)"', html)
    assert src, html
    assert base64.b64decode(src.group(1)).decode() == chart.svg
    assert src.group(2) == "Domestic abuse crimes per 1,000 people, 2019/20"
    assert (
        '<caption class="govuk-table__caption govuk-table__caption--s">Domestic abuse crimes per 1,000 people, '
        "2019/20: the data</caption>" in html
    )
    assert '<th scope="col" class="govuk-table__header govuk-table__header--numeric">2019/20 (per 1,000)</th>' in html
    cells = re.findall(
        r'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">([^<]*)</th>'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td></tr>',
        html,
    )
    assert cells == [("County Durham", "21.4"), ("Darlington", "No data"), ("Hartlepool", "18.1")]
    assert "style=" not in html and "<script" not in html


def test_chart_img_tag_can_leave_the_table_for_an_appendix():
    html = Template("{% load pcc_charts %}{% chart_img chart table=False %}").render(Context({"chart": _bar()}))
    assert "<img" in html and "<table" not in html


def test_axis_numbers_have_thousands_separators():
    chart = bar_chart(title="Money", categories=["A", "B"], series={"Budget": [Decimal("842100"), Decimal("634900")]})
    assert "800,000" in chart.svg and "600,000" in chart.svg
    assert "800000" not in chart.svg


def test_a_chart_is_drawn_once_for_the_same_data_and_again_when_the_data_change(monkeypatch):
    from pcc_commissioning import charts

    drawn = []
    real_render = charts._render
    monkeypatch.setattr(charts, "_render", lambda figure: drawn.append(1) or real_render(figure))

    def chart(paid):
        return charts.bar_chart(
            title="Paid by stream", categories=["Core", "General"], series={"Paid": [Decimal("100"), paid]}, unit="£"
        )

    first = chart(Decimal("250"))
    again = chart(Decimal("250"))
    assert len(drawn) == 1 and again.svg == first.svg
    changed = chart(Decimal("251"))
    assert len(drawn) == 2 and changed.svg != first.svg
    assert changed.rows[1] == ("General", Decimal("251"))

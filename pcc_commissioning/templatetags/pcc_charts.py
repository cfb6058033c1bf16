"""``{% chart_img chart %}``: a chart from ``pcc_commissioning.charts`` with its data table.

The image is ``<img src="data:image/svg+xml;base64,…" alt="<title>">`` (the page's
Content-Security-Policy needs ``img-src 'self' data:``; no inline script or style), followed by
the chart's data as a GOV.UK table whose caption is the chart's title. Works the same in a
page and in a PDF (WeasyPrint draws the SVG).

``{% chart_img chart table=False %}`` leaves the table out, for a PDF that puts the tables in
an appendix (``{% chart_table chart %}`` draws it there).
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join

from pcc_commissioning.charts import Chart, format_number

register = template.Library()

_CELL = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'


@register.simple_tag
def chart_table(chart: Chart, caption: str = "") -> str:
    first, *values = chart.columns
    header = format_html(
        '<th scope="col" class="govuk-table__header">{}</th>{}',
        first,
        format_html_join(
            "",
            '<th scope="col" class="govuk-table__header govuk-table__header--numeric">{}{}</th>',
            ((name, chart.value_heading_suffix) for name in values),
        ),
    )
    body = format_html_join(
        "",
        '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>{}</tr>',
        (
            (
                row[0],
                format_html_join("", _CELL, ((cell,) for cell in row[1:])),
            )
            for row in chart.display_rows
        ),
    )
    return format_html(
        '<table class="govuk-table app-chart__table">'
        '<caption class="govuk-table__caption govuk-table__caption--s">{}</caption>'
        '<thead class="govuk-table__head"><tr class="govuk-table__row">{}</tr></thead>'
        '<tbody class="govuk-table__body">{}</tbody></table>',
        caption or f"{chart.title}: the data",
        header,
        body,
    )


@register.simple_tag
def chart_img(chart: Chart, table: bool = True) -> str:
    figure = format_html(
        '<figure class="app-chart govuk-!-margin-0 govuk-!-margin-bottom-4">'
        '<img class="app-chart__image" src="{}" alt="{}">'
        '<figcaption class="govuk-visually-hidden">{}</figcaption>'
        "</figure>",
        chart.data_uri,
        chart.title,
        chart.description,
    )
    if not table:
        return figure
    return format_html("{}{}", figure, chart_table(chart))


@register.filter
def plain_number(value, decimals: int | None = None) -> str:
    """A measured value as the charts' tables write it: 1234.5000 -> "1,234.5"; ``decimals`` fixes
    the places (``|plain_number:2``); None -> "–"."""
    if value is None or value == "":
        return "–"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if decimals is None:
        normal = number.normalize()
        places = max(0, -normal.as_tuple().exponent) if normal != normal.to_integral_value() else 0
        return format_number(number, places)
    return format_number(number, int(decimals))

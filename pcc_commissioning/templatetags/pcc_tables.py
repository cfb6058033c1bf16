"""``{% table_region %}…{% endtable_region %}``: a table in its own scrolling box.

A table of several columns is wider than a 320 px screen. So that the page itself never
scrolls sideways (WCAG 2.2, 1.4.10 Reflow), every table sits in a box that scrolls on its own
(``app-table-region`` in frontend/scss) and that a keyboard user can reach and scroll
(``tabindex="0"``) and a screen reader announces by the table's caption (``role="region"``
with that caption as its ``aria-label``). One tag, so no page builds its own copy.

    {% load pcc_tables %}
    {% table_region %}<table class="govuk-table"><caption …>Payments</caption>…</table>{% endtable_region %}

The label is the caption's text; a table without a caption must be given one as
``{% table_region "Label" %}`` (or a variable).
"""

import re
from html import unescape

from django import template
from django.utils.html import format_html, strip_tags

register = template.Library()

CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.DOTALL | re.IGNORECASE)


def caption_text(html: str) -> str:
    """The plain text of the first ``<caption>`` in ``html`` ("" if none), spaces collapsed."""
    found = CAPTION.search(html)
    if found is None:
        return ""
    return " ".join(unescape(strip_tags(found.group(1))).split())


class TableRegionNode(template.Node):
    def __init__(self, nodelist, label):
        self.nodelist = nodelist
        self.label = label

    def render(self, context) -> str:
        inner = self.nodelist.render(context)
        label = str(self.label.resolve(context)) if self.label is not None else caption_text(inner)
        if not label:
            raise template.TemplateSyntaxError("table_region needs a table with a <caption>, or a label")
        return format_html(
            '<div class="app-table-region" role="region" aria-label="{}" tabindex="0">{}</div>', label, inner
        )


@register.tag
def table_region(parser, token):
    bits = token.split_contents()
    if len(bits) > 2:
        raise template.TemplateSyntaxError("table_region takes at most one argument, the label")
    label = parser.compile_filter(bits[1]) if len(bits) == 2 else None
    nodelist = parser.parse(("endtable_region",))
    parser.delete_first_token()
    return TableRegionNode(nodelist, label)

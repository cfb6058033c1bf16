"""The table_region tag: a table in a scrolling box named by its caption."""

import pytest
from django.template import Context, Template, TemplateSyntaxError


def render(source: str, **context) -> str:
    return Template("{% load pcc_tables %}" + source).render(Context(context))


def test_the_box_is_a_focusable_region_labelled_by_the_caption_around_the_table():
    html = render(
        '{% table_region %}<table class="govuk-table">'
        '<caption class="govuk-table__caption">Payments of {{ ref }}</caption><tr><td>1</td></tr>'
        "</table>{% endtable_region %}",
        ref="AWD-2019-0001",
    )
    assert html == (
        '<div class="app-table-region" role="region" aria-label="Payments of AWD-2019-0001" tabindex="0">'
        '<table class="govuk-table"><caption class="govuk-table__caption">Payments of AWD-2019-0001</caption>'
        "<tr><td>1</td></tr></table></div>"
    )


def test_the_label_is_the_caption_as_plain_text_escaped_once():
    # Tags inside the caption go, spaces collapse; the value is escaped in the template and
    # once more in the attribute, not twice.
    html = render(
        "{% table_region %}<table><caption>\n  Awards <span class='x'>touching</span>\n {{ year }}</caption>"
        "</table>{% endtable_region %}",
        year="2019/20 & <b>",
    )
    assert 'aria-label="Awards touching 2019/20 &amp; &lt;b&gt;"' in html
    assert "<caption>\n  Awards <span class='x'>touching</span>\n 2019/20 &amp; &lt;b&gt;</caption>" in html


def test_only_the_first_caption_names_the_box():
    html = render(
        "{% table_region %}<table><caption>First</caption></table><table><caption>Second</caption></table>"
        "{% endtable_region %}"
    )
    assert 'aria-label="First"' in html


def test_a_label_given_to_the_tag_wins_over_the_caption():
    html = render(
        "{% table_region label %}<table><caption>Caption</caption></table>{% endtable_region %}", label="Given"
    )
    assert 'aria-label="Given"' in html


def test_a_table_without_a_caption_or_label_is_refused():
    with pytest.raises(TemplateSyntaxError, match="caption"):
        render("{% table_region %}<table><tr><td>1</td></tr></table>{% endtable_region %}")


def test_more_than_one_argument_is_refused():
    with pytest.raises(TemplateSyntaxError, match="at most one"):
        render('{% table_region "a" "b" %}<table></table>{% endtable_region %}')

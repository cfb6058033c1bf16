from django import forms

from pcc_commissioning.widgets import FastSelect


class PickForm(forms.Form):
    pick = forms.ChoiceField(choices=[("", "Any"), ("1", "A & B"), ("2", "<two>")], widget=FastSelect, required=False)


def test_fast_select_renders_the_same_choices_as_django_select_with_the_value_selected():
    html = str(PickForm({"pick": "2"})["pick"])
    assert html.startswith('<select id="id_pick" name="pick" class="govuk-select">')
    assert '<option value="">Any</option>' in html
    assert '<option value="1">A &amp; B</option>' in html  # labels are escaped
    assert '<option value="2" selected>&lt;two&gt;</option>' in html
    assert html.count("selected") == 1

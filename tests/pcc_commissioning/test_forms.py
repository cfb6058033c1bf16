"""The shared form helpers: a service's errors on a form."""

from django import forms
from django.core.exceptions import ValidationError

from pcc_commissioning.forms import add_service_errors


class TitleForm(forms.Form):
    title = forms.CharField(required=False)


def _form():
    form = TitleForm({"title": "A"})
    assert form.is_valid()
    return form


def _errors(**kwargs):
    form = _form()
    add_service_errors(
        form,
        ValidationError(
            {"title": ["Too long."], "due_date": ["Is past."], "__all__": ["Changed since you loaded it."]}
        ),
        **kwargs,
    )
    return form.errors["title"], form.non_field_errors()


def test_errors_go_on_their_fields_and_the_rest_at_the_top():
    title, top = _errors()
    assert title == ["Too long."]
    assert top == ["Is past.", "Changed since you loaded it."]


def test_name_fields_names_the_fields_the_form_lacks_but_not_the_form_itself():
    title, top = _errors(name_fields=True)
    assert title == ["Too long."]
    assert top == ["Due date: Is past.", "Changed since you loaded it."]


def test_an_error_about_nothing_in_particular_goes_at_the_top():
    form = _form()
    add_service_errors(form, ValidationError("Someone else saved it first."), name_fields=True)
    assert form.non_field_errors() == ["Someone else saved it first."]


def test_field_for_maps_the_keys_to_the_fields():
    form = _form()
    add_service_errors(
        form,
        ValidationError({"kpi:12": ["Enter a number."], "other": ["Odd."]}),
        field_for=lambda key: "title" if key == "kpi:12" else None,
    )
    assert form.errors["title"] == ["Enter a number."]
    assert form.non_field_errors() == ["Odd."]

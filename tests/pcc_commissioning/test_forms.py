"""The shared form helpers: a service's errors on a form, and choices."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from pcc_commissioning.forms import UserChoiceField, add_service_errors, fy_choices, officer_choices, with_blank
from pcc_commissioning.roles import Role
from tests.factories.users import UserFactory


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


def test_with_blank_puts_a_blank_choice_first():
    assert with_blank([("a", "A")]) == [("", "Choose one"), ("a", "A")]
    assert with_blank([], "Any year") == [("", "Any year")]


def test_fy_choices_label_each_year():
    assert fy_choices([2019, 2099]) == [("2019", "2019/20"), ("2099", "2099/00")]


@pytest.mark.django_db
def test_officer_choices_are_the_active_officers_by_first_name():
    zoe = UserFactory(username="zoe", first_name="Zoe", last_name="Adams", role=Role.OFFICER)
    amy = UserFactory(username="amy", first_name="Amy", last_name="Young", role=Role.OFFICER)
    UserFactory(username="gone", first_name="Ann", role=Role.OFFICER, is_active=False)
    UserFactory(username="fin", first_name="Abe", role=Role.FINANCE)
    assert list(officer_choices()) == [amy, zoe]
    field = UserChoiceField(queryset=officer_choices())
    assert [label for _, label in field.choices] == ["---------", "Amy Young", "Zoe Adams"]

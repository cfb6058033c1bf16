"""The invitation forms: their fields, Django's password rules against the invited person, and
the red error border on e-mail and password boxes."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template

from pcc_commissioning.models import User
from providers.invitations.forms import ColleagueInvitationForm, InvitationAcceptForm, InvitationForm

INVITED = User(username="jo.bloggs@example.org", email="jo.bloggs@example.org", first_name="Jo", last_name="Bloggs")


def _input(form, name: str) -> str:
    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(Context({"form": form}))
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_only_an_officers_form_can_invite_as_lead():
    assert "as_lead" in InvitationForm().fields
    assert "as_lead" not in ColleagueInvitationForm().fields
    form = ColleagueInvitationForm({"first_name": "Cal", "last_name": "C", "email": "cal@example.org", "as_lead": "on"})
    assert form.is_valid() and "as_lead" not in form.cleaned_data


@pytest.mark.django_db
def test_the_password_rules_apply_against_the_invited_persons_names_and_address():
    similar = InvitationAcceptForm(
        INVITED, {"new_password1": "jo.bloggs@example", "new_password2": "jo.bloggs@example"}
    )
    assert not similar.is_valid()
    assert any("too similar" in message for message in similar.errors["new_password2"])
    good = InvitationAcceptForm(
        INVITED, {"new_password1": "granite lantern orchard 42", "new_password2": "granite lantern orchard 42"}
    )
    assert good.is_valid()


def test_different_passwords_are_refused_saying_so():
    form = InvitationAcceptForm(
        INVITED, {"new_password1": "granite lantern orchard 42", "new_password2": "granite lantern orchard 43"}
    )
    assert not form.is_valid()
    assert form.errors["new_password2"] == ["The passwords are not the same"]


@pytest.mark.django_db
def test_email_and_password_boxes_in_error_get_the_error_border_and_others_do_not():
    bad = InvitationForm({"first_name": "Jo", "last_name": "Bloggs", "email": "nope"})
    assert not bad.is_valid()
    assert "govuk-input--error" in _input(bad, "email")
    assert "govuk-input--error" not in _input(bad, "first_name")
    assert "govuk-input--error" not in _input(InvitationForm(), "email")  # a fresh form is clean

    mismatched = InvitationAcceptForm(INVITED, {"new_password1": "granite lantern orchard 42", "new_password2": "x"})
    assert not mismatched.is_valid()
    assert "govuk-input--error" in _input(mismatched, "new_password2")
    assert "govuk-input--error" not in _input(mismatched, "new_password1")
    assert "granite" not in _input(mismatched, "new_password1")  # a password is never sent back

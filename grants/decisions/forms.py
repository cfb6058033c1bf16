"""Forms for the decision register: recording a decision, signing it and publishing it."""

from __future__ import annotations

from django import forms

from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import MoneyField, date_field


# Decisions ----------------------------------------------------------------------------------
class DecisionForm(forms.Form):
    reference = forms.CharField(
        max_length=50,
        help_text="For example, PCC-2019-033",
        error_messages={"required": "Enter the decision's reference, for example PCC-2019-033"},
    )
    subject = forms.CharField(max_length=300, error_messages={"required": "Enter what the decision is about"})
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    decision_text = forms.CharField(label="Decision", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    decided_on = date_field("Date of the decision", required=False, help_text="Leave blank until it is signed")
    amount = MoneyField(
        label="Amount approved (£)",
        what="amount approved",
        required=False,
        help_text="The most the PCC approved. Needed before the signature is recorded; awards made under this "
        "decision may not be worth more in total",
    )
    decision_maker = forms.CharField(
        max_length=200,
        initial="Police and Crime Commissioner",
        error_messages={"required": "Enter who made the decision"},
    )
    declaration_of_interests = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contact_officer = forms.CharField(max_length=200, required=False)
    background_papers = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionEditForm(VersionedForm, DecisionForm):
    pass


class DecisionActionForm(VersionedForm):
    """Sign a decision: the page sends only the version it showed."""


class DecisionPublishForm(DecisionActionForm):
    published_on = date_field(
        "Date it was published", help_text="The day it went on the website. For example, 8 3 2019"
    )


class DecisionForUpdateForm(forms.Form):
    """The draft decision recording the monitoring of a delivery plan's update: only its
    reference can be chosen here (the rest is written from the update, then edited)."""

    reference = forms.CharField(
        max_length=50, required=False, help_text="Leave blank for the plan's reference and the period"
    )

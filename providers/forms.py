"""Forms for the providers pages. They check the shape of the input; the rules (duplicate
names, charity and company numbers, uploads) live in ``services`` and come back through
``pcc_commissioning.forms.add_service_errors``."""

from __future__ import annotations

from django import forms

from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import date_field
from pcc_commissioning.forms import with_blank

from .identifiers import CHARITY_NUMBER_HELP, COMPANY_NUMBER_HELP
from .models import DocumentKind, OrganisationKind
from .uploads import ALLOWED_DESCRIPTION


def add_rule_problems(form: forms.Form, problems: dict[str, list[str]]) -> None:
    """Add a service's rule problems to an already invalid form, on fields without an error."""
    for field, messages in problems.items():
        if field in form.fields and field not in form.errors:
            form.add_error(field, messages)


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the organisation's name"})
    kind = forms.ChoiceField(
        label="Kind of organisation",
        choices=with_blank(OrganisationKind.choices),
        error_messages={"required": "Choose the kind of organisation"},
    )
    charity_number = forms.CharField(max_length=30, required=False, help_text=CHARITY_NUMBER_HELP)
    company_number = forms.CharField(max_length=30, required=False, help_text=COMPANY_NUMBER_HELP)
    org_id = forms.CharField(
        label="360Giving org-id",
        max_length=100,
        required=False,
        help_text="Leave blank to have it worked out from the charity or company number",
    )
    supplier_number = forms.CharField(
        max_length=50, required=False, help_text="The organisation's id in the finance system"
    )
    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    postcode = forms.CharField(max_length=10, required=False)
    website = forms.CharField(label="Website", max_length=300, required=False)
    email = forms.EmailField(label="Email address", required=False)
    phone = forms.CharField(label="Telephone", max_length=40, required=False)
    active = forms.BooleanField(label="Active (we currently fund or work with this organisation)", required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))


class OrganisationEditForm(VersionedForm, OrganisationForm):
    pass


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the contact's name"})
    job_title = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(label="Email address", required=False)
    phone = forms.CharField(label="Telephone", max_length=40, required=False)
    is_primary = forms.BooleanField(
        label="Main contact for this organisation",
        required=False,
        help_text="Replaces the current main contact, if there is one",
    )


class ContactEditForm(VersionedForm, ContactForm):
    pass


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of document",
        choices=with_blank(DocumentKind.choices),
        error_messages={"required": "Choose what kind of document this is"},
    )
    file = forms.FileField(
        help_text=f"Upload {ALLOWED_DESCRIPTION}",
        error_messages={"required": "Choose a file to upload", "empty": "The selected file is empty"},
    )
    valid_from = date_field(
        "Valid from", help_text="For example, 1 4 2025", blank_message="Enter the date the document is valid from"
    )
    expires_on = date_field("Expires on", required=False, help_text="Leave blank if it does not expire")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

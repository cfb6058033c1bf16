"""The forms of agreement templates and of issuing an award's agreement."""

from __future__ import annotations

from django import forms

from grants.models import AgreementKind
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.forms import with_blank


class AgreementTemplateForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the template's name"})
    kind = forms.ChoiceField(
        label="Kind of agreement",
        choices=with_blank(AgreementKind.choices),
        error_messages={"required": "Choose what kind of agreement the template is for"},
    )
    terms = forms.CharField(
        label="Standard terms",
        help_text="Leave a blank line between paragraphs. Use the merge fields listed on this page, in double braces.",
        widget=forms.Textarea(attrs={"rows": 16}),
        error_messages={"required": "Enter the standard terms"},
    )
    special_conditions = forms.CharField(
        label="Special conditions (optional)",
        required=False,
        help_text="Conditions printed in every agreement from this template; each agreement may add its own.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_active = forms.BooleanField(label="In use (offered when an agreement is issued)", required=False, initial=True)


class AgreementTemplateEditForm(VersionedForm, AgreementTemplateForm):
    pass


class AgreementIssueForm(forms.Form):
    template = forms.ModelChoiceField(
        label="Template",
        queryset=None,
        empty_label="Choose a template",
        error_messages={"required": "Choose the template to issue the agreement from"},
    )
    special_conditions = forms.CharField(
        label="Special conditions for this award (optional)",
        required=False,
        help_text="Printed in the agreement's special conditions, after the template's own.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates

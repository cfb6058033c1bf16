"""Forms of the MoJ return's pages: the workflow's actions and the downloads."""

from __future__ import annotations

from django import forms

from pcc_commissioning.concurrency import VersionedForm

from .kind import FORMATS
from .services import explanation_field


class ActionForm(VersionedForm):
    """Submit: which version, and the row version the page showed (against lost updates)."""

    number = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ReasonForm(ActionForm):
    """Return to draft, or amend: saying why."""

    reason = forms.CharField(
        label="Why?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why (this is kept in the return's history)."},
    )


class AmendForm(forms.Form):
    number = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why is the return being amended?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the return is being amended (this is kept with the new version)."},
    )


EXPLANATION_MISSING = "Write an explanation of this blocking issue before signing off."


class SignOffForm(ActionForm):
    """A finance officer's sign-off: their role, an explanation of each blocking issue, and the
    checksum of the figures they were shown."""

    checksum = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # Not required here: the service checks it, so a missing role and missing explanations are
    # reported together.
    signatory_role = forms.CharField(
        label="Your role",
        max_length=200,
        required=False,
        help_text="For example, Chief Finance Officer.",
    )

    def __init__(self, *args, blocking_issues: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.issue_fields = []
        for issue in blocking_issues:
            name = explanation_field(issue["key"])
            self.fields[name] = forms.CharField(
                label=f"Explain: {issue['message']}",
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.issue_fields.append(name)

    def explanations(self) -> dict[str, str]:
        """{issue key: explanation} of the submitted form."""
        return {name.split(":", 1)[1]: self.cleaned_data.get(name, "") for name in self.issue_fields}

    def shorten_issue_errors(self) -> None:
        """Each box's label names its issue already: its error need not repeat it."""
        for name in self.issue_fields:
            if name in self.errors:
                self.errors[name] = self.error_class([EXPLANATION_MISSING])

    def issue_boxes(self):
        return [self[name] for name in self.issue_fields]


class DownloadForm(forms.Form):
    number = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    format = forms.ChoiceField(choices=list(FORMATS.items()))

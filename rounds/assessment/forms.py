"""Forms of the panel's pages: their shape only; the rules are in the services."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms

from ..models import Criterion


class DeclareForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label="Do you have a conflict of interest?",
        choices=[("no", "No"), ("yes", "Yes")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you have a conflict of interest"},
    )
    note = forms.CharField(label="What is the conflict?", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ScoresForm(forms.Form):
    """A score and a comment for each criterion (fields ``score_<id>`` and ``comment_<id>``)."""

    def __init__(self, criteria: list[Criterion], *args, scores=None, disabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scores = scores or {}
        for criterion in criteria:
            given = scores.get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=f"{criterion.text} (0 to {criterion.max_score}, weight {criterion.weight.normalize():f}%)",
                help_text=criterion.guidance,
                choices=[(str(n), str(n)) for n in range(criterion.max_score + 1)],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                initial=None if given is None else str(given.score),
                disabled=disabled,
                error_messages={"invalid_choice": f"The score must be from 0 to {criterion.max_score}"},
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=f"Comment on {criterion.text.lower()}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial="" if given is None else given.comment,
                disabled=disabled,
            )

        # Each score's radios on one line (0 to 5 fits a phone's width), then its comment.
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's form carries its own token
        self.helper.layout = Layout(
            *[
                part
                for criterion in criteria
                for part in (
                    Field.radios(f"score_{criterion.pk}", legend_size="s", inline=True),
                    f"comment_{criterion.pk}",
                )
            ],
            *[name for name in self.fields if not name.startswith(("score_", "comment_"))],
        )

    def scores(self) -> dict[int, tuple[int | None, str]]:
        return {
            c.pk: (self.cleaned_data.get(f"score_{c.pk}"), self.cleaned_data.get(f"comment_{c.pk}", ""))
            for c in self.criteria
        }


class MemberAddForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Officer or board member", queryset=None, error_messages={"required": "Choose someone"}
    )

    def __init__(self, candidates, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda user: f"{user.get_full_name() or user.username}"


class AssessorInviteForm(forms.Form):
    first_name = forms.CharField(max_length=150, error_messages={"required": "Enter their first name"})
    last_name = forms.CharField(max_length=150, error_messages={"required": "Enter their last name"})
    email = forms.EmailField(
        label="Email address", max_length=150, error_messages={"required": "Enter their email address"}
    )

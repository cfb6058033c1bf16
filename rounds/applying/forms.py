"""Forms of the applicants' pages. They check the shape of the input; the rules (numbers already
registered, eligibility, word limits, amounts within the round's range) live in the services."""

from __future__ import annotations

from django import forms

from pcc_commissioning.forms import with_blank
from providers.identifiers import CHARITY_NUMBER_HELP, COMPANY_NUMBER_HELP
from providers.models import OrganisationKind
from providers.uploads import ALLOWED_DESCRIPTION

from ..models import EligibilityKind

PASSWORD_HELP = (
    "At least 12 characters. Not a common password, not only numbers, and not like your name "
    "or email address. A few unrelated words together work well."
)


class _PasswordsMatch(forms.Form):
    password = forms.CharField(
        label="Create a password",
        strip=False,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a password"},
    )
    password_again = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the password again"},
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The passwords are not the same")
        return data


class _Names(forms.Form):
    first_name = forms.CharField(max_length=150, error_messages={"required": "Enter your first name"})
    last_name = forms.CharField(max_length=150, error_messages={"required": "Enter your last name"})


class RegistrationForm(_Names, _PasswordsMatch):
    name = forms.CharField(
        label="Organisation's name", max_length=200, error_messages={"required": "Enter your organisation's name"}
    )
    kind = forms.ChoiceField(
        label="Kind of organisation",
        choices=with_blank(OrganisationKind.choices),
        error_messages={"required": "Choose what kind of organisation it is"},
    )
    charity_number = forms.CharField(max_length=30, required=False, help_text=CHARITY_NUMBER_HELP)
    company_number = forms.CharField(max_length=30, required=False, help_text=COMPANY_NUMBER_HELP)
    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    postcode = forms.CharField(max_length=10, required=False)
    email = forms.EmailField(
        label="Your email address",
        max_length=150,
        help_text="We send a link to confirm it; it becomes your username",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )

    field_order = [
        "name",
        "kind",
        "charity_number",
        "company_number",
        "address",
        "postcode",
        "first_name",
        "last_name",
        "email",
        "password",
        "password_again",
    ]


class JoinForm(_Names, _PasswordsMatch):
    field_order = ["first_name", "last_name", "password", "password_again"]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Your colleague's email address",
        max_length=150,
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )


YES_NO = [("yes", "Yes"), ("no", "No")]


class EligibilityForm(forms.Form):
    """One field per eligibility question, named by its key."""

    def __init__(self, questions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            if question.kind == EligibilityKind.YES_NO:
                self.fields[question.key] = forms.ChoiceField(
                    label=question.question,
                    choices=YES_NO,
                    widget=forms.RadioSelect,
                    error_messages={"required": f"Answer yes or no: {question.question}"},
                )
            else:
                self.fields[question.key] = forms.CharField(
                    label=question.question,
                    max_length=30,
                    error_messages={"required": f"Enter a number: {question.question}"},
                )


class DetailsForm(forms.Form):
    title = forms.CharField(
        label="Project title", max_length=300, error_messages={"required": "Enter the project's title"}
    )
    amount_requested = forms.CharField(
        label="Amount you are asking for",
        max_length=30,
        help_text="In pounds, like 12000 or 12,000.00",
        error_messages={"required": "Enter the amount you are asking for"},
    )
    areas = forms.MultipleChoiceField(
        label="Areas the project will work in", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, round, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from pcc_commissioning.money import format_pence

        self.fields["areas"].choices = [(str(area.pk), str(area)) for area in round.areas.all()]
        if not self.fields["areas"].choices:
            del self.fields["areas"]
        self.fields[
            "amount_requested"
        ].help_text = f"Between {format_pence(round.min_amount)} and {format_pence(round.max_amount)}, in pounds"


class BudgetLineForm(forms.Form):
    item = forms.CharField(label="Cost item", max_length=200, error_messages={"required": "Say what the cost is for"})
    amount = forms.CharField(label="Cost", max_length=30, error_messages={"required": "Enter the cost"})
    notes = forms.CharField(max_length=300, required=False)


class FileForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text=f"Upload {ALLOWED_DESCRIPTION}",
        error_messages={"required": "Choose a file to upload", "empty": "The selected file is empty"},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing it? (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

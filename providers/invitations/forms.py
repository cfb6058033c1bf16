"""Forms for inviting a provider's users and for accepting an invitation. They check the shape
of the input; the rules (addresses already in use, who may invite) live in ``services``."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import SetPasswordForm, SetPasswordMixin

PASSWORD_HELP = (
    "At least 12 characters. Not a common password, not only numbers, and not like your name "
    "or email address. A few unrelated words together work well."
)


class _ErrorBorders:
    """crispy-forms-gds gives the red error border only to text inputs, selects and text
    areas (it goes by the widget's class name): give it to e-mail and password boxes too."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors:
            widget = self.fields[name].widget if name in self.fields else None
            if isinstance(widget, (forms.EmailInput, forms.PasswordInput)):
                classes = widget.attrs.get("class", "").split()
                if "govuk-input--error" not in classes:
                    widget.attrs["class"] = " ".join([*classes, "govuk-input--error"])


class ColleagueInvitationForm(_ErrorBorders, forms.Form):
    """A lead inviting a colleague (never as lead)."""

    first_name = forms.CharField(
        max_length=150,
        error_messages={
            "required": "Enter their first name",
            "max_length": "Their first name must be 150 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        max_length=150,
        error_messages={
            "required": "Enter their last name",
            "max_length": "Their last name must be 150 characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label="Email address",
        max_length=150,
        help_text="The invitation is sent here, and it becomes their username",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "The email address must be 150 characters or fewer",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class InvitationForm(ColleagueInvitationForm):
    """An officer inviting a provider's user, who may be made the organisation's lead."""

    as_lead = forms.BooleanField(
        label="Make them the organisation's lead",
        required=False,
        help_text="A lead can also invite colleagues from their organisation",
    )


class InvitationAcceptForm(_ErrorBorders, SetPasswordForm):
    """Choosing a first password, with Django's password validators applied against the
    invited person's names and address (``user`` is the unsaved account)."""

    error_messages = {"password_mismatch": "The passwords are not the same"}
    new_password1, new_password2 = SetPasswordMixin.create_password_fields(
        label1="Create a password", label2="Type the password again"
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password1"].error_messages["required"] = "Enter a password"
        self.fields["new_password2"].help_text = ""
        self.fields["new_password2"].error_messages["required"] = "Type the password again"

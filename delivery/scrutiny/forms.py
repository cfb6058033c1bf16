"""Forms of the board's scrutiny pages. They check the shape of what was typed; the services
check the rules."""

from __future__ import annotations

from django import forms

from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import date_field

from ..models import BoardKind


class MeetingForm(forms.Form):
    board = forms.ChoiceField(
        label="Board", choices=BoardKind.choices, error_messages={"required": "Choose the board that met."}
    )
    board_name = forms.CharField(label="Name of the board", required=False, help_text="Only for another board.")
    held_on = date_field("Date of the meeting", help_text="For example, 20 11 2019")
    attendees = forms.CharField(label="Attendees", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    comments = forms.CharField(label="The board's comments", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    amendments = forms.CharField(
        label="Amendments agreed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The changes to the plan the board agreed. Make them to the plan, then record its new version.",
    )


class MeetingEditForm(VersionedForm, MeetingForm):
    pass


class VersionMakeForm(forms.Form):
    note = forms.CharField(label="What changed and why", required=False, widget=forms.Textarea(attrs={"rows": 3}))

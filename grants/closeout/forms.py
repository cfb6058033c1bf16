"""The close form: the closing note and the award's final return and final budget return."""

from __future__ import annotations

from django import forms

from grants.models import MonitoringReturn, Recommission, ReturnStatus, SpendReturn, SpendReturnKind
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.periods import fy_label, quarter_label


class _ReturnChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{quarter_label(obj.fy, obj.quarter)} ({obj.get_status_display().lower()})"


class _SpendChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"Final budget return {fy_label(obj.fy)}, received {obj.received_on:%-d %B %Y}"


class AwardCloseForm(VersionedForm):
    final_return = _ReturnChoice(
        label="Final monitoring return",
        queryset=MonitoringReturn.objects.none(),
        required=False,
        empty_label="None",
        help_text="The return for the last quarter the award ran, accepted",
    )
    final_spend = _SpendChoice(
        label="Final budget return",
        queryset=SpendReturn.objects.none(),
        required=False,
        empty_label="None",
        help_text="What the provider spent against what it was paid in the award's last year",
    )
    lessons = forms.CharField(
        label="What was learned?",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What worked, what did not, and what to do differently next time",
        error_messages={"required": "Say what was learned"},
    )
    recommission = forms.ChoiceField(
        label="Should the service be recommissioned?",
        choices=Recommission.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to recommission the service"},
    )

    field_order = ["final_return", "final_spend", "lessons", "recommission"]

    def __init__(self, *args, award, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["final_return"].queryset = MonitoringReturn.objects.filter(
            award=award, status=ReturnStatus.ACCEPTED
        ).order_by("-fy", "-quarter")
        self.fields["final_spend"].queryset = SpendReturn.objects.filter(
            award=award, kind=SpendReturnKind.FINAL
        ).order_by("-fy")

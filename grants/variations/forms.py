"""Forms for variations: raising one (officer and portal), and each step of its approval.

Without JavaScript the raise form shows every part of a proposal, each with a hint saying which
kinds it is for; the service ignores nothing it is given and checks it fits the kind."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models.functions import Lower

from grants.awards.rules import LineInput
from grants.models import (
    AgreementKind,
    AgreementTemplate,
    Award,
    AwardKPI,
    Decision,
    FundingLine,
    FundingStream,
    KPIPeriod,
    VariationKind,
    VariationStatus,
)
from grants.variations.rules import KPIInput
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import MoneyField, date_field
from pcc_commissioning.periods import fy_label, fys_between
from providers.models import Organisation

# How many years past the award's last day the lines grid offers (room for an extension).
_YEARS_AHEAD = 2


def line_years(award: Award) -> list[int]:
    last = award.extension_until or award.last_day
    last = max(last, award.last_day).replace(year=max(last, award.last_day).year + _YEARS_AHEAD)
    return [fy.start_year for fy in fys_between(award.start_date, last)]


class VariationForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of variation is it?",
        choices=VariationKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of variation this is"},
    )
    reason = forms.CharField(
        label="Why is the change needed?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the change is needed"},
    )
    new_end_date = date_field(
        "New end date",
        required=False,
        help_text="For a time extension (with or without cost). For example, 30 9 2021",
    )

    def __init__(self, *args, award: Award, portal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.award = award
        if award.extension_until and not award.extension_taken:
            self.fields["takes_extension"] = forms.BooleanField(
                label=f"Take the extension offered in the award, to {award.extension_until:%-d %B %Y}",
                required=False,
                help_text="For a time extension: the new end date is the extension's end",
            )
        self._add_line_fields()
        self._add_kpi_fields()
        if portal:
            self.fields["kind"].choices = [c for c in VariationKind.choices if c[0] != VariationKind.TRANSFER]
        else:
            self.fields["new_provider"] = forms.ModelChoiceField(
                label="New provider",
                required=False,
                queryset=Organisation.objects.filter(active=True).exclude(pk=award.provider_id).order_by(Lower("name")),
                empty_label="Choose the provider",
                help_text="For a transfer to another provider",
            )
        self.fields["new_scope"] = forms.CharField(
            label="The award's purpose after the change",
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text="For a change of scope",
        )
        self.fields["new_lead_contact"] = forms.CharField(
            label="New lead contact",
            required=False,
            max_length=300,
            help_text="For a change of lead contact: name, role and e-mail address",
        )

    def _add_line_fields(self) -> None:
        current = {
            (line.stream_id, line.fy): line.amount
            for line in FundingLine.objects.filter(award=self.award).select_related("stream")
        }
        self.current_lines = current
        self.streams = list(FundingStream.objects.filter(lines__award=self.award).distinct().order_by(Lower("name")))
        for stream in self.streams:
            for fy in line_years(self.award):
                amount = current.get((stream.pk, fy))
                self.fields[f"line_{stream.pk}_{fy}"] = MoneyField(
                    label=f"{stream.name}, {fy_label(fy)} (£)",
                    required=False,
                    allow_negative=False,
                    initial="" if amount is None else f"{amount:.2f}",
                    help_text="For a change of value, virement or extension: the line after the change",
                )

    def _add_kpi_fields(self) -> None:
        self.award_kpis = list(AwardKPI.objects.filter(award=self.award).order_by("name"))
        for kpi in self.award_kpis:
            self.fields[f"kpi_{kpi.pk}_target"] = forms.DecimalField(
                label=f"New target for “{kpi.name}”",
                required=False,
                min_value=0,
                help_text=f"For a change of KPIs. Now {'none' if kpi.target is None else f'{kpi.target.normalize():f}'}",
            )
            self.fields[f"kpi_{kpi.pk}_remove"] = forms.BooleanField(label=f"Remove “{kpi.name}”", required=False)
        self.fields["kpi_new_name"] = forms.CharField(
            label="New KPI", required=False, max_length=200, help_text="For a change of KPIs: a KPI to add"
        )
        self.fields["kpi_new_target"] = forms.DecimalField(label="The new KPI's target", required=False, min_value=0)
        self.fields["kpi_new_period"] = forms.ChoiceField(
            label="The new KPI's target is for each", choices=KPIPeriod.choices, required=False
        )

    def _lines(self) -> list[LineInput] | None:
        """The lines after the change; None when they are as they are now."""
        data = self.cleaned_data
        wanted = {}
        for stream in self.streams:
            for fy in line_years(self.award):
                amount = data.get(f"line_{stream.pk}_{fy}")
                if amount is not None and (amount != Decimal(0) or (stream.pk, fy) in self.current_lines):
                    wanted[(stream.pk, fy)] = (stream, amount)
        if {key: amount for key, (_, amount) in wanted.items()} == self.current_lines:
            return None
        return [LineInput(stream=stream, fy=fy, amount=amount) for (_, fy), (stream, amount) in wanted.items()]

    def _kpis(self) -> list[KPIInput]:
        data, changes = self.cleaned_data, []
        for kpi in self.award_kpis:
            target, remove = data.get(f"kpi_{kpi.pk}_target"), data.get(f"kpi_{kpi.pk}_remove")
            if remove:
                changes.append(KPIInput(kpi=kpi, remove=True))
            elif target is not None and target != kpi.target:
                changes.append(KPIInput(kpi=kpi, target=target, target_period=kpi.target_period))
        if data.get("kpi_new_name"):
            changes.append(
                KPIInput(
                    name=data["kpi_new_name"],
                    target=data.get("kpi_new_target"),
                    target_period=data.get("kpi_new_period") or KPIPeriod.QUARTER,
                )
            )
        return changes

    def proposal(self) -> dict:
        """The service's keyword arguments (``variation_request``), but the actor and award."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "reason": data["reason"],
            "new_end_date": data.get("new_end_date"),
            "takes_extension": bool(data.get("takes_extension")),
            "lines": self._lines(),
            "kpis": self._kpis(),
            "new_provider": data.get("new_provider"),
            "new_scope": data.get("new_scope", ""),
            "new_lead_contact": data.get("new_lead_contact", ""),
        }


def error_field(name: str) -> str | None:
    """Where a service error goes on the raise form (the lines and KPIs are shown at the top)."""
    return None if name in ("lines", "kpis", "__all__") else name


class ApproveForm(VersionedForm):
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, letters: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if letters:
            self.fields["letter_template"] = forms.ModelChoiceField(
                label="Variation letter",
                required=False,
                queryset=AgreementTemplate.objects.filter(kind=AgreementKind.VARIATION_LETTER, is_active=True).order_by(
                    Lower("name")
                ),
                empty_label="No letter",
                help_text="Issued from this template once the variation is approved",
            )


class ReasonForm(VersionedForm):
    reason = forms.CharField(
        label="Why?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the variation",
        error_messages={"required": "Say why"},
    )


class LinkDecisionForm(VersionedForm):
    decision = forms.ModelChoiceField(
        label="PCC decision",
        queryset=Decision.objects.order_by("-pk"),
        empty_label="Choose the decision",
        help_text="It must be signed before the variation is approved under it",
        error_messages={"required": "Choose the PCC decision"},
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False)
    kind = forms.ChoiceField(label="Kind", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *VariationStatus.choices]
        self.fields["kind"].choices = [("", "Any kind"), *VariationKind.choices]

"""Officers' pages for an agreement's signatures: countersigning for the OPCC, and recording a
copy signed outside the service (a scan received by post or e-mail). The award's agreements
page links here; the provider's own acceptance is in the portal (``portal.agreements``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from grants.agreements import acceptance
from grants.models import Agreement
from grants.pages import page_context, private_download
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import date_field
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import saved
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data, form_files
from providers.uploads import ALLOWED_DESCRIPTION


class CountersignForm(VersionedForm):
    name = forms.CharField(
        label="Full name of the person countersigning",
        max_length=200,
        error_messages={"required": "Enter the full name of the person countersigning"},
    )
    role = forms.CharField(
        label="Their role",
        max_length=200,
        help_text="For example, Chief Executive of the OPCC",
        error_messages={"required": "Enter the role of the person countersigning"},
    )


class RecordSignedForm(VersionedForm):
    signed_copy = forms.FileField(
        label="Signed copy",
        help_text=f"Upload {ALLOWED_DESCRIPTION}",
        error_messages={"required": "Choose the signed copy to upload", "empty": "The selected file is empty"},
    )
    name = forms.CharField(
        label="Full name of the provider's signatory",
        max_length=200,
        error_messages={"required": "Enter the full name of the person who signed"},
    )
    role = forms.CharField(
        label="Their role",
        max_length=200,
        help_text="For example, Chair of trustees",
        error_messages={"required": "Enter the role of the person who signed"},
    )
    accepted_on = date_field(
        "Date it was signed", help_text="For example, 5 5 2019", blank_message="Enter the date it was signed"
    )


def access_agreement(pk: int) -> Agreement:
    """An award's agreement (not a variation's letter, whose pages are the variation's)."""
    return get_object_or_404(
        Agreement.objects.select_related("award", "award__provider"), pk=pk, variation__isnull=True
    )


def _back(agreement: Agreement) -> str:
    return reverse("grants:award_detail", kwargs={"pk": agreement.award_id}) + "#agreements"


def _step(request, pk: int, *, form_class, service, title: str, done: str, initial=None, files=False):
    agreement = access_agreement(pk)
    form = form_class(
        form_data(request),
        *((form_files(request),) if files else ()),
        initial={"version": agreement.version, **(initial or {})},
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            changed = service(actor=request.user, agreement=agreement, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, changed, done.format(number=changed.number, reference=changed.award.reference))
            return redirect(_back(changed))
    return render(
        request,
        "grants/agreements/acceptance_form.html",
        page_context(
            request,
            award=agreement.award,
            agreement=agreement,
            form=form,
            title=title,
            waiting=acceptance.waiting_on(agreement.award, [agreement]),
            back=_back(agreement),
        ),
    )


@capability_required("agreements.edit")
@require_http_methods(["GET", "POST"])
def agreement_countersign(request, pk: int):
    return _step(
        request,
        pk,
        form_class=CountersignForm,
        service=acceptance.agreement_countersign,
        title="Countersign for the OPCC",
        done="Version {number} of the agreement for {reference} has been countersigned.",
        initial={"name": request.user.get_full_name()},
    )


@capability_required("agreements.edit")
@require_http_methods(["GET", "POST"])
def agreement_record_signed(request, pk: int):
    return _step(
        request,
        pk,
        form_class=RecordSignedForm,
        service=acceptance.agreement_record_signed,
        title="Record a signed copy",
        done="Version {number} of the agreement for {reference} has been recorded as signed.",
        files=True,
    )


@capability_required("grants.view")
def agreement_signed_copy(request, pk: int):
    """The signed copy received, for the OPCC's staff (served only here, after the check)."""
    agreement = access_agreement(pk)
    if not agreement.signed_copy:
        raise Http404("No signed copy was recorded.")
    try:
        handle = agreement.signed_copy.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    name = agreement.signed_copy.name.rsplit("/", 1)[-1]
    return private_download(FileResponse(handle, as_attachment=True, filename=name))

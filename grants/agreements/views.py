"""Agreement pages: the templates (officers edit; finance and board read), an award's
agreements with the issue form, and the permission-checked downloads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from grants.agreements import documents, selectors, services
from grants.agreements.forms import AgreementIssueForm, AgreementTemplateEditForm, AgreementTemplateForm
from grants.agreements.merge import merge_field_help
from grants.awards import selectors as awards_selectors
from grants.models import Agreement
from grants.pages import page_context
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# Templates ----------------------------------------------------------------------------------------
@capability_required("grants.view")
@require_GET
def agreement_template_list(request):
    return render(
        request,
        "grants/agreements/template_list.html",
        page_context(
            request,
            templates=selectors.template_list(),
            can_edit_agreements=has_capability(request.user, "agreements.edit"),
        ),
    )


def _template_page(request, form, template=None):
    return render(
        request,
        "grants/agreements/template_form.html",
        page_context(request, form=form, template=template, merge_fields=merge_field_help()),
    )


@capability_required("agreements.edit")
@require_http_methods(["GET", "POST"])
@create_once
def agreement_template_create(request):
    form = AgreementTemplateForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            template = services.agreement_template_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, template, f"The template “{template.name}” has been added.")
            return redirect("grants:agreement_template_list")
    return _template_page(request, form)


@capability_required("agreements.edit")
@require_http_methods(["GET", "POST"])
def agreement_template_edit(request, pk: int):
    template = selectors.template_detail(pk)
    initial = {name: getattr(template, name) for name in services.TEMPLATE_FIELDS}
    initial["version"] = template.version
    form = AgreementTemplateEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            services.agreement_template_update(
                template=template, actor=request.user, expected_version=expected_version, **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"The template “{fields['name']}” has been updated.")
            return redirect("grants:agreement_template_list")
    return _template_page(request, form, template)


# An award's agreements ----------------------------------------------------------------------------
@capability_required("grants.view")
@require_http_methods(["GET", "POST"])
@create_once
def award_agreements(request, pk: int):
    """The award's agreements, each version with its downloads, and (officers) the issue form."""
    can_issue = has_capability(request.user, "agreements.edit")
    if request.method == "POST" and not can_issue:
        raise PermissionDenied("Your role does not allow this (agreements.edit).")
    award = awards_selectors.access_award(request.user, pk)
    form = AgreementIssueForm(form_data(request), templates=selectors.issuable_templates()) if can_issue else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_issue(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, agreement, f"Version {agreement.number} of the agreement has been issued.")
            return redirect("grants:award_agreements", pk=award.pk)
    return render(
        request,
        "grants/agreements/award_agreements.html",
        page_context(request, award=award, agreements=list(selectors.award_agreements(award)), form=form),
    )


def agreement_file_response(agreement: Agreement, fmt: str) -> HttpResponse:
    """The agreement's PDF or DOCX as issued, as a private download (the portal's page uses it too)."""
    fmt = "docx" if fmt == "docx" else "pdf"
    content = documents.stored_or_rebuilt(agreement, fmt)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{documents.file_name(agreement, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@capability_required("grants.view")
@require_GET
def agreement_download(request, pk: int):
    agreement = selectors.access_agreement(request.user, pk)
    return agreement_file_response(agreement, request.GET.get("format", "pdf"))

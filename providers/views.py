"""Providers pages: thin views that check permission, call a selector or service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcc_commissioning import clock
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.tabs import page_tabs
from pcc_commissioning.web import form_data, form_files

from . import selectors, services
from .filters import OrganisationFilter
from .forms import (
    ContactEditForm,
    ContactForm,
    DocumentForm,
    OrganisationEditForm,
    OrganisationForm,
    add_rule_problems,
)

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50


def _organisation_context(request, organisation, *, current: str, **extra) -> dict:
    return {
        "section": "providers",
        "organisation": organisation,
        "tabs": page_tabs("organisation", user=request.user, pk=organisation.pk, current=current),
        "can_edit": has_capability(request.user, "providers.edit"),
        "warning_days": settings.DUE_DILIGENCE_WARNING_DAYS,
        **extra,
    }


@capability_required("providers.view")
def organisation_list(request):
    filterset = OrganisationFilter(request.GET or None)
    sort = request.GET.get("sort", "")
    queryset = selectors.organisation_list(filters=request.GET, sort=sort)
    page_obj = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "providers/organisation_list.html",
        {
            "section": "providers",
            "filter_form": filterset.form,
            "page_obj": page_obj,
            "organisations": page_obj.object_list,
            "sort": sort,
            "filtered": any(request.GET.get(key) for key in ("q", "kind", "active", "expiring")),
            "can_edit": has_capability(request.user, "providers.edit"),
            "warning_days": settings.DUE_DILIGENCE_WARNING_DAYS,
            "today": clock.today(),
        },
    )


@capability_required("providers.edit")
@require_http_methods(["GET", "POST"])
@create_once
def organisation_create(request):
    form = OrganisationForm(form_data(request), initial={"active": True})
    if request.method == "POST":
        if not form.is_valid():
            add_rule_problems(form, services.organisation_problems(organisation=None, changes=form.cleaned_data))
        else:
            try:
                organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                saved(request, organisation, f"{organisation.name} has been added.")
                return redirect("providers:detail", pk=organisation.pk)
    return render(request, "providers/organisation_form.html", {"form": form, "section": "providers"})


@capability_required("providers.view")
def organisation_detail(request, pk: int):
    organisation = selectors.access_organisation(request.user, pk)
    return render(
        request,
        "providers/organisation_detail.html",
        _organisation_context(request, organisation, current="providers:detail"),
    )


_EDITABLE = (
    "name",
    "kind",
    "charity_number",
    "company_number",
    "org_id",
    "supplier_number",
    "address",
    "postcode",
    "website",
    "email",
    "phone",
    "active",
    "notes",
)


@capability_required("providers.edit")
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int):
    organisation = selectors.access_organisation(request.user, pk, for_edit=True)
    initial = {field: getattr(organisation, field) for field in _EDITABLE}
    initial["version"] = organisation.version
    form = OrganisationEditForm(form_data(request), initial=initial)
    if request.method == "POST" and not form.is_valid():
        changes = {key: value for key, value in form.cleaned_data.items() if key != "version"}
        add_rule_problems(form, services.organisation_problems(organisation=organisation, changes=changes))
    elif request.method == "POST":
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            services.organisation_update(
                organisation=organisation, actor=request.user, expected_version=expected_version, **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{fields['name']} has been updated.")
            return redirect("providers:detail", pk=organisation.pk)
    return render(
        request,
        "providers/organisation_form.html",
        {"form": form, "organisation": organisation, "section": "providers"},
    )


# Contacts -----------------------------------------------------------------------------------


@capability_required("providers.view")
def organisation_contacts(request, pk: int):
    organisation = selectors.access_organisation(request.user, pk)
    contacts = selectors.organisation_contacts(organisation)
    return render(
        request,
        "providers/organisation_contacts.html",
        _organisation_context(request, organisation, current="providers:contacts", contacts=contacts),
    )


@capability_required("providers.edit")
@require_http_methods(["GET", "POST"])
@create_once
def contact_add(request, pk: int):
    organisation = selectors.access_organisation(request.user, pk, for_edit=True)
    form = ContactForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(organisation=organisation, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, contact, f"{contact.name} has been added as a contact.")
            return redirect("providers:contacts", pk=organisation.pk)
    return render(
        request,
        "providers/contact_form.html",
        {"form": form, "organisation": organisation, "section": "providers"},
    )


@capability_required("providers.edit")
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int, contact_pk: int):
    organisation = selectors.access_organisation(request.user, pk, for_edit=True)
    contact = selectors.contact_for(organisation, contact_pk)
    initial = {field: getattr(contact, field) for field in services.CONTACT_FIELDS}
    initial["version"] = contact.version
    form = ContactEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            contact = services.contact_update(
                contact=contact, actor=request.user, expected_version=expected_version, **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{contact.name}'s details have been updated.")
            return redirect("providers:contacts", pk=organisation.pk)
    return render(
        request,
        "providers/contact_form.html",
        {"form": form, "organisation": organisation, "contact": contact, "section": "providers"},
    )


@capability_required("providers.edit")
@require_http_methods(["GET", "POST"])
def contact_delete(request, pk: int, contact_pk: int):
    organisation = selectors.access_organisation(request.user, pk, for_edit=True)
    contact = selectors.contact_for(organisation, contact_pk)
    if request.method == "POST":
        name = contact.name
        services.contact_delete(contact=contact, actor=request.user)
        messages.success(request, f"{name} has been removed from the contacts.")
        return redirect("providers:contacts", pk=organisation.pk)
    return render(
        request,
        "providers/contact_confirm_delete.html",
        {"organisation": organisation, "contact": contact, "section": "providers"},
    )


# Documents ----------------------------------------------------------------------------------


@require_GET
@capability_required("providers.view")
def organisation_documents(request, pk: int):
    organisation = selectors.access_organisation(request.user, pk)
    rows = selectors.organisation_documents(organisation)
    return render(
        request,
        "providers/organisation_documents.html",
        _organisation_context(
            request,
            organisation,
            current="providers:documents",
            rows=rows,
        ),
    )


@capability_required("providers.edit")
@require_http_methods(["GET", "POST"])
@create_once
def document_add(request, pk: int):
    organisation = selectors.access_organisation(request.user, pk, for_edit=True)
    form = DocumentForm(form_data(request), form_files(request))
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_add(organisation=organisation, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, document, f"{document.get_kind_display()} ({document.original_name}) has been uploaded.")
            return redirect("providers:documents", pk=organisation.pk)
    return render(
        request,
        "providers/document_form.html",
        {"form": form, "organisation": organisation, "section": "providers"},
    )


@capability_required("providers.view")
def document_download(request, pk: int, document_pk: int):
    """Documents are only ever served here, after the permission check, as an attachment."""
    organisation = selectors.access_organisation(request.user, pk)
    document = selectors.document_for(organisation, document_pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required("providers.edit")
@require_POST
def document_verify(request, pk: int, document_pk: int):
    organisation = selectors.access_organisation(request.user, pk, for_edit=True)
    document = selectors.document_for(organisation, document_pk)
    services.document_verify(document=document, actor=request.user)
    messages.success(request, f"{document.get_kind_display()} ({document.original_name}) is marked as verified.")
    return redirect("providers:documents", pk=organisation.pk)


# History ------------------------------------------------------------------------------------


@capability_required("providers.view")
def organisation_history(request, pk: int):
    organisation = selectors.access_organisation(request.user, pk)
    entries = selectors.organisation_history(organisation)
    page_obj = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "providers/organisation_history.html",
        _organisation_context(request, organisation, current="providers:history", page_obj=page_obj),
    )

"""The provider portal: a provider user's own organisation, its awards, payments and monitoring
returns, its contact details and due-diligence documents.

The organisation always comes from the signed-in user's membership, never from the URL; every
other id in a URL (award, return, contact, document) is resolved through an access helper that
answers 404 for another organisation's records, so their existence is not revealed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from grants.awards import selectors as awards_selectors
from grants.models import Payment
from grants.monitoring import return_data as monitoring_return_data
from grants.monitoring import selectors as monitoring_selectors
from grants.monitoring import services as monitoring_services
from grants.schedules.returns import has_started, opens_on
from pcc_commissioning import clock
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.roles import capability_required, provider_organisation_id
from pcc_commissioning.web import form_data, form_files, link_base
from portal.forms import EXPLANATION_LABEL, ORGANISATION_CONTACT_FIELDS, OrganisationContactForm, ReturnForm
from providers import selectors as provider_selectors
from providers import services as provider_services
from providers.forms import ContactEditForm, ContactForm, DocumentForm
from providers.invitations import selectors as invitation_selectors
from providers.invitations import services as invitation_services
from providers.invitations.forms import ColleagueInvitationForm

EDITABLE_STATUSES = monitoring_services.EDITABLE_STATUSES


def _organisation(request):
    """The signed-in provider user's organisation (404 for anyone without one)."""
    organisation_id = provider_organisation_id(request.user)
    if organisation_id is None:
        raise Http404("Your account is not linked to an organisation.")
    return provider_selectors.organisation_detail(organisation_id)


def _context(organisation, *, tab: str = "", **extra) -> dict:
    return {"section": "portal", "organisation": organisation, "portal_tab": tab, **extra}


def _return_rows(returns, today) -> list[dict]:
    rows = []
    for ret in returns:
        upcoming = not has_started(ret, today)
        rows.append(
            {
                "ret": ret,
                "period": _period(ret),
                "late": monitoring_selectors.is_late(ret, today),
                "editable": ret.status in EDITABLE_STATUSES and not upcoming,
                "upcoming": upcoming,
                "opens": opens_on(ret),
            }
        )
    return rows


@capability_required("portal.view")
def home(request):
    organisation_id = provider_organisation_id(request.user)
    if organisation_id is None:
        return render(request, "portal/not_linked.html", {"section": "portal"})
    organisation = provider_selectors.organisation_detail(organisation_id)
    today = clock.today()
    awards = list(
        awards_selectors.award_list(provider=organisation, status=list(awards_selectors.PROVIDER_VISIBLE_STATUSES))
    )
    payments = list(
        Payment.objects.filter(award__in=[award.pk for award in awards])
        .select_related("award", "stream")
        .order_by("-due_date", "-pk")
    )
    returns = monitoring_selectors.provider_returns(organisation, today=today)
    return render(
        request,
        "portal/home.html",
        _context(
            organisation,
            tab="home",
            awards=awards,
            payments=payments,
            return_rows=_return_rows(returns, today),
            today=today,
        ),
    )


@capability_required("portal.view")
def award_detail(request, pk: int):
    organisation = _organisation(request)
    award = awards_selectors.access_award(request.user, pk)
    today = clock.today()
    returns = monitoring_selectors.award_returns(award)
    return render(
        request,
        "portal/award_detail.html",
        _context(
            organisation,
            tab="home",
            award=award,
            years=awards_selectors.award_money_by_year(award),
            # A cancelled payment is not coming: the provider sees only those that count.
            payments=[
                payment for payment in awards_selectors.award_page_data(award)["payments"] if not payment.is_cancelled
            ],
            return_rows=_return_rows(returns, today),
        ),
    )


def _return_form(monitoring_return, data=None, *, read_only=False) -> ReturnForm:
    codes = monitoring_selectors.return_form_codes(monitoring_return.fy)
    return ReturnForm(
        data,
        initial=ReturnForm.initial_for(monitoring_return),
        codes=codes.lists,
        definitions=codes.definitions,
        kpis=monitoring_return.award.kpis.all().order_by("name"),
        read_only=read_only,
    )


CHECK = "check"  # the check-answers page of a return, after its parts


def _posted_part(form: ReturnForm, posted, part: str | None) -> dict:
    """The data a part's page sends, over the stored answers of the other parts: a part's page
    holds only its own boxes, so the rest of the return is kept as it is. Without a part (the
    whole return in one form) everything comes from what was sent; from the check-answers page,
    nothing does."""
    if part is None:
        return posted
    asked = set(form.part_fields(part))
    data = {name: value for name, value in form.initial.items() if name not in asked}
    data.update({name: posted.get(name) for name in asked if name in posted})
    data["version"] = posted.get("version")
    return data


def _next_page(form: ReturnForm, part: str) -> str:
    slugs = [each.slug for each in form.parts]
    return slugs[slugs.index(part) + 1] if part in slugs and slugs.index(part) + 1 < len(slugs) else CHECK


def _refused_part(form: ReturnForm) -> str:
    """The part to show a refused return on: the part of its first problem."""
    for item in form.summary_items:
        name = item["href"].split("#id_", 1)[-1] if "#id_" in item["href"] else ""
        part = form.part_of(name)
        if part:
            return part
    return form.parts[0].slug


@capability_required("portal.view")
@require_http_methods(["GET", "POST"])
@create_once
def return_edit(request, pk: int):
    """Fill in a return one part at a time (each saved as a draft), then check the answers
    and submit. Read-only once submitted, unless the officer returns it for changes."""
    organisation = _organisation(request)
    monitoring_return = monitoring_selectors.access_return(request.user, pk, for_edit=request.method == "POST")
    upcoming = not has_started(monitoring_return)
    editable = monitoring_return.status in EDITABLE_STATUSES and not upcoming
    if request.method == "POST" and not editable:
        if upcoming:
            messages.error(request, f"This return can be filled in from {opens_on(monitoring_return):%-d %B %Y}.")
        else:
            messages.error(
                request,
                f"This return is {monitoring_return.get_status_display().lower()}, so it cannot be changed.",
            )
        return redirect("portal:return", pk=monitoring_return.pk)
    form = _return_form(monitoring_return, read_only=not editable)
    slugs = [*(part.slug for part in form.parts), CHECK]
    part = (request.POST if request.method == "POST" else request.GET).get("part") or None
    part = part if part in slugs else (None if request.method == "POST" else slugs[0])
    if request.method == "POST":
        form = _return_form(monitoring_return, _posted_part(form, request.POST, part))
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        data = monitoring_return_data.ReturnData(**form.return_data_kwargs())
        service = monitoring_services.return_submit if submit else monitoring_services.return_save
        try:
            result, warnings = service(
                monitoring_return=monitoring_return,
                actor=request.user,
                data=data,
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return _saved(request, result, warnings, submit=submit, then=_then(request, form, part))
    if form.has_errors and part in (None, CHECK):
        part = _refused_part(form)
    form.current_part = part
    return _render_return(
        request, organisation, monitoring_return, form, editable=editable, upcoming=upcoming, part=part
    )


def _then(request, form: ReturnForm, part: str | None) -> str:
    """Where a saved draft goes: the next part ("Save and continue"), else the same part."""
    if part is None:
        return ""
    return _next_page(form, part) if "continue" in request.POST else part


def _saved(request, result, warnings, *, submit: bool, then: str):
    done = "submitted" if submit else "saved as a draft"
    saved(request, result, f"Your return for {_period(result)} has been {done}.")
    for warning in warnings:
        messages.warning(request, warning)
    if warnings and not submit and not result.breakdown_explanation:
        messages.warning(
            request,
            f"Before you submit, correct the breakdowns or say why they do not add up (“{EXPLANATION_LABEL}”).",
        )
    if submit:
        return redirect("portal:home")
    url = reverse("portal:return", kwargs={"pk": result.pk})
    return redirect(f"{url}?part={then}" if then else url)


def _render_return(request, organisation, monitoring_return, form, *, editable, upcoming, part):
    parts = form.parts
    current = next((each for each in parts if each.slug == part), None)
    index = parts.index(current) if current else len(parts)
    return render(
        request,
        "portal/return_check.html" if editable and part == CHECK else "portal/return_form.html",
        _context(
            organisation,
            tab="home",
            ret=monitoring_return,
            award=monitoring_return.award,
            form=form,
            editable=editable,
            upcoming=upcoming,
            opens=opens_on(monitoring_return),
            late=monitoring_selectors.is_late(monitoring_return, clock.today()),
            period=_period(monitoring_return),
            parts=parts,
            part=current,
            part_number=index + 1,
            previous=parts[index - 1].slug if index > 0 else "",
            last=index + 1 >= len(parts),
        ),
    )


def _period(monitoring_return) -> str:
    return monitoring_selectors.quarter_label(monitoring_return.fy, monitoring_return.quarter)


# The organisation's contact details ------------------------------------------------------------


@capability_required("portal.view")
def organisation_detail(request):
    organisation = _organisation(request)
    return render(
        request,
        "portal/organisation.html",
        _context(organisation, tab="organisation", contacts=provider_selectors.organisation_contacts(organisation)),
    )


@capability_required("portal.view")
@require_http_methods(["GET", "POST"])
def organisation_edit(request):
    organisation = _organisation(request)
    initial = {name: getattr(organisation, name) for name in ORGANISATION_CONTACT_FIELDS}
    initial["version"] = organisation.version
    form = OrganisationContactForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ORGANISATION_CONTACT_FIELDS}
        try:
            provider_services.organisation_update(
                organisation=organisation,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **fields,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your organisation's contact details have been updated.")
            return redirect("portal:organisation")
    return render(request, "portal/organisation_form.html", _context(organisation, form=form))


@capability_required("portal.view")
@require_http_methods(["GET", "POST"])
@create_once
def contact_add(request):
    organisation = _organisation(request)
    form = ContactForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            contact = provider_services.contact_create(
                organisation=organisation, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, contact, f"{contact.name} has been added as a contact.")
            return redirect("portal:organisation")
    return render(request, "portal/contact_form.html", _context(organisation, form=form))


@capability_required("portal.view")
@require_http_methods(["GET", "POST"])
def contact_edit(request, contact_pk: int):
    organisation = _organisation(request)
    contact = provider_selectors.contact_for(organisation, contact_pk)
    initial = {name: getattr(contact, name) for name in provider_services.CONTACT_FIELDS}
    initial["version"] = contact.version
    form = ContactEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            contact = provider_services.contact_update(
                contact=contact, actor=request.user, expected_version=expected_version, **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{contact.name}'s details have been updated.")
            return redirect("portal:organisation")
    return render(request, "portal/contact_form.html", _context(organisation, form=form, contact=contact))


@capability_required("portal.view")
@require_http_methods(["GET", "POST"])
def contact_delete(request, contact_pk: int):
    organisation = _organisation(request)
    contact = provider_selectors.contact_for(organisation, contact_pk)
    if request.method == "POST":
        name = contact.name
        provider_services.contact_delete(contact=contact, actor=request.user)
        messages.success(request, f"{name} has been removed from your contacts.")
        return redirect("portal:organisation")
    return render(request, "portal/contact_confirm_delete.html", _context(organisation, contact=contact))


# Due-diligence documents ---------------------------------------------------------------------


@capability_required("portal.view")
def documents(request):
    organisation = _organisation(request)
    return render(
        request,
        "portal/documents.html",
        _context(organisation, tab="documents", rows=provider_selectors.organisation_documents(organisation)),
    )


@capability_required("portal.view")
@require_http_methods(["GET", "POST"])
@create_once
def document_add(request):
    organisation = _organisation(request)
    form = DocumentForm(form_data(request), form_files(request))
    if request.method == "POST" and form.is_valid():
        try:
            document = provider_services.document_add(
                organisation=organisation, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, document, f"{document.get_kind_display()} ({document.original_name}) has been uploaded.")
            return redirect("portal:documents")
    return render(request, "portal/document_form.html", _context(organisation, form=form))


@capability_required("portal.view")
def document_download(request, document_pk: int):
    """Served only here, after the check that the document is the user's organisation's."""
    organisation = _organisation(request)
    document = provider_selectors.document_for(organisation, document_pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


# The organisation's users (its leads only) -----------------------------------------------------


@capability_required("portal.view")
def users(request):
    """A lead's view of who at their organisation can sign in, and who has been invited."""
    organisation = invitation_selectors.access_lead_organisation(request.user)
    return render(
        request,
        "portal/users.html",
        _context(
            organisation,
            tab="users",
            memberships=invitation_selectors.organisation_memberships(organisation),
            invitations=list(invitation_selectors.pending_invitations(organisation)),
        ),
    )


@capability_required("portal.view")
@require_http_methods(["GET", "POST"])
@create_once
def invitation_create(request):
    """A lead invites a colleague (never as lead: only the commissioning team makes leads)."""
    organisation = invitation_selectors.access_lead_organisation(request.user)
    form = ColleagueInvitationForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_services.invitation_create(
                organisation=organisation, actor=request.user, link_base=link_base(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, invitation, f"An invitation has been sent to {invitation.full_name} at {invitation.email}.")
            return redirect("portal:users")
    return render(
        request,
        "portal/invitation_form.html",
        _context(organisation, form=form, invitation_days=settings.INVITATION_DAYS),
    )

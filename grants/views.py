"""Grants pages: thin views that check permission, call a selector or service, render.

Who may do what (``pcc_commissioning.roles``):
- ``grants.view`` (officers, finance, board): every page here that only reads.
- ``grants.edit`` (officers): awards, their status, forecasts, co-funders and documents,
  decisions, and funding streams (their names and sources).
- ``payments.edit`` (finance): payments, and the money side of the funding page: stream
  allocations and priority budgets per year (finance owns the figures, officers the streams).
"""

from __future__ import annotations

import contextlib
import mimetypes
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms.utils import ErrorDict
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from needs_assessment import selectors as needs_selectors
from needs_assessment.tabs import intention_tabs
from outcomes.models import CommissioningPriority
from pcc_commissioning import clock
from pcc_commissioning.concurrency import NO_RECORD_VERSION, STALE_MESSAGE
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.interchange import Sheet, export_response
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data, form_files, fy_param, show_errors
from providers.selectors import access_organisation, due_diligence_gaps
from providers.tabs import organisation_tabs

from . import exporters, selectors, services
from .filters import AwardFilter
from .forms import (
    EXTRA_ROWS_STEP,
    AwardDocumentForm,
    AwardEditForm,
    AwardForm,
    BudgetForm,
    CoFundingForm,
    DecisionActionForm,
    DecisionEditForm,
    DecisionForm,
    DecisionPublishForm,
    ForecastForm,
    LineFormSet,
    MarkPaidForm,
    PaymentApproveForm,
    PaymentCancelForm,
    PaymentEditForm,
    PaymentForm,
    PaymentPlanForm,
    StreamEditForm,
    StreamForm,
    TransitionForm,
    YearAmountForm,
    add_line_errors,
    add_service_errors,
    line_years,
)
from .models import DecisionStatus, Payment, PriorityBudget, StreamAllocation
from .schedules import instalments
from .transitions import actions_for

PAGE_SIZE = 25
SECTION = "grants"
INTENTION_PAGE = "needs_assessment:intention_detail"  # the intention's page (a lower layer)


def _context(request, **extra) -> dict:
    user = request.user
    return {
        "section": SECTION,
        "can_edit": has_capability(user, "grants.edit"),
        "can_pay": has_capability(user, "payments.edit"),
        **extra,
    }


# The register ----------------------------------------------------------------------------------


@capability_required("grants.view")
def award_list(request):
    filterset = AwardFilter(request.GET or None)
    arguments = filterset.selector_arguments()
    sort = request.GET.get("sort", "")
    queryset = selectors.award_list(**arguments, sort=sort)
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    fy = arguments["fy"]
    return render(
        request,
        "grants/award_list.html",
        _context(
            request,
            filter_form=filterset.form,
            filtered=filterset.is_filtered,
            page_obj=page_obj,
            awards=page_obj.object_list,
            sort=sort,
            fy=fy,
            fy_label=FinancialYear(fy).label if fy else "",
            totals=selectors.award_list_totals(queryset, fy=fy),
        ),
    )


@capability_required("grants.view")
def provider_awards(request, pk: int):
    """The "Awards" tab of an organisation's page (registered in ``GrantsConfig.ready``)."""
    organisation = access_organisation(request.user, pk)
    sort = request.GET.get("sort", "")
    queryset = selectors.award_list(provider=organisation.pk, sort=sort or "-start_date")
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "grants/provider_awards.html",
        _context(
            request,
            section="providers",  # a tab of the provider's page
            organisation=organisation,
            tabs=organisation_tabs(
                user=request.user, organisation_pk=organisation.pk, current="grants:provider_awards"
            ),
            page_obj=page_obj,
            awards=page_obj.object_list,
            totals=selectors.award_list_totals(queryset, fy=None),
            sort=sort,
        ),
    )


@capability_required("grants.view")
def intention_awards(request, pk: int):
    """The "Awards" tab of a commissioning intention's page: the awards that fulfil it
    (registered in ``GrantsConfig.ready``; ``needs_assessment`` links to it by URL name only)."""
    intention = needs_selectors.access_intention(request.user, pk)
    sort = request.GET.get("sort", "")
    queryset = selectors.award_list(sort=sort).filter(intention=intention)
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "grants/intention_awards.html",
        _context(
            request,
            section="needs",  # a tab of the intention's page
            intention=intention,
            tabs=intention_tabs(user=request.user, intention_pk=intention.pk, current="grants:intention_awards"),
            page_obj=page_obj,
            awards=page_obj.object_list,
            totals=selectors.award_list_totals(queryset, fy=None),
            sort=sort,
        ),
    )


# One award -------------------------------------------------------------------------------------


@capability_required("grants.view")
def award_detail(request, pk: int):
    award = selectors.access_award(request.user, pk)
    years = selectors.award_money_by_year(award)
    data = selectors.award_page_data(award)
    totals = {
        "value": sum((year.value for year in years), Decimal(0)),
        "scheduled": sum((year.scheduled for year in years), Decimal(0)),
        "paid": sum((year.paid for year in years), Decimal(0)),
        "outturn": sum((year.outturn for year in years), Decimal(0)),
    }
    for record in [*data["payments"], *data["co_funding"]]:
        record.fy_label = FinancialYear(record.fy).label if record.fy else ""
    can_edit = has_capability(request.user, "grants.edit")
    actions = actions_for(award.status) if can_edit else []
    # The provider's due diligence, where it matters: before the award is made and paid.
    gaps = due_diligence_gaps(award.provider) if (can_edit or has_capability(request.user, "payments.edit")) else []
    # With due diligence not in order, "Mark as awarded" asks for the reason to go ahead.
    awarded_action = next((action for action in actions if action.to_status == "awarded"), None) if gaps else None
    # Commissioning intentions are internal planning: shown only to those who may read needs.
    intention = award.intention if has_capability(request.user, "needs.view") else None
    show_intention = has_capability(request.user, "needs.view")
    return render(
        request,
        "grants/award_detail.html",
        _context(
            request,
            award=award,
            intention=intention,
            show_intention=show_intention,
            intention_url=_intention_url(intention.pk) if intention else "",
            areas=list(award.areas.all()),
            years=years,
            totals=totals,
            streams=sorted({part.stream.name for year in years for part in year.lines}),
            actions=actions,
            gaps=gaps,
            awarded_action=awarded_action,
            forecast_form=ForecastForm(years=[year.fy for year in years]) if can_edit else None,
            timeline=selectors.award_timeline(award),
            **data,
        ),
    )


def _intention_url(pk: int) -> str:
    """The intention's page in ``needs_assessment`` (linked by URL name only), or "" if none."""
    try:
        return reverse(INTENTION_PAGE, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def _line_inputs(formset) -> tuple[list[services.LineInput], list]:
    lines, forms_sent = [], []
    for form in formset.forms:
        if form.is_blank:
            continue
        data = form.cleaned_data
        lines.append(services.LineInput(stream=data["stream"], fy=data["fy"], amount=data["amount"]))
        forms_sent.append(form)
    return lines, forms_sent


def _valid_line_inputs(formset) -> tuple[list[services.LineInput], list]:
    """The non-blank rows that read cleanly, for checking the rules while other rows have errors."""
    lines, forms_sent = [], []
    for form in formset.forms:
        if form.errors or form.is_blank:
            continue
        data = form.cleaned_data
        lines.append(services.LineInput(stream=data["stream"], fy=data["fy"], amount=data["amount"]))
        forms_sent.append(form)
    return lines, forms_sent


def _show_rule_problems(form, formset, *, award=None) -> None:
    """The form has errors of its own: also show the rules the rest of its values break, on
    fields and rows without an error yet, so everything can be fixed in one round."""
    lines, line_forms = _valid_line_inputs(formset)
    fields = {name: value for name, value in form.cleaned_data.items() if name != "version"}
    problems = services.award_problems(award=award, lines=lines, **fields)
    if problems is None or not hasattr(problems, "error_dict"):
        return
    fresh = {
        name: errors
        for name, errors in problems.error_dict.items()
        if name == "lines" or (name in form.fields and name not in form.errors)
    }
    if fresh:
        _apply_award_errors(form, formset, ValidationError(fresh), line_forms)


def _apply_award_errors(form, formset, exc: ValidationError, line_forms) -> None:
    if hasattr(exc, "error_dict"):
        line_messages = [m for error in exc.error_dict.pop("lines", []) for m in error.messages]
        if line_messages:
            add_line_errors(formset, line_messages, line_forms)
        if exc.error_dict:
            add_service_errors(form, exc)
    else:
        add_service_errors(form, exc)


def _years_for(request, award=None) -> list[int]:
    """Years the funding-line rows offer: around the dates on the form (or the award's)."""
    dates = []
    if request.method == "POST":
        probe = AwardForm(request.POST)
        for name in ("start_date", "end_date", "extension_until"):
            field = probe.fields[name]
            with contextlib.suppress(ValidationError):
                dates.append(field.clean(field.widget.value_from_datadict(request.POST, {}, probe.add_prefix(name))))
    if award is not None:
        dates += [award.start_date, award.end_date, award.extension_until]
    return line_years(*dates)


def _more_rows(request, form, formset_class, years, prefix="lines"):
    """ "Add another line": the same form again with more empty rows (no JavaScript needed).
    Nothing is checked or saved yet, so no errors are shown."""
    data = request.POST.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0) or 0)
    except ValueError:
        total = 0
    data[f"{prefix}-TOTAL_FORMS"] = str(min(total + EXTRA_ROWS_STEP, 60))
    formset = formset_class(data, prefix=prefix, years=years)
    form._errors = ErrorDict()
    formset._errors = []
    formset._non_form_errors = formset.error_class()
    for subform in formset.forms:
        subform._errors = ErrorDict()
    return formset


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
@create_once
def award_create(request):
    years = _years_for(request)
    form = AwardForm(form_data(request), initial={"provider": request.GET.get("provider") or None})
    formset = LineFormSet(form_data(request), prefix="lines", years=years)
    if request.method == "POST" and "add_line" in request.POST:
        formset = _more_rows(request, form, LineFormSet, years)
        return render(request, "grants/award_form.html", _context(request, form=form, formset=formset))
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        lines, line_forms = _line_inputs(formset)
        fields = dict(form.cleaned_data)
        kpqs = fields.pop("kpqs")
        areas = fields.pop("areas")
        try:
            award = services.award_create(actor=request.user, lines=lines, kpqs=kpqs, areas=areas, **fields)
        except ValidationError as exc:
            _apply_award_errors(form, formset, exc, line_forms)
        else:
            saved(request, award, f"Award {award.reference} has been added.")
            return redirect("grants:award_detail", pk=award.pk)
    elif request.method == "POST":
        _show_rule_problems(form, formset)
    return render(request, "grants/award_form.html", _context(request, form=form, formset=formset))


_AWARD_EDITABLE = (
    "reference",
    "title",
    "provider",
    "kind",
    "priority",
    "start_date",
    "end_date",
    "extension_months",
    "extension_until",
    "extension_taken",
    "duration",
    "lead_officer",
    "decision",
    "cost_centre",
    "moj_category",
    "purpose",
    "approach",
    "conditions",
    "reasons",
    "key_activity",
    "intention",
)


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def award_edit(request, pk: int):
    award = selectors.access_award(request.user, pk, for_edit=True)
    years = _years_for(request, award)
    if request.method == "POST":
        form = AwardEditForm(request.POST)
        formset = LineFormSet(request.POST, prefix="lines", years=years)
    else:
        initial = {name: getattr(award, name) for name in _AWARD_EDITABLE}
        initial["kpqs"] = list(award.kpqs.all())
        initial["areas"] = list(award.areas.all())
        initial["version"] = award.version
        form = AwardEditForm(initial=initial)
        current = [
            {"stream": line.stream, "fy": line.fy, "amount": line.amount}
            for line in award.lines.select_related("stream").order_by("fy", "stream__name")
        ]
        formset = LineFormSet(initial=current, prefix="lines", years=years)
    if request.method == "POST" and "add_line" in request.POST:
        formset = _more_rows(request, form, LineFormSet, years)
        return render(request, "grants/award_form.html", _context(request, form=form, formset=formset, award=award))
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        lines, line_forms = _line_inputs(formset)
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        kpqs = fields.pop("kpqs")
        areas = fields.pop("areas")
        try:
            services.award_update(
                award=award,
                actor=request.user,
                expected_version=expected_version,
                lines=lines,
                kpqs=kpqs,
                areas=areas,
                **fields,
            )
        except ValidationError as exc:
            _apply_award_errors(form, formset, exc, line_forms)
        else:
            messages.success(request, f"Award {fields['reference']} has been updated.")
            return redirect("grants:award_detail", pk=award.pk)
    elif request.method == "POST":
        _show_rule_problems(form, formset, award=award)
    return render(request, "grants/award_form.html", _context(request, form=form, formset=formset, award=award))


@capability_required("grants.edit")
@require_POST
def award_transition(request, pk: int):
    award = selectors.access_award(request.user, pk, for_edit=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The status could not be changed: reload the page and try again.")
        return redirect("grants:award_detail", pk=award.pk)
    try:
        award = services.award_transition(
            award=award,
            actor=request.user,
            to_status=form.cleaned_data["to_status"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
            due_diligence_reason=form.cleaned_data["due_diligence_reason"],
        )
    except ValidationError as exc:
        show_errors(request, exc, name_fields=True)
    else:
        messages.success(request, f"Award {award.reference} is now {award.get_status_display().lower()}.")
    return redirect("grants:award_detail", pk=award.pk)


def _award_subform(request, award, form, *, template: str, title: str, **extra):
    return render(request, template, _context(request, award=award, form=form, title=title, **extra))


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def award_forecast(request, pk: int):
    award = selectors.access_award(request.user, pk, for_edit=True)
    years = [year.fy for year in selectors.award_money_by_year(award)]
    initial = {"fy": request.GET.get("fy")} if request.GET.get("fy") else None
    form = ForecastForm(form_data(request), years=years, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.forecast_set(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            label = FinancialYear(form.cleaned_data["fy"]).label
            if record is None:
                messages.success(request, f"The forecast for {label} has been removed: the committed value is used.")
            else:
                messages.success(request, f"The forecast outturn for {label} has been saved.")
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#money")
    return _award_subform(request, award, form, template="grants/award_subform.html", title="Set a forecast outturn")


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def award_cofunding_add(request, pk: int):
    award = selectors.access_award(request.user, pk, for_edit=True)
    years = [year.fy for year in selectors.award_money_by_year(award)]
    form = CoFundingForm(form_data(request), years=years)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.cofunding_set(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{record.partner.name} has been recorded as a co-funder.")
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#co-funding")
    return _award_subform(request, award, form, template="grants/award_subform.html", title="Add a co-funder")


@capability_required("grants.edit")
@require_POST
def award_cofunding_remove(request, pk: int, cofunding_pk: int):
    award = selectors.access_award(request.user, pk, for_edit=True)
    record = selectors.award_cofunding(award, cofunding_pk)
    name = record.partner.name
    services.cofunding_remove(actor=request.user, cofunding=record)
    messages.success(request, f"{name} has been removed from the co-funders.")
    return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#co-funding")


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
@create_once
def award_document_add(request, pk: int):
    award = selectors.access_award(request.user, pk, for_edit=True)
    form = AwardDocumentForm(form_data(request), form_files(request))
    if request.method == "POST" and form.is_valid():
        try:
            document = services.award_document_add(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, document, f"{document.title} has been uploaded.")
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#documents")
    return _award_subform(request, award, form, template="grants/award_subform.html", title="Upload a document")


@capability_required("grants.view")
def award_document_download(request, pk: int, document_pk: int):
    """Documents are only ever served here, after the permission check, as an attachment."""
    award = selectors.access_award(request.user, pk)
    document = selectors.award_document(award, document_pk)
    name = document.file.name.rsplit("/", 1)[-1]
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@capability_required("grants.edit")
@require_POST
def award_document_delete(request, pk: int, document_pk: int):
    award = selectors.access_award(request.user, pk, for_edit=True)
    document = selectors.award_document(award, document_pk)
    title = document.title
    services.award_document_delete(actor=request.user, document=document)
    messages.success(request, f"{title} has been removed.")
    return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#documents")


# Payments (finance officers) ---------------------------------------------------------------------


def _payment_years(award) -> list[int]:
    return [year.fy for year in selectors.award_money_by_year(award)]


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
@create_once
def payment_create(request, pk: int):
    award = selectors.access_award(request.user, pk)
    streams = selectors.award_streams(award)
    gaps = due_diligence_gaps(award.provider)
    form = PaymentForm(
        form_data(request),
        streams=streams,
        years=_payment_years(award),
        due_diligence=bool(gaps),
        can_override=has_capability(request.user, "payments.override"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.payment_record(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            note = " (finance override recorded)" if payment.override_reason else ""
            state = "paid" if payment.is_paid else "scheduled"
            saved(request, payment, f"A {state} payment of {format_pence(payment.amount)} has been recorded{note}.")
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments")
    return render(request, "grants/payment_form.html", _context(request, award=award, form=form, gaps=gaps))


_PAYMENT_EDITABLE = (
    "stream",
    "fy",
    "due_date",
    "paid_date",
    "amount",
    "reason",
    "invoice_reference",
    "po_number",
    "override_reason",
)


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def payment_edit(request, pk: int, payment_pk: int):
    award = selectors.access_award(request.user, pk)
    payment = selectors.award_payment(award, payment_pk)
    streams = selectors.award_streams(award)
    initial = {name: getattr(payment, name) for name in _PAYMENT_EDITABLE}
    initial["version"] = payment.version
    initial["override"] = bool(payment.override_reason)
    form = PaymentEditForm(
        form_data(request),
        initial=initial,
        streams=streams,
        years=_payment_years(award),
        can_override=has_capability(request.user, "payments.override"),
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            services.payment_update(payment=payment, actor=request.user, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The payment has been updated.")
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments")
    return render(request, "grants/payment_form.html", _context(request, award=award, form=form, payment=payment))


def _payment_step(request, pk: int, payment_pk: int, *, form_for, act, done, **page):
    """One of finance's steps on a payment (approve, mark paid, cancel): a small form about
    the payment, the service call, and back to the award's payments with ``done(payment)``."""
    award = selectors.access_award(request.user, pk)
    payment = selectors.award_payment(award, payment_pk)
    form = form_for(award, payment)
    if request.method == "POST" and form.is_valid():
        try:
            act(payment, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done(payment))
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments")
    return render(
        request, "grants/payment_action.html", _context(request, award=award, payment=payment, form=form, **page)
    )


def _payment_words(payment) -> str:
    return f"The payment of {format_pence(payment.amount)} due {payment.due_date:%-d %B %Y}"


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def payment_mark_paid(request, pk: int, payment_pk: int):
    return _payment_step(
        request,
        pk,
        payment_pk,
        form_for=lambda award, payment: MarkPaidForm(form_data(request), initial={"version": payment.version}),
        act=lambda payment, data: services.payment_mark_paid(
            payment=payment,
            actor=request.user,
            paid_date=data["paid_date"],
            expected_version=data["version"],
        ),
        done=lambda payment: f"{_payment_words(payment)} is marked as paid.",
        title="Mark a payment as paid",
        submit_label="Save",
    )


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def payment_approve(request, pk: int, payment_pk: int):
    gaps: list[str] = []

    def form_for(award, payment):
        gaps.extend(due_diligence_gaps(award.provider))
        return PaymentApproveForm(form_data(request), initial={"version": payment.version}, due_diligence=bool(gaps))

    return _payment_step(
        request,
        pk,
        payment_pk,
        form_for=form_for,
        act=lambda payment, data: services.payment_approve(
            payment=payment,
            actor=request.user,
            expected_version=data["version"],
            due_diligence_reason=data.get("due_diligence_reason", ""),
        ),
        done=lambda payment: f"{_payment_words(payment)} is approved for paying.",
        title="Approve a payment",
        submit_label="Approve for paying",
        gaps=gaps,
    )


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def payment_cancel(request, pk: int, payment_pk: int):
    return _payment_step(
        request,
        pk,
        payment_pk,
        form_for=lambda award, payment: PaymentCancelForm(form_data(request), initial={"version": payment.version}),
        act=lambda payment, data: services.payment_cancel(
            payment=payment,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        ),
        done=lambda payment: f"{_payment_words(payment)} is cancelled: it is kept, and counts for nothing.",
        title="Cancel a payment",
        submit_label="Cancel the payment",
        warning=True,
    )


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def payment_plan(request, pk: int):
    """Set up, change or remove an award's payment plan (officers); finance approves the
    instalments it schedules."""
    award = selectors.access_award(request.user, pk, for_edit=True)
    plan = selectors.award_payment_plan(award)
    if request.method == "POST" and "remove" in request.POST:
        instalments.payment_plan_remove(actor=request.user, award=award)
        messages.success(request, "The payment plan is removed: its instalments not yet approved are withdrawn.")
        return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments")
    initial = (
        {"frequency": plan.frequency, "timing": plan.timing, "version": plan.version}
        if plan
        else {"version": NO_RECORD_VERSION}
    )
    form = PaymentPlanForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            instalments.payment_plan_set(actor=request.user, award=award, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, "The payment plan is saved and its instalments are scheduled for finance to approve."
            )
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments")
    return render(request, "grants/payment_plan_form.html", _context(request, award=award, form=form, plan=plan))


# Decisions -------------------------------------------------------------------------------------------


@capability_required("grants.view")
def decision_list(request):
    page_obj = Paginator(selectors.decision_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "grants/decision_list.html", _context(request, page_obj=page_obj, decisions=page_obj.object_list)
    )


@capability_required("grants.view")
def decision_detail(request, pk: int):
    decision = selectors.decision_detail(pk)
    return render(
        request,
        "grants/decision_detail.html",
        _context(
            request,
            decision=decision,
            awards=selectors.decision_awards(decision),
            action_form=DecisionActionForm(initial={"version": decision.version}),
        ),
    )


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
@create_once
def decision_create(request):
    form = DecisionForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, decision, f"Decision {decision.reference} has been added as a draft.")
            return redirect("grants:decision_detail", pk=decision.pk)
    return render(request, "grants/decision_form.html", _context(request, form=form))


_DECISION_EDITABLE = (
    "reference",
    "subject",
    "summary",
    "decision_text",
    "decided_on",
    "amount",
    "decision_maker",
    "declaration_of_interests",
    "contact_officer",
    "background_papers",
)


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def decision_edit(request, pk: int):
    decision = selectors.decision_detail(pk)
    if decision.status != DecisionStatus.DRAFT:
        messages.error(
            request,
            f"Decision {decision.reference} is {decision.get_status_display().lower()}: "
            "a signed decision is a record and cannot be changed.",
        )
        return redirect("grants:decision_detail", pk=decision.pk)
    initial = {name: getattr(decision, name) for name in _DECISION_EDITABLE}
    initial["version"] = decision.version
    form = DecisionEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            services.decision_update(decision=decision, actor=request.user, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Decision {fields['reference']} has been updated.")
            return redirect("grants:decision_detail", pk=decision.pk)
    return render(request, "grants/decision_form.html", _context(request, form=form, decision=decision))


def _decision_action(request, pk: int, action, done: str):
    decision = selectors.decision_detail(pk)
    form = DecisionActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, STALE_MESSAGE)
        return redirect("grants:decision_detail", pk=decision.pk)
    try:
        decision = action(decision=decision, actor=request.user, expected_version=form.cleaned_data["version"])
    except ValidationError as exc:
        show_errors(request, exc, name_fields=True)
    else:
        messages.success(request, f"Decision {decision.reference} {done}.")
    return redirect("grants:decision_detail", pk=decision.pk)


@capability_required("grants.edit")
@require_POST
def decision_sign(request, pk: int):
    return _decision_action(request, pk, services.decision_sign, "is recorded as signed")


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def decision_publish(request, pk: int):
    """Record the day the decision was published: the officer chooses it (today by default)."""
    decision = selectors.decision_detail(pk)
    if decision.status != DecisionStatus.SIGNED:
        state = (
            "must be signed before it is published"
            if decision.status == DecisionStatus.DRAFT
            else "is already published"
        )
        messages.error(request, f"Status: Decision {decision.reference} {state}.")
        return redirect("grants:decision_detail", pk=decision.pk)
    form = DecisionPublishForm(form_data(request), initial={"version": decision.version, "published_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_publish(
                decision=decision,
                actor=request.user,
                published_on=form.cleaned_data["published_on"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Decision {decision.reference} is recorded as published on {decision.published_on:%-d %B %Y}."
            )
            return redirect("grants:decision_detail", pk=decision.pk)
    return render(request, "grants/decision_publish.html", _context(request, form=form, decision=decision))


# Funding: streams, allocations, budgets and the funding page -----------------------------------------


@capability_required("grants.view")
def funding(request):
    current = FinancialYear.current().start_year
    fy = fy_param(request, default=current)
    summary = selectors.funding_summary(fy=fy)
    years = selectors.funding_years()
    if fy not in years:
        years = sorted({*years, fy}, reverse=True)
    return render(
        request,
        "grants/funding.html",
        _context(
            request,
            summary=summary,
            fy=fy,
            years=[(year, FinancialYear(year).label) for year in years],
        ),
    )


@capability_required("grants.view")
def stream_list(request):
    return render(request, "grants/stream_list.html", _context(request, streams=selectors.stream_list()))


@capability_required("grants.view")
def stream_detail(request, pk: int):
    stream = selectors.stream_detail(pk)
    return render(
        request, "grants/stream_detail.html", _context(request, stream=stream, rows=selectors.stream_years(stream))
    )


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
@create_once
def stream_create(request):
    form = StreamForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            stream = services.stream_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, stream, f"{stream.name} has been added.")
            return redirect("grants:stream_detail", pk=stream.pk)
    return render(request, "grants/stream_form.html", _context(request, form=form))


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def stream_edit(request, pk: int):
    stream = selectors.stream_detail(pk)
    initial = {name: getattr(stream, name) for name in services.STREAM_FIELDS}
    initial["version"] = stream.version
    form = StreamEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            services.stream_update(stream=stream, actor=request.user, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{fields['name']} has been updated.")
            return redirect("grants:stream_detail", pk=stream.pk)
    return render(request, "grants/stream_form.html", _context(request, form=form, stream=stream))


def _year_choices(extra=()) -> list[int]:
    current = FinancialYear.current().start_year
    return sorted({*range(current - 10, current + 4), *extra}, reverse=True)


def _year_figure_initial(figure, *, fy: int | None) -> dict:
    """The form's first values for a year's figure: the stored one if any, and the hidden state
    saying which figure (and which version of it) the page showed."""
    initial = {"fy": fy, "shown_fy": fy, "version": figure.version if figure else NO_RECORD_VERSION}
    if figure:
        initial.update(amount=figure.amount, notes=figure.notes)
    return initial


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def allocation_set(request, pk: int):
    stream = selectors.stream_detail(pk)
    fy = fy_param(request, default=None)
    initial = _year_figure_initial(selectors.year_figure(StreamAllocation, stream=stream, fy=fy), fy=fy)
    form = YearAmountForm(form_data(request), initial=initial, years=_year_choices([fy] if fy else []))
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_set(
                actor=request.user, stream=stream, expected_version=form.expected_version(), **form.figure()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            label = FinancialYear(form.cleaned_data["fy"]).label
            messages.success(request, f"The {label} allocation of {stream.name} has been saved.")
            return redirect("grants:stream_detail", pk=stream.pk)
    return render(request, "grants/allocation_form.html", _context(request, form=form, stream=stream))


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def budget_set(request):
    fy = fy_param(request, default=None)
    priority_pk = request.GET.get("priority", "")
    priority_pk = int(priority_pk) if priority_pk.isdigit() else None
    figure = selectors.year_figure(PriorityBudget, priority_id=priority_pk, fy=fy) if priority_pk else None
    initial = {**_year_figure_initial(figure, fy=fy), "priority": priority_pk, "shown_priority": priority_pk}
    form = BudgetForm(form_data(request), initial=initial, years=_year_choices([fy] if fy else []))
    if request.method == "POST" and form.is_valid():
        priority: CommissioningPriority = form.cleaned_data["priority"]
        try:
            services.budget_set(
                actor=request.user, priority=priority, expected_version=form.expected_version(), **form.figure()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            label = FinancialYear(form.cleaned_data["fy"]).label
            messages.success(request, f"The {label} budget of {priority.name} has been saved.")
            return redirect(f"{reverse('grants:funding')}?fy={form.cleaned_data['fy']}")
    return render(request, "grants/budget_form.html", _context(request, form=form))


# Downloads -----------------------------------------------------------------------------------------
# The tables are ``grants.exporters``' (the same as ``manage.py export_data``); these views
# check permission, apply the page's filters and hand the table to the shared writer.


def _export_format(request) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


@capability_required("grants.view")
def awards_export(request):
    """The awards register as listed (same filters and order), one row per funding line."""
    arguments = AwardFilter(request.GET or None).selector_arguments()
    queryset = selectors.award_list(**arguments, sort=request.GET.get("sort", ""))
    sheet = Sheet("Awards", *exporters.awards_table(queryset))
    suffix = f"-{arguments['fy']}" if arguments["fy"] else ""
    return _private(export_response(sheet, format=_export_format(request), filename=f"awards{suffix}"))


@capability_required("grants.view")
def payments_export(request):
    fy = fy_param(request, default=None)
    payments = Payment.objects.all() if fy is None else Payment.objects.filter(fy=fy)
    sheet = Sheet("Payments", *exporters.payments_table(payments))
    name = f"payments-{fy}" if fy is not None else "payments"
    return _private(export_response(sheet, format=_export_format(request), filename=name))


@capability_required("grants.view")
def commitments_export(request):
    fy = fy_param(request, default=FinancialYear.current().start_year)
    sheet = Sheet("Commitments", *exporters.commitments_table(fy=fy))
    return _private(export_response(sheet, format=_export_format(request), filename=f"commitments-{fy}"))


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response

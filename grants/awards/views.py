"""Award pages: the register, an award's page, adding and editing, status changes, forecasts,
co-funders, documents, the awards export, and the Awards tabs of a provider and an intention.
Thin views: check the capability, call a selector or service, render."""

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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants.awards import cofunding as awards_cofunding
from grants.awards import documents as awards_documents
from grants.awards import exporters as awards_exporters
from grants.awards import rules as awards_rules
from grants.awards import selectors as awards_selectors
from grants.awards import services as awards_services
from grants.awards import timeline as awards_timeline
from grants.awards.filters import AwardFilter
from grants.awards.forms import (
    EXTRA_ROWS_STEP,
    AwardDocumentForm,
    AwardEditForm,
    AwardForm,
    CoFundingForm,
    ForecastForm,
    LineFormSet,
    TransitionForm,
    line_years,
)
from grants.awards.rules import AWARD_FIELDS
from grants.awards.transitions import actions_for
from grants.form_fields import add_line_errors
from grants.pages import PAGE_SIZE, export_format, page_context, private_download
from grants.years import asked_year, year_page
from needs_assessment import selectors as needs_selectors
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.interchange.exports import Sheet, export_response
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.tabs import page_tabs
from pcc_commissioning.web import form_data, form_files, show_errors
from providers.selectors import access_organisation, due_diligence_gaps

INTENTION_PAGE = "needs_assessment:intention_detail"  # the intention's page (a lower layer)
HISTORY_PAGE_SIZE = 20


# The register ----------------------------------------------------------------------------------
@capability_required("grants.view")
@year_page(all_years=True)
def award_list(request, *, year):
    filterset = AwardFilter(request.GET, year=year)
    arguments = filterset.selector_arguments()
    sort = request.GET.get("sort", "")
    queryset = awards_selectors.award_list(**arguments, sort=sort)
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    fy = arguments["fy"]
    return render(
        request,
        "grants/award_list.html",
        page_context(
            request,
            filter_form=filterset.form,
            filtered=filterset.is_filtered,
            page_obj=page_obj,
            awards=page_obj.object_list,
            sort=sort,
            fy=fy,
            fy_label=FinancialYear(fy).label if fy else "",
            year_shown=year,
            totals=awards_selectors.award_list_totals(queryset, fy=fy),
        ),
    )


@capability_required("grants.view")
def provider_awards(request, pk: int):
    """The "Awards" tab of an organisation's page (registered in ``GrantsConfig.ready``)."""
    organisation = access_organisation(request.user, pk)
    sort = request.GET.get("sort", "")
    queryset = awards_selectors.award_list(provider=organisation.pk, sort=sort or "-start_date")
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "grants/provider_awards.html",
        page_context(
            request,
            section="providers",  # a tab of the provider's page
            organisation=organisation,
            tabs=page_tabs("organisation", user=request.user, pk=organisation.pk, current="grants:provider_awards"),
            page_obj=page_obj,
            awards=page_obj.object_list,
            totals=awards_selectors.award_list_totals(queryset, fy=None),
            sort=sort,
        ),
    )


@capability_required("grants.view")
def intention_awards(request, pk: int):
    """The "Awards" tab of a commissioning intention's page: the awards that fulfil it
    (registered in ``GrantsConfig.ready``; ``needs_assessment`` links to it by URL name only)."""
    intention = needs_selectors.access_intention(request.user, pk)
    sort = request.GET.get("sort", "")
    queryset = awards_selectors.award_list(sort=sort).filter(intention=intention)
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "grants/intention_awards.html",
        page_context(
            request,
            section="needs",  # a tab of the intention's page
            intention=intention,
            tabs=page_tabs("intention", user=request.user, pk=intention.pk, current="grants:intention_awards"),
            page_obj=page_obj,
            awards=page_obj.object_list,
            totals=awards_selectors.award_list_totals(queryset, fy=None),
            sort=sort,
        ),
    )


# One award -------------------------------------------------------------------------------------
@require_GET
@capability_required("grants.view")
def award_detail(request, pk: int):
    award = awards_selectors.access_award(request.user, pk)
    years = awards_selectors.award_money_by_year(award)
    data = awards_selectors.award_page_data(award)
    totals = {
        "value": sum((year.value for year in years), Decimal(0)),
        "scheduled": sum((year.scheduled for year in years), Decimal(0)),
        "paid": sum((year.paid for year in years), Decimal(0)),
        "outturn": sum((year.outturn for year in years), Decimal(0)),
    }
    for record in [*data["payments"], *data["co_funding"]]:
        record.fy_label = FinancialYear(record.fy).label if record.fy else ""
    # A closed award is read-only (its closure is cached on the award for the close-out banner).
    closed = hasattr(award, "closure")
    can_edit = has_capability(request.user, "grants.edit") and not closed
    can_pay = has_capability(request.user, "payments.edit") and not closed
    actions = actions_for(award.status) if can_edit else []
    # The provider's due diligence, where it matters: before the award is made and paid.
    gaps = due_diligence_gaps(award.provider) if (can_edit or has_capability(request.user, "payments.edit")) else []
    # With due diligence not in order, "Mark as awarded" asks for the reason to go ahead.
    awarded_action = next((action for action in actions if action.to_status == "awarded"), None) if gaps else None
    # Commissioning intentions are internal planning: shown only to those who may read needs.
    intention = award.intention if has_capability(request.user, "needs.view") else None
    show_intention = has_capability(request.user, "needs.view")
    # The history, latest first, a page at a time: its queries are fixed, its length is not.
    history = Paginator(awards_timeline.award_timeline(award), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "grants/award_detail.html",
        page_context(
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
            timeline=history,
            can_edit=can_edit,
            can_pay=can_pay,
            **data,
        ),
    )


def _intention_url(pk: int) -> str:
    """The intention's page in ``needs_assessment`` (linked by URL name only), or "" if none."""
    try:
        return reverse(INTENTION_PAGE, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def _line_inputs(formset) -> tuple[list[awards_rules.LineInput], list]:
    lines, forms_sent = [], []
    for form in formset.forms:
        if form.is_blank:
            continue
        data = form.cleaned_data
        lines.append(awards_rules.LineInput(stream=data["stream"], fy=data["fy"], amount=data["amount"]))
        forms_sent.append(form)
    return lines, forms_sent


def _valid_line_inputs(formset) -> tuple[list[awards_rules.LineInput], list]:
    """The non-blank rows that read cleanly, for checking the rules while other rows have errors."""
    lines, forms_sent = [], []
    for form in formset.forms:
        if form.errors or form.is_blank:
            continue
        data = form.cleaned_data
        lines.append(awards_rules.LineInput(stream=data["stream"], fy=data["fy"], amount=data["amount"]))
        forms_sent.append(form)
    return lines, forms_sent


def _show_rule_problems(form, formset, *, award=None) -> None:
    """The form has errors of its own: also show the rules the rest of its values break, on
    fields and rows without an error yet, so everything can be fixed in one round."""
    lines, line_forms = _valid_line_inputs(formset)
    fields = {name: value for name, value in form.cleaned_data.items() if name != "version"}
    problems = awards_services.award_problems(award=award, lines=lines, **fields)
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
            add_service_errors(form, exc, name_fields=True)
    else:
        add_service_errors(form, exc, name_fields=True)


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
def award_edit(request, pk: int):
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    years = _years_for(request, award)
    if request.method == "POST":
        form = AwardEditForm(request.POST)
        formset = LineFormSet(request.POST, prefix="lines", years=years)
    else:
        initial = {name: getattr(award, name) for name in AWARD_FIELDS}
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
        return render(request, "grants/award_form.html", page_context(request, form=form, formset=formset, award=award))
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        lines, line_forms = _line_inputs(formset)
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        kpqs = fields.pop("kpqs")
        areas = fields.pop("areas")
        try:
            awards_services.award_update(
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
    return render(request, "grants/award_form.html", page_context(request, form=form, formset=formset, award=award))


@capability_required("grants.edit")
@require_POST
def award_transition(request, pk: int):
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The status could not be changed: reload the page and try again.")
        return redirect("grants:award_detail", pk=award.pk)
    try:
        award = awards_services.award_transition(
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
    return render(request, template, page_context(request, award=award, form=form, title=title, **extra))


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def award_forecast(request, pk: int):
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    years = [year.fy for year in awards_selectors.award_money_by_year(award)]
    initial = {"fy": asked_year(request)} if asked_year(request) else None
    form = ForecastForm(form_data(request), years=years, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = awards_cofunding.forecast_set(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
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
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    years = [year.fy for year in awards_selectors.award_money_by_year(award)]
    form = CoFundingForm(form_data(request), years=years)
    if request.method == "POST" and form.is_valid():
        try:
            record = awards_cofunding.cofunding_set(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"{record.partner.name} has been recorded as a co-funder.")
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#co-funding")
    return _award_subform(request, award, form, template="grants/award_subform.html", title="Add a co-funder")


@capability_required("grants.edit")
@require_POST
def award_cofunding_remove(request, pk: int, cofunding_pk: int):
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    record = awards_selectors.award_cofunding(award, cofunding_pk)
    name = record.partner.name
    awards_cofunding.cofunding_remove(actor=request.user, cofunding=record)
    messages.success(request, f"{name} has been removed from the co-funders.")
    return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#co-funding")


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
@create_once
def award_document_add(request, pk: int):
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    form = AwardDocumentForm(form_data(request), form_files(request))
    if request.method == "POST" and form.is_valid():
        try:
            document = awards_documents.award_document_add(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, document, f"{document.title} has been uploaded.")
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#documents")
    return _award_subform(request, award, form, template="grants/award_subform.html", title="Upload a document")


@capability_required("grants.view")
def award_document_download(request, pk: int, document_pk: int):
    """Documents are only ever served here, after the permission check, as an attachment."""
    award = awards_selectors.access_award(request.user, pk)
    document = awards_selectors.award_document(award, document_pk)
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
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    document = awards_selectors.award_document(award, document_pk)
    title = document.title
    awards_documents.award_document_delete(actor=request.user, document=document)
    messages.success(request, f"{title} has been removed.")
    return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#documents")


@capability_required("grants.view")
@year_page(all_years=True)
def awards_export(request, *, year):
    """The awards register as listed (same filters and order), one row per funding line."""
    arguments = AwardFilter(request.GET, year=year).selector_arguments()
    queryset = awards_selectors.award_list(**arguments, sort=request.GET.get("sort", ""))
    sheet = Sheet("Awards", *awards_exporters.awards_table(queryset))
    suffix = f"-{arguments['fy']}" if arguments["fy"] else ""
    return private_download(export_response(sheet, format=export_format(request), filename=f"awards{suffix}"))

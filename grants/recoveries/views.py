"""Spend and recovery pages: an award's spend returns and recoveries, recording a budget return,
raising a recovery, the list of all recoveries, a recovery's page with its receipts, recording
money received (finance), writing off (officers), and money carried forward between years.

Internal pages: officers change them, finance records receipts, board members read; provider
users, applicants, assessors and partners are refused."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from grants.funding.selectors import funding_years
from grants.models import SpendReturnKind
from grants.pages import PAGE_SIZE, page_context
from grants.recoveries import selectors
from grants.recoveries import services as recovery_services
from grants.recoveries.forms import (
    CarryForwardForm,
    ReceiptForm,
    RecoveryFilter,
    RecoveryForm,
    SpendLineFormSet,
    SpendReturnEditForm,
    SpendReturnForm,
    WriteOffForm,
    put_line_errors,
    sent_lines,
)
from grants.recoveries.transitions import actions_for
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import fy_label
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data


def _award_page(award) -> str:
    return reverse("grants:award_recoveries", kwargs={"pk": award.pk})


def _recovery_context(request, **extra) -> dict:
    return page_context(request, can_recover=has_capability(request.user, "recoveries.edit"), **extra)


# An award's spend and recovery --------------------------------------------------------------------------
@capability_required("grants.view")
def award_recoveries(request, pk: int):
    award = selectors.access_award(request.user, pk)
    recoveries = selectors.award_recoveries(award)
    return render(
        request,
        "grants/recoveries/award.html",
        _recovery_context(
            request,
            award=award,
            summaries=selectors.award_spend_summaries(award),
            recoveries=recoveries,
            outstanding=selectors.award_outstanding(recoveries),
        ),
    )


def _save_spend_return(request, form, formset, call):
    """Validate the form and its rows, call the service with the rows filled in, and put its
    messages on the boxes they are about. Returns the saved return, or None."""
    form_ok = form.is_valid()
    rows_ok = formset.is_valid()
    lines, sent = sent_lines(formset)
    if not (form_ok and rows_ok):
        return None
    try:
        return call(dict(form.cleaned_data), lines)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        if "lines" in errors:
            put_line_errors(formset, errors.pop("lines"), sent)
            exc = ValidationError(errors) if errors else None
        if exc is not None:
            add_service_errors(form, exc, name_fields=True)
    return None


@capability_required("recoveries.edit")
@require_http_methods(["GET", "POST"])
@create_once
def spend_return_create(request, pk: int):
    award = selectors.access_award(request.user, pk)
    form = SpendReturnForm(form_data(request), years=selectors.award_years(award))
    formset = SpendLineFormSet(form_data(request), prefix="lines")
    if request.method == "POST":
        spend_return = _save_spend_return(
            request,
            form,
            formset,
            lambda data, lines: recovery_services.spend_return_record(
                actor=request.user, award=award, lines=lines, **data
            ),
        )
        if spend_return is not None:
            saved(
                request,
                spend_return,
                f"The {spend_return.get_kind_display().lower()} for {fy_label(spend_return.fy)} has been recorded.",
            )
            return redirect(_award_page(award) + "#spend-returns")
    return render(
        request,
        "grants/recoveries/spend_return_form.html",
        page_context(request, award=award, form=form, formset=formset),
    )


@capability_required("recoveries.edit")
@require_http_methods(["GET", "POST"])
def spend_return_edit(request, pk: int, return_pk: int):
    award = selectors.access_award(request.user, pk)
    spend_return = selectors.award_spend_return(award, return_pk)
    lines = list(spend_return.lines.all())
    form = SpendReturnEditForm(
        form_data(request),
        initial={"received_on": spend_return.received_on, "notes": spend_return.notes, "version": spend_return.version},
    )
    formset = SpendLineFormSet(
        form_data(request),
        prefix="lines",
        initial=[
            {
                "cost_line": line.cost_line,
                "planned": line.planned,
                "actual": line.actual,
                "variance_reason": line.variance_reason,
            }
            for line in lines
        ],
    )
    if request.method == "POST":

        def call(data, lines):
            expected_version = data.pop("version")
            return recovery_services.spend_return_update(
                actor=request.user, spend_return=spend_return, expected_version=expected_version, lines=lines, **data
            )

        if _save_spend_return(request, form, formset, call) is not None:
            messages.success(
                request,
                f"The {spend_return.get_kind_display().lower()} for {fy_label(spend_return.fy)} has been updated.",
            )
            return redirect(_award_page(award) + "#spend-returns")
    return render(
        request,
        "grants/recoveries/spend_return_form.html",
        page_context(request, award=award, form=form, formset=formset, spend_return=spend_return),
    )


def _recovery_initial(request, award) -> dict:
    """A recovery raised from a final budget return (``?spend_return=``) starts from its
    underspend: what was paid for the year less what was spent."""
    pk = request.GET.get("spend_return")
    if not pk:
        return {}
    spend_return = selectors.award_spend_return(award, pk)
    initial = {"spend_return": spend_return.pk, "fy": spend_return.fy}
    if spend_return.kind == SpendReturnKind.FINAL:
        initial.update(reason="underspend", amount=selectors.suggested_recovery(spend_return))
    streams = selectors.award_streams_of_year(award)
    if len(streams) == 1:
        initial["stream"] = streams[0].pk
    return initial


@capability_required("recoveries.edit")
@require_http_methods(["GET", "POST"])
@create_once
def recovery_create(request, pk: int):
    award = selectors.access_award(request.user, pk)
    form = RecoveryForm(form_data(request), award=award, initial=_recovery_initial(request, award))
    if request.method == "POST" and form.is_valid():
        try:
            recovery = recovery_services.recovery_raise(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(
                request, recovery, f"Recovery {recovery.reference} of {format_pence(recovery.amount)} has been raised."
            )
            return redirect("grants:recovery_detail", pk=recovery.pk)
    return render(request, "grants/recoveries/recovery_form.html", page_context(request, award=award, form=form))


# All recoveries ------------------------------------------------------------------------------------------
@capability_required("grants.view")
def recovery_list(request):
    filterset = RecoveryFilter(request.GET or None)
    queryset = selectors.recovery_list(**filterset.selector_arguments())
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "grants/recoveries/recovery_list.html",
        page_context(
            request,
            filter_form=filterset.form,
            filtered=filterset.is_filtered,
            page_obj=page_obj,
            recoveries=page_obj.object_list,
            totals=selectors.recovery_totals(queryset),
        ),
    )


@capability_required("grants.view")
def recovery_detail(request, pk: int):
    recovery = selectors.access_recovery(request.user, pk)
    return render(
        request,
        "grants/recoveries/recovery_detail.html",
        _recovery_context(
            request,
            recovery=recovery,
            award=recovery.award,
            left=selectors.recovery_left(recovery),
            overdue=selectors.is_overdue(recovery),
            receipts=selectors.recovery_receipts(recovery),
            actions=actions_for(recovery, request.user),
        ),
    )


def _recovery_step(request, pk: int, *, form_class, act, done, title: str, submit_label: str, warning=False):
    """Finance's receipt or an officer's write-off: a small form about the recovery, the
    service call, and back to the recovery's page."""
    recovery = selectors.access_recovery(request.user, pk)
    form = form_class(form_data(request), initial={"version": recovery.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        try:
            changed = act(recovery, expected_version, data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, done(changed))
            return redirect("grants:recovery_detail", pk=recovery.pk)
    return render(
        request,
        "grants/recoveries/recovery_action.html",
        page_context(
            request,
            recovery=recovery,
            left=selectors.recovery_left(recovery),
            form=form,
            title=title,
            submit_label=submit_label,
            warning=warning,
        ),
    )


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def recovery_receipt(request, pk: int):
    def act(recovery, expected_version, data):
        return recovery_services.recovery_receipt_record(
            actor=request.user, recovery=recovery, expected_version=expected_version, **data
        )

    return _recovery_step(
        request,
        pk,
        form_class=ReceiptForm,
        act=act,
        done=lambda recovery: (
            f"The money received has been recorded: {recovery.reference} is {recovery.get_status_display().lower()}."
        ),
        title="Record money received",
        submit_label="Record money received",
    )


@capability_required("recoveries.edit")
@require_http_methods(["GET", "POST"])
def recovery_write_off(request, pk: int):
    def act(recovery, expected_version, data):
        return recovery_services.recovery_write_off(
            actor=request.user, recovery=recovery, expected_version=expected_version, **data
        )

    return _recovery_step(
        request,
        pk,
        form_class=WriteOffForm,
        act=act,
        done=lambda recovery: (
            f"{recovery.reference} has been written off under {recovery.write_off_decision.reference}."
        ),
        title="Write off the recovery",
        submit_label="Write off",
        warning=True,
    )


# Carry-forward ------------------------------------------------------------------------------------------------
@capability_required("grants.view")
def carry_forwards(request):
    carried = page_of(selectors.carry_forward_list(), number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "grants/recoveries/carry_forwards.html",
        _recovery_context(request, page_obj=carried, carry_forwards=carried.object_list),
    )


@capability_required("recoveries.edit")
@require_http_methods(["GET", "POST"])
@create_once
def carry_forward_create(request):
    form = CarryForwardForm(form_data(request), years=funding_years())
    if request.method == "POST" and form.is_valid():
        try:
            carry = recovery_services.carry_forward_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(
                request,
                carry,
                f"{format_pence(carry.amount)} of {carry.stream.name} has been carried forward from "
                f"{fy_label(carry.from_fy)} to {fy_label(carry.to_fy)}.",
            )
            return redirect("grants:carry_forwards")
    return render(request, "grants/recoveries/carry_forward_form.html", page_context(request, form=form))

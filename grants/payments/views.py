"""Payment pages: record, edit, mark paid, approve, cancel, the payment plan and the payments export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from grants.awards import selectors as awards_selectors
from grants.models import Payment
from grants.pages import export_format, page_context, private_download
from grants.payments import exporters as payments_exporters
from grants.payments import services as payments_services
from grants.payments.forms import (
    MarkPaidForm,
    PaymentApproveForm,
    PaymentCancelForm,
    PaymentEditForm,
    PaymentForm,
    PaymentPlanForm,
)
from grants.schedules import instalments
from grants.years import year_page
from pcc_commissioning.concurrency import NO_RECORD_VERSION
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.interchange.exports import Sheet, export_response
from pcc_commissioning.money import format_pence
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data
from providers.selectors import due_diligence_gaps


# Payments (finance officers) ---------------------------------------------------------------------
def _day(day) -> str:
    return f"{day:%-d %B %Y}"


def payment_recorded_message(payment) -> str:
    """What recording a payment did, in words: scheduled for its due date, or recorded as paid
    on its paid date (a refund, money coming back, as received), and any finance override."""
    refund = payment.amount < 0
    what = f"A refund of {format_pence(-payment.amount)}" if refund else f"A payment of {format_pence(payment.amount)}"
    if payment.is_paid:
        done = f"has been recorded as {'received' if refund else 'paid'} on {_day(payment.paid_date)}"
    else:
        done = f"has been scheduled for {_day(payment.due_date)}"
    note = ", with a finance override" if payment.override_reason else ""
    return f"{what} {done}{note}."


def _payment_years(award) -> list[int]:
    return [year.fy for year in awards_selectors.award_money_by_year(award)]


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
@create_once
def payment_create(request, pk: int):
    award = awards_selectors.access_award(request.user, pk)
    streams = awards_selectors.award_streams(award)
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
            payment = payments_services.payment_record(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, payment, payment_recorded_message(payment))
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments")
    return render(request, "grants/payment_form.html", page_context(request, award=award, form=form, gaps=gaps))


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
    award = awards_selectors.access_award(request.user, pk)
    payment = awards_selectors.award_payment(award, payment_pk)
    streams = awards_selectors.award_streams(award)
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
            payment = payments_services.payment_update(
                payment=payment, actor=request.user, expected_version=expected_version, **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"{_payment_words(payment)} has been updated.")
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments")
    return render(request, "grants/payment_form.html", page_context(request, award=award, form=form, payment=payment))


def _payment_step(request, pk: int, payment_pk: int, *, form_for, act, done, **page):
    """One of finance's steps on a payment (approve, mark paid, cancel): a small form about
    the payment, the service call, and back to the award's payments with ``done(payment)``, given
    the payment as the service left it (a paid date it has just set, say)."""
    award = awards_selectors.access_award(request.user, pk)
    payment = awards_selectors.award_payment(award, payment_pk)
    form = form_for(award, payment)
    if request.method == "POST" and form.is_valid():
        try:
            changed = act(payment, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, done(changed))
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments")
    return render(
        request, "grants/payment_action.html", page_context(request, award=award, payment=payment, form=form, **page)
    )


def _payment_words(payment) -> str:
    return f"The payment of {format_pence(payment.amount)} due {_day(payment.due_date)}"


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def payment_mark_paid(request, pk: int, payment_pk: int):
    return _payment_step(
        request,
        pk,
        payment_pk,
        form_for=lambda award, payment: MarkPaidForm(form_data(request), initial={"version": payment.version}),
        act=lambda payment, data: payments_services.payment_mark_paid(
            payment=payment,
            actor=request.user,
            paid_date=data["paid_date"],
            expected_version=data["version"],
        ),
        done=lambda payment: f"{_payment_words(payment)} has been marked as paid on {_day(payment.paid_date)}.",
        title="Mark a payment as paid",
        submit_label="Save",
        mark_paid=True,
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
        act=lambda payment, data: payments_services.payment_approve(
            payment=payment,
            actor=request.user,
            expected_version=data["version"],
            due_diligence_reason=data.get("due_diligence_reason", ""),
        ),
        done=lambda payment: f"{_payment_words(payment)} has been approved for paying.",
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
        act=lambda payment, data: payments_services.payment_cancel(
            payment=payment,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        ),
        done=lambda payment: f"{_payment_words(payment)} has been cancelled: it is kept, and counts for nothing.",
        title="Cancel a payment",
        submit_label="Cancel the payment",
        warning=True,
    )


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def payment_plan(request, pk: int):
    """Set up, change or remove an award's payment plan (officers); finance approves the
    instalments it schedules."""
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    plan = awards_selectors.award_payment_plan(award)
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
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(
                request, "The payment plan is saved and its instalments are scheduled for finance to approve."
            )
            return redirect(reverse("grants:award_detail", kwargs={"pk": award.pk}) + "#payments")
    return render(request, "grants/payment_plan_form.html", page_context(request, award=award, form=form, plan=plan))


@capability_required("grants.view")
@year_page(all_years=True)
def payments_export(request, *, year):
    fy = year.fy
    payments = Payment.objects.all() if fy is None else Payment.objects.filter(fy=fy)
    sheet = Sheet("Payments", *payments_exporters.payments_table(payments))
    name = f"payments-{fy}" if fy is not None else "payments"
    return private_download(export_response(sheet, format=export_format(request), filename=name))

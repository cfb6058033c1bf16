"""A fingerprint of the national rows, to check that two loads with the same seed match."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from delivery.models import Activity, ComplianceFigure, DeliveryPlan, MetricValue, ProgressUpdate
from grants.models import (
    Award,
    AwardTransition,
    Decision,
    FundingLine,
    FundingStream,
    MonitoringReturn,
    Payment,
    PriorityBudget,
    ReturnBreakdown,
    StreamAllocation,
)
from providers.models import Organisation
from rounds.models import Application, Round, Score

from .common import REFERENCE_PREFIX


def _organisations_and_money_in() -> tuple[QuerySet, ...]:
    return (
        Organisation.objects.order_by("name").values_list(
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
        ),
        FundingStream.objects.order_by("name").values_list(
            "name", "source__name", "kind", "moj_reported", "ring_fenced_for"
        ),
        StreamAllocation.objects.order_by("stream__name", "fy").values_list("stream__name", "fy", "amount"),
        PriorityBudget.objects.order_by("priority__code", "fy").values_list("priority__code", "fy", "amount"),
        Decision.objects.filter(awards__reference__startswith=REFERENCE_PREFIX)
        .order_by("reference")
        .values_list("reference", "subject", "summary", "decided_on", "status", "signed_at", "published_on"),
    )


def _awards() -> tuple[QuerySet, ...]:
    national = {"reference__startswith": REFERENCE_PREFIX}
    return (
        Award.objects.filter(**national)
        .order_by("reference")
        .values_list(
            "reference",
            "title",
            "provider__name",
            "kind",
            "priority__code",
            "purpose",
            "approach",
            "status",
            "start_date",
            "end_date",
            "extension_months",
            "extension_until",
            "duration",
            "key_activity",
            "decision__reference",
            "cost_centre",
            "moj_category__code",
        ),
        Award.kpqs.through.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "kpq__number")
        .values_list("award__reference", "kpq__number"),
        AwardTransition.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "at")
        .values_list("award__reference", "from_status", "to_status", "at", "note"),
    )


def _lines_payments_and_returns() -> tuple[QuerySet, ...]:
    return (
        FundingLine.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "fy", "stream__name")
        .values_list("award__reference", "stream__name", "fy", "amount"),
        Payment.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "due_date", "stream__name", "amount", "po_number")
        .values_list(
            "award__reference",
            "stream__name",
            "fy",
            "due_date",
            "paid_date",
            "amount",
            "reason",
            "invoice_reference",
            "po_number",
        ),
        MonitoringReturn.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "fy", "quarter")
        .values_list(
            "award__reference",
            "fy",
            "quarter",
            "due_date",
            "status",
            "referrals",
            "supported",
            "rag",
            "submitted_at",
            "reviewed_at",
        ),
        ReturnBreakdown.objects.filter(monitoring_return__award__reference__startswith=REFERENCE_PREFIX)
        .order_by(
            "monitoring_return__award__reference",
            "monitoring_return__fy",
            "monitoring_return__quarter",
            "code__list",
            "code__code",
        )
        .values_list(
            "monitoring_return__award__reference",
            "monitoring_return__fy",
            "monitoring_return__quarter",
            "code__list",
            "code__code",
            "count",
        ),
    )


def _rounds() -> tuple[QuerySet, ...]:
    national = {"reference__startswith": REFERENCE_PREFIX}
    return (
        Round.objects.filter(**national)
        .order_by("reference")
        .values_list("reference", "name", "fy", "budget", "min_amount", "max_amount", "opens_at", "closes_at"),
        Application.objects.filter(**national)
        .order_by("reference")
        .values_list(
            "reference",
            "organisation__name",
            "organisation__charity_number",
            "title",
            "amount_requested",
            "status",
            "eligibility",
            "submitted_at",
        ),
        Score.objects.filter(assignment__application__reference__startswith=REFERENCE_PREFIX)
        .order_by("assignment__application__reference", "criterion__key")
        .values_list(
            "assignment__application__reference", "assignment__member__user__username", "criterion__key", "score"
        ),
    )


def _delivery() -> tuple[QuerySet, ...]:
    national = {"plan__reference__startswith": REFERENCE_PREFIX}
    return (
        DeliveryPlan.objects.filter(reference__startswith=REFERENCE_PREFIX)
        .order_by("reference")
        .values_list("reference", "title", "owner__name", "fy", "status"),
        Activity.objects.filter(**national)
        .order_by("plan__reference", "sort_key")
        .values_list("plan__reference", "number", "title", "lead", "start_date", "end_date"),
        ProgressUpdate.objects.filter(update_round__plan__reference__startswith=REFERENCE_PREFIX)
        .order_by("update_round__plan__reference", "update_round__period", "activity__sort_key")
        .values_list("update_round__plan__reference", "update_round__period", "activity__number", "state", "progress"),
        MetricValue.objects.filter(metric__plan__reference__startswith=REFERENCE_PREFIX)
        .order_by("metric__plan__reference", "metric__objective__sort_key", "metric__name", "as_at")
        .values_list("metric__plan__reference", "metric__objective__number", "metric__name", "as_at", "value"),
        ComplianceFigure.objects.filter(body__supplier_number__startswith="POL-")
        .order_by("body__name", "measure__key", "fy", "quarter")
        .values_list("body__name", "measure__key", "fy", "quarter", "numerator", "denominator"),
    )


def national_digest() -> str:
    """A fingerprint of the national rows by their natural keys (no ids, no automatic
    timestamps), in a fixed order: two loads with the same seed give the same digest."""
    digest = hashlib.sha256()
    queries = (*_organisations_and_money_in(), *_awards(), *_lines_payments_and_returns(), *_rounds(), *_delivery())
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            digest.update(repr(row).encode())
        digest.update(b"|")
    return digest.hexdigest()

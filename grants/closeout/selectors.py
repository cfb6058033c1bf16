"""Reads for the close-out pages: awards closing soon (with what each still needs), an award's
closure, and the closed awards whose personal data is due for deletion."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Case, Count, DateField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce

from grants.models import Award, AwardClosure, AwardStatus, MonitoringReturn, Variation
from pcc_commissioning import clock

# The award's last day (``Award.last_day``) as the database works it out.
RUNS_UNTIL = Case(
    When(extension_taken=True, extension_until__gt=F("end_date"), then=F("extension_until")),
    default=F("end_date"),
    output_field=DateField(),
)
CLOSING_SORTS = {"end_date": ("runs_until", "reference"), "-end_date": ("-runs_until", "reference")}


def closing_soon(*, today: datetime.date | None = None, sort: str = "") -> QuerySet[Award]:
    """Awards not closed that have ended, or are running and whose last day is within
    ``CONTRACT_ENDING_DAYS`` of ``today`` (or already past, before the daily run ends them).
    Each has ``runs_until`` (its last day). Sorted by last day (``sort`` "-end_date": latest first)."""
    today = today or clock.today()
    horizon = today + datetime.timedelta(days=settings.CONTRACT_ENDING_DAYS)
    running = Q(status__in=(AwardStatus.AWARDED, AwardStatus.ACTIVE), runs_until__lte=horizon)
    return (
        Award.objects.filter(closure__isnull=True)
        .annotate(runs_until=RUNS_UNTIL)
        .filter(running | Q(status=AwardStatus.ENDED))
        .select_related("provider")
        .order_by(*CLOSING_SORTS.get(sort, CLOSING_SORTS["end_date"]))
    )


def award_closure(award: Award) -> AwardClosure | None:
    """The award's closure with who closed it and its final records, or None if it is open."""
    return (
        AwardClosure.objects.select_related("closed_by", "final_return", "final_spend")
        .filter(award_id=award.pk)
        .first()
    )


def _count(queryset) -> Coalesce:
    counted = queryset.filter(award=OuterRef("award")).values("award").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def retention_due(*, today: datetime.date | None = None) -> QuerySet[AwardClosure]:
    """Closed awards whose personal data may now be deleted (the day after ``personal_data_until``
    onwards) and still holds it, oldest first, with what they hold: ``case_studies`` and
    ``feedback`` (returns with one), ``contacts`` (variations naming a lead contact)."""
    today = today or clock.today()
    returns = MonitoringReturn.objects.all()
    return (
        AwardClosure.objects.filter(personal_data_until__lt=today, redacted_at__isnull=True)
        .select_related("award__provider")
        .annotate(
            case_studies=_count(returns.exclude(case_study="")),
            feedback=_count(returns.exclude(feedback="")),
            contacts=_count(Variation.objects.exclude(new_lead_contact="")),
        )
        .order_by("personal_data_until", "award__reference")
    )

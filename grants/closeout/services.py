"""Closing an award, and redacting its personal data once the retention period has passed.

``award_close`` checks the award against ``checklist.award_closing_checklist`` (the same rule the
pages show), records the closing note and the date after which its personal data may be
deleted, and from then on the award is read-only (``grants.validation.check_award_open``).

``personal_data_redact`` removes the words people wrote about people (case studies, service-user
feedback, narratives, explanations, named lead contacts) from the award's monitoring returns and
variations, in the live rows and in their history, and leaves every figure: counts, breakdowns,
outcomes, KPI values, money."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from grants.closeout.checklist import closing_state, final_quarter, last_year, personal_data_until
from grants.closeout.selectors import retention_due
from grants.models import (
    Award,
    AwardClosure,
    AwardStatus,
    MonitoringReturn,
    Recommission,
    SpendReturn,
    Variation,
)
from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import fy_label, quarter_label
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors

# The text fields of a monitoring return that may name or describe a person.
RETURN_PERSONAL_FIELDS = ("case_study", "feedback", "narrative", "breakdown_explanation")


def _check_note(lessons: str, recommission: str, errors: Errors) -> None:
    if not lessons:
        add_error(errors, "lessons", "Say what was learned (the closing note is kept with the award).")
    if recommission not in Recommission.values:
        add_error(errors, "recommission", "Choose whether to recommission the service.")


def _chosen(chosen, found, *, field: str, what: str, errors: Errors):
    """The form's choice must be the record the checklist found (the award's own final one)."""
    if chosen is not None and field not in errors and (found is None or chosen.pk != found.pk):
        add_error(errors, field, f"Choose the award's {what}.")
    return found


@transaction.atomic
def award_close(
    *,
    actor,
    award: Award,
    lessons: str,
    recommission: str,
    final_return: MonitoringReturn | None = None,
    final_spend: SpendReturn | None = None,
    expected_version: int | None = None,
) -> AwardClosure:
    """Close an ended (or cancelled) award whose checklist is complete, with the closing note:
    ``lessons`` (what was learned) and ``recommission`` (a ``Recommission`` value). The final
    return and final budget return default to the ones the checklist found. Closed today;
    its personal data may be deleted after ``PERSONAL_DATA_RETENTION_YEARS`` years. Every
    missing item is refused at once, each under its own field. Needs ``awards.close``."""
    require_capability(actor, "awards.close")
    locked = lock_for_update(award, expected_version=expected_version)
    errors: Errors = {}
    lessons, recommission = clean_text(lessons), clean_text(recommission).lower()
    if AwardClosure.objects.filter(award_id=locked.pk).exists():
        raise ValidationError({"__all__": [f"Award {locked.reference} is already closed."]})
    items, facts = closing_state(locked)
    for item in items:
        if not item.done:
            add_error(errors, item.field, item.missing)
    if locked.status == AwardStatus.CANCELLED:
        # A cancelled award owes no final returns: those given are kept if they are its own.
        final_return = final_return if final_return and final_return.award_id == locked.pk else None
        final_spend = final_spend if final_spend and final_spend.award_id == locked.pk else None
    else:
        key = final_quarter(locked)
        what = f"final monitoring return ({quarter_label(*key)})" if key else "final monitoring return"
        final_return = _chosen(final_return, facts.final_return, field="final_return", what=what, errors=errors)
        what = f"final budget return for {fy_label(last_year(locked))}"
        final_spend = _chosen(final_spend, facts.final_spend, field="final_spend", what=what, errors=errors)
    _check_note(lessons, recommission, errors)
    raise_if_errors(errors)
    closed_on = clock.today()
    closure = AwardClosure(
        award=locked,
        closed_on=closed_on,
        closed_by=actor,
        final_return=final_return,
        final_spend=final_spend,
        lessons=lessons,
        recommission=recommission,
        personal_data_until=personal_data_date(closed_on),
    )
    attribute_to(closure, actor)
    closure.save()
    # Closing is a change of the award: an edit form opened before it is now stale.
    Award.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    return closure


def personal_data_date(closed_on: datetime.date) -> datetime.date:
    """The date after which an award closed on ``closed_on`` may lose its personal data."""
    return personal_data_until(closed_on, settings.PERSONAL_DATA_RETENTION_YEARS)


# Retention -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redacted:
    """What one redaction removed: how many returns and variations lost their personal data."""

    reference: str
    returns: int
    variations: int

    def line(self) -> str:
        return (
            f"{self.reference}: personal data removed from {self.returns} monitoring "
            f"return{'s' if self.returns != 1 else ''} and {self.variations} "
            f"variation{'s' if self.variations != 1 else ''}"
        )


def _holds_personal_data() -> Q:
    q = Q(case_study_consent=True)
    for name in RETURN_PERSONAL_FIELDS:
        q |= ~Q(**{name: ""})
    return q


@transaction.atomic
def personal_data_redact(*, actor, closure: AwardClosure) -> Redacted:
    """Remove the personal data of a closed award whose retention date has passed: its
    returns' case studies, feedback, narratives and breakdown explanations (consent cleared),
    and its variations' named lead contacts, in the records and in their history. Figures stay.
    Needs ``retention.redact``."""
    require_capability(actor, "retention.redact")
    locked = AwardClosure.objects.select_for_update().select_related("award").get(pk=closure.pk)
    today = clock.today()
    if locked.redacted_at is not None:
        raise ValidationError({"__all__": [f"Award {locked.award.reference}'s personal data was already removed."]})
    if locked.personal_data_until >= today:
        raise ValidationError(
            {
                "__all__": [
                    f"Award {locked.award.reference}'s personal data may be deleted only after "
                    f"{locked.personal_data_until:%-d %B %Y}."
                ]
            }
        )
    now = clock.now()
    cleared = dict.fromkeys(RETURN_PERSONAL_FIELDS, "")
    returns = MonitoringReturn.objects.filter(award_id=locked.award_id)
    changed_returns = returns.filter(_holds_personal_data()).update(
        **cleared, case_study_consent=False, version=F("version") + 1
    )
    returns.update(personal_data_redacted_at=now)
    # simple_history keeps every earlier version of a row: the words must go from those too.
    MonitoringReturn.history.filter(award_id=locked.award_id).update(**cleared, case_study_consent=False)
    variations = Variation.objects.filter(award_id=locked.award_id).exclude(new_lead_contact="")
    changed_variations = variations.update(new_lead_contact="", version=F("version") + 1)
    Variation.history.filter(award_id=locked.award_id).update(new_lead_contact="")
    locked.redacted_at = now
    attribute_to(locked, actor)
    locked.save(update_fields=["redacted_at"])
    return Redacted(reference=locked.award.reference, returns=changed_returns, variations=changed_variations)


def personal_data_redact_due(*, actor, dry_run: bool = False) -> list[Redacted]:
    """Redact every closed award that is due today (``dry_run``: only say what would be done)."""
    results = []
    for closure in list(retention_due()):
        if dry_run:
            returns = MonitoringReturn.objects.filter(award_id=closure.award_id).filter(_holds_personal_data()).count()
            variations = Variation.objects.filter(award_id=closure.award_id).exclude(new_lead_contact="").count()
            results.append(Redacted(reference=closure.award.reference, returns=returns, variations=variations))
        else:
            results.append(personal_data_redact(actor=actor, closure=closure))
    return results

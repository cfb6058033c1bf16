"""A panel member's own writes: declaring a conflict of interest (or none) before opening an
application, and saving or submitting their scores.

Nobody scores after the round is decided: the awards were made on the scores as they were."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from pcc_commissioning import clock
from pcc_commissioning.roles import require_capability

from ..models import Assignment, AssignmentStatus, Criterion, RoundStatus, Score

DECIDED = frozenset({RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED, RoundStatus.CANCELLED})


def _locked(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_for_update().select_related("member__round", "application").get(pk=assignment.pk)


def _require_own(actor, assignment: Assignment) -> None:
    if actor is not None and assignment.member.user_id != actor.pk:
        raise PermissionDenied("This is another panel member's assessment.")


def require_round_scoring(round) -> None:
    if round.status in DECIDED:
        raise ValidationError(
            f"Round {round.reference} is {round.get_status_display().lower()}: nobody scores after the round is decided."
        )


@transaction.atomic
def assignment_declare(*, actor, assignment: Assignment, conflict: bool, note: str = "") -> Assignment:
    """Declare a conflict of interest (``conflict`` with what it is: the member can never open
    or score the application) or none (scoring starts). Made once."""
    require_capability(actor, "rounds.score")
    locked = _locked(assignment)
    _require_own(actor, locked)
    require_round_scoring(locked.member.round)
    note = (note or "").strip()
    if locked.status != AssignmentStatus.UNDECLARED:
        raise ValidationError({"conflict": ["You have already answered the conflict of interest question."]})
    if conflict and not note:
        raise ValidationError({"note": ["Say what the conflict of interest is."]})
    locked.status = AssignmentStatus.CONFLICTED if conflict else AssignmentStatus.IN_PROGRESS
    locked.conflict_note = note if conflict else ""
    locked.declared_at = clock.now()
    locked.version += 1
    locked.save()
    return locked


ScoreInput = tuple[int | None, str]


def field_name(criterion: Criterion) -> str:
    """The form field (and error key) of a criterion's score."""
    return f"score_{criterion.pk}"


@transaction.atomic
def scores_save(*, actor, assignment: Assignment, scores: dict[int, ScoreInput], submit: bool) -> Assignment:
    """Save the member's scores (``{criterion_id: (score or None, comment)}``): what is there
    when saving for later, every criterion when submitting. Submitted scores are final."""
    require_capability(actor, "rounds.score")
    locked = _locked(assignment)
    _require_own(actor, locked)
    require_round_scoring(locked.member.round)
    if locked.status == AssignmentStatus.CONFLICTED:
        raise PermissionDenied("You declared a conflict of interest with this application, so you cannot score it.")
    if locked.status == AssignmentStatus.UNDECLARED:
        raise ValidationError("Answer the conflict of interest question before scoring.")
    if locked.status == AssignmentStatus.SUBMITTED:
        raise ValidationError("Your scores for this application have been submitted and cannot be changed.")
    write_scores(locked, scores, submit=submit)
    return locked


def write_scores(assignment: Assignment, scores: dict[int, ScoreInput], *, submit: bool) -> None:
    """Check and store ``scores`` on ``assignment`` (locked by the caller); with ``submit``, every
    criterion must be scored and the assignment becomes submitted. Errors name each field."""
    criteria = {c.pk: c for c in Criterion.objects.filter(round_id=assignment.member.round_id)}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(scores) - set(criteria))
    if unknown:
        errors["__all__"] = [f"Criterion {pk} is not a criterion of this round." for pk in unknown]
    for pk, criterion in criteria.items():
        score, comment = scores.get(pk, (None, ""))
        if score is not None and not 0 <= score <= criterion.max_score:
            errors[field_name(criterion)] = [f"{criterion.text}: the score must be from 0 to {criterion.max_score}."]
        elif score is None and submit:
            errors[field_name(criterion)] = [f"{criterion.text}: give a score before submitting."]
        elif score is None and (comment or "").strip():
            errors[field_name(criterion)] = [f"{criterion.text}: give a score to keep the comment."]
    if errors:
        raise ValidationError(errors)
    existing = {s.criterion_id: s for s in Score.objects.filter(assignment=assignment)}
    for pk in criteria:
        score, comment = scores.get(pk, (None, ""))
        row = existing.get(pk)
        if score is None:
            if row is not None and pk in scores:
                row.delete()
            continue
        if row is None:
            Score.objects.create(assignment=assignment, criterion_id=pk, score=score, comment=(comment or "").strip())
        elif row.score != score or row.comment != (comment or "").strip():
            row.score, row.comment = score, (comment or "").strip()
            row.save(update_fields=["score", "comment", "updated_at"])
    if submit:
        assignment.status = AssignmentStatus.SUBMITTED
        assignment.submitted_at = clock.now()
    assignment.version += 1
    assignment.save()
